"""A lemma of one's own, as a claim ``aesgd verify`` checks (docs/tutorial.md).

Lemma (the loss along the first data direction).  For w = t x_1 with t >= 0, any d >= n,
relu or linear activation,

    L(t x_1) = ((t^2 - 1)^2 + n - 1) / (2n),

so along that ray the loss is smallest at t = 1, where it is the global minimum value
(n - 1)/(2n).

The formula under test (the claim's ``subject``) is :func:`ray_loss`.  Two routes:

* ``symbolic``: the model's explicit loss (``theory.model.explicit_loss``, the model's
  definition) restricted to the ray, minus :func:`ray_loss`, simplifies to 0 for
  n = 1..4 (exact, SymPy);
* ``high-precision`` (independent): the loss written from its definition at 50 digits
  (``proofs_check.oracles.pure.loss``) at 12 rational points t and n = 1..5 against
  :func:`ray_loss` in exact rationals; tolerance 1e-40 (the 50-digit evaluation of a
  polynomial of degree 4 with |t| <= 3 rounds at about 1e-48).

Run it:  aesgd verify --claims-from docs/examples/ray_lemma.py --claims ray.loss
"""

from __future__ import annotations

from fractions import Fraction

import mpmath
import sympy as sp

from proofs_check import Budget, Check, CheckResult, Claim
from proofs_check.oracles.pure import loss
from theory.conventions import LINEAR, RELU
from theory.model import explicit_loss

T = sp.Symbol("t", nonnegative=True)


def ray_loss(t: object, n: int | sp.Symbol) -> sp.Expr:
    """The lemma's closed form ((t^2 - 1)^2 + n - 1)/(2n), exact."""
    if not isinstance(t, sp.Basic):
        t = sp.Rational(Fraction(t))  # type: ignore[arg-type]  # ints and Fractions
    size = sp.Integer(n) if isinstance(n, int) else n  # a number or a SymPy symbol
    return ((t**2 - 1) ** 2 + size - 1) / (2 * size)


def symbolic_route(budget: Budget) -> CheckResult:
    """The explicit loss on the ray minus the closed form, simplified, for n = 1..4."""
    residues = {}
    for n in range(1, 5):
        for conventions in (RELU, LINEAR):
            expr, w = explicit_loss(n + 1, n, conventions)
            on_ray = expr.subs({w[0]: T, **{w[i]: 0 for i in range(1, n + 1)}})
            residues[f"n={n},{conventions.activation}"] = str(sp.simplify(on_ray
                                                                           - ray_loss(T, n)))
    ok = all(r == "0" for r in residues.values())
    return CheckResult("ray.symbolic", "symbolic", "pass" if ok else "fail", "exact",
                       {"residues": residues}, "explicit loss on the ray = closed form")


def high_precision_route(budget: Budget) -> CheckResult:
    """50-digit loss from the definition at 12 points t, n = 1..5, against the closed
    form in exact rationals."""
    worst = mpmath.mpf(0)
    for n in range(1, 6):
        for k in range(12):
            t = Fraction(k, 4)
            exact = ray_loss(sp.Rational(t.numerator, t.denominator), n)
            for conventions in (RELU, LINEAR):
                value = loss([t] + [0] * n, n, conventions, dps=50)
                with mpmath.workdps(50):
                    err = abs(value - mpmath.mpf(int(exact.p)) / int(exact.q))
                worst = max(worst, err)
    ok = worst < mpmath.mpf("1e-40")
    return CheckResult("ray.high_precision", "high-precision", "pass" if ok else "fail",
                       "1e-40 (50-digit evaluation of a quartic)",
                       {"max_abs_error": mpmath.nstr(worst, 3)},
                       "50-digit loss from the definition = closed form")


def claims() -> list[Claim]:
    """The claims of this module (``aesgd verify --claims-from`` calls this)."""
    return [Claim(
        id="ray.loss",
        title="Loss along the first data direction",
        statement="For w = t x_1 with t >= 0: L = ((t^2 - 1)^2 + n - 1)/(2n).",
        latex=r"L(t x_1) = \frac{(t^2 - 1)^2 + n - 1}{2n}",
        provenance="derived",
        conventions=("relu or linear",),
        checks=(
            Check(symbolic_route, "symbolic", "explicit loss on the ray, simplified",
                  relies_on=("loss definition",)),
            Check(high_precision_route, "high-precision", "50-digit loss at 60 points",
                  relies_on=("loss definition",), independent=True),
        ),
        subject=(ray_loss,),
    )]
