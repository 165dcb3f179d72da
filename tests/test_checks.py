"""The exercise checks: right answers pass, each known mistake is named."""

import math

import check_cases
import numpy as np
import pytest

from course_lib.checks import lesson01, lesson02
from course_lib.checks._core import as_array

# --- lesson 01: right answers -------------------------------------------------


def classical_step(x, velocity, grad, lr, beta):
    velocity = beta * velocity + lr * grad
    return x - velocity, velocity


def classical_to_averaging(velocity, lr, beta):
    return velocity * (1 - beta) / lr


def pytorch_buffers(gradients, momentum, dampening):
    buffers = [gradients[0]]
    for g in gradients[1:]:
        buffers.append(momentum * buffers[-1] + (1 - dampening) * g)
    return np.array(buffers)


def momentum_loop(grad_fn, x0, lr, beta, steps):
    x, velocity, positions = x0, np.zeros_like(x0), [x0]
    for _ in range(steps):
        velocity = beta * velocity + lr * grad_fn(x)
        x = x - velocity
        positions.append(x)
    return np.array(positions)


def velocity_after(k, grad, lr, beta):
    return lr * grad * (1 - beta**k) / (1 - beta)


# --- lesson 02: right answers -------------------------------------------------


def heavy_ball_tuning(mu, big):
    root = math.sqrt(big / mu)
    return 4 / (math.sqrt(big) + math.sqrt(mu)) ** 2, ((root - 1) / (root + 1)) ** 2


def converges(lr, beta, eigenvalue):
    h = lr * eigenvalue
    matrix = np.array([[1 - h, -beta], [h, beta]])
    return bool(np.abs(np.linalg.eigvals(matrix)).max() < 1)


def rate_from_distances(distances, start, stop):
    return (distances[stop] / distances[start]) ** (1 / (stop - start))


def nesterov_step(x, velocity, grad_fn, lr, beta):
    velocity = beta * velocity + lr * grad_fn(x - beta * velocity)
    return x - velocity, velocity


def steps_to_reach(rate, initial_loss, target_loss):
    if initial_loss <= target_loss:
        return 0
    return math.ceil(math.log(target_loss / initial_loss) / (2 * math.log(rate)))


RIGHT = [
    (lesson01.classical_step, classical_step),
    (lesson01.classical_to_averaging, classical_to_averaging),
    (lesson01.pytorch_buffers, pytorch_buffers),
    (lesson01.momentum_loop, momentum_loop),
    (lesson01.velocity_after, velocity_after),
    (lesson02.heavy_ball_tuning, heavy_ball_tuning),
    (lesson02.converges, converges),
    (lesson02.rate_from_distances, rate_from_distances),
    (lesson02.nesterov_step, nesterov_step),
    (lesson02.steps_to_reach, steps_to_reach),
]


test_a_right_answer_passes_and_says_so = check_cases.right_answers_pass(RIGHT)


# --- wrong answers, each with the words its feedback must contain ------------


def sign_error(x, velocity, grad, lr, beta):
    velocity = beta * velocity + lr * grad
    return x + velocity, velocity


def lr_twice(x, velocity, grad, lr, beta):
    velocity = beta * velocity + lr * grad
    return x - lr * velocity, velocity


def lr_missing(x, velocity, grad, lr, beta):
    velocity = beta * velocity + grad
    return x - velocity, velocity


def averaging_scale(x, velocity, grad, lr, beta):
    velocity = beta * velocity + (1 - beta) * lr * grad
    return x - velocity, velocity


def not_carried(x, velocity, grad, lr, beta):
    return x - lr * grad, lr * grad


def mutates(x, velocity, grad, lr, beta):
    velocity *= beta
    velocity += lr * grad
    return x - velocity, velocity


def wrong_order(x, velocity, grad, lr, beta):
    velocity = beta * velocity + lr * grad
    return velocity, x - velocity


def wrong_shape(x, velocity, grad, lr, beta):
    velocity = beta * velocity + lr * grad
    return (x - velocity).sum(), velocity


def no_return(x, velocity, grad, lr, beta):
    velocity = beta * velocity + lr * grad


def buffer_from_zero(gradients, momentum, dampening):
    buffer, buffers = np.zeros(gradients.shape[1]), []
    for g in gradients:
        buffer = momentum * buffer + (1 - dampening) * g
        buffers.append(buffer)
    return np.array(buffers)


def loop_without_start(grad_fn, x0, lr, beta, steps):
    return momentum_loop(grad_fn, x0, lr, beta, steps)[1:]


def loop_appending_one_array(grad_fn, x0, lr, beta, steps):
    x, velocity, positions = x0.copy(), np.zeros_like(x0), []
    positions.append(x)
    for _ in range(steps):
        velocity = beta * velocity + lr * grad_fn(x)
        x -= velocity
        positions.append(x)
    return np.array(positions)


def terminal_velocity(k, grad, lr, beta):
    return lr * grad / (1 - beta)


def pytorch_buffer_instead(velocity, lr, beta):
    return velocity / lr


def tuning_with_the_rate_as_beta(mu, big):
    lr, beta = heavy_ball_tuning(mu, big)
    return lr, math.sqrt(beta)


def tuning_swapped(mu, big):
    return heavy_ball_tuning(mu, big)[::-1]


def gradient_descent_limit(lr, beta, eigenvalue):
    return 0 < lr * eigenvalue < 2


def beta_above_one_converges(lr, beta, eigenvalue):
    return converges(lr, beta, eigenvalue) or (
        beta >= 1 and lr * eigenvalue < 2 * (1 + beta)
    )


def whole_window(distances, start, stop):
    return distances[stop] / distances[start]


def gradient_where_it_stands(x, velocity, grad_fn, lr, beta):
    velocity = beta * velocity + lr * grad_fn(x)
    return x - velocity, velocity


def look_ahead_backwards(x, velocity, grad_fn, lr, beta):
    velocity = beta * velocity + lr * grad_fn(x + beta * velocity)
    return x - velocity, velocity


def loss_falls_by_the_rate(rate, initial_loss, target_loss):
    return math.ceil(math.log(target_loss / initial_loss) / math.log(rate))


def rounds_down(rate, initial_loss, target_loss):
    return math.floor(math.log(target_loss / initial_loss) / (2 * math.log(rate)))


def forgets_the_start_may_meet_the_target(rate, initial_loss, target_loss):
    return math.ceil(math.log(target_loss / initial_loss) / (2 * math.log(rate)))


def a_float(rate, initial_loss, target_loss):
    return float(steps_to_reach(rate, initial_loss, target_loss))


def buffers_with_a_scalar_start(gradients, momentum, dampening):
    out = [0]
    for g in gradients:
        out.append(momentum * out[-1] + (1 - dampening) * g if len(out) > 1 else g)
    return out


def rate_as_a_complex_number(distances, start, stop):
    return np.complex128(rate_from_distances(distances, start, stop) + 0.3j)


WRONG = [
    (lesson01.pytorch_buffers, buffers_with_a_scalar_start, "different lengths"),
    (lesson02.rate_from_distances, rate_as_a_complex_number, "complex number"),
    (lesson01.classical_step, sign_error, "sign error"),
    (lesson01.classical_step, lr_twice, "learning rate is applied twice"),
    (lesson01.classical_step, lr_missing, "learning rate is missing"),
    (lesson01.classical_step, averaging_scale, "averaging convention"),
    (lesson01.classical_step, not_carried, "does not carry over"),
    (lesson01.classical_step, mutates, "changed its input `velocity` in place"),
    (lesson01.classical_step, wrong_order, "wrong order"),
    (lesson01.classical_step, wrong_shape, "shape"),
    (lesson01.classical_step, no_return, "`return` statement missing"),
    (lesson01.classical_to_averaging, pytorch_buffer_instead, "PyTorch buffer"),
    (lesson01.pytorch_buffers, buffer_from_zero, "starts at zero"),
    (lesson01.momentum_loop, loop_without_start, "starting point belongs in row 0"),
    (lesson01.momentum_loop, loop_appending_one_array, "Every row"),
    (lesson01.velocity_after, terminal_velocity, "terminal velocity"),
    (lesson02.heavy_ball_tuning, tuning_with_the_rate_as_beta, "optimal rate"),
    (lesson02.heavy_ball_tuning, tuning_swapped, "wrong order"),
    (lesson02.converges, gradient_descent_limit, "gradient descent's limit"),
    (lesson02.converges, beta_above_one_converges, "beta >= 1"),
    (lesson02.rate_from_distances, whole_window, "whole window"),
    (lesson02.nesterov_step, gradient_where_it_stands, "that is heavy ball"),
    (lesson02.nesterov_step, look_ahead_backwards, "wrong way"),
    (lesson02.steps_to_reach, loss_falls_by_the_rate, "square of a distance"),
    (lesson02.steps_to_reach, rounds_down, "One step short"),
    (lesson02.steps_to_reach, a_float, "as an int"),
    (
        lesson02.steps_to_reach,
        forgets_the_start_may_meet_the_target,
        "no step is needed",
    ),
]


test_a_known_mistake_is_named = check_cases.mistakes_are_named(WRONG, seeds=None)

test_a_check_given_something_that_is_not_a_function = (
    check_cases.not_a_function_is_refused([check for check, _ in RIGHT])
)

test_feedback_never_prints_the_expected_values = check_cases.feedback_shows_no_arrays(
    [(check, answer) for check, answer, _ in WRONG]
)


def test_rows_of_different_lengths_are_named_not_a_crash():
    with pytest.raises(AssertionError, match="rows of different lengths"):
        as_array("task", "the rows", [[1.0, 2.0], [3.0]], (2, 2))
