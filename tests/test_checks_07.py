"""Lesson 07's exercise checks: right answers pass, each known mistake is named."""

import math

import check_cases
import numpy as np
import pytest

from course_lib.checks import lesson07

# --- right answers ------------------------------------------------------------


def clip_by_global_norm(grads, max_norm):
    norm = np.sqrt(sum(np.sum(g**2) for g in grads))
    factor = min(1.0, max_norm / norm)
    return [factor * g for g in grads]


def safe_norm(g):
    biggest = np.max(np.abs(g))
    if biggest == 0:
        return 0.0
    return float(biggest * np.sqrt(np.sum((g / biggest) ** 2)))


def velocity_bound(lr, beta, max_norm):
    return lr * max_norm / (1 - beta)


def accumulate_and_clip(microbatch_grads, max_norm):
    mean = microbatch_grads.mean(axis=0)
    norm = np.linalg.norm(mean)
    return mean * min(1.0, max_norm / norm)


def clipped_momentum_step(x, velocity, grad, lr, beta, max_norm):
    if not np.all(np.isfinite(grad)):
        return x.copy(), velocity.copy()
    norm = safe_norm(grad)
    clipped = grad * min(1.0, max_norm / norm)
    new_velocity = beta * velocity + lr * clipped
    return x - new_velocity, new_velocity


RIGHT = [
    (lesson07.clip_by_global_norm, clip_by_global_norm),
    (lesson07.safe_norm, safe_norm),
    (lesson07.velocity_bound, velocity_bound),
    (lesson07.accumulate_and_clip, accumulate_and_clip),
    (lesson07.clipped_momentum_step, clipped_momentum_step),
]


def global_norm_flat(grads, max_norm):
    flat = np.concatenate([g.ravel() for g in grads])
    norm = np.linalg.norm(flat)
    return [g * min(1.0, max_norm / norm) for g in grads]


def norm_by_hypot(g):
    return math.hypot(*g)


def clipped_step_in_place_free(x, velocity, grad, lr, beta, max_norm):
    if np.isnan(grad).any() or np.isinf(grad).any():
        return x, velocity
    scale = max_norm / max(math.hypot(*grad), max_norm)
    velocity = beta * velocity + lr * scale * grad
    return x - velocity, velocity


OTHER_RIGHT = [
    (lesson07.clip_by_global_norm, global_norm_flat),
    (lesson07.safe_norm, norm_by_hypot),
    (lesson07.clipped_momentum_step, clipped_step_in_place_free),
]


test_a_right_answer_passes_and_says_so = check_cases.right_answers_pass(RIGHT)


test_another_right_way_passes_too = check_cases.right_answers_pass(
    OTHER_RIGHT, says_correct=False
)


# --- wrong answers, each with the words its feedback must contain ------------


def _clip(g, max_norm):
    return g * min(1.0, max_norm / safe_norm(g))


def global_per_block(grads, max_norm):
    return [_clip(g, max_norm) for g in grads]


def global_by_value(grads, max_norm):
    return [np.clip(g, -max_norm, max_norm) for g in grads]


def global_always_rescaled(grads, max_norm):
    norm = np.sqrt(sum(np.sum(g**2) for g in grads))
    return [g * max_norm / norm for g in grads]


def global_squared_norm(grads, max_norm):
    squared = sum(np.sum(g**2) for g in grads)
    return [g * min(1.0, max_norm / squared) for g in grads]


def global_upside_down(grads, max_norm):
    norm = np.sqrt(sum(np.sum(g**2) for g in grads))
    return [g * min(1.0, norm / max_norm) for g in grads]


def global_max_for_min(grads, max_norm):
    norm = np.sqrt(sum(np.sum(g**2) for g in grads))
    return [g * max(1.0, max_norm / norm) for g in grads]


def global_sum_of_norms(grads, max_norm):
    norm = sum(np.linalg.norm(g) for g in grads)
    return [g * min(1.0, max_norm / norm) for g in grads]


def global_concatenated(grads, max_norm):
    flat = np.concatenate([g.ravel() for g in grads])
    return _clip(flat, max_norm)


def global_in_place(grads, max_norm):
    norm = np.sqrt(sum(np.sum(g**2) for g in grads))
    for g in grads:
        g *= min(1.0, max_norm / norm)
    return grads


def global_no_return(grads, max_norm):
    clip_by_global_norm(grads, max_norm)


def norm_plain(g):
    return float(np.sqrt(np.sum(g**2)))


def norm_linalg(g):
    return float(np.linalg.norm(g))


def norm_not_scaled_back(g):
    biggest = np.max(np.abs(g))
    if biggest == 0:
        return 0.0
    return float(np.sqrt(np.sum((g / biggest) ** 2)))


def norm_zero_division(g):
    biggest = np.max(np.abs(g))
    return float(biggest * np.sqrt(np.sum((g / biggest) ** 2)))


def norm_max_not_abs(g):
    biggest = np.max(g)
    if biggest == 0:
        return 0.0
    return float(biggest * np.sqrt(np.sum((g / biggest) ** 2)))


def norm_l1(g):
    return float(np.sum(np.abs(g)))


def norm_max(g):
    return float(np.max(np.abs(g)))


def bound_without_lr(lr, beta, max_norm):
    return max_norm / (1 - beta)


def bound_one_step(lr, beta, max_norm):
    return lr * max_norm


def bound_off_by_one(lr, beta, max_norm):
    return lr * max_norm * beta / (1 - beta)


def bound_beta_squared(lr, beta, max_norm):
    return lr * max_norm / (1 - beta**2)


def bound_times(lr, beta, max_norm):
    return lr * max_norm * (1 - beta)


def bound_over_beta(lr, beta, max_norm):
    return lr * max_norm / beta


def accumulate_clip_each(microbatch_grads, max_norm):
    return np.mean([_clip(g, max_norm) for g in microbatch_grads], axis=0)


def accumulate_clip_each_sum(microbatch_grads, max_norm):
    return np.sum([_clip(g, max_norm) for g in microbatch_grads], axis=0)


def accumulate_clip_sum(microbatch_grads, max_norm):
    return _clip(microbatch_grads.sum(axis=0), max_norm)


def accumulate_clip_sum_divided(microbatch_grads, max_norm):
    return _clip(microbatch_grads.sum(axis=0), max_norm) / len(microbatch_grads)


def accumulate_no_clip(microbatch_grads, max_norm):
    return microbatch_grads.mean(axis=0)


def accumulate_shape(microbatch_grads, max_norm):
    return _clip(microbatch_grads.mean(axis=0), max_norm)[None, :]


def step_clip_velocity(x, velocity, grad, lr, beta, max_norm):
    if not np.all(np.isfinite(grad)):
        return x, velocity
    new_velocity = _clip(beta * velocity + lr * grad, max_norm)
    return x - new_velocity, new_velocity


def step_no_clip(x, velocity, grad, lr, beta, max_norm):
    if not np.all(np.isfinite(grad)):
        return x, velocity
    new_velocity = beta * velocity + lr * grad
    return x - new_velocity, new_velocity


def step_by_value(x, velocity, grad, lr, beta, max_norm):
    if not np.all(np.isfinite(grad)):
        return x, velocity
    new_velocity = beta * velocity + lr * np.clip(grad, -max_norm, max_norm)
    return x - new_velocity, new_velocity


def step_averaging(x, velocity, grad, lr, beta, max_norm):
    if not np.all(np.isfinite(grad)):
        return x, velocity
    new_velocity = beta * velocity + (1 - beta) * lr * _clip(grad, max_norm)
    return x - new_velocity, new_velocity


def step_norm_overflows(x, velocity, grad, lr, beta, max_norm):
    if not np.all(np.isfinite(grad)):
        return x, velocity
    norm = np.sqrt(np.sum(grad**2))
    new_velocity = beta * velocity + lr * grad * min(1.0, max_norm / norm)
    return x - new_velocity, new_velocity


def step_skips_an_infinite_norm(x, velocity, grad, lr, beta, max_norm):
    norm = np.sqrt(np.sum(grad**2))
    if not np.isfinite(norm):
        return x, velocity
    new_velocity = beta * velocity + lr * grad * min(1.0, max_norm / norm)
    return x - new_velocity, new_velocity


def step_lets_nan_through(x, velocity, grad, lr, beta, max_norm):
    new_velocity = beta * velocity + lr * _clip(grad, max_norm)
    return x - new_velocity, new_velocity


def step_silent_zero(x, velocity, grad, lr, beta, max_norm):
    grad = np.where(np.isfinite(grad), grad, 0.0)
    if not np.any(grad):
        grad = np.zeros_like(grad)
    finite = np.all(np.isfinite(grad))
    clipped = _clip(grad, max_norm) if finite and np.any(grad) else grad
    new_velocity = beta * velocity + lr * clipped
    return x - new_velocity, new_velocity


def step_zero_when_bad(x, velocity, grad, lr, beta, max_norm):
    if not np.all(np.isfinite(grad)):
        grad = np.zeros_like(grad)
    else:
        grad = _clip(grad, max_norm)
    new_velocity = beta * velocity + lr * grad
    return x - new_velocity, new_velocity


def step_raises(x, velocity, grad, lr, beta, max_norm):
    if not np.all(np.isfinite(grad)):
        raise ValueError("gradient is not finite")
    return clipped_momentum_step(x, velocity, grad, lr, beta, max_norm)


def step_swapped(x, velocity, grad, lr, beta, max_norm):
    return clipped_momentum_step(x, velocity, grad, lr, beta, max_norm)[::-1]


def global_norm_returns_the_blocks(grads, max_norm):
    norm = np.sqrt(sum(np.sum(g**2) for g in grads))
    if norm <= max_norm:
        return grads
    return [g * (max_norm / norm) for g in grads]


def step_velocity_in_place(x, velocity, grad, lr, beta, max_norm):
    new_x, new_velocity = clipped_momentum_step(x, velocity, grad, lr, beta, max_norm)
    velocity[:] = new_velocity
    return new_x, velocity


WRONG = [
    (lesson07.clipped_momentum_step, step_velocity_in_place, "`velocity` in place"),
    (lesson07.clip_by_global_norm, global_norm_returns_the_blocks, "own arrays"),
    (lesson07.clip_by_global_norm, global_per_block, "per-block"),
    (lesson07.clip_by_global_norm, global_by_value, "clipping by value"),
    (lesson07.clip_by_global_norm, global_always_rescaled, "always ends"),
    (lesson07.clip_by_global_norm, global_squared_norm, "squared norm"),
    (lesson07.clip_by_global_norm, global_upside_down, "upside down"),
    (lesson07.clip_by_global_norm, global_max_for_min, "max where min"),
    (lesson07.clip_by_global_norm, global_sum_of_norms, "adds the blocks' norms"),
    (lesson07.clip_by_global_norm, global_concatenated, "one NumPy array"),
    (lesson07.clip_by_global_norm, global_in_place, "in place"),
    (lesson07.clip_by_global_norm, global_no_return, "returned None"),
    (lesson07.safe_norm, norm_plain, "overflows"),
    (lesson07.safe_norm, norm_linalg, "overflows"),
    (lesson07.safe_norm, norm_not_scaled_back, "scale the result back"),
    (lesson07.safe_norm, norm_zero_division, "0 by 0"),
    (lesson07.safe_norm, norm_max_not_abs, "negative"),
    (lesson07.safe_norm, norm_l1, "sum of |entries|"),
    (lesson07.safe_norm, norm_max, "max norm"),
    (lesson07.velocity_bound, bound_without_lr, "learning rate is missing"),
    (lesson07.velocity_bound, bound_one_step, "single step"),
    (lesson07.velocity_bound, bound_off_by_one, "off by one term"),
    (lesson07.velocity_bound, bound_beta_squared, "beta²"),
    (lesson07.velocity_bound, bound_times, "multiplied by (1 - beta)"),
    (lesson07.velocity_bound, bound_over_beta, "divided by beta"),
    (lesson07.accumulate_and_clip, accumulate_clip_each, "then averaged"),
    (lesson07.accumulate_and_clip, accumulate_clip_each_sum, "added them up"),
    (lesson07.accumulate_and_clip, accumulate_clip_sum, "clipped the sum"),
    (lesson07.accumulate_and_clip, accumulate_clip_sum_divided, "then divided"),
    (lesson07.accumulate_and_clip, accumulate_no_clip, "not clipped"),
    (lesson07.accumulate_and_clip, accumulate_shape, "shape"),
    (lesson07.clipped_momentum_step, step_clip_velocity, "clipped the velocity"),
    (lesson07.clipped_momentum_step, step_no_clip, "not clipped"),
    (lesson07.clipped_momentum_step, step_by_value, "clipping by value"),
    (lesson07.clipped_momentum_step, step_averaging, "averaging convention"),
    (lesson07.clipped_momentum_step, step_lets_nan_through, "went into"),
    (lesson07.clipped_momentum_step, step_norm_overflows, "norm overflowed"),
    (lesson07.clipped_momentum_step, step_skips_an_infinite_norm, "You skipped a step"),
    (lesson07.clipped_momentum_step, step_zero_when_bad, "by zeros"),
    (lesson07.clipped_momentum_step, step_raises, "skip the step instead"),
    (lesson07.clipped_momentum_step, step_swapped, "wrong order"),
]


test_a_known_mistake_is_named = check_cases.mistakes_are_named(WRONG)


test_a_check_given_something_that_is_not_a_function = (
    check_cases.not_a_function_is_refused([check for check, _ in RIGHT])
)


test_feedback_never_prints_the_expected_values = check_cases.feedback_shows_no_arrays(
    [
        (lesson07.clip_by_global_norm, global_per_block),
        (lesson07.accumulate_and_clip, accumulate_clip_each),
        (lesson07.clipped_momentum_step, step_no_clip),
    ]
)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_cases_separate_global_from_per_block_and_each_from_once(seed):
    """In every over-the-limit case one block is over the limit (with entries
    over it) and the others are under it, and every micro-batch gradient is
    over it, so that the wrong ways of clipping give other answers."""
    *over, (blocks, max_norm) = lesson07._block_cases(seed)
    assert np.sqrt(sum(np.sum(b**2) for b in blocks)) < max_norm
    for blocks, max_norm in over:
        assert np.max(np.abs(blocks[0])) > max_norm
        assert max(np.linalg.norm(b) for b in blocks[1:]) < max_norm
    for grads, max_norm in lesson07._microbatch_cases(seed):
        assert np.linalg.norm(grads, axis=1).min() > max_norm
    *_, (grads, max_norm) = lesson07._microbatch_cases(seed)
    assert np.linalg.norm(grads.mean(axis=0)) < max_norm


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_safe_norm_cases_reach_past_the_float_range(seed):
    cases = dict(lesson07._norm_cases(seed))
    with np.errstate(all="ignore"):
        assert np.isinf(np.sum(cases["entries near 1e200"] ** 2))
        assert np.sum(cases["entries near 1e-200"] ** 2) == 0
    assert safe_norm(cases["entries near 1e200"]) > 1e199


def step_nan_to_num(x, velocity, grad, lr, beta, max_norm):
    grad = np.nan_to_num(grad, nan=0.0, posinf=0.0, neginf=0.0)
    new_velocity = beta * velocity + lr * _clip(grad, max_norm)
    return x - new_velocity, new_velocity


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_zeroing_only_the_bad_entries_is_named_too(seed):
    with pytest.raises(AssertionError, match="by zeros"):
        lesson07.clipped_momentum_step(step_nan_to_num, seed=seed)


# --- answers that once got a misleading or vague message ----------------------


def global_with_epsilon(grads, max_norm):
    norm = math.sqrt(sum(float(np.sum(g**2)) for g in grads))
    return [g * min(1.0, max_norm / (norm + 1e-6)) for g in grads]


def norm_root_mean_square(g):
    biggest = np.max(np.abs(g))
    if biggest == 0:
        return 0.0
    return float(biggest * np.sqrt(np.mean((g / biggest) ** 2)))


def bound_one_plus_beta(lr, beta, max_norm):
    return lr * max_norm / (1 + beta)


def bound_lr_beta_swapped(lr, beta, max_norm):
    return beta * max_norm / (1 - lr)


def bound_ten_steps(lr, beta, max_norm):
    return sum(lr * max_norm * beta**k for k in range(10))


def accumulate_always_rescaled(microbatch_grads, max_norm):
    mean = microbatch_grads.mean(axis=0)
    return mean * max_norm / np.linalg.norm(mean)


MORE_WRONG = [
    (lesson07.clip_by_global_norm, global_with_epsilon, "epsilon"),
    (lesson07.safe_norm, norm_root_mean_square, "root mean square"),
    (lesson07.velocity_bound, bound_one_plus_beta, "(1 + beta)"),
    (lesson07.velocity_bound, bound_lr_beta_swapped, "mixed up lr and beta"),
    (lesson07.velocity_bound, bound_ten_steps, "every step, however many"),
    (lesson07.accumulate_and_clip, accumulate_always_rescaled, "always ends"),
]


@pytest.mark.parametrize(
    "check, answer, words",
    MORE_WRONG,
    ids=[wrong.__name__ for _, wrong, _ in MORE_WRONG],
)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_subtler_mistake_is_named(check, answer, words, seed):
    with pytest.raises(AssertionError) as raised:
        check(answer, seed=seed)
    message = str(raised.value)
    assert words in message, message
    assert "clipped the sum" not in message
    assert len(message) < 400, "feedback should be a sentence or two"
