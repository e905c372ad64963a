"""Lamperti's classifier (theory.lamperti) against the exact birth-death series.

SPEC section 3.  Expected verdicts for mu_1 = c/x, mu_2 = s2: transient iff 2c > s2,
positive recurrent iff 2c < -s2, null recurrent otherwise.  Reference sums are closed
forms: sum_{k>=1} (a)_k/(b)_k = a/(b - a - 1) for b - a > 1 (Gauss).
"""

from __future__ import annotations

import pytest
import sympy as sp

from theory.domain import DomainError
from theory.lamperti import (
    CLASSIFICATIONS,
    classify_birth_death,
    classify_lamperti,
    first_valid_site,
    lamperti_family,
    series_convergence,
)

x = sp.Symbol("x", positive=True)
L = sp.log(x)
R = sp.Rational
HALF = R(1, 2)


ONE = sp.Integer(1)


def expected(c: sp.Rational, s2: sp.Rational = ONE) -> str:
    if 2 * c > s2:
        return "transient"
    if 2 * c < -s2:
        return "positive-recurrent"
    return "null-recurrent"


GRID = [R(v) for v in ("-2", "-3/2", "-1", "-3/4", "-1/2", "-1/4", "0", "1/4", "1/2",
                       "3/4", "1", "3/2", "2")]


@pytest.mark.parametrize("c", GRID, ids=str)
def test_lamperti_matches_birth_death_exact_series(c: sp.Rational) -> None:
    lam = classify_lamperti(c / x, 1, x)
    bd = classify_birth_death(HALF + c / (2 * x), x)
    bd_asym = classify_birth_death(HALF + c / (2 * x), x, closed_form=False)
    assert lam.classification == bd.classification == bd_asym.classification == expected(c)
    assert lam.provenance == bd.provenance == "classical"


@pytest.mark.parametrize("c", [R(-3, 2), R(-1), R(-1, 2), R(1, 2), R(1), R(3, 2)], ids=str)
def test_other_variance_moves_the_threshold(c: sp.Rational) -> None:
    s2 = sp.Integer(2)
    assert classify_lamperti(*lamperti_family(c, s2)[:2], x).classification == expected(c, s2)


@pytest.mark.parametrize(
    ("d", "side"),
    [(R(1, 4), "recurrent"), (R(1, 2), "recurrent"), (R(3, 4), "strong"), (R(1), "strong")],
    ids=str,
)
def test_critical_lines_log_refinement_agrees_with_series(d: sp.Rational, side: str) -> None:
    # transience line 2c = 1: mu_1 = 1/(2x) + d/(x log x); transient iff 2d > 1
    up = HALF / x + d / (x * L)
    lam = classify_lamperti(up, 1, x)
    bd = classify_birth_death(HALF + up / 2, x, closed_form=False)
    want = "transient" if side == "strong" else "null-recurrent"
    assert lam.classification == bd.classification == want
    assert "log refinement" in lam.criterion
    # positive-recurrence line 2c = -1: mu_1 = -1/(2x) - d/(x log x); pos. rec. iff 2d > 1
    down = -HALF / x - d / (x * L)
    lam = classify_lamperti(down, 1, x)
    bd = classify_birth_death(HALF + down / 2, x, closed_form=False)
    want = "positive-recurrent" if side == "strong" else "null-recurrent"
    assert lam.classification == bd.classification == want


def test_second_log_level() -> None:
    ll = sp.log(L)
    mu1 = HALF / x + 1 / (2 * x * L) + 1 / (x * L * ll)  # 2e = 2 > 1 at level 2
    lam = classify_lamperti(mu1, 1, x)
    assert lam.classification == "transient"
    assert "level 2" in lam.criterion
    mu1 = HALF / x + 1 / (2 * x * L) + 1 / (4 * x * L * ll)  # 2e = 1/2 < 1
    assert classify_lamperti(mu1, 1, x).classification == "null-recurrent"


def test_margins_are_distances_from_thresholds() -> None:
    assert classify_lamperti(R(3, 4) / x, 1, x).margin == pytest.approx(0.5)
    assert classify_lamperti(-R(3, 4) / x, 1, x).margin == pytest.approx(0.5)
    assert classify_lamperti(R(1, 4) / x, 1, x).margin == pytest.approx(0.5)
    assert classify_lamperti(2 / x, 1, x).to_dict()["classification"] in CLASSIFICATIONS


def test_null_recurrent_margin_is_distance_of_nearer_limit() -> None:
    """mu_1 = -1/(4x), mu_2 = 1: 2x mu_1 - mu_2 -> -3/2 < 0 and 2x mu_1 + mu_2 -> 1/2 > 0,
    decided by Lamperti's plain criterion with margin min(3/2, 1/2) (no log refinement)."""
    v = classify_lamperti(R(-1, 4) / x, 1)
    assert v.classification == "null-recurrent"
    assert v.margin == 0.5
    assert v.criterion == (
        "2 x mu_1 - mu_2 -> -3/2 < 0 and 2 x mu_1 + mu_2 -> 1/2 > 0 (Lamperti)"
    )
    assert "log_refinement" not in v.details


# ---- negative controls ---------------------------------------------------------------


def test_flipped_drift_sign_changes_verdict() -> None:
    assert classify_lamperti(R(3, 4) / x, 1, x).classification == "transient"
    assert classify_lamperti(-R(3, 4) / x, 1, x).classification == "positive-recurrent"
    assert classify_birth_death(HALF - R(3, 8) / x, x).classification == "positive-recurrent"


def test_unbounded_increments_are_not_classified() -> None:
    v = classify_lamperti(1 / x, x, x)  # mu_2 = x -> oo
    assert v.classification == "undecided" and "not bounded" in v.criterion
    v = classify_lamperti(R(3, 4) / x, 1, x, support=[sp.sqrt(x), -sp.sqrt(x)])
    assert v.classification == "undecided" and v.margin is None
    assert v.recurrent is None


def test_mu2_not_bounded_below_is_not_classified() -> None:
    v = classify_lamperti(1 / x**2, 1 / x, x)
    assert v.classification == "undecided" and "bounded below" in v.criterion


def test_lamperti_family_accepts_any_positive_s2() -> None:
    """mu_2 = s2 only has to be > 0 (bounded below): s2 = 1/2 and 1 are valid, 0 is not."""
    assert lamperti_family(1, R(1, 2)) == (1 / x, R(1, 2), x)
    assert lamperti_family(-2, 1) == (-2 / x, 1, x)
    with pytest.raises(DomainError):
        lamperti_family(1, 0)


def test_bad_family_parameters() -> None:
    with pytest.raises(DomainError, match="s2"):
        lamperti_family(1, 0)
    with pytest.raises(DomainError, match="p_x"):
        classify_birth_death(sp.Integer(2), x)


# ---- the series machinery --------------------------------------------------------------


def test_series_tests_on_known_series() -> None:
    k = sp.Symbol("k", positive=True)
    assert series_convergence(k / (k + 2), k).verdict == "converges"  # terms ~ 2/k^2
    assert series_convergence(k / (k + 1), k).verdict == "diverges"  # harmonic
    assert series_convergence(sp.Rational(1, 2) + 0 * k, k).test.startswith("ratio test")
    # Bertrand: terms ~ 1/(k log^2 k) converge, 1/(k log k) diverge
    rho2 = 1 - 1 / k - 2 / (k * sp.log(k))
    assert series_convergence(rho2, k).verdict == "converges"
    rho1 = 1 - 1 / k - sp.Rational(1, 2) / (k * sp.log(k))
    assert series_convergence(rho1, k).verdict == "diverges"


def test_ratio_test_margin_is_distance_from_one() -> None:
    """Ratio test: rho_i -> L != 1 decides, margin |L - 1|."""
    i = sp.Symbol("i", positive=True)
    conv = series_convergence(sp.Rational(1, 2), i)
    assert (conv.verdict, conv.margin) == ("converges", 0.5)
    div = series_convergence(sp.Integer(3), i)
    assert (div.verdict, div.margin) == ("diverges", 2.0)


def test_closed_form_and_nsum_agree() -> None:
    # p_x = 1/2 + 3/(8x): sum_{k>=1} (1/4)_k/(7/4)_k = (1/4)/(7/4 - 1/4 - 1) = 1/2
    p = HALF + R(3, 8) / x
    closed = classify_birth_death(p, x)
    numeric = classify_birth_death(p, x, closed_form=False, evaluate=True)
    assert closed.details["recurrence_series"]["value"] == pytest.approx(0.5, abs=1e-15)
    assert numeric.details["recurrence_series"]["value"] == pytest.approx(0.5, abs=1e-10)


def test_first_valid_site_and_clipping_is_reported() -> None:
    assert first_valid_site(HALF + R(3, 2) / x, x) == 4  # c = 3: p_x < 1 iff x > 3
    assert first_valid_site(HALF + R(1, 8) / x, x) == 1
    v = classify_birth_death(HALF + 1 / x, x)  # c = 2
    assert v.classification == "transient"
    assert "replaced by 1/2" in v.criterion and v.details["x0"] == 3


def test_first_valid_site_scan_includes_search() -> None:
    """When SymPy cannot solve {p_x <= 0} u {p_x >= 1} (cos(pi x) here) the scan covers
    1..search inclusive.  p_x = 1/2 + 3 cos(pi x)/(2x) is -1, 5/4, 0 at x = 1, 2, 3 and in
    (0, 1) from x = 4 on (the lattice form of c = 3)."""
    p = R(1, 2) + 3 * sp.cos(sp.pi * x) / (2 * x)
    assert first_valid_site(p, x, search=3) == 4
    assert first_valid_site(p, x, search=2) == 3


def test_first_valid_site_scan_evaluates_what_the_compiler_does_not_print() -> None:
    """sin is not printed by the compiler: the scan evaluates p_x with SymPy instead of
    counting every site as invalid.  1/2 + sin(x)/(4x) lies in (1/4, 3/4) for all x >= 1."""
    p = R(1, 2) + sp.sin(x) / (4 * x)
    assert first_valid_site(p, x, search=40) == 1


def test_stationary_series_is_prod_p_i_over_q_i_plus_1() -> None:
    """p_x = 1/2 - 1/x (x0 = 3): Pi = sum_{k>=3} prod_{i=3}^k p_i/q_(i+1), with
    p_i/q_(i+1) = (i-2)(i+1)/(i(i+3)), so the product telescopes to 40/((k-1)k(k+2)(k+3))
    and Pi = 7/18, both from SymPy's closed form and from mpmath.nsum."""
    p = R(1, 2) - 1 / x
    direct = sum(
        40.0 / ((k - 1) * k * (k + 2) * (k + 3)) for k in range(3, 20000)
    )
    assert abs(direct - 7 / 18) < 1e-11
    for closed in (True, False):
        v = classify_birth_death(p, closed_form=closed, evaluate=True)
        assert v.classification == "positive-recurrent"
        assert v.details["x0"] == 3
        assert abs(v.details["stationary_series"]["value"] - 7 / 18) < 1e-12
    assert "sum prod p_i/q_(i+1) = 7/18" in classify_birth_death(p).criterion


def test_clip_note_only_when_first_valid_site_exceeds_one() -> None:
    """The criterion mentions the p_x -> 1/2 replacement exactly when x0 > 1."""
    at_two = classify_birth_death(R(1, 2) + 1 / (2 * x))  # p_1 = 1: x0 = 2
    assert at_two.details["x0"] == 2
    assert at_two.criterion.endswith(
        "; p_x replaced by 1/2 for 1 <= x < 2 (p_x not in (0,1) there)"
    )
    at_one = classify_birth_death(R(1, 2) + 1 / (4 * x))  # p_1 = 3/4: x0 = 1
    assert at_one.details["x0"] == 1
    assert "replaced" not in at_one.criterion
