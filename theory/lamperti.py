"""Classify non-homogeneous random walks on [0, inf): Lamperti's criteria and exact series.

SPEC section 3 (provenance ``classical``; Menshikov, Popov, Wade, *Non-homogeneous Random
Walks*, CUP 2016, chapter 3).  For a Markov process on [0, inf) with increment moments
mu_1(x) = E[dX | X = x] and mu_2(x) = E[dX^2 | X = x], bounded increments and mu_2 bounded
below and above:

* transient if 2 x mu_1 - mu_2 >= eps > 0 eventually;
* recurrent if 2 x mu_1 <= mu_2 eventually;
* positive recurrent if 2 x mu_1 + mu_2 <= -eps eventually (and null recurrent if
  recurrent with 2 x mu_1 + mu_2 >= 0 eventually).

:func:`classify_lamperti` takes the SymPy limits of 2 x mu_1 - mu_2 and 2 x mu_1 + mu_2 as
x -> oo; on a critical line (a limit equal to 0) it tries the logarithmic refinement
(transient iff log x (2 x mu_1 / mu_2 - 1) -> L > 1; positive recurrent iff
log x (-2 x mu_1 / mu_2 - 1) -> L > 1; one further log log level) before answering
``undecided``.  Hypotheses that fail (mu_2 -> 0, mu_2 -> oo, unbounded support) give
``undecided``, never a verdict.

:func:`classify_birth_death` decides a birth-death chain on {0, 1, 2, ...} from its exact
series: recurrent iff sum_k prod_{i<=k} q_i/p_i diverges, positive recurrent iff the
stationary-measure series sum_k prod_{i<=k} p_{i-1}/q_i converges.

>>> from sympy import Rational, Symbol
>>> x = Symbol("x", positive=True)
>>> classify_lamperti(Rational(3, 4) / x, 1, x).classification
'transient'
>>> classify_birth_death(Rational(1, 2) + Rational(3, 8) / x, x).classification
'transient'
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import mpmath
import sympy as sp

from .compile import compile
from .domain import DomainError, expression

__all__ = [
    "CLASSIFICATIONS",
    "Classification",
    "SeriesTest",
    "birth_death_moments",
    "classify_birth_death",
    "classify_lamperti",
    "first_valid_site",
    "lamperti_family",
    "series_convergence",
]

CLASSIFICATIONS: tuple[str, ...] = (
    "transient",
    "null-recurrent",
    "positive-recurrent",
    "undecided",
)

_X = sp.Symbol("x", positive=True)
_REF = "Menshikov-Popov-Wade, Non-homogeneous Random Walks (CUP 2016), ch. 3"


@dataclass(frozen=True)
class Classification:
    """A verdict on a walk: ``classification`` is one of :data:`CLASSIFICATIONS`.

    ``criterion`` says in words which test decided (or why none did); ``margin`` is the
    distance of the deciding limit from its threshold (None when undecided, ``inf`` when
    the limit is infinite); ``details`` holds the limits that were computed (as strings
    and floats, so the object serialises to JSON).
    """

    classification: str
    criterion: str
    margin: float | None
    provenance: str = "classical"
    details: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.classification not in CLASSIFICATIONS:  # pragma: no cover - programming error
            raise ValueError(f"unknown classification {self.classification!r}")

    @property
    def recurrent(self) -> bool | None:
        """True / False when decided, None when undecided."""
        if self.classification == "undecided":
            return None
        return self.classification != "transient"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _symbol(name: str, x: object) -> sp.Symbol:
    """``x`` itself if it is a SymPy Symbol (a name given as a string is refused)."""
    if not isinstance(x, sp.Symbol):
        raise DomainError(name, x, "a SymPy Symbol")
    return x


def _num(v: sp.Expr) -> float:
    if v is sp.oo:
        return float("inf")
    if v is sp.S.NegativeInfinity:
        return float("-inf")
    return float(v)


def _finite_real(v: sp.Expr) -> bool:
    return bool(v.is_real) and bool(v.is_finite)


def _limit(expr: sp.Expr, x: sp.Symbol) -> sp.Expr | None:
    """lim_{x -> oo} expr, or None when SymPy cannot decide or the limit does not exist."""
    try:
        lim = sp.limit(sp.simplify(expr), x, sp.oo)
    except (NotImplementedError, ValueError, TypeError):  # pragma: no cover - SymPy gaps
        return None
    if lim.has(sp.AccumBounds) or lim.has(sp.Limit) or lim is sp.nan or lim is sp.zoo:
        return None
    if lim in (sp.oo, sp.S.NegativeInfinity) or _finite_real(lim):
        return lim
    return None


def lamperti_family(c: sp.Expr | float, s2: sp.Expr | float) -> tuple[sp.Expr, sp.Expr, sp.Symbol]:
    """(mu_1, mu_2, x) for the SPEC family mu_1 = c/x, mu_2 = s2 (s2 > 0).

    >>> lamperti_family(1, 2)
    (1/x, 2, x)
    """
    c_ = expression("c", c)
    s2_ = expression("s2", s2)
    if not (s2_.is_real and s2_ > 0):
        raise DomainError("s2", s2, "> 0 (mu_2 must be bounded below)")
    if not c_.is_real:
        raise DomainError("c", c, "a real number")
    return c_ / _X, s2_, _X


def _iterated_logs(base: sp.Expr, x: sp.Symbol, depth: int) -> tuple[sp.Expr | None, int, str]:
    """The first limit != 1 along Q_1 = log x * base, Q_{m+1} = log^{(m+1)} x (Q_m - 1).

    log^{(m)} is the m-times iterated logarithm.  This is the Bertrand - de Morgan scale
    used both by the log refinement of Lamperti's criteria and by Bertrand's series test.
    Returns (limit or None, level, text); limit None or 1 at the last level means undecided.
    """
    q = sp.log(x) * base
    ell = sp.log(x)
    text = ""
    lim: sp.Expr | None = None
    for level in range(1, depth + 1):
        lim = _limit(q, x)
        text = f"level {level} of the iterated-log scale -> {lim}"
        if lim is None or lim != 1:
            return lim, level, text
        ell = sp.log(ell)
        q = ell * (q - 1)
    return lim, depth, text


def _log_refinement(
    ratio: sp.Expr, x: sp.Symbol, sign: int, depth: int = 3
) -> tuple[str | None, sp.Expr | None, str]:
    """The logarithmic scale on a critical line.

    With R = sign * 2 x mu_1 / mu_2 (so R -> 1 on the line), level 1 is
    Q_1 = log x (R - 1), level 2 is Q_2 = log log x (Q_1 - 1), and so on.  The first
    level whose limit differs from 1 decides: > 1 is the "strong" side (transience for
    sign = +1, positive recurrence for sign = -1), < 1 the other side.  Level 1 is the
    condition 2 x mu_1 -+ (1 + (1 + eps)/log x) mu_2 of MPW chapter 3.  Returns
    (side or None, limit, text).
    """
    lim, _level, text = _iterated_logs(sign * ratio - 1, x, depth)
    if lim is None or lim == 1:
        return None, lim, text + " (undecided)"
    return ("strong" if lim > 1 else "weak"), lim, text


def classify_lamperti(
    mu1: sp.Expr | float,
    mu2: sp.Expr | float,
    x: sp.Symbol = _X,
    support: Sequence[sp.Expr] | None = None,
) -> Classification:
    """Lamperti's classification of a walk on [0, inf) from mu_1(x), mu_2(x) (SPEC section 3).

    ``support`` (optional) lists the increment values as expressions in x; if any of them
    is unbounded as x -> oo the hypotheses fail and the answer is ``undecided``.  mu_2
    must tend to a finite positive limit (bounded below and above); otherwise
    ``undecided``.  Positive recurrence needs mu_2 >= 0, so 2 x mu_1 + mu_2 <= -eps
    implies 2 x mu_1 <= mu_2 (recurrence).

    >>> from sympy import Rational
    >>> classify_lamperti(Rational(-1, 4) / _X, 1).classification
    'null-recurrent'
    >>> classify_lamperti(-1 / _X, 1).classification
    'positive-recurrent'
    >>> v = classify_lamperti(Rational(1, 2) / _X + 1 / (_X * sp.log(_X)), 1)
    >>> v.classification, v.criterion.split(": ")[-1]
    ('transient', 'level 1 of the iterated-log scale -> 2 > 1, transient')
    """
    m1 = expression("mu_1", mu1)
    m2 = expression("mu_2", mu2)
    _symbol("x", x)
    details: dict[str, Any] = {"mu_1": str(m1), "mu_2": str(m2)}
    if support is not None:
        for v in support:
            lim = _limit(sp.Abs(expression("support", v)), x)
            if lim is None or lim is sp.oo:
                return Classification(
                    "undecided",
                    f"hypothesis fails: increment {v} is not bounded as x -> oo",
                    None,
                    details=details,
                )
    l2 = _limit(m2, x)
    details["lim_mu_2"] = None if l2 is None else str(l2)
    if l2 is None or l2 is sp.oo:
        return Classification(
            "undecided",
            "hypothesis fails: mu_2 is not bounded as x -> oo (unbounded increments)",
            None,
            details=details,
        )
    if l2 <= 0:
        return Classification(
            "undecided",
            "hypothesis fails: mu_2 is not bounded below by a positive constant",
            None,
            details=details,
        )
    a = _limit(2 * x * m1 - m2, x)
    bb = _limit(2 * x * m1 + m2, x)
    details["lim_2x_mu1_minus_mu2"] = None if a is None else str(a)
    details["lim_2x_mu1_plus_mu2"] = None if bb is None else str(bb)
    if a is None or bb is None:
        return Classification(
            "undecided", "limit of 2 x mu_1 -+ mu_2 not found by SymPy", None, details=details
        )
    if a > 0:
        return Classification(
            "transient",
            f"2 x mu_1 - mu_2 -> {a} > 0 (Lamperti)",
            _num(a),
            details=details,
        )
    if bb < 0:
        return Classification(
            "positive-recurrent",
            f"2 x mu_1 + mu_2 -> {bb} < 0 (Lamperti)",
            _num(-bb),
            details=details,
        )
    ratio = 2 * x * m1 / m2
    if a < 0 and bb > 0:
        return Classification(
            "null-recurrent",
            f"2 x mu_1 - mu_2 -> {a} < 0 and 2 x mu_1 + mu_2 -> {bb} > 0 (Lamperti)",
            min(_num(-a), _num(bb)),
            details=details,
        )
    if a == 0:
        side, lim, text = _log_refinement(ratio, x, +1)
        details["log_refinement"] = text
        head = f"critical line 2 x mu_1 - mu_2 -> 0; log refinement (MPW ch. 3): {text}"
        if side is None or lim is None:
            return Classification("undecided", head, None, details=details)
        if side == "strong":
            return Classification(
                "transient", f"{head} > 1, transient", _num(lim - 1), details=details
            )
        # recurrent; bb = 2 l2 > 0 here, so not positive recurrent
        return Classification(
            "null-recurrent",
            f"{head} < 1, recurrent (and 2 x mu_1 + mu_2 -> {bb} > 0)",
            _num(1 - lim),
            details=details,
        )
    # bb == 0: the null / positive recurrence line (a = -2 l2 < 0, so recurrent)
    side, lim, text = _log_refinement(ratio, x, -1)
    details["log_refinement"] = text
    head = f"critical line 2 x mu_1 + mu_2 -> 0; log refinement (MPW ch. 3): {text}"
    if side is None or lim is None:
        return Classification("undecided", head, None, details=details)
    if side == "strong":
        return Classification(
            "positive-recurrent",
            f"{head} > 1, positive recurrent",
            _num(lim - 1),
            details=details,
        )
    return Classification(
        "null-recurrent", f"{head} < 1, null recurrent", _num(1 - lim), details=details
    )


# --------------------------------------------------------------------------------------
# Birth-death chains: exact series
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SeriesTest:
    """Outcome of a convergence test for sum_k prod_{i<=k} rho_i.

    ``verdict`` is "converges", "diverges" or "undecided"; ``test`` names the test
    (ratio, Raabe-Gauss, Bertrand, or closed form); ``margin`` the distance of its limit
    from the threshold; ``value`` the sum (float) when it converges and was evaluated.
    """

    verdict: str
    test: str
    margin: float | None
    value: float | None = None


def series_convergence(rho: sp.Expr, i: sp.Symbol, depth: int = 3) -> SeriesTest:
    """Convergence of sum_k prod_{i<=k} rho_i from the asymptotics of rho_i (i -> oo).

    Ratio test (lim rho != 1), then Raabe-Gauss with A = lim i (1 - rho_i): converges
    iff A > 1 when A != 1; then, on the line A = 1, the Bertrand - de Morgan scale:
    B_1 = lim log i (i (1 - rho_i) - 1), B_2 = lim log log i (B_1(i) - 1), ... up to
    ``depth`` levels; the first B_m != 1 decides (converges iff B_m > 1).  (Gauss's
    O(i^-2) remainder gives B_1 = 0, divergence.)  Otherwise undecided.

    >>> k = sp.Symbol("k", positive=True)
    >>> series_convergence((k - 1) / (k + 1), k).verdict
    'converges'
    >>> series_convergence(k / (k + 1), k).verdict
    'diverges'
    """
    rho = expression("rho", rho)
    _symbol("i", i)
    lim0 = _limit(rho, i)
    if lim0 is None:
        return SeriesTest("undecided", "ratio test: lim rho_i not found", None)
    if lim0 != 1:
        v = "converges" if lim0 < 1 else "diverges"
        return SeriesTest(v, f"ratio test: rho_i -> {lim0}", abs(_num(lim0) - 1))
    raabe = _limit(i * (1 - rho), i)
    if raabe is None:
        return SeriesTest("undecided", "Raabe test: lim i (1 - rho_i) not found", None)
    if raabe != 1:
        v = "converges" if raabe > 1 else "diverges"
        return SeriesTest(v, f"Raabe-Gauss test: i (1 - rho_i) -> {raabe}", abs(_num(raabe) - 1))
    bert, _level, text = _iterated_logs(i * (1 - rho) - 1, i, depth)
    if bert is None or bert == 1:
        return SeriesTest("undecided", f"Bertrand-de Morgan test: {text}", None)
    v = "converges" if bert > 1 else "diverges"
    return SeriesTest(
        v,
        f"Bertrand-de Morgan test: i (1 - rho_i) -> 1, {text}",
        abs(_num(bert) - 1),
    )


def first_valid_site(p_x: sp.Expr, x: sp.Symbol, search: int = 10_000) -> int:
    """The least integer x0 >= 1 with 0 < p_x < 1 for every integer x >= x0.

    Found from SymPy's solution set of {p_x <= 0} union {p_x >= 1} on [1, oo) when it can
    solve it, else by scanning 1..search and requiring 0 < lim p_x < 1.

    >>> first_valid_site(sp.Rational(1, 2) + sp.Rational(3, 2) / _X, _X)  # c = 3: p_x < 1 iff x > 3
    4
    """
    p_x = expression("p_x", p_x)
    _symbol("x", x)
    xr = sp.Symbol("x_r", real=True)
    expr = p_x.subs(x, xr)
    try:
        bad = sp.Union(
            sp.solveset(expr <= 0, xr, sp.Interval(1, sp.oo)),
            sp.solveset(expr >= 1, xr, sp.Interval(1, sp.oo)),
        )
        if bad is sp.S.EmptySet:
            return 1
        sup = bad.sup
        if sup.is_finite:
            return int(sp.floor(sup)) + 1
        raise DomainError("p_x", p_x, "in (0, 1) for all large x")
    except (NotImplementedError, TypeError, ValueError) as exc:
        if isinstance(exc, DomainError):
            raise
    lim = _limit(p_x, x)
    if lim is None or not (0 < lim < 1):
        raise DomainError("p_x", p_x, "with a limit in (0, 1) as x -> oo")
    x0 = 1
    value = _site_values(p_x, x)
    with mpmath.workdps(30):
        for m in range(1, search + 1):
            try:
                v = value(m)
                ok = bool(mpmath.isfinite(v)) and 0 < v < 1
            except (ZeroDivisionError, ValueError, TypeError):
                ok = False
            if not ok:
                x0 = m + 1
    return x0


def _site_values(p_x: sp.Expr, x: sp.Symbol) -> Callable[[int], Any]:
    """k -> p_x at x = k in mpmath: compiled when the compiler prints p_x, else SymPy's own
    evaluation (cos, sin, ...), at the working precision."""
    try:
        fn = compile(p_x, (x,), "mpmath")
    except DomainError:
        return lambda k: mpmath.mpf(str(sp.N(p_x.subs(x, k), mpmath.mp.dps)))
    return lambda k: fn(mpmath.mpf(k))


def _mp_value(expr: sp.Expr, x: sp.Symbol, k: int) -> Any:
    """expr at x = k in mpmath at the working precision (through :mod:`theory.compile`)."""
    return compile(expr, (x,), "mpmath")(mpmath.mpf(k))


def birth_death_moments(p_x: sp.Expr) -> tuple[sp.Expr, sp.Expr]:
    """(mu_1, mu_2) of a +-1 birth-death chain: mu_1 = p - q = 2 p - 1, mu_2 = 1.

    >>> birth_death_moments(sp.Rational(1, 2) + sp.Rational(1, 2) / _X)
    (1/x, 1)
    """
    p_x = expression("p_x", p_x)
    return sp.expand(2 * p_x - 1), sp.Integer(1)


def _closed_form_sum(rho: sp.Expr, i: sp.Symbol, x0: int) -> sp.Expr | None:
    """sum_{k >= x0} prod_{i=x0}^k rho_i in closed form, if SymPy finds one."""
    k = sp.Symbol("k_", integer=True, positive=True)
    try:
        prod = sp.product(rho, (i, x0, k))
        if prod.has(sp.Product):
            return None
        tot = sp.summation(prod, (k, x0, sp.oo))
    except (NotImplementedError, ValueError, TypeError):  # pragma: no cover
        return None
    if tot.has(sp.Sum) or tot.has(sp.Product):
        return None
    if tot is sp.oo:
        return tot
    if tot.is_finite and tot.is_positive:
        return tot
    return None


def _nsum(rho: sp.Expr, i: sp.Symbol, x0: int,
          dps: int = 30) -> float:  # pragma: no mutate - a precision setting
    """sum_{k >= x0} prod_{i=x0}^k rho_i by mpmath.nsum (only called once convergence is proved)."""
    # Levin's transform raises the working precision internally, so partial products are
    # cached per precision (a product cached at a lower precision would spoil it).
    cache: dict[int, list[Any]] = {}

    def term(kk: Any) -> Any:
        m = int(kk) - x0
        prods = cache.setdefault(mpmath.mp.prec, [_mp_value(rho, i, x0)])
        while len(prods) <= m:
            prods.append(prods[-1] * _mp_value(rho, i, x0 + len(prods)))
        return prods[m]

    with mpmath.workdps(dps):
        # Levin's u-transform handles the slowly (polynomially) converging tails met here,
        # where Richardson/Shanks are off in the second digit.
        return float(mpmath.nsum(term, [x0, mpmath.inf], method="levin"))


def classify_birth_death(
    p_x: sp.Expr | float,
    x: sp.Symbol = _X,
    closed_form: bool = True,
    evaluate: bool = False,
) -> Classification:
    """Recurrence of a birth-death chain on {0, 1, ...} with up-probability p_x (exact series).

    The chain moves x -> x + 1 with probability p_x and x -> x - 1 with q_x = 1 - p_x;
    0 is reflecting (p_0 = 1).  Where p_x is not in (0, 1) (small x, e.g. p_x = 1/2 +
    c/(2x) for x <= |c|), p_x is replaced by 1/2 below x0 = :func:`first_valid_site`:
    a change at finitely many sites, which does not change recurrence; the criterion
    says so.  Then

    * recurrent iff R = sum_{k>=x0} prod_{i=x0}^k q_i/p_i diverges;
    * positive recurrent iff Pi = sum_{k>=x0} prod_{i=x0}^k p_i/q_{i+1} converges.

    Each series is decided by SymPy's closed form when it finds one (``closed_form``),
    else by :func:`series_convergence`; with ``evaluate`` a convergent series is also
    summed by mpmath.nsum.  For p_x = 1/2 + c/(2x): transient iff 2c > 1, positive
    recurrent iff 2c < -1.

    >>> classify_birth_death(sp.Rational(1, 2) - 1 / _X, closed_form=False).classification
    'positive-recurrent'
    """
    p = expression("p_x", p_x)
    _symbol("x", x)
    if not p.has(x) and not (0 < p < 1):
        raise DomainError("p_x", p_x, "in (0, 1)")
    x0 = first_valid_site(p, x)
    rho = sp.simplify((1 - p) / p)
    pi_ratio = sp.simplify(p / (1 - p.subs(x, x + 1)))
    m1, m2 = birth_death_moments(p)
    details: dict[str, Any] = {
        "p_x": str(p),
        "x0": x0,
        "rho": str(rho),
        "mu_1": str(m1),
        "mu_2": str(m2),
    }
    clip = "" if x0 == 1 else f"; p_x replaced by 1/2 for 1 <= x < {x0} (p_x not in (0,1) there)"

    def decide(r: sp.Expr, name: str) -> SeriesTest:
        t = series_convergence(r, x)
        if closed_form:
            tot = _closed_form_sum(r, x, x0)
            if tot is not None:
                verdict = "diverges" if tot is sp.oo else "converges"
                if t.verdict not in ("undecided", verdict):  # pragma: no cover - a SymPy bug
                    return SeriesTest("undecided", f"closed form {tot} contradicts {t.test}", None)
                value = None if tot is sp.oo else float(tot)
                return SeriesTest(verdict, f"closed form: {name} = {tot}; {t.test}", t.margin,
                                  value)
        if t.verdict == "converges" and evaluate:
            return SeriesTest(t.verdict, t.test, t.margin, _nsum(r, x, x0))
        return t

    rec = decide(rho, "sum prod q/p")
    details["recurrence_series"] = asdict(rec)
    if rec.verdict == "undecided":
        return Classification(
            "undecided", f"recurrence series: {rec.test}{clip}", None, details=details
        )
    if rec.verdict == "converges":
        return Classification(
            "transient",
            f"sum_k prod q_i/p_i converges ({rec.test}){clip}",
            rec.margin,
            details=details,
        )
    pos = decide(pi_ratio, "sum prod p_i/q_(i+1)")
    details["stationary_series"] = asdict(pos)
    if pos.verdict == "undecided":
        return Classification(
            "undecided",
            f"recurrent; stationary series: {pos.test}{clip}",
            None,
            details=details,
        )
    if pos.verdict == "converges":
        return Classification(
            "positive-recurrent",
            f"sum prod q/p diverges ({rec.test}); stationary series converges ({pos.test}){clip}",
            pos.margin,
            details=details,
        )
    margins = [m for m in (rec.margin, pos.margin) if m is not None]
    return Classification(
        "null-recurrent",
        f"sum prod q/p diverges ({rec.test}); stationary series diverges ({pos.test}){clip}",
        min(margins) if margins else None,
        details=details,
    )
