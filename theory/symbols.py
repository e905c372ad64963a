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
    "SYMBOL_MEANINGS",
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
