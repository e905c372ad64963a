"""Wiring of the Hessian claims (SPEC ``hessian.*``): claim -> routes -> wrong variants."""

from __future__ import annotations

import sympy as sp

from theory import hessian
from theory.conventions import LINEAR, RELU
from theory.symbols import S, d, m, n, r, s

from ..oracles import high_precision as hp
from ..oracles import interval as iv
from ..oracles import simulation as sim
from ..oracles import symbolic as sym
from ..registry import Claim
from ._build import check, derived, evidence, variant

__all__ = ["claims"]

BOTH = (LINEAR, RELU)


def _wrong_outer() -> dict[str, sp.Expr]:
    """The closed-form coefficients with 2/n -> 1/n on w(Qw)^T + (Qw)w^T."""
    coef = dict(hessian.hessian_coefficients())
    coef["symmetric_outer"] = 1 / n
    return coef


CAVEAT_P4 = (
    "Holds for relu under relu'(0) = 0 only: for linear activation every minimum has "
    "the same trace (hessian.linear_equal), and under relu'(0) = 1 the gap vanishes "
    "(hessian.kink_convention).")

CLOSED_FORM = check(
    sym.check_explicit_routes, "symbolic", "Hessian: closed form = Hessian of explicit loss",
    each=BOTH, name="hessian", route=sym.ROUTES["hessian"],
    variants=[variant("hessian.outer_coefficient", "hessian.closed_form",
                      "2/n -> 1/n on w(Qw)^T", conventions=RELU, coefficients=_wrong_outer())])
CLOSED_FORM_FD = check(hp.check_hessian_fd, "high-precision",
                       "Hessian: closed form = second differences (50 digits)", each=BOTH)
SPECTRUM = check(sym.spectrum_at_min, "symbolic", "spectrum at an s-sparse minimum")
RAYLEIGH = check(
    iv.check_hessian_quadratic_forms, "interval",
    "Rayleigh quotients at minima enclose 4/n, 0, 1/n",
    variants=[variant("hessian.interval_outer", "hessian.spectrum_at_min",
                      "2/n -> 1/n, intervals", coefficients=_wrong_outer())])
LAMBDA_MAX = check(
    sim.check_lambda_max, "simulation", "lambda_max at simulated GD and SGD limits",
    variants=[variant("hessian.lambda_max_wrong", "hessian.spectrum_at_min",
                      "lambda_max = 4/(n+1)", predicted=4 / 21)])
TRACE_SYMBOLIC = check(sym.trace_at_min, "symbolic",
                       "trace at an s-sparse minimum = (d - s + 4)/n")
TRACE_FD = check(
    hp.check_trace_at_min_fd, "high-precision",
    "trace formula = finite-difference trace at sparse minima", conventions=RELU,
    variants=[variant("trace.off_by_one", "hessian.trace_at_min", "(d - s + 5)/n",
                      trace_expr=(d - s + 5) / n),
              variant("trace.other_kink_convention", "hessian.trace_at_min",
                      "trace under relu'(0) = 1 judged against relu'(0) = 0 differences",
                      trace_expr=hessian.hessian_trace().subs({S: 1, r: 1, m: n}), seed=3)])
TRACE_SIM = check(
    sim.check_trace_numeric, "simulation",
    "trace at simulated limits: formula, eigvalsh, Hutchinson",
    variants=[variant("trace.sim_offset", "hessian.trace_at_min", "formula + 0.05",
                      trace_offset=0.05)])
TRACE_GAP = check(
    sim.check_trace_gap, "simulation", "relu trace gap SGD - GD = (|P+| - 1)/n (simulation)",
    variants=[variant("trace.gap_zero_for_relu", "hessian.trace_at_min",
                      "predict gap 0 for relu", predicted_gap="zero")])
LINEAR_GAP_SYMBOLIC = check(sym.linear_trace_gap, "symbolic", "linear: trace gap is 0 "
                            "(symbolic)")
LINEAR_TRACE_FD = check(hp.check_trace_at_min_fd, "high-precision",
                        "linear: trace at minima = finite differences", conventions=LINEAR)
LINEAR_GAP = check(
    sim.check_trace_gap, "simulation", "linear: trace gap SGD - GD = 0 (simulation)",
    conventions=LINEAR,
    variants=[variant("trace.linear_gap_relu_formula", "hessian.linear_equal",
                      "predict (|P+|-1)/n for linear", predicted_gap="relu")])
KINK_SYMBOLIC = check(sym.kink_curvatures, "symbolic",
                      "kink: one-sided curvatures 0 and 1/n; relu'(0)=1 kills the gap")
KINK_FD = check(
    hp.kink_fd, "high-precision", "kink: one-sided finite differences at x_1 along e_2",
    variants=[variant("kink.swapped_sides", "hessian.kink_convention", "curvatures swapped",
                      expected=(1, 0))])


def claims() -> list[Claim]:
    """The Hessian claims, in SPEC order."""
    return [
        derived("hessian.closed_form", [CLOSED_FORM, CLOSED_FORM_FD]),
        derived("hessian.spectrum_at_min", [SPECTRUM, RAYLEIGH, LAMBDA_MAX],
                key=lambda rs: "lambda_max = 4/n"),
        derived("hessian.trace_at_min", [TRACE_SYMBOLIC, TRACE_FD, TRACE_SIM, TRACE_GAP],
                key=lambda rs: f"mean gap {float(evidence(rs, 3, 'mean_gap')):.3f}"),
        derived("hessian.linear_equal", [LINEAR_GAP_SYMBOLIC, LINEAR_TRACE_FD, LINEAR_GAP],
                caveat=CAVEAT_P4),
        derived("hessian.kink_convention", [KINK_SYMBOLIC, KINK_FD], caveat=CAVEAT_P4),
    ]

