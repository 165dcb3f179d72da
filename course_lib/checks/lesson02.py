"""Checks for the exercises of lesson 02, ravines."""

from __future__ import annotations

import numbers
from collections.abc import Callable

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


def heavy_ball_tuning(student: Callable, *, seed: int = 0) -> None:
    """Check ``heavy_ball_tuning(mu, L) -> (lr, beta)``, Polyak's optimum."""
    __tracebackhide__ = True
    task = "heavy_ball_tuning"
    rng = np.random.default_rng(seed)
    count = 0
    for _ in range(4):
        mu = float(rng.uniform(0.1, 3.0))
        big = mu * float(rng.uniform(5.0, 2000.0))
        got = as_pair(task, call(task, student, mu, big), ("lr", "beta"))
        got_lr = as_array(task, "the learning rate", got[0], ())
        got_beta = as_array(task, "beta", got[1], ())
        right_lr, right_beta = theory.heavy_ball_optimal_parameters(mu, big)
        count += 1
        if close(got_lr, right_lr) and close(got_beta, right_beta):
            continue
        kappa = big / mu
        rate = theory.heavy_ball_optimal_rate(kappa)
        hint = diagnose(
            (got_lr, got_beta),
            [
                (
                    "The two results are in the wrong order: return the learning "
                    "rate first, then beta.",
                    (right_beta, right_lr),
                ),
                (
                    "Your beta equals heavy ball's optimal rate, which is not the "
                    "momentum itself: relate the two through the eigenvalues of "
                    "the 2×2 matrix at the optimum.",
                    (right_lr, rate),
                ),
                (
                    "Your beta uses κ where Polyak's tuning uses √κ: momentum's "
                    "advantage comes from the square root of the condition number.",
                    (right_lr, ((kappa - 1) / (kappa + 1)) ** 2),
                ),
                (
                    "Your learning rate is gradient descent's best step, 2/(μ + L); "
                    "heavy ball at its optimum takes a larger one.",
                    (theory.gd_optimal_learning_rate(mu, big), right_beta),
                ),
            ],
        )
        hint = hint or pair_verdict(
            (got_lr, got_beta), (right_lr, right_beta), ("learning rate", "beta")
        )
        fail(f"{hint} (test case with mu={mu:.3g}, L={big:.4g})")
    passed(task, count, seed)


# ---------------------------------------------------------------------------


def _triples(seed: int, count: int = 400) -> tuple[Array, Array, Array]:
    """(lr, beta, eigenvalue) spread over stable and unstable settings,
    keeping clear of the boundary where a verdict hangs on rounding."""
    rng = np.random.default_rng(seed)
    eigenvalue = rng.uniform(0.5, 20.0, size=4 * count)
    lr = rng.uniform(0.0, 5.0, size=4 * count) / eigenvalue
    beta = rng.uniform(-0.6, 1.3, size=4 * count)
    radius = theory.spectral_radius(theory.heavy_ball_matrix(lr, beta, eigenvalue))
    clear = (np.abs(radius - 1) > 1e-3) & (lr > 0)
    return lr[clear][:count], beta[clear][:count], eigenvalue[clear][:count]


def converges(student: Callable, *, seed: int = 0) -> None:
    """Check ``converges(lr, beta, eigenvalue) -> bool`` for heavy ball."""
    __tracebackhide__ = True
    task = "converges"
    lr, beta, lam = _triples(seed)
    answers = []
    for a, b, c in zip(lr, beta, lam, strict=True):
        answer = call(task, student, float(a), float(b), float(c))
        if not isinstance(answer, bool | np.bool_):
            fail(
                f"{task} returned {answer!r} ({type(answer).__name__}); it should "
                "return True or False."
            )
        answers.append(bool(answer))
    got = np.array(answers)
    matrices = theory.heavy_ball_matrix(lr, beta, lam)
    right = theory.spectral_radius(matrices) < 1
    if np.array_equal(got, right):
        passed(task, got.size, seed)
        return
    h = lr * lam
    rules = [
        (
            "Your answers are exactly reversed: True should mean that the run "
            "converges.",
            ~right,
        ),
        (
            "You use gradient descent's limit, lr·λ < 2, and leave beta out: "
            "momentum changes which learning rates are stable.",
            (h > 0) & (h < 2),
        ),
        (
            "You say that runs with beta >= 1 can converge; but the two "
            "eigenvalues of the 2×2 matrix multiply to beta, so at least one has "
            "size >= 1.",
            right | ((beta >= 1) & (h < 2 * (1 + beta))),
        ),
        (
            "Your verdict depends on beta alone: |beta| < 1 is needed, but the "
            "learning rate matters too, since too large a step diverges.",
            np.abs(beta) < 1,
        ),
        (
            "You declare a run convergent when one eigenvalue of the matrix lies "
            "inside the unit circle; both must, so look at the larger size.",
            np.abs(np.linalg.eigvals(matrices)).min(axis=-1) < 1,
        ),
    ]
    hint = None
    for message, verdicts in rules:
        if np.array_equal(got, verdicts):
            hint = message
            break
    first = int(np.flatnonzero(got != right)[0])
    said = "converges" if got[first] else "does not converge"
    case = f"lr={lr[first]:.3g}, beta={beta[first]:.3g}, eigenvalue={lam[first]:.3g}"
    wrong = int(np.sum(got != right))
    fail(
        f"{hint or 'Some verdicts are wrong.'} For example, you say that {case} "
        f"{said}. ({wrong} of {got.size} test cases wrong)"
    )


# ---------------------------------------------------------------------------


def _distance_series(seed: int):
    """Distances to the minimizer from real runs on tilted quadratics."""
    rng = np.random.default_rng(seed)
    for _ in range(3):
        kappa = float(rng.uniform(10.0, 200.0))
        ravine = problems.Quadratic.from_condition_number(
            kappa, angle=float(rng.uniform(0, np.pi))
        )
        lr, beta = theory.heavy_ball_optimal_parameters(1.0, kappa)
        # More momentum than the optimum: the run spirals in, so neighbouring
        # ratios of distances jump around and only the right formula agrees.
        beta = beta + (1 - beta) * float(rng.uniform(0.2, 0.6))
        start = rng.normal(size=2)
        trajectory = run.run(optim.momentum_classical(lr, beta), ravine, start, 120)
        distances = run.distance_to(trajectory.positions, ravine.minimizer)
        start_step = int(rng.integers(20, 50))
        yield distances, start_step, start_step + int(rng.integers(30, 60))


def rate_from_distances(student: Callable, *, seed: int = 0) -> None:
    """Check ``rate_from_distances(distances, start, stop) -> rate``."""
    __tracebackhide__ = True
    task = "rate_from_distances"
    count = 0
    for distances, start, stop in _distance_series(seed):
        answer = call(task, student, distances, start, stop)
        got = as_array(task, "the rate", answer, ())
        right = run.rate_per_step(distances, start, stop)
        count += 1
        if close(got, right):
            continue
        ratio = distances[stop] / distances[start]
        steps = stop - start
        off_by_one = (
            "Off by one in the number of steps: from step start to step stop "
            "there are stop - start steps."
        )
        hint = diagnose(
            got,
            [
                (
                    "That is the factor over the whole window; the task asks for "
                    "the average factor per step.",
                    ratio,
                ),
                (
                    "Your rate is upside down: the distances shrink, so the "
                    "factor per step is below 1.",
                    1 / right,
                ),
                (off_by_one, ratio ** (1 / (steps + 1))),
                (off_by_one, ratio ** (1 / (steps - 1))),
                (
                    "That is the logarithm of the rate; the task asks for the "
                    "factor itself.",
                    np.log(right),
                ),
                (
                    "Your window ends one step early: the last distance is "
                    "distances[stop].",
                    (distances[stop - 1] / distances[start]) ** (1 / steps),
                ),
                (
                    "Your rate is the average of the ratios of neighbouring "
                    "distances; the ratios of an oscillating run jump around, so "
                    "take the geometric mean over the window.",
                    np.mean(distances[start + 1 : stop + 1] / distances[start:stop]),
                ),
            ],
        )
        fail(
            f"{hint or 'Your rate is wrong.'} (test case with start={start}, "
            f"stop={stop})"
        )
    passed(task, count, seed)


# ---------------------------------------------------------------------------


def _lookahead_step(x, velocity, grad_fn, lr, beta) -> tuple[Array, Array]:
    """One step of course_lib's look-ahead Nesterov from a given velocity."""
    method = optim.lookahead_momentum(lr, beta)
    state = method.init(x)._replace(count=1, velocity=velocity)
    updates, new_state = method.update(grad_fn(method.query(x, state)), state, x)
    return optim.apply_updates(x, updates), new_state.velocity


def _constant(gradient: Array) -> Callable[[Array], Array]:
    """A gradient function that returns ``gradient`` wherever it is asked."""

    def grad_fn(point: Array) -> Array:
        return gradient

    return grad_fn


def nesterov_step(student: Callable, *, seed: int = 0) -> None:
    """Check ``nesterov_step(x, velocity, grad_fn, lr, beta) -> (x, velocity)``."""
    __tracebackhide__ = True
    task = "nesterov_step"
    rng = np.random.default_rng(seed)
    count = 0
    for dim in (2, 3, 2):
        eigenvalues = rng.uniform(0.5, 10.0, size=dim)
        rotation, _ = np.linalg.qr(rng.normal(size=(dim, dim)))
        bowl = problems.Quadratic(eigenvalues, rotation, rng.normal(size=dim))
        x, v = rng.normal(size=dim), rng.normal(size=dim)
        lr, beta = float(rng.uniform(0.02, 0.1)), float(rng.uniform(0.55, 0.95))
        answer = call(task, student, x, v, bowl.grad, lr, beta)
        got = as_pair(task, answer, ("x", "velocity"))
        got_x = as_array(task, "the new position", got[0], x.shape)
        got_v = as_array(task, "the new velocity", got[1], x.shape)
        right_x, right_v = _lookahead_step(x, v, bowl.grad, lr, beta)
        count += 1
        if close(got_x, right_x) and close(got_v, right_v):
            continue

        # What the step would be with the gradient taken at a wrong point.
        at_x, ahead, too_far = (
            _lookahead_step(x, v, _constant(bowl.grad(point)), lr, beta)
            for point in (x, x + beta * v, x - v)
        )
        # The reformulated method, which moves a different variable.
        reformulated = optim.nesterov(lr, beta)
        lr_state, trace_state = reformulated.init(x)
        state = (lr_state, trace_state._replace(count=1, velocity=v))
        updates, (_, new_trace) = reformulated.update(bowl.grad(x), state, x)
        other_form = (optim.apply_updates(x, updates), new_trace.velocity)

        hint = diagnose(
            (got_x, got_v),
            [
                *step_mistakes(x, right_x, right_v),
                (
                    "You took the gradient where the ball stands: that is heavy "
                    "ball. Nesterov takes it where the velocity is about to carry "
                    "the ball.",
                    at_x,
                ),
                (
                    "Your look-ahead goes the wrong way: the ball moves by "
                    "-velocity, so the look-ahead point lies in that direction.",
                    ahead,
                ),
                (
                    "Your look-ahead goes too far: the old velocity is decayed "
                    "by beta before it moves the ball.",
                    too_far,
                ),
                (
                    "Your step starts from the look-ahead point; the look-ahead "
                    "point is only where the gradient is taken, and the step "
                    "starts from x.",
                    (right_x - beta * v, right_v),
                ),
                (
                    "You wrote the reformulated Nesterov step (the gradient at x, "
                    "then a step of beta * v + lr * g), as PyTorch does; this task "
                    "asks for the look-ahead form.",
                    other_form,
                ),
            ],
        )
        hint = hint or pair_verdict(
            (got_x, got_v), (right_x, right_v), ("new position", "new velocity")
        )
        fail(f"{hint} (test case with lr={lr:.3g}, beta={beta:.3g})")
    passed(task, count, seed)


# ---------------------------------------------------------------------------


def steps_to_reach(student: Callable, *, seed: int = 0) -> None:
    """Check ``steps_to_reach(rate, initial_loss, target_loss) -> int``."""
    __tracebackhide__ = True
    task = "steps_to_reach"
    rng = np.random.default_rng(seed)
    count = 0
    while count < 6:
        rate = float(rng.uniform(0.5, 0.99))
        initial = float(rng.uniform(1.0, 100.0))
        target = float(10 ** rng.uniform(-9, -3))
        if count == 5:  # a start that already meets the target
            initial, target = target / 1000, target
        exact = np.log(target / initial) / (2 * np.log(rate))
        if abs(exact - round(exact)) < 1e-6:
            continue  # a tie, where rounding would decide
        answer = call(task, student, rate, initial, target)
        if not isinstance(answer, numbers.Integral) or isinstance(answer, bool):
            fail(
                f"{task} returned {answer!r} ({type(answer).__name__}); return a "
                "whole number of steps as an int."
            )
        right = theory.steps_to_reach(rate, initial, target)
        count += 1
        if answer == right:
            continue
        if right == 0:
            fail(
                f"{task} returned {answer} for an initial loss that already meets "
                "the target: then no step is needed. (test case with "
                f"initial_loss={initial:.3g}, target_loss={target:.2g})"
            )
        distance_steps = np.log(target / initial) / np.log(rate)
        messages = {
            int(np.ceil(distance_steps)): (
                "You let the loss shrink by the rate per step; the rate is for "
                "distances, and a quadratic loss is the square of a distance."
            ),
            right - 1: (
                "One step short: the answer is the first step at which the loss "
                "is at or below the target, so round up."
            ),
            right + 1: (
                "One step too many: the answer is the first step at which the "
                "loss is at or below the target."
            ),
        }
        hint = messages.get(int(answer), "Your step count is wrong.")
        fail(
            f"{hint} (test case with rate={rate:.3g}, initial_loss={initial:.3g}, "
            f"target_loss={target:.2g})"
        )
    passed(task, count, seed)
