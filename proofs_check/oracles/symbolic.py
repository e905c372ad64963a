"""Symbolic oracle: exact identities between two derivation routes (SymPy).

Each check compares a formula of :mod:`theory` with a second route, exactly: the explicit
derivation for concrete small (d, n) (polynomial identities), or the statement of SPEC
written as a SymPy expression.  Tolerance: "exact" (the simplified difference is 0).  Every
check takes the formula under test, or the expected statement, as an argument so that a
wrong variant can replace it.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Any

import sympy as sp

from theory import hessian, lamperti
from theory import walk as theory_walk
from theory.catalogue import by_id
from theory.conventions import RELU, Conventions
from theory.gradients import explicit_gradient_matches, sgd_step_matches_explicit
from theory.model import activation_patterns, explicit_matches_reduced
from theory.symbols import S, n, r

from ..result import CheckResult

__all__ = [
    "DIMENSIONS",
    "ROUTES",
    "check_explicit_routes",
    "check_expression",
    "check_sgd_step",
    "drift_monotone",
    "hessian_coefficients",
    "lamperti_criterion",
    "lamperti_expected",
    "spec_statement",
]

DIMENSIONS: tuple[tuple[int, int], ...] = ((1, 1), (2, 1), (2, 2), (3, 2), (3, 3), (4, 3))


def _status(ok: bool) -> str:
    return "pass" if ok else "fail"


def check_explicit_routes(
    route: str,
    conventions: Conventions,
    dims: Sequence[tuple[int, int]] = DIMENSIONS,
) -> CheckResult:
    """Run ``ROUTES[route](d, n, conventions)`` for each (d, n): the library's closed form
    against the derivative of the explicit polynomial loss; pass iff all are identities."""
    check = ROUTES[route]
    failed = [list(dn) for dn in dims if not check(dn[0], dn[1], conventions)]
    # the explicit loss is built per activation pattern: they must be every sign pattern
    patterns_ok = all(
        sorted(activation_patterns(n_, conventions))
        == (sorted(itertools.product((False, True), repeat=n_)) if conventions.is_relu
            else [(True,) * n_])
        for _, n_ in dims)
    return CheckResult(
        route, "symbolic", "fail" if failed or not patterns_ok else "pass",
        "exact (polynomial identity)",
        {"dimensions": [list(x) for x in dims], "failed": failed,
         "every_activation_pattern": patterns_ok, "conventions": list(conventions.tags())},
    )


def check_sgd_step(conventions: Conventions,
                   dims: Sequence[tuple[int, int]] = ((3, 2), (4, 3))) -> CheckResult:
    """``sgd.multiplicative``: the coordinate map vs w - gamma sum grad l_i, every batch
    and every activation pattern, exactly."""
    failed = []
    count = 0
    for d_, n_ in dims:
        for pattern in activation_patterns(n_, conventions):
            for mask in range(1, 2**n_):
                batch = [i for i in range(n_) if mask >> i & 1]
                count += 1
                if not sgd_step_matches_explicit(d_, n_, batch, conventions, pattern):
                    failed.append({"d": d_, "n": n_, "batch": batch, "pattern": list(pattern)})
    return CheckResult(
        "SGD coordinate map vs explicit step", "symbolic", "fail" if failed else "pass",
        "exact (polynomial identity)",
        {"cases": count, "failed": failed[:5], "conventions": list(conventions.tags())},
    )


def _sym(value: object) -> sp.Basic:
    """A SymPy object from SymPy objects, ints, Fractions and tuples of them (no parsing)."""
    if isinstance(value, sp.Basic):
        return value
    if isinstance(value, tuple):
        return sp.Tuple(*(_sym(v) for v in value))
    if isinstance(value, int):
        return sp.Integer(value)
    raise TypeError(f"not a SymPy value: {value!r}")


def check_expression(name: str, actual: object, expected: object,
                     note: str = "") -> CheckResult:
    """Exact identity actual == expected (simplify of the difference is 0; tuples and
    nested tuples are compared entry by entry and must have the same shape)."""
    actual, expected = _sym(actual), _sym(expected)
    diffs = _differences(actual, expected)
    ok = diffs is not None and all(x == 0 for x in diffs)
    return CheckResult(
        name, "symbolic", _status(ok), "exact",
        {"actual": str(actual), "expected": str(expected),
         "difference": "shape mismatch" if diffs is None else str(diffs)}, note,
    )


def _differences(actual: sp.Basic, expected: sp.Basic) -> list[sp.Expr] | None:
    if isinstance(actual, sp.Tuple) or isinstance(expected, sp.Tuple):
        if not (isinstance(actual, sp.Tuple) and isinstance(expected, sp.Tuple)):
            return None
        if len(actual) != len(expected):
            return None
        out: list[sp.Expr] = []
        for x, y in zip(actual, expected, strict=True):
            sub = _differences(x, y)
            if sub is None:
                return None
            out.extend(sub)
        return out
    return [sp.simplify(actual - expected)]


ROUTES: dict[str, Callable[..., bool]] = {
    "loss": explicit_matches_reduced,
    "gradient": explicit_gradient_matches,
    "hessian": hessian.explicit_hessian_matches,
}


def spec_statement(claim: str, expected: object, conventions: Conventions = RELU
                   ) -> CheckResult:
    """The formula ``aesgd derive`` prints for ``claim`` (the catalogue entry under
    ``conventions``) equals SPEC's statement ``expected`` exactly.

    ``expected`` is a SymPy expression (or tuple), or a function of the conventions that
    returns one (for entries whose statement depends on them).
    """
    want = expected(conventions) if callable(expected) else expected
    entry = by_id(claim, conventions)
    return check_expression(f"{claim} as derived = SPEC's statement", entry.expr, want,
                            f"conventions: {', '.join(conventions.tags())}")


def hessian_coefficients() -> CheckResult:
    """``hessian.closed_form``: the library's coefficients of I, w (Qw)^T + (Qw) w^T and Q
    are SPEC's S/n, 2/n and (r - 2)/n."""
    coef = hessian.hessian_coefficients()
    return check_expression(
        "Hessian coefficients (I, w(Qw)^T + (Qw)w^T, Q)",
        sp.Tuple(coef["identity"], coef["symmetric_outer"], coef["Q"]),
        sp.Tuple(S / n, 2 / n, (r - 2) / n))


def drift_monotone() -> CheckResult:
    """``walk.outward_drift``: f(x) = log(1 + gamma(2 - r)/(1 - gamma x)) is increasing."""
    proof = theory_walk.f_increasing_proof()
    return CheckResult(
        "f(x) = log(1 + gamma(2 - r)/(1 - gamma x)) is increasing", "symbolic",
        _status(bool(proof["positive"])), "exact (sign of a product of positive factors)",
        {k: str(v) for k, v in proof.items()})


LAMPERTI_GRID: tuple[float, ...] = (-1.5, -0.6, -0.5, -0.4, 0.0, 0.4, 0.5, 0.6, 1.5)
LAMPERTI_S2: tuple[float, ...] = (0.5, 1.0, 2.0)


def lamperti_expected(c: float, s2: float = 1.0) -> str:
    """SPEC section 3 for mu_1 = c/x, mu_2 = s2: the class from 2c against +-s2."""
    if 2 * c > s2:
        return "transient"
    if 2 * c < -s2:
        return "positive-recurrent"
    return "null-recurrent"


def _lamperti_margin(c: float, s2: float) -> float:
    """The distance of the deciding limit from its threshold for mu_1 = c/x, mu_2 = s2:
    2c - s2 (transient), -(2c + s2) (positive recurrent), min(s2 - 2c, 2c + s2) strictly
    inside, and 1 on a critical line (the log refinement's level-1 limit is 0)."""
    if 2 * c > s2:
        return 2 * c - s2
    if 2 * c < -s2:
        return -(2 * c + s2)
    if abs(2 * c) == s2:
        return 1.0
    return min(s2 - 2 * c, 2 * c + s2)


def lamperti_criterion() -> CheckResult:
    """``lamperti.criterion``: the classifier on the grid c = t s2 / 2 ... for several s2
    (mu_1 = c/x, mu_2 = s2), including both critical lines 2c = +-s2: its class, and its
    margin against the distance of 2c from the thresholds."""
    rows = []
    ok = True
    for s2 in LAMPERTI_S2:
        for t in LAMPERTI_GRID:
            c = t * s2
            mu1, mu2, x = lamperti.lamperti_family(sp.nsimplify(c), sp.nsimplify(s2))
            got = lamperti.classify_lamperti(mu1, mu2, x)
            want = _lamperti_margin(c, s2)
            good = (got.classification == lamperti_expected(c, s2) and got.margin is not None
                    and abs(got.margin - want) <= 1e-12)
            ok &= good
            rows.append({"c": c, "s2": s2, "classification": got.classification,
                         "expected": lamperti_expected(c, s2), "margin": got.margin,
                         "expected_margin": want})
    return CheckResult("Lamperti criterion for mu_1 = c/x, mu_2 = s2 (incl. both critical "
                       "lines)", "symbolic", _status(ok),
                       "exact limits (SymPy); margins 1e-12", {"grid": rows})


_Case = tuple[str, sp.Expr, sp.Expr, list[sp.Expr] | None, str, float | None]


def _lamperti_cases() -> list[_Case]:
    """(label, mu_1, mu_2, support, class, margin) from MPW ch. 3: the log refinements at
    levels 1 and 2 of both critical lines, and the hypotheses that fail."""
    x = sp.Symbol("x", positive=True)
    lg, llg = sp.log(x), sp.log(sp.log(x))
    half = sp.Rational(1, 2)
    out: list[_Case] = []
    for theta, cls in ((2, "transient"), (half, "null-recurrent")):
        out.append((f"2 x mu_1 = 1 + {theta}/log x", 1 / (2 * x) + theta / (2 * x * lg), 1,
                    None, cls, abs(float(theta) - 1)))
        out.append((f"2 x mu_1 = 1 + 1/log x + {theta}/(log x log log x)",
                    1 / (2 * x) + 1 / (2 * x * lg) + theta / (2 * x * lg * llg), 1, None,
                    cls, abs(float(theta) - 1)))
    for theta, cls in ((2, "positive-recurrent"), (half, "null-recurrent")):
        out.append((f"2 x mu_1 = -1 - {theta}/log x", -1 / (2 * x) - theta / (2 * x * lg), 1,
                    None, cls, abs(float(theta) - 1)))
    out += [
        ("mu_2 = 1/x -> 0", 1 / x, 1 / x, None, "undecided", None),
        ("mu_2 = x unbounded", 1 / x, x, None, "undecided", None),
        ("increment sqrt(x) unbounded", 1 / x, 1, [sp.sqrt(x), -sp.sqrt(x)], "undecided", None),
    ]
    return out


_I = sp.Symbol("i", positive=True)


def _series_cases() -> list[tuple[str, sp.Expr, str, float]]:
    """(label, rho_i, verdict, margin) for sum_k prod_{i<=k} rho_i: ratio, Raabe and
    Bertrand - de Morgan tests (textbook thresholds), in the index :data:`_I`."""
    i = _I
    half = sp.Rational(1, 2)
    return [
        ("rho = 1/2", half, "converges", 0.5),
        ("rho = 3/2", 3 * half, "diverges", 0.5),
        ("rho = 1 - 2/i", 1 - 2 / i, "converges", 1.0),
        ("rho = 1 - 1/(2i)", 1 - half / i, "diverges", 0.5),
        ("rho = 1 - 1/i - 2/(i log i)", 1 - 1 / i - 2 / (i * sp.log(i)), "converges", 1.0),
        ("rho = 1 - 1/i - 1/(2 i log i)", 1 - 1 / i - half / (i * sp.log(i)), "diverges", 0.5),
    ]


def _first_site_by_scan(p_x: sp.Expr, x: sp.Symbol, upto: int = 60) -> int:
    """The least x0 with 0 < p_x < 1 for x0 <= x <= upto (SymPy's value at 30 digits)."""
    x0 = 1
    for xx in range(1, upto + 1):
        v = sp.N(p_x.subs(x, xx), 30)
        if not 0 < v < 1:
            x0 = xx + 1
    return x0


def _stationary_sum_directly(terms: int = 200_000) -> float:
    """sum_{k >= 3} prod_{i=3}^k p_i/q_(i+1) for p_x = 1/2 - 1/x (first valid site 3),
    summed term by term; the terms fall like k^-4, so the tail is below 1e-14."""
    total, prod = 0.0, 1.0
    for i in range(3, 3 + terms):
        prod *= (0.5 - 1 / i) / (0.5 + 1 / (i + 1))
        total += prod
    return total


def lamperti_textbook_cases() -> CheckResult:
    """``lamperti.criterion``: the classifiers on the textbook cases beyond the c/x family:
    the log refinements of both critical lines (levels 1 and 2) with their margins, the
    hypotheses that fail (undecided), the ratio / Raabe / Bertrand series tests with their
    margins, the first valid site of p_x = 1/2 + c/(2x) against a scan, and the stationary
    series of a geometric chain (p = 1/3: sum (1/2)^k = 1) and of p_x = 1/2 - 1/x (summed
    term by term), with the margin of Raabe's test."""
    bad: list[str] = []
    for label, mu1, mu2, support, cls, margin in _lamperti_cases():
        x = sp.Symbol("x", positive=True)  # the variable of every case (_lamperti_cases)
        got = lamperti.classify_lamperti(mu1, mu2, x, support=support)
        if got.classification != cls or (margin is None) != (got.margin is None) or (
                margin is not None and abs(float(got.margin or 0) - margin) > 1e-12):
            bad.append(f"{label}: {got.classification} ({got.margin})")
    for label, rho, verdict, margin in _series_cases():
        t = lamperti.series_convergence(rho, _I)
        if t.verdict != verdict or t.margin is None or abs(t.margin - margin) > 1e-12:
            bad.append(f"{label}: {t.verdict} ({t.margin})")
    x = sp.Symbol("x", positive=True)
    sites = {}
    family = [sp.Rational(1, 2) + sp.Rational(c) / (2 * x)
              for c in (3, sp.Rational(3, 2), 1, sp.Rational(1, 2), -3, sp.Rational(-3, 2))]
    # beyond SymPy's solveset (a ConditionSet): the library scans
    beyond = [sp.Rational(1, 2) + 3 / (x + sp.log(x)), sp.Rational(1, 2) - 3 / (x + sp.log(x))]
    for p_x in family + beyond:
        got_site = lamperti.first_valid_site(p_x, x)
        sites[str(p_x)] = got_site
        if got_site != _first_site_by_scan(p_x, x):
            bad.append(f"first valid site of p_x = {p_x}: {got_site}")
    values = {}
    chains = ((sp.Rational(1, 3), 1.0, 1e-12, 0.5),
              (sp.Rational(1, 2) - 1 / x, _stationary_sum_directly(), 1e-10, 3.0))
    for p_x, want, tol, margin in chains:
        for closed in (True, False):
            got_bd = lamperti.classify_birth_death(p_x, x, closed_form=closed, evaluate=True)
            value = got_bd.details["stationary_series"]["value"]
            values[f"{p_x} (closed_form={closed})"] = value
            if (got_bd.classification != "positive-recurrent" or value is None
                    or abs(value - want) > tol or abs((got_bd.margin or 0) - margin) > 1e-12):
                bad.append(f"chain {p_x} (closed form {closed}): {got_bd.classification}, "
                           f"{value}, margin {got_bd.margin}")
    return CheckResult(
        "Lamperti and series classifiers on textbook cases (MPW ch. 3, Raabe, Bertrand)",
        "symbolic", _status(not bad), "exact limits (SymPy); margins and sums 1e-12",
        {"mismatches": bad, "lamperti_cases": len(_lamperti_cases()),
         "series_cases": len(_series_cases()), "first_valid_sites": sites,
         "stationary_sums": values})


_POINT = {"d": 9, "n": 5, "s": 2, "b": 2, "P_plus": 3, "eta": sp.Rational(1, 4),
          "gamma": sp.Rational(1, 10), "p": sp.Rational(3, 10), "r": sp.Rational(7, 10),
          "S": sp.Rational(2, 5), "S_B": sp.Rational(1, 5), "rho": sp.Rational(9, 10),
          "s_2": sp.Rational(3, 2), "c": sp.Rational(1, 4)}
_COORDINATES = ("a_i", "a_j", "a_k")


def _probes() -> list[tuple[str, sp.Expr, dict[sp.Symbol, sp.Expr]]]:
    """Expressions using every hook of the printer, with points (the kink included)."""
    x, y, z = sp.symbols("x y z", real=True)
    k, m = sp.symbols("k m", integer=True, positive=True)
    at = {x: sp.Rational(5, 2), y: sp.Rational(1, 3), z: -sp.Rational(7, 4)}
    out = [
        ("rational, sqrt", sp.Rational(1, 3) * x + sp.sqrt(x), at),
        ("powers", x**-2 + 1 / sp.sqrt(x) + x ** sp.Rational(3, 2) + y**3, at),
        ("log, exp, pi, e", sp.log(x) + sp.exp(y) + sp.pi * x + sp.E * y, at),
        ("abs", sp.Abs(z) + sp.Abs(x - 3), at),
        ("max first", sp.Max(x, y, z), at), ("max last", sp.Max(z, y, x), at),
        ("min first", sp.Min(z, y, x), at), ("min last", sp.Min(x, y, z), at),
        ("gcd", sp.gcd(k, m) * x, {**at, k: 12, m: 18}),
    ]
    for h0 in (0, 1):
        for v in (sp.Rational(1, 2), sp.Integer(0), -sp.Rational(1, 2)):
            out.append((f"Heaviside(x, {h0}) at {v}", sp.Heaviside(x, h0) * (1 + x), {x: v}))
    return out


def _catalogue_points() -> list[tuple[str, sp.Expr, dict[sp.Symbol, sp.Expr]]]:
    """Every scalar catalogue formula (each conventions) at points with the coordinates
    positive, negative and on the kink."""
    from theory.catalogue import catalogue
    from theory.conventions import LINEAR, RELU, RELU1

    out = []
    for conv in (LINEAR, RELU, RELU1):
        for entry in catalogue(conv):
            parts = entry.expr.args if isinstance(entry.expr, sp.Tuple) else (entry.expr,)
            for part in parts:
                if not isinstance(part, sp.Expr) or not part.free_symbols:
                    continue
                names = {sym.name for sym in part.free_symbols}
                if not names <= set(_POINT) | set(_COORDINATES):
                    continue
                for v in (sp.Rational(1, 3), -sp.Rational(1, 4), sp.Integer(0)):
                    point = {sym: (v if sym.name in _COORDINATES else _POINT[sym.name])
                             for sym in part.free_symbols}
                    out.append((f"{entry.id} ({conv.activation}"
                                f"{chr(39) + '1' if conv.relu_prime_at_zero else ''}) at "
                                f"a = {v}", part, point))
    return out


def _interval_of(backend: str, v: sp.Rational) -> Any:
    """The exact rational v as a point of an interval backend."""
    import mpmath

    if backend == "arb":
        import flint

        return flint.arb(flint.fmpq(int(v.p), int(v.q)))
    return mpmath.iv.mpf(int(v.p)) / int(v.q)


def catalogue_exports() -> CheckResult:
    """``sgd.multiplicative`` (and every numeric route and ``aesgd derive``): the one
    compiler against SymPy's own exact evaluation, on every scalar catalogue formula under
    each conventions (data coordinates positive, negative and on the relu kink) and on
    probes of every function it prints (Max and Min with the largest first and last,
    Heaviside with both kink values, gcd): the mpmath backend at 40 digits, NumPy in
    float64, and the interval backends (mpmath iv, python-flint arb when installed) by
    containment; and the LaTeX document of each conventions holds every entry's labelled
    equation block and names the conventions."""
    import importlib.util

    import mpmath

    from numerics.compile import compile as ncompile
    from theory.catalogue import catalogue
    from theory.conventions import LINEAR, RELU, RELU1
    from theory.latex import document, entry_block, escape_text

    backends = ["iv"] + (["arb"] if importlib.util.find_spec("flint") else [])
    bad: list[str] = []
    cases = _probes() + _catalogue_points()
    for label, expr, point in cases:
        args = tuple(sorted(point, key=lambda s_: s_.name))
        vals = [sp.Rational(point[a]) for a in args]
        exact = sp.N(expr.subs(point), 45)
        if not exact.is_real:
            continue
        with mpmath.workdps(40):
            got = ncompile(expr, args, "mpmath")(*[mpmath.mpf(int(v.p)) / int(v.q)
                                                  for v in vals])
            ok = abs(got - mpmath.mpf(str(exact))) <= mpmath.mpf(10) ** -35 * max(1, abs(got))
        as_float = float(ncompile(expr, args, "numpy")(*[float(v) for v in vals]))
        ok &= abs(as_float - float(exact)) <= 1e-12 * max(1.0, abs(float(exact)))
        if not expr.has(sp.Max, sp.Min, sp.gcd) and not any(
                v == 0 for a, v in point.items() if a.name in (*_COORDINATES, "x")):
            for be in backends:
                enc = ncompile(expr, args, be)(*[_interval_of(be, v) for v in vals])
                lo, hi = ((enc.a, enc.b) if hasattr(enc, "a") else (enc.lower(), enc.upper()))
                ok &= float(lo) <= float(exact) <= float(hi)
        if not ok:
            bad.append(label)
    for conv in (LINEAR, RELU, RELU1):
        tex = document(conv)
        if not all(entry_block(e) in tex for e in catalogue(conv)) or not all(
                escape_text(part) in tex for part in conv.describe()):
            bad.append(f"LaTeX document ({', '.join(conv.tags())})")
    return CheckResult(
        "compiled formulas vs SymPy's exact evaluation (mpmath, numpy, iv, arb); the LaTeX "
        "document", "symbolic", _status(not bad),
        "mpmath 1e-35 relative at 40 digits; numpy 1e-12 relative; intervals by containment; "
        "LaTeX blocks verbatim",
        {"cases": len(cases), "mismatches": bad[:10], "interval_backends": backends})


def whole_batch_by_explicit_loss(conventions: Conventions, points: int = 6, seed: int = 10
                                 ) -> CheckResult:
    """``grad.whole_batch`` against the exact gradient of the explicit polynomial loss
    (the model's definition, on the activation region of each point) at random rational
    points, d <= 5, data coordinates away from the kink; S and r from the point itself."""
    import random

    from theory.gradients import whole_batch_gradient
    from theory.model import explicit_loss
    from theory.symbols import a_j

    grad = whole_batch_gradient(conventions)
    rng = random.Random(seed)
    bad: list[str] = []
    for _ in range(points):
        n_ = rng.randint(1, 3)
        d_ = n_ + rng.randint(0, 2)
        pt = [sp.Rational(rng.choice([-1, 1]) * rng.randint(1, 40), rng.randint(1, 20))
              for _ in range(d_)]
        pattern = [conventions.is_active(x) for x in pt[:n_]]
        loss, w = explicit_loss(d_, n_, conventions, pattern)
        at = dict(zip(w, pt, strict=True))
        s_val = sum((x**2 for x, on in zip(pt, pattern, strict=False) if on), sp.Integer(0))
        vals = {S: s_val, r: sum((x**2 for x in pt), sp.Integer(0)), n: n_}
        for m in range(d_):
            exact = sp.diff(loss, w[m]).subs(at)
            closed = (grad["data"].subs({**vals, a_j: pt[m]}) if m < n_
                      else grad["perp_factor"].subs(vals) * pt[m])
            if sp.simplify(exact - closed) != 0:
                bad.append(f"d={d_}, n={n_}, m={m}: {exact} vs {closed}")
    return CheckResult(
        "whole-batch gradient vs the explicit loss's derivative", "symbolic",
        "fail" if bad else "pass", "exact (rational arithmetic)",
        {"points": points, "seed": seed, "mismatches": bad[:5],
         "conventions": list(conventions.tags())})
