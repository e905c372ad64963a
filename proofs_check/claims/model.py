"""Wiring of the model, minima and dynamics claims (SPEC section 2): claim -> routes -> variants.

Each route names its oracle function, says what its reference relies on and whether it is
independent of the formula under test; each wrong library it must reject is declared next
to it.  No check body lives here (they are in :mod:`proofs_check.oracles`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp

from numerics import _engines, schedules, steps
from theory import dynamics, gradients, model, stationary
from theory.conventions import LINEAR, Conventions
from theory.symbols import S_B, S, a_i, a_j, b, d, gamma, n, r

from ..oracles import engine as en_sim
from ..oracles import enumeration as en
from ..oracles import high_precision as hp
from ..oracles import interval as iv
from ..oracles import simulation as sim
from ..oracles import symbolic as sym
from ..registry import Claim
from ._build import ALL, BOTH, ENGINE, check, derived, evidence, transformed, variant, wrapped

__all__ = ["CAVEAT_P1", "CAVEAT_P7", "SPARSE_B1", "claims"]

_W, _X = sp.Symbol("w"), sp.Symbol("x_i")
_RHO = dynamics.rho


def _gradient_statement(c: Conventions) -> sp.Expr:
    """SPEC: grad l_i = sigma(a_i)^2 w + sigma(a_i)(r - 2) x_i (sigma^2 = a^2 H)."""
    h = c.sigma_prime(a_i)
    return a_i**2 * h * _W + a_i * (r - 2) * h * _X


def _step_statement(c: Conventions) -> sp.Expr:
    """SPEC: a_j' = a_j (1 - gamma S_B) + gamma sigma(a_j)(2 - r) for j in the batch."""
    return a_j * (1 - gamma * S_B) + gamma * c.sigma(a_j) * (2 - r)


def _dict_change(**changes: Any) -> Any:
    """A transform of a function returning a dict: some entries replaced."""
    return transformed(lambda out: {**out, **changes})


def _scaled_gamma(original: Any) -> Any:
    """__init__(self, a0, perp0, gamma, ...) with gamma 1 % too large."""
    def init(self: Any, a0: Any, perp0: Any, gamma_: float, *rest: Any) -> Any:
        return original(self, a0, perp0, gamma_ * 1.01, *rest)

    return init


def _full_step_scaled(original: Any) -> Any:
    def step(w: Any, batch: Any, gamma_: Any, *rest: Any, **kwargs: Any) -> Any:
        return original(w, batch, np.asarray(gamma_) * 1.01, *rest, **kwargs)

    return step


def _full_batch_drops_one(original: Any) -> Any:
    """Schedule.draw_block: the full batch loses its last index (b - 1 of n)."""
    def draw(self: Any, keys: Any, block: int, work: Any = None) -> Any:
        out = original(self, keys, block, work)
        if self.name == "full":
            out = np.array(out)
            out[..., -1] = self.n  # the empty slot
        return out

    return draw


def _reshuffle_repeats(original: Any) -> Any:
    """Schedule.draw_block: reshuffle draws one permutation per block and repeats it for
    every epoch of the block (the defect a verdict must catch with b > 1)."""
    def draw(self: Any, keys: Any, block: int, work: Any = None) -> Any:
        out = original(self, keys, block, work)
        if self.name != "reshuffle":
            return out
        per_epoch = self.batches_per_epoch
        first = out[:, :per_epoch]
        return np.tile(first, (1, out.shape[1] // per_epoch, 1))

    return draw


def _random_fixed(original: Any) -> Any:
    """Schedule.draw_block: random batches repeat the first batch of each block."""
    def draw(self: Any, keys: Any, block: int, work: Any = None) -> Any:
        out = original(self, keys, block, work)
        if self.name != "random":
            return out
        return np.repeat(np.asarray(out)[:, :1], out.shape[1], axis=1)

    return draw


_DEFINITION = "SGD written from the definition"

LOSS_SPEC = check(
    sym.spec_statement, "symbolic", "loss as derived = SPEC's ((r - 2) S + n)/(2n)",
    relies_on=("catalogue",), claim="loss.coordinates", expected=((r - 2) * S + n) / (2 * n),
    variants=[variant("loss.constant_off_by_one", "loss.coordinates",
                      "L = ((r-2)S + n + 1)/(2n)", "theory.model:reduced_loss",
                      transformed(lambda e: e + 1 / (2 * n)))])
LOSS_ROUTES = check(
    sym.check_explicit_routes, "symbolic", "loss: explicit (d, n) = reduced form",
    relies_on=("model derivations", "explicit polynomial loss"), independent=True,
    each=BOTH, route="loss")
LOSS_DEFINITION = check(
    hp.check_loss_reduced, "high-precision", "loss: reduced form = definition at rational points",
    relies_on=("loss definition in rational arithmetic",), independent=True, each=BOTH)
GRADIENT_SPEC = check(
    sym.spec_statement, "symbolic", "gradient as derived = SPEC's", each=ALL,
    relies_on=("catalogue",), claim="grad.per_sample", expected=_gradient_statement,
    variants=[variant("grad.doubled_weight_term", "grad.per_sample", "c_w = 2 sigma(a)^2",
                      "theory.gradients:per_sample_gradient_coefficients",
                      transformed(lambda cc: (2 * cc[0], cc[1])))])
GRADIENT_ROUTES = check(
    sym.check_explicit_routes, "symbolic", "gradient: closed form = derivative of explicit loss",
    relies_on=("gradient derivations", "explicit polynomial loss"), independent=True,
    each=ALL, route="gradient")
GRADIENT_FD = check(
    hp.check_gradient_fd, "high-precision",
    "gradient: closed form = central differences (50 digits)", each=ALL,
    relies_on=("loss definition at 50 digits",), independent=True,
    variants=[variant("grad.dropped_minus_two", "grad.per_sample", "c_x = sigma(a)(r - 1)",
                      "theory.gradients:per_sample_gradient_coefficients",
                      transformed(lambda cc: (cc[0], cc[1].subs(r, r + 1))))])
WHOLE_BATCH_EXPLICIT = check(
    sym.whole_batch_by_explicit_loss, "symbolic",
    "whole-batch gradient: closed form = derivative of the explicit loss at rational points",
    relies_on=("explicit polynomial loss",), independent=True, each=ALL,
    variants=[variant("grad.whole_batch_times_n", "grad.whole_batch",
                      "dL/da_j without the 1/n", "theory.gradients:whole_batch_gradient",
                      transformed(lambda g: {**g, "data": g["data"] * n}))])
WHOLE_BATCH_FD = check(
    hp.whole_batch_gradient_fd, "high-precision",
    "whole-batch gradient: closed form = central differences (50 digits)", each=ALL,
    relies_on=("loss definition at 50 digits",), independent=True,
    variants=[variant("grad.whole_batch_perp_doubled", "grad.whole_batch",
                      "dL/dw_perp = 2 S w_perp / n", "theory.gradients:whole_batch_gradient",
                      transformed(lambda g: {**g, "perp_factor": 2 * g["perp_factor"]}))])
STEP_SPEC = check(
    sym.spec_statement, "symbolic", "one SGD step as derived = SPEC's", each=ALL,
    relies_on=("catalogue",), claim="sgd.multiplicative", expected=_step_statement,
    variants=[variant("sgd.step_map", "sgd.multiplicative", "in-batch term with (1 - r)",
                      "theory.gradients:sgd_step_map",
                      transformed(lambda m: {**m, "in_batch": m["in_batch"].subs(r, r + 1),
                                             "additive": m["additive"].subs(r, r + 1)}))])
STEP_SYMBOLIC = check(
    sym.check_sgd_step, "symbolic", "SGD map: coordinates = explicit step, all batches and "
    "patterns", relies_on=("gradient derivations", "explicit polynomial loss"),
    independent=True, each=ALL)
ENGINE_DEFINITION = check(
    en_sim.check_against_definition, "simulation",
    "SGD engine = SGD written from the definition (states, divergence, metrics, traces)",
    relies_on=(*ENGINE, "Hessian derivations", _DEFINITION),
    variants=[variant("sgd.engine_step_size", "sgd.multiplicative",
                      "reduced engine with gamma 1% too large",
                      "numerics._engines:_ReducedEngine.__init__", wrapped(_scaled_gamma)),
              variant("sgd.full_engine_step_size", "sgd.multiplicative",
                      "full engine step with gamma 1% too large", "numerics.steps:full_step",
                      wrapped(_full_step_scaled))])
COMPILED = check(
    sym.catalogue_exports, "symbolic",
    "the compiler (every catalogue formula, every printed function) vs SymPy's exact value; "
    "the LaTeX document",
    relies_on=("catalogue", "model derivations", "gradient derivations", "stationary points",
               "dynamics derivations", "Hessian derivations", "walk derivations",
               "Lamperti classifier", "SymPy's exact evaluation"))
ENGINES = check(sim.check_engines_agree, "simulation", "SGD map: reduced engine = full engine",
                relies_on=ENGINE)
MIN_SPEC = check(
    sym.spec_statement, "symbolic", "minimum value as derived = SPEC's (n - 1)/(2n)",
    relies_on=("catalogue",), claim="minima.value", expected=(n - 1) / (2 * n),
    variants=[variant("minima.value_dead", "minima.value", "claimed min 1/2 (the dead value)",
                      "theory.stationary:min_value", _dict_change(value=sp.Rational(1, 2))),
              variant("minima.value_too_low", "minima.value", "claimed min (n - 1)/(2n) - 1/10",
                      "theory.stationary:min_value",
                      transformed(lambda v: {**v, "value": v["value"] - sp.Rational(1, 10)}))])
MIN_BOUND = check(
    iv.check_loss_lower_bound, "interval",
    "minimum value: interval lower bound on boxes, and a witness attaining it",
    relies_on=("stationary points", "loss definition on intervals"), independent=True)
MINIMA_SPEC = check(
    sym.spec_statement, "symbolic", "minimisers as derived: S = r = 1 (SPEC)",
    relies_on=("catalogue",), each=BOTH, claim="minima.set", expected=sp.Tuple(1, 1),
    variants=[variant("minima.set_r_two", "minima.set", "minimisers with r = 2",
                      "theory.stationary:classify_reduced",
                      transformed(lambda c: {**c, "minimum": {**c["minimum"],
                                                                 "r": sp.Integer(2)}}))])
STATIONARY_POINTS = check(
    en.stationary_points, "exact-enumeration", "stationary points over all activation patterns",
    relies_on=("stationary points", "explicit polynomial loss", "SymPy solve"),
    independent=True, each=BOTH)
MINIMISERS_FD = check(
    hp.minimisers_fd, "high-precision", "the claimed minimisers: gradient 0 and L = min L",
    relies_on=("stationary points", "loss definition at 50 digits"), independent=True,
    each=BOTH)
REDUCED_GRADIENT = check(
    hp.reduced_gradient_fd, "high-precision",
    "the reduced gradient components the classification solves = central differences",
    relies_on=("loss definition at 50 digits",), each=BOTH)
DEAD_SPEC = check(
    sym.spec_statement, "symbolic", "loss on the S = 0 set as derived = SPEC's 1/2",
    relies_on=("catalogue",), each=BOTH, claim="stationary.other", expected=sp.Rational(1, 2),
    variants=[variant("stationary.dead_value_zero", "stationary.other", "L = 0 on the S = 0 set",
                      "theory.stationary:classify_reduced",
                      transformed(lambda c: {**c, "dead": {**c["dead"], "loss": sp.Integer(0)}}))])
DEAD_SET = check(
    hp.dead_set_fd, "high-precision", "gradient 0 and L on the S = 0 set (50 digits)",
    relies_on=("stationary points", "loss definition at 50 digits"), independent=True,
    each=BOTH)
GD_RATIOS_SPEC = check(
    sym.spec_statement, "symbolic", "full-batch ratio drift as derived = 0",
    relies_on=("catalogue",), claim="gd.ratio_invariance", expected=sp.Integer(0),
    variants=[variant("gd.ratio_invariance_wrong", "gd.ratio_invariance", "ratio drift gamma",
                      "theory.dynamics:gd_ratio_invariance", transformed(lambda e: e + gamma))])
GD_RATIOS = check(
    sim.check_gd_ratio_invariance, "simulation", "full batch keeps coordinate ratios "
    "(simulation)", relies_on=(*ENGINE, "dynamics derivations"),
    variants=[variant("gd.full_schedule_drops_one", "gd.ratio_invariance",
                      "the full batch misses its last index",
                      "numerics.schedules:Schedule.draw_block", wrapped(_full_batch_drops_one))])
GD_RATIOS_DEFINITION = check(
    en.gd_ratios_by_definition, "exact-enumeration",
    "full-batch step from the definition keeps ratios (exact rationals)",
    relies_on=(_DEFINITION,), independent=True)
GD_RADIAL_SPEC = check(
    sym.spec_statement, "symbolic", "full-batch radial map as derived = SPEC's",
    relies_on=("catalogue",), claim="gd.limit",
    expected=_RHO * (1 + 2 * gamma * (1 - _RHO**2)),
    variants=[variant("gd.radial_multiplier_halved", "gd.limit",
                      "radial map rho(1 + gamma(1 - rho^2)), multiplier 1 - 2 gamma",
                      "theory.dynamics:gd_radial_map",
                      _dict_change(map=_RHO * (1 + gamma * (1 - _RHO**2)),
                                   multiplier_at_1=1 - 2 * gamma))])
GD_RADIAL_FD = check(hp.gd_radial_step_fd, "high-precision",
                     "full-batch step from the definition = the radial map",
                     relies_on=("loss definition at 50 digits",), independent=True)
GD_LIMIT = check(
    sim.check_gd_limit, "simulation", "full batch converges to u/||u||, at the derived rate",
    relies_on=(*ENGINE, "dynamics derivations"))
GD_ALIGN_SPEC = check(
    sym.spec_statement, "symbolic", "alignment ratio as derived = n/(2d) (relu), n/d (linear)",
    relies_on=("catalogue",), each=BOTH, claim="gd.dense_aligned",
    expected=lambda c: n / (2 * d) if c.is_relu else n / d,
    variants=[variant("gd.alignment_linear_ratio", "gd.dense_aligned",
                      "predict n/d (linear) for relu",
                      "theory.dynamics:alignment_ratio_of_expectations",
                      transformed(lambda e: n / d))])
GD_ALIGN = check(
    sim.check_gd_alignment, "simulation", "full batch is dense and aligned (simulation)",
    relies_on=ENGINE, independent=True, statistical=True, each=BOTH)
FIXED_SPEC = check(
    sym.spec_statement, "symbolic", "batch gradient at a minimum as derived = SPEC's",
    relies_on=("catalogue",), claim="sgd.fixed_points", expected=S_B - 1,
    variants=[variant("sgd.fixed_in_batch", "sgd.fixed_points", "in-batch coefficient S_B",
                      "theory.dynamics:batch_gradient_coefficients_at_min",
                      transformed(lambda c: {**c, "in_batch": S_B}))])
FIXED_POINTS = check(
    en.fixed_points, "exact-enumeration", "fixed points of every batch (from the definition)",
    relies_on=("gradient from the definition",), independent=True,
    variants=[variant("sgd.fixed_out_of_batch", "sgd.fixed_points",
                      "out-of-batch coefficient S_B - 1",
                      "theory.dynamics:batch_gradient_coefficients_at_min",
                      transformed(lambda c: {**c, "out_of_batch": S_B - 1}))])
SPARSE_B1 = check(
    sim.check_sparse_limit, "simulation", "b < n ends 1-sparse (random, b = 1, relu)",
    relies_on=(*ENGINE, "dynamics derivations"), independent=True,
    variants=[variant("sgd.alignment_metric", "sgd.orthogonal",
                      "cos(w, w_0) without the square root: <w, w_0>/(||w||^2 ||w_0||^2)",
                      "numerics.metrics:alignment",
                      wrapped(lambda f: lambda dot, r_, r0: f(dot, np.asarray(r_) ** 2,
                                                               np.asarray(r0) ** 2)))])
SPARSE_SWEEP = check(
    sim.check_sweep_sparse, "simulation", "every b < n of the sweep ends 1-sparse",
    relies_on=ENGINE, independent=True,
    variants=[variant("sgd.random_batches_repeat", "sgd.sparse_limit",
                      "random batches repeat the first batch of each block",
                      "numerics.schedules:Schedule.draw_block", wrapped(_random_fixed))])
SPARSE_OTHERS = (
    check(sim.check_sparse_limit, "simulation", "b < n ends 1-sparse (replacement, b = 1, relu)",
          relies_on=(*ENGINE, "dynamics derivations"), schedule="replacement"),
    check(sim.check_sparse_limit, "simulation", "b < n ends 1-sparse (reshuffle, b = 1, relu)",
          relies_on=(*ENGINE, "dynamics derivations"), schedule="reshuffle"),
    check(sim.check_sparse_limit, "simulation", "b < n ends 1-sparse (reshuffle, b = 5, relu)",
          relies_on=(*ENGINE, "dynamics derivations"), schedule="reshuffle",
          batch_size=5),
    check(sim.check_sparse_limit, "simulation", "b < n ends 1-sparse (random, b = 1, linear)",
          relies_on=(*ENGINE, "dynamics derivations"), conventions=LINEAR),
)
SCHEDULE_LAWS = check(
    en_sim.check_schedule_laws, "simulation", "batch schedules against their exact laws",
    relies_on=("SGD engine",), statistical=True,
    variants=[variant("sgd.reshuffle_repeats_permutation", "sgd.sparse_limit",
                      "reshuffle repeats one permutation for a whole block of epochs",
                      "numerics.schedules:Schedule.draw_block", wrapped(_reshuffle_repeats))])
LOSS_GAP_XK = check(sym.spec_statement, "symbolic", "loss gap at x_k as derived = 0",
                    relies_on=("catalogue",), claim="sgd.sparse_limit", expected=sp.Integer(0))
SCALE_SPEC = check(
    sym.spec_statement, "symbolic", "alignment scale as derived = sqrt(2 log n / d)",
    relies_on=("catalogue",), claim="sgd.orthogonal", expected=sp.sqrt(2 * sp.log(n) / d),
    variants=[variant("sgd.orthogonal_scale", "sgd.orthogonal", "scale sqrt(log n / d)",
                      "theory.dynamics:max_abs_gaussian_scale",
                      transformed(lambda e: sp.sqrt(sp.log(n) / d)))])
SCALE_QUADRATURE = check(
    hp.max_gaussian_scale, "high-precision", "E max |Z_i| vs the scale (quadrature)",
    relies_on=("Gaussian law by quadrature",), independent=True)
CYCLIC_SPEC = check(
    sym.spec_statement, "symbolic", "cyclic class size as derived = gcd(b, n)",
    relies_on=("catalogue", "dynamics derivations"), claim="cyclic.blocks",
    expected=dynamics.gcd(b, n),
    variants=[variant("cyclic.class_size_one", "cyclic.blocks",
                      "predict class size 1 (P7 as stated)",
                      "theory.dynamics:cyclic_class_size", transformed(lambda e: sp.Integer(1)))])
CYCLIC_ENUMERATION = check(
    en.cyclic_classes, "exact-enumeration", "cyclic classes read off the schedule's batches",
    relies_on=("SGD engine", "walk derivations"), independent=True,
    variants=[variant("cyclic.classes_singletons", "cyclic.blocks",
                      "classes of one index each", "theory.dynamics:cyclic_classes",
                      wrapped(lambda f: lambda n_, b_: [[i] for i in range(n_)]))])
CYCLIC_SIM = check(sim.check_cyclic_classes, "simulation",
                   "cyclic schedule ends on one gcd class (simulation)",
                   relies_on=(*ENGINE, "dynamics derivations"))
CYCLIC_B1 = check(sim.check_cyclic_classes, "simulation", "cyclic b = 1 ends 1-sparse "
                  "(simulation)", relies_on=(*ENGINE, "dynamics derivations"),
                  n_=6, batch_size=1)
LARGE_INIT_SPEC = check(
    sym.spec_statement, "symbolic", "growth relative to w_perp as derived = SPEC's",
    relies_on=("catalogue",), claim="relu.large_init",
    expected=gamma * (2 - r) / (1 - gamma * S_B),
    variants=[variant("large_init.growth_sign", "relu.large_init", "growth with its sign flipped",
                      "theory.dynamics:active_vs_perp_growth", transformed(lambda e: -e))])
LARGE_INIT = check(
    sim.check_large_init_dead_end, "simulation",
    "large init: a start with r(0) > 2 ends on the dead set; one step as derived",
    relies_on=(*ENGINE, "loss definition"))
LARGE_INIT_DEFINITION = check(
    en.large_init_growth, "exact-enumeration",
    "large init: one step from the definition shrinks the batch coordinate iff r > 2",
    relies_on=(_DEFINITION,), independent=True)
DEAD_INIT_SPEC = check(
    sym.spec_statement, "symbolic", "P(dead start) as derived = 2^-n",
    relies_on=("catalogue",), claim="relu.dead_init", expected=2**-n,
    variants=[variant("dead.wrong_probability", "relu.dead_init", "P(dead) = 2^-(n-1)",
                      "theory.dynamics:dead_init_probability", transformed(lambda e: 2 * e))])
DEAD_INIT = check(
    sim.check_dead_init, "simulation", "dead relu start never moves; P(dead) in a Wilson "
    "interval", relies_on=(*ENGINE, "loss definition"), independent=True, statistical=True)

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
        derived("loss.coordinates", [LOSS_SPEC, LOSS_ROUTES, LOSS_DEFINITION],
                subject=[model.reduced_loss]),
        derived("grad.per_sample", [GRADIENT_SPEC, GRADIENT_ROUTES, GRADIENT_FD],
                subject=[gradients.per_sample_gradient_coefficients],
                key=lambda rs: f"FD err {evidence(rs, 2, 'relu', 'max_abs_error')}"),
        derived("grad.whole_batch", [WHOLE_BATCH_EXPLICIT, WHOLE_BATCH_FD],
                subject=[gradients.whole_batch_gradient],
                key=lambda rs: f"FD err {evidence(rs, 1, 'relu', 'max_abs_error')}"),
        derived("sgd.multiplicative",
                [STEP_SPEC, STEP_SYMBOLIC, ENGINE_DEFINITION, ENGINES, COMPILED],
                subject=[gradients.sgd_step_map, steps.full_step, steps.reduced_step,
                         _engines._ReducedEngine._advance],
                key=lambda rs: "engine vs definition "
                               f"{max(c['state'] for c in evidence(rs, 2, 'cases')):.1e}"),
        derived("minima.value", [MIN_SPEC, MIN_BOUND], subject=[stationary.min_value],
                key=lambda rs: "(n-1)/(2n)"),
        derived("minima.set", [MINIMA_SPEC, STATIONARY_POINTS, MINIMISERS_FD, REDUCED_GRADIENT],
                subject=[stationary.classify_reduced, stationary.reduced_gradient_components]),
        derived("stationary.other", [DEAD_SPEC, DEAD_SET, STATIONARY_POINTS, REDUCED_GRADIENT],
                subject=[stationary.classify_reduced, stationary.reduced_gradient_components]),
        derived("gd.ratio_invariance", [GD_RATIOS_SPEC, GD_RATIOS_DEFINITION, GD_RATIOS],
                subject=[dynamics.gd_ratio_invariance],
                key=lambda rs: "ratio drift "
                               f"{evidence(rs, 2, 'max_relative_ratio_change'):.1e}"),
        derived("gd.limit", [GD_RADIAL_SPEC, GD_RADIAL_FD, GD_LIMIT],
                subject=[dynamics.gd_radial_map],
                key=lambda rs: f"err {float(evidence(rs, 2, 'max_abs_error')):.1e}"),
        derived("gd.dense_aligned", [GD_ALIGN_SPEC, GD_ALIGN],
                subject=[dynamics.alignment_ratio_of_expectations],
                key=lambda rs: f"E cos^2 {float(evidence(rs, 1, 'relu', 'mean_cos2')):.3f} "
                               f"vs {float(evidence(rs, 1, 'relu', 'predicted')):.3f}"),
        derived("sgd.fixed_points", [FIXED_SPEC, FIXED_POINTS],
                subject=[dynamics.batch_gradient_coefficients_at_min]),
        derived("sgd.sparse_limit",
                [LOSS_GAP_XK, SPARSE_B1, SPARSE_SWEEP, *SPARSE_OTHERS, SCHEDULE_LAWS],
                subject=[model.reduced_loss, stationary.min_value,
                         schedules.Schedule],
                key=lambda rs: "1-sparse "
                               f"{float(evidence(rs, 1, 'fraction_one_sparse')):.0%}"),
        derived("sgd.orthogonal", [SCALE_SPEC, SCALE_QUADRATURE, SPARSE_B1],
                subject=[dynamics.max_abs_gaussian_scale],
                key=lambda rs: f"mean |cos| {float(evidence(rs, 2, 'mean_abs_cos')):.3f}"),
        derived("cyclic.blocks", [CYCLIC_SPEC, CYCLIC_ENUMERATION, CYCLIC_SIM, CYCLIC_B1],
                subject=[dynamics.cyclic_class_size, dynamics.cyclic_classes],
                caveat=CAVEAT_P7),
        derived("relu.large_init", [LARGE_INIT_SPEC, LARGE_INIT_DEFINITION, LARGE_INIT],
                subject=[dynamics.active_vs_perp_growth], caveat=CAVEAT_P1),
        derived("relu.dead_init", [DEAD_INIT_SPEC, DEAD_INIT],
                subject=[dynamics.dead_init_probability]),
    ]
