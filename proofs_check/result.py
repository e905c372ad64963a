"""Result types shared by every check: a check's verdict with its evidence.

A :class:`CheckResult` names its oracle kind, its tolerance and why, and carries the
numbers it compared.  ``status`` is ``pass``, ``fail`` or ``undecided``.

>>> r = CheckResult("demo", "symbolic", "pass", "exact", {"difference": "0"})
>>> r.passed
True
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

__all__ = ["ORACLES", "STATUSES", "CheckResult", "combine", "jsonable"]

ORACLES = ("symbolic", "high-precision", "interval", "simulation", "exact-enumeration")
STATUSES = ("pass", "fail", "undecided")


@dataclass
class CheckResult:
    """The verdict of one check.

    name       what was checked (short)
    oracle     one of ``ORACLES``
    status     one of ``STATUSES``
    tolerance  the tolerance and why it is what it is (or "exact")
    evidence   the numbers (JSON-serialisable)
    detail     a sentence for the report
    title      what the route checks, in words (set by the registry; ``name`` is the route's
               Python name there)
    """

    name: str
    oracle: str
    status: str
    tolerance: str
    evidence: dict[str, Any] = field(default_factory=dict)
    detail: str = ""
    title: str = ""

    def __post_init__(self) -> None:
        if self.oracle not in ORACLES:
            raise ValueError(f"oracle={self.oracle!r} must be one of {ORACLES}")
        if self.status not in STATUSES:
            raise ValueError(f"status={self.status!r} must be one of {STATUSES}")

    @property
    def passed(self) -> bool:
        return self.status == "pass"

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = jsonable(asdict(self))
        return out


def combine(results: list[CheckResult]) -> str:
    """A claim's status: fail if any check fails, pass if all pass, else undecided."""
    if any(r.status == "fail" for r in results):
        return "fail"
    if results and all(r.status == "pass" for r in results):
        return "pass"
    return "undecided"


def jsonable(obj: Any) -> Any:
    """A JSON-safe copy: the one conversion used by every JSON output of the package.

    Dicts and sequences are copied, NumPy scalars and arrays become Python numbers and
    lists, non-finite floats become the strings ``"inf"``, ``"-inf"``, ``"nan"``, and any
    other object (mpmath, SymPy numbers, paths) its ``str``.

    >>> jsonable({"a": float("inf"), "b": (1, 2.5)})
    {'a': 'inf', 'b': [1, 2.5]}
    """
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [jsonable(v) for v in obj]
    if isinstance(obj, bool | int | str) or obj is None:
        return obj
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else str(obj)
    if isinstance(obj, np.generic):
        return jsonable(obj.item())
    if isinstance(obj, np.ndarray):
        return jsonable(obj.tolist())
    return str(obj)
