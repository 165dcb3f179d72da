"""Tests of course_lib.plots: each figure draws on an Axes and returns artists."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.collections import QuadMesh
from matplotlib.colors import to_hex
from matplotlib.contour import ContourSet
from matplotlib.lines import Line2D
from numpy.testing import assert_allclose, assert_array_equal

from course_lib import optim, plots, problems, run

RAVINE = problems.Quadratic.from_condition_number(10.0, angle=0.4)


@pytest.fixture
def ax():
    figure, axes = plt.subplots()
    yield axes
    plt.close(figure)


def test_contour_draws_level_sets_with_equal_aspect(ax):
    drawn = plots.contour(ax, RAVINE, levels=12)
    assert isinstance(drawn, ContourSet)
    assert len(drawn.levels) == 12
    assert np.all(np.diff(drawn.levels) > 0)
    assert ax.get_aspect() == 1.0
    assert ax.get_xlim() == RAVINE.window[0]
    assert ax.get_xlabel() and ax.get_ylabel()


def test_contour_of_rosenbrock_in_a_given_window(ax):
    plots.contour(ax, problems.Rosenbrock(), window=((-1.0, 1.5), (-0.5, 2.0)))
    assert ax.get_xlim() == (-1.0, 1.5)
    assert ax.get_ylim() == (-0.5, 2.0)


def test_contour_needs_a_2d_problem(ax):
    with pytest.raises(ValueError, match=r"needs a 2-D problem.*dim=3"):
        plots.contour(ax, problems.Quadratic(eigenvalues=[1.0, 2.0, 3.0]))


def test_path_draws_one_line_through_every_step(ax):
    trajectory = run.run(optim.momentum_classical(0.05, 0.8), RAVINE, np.ones(2), 30)
    line = plots.path(ax, trajectory.positions, "momentum")
    assert isinstance(line, Line2D)
    assert_array_equal(line.get_xdata(), trajectory.positions[:, 0])
    assert_array_equal(line.get_ydata(), trajectory.positions[:, 1])
    assert to_hex(line.get_color()) == plots.COLORS["momentum"].lower()


@pytest.mark.parametrize("shape", [(10,), (10, 3), (2, 10, 2)])
def test_path_rejects_bad_shapes(ax, shape):
    with pytest.raises(ValueError, match=r"positions has shape .*allowed: \(steps"):
        plots.path(ax, np.zeros(shape), "gd")


def test_loss_curves_on_a_log_scale_skip_non_positive_values(ax):
    curves = {
        "gradient descent": np.array([4.0, 2.0, 1.0, 0.0]),
        "Nesterov": np.array([4.0, 1.0, 0.25, 0.0625]),
    }
    lines = plots.loss_curves(ax, curves)
    assert len(lines) == 2 and all(isinstance(line, Line2D) for line in lines)
    assert ax.get_yscale() == "log"
    assert np.isnan(lines[0].get_ydata()[-1])
    assert_allclose(lines[1].get_ydata(), curves["Nesterov"])
    assert to_hex(lines[1].get_color()) == plots.COLORS["nesterov"].lower()
    assert ax.get_legend() is not None


def test_loss_curves_above_a_minimum_value(ax):
    (line,) = plots.loss_curves(ax, {"momentum": [3.0, 2.5, 2.25]}, minimum_value=2.0)
    assert_allclose(line.get_ydata(), [1.0, 0.5, 0.25])


def test_loss_curves_reject_a_batch_of_losses(ax):
    batched = np.ones((20, 3))
    with pytest.raises(ValueError, match=r"losses for 'momentum' has shape \(20, 3\)"):
        plots.loss_curves(ax, {"momentum": batched})


def test_rate_heatmap_masks_non_converging_cells(ax):
    learning_rates = np.geomspace(1e-3, 1.0, 6)
    betas = np.linspace(0.0, 0.9, 4)
    rates = np.linspace(0.2, 1.4, 24).reshape(6, 4)
    rates[0, 0] = np.nan
    mesh = plots.rate_heatmap(ax, learning_rates, betas, rates)
    assert isinstance(mesh, QuadMesh)
    shown = mesh.get_array()
    assert shown.mask.sum() == np.sum(~(rates < 1))
    assert ax.get_xscale() == "log"
    assert len(ax.figure.axes) == 2  # the heat-map and its colour bar


def test_rate_heatmap_rejects_a_grid_of_the_wrong_shape(ax):
    with pytest.raises(
        ValueError, match=r"rates has shape \(4, 6\); allowed: \(6, 4\)"
    ):
        plots.rate_heatmap(ax, np.ones(6), np.ones(4), np.ones((4, 6)))


def test_trajectory_paths_draws_each_run_on_the_contours(ax):
    runs = {
        "gradient descent": run.run(
            optim.gradient_descent(0.1), RAVINE, np.ones(2), 20
        ),
        "Nesterov": run.run(optim.nesterov(0.1, 0.7), RAVINE, np.ones(2), 20),
    }
    lines = plots.trajectory_paths(ax, RAVINE, runs)
    assert [line.get_label() for line in lines] == list(runs)
    assert len(ax.collections) >= 1  # the level sets
    assert ax.get_legend() is not None


def test_color_of_and_style():
    assert plots.color_of("Nesterov, beta = 0.9") == plots.COLORS["nesterov"]
    assert plots.color_of("something else") == plots.PALETTE["black"]
    with plt.rc_context():
        plots.use_style()
        assert plt.rcParams["axes.spines.top"] is False
        figure, axes = plt.subplots()
        (line,) = axes.plot([0, 1])
        assert to_hex(line.get_color()) == plots.PALETTE["orange"].lower()
        plt.close(figure)
