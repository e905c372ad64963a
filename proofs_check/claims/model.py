"""Wiring of the model, minima and dynamics claims (SPEC section 2): claim -> routes -> variants.

Each route names its oracle function; each wrong variant is declared next to the route that
must reject it.  No check body lives here (they are in :mod:`proofs_check.oracles`).
"""

from __future__ import annotations

import sympy as sp

from theory.conventions import LINEAR, RELU
from theory.gradients import per_sample_gradient_coefficients, sgd_step_map
from theory.symbols import S, n, r

from ..oracles import enumeration as en
from ..oracles import high_precision as hp
from ..oracles import interval as iv
from ..oracles import simulation as sim
from ..oracles import symbolic as sym
from ..registry import Claim
from ._build import check, derived, evidence, variant

__all__ = ["SPARSE_B1", "claims"]

BOTH = (LINEAR, RELU)
_WRONG_LOSS = ((r - 2) * S + n + 1) / (2 * n)


def _wrong_step_map() -> dict[str, sp.Expr]:
    step = dict(sgd_step_map(RELU))
    step["in_batch"] = step["in_batch"].subs(r, r + 1)
    return step


def _wrong_gradient(factor_w: int, r_shift: int) -> tuple[sp.Expr, sp.Expr]:
    cw, cx = per_sample_gradient_coefficients(RELU)
    return factor_w * cw, cx.subs(r, r + r_shift)


LOSS_ROUTES = check(
    sym.check_explicit_routes, "symbolic", "loss: explicit (d, n) = reduced form", each=BOTH,
    name="loss", route=sym.ROUTES["loss"],
    variants=[variant("loss.explicit_route", "loss.coordinates", "explicit route with n + 1",
                      conventions=RELU, reduced_expr=_WRONG_LOSS)])
LOSS_DEFINITION = check(
    hp.check_loss_reduced, "high-precision", "loss: reduced form = definition at rational points",
    each=BOTH,
    variants=[variant("loss.constant_off_by_one", "loss.coordinates",
                      "L = ((r-2)S + n + 1)/(2n)", conventions=RELU, loss_expr=_WRONG_LOSS)])
GRADIENT_ROUTES = check(
    sym.check_explicit_routes, "symbolic", "gradient: closed form = derivative of explicit loss",
    each=BOTH, name="gradient", route=sym.ROUTES["gradient"],
    variants=[variant("grad.symbolic_route", "grad.per_sample", "c_w = 2 sigma(a)^2",
                      conventions=RELU, coefficients=_wrong_gradient(2, 0))])
GRADIENT_FD = check(
    hp.check_gradient_fd, "high-precision",
    "gradient: closed form = central differences (50 digits)", each=BOTH,
    variants=[variant("grad.dropped_minus_two", "grad.per_sample", "c_x = sigma(a)(r - 1)",
                      conventions=RELU, coefficients=_wrong_gradient(1, 1))])
STEP_SYMBOLIC = check(
    sym.check_sgd_step, "symbolic", "SGD map: coordinates = explicit step, all batches and "
    "patterns", each=BOTH,
    variants=[variant("sgd.step_map", "sgd.multiplicative", "in-batch term with (1 - r)",
                      conventions=RELU, step_map=_wrong_step_map())])
ENGINES = check(
    sim.check_engines_agree, "simulation", "SGD map: reduced engine = full engine",
    variants=[variant("sgd.engines_perturbed", "sgd.multiplicative",
                      "reduced state scaled by 1+1e-6", perturb_multiplier=1e-6)])
MIN_VALUE = check(sym.minimum_value, "symbolic", "minimum value by minimising the reduced form")
MIN_BOUND = check(
    iv.check_loss_lower_bound, "interval", "minimum value: interval lower bound on boxes",
    variants=[variant("minima.value_wrong", "minima.value", "claimed min 1/2 (the dead value)",
                      target=sp.Rational(1, 2))])
MINIMA_FAMILY = check(
    sym.minima_family, "symbolic", "minima: S > 0 stationary family is S = r = 1",
    variants=[variant("minima.set_r_two", "minima.set", "minimisers with r = 2", expected_r=2)])
STATIONARY_POINTS = check(
    en.stationary_points, "exact-enumeration", "stationary points over all activation patterns",
    each=BOTH,
    variants=[variant("minima.set_wrong_value", "minima.set", "classify with min n/(2n)",
                      conventions=LINEAR, dims=((2, 2),), expected_min=n / (2 * n))])
STATIONARY_CLASSES = check(
    sym.stationary_classes, "symbolic", "stationary classes from the reduced conditions",
    variants=[variant("stationary.dead_value_zero", "stationary.other", "L = 0 on the S = 0 set",
                      dead_value=sp.Integer(0))])
DEAD_SET = check(
    hp.dead_set_fd, "high-precision", "gradient 0 and L = 1/2 on the S = 0 set (50 digits)",
    conventions=RELU,
    variants=[variant("stationary.dead_fd_value", "stationary.other",
                      "L = 1/4 on the dead set (FD)", expected_loss="1/4")])
GD_RATIOS_SYMBOLIC = check(sym.gd_ratio_invariance, "symbolic",
                           "full-batch common factor makes ratios constant")
GD_RATIOS = check(
    sim.check_gd_ratio_invariance, "simulation", "full batch keeps coordinate ratios "
    "(simulation)",
    variants=[variant("gd.ratio_with_b_lt_n", "gd.ratio_invariance",
                      "b = 3 < n where b = n is needed", batch_size=3)])
GD_RADIAL = check(sym.gd_radial_map, "symbolic",
                  "full-batch radial map: fixed point 1, multiplier 1 - 4 gamma")
GD_LIMIT = check(
    sim.check_gd_limit, "simulation", "full batch converges to u/||u|| (simulation)",
    variants=[variant("gd.limit_step_past_bound", "gd.limit",
                      "eta = 12 > n/2 (gamma = 0.6 > 1/2)", step_size=12.0)])
GD_ALIGN_SYMBOLIC = check(sym.alignment_ratio, "symbolic",
                          "alignment: E||u||^2 / E||w0||^2 = n/(2d)")
GD_ALIGN = check(
    sim.check_gd_alignment, "simulation", "full batch is dense and aligned (simulation)",
    statistical=True,
    variants=[variant("gd.alignment_linear_ratio", "gd.dense_aligned",
                      "predict n/d (linear) for relu", predicted_ratio=0.5)])
BATCH_GRADIENT = check(sym.batch_gradient_at_min, "symbolic",
                       "batch gradient at a minimum is (S_B I - Q_B) w")
FIXED_POINTS = check(
    en.fixed_points, "exact-enumeration", "fixed points of every batch: support 1 only",
    variants=[variant("sgd.fixed_support_two", "sgd.fixed_points",
                      "claim 2-sparse minima are fixed by every batch", max_fixed_support=2)])
SPARSE_B1 = check(
    sim.check_sparse_limit, "simulation", "b < n ends 1-sparse (random, b = 1, relu)",
    variants=[variant("sgd.sparse_with_b_eq_n", "sgd.sparse_limit",
                      "b = n where b < n is required", batch_size=20),
              variant("sgd.winner_is_argmax", "sgd.orthogonal",
                      "predict |cos| = max_i |a_i(0)|/||w_0|| (winner = largest coordinate)",
                      winner_is_argmax=True)])
SPARSE_OTHERS = (
    check(sim.check_sparse_limit, "simulation", "b < n ends 1-sparse (replacement, b = 1, relu)",
          schedule="replacement"),
    check(sim.check_sparse_limit, "simulation", "b < n ends 1-sparse (reshuffle, b = 1, relu)",
          schedule="reshuffle"),
    check(sim.check_sparse_limit, "simulation", "b < n ends 1-sparse (random, b = 5, relu)",
          batch_size=5),
    check(sim.check_sparse_limit, "simulation", "b < n ends 1-sparse (random, b = 1, linear)",
          conventions=LINEAR),
)
LOSS_GAP_XK = check(sym.loss_gap_at_xk, "symbolic", "loss gap at x_k is 0")
ORTHOGONAL = check(
    sym.orthogonal_limit_cosine, "symbolic", "cos(x_k, w_0) = a_k(0)/||w_0||",
    variants=[variant("sgd.orthogonal_symbolic", "sgd.orthogonal", "cos = a_k(0)/||w_0||^2",
                      expected=lambda ak, nrm: ak / nrm**2)])
CYCLIC_ENUMERATION = check(
    en.cyclic_classes, "exact-enumeration", "cyclic classes have gcd(b, n) members "
    "(enumeration)",
    variants=[variant("cyclic.gcd_ignored", "cyclic.blocks",
                      "predict class size 1 (P7 as stated)", predicted=lambda nn, bb: 1)])
CYCLIC_SIM = check(
    sim.check_cyclic_classes, "simulation", "cyclic schedule ends on one gcd class (simulation)",
    variants=[variant("cyclic.sim_gcd_ignored", "cyclic.blocks",
                      "simulation judged with class size 1", predicted_class_size=1)])
CYCLIC_B1 = check(sim.check_cyclic_classes, "simulation", "cyclic b = 1 ends 1-sparse "
                  "(simulation)", n_=6, batch_size=1)
LARGE_INIT_SYMBOLIC = check(sym.active_vs_perp_growth, "symbolic",
                            "large init: batch coordinates shrink relative to w_perp iff r > 2")
LARGE_INIT = check(
    sim.check_large_init_dead_end, "simulation",
    "large init: a start with r(0) > 2 ends on the dead set",
    variants=[variant("large_init.reaches_minimum", "relu.large_init",
                      "expect a global minimum from the r(0) > 2 start (P1 without its caveat)",
                      expect_global_minimum=True)])
DEAD_INIT_SYMBOLIC = check(sym.dead_init_probability, "symbolic",
                           "dead start: P(all a_i <= 0) = 2^-n")
DEAD_INIT = check(
    sim.check_dead_init, "simulation", "dead relu start never moves; P(dead) in a Wilson "
    "interval", statistical=True,
    variants=[variant("dead.wrong_probability", "relu.dead_init", "P(dead) = 2^-(n-1)",
                      predicted=0.25)])

CAVEAT_P1 = (
    "For relu the start must not be dead (all a_i(0) <= 0, probability 2^-n: SGD never "
    "moves) and, as found by simulation, not too large: from r(0) = ||w_0||^2 > 2 with a "
    "small positive part SGD can converge to the dead set, L = 1/2 (relu.large_init). "
    "With w_0 ~ N(0, I/d) and d = 40, r(0) > 2 is rare.")
CAVEAT_P7 = (
    "Holds as stated only when gcd(b, n) = 1; otherwise the limit is supported on one "
    "class of gcd(b, n) indices (cyclic.blocks).")


def claims() -> list[Claim]:
    """The model, minima and dynamics claims, in SPEC order."""
    return [
        derived("loss.coordinates", [LOSS_ROUTES, LOSS_DEFINITION]),
        derived("grad.per_sample", [GRADIENT_ROUTES, GRADIENT_FD],
                key=lambda rs: f"FD err {evidence(rs, 1, 'relu', 'max_abs_error')}"),
        derived("sgd.multiplicative", [STEP_SYMBOLIC, ENGINES],
                key=lambda rs: f"engines differ "
                               f"{float(evidence(rs, 1, 'max_abs_difference')):.1e}"),
        derived("minima.value", [MIN_VALUE, MIN_BOUND], key=lambda rs: "(n-1)/(2n)"),
        derived("minima.set", [MINIMA_FAMILY, STATIONARY_POINTS]),
        derived("stationary.other", [STATIONARY_CLASSES, DEAD_SET, STATIONARY_POINTS]),
        derived("gd.ratio_invariance", [GD_RATIOS_SYMBOLIC, GD_RATIOS],
                key=lambda rs: "ratio drift "
                               f"{evidence(rs, 1, 'max_relative_ratio_change'):.1e}"),
        derived("gd.limit", [GD_RADIAL, GD_LIMIT],
                key=lambda rs: f"err {float(evidence(rs, 1, 'max_abs_error')):.1e}"),
        derived("gd.dense_aligned", [GD_ALIGN_SYMBOLIC, GD_ALIGN],
                key=lambda rs: f"E cos^2 {float(evidence(rs, 1, 'mean_cos2')):.3f} vs "
                               f"{float(evidence(rs, 1, 'predicted')):.3f}"),
        derived("sgd.fixed_points", [BATCH_GRADIENT, FIXED_POINTS, SPARSE_B1]),
        derived("sgd.sparse_limit", [LOSS_GAP_XK, SPARSE_B1, *SPARSE_OTHERS],
                key=lambda rs: "1-sparse "
                               f"{float(evidence(rs, 1, 'fraction_one_sparse')):.0%}"),
        derived("sgd.orthogonal", [ORTHOGONAL, SPARSE_B1],
                key=lambda rs: f"mean |cos| {float(evidence(rs, 1, 'mean_abs_cos')):.3f}"),
        derived("cyclic.blocks", [CYCLIC_ENUMERATION, CYCLIC_SIM, CYCLIC_B1], caveat=CAVEAT_P7),
        derived("relu.large_init", [LARGE_INIT_SYMBOLIC, LARGE_INIT], caveat=CAVEAT_P1),
        derived("relu.dead_init", [DEAD_INIT_SYMBOLIC, DEAD_INIT]),
    ]
