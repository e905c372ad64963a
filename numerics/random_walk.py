"""Vectorised simulation of non-homogeneous random walks on [0, inf) (SPEC section 3).

A walk on R, or on [0, inf) with reflection X' = |X + xi|, whose increment xi has a
finite-support law depending on the state: a :class:`FiniteLaw` maps a vector of states to
values and probabilities of shape (K, paths).  Laws built from symbolic mu_1(x), mu_2(x)
(:func:`two_point_law`) are compiled once by :mod:`numerics.compile`.  Reflection by
absolute value keeps X'^2 = (X + xi)^2, so the identity
E[X_T^2] = X_0^2 + sum_t E[2 X_t mu_1(X_t) + mu_2(X_t)] holds exactly for the reflected
walk too, with mu_1, mu_2 the moments of the (unreflected) increment law actually used
(:func:`second_moment_check`).

**Seeding.**  Path i uses ``numerics.rng.seed_sequence(seed, i)``, the convention of the
SGD engine; uniforms are drawn in blocks of :data:`BLOCK_STEPS` steps per path, so path i
depends only on (seed, i), never on how many paths run together.

>>> import sympy as sp
>>> x = sp.Symbol("x", positive=True)
>>> law = two_point_law(sp.Rational(3, 4) / x, sp.Integer(1), x)
>>> res = simulate_walk(law, x0=1.0, steps=200, paths=4, seed=0)
>>> res.x.shape, bool(np.all(res.x >= 0))
((4,), True)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np
import sympy as sp

from theory.domain import DomainError, expression, integer, real

from .compile import compile
from .config import WalkConfig
from .resources import estimate_walk, require
from .rng import seed_sequence
from .stats import normal_quantile, wilson_interval

__all__ = [
    "BLOCK_STEPS",
    "FiniteLaw",
    "WalkResult",
    "escape_fraction",
    "lamperti_law",
    "return_growth",
    "second_moment_check",
    "simulate_walk",
    "two_point_law",
]

BLOCK_STEPS = 256
"""Uniforms are drawn per path in blocks of this many steps (part of the reproducibility
contract: changing it changes every path)."""

_Fn = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class FiniteLaw:
    """A state-dependent increment law with K support points.

    ``values(x)`` and ``probs(x)`` take a float array of states (paths,) and return arrays
    of shape (K, paths); probabilities must be >= 0 and sum to 1 along axis 0.  The law is
    evaluated at max(x, ``x_floor``): below ``x_floor`` the law at ``x_floor`` is used (a
    change on a bounded set, which does not change recurrence or transience).
    """

    values: _Fn
    probs: _Fn
    x_floor: float = 0.0
    description: str = ""

    def evaluate(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(values, probs) at max(x, x_floor), validated."""
        xe = np.maximum(np.asarray(x, dtype=float), self.x_floor)
        v = np.asarray(self.values(xe), dtype=float)
        pr = np.asarray(self.probs(xe), dtype=float)
        if v.shape != pr.shape or v.ndim != 2 or v.shape[1] != xe.shape[0]:
            raise DomainError("law", self.description, "values/probs of equal shape (K, paths)")
        if not (np.all(np.isfinite(v)) and np.all(np.isfinite(pr))):
            raise DomainError("law", self.description, "finite at every visited state")
        if np.any(pr < 0) or np.any(np.abs(pr.sum(axis=0) - 1) > 1e-9):
            raise DomainError("law", self.description, "probabilities >= 0 summing to 1")
        return v, pr

    def moments(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(mu_1(x), mu_2(x)) of the law actually used (after clipping)."""
        v, pr = self.evaluate(x)
        return (v * pr).sum(axis=0), (v * v * pr).sum(axis=0)


def _symbolic(name: str, value: Any) -> sp.Expr:
    """A SymPy expression, or a number made exact; strings are never parsed as code."""
    out: sp.Expr = expression(name, value)
    return out


def _vectorised(x: sp.Symbol, expr: sp.Expr) -> _Fn:
    f = compile(expr, (x,))

    def g(xx: np.ndarray) -> np.ndarray:
        return np.broadcast_to(np.asarray(f(xx), dtype=float), xx.shape)

    return g


@cache
def two_point_law(
    mu1: sp.Expr, mu2: sp.Expr, x: sp.Symbol, x_floor: float = 1.0
) -> FiniteLaw:
    """The two-point law x -> x +- sqrt(mu_2(x)) with P(+) = (1 + mu_1/sqrt(mu_2))/2.

    It has mean mu_1 and second moment mu_2 wherever |mu_1| <= sqrt(mu_2); elsewhere
    P(+) is clipped to [0, 1] (and the effective mu_1 is what :meth:`FiniteLaw.moments`
    reports).  ``mu1``, ``mu2`` are SymPy expressions in ``x`` (or numbers); both are
    compiled once (cached on the expressions).

    >>> import sympy as sp
    >>> x = sp.Symbol("x", positive=True)
    >>> law = two_point_law(1 / x, sp.Integer(4), x)
    >>> [m.tolist() for m in law.moments(np.array([2.0, 4.0]))]
    [[0.5, 0.25], [4.0, 4.0]]
    """
    m1 = _symbolic("mu_1", mu1)
    m2 = _symbolic("mu_2", mu2)
    if not isinstance(x, sp.Symbol):
        raise DomainError("x", x, "a SymPy Symbol")
    if m2.is_nonpositive:
        raise DomainError("mu_2", m2, "> 0")
    h = _vectorised(x, sp.sqrt(m2))
    drift = _vectorised(x, m1)

    def values(xx: np.ndarray) -> np.ndarray:
        hh = h(xx)
        return np.stack([hh, -hh])

    def probs(xx: np.ndarray) -> np.ndarray:
        pp = np.clip(0.5 * (1.0 + drift(xx) / h(xx)), 0.0, 1.0)
        return np.stack([pp, 1.0 - pp])

    return FiniteLaw(values, probs, x_floor, f"two-point law mu_1={m1}, mu_2={m2}")


def lamperti_law(c: float, s2: float, x_floor: float | None = None) -> FiniteLaw:
    """The SPEC family mu_1 = c/x, mu_2 = s2 as a two-point law (steps +-sqrt(s2)).

    ``x_floor`` defaults to sqrt(s2) (the first lattice site above 0).

    >>> lamperti_law(0.5, 1.0).moments(np.array([4.0]))[0].tolist()
    [0.125]
    """
    c = real("c", c)
    s2 = real("s2", s2, 0.0, low_open=True, what="a finite number > 0")
    x = sp.Symbol("x", positive=True)
    c_ = expression("c", c)
    s2_ = expression("s2", s2)
    floor = math.sqrt(s2) if x_floor is None else x_floor
    return two_point_law(c_ / x, s2_, x, float(floor))


@dataclass
class WalkResult:
    """Output of :func:`simulate_walk` (arrays over paths unless said otherwise)."""

    config: WalkConfig
    x: np.ndarray
    hit_time: np.ndarray  # step at which escape_level was reached, -1 if never
    mart: np.ndarray  # X_T^2 - X_0^2 - sum_t (2 X_t mu_1 + mu_2)(X_t)
    returns: np.ndarray  # entries into [0, return_radius]
    record_times: np.ndarray  # (R,)
    record_x: np.ndarray  # (R, paths)
    record_returns: np.ndarray  # (R, paths) cumulative returns at record times
    return_radius: float = 0.0
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def x0(self) -> float:
        return self.config.x0

    @property
    def steps(self) -> int:
        return self.config.steps

    @property
    def escape_level(self) -> float | None:
        return self.config.escape_level


class _WalkState:
    """The running arrays of :func:`simulate_walk`."""

    def __init__(self, config: WalkConfig, return_radius: float) -> None:
        paths = config.paths
        self.x = np.full(paths, float(config.x0))
        self.mart_sum = np.zeros(paths)
        self.returns = np.zeros(paths, dtype=np.int64)
        self.hit = np.full(paths, -1, dtype=np.int64)
        self.active = np.ones(paths, dtype=bool)
        self.radius = return_radius
        self.cols = np.arange(paths)

    def step(self, law: FiniteLaw, u: np.ndarray, t: int, config: WalkConfig) -> None:
        vals, pr = law.evaluate(self.x)
        m1 = (vals * pr).sum(axis=0)
        m2 = (vals * vals * pr).sum(axis=0)
        cum = np.cumsum(pr, axis=0)
        k = (u[None, :] >= cum[:-1]).sum(axis=0)
        new = self.x + vals[k, self.cols]
        if config.reflect:
            new = np.abs(new)
        was_out = self.x > self.radius
        self.mart_sum += np.where(self.active, 2.0 * self.x * m1 + m2, 0.0)
        self.x = np.where(self.active, new, self.x)
        self.returns += self.active & was_out & (self.x <= self.radius)
        if config.escape_level is not None:
            reached = self.active & (self.x >= config.escape_level)
            self.hit[reached] = t + 1
            self.active &= ~reached


def _default_radius(law: FiniteLaw) -> float:
    """Half the smallest nonzero step at the law's floor (on h Z: a return is a visit to 0)."""
    v0, _ = law.evaluate(np.array([law.x_floor]))
    return 0.5 * float(np.min(np.abs(v0[v0 != 0]))) if np.any(v0 != 0) else 0.0


def simulate_walk(law: FiniteLaw, x0: float, steps: int, paths: int, seed: int = 0,
                  reflect: bool = True, escape_level: float | None = None,
                  return_radius: float | None = None, records: int = 64, *,
                  max_memory: int | None = None, max_seconds: float | None = None
                  ) -> WalkResult:
    """Run ``paths`` independent walks from ``x0`` for ``steps`` steps (or until escape).

    The arguments are :class:`numerics.config.WalkConfig`'s.  With ``reflect`` the walk
    lives on [0, inf): X' = |X + xi|.  A path that reaches X >= ``escape_level`` is frozen
    there.  Returns are entries into [0, return_radius] (default: half the smallest nonzero
    step at x_floor, so on the lattice h Z a return is a visit to 0).  The request is
    refused before it allocates when it does not fit (``max_memory``, ``max_seconds``: see
    :mod:`numerics.resources`).

    >>> law = lamperti_law(0.0, 1.0)
    >>> a = simulate_walk(law, 3.0, 50, 3, seed=7).x
    >>> b = simulate_walk(law, 3.0, 50, 5, seed=7).x[:3]
    >>> bool(np.array_equal(a, b))
    True
    """
    config = WalkConfig(x0, steps, paths, seed, reflect, escape_level, return_radius, records)
    require(estimate_walk(config), max_memory, max_seconds)
    radius = _default_radius(law) if config.return_radius is None else config.return_radius
    rngs = [np.random.Generator(np.random.PCG64(seed_sequence(config.seed, i)))
            for i in range(config.paths)]
    st = _WalkState(config, radius)
    rec_idx = np.unique(np.geomspace(1, config.steps, num=min(config.records, config.steps))
                        .astype(np.int64))
    rec_x = np.empty((rec_idx.size, config.paths))
    rec_ret = np.empty((rec_idx.size, config.paths), dtype=np.int64)
    r_ptr = 0
    u = np.empty((config.paths, BLOCK_STEPS))
    for t in range(config.steps):
        if t % BLOCK_STEPS == 0:
            for i, g in enumerate(rngs):
                g.random(out=u[i])
        st.step(law, u[:, t % BLOCK_STEPS], t, config)
        if r_ptr < rec_idx.size and t + 1 == rec_idx[r_ptr]:
            rec_x[r_ptr] = st.x
            rec_ret[r_ptr] = st.returns
            r_ptr += 1
        if not st.active.any():
            rec_x[r_ptr:] = st.x
            rec_ret[r_ptr:] = st.returns
            break
    return WalkResult(
        config=config, x=st.x, hit_time=st.hit,
        mart=st.x * st.x - config.x0 * config.x0 - st.mart_sum,
        returns=st.returns, record_times=rec_idx, record_x=rec_x, record_returns=rec_ret,
        return_radius=radius,
        meta={"law": law.description, "seed": config.seed, "block_steps": BLOCK_STEPS},
    )


def escape_fraction(res: WalkResult, confidence: float = 0.95) -> dict[str, float | int]:
    """Share of paths that reached ``escape_level``, with a Wilson interval.

    >>> r = simulate_walk(lamperti_law(2.0, 1.0), 1.0, 400, 20, seed=1, escape_level=30.0)
    >>> escape_fraction(r)["escaped"] > 10
    True
    """
    if res.escape_level is None:
        raise DomainError("escape_level", None, "set in simulate_walk to measure escape")
    k = int((res.hit_time >= 0).sum())
    tot = int(res.hit_time.size)
    lo, hi = wilson_interval(k, tot, confidence)
    return {"escaped": k, "paths": tot, "fraction": k / tot, "ci_low": lo, "ci_high": hi,
            "confidence": confidence}


def return_growth(res: WalkResult) -> dict[str, Any]:
    """Mean number of returns to [0, return_radius] by time t, and its log-log growth rate.

    The exponent is the least-squares slope of log(mean returns + 1) against log t over
    the second half (in log t) of the record times: about 1/2 for a null-recurrent walk
    like the simple random walk, about 1 for a positive-recurrent one, about 0 for a
    transient one.
    """
    mean = res.record_returns.mean(axis=1)
    t = res.record_times.astype(float)
    half = t >= math.sqrt(t[-1]) if t[-1] > 1 else np.ones_like(t, dtype=bool)
    if half.sum() >= 2:
        slope = float(np.polyfit(np.log(t[half]), np.log1p(mean[half]), 1)[0])
    else:
        slope = float("nan")
    return {
        "times": t.tolist(),
        "mean_returns": mean.tolist(),
        "final_mean": float(mean[-1]),
        "final_se": float(res.record_returns[-1].std(ddof=1) / math.sqrt(res.x.size))
        if res.x.size > 1
        else float("nan"),
        "growth_exponent": slope,
    }


def second_moment_check(res: WalkResult, confidence: float = 0.99) -> dict[str, float | bool]:
    """The exact identity E[X_T^2] = X_0^2 + sum_t E[2 X_t mu_1(X_t) + mu_2(X_t)] in a CLT band.

    M = X_T^2 - X_0^2 - sum_t (2 X_t mu_1 + mu_2)(X_t) has mean exactly 0 (a martingale
    stopped at a bounded time; reflection keeps squares).  Passes when
    |mean(M)| <= z_{(1+confidence)/2} sd(M)/sqrt(paths).
    """
    m = res.mart
    nn = integer("paths", m.size, 2, what=">= 2 for a CLT band")
    mean = float(m.mean())
    se = float(m.std(ddof=1) / math.sqrt(nn))
    z = normal_quantile(confidence)
    zscore = mean / se if se > 0 else (0.0 if mean == 0 else math.inf)
    return {
        "mean": mean,
        "se": se,
        "z": zscore,
        "z_crit": z,
        "confidence": confidence,
        "passed": bool(abs(zscore) <= z),
        "mean_x2": float((res.x**2).mean()),
    }
