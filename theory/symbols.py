"""Every symbol and every convention of the project, in one place.

SPEC section 1.  The setting: n orthonormal data vectors x_1..x_n = e_1..e_n in R^d
(n <= d), a tied-weight single neuron f_w(x) = w sigma(<w, x>), per-sample loss
l_i(w) = 1/2 ||w sigma(a_i) - x_i||^2 with a_i = <w, x_i>, empirical loss
L = (1/n) sum_i l_i, SGD w <- w - (eta/b) sum_{i in B} grad l_i(w), gamma = eta/b.

>>> Conventions().describe()[0]
'activation: relu'
>>> Conventions(activation="tanh")
Traceback (most recent call last):
...
theory.errors.DomainError: activation='tanh' must be one of 'linear', 'relu'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import sympy as sp

from .errors import DomainError

__all__ = [
    "ACTIVATIONS",
    "NORMALISATIONS",
    "SYMBOL_MEANINGS",
    "S_B",
    "Activation",
    "Conventions",
    "P_plus",
    "S",
    "T",
    "a_i",
    "a_j",
    "a_k",
    "b",
    "d",
    "eta",
    "gamma",
    "m",
    "n",
    "p",
    "r",
    "s",
]

Activation = Literal["linear", "relu"]
ACTIVATIONS: tuple[str, ...] = ("linear", "relu")
NORMALISATIONS: tuple[str, ...] = ("mean",)

# Dimensions and counts.
d = sp.Symbol("d", positive=True, integer=True)
n = sp.Symbol("n", positive=True, integer=True)
s = sp.Symbol("s", positive=True, integer=True)
b = sp.Symbol("b", positive=True, integer=True)
# Step sizes: eta is the SGD step size, gamma = eta/b the per-sample rate.
eta = sp.Symbol("eta", positive=True)
gamma = sp.Symbol("gamma", positive=True)
# Reduced state.
r = sp.Symbol("r", nonnegative=True)
S = sp.Symbol("S", nonnegative=True)
S_B = sp.Symbol("S_B", nonnegative=True)
T = sp.Symbol("T", nonnegative=True)
# Generic data coordinates.
a_i = sp.Symbol("a_i", real=True)
a_j = sp.Symbol("a_j", real=True)
a_k = sp.Symbol("a_k", real=True)
# One-direction move probability of the log-ratio walk.
p = sp.Symbol("p", positive=True)
# Number of active coordinates at a general point, and |P+| (initially positive count).
m = sp.Symbol("m", nonnegative=True, integer=True)
P_plus = sp.Symbol("P_plus", positive=True, integer=True)

SYMBOL_MEANINGS: dict[str, str] = {
    "d": "ambient dimension (d >= n)",
    "n": "number of orthonormal data points x_1..x_n",
    "s": "number of nonzero (active) coordinates of a global minimum",
    "b": "batch size, 1 <= b <= n",
    "eta": "SGD step size (the update is w - (eta/b) sum_{i in B} grad l_i)",
    "gamma": "per-sample rate gamma = eta/b",
    "r": "squared norm r = ||w||^2",
    "S": "S = sum_i sigma(a_i)^2 over all data points",
    "S_B": "S_B = sum_{i in B} sigma(a_i)^2 over the batch",
    "T": "sum of sigma(a_m)^2 over the batch members other than j (or k)",
    "a_i": "data coordinate a_i = <w, x_i>",
    "a_j": "data coordinate a_j = <w, x_j>",
    "a_k": "data coordinate a_k = <w, x_k>",
    "p": "probability that j is in the batch and k is not",
    "m": "number of active data coordinates at w (linear: n; relu: #{i: a_i > 0})",
    "P_plus": "|P+|, the number of initially positive data coordinates (relu)",
}


@dataclass(frozen=True)
class Conventions:
    """The conventions a result depends on (SPEC section 1).

    activation
        ``"linear"`` (sigma(a) = a) or ``"relu"`` (sigma(a) = max(a, 0)).
    relu_prime_at_zero
        The value used for relu'(0): 0 (the default, as autodiff does) or 1 (the other
        one-sided derivative).  Only relu results at a kink depend on it.
    normalisation
        ``"mean"``: L = (1/n) sum_i l_i with l_i = 1/2 ||w sigma(a_i) - x_i||^2.  Every
        Hessian value scales with this choice; it is the only one offered.
    """

    activation: str = "relu"
    relu_prime_at_zero: int = 0
    normalisation: str = "mean"

    def __post_init__(self) -> None:
        if self.activation not in ACTIVATIONS:
            raise DomainError("activation", self.activation, "one of 'linear', 'relu'")
        if self.relu_prime_at_zero not in (0, 1):
            raise DomainError("relu_prime_at_zero", self.relu_prime_at_zero, "0 or 1")
        if self.normalisation not in NORMALISATIONS:
            raise DomainError("normalisation", self.normalisation, "'mean'")

    @property
    def is_relu(self) -> bool:
        return self.activation == "relu"

    def sigma(self, x: sp.Expr) -> sp.Expr:
        """sigma(x) as a SymPy expression (relu through Heaviside with H(0) pinned)."""
        if self.is_relu:
            return x * sp.Heaviside(x, self.relu_prime_at_zero)
        return x

    def sigma_prime(self, x: sp.Expr) -> sp.Expr:
        """sigma'(x) with the kink value pinned to ``relu_prime_at_zero``."""
        if self.is_relu:
            return sp.Heaviside(x, self.relu_prime_at_zero)
        return sp.Integer(1)

    def is_active(self, value: sp.Expr) -> bool:
        """Whether a coordinate with this (numeric) value counts as active.

        Linear: every data coordinate.  ReLU: a > 0, or a >= 0 when relu'(0) = 1.
        """
        if not self.is_relu:
            return True
        v = sp.sympify(value)
        return bool(v > 0) or bool(v == 0 and self.relu_prime_at_zero == 1)

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
