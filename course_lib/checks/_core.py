"""What every check does: call the answer safely, compare, name the mistake."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

Array = np.ndarray

# Answers are compared to these tolerances: tight enough to tell a right
# formula from a wrong one, loose enough for a different order of operations.
RTOL, ATOL = 1e-7, 1e-10


class Mistake(AssertionError):
    """A wrong answer, with a message that names the likely mistake."""


def fail(message: str) -> None:
    """Raise the feedback for a wrong answer."""
    __tracebackhide__ = True
    raise Mistake(message)


def passed(task: str, cases: int, seed: int = 0) -> None:
    """Say briefly that the answer is right."""
    inputs = "" if seed == 0 else f" with other inputs (set {seed})"
    print(f"✓ {task}: correct on {cases} test cases{inputs}.")


def same_rows(got: Array) -> bool:
    """Whether the rows repeat one array: a list that held one array, which
    was then changed in place (perhaps after a copy of the start in row 0)."""
    if len(got) < 2:
        return False
    every_row = np.all(got[1:] == got[0]) or np.all(got[:-1] == got[-1])
    after_the_start = len(got) > 2 and np.all(got[1:] == got[-1])
    return bool(every_row or after_the_start)


SAME_ROWS = (
    "Every row of your array is the same (or every row after the start): the "
    "list holds one array again and again, changed in place (for instance by "
    "`x -= ...` or `b *= ...`). Append a copy, or compute a new array at each step."
)


def call(task: str, function: Callable, *args: Any) -> Any:
    """Call the student's function on copies of the arguments, checking that
    it changed none of them and that it answered in full precision."""
    __tracebackhide__ = True
    if not callable(function):
        fail(f"{task} should be a function, but it is {type(function).__name__}.")
    given = copy.deepcopy(args)
    result = function(*args)
    for name, before, after in zip(
        _names(function, len(args)), given, args, strict=True
    ):
        if isinstance(before, np.ndarray) and not _unchanged(before, after):
            fail(
                f"{task} changed its input `{name}` in place (an in-place operation "
                f"such as `{name} *= ...` or `{name} += ...`, perhaps on a name that "
                f"refers to `{name}`: `new = {name}` does not copy). Compute new "
                "arrays instead, so the caller's arrays stay as they were."
            )
    if low_precision(result):
        fail(LOW_PRECISION)
    return result


def as_array(task: str, what: str, value: Any, shape: tuple[int, ...]) -> Array:
    """The returned value as a float array of the expected shape."""
    __tracebackhide__ = True
    if value is None:
        fail(f"{task} returned None for {what}: is a `return` statement missing?")
    if shape_of(value) is None:
        fail(
            f"{task} returned rows of different lengths for {what}: return one "
            f"array of shape {shape}, every row the same length."
        )
    if _is_complex(value):
        fail(
            f"{task} returned a complex number for {what}; return a real "
            "number, a float (for a complex value, perhaps its modulus, or its "
            "real part when the imaginary part is 0)."
        )
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        array = None  # the feedback is raised below, outside this handler
    if array is None:
        fail(f"{task} returned {type(value).__name__} for {what}, not numbers.")
    if array.shape != shape:
        fail(
            f"{task} returned {what} with shape {array.shape}, but it should have "
            f"shape {shape}."
        )
    return array


def shape_of(value: Any) -> tuple[int, ...] | None:
    """The shape NumPy gives a value; None for rows of different lengths."""
    try:
        return np.shape(value)
    except ValueError:
        return None


def low_precision(*answers: Any) -> bool:
    """Whether an answer holds float32 or float16 numbers, whose rounding
    errors are larger than the checks' tolerance."""
    for answer in answers:
        parts = answer if isinstance(answer, tuple | list) else [answer]
        for part in parts:
            dtype = getattr(part, "dtype", None)
            if dtype is not None and dtype in (np.float16, np.float32):
                return True
    return False


LOW_PRECISION = (
    "Your answer is in float32 (or float16), whose rounding errors are larger "
    "than the checks' tolerance: compute in float64, NumPy's default (look for "
    "an astype or a dtype= that lowers the precision)."
)


def near_miss(got: Any, right: Any) -> bool:
    """Whether an answer is right to about five digits but not to the checks'
    tolerance: a sign of rounding or low precision, not of a wrong formula."""
    with np.errstate(all="ignore"):
        return bool(np.allclose(got, right, rtol=1e-4, atol=ATOL))


NEAR_MISS = (
    "Your answer is right to about five digits, but the check asks for seven: "
    "look for a round(...), float32 arithmetic, or a constant typed by hand "
    "(such as 3.14159 for np.pi)."
)


def _is_complex(value: Any) -> bool:
    """Whether a value holds complex numbers; False for what NumPy cannot read,
    such as rows of different lengths."""
    try:
        return bool(np.iscomplexobj(value))
    except ValueError:
        return False


def as_pair(task: str, result: Any, what: tuple[str, str]) -> tuple[Any, Any]:
    """Unpack a returned pair, or say what was returned instead."""
    __tracebackhide__ = True
    if result is None:
        fail(f"{task} returned None: is a `return` statement missing?")
    if not isinstance(result, tuple | list) or len(result) != 2:
        kind = (
            "NumPy array" if isinstance(result, np.ndarray) else type(result).__name__
        )
        size = f" of length {len(result)}" if isinstance(result, tuple | list) else ""
        fail(
            f"{task} should return two things, ({what[0]}, {what[1]}), "
            f"but it returned a {kind}{size}."
        )
    return result[0], result[1]


def step_mistakes(x: Array, right_x: Array, right_v: Array) -> list[tuple[str, Any]]:
    """Mistakes that any (new position, new velocity) step can make."""
    return [
        (
            "The two results are in the wrong order: return the new position "
            "first, then the new velocity.",
            (right_v, right_x),
        ),
        (
            "Your position moved uphill, along +velocity: a sign error in the "
            "position update (the step subtracts the velocity).",
            (x + right_v, right_v),
        ),
    ]


def pair_verdict(got: tuple, right: tuple, names: tuple[str, str]) -> str:
    """Which half of a returned pair is wrong, when no known mistake matched."""
    first, second = names
    if close(got[0], right[0]):
        return f"Your {first} is right, but your {second} is not."
    if close(got[1], right[1]):
        return f"Your {second} is right, but your {first} is not."
    return f"Both your {first} and your {second} are wrong."


def close(a: Any, b: Any) -> bool:
    """Whether two answers (arrays, or tuples of arrays) agree within tolerances."""
    if isinstance(a, tuple) or isinstance(b, tuple):
        return (
            isinstance(a, tuple)
            and isinstance(b, tuple)
            and len(a) == len(b)
            and all(close(p, q) for p, q in zip(a, b, strict=True))
        )
    if _is_complex(a) or _is_complex(b):
        return False  # as_array names complex answers
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    with np.errstate(all="ignore"):
        return a.shape == b.shape and bool(np.allclose(a, b, rtol=RTOL, atol=ATOL))


def first_wrong(got: Any, right: Any, *, rows: bool = False) -> int:
    """The index of the first entry (or, with ``rows``, the first row) that
    the checks' tolerance rejects; 0 when every entry passes."""
    with np.errstate(all="ignore"):
        wrong = ~np.isclose(
            np.asarray(got, dtype=float), np.asarray(right, dtype=float), RTOL, ATOL
        )
    if rows:
        wrong = wrong.any(axis=-1)
    found = np.flatnonzero(wrong)
    return int(found[0]) if found.size else 0


def diagnose(got: Any, mistakes: Iterable[tuple[str, Any]]) -> str | None:
    """The message of the first known mistake whose result matches ``got``.

    ``mistakes`` pairs each message with what the mistake would return.
    """
    for message, result in mistakes:
        if close(got, result):
            return message
    return None


def _names(function: Callable, count: int) -> list[str]:
    code = getattr(function, "__code__", None)
    names = list(code.co_varnames[: code.co_argcount]) if code else []
    names += [f"argument {i + 1}" for i in range(len(names), count)]
    return names[:count]


def _unchanged(before: np.ndarray, after: Any) -> bool:
    """Same shape and values; a NaN that was there is still there."""
    float_like = np.issubdtype(before.dtype, np.inexact)
    return np.array_equal(before, after, equal_nan=float_like)
