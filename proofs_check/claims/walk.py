"""Wiring of the random-walk claims (SPEC ``walk.*``) and Lamperti's criterion (section 3)."""

from __future__ import annotations

import sympy as sp

from theory.symbols import gamma, p

from ..oracles import enumeration as en
from ..oracles import high_precision as hp
from ..oracles import simulation as sim
from ..oracles import symbolic as sym
from ..registry import Claim
from ..result import CheckResult
from ._build import check, derived, evidence, variant

__all__ = ["claims"]

CASES = check(sym.log_ratio_cases, "symbolic",
              "walk: increment cases and move probability (symbolic)")
LAW = check(
    en.log_ratio_law, "exact-enumeration", "walk: exact law by enumerating batches",
    variants=[
        variant("walk.p_without_n_minus_1", "walk.log_ratio", "p = b(n - b)/n^2",
                predicted_p=lambda nn, bb: sp.Rational(bb * (nn - bb), nn**2)),
        variant("walk.move_probability_b_over_n", "walk.move_probability", "p = b/n",
                predicted_p=lambda nn, bb: sp.Rational(bb, nn))])
MOVES = check(
    sim.check_log_ratio_moves, "simulation", "walk: engine's one-step moves in Wilson bands",
    statistical=True,
    variants=[variant("walk.empirical_p_shifted", "walk.log_ratio", "p + 0.05", shift=0.05)])
TOP_GAP_SYMBOLIC = check(sym.top_gap_frozen, "symbolic", "walk: G frozen at b = n (symbolic)")
TOP_GAP = check(
    sim.check_top_gap_escape, "simulation", "walk: top gap escapes for b < n, frozen for b = n",
    variants=[variant("walk.full_batch_escapes", "walk.top_gap", "require escape at b = n too",
                      full_should_escape=True)])
MONOTONE = check(sym.drift_monotone, "symbolic", "walk: f increasing (coupling)")
COUPLING = check(en.drift_is_coupling_form, "exact-enumeration",
                 "walk: exact drift = coupling form, outward sign")
ORDER = check(
    hp.drift_expansion_order, "high-precision", "walk: drift expansion order",
    variants=[variant("walk.drift_sign_flipped", "walk.outward_drift",
                      "gamma^2 term with sign flipped", flip=True)])
STABILITY_SYMBOLIC = check(
    sym.stability_at_xk, "symbolic", "walk: stability at x_k (symbolic)",
    variants=[variant("walk.stability_symbolic_wrong", "walk.stability_at_xk",
                      "p log(1 - gamma)", claimed=p * sp.log(1 - gamma))])
STABILITY = check(
    en.stability_at_xk, "exact-enumeration", "walk: stability at x_k (enumeration)",
    variants=[variant("walk.stability_2gamma2", "walk.stability_at_xk",
                      "p log(1 - 2 gamma^2)", claimed_factor=2)])
VARIANCE_SYMBOLIC = check(sym.variance_scale, "symbolic", "walk: variance scale (symbolic)")
VARIANCE = check(
    en.variance_near_minimum, "exact-enumeration", "walk: variance scale (enumeration)",
    variants=[variant("walk.variance_4p", "walk.variance_scale", "variance 4 p gamma^2",
                      factor=4)])
LAMPERTI = check(
    sym.lamperti_criterion, "symbolic", "Lamperti: criterion on a grid of c",
    variants=[variant("lamperti.drift_sign_flipped", "lamperti.criterion", "c/x with c -> -c",
                      flip=True)])
BIRTH_DEATH = check(en.birth_death_series, "exact-enumeration",
                    "Lamperti: birth-death exact series")
LAMPERTI_SIM = check(sim.check_lamperti_escape, "simulation",
                     "Lamperti: escape fractions ordered (simulation)", statistical=True)

CAVEAT_VARIANCE = ("Heuristic, leading order in gamma: near b = n the move probability "
                   "2p vanishes and sparsification can need very many steps.")


def _key_top_gap(rs: list[CheckResult]) -> str:
    return (f"escaped {evidence(rs, 1, 'escaped_fraction_b1'):.0%} (b=1), "
            f"moved {evidence(rs, 1, 'moved_fraction_full'):.0%} (b=n)")


def _key_log_ratio(rs: list[CheckResult]) -> str:
    ev = rs[2].evidence
    return f"P(+) {ev['up'] / ev['draws']:.3f} vs p = {ev['predicted_p']:.3f}"


def claims() -> list[Claim]:
    """The walk claims and Lamperti's criterion."""
    return [
        derived("walk.log_ratio", [CASES, LAW, MOVES], key=_key_log_ratio),
        derived("walk.move_probability", [CASES, LAW]),
        derived("walk.top_gap", [TOP_GAP_SYMBOLIC, TOP_GAP], key=_key_top_gap),
        derived("walk.outward_drift", [MONOTONE, COUPLING, ORDER]),
        derived("walk.stability_at_xk", [STABILITY_SYMBOLIC, STABILITY]),
        derived("walk.variance_scale", [VARIANCE_SYMBOLIC, VARIANCE], caveat=CAVEAT_VARIANCE),
        derived("lamperti.criterion", [LAMPERTI, BIRTH_DEATH, LAMPERTI_SIM]),
    ]
