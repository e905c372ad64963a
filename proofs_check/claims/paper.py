"""The paper's headline claims P1-P7, each supported by derived claims whose routes it reuses."""

from __future__ import annotations

from collections.abc import Sequence

from ..registry import Check, Claim
from ..result import CheckResult
from . import hessian, model

__all__ = ["PAPER_CAVEATS", "PAPER_CLAIMS", "paper_claims"]

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
           ("hessian.trace_at_min", "hessian.trace_gap", "hessian.linear_equal",
            "hessian.kink_convention")),
    "P5": ("Same top curvature",
           "All global minima share the same largest Hessian eigenvalue.",
           ("hessian.spectrum_at_min", "hessian.lambda_max")),
    "P6": ("Random-walk tool",
           "Convergence with a constant step size is proved with a result on non-homogeneous "
           "random walks.",
           ("walk.log_ratio", "walk.top_gap", "walk.outward_drift")),
    "P7": ("Cyclic order",
           "Cyclic (deterministic-order) SGD with b < n also ends sparse.",
           ("cyclic.blocks",)),
}

PAPER_CAVEATS: dict[str, str] = {
    "P1": model.CAVEAT_P1,
    "P3": "Sparsification slows sharply as b -> n (walk.variance_scale): per-step variance "
          "of the log-ratio is about 2 eta^2 (n - b)/(b n (n - 1)).",
    "P4": hessian.CAVEAT_P4,
    "P7": model.CAVEAT_P7,
}


def _checks_passed_key(results: list[CheckResult]) -> str:
    passed = sum(r.passed for r in results)
    return f"{passed}/{len(results)} checks pass"


def paper_claims(derived: Sequence[Claim]) -> list[Claim]:
    """P1-P7: each reuses (once) the routes of the derived claims that support it."""
    by = {c.id: c for c in derived}
    out = []
    for pid, (title, statement, supports) in PAPER_CLAIMS.items():
        present = [by[sid] for sid in supports if sid in by]
        checks: list[Check] = []
        for c in present:
            checks.extend(ch for ch in c.checks if ch not in checks)
        out.append(Claim(pid, title, statement, r"\text{" + statement + "}", "paper",
                         ("see supporting claims",), tuple(checks),
                         tuple(c.id for c in present), PAPER_CAVEATS.get(pid, ""),
                         _checks_passed_key))
    return out
