"""The exact side of aesgd: SymPy derivations for the single-neuron tied autoencoder.

Public API (loaded lazily, so that ``import theory`` or the conventions alone do not import
SymPy).  The derivation modules stay importable by name (``theory.hessian``,
``theory.walk``, ...): their functions are the formulas the rest of the package evaluates.

>>> from theory import LINEAR, RELU, by_id
>>> by_id("hessian.trace_at_min", RELU).expr, by_id("hessian.trace_at_min", LINEAR).expr
((d - s + 4)/n, (d - n + 4)/n)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from . import catalogue
    from .catalogue import Formula, by_id
    from .conventions import ACTIVATIONS, LINEAR, RELU, RELU1, Conventions
    from .domain import DomainError
    from .latex import document

__all__ = [
    "ACTIVATIONS",
    "LINEAR",
    "RELU",
    "RELU1",
    "Conventions",
    "DomainError",
    "Formula",
    "by_id",
    "catalogue",
    "document",
]


def __getattr__(name: str) -> Any:
    """PEP 562: import the submodule that defines ``name`` on first use."""
    match name:
        case "ACTIVATIONS" | "LINEAR" | "RELU" | "RELU1" | "Conventions":
            from . import conventions

            return getattr(conventions, name)
        case "DomainError":
            from . import domain

            return getattr(domain, name)
        case "Formula" | "by_id":
            from . import catalogue

            return getattr(catalogue, name)
        case "document":
            from . import latex

            return getattr(latex, name)
        case _:
            raise AttributeError(f"module 'theory' has no attribute {name!r}")

def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
