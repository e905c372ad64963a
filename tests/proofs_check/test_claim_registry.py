"""The claim registry and `aesgd verify`: coverage, oracle kinds, variants, verdicts."""

from __future__ import annotations

import json

import pytest
from spec_ids import SPEC_SECTION2_IDS

from proofs_check.claims import (
    PAPER_CLAIMS,
    checks,
    claims,
    mutants,
    statistical_check_count,
    variant_by_id,
)
from proofs_check.cli import main
from proofs_check.registry import run_claims, run_mutants
from proofs_check.result import ORACLES
from proofs_check.stats import Budget
from proofs_check.variants import installed
from theory.catalogue import catalogue
from theory.conventions import LINEAR, RELU, RELU1, Conventions


def test_registry_covers_spec_and_paper() -> None:
    ids = {c.id for c in claims()}
    assert ids >= SPEC_SECTION2_IDS, SPEC_SECTION2_IDS - ids
    assert set(PAPER_CLAIMS) <= ids


def test_every_claim_has_two_oracle_kinds() -> None:
    for c in claims():
        assert len(c.oracle_kinds()) >= 2, c.id
        assert c.provenance in ("paper", "derived", "classical")
        assert all(ch.oracle in ORACLES for ch in c.checks)


def test_every_checker_has_a_mutant() -> None:
    """Each derived claim has at least one wrong variant that its checks must reject."""
    mutated = {m.claim for m in mutants()}
    derived = {c.id for c in claims() if c.provenance != "paper"}
    assert derived <= mutated, derived - mutated


def test_statistical_checks_are_counted() -> None:
    used = {ch.name for c in claims() for ch in c.checks if ch.statistical}
    assert statistical_check_count() == len(used) >= 2
    assert all(checks()[name].statistical for name in used)


@pytest.fixture(scope="module")
def quick_run() -> dict[str, object]:
    """One quick verify run with mutants, shared by the tests below (same as the CLI)."""
    import contextlib
    import io

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        code = main(["verify", "--quick", "--json", "--mutants", "--no-progress"])
    doc = json.loads(buf.getvalue())
    doc["exit_code"] = code
    return doc


def test_verify_quick_passes_every_claim(quick_run: dict) -> None:
    failing = [(c["id"], [ch for ch in c["checks"] if ch["status"] != "pass"])
               for c in quick_run["claims"] if c["status"] != "pass"]
    assert not failing, failing
    assert quick_run["exit_code"] == 0


def test_verify_rejects_every_mutant(quick_run: dict) -> None:
    survivors = [m for m in quick_run["mutants"] if not m["rejected"]]
    assert not survivors, survivors


def test_verify_json_shape(quick_run: dict) -> None:
    for c in quick_run["claims"]:
        assert {"id", "provenance", "status", "checks"} <= set(c)
        for ch in c["checks"]:
            assert {"oracle", "status", "tolerance", "evidence"} <= set(ch)
    assert {m["id"] for m in quick_run["mutants"]} == {m.id for m in mutants()}


def test_verify_subset_and_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", "--claims", "loss.coordinates,minima.value", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "loss.coordinates" in out and "PASS" in out and "2/2 claims pass" in out


def test_verify_bad_claim_id(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", "--claims", "no.such.claim"]) == 2
    err = capsys.readouterr().err.strip()
    assert "--claims" in err and "\n" not in err


def test_a_wrong_library_fails_its_claim_in_process() -> None:
    """Installing a wrong variant makes its claim fail; removing it restores the pass."""
    claim = next(c for c in claims() if c.id == "hessian.trace_at_min")
    with installed(variant_by_id("trace.off_by_one")):
        (outcome,) = run_claims([claim], Budget("quick", statistical_check_count()))
    assert outcome.status == "fail"
    failed = {r.name for r in outcome.results if r.status == "fail"}
    assert "high_precision.trace_at_minima_fd[linear, relu, relu'1]" in failed
    (again,) = run_claims([claim], Budget("quick", statistical_check_count()))
    assert again.status == "pass"


def test_run_mutants_reports_the_failed_routes() -> None:
    (mo,) = run_mutants([variant_by_id("trace.off_by_one")], Budget("quick", 1), workers=1)
    assert mo.rejected and mo.status == "fail" and not mo.error
    assert any(name.startswith("high_precision.trace_at_minima_fd") for name in mo.failed_routes)


def test_every_variant_replaces_library_code() -> None:
    """A wrong variant patches a function, method or constant of theory/ or numerics/,
    never an expected value of proofs_check/."""
    for v in mutants():
        module = v.target.partition(":")[0]
        assert module.split(".")[0] in ("theory", "numerics"), (v.id, v.target)


def test_verify_rejects_each_mutant_by_a_verdict(quick_run: dict) -> None:
    """A rejection is a route that fails on the evidence, not only one that raised."""
    by_error = [m["id"] for m in quick_run["mutants"]
                if set(m["failed_routes"]) <= set(m["raised"])]
    assert not by_error, by_error


@pytest.mark.parametrize("conventions", [RELU, RELU1, LINEAR], ids=["relu", "relu1", "linear"])
def test_every_derived_entry_is_a_verified_claim(conventions: Conventions) -> None:
    """Whatever ``aesgd derive`` prints, under any conventions, ``aesgd verify`` checks."""
    derived = {e.id for e in catalogue(conventions)}
    assert derived <= {c.id for c in claims()}, derived - {c.id for c in claims()}


def test_routes_are_named_after_their_python_functions() -> None:
    """Claims refer to checks by Python name: <oracle module>.<function>(<arguments>)."""
    for name, ch in checks().items():
        module, _, rest = name.partition(".")
        assert module in {"symbolic", "high_precision", "interval", "simulation", "enumeration",
                          "engine", "walks"}
        assert rest.startswith(ch.fn.__name__), name
        assert ch.title and ch.title != name


def test_every_variant_is_declared_next_to_a_route_of_its_claim() -> None:
    """A wrong variant belongs to a route that the claim it contradicts actually uses."""
    by_claim = {c.id: {ch.name for ch in c.checks} for c in claims()}
    for ch in checks().values():
        for v in ch.variants:
            assert ch.name in by_claim[v.claim], (v.id, v.claim, ch.name)
    ids = [m.id for m in mutants()]
    assert len(ids) == len(set(ids))


def test_a_wrong_theory_reaches_the_generated_numeric_formulas() -> None:
    # numerics.formulas evaluates a generated table (no SymPy at run time); a wrong variant
    # of a theory function must still reach it, or a check through numerics.formulas would
    # judge the right library.  Oracle: the theory's value (d - s + 4)/n = 43/20 at d = 40,
    # n = 20, s = 1; the variant adds 1/n (44/20).  Tolerance 1e-15 relative: a few float64
    # operations on values near 2, an ulp or two each.
    from numerics import formulas

    right = float(formulas.trace_at_min()(40, 20, 1))
    with installed(variant_by_id("trace.off_by_one")):
        wrong = float(formulas.trace_at_min()(40, 20, 1))
    assert right == pytest.approx(43 / 20, rel=1e-15)
    assert wrong == pytest.approx(44 / 20, rel=1e-15)
    assert float(formulas.trace_at_min()(40, 20, 1)) == right
    assert not formulas._FROM_THEORY[0]  # back to the generated table
