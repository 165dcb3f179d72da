"""The checks of lesson 05: right answers pass, each known mistake is named."""

import math

import check_cases
import numpy as np
import pytest

from course_lib import run, schedules
from course_lib.checks import lesson05

# --- right answers -------------------------------------------------------------


def same_effective_rate(lr, beta_old, beta_new):
    return lr * (1 - beta_new) / (1 - beta_old)


def max_stable_learning_rate(beta, L):
    return 2 * (1 + beta) / L if abs(beta) < 1 else 0.0


def cosine_schedule(step, total, lr_max, lr_min):
    progress = min(step, total) / total
    return lr_min + (lr_max - lr_min) * (1 + math.cos(math.pi * progress)) / 2


def rescale_velocity(velocity, lr_old, lr_new):
    return velocity * (lr_new / lr_old)


def tune(final_loss, lr0, betas):
    lr = lr0
    while final_loss(lr, 0.0) == math.inf:
        lr = lr / 2
    best_lr, best_beta, best_loss = lr, 0.0, final_loss(lr, 0.0)
    for beta in betas:
        lr = best_lr
        while final_loss(lr, beta) == math.inf:
            lr = lr / 2
        if final_loss(lr, beta) >= best_loss:
            break
        best_lr, best_beta, best_loss = lr, beta, final_loss(lr, beta)
    return best_lr, best_beta


RIGHT = [
    (lesson05.same_effective_rate, same_effective_rate),
    (lesson05.max_stable_learning_rate, max_stable_learning_rate),
    (lesson05.cosine_schedule, cosine_schedule),
    (lesson05.rescale_velocity, rescale_velocity),
    (lesson05.tune, tune),
]


test_a_right_answer_passes_and_says_so = check_cases.right_answers_pass(RIGHT)


def test_numpy_scalars_and_a_vectorised_cosine_pass_too(capsys):
    def cosine_with_numpy(step, total, lr_max, lr_min):
        angle = np.pi * np.minimum(step, total) / total
        return lr_min + (lr_max - lr_min) * 0.5 * (1 + np.cos(angle))

    lesson05.cosine_schedule(cosine_with_numpy)
    assert capsys.readouterr().out.startswith("✓ cosine_schedule: correct")


# --- wrong answers, each with the words its feedback must contain -------------


def ratio_upside_down(lr, beta_old, beta_new):
    return lr * (1 - beta_old) / (1 - beta_new)


def one_plus_beta(lr, beta_old, beta_new):
    return lr * (1 + beta_new) / (1 + beta_old)


def returns_the_effective_rate(lr, beta_old, beta_new):
    return lr / (1 - beta_old)


def ignores_the_old_beta(lr, beta_old, beta_new):
    return lr * (1 - beta_new)


def ratio_of_betas(lr, beta_old, beta_new):
    return lr * beta_new / beta_old


def gradient_descent_limit(beta, L):
    return 2 / L


def one_minus_beta_limit(beta, L):
    return 2 * (1 - beta) / L if abs(beta) < 1 else 0.0


def limit_without_the_two(beta, L):
    return (1 + beta) / L if abs(beta) < 1 else 0.0


def effective_rate_limit(beta, L):
    return 2 / (L * (1 - beta)) if abs(beta) < 1 else 0.0


def limit_with_a_square_root(beta, L):
    return 2 * (1 + math.sqrt(abs(beta))) / L if abs(beta) < 1 else 0.0


def limit_for_every_beta(beta, L):
    return 2 * (1 + beta) / L


def limit_negative_below_minus_one(beta, L):
    return 2 * (1 + beta) / L if beta < 1 else 0.0


def limit_stable_at_one(beta, L):
    return 2 * (1 + beta) / L if -1 < beta <= 1 else 0.0


def limit_without_negative_beta(beta, L):
    return 2 * (1 + beta) / L if 0 <= beta < 1 else 0.0


def cosine_not_held(step, total, lr_max, lr_min):
    return lr_min + (lr_max - lr_min) * (1 + math.cos(math.pi * step / total)) / 2


def cosine_full_period(step, total, lr_max, lr_min):
    progress = min(step, total) / total
    return lr_min + (lr_max - lr_min) * (1 + math.cos(2 * math.pi * progress)) / 2


def cosine_in_degrees(step, total, lr_max, lr_min):
    progress = min(step, total) / total
    return lr_min + (lr_max - lr_min) * (1 + math.cos(180 * progress)) / 2


def cosine_without_shift(step, total, lr_max, lr_min):
    progress = min(step, total) / total
    return lr_min + (lr_max - lr_min) * math.cos(math.pi * progress)


def cosine_climbs(step, total, lr_max, lr_min):
    return cosine_schedule(step, total, lr_min, lr_max)


def cosine_to_zero(step, total, lr_max, lr_min):
    progress = min(step, total) / total
    return lr_max * (1 + math.cos(math.pi * progress)) / 2


def cosine_one_step_ahead(step, total, lr_max, lr_min):
    return cosine_schedule(step + 1, total, lr_max, lr_min)


def cosine_integer_division(step, total, lr_max, lr_min):
    progress = min(step, total) // total
    return lr_min + (lr_max - lr_min) * (1 + math.cos(math.pi * progress)) / 2


def velocity_upside_down(velocity, lr_old, lr_new):
    return velocity * lr_old / lr_new


def velocity_unchanged(velocity, lr_old, lr_new):
    return velocity


def velocity_reset(velocity, lr_old, lr_new):
    return np.zeros_like(velocity)


def pytorch_buffer(velocity, lr_old, lr_new):
    return velocity / lr_old


def velocity_scaled_twice(velocity, lr_old, lr_new):
    return velocity * lr_new / lr_old**2


def velocity_in_place(velocity, lr_old, lr_new):
    velocity *= lr_new / lr_old
    return velocity


def velocity_shifted(velocity, lr_old, lr_new):
    return velocity - (lr_old - lr_new)


def velocity_as_a_list(velocity, lr_old, lr_new):
    return [row * (lr_new / lr_old) for row in velocity]


def tune_with(final_loss, lr0, betas, *, cut=2, baseline=True, restart=False):
    """The recipe with a chosen cut, with or without the run at beta = 0,
    and starting every beta from the best learning rate or from lr0."""
    lr = lr0
    while baseline and final_loss(lr, 0.0) == math.inf:
        lr = lr / cut
    best = (lr, 0.0, final_loss(lr, 0.0) if baseline else math.inf)
    for beta in betas:
        lr = lr0 if restart else best[0]
        while final_loss(lr, beta) == math.inf:
            lr = lr / cut
        if final_loss(lr, beta) >= best[2]:
            break
        best = (lr, beta, final_loss(lr, beta))
    return best[0], best[1]


def tune_without_gradient_descent(final_loss, lr0, betas):
    return tune_with(final_loss, lr0, betas, baseline=False)


def tune_cutting_by_ten(final_loss, lr0, betas):
    return tune_with(final_loss, lr0, betas, cut=10)


def tune_restarting_from_lr0(final_loss, lr0, betas):
    return tune_with(final_loss, lr0, betas, restart=True)


def tune_restarting_from_gradient_descent(final_loss, lr0, betas):
    lr = lr0
    while final_loss(lr, 0.0) == math.inf:
        lr = lr / 2
    gradient_descent_lr, best = lr, (lr, 0.0, final_loss(lr, 0.0))
    for beta in betas:
        lr = gradient_descent_lr  # the recipe starts from the best run's lr
        while final_loss(lr, beta) == math.inf:
            lr = lr / 2
        if final_loss(lr, beta) >= best[2]:
            break
        best = (lr, beta, final_loss(lr, beta))
    return best[0], best[1]


def tune_halving_first(final_loss, lr0, betas):
    return tune(final_loss, lr0 / 2, betas)


def tune_stopping_at_a_divergence(final_loss, lr0, betas):
    lr = lr0
    while final_loss(lr, 0.0) == math.inf:
        lr = lr / 2
    best = (lr, 0.0, final_loss(lr, 0.0))
    for beta in betas:
        loss = final_loss(best[0], beta)
        if loss >= best[2]:
            break
        best = (best[0], beta, loss)
    return best[0], best[1]


def tune_keeping_the_worse(final_loss, lr0, betas):
    lr = lr0
    while final_loss(lr, 0.0) == math.inf:
        lr = lr / 2
    best_loss, beta = final_loss(lr, 0.0), 0.0
    for beta in betas:
        while final_loss(lr, beta) == math.inf:
            lr = lr / 2
        if final_loss(lr, beta) >= best_loss:
            break
        best_loss = final_loss(lr, beta)
    return lr, beta


def tune_going_on(final_loss, lr0, betas):
    lr = lr0
    while final_loss(lr, 0.0) == math.inf:
        lr = lr / 2
    best = (lr, 0.0, final_loss(lr, 0.0))
    for beta in betas:
        lr = best[0]
        while final_loss(lr, beta) == math.inf:
            lr = lr / 2
        if final_loss(lr, beta) < best[2]:
            best = (lr, beta, final_loss(lr, beta))
    return best[0], best[1]


def tune_forgetting_the_halved_rate(final_loss, lr0, betas):
    lr = lr0
    while final_loss(lr, 0.0) == math.inf:
        lr = lr / 2
    return lr0, 0.0


def tune_preferring_higher_losses(final_loss, lr0, betas):
    lr = lr0
    while final_loss(lr, 0.0) == math.inf:
        lr = lr / 2
    best = (lr, 0.0, final_loss(lr, 0.0))
    for beta in betas:
        lr = best[0]
        while final_loss(lr, beta) == math.inf:
            lr = lr / 2
        if final_loss(lr, beta) <= best[2]:
            break
        best = (lr, beta, final_loss(lr, beta))
    return best[0], best[1]


def tune_with_one_beta(final_loss, lr0, betas):
    return tune(final_loss, lr0, betas[:1])


def tune_swapped(final_loss, lr0, betas):
    return tune(final_loss, lr0, betas)[::-1]


def tune_doubling(final_loss, lr0, betas):
    lr = lr0
    while final_loss(lr, 0.0) == math.inf:
        lr = lr * 2
    return lr, 0.0


def tune_halving_to_zero(final_loss, lr0, betas):
    lr = lr0
    while final_loss(lr, 0.0) == math.inf:
        lr = lr // 2
    return lr, 0.0


def tune_without_asking(final_loss, lr0, betas):
    return lr0 / 2, betas[0]


def tune_halving_at_most_once(final_loss, lr0, betas, *, first=True, later=True):
    """The recipe with an `if` where it needs a `while`: without momentum
    (first), with it (later), or both."""
    lr = lr0
    if final_loss(lr, 0.0) == math.inf:
        lr = lr / 2
    while not first and final_loss(lr, 0.0) == math.inf:
        lr = lr / 2
    best = (lr, 0.0, final_loss(lr, 0.0))
    for beta in betas:
        lr = best[0]
        if final_loss(lr, beta) == math.inf:
            lr = lr / 2
        while not later and final_loss(lr, beta) == math.inf:
            lr = lr / 2
        if final_loss(lr, beta) >= best[2]:
            break
        best = (lr, beta, final_loss(lr, beta))
    return best[0], best[1]


def tune_halving_once_without_momentum(final_loss, lr0, betas):
    return tune_halving_at_most_once(final_loss, lr0, betas, later=False)


def tune_halving_once_with_momentum(final_loss, lr0, betas):
    return tune_halving_at_most_once(final_loss, lr0, betas, first=False)


def tune_halving_once_everywhere(final_loss, lr0, betas):
    return tune_halving_at_most_once(final_loss, lr0, betas)


def tune_testing_for_nan(final_loss, lr0, betas):
    lr = lr0
    while np.isnan(final_loss(lr, 0.0)):
        lr = lr / 2
    best = (lr, 0.0, final_loss(lr, 0.0))
    for beta in betas:
        lr = best[0]
        while np.isnan(final_loss(lr, beta)):
            lr = lr / 2
        if final_loss(lr, beta) >= best[2]:
            break
        best = (lr, beta, final_loss(lr, beta))
    return best[0], best[1]


def cosine_with_pi_typed_by_hand(step, total, lr_max, lr_min):
    progress = min(step, total) / total
    return lr_min + (lr_max - lr_min) * (1 + math.cos(3.14159 * progress)) / 2


def rescaled_and_rounded(velocity, lr_old, lr_new):
    ratio = float(f"{lr_new / lr_old:.5g}")  # the ratio rounded to 5 digits
    return velocity * ratio


WRONG = [
    (lesson05.tune, tune_restarting_from_gradient_descent, "found without"),
    (lesson05.cosine_schedule, cosine_with_pi_typed_by_hand, "five digits"),
    (lesson05.rescale_velocity, rescaled_and_rounded, "five digits"),
    (lesson05.same_effective_rate, ratio_upside_down, "upside down"),
    (lesson05.same_effective_rate, one_plus_beta, "(1 + beta)"),
    (lesson05.same_effective_rate, returns_the_effective_rate, "That is an effective"),
    (lesson05.same_effective_rate, ignores_the_old_beta, "ignores the old beta"),
    (lesson05.same_effective_rate, ratio_of_betas, "ratio of the betas"),
    (lesson05.max_stable_learning_rate, gradient_descent_limit, "2/L and left beta"),
    (lesson05.max_stable_learning_rate, one_minus_beta_limit, "(1 - beta)"),
    (lesson05.max_stable_learning_rate, limit_without_the_two, "factor of 2"),
    (lesson05.max_stable_learning_rate, effective_rate_limit, "effective-learning"),
    (lesson05.max_stable_learning_rate, limit_with_a_square_root, "√beta"),
    (lesson05.max_stable_learning_rate, limit_for_every_beta, "beta >= 1"),
    (lesson05.max_stable_learning_rate, limit_negative_below_minus_one, "beta <= -1"),
    (lesson05.max_stable_learning_rate, limit_stable_at_one, "beta >= 1"),
    (lesson05.max_stable_learning_rate, limit_without_negative_beta, "negative beta"),
    (lesson05.cosine_schedule, cosine_not_held, "does not stay at lr_min"),
    (lesson05.cosine_schedule, cosine_full_period, "full period"),
    (lesson05.cosine_schedule, cosine_in_degrees, "degrees"),
    (lesson05.cosine_schedule, cosine_without_shift, "drops below lr_min"),
    (lesson05.cosine_schedule, cosine_climbs, "starts at lr_min"),
    (lesson05.cosine_schedule, cosine_to_zero, "falls to 0"),
    (lesson05.cosine_schedule, cosine_one_step_ahead, "one step ahead"),
    (lesson05.cosine_schedule, cosine_integer_division, "integer division"),
    (lesson05.rescale_velocity, velocity_upside_down, "upside down"),
    (lesson05.rescale_velocity, velocity_unchanged, "unchanged"),
    (lesson05.rescale_velocity, velocity_reset, "reset the velocity"),
    (lesson05.rescale_velocity, pytorch_buffer, "PyTorch buffer"),
    (lesson05.rescale_velocity, velocity_scaled_twice, "times the right size"),
    (lesson05.rescale_velocity, velocity_in_place, "changed its input `velocity`"),
    (lesson05.rescale_velocity, velocity_shifted, "a rescaling multiplies"),
    (lesson05.rescale_velocity, velocity_as_a_list, "returned a list"),
    (lesson05.tune, tune_without_gradient_descent, "(beta = 0) included"),
    (lesson05.tune, tune_halving_first, "once too often"),
    (lesson05.tune, tune_cutting_by_ten, "factor other than 2"),
    (lesson05.tune, tune_restarting_from_lr0, "start from lr0 itself"),
    (lesson05.tune, tune_stopping_at_a_divergence, "yours stops there"),
    (lesson05.tune, tune_halving_once_without_momentum, "Without momentum you halve"),
    (lesson05.tune, tune_halving_once_with_momentum, "halves the learning rate only"),
    (lesson05.tune, tune_halving_once_everywhere, "Without momentum you halve"),
    (lesson05.tune, tune_testing_for_nan, "can be inf, not only NaN"),
    (lesson05.tune, tune_going_on, "went on raising beta"),
    (lesson05.tune, tune_keeping_the_worse, "no better than the best before it"),
    (lesson05.tune, tune_swapped, "wrong order"),
    (lesson05.tune, tune_forgetting_the_halved_rate, "you returned diverges"),
    (lesson05.tune, tune_preferring_higher_losses, "wrong way round"),
    (lesson05.tune, tune_with_one_beta, "stopped after the first beta"),
    (lesson05.tune, tune_doubling, "times without finishing"),
    (lesson05.tune, tune_halving_to_zero, "rounds down"),
    (lesson05.tune, tune_without_asking, "never called final_loss"),
]


test_a_known_mistake_is_named = check_cases.mistakes_are_named(WRONG, seeds=None)


def test_an_unrecognised_mistake_still_says_where_and_by_how_much():
    def cosine_a_little_high(step, total, lr_max, lr_min):
        return 1.01 * cosine_schedule(step, total, lr_max, lr_min)

    with pytest.raises(AssertionError, match=r"at step 0 is 1% too high"):
        lesson05.cosine_schedule(cosine_a_little_high)


def test_feedback_never_prints_the_expected_values():
    with pytest.raises(AssertionError) as raised:
        lesson05.rescale_velocity(velocity_upside_down)
    assert "[" not in str(raised.value), "no arrays in the feedback"


@pytest.mark.parametrize("check", [check for check, _ in RIGHT])
def test_a_check_given_something_that_is_not_a_function(check):
    with pytest.raises(AssertionError, match="should be a function"):
        check(42)


RARE = [
    (lesson05.tune, tune_going_on, "went on raising beta"),
    (lesson05.tune, tune_halving_once_with_momentum, "halves the learning rate only"),
    (lesson05.tune, tune_halving_once_without_momentum, "Without momentum you halve"),
    (lesson05.tune, tune_testing_for_nan, "can be inf, not only NaN"),
    (lesson05.max_stable_learning_rate, limit_stable_at_one, "beta >= 1"),
]


@pytest.mark.parametrize(
    "check, answer, words", RARE, ids=[wrong.__name__ for _, wrong, _ in RARE]
)
@pytest.mark.parametrize("seed", range(6))
def test_a_mistake_that_only_some_inputs_show_is_caught_with_every_seed(
    check, answer, words, seed
):
    # Cases made for them: a ravine where one halving is not enough, a valley
    # where the jump to a large beta needs several, one where the loss does not
    # fall steadily with beta, and beta = 1 itself.
    with pytest.raises(AssertionError, match=words):
        check(answer, seed=seed)


@pytest.mark.parametrize("seed", range(3))
def test_the_cases_made_for_a_mistake_show_it(seed):
    cases = list(lesson05._tune_cases(seed))
    assert [len(betas) for _, _, betas in cases] == [4, 4, 4, 2, 7, 3]
    for runs, lr0, betas in cases:
        right = tune(runs.fresh(), lr0, betas)
        assert right != tune_going_on(runs.fresh(), lr0, betas) or len(betas) != 7
        once = tune_halving_once_with_momentum(runs.fresh(), lr0, betas)
        assert right != once or len(betas) != 2
    table, lr0, betas = cases[-1]
    right = tune(table.fresh(), lr0, betas)
    from_lr0 = tune_restarting_from_lr0(table.fresh(), lr0, betas)
    from_gd = tune_restarting_from_gradient_descent(table.fresh(), lr0, betas)
    assert len({right, from_lr0, from_gd}) == 3


def test_a_tune_that_empties_the_list_of_betas_is_told_so():
    def tune_popping(final_loss, lr0, betas):
        while betas:
            betas.pop()
        return tune(final_loss, lr0, [0.9])

    with pytest.raises(AssertionError, match="changed the list `betas`"):
        lesson05.tune(tune_popping)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_recipe_of_the_task_is_the_lessons(seed):
    # The check's runs, given to the library's recipe, keep the same setting.
    for runs, lr0, betas in lesson05._tune_cases(seed):
        if isinstance(runs, lesson05._Table):
            continue  # a made-up loss table, with no problem to run
        tuned = run.tune_momentum(
            runs.problem, runs.start, runs.steps, lr0, betas=betas
        )
        assert np.isclose(tuned.learning_rate, tune(runs, lr0, betas)[0])
        assert tuned.beta == tune(runs, lr0, betas)[1]


def test_the_cosine_of_the_task_is_the_lessons():
    lr = schedules.cosine_decay(0.1, 40, final=0.001)
    for step in range(60):
        assert np.isclose(lr(step), cosine_schedule(step, 40, 0.1, 0.001))
