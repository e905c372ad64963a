"""README.md stays true: the two commands first, and the generated claim table is current."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

import claim_table  # noqa: E402


def test_readme_starts_with_the_two_commands() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split("```bash\n", 1)[1].split("```", 1)[0].strip().splitlines()
    assert block == [
        'pip install -e ".[test]" && aesgd verify',
        'pip install -e ".[test]" && pytest',
    ]


def test_readme_claim_table_is_current() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert claim_table.block() in text, "run: python tools/claim_table.py --update"


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert 'pip install -e ".[test]"' in ci and "pytest" in ci
