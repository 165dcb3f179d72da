"""Checks for the exercises of lesson 06, noise and real data.

The references are computed here in plain NumPy, so that the checks state
the lesson's definitions on their own.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable

import numpy as np

from course_lib.checks._core import (
    SAME_ROWS,
    as_array,
    as_pair,
    call,
    close,
    diagnose,
    fail,
    pair_verdict,
    passed,
    same_rows,
    shape_of,
)

Array = np.ndarray


def _softmax(logits: Array) -> Array:
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)


def _cross_entropy(W: Array, X: Array, y: Array) -> tuple[float, Array]:
    """Mean softmax cross-entropy of logistic regression and its gradient."""
    n = len(y)
    logits = X @ W
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -float(np.mean(log_probs[np.arange(n), y]))
    onehot = np.eye(W.shape[1])[y]
    return loss, X.T @ (np.exp(log_probs) - onehot) / n


def _softmax_cases(seed: int):
    """(W, X, y): small random problems. In the fourth, X has a column of
    ones (a bias feature) whose weights add about 750 to the logits of every
    row but the first: the softmax does not change, but np.exp(750)
    overflows, and one maximum for the whole matrix leaves the first row at
    np.exp(-750) = 0. In the last, one class's logits are about 800 below the
    others', so its probability underflows to 0 although the loss is finite."""
    rng = np.random.default_rng(seed)
    layouts = [(6, 3, 4), (10, 5, 3), (8, 4, 10), (5, 3, 3), (4, 3, 3)]
    for index, (n, d, k) in enumerate(layouts):
        X = rng.normal(size=(n, d))
        W = rng.normal(size=(d, k))
        y = rng.integers(0, k, size=n)
        if index == 3:
            X[:, -1] = 1.0
            X[0, -1] = 0.0
            W[-1] = 750 + W[-1]
        if index == 4:
            X[:, -1] = 1.0
            W[-1, 0] = -800.0
            y[: n // 2] = 0
        yield W, X, y


def softmax_cross_entropy_grad(student: Callable, *, seed: int = 0) -> None:
    """Check ``softmax_cross_entropy_grad(W, X, y) -> (loss, grad)``."""
    __tracebackhide__ = True
    task = "softmax_cross_entropy_grad"
    count = 0
    for W, X, y in _softmax_cases(seed):
        with np.errstate(all="ignore"):
            answer = call(task, student, W, X, y)
        got = as_pair(task, answer, ("loss", "grad"))
        if shape_of(got[0]) == W.shape and shape_of(got[1]) == ():
            fail(
                "The two results are in the wrong order: return the loss "
                "first, then the gradient."
            )
        got_loss = as_array(task, "the loss", got[0], ())
        if shape_of(got[1]) == W.T.shape and W.shape != W.T.shape:
            fail(
                f"{task} returned the gradient with shape {W.T.shape}, the "
                f"transpose of W's {W.shape}: the gradient has W's shape, "
                "X.T @ (...), not (...).T @ X."
            )
        got_grad = as_array(task, "the gradient", got[1], W.shape)
        right = _cross_entropy(W, X, y)
        count += 1
        if close((got_loss, got_grad), right):
            continue
        n = len(y)
        logits = X @ W
        big = float(np.abs(logits).max()) > 100
        finite = np.isfinite(got_loss) and np.all(np.isfinite(got_grad))
        label_gap = (logits.max(axis=1) - logits[np.arange(n), y]).max()
        if big and not finite and label_gap > 700:
            fail(
                "Your loss is not finite where a label's probability underflows "
                "to 0 (its logit is about 800 below the row's largest), so its "
                "log is -inf; the right loss there is an ordinary number. Take "
                "the log-probability straight from the shifted logits (the "
                "log-sum-exp) instead of the log of the softmax. "
                f"(test case with {n} examples, {W.shape[1]} classes)"
            )
        if big and not finite:
            fail(
                "Your loss or gradient is not finite for logits near 750: "
                "np.exp overflows there. Subtract each row's own largest logit "
                "before exponentiating (one maximum for the whole matrix is not "
                "enough: a row far below it gives np.exp(...) = 0 everywhere); "
                "the softmax does not change. "
                f"(test case with {n} examples, {W.shape[1]} classes)"
            )
        loss, grad = right
        probs = _softmax(X @ W)
        onehot = np.eye(W.shape[1])[y]
        mistakes = [
            (
                "Your loss and gradient are sums over the examples; the task "
                "asks for the mean, so divide by the number of examples.",
                (loss * n, grad * n),
            ),
            (
                "Your gradient is a sum over the examples, but your loss is a "
                "mean: divide the gradient by the number of examples too.",
                (loss, grad * n),
            ),
            (
                "Your gradient has the wrong sign: a gradient points uphill, "
                "toward a larger loss.",
                (loss, -grad),
            ),
            (
                "Your gradient leaves out the one-hot labels: the derivative of "
                "the loss by the logits is probabilities - one-hot.",
                (loss, X.T @ probs / n),
            ),
            (
                "Your loss has the wrong sign: cross-entropy is minus the mean "
                "log-probability of the right class.",
                (-loss, grad),
            ),
            (
                "Your loss and gradient both have the wrong sign: cross-entropy "
                "is minus the mean log-probability, and its gradient by the "
                "logits is probabilities - one-hot.",
                (-loss, -grad),
            ),
            (
                "Your gradient uses the logits where the probabilities belong.",
                (loss, X.T @ (X @ W - onehot) / n),
            ),
        ]
        hint = diagnose((got_loss, got_grad), mistakes) or pair_verdict(
            (got_loss, got_grad), right, ("loss", "gradient")
        )
        fail(f"{hint} (test case with {n} examples, {W.shape[1]} classes)")
    passed(task, count, seed)


# ---------------------------------------------------------------------------


def _central(f: Callable, x: Array, eps: float, *, scale: float = 2.0) -> Array:
    grad = np.zeros_like(x, dtype=float)
    for index in np.ndindex(x.shape):
        step = np.zeros_like(x, dtype=float)
        step[index] = eps
        grad[index] = (f(x + step) - f(x - step)) / (scale * eps)
    return grad


def _forward(f: Callable, x: Array, eps: float) -> Array:
    grad = np.zeros_like(x, dtype=float)
    for index in np.ndindex(x.shape):
        step = np.zeros_like(x, dtype=float)
        step[index] = eps
        grad[index] = (f(x + step) - f(x)) / eps
    return grad


def _backward(f: Callable, x: Array, eps: float) -> Array:
    grad = np.zeros_like(x, dtype=float)
    for index in np.ndindex(x.shape):
        step = np.zeros_like(x, dtype=float)
        step[index] = eps
        grad[index] = (f(x) - f(x - step)) / eps
    return grad


def _functions(seed: int):
    """(f, x, eps): smooth functions whose third derivatives are large enough
    for forward and central differences to differ clearly."""
    rng = np.random.default_rng(seed)
    weights = rng.normal(size=5)
    matrix = rng.normal(size=(3, 2))
    yield (
        (lambda x: float(np.sum(weights * x**3) + np.prod(x[:2]))),
        (rng.normal(size=5)),
        1e-3,
    )
    yield (
        (lambda x: float(np.sum(np.sin(3 * x)) + np.sum(x**4))),
        rng.normal(size=4),
        1e-4,
    )
    yield (lambda W: float(np.sum(np.exp(W * matrix)))), rng.normal(size=(3, 2)), 1e-3


def finite_difference_grad(student: Callable, *, seed: int = 0) -> None:
    """Check ``finite_difference_grad(f, x, eps) -> array``, central
    differences along each coordinate."""
    __tracebackhide__ = True
    task = "finite_difference_grad"
    count = 0
    for f, x, eps in _functions(seed):
        answer = call(task, student, f, x, eps)
        got = as_array(task, "the gradient", answer, x.shape)
        right = _central(f, x, eps)
        count += 1
        if np.allclose(got, right, rtol=1e-6, atol=1e-8):
            continue
        mistakes = [
            (
                "Those are forward differences, (f(x + eps) - f(x)) / eps, "
                "whose error shrinks only like eps; the task asks for central "
                "differences, whose error shrinks like eps².",
                _forward(f, x, eps),
            ),
            (
                "You divided by eps; the two points of a central difference "
                "are 2 eps apart.",
                _central(f, x, eps, scale=1.0),
            ),
            (
                "Your differences have the wrong sign: f(x + eps) comes first.",
                -right,
            ),
        ]
        mistakes.append(
            (
                "Those are backward differences, (f(x) - f(x - eps)) / eps, "
                "whose error shrinks only like eps; the task asks for central "
                "differences, whose error shrinks like eps².",
                _backward(f, x, eps),
            )
        )
        everywhere = np.full(x.shape, (f(x + eps) - f(x - eps)) / (2 * eps))
        mistakes.append(
            (
                "You moved every coordinate at once; move one coordinate at a "
                "time, so each entry measures one partial derivative.",
                everywhere,
            )
        )
        hint = None
        for message, value in mistakes:
            if np.allclose(got, value, rtol=1e-6, atol=1e-8):
                hint = message
                break
        if hint is None:
            wrong = np.flatnonzero(~np.isclose(got, right, rtol=1e-6).ravel())
            hint = f"{wrong.size} of your {x.size} partial derivatives are wrong."
        fail(f"{hint} (test case with x of shape {x.shape}, eps={eps:g})")
    passed(task, count, seed)


# ---------------------------------------------------------------------------


def _lyapunov_variance(lr: float, beta: float, lam: float, sigma: float) -> float:
    """E[x²] of heavy ball on f(x) = lam x² / 2 with gradient noise of
    standard deviation sigma, from the discrete Lyapunov equation
    S = A S A^T + b b^T of the state (x, velocity)."""
    h = lr * lam
    A = np.array([[1 - h, -beta], [h, beta]])
    b = np.array([-lr * sigma, lr * sigma])
    vec = np.linalg.solve(np.eye(4) - np.kron(A, A), np.outer(b, b).ravel())
    return float(vec.reshape(2, 2)[0, 0])


def stationary_variance(student: Callable, *, seed: int = 0) -> None:
    """Check ``stationary_variance(lr, beta, lam, sigma) -> E[x²]``."""
    __tracebackhide__ = True
    task = "stationary_variance"
    rng = np.random.default_rng(seed)
    count = 0
    for _ in range(5):
        lam = float(rng.uniform(0.2, 5.0))
        beta = float(rng.uniform(0.1, 0.95))
        lr = float(rng.uniform(0.05, 1.5) * (1 + beta) / lam)
        sigma = float(rng.uniform(0.3, 3.0))
        answer = call(task, student, lr, beta, lam, sigma)
        got = as_array(task, "the variance", answer, ())
        right = _lyapunov_variance(lr, beta, lam, sigma)
        count += 1
        if np.isclose(got, right, rtol=1e-6):
            continue
        h = lr * lam
        hint = diagnose(
            got,
            [
                (
                    "That is gradient descent's variance: beta is left out, but "
                    "the velocity keeps the noise of past steps.",
                    lr * sigma**2 / (lam * (2 - h)),
                ),
                (
                    "You used sigma where its square belongs: the noise enters "
                    "the variance as sigma².",
                    right / sigma,
                ),
                (
                    "That is the small-learning-rate approximation "
                    "lr σ² / (2 λ (1 - β)); the task asks for the exact value.",
                    lr * sigma**2 / (2 * lam * (1 - beta)),
                ),
                (
                    "The factor (1 + beta) in the numerator is missing.",
                    right / (1 + beta),
                ),
                (
                    "Your variance uses the averaging convention's velocity, "
                    "scaled by (1 - beta); this task uses the classical one.",
                    _lyapunov_variance(lr * (1 - beta), beta, lam, sigma),
                ),
                ("That is the standard deviation, not the variance.", np.sqrt(right)),
            ],
        )
        if hint is None:
            hint = f"Your variance is {float(got) / right:.3g} times the right one."
        fail(
            f"{hint} (test case with lr={lr:.3g}, beta={beta:.3g}, lam={lam:.3g}, "
            f"sigma={sigma:.3g})"
        )
    passed(task, count, seed)


# ---------------------------------------------------------------------------


def _stopping(losses: list[float], patience: int, *, ties=False, extra=0, margin=0.0):
    """(stop, best) of early stopping; the options make known mistakes."""
    best = 0
    for epoch in range(1, len(losses)):
        if ties:
            better = losses[epoch] <= losses[best]
        else:
            better = losses[epoch] < losses[best] - margin
        if better:
            best = epoch
        elif epoch - best >= patience + extra:
            return epoch, best
    return len(losses) - 1, best


def _loss_curves(seed: int):
    rng = np.random.default_rng(seed)
    for index in range(4):
        epochs = int(rng.integers(25, 40))
        t = np.arange(epochs)
        curve = 1 / (1 + 0.3 * t) + 0.002 * (t - 12) ** 2 * (t > 12)
        curve = np.round(curve + 0.02 * rng.normal(size=epochs), 2)
        patience = int(rng.integers(3, 7))
        if index == 1:  # a bump that stops the run, with lower losses after it
            t = np.arange(epochs)
            curve = np.round(1 / (1 + 0.3 * t) + 0.005 * rng.normal(size=epochs), 3)
            curve[8 : 10 + patience] += 0.3
        if index == 3:  # long patience: the run ends without stopping
            patience = epochs
        losses = [float(value) for value in curve]
        if index == 0:  # improvements far smaller than 0.001 still count
            best = int(np.argmin(losses[:10]))
            for epoch in range(best + 1, best + 1 + 2 * patience):
                if epoch < epochs:
                    losses[epoch] = losses[best] - 1e-5 * (epoch - best)
        _, best = _stopping(losses, patience)
        if index == 2 and best + 1 < epochs:  # a tie with the best loss
            losses[best + 1] = losses[best]
        yield losses, patience
    # a run that never beats its first epoch: the patience counts from epoch 0
    rise = np.cumsum(rng.uniform(0.01, 0.05, size=int(rng.integers(10, 20))))
    yield [float(value) for value in np.round(0.5 + rise, 3)], int(rng.integers(3, 7))


def early_stopping(student: Callable, *, seed: int = 0) -> None:
    """Check ``early_stopping(val_losses, patience) -> (stop, best)``."""
    __tracebackhide__ = True
    task = "early_stopping"
    count = 0
    for losses, patience in _loss_curves(seed):
        answer = as_pair(
            task, call(task, student, list(losses), patience), ("stop", "best")
        )
        for value, name in zip(answer, ("stop", "best"), strict=True):
            if not isinstance(value, numbers.Integral) or isinstance(value, bool):
                fail(
                    f"{task} returned {value!r} ({type(value).__name__}) as "
                    f"`{name}`; return an epoch's index, an int."
                )
        got = (int(answer[0]), int(answer[1]))
        right = _stopping(losses, patience)
        count += 1
        if got == right:
            continue
        stop, _ = right
        candidates = [
            (
                "The two results are in the wrong order: return the epoch at "
                "which training stops first, then the best epoch.",
                right[::-1],
            ),
            (
                "Your best epoch looks past the stop, at losses that training "
                "never saw: take the best among the epochs up to the stop.",
                (stop, int(np.argmin(losses))),
            ),
            (
                "You count a tie as an improvement; only a strictly lower "
                "validation loss resets the patience.",
                _stopping(losses, patience, ties=True),
            ),
            *(
                (
                    "You ask an improvement to beat the best loss by a margin; "
                    "here any strictly lower loss is an improvement, however "
                    "small.",
                    _stopping(losses, patience, margin=margin),
                )
                for margin in (1e-3, 1e-4)
            ),
            (
                "You stop one epoch late: stop as soon as `patience` epochs in "
                "a row have brought no improvement.",
                _stopping(losses, patience, extra=1),
            ),
            (
                "You stop one epoch early: wait for `patience` epochs without "
                "improvement, counted after the best one.",
                _stopping(losses, patience, extra=-1),
            ),
        ]
        hint = next((m for m, v in candidates if got == v), None)
        if hint is None and got[0] == len(losses):
            hint = (
                f"Your stop is {got[0]}, past the last epoch: with {len(losses)} "
                f"epochs, the last index is {len(losses) - 1}."
            )
        elif hint is None and got[0] == len(losses) - 1 and stop < got[0]:
            hint = (
                "You never stop early: your run goes to the last epoch although "
                "`patience` epochs after the best one brought no improvement."
            )
        elif hint is None and got[1] != right[1] and stop == got[0]:
            hint = (
                "Your best epoch is wrong: any strictly lower loss is an "
                "improvement, however small (no margin), and the first of "
                "equal losses is the best."
            )
        if hint is None:
            which = "stop" if got[0] != right[0] else "best epoch"
            hint = f"Your {which} is wrong."
        fail(
            f"{hint} (test case with {len(losses)} epochs, patience={patience}; "
            f"you returned stop={got[0]}, best={got[1]})"
        )
    passed(task, count, seed)


# ---------------------------------------------------------------------------


def _shares(grads: Array, lr: float, beta: float, *, averaging=False):
    """(gradient part, history part) of every classical momentum update."""
    velocity = np.zeros(grads.shape[1:])
    current, history = [], []
    for grad in grads:
        weight = lr * (1 - beta) if averaging else lr
        current.append(weight * grad)
        history.append(beta * velocity)
        velocity = beta * velocity + weight * grad
    return np.array(current), np.array(history)


def update_shares(student: Callable, *, seed: int = 0) -> None:
    """Check ``update_shares(grads, lr, beta) -> (gradient part, history part)``."""
    __tracebackhide__ = True
    task = "update_shares"
    rng = np.random.default_rng(seed)
    count = 0
    for steps, dim in [(6, 2), (10, 3), (4, 5)]:
        grads = rng.normal(size=(steps, dim))
        lr, beta = float(rng.uniform(0.05, 0.5)), float(rng.uniform(0.5, 0.95))
        got = as_pair(
            task, call(task, student, grads, lr, beta), ("current", "history")
        )
        got = (
            as_array(task, "the gradient part", got[0], grads.shape),
            as_array(task, "the history part", got[1], grads.shape),
        )
        right = _shares(grads, lr, beta)
        count += 1
        if close(got, right):
            continue
        if same_rows(got[1]) or same_rows(got[0]):
            fail(SAME_ROWS)
        current, history = right
        velocities = current + history
        mistakes = [
            (
                "The two results are in the wrong order: return the gradient "
                "part first, then the history part.",
                right[::-1],
            ),
            (
                "Your history part includes the current gradient: it is what "
                "the old velocity contributes, beta times the velocity before "
                "this step.",
                (current, velocities),
            ),
            (
                "Your history part is the old velocity itself: it enters the "
                "update decayed by beta.",
                (current, history / beta),
            ),
            (
                "Your history part uses the new velocity; it is beta times the "
                "velocity before this step.",
                (current, beta * velocities),
            ),
            (
                "The learning rate is missing from the gradient part.",
                (current / lr, history),
            ),
            (
                "Your shares use the averaging convention, with the gradient "
                "weighted by (1 - beta); this task uses the classical one.",
                _shares(grads, lr, beta, averaging=True),
            ),
        ]
        hint = diagnose(got, mistakes) or pair_verdict(
            got, right, ("gradient part", "history part")
        )
        fail(f"{hint} (test case with lr={lr:.3g}, beta={beta:.3g}, {steps} steps)")
    passed(task, count, seed)
