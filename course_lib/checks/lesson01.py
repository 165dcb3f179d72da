"""Checks for the exercises of lesson 01, the update equations."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from course_lib import optim, problems, run
from course_lib.checks._core import (
    SAME_ROWS,
    as_array,
    as_pair,
    call,
    close,
    diagnose,
    fail,
    first_wrong,
    pair_verdict,
    passed,
    same_rows,
    shape_of,
    step_mistakes,
)

Array = np.ndarray

AVERAGING = (
    "Your velocity scales the gradient by (1 - beta): that is the averaging "
    "convention, and this task uses the classical one."
)
NOT_CARRIED = (
    "Your velocity does not carry over between steps: each step must start from "
    "the previous velocity, decayed by beta."
)


def _cases(seed: int, count: int = 4):
    """Random (x, velocity, grad, lr, beta) with shapes (2,), (3,) and a batch."""
    rng = np.random.default_rng(seed)
    shapes = [(2,), (3,), (4, 2), (5,)]
    for index in range(count):
        shape = shapes[index % len(shapes)]
        yield (
            rng.normal(size=shape),
            rng.normal(size=shape),
            rng.normal(size=shape),
            float(rng.uniform(0.05, 0.4)),
            float(rng.uniform(0.55, 0.95)),
        )


def _on(lr: float, beta: float) -> str:
    return f"(test case with lr={lr:.3g}, beta={beta:.3g})"


# ---------------------------------------------------------------------------


def reference_classical_step(x, velocity, grad, lr, beta) -> tuple[Array, Array]:
    """One step of course_lib's classical momentum from a given velocity."""
    method = optim.momentum_classical(lr, beta)
    lr_state, trace_state = method.init(x)
    state = (lr_state, trace_state._replace(count=1, velocity=velocity))
    updates, (_, new_trace) = method.update(grad, state, x)
    return optim.apply_updates(x, updates), new_trace.velocity


def classical_step(student: Callable, *, seed: int = 0) -> None:
    """Check ``classical_step(x, velocity, grad, lr, beta) -> (x, velocity)``."""
    __tracebackhide__ = True
    task = "classical_step"
    count = 0
    for x, v, g, lr, beta in _cases(seed):
        got = as_pair(task, call(task, student, x, v, g, lr, beta), ("x", "velocity"))
        got_x = as_array(task, "the new position", got[0], x.shape)
        got_v = as_array(task, "the new velocity", got[1], x.shape)
        right_x, right_v = reference_classical_step(x, v, g, lr, beta)
        count += 1
        if close(got_x, right_x) and close(got_v, right_v):
            continue

        buffer = beta * v + g  # the velocity without the learning rate
        averaged = beta * v + (1 - beta) * lr * g
        averaged_buffer = beta * v + (1 - beta) * g
        mistakes = [
            *step_mistakes(x, right_x, right_v),
            (
                "The learning rate is applied twice: in the classical form it is "
                "already inside the velocity, so the position moves by the "
                "velocity itself.",
                (x - lr * right_v, right_v),
            ),
            (
                "The learning rate is missing: in the classical form the new "
                "gradient enters the velocity multiplied by lr.",
                (x - buffer, buffer),
            ),
            (
                "You wrote the PyTorch form (lr applied at the step, not inside "
                "the velocity); this task asks for the classical form, whose "
                "velocity carries the learning rate.",
                (x - lr * buffer, buffer),
            ),
            (AVERAGING, (x - averaged, averaged)),
            (AVERAGING, (x - lr * averaged_buffer, averaged_buffer)),
            (NOT_CARRIED, (x - lr * g, lr * g)),
            (
                "The position moved by the old velocity: update the velocity "
                "first, then move by the new one.",
                (x - v, right_v),
            ),
            (
                "Your position is right but your velocity has the opposite sign: "
                "in this task the velocity points along the gradient and is "
                "subtracted from x.",
                (right_x, -right_v),
            ),
        ]
        names = ("new position", "new velocity")
        hint = diagnose((got_x, got_v), mistakes) or pair_verdict(
            (got_x, got_v), (right_x, right_v), names
        )
        fail(f"{hint} {_on(lr, beta)}")
    passed(task, count, seed)


# ---------------------------------------------------------------------------


def classical_to_averaging(student: Callable, *, seed: int = 0) -> None:
    """Check ``classical_to_averaging(velocity, lr, beta) -> velocity``.

    The averaging form runs with the learning rate lr / (1 - beta), the one
    that makes its iterates equal the classical form's.
    """
    __tracebackhide__ = True
    task = "classical_to_averaging"
    count = 0
    for _, v, _, lr, beta in _cases(seed):
        answer = call(task, student, v, lr, beta)
        got = as_array(task, "the velocity", answer, v.shape)
        right = optim.convert_velocity(v, "classical", "averaging", lr, beta)
        count += 1
        if close(got, right):
            continue
        mistakes = [
            (
                "That is the PyTorch buffer, velocity / lr. The averaging form "
                "runs with its own learning rate, lr / (1 - beta), and its "
                "velocity must make the same steps at that rate.",
                v / lr,
            ),
            (
                "Your factor is upside down: the classical velocity is a "
                "distance, and the averaging velocity times its own learning "
                "rate must give that distance.",
                v * lr / (1 - beta),
            ),
            (
                "The learning rate is missing: the classical velocity contains "
                "it and the averaging velocity does not.",
                v * (1 - beta),
            ),
            (
                "The (1 - beta) is on the wrong side of the fraction: compare "
                "the averaging form's learning rate with the classical one.",
                v / (lr * (1 - beta)),
            ),
            (
                "You multiplied by the learning rate where you should divide: "
                "the classical velocity already contains it.",
                v * lr,
            ),
            (
                "You returned the velocity unchanged, but the two forms measure "
                "it in different units: one contains the learning rate.",
                v,
            ),
        ]
        hint = diagnose(got, mistakes) or "Your converted velocity is wrong."
        fail(f"{hint} {_on(lr, beta)}")
    passed(task, count, seed)


# ---------------------------------------------------------------------------


def pytorch_buffers(student: Callable, *, seed: int = 0) -> None:
    """Check ``pytorch_buffers(gradients, momentum, dampening) -> buffers``.

    ``gradients`` has shape (steps, dim); the answer is PyTorch's momentum
    buffer after each step, of the same shape.
    """
    __tracebackhide__ = True
    task = "pytorch_buffers"
    rng = np.random.default_rng(seed)
    count = 0
    for steps, dim in [(5, 2), (8, 3), (1, 4)]:
        gradients = rng.normal(size=(steps, dim))
        momentum = float(rng.uniform(0.55, 0.95))
        dampening = float(rng.uniform(0.1, 0.45))
        answer = call(task, student, gradients, momentum, dampening)
        if shape_of(answer) == (steps + 1, dim):
            fail(
                f"{task} returned {steps + 1} rows for {steps} gradients: return "
                "the buffer after each step only, without a starting row."
            )
        got = as_array(task, "the buffers", answer, gradients.shape)
        if same_rows(got) and not same_rows(gradients):
            fail(SAME_ROWS)
        right = run.velocity_history(
            optim.trace(momentum, dampening=dampening, buffer_start="first_gradient"),
            gradients,
        )
        count += 1
        if close(got, right):
            continue
        variants = [
            (
                "Your buffer starts at zero, so the first gradient is damped: "
                "PyTorch starts the buffer at the first gradient itself.",
                optim.trace(momentum, dampening=dampening),
            ),
            (
                "Dampening is ignored: from the second step on, the new gradient "
                "enters with weight (1 - dampening).",
                optim.trace(momentum, buffer_start="first_gradient"),
            ),
            (
                "The new gradient enters with weight dampening instead of "
                "(1 - dampening).",
                optim.trace(
                    momentum, dampening=1 - dampening, buffer_start="first_gradient"
                ),
            ),
            (
                "You used (1 - momentum) as the gradient's weight: that is the "
                "averaging form; PyTorch weighs it by (1 - dampening).",
                optim.trace(momentum, averaging=True),
            ),
        ]
        mistakes = [(hint, run.velocity_history(t, gradients)) for hint, t in variants]
        forgetful = np.concatenate([gradients[:1], (1 - dampening) * gradients[1:]])
        mistakes += [(NOT_CARRIED, forgetful), (NOT_CARRIED, gradients)]
        hint = diagnose(got, mistakes) or "Your buffers are wrong."
        fail(
            f"{hint} (test case with momentum={momentum:.3g}, "
            f"dampening={dampening:.3g}, {steps} steps)"
        )
    passed(task, count, seed)


# ---------------------------------------------------------------------------


def _bowls(seed: int):
    """Small tilted quadratics, each with a start, lr, beta and step count.

    The curvatures are small enough that every wrong variant below stays
    finite, so each can be recognised.
    """
    rng = np.random.default_rng(seed)
    for dim in (2, 3):
        eigenvalues = rng.uniform(0.2, 1.0, size=dim)
        rotation, _ = np.linalg.qr(rng.normal(size=(dim, dim)))
        bowl = problems.Quadratic(eigenvalues, rotation, rng.normal(size=dim))
        lr, beta = float(rng.uniform(0.1, 0.3)), float(rng.uniform(0.6, 0.9))
        yield bowl, 2 * rng.normal(size=dim), lr, beta, int(rng.integers(12, 25))


def _uphill(grad_fn: Callable, x0: Array, lr: float, beta: float, steps: int):
    """The positions of a loop that adds the velocity instead of subtracting."""
    x, velocity, positions = np.array(x0, float), np.zeros_like(x0, float), [x0]
    with np.errstate(all="ignore"):
        for _ in range(steps):
            velocity = beta * velocity + lr * grad_fn(x)
            x = x + velocity
            positions.append(x)
    return np.array(positions)


def _late_step(grad_fn: Callable, x0: Array, lr: float, beta: float, steps: int):
    """The positions of a loop that moves before it updates the velocity."""
    x, velocity, positions = np.array(x0, float), np.zeros_like(x0, float), [x0]
    for _ in range(steps):
        new_velocity = beta * velocity + lr * grad_fn(x)
        x = x - velocity
        velocity = new_velocity
        positions.append(x)
    return np.array(positions)


def momentum_loop(student: Callable, *, seed: int = 0) -> None:
    """Check ``momentum_loop(grad_fn, x0, lr, beta, steps) -> positions``.

    The answer holds the start and the position after every step:
    shape (steps + 1, dim), classical momentum from a zero velocity.
    """
    __tracebackhide__ = True
    task = "momentum_loop"
    count = 0
    for bowl, x0, lr, beta, steps in _bowls(seed):
        runs = {
            "right": optim.momentum_classical(lr, beta),
            "descent": optim.gradient_descent(lr),
            "lr twice": optim.momentum_classical(lr**2, beta),
            "no lr": optim.momentum_classical(1.0, beta),
            "averaging": optim.momentum_classical(lr * (1 - beta), beta),
            "nesterov": optim.lookahead_momentum(lr, beta),
        }
        paths = {
            name: run.run(method, bowl, x0, steps).positions
            for name, method in runs.items()
        }
        right = paths["right"]
        answer = call(task, student, bowl.grad, x0, lr, beta, steps)
        if shape_of(answer) == (steps, x0.size) and close(answer, right[1:]):
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
                "The position moved by the old velocity: update the velocity "
                "first, then move by the new one.",
                _late_step(bowl.grad, x0, lr, beta, steps),
            ),
            (
                "Your loop takes plain gradient-descent steps: the velocity is "
                "not carried from one step to the next.",
                paths["descent"],
            ),
            (
                "The learning rate is applied twice: once inside the velocity "
                "and again at the step.",
                paths["lr twice"],
            ),
            (
                "The learning rate is missing: the gradient must enter the "
                "velocity multiplied by lr.",
                paths["no lr"],
            ),
            (AVERAGING, paths["averaging"]),
            (
                "Your loop takes the gradient ahead of x, at x - beta * v: that "
                "is Nesterov's method; this task asks for classical momentum.",
                paths["nesterov"],
            ),
            (
                "Your loop climbs: the positions move along +velocity, a sign "
                "error in the position update.",
                _uphill(bowl.grad, x0, lr, beta, steps),
            ),
        ]
        wrong = first_wrong(got, right, rows=True)
        hint = diagnose(got, mistakes) or (
            f"Your positions are wrong from row {wrong} on (row 0 is the start)."
        )
        fail(f"{hint} {_on(lr, beta)}")
    passed(task, count, seed)


# ---------------------------------------------------------------------------


def velocity_after(student: Callable, *, seed: int = 0) -> None:
    """Check ``velocity_after(k, grad, lr, beta) -> velocity``.

    The classical velocity after k steps from zero under a constant gradient.
    """
    __tracebackhide__ = True
    task = "velocity_after"
    count = 0
    for index, (_, _, g, lr, beta) in enumerate(_cases(seed)):
        k = 3 + 4 * index
        method = optim.momentum_classical(lr, beta)
        state = method.init(g)
        for _ in range(k):
            _, state = method.update(g, state, g)
        right = state[1].velocity
        answer = call(task, student, k, g, lr, beta)
        got = as_array(task, "the velocity", answer, g.shape)
        count += 1
        if close(got, right):
            continue
        terminal = lr * g / (1 - beta)
        off_by_one = (
            "Off by one step: count how many gradients the velocity holds "
            "after k updates from zero."
        )
        mistakes = [
            (
                "That is the terminal velocity, approached only after many "
                "steps; starting from zero, the velocity has not built up yet "
                "after k steps.",
                terminal,
            ),
            (off_by_one, terminal * (1 - beta ** (k + 1))),
            (off_by_one, terminal * (1 - beta ** (k - 1))),
            (AVERAGING, terminal * (1 - beta) * (1 - beta**k)),
            (
                "The learning rate is missing: the classical velocity contains it.",
                g / (1 - beta) * (1 - beta**k),
            ),
        ]
        hint = diagnose(got, mistakes) or "Your velocity is wrong."
        fail(f"{hint} (test case with k={k}, lr={lr:.3g}, beta={beta:.3g})")
    passed(task, count, seed)
