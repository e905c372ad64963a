"""Wiring of the Hessian claims (SPEC ``hessian.*``): claim -> routes -> wrong libraries."""

from __future__ import annotations

from typing import Any

import sympy as sp

from theory import hessian
from theory.conventions import LINEAR, Conventions
from theory.symbols import P_plus, d, n, r, s

from ..oracles import high_precision as hp
from ..oracles import interval as iv
from ..oracles import simulation as sim
from ..oracles import symbolic as sym
from ..registry import Claim
from ._build import ALL, BOTH, ENGINE, check, derived, evidence, transformed, variant

__all__ = ["CAVEAT_P4", "claims"]


def _active(c: Conventions) -> sp.Expr:
    """SPEC: m = s at a minimum for relu with relu'(0) = 0, m = n otherwise."""
    return s if c.is_relu and c.relu_prime_at_zero == 0 else n


def _spectrum_statement(c: Conventions) -> sp.Expr:
    m_ = _active(c)
    return sp.Tuple(sp.Tuple(4 / n, 1), sp.Tuple(0, m_ - 1), sp.Tuple(1 / n, d - m_))


def _gap_statement(c: Conventions) -> sp.Expr:
    return (P_plus - 1) / n if c.is_relu and c.relu_prime_at_zero == 0 else sp.Integer(0)


def _with_coefficient(**changes: sp.Expr) -> Any:
    return transformed(lambda coef: {**coef, **changes})


def _spectrum_change(k: int, item: int, change: Any) -> Any:
    """Replace entry ``item`` (0: eigenvalue, 1: multiplicity) of pair ``k``."""
    def edit(pairs: tuple[tuple[sp.Expr, sp.Expr], ...]) -> tuple[tuple[sp.Expr, sp.Expr], ...]:
        out = [list(p) for p in pairs]
        out[k][item] = change(out[k][item])
        return tuple((x, y) for x, y in out)

    return transformed(edit)


CAVEAT_P4 = (
    "Holds for relu under relu'(0) = 0 only: for linear activation every minimum has "
    "the same trace (hessian.linear_equal), and under relu'(0) = 1 the gap vanishes "
    "(hessian.kink_convention).")
_FD = ("loss definition at 50 digits",)

CLOSED_FORM_SPEC = check(
    sym.hessian_coefficients, "symbolic", "Hessian coefficients as derived = SPEC's "
    "(S/n, 2/n, (r - 2)/n)", relies_on=("Hessian derivations",),
    variants=[variant("hessian.outer_coefficient", "hessian.closed_form",
                      "2/n -> 1/n on w(Qw)^T", "theory.hessian:hessian_coefficients",
                      _with_coefficient(symmetric_outer=1 / n))])
CLOSED_FORM = check(
    sym.check_explicit_routes, "symbolic", "Hessian: closed form = Hessian of explicit loss",
    relies_on=("Hessian derivations", "explicit polynomial loss"), independent=True,
    each=ALL, route="hessian")
CLOSED_FORM_FD = check(
    hp.check_hessian_fd, "high-precision",
    "Hessian: closed form = second differences (50 digits)",
    relies_on=("Hessian derivations", *_FD), independent=True, each=ALL,
    variants=[variant("hessian.q_coefficient", "hessian.closed_form", "(r - 2)/n -> (r - 1)/n",
                      "theory.hessian:hessian_coefficients",
                      _with_coefficient(Q=(r - 1) / n))])
SPECTRUM_SPEC = check(
    sym.spec_statement, "symbolic", "spectrum as derived = SPEC's (4/n; 0, m - 1; 1/n, d - m)",
    relies_on=("catalogue",), each=ALL, claim="hessian.spectrum_at_min",
    expected=_spectrum_statement,
    variants=[variant("hessian.spectrum_multiplicity", "hessian.spectrum_at_min",
                      "eigenvalue 0 with multiplicity m", "theory.hessian:spectrum_at_min",
                      _spectrum_change(1, 1, lambda x: x + 1))])
SPECTRUM_FD = check(
    hp.spectrum_at_minima_fd, "high-precision",
    "spectrum at random minima: eigenvalues of second differences (mpmath.eigsy)",
    relies_on=_FD, independent=True, each=ALL,
    variants=[variant("hessian.spectrum_eigenvalue", "hessian.spectrum_at_min",
                      "eigenvalue 1/n -> 2/n off the active set",
                      "theory.hessian:spectrum_at_min", _spectrum_change(2, 0, lambda x: 2 * x))])
RAYLEIGH = check(iv.check_hessian_quadratic_forms, "interval",
                 "Rayleigh quotients at minima enclose the claimed eigenvalues",
                 relies_on=("Hessian derivations", "gradient derivations",
                            "interval arithmetic"))
LAMBDA_SPEC = check(
    sym.spec_statement, "symbolic", "largest eigenvalue as derived = 4/n",
    relies_on=("catalogue",), claim="hessian.lambda_max", expected=4 / n,
    variants=[variant("hessian.lambda_max_wrong", "hessian.lambda_max", "lambda_max = 4/(n+1)",
                      "theory.hessian:lambda_max_at_min", transformed(lambda e: 4 / (n + 1)))])
LAMBDA_FD = check(
    hp.lambda_max_fd, "high-precision", "largest eigenvalue of second differences at minima",
    relies_on=_FD, independent=True, each=ALL)
LAMBDA_SIM = check(
    sim.check_lambda_max, "simulation", "lambda_max at simulated GD and SGD limits",
    relies_on=(*ENGINE, "Hessian estimators", "Hessian derivations"))
TRACE_SPEC = check(
    sym.spec_statement, "symbolic", "trace at a minimum as derived = (d - m + 4)/n",
    relies_on=("catalogue",), each=ALL, claim="hessian.trace_at_min",
    expected=lambda c: (d - _active(c) + 4) / n,
    variants=[variant("trace.off_by_one", "hessian.trace_at_min", "(d - m + 5)/n",
                      "theory.hessian:trace_at_min", transformed(lambda e: e + 1 / n))])
TRACE_FD = check(
    hp.trace_at_minima_fd, "high-precision",
    "trace formula = finite-difference trace at sparse minima",
    relies_on=_FD, independent=True, each=ALL,
    variants=[variant("trace.other_kink_convention", "hessian.trace_at_min",
                      "the relu'(0) = 1 trace (d - n + 4)/n whatever the conventions",
                      "theory.hessian:trace_at_min", transformed(lambda e: e.subs(s, n)))])
TRACE_SIM = check(
    sim.check_trace_numeric, "simulation",
    "trace at simulated limits: formula, eigvalsh, finite differences, Hutchinson",
    relies_on=(*ENGINE, "Hessian estimators", "Hessian derivations"), statistical=True,
    each=BOTH)
GAP_SPEC = check(
    sym.spec_statement, "symbolic", "trace gap as derived = (|P+| - 1)/n (relu'(0) = 0), else 0",
    relies_on=("catalogue",), each=ALL, claim="hessian.trace_gap", expected=_gap_statement,
    variants=[variant("trace.gap_branch_dropped", "hessian.trace_gap",
                      "m = n at every minimum (the relu'(0) = 0 branch dropped)",
                      "theory.hessian:active_count_at_min",
                      transformed(lambda m_: n))])
GAP_FD = check(
    hp.trace_gap_fd, "high-precision", "trace gap SGD - GD minimum by second differences",
    relies_on=_FD, independent=True, each=ALL,
    variants=[variant("trace.gap_without_minus_one", "hessian.trace_gap", "gap |P+|/n",
                      "theory.hessian:trace_gap", transformed(lambda e: e + 1 / n))])
GAP_SIM = check(
    sim.check_trace_gap, "simulation", "trace gap SGD - GD at simulated limits (definition)",
    relies_on=(*ENGINE, "Hessian estimators", "Hessian from the definition"), each=ALL,
    variants=[variant("trace.gap_zero", "hessian.trace_gap", "predict gap 0 for relu",
                      "theory.hessian:trace_gap", transformed(lambda e: sp.Integer(0)))])
LINEAR_SPEC = check(
    sym.spec_statement, "symbolic", "linear trace gap as derived = 0",
    relies_on=("catalogue",), claim="hessian.linear_equal", expected=sp.Integer(0),
    conventions=LINEAR,
    variants=[variant("trace.linear_gap_relu_formula", "hessian.linear_equal",
                      "predict (|P+|-1)/n for linear", "theory.hessian:linear_trace_gap",
                      transformed(lambda e: (P_plus - 1) / n))])
LINEAR_TRACE_FD = check(hp.trace_gap_fd, "high-precision",
                        "linear: trace gap SGD - GD minimum = 0 by second differences",
                        relies_on=_FD, independent=True, conventions=LINEAR)
LINEAR_GAP = check(sim.check_trace_gap, "simulation",
                   "linear: trace gap SGD - GD = 0 (simulation)",
                   relies_on=(*ENGINE, "Hessian estimators", "Hessian from the definition"),
                   conventions=LINEAR)
KINK_SPEC = check(
    sym.spec_statement, "symbolic", "one-sided curvatures as derived = (0, 1/n)",
    relies_on=("catalogue",), claim="hessian.kink_convention",
    expected=sp.Tuple(0, 1 / n),
    variants=[variant("kink.swapped_sides", "hessian.kink_convention", "curvatures swapped",
                      "theory.hessian:kink_curvatures",
                      transformed(lambda k: {**k, "positive_side": k["negative_side"],
                                             "negative_side": k["positive_side"]}))])
KINK_FD = check(hp.kink_fd, "high-precision",
                "kink: one-sided finite differences at x_1 along e_2", relies_on=_FD,
                independent=True)


def claims() -> list[Claim]:
    """The Hessian claims, in SPEC order."""
    return [
        derived("hessian.closed_form", [CLOSED_FORM_SPEC, CLOSED_FORM, CLOSED_FORM_FD],
                subject=[hessian.hessian_coefficients]),
        derived("hessian.spectrum_at_min", [SPECTRUM_SPEC, SPECTRUM_FD, RAYLEIGH],
                subject=[hessian.spectrum_at_min], key=lambda rs: "lambda_max = 4/n"),
        derived("hessian.lambda_max", [LAMBDA_SPEC, LAMBDA_FD, LAMBDA_SIM],
                subject=[hessian.lambda_max_at_min]),
        derived("hessian.trace_at_min", [TRACE_SPEC, TRACE_FD, TRACE_SIM],
                subject=[hessian.trace_at_min]),
        derived("hessian.trace_gap", [GAP_SPEC, GAP_FD, GAP_SIM], subject=[hessian.trace_gap],
                key=lambda rs: f"mean gap {float(evidence(rs, 2, 'relu', 'mean_gap')):.3f}"),
        derived("hessian.linear_equal", [LINEAR_SPEC, LINEAR_TRACE_FD, LINEAR_GAP],
                subject=[hessian.linear_trace_gap, hessian.trace_gap], caveat=CAVEAT_P4),
        derived("hessian.kink_convention", [KINK_SPEC, KINK_FD],
                subject=[hessian.kink_curvatures], caveat=CAVEAT_P4),
    ]

