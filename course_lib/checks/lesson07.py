"""Checks for the exercises of lesson 07, gradient clipping.

The references are computed here in plain NumPy, so that the checks state
the lesson's definitions on their own.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import numpy as np

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


def _norm(arrays: list[Array]) -> float:
    """The global norm of a list of arrays, computed so that it cannot overflow."""
    return _reference_norm(np.concatenate([np.ravel(a) for a in arrays]))


def _scaled(arrays: list[Array], factor: float) -> list[Array]:
    return [factor * a for a in arrays]


def _clip_global(arrays: list[Array], max_norm: float) -> list[Array]:
    """Rescale every array by one factor so the global norm is <= max_norm."""
    return _scaled(arrays, min(1.0, max_norm / _norm(arrays)))


def _clip(vector: Array, max_norm: float) -> Array:
    """One array rescaled so its norm is <= max_norm."""
    return _clip_global([vector], max_norm)[0]


def _as_arrays(task: str, answer: Any, shapes: list[tuple[int, ...]]) -> list[Array]:
    """A returned list of arrays, one per block, with the blocks' shapes."""
    __tracebackhide__ = True
    if isinstance(answer, np.ndarray):
        fail(
            f"{task} returned one NumPy array; return a list with one array per "
            "block, each of its block's shape."
        )
    if answer is None:
        fail(f"{task} returned None: is a `return` statement missing?")
    if not isinstance(answer, list | tuple) or len(answer) != len(shapes):
        size = f" of length {len(answer)}" if isinstance(answer, list | tuple) else ""
        fail(
            f"{task} should return a list of {len(shapes)} arrays, one per block, "
            f"but it returned a {type(answer).__name__}{size}."
        )
    return [
        as_array(task, f"block {i}", block, shape)
        for i, (block, shape) in enumerate(zip(answer, shapes, strict=True))
    ]


def _call_on_blocks(task: str, student: Callable, blocks: list[Array], *rest: Any):
    """Call the student's function, checking it left the blocks unchanged."""
    __tracebackhide__ = True
    given = copy.deepcopy(blocks)
    with np.errstate(all="ignore"):
        answer = call(task, student, blocks, *rest)
    if any(not np.array_equal(a, b) for a, b in zip(given, blocks, strict=True)):
        fail(
            f"{task} changed the arrays of `grads` in place (with `*=` or an "
            "assignment into a block): compute new arrays, so that the caller's "
            "gradients stay as they were."
        )
    return answer


def _shares_a_block(answer: Any, blocks: list[Array]) -> bool:
    """Whether a returned list holds one of the given arrays (or a view of it)."""
    parts = answer if isinstance(answer, list | tuple) else []
    return any(
        isinstance(part, np.ndarray) and np.shares_memory(part, block)
        for part in parts
        for block in blocks
    )


# ---------------------------------------------------------------------------


def _explained(wrong: list[tuple[Any, list[tuple[str, Any]]]]) -> str | None:
    """The first known mistake that gives every wrong answer.

    ``wrong`` holds, for each test case the answer got wrong, the answer and
    what each known mistake would return there (the same mistakes in the same
    order). A mistake is named only when it accounts for all those cases.
    """
    _, first = wrong[0]
    for index, (message, _) in enumerate(first):
        if all(close(got, mistakes[index][1]) for got, mistakes in wrong):
            return message
    return None


# ---------------------------------------------------------------------------


def _block_cases(seed: int):
    """Lists of gradient blocks and a max_norm. In the first three the
    global norm is over the limit, the first block alone is over it too
    (with entries over it), and the other blocks are under it; in the last,
    everything is under the limit."""
    rng = np.random.default_rng(seed)
    layouts = [[(3,), (2, 2)], [(4,), (2,), (3, 2)], [(2,), (2, 3)], [(2,), (3,)]]
    for index, shapes in enumerate(layouts):
        while True:
            blocks = [rng.normal(size=shape) for shape in shapes]
            blocks[0] = 4 * blocks[0]
            norms = [float(np.linalg.norm(b)) for b in blocks]
            total = _norm(blocks)
            if index == 3:
                max_norm = total * float(rng.uniform(1.2, 2.0))
                break
            low = 1.1 * max(norms[1:])
            high = 0.9 * min(norms[0], float(np.max(np.abs(blocks[0]))))
            if low < high:
                max_norm = float(rng.uniform(low, high))
                break
        yield blocks, max_norm


def _global_mistakes(blocks: list[Array], max_norm: float) -> list[tuple[str, Any]]:
    """What each known mistake of clip_by_global_norm returns."""
    total = _norm(blocks)
    mistakes = [
        (
            "Your gradient is unchanged, but its global norm is over max_norm: "
            "then every block must shrink by the same factor.",
            blocks,
        ),
        (
            "You clipped each block by its own norm: that is per-block "
            "clipping, which changes the direction of the whole gradient. "
            "Use one factor for all blocks, from their global norm.",
            [_clip(b, max_norm) for b in blocks],
        ),
        (
            "You clipped each entry to [-max_norm, max_norm]: that is "
            "clipping by value, which changes the direction.",
            [np.clip(b, -max_norm, max_norm) for b in blocks],
        ),
        (
            "Your gradient always ends with norm max_norm, even when it was "
            "smaller: clipping leaves a gradient under the limit unchanged.",
            _scaled(blocks, max_norm / total),
        ),
        (
            "Your factor divides by the squared norm: the factor is "
            "max_norm / norm, with the norm itself.",
            _scaled(blocks, min(1.0, max_norm / total**2)),
        ),
        (
            "Your factor is upside down: it should shrink a gradient whose "
            "norm is over max_norm, and leave a smaller one as it is.",
            _scaled(blocks, min(1.0, total / max_norm)),
        ),
        (
            "You took max where min belongs: your factor enlarges small "
            "gradients and leaves large ones as they were.",
            _scaled(blocks, max(1.0, max_norm / total)),
        ),
        (
            "You divided by the norm but did not multiply by max_norm.",
            _scaled(blocks, min(1.0, 1 / total)),
        ),
        (
            "Your norm adds the blocks' norms; the global norm is the square "
            "root of the sum of all squared entries.",
            _scaled(
                blocks,
                min(1.0, max_norm / sum(float(np.linalg.norm(b)) for b in blocks)),
            ),
        ),
    ]
    return [(message, tuple(result)) for message, result in mistakes]


def clip_by_global_norm(student: Callable, *, seed: int = 0) -> None:
    """Check ``clip_by_global_norm(grads, max_norm) -> list of arrays``."""
    __tracebackhide__ = True
    task = "clip_by_global_norm"
    cases = list(_block_cases(seed))
    wrong = []
    for blocks, max_norm in cases:
        shapes = [b.shape for b in blocks]
        answer = _call_on_blocks(task, student, blocks, max_norm)
        if _shares_a_block(answer, blocks):
            fail(
                f"{task} returned the caller's own arrays, not new ones (test "
                f"case with global norm {_norm(blocks):.3g}, max_norm="
                f"{max_norm:.3g}): a later change to the result would change "
                "`grads` too. Return new arrays, for instance `block.copy()`."
            )
        got = tuple(_as_arrays(task, answer, shapes))
        if not close(got, tuple(_clip_global(blocks, max_norm))):
            wrong.append((got, _global_mistakes(blocks, max_norm), blocks, max_norm))
    if not wrong:
        passed(task, len(cases), seed)
        return
    hint = _explained([(got, mistakes) for got, mistakes, *_ in wrong])
    got, _, blocks, max_norm = wrong[0]
    total = _norm(blocks)
    if hint is None:
        got_norm = _norm(list(got))
        should = min(total, max_norm)
        direction = got_norm > 0 and close(
            tuple(_scaled(list(got), total / got_norm)), tuple(blocks)
        )
        off = abs(got_norm - should) / should
        if direction and off < 1e-4:
            hint = (
                f"Your clipped gradient's global norm is off by a relative {off:.1g}: "
                "more than rounding. Did you add a small epsilon to the norm, as "
                "some libraries do? Use the factor min(1, max_norm / norm) exactly."
            )
        else:
            hint = (
                f"Your clipped gradient has global norm {got_norm:.4g}, but it "
                f"should be {should:.4g}"
            )
            hint += " (your direction is right)." if direction else ", same direction."
    fail(
        f"{hint} (test case with {len(blocks)} blocks of global norm "
        f"{total:.3g}, max_norm={max_norm:.3g})"
    )


# ---------------------------------------------------------------------------


def _reference_norm(vector: Array) -> float:
    """The Euclidean norm, scaled by the largest entry so nothing overflows."""
    biggest = float(np.max(np.abs(vector)))
    if biggest == 0:
        return 0.0
    return biggest * float(np.sqrt(np.sum((vector / biggest) ** 2)))


def _norm_cases(seed: int):
    rng = np.random.default_rng(seed)
    yield "ordinary entries", rng.normal(size=5)
    yield "entries near 1e200", rng.normal(size=4) * 1e200
    yield "entries near 1e-200", rng.normal(size=6) * 1e-200
    yield "all entries negative", -rng.uniform(0.5, 3.0, size=3)
    yield "all entries 0", np.zeros(4)
    yield "one entry 1e300 and one 1", rng.permutation(np.array([1e300, 1.0, 0.0]))


def safe_norm(student: Callable, *, seed: int = 0) -> None:
    """Check ``safe_norm(g) -> float``, a norm that neither overflows nor
    underflows."""
    __tracebackhide__ = True
    task = "safe_norm"
    count = 0
    for what, vector in _norm_cases(seed):
        with np.errstate(all="ignore"):
            answer = call(task, student, vector)
        got = as_array(task, "the norm", answer, ())
        right = _reference_norm(vector)
        count += 1
        if close(got, right):
            continue
        biggest = np.max(np.abs(vector))  # a NumPy float: its square may be inf
        with np.errstate(all="ignore"):
            plain = float(np.sqrt(np.sum(vector**2)))
            unscaled = float(np.sqrt(np.sum((vector / biggest) ** 2)))
        if not np.isfinite(got) and right == 0:
            hint = (
                "Your norm is not a number for a gradient of zeros: dividing by "
                "the largest entry divides 0 by 0 there. Handle that case first."
            )
        elif np.isinf(got) or (close(got, plain) and plain != right):
            hint = (
                "Your norm overflows or underflows: squaring an entry near 1e200 "
                "gives inf, and squaring one near 1e-200 gives 0. Scale the "
                "entries by the largest |entry| before you square them."
            )
        else:
            with np.errstate(all="ignore"):
                squared = biggest**2 * unscaled**2
            hint = diagnose(
                got,
                [
                    (
                        "You scaled the entries down but did not scale the "
                        "result back up by the same factor.",
                        unscaled,
                    ),
                    (
                        "Your norm is negative: scale by the largest absolute "
                        "value, np.max(np.abs(g)), not by the largest entry.",
                        -right,
                    ),
                    (
                        "That is the largest |entry| (the max norm); the task "
                        "asks for the Euclidean norm.",
                        biggest,
                    ),
                    (
                        "That is the sum of |entries|; the task asks for the "
                        "Euclidean norm, a square root of a sum of squares.",
                        float(np.sum(np.abs(vector))),
                    ),
                    (
                        "The square root is missing.",
                        biggest * unscaled**2,
                    ),
                    (
                        "The square root is missing.",
                        squared,
                    ),
                    (
                        "You averaged the squares (a root mean square); the "
                        "Euclidean norm adds them up.",
                        right / np.sqrt(vector.size),
                    ),
                ],
            )
            if hint is None and right > 0 and np.isfinite(got):
                ratio = float(got) / right
                hint = f"Your norm is {ratio:.3g} times the right one."
            hint = hint or "Your norm is wrong."
        fail(f"{hint} (test case with {vector.size} entries: {what})")
    passed(task, count, seed)


# ---------------------------------------------------------------------------


def velocity_bound(student: Callable, *, seed: int = 0) -> None:
    """Check ``velocity_bound(lr, beta, max_norm) -> lr * max_norm / (1-beta)``."""
    __tracebackhide__ = True
    task = "velocity_bound"
    rng = np.random.default_rng(seed)
    count = 0
    for _ in range(4):
        lr = float(10 ** rng.uniform(-3, -0.5))
        beta = float(rng.uniform(0.5, 0.99))
        max_norm = float(rng.uniform(0.5, 10.0))
        got = as_array(task, "the bound", call(task, student, lr, beta, max_norm), ())
        right = lr * max_norm / (1 - beta)
        count += 1
        if close(got, right):
            continue
        hint = diagnose(
            got,
            [
                (
                    "The learning rate is missing: in the classical form the "
                    "clipped gradient enters the velocity multiplied by lr.",
                    max_norm / (1 - beta),
                ),
                (
                    "That bounds a single step's contribution, lr * max_norm; "
                    "the velocity adds up a geometric series of them.",
                    lr * max_norm,
                ),
                (
                    "That is the averaging form's bound, where the gradient is "
                    "weighted by (1 - beta) and lr comes later; this task uses "
                    "the classical form.",
                    max_norm,
                ),
                (
                    "Your series is off by one term: the velocity from zero "
                    "holds lr * max_norm * (1 + beta + beta² + ...).",
                    lr * max_norm * beta / (1 - beta),
                ),
                (
                    "Your series sums powers of beta²; the velocity decays by "
                    "beta per step, not beta².",
                    lr * max_norm / (1 - beta**2),
                ),
                (
                    "You multiplied by (1 - beta) where the geometric series "
                    "divides by it.",
                    lr * max_norm * (1 - beta),
                ),
                (
                    "You divided by beta where the geometric series divides "
                    "by (1 - beta).",
                    lr * max_norm / beta,
                ),
                (
                    "You divided by (1 + beta); the geometric series "
                    "1 + beta + beta² + ... sums to 1 / (1 - beta).",
                    lr * max_norm / (1 + beta),
                ),
                (
                    "You mixed up lr and beta: lr multiplies the clipped "
                    "gradient, and beta is the ratio of the geometric series.",
                    beta * max_norm / (1 - lr),
                ),
            ],
        )
        if hint is None and got < right:
            hint = (
                f"Your bound is too small, {float(got) / right:.3g} times the "
                "right one: if it stops the series after a few steps, remember "
                "that the bound must hold at every step, however many."
            )
        elif hint is None:
            ratio = float(got) / right
            hint = f"Your bound is too large, {ratio:.3g} times the right one."
        fail(
            f"{hint} (test case with lr={lr:.3g}, beta={beta:.3g}, "
            f"max_norm={max_norm:.3g})"
        )
    passed(task, count, seed)


# ---------------------------------------------------------------------------


def _microbatch_cases(seed: int):
    """(k, dim) micro-batch gradients and a max_norm. Every row's norm is
    over the limit; in the last two cases the mean's is not, as when
    micro-batch noise cancels. In the fourth even the sum of the rows is
    under the limit, which tells clipping the sum from always rescaling."""
    rng = np.random.default_rng(seed)
    for index, (k, dim) in enumerate([(4, 3), (3, 5), (5, 2), (3, 3), (4, 4)]):
        mean = rng.normal(size=dim)
        noise = rng.normal(size=(k, dim))
        noise = noise - noise.mean(axis=0)  # the rows still average to `mean`
        if index < 3:
            factor = float(rng.uniform(0.3, 0.8))
        elif index == 3:
            factor = k + float(rng.uniform(0.5, 1.5))
        else:
            factor = float(rng.uniform(1.2, 1.6))
        max_norm = factor * float(np.linalg.norm(mean))
        grads = mean + noise
        while np.linalg.norm(grads, axis=1).min() < 1.2 * max_norm:
            noise = 2 * noise
            grads = mean + noise
        yield grads, max_norm


def accumulate_and_clip(student: Callable, *, seed: int = 0) -> None:
    """Check ``accumulate_and_clip(microbatch_grads, max_norm) -> array``:
    the mean of the rows, clipped once by its norm."""
    __tracebackhide__ = True
    task = "accumulate_and_clip"
    count = 0
    for grads, max_norm in _microbatch_cases(seed):
        k, dim = grads.shape
        with np.errstate(all="ignore"):
            answer = call(task, student, grads, max_norm)
        got = as_array(task, "the clipped gradient", answer, (dim,))
        mean = grads.mean(axis=0)
        right = _clip(mean, max_norm)
        count += 1
        if close(got, right):
            continue
        clipped_rows = np.array([_clip(row, max_norm) for row in grads])
        total = grads.sum(axis=0)
        hint = diagnose(
            got,
            [
                (
                    "You clipped each micro-batch's gradient and then averaged: "
                    "that shrinks and turns the gradient even when the whole "
                    "batch's gradient is under the limit. Clip once, after "
                    "accumulating.",
                    clipped_rows.mean(axis=0),
                ),
                (
                    "You clipped each micro-batch's gradient and added them up; "
                    "accumulate first (the mean of the rows), then clip once.",
                    clipped_rows.sum(axis=0),
                ),
                (
                    "You clipped the sum of the rows: the batch's gradient is "
                    "their mean, since every micro-batch holds the same number "
                    "of examples.",
                    _clip(total, max_norm),
                ),
                (
                    "You clipped the sum and then divided by the number of "
                    "micro-batches: the limit applies to the mean itself.",
                    _clip(total, max_norm) / k,
                ),
                ("Your gradient is the mean, but it is not clipped.", mean),
                (
                    "Your gradient always ends with norm max_norm, even when it "
                    "was under the limit: clipping leaves such a gradient "
                    "unchanged.",
                    mean * (max_norm / float(np.linalg.norm(mean))),
                ),
                ("Your gradient is the sum of the rows, not clipped.", total),
                (
                    "You averaged over the wrong axis: rows are micro-batches, "
                    "columns are parameters.",
                    np.resize(_clip(grads.mean(axis=1), max_norm), dim),
                ),
            ],
        )
        if hint is None:
            got_norm = float(np.linalg.norm(got))
            right_norm = float(np.linalg.norm(right))
            if close(got_norm, right_norm):
                hint = (
                    "Your gradient has the right norm but points in another "
                    "direction: the batch's gradient is the mean of the rows."
                )
            else:
                hint = (
                    f"Your gradient has norm {got_norm:.4g}, but after clipping "
                    f"it should have norm {right_norm:.4g}."
                )
        fail(f"{hint} (test case with {k} micro-batches, max_norm={max_norm:.3g})")
    passed(task, count, seed)


# ---------------------------------------------------------------------------


def _momentum_step_cases(seed: int):
    """(x, velocity, grad, lr, beta, max_norm): four finite gradients, the
    second with lr * |grad| over the limit too, the last under the limit;
    then one with a NaN, one with an inf, and a finite one whose entries,
    about 1e200, overflow when squared."""
    rng = np.random.default_rng(seed)
    for index, dim in enumerate([3, 2, 4, 3, 3, 2, 3]):
        x, velocity, grad = (rng.normal(size=dim) for _ in range(3))
        lr, beta = float(rng.uniform(0.05, 0.3)), float(rng.uniform(0.6, 0.95))
        norm = float(np.linalg.norm(grad))
        if index == 1:
            max_norm = lr * norm * float(rng.uniform(0.3, 0.7))
        elif index == 3:
            max_norm = norm * float(rng.uniform(1.2, 2.0))
        else:
            max_norm = norm * float(rng.uniform(0.2, 0.6))
        if index == 4:
            grad[int(rng.integers(dim))] = np.nan
        if index == 5:
            grad[int(rng.integers(dim))] = np.inf
        if index == 6:
            grad = 1e200 * grad
        yield x, 0.1 * velocity, grad, lr, beta, max_norm


def _is_huge(gradient: Array) -> bool:
    """Whether a finite gradient's plain norm would overflow (entries ~1e200)."""
    return bool(np.all(np.isfinite(gradient)) and np.max(np.abs(gradient)) > 1e150)


def _step_mistakes(x, v, g, lr, beta, max_norm) -> list[tuple[str, Any]]:
    """What each known mistake of clipped_momentum_step returns."""
    clipped = _clip(g, max_norm)
    right_v = beta * v + lr * clipped
    late = beta * v + lr * g

    def moved(velocity: Array) -> tuple[Array, Array]:
        return x - velocity, velocity

    return [
        *step_mistakes(x, x - right_v, right_v),
        ("Your gradient is not clipped.", moved(late)),
        (
            "You clipped the velocity, after momentum: this task clips the "
            "gradient before it enters the velocity.",
            moved(_clip(late, max_norm)),
        ),
        (
            "You clipped the step lr * velocity after momentum: this task "
            "clips the gradient before it enters the velocity.",
            moved(_clip(late, lr * max_norm)),
        ),
        (
            "You clipped lr * gradient to max_norm; the limit applies to the "
            "gradient itself, before the learning rate.",
            moved(beta * v + _clip(lr * g, max_norm)),
        ),
        (
            "You clipped each entry to [-max_norm, max_norm]: that is "
            "clipping by value; this task clips by the gradient's norm.",
            moved(beta * v + lr * np.clip(g, -max_norm, max_norm)),
        ),
        (
            "Your velocity scales the gradient by (1 - beta): that is the "
            "averaging convention, and this task uses the classical one.",
            moved(beta * v + (1 - beta) * lr * clipped),
        ),
        (
            "The learning rate is applied twice: it is already inside the "
            "velocity, so the position moves by the velocity itself.",
            (x - lr * right_v, right_v),
        ),
        (
            "Your gradient always ends with norm max_norm, even when it was "
            "smaller: clipping leaves a gradient under the limit unchanged.",
            moved(beta * v + lr * g * (max_norm / _reference_norm(g))),
        ),
        (
            "You skipped a step whose gradient is finite: only a gradient "
            "holding NaN or inf is skipped; clip this one by its norm.",
            (x, v),
        ),
        (
            "Your gradient's norm overflowed: its entries are about 1e200, "
            "their squares are inf, so the clip scaled the gradient to zero "
            "and the point only coasted. Compute the norm as in task 2.",
            moved(beta * v) if _is_huge(g) else None,
        ),
    ]


def _zeroed_steps(x, v, g, lr, beta, max_norm) -> list[tuple[Array, Array]]:
    """The steps taken when a non-finite gradient, or only its bad entries,
    are replaced by zeros."""
    patched = np.where(np.isfinite(g), g, 0.0)
    velocities = [beta * v, beta * v + lr * patched]
    if np.any(patched):
        velocities.append(beta * v + lr * _clip(patched, max_norm))
    return [(x - velocity, velocity) for velocity in velocities]


def clipped_momentum_step(student: Callable, *, seed: int = 0) -> None:
    """Check ``clipped_momentum_step(x, velocity, grad, lr, beta, max_norm)``.

    Classical momentum with the gradient clipped before it enters the
    velocity; a non-finite gradient skips the step.
    """
    __tracebackhide__ = True
    task = "clipped_momentum_step"
    cases = list(_momentum_step_cases(seed))
    wrong = []
    for x, v, g, lr, beta, max_norm in cases:
        finite = bool(np.all(np.isfinite(g)))
        huge = _is_huge(g)
        bad = "NaN" if np.any(np.isnan(g)) else "inf"
        case = f"(test case with lr={lr:.3g}, beta={beta:.3g}, max_norm={max_norm:.3g}"
        if not finite:
            case += f", a gradient holding {bad})"
        elif huge:
            case += ", a finite gradient with entries about 1e200)"
        else:
            case += ")"
        try:
            with np.errstate(all="ignore"):
                answer = call(task, student, x, v, g, lr, beta, max_norm)
        except (ArithmeticError, ValueError) as error:
            if finite:
                raise
            fail(
                f"{task} raised {type(error).__name__} for a non-finite gradient; "
                f"this task's policy is to skip the step instead. {case}"
            )
        got = as_pair(task, answer, ("x", "velocity"))
        got = (
            as_array(task, "the new position", got[0], x.shape),
            as_array(task, "the new velocity", got[1], x.shape),
        )
        if finite:
            right_v = beta * v + lr * _clip(g, max_norm)
            right = (x - right_v, right_v)
            if not close(got, right):
                mistakes = _step_mistakes(x, v, g, lr, beta, max_norm)
                wrong.append((got, mistakes, right, case, huge))
            continue
        if close(got, (x, v)):
            continue
        if wrong:
            break  # the finite cases come first, and say more
        if not all(np.all(np.isfinite(part)) for part in got):
            hint = (
                f"The {bad} went into your position or velocity, and from there "
                "into every later step: check the gradient first, and skip the "
                "step (return x and velocity unchanged) if it is not finite."
            )
        elif any(
            close(got, zeroed) for zeroed in _zeroed_steps(x, v, g, lr, beta, max_norm)
        ):
            hint = (
                "You replaced the bad gradient by zeros: that hides the problem, "
                "and the velocity still moves the point. Skip the step: return "
                "x and velocity unchanged."
            )
        else:
            hint = (
                "For a gradient that is not finite, return x and velocity "
                "unchanged: the step is skipped."
            )
        fail(f"{hint} {case}")
    if not wrong:
        passed(task, len(cases), seed)
        return
    # The ordinary gradients are judged first: a gradient of about 1e200 adds
    # the overflow of a plain norm to whatever else is wrong.
    wrong = [entry for entry in wrong if not entry[-1]] or wrong
    hint = _explained([(got, mistakes) for got, mistakes, *_ in wrong])
    got, _, right, case, _ = wrong[0]
    hint = hint or pair_verdict(got, right, ("new position", "new velocity"))
    fail(f"{hint} {case}")
