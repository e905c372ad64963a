"""Hypothesis strategies that *build* parameters and states inside each claim's hypotheses.

A researcher's kit for property tests of their own lemmas (``pip install "aesgd[property]"``
or the ``test`` extra provide Hypothesis).  Nothing here filters with ``assume``: every
constraint of a claim is met by construction.  Every strategy can be called with no
arguments; the examples below draw one value each.

>>> from hypothesis import find
>>> setup = find(sgd_setups(), lambda s: True)
>>> 1 <= setup.b <= setup.n <= setup.d and setup.gamma < 0.5
True
>>> state = find(minimum_states(conventions=(RELU1,)), lambda m: m.s < m.n)
>>> (state.s, state.m) == (state.s, state.n)  # relu'(0) = 1: zero coordinates are active
True

Parameters and starts

* :func:`model_parameters`: (d, n, b, eta, schedule, conventions) inside the hypotheses of
  the SGD claims: n, then d >= n, then b in [1, n], a schedule valid for that b, and
  gamma = eta/b below the stability bound (1/2, or 1/(2b) for ``replacement``).
* :func:`sgd_setups`: the same with an explicit start ``init`` and a root seed.  The start
  w_0 is built rather than drawn from the Gaussian initialisation, so that the hypotheses
  hold for *every* example:

  - every data coordinate satisfies 0.05 <= |a_i(0)| <= 1 (no coordinate sits on or next
    to the relu kink, so "initially active" is unambiguous at the support threshold);
  - at least one a_i(0) > 0 (relu: not a dead start, SPEC ``relu.dead_init``);
  - ||w_0||^2 in [0.1, 1.5] (< 2: with r(0) > 2 the relu positive coordinates can collapse
    before the norm shrinks and SGD stops at a dead point, so P1 needs a bounded start;
    the paper's N(0, I/d) start has r(0) ~ 1).

  ``replacement`` with b >= 2 can draw x_k several times; c copies give the radial
  multiplier 1 - 4 c gamma, so the stable rate there is gamma < 1/(2 b): its rate is
  drawn in [0.2, 0.45]/b.
* :func:`initialisations`: the paper's Gaussian start w_0 ~ N(0, s0^2/d I_d) for given
  (or drawn) d, as floats from a drawn seed.

States

* :func:`minimum_states` and :func:`near_minimum_states`: points on the minimum manifold
  (unit vectors of span(x_i) with ``s`` nonzero coordinates, nonnegative for relu), exactly
  in rationals (stereographic projection gives rational unit vectors), and small
  perturbations of them.  Two counts, two names: ``s`` is the number of **nonzero**
  coordinates (the sparsity of the paper), ``m`` the number of **active** coordinates
  under the conventions (``theory.hessian.active_count_at_min``): m = s for relu with
  relu'(0) = 0, m = n for linear and for relu with relu'(0) = 1.  The Hessian formulas at
  a minimum are in terms of m.
* :func:`kink_points`: points with some data coordinates exactly 0 (on the relu kink) and
  the others away from it, for statements about the conventions at the kink.
* :func:`rational_points`: random rational w with data coordinates away from the kink, for
  exact (SymPy) and 50-digit (mpmath) identities.
* :func:`walk_states`: states of the log-ratio walk (SPEC ``walk.*``).

The oracles that judge what these strategies draw are pure functions in
:mod:`proofs_check.oracles.pure`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

try:
    from hypothesis import strategies as st
except ImportError as exc:  # pragma: no cover - only without the extra
    raise ImportError("proofs_check.strategies needs Hypothesis: pip install "
                      "'aesgd[property]' (or the 'test' extra)") from exc

from theory.conventions import LINEAR, RELU, RELU1, Conventions

__all__ = [
    "ALL_CONVENTIONS",
    "CONVENTIONS",
    "PAPER_FULL",
    "PAPER_SMALL",
    "MinimumState",
    "ModelParameters",
    "SGDSetup",
    "WalkState",
    "initialisations",
    "kink_points",
    "minimum_states",
    "model_parameters",
    "near_minimum_states",
    "rational_points",
    "rational_unit_vector",
    "sgd_setups",
    "walk_states",
]

CONVENTIONS: tuple[Conventions, ...] = (RELU, LINEAR)
"""The default conventions of the strategies: relu with relu'(0) = 0 (the paper's) and
linear."""
ALL_CONVENTIONS: tuple[Conventions, ...] = (RELU, RELU1, LINEAR)
"""Every convention the library knows, relu with relu'(0) = 1 included."""
SMALL_BATCH_SCHEDULES = ("random", "replacement", "reshuffle", "cyclic")


@dataclass(frozen=True)
class ModelParameters:
    """(d, n, b, eta, schedule, conventions) of one SGD configuration, in the library's
    vocabulary (``batch_size`` = b, ``step_size`` = eta)."""

    d: int
    n: int
    b: int
    eta: float
    schedule: str
    conventions: Conventions

    @property
    def gamma(self) -> float:
        """The per-sample rate eta/b."""
        return self.eta / self.b

    def kwargs(self) -> dict[str, object]:
        """Keyword arguments of :func:`numerics.sgd.simulate` (add ``steps`` and
        ``seeds``)."""
        return {"d": self.d, "n": self.n, "batch_size": self.b, "step_size": self.eta,
                "schedule": self.schedule, "conventions": self.conventions}


@dataclass(frozen=True)
class SGDSetup:
    """One valid SGD configuration with an explicit start ``init`` (shape (d,))."""

    d: int
    n: int
    b: int
    gamma: float
    conventions: Conventions
    schedule: str
    init: tuple[float, ...]
    seed: int

    @property
    def eta(self) -> float:
        return self.gamma * self.b

    @property
    def w0(self) -> np.ndarray:
        return np.array(self.init)

    @property
    def a0(self) -> np.ndarray:
        return self.w0[: self.n]

    @property
    def parameters(self) -> ModelParameters:
        return ModelParameters(self.d, self.n, self.b, self.eta, self.schedule,
                               self.conventions)

    def kwargs(self) -> dict[str, object]:
        """Keyword arguments of :func:`numerics.sgd.simulate` (one seed, given start)."""
        return {
            "d": self.d,
            "n": self.n,
            "batch_size": self.b,
            "step_size": self.eta,
            "seeds": 1,
            "conventions": self.conventions,
            "schedule": self.schedule,
            "init": self.w0,
            "seed": self.seed,
            "checkpoints": 0,
        }


def _paper_init(d: int, n: int, seed: int) -> tuple[float, ...]:
    """A Gaussian N(0, I/d) start for the paper-like @example settings (fixed seed)."""
    w = np.random.default_rng(seed).standard_normal(d) / math.sqrt(d)
    return tuple(float(x) for x in w)


#: Paper-like settings (d = 40, n = 20) for @example: b = 1 (random) and b = n (full).
PAPER_SMALL = SGDSetup(40, 20, 1, 0.4, RELU, "random", _paper_init(40, 20, 2308), 2308)
PAPER_FULL = SGDSetup(40, 20, 20, 0.2, RELU, "full", _paper_init(40, 20, 2308), 2308)


@st.composite
def _start(draw: st.DrawFn, d: int, n: int) -> tuple[float, ...]:
    """w_0 with 0.05 <= |a_i| <= 1, some a_k > 0 and ||w_0||^2 in [0.1, 1.5], built."""
    # values on a grid of 1/1000 (no subnormal floats: tests run under errstate(all="raise"))
    mags = [m / 1000 for m in draw(st.lists(st.integers(50, 1000), min_size=n, max_size=n))]
    signs = draw(st.lists(st.sampled_from((-1.0, 1.0)), min_size=n, max_size=n))
    k = draw(st.integers(0, n - 1))
    signs[k] = 1.0  # at least one initially positive coordinate, by construction
    a = np.array([m * s for m, s in zip(mags, signs, strict=True)])
    perp = np.array(
        [p / 1000 for p in draw(st.lists(st.integers(-1000, 1000), min_size=d - n,
                                         max_size=d - n))]
    )
    target = draw(st.integers(100, 1500)) / 1000
    # Scale the orthogonal part first: it may take up to half of the target mass; then
    # rescale everything so that ||w||^2 = target while every |a_i| keeps its ratios.
    pn2 = float(perp @ perp)
    if pn2 > 0:
        share = draw(st.integers(0, 500)) / 1000
        perp = perp * math.sqrt(share * float(a @ a) / pn2)
    norm2 = float(a @ a + perp @ perp)
    scale = math.sqrt(target / norm2)
    w = np.concatenate([a, perp]) * scale
    return tuple(float(x) for x in w)


@st.composite
def sgd_setups(
    draw: st.DrawFn,
    batch: str = "any",
    max_n: int = 6,
    max_extra_d: int = 3,
    schedules: tuple[str, ...] = SMALL_BATCH_SCHEDULES,
    conventions: tuple[Conventions, ...] = CONVENTIONS,
    gamma_range: tuple[float, float] = (0.3, 0.45),
    cyclic_coprime: bool = True,
) -> SGDSetup:
    """A valid configuration: n, then d >= n, then b, then gamma inside the bound.

    ``batch``: ``"any"`` (b in [1, n]), ``"small"`` (b in [1, n - 1], n >= 2) or ``"full"``
    (b = n, schedule ``full``).  With b = n the schedule is ``full``; with b < n it is drawn
    from ``schedules``.  ``gamma_range`` must lie inside (0, 1/2).  With ``batch="small"``
    and ``cyclic_coprime`` a cyclic schedule gets a b with gcd(b, n) = 1 (the hypothesis
    of P3 for cyclic order; P7's test passes ``cyclic_coprime=False``).
    """
    lo_g, hi_g = gamma_range
    if not 0 < lo_g <= hi_g < 0.5:
        raise ValueError(f"{gamma_range=} must lie inside (0, 1/2)")
    n = draw(st.integers(2, max_n))
    d = n + draw(st.integers(0, max_extra_d))
    if batch == "full":
        b = n
        schedule = "full"
    elif batch == "small":
        schedule = draw(st.sampled_from(schedules))
        if schedule == "cyclic" and cyclic_coprime:
            # P3 holds for cyclic only when gcd(b, n) = 1 (SPEC cyclic.blocks): built, b = 1
            # is always coprime
            b = draw(st.sampled_from([k for k in range(1, n) if math.gcd(k, n) == 1]))
        else:
            b = draw(st.integers(1, n - 1))
    elif batch == "any":
        b = draw(st.integers(1, n))
        schedule = "full" if b == n else draw(st.sampled_from(schedules))
    else:
        raise ValueError(f"{batch=} must be 'any', 'small' or 'full'")
    gamma = draw(st.integers(round(lo_g * 1000), round(hi_g * 1000))) / 1000
    if schedule == "replacement":
        gamma = gamma / b  # c copies of x_k give multiplier 1 - 4 c gamma
    conv = draw(st.sampled_from(conventions))
    init = draw(_start(d, n))
    root = draw(st.integers(0, 2**32 - 1))
    return SGDSetup(d, n, b, gamma, conv, schedule, init, root)


def model_parameters(batch: str = "any", max_n: int = 6, max_extra_d: int = 3,
                     schedules: tuple[str, ...] = SMALL_BATCH_SCHEDULES,
                     conventions: tuple[Conventions, ...] = CONVENTIONS,
                     gamma_range: tuple[float, float] = (0.3, 0.45)
                     ) -> st.SearchStrategy[ModelParameters]:
    """(d, n, b, eta, schedule, conventions) inside the SGD claims' hypotheses: the
    parameters of :func:`sgd_setups` (same arguments) without the start."""
    return sgd_setups(batch, max_n, max_extra_d, schedules, conventions,
                      gamma_range).map(lambda setup: setup.parameters)


@st.composite
def initialisations(draw: st.DrawFn, d: int | None = None, max_d: int = 50,
                    init_scale: float = 1.0) -> np.ndarray:
    """The paper's start w_0 ~ N(0, init_scale^2/d I_d), float64, from a drawn seed (d
    drawn in [1, max_d] unless given).  Unlike :func:`sgd_setups` nothing keeps it off
    the kink or away from a dead relu start: it is what the library's own
    ``init_scale`` start draws, for statements about typical starts."""
    dim = draw(st.integers(1, max_d)) if d is None else d
    seed = draw(st.integers(0, 2**32 - 1))
    return np.random.default_rng(seed).standard_normal(dim) * init_scale / math.sqrt(dim)


def rational_unit_vector(t: list[Fraction]) -> list[Fraction]:
    """Inverse stereographic projection: a rational unit vector in R^(len(t) + 1).

    (2 t, |t|^2 - 1)/(|t|^2 + 1) has norm exactly 1 for every rational t.
    """
    q = sum((x * x for x in t), Fraction(0))
    return [2 * x / (q + 1) for x in t] + [(q - 1) / (q + 1)]


@dataclass(frozen=True)
class MinimumState:
    """A point w of R^d (exact rationals) with data coordinates w[:n]."""

    d: int
    n: int
    conventions: Conventions
    w: tuple[Fraction, ...]
    support: tuple[int, ...]

    @property
    def s(self) -> int:
        """The number of nonzero data coordinates (the sparsity)."""
        return len(self.support)

    @property
    def m(self) -> int:
        """The number of active data coordinates under the conventions: s for relu with
        relu'(0) = 0, n for linear and for relu with relu'(0) = 1 (at a minimum every
        a_i >= 0, and relu'(0) = 1 counts the zeros as active); the Hessian at a minimum
        depends on m (``theory.hessian.active_count_at_min``)."""
        if self.conventions.is_relu and self.conventions.relu_prime_at_zero == 0:
            return self.s
        return self.n

    def floats(self) -> np.ndarray:
        return np.array([float(x) for x in self.w])


_small_fraction = st.fractions(min_value=-3, max_value=3, max_denominator=12)


@st.composite
def minimum_states(draw: st.DrawFn, max_n: int = 6, max_extra_d: int = 3,
                   conventions: tuple[Conventions, ...] = CONVENTIONS) -> MinimumState:
    """A global minimum: a rational unit vector of span(x_i) with s nonzero coordinates.

    relu: every coordinate >= 0 (SPEC ``minima.set``); linear: any signs.  s is drawn in
    [1, n]; the nonzero coordinates are exactly nonzero (a zero of the projection is
    moved by construction: the parameters are drawn away from the values that give 0).
    """
    n = draw(st.integers(1, max_n))
    d = n + draw(st.integers(0, max_extra_d))
    conv = draw(st.sampled_from(conventions))
    s = draw(st.integers(1, n))
    support = tuple(sorted(draw(st.permutations(list(range(n))))[:s]))
    if s == 1:
        vals = [Fraction(1)]
    else:
        # t with nonzero entries and |t| != 1 gives nonzero rational coordinates
        t = [
            Fraction(draw(st.integers(1, 9)), draw(st.integers(1, 9)))
            * draw(st.sampled_from((-1, 1)))
            for _ in range(s - 1)
        ]
        if sum(x * x for x in t) == 1:
            t[0] = t[0] * 2
        vals = rational_unit_vector(t)
    if conv.is_relu:
        vals = [abs(v) for v in vals]
    w = [Fraction(0)] * d
    for idx, v in zip(support, vals, strict=True):
        w[idx] = v
    return MinimumState(d, n, conv, tuple(w), support)


@st.composite
def near_minimum_states(draw: st.DrawFn, max_n: int = 6, max_extra_d: int = 3,
                        conventions: tuple[Conventions, ...] = CONVENTIONS) -> MinimumState:
    """A global minimum plus a small rational perturbation (|delta| <= 1/100 in every
    coordinate); ``support`` is the minimum's."""
    base = draw(minimum_states(max_n, max_extra_d, conventions))
    deltas = draw(
        st.lists(
            st.fractions(min_value=Fraction(-1, 100), max_value=Fraction(1, 100),
                         max_denominator=1000),
            min_size=base.d,
            max_size=base.d,
        )
    )
    w = tuple(x + dx for x, dx in zip(base.w, deltas, strict=True))
    return MinimumState(base.d, base.n, base.conventions, w, base.support)


@st.composite
def rational_points(
    draw: st.DrawFn, max_n: int = 3, max_extra_d: int = 2, margin: Fraction = Fraction(1, 20),
    conventions: tuple[Conventions, ...] = CONVENTIONS,
) -> MinimumState:
    """A random rational w (data coordinates with |w_i| in [margin, 2]) in R^d, d <= 5.

    ``support`` lists the relu-active data coordinates (all of them for linear).
    """
    n = draw(st.integers(1, max_n))
    d = n + draw(st.integers(0, max_extra_d))
    conv = draw(st.sampled_from(conventions))
    frac = st.fractions(min_value=margin, max_value=2, max_denominator=50)
    data = [draw(frac) * draw(st.sampled_from((-1, 1))) for _ in range(n)]
    rest = [draw(st.fractions(min_value=-2, max_value=2, max_denominator=50))
            for _ in range(d - n)]
    w = tuple(data + rest)
    support = tuple(i for i in range(n) if conv.is_active(w[i]))
    return MinimumState(d, n, conv, w, support)


@st.composite
def kink_points(draw: st.DrawFn, max_n: int = 4, max_extra_d: int = 2,
                margin: Fraction = Fraction(1, 20),
                conventions: tuple[Conventions, ...] = ALL_CONVENTIONS) -> MinimumState:
    """A rational w with at least one data coordinate exactly 0 (on the relu kink) and the
    other data coordinates with |w_i| in [margin, 2]; ``support`` lists the data
    coordinates active under the conventions (the zeros count for relu'(0) = 1)."""
    base = draw(rational_points(max_n, max_extra_d, margin, conventions))
    zeros = draw(st.lists(st.integers(0, base.n - 1), min_size=1, unique=True))
    w = list(base.w)
    for i in zeros:
        w[i] = Fraction(0)
    support = tuple(i for i in range(base.n) if base.conventions.is_active(w[i]))
    return MinimumState(base.d, base.n, base.conventions, tuple(w), support)


@dataclass(frozen=True)
class WalkState:
    """State for the log-ratio walk: active coordinates a (rationals), j, k, gamma, b."""

    a: tuple[Fraction, ...]
    j: int
    k: int
    gamma: Fraction
    b: int
    perp2: Fraction

    @property
    def n(self) -> int:
        return len(self.a)

    @property
    def r(self) -> Fraction:
        return sum((x * x for x in self.a), Fraction(0)) + self.perp2


@st.composite
def walk_states(draw: st.DrawFn, max_n: int = 5, batch: str = "any") -> WalkState:
    """n in [2, max_n], b in [1, n] (or < n, or = n), positive rational coordinates with
    r = ||w||^2 < 2, gamma in [1/20, 9/20] (so gamma S_B <= gamma r < 1 for every batch).

    |a_j| != |a_k| is built in (a_k = a_j * q with q != 1), so the drift sign is defined.
    """
    n = draw(st.integers(2, max_n))
    if batch == "small":
        b = draw(st.integers(1, n - 1))
    elif batch == "full":
        b = n
    else:
        b = draw(st.integers(1, n))
    raw = [draw(st.fractions(min_value=Fraction(1, 20), max_value=1, max_denominator=40))
           for _ in range(n)]
    j, k = draw(st.permutations(list(range(n))))[:2]
    q = draw(st.sampled_from((Fraction(1, 2), Fraction(2, 3), Fraction(3, 2), Fraction(2))))
    raw[k] = raw[j] * q
    perp2 = draw(st.fractions(min_value=0, max_value=1, max_denominator=20))
    total = sum((x * x for x in raw), Fraction(0)) + perp2
    # rescale by a rational factor so that r <= 3/2 (< 2): divide by the integer ceiling
    factor = max(1, math.ceil(total / Fraction(3, 2)))
    a = tuple(x / factor for x in raw)
    perp2 = perp2 / (factor * factor)
    gamma = draw(st.fractions(min_value=Fraction(1, 20), max_value=Fraction(9, 20),
                              max_denominator=40))
    return WalkState(a, j, k, gamma, b, perp2)
