"""Tests of the landscapes of lesson 03: ramps, saddles and deep chains.

The problems (`problems.Ramp`, `problems.Saddle`, `problems.Chain`) against
finite differences and runs; the closed forms for plateaus and saddles
(`theory.plateau_*`, `theory.build_up_steps`, `theory.saddle_*`) against
runs of classical momentum.
"""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from course_lib import optim, problems, run, theory, widgets

BETAS = np.array([0.0, 0.3, 0.8, 0.9, 0.97, 0.99])


def finite_difference_gradient(problem, x, step=1e-6):
    """The central-difference gradient of problem.value at the point x."""
    x = np.asarray(x, dtype=float)
    columns = []
    for direction in np.eye(x.size):
        ahead = problem.value(x + step * direction)
        behind = problem.value(x - step * direction)
        columns.append((ahead - behind) / (2 * step))
    return np.array(columns)


# --- plateaus ---------------------------------------------------------------


@pytest.mark.parametrize("learning_rate, slope", [(0.1, 0.01), (0.5, -0.2)])
def test_plateau_position_is_where_a_run_on_a_ramp_stands(learning_rate, slope):
    ramp = problems.Ramp(slope)
    optimizer = optim.momentum_classical(learning_rate, BETAS)
    trajectory = run.run(optimizer, ramp, [1.5], 300, batch=BETAS.size)
    steps = np.arange(301)[:, None]
    predicted = theory.plateau_position(steps, learning_rate, BETAS, slope, 1.5)
    assert not trajectory.diverged.any()
    assert_allclose(trajectory.positions[..., 0], predicted, rtol=1e-12, atol=1e-13)


def test_plateau_distance_is_the_sum_of_the_velocities():
    k = np.arange(1, 60)
    for beta in (0.0, 0.5, 0.95):
        per_step = (1 - beta**k) / (1 - beta)
        assert_allclose(theory.plateau_distance(k, beta), np.cumsum(per_step))
    assert_array_equal(theory.plateau_distance(k, 0.0), k)
    assert theory.plateau_distance(0, 0.9) == 0


def test_plateau_speedup_starts_at_one_and_tends_to_the_window():
    assert_allclose(theory.plateau_speedup(1, BETAS), 1.0)
    late = theory.plateau_speedup(10**7, BETAS)
    assert_allclose(late, theory.effective_window(BETAS), rtol=1e-4)
    growing = theory.plateau_speedup(np.arange(1, 500), 0.9)
    assert np.all(np.diff(growing) > 0) and np.all(growing < 10)


def test_build_up_steps_is_the_first_step_at_the_fraction_of_top_speed():
    betas = np.array([0.5, 0.9, 0.99])
    gradients = np.ones((2000, betas.size, 1))
    optimizer = optim.momentum_classical(0.1, betas)
    velocities = run.velocity_history(optimizer, gradients)[..., 0]
    top_speed = 0.1 * theory.effective_window(betas)
    for fraction in (0.5, 0.9, 0.99):
        first = 1 + np.argmax(velocities >= fraction * top_speed, axis=0)
        expected = np.ceil(theory.build_up_steps(betas, fraction)).astype(int)
        assert_array_equal(first, expected)
    assert abs(theory.build_up_steps(0.9) - 21.85) < 0.01


@pytest.mark.parametrize(
    "call, parameter",
    [
        (lambda: theory.plateau_distance(3, 1.0), "beta"),
        (lambda: theory.plateau_distance(2.5, 0.5), "steps"),
        (lambda: theory.plateau_distance(-1, 0.5), "steps"),
        (lambda: theory.plateau_speedup(0, 0.5), "steps"),
        (lambda: theory.build_up_steps(0.0), "beta"),
        (lambda: theory.build_up_steps(0.9, 1.0), "fraction"),
        (lambda: theory.saddle_growth(0.0, 0.5), "learning_rate"),
        (lambda: theory.saddle_growth(0.1, -0.1), "beta"),
        (lambda: theory.saddle_escape_steps(0.1, 0.5, 2.0), "start"),
        (lambda: problems.Ramp(np.inf), "slope"),
    ],
)
def test_bad_arguments_are_named(call, parameter):
    with pytest.raises(ValueError, match=parameter):
        call()


def test_ramp_has_a_constant_gradient_on_any_batch():
    ramp = problems.Ramp(-0.3)
    points = np.linspace(-5, 5, 12).reshape(3, 4, 1)
    assert_array_equal(ramp.grad(points), np.full((3, 4, 1), -0.3))
    assert_allclose(ramp.value(points), -0.3 * points[..., 0])
    value, grad = ramp.value_and_grad(points)
    assert_array_equal(value, ramp.value(points))
    assert_array_equal(grad, ramp.grad(points))
    with pytest.raises(ValueError, match="shape"):
        ramp.value(np.zeros((3, 2)))


# --- saddles ----------------------------------------------------------------


@pytest.mark.parametrize("wall", [0.0, 0.7])
def test_saddle_gradient_and_hessian_are_exact(wall):
    saddle = problems.Saddle(rising=2.0, falling=0.5, wall=wall)
    points = np.random.default_rng(0).uniform(-2, 2, size=(5, 2))
    for point in points:
        assert_allclose(
            saddle.grad(point), finite_difference_gradient(saddle, point), atol=1e-8
        )
        fd_hessian = np.array(
            [
                (saddle.grad(point + 1e-6 * e) - saddle.grad(point - 1e-6 * e)) / 2e-6
                for e in np.eye(2)
            ]
        )
        assert_allclose(saddle.hessian(point), fd_hessian, atol=1e-6)
    assert saddle.hessian(points).shape == (5, 2, 2)
    value, grad = saddle.value_and_grad(points)
    assert_array_equal(value, saddle.value(points))
    assert_array_equal(grad, saddle.grad(points))


def test_saddle_point_and_the_minima_of_the_walled_saddle():
    plain = problems.Saddle()
    assert_array_equal(plain.eigenvalues, [1.0, -1.0])
    assert plain.minimum_value == 0.0 and plain.value(plain.minimizer) == 0.0
    assert_array_equal(plain.grad(plain.minimizer), [0.0, 0.0])

    walled = problems.Saddle(falling=2.0, wall=0.5)
    assert_allclose(walled.minimizer, [0.0, 2.0])
    assert_allclose(walled.value(walled.minimizer), walled.minimum_value)
    assert_allclose(walled.grad(walled.minimizer), [0.0, 0.0], atol=1e-15)
    grid = np.stack(np.meshgrid(*[np.linspace(*w, 81) for w in walled.window]), -1)
    assert walled.value(grid).min() >= walled.minimum_value
    (x_low, x_high), (y_low, y_high) = walled.window
    assert x_low < 0 < x_high and y_low < -walled.minimizer[1] < 2 < y_high


@pytest.mark.parametrize(
    "kwargs", [{"rising": 0.0}, {"falling": -1.0}, {"wall": -0.1}, {"rising": np.nan}]
)
def test_saddle_rejects_bad_curvatures(kwargs):
    with pytest.raises(ValueError, match="allowed"):
        problems.Saddle(**kwargs)


def test_saddle_growth_is_the_spectral_radius_with_a_negative_eigenvalue():
    learning_rates = np.array([0.01, 0.1, 0.3])[:, None]
    growth = theory.saddle_growth(learning_rates, BETAS, falling=2.0)
    matrices = theory.heavy_ball_matrix(learning_rates, BETAS, -2.0)
    assert_allclose(growth, theory.spectral_radius(matrices), rtol=1e-12)
    assert np.all(growth > 1)
    assert_allclose(
        theory.saddle_growth(learning_rates, 0.0, 2.0), 1 + 2 * learning_rates
    )
    assert np.all(np.diff(growth, axis=1) > 0), "more momentum, faster escape"


@pytest.mark.parametrize("learning_rate, start", [(0.1, 1e-8), (0.03, 1e-5)])
def test_saddle_escape_steps_match_runs(learning_rate, start):
    saddle = problems.Saddle(falling=1.5)
    optimizer = optim.momentum_classical(learning_rate, BETAS)
    steps = 2000
    trajectory = run.run(optimizer, saddle, [1.0, start], steps, batch=BETAS.size)
    distance = np.abs(trajectory.positions[..., 1])
    assert np.all(distance[-1] > 2)
    escaped = np.argmax(distance > 2.0, axis=0)
    predicted = theory.saddle_escape_steps(
        learning_rate, BETAS, start, distance=2.0, falling=1.5
    )
    assert_array_equal(escaped, predicted)
    growth = [
        run.rate_per_step(distance[:, i], k // 2, k) for i, k in enumerate(escaped)
    ]
    assert_allclose(growth, theory.saddle_growth(learning_rate, BETAS, 1.5), rtol=1e-3)


def test_escaping_the_bottomless_saddle_is_reported_as_divergence():
    saddle = problems.Saddle()
    optimizer = optim.momentum_classical(0.1, np.array([0.0, 0.9]))
    trajectory = run.run(optimizer, saddle, [1.0, 1e-8], 600, batch=2)
    assert np.all(trajectory.diverged)
    escaped = np.argmax(np.abs(trajectory.positions[..., 1]) > 1, axis=0)
    assert np.all(trajectory.diverged_at > escaped)
    assert np.all(np.isfinite(trajectory.losses))
    on_ridge = run.run(optimizer, saddle, [1.0, 0.0], 600, batch=2)
    assert not on_ridge.diverged.any()
    assert_array_equal(on_ridge.positions[..., 1], 0.0)


def test_race_explorer_runs_on_the_walled_saddle():
    walled = problems.Saddle(wall=1.0)
    explorer = widgets.RaceExplorer(
        walled, learning_rate=0.1, beta=0.9, steps=300, start=[1.5, 1e-8], canvas="agg"
    )
    trajectory = explorer.trajectory
    assert not trajectory.diverged.any()
    assert_allclose(np.abs(trajectory.final_position[:, 1]), 1.0, atol=1e-3)
    explorer.set(beta=0.5)
    assert explorer.picture().startswith(b"\x89PNG")
    explorer.close()


# --- deep chains ------------------------------------------------------------


@pytest.mark.parametrize("activation", ["sigmoid", "tanh"])
def test_chain_gradient_is_exact(activation):
    chain = problems.Chain(6, activation=activation, input=0.8, target=0.3)
    rng = np.random.default_rng(1)
    for weights in rng.normal(1.0, 0.7, size=(4, 6)):
        assert_allclose(
            chain.grad(weights),
            finite_difference_gradient(chain, weights),
            rtol=1e-6,
            atol=1e-10,
        )


def test_chain_batches_agree_with_single_weight_vectors():
    chain = problems.Chain(5)
    batch = np.random.default_rng(2).normal(size=(3, 4, 5))
    value, grad = chain.value_and_grad(batch)
    assert value.shape == (3, 4) and grad.shape == (3, 4, 5)
    assert chain.forward(batch).shape == (3, 4, 6)
    assert_allclose(grad[1, 2], chain.grad(batch[1, 2]), rtol=1e-14)
    assert_allclose(value[2, 3], chain.value(batch[2, 3]), rtol=1e-14)


def test_layer_factors_carry_the_gradient_down_the_chain():
    chain = problems.Chain(8)
    weights = np.linspace(0.5, 1.5, 8)
    h = chain.forward(weights)
    factors = chain.layer_factors(weights)
    grads = chain.grad(weights)
    slope = h[1:] * (1 - h[1:])  # the sigmoid's slope, from its output
    error = h[-1] - chain.target
    for layer in range(8):
        carried = error * np.prod(factors[layer + 1 :])
        assert_allclose(grads[layer], carried * slope[layer] * h[layer], rtol=1e-12)
    assert np.all(factors <= weights / 4)


def test_sigmoid_chain_gradient_vanishes_geometrically():
    chain = problems.Chain(15)
    gradient = np.abs(chain.grad(np.ones(15)))
    assert np.all(gradient[1:] / gradient[:-1] > 3)
    assert gradient[0] / gradient[-1] < 4.0**-13


def test_chain_saturates_without_overflow():
    chain = problems.Chain(3)
    weights = np.array([800.0, -900.0, 1000.0])
    value, grad = chain.value_and_grad(weights)
    assert np.isfinite(value) and np.all(np.isfinite(grad))


@pytest.mark.parametrize(
    "kwargs, parameter",
    [
        ({"depth": 0}, "depth"),
        ({"depth": 2.0}, "depth"),
        ({"depth": 3, "activation": "relu"}, "activation"),
        ({"depth": 3, "input": 0.0}, "input"),
        ({"depth": 3, "target": 1.0}, "target"),
        ({"depth": 3, "activation": "sigmoid", "target": -0.5}, "target"),
    ],
)
def test_chain_rejects_bad_settings(kwargs, parameter):
    with pytest.raises(ValueError, match=parameter):
        problems.Chain(**kwargs)


def test_chain_trains_to_its_target():
    chain = problems.Chain(4, activation="tanh", target=-0.4)
    optimizer = optim.momentum_classical(0.5, 0.9)
    trajectory = run.run(optimizer, chain, np.full(4, 0.8), 500)
    assert trajectory.losses[-1] < 1e-10 and chain.minimum_value == 0.0
