"""The conventions a result depends on, carried as one value (SPEC section 1).

:class:`Conventions` holds the activation, the value used for relu'(0) and the loss
normalisation.  It is the one value that travels through theory, numerics, the command line
and the claims; nothing passes ``activation`` and ``relu_prime_at_zero`` separately.  This
module does not import SymPy (the simulation path needs the value, not the algebra); the
SymPy forms of sigma and sigma' are built on demand.

>>> Conventions().describe()[0]
'activation: relu'
>>> Conventions("linear") == LINEAR
True
>>> Conventions(activation="tanh")
Traceback (most recent call last):
...
theory.domain.DomainError: activation='tanh' must be one of 'linear', 'relu'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .domain import DomainError, choice, flag

if TYPE_CHECKING:  # pragma: no cover
    import sympy as sp

__all__ = ["ACTIVATIONS", "LINEAR", "NORMALISATIONS", "RELU", "RELU1", "Conventions"]

ACTIVATIONS: tuple[str, ...] = ("linear", "relu")
NORMALISATIONS: tuple[str, ...] = ("mean",)


@dataclass(frozen=True)
class Conventions:
    """The conventions a result depends on.

    activation
        ``"linear"`` (sigma(a) = a) or ``"relu"`` (sigma(a) = max(a, 0)).
    relu_prime_at_zero
        The value used for relu'(0): 0 (the default, as autodiff does) or 1 (the other
        one-sided derivative).  Only relu results at a kink depend on it; for linear it is
        kept at 0 and ignored.
    normalisation
        ``"mean"``: L = (1/n) sum_i l_i with l_i = 1/2 ||w sigma(a_i) - x_i||^2.  Every
        Hessian value scales with this choice; it is the only one offered.
    """

    activation: str = "relu"
    relu_prime_at_zero: int = 0
    normalisation: str = "mean"

    def __post_init__(self) -> None:
        choice("activation", self.activation, ACTIVATIONS)
        flag("relu_prime_at_zero", self.relu_prime_at_zero)
        if self.normalisation not in NORMALISATIONS:
            raise DomainError("normalisation", self.normalisation, "'mean'")
        object.__setattr__(self, "relu_prime_at_zero", int(self.relu_prime_at_zero))

    @property
    def is_relu(self) -> bool:
        return self.activation == "relu"

    @property
    def counts_zero_as_active(self) -> bool:
        """Whether a data coordinate equal to 0 counts as active (relu with relu'(0) = 1)."""
        return self.is_relu and self.relu_prime_at_zero == 1

    def sigma(self, x: sp.Expr) -> sp.Expr:
        """sigma(x) as a SymPy expression (relu through Heaviside with H(0) pinned)."""
        import sympy as sp

        if self.is_relu:
            return x * sp.Heaviside(x, self.relu_prime_at_zero)
        return x

    def sigma_prime(self, x: sp.Expr) -> sp.Expr:
        """sigma'(x) with the kink value pinned to ``relu_prime_at_zero``."""
        import sympy as sp

        if self.is_relu:
            return sp.Heaviside(x, self.relu_prime_at_zero)
        return sp.Integer(1)

    def is_active(self, value: Any) -> bool:
        """Whether a coordinate with this (numeric) value counts as active.

        Linear: every data coordinate.  ReLU: a > 0, or a >= 0 when relu'(0) = 1.
        ``value`` is a number (Python, mpmath or SymPy); it is compared, never parsed.
        """
        if not self.is_relu:
            return True
        return bool(value > 0) or bool(value == 0 and self.relu_prime_at_zero == 1)

    def describe(self) -> tuple[str, ...]:
        """The conventions in words, for reports and the LaTeX export."""
        out = [f"activation: {self.activation}"]
        if self.is_relu:
            out.append(f"relu'(0) = {self.relu_prime_at_zero}")
        out.append("loss: L = (1/n) sum_i 1/2 ||w sigma(<w,x_i>) - x_i||^2")
        out.append("data: x_i = e_i orthonormal, n <= d")
        return tuple(out)

    def tags(self) -> tuple[str, ...]:
        """Short machine-readable tags, for the JSON catalogue."""
        out = [f"activation={self.activation}"]
        if self.is_relu:
            out.append(f"relu_prime_at_zero={self.relu_prime_at_zero}")
        out.append(f"normalisation={self.normalisation}")
        return tuple(out)

    def to_json(self) -> dict[str, Any]:
        """``{"activation", "relu_prime_at_zero"}``: the command line's flags."""
        return {"activation": self.activation, "relu_prime_at_zero": self.relu_prime_at_zero}


LINEAR = Conventions("linear")
RELU = Conventions("relu", 0)
RELU1 = Conventions("relu", 1)
