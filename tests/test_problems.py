"""Tests of course_lib.problems: exact gradients, minimizers, shapes, set-up."""

import re

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from course_lib import problems

ROTATED = problems.Quadratic(
    eigenvalues=[0.5, 3.0, 40.0],
    rotation=np.linalg.qr(np.random.default_rng(1).normal(size=(3, 3)))[0],
    minimizer=[1.0, -2.0, 0.5],
)
PROBLEMS = {
    "axis-aligned quadratic": problems.Quadratic.from_condition_number(100.0),
    "rotated quadratic, 2-D": problems.Quadratic.from_condition_number(30.0, angle=0.7),
    "rotated quadratic, 3-D, shifted": ROTATED,
    "Rosenbrock": problems.Rosenbrock(),
    "Rosenbrock, a=-0.5, b=10": problems.Rosenbrock(a=-0.5, b=10.0),
}


def central_differences(problem, points, step=1e-6):
    """The gradient estimated from values at points +- step along each axis."""
    estimate = np.empty_like(points)
    for i in range(problem.dim):
        shift = np.zeros(problem.dim)
        shift[i] = step
        ahead, behind = problem.value(points + shift), problem.value(points - shift)
        estimate[..., i] = (ahead - behind) / (2 * step)
    return estimate


@pytest.mark.parametrize("name", PROBLEMS)
def test_gradient_matches_central_differences_on_a_batch(name):
    problem = PROBLEMS[name]
    points = np.random.default_rng(0).uniform(-2.0, 2.0, size=(4, 5, problem.dim))
    grads = problem.grad(points)
    assert grads.shape == points.shape
    assert_allclose(grads, central_differences(problem, points), rtol=1e-6, atol=1e-5)


@pytest.mark.parametrize("name", PROBLEMS)
def test_value_and_grad_equals_value_and_grad(name):
    problem = PROBLEMS[name]
    points = np.random.default_rng(2).normal(size=(7, problem.dim))
    value, grad = problem.value_and_grad(points)
    assert_array_equal(value, problem.value(points))
    assert_array_equal(grad, problem.grad(points))
    assert value.shape == (7,)


@pytest.mark.parametrize("name", PROBLEMS)
def test_batch_of_points_equals_points_one_at_a_time_exactly(name):
    # Bit for bit: this is what lets a batched run equal runs made one by one.
    problem = PROBLEMS[name]
    points = np.random.default_rng(3).normal(size=(500, problem.dim))
    values, grads = problem.value(points), problem.grad(points)
    assert_array_equal(values, [problem.value(p) for p in points])
    assert_array_equal(grads, [problem.grad(p) for p in points])
    assert problem.value(points[0]).shape == ()


@pytest.mark.parametrize("name", PROBLEMS)
def test_minimizer_is_stationary_with_the_minimum_value(name):
    problem = PROBLEMS[name]
    assert_allclose(problem.grad(problem.minimizer), 0.0, atol=1e-12)
    assert problem.value(problem.minimizer) == pytest.approx(problem.minimum_value)
    nearby = problem.minimizer + np.random.default_rng(4).normal(
        scale=1e-2, size=(10, problem.dim)
    )
    assert np.all(problem.value(nearby) > problem.minimum_value)


def test_quadratic_value_is_half_the_hessian_form():
    problem = ROTATED
    x = np.array([0.3, 1.0, -1.0])
    d = x - problem.minimizer
    assert problem.value(x) == pytest.approx(0.5 * d @ problem.hessian @ d)
    assert_allclose(np.linalg.eigvalsh(problem.hessian), [0.5, 3.0, 40.0])


def test_quadratic_eigenbasis_coordinates_diagonalize_the_value():
    x = np.array([[0.3, 1.0, -1.0], [2.0, 0.0, 1.0]])
    along_axes = ROTATED.to_eigenbasis(x)
    expected = 0.5 * (along_axes**2) @ ROTATED.eigenvalues
    assert_allclose(ROTATED.value(x), expected, rtol=1e-12)


def test_from_condition_number():
    quadratic = problems.Quadratic.from_condition_number(100.0)
    assert_allclose(quadratic.eigenvalues, [1.0, 100.0])
    assert quadratic.condition_number == pytest.approx(100.0)

    spread = problems.Quadratic.from_condition_number(64.0, dim=4, smallest=0.5)
    assert_allclose(spread.eigenvalues, [0.5, 2.0, 8.0, 32.0])
    assert spread.condition_number == pytest.approx(64.0)

    turned = problems.Quadratic.from_condition_number(10.0, angle=np.pi / 2)
    # Rotated by 90 degrees: the steep axis is now the first coordinate.
    assert_allclose(turned.hessian, [[10.0, 0.0], [0.0, 1.0]], atol=1e-12)


def test_window_frames_the_minimizer():
    for problem in PROBLEMS.values():
        (x0, x1), (y0, y1) = problem.window
        assert x0 < problem.minimizer[0] < x1
        assert y0 < problem.minimizer[1] < y1


@pytest.mark.parametrize("name", PROBLEMS)
@pytest.mark.parametrize("shape", [(), (3,), (4, 7)], ids=["scalar", "(3,)", "(4,7)"])
def test_points_of_the_wrong_shape_are_rejected(name, shape):
    problem = PROBLEMS[name]
    if shape and shape[-1] == problem.dim:
        shape = (*shape[:-1], problem.dim + 1)
    bad = np.ones(shape)
    for method in (problem.value, problem.grad, problem.value_and_grad):
        with pytest.raises(ValueError, match=rf"x has shape {re.escape(str(shape))}"):
            method(bad)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"eigenvalues": [1.0, -2.0]}, r"eigenvalues=\[1\.0, -2\.0\].*numbers > 0"),
        ({"eigenvalues": [1.0, np.nan]}, r"eigenvalues=.*finite numbers > 0"),
        ({"eigenvalues": [[1.0, 2.0]]}, r"eigenvalues=.*one-dimensional"),
        (
            {"eigenvalues": [1.0, 2.0], "rotation": [[1.0, 1.0], [0.0, 1.0]]},
            r"rotation with shape \(2, 2\).*orthogonal matrix",
        ),
        (
            {"eigenvalues": [1.0, 2.0], "rotation": np.eye(3)},
            r"rotation with shape \(3, 3\).*shape \(2, 2\)",
        ),
        (
            {"eigenvalues": [1.0, 2.0], "minimizer": [0.0, 0.0, 0.0]},
            r"minimizer has shape \(3,\); allowed: shape \(2,\)",
        ),
    ],
)
def test_bad_quadratic(kwargs, message):
    with pytest.raises(ValueError, match=message):
        problems.Quadratic(**kwargs)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"kappa": 0.5}, r"kappa=0\.5.*allowed: a finite number >= 1"),
        ({"kappa": np.inf}, r"kappa=inf.*allowed"),
        ({"kappa": 10.0, "dim": 0}, r"dim=0.*allowed: an integer >= 1"),
        ({"kappa": 10.0, "dim": 2.0}, r"dim=2\.0.*allowed: an integer >= 1"),
        ({"kappa": 10.0, "dim": 1}, r"kappa=10\.0 with dim=1.*allowed"),
    ],
)
def test_bad_condition_number_set_up(kwargs, message):
    with pytest.raises(ValueError, match=message):
        problems.Quadratic.from_condition_number(**kwargs)


def test_a_one_dimensional_quadratic_has_condition_number_one():
    line = problems.Quadratic.from_condition_number(1.0, dim=1, smallest=3.0)
    assert_allclose(line.eigenvalues, [3.0])
    assert line.value(np.array([2.0])) == pytest.approx(6.0)


def test_bad_rosenbrock():
    with pytest.raises(ValueError, match=r"b=-1\.0.*allowed: a finite, b finite"):
        problems.Rosenbrock(b=-1.0)
    with pytest.raises(ValueError, match=r"a=nan.*allowed"):
        problems.Rosenbrock(a=np.nan)


def test_rotation_2d_is_orthogonal_and_turns_counterclockwise():
    rotation = problems.rotation_2d(np.pi / 2)
    assert_allclose(rotation @ [1.0, 0.0], [0.0, 1.0], atol=1e-15)
    assert_allclose(rotation.T @ rotation, np.eye(2), atol=1e-15)


@pytest.mark.parametrize("dim", [2, 3, 12])
def test_rowwise_products_equal_numpy_and_do_not_depend_on_the_batch(dim):
    # dim 12 takes the path for larger matrices, which adds row by row.
    rng = np.random.default_rng(5)
    rows, other, matrix = (
        rng.normal(size=(3, 200, dim)),
        rng.normal(size=dim),
        rng.normal(size=(dim, dim)),
    )
    assert_allclose(
        problems.rowwise_dot(rows, other), rows @ other, rtol=1e-12, atol=1e-12
    )
    assert_allclose(
        problems.rowwise_matmul(rows, matrix), rows @ matrix, rtol=1e-12, atol=1e-12
    )
    one_by_one = [problems.rowwise_matmul(row, matrix) for row in rows[1]]
    assert_array_equal(problems.rowwise_matmul(rows, matrix)[1], one_by_one)
    dots = [problems.rowwise_dot(row, other) for row in rows[1]]
    assert_array_equal(problems.rowwise_dot(rows, other)[1], dots)


def test_rosenbrock_hessian_matches_finite_differences_of_the_gradient():
    valley = problems.Rosenbrock()
    points = np.random.default_rng(7).uniform(-1.5, 1.5, size=(5, 2))
    step = 1e-6
    columns = [
        (valley.grad(points + step * e) - valley.grad(points - step * e)) / (2 * step)
        for e in np.eye(2)
    ]
    numeric = np.stack(columns, axis=-1)
    assert np.allclose(valley.hessian(points), numeric, rtol=1e-6, atol=1e-4)
    assert np.allclose(valley.hessian(valley.minimizer), [[802, -400], [-400, 200]])


CURVES = {
    "plateau": problems.Curve.plateau(),
    "tilted double well": problems.Curve.tilted_double_well(),
    "narrow minimum": problems.Curve.narrow_minimum(),
    "no dips": problems.Curve(curvature=2.0, centre=-1.0),
}


@pytest.mark.parametrize("name", CURVES)
def test_curve_slope_matches_central_differences(name):
    curve = CURVES[name]
    ((low, high),) = curve.window
    points = np.random.default_rng(8).uniform(low, high, size=(6, 7, 1))
    grads = curve.grad(points)
    assert grads.shape == points.shape
    assert_allclose(grads, central_differences(curve, points), rtol=1e-6, atol=1e-8)
    value, grad = curve.value_and_grad(points)
    assert_array_equal(value, curve.value(points))
    assert_array_equal(grad, grads)


@pytest.mark.parametrize("name", CURVES)
def test_curve_on_a_batch_equals_points_one_at_a_time_exactly(name):
    curve = CURVES[name]
    points = np.random.default_rng(9).normal(scale=3.0, size=(300, 1))
    assert_array_equal(curve.value(points), [curve.value(p) for p in points])
    assert_array_equal(curve.grad(points), [curve.grad(p) for p in points])
    assert curve.value(points[0]).shape == ()


@pytest.mark.parametrize("name", CURVES)
def test_curve_minimizers_are_stationary_and_the_global_one_is_lowest(name):
    curve = CURVES[name]
    minima = curve.local_minimizers
    assert np.all(np.diff(minima) > 0)
    assert_allclose(curve.grad(minima[:, None]), 0.0, atol=1e-12)
    # A minimum: higher on both sides.
    for side in (-1e-4, 1e-4):
        assert np.all(
            curve.value(minima[:, None] + side) > curve.value(minima[:, None])
        )
    assert curve.minimizer.shape == (1,)
    assert curve.minimum_value == curve.value(curve.minimizer)
    assert curve.minimizer[0] in minima
    # Nothing on a fine grid far beyond the window is lower.
    ((low, high),) = curve.window
    grid = np.linspace(low - 50, high + 50, 200_001)[:, None]
    assert curve.value(grid).min() >= curve.minimum_value - 1e-12
    assert low < curve.minimizer[0] < high


def test_the_ready_made_curves_have_the_shapes_their_docstrings_describe():
    plateau = problems.Curve.plateau()
    assert_allclose(plateau.local_minimizers, [3.0], atol=1e-12)
    assert plateau.grad(np.array([-8.0]))[0] == pytest.approx(-0.055, abs=1e-3)

    well = problems.Curve.tilted_double_well()
    deep, shallow = well.local_minimizers
    assert deep == pytest.approx(-1.9, abs=0.05) and shallow == pytest.approx(
        1.8, abs=0.05
    )
    assert well.value(np.array([deep])) < well.value(np.array([shallow]))
    assert well.minimizer[0] == deep

    narrow = problems.Curve.narrow_minimum()
    dip, wide = narrow.local_minimizers
    assert dip == pytest.approx(0.0, abs=0.05) and wide == pytest.approx(2.0, abs=0.01)
    assert narrow.minimizer[0] == dip

    def curvature(x):
        step = 1e-5
        return float(
            (narrow.grad(np.array([x + step])) - narrow.grad(np.array([x - step])))[0]
            / (2 * step)
        )

    ratio = curvature(dip) / curvature(wide)
    assert 80 < ratio < 120, f"the narrow dip is {ratio:.0f} times as curved"


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (
            {"curvature": 0.0},
            r"curvature=0\.0 is not allowed; allowed: a finite number > 0",
        ),
        ({"curvature": 1.0, "centre": np.inf}, r"centre=inf is not allowed"),
        (
            {"curvature": 1.0, "dips": [(0.0, -1.0, 1.0)]},
            r"dips contains \(0\.0, -1\.0, 1\.0\)",
        ),
        ({"curvature": 1.0, "dips": [(0.0, 1.0, 0.0)]}, r"depth > 0 and width > 0"),
        ({"curvature": 1.0, "dips": [(0.0, 1.0)]}, r"dips contains \(0\.0, 1\.0\)"),
        (
            {"curvature": 1.0, "window": (2.0, 1.0)},
            r"window=\(2\.0, 1\.0\).*low < high",
        ),
        (
            {"curvature": 1e-12, "dips": [(0.0, 1.0, 0.1)]},
            r"curvature=1e-12 is not allowed",
        ),
    ],
)
def test_bad_curve(kwargs, message):
    with pytest.raises(ValueError, match=message):
        problems.Curve(**kwargs)


def test_curve_rejects_points_of_the_wrong_shape():
    curve = problems.Curve.plateau()
    for method in (curve.value, curve.grad, curve.value_and_grad):
        with pytest.raises(ValueError, match=r"x has shape \(3, 2\)"):
            method(np.ones((3, 2)))
