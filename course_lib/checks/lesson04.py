"""Checks for the exercises of lesson 04, Nesterov."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from course_lib import optim, problems, run, theory
from course_lib.checks._core import (
    as_array,
    as_pair,
    call,
    close,
    diagnose,
    fail,
    pair_verdict,
    passed,
    step_mistakes,
)

Array = np.ndarray


def _bowl(rng: np.random.Generator, dim: int) -> problems.Quadratic:
    """A tilted quadratic with its minimizer away from the origin."""
    eigenvalues = rng.uniform(0.5, 10.0, size=dim)
    rotation, _ = np.linalg.qr(rng.normal(size=(dim, dim)))
    return problems.Quadratic(eigenvalues, rotation, rng.normal(size=dim))


def _constant(gradient: Array) -> Callable[[Array], Array]:
    """A gradient function that returns ``gradient`` wherever it is asked."""

    def grad_fn(point: Array) -> Array:
        return gradient

    return grad_fn


def _explained(wrong: list[tuple[Any, list[tuple[str, Any]]]]) -> str | None:
    """The first known mistake that gives every wrong answer.

    ``wrong`` holds, for each test case the answer got wrong, the answer and
    what each known mistake would return there (the same mistakes in the same
    order). A mistake is named only when it accounts for all those cases: on
    one case alone, two formulas can give the same number by chance.
    """
    _, first = wrong[0]
    for index, (message, _) in enumerate(first):
        if all(close(got, mistakes[index][1]) for got, mistakes in wrong):
            return message
    return None


# ---------------------------------------------------------------------------


def _reformulated_step(y, velocity, grad_fn, lr, beta) -> tuple[Array, Array]:
    """One step of course_lib's reformulated Nesterov from a given velocity."""
    method = optim.nesterov(lr, beta)
    lr_state, trace_state = method.init(y)
    state = (lr_state, trace_state._replace(count=1, velocity=velocity))
    updates, (_, new_trace) = method.update(grad_fn(y), state, y)
    return optim.apply_updates(y, updates), new_trace.velocity


def nesterov_reformulated_step(student: Callable, *, seed: int = 0) -> None:
    """Check ``nesterov_reformulated_step(y, velocity, grad_fn, lr, beta)``.

    The answer is ``(new_y, new_velocity)`` of the reformulation that needs
    the gradient at the current point only.
    """
    __tracebackhide__ = True
    task = "nesterov_reformulated_step"
    rng = np.random.default_rng(seed)
    count = 0
    for dim in (2, 3, 2):
        bowl = _bowl(rng, dim)
        y, v = rng.normal(size=dim), rng.normal(size=dim)
        lr, beta = float(rng.uniform(0.02, 0.1)), float(rng.uniform(0.55, 0.95))
        answer = call(task, student, y, v, bowl.grad, lr, beta)
        got = as_pair(task, answer, ("y", "velocity"))
        got_y = as_array(task, "the new point", got[0], y.shape)
        got_v = as_array(task, "the new velocity", got[1], y.shape)
        right_y, right_v = _reformulated_step(y, v, bowl.grad, lr, beta)
        count += 1
        if close(got_y, right_y) and close(got_v, right_v):
            continue

        g = bowl.grad(y)
        # The same step with the gradient taken somewhere else.
        ahead_again = _reformulated_step(
            y, v, _constant(bowl.grad(y - beta * v)), lr, beta
        )
        buffer = beta * v + g  # PyTorch's buffer, without the learning rate
        hint = diagnose(
            (got_y, got_v),
            [
                *step_mistakes(y, right_y, right_v),
                (
                    "Your point moved uphill: a sign error in the step, which "
                    "subtracts both parts from y.",
                    (2 * y - right_y, right_v),
                ),
                (
                    "The gradient part of your step has the wrong sign: both "
                    "parts of the step are subtracted from y.",
                    (y - (beta * right_v - lr * g), right_v),
                ),
                (
                    "Your point moved by the new velocity: that is heavy ball's "
                    "step. In the reformulation the point moves by more than the "
                    "velocity, because it must land on the next look-ahead point.",
                    (y - right_v, right_v),
                ),
                (
                    "You took the gradient at y - beta * velocity. In this form y "
                    "already is the look-ahead point: the gradient is taken at y "
                    "itself.",
                    ahead_again,
                ),
                (
                    "Your step counts the momentum term twice: it moves by the "
                    "new velocity plus beta times the new velocity. Look again at "
                    "which parts the step is made of.",
                    (y - (1 + beta) * right_v, right_v),
                ),
                (
                    "Your step adds beta times the old velocity; the momentum "
                    "part of the step is built from the new velocity.",
                    (y - (beta * v + right_v), right_v),
                ),
                (
                    "Your velocity lacks the learning rate: that is PyTorch's "
                    "buffer. This task keeps the classical convention, in which "
                    "the velocity carries the learning rate.",
                    (y - lr * (g + beta * buffer), buffer),
                ),
                (
                    "The learning rate is missing from the gradient part of the step.",
                    (y - (beta * right_v + g), right_v),
                ),
                (
                    "You returned the old velocity: return the one you computed "
                    "in this step.",
                    (right_y, v),
                ),
            ],
        )
        hint = hint or pair_verdict(
            (got_y, got_v), (right_y, right_v), ("new point", "new velocity")
        )
        fail(f"{hint} (test case with lr={lr:.3g}, beta={beta:.3g})")
    passed(task, count, seed)


# ---------------------------------------------------------------------------


def effective_momentum(student: Callable, *, seed: int = 0) -> None:
    """Check ``effective_momentum(lr, beta, eigenvalue) -> beta * (1 - lr*λ)``."""
    __tracebackhide__ = True
    task = "effective_momentum"
    rng = np.random.default_rng(seed)
    count = 0
    for size in (None, None, 5, 3):
        eigenvalue = rng.uniform(0.3, 20.0, size=size)
        lr = float(rng.uniform(0.05, 1.5) / np.max(eigenvalue))
        beta = float(rng.uniform(0.3, 0.95))
        if size is None:
            eigenvalue = float(eigenvalue)
        shape = np.shape(eigenvalue)
        answer = call(task, student, lr, beta, eigenvalue)
        got = as_array(task, "the effective momentum", answer, shape)
        h = lr * np.asarray(eigenvalue)
        right = theory.nesterov_matrix(lr, beta, eigenvalue)[..., 1, 1]
        count += 1
        if close(got, right):
            continue
        hint = diagnose(
            got,
            [
                (
                    "Your damping uses lr where it needs lr·λ: the factor "
                    "depends on the curvature of the direction.",
                    beta * (1 - lr) * np.ones(shape),
                ),
                (
                    "Your damping uses λ alone where it needs lr·λ, the step's "
                    "size measured in that direction's curvature.",
                    beta * (1 - np.asarray(eigenvalue)),
                ),
                (
                    "Your factor grows with lr·λ, but the look-ahead gradient "
                    "shrinks the momentum: check the sign.",
                    beta * (1 + h),
                ),
                (
                    "That is heavy ball's momentum, the same in every direction; "
                    "Nesterov's look-ahead damps it by how far the gradient "
                    "changes over the look-ahead.",
                    beta * np.ones(shape),
                ),
                (
                    "You subtract lr·λ from beta; the look-ahead scales beta instead.",
                    beta - h,
                ),
                (
                    "Beta is missing: your answer is only the damping factor.",
                    1 - h,
                ),
                (
                    "Your beta is squared: the look-ahead puts beta in the "
                    "effective momentum once.",
                    beta**2 * (1 - h),
                ),
                (
                    "Your factor is applied twice (it is squared).",
                    beta * (1 - h) ** 2,
                ),
            ],
        )
        where = (
            f"eigenvalue={eigenvalue:.3g}"
            if size is None
            else f"an array of {size} eigenvalues"
        )
        fail(
            f"{hint or 'Your effective momentum is wrong.'} (test case with "
            f"lr={lr:.3g}, beta={beta:.3g}, {where})"
        )
    passed(task, count, seed)


# ---------------------------------------------------------------------------


def _rate_cases(seed: int, count: int = 6):
    """(lr, beta, eigenvalues), every third one unstable (lr·L beyond
    Nesterov's limit 2 (1 + beta) / (1 + 2 beta), below 5/3 for beta > 0.2),
    keeping clear of double roots, where eigenvalue solvers lose half their
    digits."""
    rng = np.random.default_rng(seed)
    made = 0
    while made < count:
        eigenvalues = rng.uniform(0.05, 10.0, size=int(rng.integers(3, 6)))
        biggest = float(eigenvalues.max())
        low, high = (0.1, 1.0) if made % 3 else (1.7, 2.5)
        lr = float(rng.uniform(low, high) / biggest)
        beta = float(rng.uniform(0.2, 0.99))
        damped = beta * (1 - lr * eigenvalues)
        trace = (1 - lr * eigenvalues) + damped
        if np.min(np.abs(trace**2 - 4 * damped)) < 1e-3:
            continue
        made += 1
        yield lr, beta, eigenvalues


def _rate_mistakes(
    lr: float, beta: float, lam: Array, right: float
) -> list[tuple[str, float]]:
    """What each known mistake of nesterov_rate returns."""
    matrices = theory.nesterov_matrix(lr, beta, lam)
    radii = theory.spectral_radius(matrices)
    roots = np.linalg.eigvals(matrices)
    # Matrices with the look-ahead damping in one entry of the velocity
    # column only.
    one_entry = []
    for row in (0, 1):
        partial = theory.heavy_ball_matrix(lr, beta, lam)
        partial[:, row, 1] = matrices[:, row, 1]
        one_entry.append(theory.spectral_radius(partial).max())
    one_entry_message = (
        "Your matrix damps only one entry of the velocity column; the "
        "look-ahead damps both."
    )
    real_parts = (
        "You used the real parts of the matrix's eigenvalues; when they are "
        "complex, their size is the modulus."
    )
    return [
        (
            "That is heavy ball's rate: your matrix misses the look-ahead, "
            "which damps the momentum in each direction.",
            theory.convergence_rate(lr, beta, lam),
        ),
        (one_entry_message, one_entry[0]),
        (one_entry_message, one_entry[1]),
        (
            "Your matrix uses lr where it needs lr·λ.",
            theory.spectral_radius(
                theory.nesterov_matrix(lr, beta, np.ones_like(lam))
            ).max(),
        ),
        (
            "That is only the rate along the smallest eigenvalue, μ; the "
            "slowest direction may be another.",
            radii[np.argmin(lam)],
        ),
        (
            "That is only the rate along the largest eigenvalue, L; the "
            "slowest direction may be another.",
            radii[np.argmax(lam)],
        ),
        (
            "You took the best direction; the rate of the whole run is set by "
            "the slowest one.",
            radii.min(),
        ),
        (
            "You averaged over the directions; the rate of the whole run is "
            "set by the slowest one.",
            radii.mean(),
        ),
        (real_parts, np.abs(roots.real).max()),
        (real_parts, roots.real.max()),
        (
            "You took the smaller eigenvalue of each 2×2 matrix; the larger "
            "one in size decides.",
            np.abs(roots).min(axis=-1).max(),
        ),
        (
            "Your rate is squared: that is the factor per step of the loss, "
            "and the task asks for distances.",
            right**2,
        ),
        (
            "That is gradient descent's rate, |1 - lr·λ|: the momentum is "
            "left out of your matrix.",
            np.abs(1 - lr * lam).max(),
        ),
        (
            "Your rate is capped at 1: a run that diverges has a rate above "
            "1, and the task asks for that rate as it is.",
            min(right, 1.0),
        ),
        (
            "That is 1 - √(μ/L), the rate that task 4's tuning achieves; here "
            "lr and beta are given, and the rate comes from their matrices.",
            1 - np.sqrt(lam.min() / lam.max()),
        ),
        (
            "√|b| is the modulus of the matrix's eigenvalues only when they "
            "are complex; when they are real, their moduli differ, and the "
            "larger one decides.",
            np.sqrt(np.abs(beta * (1 - lr * lam))).max(),
        ),
    ]


def nesterov_rate(student: Callable, *, seed: int = 0) -> None:
    """Check ``nesterov_rate(lr, beta, eigenvalues) -> rate``."""
    __tracebackhide__ = True
    task = "nesterov_rate"
    cases = list(_rate_cases(seed))
    wrong = []
    for lr, beta, lam in cases:
        answer = call(task, student, lr, beta, lam)
        if isinstance(answer, bool | np.bool_):
            fail(
                f"{task} returned {bool(answer)}: the task asks for the rate itself, "
                "a number, not whether the run converges."
            )
        got = as_array(task, "the rate", answer, ())
        right = theory.convergence_rate(lr, beta, lam, method="nesterov")
        if not close(got, right):
            mistakes = _rate_mistakes(lr, beta, lam, right)
            wrong.append((got, mistakes, right, lr, beta, lam))
    if not wrong:
        passed(task, len(cases), seed)
        return
    got, _, right, lr, beta, lam = wrong[0]
    if not np.isfinite(got):
        fail(
            f"{task} returned {float(got)}: a square root of a negative "
            "number? When the 2×2 matrix has complex eigenvalues, compute "
            "them in complex numbers (np.linalg.eigvals does) and take their "
            f"modulus. (test case with lr={lr:.3g}, beta={beta:.3g})"
        )
    hint = _explained([(value, mistakes) for value, mistakes, *_ in wrong])
    size = "too large" if got > right else "too small"
    fail(
        f"{hint or f'Your rate is {size}.'} (test case with lr={lr:.3g}, "
        f"beta={beta:.3g}, eigenvalues from {lam.min():.3g} to {lam.max():.3g})"
    )


# ---------------------------------------------------------------------------


def _standard_tuning(mu: float, big: float) -> tuple[float, float]:
    """lr = 1/L and beta = (√κ - 1) / (√κ + 1)."""
    root = np.sqrt(big / mu)
    return 1 / big, float((root - 1) / (root + 1))


def _fastest_tuning(mu: float, big: float) -> tuple[float, float]:
    """lr = 4 / (3L + μ) and beta = (√(3κ + 1) - 2) / (√(3κ + 1) + 2)."""
    root = np.sqrt(3 * big / mu + 1)
    return 4 / (3 * big + mu), float((root - 2) / (root + 2))


def nesterov_tuning(student: Callable, *, seed: int = 0) -> None:
    """Check ``nesterov_tuning(mu, L) -> (lr, beta)``, the standard tuning."""
    __tracebackhide__ = True
    task = "nesterov_tuning"
    rng = np.random.default_rng(seed)
    count = 0
    for _ in range(4):
        mu = float(rng.uniform(0.1, 3.0))
        big = mu * float(rng.uniform(5.0, 2000.0))
        got = as_pair(task, call(task, student, mu, big), ("lr", "beta"))
        got_lr = as_array(task, "the learning rate", got[0], ())
        got_beta = as_array(task, "beta", got[1], ())
        right_lr, right_beta = _standard_tuning(mu, big)
        count += 1
        if close(got_lr, right_lr) and close(got_beta, right_beta):
            continue
        kappa = big / mu
        root = np.sqrt(kappa)
        hint = diagnose(
            (got_lr, got_beta),
            [
                (
                    "The two results are in the wrong order: return the learning "
                    "rate first, then beta.",
                    (right_beta, right_lr),
                ),
                (
                    "That is Polyak's tuning of heavy ball; Nesterov's takes a "
                    "smaller step and less momentum.",
                    theory.heavy_ball_optimal_parameters(mu, big),
                ),
                (
                    "That is the tuning that makes Nesterov fastest on a "
                    "quadratic; this task asks for the standard one, whose step is "
                    "1/L and which keeps its guarantee beyond quadratics.",
                    _fastest_tuning(mu, big),
                ),
                (
                    "Your beta uses κ where the tuning uses √κ: the acceleration "
                    "comes from the square root of the condition number.",
                    (right_lr, (kappa - 1) / (kappa + 1)),
                ),
                (
                    "Your beta is squared, as in heavy ball's tuning; Nesterov's "
                    "is not.",
                    (right_lr, right_beta**2),
                ),
                (
                    "Your beta is negative: κ is L/μ, at least 1.",
                    (right_lr, -right_beta),
                ),
                (
                    "Your beta is 1 - 1/√κ, close to the rate the tuning "
                    "achieves, but not the momentum itself.",
                    (right_lr, 1 - 1 / root),
                ),
                (
                    "Your learning rate is set by the smallest curvature; the "
                    "largest one limits the step.",
                    (1 / mu, right_beta),
                ),
                (
                    "Your learning rate is gradient descent's best step, "
                    "2/(μ + L); the tuning takes another one.",
                    (theory.gd_optimal_learning_rate(mu, big), right_beta),
                ),
                (
                    "Your learning rate is heavy ball's; with Nesterov's beta "
                    "the tuning takes another one.",
                    (theory.heavy_ball_optimal_parameters(mu, big)[0], right_beta),
                ),
            ],
        )
        hint = hint or pair_verdict(
            (got_lr, got_beta), (right_lr, right_beta), ("learning rate", "beta")
        )
        fail(f"{hint} (test case with mu={mu:.3g}, L={big:.4g})")
    passed(task, count, seed)


# ---------------------------------------------------------------------------


def _suboptimality_curves(seed: int):
    """Suboptimality curves of real runs on a nearly flat quadratic, with a
    window that skips the start."""
    rng = np.random.default_rng(seed)
    dim, steps = 30, 300
    flat = problems.Quadratic(np.logspace(-6, 0, dim))
    methods = [
        optim.gradient_descent(1.0),
        optim.lookahead_momentum(1.0, lambda k: k / (k + 3)),
        optim.nesterov(1.0, lambda k: k / (k + 3)),
    ]
    for method in methods:
        start = rng.normal(size=dim)
        trajectory = run.run(method, flat, start, steps)
        gap = trajectory.losses - flat.minimum_value
        first = int(rng.integers(10, 40))
        yield gap, first, first + int(rng.integers(100, steps - first - 20))


def _loglog(gap: Array, steps: Array) -> float:
    return float(np.polyfit(np.log(steps), np.log(gap[steps]), 1)[0])


def fit_slope(student: Callable, *, seed: int = 0) -> None:
    """Check ``fit_slope(suboptimality, start, stop) -> slope``."""
    __tracebackhide__ = True
    task = "fit_slope"
    count = 0
    for gap, start, stop in _suboptimality_curves(seed):
        answer = call(task, student, gap, start, stop)
        got = as_array(task, "the slope", answer, ())
        window = np.arange(start, stop + 1)
        right = _loglog(gap, window)
        count += 1
        if close(got, right):
            continue
        if not np.isfinite(got):
            fail(
                f"{task} returned {float(got)}: a logarithm of 0? Step 0 does "
                "not belong in the fit, since ln 0 is -inf. (test case with "
                f"start={start}, stop={stop})"
            )
        ln10 = np.log(10)
        mixed = (
            "You mixed two logarithms: one axis in log10 and the other in ln "
            "changes the slope by a factor ln 10. Use the same on both."
        )
        off_by_one = (
            "Your window is off by one: it runs from step start to step stop, "
            "both included."
        )
        whole = np.arange(1, len(gap))
        log_gap = np.log(gap[window])
        line = np.polyfit(np.log(window), log_gap, 1)
        hint = diagnose(
            got,
            [
                (
                    "That is the intercept of the line; the task asks for its "
                    "slope. Look at the order in which your fit returns them.",
                    line[1],
                ),
                (mixed, right * ln10),
                (
                    "Your axes are swapped, which gives about 1/slope: put ln k "
                    "on the horizontal axis and the log of the suboptimality "
                    "on the vertical one.",
                    float(np.polyfit(log_gap, np.log(window), 1)[0]),
                ),
                (mixed, right / ln10),
                (
                    "Your slope is positive: the suboptimality falls, so its "
                    "slope on a log-log plot is negative.",
                    -right,
                ),
                (
                    "You fitted the whole curve; fit only the window from start "
                    "to stop, after the early transient.",
                    _loglog(gap, whole),
                ),
                (off_by_one, _loglog(gap, window[:-1])),
                (off_by_one, _loglog(gap, window[1:])),
                (off_by_one, _loglog(gap, window + 1)),
                (
                    "You fitted against the index shifted by one: the "
                    "suboptimality at index k is after k steps, so use log k.",
                    float(np.polyfit(np.log(window + 1), log_gap, 1)[0]),
                ),
                (
                    "You took the logarithm of the suboptimality only: against "
                    "the step itself the slope is a rate, not a power. Take the "
                    "logarithm of both.",
                    float(np.polyfit(window, log_gap, 1)[0]),
                ),
                (
                    "Your slope is on linear axes: take the logarithm of both "
                    "the step and the suboptimality.",
                    float(np.polyfit(window, gap[window], 1)[0]),
                ),
                (
                    "Your slope joins the two ends of the window only; the "
                    "curve wiggles, so fit a least-squares line through every "
                    "point of the window.",
                    float(np.log(gap[stop] / gap[start]) / np.log(stop / start)),
                ),
            ],
        )
        slope = float(got)
        nearer_the_inverse = abs(slope - 1 / right) < 0.5 * abs(slope - right)
        if hint is None and nearer_the_inverse and 0.5 < slope * right <= 1 + 1e-9:
            hint = (
                "Your slope is near 1/slope, not the slope: are your axes "
                "swapped? Put ln k on the horizontal axis."
            )
        fail(
            f"{hint or 'Your slope is wrong.'} (test case with start={start}, "
            f"stop={stop})"
        )
    passed(task, count, seed)
