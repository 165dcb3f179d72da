"""Checks for the exercises of lesson 08, schedules and moving targets.

The references are computed here in plain NumPy, so that the checks state
the lesson's definitions on their own.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np

from course_lib.checks._core import (
    SAME_ROWS,
    Mistake,
    as_array,
    as_pair,
    call,
    close,
    diagnose,
    fail,
    first_wrong,
    passed,
    same_rows,
    shape_of,
)

Array = np.ndarray


def _sutskever(t: int, beta_max: float) -> float:
    """Sutskever's schedule: 1 - 2**(-1 - log2(floor(t / 250) + 1)), capped."""
    stage = np.floor(t / 250) + 1
    return float(min(1 - 2 ** (-1 - np.log2(stage)), beta_max))


def sutskever_momentum(student: Callable, *, seed: int = 0) -> None:
    """Check ``sutskever_momentum(t, beta_max) -> beta``."""
    __tracebackhide__ = True
    task = "sutskever_momentum"
    rng = np.random.default_rng(seed)
    count = 0
    for _ in range(3):
        beta_max = float(rng.uniform(0.99, 0.999))
        steps = [0, 1, 249, 250, 251, 499, 500, 1000, 1999, 2000]
        steps += sorted(int(s) for s in rng.integers(0, 100_000, size=6))
        got = []
        for t in steps:
            with np.errstate(all="ignore"):
                answer = call(task, student, t, beta_max)
            got.append(float(as_array(task, f"beta at step {t}", answer, ())))
        got = np.array(got)
        right = np.array([_sutskever(t, beta_max) for t in steps])
        count += 1
        if close(got, right):
            continue
        t = np.array(steps, dtype=float)
        stage = np.floor(t / 250) + 1
        with np.errstate(all="ignore"):
            mistakes = [
                (
                    "Your β changes at every step: t / 250 must be rounded down, "
                    "so that β stays constant for 250 steps at a time.",
                    np.minimum(1 - 2 ** (-1 - np.log2(t / 250 + 1)), beta_max),
                ),
                (
                    "Your β is not capped: it must never exceed beta_max (and "
                    "it must stay below 1).",
                    1 - 2 ** (-1 - np.log2(stage)),
                ),
                (
                    "You took max where min belongs: β is the smaller of the "
                    "schedule and beta_max.",
                    np.maximum(1 - 2 ** (-1 - np.log2(stage)), beta_max),
                ),
                (
                    "The +1 inside the logarithm is missing: at step 0 the "
                    "logarithm of 0 is -inf.",
                    np.minimum(1 - 2 ** (-1 - np.log2(np.floor(t / 250))), beta_max),
                ),
                (
                    "The -1 in the exponent is missing: the schedule starts at "
                    "β = 0.5 at step 0, not at 0.",
                    np.minimum(1 - 2 ** (-np.log2(stage)), beta_max),
                ),
                (
                    "You used the natural logarithm; the schedule's logarithm is "
                    "in base 2 (np.log2), to match the power of 2.",
                    np.minimum(1 - 2 ** (-1 - np.log(stage)), beta_max),
                ),
                (
                    "You rounded t / 250 to the nearest whole number; round it "
                    "down (np.floor or //).",
                    np.minimum(
                        1 - 2 ** (-1 - np.log2(np.round(t / 250) + 1)), beta_max
                    ),
                ),
            ]
        hint = diagnose(got, mistakes)
        if hint is None:
            first = first_wrong(got, right)
            hint = (
                f"Your β at step {steps[first]} is {got[first]:.4g}; β stays "
                "constant for 250 steps at a time, changing at steps 250, 500, "
                "750, ... (compare with the values in the hint)."
            )
            if steps[first] == 0:
                hint += " At step 0 the schedule starts at 0.5."
        fail(f"{hint} (test case with beta_max={beta_max:.4g})")
    passed(task, count, seed)


# ---------------------------------------------------------------------------


def _triangle(steps: Array, total: int) -> Array:
    """0 at step 0, 1 at step total / 2, 0 at step total and after."""
    s = np.minimum(steps, total)
    return 1 - np.abs(2 * s / total - 1)


def _cycle(steps, total, lr_min, lr_max, beta_min, beta_max, shape=None):
    rise = _triangle(steps, total) if shape is None else shape
    return lr_min + (lr_max - lr_min) * rise, beta_max - (beta_max - beta_min) * rise


def one_cycle(student: Callable, *, seed: int = 0) -> None:
    """Check ``one_cycle(step, total, lr_min, lr_max, beta_min, beta_max)``,
    which returns ``(lr, beta)``."""
    __tracebackhide__ = True
    task = "one_cycle"
    rng = np.random.default_rng(seed)
    count = 0
    for total in (int(rng.integers(20, 60)) * 2 + 1, int(rng.integers(20, 60)) * 2):
        lr_max = float(10 ** rng.uniform(-2, 0))
        lr_min = lr_max / float(rng.uniform(10, 25))
        beta_min = float(rng.uniform(0.8, 0.88))
        beta_max = float(rng.uniform(0.92, 0.97))
        steps = np.array(
            [0, 1, total // 2, (total + 1) // 2, total - 1, total, total + 7]
            + [int(s) for s in rng.integers(0, total, size=5)]
        )
        lrs, betas = [], []
        for step in steps:
            answer = call(
                task, student, int(step), total, lr_min, lr_max, beta_min, beta_max
            )
            lr, beta = as_pair(task, answer, ("lr", "beta"))
            lrs.append(float(as_array(task, f"lr at step {step}", lr, ())))
            betas.append(float(as_array(task, f"beta at step {step}", beta, ())))
        got = (np.array(lrs), np.array(betas))
        args = (total, lr_min, lr_max, beta_min, beta_max)
        right = _cycle(steps, *args)
        count += 1
        if close(got, right):
            continue
        rise = _triangle(steps, total)
        unclamped = 1 - np.abs(2 * steps / total - 1)
        mistakes = [
            (
                "The two results are in the wrong order: return the learning "
                "rate first, then beta.",
                right[::-1],
            ),
            (
                "Your momentum moves with the learning rate; in the one-cycle "
                "policy it moves the opposite way, from beta_max down to "
                "beta_min while the learning rate rises.",
                (right[0], beta_min + (beta_max - beta_min) * rise),
            ),
            (
                "Your momentum stays at beta_max: it should fall while the "
                "learning rate rises, then rise again.",
                (right[0], np.full(steps.shape, beta_max)),
            ),
            (
                "Your schedule goes on past step total: after it, both stay at "
                "their end values.",
                _cycle(steps, *args, shape=unclamped),
            ),
            (
                "Your schedule peaks at step total instead of halfway.",
                _cycle(steps, *args, shape=np.minimum(steps, total) / total),
            ),
            (
                "Your learning rate falls to 0 instead of lr_min at the ends.",
                (lr_max * rise, right[1]),
            ),
            (
                "Your learning rate starts at lr_max: it climbs from lr_min to "
                "lr_max, while beta falls from beta_max to beta_min.",
                (lr_max + (lr_min - lr_max) * rise, right[1]),
            ),
            (
                "Your schedule runs backwards: the learning rate starts at "
                "lr_min and climbs, while beta starts at beta_max and falls.",
                (
                    lr_max + (lr_min - lr_max) * rise,
                    beta_min + (beta_max - beta_min) * rise,
                ),
            ),
            (
                "Your curves bend like a cosine; in this task both halves are "
                "straight lines.",
                _cycle(
                    steps,
                    *args,
                    shape=(1 - np.cos(2 * np.pi * np.minimum(steps, total) / total))
                    / 2,
                ),
            ),
            (
                "After step total your schedule stays at its peak; it ends where "
                "it started, and both stay at those end values.",
                _cycle(steps, *args, shape=np.where(steps >= total, 1.0, rise)),
            ),
            (
                "Your phases are rounded to whole numbers: use step / total, "
                "not step // total.",
                _cycle(
                    steps,
                    *args,
                    shape=1 - np.abs(2 * np.minimum(steps, total) // total - 1),
                ),
            ),
        ]
        hint = diagnose(got, mistakes)
        if hint is None:
            row = first_wrong(np.column_stack(got), np.column_stack(right), rows=True)
            first = int(steps[row])
            which = "learning rate" if not close(got[0], right[0]) else "beta"
            hint = f"Your {which} is wrong, first at step {first}."
        fail(
            f"{hint} (test case with total={total}, lr from {lr_min:.3g} to "
            f"{lr_max:.3g}, beta from {beta_max:.3g} to {beta_min:.3g})"
        )
    passed(task, count, seed)


# ---------------------------------------------------------------------------


def _mentions(message: str, value: float) -> bool:
    """Whether a message writes the number ``value``, in any format."""
    numbers = re.findall(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?", message)
    return any(np.isclose(float(number), value, rtol=1e-2) for number in numbers)


def _refused_good_betas(task: str, student: Callable, lrs: Array, betas: Array) -> str:
    """The feedback for a ValueError raised although every beta is allowed:
    about beta = 0 when that alone is refused, else about the test itself."""
    inside = np.linspace(0.1, 0.9, len(betas))
    try:
        with np.errstate(all="ignore"):
            student(lrs.copy(), inside)
    except ValueError:
        return (
            f"{task} raised ValueError for betas from 0.1 to 0.9, all allowed: "
            "the test that decides to raise is true too often. It should hold "
            "only when some β < 0 or β >= 1; note that `betas.any() >= 1` "
            "compares a bool with 1, while `np.any(betas >= 1)` tests each β."
        )
    except Exception:  # other errors are reported when the check calls again
        pass
    return (
        f"{task} raised ValueError for betas from {betas.min():.3g} to "
        f"{betas.max():.3g}, all in [0, 1): β = 0 is allowed (no momentum at "
        "that step); only β < 0 or β >= 1 is refused."
    )


def effective_lr_along(student: Callable, *, seed: int = 0) -> None:
    """Check ``effective_lr_along(lrs, betas) -> lrs / (1 - betas)``, which
    raises ValueError for a beta outside [0, 1)."""
    __tracebackhide__ = True
    task = "effective_lr_along"
    rng = np.random.default_rng(seed)
    count = 0
    for size in (5, 12, 1):
        lrs = 10 ** rng.uniform(-3, -0.5, size=size)
        betas = rng.uniform(0.0, 0.99, size=size)
        betas[0] = 0.0  # allowed: plain gradient descent at that step
        with np.errstate(all="ignore"):
            try:
                answer = call(task, student, lrs, betas)
            except ValueError:
                fail(_refused_good_betas(task, student, lrs, betas))
        got = as_array(task, "the effective learning rates", answer, (size,))
        right = lrs / (1 - betas)
        count += 1
        if close(got, right):
            continue
        with np.errstate(divide="ignore"):  # lrs / betas at beta = 0
            over_beta = lrs / betas
        hint = diagnose(
            got,
            [
                (
                    "You multiplied by (1 - beta): the velocity adds up a "
                    "geometric series, which divides by it.",
                    lrs * (1 - betas),
                ),
                ("You divided by beta; divide by (1 - beta).", over_beta),
                (
                    "Your divisor is squared: the effective learning rate is "
                    "lr / (1 - beta).",
                    lrs / (1 - betas) ** 2,
                ),
                (
                    "Your rates are in another order: keep one rate per step, "
                    "in the order of the steps.",
                    np.sort(right),
                ),
                (
                    "You used one beta for every step; each step has its own.",
                    lrs / (1 - betas[0]),
                ),
                (
                    "You divided by (1 + beta); the velocity's geometric series "
                    "1 + beta + beta² + ... sums to 1 / (1 - beta).",
                    lrs / (1 + betas),
                ),
            ],
        )
        fail(
            f"{hint or 'Your effective learning rates are wrong.'} "
            f"(test case with {size} steps)"
        )
    for bad in (1.0, 1.2, -0.1):
        lrs = np.full(4, 0.01)
        betas = np.array([0.5, 0.9, bad, 0.9])
        try:
            with np.errstate(all="ignore"):
                call(task, student, lrs, betas)
        except ValueError as error:
            if "beta" not in str(error).lower():
                fail(
                    f"Your ValueError for beta={bad} does not say which parameter "
                    "is wrong: name `betas`, the value given and what is allowed."
                )
            if not _mentions(str(error), bad):
                fail(
                    f"Your ValueError for beta={bad} does not give the value: say "
                    "which β was given, so the caller can find it, and what is "
                    "allowed, [0, 1)."
                )
            count += 1
            continue
        except Mistake:
            raise
        except Exception as error:  # the student's own error, of another type
            fail(
                f"{task} raised {type(error).__name__} for beta={bad}; raise "
                "ValueError, the error for a bad value, naming `betas`, the "
                "value given and what is allowed."
            )
        why = (
            "a negative β flips the velocity at every step"
            if bad < 0
            else "at 1 the velocity never forgets and the effective learning "
            "rate is infinite"
        )
        fail(
            f"{task} accepted beta={bad} without complaint. A momentum must lie "
            f"in [0, 1): {why}. Raise ValueError for such a schedule."
        )
    passed(task, count, seed)


# ---------------------------------------------------------------------------


def _restart_cases(seed: int):
    """(grad, step) pairs, half of them pointing with the gradient, one of
    them a step of zeros."""
    rng = np.random.default_rng(seed)
    cases = []
    for index in range(12):
        dim = int(rng.integers(2, 6))
        grad, step = rng.normal(size=dim), rng.normal(size=dim)
        if (grad @ step > 0) != (index % 2 == 0):
            step = -step
        cases.append((grad, step))
    cases.append((rng.normal(size=3), np.zeros(3)))
    return cases


def should_restart(student: Callable, *, seed: int = 0) -> None:
    """Check ``should_restart(grad, step) -> bool``: the gradient criterion,
    grad · step > 0, where step = x_k - x_{k-1}."""
    __tracebackhide__ = True
    task = "should_restart"
    cases = _restart_cases(seed)
    got = []
    for grad, step in cases:
        answer = call(task, student, grad, step)
        if not isinstance(answer, bool | np.bool_):
            fail(
                f"{task} returned {answer!r} ({type(answer).__name__}); it should "
                "return True or False."
            )
        got.append(bool(answer))
    got = np.array(got)
    dots = np.array([grad @ step for grad, step in cases])
    right = dots > 0
    if np.array_equal(got, right):
        passed(task, len(cases), seed)
        return
    rules = [
        (
            "Your verdicts are reversed. With the step x_k - x_{k-1}, a descent "
            "step points against the gradient (grad · step < 0); a restart is "
            "due when the step has a part along the gradient, uphill.",
            dots < 0,
        ),
        (
            "You ask for a restart after a step of zeros: the criterion is "
            "grad · step > 0, strictly.",
            dots >= 0,
        ),
        ("You never ask for a restart.", np.zeros(len(cases), dtype=bool)),
    ]
    hint = next((m for m, v in rules if np.array_equal(got, v)), None)
    first = int(np.flatnonzero(got != right)[0])
    said = "restart" if got[first] else "no restart"
    fail(
        f"{hint or 'Some verdicts are wrong.'} For example, for a step with "
        f"grad · step = {dots[first]:.3g} you say {said}. "
        f"({int(np.sum(got != right))} of {len(cases)} test cases wrong)"
    )


# ---------------------------------------------------------------------------


class _Bowl:
    """A tilted quadratic 0.5 (x - m)^T A (x - m), with value and gradient."""

    def __init__(self, rng: np.random.Generator):
        self.eigenvalues = np.array([1.0, float(rng.uniform(20, 80))])
        rotation, _ = np.linalg.qr(rng.normal(size=(2, 2)))
        self.matrix = rotation @ np.diag(self.eigenvalues) @ rotation.T
        self.minimizer = rng.normal(size=2)

    def value(self, x: Array) -> float:
        offset = x - self.minimizer
        return float(0.5 * offset @ self.matrix @ offset)

    def grad(self, x: Array) -> Array:
        return self.matrix @ (x - self.minimizer)


def _loop(bowl, x0, lr, beta, steps, *, lookahead=True, rule="restart", sign=-1):
    """Nesterov (or heavy ball) with function restart, and its variants."""
    x, velocity, positions = np.array(x0, float), np.zeros(2), [np.array(x0, float)]
    for _ in range(steps):
        point = x + sign * beta * velocity if lookahead else x
        new_velocity = beta * velocity + lr * bowl.grad(point)
        new_x = x - new_velocity
        if rule == "ties":
            worse = bowl.value(new_x) >= bowl.value(x)
        elif rule == "gradient":
            worse = bool(bowl.grad(new_x) @ (new_x - x) > 0)
        else:
            worse = bowl.value(new_x) > bowl.value(x)
        if (rule in ("restart", "ties", "gradient") and worse) or (
            rule == "reversed" and not worse
        ):
            new_velocity = np.zeros(2)
        elif rule == "reject" and worse:
            new_x, new_velocity = x, np.zeros(2)
        x, velocity = new_x, new_velocity
        positions.append(x)
    return np.array(positions)


def _restart_runs(seed: int):
    rng = np.random.default_rng(seed)
    for _ in range(2):
        bowl = _Bowl(rng)
        lr = float(rng.uniform(0.5, 0.9)) / bowl.eigenvalues.max()
        beta = float(rng.uniform(0.93, 0.98))
        yield bowl, 3 * rng.normal(size=2), lr, beta, int(rng.integers(40, 70))
    # A tie: with lr * curvature = 2, the first step jumps from x0 to -x0
    # exactly, where the loss is the same; that is not a rise.
    bowl = _Bowl(rng)
    bowl.eigenvalues = np.array([1.0, 4.0])
    bowl.matrix = np.diag(bowl.eigenvalues)
    bowl.minimizer = np.zeros(2)
    yield bowl, np.array([0.0, 3.0]), 0.5, float(rng.uniform(0.5, 0.9)), 12


def nesterov_with_restart(student: Callable, *, seed: int = 0) -> None:
    """Check ``nesterov_with_restart(value_fn, grad_fn, x0, lr, beta, steps)``,
    Nesterov's look-ahead method with the function restart."""
    __tracebackhide__ = True
    task = "nesterov_with_restart"
    count = 0
    for bowl, x0, lr, beta, steps in _restart_runs(seed):
        answer = call(task, student, bowl.value, bowl.grad, x0, lr, beta, steps)
        right = _loop(bowl, x0, lr, beta, steps)
        if shape_of(answer) == (steps, 2) and close(answer, right[1:]):
            fail(
                f"{task} returned {steps} rows for {steps} steps: the starting "
                "point belongs in row 0, so there are steps + 1 rows."
            )
        got = as_array(task, "the positions", answer, right.shape)
        count += 1
        if close(got, right):
            continue
        if same_rows(got):
            fail(SAME_ROWS)
        mistakes = [
            (
                "Your run never restarts: after a step that raises the loss, "
                "set the velocity to zero.",
                _loop(bowl, x0, lr, beta, steps, rule="never"),
            ),
            (
                "You undo the step that raised the loss; this task keeps the "
                "new point and only sets the velocity to zero.",
                _loop(bowl, x0, lr, beta, steps, rule="reject"),
            ),
            (
                "You restart when the loss stays the same: only a loss that went "
                "up, strictly, f(x_new) > f(x), calls for a restart.",
                _loop(bowl, x0, lr, beta, steps, rule="ties"),
            ),
            (
                "Your restart test is reversed: restart when the new loss is "
                "higher than the old one.",
                _loop(bowl, x0, lr, beta, steps, rule="reversed"),
            ),
            (
                "Your run takes the gradient where the ball stands: that is "
                "heavy ball. Nesterov takes it at the look-ahead point x - "
                "beta * v.",
                _loop(bowl, x0, lr, beta, steps, lookahead=False),
            ),
            (
                "Your look-ahead point has the wrong sign: the ball is about to "
                "move by -beta * v, so look at x - beta * v.",
                _loop(bowl, x0, lr, beta, steps, sign=1),
            ),
            (
                "You restart on the gradient test of task 4; this task uses the "
                "function test: restart when the loss went up.",
                _loop(bowl, x0, lr, beta, steps, rule="gradient"),
            ),
        ]
        wrong = first_wrong(got, right, rows=True)
        hint = diagnose(got, mistakes) or (
            f"Your positions are wrong from row {wrong} on (row 0 is the start)."
        )
        fail(f"{hint} (test case with lr={lr:.3g}, beta={beta:.3g})")
    passed(task, count, seed)


def _restarts(bowl: Any, x0: Array, lr: float, beta: float, steps: int) -> int:
    """How many restarts the reference run makes: the tests use it to show
    that the cases exercise the restart."""
    positions = _loop(bowl, x0, lr, beta, steps)
    values = [bowl.value(x) for x in positions]
    return int(np.sum(np.diff(values) > 0))
