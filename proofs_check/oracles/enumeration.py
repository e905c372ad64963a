"""Exact-enumeration oracle: finite objects enumerated completely, compared exactly.

Every batch of a schedule, every activation pattern, every pair of coordinates or every
case of a finite grid is visited; sums are exact (Rationals) or evaluated at 50 digits
where logarithms enter.  A check names what it enumerated and how many cases.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Sequence
from typing import Any

import mpmath
import sympy as sp

from numerics.compile import compile
from numerics.schedules import batches
from theory import dynamics, lamperti, stationary
from theory import walk as theory_walk
from theory.conventions import LINEAR, RELU, RELU1, Conventions
from theory.symbols import S_B, S, a_j, a_k, b, gamma, n, r

from ..result import CheckResult
from .symbolic import LAMPERTI_GRID, lamperti_expected

__all__ = [
    "STATE",
    "birth_death_series",
    "cyclic_classes",
    "drift_is_coupling_form",
    "fixed_points",
    "gd_ratios_by_definition",
    "large_init_growth",
    "log_ratio_law",
    "move_probability_by_counting",
    "replacement_up_probability",
    "stability_at_xk",
    "stationary_points",
    "variance_near_minimum",
]

STATE = (sp.Rational(1, 2), sp.Rational(3, 10), sp.Rational(1, 5), sp.Rational(1, 10),
         sp.Rational(2, 5))
"""A fixed rational state for the walk enumerations: n = 5, every coordinate active, r < 2."""
_ZERO = sp.Integer(0)


def _status(ok: bool) -> str:
    return "pass" if ok else "fail"


def stationary_points(conventions: Conventions,
                      dims: Sequence[tuple[int, int]] = ((2, 2), (3, 2))) -> CheckResult:
    """``minima.set`` / ``stationary.other`` over every activation pattern (small d, n):
    every solution of grad L = 0 (the explicit loss, SymPy's solver) is one of the
    library's two classes: a minimum with its S, r and value, or the S = 0 set with its
    value."""
    cls = stationary.classify_reduced()
    rows = []
    bad = 0
    for d_, n_ in dims:
        found = stationary.exhaustive_check(d_, n_, conventions, classes=cls)
        bad += len(found["other"])
        rows.append({"d": d_, "n": n_, "minima": found["minimum"], "dead": found["dead"],
                     "other": len(found["other"])})
    return CheckResult(
        "stationary points over all activation patterns", "exact-enumeration",
        "fail" if bad else "pass", "exact (SymPy solve of the polynomial system per pattern)",
        {"cases": rows, "conventions": list(conventions.tags())},
        "every solution of grad L = 0 is a global minimum (S = r = 1) or has S = 0",
    )


def _batch_gradient_by_definition(w: list[Any], batch: Sequence[int], n_: int,
                                  conventions: Conventions = RELU) -> list[Any]:
    """sum_{i in B} grad l_i(w) for data e_i (repeats count twice), by the chain rule on
    l_i = 1/2 ||w s - e_i||^2 with s = sigma(w_i) and s' = sigma'(w_i) (relu'(0) from the
    conventions): grad l_i = s (w s - e_i) + s' ((w s - e_i) . w) e_i.  Exact on exact
    numbers (Rationals), or at the working precision on mpmath numbers."""
    g: list[Any] = [0] * len(w)
    relu = conventions.is_relu
    for i in batch:
        s_i = w[i] if (not relu or w[i] > 0) else 0
        ds = 1 if (not relu or w[i] > 0) else (conventions.relu_prime_at_zero if w[i] == 0
                                               else 0)
        err = [x * s_i - (1 if k == i else 0) for k, x in enumerate(w)]
        for k in range(len(w)):
            g[k] += s_i * err[k]
        g[i] += ds * sum(e * x for e, x in zip(err, w, strict=True))
    return g


def _step_by_definition(w: list[Any], batch: Sequence[int], n_: int, gamma_: Any,
                        conventions: Conventions = RELU) -> list[Any]:
    """One SGD step w - gamma sum_{i in B} grad l_i(w), from the definition."""
    g = _batch_gradient_by_definition(w, batch, n_, conventions)
    return [x - gamma_ * gx for x, gx in zip(w, g, strict=True)]


def fixed_points() -> CheckResult:
    """``sgd.fixed_points``: at s-sparse minima (n = 5) the batch gradient of every batch,
    computed from the definition of the loss, vanishes for every batch iff s = 1 (all
    b < n); and it equals the library's coefficients times a_j, in and out of the batch."""
    comp = dynamics.batch_gradient_coefficients_at_min()
    coef = {"in": compile(comp["in_batch"], (S_B,), "mpmath"),
            "out": compile(comp["out_of_batch"], (S_B,), "mpmath")}
    rows = []
    ok = True
    n_ = 5
    for b_ in range(1, n_):
        for s_ in range(1, n_ + 1):
            w = [sp.Integer(1) if i < s_ else sp.Integer(0) for i in range(n_)]
            norm2 = sp.Integer(s_)
            w = [x / sp.sqrt(norm2) for x in w]
            all_zero = True
            for batch in itertools.combinations(range(n_), b_):
                g = _batch_gradient_by_definition(w, batch, n_)
                sb = sum((w[i] ** 2 for i in batch), sp.Integer(0))
                lib = [w[j] * coef["in" if j in batch else "out"](sb) for j in range(n_)]
                ok &= all(abs(float(g[j]) - float(lib[j])) <= 1e-12 for j in range(n_))
                all_zero &= all(sp.simplify(x) == 0 for x in g)
            ok &= all_zero == (s_ == 1)
            rows.append({"b": b_, "s": s_, "every_batch_gradient_zero": all_zero})
    return CheckResult(
        "every batch gradient (from the definition) vanishes at an s-sparse minimum iff "
        "s = 1 (n = 5, all b < n), and equals the library's coefficients", "exact-enumeration",
        _status(ok), "exact (enumeration of all batches); coefficients to 1e-12",
        {"cases": rows})


def _rational_state(rng: random.Random, d_: int, n_: int, positive: int) -> list[sp.Rational]:
    """A random state of nonzero rationals k/10 (|k| <= 12), the first ``positive`` data
    coordinates positive (so that relu has that many active coordinates)."""
    w = [sp.Rational(rng.choice([-1, 1]) * rng.randint(1, 12), 10) for _ in range(d_)]
    return [abs(x) if i < positive else x for i, x in enumerate(w)]


def gd_ratios_by_definition(points: int = 8, seed: int = 3) -> CheckResult:
    """``gd.ratio_invariance``: one full-batch step written from the definition, in exact
    rationals at random states (2 <= n <= 4, d = n + 2, every conventions), changes
    a_j/a_k of every pair of active coordinates by exactly the library's ratio drift,
    evaluated at the state (which must be 0: the claim)."""
    drift = dynamics.gd_ratio_invariance()
    rng = random.Random(seed)
    worst = sp.Integer(0)
    pairs = 0
    for conv in (LINEAR, RELU, RELU1):
        for _ in range(points):
            n_ = rng.randint(2, 4)
            w = _rational_state(rng, n_ + 2, n_, positive=2)
            g = sp.Rational(rng.randint(1, 9), 100)
            new = _step_by_definition(w, range(n_), n_, g, conv)
            active = [i for i in range(n_) if not conv.is_relu or w[i] > 0]
            at = {gamma: g, r: sum((x * x for x in w), sp.Integer(0)),
                  S: sum((w[i] ** 2 for i in active), sp.Integer(0))}
            for j, k in itertools.permutations(active, 2):
                got = new[j] / new[k] - w[j] / w[k]
                lib = drift.subs({**at, a_j: w[j], a_k: w[k]})
                worst = max(worst, abs(sp.nsimplify(got - lib)))
                pairs += 1
    return CheckResult(
        "full-batch step from the definition keeps every ratio of active coordinates",
        "exact-enumeration", _status(worst == 0 and pairs > 0),
        "exact (rational arithmetic)",
        {"states": 3 * points, "pairs": pairs, "max_abs_difference": str(worst),
         "claimed_drift": str(drift), "seed": seed})


def large_init_growth(points: int = 12, seed: int = 5) -> CheckResult:
    """``relu.large_init``: one b = 1 step written from the definition, in exact rationals,
    at random relu states (n = 4, d = 6) and at the verify start a(0) = (0.18, -0.97,
    -0.41, -0.26), ||w_perp|| = 1.59: (a_j'/a_j)/(w_perp'/w_perp) - 1 for the batch
    coordinate j equals the library's growth at (gamma, r, S_B = a_j^2), and it is negative
    exactly when r > 2 (the batch coordinate shrinks relative to w_perp)."""
    growth = dynamics.active_vs_perp_growth()
    rng = random.Random(seed)
    start = [sp.Rational(x) for x in ("0.18", "-0.97", "-0.41", "-0.26", "1.59", "0")]
    states = [start] + [_rational_state(rng, 6, 4, positive=1) for _ in range(points)]
    worst = sp.Integer(0)
    sign_ok = True
    signs = {"r > 2": 0, "r < 2": 0}
    for w in states:
        g = sp.Rational(45, 100) if w is start else sp.Rational(rng.randint(1, 20), 100)
        new = _step_by_definition(w, [0], 4, g, RELU)
        rr = sum((x * x for x in w), sp.Integer(0))
        measured = (new[0] / w[0]) / (new[4] / w[4]) - 1
        lib = growth.subs({gamma: g, r: rr, S_B: w[0] ** 2})
        worst = max(worst, abs(sp.nsimplify(measured - lib)))
        if rr != 2 and g * w[0] ** 2 < 1:
            sign_ok &= (measured < 0) == (rr > 2)
            signs["r > 2" if rr > 2 else "r < 2"] += 1
    return CheckResult(
        "one b = 1 step from the definition: growth of the batch coordinate against w_perp",
        "exact-enumeration", _status(worst == 0 and sign_ok and min(signs.values()) > 0),
        "exact (rational arithmetic)",
        {"states": len(states), "max_abs_difference": str(worst),
         "negative_iff_r_above_2": sign_ok, "states_by_r": signs, "seed": seed})


def _classes_of_schedule(n_: int, b_: int) -> list[list[int]]:
    """Indices that share every batch of one period of the library's cyclic schedule."""
    period = n_ // math.gcd(n_, b_)
    rows = [set(bt.tolist()) for bt in batches("cyclic", n_, b_, steps=period)]
    groups: dict[tuple[bool, ...], list[int]] = {}
    for i in range(n_):
        groups.setdefault(tuple(i in bt for bt in rows), []).append(i)
    return sorted(groups.values())


def cyclic_classes() -> CheckResult:
    """``cyclic.blocks``: for every 1 <= b <= n <= 12 the classes read off the batches the
    schedule actually produces equal the library's classes, each of the library's size
    gcd(b, n), and the walk's cyclic directions agree with those batches."""
    size = compile(dynamics.cyclic_class_size(), (b, n), "mpmath")
    bad: list[list[int | str]] = []
    count = 0
    for n_ in range(1, 13):
        for b_ in range(1, n_ + 1):
            count += 1
            seen = _classes_of_schedule(n_, b_)
            lib = dynamics.cyclic_classes(n_, b_)
            if seen != lib or any(len(c) != int(size(b_, n_)) for c in seen):
                bad.append([n_, b_])
            if n_ >= 2 and not _directions_agree(n_, b_):
                bad.append([n_, b_, "directions"])
    return CheckResult("cyclic classes of the schedule vs gcd(b, n)", "exact-enumeration",
                       "fail" if bad else "pass", "exact (one full period of batches)",
                       {"pairs": count, "mismatches": bad[:10]})


def _directions_agree(n_: int, b_: int) -> bool:
    """theory.walk.cyclic_directions(j, k) = +1/-1/0 as j only / k only / both-or-neither
    are in the schedule's blocks, for the pairs (0, k)."""
    period = n_ // math.gcd(n_, b_)
    rows = [set(bt.tolist()) for bt in batches("cyclic", n_, b_, steps=period)]
    for k in range(1, n_):
        want = [int(0 in bt) - int(k in bt) for bt in rows]
        if theory_walk.cyclic_directions(n_, b_, 0, k) != want:
            return False
    return True


def move_probability_by_counting() -> CheckResult:
    """``walk.move_probability``: P(j in B, k not in B) from the library's formulas equals
    the count over all b-subsets (``random``) and all n^b draws (``replacement``), for every
    2 <= n <= 7 and 1 <= b <= n; it is 0 at b = n (``full``)."""
    f_random = compile(theory_walk.move_probability("random"), (n, b), "mpmath")
    f_repl = compile(theory_walk.move_probability("replacement"), (n, b), "mpmath")
    f_full = compile(theory_walk.move_probability("full"), (n, b), "mpmath")
    bad: list[list[int | str]] = []
    with mpmath.workdps(30):
        for n_ in range(2, 8):
            for b_ in range(1, n_ + 1):
                subsets = list(itertools.combinations(range(n_), b_))
                want = sp.Rational(sum(0 in c and 1 not in c for c in subsets), len(subsets))
                draws = itertools.product(range(n_), repeat=b_)
                rep = sp.Rational(sum(0 in c and 1 not in c for c in draws), n_**b_)
                nn, bb = mpmath.mpf(n_), mpmath.mpf(b_)
                pairs = ((f_random(nn, bb), want), (f_repl(nn, bb), rep))
                if any(abs(got - mpmath.mpf(w.p) / w.q) > 1e-25 for got, w in pairs):
                    bad.append([n_, b_])
            if f_full(mpmath.mpf(n_), mpmath.mpf(n_)) != 0:
                bad.append([n_, "full"])
    return CheckResult("move probability vs counting batches", "exact-enumeration",
                       "fail" if bad else "pass", "exact counts; 1e-25 at 30 digits",
                       {"mismatches": bad})


def replacement_up_probability(n_: int, b_: int) -> sp.Rational:
    """P(count of j > count of k) for b i.i.d. uniform draws from n (multinomial sum).

    Under ``replacement`` D moves up whenever j is drawn more often than k, not only when
    j is drawn and k is not: for b >= 3 this exceeds (1 - 1/n)^b - (1 - 2/n)^b.
    """
    total = sp.Integer(0)
    for cj in range(b_ + 1):
        for ck in range(min(cj, b_ - cj + 1)):
            rest = b_ - cj - ck
            total += (sp.factorial(b_) / (sp.factorial(cj) * sp.factorial(ck) * sp.factorial(rest))
                      * sp.Rational(1, n_) ** (cj + ck) * sp.Rational(n_ - 2, n_) ** rest)
    return sp.Rational(total)


def _definition_law(state: Sequence[sp.Rational], j: int, k: int, gamma_: sp.Rational,
                    b_: int, schedule: str, perp: sp.Rational = _ZERO
                    ) -> dict[sp.Rational, sp.Rational]:
    """The law of a_j'/a_k' / (a_j/a_k) over every batch, each step from the definition
    (w = (state, perp): ``perp`` is a coordinate orthogonal to the data)."""
    n_ = len(state)
    draws = (itertools.combinations(range(n_), b_) if schedule == "random"
             else itertools.product(range(n_), repeat=b_))
    batches_ = list(draws)
    law: dict[sp.Rational, sp.Rational] = {}
    for batch in batches_:
        new = _step_by_definition([*state, perp], batch, n_, gamma_)
        ratio = sp.Rational((new[j] / new[k]) / (state[j] / state[k]))
        law[ratio] = law.get(ratio, sp.Integer(0)) + sp.Rational(1, len(batches_))
    return law


def _library_law(state: Sequence[sp.Rational], j: int, k: int, gamma_: sp.Rational, b_: int,
                 schedule: str) -> dict[sp.Rational, sp.Rational]:
    """The library's exact law of D' - D, keyed by exp(D' - D)."""
    law = theory_walk.log_ratio_increment_law(list(state), j, k, gamma_, b_, schedule=schedule)
    return {sp.Rational(sp.exp(v)): w for v, w in law.items()}


def _cases_mismatches(state: Sequence[sp.Rational], j: int, k: int, gamma_: sp.Rational,
                      b_: int) -> int:
    """Batches (all b-subsets) where the definition's a_j'/a_k' / (a_j/a_k) differs from
    exp of the library's case formula (j only, k only, both, neither) at the state."""
    cases = theory_walk.log_ratio_increment_cases(RELU)
    rr = sum((x * x for x in state), sp.Integer(0))
    bad = 0
    for batch in itertools.combinations(range(len(state)), b_):
        new = _step_by_definition(list(state), batch, len(state), gamma_)
        ratio = sp.Rational((new[j] / new[k]) / (state[j] / state[k]))
        key = {(True, False): "j_only", (False, True): "k_only", (True, True): "both",
               (False, False): "neither"}[(j in batch, k in batch)]
        sb = sum((state[i] ** 2 for i in batch), sp.Integer(0))
        lib = sp.exp(cases[key]).subs({gamma: gamma_, r: rr, S_B: sb})
        bad += sp.nsimplify(lib - ratio) != 0
    return bad


def log_ratio_law() -> CheckResult:
    """``walk.log_ratio``: the library's exact law of D' - D (n = 5) equals the law obtained
    by applying the SGD step written from the definition to every batch (``random`` and
    ``replacement``, b = 1, 2, 4), and so does the library's case formula (log(1 + c_B) for
    j only, ...) batch by batch; the up and down probabilities are the library's p (random)
    and the multinomial count (replacement); at b = n, D never moves."""
    rows = []
    ok = True
    g = sp.Rational(1, 5)
    p_random = compile(theory_walk.move_probability("random"), (n, b), "mpmath")
    for schedule in ("random", "replacement"):
        for b_ in (1, 2, 4):
            lib = _library_law(STATE, 0, 1, g, b_, schedule)
            ref = _definition_law(STATE, 0, 1, g, b_, schedule)
            up = sum((w for q, w in lib.items() if q > 1), sp.Integer(0))
            down = sum((w for q, w in lib.items() if q < 1), sp.Integer(0))
            want = (p_random(mpmath.mpf(5), mpmath.mpf(b_)) if schedule == "random"
                    else replacement_up_probability(5, b_))
            cases_bad = _cases_mismatches(STATE, 0, 1, g, b_) if schedule == "random" else 0
            good = (lib == ref and abs(up - want) < 1e-25 and abs(down - want) < 1e-25
                    and cases_bad == 0)
            ok &= good
            rows.append({"schedule": schedule, "b": b_, "P(+)": str(up), "P(-)": str(down),
                         "predicted": str(want), "law_equals_definition": lib == ref,
                         "batches_off_the_case_formulas": cases_bad})
    never = set(_library_law(STATE, 0, 1, g, 5, "random")) == {1}
    return CheckResult(
        "exact increment law by enumerating every batch (n = 5), against the definition",
        "exact-enumeration", _status(ok and never), "exact (Rationals)",
        {"cases": rows, "full_batch_never_moves": never},
    )


def _definition_drift(state: Sequence[sp.Rational], j: int, k: int, gamma_: sp.Rational,
                      b_: int, perp: sp.Rational = _ZERO) -> Any:
    """E[D' - D] over every b-subset, each step from the definition (current precision)."""
    law = _definition_law(state, j, k, gamma_, b_, "random", perp)
    return mpmath.fsum(mpmath.mpf(w.p) / w.q * mpmath.log(mpmath.mpf(q.p) / q.q)
                       for q, w in law.items())


def drift_is_coupling_form() -> CheckResult:
    """``walk.outward_drift``: the library's exact drift and its coupling form both equal the
    drift from the definition (every batch enumerated, 50 digits), and its sign is that of
    |a_j| - |a_k|, for every ordered pair of the fixed state and b = 1, 2, 3, and with an
    orthogonal part ||w_perp|| = 1/2 at b = 2."""
    worst = mpmath.mpf(0)
    signs_ok = True
    count = 0
    g = sp.Rational(1, 5)
    half = sp.Rational(1, 2)
    with mpmath.workdps(50):
        for b_, perp in ((1, 0), (2, 0), (3, 0), (2, half)):
            for j, k in itertools.permutations(range(5), 2):
                ref = _definition_drift(STATE, j, k, g, b_, sp.Rational(perp))
                e = theory_walk.exact_drift(list(STATE), j, k, g, b_, perp2=perp**2)
                c = theory_walk.coupling_drift(list(STATE), j, k, g, b_, perp2=perp**2)
                worst = max(worst, abs(e - ref), abs(c - ref))
                sign = int(bool(STATE[j] > STATE[k])) - int(bool(STATE[j] < STATE[k]))
                signs_ok &= int(e > 0) - int(e < 0) == sign
                count += 1
    return CheckResult(
        "exact drift and coupling form vs the definition; outward sign", "exact-enumeration",
        _status(worst <= mpmath.mpf("1e-40") and signs_ok),
        "1e-40: 50-digit evaluations of the same finite sum in different orders",
        {"pairs": count, "max_abs_difference": mpmath.nstr(worst, 5), "signs_ok": signs_ok})


def stability_at_xk() -> CheckResult:
    """``walk.stability_at_xk``: enumerate every batch at w = (1, eps, 0, ...) (n = 5, b = 2),
    each step from the definition at 50 digits: E[log a_i'/a_i] tends to the library's
    expected log-increment (p log(1 - gamma^2)) as eps -> 0 (error O(eps^2)), and the radial
    multiplier d a_k'/d a_k at x_k (central difference) is the library's 1 - 4 gamma."""
    st = theory_walk.stability_at_xk(RELU)
    p_ = theory_walk.move_probability("random")
    claimed = compile(st["expected_log_increment"].subs(theory_walk.p, p_), (n, b, gamma),
                      "mpmath")
    radial = compile(st["radial_multiplier"], (gamma,), "mpmath")
    n_, b_ = 5, 2
    rows = []
    ok = True
    with mpmath.workdps(50):
        eps, h = mpmath.mpf("1e-12"), mpmath.mpf("1e-20")
        for g in (mpmath.mpf("0.1"), mpmath.mpf("0.3")):
            a = [mpmath.mpf(1), eps] + [mpmath.mpf(0)] * (n_ - 2)
            batches_ = list(itertools.combinations(range(n_), b_))
            mean = mpmath.fsum(mpmath.log(_step_by_definition(a, bt, n_, g)[1] / eps)
                               for bt in batches_) / len(batches_)
            want = claimed(mpmath.mpf(n_), mpmath.mpf(b_), g)
            ends = [_step_by_definition([mpmath.mpf(1) + t], (0,), 1, g)[0] for t in (h, -h)]
            mult = (ends[0] - ends[1]) / (2 * h)
            ok &= abs(mean - want) <= mpmath.mpf("1e-18")
            ok &= abs(mult - radial(g)) <= mpmath.mpf("1e-18")
            rows.append({"gamma": mpmath.nstr(g, 3), "enumerated": mpmath.nstr(mean, 15),
                         "claimed": mpmath.nstr(want, 15),
                         "radial_multiplier": mpmath.nstr(mult, 15)})
    return CheckResult(
        "small coordinate near x_k: enumerated mean log-increment", "exact-enumeration",
        _status(ok), "1e-18: O(eps^2) with eps = 1e-12 at 50 digits; radial by central "
        "difference h = 1e-20", {"cases": rows})


def variance_near_minimum() -> CheckResult:
    """``walk.variance_scale``: the variance of D for two small coordinates next to a winner
    (n = 6, b = 2), from the definition law over every batch, divided by the library's
    leading-order variance (2 p gamma^2, with p = P(j in B, k not in B) counted over the
    b-subsets), tends to 1 as gamma -> 0."""
    subsets = list(itertools.combinations(range(6), 2))
    p_counted = sp.Rational(sum(1 in c and 2 not in c for c in subsets), len(subsets))
    v = theory_walk.variance_scale()["variance"].subs(theory_walk.p, p_counted)
    claimed = compile(v, (n, b, gamma), "mpmath")
    state = [sp.Rational(999, 1000), sp.Rational(1, 100), sp.Rational(1, 200),
             sp.Rational(1, 300), sp.Rational(1, 400), sp.Rational(1, 500)]
    rows = []
    ratios = []
    with mpmath.workdps(30):
        for g in (sp.Rational(1, 100), sp.Rational(1, 1000)):
            law = _definition_law(state, 1, 2, g, 2, "random")
            vals = [(mpmath.mpf(w.p) / w.q, mpmath.log(mpmath.mpf(q.p) / q.q))
                    for q, w in law.items()]
            mean = mpmath.fsum(w * x for w, x in vals)
            var = mpmath.fsum(w * (x - mean) ** 2 for w, x in vals)
            ratio = var / claimed(mpmath.mpf(6), mpmath.mpf(2), mpmath.mpf(g.p) / g.q)
            ratios.append(float(ratio))
            rows.append({"gamma": str(g), "variance": mpmath.nstr(var, 10),
                         "ratio_to_claim": mpmath.nstr(ratio, 8)})
    ok = abs(ratios[0] - 1) <= 0.05 and abs(ratios[1] - 1) <= 0.01
    return CheckResult(
        "variance of D near the minimum (definition) vs 2 p gamma^2", "exact-enumeration",
        _status(ok), "leading order: |ratio - 1| <= 5 gamma (0.05 at gamma = 0.01, 0.01 at 0.001)",
        {"cases": rows})


def _birth_death_margin(c: float) -> float:
    """Raabe's A for p_x = 1/2 + c/(2x): 2c for the recurrence series sum prod q/p, -2c for
    the stationary series sum prod p_i/q_(i+1); the deciding margin is |A - 1| of the
    deciding series (both for null recurrence: the smaller), 1 on a critical line, where
    Bertrand's limit is 0."""
    rec, pos = (1.0 if abs(2 * c) == 1 else abs(a - 1) for a in (2 * c, -2 * c))
    if 2 * c > 1:
        return rec
    if 2 * c < -1:
        return pos
    return min(rec, pos)


def birth_death_series() -> CheckResult:
    """``lamperti.criterion``: the birth-death chain p_x = 1/2 + c/(2x) classified by its exact
    series (|c| < 1 on the Lamperti grid), against the 2c vs +-1 thresholds, with the
    margin of Raabe's (or Bertrand's) test; the chain's moments as defined, and Lamperti's
    criterion on them gives the same class."""
    rows = []
    ok = True
    x = sp.Symbol("x", positive=True)
    for c in LAMPERTI_GRID:
        if abs(c) >= 1:
            continue  # p_x = 1/2 + c/(2x) leaves (0, 1) too often for |c| >= 1
        p_x = sp.Rational(1, 2) + sp.nsimplify(c) / (2 * x)
        got = lamperti.classify_birth_death(p_x, x, closed_form=False)
        want = _birth_death_margin(c)
        # the chain's moments from its definition (steps +-1 with P(+1) = p_x), and
        # Lamperti's criterion applied to the library's moments: the same class
        m1, m2 = lamperti.birth_death_moments(p_x)
        moments_ok = sp.simplify(m1 - (p_x - (1 - p_x))) == 0 and sp.simplify(m2 - 1) == 0
        by_lamperti = lamperti.classify_lamperti(m1, m2, x).classification
        ok &= (got.classification == lamperti_expected(c) == by_lamperti and moments_ok
               and got.margin is not None and abs(got.margin - want) <= 1e-12)
        rows.append({"c": c, "classification": got.classification,
                     "expected": lamperti_expected(c), "margin": got.margin,
                     "expected_margin": want, "lamperti_on_the_moments": by_lamperti,
                     "moments_as_defined": moments_ok})
    return CheckResult("birth-death chain p_x = 1/2 + c/(2x): exact series tests",
                       "exact-enumeration", _status(ok),
                       "exact (ratio / Raabe / Bertrand tests on the series terms); margins "
                       "1e-12", {"grid": rows})
