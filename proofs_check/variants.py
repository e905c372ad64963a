"""Wrong variants applied to the library, each in a fresh process: ``aesgd verify --mutants``.

A :class:`proofs_check.registry.Variant` names a library function, method or constant
(``"theory.hessian:trace_at_min"``, ``"numerics.schedules:Schedule.draw_block"``) and a
wrong replacement.  :func:`apply` installs it: the attribute is replaced, every module of
the package that imported the original under some name gets the replacement too, and every
cache of the package is cleared (so no result computed by the right library survives).
:func:`run_variants` runs each variant in its own interpreter (``python -m
proofs_check.variants ID``), which applies it and runs the variant's claim there: the
variant is *rejected* when that claim fails.  The library of the calling process is never
touched.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

from theory.domain import DomainError

from .registry import MutantOutcome, Variant

__all__ = ["PACKAGES", "apply", "clear_caches", "installed", "main", "run_variants"]

PACKAGES: tuple[str, ...] = ("theory", "numerics", "proofs_check", "benchmarks")
_TIMEOUT = 900.0


USER_MODULES: list[ModuleType] = []
"""Modules of user claims (``aesgd verify --claims-from``): their module-level names are
rebound like the package's, so that the tracer sees the library functions they imported."""


def _package_modules() -> list[ModuleType]:
    return [m for name, m in list(sys.modules.items())
            if m is not None and name.split(".")[0] in PACKAGES] + USER_MODULES


def clear_caches() -> None:
    """Clear every functools cache of the package (formulas, compiled functions, runs)."""
    for module in _package_modules():
        for value in list(vars(module).values()):
            clear = getattr(value, "cache_clear", None)
            if callable(clear):
                clear()


def _resolve(target: str) -> tuple[Any, str, Any]:
    """(owner, attribute, original) for ``"module:attr"`` or ``"module:Class.attr"``."""
    module_name, _, path = target.partition(":")
    module = sys.modules.get(module_name)
    if module is None or not path:
        raise DomainError("target", target, "'module:attribute' of a loaded library module")
    owner: Any = module
    parts = path.split(".")
    for part in parts[:-1]:
        owner = getattr(owner, part)
    return owner, parts[-1], getattr(owner, parts[-1])


def _rebind(original: Any, wrong: Any) -> list[tuple[Any, Any]]:
    """Point every module-level name (and module-level dict value) bound to ``original``
    at ``wrong``; returns (container, key) of each, so that :func:`installed` can undo it."""
    done: list[tuple[Any, Any]] = []
    for module in _package_modules():
        for name, value in list(vars(module).items()):
            if value is original:
                setattr(module, name, wrong)
                done.append((module, name))
            elif isinstance(value, dict):
                for key, item in list(value.items()):
                    if item is original:
                        value[key] = wrong
                        done.append((value, key))
    return done


def _install(variant: Variant) -> Callable[[], None]:
    """Install ``variant``; return the function that puts the right library back."""
    from numerics.formulas import derive_from_theory

    owner, attr, original = _resolve(variant.target)
    wrong = variant.replace(original)
    setattr(owner, attr, wrong)
    bound = _rebind(original, wrong) if isinstance(owner, ModuleType) else []
    live = derive_from_theory(True)  # a wrong theory reaches the numeric formulas too
    clear_caches()

    def undo() -> None:
        derive_from_theory(live)
        setattr(owner, attr, original)
        for container, key in bound:
            if isinstance(container, dict):
                container[key] = original
            else:
                setattr(container, key, original)
        clear_caches()

    return undo


def apply(variant: Variant) -> None:
    """Install the wrong library of ``variant`` in this process (for good)."""
    _install(variant)


@contextmanager
def installed(variant: Variant) -> Iterator[Variant]:
    """The wrong library of ``variant`` inside the ``with`` block, the right one after it
    (every cache cleared on the way in and out).  Not thread-safe: it patches modules.

    >>> from proofs_check.claims import variant_by_id
    >>> from theory import hessian
    >>> with installed(variant_by_id("trace.off_by_one")):
    ...     wrong = hessian.trace_at_min()
    >>> wrong == hessian.trace_at_min()
    False
    """
    undo = _install(variant)
    try:
        yield variant
    finally:
        undo()


def _root() -> str:
    return str(Path(__file__).resolve().parents[1])


def _run_one(variant: Variant, level: str) -> MutantOutcome:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([_root(), *filter(None, [env.get("PYTHONPATH")])])
    cmd = [sys.executable, "-m", "proofs_check.variants", variant.id, "--level", level]
    try:
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=_TIMEOUT)
    except subprocess.TimeoutExpired:
        return MutantOutcome(variant, None, error=f"timed out after {_TIMEOUT:g} s")
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return MutantOutcome(variant, None, error=f"exit {proc.returncode}: {tail}")
    doc = json.loads(lines[-1])
    return MutantOutcome(variant, doc["status"], tuple(doc["failed"]), tuple(doc["raised"]))


def run_variants(variants: Sequence[Variant], level: str,
                 progress: Callable[[str], None] | None = None,
                 workers: int | None = None) -> list[MutantOutcome]:
    """Each variant in its own process, ``workers`` at a time; outcomes in input order."""
    count = workers or os.cpu_count() or 1

    def one(v: Variant) -> MutantOutcome:
        out = _run_one(v, level)
        if progress is not None:
            progress(v.id)
        return out

    with ThreadPoolExecutor(max_workers=max(1, count)) as pool:
        return list(pool.map(one, variants))


def _outcome_json(variant: Variant, level: str) -> dict[str, Any]:
    from .claims import claims, statistical_check_count
    from .registry import run_claims
    from .stats import Budget

    claim = next(c for c in claims() if c.id == variant.claim)
    budget = Budget(level, statistical_check_count())
    apply(variant)
    (outcome,) = run_claims([claim], budget)
    failed = [r for r in outcome.results if r.status == "fail"]
    return {"id": variant.id, "status": outcome.status, "failed": [r.name for r in failed],
            "raised": [r.name for r in failed if "error" in r.evidence]}


def main(argv: Iterable[str] | None = None) -> int:
    """``python -m proofs_check.variants ID [--level quick|full]``: one JSON line."""
    from .claims import mutants

    parser = argparse.ArgumentParser(prog="python -m proofs_check.variants")
    parser.add_argument("id")
    parser.add_argument("--level", default="quick", choices=("quick", "full"))
    args = parser.parse_args(list(argv) if argv is not None else None)
    known = {v.id: v for v in mutants()}
    if args.id not in known:
        print(f"id: unknown variant {args.id!r}; one of {', '.join(sorted(known))}",
              file=sys.stderr)
        return 2
    print(json.dumps(_outcome_json(known[args.id], args.level)))
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
