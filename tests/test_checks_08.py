"""Lesson 08's exercise checks: right answers pass, each known mistake is named."""

import math

import check_cases
import numpy as np
import pytest

from course_lib.checks import lesson08

# --- right answers ------------------------------------------------------------


def sutskever_momentum(t, beta_max):
    stage = t // 250 + 1
    return min(1 - 2 ** (-1 - math.log2(stage)), beta_max)


def one_cycle(step, total, lr_min, lr_max, beta_min, beta_max):
    progress = min(step, total) / total
    rise = 1 - abs(2 * progress - 1)
    lr = lr_min + (lr_max - lr_min) * rise
    beta = beta_max - (beta_max - beta_min) * rise
    return lr, beta


def effective_lr_along(lrs, betas):
    if np.any((betas < 0) | (betas >= 1)):
        raise ValueError(f"betas must lie in [0, 1), got {betas}")
    return lrs / (1 - betas)


def should_restart(grad, step):
    return bool(np.dot(grad, step) > 0)


def nesterov_with_restart(value_fn, grad_fn, x0, lr, beta, steps):
    x, velocity = x0.copy(), np.zeros_like(x0)
    positions = [x]
    for _ in range(steps):
        new_velocity = beta * velocity + lr * grad_fn(x - beta * velocity)
        new_x = x - new_velocity
        if value_fn(new_x) > value_fn(x):
            new_velocity = np.zeros_like(x0)
        x, velocity = new_x, new_velocity
        positions.append(x)
    return np.array(positions)


RIGHT = [
    (lesson08.sutskever_momentum, sutskever_momentum),
    (lesson08.one_cycle, one_cycle),
    (lesson08.effective_lr_along, effective_lr_along),
    (lesson08.should_restart, should_restart),
    (lesson08.nesterov_with_restart, nesterov_with_restart),
]


def sutskever_simplified(t, beta_max):
    return min(1 - 1 / (2 * (t // 250 + 1)), beta_max)


def one_cycle_two_phases(step, total, lr_min, lr_max, beta_min, beta_max):
    half = total / 2
    step = min(step, total)
    rise = step / half if step <= half else (total - step) / half
    return (
        lr_min + rise * (lr_max - lr_min),
        beta_max + rise * (beta_min - beta_max),
    )


def effective_with_each_beta_named(lrs, betas):
    for step, beta in enumerate(betas):
        if not 0 <= beta < 1:
            raise ValueError(f"betas[{step}] = {beta:.2e} is outside [0, 1)")
    return lrs / (1 - betas)


OTHER_RIGHT = [
    (lesson08.sutskever_momentum, sutskever_simplified),
    (lesson08.one_cycle, one_cycle_two_phases),
    (lesson08.effective_lr_along, effective_with_each_beta_named),
]


test_a_right_answer_passes_and_says_so = check_cases.right_answers_pass(RIGHT)


test_another_right_way_passes_too = check_cases.right_answers_pass(
    OTHER_RIGHT, says_correct=False
)


# --- wrong answers, each with the words its feedback must contain ------------


def sutskever_no_floor(t, beta_max):
    return min(1 - 2 ** (-1 - math.log2(t / 250 + 1)), beta_max)


def sutskever_no_cap(t, beta_max):
    return 1 - 2 ** (-1 - math.log2(t // 250 + 1))


def sutskever_max(t, beta_max):
    return max(1 - 2 ** (-1 - math.log2(t // 250 + 1)), beta_max)


def sutskever_no_minus_one(t, beta_max):
    return min(1 - 2 ** (-math.log2(t // 250 + 1)), beta_max)


def sutskever_natural_log(t, beta_max):
    return min(1 - 2 ** (-1 - math.log(t // 250 + 1)), beta_max)


def sutskever_rounded(t, beta_max):
    return min(1 - 2 ** (-1 - math.log2(round(t / 250) + 1)), beta_max)


def sutskever_no_plus_one(t, beta_max):
    return min(1 - 2 ** (-1 - np.log2(t // 250)), beta_max)


def cycle_swapped(*args):
    return one_cycle(*args)[::-1]


def cycle_beta_with_lr(step, total, lr_min, lr_max, beta_min, beta_max):
    lr, beta = one_cycle(step, total, lr_min, lr_max, beta_min, beta_max)
    return lr, beta_min + beta_max - beta


def cycle_constant_beta(step, total, lr_min, lr_max, beta_min, beta_max):
    return one_cycle(step, total, lr_min, lr_max, beta_min, beta_max)[0], beta_max


def cycle_not_clamped(step, total, lr_min, lr_max, beta_min, beta_max):
    rise = 1 - abs(2 * step / total - 1)
    return (
        lr_min + (lr_max - lr_min) * rise,
        beta_max - (beta_max - beta_min) * rise,
    )


def cycle_peak_at_end(step, total, lr_min, lr_max, beta_min, beta_max):
    rise = min(step, total) / total
    return (
        lr_min + (lr_max - lr_min) * rise,
        beta_max - (beta_max - beta_min) * rise,
    )


def cycle_to_zero(step, total, lr_min, lr_max, beta_min, beta_max):
    return one_cycle(step, total, 0.0, lr_max, beta_min, beta_max)


def cycle_integer_division(step, total, lr_min, lr_max, beta_min, beta_max):
    rise = 1 - abs(2 * min(step, total) // total - 1)
    return (
        lr_min + (lr_max - lr_min) * rise,
        beta_max - (beta_max - beta_min) * rise,
    )


def effective_times(lrs, betas):
    effective_lr_along(lrs, betas)
    return lrs * (1 - betas)


def effective_over_beta(lrs, betas):
    effective_lr_along(lrs, betas)
    return lrs / betas


def effective_squared(lrs, betas):
    effective_lr_along(lrs, betas)
    return lrs / (1 - betas) ** 2


def effective_first_beta(lrs, betas):
    effective_lr_along(lrs, betas)
    return lrs / (1 - betas[0])


def effective_no_validation(lrs, betas):
    return lrs / (1 - betas)


def effective_only_above_one(lrs, betas):
    if np.any(betas > 1):
        raise ValueError("betas must lie in [0, 1)")
    return lrs / (1 - betas)


def effective_silent_message(lrs, betas):
    if np.any((betas < 0) | (betas >= 1)):
        raise ValueError("bad input")
    return lrs / (1 - betas)


def restart_reversed(grad, step):
    return bool(np.dot(grad, step) < 0)


def restart_at_zero(grad, step):
    return bool(np.dot(grad, step) >= 0)


def restart_never(grad, step):
    return False


def restart_number(grad, step):
    return float(np.dot(grad, step))


def loop_without_restart(value_fn, grad_fn, x0, lr, beta, steps):
    return nesterov_with_restart(lambda x: 0.0, grad_fn, x0, lr, beta, steps)


def loop_rejecting(value_fn, grad_fn, x0, lr, beta, steps):
    x, velocity = x0.copy(), np.zeros_like(x0)
    positions = [x]
    for _ in range(steps):
        new_velocity = beta * velocity + lr * grad_fn(x - beta * velocity)
        new_x = x - new_velocity
        if value_fn(new_x) > value_fn(x):
            new_x, new_velocity = x, np.zeros_like(x0)
        x, velocity = new_x, new_velocity
        positions.append(x)
    return np.array(positions)


def loop_reversed(value_fn, grad_fn, x0, lr, beta, steps):
    return nesterov_with_restart(lambda x: -value_fn(x), grad_fn, x0, lr, beta, steps)


def loop_heavy_ball(value_fn, grad_fn, x0, lr, beta, steps):
    x, velocity = x0.copy(), np.zeros_like(x0)
    positions = [x]
    for _ in range(steps):
        new_velocity = beta * velocity + lr * grad_fn(x)
        new_x = x - new_velocity
        if value_fn(new_x) > value_fn(x):
            new_velocity = np.zeros_like(x0)
        x, velocity = new_x, new_velocity
        positions.append(x)
    return np.array(positions)


def loop_without_start(value_fn, grad_fn, x0, lr, beta, steps):
    return nesterov_with_restart(value_fn, grad_fn, x0, lr, beta, steps)[1:]


def loop_in_place(value_fn, grad_fn, x0, lr, beta, steps):
    x, velocity = x0, np.zeros_like(x0)
    positions = [x]
    for _ in range(steps):
        velocity = beta * velocity + lr * grad_fn(x - beta * velocity)
        x -= velocity
        positions.append(x)
    return np.array(positions)


WRONG = [
    (lesson08.sutskever_momentum, sutskever_no_floor, "rounded down"),
    (lesson08.sutskever_momentum, sutskever_no_cap, "not capped"),
    (lesson08.sutskever_momentum, sutskever_max, "max where min"),
    (lesson08.sutskever_momentum, sutskever_no_minus_one, "-1 in the exponent"),
    (lesson08.sutskever_momentum, sutskever_natural_log, "base 2"),
    (lesson08.sutskever_momentum, sutskever_rounded, "nearest whole"),
    (lesson08.sutskever_momentum, sutskever_no_plus_one, "+1 inside"),
    (lesson08.one_cycle, cycle_swapped, "wrong order"),
    (lesson08.one_cycle, cycle_beta_with_lr, "opposite way"),
    (lesson08.one_cycle, cycle_constant_beta, "stays at beta_max"),
    (lesson08.one_cycle, cycle_not_clamped, "past step total"),
    (lesson08.one_cycle, cycle_peak_at_end, "peaks at step total"),
    (lesson08.one_cycle, cycle_to_zero, "falls to 0"),
    (lesson08.one_cycle, cycle_integer_division, "step // total"),
    (lesson08.effective_lr_along, effective_times, "multiplied by (1 - beta)"),
    (lesson08.effective_lr_along, effective_over_beta, "divided by beta"),
    (lesson08.effective_lr_along, effective_squared, "squared"),
    (lesson08.effective_lr_along, effective_first_beta, "one beta for every"),
    (lesson08.effective_lr_along, effective_no_validation, "beta=1.0"),
    (lesson08.effective_lr_along, effective_only_above_one, "beta=1.0"),
    (lesson08.effective_lr_along, effective_silent_message, "which parameter"),
    (lesson08.should_restart, restart_reversed, "reversed"),
    (lesson08.should_restart, restart_at_zero, "strictly"),
    (lesson08.should_restart, restart_never, "never ask"),
    (lesson08.should_restart, restart_number, "True or False"),
    (lesson08.nesterov_with_restart, loop_without_restart, "never restarts"),
    (lesson08.nesterov_with_restart, loop_rejecting, "undo the step"),
    (lesson08.nesterov_with_restart, loop_reversed, "test is reversed"),
    (lesson08.nesterov_with_restart, loop_heavy_ball, "heavy ball"),
    (lesson08.nesterov_with_restart, loop_without_start, "row 0"),
    (lesson08.nesterov_with_restart, loop_in_place, "in place"),
]


test_a_known_mistake_is_named = check_cases.mistakes_are_named(WRONG)


test_a_check_given_something_that_is_not_a_function = (
    check_cases.not_a_function_is_refused([check for check, _ in RIGHT])
)


test_feedback_never_prints_the_expected_values = check_cases.feedback_shows_no_arrays(
    [
        (lesson08.one_cycle, cycle_to_zero),
        (lesson08.effective_lr_along, effective_times),
        (lesson08.nesterov_with_restart, loop_heavy_ball),
    ]
)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_restart_runs_do_restart(seed):
    for bowl, x0, lr, beta, steps in lesson08._restart_runs(seed):
        assert lesson08._restarts(bowl, x0, lr, beta, steps) >= 2


def test_the_schedule_starts_at_one_half_and_doubles_its_distance_to_one():
    assert sutskever_momentum(0, 0.999) == 0.5
    assert sutskever_momentum(250, 0.999) == 0.75
    assert sutskever_momentum(750, 0.999) == 0.875


# --- answers that once slipped through, or got a vague message ----------------


def effective_refuses_zero(lrs, betas):
    if np.any((betas <= 0) | (betas >= 1)):
        raise ValueError(f"betas must lie in (0, 1), got {betas}")
    return lrs / (1 - betas)


def effective_asserts(lrs, betas):
    assert np.all((betas >= 0) & (betas < 1)), "betas"
    return lrs / (1 - betas)


def effective_one_plus(lrs, betas):
    if np.any((betas < 0) | (betas >= 1)):
        raise ValueError(f"betas must lie in [0, 1), got {betas}")
    return lrs / (1 + betas)


def one_cycle_backwards(step, total, lr_min, lr_max, beta_min, beta_max):
    lr, beta = one_cycle(step, total, lr_min, lr_max, beta_min, beta_max)
    return lr_min + lr_max - lr, beta_min + beta_max - beta


def one_cycle_cosine(step, total, lr_min, lr_max, beta_min, beta_max):
    rise = (1 - math.cos(2 * math.pi * min(step, total) / total)) / 2
    return lr_min + (lr_max - lr_min) * rise, beta_max - (beta_max - beta_min) * rise


def one_cycle_stays_at_peak(step, total, lr_min, lr_max, beta_min, beta_max):
    if step >= total:
        return lr_max, beta_min
    return one_cycle(step, total, lr_min, lr_max, beta_min, beta_max)


def _restart_loop(value_fn, grad_fn, x0, lr, beta, steps, *, sign, test):
    x, velocity = np.array(x0, dtype=float), np.zeros(len(x0))
    positions = [x]
    for _ in range(steps):
        new_velocity = beta * velocity + lr * grad_fn(x + sign * beta * velocity)
        new_x = x - new_velocity
        if test(value_fn, grad_fn, x, new_x):
            new_velocity = np.zeros(len(x0))
        x, velocity = new_x, new_velocity
        positions.append(x)
    return np.array(positions)


def restart_on_ties(value_fn, grad_fn, x0, lr, beta, steps):
    def test(f, g, x, new_x):
        return f(new_x) >= f(x)

    return _restart_loop(value_fn, grad_fn, x0, lr, beta, steps, sign=-1, test=test)


def restart_on_gradient(value_fn, grad_fn, x0, lr, beta, steps):
    def test(f, g, x, new_x):
        return g(new_x) @ (new_x - x) > 0

    return _restart_loop(value_fn, grad_fn, x0, lr, beta, steps, sign=-1, test=test)


def restart_look_ahead_sign(value_fn, grad_fn, x0, lr, beta, steps):
    def test(f, g, x, new_x):
        return f(new_x) > f(x)

    return _restart_loop(value_fn, grad_fn, x0, lr, beta, steps, sign=1, test=test)


def effective_without_the_value(lrs, betas):
    if np.any((betas < 0) | (betas >= 1)):
        raise ValueError("beta out of range")
    return lrs / (1 - betas)


def effective_any_compared(lrs, betas):
    if betas.any() >= 1 or betas.any() < 0:
        raise ValueError(f"betas must lie in [0, 1), got {betas}")
    return lrs / (1 - betas)


def one_cycle_off_at_step_one(step, total, lr_min, lr_max, beta_min, beta_max):
    lr, beta = one_cycle(step, total, lr_min, lr_max, beta_min, beta_max)
    return (lr * 1.01 if step == 1 else lr), beta


MORE_WRONG = [
    (lesson08.one_cycle, one_cycle_off_at_step_one, "first at step 1."),
    (lesson08.effective_lr_along, effective_without_the_value, "give the value"),
    (lesson08.effective_lr_along, effective_any_compared, "compares a bool"),
    (lesson08.effective_lr_along, effective_refuses_zero, "β = 0 is allowed"),
    (lesson08.effective_lr_along, effective_asserts, "raised AssertionError"),
    (lesson08.effective_lr_along, effective_one_plus, "(1 + beta)"),
    (lesson08.one_cycle, one_cycle_backwards, "runs backwards"),
    (lesson08.one_cycle, one_cycle_cosine, "cosine"),
    (lesson08.one_cycle, one_cycle_stays_at_peak, "stays at its peak"),
    (lesson08.nesterov_with_restart, restart_on_ties, "stays the same"),
    (lesson08.nesterov_with_restart, restart_on_gradient, "gradient test"),
    (lesson08.nesterov_with_restart, restart_look_ahead_sign, "wrong sign"),
]


test_a_subtler_mistake_is_named = check_cases.mistakes_are_named(MORE_WRONG)


def test_a_tie_in_the_loss_is_not_a_restart():
    *_, (bowl, x0, lr, _, _) = lesson08._restart_runs(0)
    after_one = x0 - lr * bowl.grad(x0)
    assert bowl.value(after_one) == bowl.value(x0)


def sutskever_late_by_one(t, beta_max):
    return min(1 - 1 / (2 * ((t + 1) // 250 + 1)), beta_max)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_an_unnamed_schedule_mistake_says_where_beta_changes(seed):
    with pytest.raises(AssertionError, match="changing at steps 250, 500"):
        lesson08.sutskever_momentum(sutskever_late_by_one, seed=seed)
