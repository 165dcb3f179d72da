"""Tests of lesson 08's library pieces: momentum schedules, the one-cycle
policy, adaptive restart and the moving target."""

import math

import numpy as np
import pytest

from course_lib import optim, problems, run, schedules, theory

# ---------------------------------------------------------------------------
# Momentum schedules.


def test_sutskever_momentum_follows_the_formula_of_the_paper():
    beta = schedules.sutskever_momentum(0.999)
    for k in (0, 249, 250, 499, 500, 1000, 12_249, 12_250, 100_000):
        formula = min(1 - 2 ** (-1 - math.log2(k // 250 + 1)), 0.999)
        assert beta(k) == pytest.approx(formula, rel=1e-15)
    assert [beta(k) for k in (0, 250, 750)] == [0.5, 0.75, 0.875]


def test_sutskever_momentum_is_capped_and_can_be_lowered_late():
    beta = schedules.sutskever_momentum(0.9, every=10, lower_to=0.5, lower_from=1000)
    values = [beta(k) for k in range(1000)]
    assert max(values) == 0.9 and values[-1] == 0.9
    assert np.all(np.diff(values) >= 0)
    assert beta(1000) == 0.5 and beta(5000) == 0.5


@pytest.mark.parametrize("bad", [1.0, 1.5, -0.1, math.nan, "0.9"])
def test_sutskever_momentum_rejects_a_cap_outside_zero_one(bad):
    with pytest.raises(ValueError, match=rf"beta_max={bad!r}.*allowed"):
        schedules.sutskever_momentum(bad)


def test_sutskever_momentum_rejects_bad_stages_and_lowering():
    with pytest.raises(ValueError, match=r"every=0.*allowed: an integer >= 1"):
        schedules.sutskever_momentum(0.9, every=0)
    with pytest.raises(ValueError, match=r"lower_to=1\.0.*0 <= beta < 1"):
        schedules.sutskever_momentum(0.9, lower_to=1.0, lower_from=10)
    with pytest.raises(ValueError, match=r"lower_to=0\.5 with lower_from=None"):
        schedules.sutskever_momentum(0.9, lower_to=0.5)
    with pytest.raises(ValueError, match=r"lower_from=0.*an integer >= 1"):
        schedules.sutskever_momentum(0.9, lower_to=0.5, lower_from=0)


def test_accelerated_momentum_is_nesterovs_sequence():
    beta = schedules.accelerated_momentum()
    for k in range(1, 20):
        assert beta(k - 1) == pytest.approx((k - 1) / (k + 2))


def test_one_cycle_moves_learning_rate_and_momentum_in_opposite_directions():
    cycle = schedules.one_cycle(1.0, 100, warmup_fraction=0.3)
    lr = np.array([cycle.learning_rate(k) for k in range(101)])
    beta = np.array([cycle.momentum(k) for k in range(101)])
    assert lr[0] == pytest.approx(1 / 25) and lr[30] == 1.0
    assert lr[100] == pytest.approx(1 / 25 / 1e4)
    assert cycle.learning_rate(500) == lr[100], "stays at the end value"
    assert beta[0] == 0.95 and beta[30] == 0.85 and beta[100] == pytest.approx(0.95)
    assert np.all(np.diff(lr[:31]) > 0) and np.all(np.diff(lr[30:]) < 0)
    assert np.all(np.diff(beta[:31]) < 0) and np.all(np.diff(beta[30:]) > 0)


def test_one_cycle_unpacks_as_a_pair_and_is_pure():
    learning_rate, momentum = schedules.one_cycle(0.5, 40)
    forward = [learning_rate(k) for k in range(40)]
    assert forward == [learning_rate(k) for k in reversed(range(40))][::-1]
    assert momentum(12) == 0.85


def test_effective_learning_rate_of_a_cycle_peaks_at_the_top():
    cycle = schedules.one_cycle(0.2, 200, warmup_fraction=0.25)
    effective = schedules.effective_learning_rate(*cycle, 200)
    assert int(np.argmax(effective)) == 50
    assert max(effective) == pytest.approx(0.2 / (1 - 0.85))


@pytest.mark.parametrize(
    ("momentum", "name"),
    [((1.0, 0.85), r"momentum\[0\]=1\.0"), ((0.95, -0.1), r"momentum\[1\]=-0\.1")],
)
def test_one_cycle_rejects_momentum_outside_zero_one(momentum, name):
    with pytest.raises(ValueError, match=rf"{name}.*0 <= beta < 1"):
        schedules.one_cycle(0.1, 100, momentum=momentum)


def test_one_cycle_rejects_a_phase_of_zero_length():
    with pytest.raises(ValueError, match=r"phases of 0 and 3 steps.*at least one"):
        schedules.one_cycle(0.1, 3, warmup_fraction=0.1)
    with pytest.raises(ValueError, match=r"phases of 3 and 0 steps"):
        schedules.one_cycle(0.1, 3, warmup_fraction=0.9)
    for fraction in (0.0, 1.0, -0.2):
        with pytest.raises(ValueError, match=rf"warmup_fraction={fraction!r}"):
            schedules.one_cycle(0.1, 100, warmup_fraction=fraction)


def test_one_cycle_rejects_bad_peak_steps_and_divisors():
    with pytest.raises(ValueError, match=r"peak=0\.0.*> 0"):
        schedules.one_cycle(0.0, 100)
    with pytest.raises(ValueError, match=r"steps=0"):
        schedules.one_cycle(0.1, 0)
    with pytest.raises(ValueError, match=r"start_divisor=-1"):
        schedules.one_cycle(0.1, 100, start_divisor=-1)
    with pytest.raises(ValueError, match=r"momentum=0\.9.*a pair"):
        schedules.one_cycle(0.1, 100, momentum=0.9)


def test_effective_learning_rate_rejects_a_momentum_of_one():
    with pytest.raises(ValueError, match=r"momentum at step 0=1\.0.*0 <= beta < 1"):
        schedules.effective_learning_rate(
            schedules.constant(0.1), schedules.constant(1.0), 5
        )


# ---------------------------------------------------------------------------
# Adaptive restart.


def _restarts(optimizer, problem, x0, steps):
    """Step by hand, to read the restart counts from the final state."""
    x = np.array(x0, dtype=float)
    state = optimizer.init(x)
    for _ in range(steps):
        updates, state = optimizer.update(problem.grad(x), state, x)
        x = x - updates
    return state[1][1].restarts, x


def test_without_a_restart_it_is_nesterov_step_for_step():
    bowl = problems.Quadratic([1.0])
    x0, lr, steps = np.array([1.0]), 0.01, 20  # too few steps to pass the minimum
    restarting = optim.nesterov_with_restart(lr, schedules.accelerated_momentum())
    restarts, x = _restarts(restarting, bowl, x0, steps)
    assert restarts == 0 and 0 < x[0] < 1
    sequence = schedules.accelerated_momentum()
    plain = run.run(optim.nesterov(lr, sequence), bowl, x0, steps)
    same = run.run(restarting, bowl, x0, steps)
    assert np.array_equal(plain.positions, same.positions)


def test_gradient_criterion_fires_when_the_new_step_goes_against_its_gradient():
    # O'Donoghue and Candès: restart when grad f(y_(k-1)) . (x_k - x_(k-1)) > 0,
    # with the gradient that produced the step; here x_k - x_(k-1) = -v.
    transform = optim.trace_with_restart(0.9, criterion="gradient")
    params = np.zeros(1)
    state = transform.init(params)
    step, state = transform.update(np.array([1.0]), state, params)
    assert step[0] == 1.0 and state[1].restarts == 0
    _, kept = transform.update(np.array([0.5]), state, params)
    assert kept[1].restarts == 0 and kept[0].velocity[0] == pytest.approx(1.4)
    # The gradient turned, but the new velocity 0.9 - 2 follows it: no restart.
    _, turned = transform.update(np.array([-2.0]), state, params)
    assert turned[1].restarts == 0 and turned[0].velocity[0] == pytest.approx(-1.1)
    # v = 0.9 - 0.5 = 0.4 still moves against g = -0.5, uphill: restart.
    step, fired = transform.update(np.array([-0.5]), state, params)
    assert fired[1].restarts == 1 and fired[1].since_restart == 0
    assert step[0] == -0.5, "the restarted update is the plain gradient step"
    assert fired[0].velocity[0] == 0.0
    step, _ = transform.update(np.array([0.3]), fired, params)
    assert step[0] == pytest.approx(0.3), "the next step starts without momentum"


def test_function_criterion_fires_when_the_loss_goes_up():
    bowl = problems.Quadratic([1.0])
    transform = optim.trace_with_restart(0.5, criterion="function", value=bowl.value)
    state = transform.init(np.array([1.0]))
    _, state = transform.update(np.array([0.1]), state, np.array([1.0]))
    _, state = transform.update(np.array([0.1]), state, np.array([0.5]))
    assert state[1].restarts == 0
    step, state = transform.update(np.array([0.1]), state, np.array([0.7]))
    assert state[1].restarts == 1 and step[0] == pytest.approx(0.1)


def test_gradient_jump_criterion_fires_on_a_jump_in_the_gradient_norm():
    transform = optim.trace_with_restart(0.9, criterion="gradient jump")
    params = np.zeros(2)
    state = transform.init(params)
    for g in ([1.0, 0.0], [0.01, 0.0], [-1.0, 0.0], [3.0, 4.0]):
        _, state = transform.update(np.array(g), state, params)
    assert state[1].restarts == 0, "a tiny gradient at a crossing is no jump"
    average = state[1].previous_signal
    _, state = transform.update(np.array([10.1 * average, 0.0]), state, params)
    assert state[1].restarts == 1


def _jump_restarts(steps):
    """Restarts of the jump test on a drift that starts at the minimum."""
    drifting = problems.MovingTarget([1.0], [0.01], jump_at=50, jump=[-1.0])
    velocity = optim.trace_with_restart(0.5, criterion="gradient jump")
    x = np.zeros(1)
    state = velocity.init(x)
    for _ in range(steps):
        _, grad = drifting.value_and_grad(x)  # the clock moves once per step
        step, state = velocity.update(0.5 * grad, state, x)
        x = x - step
    return state[1].restarts


def test_gradient_jump_criterion_ignores_a_start_at_the_minimum():
    # The first gradient is zero; the average starts at the first nonzero
    # norm, so the drift is no jump, and the jump at step 50 is.
    assert _jump_restarts(50) == 0
    assert _jump_restarts(80) == 1
    transform = optim.trace_with_restart(0.9, criterion="gradient jump")
    state = transform.init(np.zeros(1))
    for g in (0.0, 0.0, 0.01, 0.01):
        _, state = transform.update(np.array([g]), state, np.zeros(1))
    assert state[1].restarts == 0 and state[1].previous_signal == pytest.approx(0.01)


def test_each_run_of_a_batch_restarts_on_its_own():
    bowl = problems.Quadratic.from_condition_number(100.0)
    starts = np.array([[1.0, 1.0], [-1.0, 0.2], [0.3, -2.0]])
    lr = 1 / 100
    method = optim.nesterov_with_restart(lr, schedules.accelerated_momentum())
    batch = run.run(method, bowl, starts, 300)
    for i, start in enumerate(starts):
        alone = run.run(method, bowl, start, 300)
        assert np.allclose(alone.positions, batch.positions[:, i], atol=1e-14)
    restarts, _ = _restarts(method, bowl, starts, 300)
    assert restarts.shape == (3,) and np.all(restarts > 0)


def test_a_scheduled_beta_starts_again_after_a_restart():
    transform = optim.trace_with_restart(
        schedules.accelerated_momentum(), criterion="gradient"
    )
    params = np.zeros(1)
    state = transform.init(params)
    for g in (1.0, 1.0, 1.0):
        _, state = transform.update(np.array([g]), state, params)
    assert state[1].since_restart == 3
    assert state[0].velocity[0] == pytest.approx(1.5)  # betas 0, 1/4, 2/5
    step, state = transform.update(np.array([-0.5]), state, params)
    assert state[1].restarts == 1, "v = 0.75 - 0.5 goes against g = -0.5"
    assert state[1].since_restart == 0 and step[0] == -0.5
    step, state = transform.update(np.array([1.0]), state, params)
    assert state[1].since_restart == 1 and step[0] == 1.0  # beta(0) = 0


def test_restart_is_close_to_tuned_nesterov_and_far_ahead_of_untuned():
    kappa = 1000.0
    bowl = problems.DiagonalQuadratic(np.geomspace(1.0, kappa, 20))
    x0 = np.random.default_rng(0).standard_normal(20)
    lr, tuned_beta = theory.nesterov_standard_parameters(1.0, kappa)
    sequence = schedules.accelerated_momentum()
    methods = {
        "untuned": optim.nesterov(lr, sequence),
        "tuned": optim.nesterov(lr, tuned_beta),
        "function": optim.nesterov_with_restart(
            lr, sequence, criterion="function", value=bowl.value
        ),
        "gradient": optim.nesterov_with_restart(lr, sequence),
    }
    target = 1e-10 * bowl.value(x0)
    steps = {
        name: int(run.run(m, bowl, x0, 3000, record="losses").steps_to(target))
        for name, m in methods.items()
    }
    assert min(steps.values()) > 0
    assert steps["tuned"] < steps["function"] < 1.5 * steps["tuned"]
    assert steps["tuned"] < steps["gradient"] < 1.5 * steps["tuned"]
    assert steps["untuned"] > 3 * max(steps["function"], steps["gradient"])


def test_trace_with_restart_rejects_bad_input():
    with pytest.raises(ValueError, match=r"criterion='loss'.*allowed: one of"):
        optim.trace_with_restart(0.9, criterion="loss")
    with pytest.raises(ValueError, match=r"value=None with criterion='function'"):
        optim.trace_with_restart(0.9, criterion="function")
    with pytest.raises(ValueError, match=r"jump_factor=1.*> 1"):
        optim.trace_with_restart(0.9, criterion="gradient jump", jump_factor=1)
    with pytest.raises(ValueError, match=r"beta=nan"):
        optim.trace_with_restart(math.nan)


# ---------------------------------------------------------------------------
# The moving target.


def _target(**changes):
    settings = dict(
        eigenvalues=[1.0, 4.0], drift=[0.01, -0.02], start=[1.0, 0.0], jump_at=5
    )
    settings["jump"] = [-1.0, 2.0]
    settings.update(changes)
    return problems.MovingTarget(**settings)


def test_moving_target_drifts_then_jumps():
    target = _target()
    path = target.minimizer_at(np.arange(7))
    assert np.allclose(path[4], [1.04, -0.08])
    assert np.allclose(path[5], [1.05 - 1.0, -0.10 + 2.0])
    assert np.allclose(np.diff(path[[0, 1, 2, 3, 4]], axis=0), [0.01, -0.02])


def test_moving_target_clock_advances_once_per_value_and_grad():
    target = _target()
    x = np.zeros((3, 2))
    assert target.time == 0
    target.value_and_grad(x)
    assert target.time == 0, "the first call is time 0"
    target.value(x), target.grad(x)
    assert target.time == 0, "value and grad do not move the clock"
    for _ in range(6):
        _, grad = target.value_and_grad(x)
    assert target.time == 6
    assert np.allclose(grad, target.eigenvalues * (x - target.minimizer_at(6)))
    assert target.fresh().time == 0


def test_run_records_the_loss_at_the_time_of_each_step():
    target = _target()
    trajectory = run.run(optim.momentum_classical(0.1, 0.5), target, [0.0, 0.0], 8)
    again = target.fresh()
    for k in range(9):
        d = trajectory.positions[k] - again.minimizer_at(k)
        assert trajectory.losses[k] == pytest.approx(0.5 * np.sum([1, 4] * d**2))


@pytest.mark.parametrize("beta", [0.0, 0.5, 0.9])
def test_steady_lag_of_momentum_behind_a_drift(beta):
    lr, drift, curvature = 0.2, 0.003, 1.0
    target = problems.MovingTarget([curvature], [drift])
    trajectory = run.run(optim.momentum_classical(lr, beta), target, [0.0], 600)
    lag = target.minimizer_at(600)[0] - trajectory.positions[600, 0]
    assert lag == pytest.approx((1 - beta) * drift / (lr * curvature), rel=1e-6)


def test_moving_target_rejects_bad_input():
    with pytest.raises(ValueError, match=r"drift=\[0\.1\].*shape \(2,\)"):
        _target(drift=[0.1])
    with pytest.raises(ValueError, match=r"jump_at=5 with jump=None"):
        _target(jump=None)
    with pytest.raises(ValueError, match=r"jump_at=0.*an integer >= 1"):
        _target(jump_at=0)
    with pytest.raises(ValueError, match=r"eigenvalues=.*> 0"):
        _target(eigenvalues=[1.0, -1.0])
