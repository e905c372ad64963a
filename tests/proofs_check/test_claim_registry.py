"""The claim registry and `aesgd verify`: coverage, oracle kinds, variants, verdicts."""

from __future__ import annotations

import json

import pytest
from spec_ids import SPEC_SECTION2_IDS

from proofs_check.claims import PAPER_CLAIMS, checks, claims, mutants, statistical_check_count
from proofs_check.cli import main
from proofs_check.registry import run_claims, run_mutants
from proofs_check.result import ORACLES
from proofs_check.stats import Budget


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


def test_failing_check_fails_the_claim() -> None:
    """A mutant's check swapped into a claim makes the claim fail (the verdict is live)."""
    from dataclasses import replace

    from proofs_check.registry import Check

    claim = next(c for c in claims() if c.id == "hessian.trace_at_min")
    wrong = next(m for m in mutants() if m.id == "trace.off_by_one")
    broken = replace(claim, checks=(*claim.checks[:1],
                                    Check(wrong.fn, "high-precision", "the wrong variant")))
    (outcome,) = run_claims([broken], Budget("quick", 1))
    assert outcome.status == "fail"
    (mo,) = run_mutants([wrong], Budget("quick", 1))
    assert mo.rejected


def test_routes_are_named_after_their_python_functions() -> None:
    """Claims refer to checks by Python name: <oracle module>.<function>(<arguments>)."""
    for name, ch in checks().items():
        module, _, rest = name.partition(".")
        assert module in {"symbolic", "high_precision", "interval", "simulation", "enumeration"}
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
