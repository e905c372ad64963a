"""The one exception type for bad input, shared by every layer.

A :class:`DomainError` names the parameter and its allowed range; the command line turns
it into one line on stderr and exit code 2.

>>> raise DomainError("eta", -1.0, "> 0")
Traceback (most recent call last):
...
theory.errors.DomainError: eta=-1.0 must be > 0
"""

from __future__ import annotations

__all__ = ["DomainError"]


class DomainError(ValueError):
    """Bad input: ``parameter=value must be <allowed>``."""

    def __init__(self, parameter: str, value: object, allowed: str) -> None:
        self.parameter = parameter
        self.value = value
        self.allowed = allowed
        super().__init__(f"{parameter}={value!r} must be {allowed}")
