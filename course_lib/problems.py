"""Loss surfaces with exact gradients.

Every problem has ``value(x)`` and ``grad(x)`` that accept arrays of shape
``(..., dim)``: one point, or a whole batch of points at once. Each knows its
minimizer, its minimum value and a window that frames it for plotting.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

__all__ = [
    "Chain",
    "Cliff",
    "Curve",
    "DiagonalQuadratic",
    "Digits",
    "MovingTarget",
    "MultilayerPerceptron",
    "NoisyGradients",
    "PiecewiseQuadratic",
    "Quadratic",
    "Ramp",
    "Rosenbrock",
    "Saddle",
    "SoftmaxRegression",
    "digits",
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

    def hessian_at(self, x: Array) -> Array:
        """The Hessian at each point of x: the same matrix A everywhere.

        Shape (..., dim) -> (..., dim, dim), like ``Rosenbrock.hessian``.
        (The attribute ``hessian`` is the matrix A itself.)
        """
        points = _as_points(x, self.dim, "this quadratic")
        return np.broadcast_to(self.hessian, (*points.shape, self.dim)).copy()

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


@dataclass(frozen=True)
class Ramp:
    """f(x) = slope * x in one dimension: a plateau with a constant tilt.

    The idealised plateau: the gradient is ``slope`` everywhere, so a run's
    position has a closed form (`theory.plateau_position`). The ramp has no
    minimum; it falls forever.

    Attributes
    ----------
    minimum_value : float
        0, the loss at x = 0. The ramp has no minimum; this is the level
        `run.run` measures explosions from. A run reports divergence only
        once its loss has fallen ``explode_factor`` times its starting
        height (and at least ``explode_factor``) below it.
    """

    slope: float = 0.01

    def __post_init__(self):
        if not np.isfinite(self.slope):
            raise ValueError(
                f"slope={self.slope!r} is not allowed; allowed: a finite number"
            )

    dim = 1
    minimum_value = 0.0

    def value(self, x: Array) -> Array:
        """The loss at each point of x, shape (..., 1) -> (...)."""
        return self.slope * _as_points(x, 1, "a ramp")[..., 0]

    def grad(self, x: Array) -> Array:
        """The slope at each point, shape (..., 1): the same everywhere."""
        return np.full_like(_as_points(x, 1, "a ramp"), self.slope)

    def value_and_grad(self, x: Array) -> tuple[Array, Array]:
        """Both the loss and its slope."""
        return self.value(x), self.grad(x)


@dataclass(frozen=True)
class Saddle:
    """f(x, y) = ½ (rising x² - falling y²) + ¼ wall y⁴: a saddle at the origin.

    Along x the surface rises with curvature ``rising``; along y it falls
    with curvature -``falling``. A ball on the ridge y = 0 rolls to the
    saddle point and stays there; a ball a hair off the ridge escapes, the
    more slowly the closer it starts.

    With ``wall = 0`` (the default) the saddle falls forever along y. A
    ``wall > 0`` bends the fall back up, so that the escaping ball lands in
    one of two minima at (0, ±√(falling / wall)).

    Attributes
    ----------
    minimum_value : float
        With a wall, the loss at the two minima, -falling² / (4 wall).
        Without one there is no minimum and this is 0, the loss at the
        saddle point: the level `run.run` measures explosions from. A run
        that escapes is then reported as diverged once its loss has fallen
        ``explode_factor`` times its starting height (and at least
        ``explode_factor``) below 0, long after |y| has passed 1.
    minimizer : array, shape (2,)
        With a wall, the minimum at (0, √(falling / wall)); without one, the
        saddle point (the origin), which plots mark with a star.

    Examples
    --------
    >>> Saddle().eigenvalues
    array([ 1., -1.])
    """

    rising: float = 1.0
    falling: float = 1.0
    wall: float = 0.0

    def __post_init__(self):
        values = (self.rising, self.falling, self.wall)
        finite = np.all(np.isfinite(values))
        if not (finite and self.rising > 0 and self.falling > 0 and self.wall >= 0):
            raise ValueError(
                f"rising={self.rising!r}, falling={self.falling!r}, "
                f"wall={self.wall!r} is not allowed; allowed: finite numbers "
                "with rising > 0, falling > 0 and wall >= 0"
            )

    dim = 2

    @property
    def eigenvalues(self) -> Array:
        """The curvatures at the saddle point: (rising, -falling)."""
        return np.array([self.rising, -self.falling])

    @property
    def minimum_value(self) -> float:
        """-falling² / (4 wall) with a wall; 0 (the saddle's level) without."""
        if self.wall == 0:
            return 0.0
        return -(self.falling**2) / (4.0 * self.wall)

    @property
    def minimizer(self) -> Array:
        """(0, √(falling / wall)) with a wall; the saddle point without."""
        if self.wall == 0:
            return np.zeros(2)
        return np.array([0.0, np.sqrt(self.falling / self.wall)])

    @property
    def window(self) -> tuple[tuple[float, float], tuple[float, float]]:
        """((x_min, x_max), (y_min, y_max)) centred on the saddle point."""
        reach = 2.0 if self.wall == 0 else max(2.0, 1.5 * float(self.minimizer[1]))
        return (-reach, reach), (-reach, reach)

    def value(self, x: Array) -> Array:
        """The loss at each point of x, shape (..., 2) -> (...)."""
        p = _as_points(x, 2, "a saddle")
        u, w = p[..., 0], p[..., 1]
        bowl = 0.5 * (self.rising * np.square(u) - self.falling * np.square(w))
        return bowl + 0.25 * self.wall * np.square(np.square(w))

    def grad(self, x: Array) -> Array:
        """The exact gradient at each point, shape (..., 2)."""
        p = _as_points(x, 2, "a saddle")
        u, w = p[..., 0], p[..., 1]
        dw = -self.falling * w + self.wall * w * np.square(w)
        return np.stack([self.rising * u, dw], axis=-1)

    def value_and_grad(self, x: Array) -> tuple[Array, Array]:
        """Both the loss and its gradient."""
        return self.value(x), self.grad(x)

    def hessian(self, x: Array) -> Array:
        """The exact Hessian at each point, shape (..., 2, 2); it is diagonal."""
        p = _as_points(x, 2, "a saddle")
        w = p[..., 1]
        top = np.stack([np.full_like(w, self.rising), np.zeros_like(w)], axis=-1)
        curve_y = -self.falling + 3.0 * self.wall * np.square(w)
        bottom = np.stack([np.zeros_like(w), curve_y], axis=-1)
        return np.stack([top, bottom], axis=-2)


_ACTIVATIONS = ("sigmoid", "tanh")


@dataclass(frozen=True)
class Chain:
    """A deep chain of saturating units, one weight per layer.

    h_0 = input,  h_l = act(w_l h_(l-1)) for l = 1..depth,
    f(w) = ½ (h_depth - target)².

    The parameters are the weights w, shape (..., depth). By the chain
    rule the gradient of the first layers is a product of one factor
    w_l act'(w_l h_(l-1)) per later layer (`Chain.layer_factors`); the
    sigmoid's slope is at most ¼ and tanh's at most 1, so with weights of
    modest size that product shrinks geometrically with depth: the
    vanishing gradient of deep networks, in its smallest form.

    Parameters
    ----------
    depth : int
        The number of layers, >= 1.
    activation : {"sigmoid", "tanh"}
    input : float
        The chain's input, not 0.
    target : float
        Inside the activation's range: (0, 1) for the sigmoid, (-1, 1) for
        tanh, so that the loss can get as close to 0 as one likes.

    Attributes
    ----------
    minimum_value : float
        0. The minimizers form a whole surface (many weight vectors give
        the target), so there is no single ``minimizer``.
    """

    depth: int
    activation: str = "sigmoid"
    input: float = 1.0
    target: float = 0.2

    def __post_init__(self):
        if not (isinstance(self.depth, int | np.integer) and self.depth >= 1):
            raise ValueError(
                f"depth={self.depth!r} is not allowed; allowed: an integer >= 1"
            )
        if self.activation not in _ACTIVATIONS:
            raise ValueError(
                f"activation={self.activation!r} is not allowed; allowed: "
                "'sigmoid' or 'tanh'"
            )
        if not (np.isfinite(self.input) and self.input != 0):
            raise ValueError(
                f"input={self.input!r} is not allowed; allowed: a finite number "
                "other than 0"
            )
        low = 0.0 if self.activation == "sigmoid" else -1.0
        if not low < self.target < 1.0:
            raise ValueError(
                f"target={self.target!r} is not allowed with "
                f"activation={self.activation!r}; allowed: {low:g} < target < 1"
            )

    minimum_value = 0.0

    @property
    def dim(self) -> int:
        """The number of weights: one per layer."""
        return int(self.depth)

    def _act(self, z: Array) -> tuple[Array, Array]:
        """The activation and its slope at z."""
        if self.activation == "tanh":
            h = np.tanh(z)
            return h, 1.0 - np.square(h)
        # The sigmoid through tanh: no overflow for large |z|.
        h = 0.5 * (1.0 + np.tanh(0.5 * z))
        return h, h * (1.0 - h)

    def forward(self, w: Array) -> Array:
        """The units' outputs h_0 .. h_depth, shape (..., depth + 1)."""
        weights = _as_points(w, self.dim, "this chain")
        h = np.full(weights.shape[:-1], float(self.input))
        outputs = [h]
        for layer in range(self.dim):
            h, _ = self._act(weights[..., layer] * h)
            outputs.append(h)
        return np.stack(outputs, axis=-1)

    def layer_factors(self, w: Array) -> Array:
        """dh_l / dh_(l-1) = w_l act'(w_l h_(l-1)) for each layer l = 1..depth.

        The gradient reaching layer l is the error times the product of the
        factors of all later layers: shape (..., depth).
        """
        weights = _as_points(w, self.dim, "this chain")
        h = self.forward(weights)
        _, slope = self._act(weights * h[..., :-1])
        return weights * slope

    def value(self, w: Array) -> Array:
        """The loss for each weight vector, shape (..., depth) -> (...)."""
        return 0.5 * np.square(self.forward(w)[..., -1] - self.target)

    def grad(self, w: Array) -> Array:
        """The exact gradient by back-propagation, shape (..., depth)."""
        return self.value_and_grad(w)[1]

    def value_and_grad(self, w: Array) -> tuple[Array, Array]:
        """The loss and its gradient from one forward and one backward pass."""
        weights = _as_points(w, self.dim, "this chain")
        h = self.forward(weights)
        _, slope = self._act(weights * h[..., :-1])
        error = h[..., -1] - self.target
        grads = np.empty_like(weights)
        upstream = error  # d loss / d h_l, from the top layer down
        for layer in range(self.dim - 1, -1, -1):
            grads[..., layer] = upstream * slope[..., layer] * h[..., layer]
            upstream = upstream * weights[..., layer] * slope[..., layer]
        return 0.5 * np.square(error), grads


@dataclass(frozen=True)
class PiecewiseQuadratic:
    """A 1-D strongly convex loss on which heavy ball cycles forever.

    The slope is linear on three pieces, with curvature L, μ, then L::

        f'(x) = L x              for x < 1
        f'(x) = μ x + (L - μ)    for 1 <= x < 2
        f'(x) = L x - (L - μ)    for x >= 2

    so f is μ-strongly convex and L-smooth, with its minimum 0 at x = 0.
    With the defaults μ = 1, L = 25 this is the counterexample of Lessard,
    Recht and Packard (2016): heavy ball with Polyak's tuning for κ = 25,
    started at rest near x = 3.3, falls into a cycle of three points and
    never converges, although every piece alone is a quadratic it solves.
    Points have shape ``(..., 1)``.

    Parameters
    ----------
    smallest, largest : float
        The two curvatures μ and L, with 0 < μ <= L.
    """

    smallest: float = 1.0
    largest: float = 25.0

    dim = 1
    minimum_value = 0.0

    def __post_init__(self):
        mu, big = self.smallest, self.largest
        if not (np.isfinite(mu) and np.isfinite(big) and 0 < mu <= big):
            raise ValueError(
                f"smallest={mu!r}, largest={big!r} is not allowed; "
                "allowed: finite numbers with 0 < smallest <= largest"
            )

    @property
    def minimizer(self) -> Array:
        """The point x = 0, shape (1,)."""
        return np.zeros(1)

    @property
    def condition_number(self) -> float:
        """κ = L / μ."""
        return float(self.largest / self.smallest)

    @property
    def window(self) -> tuple[tuple[float, float]]:
        """(low, high) framing the minimum and the kinks at 1 and 2."""
        return ((-3.0, 4.0),)

    def value(self, x: Array) -> Array:
        """The loss at each point of x, shape (..., 1) -> (...)."""
        u = _as_points(x, 1, "this piecewise quadratic")[..., 0]
        mu, big, gap = self.smallest, self.largest, self.largest - self.smallest
        low = 0.5 * big * np.square(u)
        middle = 0.5 * mu * np.square(u) + gap * u - 0.5 * gap
        high = 0.5 * big * np.square(u) - gap * u + 1.5 * gap
        return np.where(u < 1, low, np.where(u < 2, middle, high))

    def grad(self, x: Array) -> Array:
        """The exact slope at each point, shape (..., 1)."""
        u = _as_points(x, 1, "this piecewise quadratic")
        mu, big, gap = self.smallest, self.largest, self.largest - self.smallest
        return np.where(u < 1, big * u, np.where(u < 2, mu * u + gap, big * u - gap))

    def value_and_grad(self, x: Array) -> tuple[Array, Array]:
        """Both the loss and its slope."""
        return self.value(x), self.grad(x)

    def curvature(self, x: Array) -> Array:
        """The second derivative at each point: μ on [1, 2), L elsewhere."""
        u = _as_points(x, 1, "this piecewise quadratic")[..., 0]
        return np.where((u >= 1) & (u < 2), self.smallest, self.largest)


@dataclass(frozen=True, eq=False)
class DiagonalQuadratic:
    """f(x) = ½ Σ λ_i (x_i - x*_i)²: a quadratic already in its eigenbasis.

    Each step costs O(dim), not O(dim²) as for `Quadratic`, so it suits
    problems with very many directions, such as `evenly_spread`.

    Parameters
    ----------
    eigenvalues : array of float
        The curvature λ_i of each coordinate; all must be > 0.
    minimizer : array, optional
        The point x*; the origin by default.
    """

    eigenvalues: Array
    minimizer: Array | None = None

    minimum_value = 0.0

    def __post_init__(self):
        eigenvalues = np.asarray(self.eigenvalues, dtype=float)
        if (
            eigenvalues.ndim != 1
            or eigenvalues.size == 0
            or not np.all(np.isfinite(eigenvalues) & (eigenvalues > 0))
        ):
            raise ValueError(
                f"eigenvalues={self.eigenvalues!r} is not allowed; "
                "allowed: a one-dimensional array of finite numbers > 0"
            )
        dim = eigenvalues.size
        minimizer = (
            np.zeros(dim)
            if self.minimizer is None
            else np.asarray(self.minimizer, dtype=float)
        )
        if minimizer.shape != (dim,) or not np.all(np.isfinite(minimizer)):
            raise ValueError(
                f"minimizer with shape {minimizer.shape} is not allowed; "
                f"allowed: finite numbers, shape ({dim},)"
            )
        object.__setattr__(self, "eigenvalues", eigenvalues)
        object.__setattr__(self, "minimizer", minimizer)

    @classmethod
    def evenly_spread(cls, dim: int, largest: float = 1.0) -> DiagonalQuadratic:
        """Eigenvalues largest * i / dim for i = 1, ..., dim.

        The smallest is largest / dim: with many coordinates the problem is
        strongly convex only in name, and for the first steps it behaves
        like a convex quadratic whose curvatures reach down to 0.
        """
        if not (isinstance(dim, int) and dim >= 1):
            raise ValueError(f"dim={dim!r} is not allowed; allowed: an integer >= 1")
        if not (np.isfinite(largest) and largest > 0):
            raise ValueError(
                f"largest={largest!r} is not allowed; allowed: a finite number > 0"
            )
        return cls(largest * np.arange(1, dim + 1) / dim)

    @property
    def dim(self) -> int:
        """The number of coordinates."""
        return self.eigenvalues.size

    @property
    def condition_number(self) -> float:
        """κ = L / μ, the largest eigenvalue over the smallest."""
        return float(self.eigenvalues.max() / self.eigenvalues.min())

    @property
    def window(self) -> tuple[tuple[float, float], ...]:
        """(low, high) for each of the first two coordinates, for plotting."""
        return tuple((c - 2.0, c + 2.0) for c in self.minimizer[:2])

    def value(self, x: Array) -> Array:
        """The loss at each point of x, shape (..., dim) -> (...)."""
        d = _as_points(x, self.dim, "this quadratic") - self.minimizer
        return 0.5 * rowwise_dot(d, self.eigenvalues * d)

    def grad(self, x: Array) -> Array:
        """The exact gradient λ_i (x_i - x*_i) at each point, shape (..., dim)."""
        d = _as_points(x, self.dim, "this quadratic") - self.minimizer
        return self.eigenvalues * d

    def value_and_grad(self, x: Array) -> tuple[Array, Array]:
        """Both at once, sharing the product with the eigenvalues."""
        d = _as_points(x, self.dim, "this quadratic") - self.minimizer
        grad = self.eigenvalues * d
        return 0.5 * rowwise_dot(d, grad), grad

    def hessian(self, x: Array) -> Array:
        """The Hessian diag(λ) at each point of x: shape (..., dim, dim)."""
        points = _as_points(x, self.dim, "this quadratic")
        return np.broadcast_to(
            np.diag(self.eigenvalues), (*points.shape, self.dim)
        ).copy()


class NoisyGradients:
    """Another problem whose gradients carry Gaussian noise: a model of SGD.

    ``value`` is the exact loss of ``problem``; ``grad`` adds independent
    normal noise of standard deviation ``noise`` to every coordinate, as a
    minibatch gradient scatters around the full one. A run on it is a run
    of stochastic gradient descent (with momentum, if the optimizer has it).

    Parameters
    ----------
    problem : any problem of this module
    noise : float
        The standard deviation of the noise, a finite number >= 0.
    seed : int
        Seeds the generator made here. It advances at every call of
        ``grad``, so make a new instance for each run that should repeat.
    """

    def __init__(self, problem, noise: float, seed: int = 0):
        number = isinstance(noise, int | float) and not isinstance(noise, bool)
        if not (number and np.isfinite(noise) and noise >= 0):
            raise ValueError(
                f"noise={noise!r} is not allowed; allowed: a finite number >= 0"
            )
        self.problem, self.noise = problem, float(noise)
        self.dim, self.minimum_value = problem.dim, problem.minimum_value
        self.minimizer, self.window = problem.minimizer, problem.window
        self._generator = np.random.default_rng(seed)

    def value(self, x: Array) -> Array:
        """The exact loss of the underlying problem."""
        return self.problem.value(x)

    def grad(self, x: Array) -> Array:
        """The exact gradient plus fresh noise, shape (..., dim)."""
        exact = self.problem.grad(x)
        return exact + self.noise * self._generator.standard_normal(exact.shape)

    def value_and_grad(self, x: Array) -> tuple[Array, Array]:
        """The exact loss and a noisy gradient."""
        return self.value(x), self.grad(x)


# ---------------------------------------------------------------------------
# Small models on real data: scikit-learn's handwritten digits.


@dataclass(frozen=True, eq=False)
class Digits:
    """Handwritten digits split into a training and a validation set.

    Each input is an 8×8 image flattened to 64 features, scaled with the
    training set's mean and standard deviation; labels are 0 to 9.
    """

    train_inputs: Array
    train_labels: Array
    validation_inputs: Array
    validation_labels: Array

    @property
    def features(self) -> int:
        """The number of features per example: 64."""
        return self.train_inputs.shape[1]

    @property
    def classes(self) -> int:
        """The number of classes: 10."""
        return 10


def digits(
    seed: int = 0, validation_fraction: float = 0.25, train_size: int | None = None
) -> Digits:
    """scikit-learn's 1797 handwritten digits, split and scaled; no download.

    Parameters
    ----------
    seed : int
        Seeds the shuffle that splits the examples: the same seed gives the
        same split.
    validation_fraction : float
        The share of examples held out for validation, in (0, 1).
    train_size : int, optional
        Keep only the first ``train_size`` training examples of the shuffle
        (all of them by default): a small training set overfits sooner.

    Notes
    -----
    Each feature is shifted and scaled by its mean and standard deviation
    on the training examples (features constant there are only shifted),
    and the validation examples get the same shift and scale.
    """
    from sklearn.datasets import load_digits

    if not (isinstance(seed, int | np.integer) and not isinstance(seed, bool)):
        raise ValueError(f"seed={seed!r} is not allowed; allowed: an integer")
    if not (isinstance(validation_fraction, float) and 0 < validation_fraction < 1):
        raise ValueError(
            f"validation_fraction={validation_fraction!r} is not allowed; "
            "allowed: a float strictly between 0 and 1"
        )
    inputs, labels = load_digits(return_X_y=True)
    order = np.random.default_rng(seed).permutation(labels.size)
    held_out = round(validation_fraction * labels.size)
    train, validation = order[held_out:], order[:held_out]
    if train_size is not None:
        if not (
            isinstance(train_size, int | np.integer)
            and not isinstance(train_size, bool)
            and 1 <= train_size <= train.size
        ):
            raise ValueError(
                f"train_size={train_size!r} is not allowed; allowed: an integer "
                f"from 1 to {train.size}"
            )
        train = train[:train_size]
    mean = inputs[train].mean(axis=0)
    spread = inputs[train].std(axis=0)
    spread = np.where(spread > 0, spread, 1.0)
    return Digits(
        (inputs[train] - mean) / spread,
        labels[train].astype(int),
        (inputs[validation] - mean) / spread,
        labels[validation].astype(int),
    )


_BLAS_CONTROLLER: list = []


def _one_blas_thread():
    """A context in which matrix products use a single thread.

    The models' matrices are small: splitting their products over threads
    costs more than it saves, many times more on a busy machine.
    """
    if not _BLAS_CONTROLLER:
        from threadpoolctl import ThreadpoolController

        _BLAS_CONTROLLER.append(ThreadpoolController())
    return _BLAS_CONTROLLER[0].limit(limits=1, user_api="blas")


class _Classifier:
    """What the two digit models share: data, mini-batches, batched points.

    A subclass sets ``dim`` and defines ``_loss_and_grad(points, inputs,
    labels, with_grad)`` for points of shape (n, dim).
    """

    minimum_value = 0.0

    def __init__(
        self,
        inputs: Array,
        labels: Array,
        batch_size: int | None,
        seed: int,
    ) -> None:
        inputs = np.asarray(inputs, dtype=float)
        labels = np.asarray(labels)
        if inputs.ndim != 2 or inputs.shape[0] == 0:
            raise ValueError(
                f"inputs has shape {inputs.shape}; allowed: (examples, features) "
                "with at least one example"
            )
        if (
            labels.shape != inputs.shape[:1]
            or not np.issubdtype(labels.dtype, np.integer)
            or labels.min() < 0
            or labels.max() >= 10
        ):
            raise ValueError(
                f"labels with shape {labels.shape} and dtype {labels.dtype} is not "
                f"allowed; allowed: integers from 0 to 9, shape ({inputs.shape[0]},)"
            )
        if batch_size is not None and not (
            isinstance(batch_size, int | np.integer)
            and not isinstance(batch_size, bool)
            and 1 <= batch_size <= inputs.shape[0]
        ):
            raise ValueError(
                f"batch_size={batch_size!r} is not allowed; allowed: None (the "
                f"full gradient) or an integer from 1 to {inputs.shape[0]}"
            )
        self.inputs, self.labels = inputs, labels.astype(int)
        self.features, self.classes = inputs.shape[1], 10
        self.batch_size, self.seed = batch_size, seed
        self._generator = np.random.default_rng(seed)

    def _batched(self, x: Array, with_grad: bool, inputs, labels):
        points = _as_points(x, self.dim, type(self).__name__)
        flat = points.reshape(-1, self.dim)
        losses, grads = np.empty(flat.shape[0]), np.empty_like(flat)
        # A few parameter vectors at a time: the hidden units of a long
        # stack of positions would not fit in memory all at once.
        with _one_blas_thread():
            for start in range(0, flat.shape[0], 16):
                chunk = slice(start, start + 16)
                loss, grad = self._loss_and_grad(flat[chunk], inputs, labels, with_grad)
                losses[chunk] = loss
                if with_grad:
                    grads[chunk] = grad
        return losses.reshape(points.shape[:-1]), grads.reshape(points.shape)

    def _batch(self) -> tuple[Array, Array]:
        """The examples for the next gradient: all, or a fresh mini-batch."""
        if self.batch_size is None:
            return self.inputs, self.labels
        chosen = self._generator.choice(
            self.labels.size, size=self.batch_size, replace=False
        )
        return self.inputs[chosen], self.labels[chosen]

    def value(self, x: Array) -> Array:
        """The mean cross-entropy over all the examples, (..., dim) -> (...)."""
        return self._batched(x, False, self.inputs, self.labels)[0]

    def grad(self, x: Array) -> Array:
        """The exact gradient of the loss on the next batch, shape (..., dim).

        With ``batch_size=None`` that is the full gradient; otherwise each
        call draws a fresh mini-batch, the same one for every point of x.
        """
        return self._batched(x, True, *self._batch())[1]

    def value_and_grad(self, x: Array) -> tuple[Array, Array]:
        """The full loss and the gradient on the next batch."""
        if self.batch_size is None:
            return self._batched(x, True, self.inputs, self.labels)
        return self.value(x), self.grad(x)

    def predict(self, x: Array) -> Array:
        """The predicted class of every example, shape (..., examples)."""
        points = _as_points(x, self.dim, type(self).__name__)
        return np.argmax(self._logits(points), axis=-1)

    def accuracy(self, x: Array) -> Array:
        """The share of examples classified correctly, (..., dim) -> (...)."""
        return np.mean(self.predict(x) == self.labels, axis=-1)

    def on(self, inputs: Array, labels: Array):
        """The same model on other examples (full batch): for validation."""
        return self._with_data(inputs, labels)


def _cross_entropy(logits: Array, labels: Array) -> tuple[Array, Array]:
    """Mean cross-entropy of softmax(logits) and its gradient in the logits.

    logits has shape (examples, n, classes), one column per parameter
    vector; the loss has shape (n,).
    """
    shifted = logits - logits.max(axis=-1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    examples = np.arange(labels.size)
    loss = -log_probs[examples, :, labels].mean(axis=0)
    dlogits = np.exp(log_probs)
    dlogits[examples, :, labels] -= 1.0
    return loss, dlogits / labels.size


def _side_by_side(matrices: Array) -> Array:
    """Matrices (n, rows, cols) placed side by side: shape (rows, n * cols).

    inputs @ side_by_side then multiplies every matrix in one product.
    """
    n, rows, cols = matrices.shape
    return np.moveaxis(matrices, 0, 1).reshape(rows, n * cols)


class SoftmaxRegression(_Classifier):
    """Multinomial logistic regression: logits = inputs @ W + b, 10 classes.

    The parameter vector holds W (features × 10, row by row) and then b,
    so ``dim = 10 * (features + 1)``; the loss is the mean cross-entropy.

    Parameters
    ----------
    inputs : array, shape (examples, features)
    labels : array of int, shape (examples,)
        Classes 0 to 9.
    batch_size : int, optional
        None: ``grad`` is the full gradient. An integer: each call of
        ``grad`` uses a mini-batch of that many examples, drawn without
        replacement by a generator seeded with ``seed``. It advances at
        every call, so make a new instance for each run that should repeat.
    seed : int

    Notes
    -----
    ``value`` is always the loss on all the examples, as NoisyGradients'
    is the exact loss: a run records the true training loss while it
    steps with mini-batch gradients.
    """

    def __init__(
        self,
        inputs: Array,
        labels: Array,
        *,
        batch_size: int | None = None,
        seed: int = 0,
    ) -> None:
        super().__init__(inputs, labels, batch_size, seed)
        self.dim = self.classes * (self.features + 1)

    def _with_data(self, inputs: Array, labels: Array) -> SoftmaxRegression:
        return SoftmaxRegression(inputs, labels)

    def unpack(self, x: Array) -> tuple[Array, Array]:
        """The weights (..., features, 10) and biases (..., 10) in x."""
        points = _as_points(x, self.dim, "SoftmaxRegression")
        cut = self.features * self.classes
        weights = points[..., :cut].reshape(*points.shape[:-1], self.features, -1)
        return weights, points[..., cut:]

    def initial(self, seed: int = 0) -> Array:
        """A starting point: all zeros (the loss is convex; no symmetry to break).

        ``seed`` is accepted, and unused, so both models start the same way.
        """
        return np.zeros(self.dim)

    def _logits(self, points: Array) -> Array:
        weights, biases = self.unpack(points)
        return self.inputs @ weights + biases[..., None, :]

    def _loss_and_grad(self, points, inputs, labels, with_grad):
        # Examples first: logits[i, j] are example i's logits under point j.
        weights, biases = self.unpack(points)
        n, examples = len(points), len(labels)
        logits = (inputs @ _side_by_side(weights)).reshape(examples, n, -1) + biases
        loss, dlogits = _cross_entropy(logits, labels)
        if not with_grad:
            return loss, None
        dweights = inputs.T @ dlogits.reshape(examples, -1)
        dweights = np.moveaxis(dweights.reshape(self.features, n, -1), 1, 0)
        dbiases = dlogits.sum(axis=0)
        return loss, np.concatenate([dweights.reshape(n, -1), dbiases], axis=1)


class MultilayerPerceptron(_Classifier):
    """A network with one hidden layer of tanh units and a softmax output.

        hidden = tanh(inputs @ W1 + b1),  logits = hidden @ W2 + b2

    The parameter vector holds W1, b1, W2, b2 in that order (matrices row
    by row); the loss is the mean cross-entropy. The parameters are the
    same as `SoftmaxRegression`'s, plus ``hidden``, the number of hidden
    units (32 by default).
    """

    def __init__(
        self,
        inputs: Array,
        labels: Array,
        *,
        hidden: int = 32,
        batch_size: int | None = None,
        seed: int = 0,
    ) -> None:
        if not (
            isinstance(hidden, int | np.integer)
            and not isinstance(hidden, bool)
            and hidden >= 1
        ):
            raise ValueError(
                f"hidden={hidden!r} is not allowed; allowed: an integer >= 1"
            )
        super().__init__(inputs, labels, batch_size, seed)
        self.hidden = int(hidden)
        self.dim = (self.features + 1) * self.hidden + (self.hidden + 1) * 10

    def _with_data(self, inputs: Array, labels: Array) -> MultilayerPerceptron:
        return MultilayerPerceptron(inputs, labels, hidden=self.hidden)

    def unpack(self, x: Array) -> tuple[Array, Array, Array, Array]:
        """W1 (..., features, hidden), b1, W2 (..., hidden, 10) and b2 in x."""
        points = _as_points(x, self.dim, "MultilayerPerceptron")
        lead, f, h = points.shape[:-1], self.features, self.hidden
        ends = np.cumsum([f * h, h, h * self.classes])
        w1 = points[..., : ends[0]].reshape(*lead, f, h)
        b1 = points[..., ends[0] : ends[1]]
        w2 = points[..., ends[1] : ends[2]].reshape(*lead, h, self.classes)
        return w1, b1, w2, points[..., ends[2] :]

    def initial(self, seed: int = 0) -> Array:
        """Random weights of scale 1/√(fan-in), zero biases: shape (dim,).

        The weights must differ from unit to unit: from all zeros, every
        hidden unit would get the same gradient and stay the same.
        """
        rng = np.random.default_rng(seed)
        w1 = rng.normal(size=(self.features, self.hidden)) / np.sqrt(self.features)
        w2 = rng.normal(size=(self.hidden, self.classes)) / np.sqrt(self.hidden)
        zeros = np.zeros
        return np.concatenate(
            [w1.ravel(), zeros(self.hidden), w2.ravel(), zeros(self.classes)]
        )

    def _logits(self, points: Array) -> Array:
        w1, b1, w2, b2 = self.unpack(points)
        hidden = np.tanh(self.inputs @ w1 + b1[..., None, :])
        return hidden @ w2 + b2[..., None, :]

    def _loss_and_grad(self, points, inputs, labels, with_grad):
        # Examples first: hidden[i, j] are example i's hidden units under
        # point j, so the first layer of all points is one matrix product.
        w1, b1, w2, b2 = self.unpack(points)
        n, examples = len(points), len(labels)
        first = (inputs @ _side_by_side(w1)).reshape(examples, n, -1)
        hidden = np.tanh(first + b1)
        per_point = np.swapaxes(hidden, 0, 1)  # (n, examples, hidden)
        logits = np.swapaxes(per_point @ w2, 0, 1) + b2
        loss, dlogits = _cross_entropy(logits, labels)
        if not with_grad:
            return loss, None

        # Back-propagation: from the logits to the output layer's weights,
        # then through tanh (slope 1 - tanh²) to the hidden layer's.
        dlogits_per_point = np.swapaxes(dlogits, 0, 1)
        dw2 = np.swapaxes(per_point, 1, 2) @ dlogits_per_point
        dhidden = dlogits_per_point @ np.swapaxes(w2, 1, 2)
        dfirst = np.swapaxes(dhidden, 0, 1) * (1.0 - np.square(hidden))
        dw1 = inputs.T @ dfirst.reshape(examples, -1)
        dw1 = np.moveaxis(dw1.reshape(self.features, n, -1), 1, 0)
        parts = [dw1, dfirst.sum(axis=0), dw2, dlogits.sum(axis=0)]
        return loss, np.concatenate([p.reshape(n, -1) for p in parts], axis=1)


class MovingTarget:
    """A bowl whose minimizer drifts along a line and may jump: a problem
    that changes while it is solved.

    f_t(x) = ½ Σ λ_i (x_i - m_i(t))², with the minimizer
    m(t) = start + t * drift, plus ``jump`` from step ``jump_at`` on.

    The time t is a clock inside the problem: each call of ``value_and_grad``
    is one step of a run, and `course_lib.run.run` calls it once at the start
    and once after every update. So the loss a run records at step k, and
    the gradient of update k + 1, are those of time k. ``value`` and
    ``grad`` look at the current time without moving the clock (a
    look-ahead method asks for a second gradient within the same step).
    Because of the clock, give each run its own instance: `fresh` makes one.

    Parameters
    ----------
    eigenvalues : array of float
        The curvature of each coordinate, all > 0.
    drift : array of float
        How far the minimizer moves per step, shape (dim,).
    start : array, optional
        The minimizer at time 0; the origin by default.
    jump_at : int, optional
        The step at which the minimizer jumps, >= 1; no jump by default.
    jump : array, optional
        The jump, shape (dim,); required with ``jump_at``.
    """

    minimum_value = 0.0

    def __init__(
        self,
        eigenvalues: Array,
        drift: Array,
        *,
        start: Array | None = None,
        jump_at: int | None = None,
        jump: Array | None = None,
    ):
        self.bowl = DiagonalQuadratic(eigenvalues, start)
        dim = self.bowl.dim
        for name, given in (("drift", drift), ("jump", jump)):
            if name == "jump" and given is None:
                continue
            vector = np.asarray(given, dtype=float)
            if vector.shape != (dim,) or not np.all(np.isfinite(vector)):
                raise ValueError(
                    f"{name}={given!r} is not allowed; allowed: finite numbers, "
                    f"shape ({dim},)"
                )
        if (jump_at is None) != (jump is None):
            raise ValueError(
                f"jump_at={jump_at!r} with jump={jump!r} is not allowed; "
                "allowed: both given, or neither"
            )
        if jump_at is not None and not (
            isinstance(jump_at, int | np.integer)
            and not isinstance(jump_at, bool)
            and jump_at >= 1
        ):
            raise ValueError(
                f"jump_at={jump_at!r} is not allowed; allowed: an integer >= 1"
            )
        self.drift = np.asarray(drift, dtype=float)
        self.jump = np.zeros(dim) if jump is None else np.asarray(jump, dtype=float)
        self.jump_at = jump_at
        self._calls = 0

    @property
    def dim(self) -> int:
        return self.bowl.dim

    @property
    def eigenvalues(self) -> Array:
        return self.bowl.eigenvalues

    @property
    def condition_number(self) -> float:
        return self.bowl.condition_number

    @property
    def window(self) -> tuple[tuple[float, float], ...]:
        return self.bowl.window

    def fresh(self) -> MovingTarget:
        """The same problem with its clock back at time 0, for a new run."""
        return MovingTarget(
            self.eigenvalues,
            self.drift,
            start=self.bowl.minimizer,
            jump_at=self.jump_at,
            jump=None if self.jump_at is None else self.jump,
        )

    @property
    def time(self) -> int:
        """The current step: the number of calls of ``value_and_grad`` - 1."""
        return max(self._calls - 1, 0)

    def minimizer_at(self, time: int | Array) -> Array:
        """The minimizer at each given time, shape (*time.shape, dim)."""
        t = np.asarray(time, dtype=float)[..., None]
        jumped = 0.0 if self.jump_at is None else (t >= self.jump_at)
        return self.bowl.minimizer + t * self.drift + jumped * self.jump

    @property
    def minimizer(self) -> Array:
        """The minimizer at the current time."""
        return self.minimizer_at(self.time)

    def _bowl_now(self) -> DiagonalQuadratic:
        """The bowl as it stands at the current time."""
        return replace(self.bowl, minimizer=self.minimizer)

    def value(self, x: Array) -> Array:
        """The loss at the current time, shape (..., dim) -> (...)."""
        return self._bowl_now().value(x)

    def grad(self, x: Array) -> Array:
        """The gradient λ_i (x_i - m_i(t)) at the current time."""
        return self._bowl_now().grad(x)

    def value_and_grad(self, x: Array) -> tuple[Array, Array]:
        """Start the next step of the clock, then give the loss and gradient."""
        self._calls += 1
        return self._bowl_now().value_and_grad(x)


@dataclass(frozen=True)
class Cliff:
    """A gentle 2-D bowl with a cliff across it: one huge gradient on the way.

    f(x, y) = ½ (a x² + b y²) + drop · s(t),
    t = clamp((x - edge + width) / (2 width), 0, 1),   s(t) = 3t² - 2t³

    Right of ``edge + width`` the surface is the bowl raised by ``drop``; left
    of ``edge - width`` it is the bowl itself; in between, the smooth step s
    falls by ``drop`` over a distance of ``2 width``. A descent started on
    the high side walks gently down to the cliff and then meets a gradient
    up to 1.5 drop / (2 width) in size: the exploding gradient of a
    recurrent network, in its smallest form. The minimum is 0 at the origin.

    Parameters
    ----------
    drop : float
        The height of the cliff, > 0.
    edge : float
        Where the cliff is steepest, with edge > width (so that the cliff
        stays right of the minimizer).
    width : float
        Half the horizontal extent of the cliff, > 0.
    curvatures : (a, b)
        The bowl's curvatures along x and y, both > 0.
    """

    drop: float = 1000.0
    edge: float = 2.0
    width: float = 0.5
    curvatures: tuple[float, float] = (0.1, 1.0)

    dim = 2
    minimum_value = 0.0

    def __post_init__(self):
        numbers = [self.drop, self.edge, self.width]
        if not (np.all(np.isfinite(numbers)) and self.drop > 0 and self.width > 0):
            raise ValueError(
                f"drop={self.drop!r}, width={self.width!r} is not allowed; allowed: "
                "finite numbers > 0"
            )
        if not self.edge > self.width:
            raise ValueError(
                f"edge={self.edge!r} with width={self.width!r} is not allowed; "
                "allowed: a finite edge > width (the cliff right of the minimizer)"
            )
        try:
            a, b = (float(c) for c in self.curvatures)
        except (TypeError, ValueError):
            a = b = np.nan
        if not (np.isfinite(a) and np.isfinite(b) and a > 0 and b > 0):
            raise ValueError(
                f"curvatures={self.curvatures!r} is not allowed; allowed: two "
                "finite numbers > 0"
            )
        object.__setattr__(self, "curvatures", (a, b))

    @property
    def minimizer(self) -> Array:
        """The origin: the bowl's centre, left of the cliff."""
        return np.zeros(2)

    @property
    def window(self) -> tuple[tuple[float, float], tuple[float, float]]:
        """((x_min, x_max), (y_min, y_max)): the cliff, the minimum, some room."""
        right = self.edge + self.width + 2.0
        return (-right, right), (-3.0, 3.0)

    @property
    def steepest(self) -> float:
        """The largest slope of the cliff alone: 1.5 drop / (2 width)."""
        return 1.5 * self.drop / (2.0 * self.width)

    def _step(self, u: Array) -> Array:
        return np.clip((u - self.edge + self.width) / (2.0 * self.width), 0.0, 1.0)

    def value(self, x: Array) -> Array:
        """The loss at each point of x, shape (..., 2) -> (...)."""
        p = _as_points(x, 2, "the cliff")
        a, b = self.curvatures
        t = self._step(p[..., 0])
        bowl = 0.5 * (a * np.square(p[..., 0]) + b * np.square(p[..., 1]))
        return bowl + self.drop * np.square(t) * (3.0 - 2.0 * t)

    def grad(self, x: Array) -> Array:
        """The exact gradient at each point, shape (..., 2)."""
        p = _as_points(x, 2, "the cliff")
        a, b = self.curvatures
        t = self._step(p[..., 0])
        fall = self.drop * 6.0 * t * (1.0 - t) / (2.0 * self.width)
        return np.stack([a * p[..., 0] + fall, b * p[..., 1]], axis=-1)

    def value_and_grad(self, x: Array) -> tuple[Array, Array]:
        """Both the loss and its gradient."""
        return self.value(x), self.grad(x)

    def hessian(self, x: Array) -> Array:
        """The exact Hessian at each point, shape (..., 2, 2); it is diagonal.

        At the ends of the cliff (t = 0 or 1) the curvature jumps; there the
        formula gives the value from inside the cliff.
        """
        p = _as_points(x, 2, "the cliff")
        a, b = self.curvatures
        u = p[..., 0]
        t = self._step(u)
        inside = (t > 0) & (t < 1)
        bend = self.drop * (6.0 - 12.0 * t) / (2.0 * self.width) ** 2
        bend = np.where(inside, bend, 0.0)
        top = np.stack([a + bend, np.zeros_like(u)], axis=-1)
        bottom = np.stack([np.zeros_like(u), np.full_like(u, b)], axis=-1)
        return np.stack([top, bottom], axis=-2)
