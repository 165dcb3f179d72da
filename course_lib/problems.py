"""Loss surfaces with exact gradients.

Every problem has ``value(x)`` and ``grad(x)`` that accept arrays of shape
``(..., dim)``: one point, or a whole batch of points at once. Each knows its
minimizer, its minimum value and a window that frames it for plotting.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "Curve",
    "Quadratic",
    "Rosenbrock",
    "rotation_2d",
    "rowwise_dot",
    "rowwise_matmul",
]


Array = np.ndarray


def _as_points(x: Array, dim: int, name: str) -> Array:
    points = np.asarray(x, dtype=float)
    if points.ndim == 0 or points.shape[-1] != dim:
        raise ValueError(
            f"x has shape {points.shape}, which {name} cannot take; "
            f"allowed: an array of shape (..., {dim})"
        )
    return points


def rowwise_dot(a: Array, b: Array) -> Array:
    """The dot product of matching rows: sum over the last axis of a * b.

    A batch of rows gives bit for bit what each row gives alone: every row
    is summed by the same reduction over its own last axis. (A matrix
    product would not do this: BLAS rounds one row and many rows
    differently.)
    """
    return np.add.reduce(a * b, axis=-1)


def rowwise_matmul(x: Array, matrix: Array) -> Array:
    """x @ matrix for every row of x.

    Equal to x @ matrix up to rounding, and exactly the same for a batch of
    rows as for each row alone, which x @ matrix is not: each entry of each
    row is the same reduction, x[i] * matrix[i, j] summed over i.
    """
    if matrix.shape[0] <= 8:
        # All the products at once, shape (..., dim, dim): small for small dim.
        return np.add.reduce(x[..., :, None] * matrix, axis=-2)
    # Larger matrices: add the scaled rows of the matrix one by one, so that
    # no temporary is larger than x.
    total = x[..., :1] * matrix[0]
    for i in range(1, matrix.shape[0]):
        total = total + x[..., i : i + 1] * matrix[i]
    return total


def rotation_2d(angle: float) -> Array:
    """The 2×2 matrix that rotates the plane by ``angle`` radians."""
    c, s = np.cos(angle), np.sin(angle)
    return np.array([[c, -s], [s, c]])


@dataclass(frozen=True, eq=False)
class Quadratic:
    """f(x) = ½ (x - x*)ᵀ A (x - x*), with A = R diag(eigenvalues) Rᵀ.

    Parameters
    ----------
    eigenvalues : array of float
        The curvatures along the principal axes; all must be > 0.
    rotation : array, optional
        An orthogonal matrix R whose columns are the principal axes.
        The identity by default.
    minimizer : array, optional
        The point x*; the origin by default.

    Examples
    --------
    >>> ravine = Quadratic.from_condition_number(100.0)
    >>> ravine.eigenvalues
    array([  1., 100.])
    """

    eigenvalues: Array
    rotation: Array | None = None
    minimizer: Array | None = None
    hessian: Array = field(init=False, repr=False)
    _centered: bool = field(init=False, repr=False)

    def __post_init__(self):
        eigenvalues = np.asarray(self.eigenvalues, dtype=float)
        if (
            eigenvalues.ndim != 1
            or eigenvalues.size == 0
            or not np.all(np.isfinite(eigenvalues))
        ):
            raise ValueError(
                f"eigenvalues={self.eigenvalues!r} is not allowed; "
                "allowed: a one-dimensional array of finite numbers > 0"
            )
        if not np.all(eigenvalues > 0):
            raise ValueError(
                f"eigenvalues={self.eigenvalues!r} is not allowed; "
                "allowed: numbers > 0 (a positive definite quadratic)"
            )
        dim = eigenvalues.size
        rotation = (
            np.eye(dim)
            if self.rotation is None
            else np.asarray(self.rotation, dtype=float)
        )
        if rotation.shape != (dim, dim) or not np.allclose(
            rotation.T @ rotation, np.eye(dim), atol=1e-10
        ):
            raise ValueError(
                f"rotation with shape {rotation.shape} is not allowed; "
                f"allowed: an orthogonal matrix of shape ({dim}, {dim})"
            )
        minimizer = (
            np.zeros(dim)
            if self.minimizer is None
            else np.asarray(self.minimizer, dtype=float)
        )
        if minimizer.shape != (dim,):
            raise ValueError(
                f"minimizer has shape {minimizer.shape}; allowed: shape ({dim},)"
            )
        object.__setattr__(self, "eigenvalues", eigenvalues)
        object.__setattr__(self, "rotation", rotation)
        object.__setattr__(self, "minimizer", minimizer)
        hessian = rotation @ np.diag(eigenvalues) @ rotation.T
        object.__setattr__(self, "hessian", hessian)
        object.__setattr__(self, "_centered", not np.any(minimizer))

    def _offset(self, x: Array) -> Array:
        """x - x*, shape-checked (x itself when x* is the origin: same numbers)."""
        points = _as_points(x, self.dim, "this quadratic")
        return points if self._centered else points - self.minimizer

    @classmethod
    def from_condition_number(
        cls, kappa: float, dim: int = 2, angle: float = 0.0, smallest: float = 1.0
    ) -> Quadratic:
        """A quadratic whose eigenvalues span [smallest, kappa * smallest].

        The eigenvalues are spaced evenly in log scale; in 2-D the axes are
        rotated by ``angle`` radians.
        """
        if not (np.isfinite(kappa) and kappa >= 1):
            raise ValueError(
                f"kappa={kappa!r} is not allowed; allowed: a finite number >= 1"
            )
        if not (isinstance(dim, int) and dim >= 1):
            raise ValueError(f"dim={dim!r} is not allowed; allowed: an integer >= 1")
        if dim == 1 and kappa != 1:
            raise ValueError(
                f"kappa={kappa!r} with dim=1 is not allowed; allowed: kappa = 1 "
                "(a single eigenvalue has condition number 1)"
            )
        eigenvalues = smallest * np.geomspace(1.0, kappa, dim)
        rotation = rotation_2d(angle) if dim == 2 else None
        return cls(eigenvalues, rotation)

    @property
    def dim(self) -> int:
        """The number of coordinates."""
        return self.eigenvalues.size

    @property
    def condition_number(self) -> float:
        """κ = L / μ, the largest eigenvalue over the smallest."""
        return float(self.eigenvalues.max() / self.eigenvalues.min())

    @property
    def minimum_value(self) -> float:
        """The loss at the minimizer: 0."""
        return 0.0

    @property
    def window(self) -> tuple[tuple[float, float], ...]:
        """(low, high) for each of the first two coordinates, for plotting."""
        return tuple((c - 2.0, c + 2.0) for c in self.minimizer[:2])

    def value(self, x: Array) -> Array:
        """The loss at each point of x, shape (..., dim) -> (...)."""
        d = self._offset(x)
        return 0.5 * rowwise_dot(d, rowwise_matmul(d, self.hessian))

    def grad(self, x: Array) -> Array:
        """The exact gradient A (x - x*) at each point, shape (..., dim)."""
        d = self._offset(x)
        return rowwise_matmul(d, self.hessian)

    def value_and_grad(self, x: Array) -> tuple[Array, Array]:
        """Both at once, sharing the product with the Hessian."""
        d = self._offset(x)
        grad = rowwise_matmul(d, self.hessian)
        return 0.5 * rowwise_dot(d, grad), grad

    def to_eigenbasis(self, x: Array) -> Array:
        """Coordinates of x - x* along the principal axes (one per eigenvalue)."""
        return (_as_points(x, self.dim, "this quadratic") - self.minimizer) @ (
            self.rotation
        )


@dataclass(frozen=True)
class Rosenbrock:
    """f(x, y) = (a - x)² + b (y - x²)²: a curved, narrow valley.

    The minimum is 0 at (a, a²). With the usual a = 1, b = 100 the valley
    floor is easy to reach and slow to follow.
    """

    a: float = 1.0
    b: float = 100.0

    def __post_init__(self):
        if not (np.isfinite(self.a) and np.isfinite(self.b) and self.b > 0):
            raise ValueError(
                f"a={self.a!r}, b={self.b!r} is not allowed; "
                "allowed: a finite, b finite and > 0"
            )

    dim = 2
    minimum_value = 0.0

    @property
    def minimizer(self) -> Array:
        """The point (a, a²) at the end of the valley."""
        return np.array([self.a, self.a**2])

    @property
    def window(self) -> tuple[tuple[float, float], tuple[float, float]]:
        """((x_min, x_max), (y_min, y_max)) showing the whole valley."""
        return (-2.0, 2.0), (-1.0, 3.0)

    def value(self, x: Array) -> Array:
        """The loss at each point of x, shape (..., 2) -> (...)."""
        p = _as_points(x, 2, "Rosenbrock")
        u, w = p[..., 0], p[..., 1]
        # np.square, not ** 2: on a single point, ** 2 calls pow(), which can
        # round differently from the product used for a batch of points.
        return np.square(self.a - u) + self.b * np.square(w - np.square(u))

    def grad(self, x: Array) -> Array:
        """The exact gradient at each point, shape (..., 2)."""
        p = _as_points(x, 2, "Rosenbrock")
        u, w = p[..., 0], p[..., 1]
        inner = w - np.square(u)
        du = -2.0 * (self.a - u) - 4.0 * self.b * u * inner
        dw = 2.0 * self.b * inner
        return np.stack([du, dw], axis=-1)

    def value_and_grad(self, x: Array) -> tuple[Array, Array]:
        """Both the loss and its gradient."""
        return self.value(x), self.grad(x)

    def hessian(self, x: Array) -> Array:
        """The exact Hessian at each point: shape (..., 2, 2).

        Unlike a quadratic's, it changes from point to point, so the valley
        has no single condition number.
        """
        p = _as_points(x, 2, "Rosenbrock")
        u, w = p[..., 0], p[..., 1]
        cross = -4.0 * self.b * u
        row_u = np.stack([2.0 - 4.0 * self.b * (w - 3.0 * np.square(u)), cross], -1)
        row_w = np.stack([cross, np.full_like(u, 2.0 * self.b)], axis=-1)
        return np.stack([row_u, row_w], axis=-2)


def _checked_dips(dips) -> tuple[tuple[float, float, float], ...]:
    """The dips of a `Curve` as float triples; a ValueError names a bad one."""
    allowed = "(at, depth, width) with finite at, depth > 0 and width > 0"
    checked = []
    for dip in dips:
        try:
            at, depth, width = (float(v) for v in dip)
        except (TypeError, ValueError):
            raise ValueError(
                f"dips contains {dip!r}, which is not allowed; allowed: {allowed}"
            ) from None
        finite = np.all(np.isfinite([at, depth, width]))
        if not (finite and depth > 0 and width > 0):
            raise ValueError(
                f"dips contains {dip!r}, which is not allowed; allowed: {allowed}"
            )
        checked.append((at, depth, width))
    return tuple(checked)


def _checked_window(window) -> tuple[float, float]:
    """A 1-D window as (low, high), or a ValueError."""
    try:
        low, high = (float(v) for v in window)
    except (TypeError, ValueError):
        low = high = np.nan
    if not (np.isfinite(low) and np.isfinite(high) and low < high):
        raise ValueError(
            f"window={window!r} is not allowed; allowed: (low, high), finite "
            "numbers with low < high"
        )
    return low, high


@dataclass(frozen=True, eq=False)
class Curve:
    """A 1-D loss: a wide bowl with Gaussian dips in it.

    f(x) = ½ curvature (x - centre)² - Σ depth_i exp(-(x - at_i)² / (2 width_i²))

    The bowl keeps the curve bounded below; each dip ``(at, depth, width)``
    adds a minimum, deep or shallow, wide or narrow. Points have shape
    ``(..., 1)``, as for any problem with ``dim = 1``. The course's ready-made
    curves are `Curve.plateau`, `Curve.tilted_double_well` and
    `Curve.narrow_minimum`.

    Parameters
    ----------
    curvature : float
        The bowl's curvature, > 0.
    centre : float
        Where the bowl is lowest.
    dips : sequence of (at, depth, width)
        Each with depth > 0 and width > 0.
    window : (low, high)
        The stretch of x to plot; stored as ``((low, high),)``, the shape of
        every problem's window.

    Attributes
    ----------
    local_minimizers : array
        Every local minimizer, in increasing order.

    Notes
    -----
    The minimizers have no closed form. They are found once, when the curve
    is made: the slope can vanish only where the bowl's slope is no steeper
    than the dips' steepest slopes together, and that stretch is scanned on
    a grid a tenth of the narrowest dip's width; each change of the slope
    from negative to positive is then narrowed down by bisection until its
    ends are neighbouring floats.

    Examples
    --------
    >>> well = Curve.tilted_double_well()
    >>> well.local_minimizers.size, bool(well.minimizer[0] < 0)
    (2, True)
    """

    curvature: float
    centre: float = 0.0
    dips: tuple[tuple[float, float, float], ...] = ()
    window: tuple = (-5.0, 5.0)
    local_minimizers: Array = field(init=False, repr=False)

    dim = 1

    def __post_init__(self):
        if not (np.isfinite(self.curvature) and self.curvature > 0):
            raise ValueError(
                f"curvature={self.curvature!r} is not allowed; "
                "allowed: a finite number > 0"
            )
        if not np.isfinite(self.centre):
            raise ValueError(
                f"centre={self.centre!r} is not allowed; allowed: a finite number"
            )
        dips = _checked_dips(self.dips)
        window = _checked_window(self.window)
        object.__setattr__(self, "dips", dips)
        object.__setattr__(self, "window", (window,))
        object.__setattr__(self, "local_minimizers", self._find_minimizers())

    @classmethod
    def plateau(cls) -> Curve:
        """A long, nearly flat slope down to a single dip at x = 3.

        From x = -8 the slope is about 0.05 and falling: gradient descent
        crawls, while momentum gathers speed up to 1 / (1 - beta) times its
        pace.
        """
        return cls(curvature=0.005, centre=3.0, dips=((3.0, 1.0, 0.8),), window=(-9, 5))

    @classmethod
    def tilted_double_well(cls) -> Curve:
        """Two wells: a shallow one near x = 1.8 and a deep one near x = -1.9.

        A ball released high on the right settles in the shallow well unless
        it carries enough speed over the bump between them.
        """
        dips = ((-2.0, 1.4, 0.9), (2.0, 0.7, 0.9))
        return cls(curvature=0.1, centre=0.0, dips=dips, window=(-4.0, 4.5))

    @classmethod
    def narrow_minimum(cls) -> Curve:
        """A narrow, deep dip at x = 0 beside a wide, shallow minimum at x = 2.

        The narrow dip is the global minimum, and its curvature is about 100
        times the wide one's: a ball arriving fast rolls straight over it.
        """
        return cls(
            curvature=0.25, centre=2.0, dips=((0.0, 1.5, 0.25),), window=(-4.5, 4.0)
        )

    @property
    def minimizer(self) -> Array:
        """The global minimizer, shape (1,)."""
        lowest = np.argmin(self.value(self.local_minimizers[:, None]))
        return self.local_minimizers[lowest : lowest + 1].copy()

    @property
    def minimum_value(self) -> float:
        """The loss at the global minimizer."""
        return float(self.value(self.minimizer))

    def value(self, x: Array) -> Array:
        """The loss at each point of x, shape (..., 1) -> (...)."""
        u = _as_points(x, 1, "a 1-D curve")[..., 0]
        total = 0.5 * self.curvature * np.square(u - self.centre)
        for at, depth, width in self.dips:
            total = total - depth * np.exp(-np.square(u - at) / (2.0 * width**2))
        return total

    def grad(self, x: Array) -> Array:
        """The exact slope at each point, shape (..., 1)."""
        u = _as_points(x, 1, "a 1-D curve")[..., 0]
        return self._slope(u)[..., None]

    def value_and_grad(self, x: Array) -> tuple[Array, Array]:
        """Both the loss and its slope."""
        return self.value(x), self.grad(x)

    def _slope(self, u: Array) -> Array:
        slope = self.curvature * (u - self.centre)
        for at, depth, width in self.dips:
            bell = np.exp(-np.square(u - at) / (2.0 * width**2))
            slope = slope + depth * (u - at) / width**2 * bell
        return slope

    def _find_minimizers(self) -> Array:
        if not self.dips:
            return np.array([float(self.centre)])
        # A dip's slope is at most depth / (width √e) in size.
        steepest = sum(depth / (width * np.sqrt(np.e)) for _, depth, width in self.dips)
        narrowest = min(width for *_, width in self.dips)
        reach = steepest / self.curvature + narrowest
        points = int(np.ceil(2 * reach / (narrowest / 10))) + 1
        if points > 10**7:
            raise ValueError(
                f"curvature={self.curvature!r} is not allowed with these dips; "
                "allowed: a curvature large enough that the minima lie within "
                "10**6 widths of the narrowest dip"
            )
        grid = np.linspace(self.centre - reach, self.centre + reach, points)
        slope = self._slope(grid)
        starts = np.nonzero((slope[:-1] < 0) & (slope[1:] >= 0))[0]
        low, high = grid[starts], grid[starts + 1]
        for _ in range(200):
            middle = 0.5 * (low + high)
            if np.all((middle == low) | (middle == high)):
                break
            downhill = self._slope(middle) < 0
            low, high = (
                np.where(downhill, middle, low),
                np.where(downhill, high, middle),
            )
        closer = np.abs(self._slope(low)) < np.abs(self._slope(high))
        return np.where(closer, low, high)
