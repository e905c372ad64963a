"""Random streams: per-seed generators for the start, counter-based words for the batches.

Every run is indexed by the root seed ``seed`` and a seed index i.

**Start (w_0).**  Seed index i gets ``SeedSequence([seed, i])``, spawned into independent
PCG64 streams, one per purpose (drawn once per run, by NumPy, whatever the kernel):

``init``       the n data coordinates a(0) (n standard normals)
``perp``       the norm of the orthogonal part (one chi-square draw with d - n degrees)
``direction``  the direction of the orthogonal part (full engine only)

**Batches: counter-based.**  The batches are a pure function of (seed, i, step): seed
index i owns a SplitMix64 stream (Steele, Lea and Flood, "Fast splittable pseudorandom
number generators", OOPSLA 2014; the output function is Stafford's "Mix13", as in
``java.util.SplittableRandom`` and Vigna's ``splitmix64.c``) with its own state word and
odd increment (``gamma``), both derived from (seed, i) by the same mixing function; its
k-th 64-bit word is ``mix64(state + (k + 1) * gamma)``, computable for any k without the
words before it.  Each word gives two 32-bit draws (low half first).  So no generator
state exists: results are the same bits for any chunking of seeds or steps, any number of
workers, any resume point and both kernels (NumPy and compiled compute the same integer
function; tested against the published SplitMix64 output and a pure-Python reference).

**Uniform integers, exactly.**  A draw below m (m < 2^32) is Lemire's multiply-shift with
rejection ("Fast random integer generation in an interval", ACM TOMACS 2019): with a
32-bit draw x, p = x m; accept when p mod 2^32 >= 2^32 mod m, and return p >> 32.  The
accepted values are exactly uniform on range(m) when the words are.  A rejected draw
(probability below m / 2^32) is retried with words from a separate counter domain
(:func:`retry_words`); after :data:`MAX_RETRIES` rejected draws in a row (probability below
(m/2^32)^64) the last one is taken as is.

>>> mix64_reference(1234567 + 0x9E3779B97F4A7C15)
6457827717110365317
>>> keys = batch_keys(0, np.arange(3))
>>> keys.state.dtype, bool(np.all(keys.gamma % 2 == 1))
(dtype('uint64'), True)
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

import numpy as np

from theory.domain import seed as validate_seed

__all__ = [
    "GOLDEN",
    "MAX_DRAWS",
    "MAX_RETRIES",
    "MIX_MULTIPLIERS",
    "RETRY_DOMAIN",
    "STREAMS",
    "Keys",
    "batch_keys",
    "below",
    "below_reference",
    "draw32_reference",
    "draws32",
    "key_reference",
    "mix64",
    "mix64_reference",
    "seed_sequence",
    "seed_streams",
    "word_reference",
    "words",
]

STREAMS: tuple[str, ...] = ("init", "perp", "direction")

GOLDEN = 0x9E3779B97F4A7C15
"""2^64 / phi, odd: SplitMix64's default increment."""
_MASK = (1 << 64) - 1
MIX_MULTIPLIERS = (0xBF58476D1CE4E5B9, 0x94D049BB133111EB)
"""The two multipliers of SplitMix64's output function (Stafford's Mix13)."""
_M1, _M2 = MIX_MULTIPLIERS
_TAG = 0x6165736764  # "aesgd": the domain of the batch keys
RETRY_DOMAIN = 1 << 62
"""Counter offset of the retry words: word ``RETRY_DOMAIN + 64 c + a`` is attempt a of
draw c (main counters stay below 2^62 because steps * b < 2^56 is required)."""
MAX_RETRIES = 64
MAX_DRAWS = 1 << 56
"""Draws per seed allowed (steps * words per step): keeps the two counter domains apart."""

_U = np.uint64
_C1, _C2 = _U(_M1), _U(_M2)
_S27, _S30, _S31, _S32 = _U(27), _U(30), _U(31), _U(32)
_LOW = _U(0xFFFFFFFF)
_LITTLE = sys.byteorder == "little"  # a uint64 viewed as two uint32 is (low, high)


def seed_sequence(seed: int, index: int) -> np.random.SeedSequence:
    """``SeedSequence([seed, index])``: the start of seed index ``index``."""
    return np.random.SeedSequence([validate_seed("seed", seed), int(index)])


def seed_streams(
    seed: int, index: int, names: tuple[str, ...] = STREAMS
) -> dict[str, np.random.Generator]:
    """One independent ``Generator`` (PCG64) per purpose in :data:`STREAMS`.

    Stream k is child k of ``SeedSequence([seed, index])`` (what ``spawn`` returns), built
    directly, so asking for a subset ``names`` gives the same generators for those names.

    >>> a = seed_streams(0, 3)["init"].random()
    >>> float(seed_streams(0, 3, ("init",))["init"].random()) == float(a)
    True
    """
    parent = seed_sequence(seed, index)
    out = {}
    for k, name in enumerate(STREAMS):
        if name in names:
            child = np.random.SeedSequence(
                parent.entropy, spawn_key=(*parent.spawn_key, k), pool_size=parent.pool_size
            )
            out[name] = np.random.Generator(np.random.PCG64(child))
    return out


# ------------------------------------------------------------------ the reference (ints)
def mix64_reference(z: int) -> int:
    """SplitMix64's output function on a Python int (mod 2^64): the reference."""
    z &= _MASK
    z = ((z ^ (z >> 30)) * _M1) & _MASK
    z = ((z ^ (z >> 27)) * _M2) & _MASK
    return z ^ (z >> 31)


def _absorb(h: int, word: int) -> int:
    return mix64_reference((h ^ word) + GOLDEN)


def _root_word(seed: int) -> int:
    """The root seed (any size) folded into one word, limb by limb."""
    value = validate_seed("seed", seed)
    h = _TAG
    limbs = 0
    while True:
        h = _absorb(h, value & _MASK)
        limbs += 1
        value >>= 64
        if not value:
            break
    return _absorb(h, limbs)


def _mix_gamma(z: int) -> int:
    """SplittableRandom.mixGamma: an odd increment with enough bit transitions."""
    z = ((z ^ (z >> 33)) * 0xFF51AFD7ED558CCD) & _MASK
    z = ((z ^ (z >> 33)) * 0xC4CEB9FE1A85EC53) & _MASK
    z = (z ^ (z >> 33)) | 1
    if bin(z ^ (z >> 1)).count("1") < 24:
        z ^= 0xAAAAAAAAAAAAAAAA
    return z


def key_reference(seed: int, index: int) -> tuple[int, int]:
    """(state, gamma) of seed index ``index``'s batch stream, in Python ints."""
    h = _absorb(_root_word(seed), int(index))
    return h, _mix_gamma(_absorb(h, 1))


def word_reference(key: tuple[int, int], k: int) -> int:
    """Word k of a stream: mix64(state + (k + 1) gamma)."""
    state, gamma = key
    return mix64_reference(state + (k + 1) * gamma)


def draw32_reference(key: tuple[int, int], c: int) -> int:
    """32-bit draw c: the low (c even) or high (c odd) half of word c // 2."""
    w = word_reference(key, c >> 1)
    return (w >> 32) if c & 1 else (w & 0xFFFFFFFF)


def below_reference(key: tuple[int, int], c: int, m: int) -> int:
    """Draw c as a uniform integer in range(m): Lemire's method with rejection."""
    thresh = ((1 << 32) - m) % m
    p = draw32_reference(key, c) * m
    for a in range(1, MAX_RETRIES):
        if (p & 0xFFFFFFFF) >= thresh:
            break
        p = (word_reference(key, RETRY_DOMAIN + 64 * c + a - 1) >> 32) * m
    return p >> 32


# ------------------------------------------------------------------ vectorised (NumPy)
def mix64(z: np.ndarray, tmp: np.ndarray | None = None) -> np.ndarray:
    """SplitMix64's output function on a uint64 array, in place (wrapping arithmetic);
    ``tmp``: an optional scratch array of z's shape."""
    t = np.right_shift(z, _S30, out=tmp)
    z ^= t
    z *= _C1
    np.right_shift(z, _S27, out=t)
    z ^= t
    z *= _C2
    np.right_shift(z, _S31, out=t)
    z ^= t
    return z


@dataclass(frozen=True)
class Keys:
    """The batch streams of some seeds: (state, gamma) uint64 arrays, one entry per seed."""

    state: np.ndarray
    gamma: np.ndarray

    def __len__(self) -> int:
        return int(self.state.shape[0])


def batch_keys(seed: int, ids: object) -> Keys:
    """The batch streams (state, gamma) of seed indices ``ids`` (integers in [0, 2^64)).

    The same values as :func:`key_reference` for each index (tested).
    """
    ids = np.asarray(ids, dtype=np.uint64).reshape(-1)
    with np.errstate(over="ignore"):
        root = _U(_root_word(seed))
        h = mix64((root ^ ids) + _U(GOLDEN))
        z = mix64((h ^ _U(1)) + _U(GOLDEN))
        g = _mix_gamma_array(z)
    return Keys(h, g)


def _mix_gamma_array(z: np.ndarray) -> np.ndarray:
    z = z.copy()
    z ^= z >> _U(33)
    z *= _U(0xFF51AFD7ED558CCD)
    z ^= z >> _U(33)
    z *= _U(0xC4CEB9FE1A85EC53)
    z ^= z >> _U(33)
    z |= _U(1)
    weak = np.bitwise_count(z ^ (z >> _U(1))) < 24
    z[weak] ^= _U(0xAAAAAAAAAAAAAAAA)
    return z


def words(state: np.ndarray, gamma: np.ndarray, k: np.ndarray, out: np.ndarray | None = None,
          tmp: np.ndarray | None = None) -> np.ndarray:
    """Words ``k`` (uint64, broadcasting against the keys) of the given streams; ``out``
    and ``tmp`` (optional, of the result's shape) avoid fresh allocations."""
    with np.errstate(over="ignore"):
        z = np.multiply(np.asarray(k, dtype=np.uint64) + _U(1), gamma, out=out)
        z += state
        return mix64(z, tmp)


def draws32(state: np.ndarray, gamma: np.ndarray, c: np.ndarray) -> np.ndarray:
    """32-bit draws ``c`` (as uint64), any shape broadcasting against the keys."""
    c = np.asarray(c, dtype=np.uint64)
    w = words(state, gamma, c >> _U(1))
    hi = (c & _U(1)).astype(bool)
    out: np.ndarray = np.where(hi, w >> _S32, w & _LOW)
    return out


def retry_words(state: np.ndarray, gamma: np.ndarray, c: np.ndarray, attempt: int
                ) -> np.ndarray:
    """The 32-bit draw of retry ``attempt`` (1, 2, ...) of draws ``c``."""
    k = _U(RETRY_DOMAIN) + np.asarray(c, dtype=np.uint64) * _U(64) + _U(attempt - 1)
    return words(state, gamma, k) >> _S32


def below(x: np.ndarray, m: int | np.ndarray, state: np.ndarray, gamma: np.ndarray,
          c: np.ndarray, out: np.ndarray | None = None, prod: np.ndarray | None = None
          ) -> np.ndarray:
    """Lemire's uniform integers in range(m), 1 <= m < 2^32, from the 32-bit draws ``x``
    (uint32 or uint64 array) of counters ``c`` (``m``, ``state``, ``gamma``, ``c``
    broadcast against ``x``); rejected draws are redrawn from :func:`retry_words`.
    Returns int64 (or fills ``out``): the same integers as :func:`below_reference`.
    ``prod``: optional uint64 scratch of x's shape."""
    mm = np.asarray(m, dtype=np.uint64)
    if np.any(mm < 1) or np.any(mm >= _U(1 << 32)):
        raise ValueError("m must be in [1, 2^32)")
    p = np.multiply(x, mm, dtype=np.uint64, out=prod)
    halves = p.view(np.uint32) if _LITTLE and p.flags.c_contiguous and p.ndim else None
    thresh = ((_U(1 << 32) - mm) % mm).astype(np.uint32)  # < m: compared as uint32
    if np.any(thresh):
        low = halves[..., 0::2] if halves is not None else (p & _LOW).astype(np.uint32)
        bad = low < thresh
        if bad.any():  # rare: probability below m / 2^32 per draw
            shape = p.shape
            st, ga, cc, ms, th = (np.broadcast_to(v, shape)
                                  for v in (state, gamma, c, mm, thresh))
            for pos in zip(*np.nonzero(bad), strict=True):
                for a in range(1, MAX_RETRIES):
                    pr = retry_words(np.atleast_1d(st[pos]), np.atleast_1d(ga[pos]),
                                     np.atleast_1d(cc[pos]), a)[0] * ms[pos]
                    p[pos] = pr
                    if int(pr) & 0xFFFFFFFF >= int(th[pos]):
                        break
    high = halves[..., 1::2] if halves is not None else p >> _S32
    if out is None:
        return high.astype(np.int64)
    np.copyto(out, high, casting="unsafe")
    return out
