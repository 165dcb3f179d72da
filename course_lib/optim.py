"""Optimizers as small composable transformations over NumPy arrays.

An optimizer is a `Transformation`: a pair of pure functions

    init(params) -> state
    update(grads, state, params) -> (updates, new_state)

plus ``query(params, state)``, the point where the next gradient should be
taken (the current parameters, except for Nesterov's look-ahead). State is a
small named tuple of arrays; nothing mutates itself. The parameters move by

    params <- params - updates

so ``updates`` is the step taken downhill, as in ``x <- x - v``.

Small transformations compose with `chain`, and the order of the pieces
is the algorithm. The three momentum conventions differ only in where the
learning rate sits and how the new gradient is weighted::

    classical  chain(scale_by_learning_rate(lr), trace(beta))
               v <- beta*v + lr*g;        x <- x - v
    PyTorch    chain(trace(beta, dampening, buffer_start="first_gradient"),
                     scale_by_learning_rate(lr))
               v <- beta*v + (1-d)*g;     x <- x - lr*v
    averaging  chain(trace(beta, averaging=True), scale_by_learning_rate(lr))
               v <- beta*v + (1-beta)*g;  x <- x - lr*v

Hyperparameters
---------------
Every hyperparameter may be

- a float;
- an array whose shape is a prefix of the parameters' shape, so that a
  learning rate of shape ``(n,)`` gives each of ``n`` runs of parameters
  ``(n, dim)`` its own value (one call runs a whole grid); for a single
  run of parameters ``(dim,)``, an array ``(dim,)`` gives each coordinate
  its own value;
- a schedule: a function of the step count (0 for the first update)
  returning a float or such an array.

The allowed values of each are stated once, in ``ALLOWED`` below, and every
error names the parameter, the value given and what is allowed.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

__all__ = [
    "CONVENTIONS",
    "NONFINITE_POLICIES",
    "RESTART_CRITERIA",
    "AdamState",
    "CountState",
    "DelayState",
    "EmptyState",
    "GuardState",
    "RestartMemory",
    "RmsState",
    "Transformation",
    "VelocityState",
    "adam",
    "add_decayed_weights",
    "apply_updates",
    "chain",
    "clip_by_block_norm",
    "clip_by_global_norm",
    "clip_by_value",
    "convert_velocity",
    "delay",
    "equivalent_learning_rate",
    "gradient_descent",
    "guard_nonfinite",
    "lookahead_momentum",
    "momentum_averaging",
    "momentum_classical",
    "momentum_pytorch",
    "negate",
    "nesterov",
    "nesterov_with_restart",
    "newton",
    "rmsprop",
    "safe_norm",
    "scale_by_adam",
    "scale_by_learning_rate",
    "scale_by_rms",
    "state_nbytes",
    "trace",
    "trace_with_restart",
]


Array = np.ndarray
HyperParameter = float | Array | Callable[[int], Any]

# What each hyperparameter may be: (description, element-wise test).
ALLOWED: dict[str, tuple[str, Callable[[Array], Array]]] = {
    "learning_rate": (
        "a finite number > 0",
        lambda v: np.isfinite(v) & (v > 0),
    ),
    "beta": (
        "a finite number (beta >= 1 is accepted, though it never converges)",
        np.isfinite,
    ),
    "averaging beta": (
        "a number with 0 <= beta < 1",
        lambda v: np.isfinite(v) & (v >= 0) & (v < 1),
    ),
    "dampening": ("a finite number", np.isfinite),
    "weight_decay": (
        "a finite number >= 0",
        lambda v: np.isfinite(v) & (v >= 0),
    ),
    "rescale": ("a finite number", np.isfinite),
    "threshold": (
        "a finite number > 0",
        lambda v: np.isfinite(v) & (v > 0),
    ),
    "eps": (
        "a finite number >= 0",
        lambda v: np.isfinite(v) & (v >= 0),
    ),
}


# ---------------------------------------------------------------------------
# Hyperparameters: floats, arrays over the leading axes, or schedules.


class _Hyper:
    """One hyperparameter: validated once if fixed, at each step if scheduled."""

    def __init__(self, name: str, value: HyperParameter, rule: str | None = None):
        self.name = name
        self.rule = rule or name
        self.schedule = value if callable(value) else None
        self.fixed = None if callable(value) else self._validated(value)
        self._aligned: tuple[tuple[int, ...], float | Array] | None = None

    def at(self, count: int, params: Array) -> float | Array:
        """The value at step ``count``, shaped to broadcast against ``params``."""
        shape = np.shape(params)
        if self.schedule is not None:
            return _align(
                self.name, self._validated(self.schedule(count), count), shape
            )
        # A fixed value is shaped once per shape of parameters, not every step.
        if self._aligned is None or self._aligned[0] != shape:
            self._aligned = (shape, _align(self.name, self.fixed, shape))
        return self._aligned[1]

    def check_shape(self, params: Array) -> None:
        """Raise now, not mid-run, when a fixed array cannot broadcast."""
        if self.fixed is not None:
            _align(self.name, self.fixed, np.shape(params))

    def _validated(self, value: Any, count: int | None = None) -> float | Array:
        description, test = ALLOWED[self.rule]
        if count is None:
            kinds = "a float, an array of such numbers, or a function of the step"
        else:
            kinds = "a float or an array of such numbers"
        if value is None or isinstance(value, bool | str | bytes):
            array = None
        else:
            try:
                array = np.array(value, dtype=float)  # a copy: later edits of
                # the caller's array do not reach a running optimizer
            except (TypeError, ValueError):
                array = None
        if array is None:
            raise ValueError(
                f"{self._given(repr(value), count)} is not allowed; "
                f"allowed: {description} ({kinds})"
            )
        ok = test(array)
        if not np.all(ok):
            if array.ndim:
                index = tuple(int(i) for i in np.argwhere(~ok)[0])
                where = index[0] if len(index) == 1 else index
                given = self._given(f"{float(array[index])!r} (entry {where})", count)
            else:
                given = self._given(repr(float(array)), count)
            raise ValueError(f"{given} is not allowed; allowed: {description}")
        return float(array) if array.ndim == 0 else array

    def _given(self, shown: str, count: int | None) -> str:
        """How the error names the value: as given, or as a schedule returned it."""
        if count is None:
            return f"{self.name}={shown}"
        return f"the {self.name} schedule, at step {count}, returned {shown}"


def _align(name: str, value: float | Array, shape: tuple[int, ...]) -> float | Array:
    if isinstance(value, float):
        return value
    if value.shape != shape[: value.ndim] or value.ndim > len(shape):
        raise ValueError(
            f"{name} has shape {value.shape}, which does not match the parameters' "
            f"shape {shape}; allowed: a float, or an array whose shape is a prefix "
            f"of {shape} (one value per run along the leading axes)"
        )
    return value.reshape(value.shape + (1,) * (len(shape) - value.ndim))


# ---------------------------------------------------------------------------
# Transformations and their state.


def _here(params: Array, state: Any) -> Array:
    return params


class Transformation(NamedTuple):
    """A gradient transformation: ``init``, ``update`` and ``query``.

    ``query(params, state)`` returns the point where the next gradient is
    to be taken; it is ``params`` itself for every method but Nesterov's
    look-ahead.
    """

    init: Callable[[Array], Any]
    update: Callable[[Array, Any, Array], tuple[Array, Any]]
    query: Callable[[Array, Any], Array] = _here


class EmptyState(NamedTuple):
    """The state of a transformation that remembers nothing."""


class CountState(NamedTuple):
    """The number of updates made so far (the step count of schedules)."""

    count: int


class VelocityState(NamedTuple):
    """A step count and the velocity (momentum buffer), one per parameter."""

    count: int
    velocity: Array


def apply_updates(params: Array, updates: Array) -> Array:
    """Return ``params - updates``: take the step. The input is not changed."""
    return params - updates


def chain(*transforms: Transformation) -> Transformation:
    """Apply transformations one after the other; the order is the algorithm.

    The gradient enters the first transformation; what each returns is
    passed to the next; what the last returns is the step taken.
    """

    def init(params):
        return tuple(t.init(params) for t in transforms)

    def update(grads, state, params):
        updates, new_state = grads, []
        for transform, inner in zip(transforms, state, strict=True):
            updates, inner = transform.update(updates, inner, params)
            new_state.append(inner)
        return updates, tuple(new_state)

    def query(params, state):
        for transform, inner in zip(transforms, state, strict=True):
            params = transform.query(params, inner)
        return params

    return Transformation(init, update, query)


def scale_by_learning_rate(learning_rate: HyperParameter) -> Transformation:
    """Multiply the incoming gradient (or velocity) by the learning rate.

    Notes
    -----
    updates = lr_k * g, where lr_k is the learning rate at step k.
    """
    lr = _Hyper("learning_rate", learning_rate)

    def init(params):
        lr.check_shape(params)
        return CountState(count=0)

    def update(grads, state, params):
        return lr.at(state.count, params) * grads, CountState(state.count + 1)

    return Transformation(init, update)


def trace(
    beta: HyperParameter,
    *,
    dampening: HyperParameter = 0.0,
    averaging: bool = False,
    buffer_start: str = "zero",
    nesterov: bool = False,
    rescale: HyperParameter | None = None,
) -> Transformation:
    """Accumulate incoming gradients into a velocity that decays by ``beta``.

    Parameters
    ----------
    beta : float, array or schedule
        How much of the velocity survives each step. Any finite value is
        accepted; beta >= 1 never converges on a quadratic.
    dampening : float, array or schedule
        The new gradient enters with weight ``1 - dampening``.
    averaging : bool
        Use ``dampening = beta``, so the velocity is a weighted average of
        past gradients. Then beta must satisfy 0 <= beta < 1.
    buffer_start : {"zero", "first_gradient"}
        ``"zero"`` starts the velocity at 0. ``"first_gradient"`` sets it
        to the first gradient, undamped, as PyTorch does.
    nesterov : bool
        Return ``g + beta * v`` (the reformulated Nesterov step, which needs
        the gradient at the current point only) instead of ``v``.
    rescale : float, array or schedule, optional
        Multiply the velocity by this before decaying it. With the ratio of
        consecutive learning rates, this is the momentum correction.

    Notes
    -----
    v <- beta * (rescale * v) + (1 - dampening) * g
    updates = v, or g + beta * v with nesterov
    """
    if averaging and not _zero_everywhere(dampening):
        raise ValueError(
            f"dampening={dampening!r} with averaging=True is not allowed; allowed: "
            "no dampening (the averaging form sets it to beta)"
        )
    if buffer_start not in ("zero", "first_gradient"):
        raise ValueError(
            f"buffer_start={buffer_start!r} is not allowed; "
            "allowed: 'zero' or 'first_gradient'"
        )
    beta = _Hyper("beta", beta, "averaging beta" if averaging else "beta")
    dampening = beta if averaging else _Hyper("dampening", dampening)
    rescale = None if rescale is None else _Hyper("rescale", rescale)

    def init(params):
        for hyper in (beta, dampening, rescale):
            if hyper is not None:
                hyper.check_shape(params)
        return VelocityState(count=0, velocity=np.zeros_like(params, dtype=float))

    def update(grads, state, params):
        k, velocity = state.count, state.velocity
        b = beta.at(k, params)
        if k == 0 and buffer_start == "first_gradient":
            velocity = grads.astype(float)
        else:
            if rescale is not None:
                velocity = rescale.at(k, params) * velocity
            velocity = b * velocity + (1 - dampening.at(k, params)) * grads
        updates = grads + b * velocity if nesterov else velocity
        return updates, VelocityState(k + 1, velocity)

    return Transformation(init, update)


def add_decayed_weights(weight_decay: HyperParameter) -> Transformation:
    """Add ``weight_decay * params`` to the gradient (L2 regularisation).

    Notes
    -----
    g <- g + weight_decay * x
    """
    wd = _Hyper("weight_decay", weight_decay)

    def init(params):
        wd.check_shape(params)
        return CountState(count=0)

    def update(grads, state, params):
        return grads + wd.at(state.count, params) * params, CountState(state.count + 1)

    return Transformation(init, update)


def negate() -> Transformation:
    """Flip the sign of the gradient, to climb instead of descend."""

    def init(params):
        return EmptyState()

    def update(grads, state, params):
        return -grads, state

    return Transformation(init, update)


def lookahead_momentum(
    learning_rate: HyperParameter,
    beta: HyperParameter,
    *,
    lookahead: HyperParameter | None = None,
) -> Transformation:
    """Nesterov's method as a look-ahead: the gradient is taken ahead of x.

    The velocity carries the learning rate, as in the classical form. The
    gradient is taken at x - lookahead * v, where ``lookahead`` is beta by
    default (Nesterov). With ``lookahead=0`` this is heavy ball, and with
    beta = 0 too, gradient descent: as arrays over a batch, one run can hold
    all three methods side by side.

    Notes
    -----
    v <- beta * v + lr * grad(x - beta * v)
    x <- x - v
    """
    lr = _Hyper("learning_rate", learning_rate)
    beta = _Hyper("beta", beta)
    ahead = beta if lookahead is None else _Hyper("lookahead", lookahead, "beta")

    def init(params):
        for hyper in (lr, beta, ahead):
            hyper.check_shape(params)
        return VelocityState(count=0, velocity=np.zeros_like(params, dtype=float))

    def query(params, state):
        return params - ahead.at(state.count, params) * state.velocity

    def update(grads, state, params):
        k = state.count
        velocity = beta.at(k, params) * state.velocity + lr.at(k, params) * grads
        return velocity, VelocityState(k + 1, velocity)

    return Transformation(init, update, query)


# ---------------------------------------------------------------------------
# The optimizers of the course: short recipes built from the pieces above.


def gradient_descent(learning_rate: HyperParameter) -> Transformation:
    """Plain gradient descent.

    Notes
    -----
    x <- x - lr * g
    """
    return scale_by_learning_rate(learning_rate)


def momentum_classical(
    learning_rate: HyperParameter,
    beta: HyperParameter,
    *,
    nesterov: bool = False,
    momentum_correction: bool = False,
) -> Transformation:
    """Momentum in the classical form (Polyak's heavy ball).

    The velocity is measured in units of distance: it already contains the
    learning rate. When the learning rate changes mid-run, the old velocity
    keeps the old rate; ``momentum_correction=True`` rescales it by
    lr_k / lr_(k-1), which makes this form agree with the PyTorch form.

    Notes
    -----
    v <- beta * v + lr * g
    x <- x - v          (with nesterov: x <- x - (beta * v + lr * g))
    """
    rescale = None
    if momentum_correction and callable(learning_rate):
        rescale = _ratio_of_consecutive(learning_rate)
    return chain(
        scale_by_learning_rate(learning_rate),
        trace(beta, nesterov=nesterov, rescale=rescale),
    )


def momentum_pytorch(
    learning_rate: HyperParameter,
    momentum: HyperParameter = 0.0,
    *,
    dampening: HyperParameter = 0.0,
    weight_decay: HyperParameter = 0.0,
    nesterov: bool = False,
    maximize: bool = False,
) -> Transformation:
    """Momentum in the form of ``torch.optim.SGD``, step for step.

    The buffer is set to the first gradient (so dampening skips step one);
    the learning rate multiplies the buffer when the step is taken, so a
    change of learning rate acts at once on the whole velocity. PyTorch
    rejects momentum < 0; this course accepts it, to show what it does.

    Notes
    -----
    g <- -g if maximize;   g <- g + weight_decay * x
    v <- g on the first update, then v <- momentum * v + (1 - dampening) * g
    x <- x - lr * v     (with nesterov: x <- x - lr * (g + momentum * v))
    """
    _Hyper("momentum", momentum, "beta")  # so that errors name it "momentum"
    if nesterov and (_zero_somewhere(momentum) or _nonzero_somewhere(dampening)):
        raise ValueError(
            f"nesterov=True with momentum={momentum!r} and dampening={dampening!r} "
            "is not allowed; allowed: nesterov needs momentum != 0 and dampening 0"
        )
    pieces = [negate()] if maximize else []
    if not _zero_everywhere(weight_decay):
        pieces.append(add_decayed_weights(weight_decay))
    if not _zero_everywhere(momentum):
        pieces.append(
            trace(
                momentum,
                dampening=dampening,
                buffer_start="first_gradient",
                nesterov=nesterov,
            )
        )
    pieces.append(scale_by_learning_rate(learning_rate))
    return chain(*pieces)


def momentum_averaging(
    learning_rate: HyperParameter, beta: HyperParameter
) -> Transformation:
    """Momentum in the averaging form: the velocity is an average gradient.

    At a constant learning rate this equals the classical form with the
    learning rate lr * (1 - beta). This is the first moment of Adam.

    Notes
    -----
    v <- beta * v + (1 - beta) * g
    x <- x - lr * v
    """
    return chain(trace(beta, averaging=True), scale_by_learning_rate(learning_rate))


def nesterov(learning_rate: HyperParameter, beta: HyperParameter) -> Transformation:
    """Nesterov's method, reformulated to need the gradient at x only.

    With a constant beta, the iterates are exactly the look-ahead points
    x - beta * v of `lookahead_momentum`. With a scheduled beta they
    differ slightly: the exact match would need next step's beta in the
    step below, and this form (like PyTorch's) uses the current one.

    Notes
    -----
    v <- beta * v + lr * g
    x <- x - (beta * v + lr * g)
    """
    return momentum_classical(learning_rate, beta, nesterov=True)


CONVENTIONS = ("classical", "pytorch", "averaging")


def equivalent_learning_rate(
    learning_rate: float, beta: float, convention: str
) -> float:
    """The learning rate that makes ``convention`` take the classical steps.

    At a constant learning rate, the classical form with ``learning_rate``,
    the PyTorch form (no dampening) with the same rate, and the averaging
    form with ``learning_rate / (1 - beta)`` produce identical iterates.
    """
    _check_convention(convention)
    if convention == "averaging":
        _Hyper("beta", beta, "averaging beta")
        return learning_rate / (1.0 - beta)
    return learning_rate


def convert_velocity(
    velocity: Array, source: str, target: str, learning_rate: float, beta: float
) -> Array:
    """Express a velocity of one convention in another, for the same steps.

    ``learning_rate`` is the classical form's; each form's own rate follows
    from `equivalent_learning_rate`. The step taken is v in the
    classical form and (its own rate) * v in the other two, so the velocity
    is rescaled by the ratio of those factors.
    """

    def step_per_unit_velocity(convention: str) -> float:
        if convention == "classical":
            return 1.0
        return equivalent_learning_rate(learning_rate, beta, convention)

    factor = step_per_unit_velocity(source) / step_per_unit_velocity(target)
    return np.asarray(velocity, dtype=float) * factor


def _check_convention(convention: str) -> None:
    if convention not in CONVENTIONS:
        raise ValueError(
            f"convention={convention!r} is not allowed; allowed: one of {CONVENTIONS}"
        )


def _ratio_of_consecutive(schedule: Callable[[int], Any]) -> Callable[[int], Any]:
    def ratio(count: int):
        if count == 0:
            return 1.0
        return np.asarray(schedule(count), float) / np.asarray(schedule(count - 1))

    return ratio


# PyTorch leaves out what is switched off. A schedule can only be judged at run
# time, so these treat a schedule as neither zero nor non-zero.


def _zero_everywhere(value: HyperParameter) -> bool:
    return not callable(value) and bool(np.all(np.asarray(value) == 0))


def _zero_somewhere(value: HyperParameter) -> bool:
    return not callable(value) and bool(np.any(np.asarray(value) == 0))


def _nonzero_somewhere(value: HyperParameter) -> bool:
    return not callable(value) and bool(np.any(np.asarray(value) != 0))


# ---------------------------------------------------------------------------
# Clipping, and what to do with gradients that are not finite.


def safe_norm(x: Array, axis: int = -1, keepdims: bool = False) -> Array:
    """The Euclidean norm along ``axis``, without overflow or underflow.

    Squaring entries of size 1e200 overflows to inf (and squaring entries
    of size 1e-200 underflows to 0), although the norm itself is an
    ordinary float. Dividing by the largest entry first keeps every square
    at most 1.

    Notes
    -----
    m = max |x_i|
    norm(x) = m * sqrt(sum((x_i / m)²))     (0 when m = 0)

    A vector with an inf (and no NaN) has norm inf; one with a NaN has
    norm NaN, as with the naive formula. No NumPy warning is raised.
    """
    x = np.asarray(x, dtype=float)
    with np.errstate(invalid="ignore", over="ignore"):
        largest = np.max(np.abs(x), axis=axis, keepdims=True)
        usable = np.isfinite(largest) & (largest > 0)
        scaled = x / np.where(usable, largest, 1.0)
        squares = np.add.reduce(np.square(scaled), axis=axis, keepdims=True)
        norm = np.where(largest > 0, largest * np.sqrt(squares), largest)
    return norm if keepdims else np.squeeze(norm, axis=axis)


def _check_finite(name: str, grads: Array, count: int) -> None:
    """Raise when a clipping transformation is given inf or NaN."""
    bad = ~np.isfinite(grads)
    if not bad.any():
        return
    index = tuple(int(i) for i in np.argwhere(bad)[0])
    raise ValueError(
        f"{name} was given a gradient with {float(grads[index])!r} at index "
        f"{index} (update {count}), which is not allowed; allowed: finite "
        "gradients (a non-finite gradient has no norm to scale down); to skip "
        "such steps, wrap the whole optimizer in "
        "guard_nonfinite(optimizer, nonfinite='skip')"
    )


def clip_by_value(threshold: HyperParameter) -> Transformation:
    """Clip each coordinate of the incoming gradient into [-c, c].

    Each coordinate is clipped on its own, so a gradient with one large
    coordinate loses mostly that one: the direction changes. A gradient
    with inf or NaN raises a ValueError (see `guard_nonfinite`).

    Notes
    -----
    g_i <- min(max(g_i, -c), c)   for every coordinate i
    """
    c = _Hyper("threshold", threshold)

    def init(params):
        c.check_shape(params)
        return CountState(count=0)

    def update(grads, state, params):
        _check_finite("clip_by_value", grads, state.count)
        limit = c.at(state.count, params)
        return np.clip(grads, -limit, limit), CountState(state.count + 1)

    return Transformation(init, update)


def _shrink_factor(norm: Array, limit: float | Array) -> Array:
    """min(1, limit / norm), exactly 1 when norm <= limit (and for norm 0)."""
    return limit / np.maximum(norm, limit)


def clip_by_global_norm(threshold: HyperParameter) -> Transformation:
    """Rescale each run's gradient so that its norm is at most c.

    The norm is taken over all coordinates of a run (the last axis), so a
    batch of parameters ``(n, dim)`` clips each of the ``n`` runs on its
    own. The direction is kept; only the length shrinks, and a gradient
    already within the threshold passes unchanged. The norm is computed
    with `safe_norm`, so huge finite entries do not overflow. A gradient
    with inf or NaN raises a ValueError (see `guard_nonfinite`).

    Notes
    -----
    g <- g * min(1, c / ||g||)
    """
    c = _Hyper("threshold", threshold)

    def init(params):
        c.check_shape(params)
        return CountState(count=0)

    def update(grads, state, params):
        _check_finite("clip_by_global_norm", grads, state.count)
        norm = safe_norm(grads, keepdims=True)
        factor = _shrink_factor(norm, c.at(state.count, params))
        return grads * factor, CountState(state.count + 1)

    return Transformation(init, update)


def clip_by_block_norm(
    threshold: HyperParameter, blocks: tuple[int, ...] | list[int]
) -> Transformation:
    """Clip the norm of each block of coordinates (each "tensor") on its own.

    A model's parameters come in tensors (a layer's weights, its biases);
    here a tensor is a block of consecutive coordinates, given by the
    block sizes: ``blocks=(2, 3)`` groups coordinates 0-1 and 2-4. Each
    block of each run is rescaled so that its norm is at most c. Unlike
    `clip_by_global_norm`, a large block no longer shrinks the small
    ones, but the direction of the whole gradient changes.

    Notes
    -----
    g_b <- g_b * min(1, c / ||g_b||)   for every block b
    """
    c = _Hyper("threshold", threshold)
    sizes = _checked_blocks(blocks)
    cuts = np.cumsum(sizes)[:-1]

    def init(params):
        c.check_shape(params)
        dim = np.shape(params)[-1] if np.ndim(params) else 1
        if sum(sizes) != dim:
            raise ValueError(
                f"blocks={blocks!r} covers {sum(sizes)} coordinates, which does "
                f"not match the parameters' {dim}; allowed: block sizes that "
                f"add up to {dim}"
            )
        return CountState(count=0)

    def update(grads, state, params):
        _check_finite("clip_by_block_norm", grads, state.count)
        limit = c.at(state.count, params)
        pieces = np.split(grads, cuts, axis=-1)
        clipped = [
            g * _shrink_factor(safe_norm(g, keepdims=True), limit) for g in pieces
        ]
        return np.concatenate(clipped, axis=-1), CountState(state.count + 1)

    return Transformation(init, update)


def _checked_blocks(blocks: Any) -> tuple[int, ...]:
    allowed = "a non-empty sequence of integers >= 1 (the size of each block)"
    try:
        sizes = tuple(blocks)
    except TypeError:
        sizes = ()
    integers = all(
        isinstance(s, int | np.integer) and not isinstance(s, bool) and s >= 1
        for s in sizes
    )
    if not sizes or not integers:
        raise ValueError(f"blocks={blocks!r} is not allowed; allowed: {allowed}")
    return tuple(int(s) for s in sizes)


class GuardState(NamedTuple):
    """The guarded optimizer's state and how many steps each run skipped."""

    count: int
    inner: Any
    skipped: Array


NONFINITE_POLICIES = ("skip", "raise")


def guard_nonfinite(
    optimizer: Transformation, *, nonfinite: str = "skip"
) -> Transformation:
    """Decide what happens to a step whose gradient contains inf or NaN.

    Parameters
    ----------
    optimizer : Transformation
        The whole optimizer, for instance a chain with clipping and
        momentum. It is guarded as one piece, so that a skipped step leaves
        the velocity untouched, not only the clipped gradient.
    nonfinite : {"skip", "raise"}
        ``"skip"``: a run whose gradient is not finite takes no step, and
        its state (velocity included) stays as it was; ``skipped`` in the
        state counts the steps skipped by each run. ``"raise"``: a
        ValueError says which run, which coordinate and which value.

    Notes
    -----
    Never a silent zero: replacing the gradient by 0 would still let the
    velocity move the parameters and would decay it. When every run of a
    batch skips, the inner state is returned unchanged, step count
    included. When only some do, every array of the inner state whose
    leading dimensions are the batch shape (per-run arrays such as a
    velocity, or `RestartMemory`'s counts and signals) keeps its old
    entries for the skipped runs; scalar step counts are shared by all runs,
    so the step count that schedules read still advances.
    """
    if nonfinite not in NONFINITE_POLICIES:
        raise ValueError(
            f"nonfinite={nonfinite!r} is not allowed; allowed: one of "
            f"{NONFINITE_POLICIES}"
        )

    def init(params):
        runs = np.shape(params)[:-1]
        return GuardState(0, optimizer.init(params), np.zeros(runs, dtype=int))

    def update(grads, state, params):
        grads = np.asarray(grads, dtype=float)
        bad = ~np.all(np.isfinite(grads), axis=-1)
        if not bad.any():
            updates, inner = optimizer.update(grads, state.inner, params)
            return updates, GuardState(state.count + 1, inner, state.skipped)
        if nonfinite == "raise":
            index = tuple(int(i) for i in np.argwhere(~np.isfinite(grads))[0])
            raise ValueError(
                f"the gradient at update {state.count} contains "
                f"{float(grads[index])!r} at index {index}, which is not allowed "
                "with nonfinite='raise'; allowed: finite gradients, or "
                "nonfinite='skip' to leave such a run unchanged for that step"
            )
        skipped = state.skipped + bad
        if bad.all():
            return np.zeros_like(grads), GuardState(
                state.count + 1, state.inner, skipped
            )
        safe = np.where(bad[..., None], 0.0, grads)
        updates, inner = optimizer.update(safe, state.inner, params)
        updates = np.where(bad[..., None], 0.0, updates)
        inner = _keep_where(bad, state.inner, inner)
        return updates, GuardState(state.count + 1, inner, skipped)

    def query(params, state):
        return optimizer.query(params, state.inner)

    return Transformation(init, update, query)


def _keep_where(bad: Array, old: Any, new: Any) -> Any:
    """The new state, with the old entries kept for the runs marked bad.

    Every array whose leading dimensions are the batch shape ``bad.shape``
    is per-run; anything else (a scalar step count) is shared and taken new.
    """
    runs = bad.shape
    if isinstance(new, np.ndarray) and new.shape[: len(runs)] == runs:
        extra = (1,) * (new.ndim - len(runs))
        return np.where(bad.reshape(runs + extra), old, new)
    if isinstance(new, tuple):
        kept = [_keep_where(bad, o, n) for o, n in zip(old, new, strict=True)]
        return type(new)(*kept) if hasattr(new, "_fields") else tuple(kept)
    return new


# ---------------------------------------------------------------------------
# Adaptive restart: forget the velocity when a test says it points wrong.

RESTART_CRITERIA = ("gradient", "function", "gradient jump")


class RestartMemory(NamedTuple):
    """What `trace_with_restart` remembers between steps, one entry per run.

    ``since_restart`` counts the updates since each run's last restart (the
    step count of a scheduled beta); ``previous_step`` is the last step
    returned; ``previous_signal`` is the loss at the last update (function
    criterion) or the running average of gradient norms (gradient-jump
    criterion); ``restarts`` counts how often each run restarted.
    """

    since_restart: Array
    previous_step: Array
    previous_signal: Array
    restarts: Array


def trace_with_restart(
    beta: HyperParameter,
    *,
    criterion: str = "gradient",
    nesterov: bool = False,
    value: Callable[[Array], Array] | None = None,
    jump_factor: float = 10.0,
) -> Transformation:
    """A velocity like `trace` that is set to zero when a test fires.

    O'Donoghue and Candès (2015) restart momentum whenever it stops
    helping. Each run of a batch is tested and restarted on its own:

    - ``"gradient"``: their gradient test. The new velocity step
      x_k - x_(k-1) = -v goes uphill along the gradient g that produced it,
      g . (x_k - x_(k-1)) > 0, that is g . v < 0. It is tested within the
      same update; when it fires, that update is the plain gradient step g
      and the next one starts without momentum.
    - ``"function"``: a variant of their function test. The loss at the
      parameters this piece is given went up since the last update; the
      velocity is zeroed before it is used. An update sees gradients, not
      losses, so pass the problem's loss as ``value``; it is evaluated once
      per update. With ``nesterov=True`` the parameters are Nesterov's
      look-ahead point y, not the x of the paper's test f(x_k) > f(x_(k-1)).
    - ``"gradient jump"``: the gradient norm is more than ``jump_factor``
      times its running average, a sign that the problem itself changed.
      The average halves the weight of older norms at every step, so one
      tiny gradient (as the iterate crosses the minimum) is not mistaken
      for the calm before a jump.

    A restart zeroes the velocity and the count of steps since the restart,
    so a scheduled beta (such as `schedules.accelerated_momentum` or
    `schedules.sutskever_momentum`) starts its climb again.

    Parameters
    ----------
    beta : float, array or schedule
        How much of the velocity survives each step. A schedule is called
        with each run's count of steps since its last restart.
    criterion : {"gradient", "function", "gradient jump"}
    nesterov : bool
        Return g + beta * v, as `trace` does.
    value : callable, optional
        The loss, ``value(params) -> losses``; required by "function".
    jump_factor : float
        The growth of the gradient norm that counts as a jump, > 1.

    Notes
    -----
    function or jump test fires:  v <- 0, steps since restart <- 0
    v <- beta * v + g;  updates = v, or g + beta * v with nesterov
    gradient test, g . v < 0:  updates = g; v <- 0, steps since restart <- 0
    A positive learning rate that scales the gradient before or after this
    piece in a chain does not change the sign of the gradient test.
    """
    if criterion not in RESTART_CRITERIA:
        raise ValueError(
            f"criterion={criterion!r} is not allowed; allowed: one of "
            f"{RESTART_CRITERIA}"
        )
    if criterion == "function" and not callable(value):
        raise ValueError(
            f"value={value!r} with criterion='function' is not allowed; allowed: "
            "the loss as a function of the parameters"
        )
    if not (isinstance(jump_factor, int | float) and 1 < jump_factor < np.inf):
        raise ValueError(
            f"jump_factor={jump_factor!r} is not allowed; allowed: a finite number > 1"
        )
    beta = _Hyper("beta", beta)

    def signal(grads, params):
        if criterion == "function":
            return np.asarray(value(params), dtype=float)
        return safe_norm(grads, axis=-1)

    def init(params):
        beta.check_shape(params)
        runs = np.shape(params)[:-1]
        memory = RestartMemory(
            since_restart=np.zeros(runs, dtype=int),
            previous_step=np.zeros_like(params, dtype=float),
            previous_signal=np.full(runs, np.inf),
            restarts=np.zeros(runs, dtype=int),
        )
        return VelocityState(0, np.zeros_like(params, dtype=float)), memory

    def update(grads, state, params):
        (trace_state, memory), now = state, None
        restart = np.zeros(np.shape(grads)[:-1], dtype=bool)
        if criterion != "gradient":
            now = signal(grads, params)
            if criterion == "function":
                restart = now > memory.previous_signal
            else:
                restart = now > jump_factor * memory.previous_signal
        since = np.where(restart, 0, memory.since_restart)
        velocity = np.where(restart[..., None], 0.0, trace_state.velocity)

        b = _beta_since_restart(beta, since, params)
        velocity = b * velocity + grads
        updates = grads + b * velocity if nesterov else velocity
        since = since + 1
        if criterion == "gradient":
            # x_k - x_(k-1) is -velocity: restart when it goes uphill along
            # the gradient that produced it. This step becomes a plain
            # gradient step, and the next one starts without momentum.
            restart = np.add.reduce(grads * velocity, axis=-1) < 0
            updates = np.where(restart[..., None], grads, updates)
            velocity = np.where(restart[..., None], 0.0, velocity)
            since = np.where(restart, 0, since)
        memory = RestartMemory(
            since_restart=since,
            previous_step=updates,
            previous_signal=_next_signal(criterion, memory.previous_signal, now),
            restarts=memory.restarts + restart,
        )
        return updates, (VelocityState(trace_state.count + 1, velocity), memory)

    return Transformation(init, update)


def nesterov_with_restart(
    learning_rate: HyperParameter,
    beta: HyperParameter,
    *,
    criterion: str = "gradient",
    value: Callable[[Array], Array] | None = None,
    jump_factor: float = 10.0,
) -> Transformation:
    """Nesterov's method (the reformulated `nesterov`) with adaptive restart.

    Without a restart it takes exactly the steps of `nesterov` with the
    same learning rate and beta. See `trace_with_restart` for the criteria.

    Notes
    -----
    v <- 0 when the criterion fires
    v <- beta * v + lr * g
    x <- x - (beta * v + lr * g)
    """
    return chain(
        scale_by_learning_rate(learning_rate),
        trace_with_restart(
            beta,
            criterion=criterion,
            nesterov=True,
            value=value,
            jump_factor=jump_factor,
        ),
    )


def _beta_since_restart(beta: _Hyper, since: Array, params: Array) -> float | Array:
    """Beta for each run, a schedule evaluated at that run's steps since restart."""
    if beta.schedule is None:
        return beta.at(0, params)
    counts = np.atleast_1d(since)
    if np.all(counts == counts.flat[0]):
        return beta.at(int(counts.flat[0]), params)
    values = np.array([float(beta.at(int(c), 0.0)) for c in counts.ravel()])
    return values.reshape((*np.shape(since), 1))


def _next_signal(criterion: str, previous: Array, now: Array | None) -> Array:
    """The loss to compare with next time, or the updated average norm."""
    if now is None:
        return previous
    if criterion == "function":
        return now
    # The average starts at the first nonzero norm: had it started at a zero
    # gradient (a run that begins at the minimum), any gradient would be a jump.
    started = np.isfinite(previous)
    return np.where(started, 0.5 * previous + 0.5 * now, np.where(now > 0, now, np.inf))


# ---------------------------------------------------------------------------
# Beyond momentum: per-coordinate scaling (RMSProp, Adam), Newton's method,
# stale gradients, and what an optimizer's state costs in memory.


class RmsState(NamedTuple):
    """A step count and the running average of squared gradients."""

    count: int
    second_moment: Array


class AdamState(NamedTuple):
    """A step count and Adam's two running averages, one entry per parameter.

    ``velocity`` is the first moment, the average of past gradients, before
    any bias correction: the velocity of `momentum_averaging`.
    ``second_moment`` is the average of past squared gradients.
    """

    count: int
    velocity: Array
    second_moment: Array


class DelayState(NamedTuple):
    """A step count and the gradients still in transit, oldest first.

    ``queue`` has shape ``(steps, *params.shape)``.
    """

    count: int
    queue: Array


def scale_by_rms(decay: HyperParameter = 0.99, eps: float = 1e-8) -> Transformation:
    """Divide each coordinate by the root of its mean squared gradient.

    The average starts at zero and is not corrected for it, as in
    ``torch.optim.RMSprop`` (whose ``alpha`` is this ``decay``): eps is
    added after the square root.

    Parameters
    ----------
    decay : float, array or schedule
        How much of the average survives each step, 0 <= decay < 1.
    eps : float
        Added to the root to avoid dividing by zero, >= 0.

    Returns
    -------
    Transformation
        Its state is an `RmsState`.

    Notes
    -----
    s <- decay * s + (1 - decay) * g²
    updates = g / (√s + eps)
    """
    decay = _Hyper("decay", decay, "averaging beta")
    eps = _Hyper("eps", eps)

    def init(params):
        decay.check_shape(params)
        eps.check_shape(params)
        return RmsState(count=0, second_moment=np.zeros_like(params, dtype=float))

    def update(grads, state, params):
        k, d = state.count, decay.at(state.count, params)
        second = d * state.second_moment + (1 - d) * np.square(grads)
        updates = grads / (np.sqrt(second) + eps.at(k, params))
        return updates, RmsState(k + 1, second)

    return Transformation(init, update)


def scale_by_adam(
    b1: HyperParameter = 0.9,
    b2: HyperParameter = 0.999,
    eps: float = 1e-8,
    *,
    bias_correction: bool = True,
) -> Transformation:
    """Adam's direction: an average gradient over the root of an average square.

    Both averages start at zero. At update t (counted from 1) the bias
    correction divides them by 1 - b1**t and 1 - b2**t, which makes each an
    exact weighted average of the gradients seen so far. The update is the
    one of ``torch.optim.Adam`` (eps added after the square root, to the
    corrected root), with the learning rate left to a later piece of the
    chain. A scheduled b1 or b2 is corrected with its current value.

    Parameters
    ----------
    b1 : float, array or schedule
        Decay of the first moment, 0 <= b1 < 1: momentum's beta in the
        averaging form (`momentum_averaging`).
    b2 : float, array or schedule
        Decay of the second moment, 0 <= b2 < 1.
    eps : float
        Added to the root, >= 0.
    bias_correction : bool
        Divide by 1 - b**t (True, as PyTorch and the paper do) or use the
        raw averages.

    Returns
    -------
    Transformation
        Its state is an `AdamState`.

    Notes
    -----
    m <- b1 * m + (1 - b1) * g;   s <- b2 * s + (1 - b2) * g²
    updates = m̂ / (√ŝ + eps),  m̂ = m / (1 - b1**t),  ŝ = s / (1 - b2**t)
    """
    if not isinstance(bias_correction, bool):
        raise ValueError(
            f"bias_correction={bias_correction!r} is not allowed; "
            "allowed: True or False"
        )
    b1 = _Hyper("b1", b1, "averaging beta")
    b2 = _Hyper("b2", b2, "averaging beta")
    eps = _Hyper("eps", eps)

    def init(params):
        for hyper in (b1, b2, eps):
            hyper.check_shape(params)
        zeros = np.zeros_like(params, dtype=float)
        return AdamState(count=0, velocity=zeros, second_moment=zeros.copy())

    def update(grads, state, params):
        k = state.count
        d1, d2 = b1.at(k, params), b2.at(k, params)
        velocity = d1 * state.velocity + (1 - d1) * grads
        second = d2 * state.second_moment + (1 - d2) * np.square(grads)
        first, mean_square = velocity, second
        if bias_correction:
            first = velocity / (1 - d1 ** (k + 1))
            mean_square = second / (1 - d2 ** (k + 1))
        updates = first / (np.sqrt(mean_square) + eps.at(k, params))
        return updates, AdamState(k + 1, velocity, second)

    return Transformation(init, update)


def rmsprop(
    learning_rate: HyperParameter,
    decay: HyperParameter = 0.99,
    eps: float = 1e-8,
) -> Transformation:
    """RMSProp: each coordinate's step divided by its root mean square gradient.

    Step for step ``torch.optim.RMSprop(lr, alpha=decay, eps=eps)`` without
    momentum or centering. With a constant learning rate its steps near the
    minimum stay about ``learning_rate`` long, so it ends hopping across the
    minimum instead of settling: decay the learning rate to settle.

    Parameters
    ----------
    learning_rate : float, array or schedule
        Roughly the length of each coordinate's step, > 0.
    decay, eps
        As in `scale_by_rms`.

    Returns
    -------
    Transformation

    Notes
    -----
    s <- decay * s + (1 - decay) * g²
    x <- x - lr * g / (√s + eps)
    """
    return chain(scale_by_rms(decay, eps), scale_by_learning_rate(learning_rate))


def adam(
    learning_rate: HyperParameter,
    b1: HyperParameter = 0.9,
    b2: HyperParameter = 0.999,
    eps: float = 1e-8,
    *,
    bias_correction: bool = True,
) -> Transformation:
    """Adam: momentum in the averaging form, divided coordinate by coordinate.

    Step for step ``torch.optim.Adam(lr, betas=(b1, b2), eps=eps)``: eps
    is added outside the square root of the corrected second moment. With
    ``bias_correction=False`` both averages are used as they are.

    Parameters
    ----------
    learning_rate : float, array or schedule
        Roughly the length of each coordinate's step, > 0.
    b1, b2, eps, bias_correction
        As in `scale_by_adam`.

    Returns
    -------
    Transformation
        Its state holds an `AdamState`, whose ``velocity`` `run` records.

    Notes
    -----
    m <- b1 * m + (1 - b1) * g;   s <- b2 * s + (1 - b2) * g²
    x <- x - lr * m̂ / (√ŝ + eps),  m̂ = m / (1 - b1**t),  ŝ = s / (1 - b2**t)
    """
    return chain(
        scale_by_adam(b1, b2, eps, bias_correction=bias_correction),
        scale_by_learning_rate(learning_rate),
    )


def newton(
    hessian: Callable[[Array], Array] | Array, learning_rate: HyperParameter = 1.0
) -> Transformation:
    """Newton's method: the gradient multiplied by the inverse Hessian.

    Parameters
    ----------
    hessian : callable or array
        A function of the parameters, shape (..., dim), returning the
        Hessians, shape (..., dim, dim), such as a problem's ``hessian``;
        or one fixed matrix of shape (dim, dim), a quadratic's.
    learning_rate : float, array or schedule
        1 is Newton's full step; smaller values damp it.

    Returns
    -------
    Transformation
        Its updates are the Newton steps, to subtract from the parameters.

    Notes
    -----
    updates = lr * H(x)⁻¹ g, found by solving H d = g (np.linalg.solve, an
    LU factorisation), never by forming the inverse: about dim³/3
    multiplications per run and step, and dim² numbers to hold H. On a
    quadratic the full step lands on the minimizer at once. Where H is not
    positive definite the step may climb, or head for a saddle; where it is
    singular the step is NaN, and `run` reports that run as diverged.

    Examples
    --------
    >>> step, x = newton(np.diag([1.0, 100.0])), np.ones(2)
    >>> updates, _ = step.update(np.array([1.0, 100.0]), step.init(x), x)
    >>> updates
    array([1., 1.])
    """
    lr = _Hyper("learning_rate", learning_rate)
    fixed = None
    if not callable(hessian):
        try:
            fixed = np.array(hessian, dtype=float)
        except (TypeError, ValueError):
            fixed = None
        if fixed is None:
            shown = f"of type {type(hessian).__name__}"
        else:
            shown = f"with shape {fixed.shape}"
        square = fixed is not None and fixed.ndim == 2
        square = square and fixed.shape[0] == fixed.shape[1]
        if not (square and np.all(np.isfinite(fixed))):
            raise ValueError(
                f"hessian {shown} is not allowed; allowed: a function of the "
                "parameters, or a finite square matrix"
            )

    def init(params):
        lr.check_shape(params)
        if np.ndim(params) == 0:
            raise ValueError(
                "params is a scalar; allowed: an array of shape (..., dim), one "
                "row of coordinates per run"
            )
        dim = np.shape(params)[-1]
        if fixed is not None and fixed.shape[0] != dim:
            raise ValueError(
                f"hessian with shape {fixed.shape} does not match the "
                f"parameters' {dim} coordinates; allowed: shape ({dim}, {dim})"
            )
        return CountState(count=0)

    def update(grads, state, params):
        wanted = np.shape(grads) + np.shape(grads)[-1:]
        matrices = fixed if fixed is not None else np.asarray(hessian(params))
        if matrices.shape not in (wanted, wanted[-2:]):
            shapes = " or ".join(str(w) for w in dict.fromkeys([wanted, wanted[-2:]]))
            raise ValueError(
                f"hessian returned shape {matrices.shape} for parameters of shape "
                f"{np.shape(params)}; allowed: shape {shapes}"
            )
        matrices = np.broadcast_to(matrices, wanted)
        direction = _solve_each(matrices, np.asarray(grads, dtype=float))
        return lr.at(state.count, params) * direction, CountState(state.count + 1)

    return Transformation(init, update)


def _solve_each(matrices: Array, vectors: Array) -> Array:
    """Solve H d = g for every run; NaN for a run whose H is singular."""
    try:
        return np.linalg.solve(matrices, vectors[..., None])[..., 0]
    except np.linalg.LinAlgError:
        pass
    flat_h = matrices.reshape(-1, *matrices.shape[-2:])
    flat_g = vectors.reshape(-1, vectors.shape[-1])
    out = np.full_like(flat_g, np.nan)
    for i, (h, g) in enumerate(zip(flat_h, flat_g, strict=True)):
        try:
            out[i] = np.linalg.solve(h, g)
        except np.linalg.LinAlgError:
            continue
    return out.reshape(vectors.shape)


def delay(steps: int) -> Transformation:
    """Pass on the gradient received ``steps`` updates earlier: stale gradients.

    A model of asynchronous training, where a worker's gradient reaches the
    parameters after ``steps`` other updates were applied. Put it first in a
    chain, ``chain(delay(tau), momentum...)``, so the rest of the optimizer
    sees only stale gradients.

    Parameters
    ----------
    steps : int
        The staleness, >= 0; 0 passes every gradient on at once.

    Returns
    -------
    Transformation
        Its state is a `DelayState`.

    Notes
    -----
    updates at update t = g_(t - steps), and 0 for t < steps: the first
    ``steps`` updates wait for gradients that are still in transit, so the
    parameters do not move (a momentum piece after it keeps moving them
    only once it has a velocity). The queue of pending gradients is the
    state, an array of shape (steps, *params.shape).

    Examples
    --------
    >>> stale, x = delay(1), np.zeros(1)
    >>> first, state = stale.update(np.array([5.0]), stale.init(x), x)
    >>> second, _ = stale.update(np.array([7.0]), state, x)
    >>> first, second
    (array([0.]), array([5.]))
    """
    if not (
        isinstance(steps, int | np.integer)
        and not isinstance(steps, bool)
        and steps >= 0
    ):
        raise ValueError(f"steps={steps!r} is not allowed; allowed: an integer >= 0")
    steps = int(steps)

    def init(params):
        queue = np.zeros((steps, *np.shape(params)), dtype=float)
        return DelayState(count=0, queue=queue)

    def update(grads, state, params):
        if steps == 0:
            return grads, DelayState(state.count + 1, state.queue)
        arrived = state.queue[0]
        queue = np.concatenate([state.queue[1:], np.asarray(grads, float)[None]])
        return arrived, DelayState(state.count + 1, queue)

    return Transformation(init, update)


def state_nbytes(state: Any, itemsize: int | None = None) -> int:
    """The bytes held by the arrays of an optimizer state, however nested.

    Parameters
    ----------
    state : any
        What ``init`` or ``update`` returned: arrays inside tuples, named
        tuples, lists or dicts. Numbers (step counts) and None are not
        counted: one per optimizer, not one per parameter. Anything else,
        such as the optimizer itself, is refused.
    itemsize : int, optional
        Count every array entry as this many bytes (4 for float32, 2 for
        bfloat16) instead of the bytes it takes here (8 for float64).

    Returns
    -------
    int
        The total number of bytes.

    Examples
    --------
    >>> params = np.zeros(1000)
    >>> state_nbytes(adam(1e-3).init(params)), state_nbytes(params, itemsize=4)
    (16000, 4000)
    """
    if itemsize is not None and not (
        isinstance(itemsize, int | np.integer)
        and not isinstance(itemsize, bool)
        and itemsize >= 1
    ):
        raise ValueError(
            f"itemsize={itemsize!r} is not allowed; allowed: None or an integer >= 1"
        )
    return _nbytes(state, None if itemsize is None else int(itemsize))


def _nbytes(state: Any, itemsize: int | None) -> int:
    if isinstance(state, np.ndarray):
        return state.nbytes if itemsize is None else state.size * itemsize
    if isinstance(state, dict):
        state = list(state.values())
    if isinstance(state, Transformation):
        raise ValueError(
            "state is an optimizer, not its state; allowed: what the optimizer's "
            "init or update returns, such as optimizer.init(params)"
        )
    if isinstance(state, tuple | list):
        return sum(_nbytes(inner, itemsize) for inner in state)
    if state is None or isinstance(state, numbers.Number | np.generic):
        return 0
    raise ValueError(
        f"state holds a value of type {type(state).__name__}; allowed: arrays, "
        "numbers and None, inside tuples, lists or dicts"
    )
