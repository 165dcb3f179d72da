"""Lesson 06's exercise checks: right answers pass, each known mistake is named."""

import check_cases
import numpy as np
import pytest

from course_lib.checks import lesson06

# --- right answers ------------------------------------------------------------


def softmax_cross_entropy_grad(W, X, y):
    n = len(y)
    logits = X @ W
    logits = logits - logits.max(axis=1, keepdims=True)
    log_norm = np.log(np.exp(logits).sum(axis=1, keepdims=True))
    probs = np.exp(logits - log_norm)
    loss = np.mean(log_norm[:, 0] - logits[np.arange(n), y])
    onehot = np.zeros_like(probs)
    onehot[np.arange(n), y] = 1
    return float(loss), X.T @ (probs - onehot) / n


def finite_difference_grad(f, x, eps):
    grad = np.zeros(x.shape)
    for index in np.ndindex(x.shape):
        step = np.zeros(x.shape)
        step[index] = eps
        grad[index] = (f(x + step) - f(x - step)) / (2 * eps)
    return grad


def stationary_variance(lr, beta, lam, sigma):
    h = lr * lam
    return lr * sigma**2 * (1 + beta) / (lam * (1 - beta) * (2 * (1 + beta) - h))


def early_stopping(val_losses, patience):
    best = 0
    for epoch in range(1, len(val_losses)):
        if val_losses[epoch] < val_losses[best]:
            best = epoch
        elif epoch - best >= patience:
            return epoch, best
    return len(val_losses) - 1, best


def update_shares(grads, lr, beta):
    velocity = np.zeros(grads.shape[1])
    current, history = [], []
    for grad in grads:
        current.append(lr * grad)
        history.append(beta * velocity)
        velocity = beta * velocity + lr * grad
    return np.array(current), np.array(history)


RIGHT = [
    (lesson06.softmax_cross_entropy_grad, softmax_cross_entropy_grad),
    (lesson06.finite_difference_grad, finite_difference_grad),
    (lesson06.stationary_variance, stationary_variance),
    (lesson06.early_stopping, early_stopping),
    (lesson06.update_shares, update_shares),
]


def variance_by_lyapunov(lr, beta, lam, sigma):
    h = lr * lam
    A = np.array([[1 - h, -beta], [h, beta]])
    b = np.array([-lr * sigma, lr * sigma])
    S = np.zeros((2, 2))
    for _ in range(20000):
        S = A @ S @ A.T + np.outer(b, b)
    return S[0, 0]


def finite_difference_in_place_restored(f, x, eps):
    x = x.astype(float)
    grad = np.zeros(x.shape)
    for index in np.ndindex(x.shape):
        keep = x[index]
        x[index] = keep + eps
        up = f(x)
        x[index] = keep - eps
        down = f(x)
        x[index] = keep
        grad[index] = (up - down) / (2 * eps)
    return grad


OTHER_RIGHT = [
    (lesson06.stationary_variance, variance_by_lyapunov),
    (lesson06.finite_difference_grad, finite_difference_in_place_restored),
]


test_a_right_answer_passes_and_says_so = check_cases.right_answers_pass(RIGHT)


test_another_right_way_passes_too = check_cases.right_answers_pass(
    OTHER_RIGHT, says_correct=False
)


# --- wrong answers, each with the words its feedback must contain ------------


def softmax_summed(W, X, y):
    loss, grad = softmax_cross_entropy_grad(W, X, y)
    return loss * len(y), grad * len(y)


def softmax_grad_summed(W, X, y):
    loss, grad = softmax_cross_entropy_grad(W, X, y)
    return loss, grad * len(y)


def softmax_grad_sign(W, X, y):
    loss, grad = softmax_cross_entropy_grad(W, X, y)
    return loss, -grad


def softmax_no_onehot(W, X, y):
    loss, _ = softmax_cross_entropy_grad(W, X, y)
    logits = X @ W - (X @ W).max(axis=1, keepdims=True)
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    return loss, X.T @ probs / len(y)


def softmax_unstable(W, X, y):
    n = len(y)
    probs = np.exp(X @ W) / np.exp(X @ W).sum(axis=1, keepdims=True)
    onehot = np.eye(W.shape[1])[y]
    return float(-np.mean(np.log(probs[np.arange(n), y]))), X.T @ (probs - onehot) / n


def softmax_transposed(W, X, y):
    loss, grad = softmax_cross_entropy_grad(W, X, y)
    return loss, grad.T


def softmax_swapped(W, X, y):
    return softmax_cross_entropy_grad(W, X, y)[::-1]


def softmax_loss_sign(W, X, y):
    loss, grad = softmax_cross_entropy_grad(W, X, y)
    return -loss, grad


def fd_forward(f, x, eps):
    grad = np.zeros(x.shape)
    for index in np.ndindex(x.shape):
        step = np.zeros(x.shape)
        step[index] = eps
        grad[index] = (f(x + step) - f(x)) / eps
    return grad


def fd_half(f, x, eps):
    return 2 * finite_difference_grad(f, x, eps)


def fd_sign(f, x, eps):
    return -finite_difference_grad(f, x, eps)


def fd_all_at_once(f, x, eps):
    return np.full(x.shape, (f(x + eps) - f(x - eps)) / (2 * eps))


def fd_not_restored(f, x, eps):
    grad = np.zeros(x.shape)
    for index in np.ndindex(x.shape):
        x[index] += eps
        up = f(x)
        x[index] -= 2 * eps
        down = f(x)
        grad[index] = (up - down) / (2 * eps)
    return grad


def variance_gd(lr, beta, lam, sigma):
    return lr * sigma**2 / (lam * (2 - lr * lam))


def variance_sigma(lr, beta, lam, sigma):
    return stationary_variance(lr, beta, lam, sigma) / sigma


def variance_small_lr(lr, beta, lam, sigma):
    return lr * sigma**2 / (2 * lam * (1 - beta))


def variance_without_one_plus_beta(lr, beta, lam, sigma):
    return stationary_variance(lr, beta, lam, sigma) / (1 + beta)


def variance_averaging(lr, beta, lam, sigma):
    return stationary_variance(lr * (1 - beta), beta, lam, sigma)


def variance_std(lr, beta, lam, sigma):
    return np.sqrt(stationary_variance(lr, beta, lam, sigma))


def stopping_peeks(val_losses, patience):
    stop, _ = early_stopping(val_losses, patience)
    return stop, int(np.argmin(val_losses))


def stopping_ties(val_losses, patience):
    best = 0
    for epoch in range(1, len(val_losses)):
        if val_losses[epoch] <= val_losses[best]:
            best = epoch
        elif epoch - best >= patience:
            return epoch, best
    return len(val_losses) - 1, best


def stopping_late(val_losses, patience):
    return early_stopping(val_losses, patience + 1)


def stopping_swapped(val_losses, patience):
    return early_stopping(val_losses, patience)[::-1]


def stopping_float(val_losses, patience):
    stop, best = early_stopping(val_losses, patience)
    return float(stop), best


def shares_with_current(grads, lr, beta):
    current, history = update_shares(grads, lr, beta)
    return current, current + history


def shares_old_velocity(grads, lr, beta):
    current, history = update_shares(grads, lr, beta)
    return current, history / beta


def shares_new_velocity(grads, lr, beta):
    current, history = update_shares(grads, lr, beta)
    return current, beta * (current + history)


def shares_without_lr(grads, lr, beta):
    current, history = update_shares(grads, lr, beta)
    return current / lr, history


def shares_averaging(grads, lr, beta):
    return update_shares(grads, lr * (1 - beta), beta)


def shares_swapped(grads, lr, beta):
    return update_shares(grads, lr, beta)[::-1]


WRONG = [
    (lesson06.softmax_cross_entropy_grad, softmax_summed, "sums over the examples"),
    (lesson06.softmax_cross_entropy_grad, softmax_grad_summed, "divide the gradient"),
    (lesson06.softmax_cross_entropy_grad, softmax_grad_sign, "wrong sign"),
    (lesson06.softmax_cross_entropy_grad, softmax_no_onehot, "one-hot"),
    (lesson06.softmax_cross_entropy_grad, softmax_unstable, "overflows"),
    (lesson06.softmax_cross_entropy_grad, softmax_transposed, "transpose"),
    (lesson06.softmax_cross_entropy_grad, softmax_swapped, "wrong order"),
    (lesson06.softmax_cross_entropy_grad, softmax_loss_sign, "loss has the wrong"),
    (lesson06.finite_difference_grad, fd_forward, "forward differences"),
    (lesson06.finite_difference_grad, fd_half, "2 eps apart"),
    (lesson06.finite_difference_grad, fd_sign, "wrong sign"),
    (lesson06.finite_difference_grad, fd_all_at_once, "every coordinate at once"),
    (lesson06.finite_difference_grad, fd_not_restored, "in place"),
    (lesson06.stationary_variance, variance_gd, "gradient descent's"),
    (lesson06.stationary_variance, variance_sigma, "sigma²"),
    (lesson06.stationary_variance, variance_small_lr, "approximation"),
    (lesson06.stationary_variance, variance_without_one_plus_beta, "(1 + beta)"),
    (lesson06.stationary_variance, variance_averaging, "averaging"),
    (lesson06.stationary_variance, variance_std, "standard deviation"),
    (lesson06.early_stopping, stopping_peeks, "looks past the stop"),
    (lesson06.early_stopping, stopping_ties, "tie"),
    (lesson06.early_stopping, stopping_late, "one epoch late"),
    (lesson06.early_stopping, stopping_swapped, "wrong order"),
    (lesson06.early_stopping, stopping_float, "an int"),
    (lesson06.update_shares, shares_with_current, "includes the current"),
    (lesson06.update_shares, shares_old_velocity, "old velocity itself"),
    (lesson06.update_shares, shares_new_velocity, "new velocity"),
    (lesson06.update_shares, shares_without_lr, "learning rate is missing"),
    (lesson06.update_shares, shares_averaging, "averaging"),
    (lesson06.update_shares, shares_swapped, "wrong order"),
]


test_a_known_mistake_is_named = check_cases.mistakes_are_named(WRONG)


test_a_check_given_something_that_is_not_a_function = (
    check_cases.not_a_function_is_refused([check for check, _ in RIGHT])
)


test_feedback_never_prints_the_expected_values = check_cases.feedback_shows_no_arrays(
    [
        (lesson06.softmax_cross_entropy_grad, softmax_no_onehot),
        (lesson06.finite_difference_grad, fd_forward),
        (lesson06.update_shares, shares_with_current),
    ]
)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_variance_formula_is_the_lyapunov_solution(seed):
    rng = np.random.default_rng(seed)
    for _ in range(10):
        lam, beta = rng.uniform(0.2, 5.0), rng.uniform(0.0, 0.95)
        lr, sigma = rng.uniform(0.05, 1.9) * (1 + beta) / lam, rng.uniform(0.3, 3)
        assert np.isclose(
            lesson06._lyapunov_variance(lr, beta, lam, sigma),
            stationary_variance(lr, beta, lam, sigma),
            rtol=1e-10,
        )


def test_the_variance_matches_a_long_noisy_run():
    lr, beta, lam, sigma = 0.3, 0.8, 2.0, 1.5
    rng = np.random.default_rng(0)
    noise = sigma * rng.normal(size=(3000, 64))
    x, velocity = np.zeros(64), np.zeros(64)
    total = 0.0
    for step, kick in enumerate(noise):
        velocity = beta * velocity + lr * (lam * x + kick)
        x = x - velocity
        if step >= 1000:
            total += np.mean(x**2)
    assert np.isclose(
        total / 2000, stationary_variance(lr, beta, lam, sigma), rtol=0.05
    )


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_some_curves_stop_early_and_one_runs_to_the_end(seed):
    results = [
        (early_stopping(losses, patience), len(losses), patience)
        for losses, patience in lesson06._loss_curves(seed)
    ]
    stops_early = [stop < epochs - 1 for (stop, _), epochs, _ in results]
    assert stops_early.count(False) == 1 and stops_early.count(True) >= 3
    (stop, best), _, patience = results[-1]
    assert (stop, best) == (patience, 0), "the last run never beats epoch 0"


# --- answers that once slipped through, or got a vague message ---------------


def softmax_global_shift(W, X, y):
    n = len(y)
    logits = X @ W - (X @ W).max()
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    onehot = np.eye(W.shape[1])[y]
    return float(-np.mean(np.log(probs[np.arange(n), y]))), X.T @ (probs - onehot) / n


def softmax_log_of_probs(W, X, y):
    n = len(y)
    logits = X @ W - (X @ W).max(axis=1, keepdims=True)
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    onehot = np.eye(W.shape[1])[y]
    with np.errstate(divide="ignore"):
        loss = float(-np.mean(np.log(probs[np.arange(n), y])))
    return loss, X.T @ (probs - onehot) / n


def softmax_both_signs(W, X, y):
    loss, grad = softmax_cross_entropy_grad(W, X, y)
    return -loss, -grad


def stopping_with_margin(val_losses, patience):
    best = 0
    for epoch in range(1, len(val_losses)):
        if val_losses[epoch] < val_losses[best] - 1e-3:
            best = epoch
        elif epoch - best >= patience:
            return epoch, best
    return len(val_losses) - 1, best


def stopping_never(val_losses, patience):
    return len(val_losses) - 1, int(np.argmin(val_losses))


def stopping_past_the_end(val_losses, patience):
    stop, best = early_stopping(val_losses, patience)
    return (len(val_losses) if stop == len(val_losses) - 1 else stop), best


def shares_one_array_appended(grads, lr, beta):
    velocity = np.zeros(grads.shape[1])
    current, history = [], []
    for grad in grads:
        velocity *= beta
        history.append(velocity)
        current.append(lr * grad)
        velocity += lr * grad
    return np.array(current), np.array(history)


def shares_in_float32(grads, lr, beta):
    current, history = update_shares(grads, lr, beta)
    return current.astype(np.float32), history.astype(np.float32)


def stopping_counts_epoch_zero(val_losses, patience):
    best_loss, best, waited = val_losses[0], 0, 0
    for epoch, loss in enumerate(val_losses):  # epoch 0 is compared with itself
        if loss < best_loss:
            best_loss, best, waited = loss, epoch, 0
        else:
            waited += 1
            if waited >= patience:
                return epoch, best
    return len(val_losses) - 1, best


MORE_WRONG = [
    (lesson06.early_stopping, stopping_counts_epoch_zero, "one epoch early"),
    (lesson06.softmax_cross_entropy_grad, softmax_global_shift, "each row's own"),
    (lesson06.softmax_cross_entropy_grad, softmax_log_of_probs, "log-sum-exp"),
    (lesson06.softmax_cross_entropy_grad, softmax_both_signs, "both have the wrong"),
    (lesson06.early_stopping, stopping_with_margin, "by a margin"),
    (lesson06.early_stopping, stopping_never, "never stop early"),
    (lesson06.early_stopping, stopping_past_the_end, "past the last epoch"),
    (lesson06.update_shares, shares_one_array_appended, "Every row"),
    (lesson06.update_shares, shares_in_float32, "float32"),
]


test_a_subtler_mistake_is_named = check_cases.mistakes_are_named(MORE_WRONG)


def fd_backward(f, x, eps):
    grad = np.zeros(x.shape)
    for index in np.ndindex(x.shape):
        step = np.zeros(x.shape)
        step[index] = eps
        grad[index] = (f(x) - f(x - step)) / eps
    return grad


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_backward_differences_are_named(seed):
    with pytest.raises(AssertionError, match="backward differences"):
        lesson06.finite_difference_grad(fd_backward, seed=seed)
