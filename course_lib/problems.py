"""Loss surfaces with exact gradients.

Every problem has ``value(x)`` and ``grad(x)`` that accept arrays of shape
``(..., dim)``: one point, or a whole batch of points at once. Each knows its
minimizer, its minimum value and a window that frames it for plotting.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = [
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

    The terms are added one by one, in order, with element-wise operations
    only, so a batch of rows gives bit for bit what each row gives alone.
    (A matrix product would not: BLAS rounds one row and many rows
    differently.) With the short last axes used here, this is also fast.
    """
    total = a[..., 0] * b[..., 0]
    for i in range(1, a.shape[-1]):
        total = total + a[..., i] * b[..., i]
    return total


def rowwise_matmul(x: Array, matrix: Array) -> Array:
    """x @ matrix for every row of x, added in the same order as rowwise_dot.

    Equal to x @ matrix up to rounding, and exactly the same for a batch of
    rows as for each row alone, which x @ matrix is not. It takes dim²
    element-wise operations, which is quick for the small dimensions of the
    course's problems.
    """
    result = np.empty((*x.shape[:-1], matrix.shape[1]))
    for j in range(matrix.shape[1]):
        result[..., j] = rowwise_dot(x, matrix[:, j])
    return result


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
        d = _as_points(x, self.dim, "this quadratic") - self.minimizer
        return 0.5 * rowwise_dot(d, rowwise_matmul(d, self.hessian))

    def grad(self, x: Array) -> Array:
        """The exact gradient A (x - x*) at each point, shape (..., dim)."""
        d = _as_points(x, self.dim, "this quadratic") - self.minimizer
        return rowwise_matmul(d, self.hessian)

    def value_and_grad(self, x: Array) -> tuple[Array, Array]:
        """Both at once, sharing the product with the Hessian."""
        d = _as_points(x, self.dim, "this quadratic") - self.minimizer
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
