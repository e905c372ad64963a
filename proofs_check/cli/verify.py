"""``aesgd verify``: run every claim's checks and print a verdict per claim.

    aesgd verify [--quick | --full] [--claims ID,...] [--report DIR] [--json] [--mutants]
                 [--progress | --no-progress]

Exit code 0 iff every selected claim passes (and, with ``--mutants``, every mutant is
rejected); 1 otherwise; 2 for bad input.  With ``--report DIR`` each finished claim is
appended to ``DIR/partial_results.jsonl`` while the run goes on.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from proofs_check.result import jsonable
from theory.domain import DomainError

from ._options import add_command, add_json, add_progress, print_json, progress

if TYPE_CHECKING:  # pragma: no cover
    from proofs_check.registry import ClaimOutcome, MutantOutcome
    from proofs_check.stats import Budget

__all__ = ["payload", "register", "run", "select_claims"]


def register(subparsers: Any) -> None:
    parser = add_command(subparsers, "verify", run)
    level = parser.add_mutually_exclusive_group()
    level.add_argument("--quick", dest="level", action="store_const", const="quick",
                       help="small simulations (default; under 2 minutes on 2 cores)")
    level.add_argument("--full", dest="level", action="store_const", const="full",
                       help="larger simulations and more seeds (under 30 minutes)")
    parser.set_defaults(level="quick")
    parser.add_argument("--claims", default=None, metavar="ID,...",
                        help="comma-separated claim ids to run (default: all)")
    parser.add_argument("--report", default=None, metavar="DIR",
                        help="write report.html, report.md, results.json, formulas.tex and "
                             "figures into DIR (built beside it and renamed into place)")
    parser.add_argument("--claims-from", default=None, metavar="PATH_OR_MODULE",
                        help="also check the claims of this Python file (.py) or module "
                             "(claims() or CLAIMS; the current directory is on the search "
                             "path): your own lemmas, under the same rules and level")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace an existing non-empty --report DIR")
    add_json(parser, "print JSON instead of a table")
    parser.add_argument("--mutants", action="store_true",
                        help="also run the wrong variants; fail if any is not rejected")
    add_progress(parser)


def select_claims(spec: str | None, extra: tuple[Any, ...] = ()) -> list[Any]:
    """The claims named in a comma-separated list (all when ``spec`` is None), among the
    built-in ones and ``extra`` (the user's)."""
    from proofs_check.claims import claims

    every = list(claims()) + list(extra)
    if spec is None:
        return every
    by = {c.id: c for c in every}
    wanted = [x.strip() for x in spec.split(",") if x.strip()]
    unknown = [x for x in wanted if x not in by]
    if unknown or not wanted:
        raise DomainError("claims", spec, "a comma-separated list of ids from: " + ", ".join(by))
    return [by[x] for x in wanted]


def _user_claims(spec: str | None) -> tuple[Any, ...]:
    """The claims of ``--claims-from`` (none without it), checked against the rules."""
    if spec is None:
        return ()
    from proofs_check.claims import claims
    from proofs_check.user_claims import load_claims, validate_claims

    return validate_claims(load_claims(spec), (c.id for c in claims()))


def payload(outcomes: list[ClaimOutcome], mutant_outcomes: list[MutantOutcome] | None,
            budget: Budget, seconds: float, argv: list[str] | None = None,
            sources: dict[str, str] | None = None) -> dict[str, Any]:
    """The JSON document of a verify run (with its provenance); ``sources`` maps the id of
    each user claim to the ``--claims-from`` it came from (``source`` is ``aesgd`` for the
    built-in claims)."""
    from numerics.io import provenance
    from proofs_check.experiments import ROOT
    from proofs_check.stats import FAMILY_ALPHA

    counts = {s: sum(o.status == s for o in outcomes) for s in ("pass", "fail", "undecided")}
    out: dict[str, Any] = {
        "level": budget.level,
        "claims": [{**o.to_json(), "source": (sources or {}).get(o.claim.id, "aesgd")}
                   for o in outcomes],
        "summary": {
            "claims": len(outcomes), **counts,
            "family_alpha": FAMILY_ALPHA, "statistical_checks": budget.statistical_checks,
            "per_check_alpha": budget.alpha, "seconds": round(seconds, 2),
            "all_passed": counts["pass"] == len(outcomes),
        },
        "provenance": provenance(argv, {"root_seed_of_every_simulation": ROOT}),
    }
    if mutant_outcomes is not None:
        out["mutants"] = [m.to_json() for m in mutant_outcomes]
        out["summary"]["mutants"] = len(mutant_outcomes)
        out["summary"]["mutants_rejected"] = sum(m.rejected for m in mutant_outcomes)
    return out


def _table(outcomes: list[ClaimOutcome]) -> str:
    rows = [("claim", "provenance", "oracles", "verdict", "key number")]
    for o in outcomes:
        rows.append((o.claim.id, o.claim.provenance, ",".join(sorted(o.claim.oracle_kinds())),
                     o.status.upper(), o.key_number()))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = []
    for k, r in enumerate(rows):
        lines.append("  ".join(r[i].ljust(widths[i]) for i in range(4)) + "  " + r[4])
        if k == 0:
            lines.append("-" * (sum(widths) + 8 + 12))
    return "\n".join(lines)


def _progress_bar(total: int, enabled: bool, desc: str) -> Any:
    if not enabled:
        return None
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, file=sys.stderr, leave=False)


def _report_target(report: str | None, overwrite: bool) -> Path | None:
    """The checked ``--report`` folder (refused before anything runs): not empty, its
    parent exists, and an existing non-empty folder only with ``--overwrite``."""
    if report is None:
        return None
    if not report.strip():
        raise DomainError("report", report, "a folder path (it is empty)")
    target = Path(report)
    if target.exists() and not target.is_dir():
        raise DomainError("report", report, "a folder path (a file is in the way)")
    if target.is_dir() and any(target.iterdir()) and not overwrite:
        raise DomainError("report", report, "a new or empty folder (pass --overwrite to "
                          "replace it)")
    if not target.resolve().parent.is_dir():
        raise DomainError("report", report, "in an existing folder")
    return target


def _partial_file(report: Path | None) -> Path | None:
    """``DIR.partial.jsonl`` beside the report folder: every finished claim, rewritten
    atomically after each one, so an interruption loses nothing finished."""
    if report is None:
        return None
    from numerics.io import atomic_write

    partial = report.resolve().parent / f"{report.resolve().name}.partial.jsonl"
    atomic_write(partial, "")
    return partial


def _check_claims(selected: list[Any], budget: Budget, show: bool,
                  partial: Path | None, user: frozenset[str] = frozenset()
                  ) -> list[ClaimOutcome]:
    """Run the claims one at a time, so that an interruption loses nothing finished; the
    ``user`` claims run with their routes traced (:mod:`proofs_check.user_claims`)."""
    from proofs_check.registry import run_claims
    from proofs_check.user_claims import run_user_claims

    bar = _progress_bar(len(selected), show, "claims")
    outcomes: list[ClaimOutcome] = []
    cache: dict[str, Any] = {}  # checks shared by several claims run once per invocation

    def on_claim(cid: str) -> None:
        if bar is not None:
            bar.update(1)
            bar.set_postfix_str(cid)

    from numerics.io import atomic_write

    lines: list[str] = []
    for claim in selected:
        if claim.id in user:
            outcomes.extend(run_user_claims([claim], budget, on_claim))
        else:
            outcomes.extend(run_claims([claim], budget, on_claim, cache=cache))
        if partial is not None:
            lines.append(json.dumps(jsonable(outcomes[-1].to_json())) + "\n")
            atomic_write(partial, "".join(lines))
    if bar is not None:
        bar.close()
    return outcomes


def _check_mutants(selected: list[Any], every: bool, budget: Budget,
                   show: bool) -> list[MutantOutcome]:
    """The mutants of the selected claims (all of them when every claim is selected)."""
    from proofs_check.claims import mutants
    from proofs_check.registry import run_mutants

    chosen = {c.id for c in selected}
    todo = [m for m in mutants() if every or m.claim in chosen]
    bar = _progress_bar(len(todo), show, "mutants")
    tick: Callable[[str], None] | None = None if bar is None else (lambda _id: bar.update(1))
    out = run_mutants(todo, budget, tick)
    if bar is not None:
        bar.close()
    return out


def _print_text(doc: dict[str, Any], outcomes: list[ClaimOutcome],
                mutant_outcomes: list[MutantOutcome] | None, budget: Budget,
                report: Path | None) -> None:
    print(_table(outcomes))
    s = doc["summary"]
    print(f"\n{s['pass']}/{s['claims']} claims pass, {s['fail']} fail, "
          f"{s['undecided']} undecided ({budget.level}, {s['seconds']} s; statistical "
          f"checks at family level {s['family_alpha']}, {budget.alpha:.2g} each)")
    for o in outcomes:
        if o.claim.caveat and o.claim.provenance == "paper":
            print(f"  caveat {o.claim.id}: {o.claim.caveat}")
    if mutant_outcomes is not None:
        survivors = [m.mutant.id for m in mutant_outcomes if not m.rejected]
        print(f"mutants: {len(mutant_outcomes) - len(survivors)}/{len(mutant_outcomes)} "
              "rejected" + (f"; SURVIVED: {', '.join(survivors)}" if survivors else ""))



def run(args: argparse.Namespace) -> int:
    """check every claim with independent oracles and print a verdict per claim

    Check every claim (SPEC section 2 and the paper's P1-P7) with independent oracles:
    symbolic, high-precision, interval, simulation, exact enumeration. Statistical checks
    share one family-wise level (Bonferroni), printed with the results.
    """
    from proofs_check.claims import statistical_check_count
    from proofs_check.stats import Budget
    from proofs_check.user_claims import statistical_count

    user = _user_claims(args.claims_from)
    selected = select_claims(args.claims, user)
    report = _report_target(args.report, args.overwrite)
    budget = Budget(args.level, statistical_check_count() + statistical_count(user))
    show = progress(args)
    partial = _partial_file(report)
    start = time.perf_counter()
    outcomes = _check_claims(selected, budget, show, partial, frozenset(c.id for c in user))
    mutant_outcomes = (_check_mutants(selected, args.claims is None, budget, show)
                       if args.mutants else None)
    doc = payload(outcomes, mutant_outcomes, budget, time.perf_counter() - start,
                  getattr(args, "argv", None), {c.id: args.claims_from for c in user})
    if report is not None:
        from numerics.io import atomic_directory
        from proofs_check.report import write_report

        with atomic_directory(report, overwrite=args.overwrite) as build:
            write_report(build, doc, budget)
        if partial is not None:
            partial.unlink(missing_ok=True)
        print(f"aesgd verify: wrote {report / 'report.html'} (and report.md, results.json, "
              "formulas.tex, the figures)", file=sys.stderr)
    if args.json:
        print_json(doc, indent=2)
    else:
        _print_text(doc, outcomes, mutant_outcomes, budget, report)
    ok = doc["summary"]["all_passed"]
    if mutant_outcomes is not None:
        ok = ok and all(m.rejected for m in mutant_outcomes)
    return 0 if ok else 1
