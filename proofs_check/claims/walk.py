"""Wiring of the random-walk claims (SPEC ``walk.*``) and Lamperti's criterion (section 3)."""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp

from numerics import random_walk, sgd_walk
from theory import lamperti
from theory import walk as theory_walk
from theory.symbols import S_B, S, a_j, a_k, b, eta, gamma, n, p, r

from ..oracles import enumeration as en
from ..oracles import high_precision as hp
from ..oracles import simulation as sim
from ..oracles import symbolic as sym
from ..oracles import walks
from ..registry import Claim
from ..result import CheckResult
from ._build import ENGINE, check, derived, evidence, transformed, variant, wrapped

__all__ = ["claims"]

_C_B = gamma * (2 - r) / (1 - gamma * S_B)
_MEAN_T = (b - 1) / (n - 2) * (S - a_j**2 - a_k**2)
_DRIFT = (p * gamma**2 * (2 - r) * (a_j**2 - a_k**2)
          + p * gamma**3 * (2 - r) * (a_j**2 - a_k**2) * (a_j**2 + a_k**2 + 2 * _MEAN_T + r - 2))


def _probability_change(schedule: str, new: sp.Expr) -> Any:
    """move_probability with the formula of one schedule replaced."""
    def make(original: Any) -> Any:
        def wrong(which: str = "random") -> sp.Expr:
            return new if which == schedule else original(which)

        return wrong

    return wrapped(make)


def _flipped_drift(original: Any) -> Any:
    """classify_lamperti with the sign of mu_1 flipped (the threshold read the wrong way)."""
    def wrong(mu1: Any, mu2: Any, *args: Any, **kwargs: Any) -> Any:
        return original(-mu1, mu2, *args, **kwargs)

    return wrong


def _doubled_gap(original: Any) -> Any:
    def wrong(a: Any, *args: Any, **kwargs: Any) -> Any:
        return 2 * np.asarray(original(a, *args, **kwargs))

    return wrong


_ENUM = ("SGD step from the definition, every batch",)
_DEFINITION = "SGD written from the definition"

CASES = check(
    sym.spec_statement, "symbolic", "log-ratio step as derived = log(1 + c_B)",
    relies_on=("catalogue",), claim="walk.log_ratio", expected=sp.log(1 + _C_B),
    variants=[variant("walk.c_batch_wrong", "walk.log_ratio", "cases: c_B with (1 - r)",
                      "theory.walk:log_ratio_increment_cases",
                      transformed(lambda cs: {k: v.subs(r, r + 1) for k, v in cs.items()}))])
LAW = check(
    en.log_ratio_law, "exact-enumeration",
    "walk: exact law by enumerating batches = the definition's law",
    relies_on=(*_ENUM, "walk derivations", "gradient derivations"), independent=True,
    variants=[variant("walk.p_without_n_minus_1", "walk.log_ratio", "p = b(n - b)/n^2",
                      "theory.walk:move_probability",
                      _probability_change("random", b * (n - b) / n**2))])
MOVES = check(
    sim.check_log_ratio_moves, "simulation", "walk: engine's one-step moves in Wilson bands",
    relies_on=("SGD engine", "metrics", "gradient derivations", "random walks"),
    independent=True, statistical=True)
P_SPEC = check(
    sym.spec_statement, "symbolic", "move probability as derived = b(n - b)/(n(n - 1))",
    relies_on=("catalogue",), claim="walk.move_probability",
    expected=b * (n - b) / (n * (n - 1)),
    variants=[variant("walk.move_probability_b_over_n", "walk.move_probability", "p = b/n",
                      "theory.walk:move_probability", _probability_change("random", b / n))])
P_COUNT = check(
    en.move_probability_by_counting, "exact-enumeration",
    "move probability = counting batches (random, replacement, full)",
    relies_on=("batch counting",), independent=True,
    variants=[variant("walk.replacement_probability", "walk.move_probability",
                      "replacement: (1 - 1/n)^b", "theory.walk:move_probability",
                      _probability_change("replacement", (1 - 1 / n) ** b))])
TOP_GAP_DEFINITION = check(
    walks.check_top_gap_against_definition, "simulation",
    "SGD top-gap walks and one-step increments = SGD written from the definition",
    relies_on=("SGD engine", "metrics", "gradient derivations", "random walks", _DEFINITION))
TOP_GAP_SPEC = check(sym.spec_statement, "symbolic", "G' - G at b = n as derived = 0",
                     relies_on=("catalogue",), claim="walk.top_gap", expected=sp.Integer(0))
TOP_GAP = check(
    sim.check_top_gap_escape, "simulation", "walk: top gap escapes for b < n, frozen for b = n",
    relies_on=(*ENGINE, "random walks"), independent=True,
    variants=[variant("walk.top_gap_doubled", "walk.top_gap", "G read off as 2 log(a1/a2)",
                      "numerics.sgd_walk:top_gap", wrapped(_doubled_gap))])
DRIFT_SPEC = check(
    sym.spec_statement, "symbolic", "drift as derived = SPEC's gamma^2 and gamma^3 terms",
    relies_on=("catalogue",), claim="walk.outward_drift", expected=_DRIFT,
    variants=[variant("walk.drift_sign_flipped", "walk.outward_drift",
                      "gamma^2 term with its sign flipped", "theory.walk:drift_expansion",
                      transformed(lambda e: {**e, "gamma2": -e["gamma2"],
                                             "drift": e["drift"] - 2 * p * gamma**2
                                             * e["gamma2"]}))])
MONOTONE = check(sym.drift_monotone, "symbolic", "walk: f increasing (coupling)",
                 relies_on=("walk derivations",))
COUPLING = check(
    en.drift_is_coupling_form, "exact-enumeration",
    "walk: exact drift and coupling form = the definition's drift; outward sign",
    relies_on=(*_ENUM, "walk derivations"), independent=True,
    variants=[variant("walk.coupling_form_wrong", "walk.outward_drift",
                      "coupling form 0.1% too large", "theory.walk:coupling_drift",
                      transformed(lambda e: e * (1 + sp.Rational(1, 1000))))])
ORDER = check(hp.drift_expansion_order, "high-precision", "walk: drift expansion order",
              relies_on=("walk derivations",))
STABILITY_SPEC = check(
    sym.spec_statement, "symbolic", "stability near x_k as derived = p log(1 - gamma^2)",
    relies_on=("catalogue",), claim="walk.stability_at_xk", expected=p * sp.log(1 - gamma**2),
    variants=[variant("walk.stability_2gamma2", "walk.stability_at_xk",
                      "p log(1 - 2 gamma^2)", "theory.walk:stability_at_xk",
                      transformed(lambda st: {**st, "expected_log_increment":
                                              p * sp.log(1 - 2 * gamma**2)}))])
STABILITY = check(
    en.stability_at_xk, "exact-enumeration", "walk: stability at x_k = the definition's",
    relies_on=(*_ENUM, "walk derivations"), independent=True,
    variants=[variant("walk.radial_multiplier", "walk.stability_at_xk",
                      "radial multiplier 1 - 2 gamma", "theory.walk:stability_at_xk",
                      transformed(lambda st: {**st, "radial_multiplier": 1 - 2 * gamma}))])
VARIANCE_SPEC = check(
    sym.spec_statement, "symbolic", "variance as derived = 2 eta^2 (n - b)/(b n (n - 1))",
    relies_on=("catalogue",), claim="walk.variance_scale",
    expected=2 * eta**2 * (n - b) / (b * n * (n - 1)),
    variants=[variant("walk.variance_4p", "walk.variance_scale", "variance 4 p gamma^2",
                      "theory.walk:variance_scale",
                      transformed(lambda v: {"variance": 2 * v["variance"],
                                             "in_eta": 2 * v["in_eta"]}))])
VARIANCE = check(
    en.variance_near_minimum, "exact-enumeration",
    "walk: variance of D near the minimum = the definition's", relies_on=_ENUM,
    independent=True)
LAMPERTI_SPEC = check(
    sym.spec_statement, "symbolic", "2 x mu_1 - mu_2 as derived = 2c - s_2",
    relies_on=("catalogue", "Lamperti classifier"), claim="lamperti.criterion",
    expected=2 * sp.Symbol("c", real=True) - sp.Symbol("s_2", positive=True))
LAMPERTI = check(
    sym.lamperti_criterion, "symbolic", "Lamperti: the classifier on a grid of c and s2",
    relies_on=("Lamperti classifier",),
    variants=[variant("lamperti.drift_sign_flipped", "lamperti.criterion", "c/x with c -> -c",
                      "theory.lamperti:classify_lamperti", wrapped(_flipped_drift))])
BIRTH_DEATH = check(en.birth_death_series, "exact-enumeration",
                    "Lamperti: birth-death exact series", relies_on=("Lamperti classifier",))
LAMPERTI_TEXTBOOK = check(
    sym.lamperti_textbook_cases, "symbolic",
    "Lamperti and series classifiers on textbook cases (log refinements, hypotheses, "
    "ratio / Raabe / Bertrand tests, first valid site, a geometric chain)",
    relies_on=("textbook criteria (MPW ch. 3, Raabe, Bertrand)",), independent=True)
WALKS_DEFINITION = check(
    walks.check_walks_against_definition, "simulation",
    "walk simulator = the walk written from its definition (same uniforms)",
    relies_on=("random walks", "walk written from its definition"), independent=True)
LAMPERTI_SIM = check(
    sim.check_lamperti_escape, "simulation",
    "Lamperti: simulated escape against the classifier's class (grid of c and s2)",
    relies_on=("random walks", "Lamperti classifier"), independent=True, statistical=True)

CAVEAT_VARIANCE = ("Heuristic, leading order in gamma: near b = n the move probability "
                   "2p vanishes and sparsification can need very many steps.")


def _key_top_gap(rs: list[CheckResult]) -> str:
    return (f"escaped {evidence(rs, 1, 'escaped_fraction_b1'):.0%} (b=1), "
            f"moved {evidence(rs, 1, 'moved_fraction_full'):.0%} (b=n)")


def _key_log_ratio(rs: list[CheckResult]) -> str:
    cases = rs[1].evidence["cases"]
    return f"law = definition in {sum(c['law_equals_definition'] for c in cases)}/{len(cases)}"


def _key_moves(rs: list[CheckResult]) -> str:
    ev = rs[3].evidence
    return f"P(+) {ev['up'] / ev['draws']:.3f} vs p = {ev['predicted_p']:.3f}"


def claims() -> list[Claim]:
    """The walk claims and Lamperti's criterion."""
    return [
        derived("walk.log_ratio", [CASES, LAW],
                subject=[theory_walk.log_ratio_increment_cases, theory_walk.c_batch,
                         theory_walk.log_ratio_increment_law], key=_key_log_ratio),
        derived("walk.move_probability", [P_SPEC, P_COUNT, LAW, MOVES],
                subject=[theory_walk.move_probability], key=_key_moves),
        derived("walk.top_gap", [TOP_GAP_SPEC, TOP_GAP, TOP_GAP_DEFINITION],
                subject=[theory_walk.log_ratio_increment_cases, sgd_walk.top_gap,
                         sgd_walk.simulate_sgd_top_gap], key=_key_top_gap),
        derived("walk.outward_drift", [DRIFT_SPEC, MONOTONE, COUPLING, ORDER],
                subject=[theory_walk.drift_expansion, theory_walk.coupling_drift,
                         theory_walk.exact_drift, theory_walk.f_increasing_proof]),
        derived("walk.stability_at_xk", [STABILITY_SPEC, STABILITY],
                subject=[theory_walk.stability_at_xk]),
        derived("walk.variance_scale", [VARIANCE_SPEC, VARIANCE],
                subject=[theory_walk.variance_scale], caveat=CAVEAT_VARIANCE),
        derived("lamperti.criterion",
                [LAMPERTI_SPEC, LAMPERTI, LAMPERTI_TEXTBOOK, BIRTH_DEATH, LAMPERTI_SIM,
                 WALKS_DEFINITION],
                subject=[lamperti.classify_lamperti, lamperti.lamperti_family,
                         lamperti.classify_birth_death, lamperti.series_convergence,
                         lamperti.first_valid_site, random_walk.simulate_walk,
                         random_walk.two_point_law]),
    ]
