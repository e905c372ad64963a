"""Interval oracle: enclosures of the loss and the Hessian, compared by containment.

Backend: python-flint's ``arb`` (rigorous ball arithmetic) when it is installed (extra
``rigorous``), otherwise mpmath's ``iv`` (interval arithmetic that is careful but not
certified rigorous).  Every result names its backend.
"""

from __future__ import annotations

import itertools
from typing import Any

import mpmath
import sympy as sp

from numerics.compile import compile
from theory import stationary
from theory.conventions import RELU
from theory.hessian import hessian_coefficients, spectrum_at_min
from theory.symbols import S, n, r

from ..result import CheckResult

__all__ = [
    "backend",
    "check_hessian_quadratic_forms",
    "check_loss_lower_bound",
]


def backend() -> str:
    """``"python-flint arb (rigorous)"`` or ``"mpmath iv (not certified)"``."""
    try:
        import flint  # noqa: F401
    except ImportError:
        return "mpmath iv (not certified)"
    return "python-flint arb (rigorous)"


class _Iv:
    """A tiny facade over the two interval backends: interval(lo, hi), exact(x), sqrt."""

    def __init__(self, force_mpmath: bool = False) -> None:
        self.flint: Any = None
        if not force_mpmath:
            try:
                import flint

                self.flint = flint
            except ImportError:
                self.flint = None

    @property
    def name(self) -> str:
        if self.flint is not None:
            return "python-flint arb (rigorous)"
        return "mpmath iv (not certified)"

    def interval(self, lo: sp.Rational, hi: sp.Rational) -> Any:
        if self.flint is not None:
            a, b = self.exact(lo), self.exact(hi)
            mid = (a + b) / 2
            rad = (b - a) / 2
            return self.flint.arb(mid.mid(), (rad.mid() + rad.rad()) + mid.rad())
        return mpmath.iv.mpf([mpmath.mpf(lo.p) / lo.q, mpmath.mpf(hi.p) / hi.q])

    def exact(self, x: sp.Rational) -> Any:
        x = sp.Rational(x)
        if self.flint is not None:
            return self.flint.arb(self.flint.fmpq(int(x.p), int(x.q)))
        return mpmath.iv.mpf(x.p) / x.q

    def lower(self, v: Any) -> float:
        if self.flint is not None:
            return float(v.lower())
        return float(v.a)

    def contains(self, v: Any, x: sp.Rational) -> bool:
        if self.flint is not None:
            return bool(v.contains(self.exact(x)))
        xv = mpmath.mpf(sp.Rational(x).p) / sp.Rational(x).q
        return bool(v.a <= xv <= v.b)

    def sqrt(self, v: Any) -> Any:
        return v.sqrt() if self.flint is not None else mpmath.iv.sqrt(v)


def _loss_on_box(iv: _Iv, box: list[Any], n_: int) -> Any:
    """Enclosure of the linear-activation loss definition over a box (d = n)."""
    total = iv.exact(sp.Integer(0))
    for i in range(n_):
        sig = box[i]  # linear: sigma(a) = a; the bound is checked for the linear loss
        for mm, wm in enumerate(box):
            total = total + (wm * sig - iv.exact(sp.Integer(1 if mm == i else 0))) ** 2 / 2
    return total / n_


def _witness_gap(n_: int, claimed: sp.Rational) -> sp.Rational:
    """L(x_1) - claimed at the data point x_1 = e_1, with L from its definition in exact
    arithmetic (linear, d = n): a point of the model, not of the library.  A claimed
    minimum other than L(x_1) fails here; the boxes show that no point lies below it."""
    w = [sp.Integer(1) if i == 0 else sp.Integer(0) for i in range(n_)]
    total = sp.Integer(0)
    for i in range(n_):
        total += sum(((wm * w[i] - (1 if m == i else 0)) ** 2 for m, wm in enumerate(w)),
                     sp.Integer(0)) / 2
    return sp.nsimplify(sp.simplify(total / n_ - claimed))


def check_loss_lower_bound(n_: int = 2, depth: int = 7, half_width: int = 2,
                           force_mpmath: bool = False) -> CheckResult:
    """``minima.value``, two-sided: L >= m - eps on [-2, 2]^n (d = n, linear) by interval
    boxes, where m is the library's minimum value, and a witness attains m exactly (the
    data point x_1, evaluated by the loss definition): a claimed value too high fails the
    bound (boxes entirely below it) and the witness, one too low fails the witness.

    Branch and bound: a box is discarded when its enclosure's lower end is >= m - eps
    (eps = 1/50); otherwise it is split, to ``depth`` levels.  The check fails if a box's
    enclosure lies entirely below m, or if a box unresolved at the finest level does not
    touch the unit sphere (the near-minimisers are where ``minima.set`` says).  Outside the
    box L grows (r S term), so [-2, 2]^n contains every near-minimiser.
    """
    iv = _Iv(force_mpmath)
    tgt = sp.Rational(stationary.min_value()["value"].subs(n, n_))
    witness = _witness_gap(n_, tgt)
    eps = sp.Rational(1, 50)
    boxes = [[(sp.Integer(-half_width), sp.Integer(half_width))] * n_]
    unresolved = 0
    off_sphere = 0
    below = 0
    evaluated = 0
    for level in range(depth + 1):
        nxt = []
        for bx in boxes:
            ivs = [iv.interval(lo, hi) for lo, hi in bx]
            enc = _loss_on_box(iv, ivs, n_)
            evaluated += 1
            if iv_upper_below(iv, enc, tgt):
                below += 1
                continue
            if iv.lower(enc) >= float(tgt - eps):
                continue
            if level == depth:
                unresolved += 1
                off_sphere += not _touches_unit_sphere(bx)
                continue
            mids = [(lo + hi) / 2 for lo, hi in bx]
            for choice in itertools.product((0, 1), repeat=n_):
                nxt.append([(lo, mid) if c == 0 else (mid, hi)
                            for (lo, hi), mid, c in zip(bx, mids, choice, strict=True)])
        boxes = nxt
    status = "fail" if below or off_sphere or witness != 0 else "pass"
    return CheckResult(
        "interval lower bound of the loss on a box, and a witness", "interval", status,
        f"enclosures above the claimed minimum - {eps}, except boxes of side 4/2^{depth} that "
        "touch the shell ||w|| in [3/4, 5/4] around the claimed minimisers; the witness "
        "exactly (rational arithmetic)",
        {"backend": iv.name, "n": n_, "boxes_evaluated": evaluated,
         "boxes_entirely_below_target": below, "unresolved_boxes_at_depth": unresolved,
         "unresolved_boxes_off_the_unit_sphere": off_sphere,
         "claimed_minimum": str(tgt), "witness_minus_claim": str(witness)},
        "no box has an enclosure entirely below the claimed minimum, and the claimed "
        "minimiser attains it",
    )


NEAR_SPHERE = sp.Rational(1, 4)


def _touches_unit_sphere(box: list[tuple[sp.Rational, sp.Rational]]) -> bool:
    """Whether the box meets the shell 1 - 1/4 <= ||w|| <= 1 + 1/4 (exact rationals).

    Near the sphere L - min L = (||w||^2 - 1)^2/(2n) (linear, d = n) is below the
    resolution eps + the naive enclosure's overestimate (about one box width), so those
    boxes are legitimately unresolved; a box far from the sphere never is.
    """
    lo2 = sum((min(abs(lo), abs(hi)) ** 2 if lo * hi > 0 else 0 for lo, hi in box),
              sp.Integer(0))
    hi2 = sum((max(abs(lo), abs(hi)) ** 2 for lo, hi in box), sp.Integer(0))
    return bool(lo2 <= (1 + NEAR_SPHERE) ** 2 and hi2 >= (1 - NEAR_SPHERE) ** 2)


def iv_upper_below(iv: _Iv, enc: Any, tgt: sp.Rational) -> bool:
    if iv.flint is not None:
        return bool(enc < iv.exact(tgt))
    return bool(enc.b < mpmath.mpf(tgt.p) / tgt.q)


def check_hessian_quadratic_forms(
    cases: tuple[tuple[int, int, int], ...] = ((5, 4, 2), (6, 3, 1), (4, 4, 4)),
    force_mpmath: bool = False,
) -> CheckResult:
    """``hessian.spectrum_at_min``: enclosures of v^T H v at a minimum contain the library's
    eigenvalues (4/n, 0, 1/n).

    At the minimum w = (1, ..., 1, 0, ...)/sqrt(s) (s positive coordinates, relu'(0) = 0)
    the closed-form Hessian's Rayleigh quotients along w, along e_1 - e_2 (inside the
    support, orthogonal to w; s >= 2) and along a non-support axis are enclosed by interval
    arithmetic (1/sqrt(s) is irrational), and must contain the claimed eigenvalues.
    """
    iv = _Iv(force_mpmath)
    coef = hessian_coefficients()
    rows = []
    ok = True
    for d_, n_, s_ in cases:
        inv = iv.exact(sp.Integer(1)) / iv.sqrt(iv.exact(sp.Integer(s_)))
        zero = iv.exact(sp.Integer(0))
        w = [inv if i < s_ else zero for i in range(d_)]
        q = [1 if i < s_ else 0 for i in range(d_)]  # active set = support (relu'(0) = 0)
        s_val = sum((w[i] * w[i] for i in range(s_)), zero)
        r_val = sum((x * x for x in w), zero)
        c_id = _eval_coef(iv, coef["identity"], s_val, r_val, n_)
        c_out = _eval_coef(iv, coef["symmetric_outer"], s_val, r_val, n_)
        c_q = _eval_coef(iv, coef["Q"], s_val, r_val, n_)

        def quad(v: list[Any], w: list[Any] = w, q: list[int] = q, c_id: Any = c_id,
                 c_out: Any = c_out, c_q: Any = c_q, zero: Any = zero) -> Any:
            vw = sum((a * b for a, b in zip(v, w, strict=True)), zero)
            vqw = sum((v[i] * w[i] * q[i] for i in range(len(v))), zero)
            vv = sum((x * x for x in v), zero)
            vqv = sum((v[i] * v[i] * q[i] for i in range(len(v))), zero)
            return (c_id * vv + c_out * 2 * vw * vqw + c_q * vqv) / vv

        ev = [sp.Rational(e.subs(n, n_)) for e, _ in spectrum_at_min(RELU)]
        checks = [("along w", quad(w), ev[0])]
        if s_ >= 2:
            v = [iv.exact(sp.Integer(1)), iv.exact(sp.Integer(-1))] + [zero] * (d_ - 2)
            checks.append(("support, orthogonal to w", quad(v), ev[1]))
        if s_ < d_:
            v = [zero] * d_
            v[s_] = iv.exact(sp.Integer(1))
            checks.append(("off the support", quad(v), ev[2]))
        for label, enc, expected in checks:
            inside = iv.contains(enc, expected)
            ok &= inside
            rows.append({"d": d_, "n": n_, "s": s_, "direction": label,
                         "enclosure": str(enc), "expected": str(expected), "contained": inside})
    return CheckResult(
        "Rayleigh quotients at a minimum enclose the claimed eigenvalues", "interval",
        "pass" if ok else "fail", "containment of the exact value in the enclosure",
        {"backend": iv.name, "cases": rows},
    )


def _eval_coef(iv: _Iv, expr: sp.Expr, s_val: Any, r_val: Any, n_: int) -> Any:
    fn = compile(expr, (S, r, n), "arb" if iv.flint is not None else "iv")
    return fn(s_val, r_val, iv.exact(sp.Integer(n_)))
