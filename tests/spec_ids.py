"""The claim ids of SPEC section 2 (one list for the catalogue and registry tests)."""

SPEC_SECTION2_IDS = frozenset({
    "loss.coordinates", "grad.per_sample", "sgd.multiplicative", "minima.value", "minima.set",
    "stationary.other", "gd.ratio_invariance", "gd.limit", "gd.dense_aligned",
    "sgd.fixed_points", "sgd.sparse_limit", "sgd.orthogonal", "cyclic.blocks",
    "hessian.closed_form", "hessian.spectrum_at_min", "hessian.trace_at_min",
    "hessian.linear_equal", "hessian.kink_convention", "walk.log_ratio", "walk.top_gap",
    "walk.outward_drift", "walk.stability_at_xk", "walk.variance_scale", "relu.dead_init",
})
