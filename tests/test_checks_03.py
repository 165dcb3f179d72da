"""Lesson 03's exercise checks: right answers pass, each known mistake is named."""

import cmath
import math

import check_cases
import numpy as np
import pytest

from course_lib.checks import lesson03

# --- right answers ------------------------------------------------------------


def plateau_position(x0, slope, lr, beta, k):
    steps = np.arange(1, k + 1)
    return x0 - lr * slope * np.sum((1 - beta**steps) / (1 - beta))


def steps_to_build_up(beta, fraction):
    return math.ceil(math.log(1 - fraction) / math.log(beta))


def saddle_growth(lr, beta, curvature):
    h = lr * curvature
    matrix = np.array([[1 - h, -beta], [h, beta]])
    return float(np.abs(np.linalg.eigvals(matrix)).max())


def escape_steps(growth, offset, threshold):
    if offset >= threshold:
        return 0
    return math.ceil(math.log(threshold / offset) / math.log(growth))


def direction_rates(lr, beta, eigenvalues):
    rates = np.array([saddle_growth(lr, beta, value) for value in eigenvalues])
    return rates, int(np.argmax(rates))


RIGHT = [
    (lesson03.plateau_position, plateau_position),
    (lesson03.steps_to_build_up, steps_to_build_up),
    (lesson03.saddle_growth, saddle_growth),
    (lesson03.escape_steps, escape_steps),
    (lesson03.direction_rates, direction_rates),
]


def plateau_loop(x0, slope, lr, beta, k):
    x, velocity = x0, 0.0
    for _ in range(k):
        velocity = beta * velocity + lr * slope
        x = x - velocity
    return x


def growth_closed_form(lr, beta, curvature):
    trace = 1 + beta - lr * curvature
    return (trace + math.sqrt(trace**2 - 4 * beta)) / 2


def rates_batched(lr, beta, eigenvalues):
    h = lr * eigenvalues
    matrices = np.zeros((h.size, 2, 2))
    matrices[:, 0, 0], matrices[:, 0, 1] = 1 - h, -beta
    matrices[:, 1, 0], matrices[:, 1, 1] = h, beta
    rates = np.abs(np.linalg.eigvals(matrices)).max(axis=-1)
    return rates, np.argmax(rates)


OTHER_RIGHT = [
    (lesson03.plateau_position, plateau_loop),
    (lesson03.saddle_growth, growth_closed_form),
    (lesson03.direction_rates, rates_batched),
]


test_a_right_answer_passes_and_says_so = check_cases.right_answers_pass(RIGHT)


test_another_right_way_passes_too = check_cases.right_answers_pass(
    OTHER_RIGHT, says_correct=False
)


# --- wrong answers, each with the words its feedback must contain ------------


def plateau_uphill(x0, slope, lr, beta, k):
    return 2 * x0 - plateau_position(x0, slope, lr, beta, k)


def plateau_one_step_short(x0, slope, lr, beta, k):
    return x0 - lr * slope * (k - (1 - beta**k) / (1 - beta)) / (1 - beta)


def plateau_one_power_too_many(x0, slope, lr, beta, k):
    steps = np.arange(1, k + 1)
    return x0 - lr * slope * np.sum((1 - beta ** (steps + 1)) / (1 - beta))


def plateau_at_terminal_velocity(x0, slope, lr, beta, k):
    return x0 - k * lr * slope / (1 - beta)


def plateau_nesterov(x0, slope, lr, beta, k):
    x, velocity = x0, 0.0
    for _ in range(k):
        velocity = beta * velocity + lr * slope
        x = x - (beta * velocity + lr * slope)
    return x


def plateau_without_momentum(x0, slope, lr, beta, k):
    return x0 - k * lr * slope


def plateau_last_velocity_only(x0, slope, lr, beta, k):
    return x0 - lr * slope * (1 - beta**k) / (1 - beta)


def plateau_without_lr(x0, slope, lr, beta, k):
    return plateau_position(x0, slope, 1.0, beta, k)


def plateau_averaging(x0, slope, lr, beta, k):
    return plateau_position(x0, slope, lr * (1 - beta), beta, k)


def plateau_without_start(x0, slope, lr, beta, k):
    return plateau_position(0.0, slope, lr, beta, k)


def plateau_distance_moved(x0, slope, lr, beta, k):
    return x0 - plateau_loop(x0, slope, lr, beta, k)


def plateau_lr_twice(x0, slope, lr, beta, k):
    return plateau_position(x0, slope, 2 * lr, beta, k)


def plateau_array(x0, slope, lr, beta, k):
    return x0 - lr * slope * (1 - beta ** np.arange(1, k + 1)) / (1 - beta)


def build_up_rounded_down(beta, fraction):
    return math.floor(math.log(1 - fraction) / math.log(beta))


def build_up_rounded_down_plus_one(beta, fraction):
    return math.floor(math.log(1 - fraction) / math.log(beta)) + 1


def build_up_upside_down(beta, fraction):
    return math.ceil(math.log(beta) / math.log(1 - fraction))


def build_up_solves_for_the_fraction(beta, fraction):
    return math.ceil(math.log(fraction) / math.log(beta))


def build_up_negative(beta, fraction):
    return math.ceil(math.log(1 - fraction) / abs(math.log(beta)))


def build_up_mixed_logarithms(beta, fraction):
    return math.ceil(math.log10(1 - fraction) / math.log(beta))


def build_up_window(beta, fraction):
    return round(1 / (1 - beta))


def build_up_float(beta, fraction):
    return float(steps_to_build_up(beta, fraction))


def growth_of_a_bowl(lr, beta, curvature):
    return saddle_growth(lr, beta, abs(curvature))


def growth_smaller_root(lr, beta, curvature):
    h = lr * curvature
    matrix = np.array([[1 - h, -beta], [h, beta]])
    return float(np.abs(np.linalg.eigvals(matrix)).min())


def growth_of_gradient_descent(lr, beta, curvature):
    return 1 - lr * curvature


def growth_with_the_plateau_speed_up(lr, beta, curvature):
    return 1 - lr * curvature / (1 - beta)


def growth_without_lr(lr, beta, curvature):
    return saddle_growth(1.0, beta, curvature)


def growth_averaging(lr, beta, curvature):
    return saddle_growth(lr * (1 - beta), beta, curvature)


def growth_complex(lr, beta, curvature):
    trace = 1 + beta - lr * curvature
    return (trace + cmath.sqrt(trace**2 - 4 * beta)) / 2


def growth_eigenvalues(lr, beta, curvature):
    h = lr * curvature
    return np.linalg.eigvals(np.array([[1 - h, -beta], [h, beta]]))


def escape_rounded_down(growth, offset, threshold):
    return math.floor(math.log(threshold / offset) / math.log(growth))


def escape_strict_loop(growth, offset, threshold):
    steps = 0
    while offset * growth**steps <= threshold:
        steps += 1
    return steps


def escape_rounded_down_plus_one(growth, offset, threshold):
    if offset >= threshold:
        return 0
    return math.floor(math.log(threshold / offset) / math.log(growth)) + 1


def escape_upside_down_at_least_zero(growth, offset, threshold):
    return max(0, math.ceil(math.log(offset / threshold) / math.log(growth)))


def escape_without_offset(growth, offset, threshold):
    return math.ceil(math.log(threshold) / math.log(growth))


def escape_upside_down(growth, offset, threshold):
    return math.ceil(math.log(offset / threshold) / math.log(growth))


def escape_mixed_logarithms(growth, offset, threshold):
    return math.ceil(math.log10(threshold / offset) / math.log(growth))


def escape_linearised(growth, offset, threshold):
    return math.ceil(math.log(threshold / offset) / (growth - 1))


def escape_from_the_gap(growth, offset, threshold):
    if offset >= threshold:
        return 0
    return math.ceil(math.log((threshold - offset) / offset) / math.log(growth))


def escape_forgets_an_offset_past_the_threshold(growth, offset, threshold):
    return math.ceil(math.log(threshold / offset) / math.log(growth))


def rates_of_gradient_descent(lr, beta, eigenvalues):
    rates = np.abs(1 - lr * eigenvalues)
    return rates, int(np.argmax(rates))


def rates_all_root_beta(lr, beta, eigenvalues):
    return np.full(len(eigenvalues), math.sqrt(beta)), int(np.argmin(eigenvalues))


def rates_smaller_root(lr, beta, eigenvalues):
    rates = np.array([growth_smaller_root(lr, beta, value) for value in eigenvalues])
    return rates, int(np.argmax(rates))


def rates_real_part(lr, beta, eigenvalues):
    rates = []
    for value in eigenvalues:
        h = lr * value
        matrix = np.array([[1 - h, -beta], [h, beta]])
        rates.append(np.linalg.eigvals(matrix).real.max())
    return np.array(rates), int(np.argmax(rates))


def growth_too_large(lr, beta, curvature):
    return 1 + beta + lr * abs(curvature)


def rates_averaging(lr, beta, eigenvalues):
    return direction_rates(lr * (1 - beta), beta, eigenvalues)


def slowest_is_the_fastest(lr, beta, eigenvalues):
    rates, _ = direction_rates(lr, beta, eigenvalues)
    return rates, int(np.argmin(rates))


def slowest_is_the_flattest(lr, beta, eigenvalues):
    rates, _ = direction_rates(lr, beta, eigenvalues)
    return rates, int(np.argmin(eigenvalues))


def slowest_is_the_stiffest(lr, beta, eigenvalues):
    rates, _ = direction_rates(lr, beta, eigenvalues)
    return rates, int(np.argmax(eigenvalues))


def slowest_counted_from_one(lr, beta, eigenvalues):
    rates, slowest = direction_rates(lr, beta, eigenvalues)
    return rates, slowest + 1


def slowest_as_its_rate(lr, beta, eigenvalues):
    rates, _ = direction_rates(lr, beta, eigenvalues)
    return rates, float(rates.max())


def rates_swapped(lr, beta, eigenvalues):
    return direction_rates(lr, beta, eigenvalues)[::-1]


def rates_sorted(lr, beta, eigenvalues):
    rates, slowest = direction_rates(lr, beta, eigenvalues)
    return np.sort(rates), slowest


def rates_of_sorted_eigenvalues(lr, beta, eigenvalues):
    return direction_rates(lr, beta, np.sort(eigenvalues))


def rates_scaling_in_place(lr, beta, eigenvalues):
    eigenvalues *= lr
    return direction_rates(1.0, beta, eigenvalues)


def rates_only(lr, beta, eigenvalues):
    return direction_rates(lr, beta, eigenvalues)[0]


def plateau_rounded(x0, slope, lr, beta, k):
    return round(plateau_position(x0, slope, lr, beta, k), 5)


WRONG = [
    (lesson03.plateau_position, plateau_rounded, "five digits"),
    (lesson03.plateau_position, plateau_uphill, "sign error"),
    (lesson03.plateau_position, plateau_one_step_short, "Off by one step"),
    (lesson03.plateau_position, plateau_one_power_too_many, "power of beta"),
    (lesson03.plateau_position, plateau_at_terminal_velocity, "terminal velocity"),
    (lesson03.plateau_position, plateau_nesterov, "Nesterov"),
    (lesson03.plateau_position, plateau_without_momentum, "not carried"),
    (lesson03.plateau_position, plateau_last_velocity_only, "of step k only"),
    (lesson03.plateau_position, plateau_without_lr, "learning rate is missing"),
    (lesson03.plateau_position, plateau_averaging, "averaging convention"),
    (lesson03.plateau_position, plateau_without_start, "distance moved"),
    (lesson03.plateau_position, plateau_distance_moved, "distance moved"),
    (lesson03.plateau_position, plateau_lr_twice, "2 times as far"),
    (lesson03.plateau_position, plateau_array, "shape"),
    (lesson03.steps_to_build_up, build_up_rounded_down, "One step short"),
    (lesson03.steps_to_build_up, build_up_rounded_down_plus_one, "One step too many"),
    (lesson03.steps_to_build_up, build_up_solves_for_the_fraction, "still missing"),
    (lesson03.steps_to_build_up, build_up_upside_down, "upside down"),
    (lesson03.steps_to_build_up, build_up_window, "effective window"),
    (lesson03.steps_to_build_up, build_up_negative, "signs of the logarithms"),
    (lesson03.steps_to_build_up, build_up_mixed_logarithms, "different bases"),
    (lesson03.steps_to_build_up, build_up_float, "as an int"),
    (lesson03.saddle_growth, growth_of_a_bowl, "curvature |λ|"),
    (lesson03.saddle_growth, growth_smaller_root, "smaller of the two"),
    (lesson03.saddle_growth, growth_of_gradient_descent, "gradient descent"),
    (lesson03.saddle_growth, growth_with_the_plateau_speed_up, "speed-up"),
    (lesson03.saddle_growth, growth_without_lr, "learning rate is missing"),
    (lesson03.saddle_growth, growth_averaging, "averaging convention"),
    (lesson03.saddle_growth, growth_eigenvalues, "shape"),
    (lesson03.saddle_growth, growth_complex, "returned a complex number"),
    (lesson03.saddle_growth, growth_too_large, "too large"),
    (lesson03.escape_steps, escape_rounded_down, "One step short"),
    (lesson03.escape_steps, escape_without_offset, "leaves out the starting"),
    (lesson03.escape_steps, escape_strict_loop, "One step too many"),
    (lesson03.escape_steps, escape_rounded_down_plus_one, "One step too many"),
    (lesson03.escape_steps, escape_upside_down, "negative"),
    (lesson03.escape_steps, escape_upside_down_at_least_zero, "Your count is 0"),
    (lesson03.escape_steps, escape_mixed_logarithms, "different bases"),
    (lesson03.escape_steps, escape_linearised, "growth - 1"),
    (lesson03.escape_steps, escape_from_the_gap, "threshold - offset"),
    (
        lesson03.escape_steps,
        escape_forgets_an_offset_past_the_threshold,
        "no step is needed",
    ),
    (lesson03.direction_rates, rates_of_gradient_descent, "gradient descent's"),
    (lesson03.direction_rates, rates_all_root_beta, "√beta"),
    (lesson03.direction_rates, rates_smaller_root, "smaller modulus"),
    (lesson03.direction_rates, rates_averaging, "averaging convention"),
    (lesson03.direction_rates, rates_real_part, "real part"),
    (lesson03.direction_rates, slowest_is_the_fastest, "is the fastest"),
    (lesson03.direction_rates, slowest_is_the_flattest, "flattest direction"),
    (lesson03.direction_rates, slowest_is_the_stiffest, "stiffest direction"),
    (lesson03.direction_rates, slowest_counted_from_one, "counts from 1"),
    (lesson03.direction_rates, slowest_as_its_rate, "its index"),
    (lesson03.direction_rates, rates_only, "two things"),
    (lesson03.direction_rates, rates_swapped, "wrong order"),
    (lesson03.direction_rates, rates_sorted, "order than `eigenvalues`"),
    (lesson03.direction_rates, rates_of_sorted_eigenvalues, "order than `eigenvalues`"),
    (lesson03.direction_rates, rates_scaling_in_place, "`new = eigenvalues` does not"),
]


test_a_known_mistake_is_named = check_cases.mistakes_are_named(WRONG, seeds=None)


test_a_check_given_something_that_is_not_a_function = (
    check_cases.not_a_function_is_refused([check for check, _ in RIGHT])
)


test_feedback_never_prints_the_expected_values = check_cases.feedback_shows_no_arrays(
    [
        (lesson03.plateau_position, plateau_without_start),
        (lesson03.saddle_growth, growth_of_a_bowl),
        (lesson03.direction_rates, rates_of_gradient_descent),
    ]
)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_mistake_is_named_only_when_it_explains_every_wrong_case(seed):
    """An upside-down ratio gives 1 in every case; solving beta**k = fraction
    gives 1 in some of them, but not in all, so it must not be named."""
    with pytest.raises(AssertionError) as raised:
        lesson03.steps_to_build_up(build_up_upside_down, seed=seed)
    assert "still missing" not in str(raised.value)
    assert "upside down" in str(raised.value)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_count_checks_include_an_exact_tie(seed):
    """Rounding down and adding one differs from rounding up only at a tie,
    where the velocity or the offset reaches its target exactly."""
    build_up_ties = [
        (beta, fraction)
        for beta, fraction in lesson03._build_up_cases(seed)
        if build_up_rounded_down_plus_one(beta, fraction)
        != steps_to_build_up(beta, fraction)
    ]
    assert len(build_up_ties) == 1
    beta, fraction = build_up_ties[0]
    assert 1 - beta ** steps_to_build_up(beta, fraction) == fraction

    escape_ties = [
        case
        for case in lesson03._escape_cases(seed)
        if escape_rounded_down_plus_one(*case) != escape_steps(*case)
    ]
    assert len(escape_ties) == 1
    growth, offset, threshold = escape_ties[0]
    assert offset * growth ** escape_steps(*escape_ties[0]) == threshold
