"""Tests of course_lib.theory: the closed forms against runs, and each other."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from course_lib import optim, problems, run, theory

KAPPA = 50.0
RAVINE = problems.Quadratic.from_condition_number(KAPPA, angle=0.6)
SMALLEST, LARGEST = RAVINE.eigenvalues.min(), RAVINE.eigenvalues.max()
START = np.array([1.0, 0.7])

# Over-damped, under-damped and mixed settings, all of them stable.
LEARNING_RATES = np.array([0.002, 0.005, 0.02, 0.01, 0.03, 0.025])
BETAS = np.array([0.8, 0.3, 0.5, 0.95, 0.0, 0.6])
METHODS = {
    "heavy_ball": optim.momentum_classical,
    "nesterov": optim.lookahead_momentum,
}


def measured_rate(optimizer, steps=2000, window_start=500):
    """The distance to the minimizer's factor per step, late in the runs.

    Under-damped runs spiral in, so the distance wobbles around its
    envelope; over a long window the wobble changes the rate by < 0.2%.
    """
    trajectory = run.run(optimizer, RAVINE, START, steps, batch=LEARNING_RATES.size)
    assert not trajectory.diverged.any()
    distances = run.distance_to(trajectory.positions, RAVINE.minimizer)
    return run.rate_per_step(distances, window_start, steps)


@pytest.mark.parametrize("method", METHODS)
def test_spectral_radius_is_the_contraction_measured_in_runs(method):
    predicted = theory.convergence_rate(
        LEARNING_RATES, BETAS, RAVINE.eigenvalues, method
    )
    assert np.all(predicted < 1)
    measured = measured_rate(METHODS[method](LEARNING_RATES, BETAS))
    assert_allclose(measured, predicted, rtol=2e-3)


@pytest.mark.parametrize("method", METHODS)
def test_iteration_matrix_is_one_step_of_the_optimizer(method):
    matrix = {
        "heavy_ball": theory.heavy_ball_matrix,
        "nesterov": theory.nesterov_matrix,
    }
    line = problems.Quadratic(eigenvalues=[4.0])
    trajectory = run.run(METHODS[method](0.1, 0.7), line, np.array([1.0]), 6)
    states = np.concatenate([trajectory.positions, trajectory.velocities], axis=-1)
    predicted = states[:-1] @ matrix[method](0.1, 0.7, 4.0).T
    assert np.abs(states[1:]).min() > 1e-3  # the check is not about zeros
    assert_allclose(states[1:], predicted, rtol=1e-13)


def test_iteration_matrices_broadcast():
    learning_rates = np.geomspace(0.01, 1.0, 4)[:, None]
    betas = np.linspace(0.0, 0.9, 3)
    for make in (theory.heavy_ball_matrix, theory.nesterov_matrix):
        matrices = make(learning_rates, betas, 2.0)
        assert matrices.shape == (4, 3, 2, 2)
        assert_array_equal(matrices[1, 2], make(learning_rates[1, 0], betas[2], 2.0))
    assert theory.convergence_rate(learning_rates, betas, [1.0, 5.0]).shape == (4, 3)


def test_gradient_descent_optimal_rate():
    step = theory.gd_optimal_learning_rate(SMALLEST, LARGEST)
    best = theory.gd_optimal_rate(KAPPA)
    assert step == pytest.approx(2.0 / (1.0 + KAPPA))
    assert theory.convergence_rate(step, 0.0, RAVINE.eigenvalues) == pytest.approx(best)
    nearby = step * np.array([0.9, 0.97, 1.03, 1.1])
    assert np.all(theory.convergence_rate(nearby, 0.0, RAVINE.eigenvalues) > best)

    trajectory = run.run(optim.gradient_descent(step), RAVINE, START, 300)
    distances = run.distance_to(trajectory.positions, RAVINE.minimizer)
    assert run.rate_per_step(distances, 100, 300) == pytest.approx(best, rel=1e-9)


def test_polyak_parameters_achieve_the_optimal_rate_and_beat_their_neighbours():
    learning_rate, beta = theory.heavy_ball_optimal_parameters(SMALLEST, LARGEST)
    best = theory.heavy_ball_optimal_rate(KAPPA)
    root = np.sqrt(KAPPA)
    assert best == pytest.approx((root - 1) / (root + 1))
    assert beta == pytest.approx(best**2)

    rate = theory.convergence_rate(learning_rate, beta, RAVINE.eigenvalues)
    # The extreme directions are critically damped: a double root, which
    # an eigenvalue solver finds only to about the square root of eps.
    assert rate == pytest.approx(best, rel=1e-6)

    scales, shifts = np.meshgrid([0.95, 1.0, 1.05], [-0.02, 0.0, 0.02])
    neighbours = theory.convergence_rate(
        learning_rate * scales.ravel(), beta + shifts.ravel(), RAVINE.eigenvalues
    )
    moved = (scales.ravel() != 1.0) | (shifts.ravel() != 0.0)
    assert np.all(neighbours[moved] > best + 1e-4)
    assert best < theory.gd_optimal_rate(KAPPA)


def test_polyak_parameters_measured_in_a_run():
    learning_rate, beta = theory.heavy_ball_optimal_parameters(SMALLEST, LARGEST)
    trajectory = run.run(
        optim.momentum_classical(learning_rate, beta), RAVINE, START, 600
    )
    distances = run.distance_to(trajectory.positions, RAVINE.minimizer)
    # A double root adds a factor k to the decay: allow its 1/N-th root.
    measured = run.rate_per_step(distances, 200, 600)
    assert measured == pytest.approx(theory.heavy_ball_optimal_rate(KAPPA), rel=5e-3)


def test_stability_agrees_with_the_spectral_radius_on_a_grid():
    learning_rates = np.geomspace(1e-3, 10.0, 80)[:, None]
    betas = np.linspace(-1.2, 1.2, 81)[None, :]
    for eigenvalue in (0.5, 1.0, 7.0):
        rate = theory.convergence_rate(learning_rates, betas, [eigenvalue])
        stable = theory.heavy_ball_is_stable(learning_rates, betas, eigenvalue)
        clear = np.abs(rate - 1.0) > 1e-6  # away from the boundary
        assert clear.sum() > 0.9 * clear.size
        assert_array_equal(stable[clear], (rate < 1)[clear])
        assert stable.any() and not stable.all()


def test_stability_of_runs_agrees_with_the_spectral_radius():
    learning_rates, betas = run.hyperparameter_grid(
        np.geomspace(1e-3, 0.1, 12), np.linspace(0.0, 0.98, 10)
    )
    rate = theory.convergence_rate(learning_rates, betas, RAVINE.eigenvalues)
    clear = np.abs(rate - 1.0) > 1e-2
    trajectory = run.run(
        optim.momentum_classical(learning_rates, betas),
        RAVINE,
        START,
        3000,
        batch=learning_rates.size,
        record="losses",
    )
    assert_array_equal(trajectory.diverged[clear], (rate > 1)[clear])


@pytest.mark.parametrize("beta", [-0.5, 0.0, 0.5, 0.9, 0.99])
def test_max_learning_rate_is_the_stability_edge(beta):
    edge = theory.heavy_ball_max_learning_rate(beta, LARGEST)
    assert edge == pytest.approx(2 * (1 + beta) / LARGEST)
    assert theory.heavy_ball_is_stable(edge * (1 - 1e-9), beta, LARGEST)
    assert not theory.heavy_ball_is_stable(edge * (1 + 1e-9), beta, LARGEST)
    rates = theory.convergence_rate(edge * np.array([0.99, 1.01]), beta, [LARGEST])
    assert rates[0] < 1 < rates[1]


def test_no_learning_rate_is_stable_when_beta_is_one_or_more():
    learning_rates = np.geomspace(1e-4, 1.0, 50)
    for beta in (1.0, 1.5, -1.0):
        assert not theory.heavy_ball_is_stable(learning_rates, beta, 1.0).any()
        assert np.all(theory.convergence_rate(learning_rates, beta, [1.0]) >= 1 - 1e-12)


@pytest.mark.parametrize("beta", [0.25, 0.5, 0.81])
def test_damping_classification(beta):
    root = np.sqrt(beta)
    low, high = (1 - root) ** 2, (1 + root) ** 2  # where the discriminant is 0
    limit = 2 * (1 + beta)  # the stability boundary, beyond high
    steps = np.array(
        [0.5 * low, low, 0.5 * (low + high), high, 0.5 * (high + limit), 1.1 * limit]
    )
    verdict = theory.damping(steps, beta, 1.0)
    assert list(verdict) == [
        "over",
        "critical",
        "under",
        "critical",
        "over",
        "unstable",
    ]
    steps, verdict = steps[:-1], verdict[:-1]

    # Under-damped exactly when the iteration matrix has complex eigenvalues.
    roots = np.linalg.eigvals(theory.heavy_ball_matrix(steps, beta, 1.0))
    complex_roots = np.abs(roots.imag).max(axis=-1) > 1e-6
    assert_array_equal(complex_roots, verdict == "under")


def test_polyak_tuning_damps_the_extreme_directions_critically():
    learning_rate, beta = theory.heavy_ball_optimal_parameters(SMALLEST, LARGEST)
    verdict = theory.damping(learning_rate, beta, np.array([SMALLEST, 7.0, LARGEST]))
    assert list(verdict) == ["critical", "under", "critical"]


def test_effective_window():
    assert_allclose(theory.effective_window([0.0, 0.5, 0.9, 0.99]), [1, 2, 10, 100])

    # With a constant gradient, the classical velocity tends to lr * g * window.
    optimizer = optim.momentum_classical(0.1, 0.9)
    params, gradient = np.zeros(1), np.array([3.0])
    state = optimizer.init(params)
    for _ in range(400):
        step, state = optimizer.update(gradient, state, params)
    assert step[0] == pytest.approx(0.1 * 3.0 * theory.effective_window(0.9))


def test_half_life():
    betas = np.array([0.5, 0.9, 0.99])
    lives = theory.half_life(betas)
    assert_allclose(betas**lives, 0.5)
    assert lives[0] == pytest.approx(1.0)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: theory.effective_window(1.0), r"beta=1\.0.*0 <= beta < 1"),
        (lambda: theory.effective_window([0.5, -0.1]), r"beta=\[0\.5, -0\.1\]"),
        (lambda: theory.half_life(0.0), r"beta=0\.0.*0 < beta < 1"),
        (lambda: theory.half_life(1.0), r"beta=1\.0.*0 < beta < 1"),
        (
            lambda: theory.gd_optimal_learning_rate(2.0, 1.0),
            r"smallest=2\.0, largest=1\.0.*0 < smallest <= largest",
        ),
        (
            lambda: theory.heavy_ball_optimal_parameters(0.0, 1.0),
            r"smallest=0\.0.*allowed",
        ),
        (lambda: theory.gd_optimal_rate(0.5), r"kappa=0\.5.*a finite number >= 1"),
        (lambda: theory.heavy_ball_optimal_rate(np.nan), r"kappa=nan"),
        (
            lambda: theory.convergence_rate(0.1, 0.9, [1.0], method="adam"),
            r"method='adam'.*'heavy_ball' or 'nesterov'",
        ),
    ],
)
def test_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_steps_to_reach_is_the_first_step_below_the_target():
    rate, initial, target = 0.9, 50.0, 1e-6
    k = theory.steps_to_reach(rate, initial, target)
    assert initial * rate ** (2 * k) <= target < initial * rate ** (2 * (k - 1))
    assert theory.steps_to_reach(rate, 1e-7, target) == 0
    with pytest.raises(ValueError, match=r"rate=1\.0 is not allowed"):
        theory.steps_to_reach(1.0, initial, target)


def test_steps_per_digit_is_the_cost_of_a_tenfold_shrink():
    for rate in (0.5, 0.9, 0.99):
        assert_allclose(rate ** theory.steps_per_digit(rate), 0.1)
