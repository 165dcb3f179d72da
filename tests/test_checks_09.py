"""Lesson 09's exercise checks: right answers pass, each known mistake is named."""

import check_cases
import numpy as np
import pytest

from course_lib import optim
from course_lib.checks import lesson09

# --- right answers ------------------------------------------------------------


def adam_update(grad, m, s, step, learning_rate, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * grad
    s = beta2 * s + (1 - beta2) * grad**2
    m_hat = m / (1 - beta1**step)
    s_hat = s / (1 - beta2**step)
    return learning_rate * m_hat / (np.sqrt(s_hat) + eps), m, s


BUFFERS = {"sgd": 0, "momentum": 1, "adam": 2}


def bytes_for_training(n_parameters, optimizer, bytes_per_number=4):
    if optimizer not in BUFFERS:
        raise ValueError(f"optimizer={optimizer!r}; allowed: {sorted(BUFFERS)}")
    return (2 + BUFFERS[optimizer]) * n_parameters * bytes_per_number


def newton_step(grad, hessian):
    return np.linalg.solve(hessian, grad)


def stale_momentum(grad_fn, x0, learning_rate, beta, delay, steps):
    x, velocity = x0.copy(), np.zeros_like(x0)
    positions = [x]
    for k in range(steps):
        gradient = grad_fn(positions[max(k - delay, 0)])
        velocity = beta * velocity + learning_rate * gradient
        x = x - velocity
        positions.append(x)
    return np.array(positions)


def alternating_game(x0, y0, learning_rate, beta, steps):
    x, y, x_old, y_old = x0, y0, x0, y0
    history = [(x, y)]
    for _ in range(steps):
        new_x = x - learning_rate * y + beta * (x - x_old)
        new_y = y + learning_rate * new_x + beta * (y - y_old)
        x_old, y_old, x, y = x, y, new_x, new_y
        history.append((x, y))
    return np.array(history)


RIGHT = [
    (lesson09.adam_update, adam_update),
    (lesson09.bytes_for_training, bytes_for_training),
    (lesson09.newton_step, newton_step),
    (lesson09.stale_momentum, stale_momentum),
    (lesson09.alternating_game, alternating_game),
]


def adam_torch_style(grad, m, s, step, learning_rate, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * grad
    s = beta2 * s + (1 - beta2) * grad * grad
    step_size = learning_rate / (1 - beta1**step)
    denominator = np.sqrt(s) / np.sqrt(1 - beta2**step) + eps
    return step_size * m / denominator, m, s


def adam_from_the_library(grad, m, s, step, learning_rate, beta1, beta2, eps):
    transform = optim.scale_by_adam(beta1, beta2, eps)
    state = optim.AdamState(step - 1, m, s)
    update, (_, m, s) = transform.update(grad, state, None)
    return learning_rate * update, m, s


def newton_by_inverse(grad, hessian):
    return np.linalg.inv(hessian) @ grad


def stale_with_a_queue(grad_fn, x0, learning_rate, beta, delay, steps):
    x, velocity = np.array(x0, dtype=float), np.zeros(len(x0))
    queue = [grad_fn(x)] * delay
    positions = [x]
    for _ in range(steps):
        queue.append(grad_fn(x))
        velocity = beta * velocity + learning_rate * queue.pop(0)
        x = x - velocity
        positions.append(x)
    return np.array(positions)


def game_with_velocities(x0, y0, learning_rate, beta, steps):
    x, y, vx, vy = x0, y0, 0.0, 0.0
    history = [(x, y)]
    for _ in range(steps):
        vx = beta * vx + learning_rate * y
        x = x - vx
        vy = beta * vy - learning_rate * x
        y = y - vy
        history.append((x, y))
    return np.array(history)


OTHER_RIGHT = [
    (lesson09.adam_update, adam_torch_style),
    (lesson09.adam_update, adam_from_the_library),
    (lesson09.newton_step, newton_by_inverse),
    (lesson09.stale_momentum, stale_with_a_queue),
    (lesson09.alternating_game, game_with_velocities),
]


test_a_right_answer_passes_and_says_so = check_cases.right_answers_pass(RIGHT)


test_another_right_way_passes_too = check_cases.right_answers_pass(
    OTHER_RIGHT, says_correct=False
)


# --- wrong answers, each with the words its feedback must contain ------------


def _adam(grad, m, s, step, lr, b1, b2, eps, *, c1=None, c2=None, inside=False):
    m = b1 * m + (1 - b1) * grad
    s = b2 * s + (1 - b2) * grad**2
    m_hat = m / (1 - b1 ** (step if c1 is None else c1))
    s_hat = s / (1 - b2 ** (step if c2 is None else c2))
    root = np.sqrt(s_hat + eps) if inside else np.sqrt(s_hat) + eps
    return lr * m_hat / root, m, s


def adam_no_correction(grad, m, s, step, lr, b1, b2, eps):
    m = b1 * m + (1 - b1) * grad
    s = b2 * s + (1 - b2) * grad**2
    return lr * m / (np.sqrt(s) + eps), m, s


def adam_step_minus_one(grad, m, s, step, lr, b1, b2, eps):
    return _adam(grad, m, s, step, lr, b1, b2, eps, c1=step - 1, c2=step - 1)


def adam_step_plus_one(grad, m, s, step, lr, b1, b2, eps):
    return _adam(grad, m, s, step, lr, b1, b2, eps, c1=step + 1, c2=step + 1)


def adam_eps_inside(grad, m, s, step, lr, b1, b2, eps):
    return _adam(grad, m, s, step, lr, b1, b2, eps, inside=True)


def adam_no_sqrt(grad, m, s, step, lr, b1, b2, eps):
    m = b1 * m + (1 - b1) * grad
    s = b2 * s + (1 - b2) * grad**2
    m_hat, s_hat = m / (1 - b1**step), s / (1 - b2**step)
    return lr * m_hat / (s_hat + eps), m, s


def adam_classical_first_moment(grad, m, s, step, lr, b1, b2, eps):
    m = b1 * m + grad
    s = b2 * s + (1 - b2) * grad**2
    m_hat, s_hat = m / (1 - b1**step), s / (1 - b2**step)
    return lr * m_hat / (np.sqrt(s_hat) + eps), m, s


def adam_beta1_for_squares(grad, m, s, step, lr, b1, b2, eps):
    return _adam(grad, m, s, step, lr, b1, b1, eps)


def adam_betas_swapped(grad, m, s, step, lr, b1, b2, eps):
    return _adam(grad, m, s, step, lr, b2, b1, eps)


def adam_moments_in_wrong_order(grad, m, s, step, lr, b1, b2, eps):
    update, m, s = _adam(grad, m, s, step, lr, b1, b2, eps)
    return update, s, m


def adam_negative(grad, m, s, step, lr, b1, b2, eps):
    update, m, s = _adam(grad, m, s, step, lr, b1, b2, eps)
    return -update, m, s


def adam_corrected_state(grad, m, s, step, lr, b1, b2, eps):
    m = b1 * m + (1 - b1) * grad
    s = b2 * s + (1 - b2) * grad**2
    m, s = m / (1 - b1**step), s / (1 - b2**step)
    return lr * m / (np.sqrt(s) + eps), m, s


def adam_divides_by_zero_at_step_one(grad, m, s, step, lr, b1, b2, eps):
    if step == 1:
        return adam_step_minus_one(grad, m, s, step, lr, b1, b2, eps)
    return _adam(grad, m, s, step, lr, b1, b2, eps)


def adam_in_place(grad, m, s, step, lr, b1, b2, eps):
    m *= b1
    m += (1 - b1) * grad
    s *= b2
    s += (1 - b2) * grad**2
    m_hat, s_hat = m / (1 - b1**step), s / (1 - b2**step)
    return lr * m_hat / (np.sqrt(s_hat) + eps), m, s


def adam_two_results(grad, m, s, step, lr, b1, b2, eps):
    update, m, s = _adam(grad, m, s, step, lr, b1, b2, eps)
    return update, (m, s)


def adam_forgot_return(grad, m, s, step, lr, b1, b2, eps):
    _adam(grad, m, s, step, lr, b1, b2, eps)


def adam_crashes(grad, m, s, step, lr, b1, b2, eps):
    return _adam(grad, m, s, step, lr, b1, b2, eps)[0] + np.zeros(7)


def adam_returns_update_last(grad, m, s, step, lr, b1, b2, eps):
    update, m, s = adam_update(grad, m, s, step, lr, b1, b2, eps)
    return m, s, update


def adam_eps_added_to_the_quotient(grad, m, s, step, lr, b1, b2, eps):
    m = b1 * m + (1 - b1) * grad
    s = b2 * s + (1 - b2) * grad**2
    m_hat, s_hat = m / (1 - b1**step), s / (1 - b2**step)
    return lr * m_hat / np.sqrt(s_hat) + eps, m, s


def adam_without_eps(grad, m, s, step, lr, b1, b2, eps):
    m = b1 * m + (1 - b1) * grad
    s = b2 * s + (1 - b2) * grad**2
    return lr * (m / (1 - b1**step)) / np.sqrt(s / (1 - b2**step)), m, s


def adam_corrected_outside_the_root(grad, m, s, step, lr, b1, b2, eps):
    m = b1 * m + (1 - b1) * grad
    s = b2 * s + (1 - b2) * grad**2
    denominator = np.sqrt(s) / (1 - b2**step) + eps
    return lr * (m / (1 - b1**step)) / denominator, m, s


def adam_paper_s_folded_form(grad, m, s, step, lr, b1, b2, eps):
    m = b1 * m + (1 - b1) * grad
    s = b2 * s + (1 - b2) * grad**2
    lr_t = lr * np.sqrt(1 - b2**step) / (1 - b1**step)
    return lr_t * m / (np.sqrt(s) + eps), m, s


def adam_update_before_the_averages(grad, m, s, step, lr, b1, b2, eps):
    m_hat, s_hat = m / (1 - b1**step), s / (1 - b2**step)
    update = lr * m_hat / (np.sqrt(s_hat) + eps)
    return update, b1 * m + (1 - b1) * grad, b2 * s + (1 - b2) * grad**2


def adam_s_of_gradients(grad, m, s, step, lr, b1, b2, eps):
    m = b1 * m + (1 - b1) * grad
    s = b2 * s + (1 - b2) * grad
    return lr * (m / (1 - b1**step)) / (np.sqrt(s / (1 - b2**step)) + eps), m, s


def adam_in_float32(grad, m, s, step, lr, b1, b2, eps):
    parts = adam_update(grad, m, s, step, lr, b1, b2, eps)
    return tuple(part.astype(np.float32) for part in parts)


def bytes_without_gradients(n_parameters, optimizer, bytes_per_number=4):
    return bytes_for_training(n_parameters, optimizer, bytes_per_number) - (
        n_parameters * bytes_per_number
    )


def bytes_adam_one_buffer(n_parameters, optimizer, bytes_per_number=4):
    buffers = {"sgd": 0, "momentum": 1, "adam": 1}[optimizer]
    return (2 + buffers) * n_parameters * bytes_per_number


def bytes_momentum_stateless(n_parameters, optimizer, bytes_per_number=4):
    buffers = {"sgd": 0, "momentum": 0, "adam": 2}[optimizer]
    return (2 + buffers) * n_parameters * bytes_per_number


def bytes_in_bits(n_parameters, optimizer, bytes_per_number=4):
    return 8 * bytes_for_training(n_parameters, optimizer, bytes_per_number)


def bytes_in_gigabytes(n_parameters, optimizer, bytes_per_number=4):
    return bytes_for_training(n_parameters, optimizer, bytes_per_number) / 1e9


def bytes_ignoring_the_size(n_parameters, optimizer, bytes_per_number=4):
    return bytes_for_training(n_parameters, optimizer)


def bytes_as_float(n_parameters, optimizer, bytes_per_number=4):
    return float(bytes_for_training(n_parameters, optimizer, bytes_per_number))


def bytes_without_error(n_parameters, optimizer, bytes_per_number=4):
    buffers = {"momentum": 1, "adam": 2}.get(optimizer, 0)
    return (2 + buffers) * n_parameters * bytes_per_number


def bytes_by_lookup(n_parameters, optimizer, bytes_per_number=4):
    return (2 + BUFFERS[optimizer]) * n_parameters * bytes_per_number


def bytes_with_a_vague_error(n_parameters, optimizer, bytes_per_number=4):
    if optimizer not in BUFFERS:
        raise ValueError("unknown optimizer")
    return bytes_for_training(n_parameters, optimizer, bytes_per_number)


def bytes_error_without_the_allowed(n_parameters, optimizer, bytes_per_number=4):
    if optimizer not in BUFFERS:
        raise ValueError(f"unknown optimizer {optimizer!r}")
    return bytes_for_training(n_parameters, optimizer, bytes_per_number)


def bytes_default_of_eight(n_parameters, optimizer, bytes_per_number=8):
    return bytes_for_training(n_parameters, optimizer, bytes_per_number)


def bytes_forgot_return(n_parameters, optimizer, bytes_per_number=4):
    bytes_for_training(n_parameters, optimizer, bytes_per_number)


def newton_multiplied(grad, hessian):
    return hessian @ grad


def newton_negative(grad, hessian):
    return -np.linalg.solve(hessian, grad)


def newton_diagonal(grad, hessian):
    return grad / np.diag(hessian)


def newton_reciprocal(grad, hessian):
    return (1 / hessian) @ grad


def newton_elementwise(grad, hessian):
    return grad / hessian


def newton_arguments_swapped(grad, hessian):
    return np.linalg.solve(grad, hessian)


def newton_gradient(grad, hessian):
    return grad.copy()


def newton_by_least_squares(grad, hessian):
    return np.linalg.lstsq(hessian, grad)


def newton_in_float32(grad, hessian):
    return np.linalg.solve(hessian.astype(np.float32), grad.astype(np.float32))


def newton_by_entrywise_inverse(grad, hessian):
    return np.linalg.inv(hessian) * grad


def newton_returns_the_new_point(grad, hessian):
    return grad - np.linalg.solve(hessian, grad)


def newton_forgot_return(grad, hessian):
    np.linalg.solve(hessian, grad)


def newton_in_place(grad, hessian):
    grad[:] = np.linalg.solve(hessian, grad)
    return grad


def _stale(grad_fn, x0, lr, beta, delay, steps, *, offset=0, wait=False):
    x, velocity = np.array(x0, dtype=float), np.zeros(len(x0))
    positions = [x]
    for k in range(steps):
        source = k - delay + offset
        gradient = grad_fn(positions[min(max(source, 0), k)])
        if wait and source < 0:
            gradient = np.zeros(len(x0))
        velocity = beta * velocity + lr * gradient
        x = x - velocity
        positions.append(x)
    return np.array(positions)


def stale_ignoring_delay(grad_fn, x0, lr, beta, delay, steps):
    return stale_momentum(grad_fn, x0, lr, beta, 0, steps)


def stale_short_by_one(grad_fn, x0, lr, beta, delay, steps):
    return _stale(grad_fn, x0, lr, beta, delay, steps, offset=1)


def stale_long_by_one(grad_fn, x0, lr, beta, delay, steps):
    return _stale(grad_fn, x0, lr, beta, delay, steps, offset=-1)


def stale_waiting(grad_fn, x0, lr, beta, delay, steps):
    return _stale(grad_fn, x0, lr, beta, delay, steps, wait=True)


def stale_velocity(grad_fn, x0, lr, beta, delay, steps):
    x = np.array(x0, dtype=float)
    velocities, positions = [np.zeros(len(x0))], [x]
    for k in range(steps):
        velocity = beta * velocities[max(k - delay, 0)] + lr * grad_fn(x)
        velocities.append(velocity)
        x = x - velocity
        positions.append(x)
    return np.array(positions)


def stale_averaging(grad_fn, x0, lr, beta, delay, steps):
    x, velocity = np.array(x0, dtype=float), np.zeros(len(x0))
    positions = [x]
    for k in range(steps):
        gradient = grad_fn(positions[max(k - delay, 0)])
        velocity = beta * velocity + (1 - beta) * gradient
        x = x - lr * velocity
        positions.append(x)
    return np.array(positions)


def stale_without_start(grad_fn, x0, lr, beta, delay, steps):
    return stale_momentum(grad_fn, x0, lr, beta, delay, steps)[1:]


def stale_in_place(grad_fn, x0, lr, beta, delay, steps):
    x, velocity = x0, np.zeros_like(x0)
    positions = [x]
    for k in range(steps):
        velocity = beta * velocity + lr * grad_fn(positions[max(k - delay, 0)])
        x -= velocity
        positions.append(x)
    return np.array(positions)


def stale_same_rows(grad_fn, x0, lr, beta, delay, steps):
    x, velocity = x0.copy(), np.zeros_like(x0)
    positions = [x]
    for k in range(steps):
        velocity = beta * velocity + lr * grad_fn(positions[max(k - delay, 0)])
        x -= velocity
        positions.append(x)
    return np.array(positions)


def stale_same_rows_after_a_copied_start(grad_fn, x0, lr, beta, delay, steps):
    x, velocity = x0.copy(), np.zeros_like(x0)
    positions = [x0.copy()]
    for k in range(steps):
        velocity = beta * velocity + lr * grad_fn(positions[max(k - delay, 0)])
        x -= velocity
        positions.append(x)
    return np.array(positions)


def stale_one_update_short(grad_fn, x0, lr, beta, delay, steps):
    return stale_momentum(grad_fn, x0, lr, beta, delay, steps - 1)


def stale_in_float32(grad_fn, x0, lr, beta, delay, steps):
    x, velocity = x0.astype(np.float32), np.zeros(len(x0), dtype=np.float32)
    positions = [x]
    for k in range(steps):
        gradient = grad_fn(positions[max(k - delay, 0)]).astype(np.float32)
        velocity = np.float32(beta) * velocity + np.float32(lr) * gradient
        x = x - velocity
        positions.append(x)
    return np.array(positions)


def stale_moves_before_the_velocity(grad_fn, x0, lr, beta, delay, steps):
    x, velocity = np.array(x0, dtype=float), np.zeros(len(x0))
    positions = [x]
    for k in range(steps):
        x = x - velocity
        velocity = beta * velocity + lr * grad_fn(positions[max(k - delay, 0)])
        positions.append(x)
    return np.array(positions)


def stale_learning_rate_twice(grad_fn, x0, lr, beta, delay, steps):
    x, velocity = np.array(x0, dtype=float), np.zeros(len(x0))
    positions = [x]
    for k in range(steps):
        velocity = beta * velocity + lr * grad_fn(positions[max(k - delay, 0)])
        x = x - lr * velocity
        positions.append(x)
    return np.array(positions)


def stale_lr_and_beta_swapped(grad_fn, x0, lr, beta, delay, steps):
    return stale_momentum(grad_fn, x0, beta, lr, delay, steps)


def stale_blows_up(grad_fn, x0, lr, beta, delay, steps):
    return stale_momentum(grad_fn, x0, lr, beta, delay, steps) / 0.0


def stale_forgot_return(grad_fn, x0, lr, beta, delay, steps):
    stale_momentum(grad_fn, x0, lr, beta, delay, steps)


def _game(x0, y0, lr, beta, steps, *, old_x=False, y_sign=1, bx=None, by=None):
    bx = beta if bx is None else bx
    by = beta if by is None else by
    x, y, x_old, y_old = x0, y0, x0, y0
    history = [(x, y)]
    for _ in range(steps):
        new_x = x - lr * y + bx * (x - x_old)
        new_y = y + y_sign * lr * (x if old_x else new_x) + by * (y - y_old)
        x_old, y_old, x, y = x, y, new_x, new_y
        history.append((x, y))
    return np.array(history)


def game_simultaneous(x0, y0, lr, beta, steps):
    return _game(x0, y0, lr, beta, steps, old_x=True)


def game_y_descends(x0, y0, lr, beta, steps):
    return _game(x0, y0, lr, beta, steps, y_sign=-1)


def game_momentum_flipped(x0, y0, lr, beta, steps):
    return _game(x0, y0, lr, -beta, steps)


def game_momentum_on_x_only(x0, y0, lr, beta, steps):
    return _game(x0, y0, lr, beta, steps, by=0.0)


def game_momentum_on_y_only(x0, y0, lr, beta, steps):
    return _game(x0, y0, lr, beta, steps, bx=0.0)


def game_transposed(x0, y0, lr, beta, steps):
    return alternating_game(x0, y0, lr, beta, steps).T


def game_without_start(x0, y0, lr, beta, steps):
    return alternating_game(x0, y0, lr, beta, steps)[1:]


def game_previous_point_saved_late(x0, y0, lr, beta, steps):
    x, y, x_old, y_old = x0, y0, x0, y0
    history = [(x, y)]
    for _ in range(steps):
        x = x - lr * y + beta * (x - x_old)
        y = y + lr * x + beta * (y - y_old)
        x_old, y_old = x, y
        history.append((x, y))
    return np.array(history)


def game_momentum_from_the_origin(x0, y0, lr, beta, steps):
    x, y, x_old, y_old = x0, y0, 0.0, 0.0
    history = [(x, y)]
    for _ in range(steps):
        new_x = x - lr * y + beta * (x - x_old)
        new_y = y + lr * new_x + beta * (y - y_old)
        x_old, y_old, x, y = x, y, new_x, new_y
        history.append((x, y))
    return np.array(history)


def game_in_float32(x0, y0, lr, beta, steps):
    return alternating_game(x0, y0, lr, beta, steps).astype(np.float32)


def game_forgot_return(x0, y0, lr, beta, steps):
    alternating_game(x0, y0, lr, beta, steps)


def game_ragged(x0, y0, lr, beta, steps):
    return [(x0, y0)] + [[x0]] * steps


def game_crashes(x0, y0, lr, beta, steps):
    raise KeyError("velocity")


def adam_without_lr(grad, m, s, step, lr, b1, b2, eps):
    m = b1 * m + (1 - b1) * grad
    s = b2 * s + (1 - b2) * grad**2
    return (m / (1 - b1**step)) / (np.sqrt(s / (1 - b2**step)) + eps), m, s


def adam_keeps_the_corrected_s(grad, m, s, step, lr, b1, b2, eps):
    update, m, s = adam_update(grad, m, s, step, lr, b1, b2, eps)
    return update, m, s / (1 - b2**step)


def bytes_through_float32(n_parameters, optimizer, bytes_per_number=4):
    numbers = np.float32(2 + BUFFERS[optimizer]) * np.float32(n_parameters)
    return int(numbers * np.float32(bytes_per_number))


WRONG = [
    (lesson09.adam_update, adam_without_lr, "m and s are right"),
    (lesson09.adam_update, adam_keeps_the_corrected_s, "Your s is wrong"),
    (lesson09.bytes_for_training, bytes_through_float32, "is wrong"),
    (lesson09.adam_update, adam_no_correction, "no bias correction"),
    (lesson09.adam_update, adam_step_minus_one, "step - 1"),
    (lesson09.adam_update, adam_step_plus_one, "step + 1"),
    (lesson09.adam_update, adam_eps_inside, "eps inside the square root"),
    (lesson09.adam_update, adam_no_sqrt, "no square root"),
    (lesson09.adam_update, adam_classical_first_moment, "classical form"),
    (lesson09.adam_update, adam_beta1_for_squares, "averaged with beta1"),
    (lesson09.adam_update, adam_betas_swapped, "betas are swapped"),
    (lesson09.adam_update, adam_moments_in_wrong_order, "wrong order"),
    (lesson09.adam_update, adam_negative, "wrong sign"),
    (lesson09.adam_update, adam_corrected_state, "raw averages"),
    (lesson09.adam_update, adam_divides_by_zero_at_step_one, "did you use step - 1"),
    (lesson09.adam_update, adam_in_place, "changed its input `m` in place"),
    (lesson09.adam_update, adam_two_results, "three things"),
    (lesson09.adam_update, adam_forgot_return, "returned None"),
    (lesson09.adam_update, adam_crashes, "raised ValueError"),
    (lesson09.bytes_for_training, bytes_without_gradients, "one copy of the model"),
    (lesson09.bytes_for_training, bytes_adam_one_buffer, "one buffer"),
    (lesson09.bytes_for_training, bytes_momentum_stateless, "stateless"),
    (lesson09.bytes_for_training, bytes_in_bits, "bits, not bytes"),
    (lesson09.bytes_for_training, bytes_in_gigabytes, "gigabytes"),
    (lesson09.bytes_for_training, bytes_ignoring_the_size, "ignored bytes_per"),
    (lesson09.bytes_for_training, bytes_as_float, "return an int"),
    (lesson09.bytes_for_training, bytes_without_error, "without complaint"),
    (lesson09.bytes_for_training, bytes_by_lookup, "raised KeyError"),
    (lesson09.bytes_for_training, bytes_with_a_vague_error, "does not name it"),
    (lesson09.bytes_for_training, bytes_forgot_return, "returned None"),
    (lesson09.newton_step, newton_multiplied, "multiplied the gradient by"),
    (lesson09.newton_step, newton_negative, "wrong sign"),
    (lesson09.newton_step, newton_diagonal, "only the diagonal"),
    (lesson09.newton_step, newton_reciprocal, "reciprocal of every entry"),
    (lesson09.newton_step, newton_elementwise, "entry by entry"),
    (lesson09.newton_step, newton_arguments_swapped, "matrix comes first"),
    (lesson09.newton_step, newton_gradient, "gradient as it is"),
    (lesson09.newton_step, newton_forgot_return, "returned None"),
    (lesson09.newton_step, newton_by_least_squares, "lstsq"),
    (lesson09.newton_step, newton_in_float32, "float32"),
    (lesson09.newton_step, newton_in_place, "changed its input `grad` in place"),
    (lesson09.stale_momentum, stale_ignoring_delay, "ignoring the delay"),
    (lesson09.stale_momentum, stale_short_by_one, "one step short"),
    (lesson09.stale_momentum, stale_long_by_one, "one step too long"),
    (lesson09.stale_momentum, stale_waiting, "zero gradient"),
    (lesson09.stale_momentum, stale_velocity, "delayed the velocity"),
    (lesson09.stale_momentum, stale_averaging, "averaging form"),
    (lesson09.stale_momentum, stale_without_start, "row 0"),
    (lesson09.stale_momentum, stale_in_place, "changed its input `x0` in place"),
    (lesson09.stale_momentum, stale_same_rows, "Every row"),
    (lesson09.stale_momentum, stale_same_rows_after_a_copied_start, "Every row"),
    (lesson09.stale_momentum, stale_one_update_short, "one update short"),
    (lesson09.stale_momentum, stale_in_float32, "float32"),
    (lesson09.stale_momentum, stale_blows_up, "NaN or infinite"),
    (lesson09.stale_momentum, stale_forgot_return, "returned None"),
    (lesson09.alternating_game, game_simultaneous, "simultaneously"),
    (lesson09.alternating_game, game_y_descends, "y descends"),
    (lesson09.alternating_game, game_momentum_flipped, "momentum has the wrong"),
    (lesson09.alternating_game, game_momentum_on_x_only, "Only x has momentum"),
    (lesson09.alternating_game, game_momentum_on_y_only, "Only y has momentum"),
    (lesson09.alternating_game, game_transposed, "one column per step"),
    (lesson09.alternating_game, game_without_start, "row 0"),
    (lesson09.alternating_game, game_forgot_return, "returned None"),
    (lesson09.alternating_game, game_ragged, "different lengths"),
    (lesson09.alternating_game, game_crashes, "raised KeyError"),
    (lesson09.adam_update, adam_returns_update_last, "update first"),
    (lesson09.adam_update, adam_eps_added_to_the_quotient, "whole quotient"),
    (lesson09.adam_update, adam_without_eps, "no eps"),
    (lesson09.adam_update, adam_corrected_outside_the_root, "under the root"),
    (lesson09.adam_update, adam_paper_s_folded_form, "folded"),
    (lesson09.adam_update, adam_update_before_the_averages, "before this step"),
    (lesson09.adam_update, adam_s_of_gradients, "not their squares"),
    (lesson09.adam_update, adam_in_float32, "float32"),
    (lesson09.bytes_for_training, bytes_error_without_the_allowed, "ones allowed"),
    (lesson09.bytes_for_training, bytes_default_of_eight, "default bytes_per"),
    (lesson09.newton_step, newton_by_entrywise_inverse, "entry by entry"),
    (lesson09.newton_step, newton_returns_the_new_point, "gradient minus"),
    (lesson09.stale_momentum, stale_moves_before_the_velocity, "old velocity"),
    (lesson09.stale_momentum, stale_learning_rate_twice, "rate twice"),
    (lesson09.stale_momentum, stale_lr_and_beta_swapped, "are swapped"),
    (lesson09.alternating_game, game_previous_point_saved_late, "no momentum at"),
    (lesson09.alternating_game, game_momentum_from_the_origin, "first step has"),
    (lesson09.alternating_game, game_in_float32, "float32"),
]


test_a_known_mistake_is_named = check_cases.mistakes_are_named(WRONG)


test_a_check_given_something_that_is_not_a_function = (
    check_cases.not_a_function_is_refused([check for check, _ in RIGHT])
)


test_feedback_never_prints_the_expected_values = check_cases.feedback_shows_no_arrays(
    [
        (lesson09.adam_update, adam_eps_inside),
        (lesson09.bytes_for_training, bytes_in_bits),
        (lesson09.newton_step, newton_diagonal),
        (lesson09.stale_momentum, stale_long_by_one),
        (lesson09.alternating_game, game_simultaneous),
    ]
)


@pytest.mark.parametrize(
    "check",
    [check for check, _ in RIGHT],
    ids=lambda check: check.__name__,
)
def test_a_task_not_yet_done_shows_nbgrader_s_own_error(check):
    def not_done(*args):
        raise NotImplementedError()

    with pytest.raises(NotImplementedError):
        check(not_done)


# --- the test cases exercise what the tasks are about ---------------------------


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_adam_cases_make_eps_and_the_correction_matter(seed):
    for args in lesson09._adam_cases(seed):
        right = lesson09._adam(*args)
        assert not lesson09.close(right, lesson09._adam(*args, denominator="inside"))
        assert not lesson09.close(right, lesson09._adam(*args, powers=(None, None)))


def test_adam_s_first_step_has_the_size_of_the_learning_rate():
    update, m, s = adam_update(
        np.array([2.0, -0.5]), np.zeros(2), np.zeros(2), 1, 0.1, 0.9, 0.999, 1e-8
    )
    np.testing.assert_allclose(update, [0.1, -0.1], rtol=1e-7)
    np.testing.assert_allclose(m, [0.2, -0.05])
    np.testing.assert_allclose(s, [0.004, 0.00025])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_stale_runs_use_several_delays_and_the_delay_matters(seed):
    runs = list(lesson09._stale_runs(seed))
    assert {run[4] for run in runs} == {0, 1, 2, 3}
    for bowl, x0, lr, beta, delay, steps in runs:
        right = lesson09._stale(bowl.grad, x0, lr, beta, delay, steps)
        assert np.all(np.isfinite(right))
        if delay > 0:
            fresh = lesson09._stale(bowl.grad, x0, lr, beta, 0, steps)
            assert not lesson09.close(right, fresh)


def test_with_no_delay_stale_momentum_is_the_library_s_heavy_ball():
    bowl, x0, lr, beta, _, steps = next(lesson09._stale_runs(0))
    method = optim.momentum_classical(lr, beta)
    x, state, positions = x0, method.init(x0), [x0]
    for _ in range(steps):
        update, state = method.update(bowl.grad(x), state, x)
        x = x - update
        positions.append(x)
    right = lesson09._stale(bowl.grad, x0, lr, beta, 0, steps)
    np.testing.assert_allclose(right, np.array(positions), rtol=1e-12)


def test_negative_momentum_brings_the_alternating_game_in():
    spiral = lesson09._game(1.0, 1.0, 0.87, -0.5, 40)
    circle = lesson09._game(1.0, 1.0, 0.3, 0.0, 40)
    assert np.hypot(*spiral[-1]) < 1e-2
    assert 0.5 < np.hypot(*circle[-1]) / np.sqrt(2) < 1.5


# --- the values the hints give ------------------------------------------------


def test_the_hints_values():
    _, m, s = adam_update(
        np.array([2.0, -0.5]), np.zeros(2), np.zeros(2), 1, 0.1, 0.9, 0.999, 1e-8
    )
    update, _, _ = adam_update(np.array([1.0, 0.5]), m, s, 2, 0.1, 0.9, 0.999, 1e-8)
    np.testing.assert_allclose(update, [0.0932, 0.00526], rtol=1e-3)
    assert bytes_for_training(10**9, "adam") == 16_000_000_000
    assert bytes_for_training(10**9, "momentum", 2) == 6_000_000_000
    hessian = np.array([[2.0, 1.0], [1.0, 2.0]])
    np.testing.assert_allclose(newton_step(np.array([3.0, 0.0]), hessian), [2, -1])
    for delay, expected in ((1, [1, 0.5, -0.25, -0.875]), (0, [1, 0.5, 0, -0.25])):
        run = stale_momentum(lambda x: x, np.array([1.0]), 0.5, 0.5, delay, 3)
        np.testing.assert_allclose(run[:, 0], expected, atol=1e-15)
    game = alternating_game(1.0, 1.0, 0.5, -0.5, 2)
    np.testing.assert_allclose(game, [[1, 1], [0.5, 1.25], [0.125, 1.1875]])
