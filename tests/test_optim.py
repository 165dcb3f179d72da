"""Tests of course_lib.optim: update equations, conventions, composition, input."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from course_lib import optim, problems, run, schedules

FIRST_GRAD = np.array([2.0, 4.0])
SECOND_GRAD = np.array([1.0, -1.0])
START = np.array([1.0, -2.0])


def two_updates(optimizer, params=START, grads=(FIRST_GRAD, SECOND_GRAD)):
    """The updates and states of two steps, fed the given gradients."""
    state = optimizer.init(params)
    updates, states = [], []
    for g in grads:
        step, state = optimizer.update(g, state, params)
        updates.append(step)
        states.append(state)
    return updates, states


def velocity_of(state):
    """The momentum buffer inside an optimizer state (chains are searched)."""
    if isinstance(state, optim.VelocityState):
        return state.velocity
    found = [velocity_of(inner) for inner in state if isinstance(inner, tuple)]
    found = [v for v in found if v is not None]
    return found[0] if found else None


# ---------------------------------------------------------------------------
# Each form's update equation, on numbers that can be checked by hand.


def test_gradient_descent_step_is_learning_rate_times_gradient():
    (first, _), _ = two_updates(optim.gradient_descent(0.5))
    assert_allclose(first, [1.0, 2.0])
    assert_allclose(optim.apply_updates(START, first), [0.0, -4.0])


def test_classical_momentum_update():
    # v1 = 0.1 * (2, 4) = (0.2, 0.4);  v2 = 0.9 * v1 + 0.1 * (1, -1)
    (first, second), states = two_updates(optim.momentum_classical(0.1, 0.9))
    assert_allclose(first, [0.2, 0.4])
    assert_allclose(second, [0.28, 0.26])
    assert_allclose(velocity_of(states[1]), [0.28, 0.26])


def test_pytorch_form_starts_buffer_at_first_gradient_undamped():
    # v1 = g1 = (2, 4) (dampening skipped); v2 = 0.9 v1 + (1 - 0.5) g2
    optimizer = optim.momentum_pytorch(0.1, 0.9, dampening=0.5)
    (first, second), states = two_updates(optimizer)
    assert_allclose(velocity_of(states[0]), [2.0, 4.0])
    assert_allclose(first, [0.2, 0.4])
    assert_allclose(velocity_of(states[1]), [2.3, 3.1])
    assert_allclose(second, [0.23, 0.31])


def test_pytorch_form_weight_decay_maximize_and_nesterov():
    # g <- -g + 0.5 x = (-2 + 0.5, -4 - 1) = (-1.5, -5); buffer = g;
    # nesterov step = lr * (g + 0.9 * buffer) = 0.1 * 1.9 * g
    optimizer = optim.momentum_pytorch(
        0.1, 0.9, weight_decay=0.5, maximize=True, nesterov=True
    )
    (first, _), states = two_updates(optimizer)
    assert_allclose(velocity_of(states[0]), [-1.5, -5.0])
    assert_allclose(first, [-0.285, -0.95])


def test_pytorch_form_without_momentum_is_gradient_descent():
    (first, second), _ = two_updates(optim.momentum_pytorch(0.1))
    assert_allclose(first, 0.1 * FIRST_GRAD)
    assert_allclose(second, 0.1 * SECOND_GRAD)


def test_averaging_form_update():
    # v1 = 0.5 * (2, 4) = (1, 2); v2 = 0.5 v1 + 0.5 (1, -1) = (1, 0.5)
    (first, second), states = two_updates(optim.momentum_averaging(0.1, 0.5))
    assert_allclose(velocity_of(states[0]), [1.0, 2.0])
    assert_allclose(first, [0.1, 0.2])
    assert_allclose(velocity_of(states[1]), [1.0, 0.5])
    assert_allclose(second, [0.1, 0.05])


def test_lookahead_nesterov_queries_the_gradient_ahead():
    optimizer = optim.lookahead_momentum(0.1, 0.9)
    state = optimizer.init(START)
    assert_array_equal(optimizer.query(START, state), START)  # no velocity yet

    step, state = optimizer.update(FIRST_GRAD, state, START)
    assert_allclose(step, [0.2, 0.4])
    x1 = optim.apply_updates(START, step)
    assert_allclose(x1, [0.8, -2.4])
    # The next gradient is taken at x1 - 0.9 * v1 = (0.8 - 0.18, -2.4 - 0.36).
    assert_allclose(optimizer.query(x1, state), [0.62, -2.76])

    step, _ = optimizer.update(SECOND_GRAD, state, x1)
    assert_allclose(step, [0.28, 0.26])


def test_reformulated_nesterov_update():
    # v1 = 0.1 g1; step = 0.9 v1 + 0.1 g1 = 0.19 g1
    # v2 = 0.9 v1 + 0.1 g2 = (0.28, 0.26); step = 0.9 v2 + 0.1 g2
    (first, second), _ = two_updates(optim.nesterov(0.1, 0.9))
    assert_allclose(first, [0.38, 0.76])
    assert_allclose(second, [0.352, 0.134])


def test_reformulated_nesterov_iterates_are_the_lookahead_points():
    quadratic = problems.Quadratic.from_condition_number(20.0, angle=0.4)
    start = np.array([1.5, -0.5])
    lookahead = run.run(optim.lookahead_momentum(0.04, 0.8), quadratic, start, 60)
    reformulated = run.run(optim.nesterov(0.04, 0.8), quadratic, start, 60)

    ahead = lookahead.positions - 0.8 * lookahead.velocities
    assert_allclose(reformulated.positions, ahead, rtol=1e-10, atol=1e-13)
    assert_allclose(reformulated.velocities, lookahead.velocities, atol=1e-13)


# ---------------------------------------------------------------------------
# The three conventions: where they agree and where they part ways.


CONSTANT_LR, BETA = 0.015, 0.85
RAVINE = problems.Quadratic.from_condition_number(50.0, angle=0.3)
RAVINE_START = np.array([-1.5, 1.0])


def run_convention(convention, learning_rate, steps=80):
    makers = {
        "classical": lambda lr: optim.momentum_classical(lr, BETA),
        "pytorch": lambda lr: optim.momentum_pytorch(lr, BETA),
        "averaging": lambda lr: optim.momentum_averaging(lr, BETA),
    }
    return run.run(makers[convention](learning_rate), RAVINE, RAVINE_START, steps)


@pytest.mark.parametrize("convention", ["pytorch", "averaging"])
def test_conventions_agree_at_constant_learning_rate_after_rescaling(convention):
    classical = run_convention("classical", CONSTANT_LR)
    own_rate = optim.equivalent_learning_rate(CONSTANT_LR, BETA, convention)
    other = run_convention(convention, own_rate)

    assert_allclose(other.positions, classical.positions, rtol=1e-11, atol=1e-14)
    converted = optim.convert_velocity(
        other.velocities, convention, "classical", CONSTANT_LR, BETA
    )
    assert_allclose(converted, classical.velocities, rtol=1e-11, atol=1e-14)


def test_equivalent_learning_rate_values():
    assert optim.equivalent_learning_rate(0.1, 0.9, "classical") == 0.1
    assert optim.equivalent_learning_rate(0.1, 0.9, "pytorch") == 0.1
    assert optim.equivalent_learning_rate(0.1, 0.75, "averaging") == pytest.approx(0.4)


def drop_at_step_20():
    return schedules.piecewise_constant(CONSTANT_LR, {20: CONSTANT_LR / 10})


def test_conventions_differ_when_the_learning_rate_drops_mid_run():
    classical = run_convention("classical", drop_at_step_20())
    pytorch = run_convention("pytorch", drop_at_step_20())

    # Identical before the drop (steps 0..20), different from step 21 on.
    assert_allclose(pytorch.positions[:21], classical.positions[:21], rtol=1e-12)
    gap = np.abs(pytorch.positions[21:] - classical.positions[21:]).max()
    assert gap > 1e-3


def test_momentum_correction_restores_agreement_with_pytorch_form():
    corrected = run.run(
        optim.momentum_classical(drop_at_step_20(), BETA, momentum_correction=True),
        RAVINE,
        RAVINE_START,
        80,
    )
    pytorch = run_convention("pytorch", drop_at_step_20())
    assert_allclose(corrected.positions, pytorch.positions, rtol=1e-11, atol=1e-14)


@pytest.mark.parametrize("source", optim.CONVENTIONS)
@pytest.mark.parametrize("target", optim.CONVENTIONS)
def test_convert_velocity_round_trips(source, target):
    velocity = np.array([[0.3, -1.2], [2.0, 0.5]])
    there = optim.convert_velocity(velocity, source, target, 0.02, 0.9)
    back = optim.convert_velocity(there, target, source, 0.02, 0.9)
    assert_allclose(back, velocity, rtol=1e-14)


def test_convert_velocity_factors():
    # A classical velocity already holds the learning rate: divide it out.
    assert_allclose(
        optim.convert_velocity([0.2], "classical", "pytorch", 0.1, 0.9), [2.0]
    )
    # The averaging form's step is lr / (1 - beta) times its velocity.
    assert_allclose(
        optim.convert_velocity([0.2], "classical", "averaging", 0.1, 0.5), [1.0]
    )


# ---------------------------------------------------------------------------
# Composition.


def test_chain_order_learning_rate_before_or_after_trace():
    lr = schedules.piecewise_constant(1.0, {1: 0.5})
    grads = (np.array([1.0]), np.array([1.0]))
    # Rate first: v2 = 0.5 * (1.0 * 1) + 0.5 * 1 = 1.0
    rate_first = optim.chain(optim.scale_by_learning_rate(lr), optim.trace(0.5))
    # Rate last: v2 = 0.5 * 1 + 1 = 1.5, step = 0.5 * 1.5 = 0.75
    rate_last = optim.chain(optim.trace(0.5), optim.scale_by_learning_rate(lr))

    (_, step_first), _ = two_updates(rate_first, np.zeros(1), grads)
    (_, step_last), _ = two_updates(rate_last, np.zeros(1), grads)
    assert_allclose(step_first, [1.0])
    assert_allclose(step_last, [0.75])


def test_chain_order_weight_decay_before_or_after_negate():
    params, grads = np.array([2.0]), (np.array([1.0]),)
    decay_then_negate = optim.chain(optim.add_decayed_weights(0.5), optim.negate())
    negate_then_decay = optim.chain(optim.negate(), optim.add_decayed_weights(0.5))
    ([first], _), ([second], _) = (
        two_updates(decay_then_negate, params, grads),
        two_updates(negate_then_decay, params, grads),
    )
    assert_allclose(first, [-2.0])  # -(1 + 0.5 * 2)
    assert_allclose(second, [0.0])  # -1 + 0.5 * 2


# ---------------------------------------------------------------------------
# Hyperparameters: floats, batch arrays and schedules.


def test_array_hyperparameters_broadcast_over_the_batch_axis():
    learning_rates = np.array([0.1, 0.2, 0.4])
    betas = np.array([0.0, 0.5, 0.9])
    params = np.zeros((3, 2))
    grads = np.array([[1.0, 2.0], [1.0, 2.0], [1.0, 2.0]])
    optimizer = optim.momentum_classical(learning_rates, betas)
    state = optimizer.init(params)
    first, state = optimizer.update(grads, state, params)
    second, _ = optimizer.update(grads, state, params)

    assert_allclose(first, learning_rates[:, None] * grads)
    assert_allclose(second, (1 + betas[:, None]) * learning_rates[:, None] * grads)


def test_learning_rate_schedule_is_read_at_each_step():
    lr = schedules.piecewise_constant(0.1, {1: 0.01})
    (first, second), _ = two_updates(optim.gradient_descent(lr))
    assert_allclose(first, 0.1 * FIRST_GRAD)
    assert_allclose(second, 0.01 * SECOND_GRAD)


def test_beta_schedule_is_read_at_each_step():
    def beta(count):
        return 0.0 if count == 0 else 0.5

    (_, second), _ = two_updates(optim.momentum_classical(1.0, beta))
    assert_allclose(second, 0.5 * FIRST_GRAD + SECOND_GRAD)


def test_schedule_may_return_one_value_per_run():
    def lr(count):
        return np.array([0.1, 0.2]) * (count + 1)

    params = np.zeros((2, 3))
    optimizer = optim.gradient_descent(lr)
    state = optimizer.init(params)
    _, state = optimizer.update(np.ones((2, 3)), state, params)
    second, _ = optimizer.update(np.ones((2, 3)), state, params)
    assert_allclose(second, [[0.2] * 3, [0.4] * 3])


@pytest.mark.parametrize(
    "optimizer",
    [
        optim.momentum_classical(0.1, 0.9),
        optim.momentum_pytorch(0.1, 0.9, dampening=0.1, weight_decay=0.01),
        optim.momentum_averaging(0.1, 0.9),
        optim.nesterov(0.1, 0.9),
        optim.lookahead_momentum(0.1, 0.9),
    ],
    ids=["classical", "pytorch", "averaging", "nesterov", "lookahead"],
)
def test_update_does_not_mutate_inputs_and_state_is_a_record(optimizer):
    params = np.array([[1.0, -2.0], [0.5, 3.0]])
    grads = np.array([[2.0, 4.0], [-1.0, 1.0]])
    state = optimizer.init(params)
    _, state = optimizer.update(grads, state, params)

    kept = (params.copy(), grads.copy(), velocity_of(state).copy())
    updates, new_state = optimizer.update(grads, state, params)
    optimizer.query(params, new_state)
    assert_array_equal(params, kept[0])
    assert_array_equal(grads, kept[1])
    assert_array_equal(velocity_of(state), kept[2])
    assert updates is not grads and updates is not params

    leaves = new_state if not hasattr(new_state, "_fields") else (new_state,)
    for leaf in leaves:
        assert isinstance(leaf, tuple) and hasattr(leaf, "_fields"), leaf
        if leaf._fields:
            with pytest.raises(AttributeError):
                setattr(leaf, leaf._fields[0], None)


# ---------------------------------------------------------------------------
# Bad input: every message names the parameter, the value and what is allowed.


@pytest.mark.parametrize("value", [0.0, -0.1, np.nan, np.inf, -np.inf])
def test_bad_learning_rate(value):
    with pytest.raises(ValueError, match=rf"learning_rate={value!r}.*allowed: .*> 0"):
        optim.momentum_classical(value, 0.9)


def test_bad_learning_rate_inside_an_array_is_named():
    with pytest.raises(ValueError, match=r"learning_rate=-0\.5 .*allowed"):
        optim.gradient_descent(np.array([0.1, -0.5, 0.2]))


def test_learning_rate_that_is_not_a_number():
    with pytest.raises(ValueError, match=r"learning_rate='fast'.*allowed"):
        optim.gradient_descent("fast")


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize(
    "make",
    [optim.momentum_classical, optim.momentum_pytorch, optim.lookahead_momentum],
    ids=["classical", "pytorch", "lookahead"],
)
def test_bad_beta(make, value):
    # PyTorch's own name for beta is momentum, and the error uses it.
    name = "momentum" if make is optim.momentum_pytorch else "beta"
    with pytest.raises(ValueError, match=rf"{name}={value!r}.*allowed: a finite"):
        make(0.1, value)


def test_bad_value_from_a_schedule_names_the_step():
    lr = schedules.piecewise_constant(0.1, {3: -0.1})
    optimizer = optim.gradient_descent(lr)
    state = optimizer.init(START)
    for _ in range(3):
        _, state = optimizer.update(FIRST_GRAD, state, START)
    with pytest.raises(
        ValueError, match=r"learning_rate schedule, at step 3.*-0\.1.*allowed"
    ):
        optimizer.update(FIRST_GRAD, state, START)


def test_beta_schedule_returning_nan_names_the_step():
    optimizer = optim.momentum_classical(0.1, lambda count: np.nan)
    state = optimizer.init(START)
    with pytest.raises(ValueError, match=r"beta schedule, at step 0.*nan.*allowed"):
        optimizer.update(FIRST_GRAD, state, START)


def test_hyperparameter_shape_must_prefix_the_parameters_shape():
    optimizer = optim.momentum_classical(np.array([0.1, 0.2, 0.3]), 0.9)
    with pytest.raises(
        ValueError, match=r"learning_rate has shape \(3,\).*\(4, 2\).*allowed"
    ):
        optimizer.init(np.zeros((4, 2)))
    optimizer = optim.momentum_classical(0.1, np.full((4, 3), 0.9))
    with pytest.raises(ValueError, match=r"beta has shape \(4, 3\).*\(4, 2\)"):
        optimizer.init(np.zeros((4, 2)))


@pytest.mark.parametrize("beta", [1.0, 1.2])
def test_beta_of_one_or_more_is_accepted_by_classical_and_pytorch(beta):
    for optimizer in (
        optim.momentum_classical(0.1, beta),
        optim.momentum_pytorch(0.1, beta),
    ):
        (_, second), _ = two_updates(optimizer)
        assert np.all(np.isfinite(second))


@pytest.mark.parametrize("beta", [1.0, 1.2, -0.1, np.nan])
def test_averaging_form_rejects_beta_outside_zero_one(beta):
    with pytest.raises(ValueError, match=rf"beta={beta!r}.*0 <= beta < 1"):
        optim.momentum_averaging(0.1, beta)
    with pytest.raises(ValueError, match=rf"beta={beta!r}.*0 <= beta < 1"):
        optim.equivalent_learning_rate(0.1, beta, "averaging")


def test_bad_buffer_start():
    with pytest.raises(ValueError, match=r"buffer_start='one'.*'zero'.*'first_grad"):
        optim.trace(0.9, buffer_start="one")


@pytest.mark.parametrize(
    "momentum, dampening", [(0.9, 0.1), (0.0, 0.0)], ids=["dampening", "no momentum"]
)
def test_pytorch_nesterov_needs_momentum_and_no_dampening(momentum, dampening):
    with pytest.raises(ValueError, match=r"nesterov=True.*allowed: nesterov needs"):
        optim.momentum_pytorch(0.1, momentum, dampening=dampening, nesterov=True)


def test_bad_weight_decay_and_convention():
    with pytest.raises(ValueError, match=r"weight_decay=-1\.0.*allowed: .*>= 0"):
        optim.momentum_pytorch(0.1, 0.9, weight_decay=-1.0)
    with pytest.raises(ValueError, match=r"convention='adam'.*allowed: one of"):
        optim.equivalent_learning_rate(0.1, 0.9, "adam")
    with pytest.raises(ValueError, match=r"convention='adam'"):
        optim.convert_velocity([1.0], "adam", "classical", 0.1, 0.9)


def test_lookahead_zero_is_heavy_ball_and_one_batch_holds_three_methods():
    bowl = problems.Quadratic([1.0, 25.0], problems.rotation_2d(0.4))
    lr, beta, start, steps = 0.03, 0.8, np.array([1.0, -0.5]), 60
    methods = {
        "gradient descent": optim.gradient_descent(lr),
        "heavy ball": optim.momentum_classical(lr, beta),
        "nesterov": optim.lookahead_momentum(lr, beta),
    }
    alone = {name: run.run(m, bowl, start, steps) for name, m in methods.items()}
    together = run.run(
        optim.lookahead_momentum(
            lr, np.array([0.0, beta, beta]), lookahead=np.array([0.0, 0.0, beta])
        ),
        bowl,
        start,
        steps,
        batch=3,
    )
    for i, name in enumerate(methods):
        assert_allclose(together.positions[:, i], alone[name].positions, atol=1e-12)
