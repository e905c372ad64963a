"""Every symbol and every convention of the project, in one place.

SPEC section 1.  The setting: n orthonormal data vectors x_1..x_n = e_1..e_n in R^d
(n <= d), a tied-weight single neuron f_w(x) = w sigma(<w, x>), per-sample loss
l_i(w) = 1/2 ||w sigma(a_i) - x_i||^2 with a_i = <w, x_i>, empirical loss
L = (1/n) sum_i l_i, SGD w <- w - (eta/b) sum_{i in B} grad l_i(w), gamma = eta/b.

The conventions themselves (:class:`theory.conventions.Conventions`) live in
:mod:`theory.conventions`, which does not import SymPy.

>>> sorted(SYMBOL_MEANINGS)[:3]
['P_plus', 'S', 'S_B']
"""

from __future__ import annotations

from typing import Literal

import sympy as sp

__all__ = [
    "SYMBOL_LATEX_NAMES",
    "SYMBOL_MEANINGS",
    "SYMBOL_MEANINGS_LATEX",
    "S_B",
    "Activation",
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
    "s": "support size of a global minimum (its number of nonzero coordinates)",
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
    "m": "number of active data coordinates at w (rank of Q): linear n; relu #{i: a_i > 0}, "
         "or #{i: a_i >= 0} under relu'(0) = 1 (at a minimum: m = s for relu with "
         "relu'(0) = 0, m = n otherwise)",
    "P_plus": "|P+|, the number of initially positive data coordinates (relu)",
}

SYMBOL_LATEX_NAMES: dict[str, str] = {
    "P_plus": r"\lvert P_+ \rvert",
    "Qw": r"(Q w)",
    "(Qw)^T": r"(Q w)^{T}",
}
"""How a symbol prints in LaTeX when its name does not say it (``P_plus`` is |P+|)."""

SYMBOL_MEANINGS_LATEX: dict[str, str] = {
    "d": r"ambient dimension ($d \ge n$)",
    "n": r"number of orthonormal data points $x_1, \dots, x_n$",
    "s": r"support size of a global minimum (its number of nonzero coordinates)",
    "m": r"number of active data coordinates at $w$ (the rank of $Q$): $n$ for linear; "
         r"$\#\{i : a_i > 0\}$ for relu, or $\#\{i : a_i \ge 0\}$ under "
         r"$\mathrm{relu}'(0) = 1$ (at a minimum $m = s$ for relu with "
         r"$\mathrm{relu}'(0) = 0$, $m = n$ otherwise)",
    "P_plus": r"number of initially positive data coordinates (relu)",
    "b": r"batch size, $1 \le b \le n$",
    "eta": r"SGD step size (the update is $w - \frac{\eta}{b} \sum_{i \in B} "
           r"\nabla \ell_i(w)$)",
    "gamma": r"per-sample rate $\eta / b$",
    "p": r"probability that $j$ is in the batch and $k$ is not",
    "w": r"weight vector in $\mathbb{R}^d$",
    "w^T": r"transpose of $w$",
    "x_i": r"the $i$-th data point, $e_i$",
    "a_i": r"data coordinate $\langle w, x_i \rangle$",
    "a_j": r"data coordinate $\langle w, x_j \rangle$",
    "a_k": r"data coordinate $\langle w, x_k \rangle$",
    "r": r"squared norm $\|w\|^2$",
    "S": r"$\sum_{i=1}^{n} \sigma(a_i)^2$, over all data points",
    "S_B": r"$\sum_{i \in B} \sigma(a_i)^2$, over the batch $B$",
    "T": r"$\sigma(a_i)^2$ summed over the batch members $i$ other than $j$ (or $k$)",
    "rho": r"norm of the active part of $w$",
    "Q": r"projector on the active data directions, $Q = \sum_{i \text{ active}} "
         r"x_i x_i^{T}$",
    "Qw": r"the vector $Q$ times $w$",
    "(Qw)^T": r"transpose of $Q w$",
    "I": r"identity on $\mathbb{R}^d$",
    "c": r"drift constant of the Lamperti walk, $\mu_1(x) = c / x$",
    "s_2": r"second moment of its increments, $\mu_2(x) = s_2$",
    "x": r"state of the Lamperti walk",
}
"""The meaning of every symbol that can appear in an exported equation, as LaTeX prose (the
symbol glossary of :mod:`theory.latex`); :data:`SYMBOL_MEANINGS` says the same in ASCII."""
