"""Checks for the exercises of lesson 09, beyond momentum.

The references are computed here in plain NumPy, so that the checks state
the lesson's definitions on their own.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import numpy as np

from course_lib.checks._core import (
    SAME_ROWS,
    Mistake,
    as_array,
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


def _run(task: str, case: str, function: Callable, *args: Any) -> Any:
    """Call the student's function; an error it raises becomes feedback.

    ``NotImplementedError`` passes through, so that a task not yet done
    shows nbgrader's own message.
    """
    __tracebackhide__ = True
    try:
        with np.errstate(all="ignore"):
            return call(task, function, *args)
    except (Mistake, NotImplementedError):
        raise
    except Exception as error:  # the student's own error
        fail(_raised(task, error, case))


def _raised(task: str, error: Exception, case: str) -> str:
    said = str(error).splitlines()[0] if str(error) else ""
    said = said if len(said) <= 80 else said[:77] + "..."
    said = f" ({said})" if said else ""
    return (
        f"{task} raised {type(error).__name__}{said} on the test case with "
        f"{case}; try it on the example in the hint to find the line."
    )


def _finite(task: str, what: str, got: Array, case: str) -> None:
    """Fail when an answer holds NaN or infinity."""
    __tracebackhide__ = True
    if not np.all(np.isfinite(got)):
        fail(
            f"{task} returned NaN or infinite values in {what} (test case with "
            f"{case}): look for a division by zero, the square root of a "
            "negative number, or a run that blew up."
        )


def _rows(task: str, answer: Any, right: Array, case: str) -> Array:
    """A returned array of positions, one row per step, with row 0 the start."""
    __tracebackhide__ = True
    rows, dim = right.shape
    try:
        shape = np.shape(answer) if answer is not None else None
    except ValueError:  # a ragged list
        fail(
            f"{task} returned rows of different lengths (test case with {case}): "
            f"return one row per position, an array of shape {right.shape}."
        )
    if shape == (rows - 1, dim):
        with np.errstate(all="ignore"):
            starts_right = close(np.asarray(answer)[0], right[0])
        if starts_right:
            fail(
                f"{task} returned {rows - 1} rows for {rows - 1} steps: row 0 is "
                f"the start, so there are steps + 1 rows; is your loop one update "
                f"short? (test case with {case})"
            )
        fail(
            f"{task} returned {rows - 1} rows for {rows - 1} steps: the starting "
            f"point belongs in row 0, so there are steps + 1 rows (test case with "
            f"{case})."
        )
    if shape == (dim, rows) and dim != rows:
        fail(
            f"{task} returned an array of shape {shape}, one column per step: "
            f"stack one row per step, shape {right.shape} (from separate lists "
            f"per coordinate, np.column_stack does it; test case with {case})."
        )
    got = as_array(task, "the positions", answer, right.shape)
    _finite(task, "the positions", got, case)
    return got


# ---------------------------------------------------------------------------


def _adam(
    g: Array,
    m: Array,
    s: Array,
    step: int,
    lr: float,
    b1: float,
    b2: float,
    eps: float,
    *,
    weights: tuple[float, float] | None = None,
    betas_s: tuple[float, float] | None = None,
    powers: tuple[float, float] | None = None,
    denominator: str = "outside",
    corrected_state: bool = False,
    squared: bool = True,
    old_moments: bool = False,
) -> tuple[Array, Array, Array]:
    """One Adam step and its variants: (update, new m, new s).

    ``weights`` are the factors of g and g² in the averages, ``betas_s`` the
    beta of the second average and the beta of its correction, ``powers``
    the exponents of the two corrections (None for no correction).
    ``denominator`` says where eps and the square root go, ``squared=False``
    averages g in place of g², ``old_moments`` computes the update from the
    moments before this step.
    """
    w1, w2 = (1 - b1, 1 - b2) if weights is None else weights
    beta_s, beta_c = (b2, b2) if betas_s is None else betas_s
    p1, p2 = (step, step) if powers is None else powers
    new_m = b1 * m + w1 * g
    new_s = beta_s * s + w2 * (g * g if squared else g)
    m_used, s_used = (m, s) if old_moments else (new_m, new_s)
    with np.errstate(all="ignore"):
        m_hat = m_used if p1 is None else m_used / (1 - b1**p1)
        s_hat = s_used if p2 is None else s_used / (1 - beta_c**p2)
        if denominator == "outside":
            update = lr * m_hat / (np.sqrt(s_hat) + eps)
        elif denominator == "inside":
            update = lr * m_hat / np.sqrt(s_hat + eps)
        elif denominator == "added after":  # lr * m_hat / sqrt(s_hat) + eps
            update = lr * m_hat / np.sqrt(s_hat) + eps
        elif denominator == "no eps":
            update = lr * m_hat / np.sqrt(s_hat)
        elif denominator == "corrected after the root":
            update = lr * m_hat / (np.sqrt(s_used) / (1 - beta_c**p2) + eps)
        elif denominator == "folded":  # the correction moved into lr
            folded = lr * np.sqrt(1 - beta_c**p2) / (1 - b1**p1)
            update = folded * m_used / (np.sqrt(s_used) + eps)
        else:  # no square root
            update = lr * m_hat / (s_hat + eps)
    if corrected_state:
        return update, m_hat, s_hat
    return update, new_m, new_s


def _adam_cases(seed: int):
    """(grad, m, s, step, lr, b1, b2, eps): later steps first, then step 1."""
    rng = np.random.default_rng(seed)
    for step, dim in (
        (int(rng.integers(3, 20)), 4),
        (1, 3),
        (int(rng.integers(200, 2000)), 5),
    ):
        scales = 10 ** rng.uniform(-2, 0.5, size=dim)
        grad = scales * rng.normal(size=dim)
        if step == 1:
            m, s = np.zeros(dim), np.zeros(dim)
        else:
            m = 0.5 * scales * rng.normal(size=dim)
            s = (scales * rng.uniform(0.3, 1.5, size=dim)) ** 2 * (
                1 - 0.999 ** min(step, 50)
            )
        lr = float(10 ** rng.uniform(-3, -1))
        b1 = float(rng.uniform(0.8, 0.95))
        b2 = float(rng.uniform(0.99, 0.9995))
        eps = float(10 ** rng.uniform(-3, -2))
        yield grad, m, s, step, lr, b1, b2, eps


def _triple(task: str, answer: Any, dim: int, case: str) -> tuple[Array, ...]:
    """A returned (update, m, s), each of shape (dim,)."""
    __tracebackhide__ = True
    if answer is None:
        fail(f"{task} returned None: is a `return` statement missing?")
    if not isinstance(answer, tuple | list) or len(answer) != 3:
        kind = (
            "NumPy array" if isinstance(answer, np.ndarray) else type(answer).__name__
        )
        size = f" of length {len(answer)}" if isinstance(answer, tuple | list) else ""
        fail(
            f"{task} should return three things, (update, m, s), but it returned "
            f"a {kind}{size}."
        )
    names = ("the update", "the new m", "the new s")
    got = tuple(
        as_array(task, name, part, (dim,))
        for name, part in zip(names, answer, strict=True)
    )
    if not np.all(np.isfinite(got[0])) and np.any(got[2] < 0):
        fail(
            f"{task} returned an s with negative entries (test case with {case}): "
            "it averages the gradients, not their squares; s = beta2 * s + "
            "(1 - beta2) * g**2 is never negative."
        )
    for name, part in zip(names, got, strict=True):
        if not np.all(np.isfinite(part)):
            if "step=1," in case:
                fail(
                    f"{task} returned NaN or infinite values in {name} at step 1 "
                    f"(test case with {case}): the correction 1 - beta**step is 0 "
                    "only at step 0; did you use step - 1?"
                )
            _finite(task, name, part, case)
    return got


def adam_update(student: Callable, *, seed: int = 0) -> None:
    """Check ``adam_update(grad, m, s, step, learning_rate, beta1, beta2, eps)``,
    which returns ``(update, m, s)``."""
    __tracebackhide__ = True
    task = "adam_update"
    count = 0
    for case_args in _adam_cases(seed):
        grad, m, s, step, lr, b1, b2, eps = case_args
        case = (
            f"step={step}, learning_rate={lr:.3g}, beta1={b1:.3g}, "
            f"beta2={b2:.4g}, eps={eps:.2g}"
        )
        answer = _run(task, case, student, *case_args)
        got = _triple(task, answer, grad.size, case)
        right = _adam(*case_args)
        count += 1
        if close(got, right):
            continue
        update, new_m, new_s = right
        m_hat = new_m / (1 - b1**step)
        s_hat = new_s / (1 - b2**step)
        mistakes = [
            (
                "Your update has the wrong sign: it is what the caller subtracts "
                "from the parameters, + lr * m_hat / (sqrt(s_hat) + eps).",
                (-update, new_m, new_s),
            ),
            (
                "Your moments are in the wrong order: return (update, m, s), the "
                "first moment before the second.",
                (update, new_s, new_m),
            ),
            *(
                (
                    "Your results are in the wrong order: return (update, m, s), "
                    "the update first.",
                    order,
                )
                for order in itertools.permutations(right)
                if order[0] is not update
            ),
            (
                "You returned the bias-corrected moments: the state must keep "
                "the raw averages m and s; only the update uses the corrected "
                "ones.",
                (update, m_hat, s_hat),
            ),
            (
                "Your update has no bias correction: divide m by 1 - beta1**step "
                "and s by 1 - beta2**step before computing the update.",
                _adam(*case_args, powers=(None, None)),
            ),
            (
                "You corrected m but not s: divide s by 1 - beta2**step too.",
                _adam(*case_args, powers=(step, None)),
            ),
            (
                "You corrected s but not m: divide m by 1 - beta1**step too.",
                _adam(*case_args, powers=(None, step)),
            ),
            (
                "Your bias correction uses step - 1: step counts from 1, so the "
                "correction is 1 - beta**step.",
                _adam(*case_args, powers=(step - 1, step - 1)),
            ),
            (
                "Your bias correction uses step + 1: step counts from 1 already, "
                "so the correction is 1 - beta**step.",
                _adam(*case_args, powers=(step + 1, step + 1)),
            ),
            (
                "You put eps inside the square root: this task adds it outside, "
                "sqrt(s_hat) + eps, as PyTorch does.",
                _adam(*case_args, denominator="inside"),
            ),
            (
                "Your update has no eps: add it to the square root, sqrt(s_hat) "
                "+ eps, so that a coordinate whose gradients are all near zero "
                "does not divide by zero.",
                _adam(*case_args, denominator="no eps"),
            ),
            (
                "You added eps to the whole quotient: it belongs in the "
                "denominator, lr * m_hat / (sqrt(s_hat) + eps); mind the "
                "brackets.",
                _adam(*case_args, denominator="added after"),
            ),
            (
                "You took the square root before correcting s: the denominator "
                "is sqrt(s / (1 - beta2**step)), so the correction goes under "
                "the root.",
                _adam(*case_args, denominator="corrected after the root"),
            ),
            (
                "You folded the corrections into the learning rate, as the "
                "Adam paper's efficient form does; that adds eps to sqrt(s), "
                "not to sqrt(s_hat). This task corrects m and s first, then "
                "lr * m_hat / (sqrt(s_hat) + eps).",
                _adam(*case_args, denominator="folded"),
            ),
            (
                "Your update uses m and s from before this step: update the "
                "averages with the new gradient first, then compute the update "
                "from them.",
                _adam(*case_args, old_moments=True),
            ),
            (
                "Your s averages the gradients, not their squares: "
                "s = beta2 * s + (1 - beta2) * g**2.",
                _adam(*case_args, squared=False),
            ),
            (
                "Your update has no square root: divide by sqrt(s_hat) + eps, so "
                "that the step keeps the units of the parameters.",
                _adam(*case_args, denominator="none"),
            ),
            (
                "Your first moment adds the whole gradient, m = beta1 * m + g "
                "(the classical form of momentum); Adam averages, with "
                "(1 - beta1) * g.",
                _adam(*case_args, weights=(1.0, 1 - b2)),
            ),
            (
                "Your moments add the whole gradient and its square; Adam "
                "averages, with (1 - beta1) * g and (1 - beta2) * g**2.",
                _adam(*case_args, weights=(1.0, 1.0)),
            ),
            (
                "Your squared gradients are averaged with beta1: the second "
                "moment uses beta2.",
                _adam(*case_args, betas_s=(b1, b2), weights=(1 - b1, 1 - b1)),
            ),
            (
                "Your squared gradients are averaged with beta1: the second "
                "moment, and its correction, use beta2.",
                _adam(*case_args, betas_s=(b1, b1), weights=(1 - b1, 1 - b1)),
            ),
            (
                "Your betas are swapped: beta1 averages the gradients, beta2 "
                "their squares.",
                _adam(grad, m, s, step, lr, b2, b1, eps),
            ),
        ]
        hint = diagnose(got, mistakes)
        if hint is None:
            wrong = [
                name
                for name, mine, theirs in zip(
                    ("update", "m", "s"), got, right, strict=True
                )
                if not close(mine, theirs)
            ]
            if len(wrong) == 1:
                hint = f"Your {wrong[0]} is wrong."
            elif len(wrong) == 2:
                hint = f"Your {wrong[0]} and {wrong[1]} are wrong."
            else:
                hint = "Your update, m and s are all wrong."
            if wrong == ["update"]:
                hint = (
                    "Your m and s are right, but your update is not: "
                    "lr * m_hat / (sqrt(s_hat) + eps)."
                )
        fail(f"{hint} (test case with {case})")
    passed(task, count, seed)


# ---------------------------------------------------------------------------

_BUFFERS = {"sgd": 0, "momentum": 1, "adam": 2}


def _bytes(n: int, buffers: dict[str, float], copies: int, size: float) -> Array:
    """Bytes for each optimizer, with ``copies`` model-sized arrays besides
    the state."""
    return np.array([(copies + buffers[name]) * n * size for name in _BUFFERS])


def bytes_for_training(student: Callable, *, seed: int = 0) -> None:
    """Check ``bytes_for_training(n_parameters, optimizer, bytes_per_number=4)``:
    parameters, gradients and the optimizer's state, in bytes."""
    __tracebackhide__ = True
    task = "bytes_for_training"
    rng = np.random.default_rng(seed)
    cases = [
        (int(rng.integers(1_000, 100_000)), None),
        (int(rng.integers(1_000, 100_000)), 2),
        (10**9, None),
        (int(rng.integers(10**6, 10**8)), 8),
    ]
    count = 0
    for n, size in cases:
        case = f"n_parameters={n}" + (
            "" if size is None else f", bytes_per_number={size}"
        )
        got, answers = [], []
        for name in _BUFFERS:
            args = (n, name) if size is None else (n, name, size)
            answer = _run(task, f"{case}, optimizer={name!r}", student, *args)
            value = float(as_array(task, f"optimizer={name!r}", answer, ()))
            _finite(task, f"the bytes for {name!r}", np.array(value), case)
            got.append(value)
            answers.append(answer)
        got = np.array(got)
        bytes_each = 4 if size is None else size
        right = _bytes(n, _BUFFERS, 2, bytes_each)
        count += 1
        if not np.array_equal(got, right):  # whole numbers: exactly
            mistakes = [
                (
                    "You counted one copy of the model besides the optimizer's "
                    "state: training holds the parameters and their gradients, "
                    "2 numbers per parameter, before the state.",
                    _bytes(n, _BUFFERS, 1, bytes_each),
                ),
                (
                    "You counted Adam's state as one buffer: Adam keeps two "
                    "averages per parameter, m and s.",
                    _bytes(n, dict(_BUFFERS, adam=1), 2, bytes_each),
                ),
                (
                    "You counted momentum as stateless: it keeps the velocity, "
                    "one number per parameter.",
                    _bytes(n, dict(_BUFFERS, momentum=0), 2, bytes_each),
                ),
                (
                    "You counted only the optimizer's state: the parameters and "
                    "their gradients take memory too, 2 numbers per parameter.",
                    _bytes(n, _BUFFERS, 0, bytes_each),
                ),
                (
                    "You counted bits, not bytes: a float32 takes 4 bytes, 32 bits.",
                    _bytes(n, _BUFFERS, 2, 8 * bytes_each),
                ),
                (
                    "You returned gigabytes; return the number of bytes.",
                    _bytes(n, _BUFFERS, 2, bytes_each) / 1e9,
                ),
                (
                    "You returned gibibytes (2**30 bytes); return the number of bytes.",
                    _bytes(n, _BUFFERS, 2, bytes_each) / 2**30,
                ),
                (
                    "You ignored bytes_per_number: each number takes that many "
                    "bytes (4 when it is not given).",
                    _bytes(n, _BUFFERS, 2, 4),
                ),
            ]
            if size is None:
                mistakes += [
                    (
                        f"Your default bytes_per_number is {wrong_default}: it is "
                        "4 when it is not given, the bytes of one float32.",
                        _bytes(n, _BUFFERS, 2, wrong_default),
                    )
                    for wrong_default in (1, 2, 8)
                ]
            hint = diagnose(got, mistakes)
            if hint is None:
                wrong = [
                    n for n, a, b in zip(_BUFFERS, got, right, strict=True) if a != b
                ]
                hint = f"Your count for optimizer={wrong[0]!r} is wrong."
            fail(f"{hint} (test case with {case})")
        for name, answer in zip(_BUFFERS, answers, strict=True):
            if isinstance(answer, bool) or not isinstance(answer, int | np.integer):
                fail(
                    f"{task} returned {answer!r} ({type(answer).__name__}) for "
                    f"optimizer={name!r}; a number of bytes is a whole number: "
                    "return an int."
                )
    for name in ("rmsprop", "newton"):
        case = f"optimizer={name!r}"
        try:
            with np.errstate(all="ignore"):
                call(task, student, 1000, name)
        except ValueError as error:
            if name not in str(error):
                fail(
                    f"Your ValueError for optimizer={name!r} does not name it: say "
                    "which optimizer was given and which ones are allowed."
                )
            missing = [a for a in _BUFFERS if a not in str(error)]
            if missing:
                fail(
                    f"Your ValueError for optimizer={name!r} does not list the "
                    f"ones allowed (it leaves out {', '.join(map(repr, missing))}): "
                    "name 'sgd', 'momentum' and 'adam', so the caller knows what "
                    "to pass."
                )
            count += 1
            continue
        except (Mistake, NotImplementedError):
            raise
        except Exception as error:  # the student's own error, of another type
            fail(
                f"{task} raised {type(error).__name__} for {case}; raise "
                "ValueError, the error for a bad value, naming the optimizer "
                "given and the ones allowed."
            )
        fail(
            f"{task} accepted {case} without complaint; raise ValueError for an "
            "optimizer other than 'sgd', 'momentum' and 'adam', naming it."
        )
    passed(task, count, seed)


# ---------------------------------------------------------------------------


def _spd(rng: np.random.Generator, dim: int) -> Array:
    """A symmetric positive definite matrix with eigenvalues from 0.5 to 20."""
    rotation, _ = np.linalg.qr(rng.normal(size=(dim, dim)))
    eigenvalues = rng.uniform(0.5, 20.0, size=dim)
    matrix = rotation @ np.diag(eigenvalues) @ rotation.T
    return (matrix + matrix.T) / 2


def newton_step(student: Callable, *, seed: int = 0) -> None:
    """Check ``newton_step(grad, hessian) -> step``, the solution of
    ``hessian @ step = grad``."""
    __tracebackhide__ = True
    task = "newton_step"
    rng = np.random.default_rng(seed)
    count = 0
    for dim in (3, 2, 5, 1):
        hessian = _spd(rng, dim)
        grad = rng.normal(size=dim)
        case = f"a {dim}×{dim} Hessian"
        try:
            with np.errstate(all="ignore"):
                answer = call(task, student, grad, hessian)
        except (Mistake, NotImplementedError):
            raise
        except np.linalg.LinAlgError:
            fail(
                f"{task} raised LinAlgError on the test case with {case}: "
                "np.linalg.solve(a, b) solves a @ x = b, so the matrix comes "
                "first."
            )
        except Exception as error:  # the student's own error
            fail(_raised(task, error, case))
        if isinstance(answer, tuple | list) and len(answer) > 1 and np.ndim(answer[0]):
            fail(
                f"{task} returned a {type(answer).__name__} of {len(answer)} things "
                f"(test case with {case}); return the step alone, an array of shape "
                f"({dim},). (np.linalg.lstsq returns (solution, residuals, rank, "
                "singular values): np.linalg.solve returns the solution only.)"
            )
        if dim > 1 and shape_of(answer) == (dim, dim):
            fail(
                f"{task} returned a {dim}×{dim} matrix (test case with {case}): "
                "the step is a vector, the solution of hessian @ step = grad. "
                "`*` and `/` between a matrix and a vector work entry by entry "
                "(and broadcast to a matrix); a matrix times a vector is `@`."
            )
        got = as_array(task, "the step", answer, (dim,))
        _finite(task, "the step", got, case)
        right = np.linalg.solve(hessian, grad)
        count += 1
        if close(got, right):
            continue
        with np.errstate(all="ignore"):
            mistakes = [
                (
                    "Your step has the wrong sign: return H^-1 g, the step that "
                    "the caller subtracts from the parameters.",
                    -right,
                ),
                (
                    "You multiplied the gradient by the Hessian: Newton's step "
                    "divides by it, the solution of hessian @ step = grad.",
                    hessian @ grad,
                ),
                (
                    "You used only the diagonal of the Hessian: a diagonal "
                    "rescaling ignores how the coordinates are coupled; solve "
                    "with the whole matrix.",
                    grad / np.diag(hessian),
                ),
                (
                    "1 / hessian takes the reciprocal of every entry, which is "
                    "not the inverse matrix: solve hessian @ step = grad.",
                    (1 / hessian) @ grad,
                ),
                (
                    "You returned the gradient as it is: Newton's step rescales "
                    "it by the inverse Hessian.",
                    grad,
                ),
                (
                    "You solved with the Hessian squared: solve hessian @ step = "
                    "grad once.",
                    np.linalg.solve(hessian @ hessian, grad),
                ),
                (
                    "You returned the gradient minus the step: return the step "
                    "d itself; the caller subtracts it from the parameters.",
                    grad - right,
                ),
            ]
        hint = diagnose(got, mistakes)
        if hint is None:
            hint = "Your step is wrong."
        fail(f"{hint} (test case with {case})")
    passed(task, count, seed)


# ---------------------------------------------------------------------------


class _Bowl:
    """A quadratic 0.5 (x - c)^T A (x - c), with its gradient."""

    def __init__(self, rng: np.random.Generator, dim: int):
        rotation, _ = np.linalg.qr(rng.normal(size=(dim, dim)))
        self.eigenvalues = np.linspace(1.0, float(rng.uniform(4.0, 8.0)), dim)
        self.matrix = rotation @ np.diag(self.eigenvalues) @ rotation.T
        self.minimizer = rng.normal(size=dim)

    def grad(self, x: Array) -> Array:
        return self.matrix @ (x - self.minimizer)


def _stale(
    grad_fn: Callable,
    x0: Array,
    lr: float,
    beta: float,
    delay: int,
    steps: int,
    *,
    form: str = "right",
) -> Array:
    """Heavy ball with gradients ``delay`` updates old, and its variants."""
    x, velocity = np.array(x0, dtype=float), np.zeros(len(x0))
    positions, velocities = [x], [velocity]
    for k in range(steps):
        source = k - delay
        if form == "minus one":
            source += 1
        elif form == "plus one":
            source -= 1
        elif form in ("current", "stale velocity", "moves late"):
            source = k  # a fresh gradient
        gradient = grad_fn(positions[max(min(source, k), 0)])
        if form == "wait" and source < 0:
            gradient = np.zeros(len(x0))
        if form == "stale velocity":
            velocity = beta * velocities[max(k - delay, 0)] + lr * gradient
        elif form == "averaging":
            velocity = beta * velocity + (1 - beta) * gradient
        else:
            velocity = beta * velocity + lr * gradient
        velocities.append(velocity)
        if form in ("averaging", "lr twice"):
            x = x - lr * velocity
        elif form == "moves first":
            x = x - velocities[-2]
        elif form == "moves late":
            x = x - velocities[max(k + 1 - delay, 0)]
        else:
            x = x - velocity
        positions.append(x)
    return np.array(positions)


def _stale_runs(seed: int):
    rng = np.random.default_rng(seed)
    for delay, dim in ((2, 2), (3, 3), (0, 2), (1, 2)):
        bowl = _Bowl(rng, dim)
        lr = float(rng.uniform(0.02, 0.05))
        beta = float(rng.uniform(0.5, 0.8))
        x0 = bowl.minimizer + 2 * rng.normal(size=dim)
        yield bowl, x0, lr, beta, delay, int(rng.integers(25, 40))


def stale_momentum(student: Callable, *, seed: int = 0) -> None:
    """Check ``stale_momentum(grad_fn, x0, learning_rate, beta, delay, steps)``:
    classical momentum whose update k uses the gradient at x_(k - delay)."""
    __tracebackhide__ = True
    task = "stale_momentum"
    count = 0
    for bowl, x0, lr, beta, delay, steps in _stale_runs(seed):
        case = f"learning_rate={lr:.3g}, beta={beta:.3g}, delay={delay}"
        answer = _run(task, case, student, bowl.grad, x0, lr, beta, delay, steps)
        right = _stale(bowl.grad, x0, lr, beta, delay, steps)
        got = _rows(task, answer, right, case)
        count += 1
        if close(got, right):
            continue
        if same_rows(got):
            fail(SAME_ROWS)

        args = (bowl.grad, x0, lr, beta, delay, steps)
        mistakes = [
            (
                "Your gradients are taken at the current point, ignoring the "
                "delay: update k uses the gradient at the position of update "
                "k - delay.",
                _stale(*args, form="current"),
            ),
            (
                "Your delay is one step short: update k uses the gradient at "
                "the position of update k - delay, not k - delay + 1.",
                _stale(*args, form="minus one"),
            ),
            (
                "Your delay is one step too long: update k uses the gradient at "
                "the position of update k - delay, not k - delay - 1.",
                _stale(*args, form="plus one"),
            ),
            (
                "Your first updates use a zero gradient, as the lesson's "
                "optim.delay does; this task uses the gradient at x0 while "
                "k - delay < 0.",
                _stale(*args, form="wait"),
            ),
            (
                "You delayed the velocity instead of the gradient: the velocity "
                "is the newest one, only the gradient added to it is stale.",
                _stale(*args, form="stale velocity"),
            ),
            (
                "You delayed the velocity instead of the gradient: the position "
                "moves by the newest velocity, only the gradient is stale.",
                _stale(*args, form="moves late"),
            ),
            (
                "Your velocity is scaled by (1 - beta): that is the averaging "
                "form; this task uses the classical one, v = beta v + lr g, "
                "x = x - v.",
                _stale(*args, form="averaging"),
            ),
            (
                "Your position moves with the old velocity: update the velocity "
                "first, then move by the new one, x = x - v.",
                _stale(*args, form="moves first"),
            ),
            (
                "You multiplied by the learning rate twice: it scales the "
                "gradient in v = beta v + lr g, and then x = x - v.",
                _stale(*args, form="lr twice"),
            ),
            (
                "Your learning rate and beta are swapped: beta multiplies the "
                "velocity, the learning rate the gradient.",
                _stale(bowl.grad, x0, beta, lr, delay, steps),
            ),
        ]
        hint = diagnose(got, mistakes)
        if hint is None:
            row = first_wrong(got, right, rows=True)
            hint = f"Your positions are wrong from row {row} on (row 0 is the start)."
            if delay == 0:
                hint += " With delay=0 this is ordinary heavy ball."
        fail(f"{hint} (test case with {case})")
    passed(task, count, seed)


# ---------------------------------------------------------------------------


def _game(
    x0: float,
    y0: float,
    lr: float,
    beta: float,
    steps: int,
    *,
    alternating: bool = True,
    y_first: bool = False,
    signs: tuple[float, float] = (-1.0, 1.0),
    betas: tuple[float, float] | None = None,
    before_start: tuple[float, float] | None = None,
) -> Array:
    """Gradient descent-ascent with heavy ball on min_x max_y x y, and variants.

    ``signs`` are the directions of x's and y's gradient steps, ``betas``
    the momentum of each player, ``before_start`` the point taken as
    (x_(-1), y_(-1)).
    """
    bx, by = (beta, beta) if betas is None else betas
    x, y = float(x0), float(y0)
    x_old, y_old = (x, y) if before_start is None else before_start
    history = [(x, y)]
    for _ in range(steps):
        if y_first:
            new_y = y + signs[1] * lr * x + by * (y - y_old)
            new_x = x + signs[0] * lr * new_y + bx * (x - x_old)
        else:
            new_x = x + signs[0] * lr * y + bx * (x - x_old)
            pushed = new_x if alternating else x
            new_y = y + signs[1] * lr * pushed + by * (y - y_old)
        x_old, y_old, x, y = x, y, new_x, new_y
        history.append((x, y))
    return np.array(history)


def _game_cases(seed: int):
    rng = np.random.default_rng(seed)
    for beta in (float(rng.uniform(-0.6, -0.3)), float(rng.uniform(0.2, 0.5)), 0.0):
        x0, y0 = (float(v) for v in rng.uniform(-2, 2, size=2))
        yield x0, y0, float(rng.uniform(0.2, 0.9)), beta, int(rng.integers(20, 40))


def alternating_game(student: Callable, *, seed: int = 0) -> None:
    """Check ``alternating_game(x0, y0, learning_rate, beta, steps)``:
    alternating gradient descent-ascent with heavy ball on min_x max_y x y."""
    __tracebackhide__ = True
    task = "alternating_game"
    count = 0
    for x0, y0, lr, beta, steps in _game_cases(seed):
        case = f"learning_rate={lr:.3g}, beta={beta:.3g}, {steps} steps"
        answer = _run(task, case, student, x0, y0, lr, beta, steps)
        right = _game(x0, y0, lr, beta, steps)
        got = _rows(task, answer, right, case)
        count += 1
        if close(got, right):
            continue
        if same_rows(got):
            fail(SAME_ROWS)
        args = (x0, y0, lr, beta, steps)
        mistakes = [
            (
                "Your players move simultaneously: y's step uses the old x; in "
                "alternating play y uses the new x, computed just before.",
                _game(*args, alternating=False),
            ),
            (
                "You moved y first: x moves first, then y uses the new x.",
                _game(*args, y_first=True),
            ),
            (
                "Your y descends: the maximising player y goes up its gradient "
                "x, y + lr * x.",
                _game(*args, signs=(-1.0, -1.0)),
            ),
            (
                "Your x ascends: the minimising player x goes down its gradient "
                "y, x - lr * y.",
                _game(*args, signs=(1.0, 1.0)),
            ),
            (
                "Your players have swapped roles: x descends along y, and y "
                "ascends along x.",
                _game(*args, signs=(1.0, -1.0)),
            ),
            (
                "Your momentum has the wrong sign: add beta times the last "
                "step, + beta * (x_t - x_(t-1)), for both players.",
                _game(x0, y0, lr, -beta, steps),
            ),
            (
                "Only y has momentum in your run: x gets + beta * (x_t - x_(t-1)) too.",
                _game(*args, betas=(0.0, beta)),
            ),
            (
                "Only x has momentum in your run: y gets + beta * (y_t - y_(t-1)) too.",
                _game(*args, betas=(beta, 0.0)),
            ),
            (
                "Your run has no momentum at all: x_t - x_(t-1) comes out 0, "
                "which happens when the previous point is saved after x and y "
                "are overwritten. Save the old point before the update.",
                _game(*args, betas=(0.0, 0.0)),
            ),
            (
                "Your first step has momentum: take x_(-1) = x0 and y_(-1) = y0, "
                "so the first step has none.",
                _game(*args, before_start=(0.0, 0.0)),
            ),
        ]
        hint = diagnose(got, mistakes)
        if hint is None:
            row = first_wrong(got, right, rows=True)
            hint = f"Your (x, y) are wrong from row {row} on (row 0 is the start)."
        fail(f"{hint} (test case with {case})")
    passed(task, count, seed)
