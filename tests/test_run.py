"""Tests of course_lib.run: batching, divergence, records and helpers."""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from course_lib import optim, problems, run

RAVINE = problems.Quadratic.from_condition_number(100.0, angle=0.5)
STEEPEST = RAVINE.eigenvalues.max()
STARTS = np.random.default_rng(7).uniform(-2.0, 2.0, size=(6, 2))
# Two of the six learning rates are past 2 (1 + beta) / L: those runs diverge.
LEARNING_RATES = np.array([0.001, 0.01, 0.018, 0.025, 0.06, 0.1])
BETAS = np.array([0.3, 0.5, 0.9, 0.99, 0.5, 0.2])


def assert_same_trajectory(batched, i, single):
    """Run i of a batched trajectory equals a single run, bit for bit."""
    assert_array_equal(batched.positions[:, i], single.positions)
    assert_array_equal(batched.losses[:, i], single.losses)
    assert_array_equal(batched.velocities[:, i], single.velocities)
    assert_array_equal(batched.diverged_at[i], single.diverged_at)
    assert_array_equal(batched.final_position[i], single.final_position)
    assert_array_equal(batched.final_velocity[i], single.final_velocity)


MAKERS = {
    "classical": optim.momentum_classical,
    "pytorch": optim.momentum_pytorch,
    "averaging": lambda lr, beta: optim.momentum_averaging(lr, np.clip(beta, 0, 0.9)),
    "lookahead": optim.lookahead_momentum,
    "nesterov": optim.nesterov,
}


@pytest.mark.parametrize("method", MAKERS)
def test_batch_of_starts_and_hyperparameters_equals_runs_one_by_one(method):
    make = MAKERS[method]
    batched = run.run(make(LEARNING_RATES, BETAS), RAVINE, STARTS, 150)
    assert batched.diverged.any() and not batched.diverged.all()
    for i in range(len(STARTS)):
        single = run.run(
            make(float(LEARNING_RATES[i]), float(BETAS[i])), RAVINE, STARTS[i], 150
        )
        assert_same_trajectory(batched, i, single)


def test_batch_of_hyperparameters_from_one_start_equals_runs_one_by_one():
    learning_rates, betas = run.hyperparameter_grid([0.002, 0.02], [0.0, 0.6, 0.95])
    start = np.array([1.0, 1.5])
    optimizer = optim.momentum_classical(learning_rates, betas)
    batched = run.run(optimizer, RAVINE, start, 100, batch=learning_rates.size)
    assert batched.positions.shape == (101, 6, 2)
    for i in range(learning_rates.size):
        optimizer = optim.momentum_classical(learning_rates[i], betas[i])
        assert_same_trajectory(batched, i, run.run(optimizer, RAVINE, start, 100))


def test_batch_on_rosenbrock_equals_runs_one_by_one():
    rosenbrock = problems.Rosenbrock()
    starts = np.array([[-1.5, 2.0], [0.0, 0.0], [1.2, 1.0]])
    learning_rates = np.array([1e-4, 1e-3, 5e-3])
    batched = run.run(optim.nesterov(learning_rates, 0.9), rosenbrock, starts, 200)
    for i in range(3):
        single = run.run(
            optim.nesterov(learning_rates[i], 0.9), rosenbrock, starts[i], 200
        )
        assert_same_trajectory(batched, i, single)


def test_a_grid_of_starts_keeps_its_shape():
    starts = np.random.default_rng(0).normal(size=(3, 4, 2))
    trajectory = run.run(optim.momentum_classical(0.005, 0.9), RAVINE, starts, 10)
    assert trajectory.positions.shape == (11, 3, 4, 2)
    assert trajectory.losses.shape == (11, 3, 4)
    assert trajectory.diverged_at.shape == (3, 4)
    single = run.run(optim.momentum_classical(0.005, 0.9), RAVINE, starts[2, 1], 10)
    assert_array_equal(trajectory.positions[:, 2, 1], single.positions)


def test_run_records_the_optimizer_steps():
    start = np.array([1.0, -1.0])
    trajectory = run.run(optim.momentum_classical(0.01, 0.8), RAVINE, start, 3)
    x, velocity = start, np.zeros(2)
    for k in range(1, 4):
        velocity = 0.8 * velocity + 0.01 * RAVINE.grad(x)
        x = x - velocity
        assert_allclose(trajectory.positions[k], x, rtol=1e-14)
        assert_allclose(trajectory.velocities[k], velocity, rtol=1e-14)
        assert_allclose(trajectory.losses[k], RAVINE.value(x), rtol=1e-14)
    assert_array_equal(trajectory.positions[0], start)
    assert_array_equal(trajectory.velocities[0], [0.0, 0.0])


# ---------------------------------------------------------------------------
# Divergence.


def first_explosion(learning_rate, beta, start, steps, explode_factor=1e10):
    """The step where the loss first passes the bound, computed by hand."""
    limit = explode_factor * max(abs(RAVINE.value(start)), 1.0)
    x, velocity = start.copy(), np.zeros(2)
    for k in range(1, steps + 1):
        velocity = beta * velocity + learning_rate * (RAVINE.hessian @ x)
        x = x - velocity
        if not RAVINE.value(x) <= limit:
            return k
    return -1


def run_without_warnings(*args, **kwargs):
    """Run with NumPy's default error handling, and fail on any warning."""
    with np.errstate(all="warn"), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = run.run(*args, **kwargs)
    assert caught == [], [str(w.message) for w in caught]
    return result


def test_diverged_runs_are_frozen_at_their_last_good_step():
    trajectory = run_without_warnings(
        optim.momentum_classical(LEARNING_RATES, BETAS), RAVINE, STARTS, 300
    )
    expected = [
        first_explosion(lr, beta, start, 300)
        for lr, beta, start in zip(LEARNING_RATES, BETAS, STARTS, strict=True)
    ]
    assert_array_equal(trajectory.diverged_at, expected)
    assert_array_equal(trajectory.diverged, np.array(expected) >= 0)
    assert trajectory.diverged.sum() == 2

    for i in np.flatnonzero(trajectory.diverged):
        step = trajectory.diverged_at[i]
        for record in (trajectory.positions, trajectory.velocities):
            assert np.all(record[step:, i] == record[step - 1, i])
        assert np.all(trajectory.losses[step:, i] == trajectory.losses[step - 1, i])
        assert trajectory.losses[step - 1, i] > trajectory.losses[step - 2, i]
        assert_array_equal(trajectory.final_position[i], trajectory.positions[-1, i])
        assert_array_equal(trajectory.final_velocity[i], trajectory.velocities[-1, i])
        assert np.all(np.isfinite(trajectory.positions[:, i]))


def test_divergence_leaves_the_other_runs_of_the_batch_alone():
    keep = ~np.isin(np.arange(6), [4, 5])
    with_diverging = run.run(
        optim.momentum_classical(LEARNING_RATES, BETAS), RAVINE, STARTS, 300
    )
    without = run.run(
        optim.momentum_classical(LEARNING_RATES[keep], BETAS[keep]),
        RAVINE,
        STARTS[keep],
        300,
    )
    assert with_diverging.diverged[~keep].all() and not without.diverged.any()
    assert_array_equal(with_diverging.positions[:, keep], without.positions)
    assert_array_equal(with_diverging.losses[:, keep], without.losses)
    assert_array_equal(with_diverging.velocities[:, keep], without.velocities)


def test_overflow_to_inf_and_nan_is_caught_without_warnings():
    # With a bound that is never reached, only the overflow can stop the run.
    trajectory = run_without_warnings(
        optim.momentum_classical(np.array([0.005, 1.0]), 0.9),
        RAVINE,
        np.array([1.0, 1.0]),
        400,
        batch=2,
        explode_factor=1e300,
    )
    assert_array_equal(trajectory.diverged, [False, True])
    step = trajectory.diverged_at[1]
    assert 1 < step < 400
    assert np.all(np.isfinite(trajectory.losses))
    assert np.all(np.isfinite(trajectory.positions))
    assert np.all(trajectory.losses[step:, 1] == trajectory.losses[step - 1, 1])


def test_a_single_run_that_diverges():
    start = np.array([0.5, 0.5])
    trajectory = run_without_warnings(
        optim.momentum_classical(0.05, 0.5), RAVINE, start, 100
    )
    assert trajectory.diverged_at.shape == ()
    assert trajectory.diverged_at == first_explosion(0.05, 0.5, start, 100)
    assert trajectory.summary() == f"diverged at step {trajectory.diverged_at}"
    assert_array_equal(trajectory.positions[-1], trajectory.final_position)


def test_divergence_does_not_change_numpy_error_handling():
    before = np.geterr()
    run.run(optim.momentum_classical(1.0, 0.9), RAVINE, np.ones(2), 200)
    assert np.geterr() == before


# ---------------------------------------------------------------------------
# Records, summaries and helpers.


def test_record_losses_keeps_losses_and_the_end_only():
    optimizer = optim.momentum_classical(LEARNING_RATES, BETAS)
    full = run.run(optimizer, RAVINE, STARTS, 200)
    lean = run.run(optimizer, RAVINE, STARTS, 200, record="losses")
    assert lean.positions is None and lean.velocities is None
    assert_array_equal(lean.losses, full.losses)
    assert_array_equal(lean.diverged_at, full.diverged_at)
    assert_array_equal(lean.final_position, full.positions[-1])
    assert_array_equal(lean.final_velocity, full.velocities[-1])
    assert lean.steps == 200


def test_steps_to_a_loss():
    learning_rates = np.array([0.001, 0.01, 0.1])  # slow, fast, diverges
    trajectory = run.run(
        optim.gradient_descent(learning_rates), RAVINE, np.ones(2), 400, batch=3
    )
    target = 1e-3
    found = trajectory.steps_to(target)
    assert found[0] == -1 and found[2] == -1
    assert trajectory.diverged[2]
    k = found[1]
    assert trajectory.losses[k, 1] <= target < trajectory.losses[k - 1, 1]
    assert np.all(trajectory.losses[:k, 1] > target)
    assert trajectory.steps_to(np.inf)[1] == 0


def test_rate_per_step_recovers_a_geometric_factor():
    factors = np.array([0.5, 0.9, 0.99])
    series = 3.0 * factors ** np.arange(50)[:, None]
    assert_allclose(run.rate_per_step(series, 10, 40), factors, rtol=1e-12)


@pytest.mark.parametrize("start, stop", [(5, 5), (6, 5), (-1, 5), (0, 50)])
def test_rate_per_step_rejects_bad_windows(start, stop):
    with pytest.raises(ValueError, match=rf"start={start}, stop={stop}.*0 <= start"):
        run.rate_per_step(np.ones(50), start, stop)


def test_distance_to():
    positions = np.array([[[3.0, 4.0]], [[0.0, 0.0]]])
    assert_allclose(run.distance_to(positions, [0.0, 0.0]), [[5.0], [0.0]])


def test_hyperparameter_grid_first_axis_varies_slowest():
    learning_rates, betas = run.hyperparameter_grid([0.1, 0.2], [0.0, 0.5, 0.9])
    assert_array_equal(learning_rates, [0.1, 0.1, 0.1, 0.2, 0.2, 0.2])
    assert_array_equal(betas, [0.0, 0.5, 0.9, 0.0, 0.5, 0.9])
    assert_array_equal(betas.reshape(2, 3)[1], [0.0, 0.5, 0.9])
    triple = run.hyperparameter_grid([1.0, 2.0], [3.0], [4.0, 5.0, 6.0])
    assert [a.shape for a in triple] == [(6,)] * 3


def test_summary_of_a_batch_and_of_a_converging_run():
    batched = run.run(
        optim.momentum_classical(LEARNING_RATES, BETAS), RAVINE, STARTS, 100
    )
    assert batched.summary() == "2 of 6 runs diverged"
    single = run.run(optim.gradient_descent(0.01), RAVINE, np.ones(2), 20)
    assert single.summary() == f"loss {single.losses[-1]:.3g} after 20 steps"


def test_zero_steps_records_the_start_only():
    trajectory = run.run(optim.nesterov(0.01, 0.9), RAVINE, STARTS, 0)
    assert trajectory.positions.shape == (1, 6, 2)
    assert_array_equal(trajectory.positions[0], STARTS)
    assert not trajectory.diverged.any()


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"steps": -1}, r"steps=-1.*allowed: an integer >= 0"),
        ({"steps": 2.5}, r"steps=2\.5.*allowed: an integer >= 0"),
        ({"record": "positions"}, r"record='positions'.*'all' or 'losses'"),
        ({"explode_factor": 1.0}, r"explode_factor=1\.0.*allowed: a number > 1"),
        ({"x0": np.ones(3)}, r"x0 has shape \(3,\); allowed: shape \(2,\)"),
        ({"x0": np.ones((4, 3))}, r"x0 has shape \(4, 3\)"),
        ({"x0": np.float64(1.0)}, r"x0 has shape \(\)"),
        ({"x0": [np.nan, 0.0]}, r"x0 contains non-finite values.*allowed"),
        (
            {"x0": np.ones((2, 2)), "batch": 3},
            r"batch=3 needs a single starting point.*shape \(2, 2\)",
        ),
    ],
)
def test_bad_input(kwargs, message):
    arguments = {"x0": np.ones(2), "steps": 5} | kwargs
    with pytest.raises(ValueError, match=message):
        run.run(optim.gradient_descent(0.01), RAVINE, **arguments)


def test_hyperparameters_that_do_not_fit_the_batch_are_rejected_before_running():
    optimizer = optim.momentum_classical(np.full(5, 0.01), 0.9)
    with pytest.raises(ValueError, match=r"learning_rate has shape \(5,\).*\(6, 2\)"):
        run.run(optimizer, RAVINE, STARTS, 10)


def test_sign_changes_counts_swings_and_skips_wiggles_below_the_tolerance():
    series = np.array([1.0, -0.5, 0.25, 1e-9, -1e-9, 0.1])
    assert run.sign_changes(series) == 4
    assert run.sign_changes(series, tolerance=1e-6) == 2
    assert run.sign_changes(np.array([3.0, 2.0, 1.0])) == 0


def test_velocity_history_is_the_velocity_after_each_gradient():
    gradients = np.ones((4, 2))
    history = run.velocity_history(optim.momentum_classical(0.1, 0.5), gradients)
    # Starting from zero under a constant gradient: lr * (1 - beta**k) / (1 - beta).
    expected = 0.1 * (1 - 0.5 ** np.arange(1, 5)) / 0.5
    assert_allclose(history, np.repeat(expected[:, None], 2, axis=1), atol=1e-15)
    assert_array_equal(
        run.velocity_history(optim.gradient_descent(0.1), gradients), np.zeros((4, 2))
    )
