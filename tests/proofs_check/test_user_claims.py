"""User claims (``aesgd verify --claims-from``): loaded from a file or a module, held to
the registry's rules, run with their routes traced, and shown like built-in claims.

The wrong claims below replace the *user's formula* (the subject) or break the rule; each
must fail with the reason in the route's detail."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from proofs_check import Budget
from proofs_check.cli import main
from proofs_check.user_claims import load_claims, run_user_claims, validate_claims
from theory.domain import DomainError

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "docs" / "examples" / "ray_lemma.py"


def _module(tmp_path: Path, body: str, name: str = "mine.py") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


HEADER = """
    import sympy as sp
    from proofs_check import Check, CheckResult, Claim
    from proofs_check.oracles.pure import loss
    from theory.conventions import RELU
    from theory.hessian import trace_at_min

    def closed(t, n):
        return ((sp.Rational(t) ** 2 - 1) ** 2 + n - 1) / (2 * sp.Integer(n))

    def by_definition(budget):
        ok = all(abs(float(loss([t] + [0] * n, n, RELU)) - float(closed(t, n))) < 1e-12
                 for n in (1, 2, 3) for t in (0, 1, 2))
        return CheckResult("def", "high-precision", "pass" if ok else "fail", "1e-12")

    def restated(budget):
        ok = closed(1, 2) == sp.Rational(1, 4)
        return CheckResult("sym", "symbolic", "pass" if ok else "fail", "exact")

    def silent(budget):
        return CheckResult("silent", "symbolic", "pass", "exact")

    def make(cid, subject, routes):
        return Claim(cid, "t", "s", "x", "derived", (), tuple(routes), subject=subject)
"""


def test_the_tutorial_claim_passes_and_appears_in_the_json(
        capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["verify", "--claims-from", str(EXAMPLE), "--claims", "ray.loss", "--json",
                 "--no-progress"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 0
    (claim,) = doc["claims"]
    assert claim["id"] == "ray.loss" and claim["status"] == "pass"
    assert claim["source"] == str(EXAMPLE)
    assert [c["independent"] for c in claim["checks"]] == [False, True]


def test_a_wrong_formula_is_rejected(tmp_path: Path) -> None:
    path = _module(tmp_path, HEADER + """
    def wrong(t, n):  # the lemma with n - 2 for n - 1: what a slip would give
        return ((sp.Rational(t) ** 2 - 1) ** 2 + n - 2) / (2 * sp.Integer(n))

    closed = wrong

    def claims():
        return [make("my.ray", (wrong,), [Check(by_definition, "high-precision", "d",
                                                independent=True),
                                          Check(restated, "symbolic", "r")])]
    """)
    (outcome,) = run_user_claims(validate_claims(load_claims(str(path)), ()), Budget())
    assert outcome.status == "fail"
    assert [r.status for r in outcome.results] == ["fail", "fail"]


def test_a_route_that_never_calls_the_subject_fails(tmp_path: Path) -> None:
    path = _module(tmp_path, HEADER + """
    def claims():
        return [make("my.silent", (closed,), [Check(by_definition, "high-precision", "d",
                                                    independent=True),
                                              Check(silent, "symbolic", "s")])]
    """)
    (outcome,) = run_user_claims(validate_claims(load_claims(str(path)), ()), Budget())
    assert [r.status for r in outcome.results] == ["pass", "fail"]
    assert "never calls the claim's subject" in outcome.results[1].detail


def test_an_independent_route_sharing_library_code_fails(tmp_path: Path) -> None:
    """The subject is the library's trace formula; the 'independent' route rebuilds its
    reference from the Hessian coefficients the formula itself is built from: the tracer
    sees the shared code."""
    path = _module(tmp_path, HEADER + """
    from theory.hessian import hessian_coefficients

    def shares(budget):
        hessian_coefficients()
        trace_at_min(RELU)
        return CheckResult("shares", "symbolic", "pass", "exact")

    def numeric(budget):
        trace_at_min(RELU)
        return CheckResult("num", "high-precision", "pass", "exact")

    def claims():
        return [make("my.shared", (trace_at_min,),
                     [Check(shares, "symbolic", "s", independent=True),
                      Check(numeric, "high-precision", "n")])]
    """)
    (outcome,) = run_user_claims(validate_claims(load_claims(str(path)), ()), Budget())
    first = outcome.results[0]
    assert first.status == "fail" and "declared independent" in first.detail, first


@pytest.mark.parametrize(("body", "needle"), [
    ("def claims():\n    return []\n", "at least one claim"),
    ("x = 1\n", "claims() or CLAIMS"),
    ("raise RuntimeError('boom')\n", "RuntimeError: boom"),
    ("def claims():\n    return [1]\n", "Claim values"),
])
def test_bad_modules_are_one_line(tmp_path: Path, body: str, needle: str,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    path = _module(tmp_path, body)
    assert main(["verify", "--claims-from", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--claims-from=" in err and needle in err, err


@pytest.mark.parametrize(("routes", "subject", "cid", "needle"), [
    ("[Check(restated, 'symbolic', 'r', independent=True)]", "(closed,)", "my.one",
     "two oracle kinds"),
    ("[Check(restated, 'symbolic', 'r'), Check(by_definition, 'high-precision', 'd')]",
     "(closed,)", "my.dep", "declared independent"),
    ("[Check(restated, 'symbolic', 'r', independent=True), "
     "Check(by_definition, 'high-precision', 'd')]", "()", "my.nosub", "subject"),
    ("[Check(restated, 'symbolic', 'r', independent=True), "
     "Check(by_definition, 'high-precision', 'd')]", "(closed,)", "P4", "id of its own"),
])
def test_the_registry_rules_hold_for_user_claims(tmp_path: Path, routes: str, subject: str,
                                                 cid: str, needle: str) -> None:
    path = _module(tmp_path, HEADER + f"""
    def claims():
        return [make({cid!r}, {subject}, {routes})]
    """)
    with pytest.raises(DomainError, match=needle):
        validate_claims(load_claims(str(path)), ("P4",))


def test_a_module_name_is_imported_from_the_current_directory(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _module(tmp_path, HEADER + """
    CLAIMS = [make("my.mod", (closed,), [Check(by_definition, "high-precision", "d",
                                              independent=True),
                                        Check(restated, "symbolic", "r")])]
    """, name="my_lemmas_mod.py")
    monkeypatch.chdir(tmp_path)
    (claim,) = load_claims("my_lemmas_mod")
    assert claim.id == "my.mod"
    with pytest.raises(DomainError, match="module name"):
        load_claims("os; rm -rf")
