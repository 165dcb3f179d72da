"""Tests of what lesson 04 adds: Nesterov's theory and two problems."""

import re

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from course_lib import optim, problems, run, theory

H = np.linspace(0.001, 4.5, 451)[:, None]  # lr * λ
BETAS = np.linspace(-0.99, 0.99, 199)[None, :]


# ---------------------------------------------------------------------------
# Theory: Nesterov is heavy ball with an effective momentum.


def test_nesterov_matrix_is_heavy_ball_with_the_effective_momentum():
    learning_rate, eigenvalue = 0.1, H[:, 0] / 0.1
    lr_grid, beta_grid = np.broadcast_arrays(learning_rate, BETAS)
    effective = theory.nesterov_effective_momentum(
        lr_grid, beta_grid, eigenvalue[:, None]
    )
    assert_allclose(effective, BETAS * (1 - H))
    assert_allclose(
        theory.nesterov_matrix(learning_rate, BETAS, eigenvalue[:, None]),
        theory.heavy_ball_matrix(learning_rate, effective, eigenvalue[:, None]),
        rtol=0,
        atol=1e-15,
    )


def test_effective_momentum_is_beta_on_flat_directions_and_zero_at_lr_lambda_one():
    assert theory.nesterov_effective_momentum(0.5, 0.9, 0.0) == 0.9
    assert theory.nesterov_effective_momentum(0.5, 0.9, 2.0) == 0.0
    assert theory.nesterov_effective_momentum(0.5, 0.9, 3.0) < 0


def test_nesterov_stability_agrees_with_the_spectral_radius_on_a_grid():
    radius = theory.spectral_radius(theory.nesterov_matrix(H, BETAS, 1.0))
    away = np.abs(radius - 1) > 1e-9
    stable = theory.nesterov_is_stable(H, BETAS, 1.0)
    assert_array_equal(stable[away], (radius < 1)[away])
    assert stable.any() and not stable.all()


def test_nesterov_with_beta_at_least_one_is_stable_on_a_band_of_curvatures():
    # The effective momentum beta (1 - lr λ) can be small although beta is not.
    h = np.linspace(0.01, 2.0, 200)
    radius = theory.spectral_radius(theory.nesterov_matrix(h, 1.0, 1.0))
    stable = theory.nesterov_is_stable(h, 1.0, 1.0)
    assert_array_equal(stable, radius < 1)
    assert_allclose([h[stable].min(), h[stable].max()], [0.01, 4 / 3], atol=0.01)


@pytest.mark.parametrize("beta", [0.0, 0.3, 0.6, 0.9, 0.99])
def test_nesterov_max_learning_rate_is_the_stability_edge(beta):
    largest = 7.0
    edge = theory.nesterov_max_learning_rate(beta, largest)
    assert_allclose(edge, 2 * (1 + beta) / ((1 + 2 * beta) * largest))
    assert theory.nesterov_is_stable(0.999 * edge, beta, largest)
    assert not theory.nesterov_is_stable(1.001 * edge, beta, largest)
    radius = theory.spectral_radius(theory.nesterov_matrix(edge, beta, largest))
    assert_allclose(radius, 1.0, atol=1e-9)
    assert edge <= theory.heavy_ball_max_learning_rate(beta, largest)


def test_nesterov_max_learning_rate_falls_towards_four_thirds_over_l():
    assert_allclose(theory.nesterov_max_learning_rate(0.0, 1.0), 2.0)
    assert_allclose(theory.nesterov_max_learning_rate(1 - 1e-9, 1.0), 4 / 3)


@pytest.mark.parametrize("kappa", [4.0, 25.0, 100.0, 1e4])
def test_standard_tuning_gives_a_double_root_of_one_minus_one_over_root_kappa(kappa):
    learning_rate, beta = theory.nesterov_standard_parameters(1.0, kappa)
    assert_allclose(learning_rate, 1 / kappa)
    rate = theory.nesterov_standard_rate(kappa)
    assert_allclose(rate, 1 - 1 / np.sqrt(kappa))
    eigenvalues = np.geomspace(1.0, kappa, 301)
    assert_allclose(
        theory.convergence_rate(learning_rate, beta, eigenvalues, "nesterov"),
        rate,
        rtol=1e-6,
    )
    roots = np.linalg.eigvals(theory.nesterov_matrix(learning_rate, beta, 1.0))
    assert_allclose(roots, [rate, rate], rtol=1e-6)


@pytest.mark.parametrize("kappa", [10.0, 100.0, 1000.0])
def test_optimal_tuning_beats_every_neighbour_on_a_grid(kappa):
    learning_rate, beta = theory.nesterov_optimal_parameters(1.0, kappa)
    best = theory.convergence_rate(learning_rate, beta, [1.0, kappa], "nesterov")
    assert_allclose(
        best, theory.nesterov_optimal_rate(kappa), rtol=1e-7
    )  # a double root
    lrs = learning_rate * np.linspace(0.9, 1.1, 81)
    betas = beta + np.linspace(-0.05, 0.05, 81)
    grid = theory.convergence_rate(
        lrs[:, None], betas[None, :], [1.0, kappa], "nesterov"
    )
    assert grid.min() >= best - 1e-7
    assert best < theory.nesterov_standard_rate(kappa)
    assert best > theory.heavy_ball_optimal_rate(kappa)


def test_standard_tuning_measured_in_a_run():
    kappa = 100.0
    ravine = problems.Quadratic.from_condition_number(kappa, angle=0.4)
    learning_rate, beta = theory.nesterov_standard_parameters(1.0, kappa)
    trajectory = run.run(optim.nesterov(learning_rate, beta), ravine, [1.0, 1.0], 900)
    distance = run.distance_to(trajectory.positions, ravine.minimizer)
    measured = run.rate_per_step(distance, 450, 900)
    assert_allclose(measured, theory.nesterov_standard_rate(kappa), rtol=3e-3)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: theory.nesterov_max_learning_rate(1.0, 1.0), "beta=1.0"),
        (lambda: theory.nesterov_max_learning_rate(-0.1, 1.0), "beta=-0.1"),
        (lambda: theory.nesterov_max_learning_rate(0.5, 0.0), "largest=0.0"),
        (lambda: theory.nesterov_standard_parameters(2.0, 1.0), "smallest=2.0"),
        (lambda: theory.nesterov_optimal_parameters(0.0, 1.0), "smallest=0.0"),
        (lambda: theory.nesterov_standard_rate(0.5), "kappa=0.5"),
        (lambda: theory.nesterov_optimal_rate(np.inf), "kappa=inf"),
    ],
)
def test_bad_input(call, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        call()


# ---------------------------------------------------------------------------
# The piecewise quadratic of Lessard, Recht and Packard.

TRAP = problems.PiecewiseQuadratic()


def test_piecewise_quadratic_slope_is_the_stated_one():
    x = np.linspace(-3, 4, 701)[:, None]
    expected = np.where(x < 1, 25 * x, np.where(x < 2, x + 24, 25 * x - 24))
    assert_allclose(TRAP.grad(x), expected, rtol=1e-15, atol=1e-12)


def test_piecewise_quadratic_slope_matches_central_differences():
    x = np.concatenate([np.linspace(-3, 4, 71), [0.999, 1.001, 1.999, 2.001]])
    step = 1e-7
    estimate = (TRAP.value((x + step)[:, None]) - TRAP.value((x - step)[:, None])) / (
        2 * step
    )
    assert_allclose(TRAP.grad(x[:, None])[:, 0], estimate, rtol=1e-6, atol=1e-6)


def test_piecewise_quadratic_is_continuous_convex_with_its_minimum_at_zero():
    for kink in (1.0, 2.0):
        below, at = np.nextafter(kink, 0.0), kink
        assert_allclose(TRAP.value([below]), TRAP.value([at]), rtol=1e-14)
        assert_allclose(TRAP.grad([below]), TRAP.grad([at]), rtol=1e-14)
    x = np.linspace(-3, 4, 7001)[:, None]
    slope = TRAP.grad(x)[:, 0]
    ratios = np.diff(slope) / np.diff(x[:, 0])
    assert ratios.min() >= 1 - 1e-9 and ratios.max() <= 25 + 1e-9
    assert TRAP.value(x).min() == 0.0 == TRAP.value(TRAP.minimizer)
    assert TRAP.grad(TRAP.minimizer)[0] == 0.0
    assert TRAP.condition_number == 25.0
    assert_array_equal(
        TRAP.curvature(np.array([[0.5], [1.0], [1.5], [2.0]])), [25, 1, 1, 25]
    )


def test_piecewise_quadratic_on_a_batch_equals_points_one_at_a_time():
    points = np.random.default_rng(3).uniform(-3, 4, size=(4, 6, 1))
    value, grad = TRAP.value_and_grad(points)
    for index in np.ndindex(points.shape[:-1]):
        assert value[index] == TRAP.value(points[index])
        assert_array_equal(grad[index], TRAP.grad(points[index]))


def test_heavy_ball_at_polyak_tuning_cycles_where_nesterov_converges():
    heavy = optim.momentum_classical(*theory.heavy_ball_optimal_parameters(1.0, 25.0))
    trajectory = run.run(heavy, TRAP, [3.3], 1000)
    x = trajectory.positions[:, 0]
    assert_allclose(x[-3:], x[-6:-3], rtol=0, atol=1e-12)  # a cycle of three
    assert np.abs(x[-3:]).min() > 0.5 and x[-3:].max() > 2
    nesterov = optim.nesterov(*theory.nesterov_standard_parameters(1.0, 25.0))
    assert abs(run.run(nesterov, TRAP, [3.3], 1000).positions[-1, 0]) < 1e-12


def test_piecewise_quadratic_bad_input_and_shapes():
    with pytest.raises(ValueError, match=re.escape("smallest=2.0, largest=1.0")):
        problems.PiecewiseQuadratic(2.0, 1.0)
    with pytest.raises(ValueError, match=r"shape \(3, 2\)"):
        TRAP.value(np.zeros((3, 2)))


# ---------------------------------------------------------------------------
# The diagonal quadratic.

DIAGONAL = problems.DiagonalQuadratic([0.5, 2.0, 9.0], minimizer=[1.0, -1.0, 0.5])


def test_diagonal_quadratic_equals_the_dense_one():
    dense = problems.Quadratic(DIAGONAL.eigenvalues, minimizer=DIAGONAL.minimizer)
    points = np.random.default_rng(0).normal(size=(5, 3))
    assert_allclose(DIAGONAL.value(points), dense.value(points), rtol=1e-14)
    assert_allclose(DIAGONAL.grad(points), dense.grad(points), rtol=1e-14)
    value, grad = DIAGONAL.value_and_grad(points)
    assert_array_equal(value, DIAGONAL.value(points))
    assert_array_equal(grad, DIAGONAL.grad(points))
    assert DIAGONAL.value(DIAGONAL.minimizer) == 0.0
    assert DIAGONAL.condition_number == 18.0


def test_diagonal_quadratic_on_a_batch_equals_points_one_at_a_time():
    points = np.random.default_rng(1).normal(size=(2, 4, 3))
    value = DIAGONAL.value(points)
    for index in np.ndindex(points.shape[:-1]):
        assert value[index] == DIAGONAL.value(points[index])


def test_evenly_spread_eigenvalues():
    spread = problems.DiagonalQuadratic.evenly_spread(1000, largest=4.0)
    assert spread.dim == 1000
    assert_allclose(spread.eigenvalues[[0, -1]], [0.004, 4.0])
    assert_allclose(np.diff(spread.eigenvalues), 0.004)


def test_rates_on_an_evenly_spread_spectrum_are_one_over_k_and_k_squared():
    """Every direction starts with the same loss: GD ~ 1/k, Nesterov ~ 1/k²."""
    spread = problems.DiagonalQuadratic.evenly_spread(20000)
    start = 1 / np.sqrt(spread.eigenvalues * spread.dim)

    def beta(count):
        return count / (count + 3)

    gd = run.run(optim.gradient_descent(1.0), spread, start, 60, record="losses")
    fast = run.run(optim.lookahead_momentum(1.0, beta), spread, start, 60)
    k = np.arange(10, 61)
    for trajectory, expected in ((gd, -1.0), (fast, -2.0)):
        slope = np.polyfit(np.log(k), np.log(trajectory.losses[10:]), 1)[0]
        assert abs(slope - expected) < 0.3, slope


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"eigenvalues": [1.0, 0.0]}, "eigenvalues="),
        ({"eigenvalues": [[1.0]]}, "eigenvalues="),
        ({"eigenvalues": [1.0, 2.0], "minimizer": [1.0]}, r"shape \(1,\)"),
    ],
)
def test_bad_diagonal_quadratic(kwargs, message):
    with pytest.raises(ValueError, match=message):
        problems.DiagonalQuadratic(**kwargs)


def test_bad_evenly_spread():
    with pytest.raises(ValueError, match="dim=0"):
        problems.DiagonalQuadratic.evenly_spread(0)
    with pytest.raises(ValueError, match=re.escape("largest=-1.0")):
        problems.DiagonalQuadratic.evenly_spread(5, largest=-1.0)
