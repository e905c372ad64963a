"""Symbolic oracle: exact identities between two derivation routes (SymPy).

Each check compares a formula of :mod:`theory` with a second route, exactly: the explicit
derivation for concrete small (d, n) (polynomial identities), or the statement of SPEC
written as a SymPy expression.  Tolerance: "exact" (the simplified difference is 0).  Every
check takes the formula under test, or the expected statement, as an argument so that a
wrong variant can replace it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import sympy as sp

from theory import dynamics, hessian, lamperti, stationary
from theory import walk as theory_walk
from theory.conventions import RELU, RELU1, Conventions
from theory.gradients import explicit_gradient_matches, sgd_step_matches_explicit
from theory.model import activation_patterns, explicit_matches_reduced, reduced_loss
from theory.symbols import S_B, S, b, d, eta, gamma, n, p, r, s

from ..result import CheckResult

__all__ = [
    "DIMENSIONS",
    "ROUTES",
    "active_vs_perp_growth",
    "alignment_ratio",
    "batch_gradient_at_min",
    "check_explicit_routes",
    "check_expression",
    "check_sgd_step",
    "dead_init_probability",
    "drift_monotone",
    "gd_radial_map",
    "gd_ratio_invariance",
    "kink_curvatures",
    "lamperti_criterion",
    "linear_trace_gap",
    "log_ratio_cases",
    "loss_gap_at_xk",
    "minima_family",
    "minimum_value",
    "orthogonal_limit_cosine",
    "spectrum_at_min",
    "stability_at_xk",
    "stationary_classes",
    "top_gap_frozen",
    "trace_at_min",
    "variance_scale",
]

DIMENSIONS: tuple[tuple[int, int], ...] = ((1, 1), (2, 1), (2, 2), (3, 2), (3, 3), (4, 3))


def _status(ok: bool) -> str:
    return "pass" if ok else "fail"


def check_explicit_routes(
    name: str,
    route: Callable[..., bool],
    conventions: Conventions,
    dims: Sequence[tuple[int, int]] = DIMENSIONS,
    **override: object,
) -> CheckResult:
    """Run ``route(d, n, conventions, **override)`` for each (d, n); pass iff all are
    identities."""
    failed = [list(dn) for dn in dims if not route(dn[0], dn[1], conventions, **override)]
    return CheckResult(
        name, "symbolic", "fail" if failed else "pass", "exact (polynomial identity)",
        {"dimensions": [list(x) for x in dims], "failed": failed,
         "conventions": list(conventions.tags())},
    )


def check_sgd_step(conventions: Conventions,
                   dims: Sequence[tuple[int, int]] = ((3, 2), (4, 3)),
                   step_map: dict[str, sp.Expr] | None = None) -> CheckResult:
    """``sgd.multiplicative``: the coordinate map vs w - gamma sum grad l_i, every batch
    and every activation pattern, exactly."""
    failed = []
    count = 0
    for d_, n_ in dims:
        for pattern in activation_patterns(n_, conventions):
            for mask in range(1, 2**n_):
                batch = [i for i in range(n_) if mask >> i & 1]
                count += 1
                if not sgd_step_matches_explicit(d_, n_, batch, conventions, pattern,
                                                 step_map):
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


# --------------------------------------------------------------- stationary points
def minimum_value(expected: sp.Expr = (n - 1) / (2 * n)) -> CheckResult:
    """``minima.value``: minimising the reduced form gives (n - 1)/(2n)."""
    return check_expression("min L", stationary.min_value()["value"], expected)


def minima_family(expected_r: int = 1) -> CheckResult:
    """``minima.set``: the S > 0 stationary family has S = r = 1 (unit vectors in the span
    with no orthogonal part) and value (n - 1)/(2n)."""
    cls = stationary.classify_reduced()["minimum"]
    return check_expression("(S, r, L) on the S > 0 stationary family",
                            sp.Tuple(cls["S"], cls["r"], cls["loss"]),
                            sp.Tuple(1, expected_r, (n - 1) / (2 * n)))


def stationary_classes(dead_value: sp.Expr | None = None) -> CheckResult:
    """``stationary.other``: the S = 0 family from the reduced conditions, L = 1/2 there
    (``dead_value`` replaces 1/2)."""
    cls = stationary.classify_reduced()
    want = sp.Rational(1, 2) if dead_value is None else dead_value
    return check_expression("S and L on the non-minimal stationary set",
                            sp.Tuple(cls["dead"]["S"], cls["dead"]["loss"]),
                            sp.Tuple(0, want))


# ------------------------------------------------------------------- dynamics
def gd_ratio_invariance() -> CheckResult:
    """``gd.ratio_invariance``: a_j'/a_k' - a_j/a_k = 0 at b = n."""
    return check_expression("a_j'/a_k' - a_j/a_k at b = n", dynamics.gd_ratio_invariance(), 0)


def gd_radial_map() -> CheckResult:
    """``gd.limit``: the radial map has the fixed point 1 with multiplier 1 - 4 gamma."""
    radial = dynamics.gd_radial_map()
    return check_expression("(fixed points, multiplier)",
                            sp.Tuple(radial["fixed_points"], radial["multiplier_at_1"]),
                            sp.Tuple(sp.Tuple(1), 1 - 4 * gamma))


def alignment_ratio(conventions: Conventions = RELU, expected: sp.Expr = n / (2 * d)
                    ) -> CheckResult:
    """``gd.dense_aligned``: E||u||^2 / E||w_0||^2 = n/(2d) for relu."""
    return check_expression(f"ratio of expectations ({conventions.activation})",
                            dynamics.alignment_ratio_of_expectations(conventions), expected)


def batch_gradient_at_min(expected: sp.Expr = S_B - 1) -> CheckResult:
    """``sgd.fixed_points``: the batch gradient at a minimum is (S_B I - Q_B) w."""
    return check_expression("x_j component / a_j, j in B",
                            dynamics.batch_gradient_coefficients_at_min()["in_batch"], expected)


def loss_gap_at_xk() -> CheckResult:
    """``sgd.sparse_limit``: L(x_k) - min L = 0."""
    return check_expression("L(x_k) - min L",
                            reduced_loss().subs({S: 1, r: 1}) - (n - 1) / (2 * n), 0)


def orthogonal_limit_cosine(expected: Callable[[sp.Expr, sp.Expr], sp.Expr] | None = None
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
                       _status(ok), "exact", {"cases": rows})


def active_vs_perp_growth() -> CheckResult:
    """``relu.large_init``: (a_j'/a_j)/(w_perp'/w_perp) - 1 = gamma (2 - r)/(1 - gamma S_B)."""
    return check_expression("(a_j'/a_j)/(w_perp'/w_perp) - 1", dynamics.active_vs_perp_growth(),
                            -gamma * (r - 2) / (1 - gamma * S_B))


def dead_init_probability(expected: sp.Expr = 2**-n) -> CheckResult:
    """``relu.dead_init``: P(all a_i(0) <= 0) = 2^-n."""
    return check_expression("P(dead)", dynamics.dead_init_probability(), expected)


# -------------------------------------------------------------------- Hessian
def spectrum_at_min() -> CheckResult:
    """``hessian.spectrum_at_min``: eigenvalues 4/n (once), 0 (s - 1), 1/n (d - s)."""
    return check_expression("(eigenvalue, multiplicity) pairs",
                            sp.Tuple(*[sp.Tuple(*pair) for pair in hessian.spectrum_at_min()]),
                            sp.Tuple(sp.Tuple(4 / n, 1), sp.Tuple(0, s - 1),
                                     sp.Tuple(1 / n, d - s)))


def trace_at_min() -> CheckResult:
    """``hessian.trace_at_min``: the spectrum-weighted trace is (d - s + 4)/n."""
    return check_expression("spectrum-weighted trace", hessian.trace_at_min(), (d - s + 4) / n)


def linear_trace_gap() -> CheckResult:
    """``hessian.linear_equal``: tr(s = 1) - tr(s = n) = 0 for linear activation."""
    return check_expression("tr(s = 1) - tr(s = n), linear", hessian.linear_trace_gap(), 0)


def kink_curvatures() -> CheckResult:
    """``hessian.kink_convention``: one-sided curvatures 0 and 1/n; relu'(0) = 1 kills the gap."""
    k = hessian.kink_curvatures()
    actual = sp.Tuple(k["positive_side"], k["negative_side"], k["closed_form_relu_prime_0"],
                      k["closed_form_relu_prime_1"], hessian.trace_gap(RELU1))
    return check_expression("(0+, 0-, H22 at relu'(0)=0, H22 at relu'(0)=1, gap at 1)",
                            actual, sp.Tuple(0, 1 / n, 1 / n, 0, 0))


# ----------------------------------------------------------------------- walks
def log_ratio_cases() -> CheckResult:
    """``walk.log_ratio``: D' - D in the four batch cases and the move probability."""
    cases = theory_walk.log_ratio_increment_cases(RELU)
    cb = gamma * (2 - r) / (1 - gamma * S_B)
    return check_expression(
        "D' - D in the four batch cases; move probability",
        sp.Tuple(cases["j_only"], cases["k_only"], cases["both"], cases["neither"],
                 theory_walk.move_probability()),
        sp.Tuple(sp.log(1 + cb), -sp.log(1 + cb), 0, 0, b * (n - b) / (n * (n - 1))),
    )


def top_gap_frozen() -> CheckResult:
    """``walk.top_gap``: G' - G = 0 at b = n (every active coordinate is in the batch)."""
    return check_expression(
        "G' - G at b = n (all active in the batch) and the full-batch ratio drift",
        sp.Tuple(theory_walk.log_ratio_increment_cases(RELU)["both"],
                 dynamics.gd_ratio_invariance()),
        sp.Tuple(0, 0))


def drift_monotone() -> CheckResult:
    """``walk.outward_drift``: f(x) = log(1 + gamma(2 - r)/(1 - gamma x)) is increasing."""
    proof = theory_walk.f_increasing_proof()
    return CheckResult(
        "f(x) = log(1 + gamma(2 - r)/(1 - gamma x)) is increasing", "symbolic",
        _status(bool(proof["positive"])), "exact (sign of a product of positive factors)",
        {k: str(v) for k, v in proof.items()})


def stability_at_xk(claimed: sp.Expr | None = None) -> CheckResult:
    """``walk.stability_at_xk``: E[increment of log a_i] near x_k is p log(1 - gamma^2)
    (``claimed`` replaces it) and the radial multiplier is 1 - 4 gamma."""
    st = theory_walk.stability_at_xk(RELU)
    want = p * sp.log(1 - gamma**2) if claimed is None else claimed
    return check_expression("E[increment of log a_i] near x_k; radial multiplier",
                            sp.Tuple(st["expected_log_increment"], st["radial_multiplier"]),
                            sp.Tuple(want, 1 - 4 * gamma))


def variance_scale() -> CheckResult:
    """``walk.variance_scale``: 2 p gamma^2 = 2 eta^2 (n - b)/(b n (n - 1))."""
    v = theory_walk.variance_scale()
    return check_expression("variance of D near the minimum",
                            sp.Tuple(v["variance"], v["in_eta"]),
                            sp.Tuple(2 * p * gamma**2, 2 * eta**2 * (n - b) / (b * n * (n - 1))))


LAMPERTI_GRID: tuple[float, ...] = (-1.5, -0.6, -0.5, -0.4, 0.0, 0.4, 0.5, 0.6, 1.5)


def lamperti_expected(c: float, s2: float = 1.0) -> str:
    """SPEC section 3 for mu_1 = c/x, mu_2 = s2: the class from 2c against +-s2."""
    if 2 * c > s2:
        return "transient"
    if 2 * c < -s2:
        return "positive-recurrent"
    return "null-recurrent"


def lamperti_criterion(flip: bool = False) -> CheckResult:
    """``lamperti.criterion``: the classifier on a grid of c (mu_2 = 1), both critical lines.

    ``flip`` feeds -c (a wrong drift sign) to the classifier.
    """
    rows = []
    ok = True
    for c in LAMPERTI_GRID:
        cc = sp.nsimplify(-c if flip else c)
        mu1, mu2, x = lamperti.lamperti_family(cc, 1)
        got = lamperti.classify_lamperti(mu1, mu2, x).classification
        ok &= got == lamperti_expected(c)
        rows.append({"c": c, "classification": got, "expected": lamperti_expected(c)})
    return CheckResult("Lamperti criterion for mu_1 = c/x, mu_2 = 1 (incl. both critical "
                       "lines)", "symbolic", _status(ok), "exact limits (SymPy)",
                       {"grid": rows})
