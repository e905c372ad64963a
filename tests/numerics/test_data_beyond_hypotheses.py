"""Data beyond the paper's hypotheses (numerics.data): unequal norms, correlated points.

Oracles, none of which calls the library's formulas: the loss written out here from the
model's definition, its gradient and Hessian trace by central finite differences, the Gram
matrix by its definition, minima derived by hand for orthogonal and equicorrelated data,
and a random search over unit vectors.  Tolerances are stated where they are used.
"""

from __future__ import annotations

import numpy as np
import pytest

from numerics.data import Data, DataSpec, validate_data
from numerics.sgd import simulate
from numerics.steps import full_step
from proofs_check.cli import main
from theory.conventions import LINEAR, RELU, Conventions
from theory.domain import DomainError


def _sigma(a: np.ndarray, relu: bool) -> np.ndarray:
    return np.maximum(a, 0.0) if relu else a


def _loss(w: np.ndarray, x: np.ndarray, relu: bool) -> float:
    """L(w) = (1/2n) sum_i ||x_i - w sigma(w.x_i)||^2, written out (x: (d, n) columns)."""
    n = x.shape[1]
    total = 0.0
    for i in range(n):
        xi = x[:, i]
        resid = xi - w * _sigma(np.array(w @ xi), relu)
        total += float(resid @ resid)
    return total / (2 * n)


def _point_loss(w: np.ndarray, xi: np.ndarray, relu: bool) -> float:
    resid = xi - w * _sigma(np.array(w @ xi), relu)
    return 0.5 * float(resid @ resid)


def _fd_grad(f, w: np.ndarray, h: float = 1e-6) -> np.ndarray:  # type: ignore[no-untyped-def]
    g = np.empty_like(w)
    for j in range(w.size):
        e = np.zeros_like(w)
        e[j] = h
        g[j] = (f(w + e) - f(w - e)) / (2 * h)
    return g


def _fd_trace(f, w: np.ndarray, h: float = 1e-4) -> float:  # type: ignore[no-untyped-def]
    f0 = f(w)
    total = 0.0
    for j in range(w.size):
        e = np.zeros_like(w)
        e[j] = h
        total += (f(w + e) - 2 * f0 + f(w - e)) / (h * h)
    return total


def _random_data(rng: np.random.Generator, d: int, n: int) -> np.ndarray:
    return rng.standard_normal((d, n)) * rng.uniform(0.5, 2.0, n)


@pytest.mark.parametrize("norms, rho", [(None, 0.3), ((1.0, 2.0, 0.5, 1.5), 0.0),
                                        ((1.0, 2.0, 0.5, 1.5), -0.2)])
def test_points_have_the_gram_matrix_asked_for(norms: tuple[float, ...] | None,
                                               rho: float) -> None:
    # oracle: G_ij = s_i s_j (rho + (1 - rho)[i = j]) by definition; 1e-12: one Cholesky
    spec = validate_data(DataSpec(norms=norms, rho=rho), 7, 4, "full")
    assert spec is not None
    x = Data.build(7, 4, spec).x
    s = np.ones(4) if norms is None else np.array(norms)
    want = np.array([[s[i] * s[j] * (1.0 if i == j else rho) for j in range(4)]
                     for i in range(4)])
    assert np.allclose(x.T @ x, want, atol=1e-12)
    assert np.all(x[4:] == 0.0)  # the points live in the first n coordinates


@pytest.mark.parametrize("relu", [True, False])
def test_full_step_on_any_data_is_the_gradient_of_the_loss(relu: bool) -> None:
    # oracle: central differences of the per-point loss written out above; h = 1e-6 gives
    # an error of about h^2 |l'''| + eps |l| / h < 1e-8, so 1e-7 is the tolerance
    rng = np.random.default_rng(11)
    d, n, gamma = 6, 4, 0.05
    x = _random_data(rng, d, n)
    conv = RELU if relu else LINEAR
    for _ in range(5):
        w = rng.standard_normal(d)
        batch = np.array([[0, 2, 2]])  # a repeated index counts twice
        want = w - gamma * sum(_fd_grad(lambda v, i=i: _point_loss(v, x[:, i], relu), w)
                               for i in (0, 2, 2))
        got = full_step(w[None, :], batch, gamma, conv, n=n, data=x)[0]
        assert np.allclose(got, want, atol=1e-7)


@pytest.mark.parametrize("relu", [True, False])
def test_loss_and_trace_are_the_models(relu: bool) -> None:
    # oracles: the loss written out (1e-12: the same sums in another order) and the trace
    # of the Hessian by second differences (h = 1e-4: error about h^2 |L''''| + eps/h^2,
    # below 1e-5 at points away from the kinks; points with some |w.x_i| < 0.05 are skipped:
    # there the finite differences straddle the kink)
    rng = np.random.default_rng(12)
    d, n = 5, 3
    x = _random_data(rng, d, n)
    data = Data(x)
    conv = RELU if relu else LINEAR
    tried = 0
    while tried < 5:
        w = rng.standard_normal(d)
        if np.min(np.abs(w @ x)) < 0.05:  # too near a kink for second differences
            continue
        tried += 1
        assert abs(data.loss(w[None, :], conv)[0] - _loss(w, x, relu)) < 1e-12
        want = _fd_trace(lambda v: _loss(v, x, relu), w)
        assert abs(data.trace(w[None, :], conv)[0] - want) < 1e-5 * max(1.0, abs(want))


def test_min_loss_matches_the_hand_derived_minima() -> None:
    # derived by hand (oracles): orthogonal points of norms s: F* = max s_i^2 (relu and
    # linear); linear: F* = lambda_max(G); relu with rho >= 0 equicorrelated unit points:
    # F* = 1 + (n - 1) rho.  min L = (sum ||x_i||^2 - F*)/(2n); 1e-12: float rounding
    s = np.array([1.0, 3.0, 2.0])
    ortho = Data(np.vstack([np.diag(s), np.zeros((2, 3))]))
    for conv in (RELU, LINEAR):
        assert abs(ortho.min_loss(conv) - (np.sum(s * s) - 9.0) / 6) < 1e-12
    n, rho = 5, 0.4
    spec = validate_data(DataSpec(rho=rho), 8, n, "full")
    assert spec is not None
    corr = Data.build(8, n, spec)
    assert abs(corr.min_loss(RELU) - (n - (1 + (n - 1) * rho)) / (2 * n)) < 1e-12
    assert abs(corr.min_loss(LINEAR) - (n - (1 + (n - 1) * rho)) / (2 * n)) < 1e-12


@pytest.mark.parametrize("relu", [True, False])
def test_min_loss_is_no_worse_than_a_random_search(relu: bool) -> None:
    # oracle: L at 4000 random unit vectors (r = 1, where the minimum over the radius is)
    # and at their negatives, computed by the loss written out; the library's minimum
    # (exact, or from its ascents) must not be beaten by more than rounding (1e-12)
    rng = np.random.default_rng(13)
    conv = RELU if relu else LINEAR
    for _ in range(3):
        x = _random_data(rng, 4, 3)
        u = rng.standard_normal((4000, 4))
        u /= np.linalg.norm(u, axis=1, keepdims=True)
        best = min(_loss(v, x, relu) for v in np.vstack([u, -u]))
        assert Data(x).min_loss(conv) <= best + 1e-12


def test_orthonormal_spec_agrees_with_the_closed_forms() -> None:
    # route 1: the paper's data through the reduced closed forms (loss, trace at the limit,
    # support); route 2: the same points as a DataSpec through numerics.data's definitions.
    # Same batches and start; 1e-10: the two steps round differently (w @ X vs w[:, :n])
    base = dict(d=9, n=4, batch_size=1, step_size=0.3, steps=3000, seeds=5, engine="full")
    plain = simulate(**base)
    spec = simulate(**base, data=DataSpec(norms=(1.0,) * 4))
    assert spec.config.data is not None
    assert np.allclose(plain.a, spec.a, atol=1e-10)
    assert np.allclose(plain.loss_gap, spec.loss_gap, atol=1e-10)
    assert np.allclose(plain.hessian_trace, spec.hessian_trace, atol=1e-8)
    assert plain.support.tolist() == spec.support.tolist()
    assert plain.winner.tolist() == spec.winner.tolist()


def test_data_runs_continue_bit_for_bit() -> None:
    # a run of 2T steps equals T steps continued for T more (the state carries the data)
    base = dict(d=8, n=4, batch_size=2, step_size=0.2, seeds=3, engine="full",
                data=DataSpec(rho=0.25, norms=(1.0, 0.9, 0.8, 0.7)))
    whole = simulate(steps=800, **base)
    half = simulate(steps=400, **base)
    rest = simulate(steps=400, start=half.state, **base)
    assert np.array_equal(whole.w, rest.w)
    assert np.array_equal(whole.loss_gap, rest.loss_gap)


def test_unequal_norms_break_convergence_to_the_global_minimum() -> None:
    # a finding, not a hypothesis of the paper: with one point of twice the norm, batch
    # size 1 ends 1-sparse on a point of smaller norm in some runs, a stationary point that
    # is not the global minimum (loss gap (s_max^2 - s_j^2)/(2n) = 3/16 there)
    res = simulate(d=16, n=8, batch_size=1, step_size=0.1, steps=40000, seeds=12,
                   engine="full", data=DataSpec(norms=(2.0,) + (1.0,) * 7))
    stuck = (res.support == 1) & (res.winner > 0)
    assert stuck.any()
    assert np.allclose(res.loss_gap[stuck], 3 / 16, atol=1e-6)
    assert set(res.status[stuck]) == {"running"}


def test_bad_data_is_refused_with_the_parameter() -> None:
    with pytest.raises(DomainError, match="engine='reduced' must be 'full'"):
        simulate(d=8, n=4, batch_size=1, step_size=0.1, steps=1, data=DataSpec(rho=0.2))
    with pytest.raises(DomainError, match=r"data_rho=-0.5 must be in \(-1/\(n-1\), 1\)"):
        simulate(d=8, n=4, batch_size=1, step_size=0.1, steps=1, engine="full",
                 data=DataSpec(rho=-0.5))
    with pytest.raises(DomainError, match=r"data=.*shape"):
        validate_data(DataSpec(matrix=((1.0,),)), 8, 4, "full")
    with pytest.raises(DomainError, match="basis"):
        simulate(d=4, n=2, batch_size=1, step_size=0.1, steps=1, engine="full",
                 data=DataSpec(rho=0.1), basis=np.eye(4))


_SIM = ["simulate", "--d", "6", "--n", "3", "--batch-size", "1", "--step-size", "0.2",
        "--steps", "300", "--seeds", "2"]


@pytest.mark.parametrize("flags, where", [
    (["--engine", "full", "--data-rho", "1"], "--data-rho=1.0 must be in"),
    (["--engine", "full", "--data-norms", "1,2"], "--data-norms='1.0,2.0' must be exactly n=3"),
    (["--engine", "full", "--data-norms", "1,0,2"], "--data-norms=0.0 must be a finite number > 0"),
    (["--engine", "full", "--data-norms", "1,x,2"], "argument --data-norms: 'x' must be a finite"),
    (["--data-rho", "0.2"], "--engine='reduced' must be 'full'"),
])
def test_cli_bad_data_flags_give_one_line(flags: list[str], where: str,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    try:
        code = main([*_SIM, *flags])
    except SystemExit as exc:  # argparse's own errors (a flag's type)
        code = int(exc.code or 0)
    assert code == 2
    err = capsys.readouterr().err
    assert where in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_cli_data_file(tmp_path, monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
                       capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)  # short paths: error lines shorten long values
    rng = np.random.default_rng(3)
    good = tmp_path / "x.npy"
    np.save(good, _random_data(rng, 6, 3))
    assert main([*_SIM, "--engine", "full", "--data", str(good), "--json"]) == 0
    out = capsys.readouterr().out
    assert '"matrix_sha256"' in out
    cases = {
        "wrong.npy": (np.ones((3, 6)), "of shape (3, 6)"),
        "pickled.npy": (np.array([{"a": 1}], dtype=object), "pickled objects are never loaded"),
        # refused from the header (the file is mapped, not read) when it holds too much
        "big.npy": (np.ones((60, 60)), "with 3600 entries' must be an array of at most 18"),
    }
    for name, (arr, where) in cases.items():
        np.save(tmp_path / name, arr, allow_pickle=True)
        assert main([*_SIM, "--engine", "full", "--data", name]) == 2
        err = capsys.readouterr().err
        assert where in err and len(err.strip().splitlines()) == 1
    assert main([*_SIM, "--engine", "full", "--data", str(good), "--data-rho", "0.1"]) == 2
    assert "without --data-norms and --data-rho" in capsys.readouterr().err


def test_conventions_reach_the_trace() -> None:
    # relu'(0) = 1 counts a point with w.x_i = 0 as active: (r - 2)||x_i||^2 / n more
    x = np.eye(3)[:, :2] * np.array([1.0, 2.0])
    w = np.array([[1.0, 0.0, 0.0]])
    data = Data(x)
    t0 = data.trace(w, Conventions(activation="relu", relu_prime_at_zero=0))[0]
    t1 = data.trace(w, Conventions(activation="relu", relu_prime_at_zero=1))[0]
    assert abs((t1 - t0) - (1.0 - 2.0) * 4.0 / 2) < 1e-12


def test_time_guard_counts_the_data_products() -> None:
    # a step on general data costs two (seeds, d) x (d, n) products: a run that the guard
    # lets through on orthonormal data is refused on correlated data of the same size
    from numerics.config import SimConfig
    from numerics.resources import ResourceError, estimate_run, require

    size = dict(d=4000, n=2000, batch_size=10, step_size=0.1, steps=100_000, seeds=100,
                engine="full")
    require(estimate_run(SimConfig(**size)), None, 3600.0)
    with pytest.raises(ResourceError, match=r"max-seconds|max_seconds"):
        require(estimate_run(SimConfig(**size, data=DataSpec(rho=0.1))), None, 3600.0)
