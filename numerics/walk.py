"""Vectorised simulation of non-homogeneous random walks, and the walks SGD induces.

SPEC section 3 (Lamperti walks) and section 2 (``walk.log_ratio``, ``walk.top_gap``).

**Generic walks.**  A walk on R, or on [0, inf) with reflection X' = |X + xi|, whose
increment xi has a finite-support law depending on the state: a :class:`FiniteLaw` maps
a vector of states to values and probabilities of shape (K, paths).  Laws compiled from
symbolic mu_1(x), mu_2(x) (:func:`two_point_law`) are lambdified once and cached.
Reflection by absolute value keeps X'^2 = (X + xi)^2, so the identity
E[X_T^2] = X_0^2 + sum_t E[2 X_t mu_1(X_t) + mu_2(X_t)] holds exactly for the reflected
walk too, with mu_1, mu_2 the moments of the (unreflected) increment law actually used
(:func:`second_moment_check`).

**Seeding.**  Path i uses ``numerics.rng.seed_sequence(root, i)``, the convention of the
SGD engine; uniforms are drawn in blocks of :data:`BLOCK_STEPS` steps per path, so path i
depends only on (root, i), never on how many paths run together.

**SGD walks.**  :func:`top_gap` and :func:`log_ratio` read the walks off coordinate
arrays; :func:`exact_log_ratio_law` evaluates the exact law of :mod:`theory.walk`;
:func:`simulate_sgd_top_gap` runs the SGD engine (:func:`numerics.sgd.simulate`) and
records G; :func:`empirical_log_ratio_increments` applies the engine's one-step map
(:func:`numerics.sgd.reduced_step`) to sampled batches.

>>> import sympy as sp
>>> x = sp.Symbol("x", positive=True)
>>> law = two_point_law(sp.Rational(3, 4) / x, sp.Integer(1), x)
>>> res = simulate_walk(law, x0=1.0, steps=200, paths=4, root=0)
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
from scipy import stats

from theory.errors import DomainError
from theory.symbols import Conventions
from theory.walk import log_ratio_increment_law

from .rng import seed_sequence, validate_root_seed

__all__ = [
    "BLOCK_STEPS",
    "FiniteLaw",
    "SGDWalkResult",
    "WalkResult",
    "empirical_log_ratio_increments",
    "escape_fraction",
    "exact_log_ratio_law",
    "lamperti_law",
    "log_ratio",
    "return_growth",
    "second_moment_check",
    "simulate_sgd_top_gap",
    "simulate_walk",
    "top_gap",
    "wilson_interval",
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


@cache
def _lambdified(x: sp.Symbol, expr: sp.Expr) -> _Fn:
    f = sp.lambdify(x, expr, modules="numpy")

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
    reports).  Both functions are lambdified once (cached on the expressions).

    >>> import sympy as sp
    >>> x = sp.Symbol("x", positive=True)
    >>> law = two_point_law(1 / x, sp.Integer(4), x)
    >>> [m.tolist() for m in law.moments(np.array([2.0, 4.0]))]
    [[0.5, 0.25], [4.0, 4.0]]
    """
    m1 = sp.sympify(mu1)
    m2 = sp.sympify(mu2)
    if m2.is_nonpositive:
        raise DomainError("mu_2", m2, "> 0")
    h = _lambdified(x, sp.sqrt(m2))
    drift = _lambdified(x, m1)

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
    if not math.isfinite(c):
        raise DomainError("c", c, "a finite real number")
    if not (math.isfinite(s2) and s2 > 0):
        raise DomainError("s2", s2, "> 0")
    x = sp.Symbol("x", positive=True)
    c_ = sp.nsimplify(c, rational=True)
    s2_ = sp.nsimplify(s2, rational=True)
    floor = math.sqrt(s2) if x_floor is None else x_floor
    return two_point_law(c_ / x, s2_, x, float(floor))


@dataclass
class WalkResult:
    """Output of :func:`simulate_walk` (arrays over paths unless said otherwise)."""

    x0: float
    x: np.ndarray
    steps: int
    hit_time: np.ndarray  # step at which stop_level was reached, -1 if never
    mart: np.ndarray  # X_T^2 - X_0^2 - sum_t (2 X_t mu_1 + mu_2)(X_t)
    returns: np.ndarray  # entries into [0, return_radius]
    record_times: np.ndarray  # (R,)
    record_x: np.ndarray  # (R, paths)
    record_returns: np.ndarray  # (R, paths) cumulative returns at record times
    stop_level: float | None = None
    reflect: bool = True
    return_radius: float = 0.0
    meta: dict[str, Any] = field(default_factory=dict)


def _validate_int(name: str, v: Any, lo: int) -> int:
    if isinstance(v, bool) or not isinstance(v, int | np.integer) or int(v) < lo:
        raise DomainError(name, v, f"an integer >= {lo}")
    return int(v)


def simulate_walk(
    law: FiniteLaw,
    x0: float,
    steps: int,
    paths: int,
    root: int = 0,
    reflect: bool = True,
    stop_level: float | None = None,
    return_radius: float | None = None,
    records: int = 64,
) -> WalkResult:
    """Run ``paths`` independent walks from ``x0`` for ``steps`` steps (or until ``stop_level``).

    With ``reflect`` the walk lives on [0, inf): X' = |X + xi|.  A path that reaches
    X >= ``stop_level`` is frozen there.  Returns are entries into [0, return_radius]
    (default: half the smallest nonzero step at x_floor, so on the lattice h Z a return is
    a visit to 0).

    >>> law = lamperti_law(0.0, 1.0)
    >>> a = simulate_walk(law, 3.0, 50, 3, root=7).x
    >>> b = simulate_walk(law, 3.0, 50, 5, root=7).x[:3]
    >>> bool(np.array_equal(a, b))
    True
    """
    steps = _validate_int("steps", steps, 1)
    paths = _validate_int("paths", paths, 1)
    root = validate_root_seed(root)
    if not math.isfinite(x0) or (reflect and x0 < 0):
        raise DomainError("x0", x0, ">= 0 (walk on [0, inf))" if reflect else "finite")
    if stop_level is not None and not (stop_level > (abs(x0) if not reflect else x0)):
        raise DomainError("stop_level", stop_level, f"> x0={x0}")
    if return_radius is None:
        v0, _ = law.evaluate(np.array([law.x_floor]))
        return_radius = 0.5 * float(np.min(np.abs(v0[v0 != 0]))) if np.any(v0 != 0) else 0.0
    rngs = [np.random.Generator(np.random.PCG64(seed_sequence(root, i))) for i in range(paths)]
    x = np.full(paths, float(x0))
    mart_sum = np.zeros(paths)
    returns = np.zeros(paths, dtype=np.int64)
    hit = np.full(paths, -1, dtype=np.int64)
    active = np.ones(paths, dtype=bool)
    rec_idx = np.unique(np.geomspace(1, steps, num=min(records, steps)).astype(np.int64))
    rec_x = np.empty((rec_idx.size, paths))
    rec_ret = np.empty((rec_idx.size, paths), dtype=np.int64)
    r_ptr = 0
    u = np.empty((paths, BLOCK_STEPS))
    cols = np.arange(paths)
    for t in range(steps):
        if t % BLOCK_STEPS == 0:
            for i, g in enumerate(rngs):
                g.random(out=u[i])
        vals, pr = law.evaluate(x)
        m1 = (vals * pr).sum(axis=0)
        m2 = (vals * vals * pr).sum(axis=0)
        cum = np.cumsum(pr, axis=0)
        k = (u[:, t % BLOCK_STEPS][None, :] >= cum[:-1]).sum(axis=0)
        step = vals[k, cols]
        was_out = x > return_radius
        new = x + step
        if reflect:
            new = np.abs(new)
        mart_sum += np.where(active, 2.0 * x * m1 + m2, 0.0)
        x = np.where(active, new, x)
        returns += active & was_out & (x <= return_radius)
        if stop_level is not None:
            reached = active & (x >= stop_level)
            hit[reached] = t + 1
            active &= ~reached
        if r_ptr < rec_idx.size and t + 1 == rec_idx[r_ptr]:
            rec_x[r_ptr] = x
            rec_ret[r_ptr] = returns
            r_ptr += 1
        if not active.any():
            rec_x[r_ptr:] = x
            rec_ret[r_ptr:] = returns
            break
    mart = x * x - x0 * x0 - mart_sum
    return WalkResult(
        x0=float(x0),
        x=x,
        steps=steps,
        hit_time=hit,
        mart=mart,
        returns=returns,
        record_times=rec_idx,
        record_x=rec_x,
        record_returns=rec_ret,
        stop_level=stop_level,
        reflect=reflect,
        return_radius=return_radius,
        meta={"law": law.description, "root": root, "block_steps": BLOCK_STEPS},
    )


def wilson_interval(k: int, total: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion (scipy.stats.binomtest).

    >>> lo, hi = wilson_interval(50, 100)
    >>> round(lo, 4), round(hi, 4)
    (0.4038, 0.5962)
    """
    if total < 1:
        raise DomainError("total", total, ">= 1")
    if not 0 < confidence < 1:
        raise DomainError("confidence", confidence, "in (0, 1)")
    ci = stats.binomtest(int(k), int(total)).proportion_ci(confidence, method="wilson")
    return float(ci.low), float(ci.high)


def escape_fraction(
    res: WalkResult, confidence: float = 0.95
) -> dict[str, float | int]:
    """Share of paths that reached ``stop_level``, with a Wilson interval.

    >>> r = simulate_walk(lamperti_law(2.0, 1.0), 1.0, 400, 20, root=1, stop_level=30.0)
    >>> escape_fraction(r)["escaped"] > 10
    True
    """
    if res.stop_level is None:
        raise DomainError("stop_level", None, "set in simulate_walk to measure escape")
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
    nn = m.size
    if nn < 2:
        raise DomainError("paths", nn, ">= 2 for a CLT band")
    mean = float(m.mean())
    se = float(m.std(ddof=1) / math.sqrt(nn))
    z = float(stats.norm.ppf(0.5 + confidence / 2))
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


# --------------------------------------------------------------------------------------
# The walks induced by SGD (SPEC walk.log_ratio, walk.top_gap)
# --------------------------------------------------------------------------------------


def _magnitudes(a: np.ndarray, activation: str) -> np.ndarray:
    if activation == "relu":
        return np.where(a > 0, a, 0.0)
    if activation == "linear":
        return np.abs(a)
    raise DomainError("activation", activation, "one of 'linear', 'relu'")


def top_gap(a: np.ndarray, activation: str = "relu") -> np.ndarray:
    """G = log(a_(1)/a_(2)) >= 0 per row (SPEC ``walk.top_gap``), re-ranked per call.

    a_(1) >= a_(2) are the two largest active magnitudes (relu: positive coordinates;
    linear: |a_i|).  G = inf when fewer than two coordinates are active (or the second
    has underflowed to 0), nan when none is.

    >>> top_gap(np.array([[0.5, 0.25, -3.0], [1.0, 0.0, 0.0]])).tolist()
    [0.6931471805599453, inf]
    >>> top_gap(np.array([0.5, 0.25, -3.0]), "linear").tolist()
    1.791759469228055
    """
    arr = np.asarray(a, dtype=float)
    if arr.shape[-1] < 2:
        raise DomainError("a.shape[-1]", arr.shape[-1], ">= 2")
    v = _magnitudes(arr, activation)
    top2 = np.partition(v, -2, axis=-1)[..., -2:]
    a1 = top2[..., 1]
    a2 = top2[..., 0]
    safe1 = np.where(a1 > 0, a1, 1.0)
    safe2 = np.where(a2 > 0, a2, 1.0)
    g = np.log(safe1) - np.log(safe2)
    return np.where(a1 > 0, np.where(a2 > 0, g, np.inf), np.nan)


def log_ratio(a: np.ndarray, j: int, k: int) -> np.ndarray:
    """D_jk = log|a_j| - log|a_k| per row (SPEC ``walk.log_ratio``); both must be nonzero.

    >>> float(log_ratio(np.array([2.0, -1.0]), 0, 1))
    0.6931471805599453
    """
    arr = np.asarray(a, dtype=float)
    aj = np.abs(arr[..., j])
    ak = np.abs(arr[..., k])
    if np.any(aj == 0) or np.any(ak == 0):
        raise DomainError("(a_j, a_k)", "contains 0", "nonzero (log-ratio undefined)")
    return np.log(aj) - np.log(ak)


def exact_log_ratio_law(
    a: Any,
    j: int,
    k: int,
    eta: float,
    b: int,
    perp2: float = 0.0,
    activation: str = "relu",
    schedule: str = "random",
) -> tuple[np.ndarray, np.ndarray]:
    """The exact law of D' - D (``theory.walk.log_ratio_increment_law``) as float arrays.

    Returns (values, probabilities) sorted by value; the state is converted to exact
    rationals (the binary value of each float), so the law is that of the float state.

    >>> v, p = exact_log_ratio_law([0.5, 0.25, 0.125], 0, 1, 0.2, 1)
    >>> [round(float(z), 6) for z in p]
    [0.333333, 0.333333, 0.333333]
    """
    if not (isinstance(eta, int | float) and eta > 0):
        raise DomainError("eta", eta, "> 0")
    gamma_ = sp.Rational(eta) / b if isinstance(eta, int) else sp.nsimplify(eta) / b
    law = log_ratio_increment_law(
        [float(v) for v in np.asarray(a, dtype=float)], j, k, gamma_, b,
        float(perp2), Conventions(activation), schedule,
    )
    items = sorted((float(v), float(w)) for v, w in law.items())
    return np.array([v for v, _ in items]), np.array([w for _, w in items])


def empirical_log_ratio_increments(
    a: Any,
    j: int,
    k: int,
    eta: float,
    b: int,
    draws: int,
    schedule: str = "random",
    perp: float = 0.0,
    activation: str = "relu",
    root: int = 0,
) -> np.ndarray:
    """D' - D over ``draws`` independent batches from one fixed state (the engine's step).

    Batches come from :class:`numerics.schedules.Schedule` (stream ``batches`` of seed 0
    under ``root``), the step from :func:`numerics.sgd.reduced_step`: the same code the
    simulator runs.  Used to compare D's empirical law with :func:`exact_log_ratio_law`.

    >>> st = [0.5, 0.25, 0.125, 0.1]
    >>> inc = empirical_log_ratio_increments(st, 0, 1, 0.2, 1, 64)
    >>> v, _ = exact_log_ratio_law(st, 0, 1, 0.2, 1)
    >>> bool(np.all(np.min(np.abs(inc[:, None] - v[None, :]), axis=1) < 1e-12))
    True
    """
    from .rng import seed_streams
    from .schedules import Schedule
    from .sgd import reduced_step

    draws = _validate_int("draws", draws, 1)
    a0 = np.asarray(a, dtype=float)
    n = a0.size
    sch = Schedule(schedule, n, b)
    rng = seed_streams(validate_root_seed(root), 0)["batches"] if sch.random else None
    blocks = []
    got = 0
    q = 0
    while got < draws:
        blk = sch.draw_block([rng], q)[0]
        blocks.append(blk)
        got += blk.shape[0]
        q += 1
    batch = np.concatenate(blocks)[:draws]
    state = np.broadcast_to(a0, (draws, n))
    new, _ = reduced_step(state, np.full(draws, float(perp)), batch, eta / b, activation)
    return log_ratio(new, j, k) - log_ratio(a0, j, k)


@dataclass
class SGDWalkResult:
    """Top-gap walks of independent SGD runs (one path per seed)."""

    n: int
    b: int
    eta: float
    schedule: str
    steps: int
    escape_level: float
    g0: np.ndarray
    g_final: np.ndarray
    escape_time: np.ndarray  # first record step with G >= escape_level, -1 if never
    record_times: np.ndarray
    record_g: np.ndarray  # (R, paths)
    moved: np.ndarray  # |G changed| > moved_tol at some record time or at the end
    moved_tol: float = 1e-9
    engine: str = "numerics.sgd"
    diverged: int = 0

    @property
    def eligible(self) -> np.ndarray:
        """Runs with a finite initial gap: >= 2 active coordinates at init (relu may have
        fewer: then G is undefined or already infinite and the walk is not defined)."""
        return np.isfinite(self.g0)

    @property
    def escaped(self) -> np.ndarray:
        return (self.escape_time >= 0) & self.eligible

    def summary(self, confidence: float = 0.95) -> dict[str, Any]:
        """Fractions over the eligible runs, with Wilson intervals at ``confidence``."""
        elig = self.eligible
        paths = int(elig.sum())
        if paths == 0:
            raise DomainError("paths", 0, "at least one run with >= 2 active coordinates")
        k_esc = int(self.escaped.sum())
        k_mov = int((self.moved & elig).sum())
        lo, hi = wilson_interval(k_esc, paths, confidence)
        mlo, mhi = wilson_interval(k_mov, paths, confidence)
        gf = self.g_final[elig]
        return {
            "paths": paths,
            "excluded_paths": int((~elig).sum()),
            "escaped_fraction": k_esc / paths,
            "escaped_ci": [lo, hi],
            "moved_fraction": k_mov / paths,
            "moved_ci": [mlo, mhi],
            "confidence": confidence,
            "escape_level": self.escape_level,
            "median_escape_time": float(np.median(self.escape_time[self.escaped]))
            if k_esc
            else None,
            # runs left with no active coordinate (a first step past the bound flipped
            # every positive coordinate: large ||w_0|| and eta), G undefined at the end
            "dead_runs": int(np.isnan(gf).sum()),
            "median_final_gap": float(np.nanmedian(gf)) if np.isfinite(gf).any() or
            np.isinf(gf).any() else None,
            "median_initial_gap": float(np.median(self.g0[elig])),
            "engine": self.engine,
            "diverged_runs": self.diverged,
        }


def simulate_sgd_top_gap(
    n: int,
    b: int,
    eta: float,
    steps: int,
    paths: int,
    schedule: str = "random",
    root: int = 0,
    activation: str = "relu",
    d: int | None = None,
    s0: float = 1.0,
    escape_level: float = math.log(1e6),
    records: int = 64,
    moved_tol: float = 1e-9,
) -> SGDWalkResult:
    """The top gap G = log(a_(1)/a_(2)) of ``paths`` independent SGD runs (SPEC ``walk.top_gap``).

    Path i is SGD seed i under root ``root``, run by :func:`numerics.sgd.simulate` (reduced
    engine, ``d`` defaults to n); G is read off the coordinates at about 2 ``records``
    record steps (log- and linearly spaced, 0 and ``steps`` included) and re-ranked at each.
    A run escaped if G >= ``escape_level`` (default log 10^6) at some record step;
    ``moved`` marks runs whose G changed by more than ``moved_tol`` at some record step.
    Under b = n (``full``) G is constant (``gd.ratio_invariance``); under b < n it
    escapes (``sgd.sparse_limit``).

    >>> r = simulate_sgd_top_gap(4, 4, 0.5, 100, 8, schedule="full")
    >>> r.summary()["moved_fraction"]
    0.0
    """
    n = _validate_int("n", n, 2)
    b = _validate_int("batch_size", b, 1)
    if b > n:
        raise DomainError("batch_size", b, f"an integer in [1, n={n}]")
    steps = _validate_int("steps", steps, 1)
    paths = _validate_int("paths", paths, 1)
    root = validate_root_seed(root)
    if not (isinstance(eta, int | float) and math.isfinite(eta) and 0 < eta < b / 2):
        raise DomainError("eta", eta, f"in (0, b/2 = {b / 2}) (stability at x_k: 1 - 4 eta/b)")
    if not (math.isfinite(escape_level) and escape_level > 0):
        raise DomainError("escape_level", escape_level, "> 0 and finite")
    dd = n if d is None else _validate_int("d", d, n)
    grid = np.concatenate([
        np.geomspace(1, steps, num=min(records, steps)),
        np.linspace(0, steps, num=min(records, steps) + 1),
    ])
    rec_idx = np.unique(np.round(grid).astype(np.int64))
    from .sgd import simulate

    res = simulate(
        dd, n, b, float(eta), steps, paths, activation=activation, schedule=schedule,
        init_scale=s0, root_seed=root, checkpoints=0, record_steps=rec_idx.tolist(),
    )
    rec_idx = np.asarray(res.record_steps, dtype=np.int64)
    with np.errstate(divide="ignore", under="ignore"):
        rec = top_gap(res.record_a, activation)  # (R, paths)
    g0 = rec[0]
    passed = rec >= escape_level
    esc = np.where(passed.any(axis=0), rec_idx[np.argmax(passed, axis=0)], -1)
    with np.errstate(invalid="ignore"):
        diff = np.abs(rec - g0[None, :])
        # inf - inf is nan (no move), compared as False
        moved = np.any(diff > moved_tol, axis=0)
    return SGDWalkResult(
        n=n, b=b, eta=float(eta), schedule=schedule, steps=steps, escape_level=escape_level,
        g0=g0, g_final=rec[-1], escape_time=esc, record_times=rec_idx, record_g=rec,
        moved=moved, moved_tol=moved_tol, engine="numerics.sgd.simulate (reduced)",
        diverged=int((res.diverged_at >= 0).sum()),
    )
