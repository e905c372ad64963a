"""The claim registry: every claim of SPEC section 2 and P1-P7, with its checks and mutants.

Derived claims carry the statement and LaTeX of their catalogue entry (:mod:`theory.catalogue`);
paper claims P1-P7 are mapped to the derived claims that support them and reuse those
checks (each check runs once per ``verify``).  Every claim has checks of at least two
oracle kinds; every checker has at least one mutant (a wrong variant it must reject).

>>> ids = [c.id for c in claims()]
>>> "hessian.trace_at_min" in ids and "P4" in ids
True
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache, partial
from typing import Any

import sympy as sp

from theory import dynamics, hessian, stationary
from theory.catalogue import by_id
from theory.gradients import per_sample_gradient_coefficients, sgd_step_map
from theory.model import reduced_loss
from theory.symbols import Conventions, S, d, m, n, r, s

from .oracles import high_precision as hp
from .oracles import interval as iv
from .oracles import simulation as sim
from .oracles import symbolic as sym
from .registry import Check, Claim, Mutant
from .result import CheckResult
from .stats import Budget

__all__ = ["PAPER_CLAIMS", "claims", "mutants", "statistical_check_count"]

RELU = Conventions("relu", 0)
RELU1 = Conventions("relu", 1)
LINEAR = Conventions("linear")


def _const(fn: Callable[[], CheckResult]) -> Callable[[Budget], CheckResult]:
    """Wrap a budget-independent check."""
    return lambda _budget: fn()


def _both(name: str, oracle: str, make: Callable[[Conventions], CheckResult]) -> Check:
    """A check run under linear and relu; passes iff both pass."""

    def fn(_budget: Budget) -> CheckResult:
        parts = [make(LINEAR), make(RELU)]
        status = "fail" if any(p.status == "fail" for p in parts) else (
            "pass" if all(p.passed for p in parts) else "undecided")
        return CheckResult(name, oracle, status, parts[0].tolerance,
                           {"linear": parts[0].evidence, "relu": parts[1].evidence})

    return Check(name, oracle, fn)


# ----------------------------------------------------------------------------- checks
CHECKS: dict[str, Check] = {}


def _register(check: Check) -> Check:
    CHECKS[check.name] = check
    return check


_register(_both("loss: explicit (d, n) = reduced form", "symbolic",
                lambda c: sym.check_explicit_routes("loss", sym.ROUTES["loss"], c)))
_register(_both("loss: reduced form = definition at rational points", "high-precision",
                lambda c: hp.check_loss_reduced(c)))
_register(_both("gradient: closed form = derivative of explicit loss", "symbolic",
                lambda c: sym.check_explicit_routes("gradient", sym.ROUTES["gradient"], c)))
_register(_both("gradient: closed form = central differences (50 digits)", "high-precision",
                lambda c: hp.check_gradient_fd(c)))
_register(_both("SGD map: coordinates = explicit step, all batches and patterns", "symbolic",
                lambda c: sym.check_sgd_step(c)))
_register(Check("SGD map: reduced engine = full engine", "simulation",
                sim.check_engines_agree))
_register(Check("minimum value by minimising the reduced form", "symbolic", _const(
    lambda: sym.check_expression("min L", stationary.min_value()["value"], (n - 1) / (2 * n)))))
_register(Check("minimum value: interval lower bound on boxes", "interval",
                _const(lambda: iv.check_loss_lower_bound())))


def _stationary_symbolic(dead_value: sp.Expr | None = None) -> CheckResult:
    """``stationary.other``: the S = 0 family from the reduced conditions, L = 1/2 there."""
    dead_value = sp.Rational(1, 2) if dead_value is None else dead_value
    cls = stationary.classify_reduced()
    return sym.check_expression("S and L on the non-minimal stationary set",
                                sp.Tuple(cls["dead"]["S"], cls["dead"]["loss"]),
                                sp.Tuple(0, dead_value))


def _minima_symbolic(expected_r: int = 1) -> CheckResult:
    """``minima.set``: the S > 0 stationary family has S = r = 1 (unit vectors in the span
    with no orthogonal part) and value (n - 1)/(2n)."""
    cls = stationary.classify_reduced()["minimum"]
    return sym.check_expression("(S, r, L) on the S > 0 stationary family",
                                sp.Tuple(cls["S"], cls["r"], cls["loss"]),
                                sp.Tuple(1, expected_r, (n - 1) / (2 * n)))


def _dead_set_fd(conv: Conventions, expected_loss: str = "1/2") -> CheckResult:
    """``stationary.other`` at 50 digits: at random points of the S = 0 set (relu: every
    a_i < 0; linear: a = 0, w_perp random) central differences of the loss definition
    vanish and L = 1/2."""
    import random

    import mpmath

    rng = random.Random(5)
    worst_grad = mpmath.mpf(0)
    worst_loss = mpmath.mpf(0)
    with mpmath.workdps(hp.DPS):
        target = mpmath.mpf(sp.Rational(expected_loss).p) / sp.Rational(expected_loss).q
        for _ in range(6):
            n_ = rng.randint(1, 4)
            d_ = n_ + rng.randint(1, 3)
            w = [mpmath.mpf(rng.randint(-2000, -50)) / 1000 if (i < n_ and conv.is_relu)
                 else (mpmath.mpf(0) if i < n_ else mpmath.mpf(rng.randint(-2000, 2000)) / 1000)
                 for i in range(d_)]
            worst_loss = max(worst_loss, abs(hp.loss_by_definition(w, n_, conv) - target))
            worst_grad = max(worst_grad, *(abs(g) for g in hp.fd_gradient(w, n_, conv)))
    ok = worst_grad <= hp.GRAD_TOL and worst_loss <= mpmath.mpf("1e-45")
    return CheckResult(
        "gradient 0 and L = 1/2 at random points of the S = 0 set", "high-precision",
        "pass" if ok else "fail",
        "gradient 1e-24 (h = 1e-15 at 50 digits, as for grad.per_sample); loss 1e-45",
        {"max_abs_gradient": mpmath.nstr(worst_grad, 5),
         "max_loss_error": mpmath.nstr(worst_loss, 5), "conventions": list(conv.tags())})


def _orthogonal_symbolic(expected: Callable[[sp.Symbol, sp.Expr], sp.Expr] | None = None
                         ) -> CheckResult:
    """``sgd.orthogonal``: cos(x_k, w_0) = a_k(0)/||w_0|| for explicit w_0 in R^5 (exact),
    so |cos(w_inf, w_0)| <= max_i |a_i(0)|/||w_0|| at any 1-sparse limit."""
    w0 = sp.Matrix(sp.symbols("w_1:6", real=True))
    norm = sp.sqrt((w0.T * w0)[0, 0])
    rows = []
    ok = True
    for k in range(3):
        xk = sp.Matrix([1 if i == k else 0 for i in range(5)])
        cos = (xk.T * w0)[0, 0] / (sp.sqrt((xk.T * xk)[0, 0]) * norm)
        want = w0[k] / norm if expected is None else expected(w0[k], norm)
        diff = sp.simplify(cos - want)
        ok &= diff == 0
        rows.append({"k": k, "cos": str(cos), "difference": str(diff)})
    return CheckResult("cos(x_k, w_0) = a_k(0)/||w_0|| (explicit, d = 5)", "symbolic",
                       "pass" if ok else "fail", "exact", {"cases": rows})


_register(Check("minima: S > 0 stationary family is S = r = 1", "symbolic",
                _const(_minima_symbolic)))
_register(Check("gradient 0 and L = 1/2 on the S = 0 set (50 digits)", "high-precision",
                _const(lambda: _dead_set_fd(RELU))))
_register(Check("cos(x_k, w_0) = a_k(0)/||w_0||", "symbolic", _const(_orthogonal_symbolic)))


def _fixed_points_enumeration(max_fixed_support: int = 1) -> CheckResult:
    """``sgd.fixed_points``: at minima with support s, enumerate every batch (n = 5) and
    find whether all batch gradients vanish; claimed: iff s = 1 (for every b < n)."""
    import itertools

    rows = []
    ok = True
    n_ = 5
    for b_ in range(1, n_):
        for s_ in range(1, n_ + 1):
            w = [sp.Integer(1) if i < s_ else sp.Integer(0) for i in range(n_)]
            norm = sp.sqrt(sum(x**2 for x in w))
            w = [x / norm for x in w]
            all_zero = True
            for batch in itertools.combinations(range(n_), b_):
                sb = sum((w[i] ** 2 for i in batch), sp.Integer(0))
                # batch gradient components from the derived coefficients at r = 1
                comp = dynamics.batch_gradient_coefficients_at_min()
                for j in range(n_):
                    coef = comp["in_batch"] if j in batch else comp["out_of_batch"]
                    if sp.simplify(w[j] * coef.subs(sp.Symbol("S_B", nonnegative=True), sb)):
                        all_zero = False
            expected = s_ <= max_fixed_support
            ok &= all_zero == expected
            rows.append({"b": b_, "s": s_, "every_batch_gradient_zero": all_zero})
    return CheckResult(
        "every batch gradient vanishes at an s-sparse minimum iff s = 1 (n = 5, all b < n)",
        "exact-enumeration", "pass" if ok else "fail", "exact (enumeration of all batches)",
        {"cases": rows, "claimed_max_fixed_support": max_fixed_support})


_register(Check("stationary classes from the reduced conditions", "symbolic",
                _const(_stationary_symbolic)))
_register(Check("fixed points of every batch: support 1 only", "exact-enumeration",
                _const(_fixed_points_enumeration)))
_register(_both("stationary points over all activation patterns", "exact-enumeration",
                lambda c: sym.check_stationary_exhaustive(c)))
_register(Check("full-batch common factor makes ratios constant", "symbolic", _const(
    lambda: sym.check_expression("a_j'/a_k' - a_j/a_k at b = n",
                                 dynamics.gd_ratio_invariance(), 0))))
_register(Check("full batch keeps coordinate ratios (simulation)", "simulation",
                sim.check_gd_ratio_invariance))
_register(Check("full-batch radial map: fixed point 1, multiplier 1 - 4 gamma", "symbolic",
                _const(lambda: sym.check_expression(
                    "(fixed points, multiplier)",
                    sp.Tuple(dynamics.gd_radial_map()["fixed_points"],
                             dynamics.gd_radial_map()["multiplier_at_1"]),
                    sp.Tuple(sp.Tuple(1), 1 - 4 * sp.Symbol("gamma", positive=True))))))
_register(Check("full batch converges to u/||u|| (simulation)", "simulation", sim.check_gd_limit))
_register(Check("alignment: E||u||^2 / E||w0||^2 = n/(2d)", "symbolic", _const(
    lambda: sym.check_expression("ratio of expectations (relu)",
                                 dynamics.alignment_ratio_of_expectations(RELU), n / (2 * d)))))
_register(Check("full batch is dense and aligned (simulation)", "simulation",
                sim.check_gd_alignment, statistical=True))
_register(Check("batch gradient at a minimum is (S_B I - Q_B) w", "symbolic", _const(
    lambda: sym.check_expression("x_j component / a_j, j in B",
                                 dynamics.batch_gradient_coefficients_at_min()["in_batch"],
                                 sp.Symbol("S_B", nonnegative=True) - 1))))
_register(Check("loss gap at x_k is 0", "symbolic", _const(
    lambda: sym.check_expression("L(x_k) - min L",
                                 reduced_loss().subs({S: 1, r: 1}) - (n - 1) / (2 * n), 0))))
for _sched in ("random", "replacement", "reshuffle"):
    _register(Check(f"b < n ends 1-sparse ({_sched}, b = 1, relu)", "simulation",
                    partial(sim.check_sparse_limit, schedule=_sched)))
_register(Check("b < n ends 1-sparse (random, b = 5, relu)", "simulation",
                partial(sim.check_sparse_limit, batch_size=5)))
_register(Check("b < n ends 1-sparse (random, b = 1, linear)", "simulation",
                partial(sim.check_sparse_limit, activation="linear")))
_register(Check("cyclic classes have gcd(b, n) members (enumeration)", "exact-enumeration",
                _const(lambda: _cyclic_enumeration())))
_register(Check("cyclic schedule ends on one gcd class (simulation)", "simulation",
                sim.check_cyclic_classes))
_register(Check("cyclic b = 1 ends 1-sparse (simulation)", "simulation",
                partial(sim.check_cyclic_classes, n_=6, batch_size=1)))
_register(_both("Hessian: closed form = Hessian of explicit loss", "symbolic",
                lambda c: sym.check_explicit_routes("hessian", sym.ROUTES["hessian"], c)))
_register(_both("Hessian: closed form = second differences (50 digits)", "high-precision",
                lambda c: hp.check_hessian_fd(c)))
_register(Check("spectrum at an s-sparse minimum", "symbolic", _const(
    lambda: sym.check_expression("(eigenvalue, multiplicity) pairs",
                                 sp.Tuple(*[sp.Tuple(*p) for p in hessian.spectrum_at_min()]),
                                 sp.Tuple(sp.Tuple(4 / n, 1), sp.Tuple(0, s - 1),
                                          sp.Tuple(1 / n, d - s))))))
_register(Check("Rayleigh quotients at minima enclose 4/n, 0, 1/n", "interval",
                _const(lambda: iv.check_hessian_quadratic_forms())))
_register(Check("lambda_max at simulated GD and SGD limits", "simulation", sim.check_lambda_max))
_register(Check("trace at an s-sparse minimum = (d - s + 4)/n", "symbolic", _const(
    lambda: sym.check_expression("spectrum-weighted trace", hessian.trace_at_min(),
                                 (d - s + 4) / n))))
_register(Check("trace formula = finite-difference trace at sparse minima", "high-precision",
                _const(lambda: hp.check_trace_at_min_fd(RELU))))
_register(Check("trace at simulated limits: formula, eigvalsh, Hutchinson", "simulation",
                sim.check_trace_numeric))
_register(Check("relu trace gap SGD - GD = (|P+| - 1)/n (simulation)", "simulation",
                sim.check_trace_gap))
_register(Check("linear: trace gap is 0 (symbolic)", "symbolic", _const(
    lambda: sym.check_expression("tr(s = 1) - tr(s = n), linear", hessian.linear_trace_gap(), 0))))
_register(Check("linear: trace at minima = finite differences", "high-precision",
                _const(lambda: hp.check_trace_at_min_fd(LINEAR))))
_register(Check("linear: trace gap SGD - GD = 0 (simulation)", "simulation",
                partial(sim.check_trace_gap, activation="linear")))
_register(Check("kink: one-sided curvatures 0 and 1/n; relu'(0)=1 kills the gap", "symbolic",
                _const(lambda: _kink_symbolic())))
_register(Check("kink: one-sided finite differences at x_1 along e_2", "high-precision",
                _const(lambda: _kink_fd())))
_GAMMA, _S_B = sp.Symbol("gamma", positive=True), sp.Symbol("S_B", nonnegative=True)
_register(Check("large init: batch coordinates shrink relative to w_perp iff r > 2",
                "symbolic", _const(lambda: sym.check_expression(
                    "(a_j'/a_j)/(w_perp'/w_perp) - 1", dynamics.active_vs_perp_growth(),
                    -_GAMMA * (r - 2) / (1 - _GAMMA * _S_B)))))
_register(Check("large init: a start with r(0) > 2 ends on the dead set", "simulation",
                sim.check_large_init_dead_end))
_register(Check("dead start: P(all a_i <= 0) = 2^-n", "symbolic", _const(
    lambda: sym.check_expression("P(dead)", dynamics.dead_init_probability(), 2**-n))))
_register(Check("dead relu start never moves; P(dead) in a Wilson interval", "simulation",
                sim.check_dead_init, statistical=True))


def _cyclic_enumeration(predicted: Callable[[int, int], int] | None = None) -> CheckResult:
    import math

    pred: Callable[[int, int], int] = math.gcd if predicted is None else predicted
    bad = []
    count = 0
    for n_ in range(1, 13):
        for b_ in range(1, n_ + 1):
            count += 1
            classes = dynamics.cyclic_classes(n_, b_)
            if any(len(c) != pred(n_, b_) for c in classes):
                bad.append([n_, b_])
    return CheckResult("cyclic classes vs gcd(b, n)", "exact-enumeration",
                       "fail" if bad else "pass", "exact (one full period of batches)",
                       {"pairs": count, "mismatches": bad[:10]})


def _kink_symbolic() -> CheckResult:
    k = hessian.kink_curvatures()
    actual = sp.Tuple(k["positive_side"], k["negative_side"], k["closed_form_relu_prime_0"],
                      k["closed_form_relu_prime_1"], hessian.trace_gap(RELU1))
    return sym.check_expression("(0+, 0-, H22 at relu'(0)=0, H22 at relu'(0)=1, gap at 1)",
                                actual, sp.Tuple(0, 1 / n, 1 / n, 0, 0))


def _kink_fd(expected: tuple[sp.Expr, sp.Expr] = (sp.Integer(0), sp.Integer(1))) -> CheckResult:
    """One-sided second differences of the loss definition at x_1 along +-e_2 (n = d = 2)."""
    import mpmath

    with mpmath.workdps(hp.DPS):
        h = mpmath.mpf("1e-12")

        def f(t: Any) -> Any:
            return hp.loss_by_definition([mpmath.mpf(1), t], 2, RELU)

        plus = (f(2 * h) - 2 * f(h) + f(0)) / h**2
        minus = (f(-2 * h) - 2 * f(-h) + f(0)) / h**2
        want = [mpmath.mpf(int(sp.Rational(e).p)) / int(sp.Rational(e).q) / 2
                for e in expected]
        err = max(abs(plus - want[0]), abs(minus - want[1]))
        return CheckResult(
            "one-sided curvatures at x_1 along e_2 (n = 2)", "high-precision",
            "pass" if err <= mpmath.mpf("1e-9") else "fail",
            "1e-9: one-sided O(h) stencils, h = 1e-12, 50 digits",
            {"positive_side": mpmath.nstr(plus, 12), "negative_side": mpmath.nstr(minus, 12),
             "expected": [str(sp.Rational(e) / 2) for e in expected]},
        )


# ----------------------------------------------------------------------------- claims
def _derived(cid: str, check_names: list[str], caveat: str = "",
             key: Callable[[list[CheckResult]], str] | None = None) -> Claim:
    entry = by_id(cid)
    return Claim(cid, entry.title, entry.statement, entry.latex, entry.provenance,
                 entry.conventions, tuple(CHECKS[c] for c in check_names), entry.supports,
                 caveat, key)


def _ev(results: list[CheckResult], idx: int, *path: str) -> Any:
    obj: Any = results[idx].evidence
    for p in path:
        obj = obj[p]
    return obj


PAPER_CLAIMS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "P1": ("Convergence for every batch size",
           "Randomly initialised SGD with a constant step size finds a global minimum for "
           "every batch size b, linear or ReLU, orthogonal data.",
           ("minima.value", "minima.set", "stationary.other", "gd.limit", "sgd.sparse_limit",
            "relu.dead_init", "relu.large_init")),
    "P2": ("Full batch is dense and aligned",
           "With b = n the solution is dense and aligned with the initial direction: the "
           "initially positive coordinates are only rescaled uniformly.",
           ("gd.ratio_invariance", "gd.limit", "gd.dense_aligned")),
    "P3": ("Small batch is sparse and orthogonal",
           "For every b < n SGD finds a global minimum that is sparse (one data direction) and "
           "nearly orthogonal to its initialisation.",
           ("sgd.fixed_points", "sgd.sparse_limit", "sgd.orthogonal")),
    "P4": ("Full batch is flatter (Hessian trace)",
           "The full-batch minimum is flatter than the b < n minima by the trace of the Hessian.",
           ("hessian.trace_at_min", "hessian.linear_equal", "hessian.kink_convention")),
    "P5": ("Same top curvature",
           "All global minima share the same largest Hessian eigenvalue.",
           ("hessian.spectrum_at_min",)),
    "P6": ("Random-walk tool",
           "Convergence with a constant step size is proved with a result on non-homogeneous "
           "random walks.",
           ("walk.log_ratio", "walk.top_gap", "walk.outward_drift")),
    "P7": ("Cyclic order",
           "Cyclic (deterministic-order) SGD with b < n also ends sparse.",
           ("cyclic.blocks",)),
}

PAPER_CAVEATS = {
    "P1": "For relu the start must not be dead (all a_i(0) <= 0, probability 2^-n: SGD never "
          "moves) and, as found by simulation, not too large: from r(0) = ||w_0||^2 > 2 with a "
          "small positive part SGD can converge to the dead set, L = 1/2 (relu.large_init). "
          "With w_0 ~ N(0, I/d) and d = 40, r(0) > 2 is rare.",
    "P3": "Sparsification slows sharply as b -> n (walk.variance_scale): per-step variance "
          "of the log-ratio is about 2 eta^2 (n - b)/(b n (n - 1)).",
    "P4": "Holds for relu under relu'(0) = 0 only: for linear activation every minimum has "
          "the same trace (hessian.linear_equal), and under relu'(0) = 1 the gap vanishes "
          "(hessian.kink_convention).",
    "P7": "Holds as stated only when gcd(b, n) = 1; otherwise the limit is supported on one "
          "class of gcd(b, n) indices (cyclic.blocks).",
}


@cache
def _derived_claims() -> tuple[Claim, ...]:
    out = [
        _derived("loss.coordinates", ["loss: explicit (d, n) = reduced form",
                                      "loss: reduced form = definition at rational points"]),
        _derived("grad.per_sample", ["gradient: closed form = derivative of explicit loss",
                                     "gradient: closed form = central differences (50 digits)"],
                 key=lambda rs: f"FD err {_ev(rs, 1, 'relu', 'max_abs_error')}"),
        _derived("sgd.multiplicative",
                 ["SGD map: coordinates = explicit step, all batches and patterns",
                  "SGD map: reduced engine = full engine"],
                 key=lambda rs: f"engines differ {float(_ev(rs, 1, 'max_abs_difference')):.1e}"),
        _derived("minima.value", ["minimum value by minimising the reduced form",
                                  "minimum value: interval lower bound on boxes"],
                 key=lambda rs: "(n-1)/(2n)"),
        _derived("minima.set", ["minima: S > 0 stationary family is S = r = 1",
                                "stationary points over all activation patterns"]),
        _derived("stationary.other", ["stationary classes from the reduced conditions",
                                      "gradient 0 and L = 1/2 on the S = 0 set (50 digits)",
                                      "stationary points over all activation patterns"]),
        _derived("gd.ratio_invariance", ["full-batch common factor makes ratios constant",
                                         "full batch keeps coordinate ratios (simulation)"],
                 key=lambda rs: f"ratio drift {_ev(rs, 1, 'max_relative_ratio_change'):.1e}"),
        _derived("gd.limit", ["full-batch radial map: fixed point 1, multiplier 1 - 4 gamma",
                              "full batch converges to u/||u|| (simulation)"],
                 key=lambda rs: f"err {float(_ev(rs, 1, 'max_abs_error')):.1e}"),
        _derived("gd.dense_aligned", ["alignment: E||u||^2 / E||w0||^2 = n/(2d)",
                                      "full batch is dense and aligned (simulation)"],
                 key=lambda rs: f"E cos^2 {float(_ev(rs, 1, 'mean_cos2')):.3f} vs 0.25"),
        _derived("sgd.fixed_points", ["batch gradient at a minimum is (S_B I - Q_B) w",
                                      "fixed points of every batch: support 1 only",
                                      "b < n ends 1-sparse (random, b = 1, relu)"]),
        _derived("sgd.sparse_limit", ["loss gap at x_k is 0",
                                      "b < n ends 1-sparse (random, b = 1, relu)",
                                      "b < n ends 1-sparse (replacement, b = 1, relu)",
                                      "b < n ends 1-sparse (reshuffle, b = 1, relu)",
                                      "b < n ends 1-sparse (random, b = 5, relu)",
                                      "b < n ends 1-sparse (random, b = 1, linear)"],
                 key=lambda rs: f"1-sparse {float(_ev(rs, 1, 'fraction_one_sparse')):.0%}"),
        _derived("sgd.orthogonal", ["cos(x_k, w_0) = a_k(0)/||w_0||",
                                    "b < n ends 1-sparse (random, b = 1, relu)"],
                 key=lambda rs: f"mean |cos| {float(_ev(rs, 1, 'mean_abs_cos')):.3f}"),
        _derived("cyclic.blocks", ["cyclic classes have gcd(b, n) members (enumeration)",
                                   "cyclic schedule ends on one gcd class (simulation)",
                                   "cyclic b = 1 ends 1-sparse (simulation)"],
                 caveat=PAPER_CAVEATS["P7"]),
        _derived("hessian.closed_form", ["Hessian: closed form = Hessian of explicit loss",
                                         "Hessian: closed form = second differences (50 digits)"]),
        _derived("hessian.spectrum_at_min", ["spectrum at an s-sparse minimum",
                                             "Rayleigh quotients at minima enclose 4/n, 0, 1/n",
                                             "lambda_max at simulated GD and SGD limits"],
                 key=lambda rs: "lambda_max = 4/n"),
        _derived("hessian.trace_at_min",
                 ["trace at an s-sparse minimum = (d - s + 4)/n",
                  "trace formula = finite-difference trace at sparse minima",
                  "trace at simulated limits: formula, eigvalsh, Hutchinson",
                  "relu trace gap SGD - GD = (|P+| - 1)/n (simulation)"],
                 key=lambda rs: f"mean gap {float(_ev(rs, 3, 'mean_gap')):.3f}"),
        _derived("hessian.linear_equal", ["linear: trace gap is 0 (symbolic)",
                                          "linear: trace at minima = finite differences",
                                          "linear: trace gap SGD - GD = 0 (simulation)"],
                 caveat=PAPER_CAVEATS["P4"]),
        _derived("hessian.kink_convention",
                 ["kink: one-sided curvatures 0 and 1/n; relu'(0)=1 kills the gap",
                  "kink: one-sided finite differences at x_1 along e_2"],
                 caveat=PAPER_CAVEATS["P4"]),
        _derived("relu.large_init",
                 ["large init: batch coordinates shrink relative to w_perp iff r > 2",
                  "large init: a start with r(0) > 2 ends on the dead set"],
                 caveat=PAPER_CAVEATS["P1"]),
        _derived("relu.dead_init", ["dead start: P(all a_i <= 0) = 2^-n",
                                    "dead relu start never moves; P(dead) in a Wilson interval"]),
    ]
    out.extend(_walk_claims())
    return tuple(out)


def _walk_claims() -> list[Claim]:
    """Claims of the random-walk module (SPEC ``walk.*`` and section 3)."""
    from . import walk_claims

    return list(walk_claims.claims(_derived, CHECKS))


@cache
def claims() -> tuple[Claim, ...]:
    """All claims: derived (SPEC section 2), walk and classical, then P1-P7."""
    derived = _derived_claims()
    by = {c.id: c for c in derived}
    paper = []
    for pid, (title, statement, supports) in PAPER_CLAIMS.items():
        present = [by[sid] for sid in supports if sid in by]
        checks: list[Check] = []
        for c in present:
            for ch in c.checks:
                if ch not in checks:
                    checks.append(ch)
        paper.append(Claim(pid, title, statement, r"\text{" + statement + "}", "paper",
                           ("see supporting claims",), tuple(checks),
                           tuple(c.id for c in present), PAPER_CAVEATS.get(pid, ""),
                           _checks_passed_key))
    return derived + tuple(paper)


def _checks_passed_key(results: list[CheckResult]) -> str:
    passed = sum(r.passed for r in results)
    return f"{passed}/{len(results)} checks pass"


def statistical_check_count() -> int:
    """Number of distinct statistical checks (the Bonferroni divisor of a full run)."""
    names = {ch.name for c in claims() for ch in c.checks if ch.statistical}
    return len(names)


# ---------------------------------------------------------------------------- mutants
def _wrong_trace(_b: Budget) -> CheckResult:
    return hp.check_trace_at_min_fd(RELU, trace_expr=(d - s + 5) / n)


@cache
def mutants() -> tuple[Mutant, ...]:
    """Wrong variants every checker must reject."""
    cw, cx = per_sample_gradient_coefficients(RELU)
    wrong_step = dict(sgd_step_map(RELU))
    wrong_step["in_batch"] = wrong_step["in_batch"].subs(r, r + 1)
    wrong_hess = dict(hessian.hessian_coefficients())
    wrong_hess["symmetric_outer"] = 1 / n
    other_kink_trace = hessian.hessian_trace().subs({S: 1, r: 1, m: n})
    out = [
        Mutant("loss.constant_off_by_one", "loss.coordinates", "L = ((r-2)S + n + 1)/(2n)",
               _const(lambda: hp.check_loss_reduced(
                   RELU, loss_expr=((r - 2) * S + n + 1) / (2 * n)))),
        Mutant("loss.explicit_route", "loss.coordinates", "explicit route with n + 1",
               _const(lambda: sym.check_explicit_routes(
                   "loss", sym.ROUTES["loss"], RELU,
                   reduced_expr=((r - 2) * S + n + 1) / (2 * n)))),
        Mutant("grad.dropped_minus_two", "grad.per_sample", "c_x = sigma(a)(r - 1)",
               _const(lambda: hp.check_gradient_fd(RELU, coefficients=(cw, cx.subs(r, r + 1))))),
        Mutant("grad.symbolic_route", "grad.per_sample", "c_w = 2 sigma(a)^2",
               _const(lambda: sym.check_explicit_routes(
                   "gradient", sym.ROUTES["gradient"], RELU, coefficients=(2 * cw, cx)))),
        Mutant("sgd.step_map", "sgd.multiplicative", "in-batch term with (1 - r)",
               _const(lambda: sym.check_sgd_step(RELU, step_map=wrong_step))),
        Mutant("sgd.engines_perturbed", "sgd.multiplicative", "reduced state scaled by 1+1e-6",
               partial(sim.check_engines_agree, perturb_multiplier=1e-6)),
        Mutant("minima.value_wrong", "minima.value", "claimed min 1/2 (the dead value)",
               _const(lambda: iv.check_loss_lower_bound(target=sp.Rational(1, 2)))),
        Mutant("minima.set_wrong_value", "minima.set", "classify with min n/(2n)",
               _const(lambda: sym.check_stationary_exhaustive(
                   LINEAR, dims=((2, 2),), expected_min=n / (2 * n)))),
        Mutant("gd.ratio_with_b_lt_n", "gd.ratio_invariance", "b = 3 < n where b = n is needed",
               partial(sim.check_gd_ratio_invariance, batch_size=3)),
        Mutant("gd.limit_step_past_bound", "gd.limit", "eta = 12 > n/2 (gamma = 0.6 > 1/2)",
               partial(sim.check_gd_limit, step_size=12.0)),
        Mutant("gd.alignment_linear_ratio", "gd.dense_aligned", "predict n/d (linear) for relu",
               partial(sim.check_gd_alignment, predicted_ratio=0.5)),
        Mutant("sgd.sparse_with_b_eq_n", "sgd.sparse_limit", "b = n where b < n is required",
               partial(sim.check_sparse_limit, batch_size=20)),
        Mutant("cyclic.gcd_ignored", "cyclic.blocks", "predict class size 1 (P7 as stated)",
               _const(lambda: _cyclic_enumeration(lambda nn, bb: 1))),
        Mutant("cyclic.sim_gcd_ignored", "cyclic.blocks", "simulation judged with class size 1",
               partial(sim.check_cyclic_classes, predicted_class_size=1)),
        Mutant("hessian.outer_coefficient", "hessian.closed_form", "2/n -> 1/n on w(Qw)^T",
               _const(lambda: sym.check_explicit_routes(
                   "hessian", sym.ROUTES["hessian"], RELU, coefficients=wrong_hess))),
        Mutant("hessian.interval_outer", "hessian.spectrum_at_min", "2/n -> 1/n, intervals",
               _const(lambda: iv.check_hessian_quadratic_forms(coefficients=wrong_hess))),
        Mutant("hessian.lambda_max_wrong", "hessian.spectrum_at_min", "lambda_max = 4/(n+1)",
               partial(sim.check_lambda_max, predicted=4 / 21)),
        Mutant("trace.off_by_one", "hessian.trace_at_min", "(d - s + 5)/n", _wrong_trace),
        Mutant("trace.other_kink_convention", "hessian.trace_at_min",
               "trace under relu'(0) = 1 judged against relu'(0) = 0 differences",
               _const(lambda: hp.check_trace_at_min_fd(RELU, trace_expr=other_kink_trace,
                                                      seed=3))),
        Mutant("trace.sim_offset", "hessian.trace_at_min", "formula + 0.05",
               partial(sim.check_trace_numeric, trace_offset=0.05)),
        Mutant("trace.gap_zero_for_relu", "hessian.trace_at_min", "predict gap 0 for relu",
               partial(sim.check_trace_gap, predicted_gap="zero")),
        Mutant("trace.linear_gap_relu_formula", "hessian.linear_equal",
               "predict (|P+|-1)/n for linear", partial(sim.check_trace_gap, activation="linear",
                                                          predicted_gap="relu")),
        Mutant("kink.swapped_sides", "hessian.kink_convention", "curvatures swapped",
               _const(lambda: _kink_fd(expected=(sp.Integer(1), sp.Integer(0))))),
        Mutant("stationary.dead_value_zero", "stationary.other", "L = 0 on the S = 0 set",
               _const(lambda: _stationary_symbolic(sp.Integer(0)))),
        Mutant("sgd.fixed_support_two", "sgd.fixed_points",
               "claim 2-sparse minima are fixed by every batch",
               _const(lambda: _fixed_points_enumeration(max_fixed_support=2))),
        Mutant("minima.set_r_two", "minima.set", "minimisers with r = 2",
               _const(lambda: _minima_symbolic(2))),
        Mutant("stationary.dead_fd_value", "stationary.other", "L = 1/4 on the dead set (FD)",
               _const(lambda: _dead_set_fd(RELU, expected_loss="1/4"))),
        Mutant("sgd.orthogonal_symbolic", "sgd.orthogonal", "cos = a_k(0)/||w_0||^2",
               _const(lambda: _orthogonal_symbolic(lambda ak, nrm: ak / nrm**2))),
        Mutant("sgd.winner_is_argmax", "sgd.orthogonal",
               "predict |cos| = max_i |a_i(0)|/||w_0|| (winner = largest coordinate)",
               partial(sim.check_sparse_limit, winner_is_argmax=True)),
        Mutant("large_init.reaches_minimum", "relu.large_init",
               "expect a global minimum from the r(0) > 2 start (P1 without its caveat)",
               partial(sim.check_large_init_dead_end, expect_global_minimum=True)),
        Mutant("dead.wrong_probability", "relu.dead_init", "P(dead) = 2^-(n-1)",
               partial(sim.check_dead_init, predicted=0.25)),
    ]
    from . import walk_claims

    out.extend(walk_claims.mutants())
    return tuple(out)

