"""Checks for the exercises of lesson 03, plateaus, saddles and shallow minima."""

from __future__ import annotations

import numbers
from collections.abc import Callable
from typing import Any

import numpy as np

from course_lib import theory
from course_lib.checks._core import (
    ATOL,
    NEAR_MISS,
    RTOL,
    as_array,
    as_pair,
    call,
    close,
    diagnose,
    fail,
    near_miss,
    passed,
    shape_of,
)

Array = np.ndarray

OFF_BY_ONE = (
    "Off by one step: count how many velocities the position has added up after "
    "k steps from rest, and how many gradients each of those velocities holds."
)


def _whole_number(task: str, answer: object, what: str) -> int:
    """The answer as an int, or feedback saying that it should be one."""
    __tracebackhide__ = True
    if not isinstance(answer, numbers.Integral) or isinstance(answer, bool):
        fail(
            f"{task} returned {answer!r} ({type(answer).__name__}); return {what} "
            "as an int."
        )
    return int(answer)


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


def _plateau_positions(
    x0: float, slope: float, lr: float, beta: float, steps: int
) -> Array:
    """Positions after 0, 1, ..., steps steps of classical momentum from rest
    on a plateau of constant slope: a plain loop, the definition itself."""
    x, velocity, positions = x0, 0.0, [x0]
    for _ in range(steps):
        velocity = beta * velocity + lr * slope
        x = x - velocity
        positions.append(x)
    return np.array(positions)


def plateau_position(student: Callable, *, seed: int = 0) -> None:
    """Check ``plateau_position(x0, slope, lr, beta, k) -> position``."""
    __tracebackhide__ = True
    task = "plateau_position"
    rng = np.random.default_rng(seed)
    count = 0
    for k in (int(rng.integers(5, 15)), int(rng.integers(20, 60)), 1, 0):
        x0 = float(rng.uniform(-3.0, 3.0))
        slope = float(rng.choice([-1, 1]) * rng.uniform(0.05, 2.0))
        lr, beta = float(rng.uniform(0.01, 0.3)), float(rng.uniform(0.5, 0.95))
        answer = call(task, student, x0, slope, lr, beta, k)
        got = as_array(task, "the position", answer, ())
        path = _plateau_positions(x0, slope, lr, beta, k + 1)
        right = path[k]
        count += 1
        if close(got, right):
            continue
        if near_miss(got, right):
            fail(f"{NEAR_MISS} (test case with k={k})")
        if k == 0:
            fail(
                f"{task} returned {float(got):.4g} for k=0: after no step the "
                "ball is still where it started."
            )

        # Where each known mistake would put the ball; `moved` is the right
        # displacement, lr * slope * (the sum of the velocities' factors).
        moved = x0 - right
        velocity_k = lr * slope * (1 - beta**k) / (1 - beta)
        powers = beta ** np.arange(1, k + 1)
        one_power_too_many = lr * slope * np.sum((1 - beta * powers) / (1 - beta))
        hint = diagnose(
            got,
            [
                (
                    "Your ball moved uphill: a sign error (the step subtracts the "
                    "velocity, which points along the slope).",
                    x0 + moved,
                ),
                (
                    "You returned the distance moved, not the position: the ball "
                    "started at x0.",
                    right - x0,
                ),
                (
                    "You returned the distance moved, not the position: the ball "
                    "started at x0.",
                    moved,
                ),
                (OFF_BY_ONE, path[k - 1]),
                (OFF_BY_ONE, path[k + 1]),
                (
                    "Off by one in the power of beta: a velocity built up over "
                    "j steps from rest holds j gradients, not j + 1 (a step by "
                    "the look-ahead velocity, as in Nesterov's method, does this).",
                    x0 - one_power_too_many,
                ),
                (
                    "Your ball moves at the terminal velocity from the first step "
                    "on; starting from rest, the velocity still has to build up.",
                    x0 - k * lr * slope / (1 - beta),
                ),
                (
                    "Your ball moves as in gradient descent, by lr·slope per "
                    "step: the velocity is not carried from one step to the next.",
                    x0 - k * lr * slope,
                ),
                (
                    "You moved the ball by the velocity of step k only; the "
                    "position adds up the velocities of all k steps.",
                    x0 - velocity_k,
                ),
                (
                    "The learning rate is missing: in the classical form the "
                    "gradient enters the velocity multiplied by lr.",
                    x0 - moved / lr,
                ),
                (
                    "Your displacement is (1 - beta) times the right one: that is "
                    "the averaging convention (this task uses the classical one), "
                    "or a factor 1/(1 - beta) lost from the sum.",
                    x0 - (1 - beta) * moved,
                ),
            ],
        )
        if hint is None:
            ratio = (x0 - float(got)) / moved if moved else np.nan
            hint = (
                f"Your position is wrong: your ball moved {ratio:.3g} times as "
                "far as it should."
            )
        fail(
            f"{hint} (test case with x0={x0:.3g}, slope={slope:.3g}, lr={lr:.3g}, "
            f"beta={beta:.3g}, k={k})"
        )
    passed(task, count, seed)


# ---------------------------------------------------------------------------


def _first_build_up_step(beta: float, fraction: float) -> int:
    """The first k with 1 - beta**k >= fraction: a plain loop, the definition."""
    k = 0
    while 1 - beta**k < fraction:
        k += 1
    return k


def _build_up_mistakes(
    beta: float, fraction: float, right: int
) -> list[tuple[str, int]]:
    """What each known mistake of steps_to_build_up returns."""
    return [
        (
            "One step short: the answer is the first step at which the "
            "velocity has reached the fraction, so round up (or check the "
            "power of beta: after k steps from rest the velocity holds k "
            "gradients).",
            right - 1,
        ),
        (
            "One step too many: the answer is the first step at which the "
            "velocity has reached the fraction, even when it reaches it "
            "exactly (check the rounding, and the power of beta: after k steps "
            "from rest the velocity holds k gradients).",
            right + 1,
        ),
        (
            "That is the effective window 1/(1 - beta), a rough scale; the "
            "task asks when the velocity reaches the given fraction.",
            round(1 / (1 - beta)),
        ),
        (
            "You mixed logarithms of different bases: a base-10 logarithm "
            "divided by a natural one.",
            int(np.ceil(np.log10(1 - fraction) / np.log(beta))),
        ),
        (
            "You solved beta**k = fraction; but beta**k is the part of the "
            "terminal velocity still missing after k steps, not the part "
            "reached.",
            int(np.ceil(np.log(fraction) / np.log(beta))),
        ),
        (
            "Your count is 1 however slowly the velocity builds up: is your "
            "ratio of logarithms upside down?",
            int(np.ceil(np.log(beta) / np.log(1 - fraction))),
        ),
    ]


def _build_up_cases(seed: int) -> list[tuple[float, float]]:
    """(beta, fraction): random ones clear of ties, where rounding would
    decide, and one exact tie, where the velocity reaches the fraction
    exactly (1 - 0.5**2 is 0.75 in floating point too)."""
    rng = np.random.default_rng(seed)
    cases = []
    while len(cases) < 6:
        beta = float(rng.uniform(0.5, 0.995))
        fraction = float(rng.uniform(0.75, 0.999))
        exact = np.log(1 - fraction) / np.log(beta)
        right = int(np.ceil(exact))
        # The last mistake, an upside-down ratio, gives 1 almost always, so
        # only the others must differ from each other and from the answer.
        values = [v for _, v in _build_up_mistakes(beta, fraction, right)][:-1]
        tie = abs(exact - round(exact)) < 1e-6
        if tie or len(set(values)) < len(values) or right in values:
            continue  # a tie, where rounding would decide, or mistakes that agree
        cases.append((beta, fraction))
    cases.append((0.5, 0.75))
    return cases


def steps_to_build_up(student: Callable, *, seed: int = 0) -> None:
    """Check ``steps_to_build_up(beta, fraction) -> int``.

    The first k at which the velocity from rest under a constant gradient
    is at least ``fraction`` of its terminal value: 1 - beta**k >= fraction.
    """
    __tracebackhide__ = True
    task = "steps_to_build_up"
    wrong = []
    cases = _build_up_cases(seed)
    for beta, fraction in cases:
        answer = call(task, student, beta, fraction)
        got = _whole_number(task, answer, "a whole number of steps")
        right = _first_build_up_step(beta, fraction)
        if got != right:
            mistakes = _build_up_mistakes(beta, fraction, right)
            wrong.append((got, mistakes, right, beta, fraction))
    if not wrong:
        passed(task, len(cases), seed)
        return
    got, _, right, beta, fraction = wrong[0]
    if got <= 0:
        hint = (
            f"Your count is {got}, but a velocity starting from rest needs at "
            "least one step: check the signs of the logarithms."
        )
    else:
        hint = _explained([(value, mistakes) for value, mistakes, *_ in wrong])
        size = "too large" if got > right else "too small"
        hint = hint or f"Your step count is {size}."
    fail(f"{hint} (test case with beta={beta:.4g}, fraction={fraction:.4g})")


# ---------------------------------------------------------------------------


def _largest_root(lr: float, beta: float, curvature: float) -> float:
    """The spectral radius of heavy ball's 2×2 matrix along ``curvature``."""
    return float(theory.spectral_radius(theory.heavy_ball_matrix(lr, beta, curvature)))


def saddle_growth(student: Callable, *, seed: int = 0) -> None:
    """Check ``saddle_growth(lr, beta, curvature) -> growth``, curvature < 0."""
    __tracebackhide__ = True
    task = "saddle_growth"
    rng = np.random.default_rng(seed)
    count = 0
    for _ in range(5):
        curvature = -float(rng.uniform(0.2, 5.0))
        lr = float(rng.uniform(0.02, 0.5)) / -curvature
        beta = float(rng.uniform(0.3, 0.95))
        answer = call(task, student, lr, beta, curvature)
        got = as_array(task, "the growth factor", answer, ())
        right = _largest_root(lr, beta, curvature)
        count += 1
        if close(got, right):
            continue
        h = lr * curvature
        hint = diagnose(
            got,
            [
                (
                    "Your factor is that of a bowl of curvature |λ|: along the "
                    "saddle's falling direction the curvature is negative, and "
                    "so is lr·λ in the matrix.",
                    _largest_root(lr, beta, -curvature),
                ),
                (
                    "You took the smaller of the two eigenvalues of the 2×2 "
                    "matrix; after a few steps the larger one dominates.",
                    beta / right,
                ),
                (
                    "That is gradient descent's factor: beta is left out, but the "
                    "velocity feeds back into the growth.",
                    1 - h,
                ),
                (
                    "You multiplied the step by the plateau's speed-up "
                    "1/(1 - beta); near the saddle the slope grows with the "
                    "offset, so read the factor off the 2×2 matrix instead.",
                    1 - h / (1 - beta),
                ),
                (
                    "The learning rate is missing: the matrix holds lr·λ.",
                    _largest_root(1.0, beta, curvature),
                ),
                (
                    "Your factor uses the averaging convention's velocity, "
                    "scaled by (1 - beta); this task uses the classical one.",
                    _largest_root(lr * (1 - beta), beta, curvature),
                ),
                (
                    "That is the rate per step (the factor minus 1); the task "
                    "asks for the factor itself.",
                    right - 1,
                ),
            ],
        )
        if hint is None:
            size = "too large" if got > right else "too small"
            hint = (
                f"Your growth factor is {size}."
                if got > 1
                else "Your growth factor is at most 1, but the offset grows."
            )
        fail(
            f"{hint} (test case with lr={lr:.3g}, beta={beta:.3g}, "
            f"curvature={curvature:.3g})"
        )
    passed(task, count, seed)


# ---------------------------------------------------------------------------


def _first_escape_step(growth: float, offset: float, threshold: float) -> int:
    """The first k >= 0 with offset * growth**k >= threshold: a plain loop."""
    k = 0
    while offset * growth**k < threshold:
        k += 1
    return k


def _escape_mistakes(
    growth: float, offset: float, threshold: float, right: int
) -> list[tuple[str, int]]:
    """What each known mistake of escape_steps returns."""
    return [
        (
            "One step short: the answer is the first step at which the "
            "offset has reached the threshold, so round up.",
            right - 1,
        ),
        (
            "One step too many: the answer is the first step at which the "
            "offset has reached the threshold, even when it reaches it "
            "exactly (check the rounding, or the comparison in your loop).",
            right + 1,
        ),
        (
            "Your count leaves out the starting offset: the smaller the "
            "offset, the more steps the escape takes.",
            int(np.ceil(np.log(threshold) / np.log(growth))),
        ),
        (
            "You mixed logarithms of different bases: a base-10 logarithm "
            "divided by a natural one.",
            int(np.ceil(np.log10(threshold / offset) / np.log(growth))),
        ),
        (
            "You divided by growth - 1 where the logarithm of the growth "
            "belongs: that approximation only holds for growth very close "
            "to 1.",
            int(np.ceil(np.log(threshold / offset) / (growth - 1))),
        ),
        (
            "Your count uses threshold - offset: the offset has to grow by "
            "the factor threshold / offset, a ratio, not close a gap.",
            _gap_count(growth, offset, threshold),
        ),
    ]


def _gap_count(growth: float, offset: float, threshold: float) -> int:
    """The count from the gap threshold - offset in place of the ratio; -1
    for an offset past the threshold, where there is no gap."""
    if offset >= threshold:
        return -1
    return int(np.ceil(np.log((threshold - offset) / offset) / np.log(growth)))


def _escape_cases(seed: int) -> list[tuple[float, float, float]]:
    """(growth, offset, threshold): random ones clear of ties, the last of
    them starting past the threshold, one whose offset is a fair share of the
    threshold, and one exact tie, in powers of 2, where the offset reaches the
    threshold exactly."""
    rng = np.random.default_rng(seed)
    cases = []
    while len(cases) < 6:
        growth = float(rng.uniform(1.01, 1.6))
        offset = float(10 ** rng.uniform(-10, -4))
        threshold = float(rng.uniform(1.5, 20.0))
        if len(cases) == 5:  # a start well past the threshold
            offset = threshold * growth ** float(rng.uniform(1.5, 4.0))
        exact = np.log(threshold / offset) / np.log(growth)
        right = max(0, int(np.ceil(exact)))
        values = [v for _, v in _escape_mistakes(growth, offset, threshold, right)]
        values = values[:5]  # threshold - offset is threshold here, to rounding
        tie = abs(exact - round(exact)) < 1e-6
        if right > 0 and (tie or len(set(values)) < 5 or right in values):
            continue  # a tie, where rounding would decide, or mistakes that agree
        cases.append((growth, offset, threshold))
    while len(cases) < 7:  # an offset of a third of the threshold, or so
        growth = float(rng.uniform(1.02, 1.1))
        threshold = float(rng.uniform(1.5, 20.0))
        offset = threshold / float(rng.uniform(2.0, 5.0))
        exact = np.log(threshold / offset) / np.log(growth)
        right = int(np.ceil(exact))
        values = [v for _, v in _escape_mistakes(growth, offset, threshold, right)]
        apart = values[-1] not in values[:-1]  # the gap mistake has its own count
        if abs(exact - round(exact)) > 1e-6 and right not in values and apart:
            cases.append((growth, offset, threshold))
    cases.append((2.0, 2.0**-20, 8.0))
    return cases


def escape_steps(student: Callable, *, seed: int = 0) -> None:
    """Check ``escape_steps(growth, offset, threshold) -> int``.

    The first k >= 0 with offset * growth**k >= threshold.
    """
    __tracebackhide__ = True
    task = "escape_steps"
    wrong = []
    cases = _escape_cases(seed)
    for growth, offset, threshold in cases:
        answer = call(task, student, growth, offset, threshold)
        got = _whole_number(task, answer, "a whole number of steps")
        right = _first_escape_step(growth, offset, threshold)
        if got != right:
            mistakes = _escape_mistakes(growth, offset, threshold, right)
            wrong.append((got, mistakes, right, (growth, offset, threshold)))
    if not wrong:
        passed(task, len(cases), seed)
        return
    got, _, right, (growth, offset, threshold) = wrong[0]
    case = (
        f"(test case with growth={growth:.4g}, offset={offset:.3g}, "
        f"threshold={threshold:.3g})"
    )
    if right == 0:
        fail(
            f"{task} returned {got} for an offset already at or beyond the "
            f"threshold: then no step is needed. {case}"
        )
    if got < 0:
        hint = (
            "Your count is negative: check the signs of the logarithms "
            "(which way round the ratio goes, and which number's logarithm "
            "is positive)."
        )
    elif got == 0:
        hint = (
            "Your count is 0, but this offset starts below the threshold, so "
            "it needs at least one step: check the signs of the logarithms "
            "(which way round the ratio goes)."
        )
    else:
        # A start past the threshold tests the case k = 0, which is a mistake
        # of its own; the formulas are judged on the other cases.
        hint = _explained(
            [(value, mistakes) for value, mistakes, target, _ in wrong if target > 0]
        )
        size = "too large" if got > right else "too small"
        hint = hint or f"Your step count is {size}."
    fail(f"{hint} {case}")


# ---------------------------------------------------------------------------


def _rates(lr: float, beta: float, eigenvalues: Array) -> Array:
    """Heavy ball's factor per step along each eigenvalue."""
    return theory.spectral_radius(theory.heavy_ball_matrix(lr, beta, eigenvalues))


def _quadratics(seed: int, count: int = 4):
    """(lr, beta, eigenvalues) with one clearly slowest direction: in the even
    cases the flattest, in the odd ones the stiffest, which then oscillates.
    Settings near critical damping, where the rate hangs on rounding, are
    left out."""
    rng = np.random.default_rng(seed)
    made = 0
    while made < count:
        size = int(rng.integers(3, 6))
        eigenvalues = rng.permutation(10 ** rng.uniform(-1, 2, size=size))
        beta = float(rng.uniform(0.3, 0.9))
        lr = float(rng.uniform(1.5, 2.1)) * (1 + beta) / eigenvalues.max()
        h = lr * eigenvalues
        discriminant = (1 + beta - h) ** 2 - 4 * beta
        rates = _rates(lr, beta, eigenvalues)
        top = np.sort(rates)[-2:]
        flattest, stiffest = np.argmin(eigenvalues), np.argmax(eigenvalues)
        want = flattest if made % 2 == 0 else stiffest
        flattest_is_fastest = rates[flattest] - rates.min() < 1e-3
        picks = [np.argmin(rates), flattest, stiffest, want + 1]
        wrong_picks = [int(pick) for pick in picks if pick != want]
        if (
            np.min(np.abs(discriminant)) < 1e-3
            or top[1] - top[0] < 1e-3
            or np.argmax(rates) != want
            or top[1] >= 1
            # Each wrong pick must be told apart from the others.
            or (want == stiffest and flattest_is_fastest)
            or len(set(wrong_picks)) < len(wrong_picks)
        ):
            continue
        made += 1
        yield lr, beta, eigenvalues


def direction_rates(student: Callable, *, seed: int = 0) -> None:
    """Check ``direction_rates(lr, beta, eigenvalues) -> (rates, slowest)``."""
    __tracebackhide__ = True
    task = "direction_rates"
    count = 0
    for lr, beta, eigenvalues in _quadratics(seed):
        answer = call(task, student, lr, beta, eigenvalues)
        got = as_pair(task, answer, ("rates", "slowest"))
        if shape_of(got[0]) == () and shape_of(got[1]) == eigenvalues.shape:
            fail(
                "The two results are in the wrong order: return the rates "
                "first, then the index of the slowest direction."
            )
        got_rates = as_array(task, "the rates", got[0], eigenvalues.shape)
        got_slowest = got[1]
        if not isinstance(got_slowest, numbers.Integral) or isinstance(
            got_slowest, bool
        ):
            fail(
                f"{task} returned {got_slowest!r} ({type(got_slowest).__name__}) "
                "as the slowest direction; return its index, an int."
            )
        right_rates = _rates(lr, beta, eigenvalues)
        right_slowest = int(np.argmax(right_rates))
        count += 1
        rates_right = close(got_rates, right_rates)
        if rates_right and got_slowest == right_slowest:
            continue
        case = f"(test case with lr={lr:.3g}, beta={beta:.3g}, {eigenvalues.size} "
        case += "eigenvalues)"
        if rates_right:
            rate = (
                right_rates[got_slowest] if 0 <= got_slowest < eigenvalues.size else -1
            )
            fastest = (
                "Your rates are right, but your slowest direction is the "
                "fastest: the slowest has the largest factor per step."
            )
            picks = [
                (got_slowest == np.argmin(right_rates), fastest),
                (
                    got_slowest == np.argmin(eigenvalues),
                    "Your rates are right, but you picked the flattest direction "
                    "without comparing rates: with momentum, a stiff direction "
                    "that swings back and forth can be the slowest.",
                ),
                (
                    got_slowest == np.argmax(eigenvalues),
                    "Your rates are right, but you picked the stiffest direction "
                    "without comparing rates.",
                ),
                (
                    got_slowest == right_slowest + 1,
                    "Your rates are right, but your index counts from 1; Python "
                    "counts from 0.",
                ),
                (np.isclose(rate, right_rates.min()), fastest),
            ]
            hint = next(
                (message for matches, message in picks if matches),
                "Your rates are right, but your slowest direction is not.",
            )
            fail(f"{hint} {case}")
        h = lr * eigenvalues
        roots = np.linalg.eigvals(theory.heavy_ball_matrix(lr, beta, eigenvalues))
        moduli = np.abs(roots)
        hint = diagnose(
            got_rates,
            [
                (
                    "Your rates are gradient descent's, |1 - lr·λ|: momentum's "
                    "beta is left out.",
                    np.abs(1 - h),
                ),
                (
                    "Every one of your rates is √beta, the rate of a direction "
                    "that swings back and forth; a direction whose matrix has "
                    "two real eigenvalues has a different rate.",
                    np.full(eigenvalues.shape, np.sqrt(beta)),
                ),
                (
                    "You took the smaller modulus of the two eigenvalues of each "
                    "2×2 matrix; the rate is set by the larger one.",
                    moduli.min(axis=-1),
                ),
                (
                    "Your rates are Nesterov's; this task asks for heavy ball's.",
                    theory.spectral_radius(
                        theory.nesterov_matrix(lr, beta, eigenvalues)
                    ),
                ),
                (
                    "Your rates use the averaging convention's velocity, scaled "
                    "by (1 - beta); this task uses the classical one.",
                    _rates(lr * (1 - beta), beta, eigenvalues),
                ),
                (
                    "The learning rate is missing: the matrix holds lr·λ.",
                    _rates(1.0, beta, eigenvalues),
                ),
                (
                    "You took the largest real part of the 2×2 matrix's "
                    "eigenvalues; when they are complex, the rate is their "
                    "modulus.",
                    roots.real.max(axis=-1),
                ),
                *[
                    (
                        "Your rates are in another order than `eigenvalues`: "
                        "keep its order, so that each rate sits at the index "
                        "of its eigenvalue.",
                        reordered,
                    )
                    for reordered in (
                        np.sort(right_rates),
                        np.sort(right_rates)[::-1],
                        right_rates[np.argsort(eigenvalues)],
                        right_rates[np.argsort(eigenvalues)[::-1]],
                    )
                ],
            ],
        )
        if hint is None:
            wrong = np.flatnonzero(~np.isclose(got_rates, right_rates, RTOL, ATOL))
            slowest = "right" if got_slowest == right_slowest else "wrong too"
            hint = (
                f"{wrong.size} of your {eigenvalues.size} rates are wrong, and "
                f"your slowest direction is {slowest}."
            )
        fail(f"{hint} {case}")
    passed(task, count, seed)
