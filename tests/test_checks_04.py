"""The checks of lesson 04: right answers pass, each known mistake is named."""

import math

import check_cases
import numpy as np
import pytest

from course_lib import optim, problems, theory
from course_lib.checks import lesson04

# --- right answers ------------------------------------------------------------


def nesterov_reformulated_step(y, velocity, grad_fn, lr, beta):
    gradient = grad_fn(y)
    velocity = beta * velocity + lr * gradient
    return y - (beta * velocity + lr * gradient), velocity


def effective_momentum(lr, beta, eigenvalue):
    return beta * (1 - lr * np.asarray(eigenvalue))


def nesterov_rate(lr, beta, eigenvalues):
    radii = []
    for eigenvalue in eigenvalues:
        h = lr * eigenvalue
        b = beta * (1 - h)
        matrix = np.array([[1 - h, -b], [h, b]])
        radii.append(np.abs(np.linalg.eigvals(matrix)).max())
    return float(max(radii))


def nesterov_tuning(mu, big):
    root = math.sqrt(big / mu)
    return 1 / big, (root - 1) / (root + 1)


def fit_slope(suboptimality, start, stop):
    steps = np.arange(start, stop + 1)
    return np.polyfit(np.log(steps), np.log(suboptimality[steps]), 1)[0]


RIGHT = [
    (lesson04.nesterov_reformulated_step, nesterov_reformulated_step),
    (lesson04.effective_momentum, effective_momentum),
    (lesson04.nesterov_rate, nesterov_rate),
    (lesson04.nesterov_tuning, nesterov_tuning),
    (lesson04.fit_slope, fit_slope),
]


test_a_right_answer_passes_and_says_so = check_cases.right_answers_pass(RIGHT)


def test_the_reformulated_points_are_the_look_ahead_points():
    """What task 1 says: from the same start, y equals x - beta * v."""
    bowl = problems.Quadratic(np.array([1.0, 30.0]))
    lr, beta = 0.03, 0.8
    look_ahead = optim.lookahead_momentum(lr, beta)
    state, x = look_ahead.init(np.array([1.0, 1.0])), np.array([1.0, 1.0])
    y, v = x.copy(), np.zeros(2)
    for _ in range(20):
        updates, state = look_ahead.update(
            bowl.grad(look_ahead.query(x, state)), state, x
        )
        x = optim.apply_updates(x, updates)
        y, v = nesterov_reformulated_step(y, v, bowl.grad, lr, beta)
        np.testing.assert_allclose(y, x - beta * state.velocity, rtol=1e-12)


def test_the_tuning_gives_the_rate_the_task_promises():
    """Task 4's hint: at μ = 1, L = 100 the rate is 1 - 1/√κ = 0.9."""
    lr, beta = nesterov_tuning(1.0, 100.0)
    rate = nesterov_rate(lr, beta, np.linspace(1.0, 100.0, 50))
    assert rate == pytest.approx(0.9, abs=1e-6)
    assert rate == pytest.approx(
        theory.convergence_rate(lr, beta, np.array([1.0, 100.0]), "nesterov"), abs=1e-6
    )


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_rate_check_asks_about_runs_that_converge_and_runs_that_diverge(seed):
    rates = [nesterov_rate(*case) for case in lesson04._rate_cases(seed)]
    assert min(rates) < 1 < max(rates), rates


def test_the_slopes_of_the_checked_curves_differ_by_method():
    """The curves the slope check uses are real runs: Nesterov's falls faster."""
    slopes = [
        fit_slope(gap, start, stop)
        for gap, start, stop in lesson04._suboptimality_curves(0)
    ]
    assert slopes[1] < slopes[0] - 0.5 and slopes[2] < slopes[0] - 0.5, slopes


# --- wrong answers, each with the words its feedback must contain ------------


def heavy_ball_step(y, velocity, grad_fn, lr, beta):
    velocity = beta * velocity + lr * grad_fn(y)
    return y - velocity, velocity


def gradient_ahead_again(y, velocity, grad_fn, lr, beta):
    return nesterov_reformulated_step(
        y, velocity, lambda point: grad_fn(point - beta * velocity), lr, beta
    )


def momentum_twice(y, velocity, grad_fn, lr, beta):
    velocity = beta * velocity + lr * grad_fn(y)
    return y - (velocity + beta * velocity), velocity


def uphill(y, velocity, grad_fn, lr, beta):
    gradient = grad_fn(y)
    velocity = beta * velocity + lr * gradient
    return y + (beta * velocity + lr * gradient), velocity


def pytorch_buffer(y, velocity, grad_fn, lr, beta):
    gradient = grad_fn(y)
    velocity = beta * velocity + gradient
    return y - lr * (gradient + beta * velocity), velocity


def old_velocity_returned(y, velocity, grad_fn, lr, beta):
    return nesterov_reformulated_step(y, velocity, grad_fn, lr, beta)[0], velocity


def step_mutates(y, velocity, grad_fn, lr, beta):
    gradient = grad_fn(y)
    velocity *= beta
    velocity += lr * gradient
    return y - (beta * velocity + lr * gradient), velocity


def step_mutates_y(y, velocity, grad_fn, lr, beta):
    gradient = grad_fn(y)
    velocity = beta * velocity + lr * gradient
    y -= beta * velocity + lr * gradient
    return y, velocity


def damped_by_lr(lr, beta, eigenvalue):
    return beta * (1 - lr) + 0 * np.asarray(eigenvalue)


def not_damped(lr, beta, eigenvalue):
    return beta + 0 * np.asarray(eigenvalue)


def damping_sign(lr, beta, eigenvalue):
    return beta * (1 + lr * np.asarray(eigenvalue))


def beta_squared(lr, beta, eigenvalue):
    return beta**2 * (1 - lr * np.asarray(eigenvalue))


def scalar_only(lr, beta, eigenvalue):
    return float(beta * (1 - lr * np.mean(eigenvalue)))


def heavy_ball_rate(lr, beta, eigenvalues):
    radii = []
    for e in eigenvalues:
        matrix = np.array([[1 - lr * e, -beta], [lr * e, beta]])
        radii.append(np.abs(np.linalg.eigvals(matrix)).max())
    return max(radii)


def nesterov_matrices(lr, beta, eigenvalues):
    h = lr * np.asarray(eigenvalues)
    b = beta * (1 - h)
    return np.array([[1 - h, -b], [h, b]]).transpose(2, 0, 1)


def smallest_eigenvalue_only(lr, beta, eigenvalues):
    return nesterov_rate(lr, beta, [min(eigenvalues)])


def smaller_root(lr, beta, eigenvalues):
    roots = np.linalg.eigvals(nesterov_matrices(lr, beta, eigenvalues))
    return float(np.abs(roots).min(axis=-1).max())


def signed_real_part(lr, beta, eigenvalues):
    roots = np.linalg.eigvals(nesterov_matrices(lr, beta, eigenvalues))
    return float(roots.real.max())


def gradient_descent_rate(lr, beta, eigenvalues):
    return float(np.max(np.abs(1 - lr * eigenvalues)))


def capped_at_one(lr, beta, eigenvalues):
    return min(nesterov_rate(lr, beta, eigenvalues), 1.0)


def tuned_rate(lr, beta, eigenvalues):
    return 1 - math.sqrt(min(eigenvalues) / max(eigenvalues))


def root_of_b(lr, beta, eigenvalues):
    return float(np.max(np.sqrt(np.abs(beta * (1 - lr * eigenvalues)))))


def rate_a_little_too_large(lr, beta, eigenvalues):
    return nesterov_rate(lr, beta, eigenvalues) + 0.01


def best_direction(lr, beta, eigenvalues):
    return min(nesterov_rate(lr, beta, [e]) for e in eigenvalues)


def loss_rate(lr, beta, eigenvalues):
    return nesterov_rate(lr, beta, eigenvalues) ** 2


def real_parts(lr, beta, eigenvalues):
    radii = []
    for e in eigenvalues:
        h, b = lr * e, beta * (1 - lr * e)
        roots = np.linalg.eigvals(np.array([[1 - h, -b], [h, b]]))
        radii.append(np.abs(roots.real).max())
    return max(radii)


def real_square_root(lr, beta, eigenvalues):
    radii = []
    for e in eigenvalues:
        h = lr * e
        trace, det = (1 + beta) * (1 - h), beta * (1 - h)
        with np.errstate(invalid="ignore"):
            root = np.sqrt(trace**2 - 4 * det)
        radii.append(max(abs(trace + root), abs(trace - root)) / 2)
    return float(np.max(radii))


def a_verdict(lr, beta, eigenvalues):
    return nesterov_rate(lr, beta, eigenvalues) < 1


def rates_per_direction(lr, beta, eigenvalues):
    return np.array([nesterov_rate(lr, beta, [e]) for e in eigenvalues])


def kappa_not_root(mu, big):
    kappa = big / mu
    return 1 / big, (kappa - 1) / (kappa + 1)


def polyak_instead(mu, big):
    root_mu, root_big = math.sqrt(mu), math.sqrt(big)
    beta = ((root_big - root_mu) / (root_big + root_mu)) ** 2
    return 4 / (root_big + root_mu) ** 2, beta


def tuning_swapped(mu, big):
    return nesterov_tuning(mu, big)[::-1]


def rate_as_beta(mu, big):
    return 1 / big, 1 - math.sqrt(mu / big)


def step_from_mu(mu, big):
    return 1 / mu, nesterov_tuning(mu, big)[1]


def kappa_upside_down(mu, big):
    root = math.sqrt(mu / big)
    return 1 / big, (root - 1) / (root + 1)


def fastest_on_a_quadratic(mu, big):
    root = math.sqrt(3 * big / mu + 1)
    return 4 / (3 * big + mu), (root - 2) / (root + 2)


def mixed_logarithms(suboptimality, start, stop):
    steps = np.arange(start, stop + 1)
    return np.polyfit(np.log10(steps), np.log(suboptimality[steps]), 1)[0]


def axes_swapped(suboptimality, start, stop):
    steps = np.arange(start, stop + 1)
    return np.polyfit(np.log(suboptimality[steps]), np.log(steps), 1)[0]


def whole_curve(suboptimality, start, stop):
    return fit_slope(suboptimality, 1, len(suboptimality) - 1)


def stop_left_out(suboptimality, start, stop):
    return fit_slope(suboptimality, start, stop - 1)


def semi_log(suboptimality, start, stop):
    steps = np.arange(start, stop + 1)
    return np.polyfit(steps, np.log(suboptimality[steps]), 1)[0]


def two_ends(suboptimality, start, stop):
    return math.log(suboptimality[stop] / suboptimality[start]) / math.log(stop / start)


def the_decay_power(suboptimality, start, stop):
    return -fit_slope(suboptimality, start, stop)


def intercept(suboptimality, start, stop):
    steps = np.arange(start, stop + 1)
    return np.polyfit(np.log(steps), np.log(suboptimality[steps]), 1)[1]


def both_coefficients(suboptimality, start, stop):
    steps = np.arange(start, stop + 1)
    return np.polyfit(np.log(steps), np.log(suboptimality[steps]), 1)


def with_step_zero(suboptimality, start, stop):
    steps = np.arange(0, stop + 1)  # step 0 included: ln 0 = -inf
    with np.errstate(divide="ignore", invalid="ignore"):
        u, w = np.log(steps), np.log(suboptimality[steps])
        u, w = u - u.mean(), w - w.mean()
        return float(np.sum(u * w) / np.sum(u * u))


S = lesson04.nesterov_reformulated_step
E = lesson04.effective_momentum
R = lesson04.nesterov_rate
T = lesson04.nesterov_tuning
F = lesson04.fit_slope

WRONG = [
    (S, heavy_ball_step, "that is heavy ball's step"),
    (S, gradient_ahead_again, "already is the look-ahead point"),
    (S, momentum_twice, "counts the momentum term twice"),
    (S, uphill, "sign error"),
    (S, pytorch_buffer, "PyTorch's buffer"),
    (S, old_velocity_returned, "returned the old velocity"),
    (S, step_mutates, "changed its input `velocity` in place"),
    (S, step_mutates_y, "`new = y` does not copy"),
    (E, damped_by_lr, "uses lr where it needs lr·λ"),
    (E, not_damped, "heavy ball's momentum"),
    (E, damping_sign, "check the sign"),
    (E, scalar_only, "should have shape (5,)"),
    (E, beta_squared, "beta is squared"),
    (R, heavy_ball_rate, "heavy ball's rate"),
    (R, best_direction, "best direction"),
    (R, loss_rate, "squared"),
    (R, real_parts, "real parts"),
    (R, a_verdict, "the rate itself"),
    (R, real_square_root, "square root of a negative"),
    (R, rates_per_direction, "should have shape ()"),
    (R, smallest_eigenvalue_only, "only the rate along the smallest eigenvalue, μ"),
    (R, smaller_root, "smaller eigenvalue of each 2×2 matrix"),
    (R, signed_real_part, "real parts"),
    (R, gradient_descent_rate, "gradient descent's rate"),
    (R, capped_at_one, "capped at 1"),
    (R, tuned_rate, "the rate that task 4's tuning achieves"),
    (R, root_of_b, "√|b| is the modulus"),
    (R, rate_a_little_too_large, "Your rate is too large."),
    (T, kappa_not_root, "uses κ where the tuning uses √κ"),
    (T, polyak_instead, "Polyak's tuning"),
    (T, tuning_swapped, "wrong order"),
    (T, rate_as_beta, "not the momentum itself"),
    (T, step_from_mu, "smallest curvature"),
    (T, kappa_upside_down, "negative"),
    (T, fastest_on_a_quadratic, "asks for the standard one"),
    (F, mixed_logarithms, "mixed two logarithms"),
    (F, whole_curve, "whole curve"),
    (F, axes_swapped, "axes are swapped"),
    (F, stop_left_out, "off by one"),
    (F, semi_log, "a rate, not a power"),
    (F, two_ends, "two ends of the window"),
    (F, the_decay_power, "slope is positive"),
    (F, intercept, "intercept"),
    (F, both_coefficients, "should have shape ()"),
    (F, with_step_zero, "Step 0"),
]


test_a_known_mistake_is_named = check_cases.mistakes_are_named(WRONG, seeds=None)
test_no_feedback_prints_the_expected_values = check_cases.feedback_shows_no_arrays(
    [(check, answer) for check, answer, _ in WRONG]
)


def test_the_in_place_message_uses_another_name_than_the_argument():
    with pytest.raises(AssertionError) as raised:
        S(step_mutates_y)
    assert "`y = y`" not in str(raised.value)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize(
    "wrong, words",
    [
        (smallest_eigenvalue_only, "smallest eigenvalue, μ"),
        (smaller_root, "smaller eigenvalue of each"),
    ],
)
def test_two_rate_mistakes_that_agree_on_a_case_are_told_apart(wrong, words, seed):
    """μ's rate and the smaller root of each matrix coincide when μ's roots are
    complex; the check names the one that explains every wrong case."""
    with pytest.raises(AssertionError, match=words):
        R(wrong, seed=seed)


@pytest.mark.parametrize("check", [S, E, R, T, F], ids=lambda c: c.__name__)
def test_a_check_given_something_that_is_not_a_function(check):
    with pytest.raises(AssertionError, match="should be a function"):
        check(42)


def test_a_missing_return_is_named():
    def no_return(lr, beta, eigenvalue):
        beta * (1 - lr * eigenvalue)

    with pytest.raises(AssertionError, match="`return` statement missing"):
        lesson04.effective_momentum(no_return)
