"""Tests of course_lib.widgets: the explorers, driven as a lecturer would.

Every explorer is swept through its controls' extremes, every curve and
surface, with warnings as errors (pyproject.toml): no exception, no warning,
the same figure and the same lines throughout, and a label that says where a
run diverged. The explorers draw on Agg here; no browser is needed.
"""

import base64
import io

import ipywidgets
import matplotlib
import matplotlib.image
import numpy as np
import pytest
from matplotlib.backend_bases import MouseButton, MouseEvent
from matplotlib.colors import to_rgb
from numpy.testing import assert_allclose, assert_array_equal

from course_lib import optim, plots, problems, run, theory, widgets

RAVINE = problems.Quadratic.from_condition_number(100.0, angle=np.pi / 6)
SURFACES = {"quadratic": RAVINE, "Rosenbrock": problems.Rosenbrock()}
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def extremes(control: ipywidgets.Widget) -> list:
    """The smallest and largest value a control allows."""
    if isinstance(control, ipywidgets.FloatLogSlider):
        return [control.base**control.min, control.base**control.max]
    if isinstance(control, ipywidgets.Dropdown):
        return list(control.options)
    return [control.min, control.max]


def artists(explorer) -> list:
    """The objects a change must update in place, never replace."""
    return [explorer.figure, *explorer.blitter.artists, *explorer.figure.axes]


def pixels(explorer) -> np.ndarray:
    return np.asarray(explorer.canvas.buffer_rgba()).copy()


def click(explorer, axes, x: float, y: float) -> None:
    """Press the left mouse button at data point (x, y) of ``axes``."""
    where = axes.transData.transform((x, y))
    MouseEvent(
        "button_press_event", explorer.canvas, *where, button=MouseButton.LEFT
    )._process()


def count_full_draws(explorer) -> list:
    draws = []
    explorer.canvas.mpl_connect("draw_event", lambda event: draws.append(event))
    return draws


def label_texts(explorer) -> list[str]:
    return [label.value for label in explorer.labels.values()]


def assert_labels_tell_the_outcome(explorer) -> None:
    trajectory = explorer.trajectory
    for i, text in enumerate(label_texts(explorer)):
        diverged_at = int(trajectory.diverged_at[i])
        if diverged_at >= 0:
            assert f"diverged at step {diverged_at}" in text
        else:
            assert f"after {trajectory.steps} steps" in text


# ---------------------------------------------------------------------------
# The race on a 2-D surface.


@pytest.mark.parametrize("name", SURFACES)
def test_race_explorer_survives_every_control_at_its_extremes(name):
    explorer = widgets.RaceExplorer(SURFACES[name], canvas="agg")
    kept = artists(explorer)
    for control_name, control in explorer.controls.items():
        initial = control.value
        for value in [*extremes(control), initial]:
            explorer.set(**{control_name: value})
            assert_labels_tell_the_outcome(explorer)
            assert artists(explorer) == kept, control_name
    low_x, high_x = extremes(explorer.controls["start_x"])
    low_y, high_y = extremes(explorer.controls["start_y"])
    high_rate = extremes(explorer.controls["learning_rate"])[1]
    for x, y in [(low_x, low_y), (high_x, high_y), (low_x, high_y)]:
        explorer.set(start_x=x, start_y=y, learning_rate=high_rate, beta=0.99)
        assert_labels_tell_the_outcome(explorer)
    assert artists(explorer) == kept


def test_race_explorer_says_where_each_method_diverged():
    explorer = widgets.RaceExplorer(RAVINE, canvas="agg")
    explorer.set(learning_rate=extremes(explorer.controls["learning_rate"])[1])
    trajectory = explorer.trajectory
    assert np.all(trajectory.diverged)
    (x_low, x_high), (y_low, y_high) = RAVINE.window
    for i, text in enumerate(label_texts(explorer)):
        diverged_at = int(trajectory.diverged_at[i])
        assert f"diverged at step {diverged_at}" in text
        # The loss stops at the last good step, the path where it leaves the
        # window: nothing explodes, and the axes keep their limits.
        assert explorer.loss_lines[i].get_xdata().size == diverged_at
        path = explorer.paths[i].get_xydata()
        assert_array_equal(path, trajectory.positions[: len(path), i])
        inside = (
            (x_low <= path[:, 0])
            & (path[:, 0] <= x_high)
            & (y_low <= path[:, 1])
            & (path[:, 1] <= y_high)
        )
        assert inside[:-1].all() and not inside[-1]
        assert explorer.ends[i].get_marker() == "X"
        assert_array_equal(explorer.ends[i].get_xydata(), path[-2:-1])
    assert explorer.surface_axes.get_xlim() == (x_low, x_high)
    assert explorer.loss_axes.get_xlim() == (0, 300)


def test_race_explorer_converges_by_default_and_labels_the_losses():
    explorer = widgets.RaceExplorer(RAVINE, canvas="agg")
    assert not np.any(explorer.trajectory.diverged)
    for i, text in enumerate(label_texts(explorer)):
        loss = explorer.trajectory.losses[-1, i]
        assert f"loss {loss:.2e} above the minimum after 300 steps" in text
        assert_array_equal(
            explorer.paths[i].get_xdata(), explorer.trajectory.positions[:, i, 0]
        )


def test_race_runs_three_methods_in_one_batch_as_three_separate_runs():
    start, learning_rate, beta = np.array([-1.5, 1.0]), 0.012, 0.8
    together = widgets.race(RAVINE, learning_rate, beta, start, 80)
    alone = [
        optim.gradient_descent(learning_rate),
        optim.momentum_classical(learning_rate, beta),
        optim.lookahead_momentum(learning_rate, beta),
    ]
    for i, optimizer in enumerate(alone):
        single = run.run(optimizer, RAVINE, start, 80)
        assert_allclose(together.positions[:, i], single.positions, atol=1e-12)


def test_dragging_blits_and_the_result_equals_a_full_redraw():
    explorer = widgets.RaceExplorer(RAVINE, canvas="agg")
    draws = count_full_draws(explorer)
    blits = []
    redraw = explorer.blitter.redraw
    explorer.blitter.redraw = lambda: blits.append(redraw())
    before = pixels(explorer)
    explorer.set(beta=0.5, start_x=-1.0)
    assert draws == [], "a slider that moves artists must not redraw everything"
    assert len(blits) == 1, "two controls set together redraw once"
    blitted = pixels(explorer)
    assert np.any(blitted != before)
    explorer.canvas.draw()
    assert_array_equal(pixels(explorer), blitted)


def test_steps_and_condition_number_redraw_everything_once():
    explorer = widgets.RaceExplorer(RAVINE, canvas="agg")
    draws = count_full_draws(explorer)
    explorer.set(steps=500, condition_number=1000.0)
    assert len(draws) == 1
    assert explorer.loss_axes.get_xlim() == (0, 500)
    assert explorer.problem.condition_number == pytest.approx(1000.0)
    assert explorer.problem.eigenvalues.max() == RAVINE.eigenvalues.max()
    assert_allclose(explorer.problem.rotation, RAVINE.rotation)
    assert "condition number 1e+03" in explorer.surface_axes.get_title()
    # One contour set remains: the old one was removed, not stacked.
    assert len(explorer.surface_axes.collections) == 1


def test_a_click_on_the_contour_moves_the_start():
    explorer = widgets.RaceExplorer(SURFACES["Rosenbrock"], canvas="agg")
    click(explorer, explorer.surface_axes, 0.5, -0.25)
    assert explorer.controls["start_x"].value == pytest.approx(0.5, abs=1e-9)
    assert explorer.controls["start_y"].value == pytest.approx(-0.25, abs=1e-9)
    assert_allclose(explorer.trajectory.positions[0, 0], [0.5, -0.25], atol=1e-9)
    assert_allclose(explorer.start_marker.get_xydata(), [[0.5, -0.25]], atol=1e-9)
    # A click on the loss panel changes nothing.
    click(explorer, explorer.loss_axes, 10.0, 1.0)
    assert explorer.controls["start_x"].value == pytest.approx(0.5, abs=1e-9)


def test_what_the_browser_test_looks_for():
    explorer = widgets.RaceExplorer(RAVINE, canvas="agg")
    assert "momentum-explorer" in explorer.widget._dom_classes
    assert explorer.controls["beta"].description == "β"
    sliders = [c for c in explorer.controls.values() if "β" in c.description]
    assert sliders == [explorer.controls["beta"]]
    # The lesson's other explorers must not match the same selector.
    others = [
        widgets.BallExplorer(canvas="agg"),
        widgets.RateMapExplorer(RAVINE, canvas="agg"),
    ]
    for other in others:
        assert "momentum-explorer" not in other.widget._dom_classes


# ---------------------------------------------------------------------------
# The picture left for readers without a kernel.


def test_the_static_picture_is_a_png_of_the_current_figure():
    explorer = widgets.RaceExplorer(RAVINE, canvas="agg")
    picture = explorer.picture()
    assert picture.startswith(PNG_SIGNATURE)
    image = matplotlib.image.imread(io.BytesIO(picture))
    width, height = explorer.figure.get_size_inches() * explorer.figure.dpi
    assert image.shape[:2] == (round(height), round(width))
    # The paths are in it: some pixels have each method's colour.
    for name in explorer.methods:
        colour = np.array(to_rgb(plots.color_of(name)))
        closest = np.abs(image[..., :3] - colour).sum(axis=-1).min()
        assert closest < 0.05, name

    bundle = explorer._repr_mimebundle_()
    assert bundle["text/plain"].startswith("RaceExplorer on quadratic")
    view = bundle["application/vnd.jupyter.widget-view+json"]
    assert view["model_id"] == explorer.widget.model_id
    shown = matplotlib.image.imread(io.BytesIO(base64.b64decode(bundle["image/png"])))
    assert_array_equal(shown, image)


def test_saving_the_picture_keeps_blitting_right():
    explorer = widgets.RaceExplorer(RAVINE, canvas="agg")
    explorer.picture()
    explorer.set(beta=0.2)
    blitted = pixels(explorer)
    explorer.canvas.draw()
    assert_array_equal(pixels(explorer), blitted)


def test_the_ipympl_canvas_sits_in_the_layout_and_the_bundle_has_a_png():
    backend = matplotlib.get_backend()
    explorer = widgets.RaceExplorer(RAVINE, canvas="ipympl")
    # The lesson's own figures keep their backend (inline in a notebook).
    assert matplotlib.get_backend() == backend
    assert explorer.canvas in explorer.widget.children
    assert isinstance(explorer.canvas, ipywidgets.DOMWidget)
    # Nothing is sent before the explorer is shown ...
    assert explorer.canvas._data_url is None
    bundle = explorer._repr_mimebundle_()
    # ... and showing it gives the browser a picture it can load, and a size.
    assert explorer.canvas._data_url == f"data:image/png;base64,{bundle['image/png']}"
    width, height = explorer.figure.get_size_inches() * explorer.figure.dpi
    assert tuple(explorer.canvas._size) == (width, height)
    # What a browser sends when it shows the canvas; then a drag.
    explorer.canvas._handle_message(explorer.canvas, {"type": "initialized"}, [])
    explorer.set(beta=0.4)
    bundle = explorer._repr_mimebundle_()
    assert base64.b64decode(bundle["image/png"]).startswith(PNG_SIGNATURE)
    explorer.close()


# ---------------------------------------------------------------------------
# The ball on a curve.


def test_ball_explorer_survives_every_curve_and_control_at_its_extremes():
    explorer = widgets.BallExplorer(canvas="agg")
    kept = artists(explorer)
    for curve in explorer.curves:
        explorer.set(curve=curve)
        assert explorer.problem is explorer.curves[curve].problem
        for name, control in explorer.controls.items():
            if name == "curve":
                continue
            initial = control.value
            for value in [*extremes(control), initial]:
                explorer.set(**{name: value})
                assert_labels_tell_the_outcome(explorer)
                assert artists(explorer) == kept, (curve, name)


def test_a_new_curve_brings_its_own_settings():
    explorer = widgets.BallExplorer("spring", canvas="agg")
    explorer.set(curve="plateau")
    preset = widgets.ball_curves()["plateau"]
    controls = explorer.controls
    assert controls["learning_rate"].value == pytest.approx(preset.learning_rate)
    assert controls["start"].value == preset.start
    assert controls["steps"].value == preset.steps
    assert controls["step_shown"].max == preset.steps
    assert (controls["start"].min, controls["start"].max) == preset.problem.window[0]
    assert explorer.trajectory.positions[0, 0, 0] == preset.start


def test_ball_explorer_diverges_with_a_large_learning_rate():
    explorer = widgets.BallExplorer("spring", beta=0.0, canvas="agg")
    explorer.set(learning_rate=extremes(explorer.controls["learning_rate"])[1])
    texts = label_texts(explorer)
    for i, text in enumerate(texts):
        assert f"diverged at step {int(explorer.trajectory.diverged_at[i])}" in text


def test_the_balls_and_the_arrow_show_the_step_chosen():
    explorer = widgets.BallExplorer("tilted double well", canvas="agg")
    trajectory = explorer.trajectory
    draws = count_full_draws(explorer)
    explorer.set(step_shown=12)
    assert explorer.trajectory is trajectory, "showing a step must not rerun"
    assert draws == []
    where = trajectory.positions[12, :, 0]
    heights = explorer.problem.value(where[:, None])
    for ball, x, height in zip(explorer.balls, where, heights, strict=True):
        assert_allclose(ball.get_xydata(), [[x, height]])
    assert_allclose(explorer.arrow.get_offsets(), [[where[1], heights[1]]])
    velocity = trajectory.velocities[12, 1, 0]
    assert_allclose(explorer.arrow.U, [-velocity * explorer.arrow_scale])
    assert explorer.step_text.get_text() == "tilted double well, step 12 of 100"


def test_the_curves_tell_the_stories_of_the_docstring():
    explorer = widgets.BallExplorer("tilted double well", beta=0.9, canvas="agg")
    shallow, deep = explorer.problem.local_minimizers[::-1]
    final = explorer.trajectory.positions[-1, :, 0]
    assert final[0] == pytest.approx(shallow, abs=1e-3)  # gradient descent
    assert final[1] == pytest.approx(deep, abs=1e-2)  # the heavy ball crossed

    explorer.set(curve="narrow minimum")
    narrow, wide = explorer.problem.local_minimizers
    final = explorer.trajectory.positions[-1, :, 0]
    assert final[0] == pytest.approx(narrow, abs=1e-3)
    assert final[1] == pytest.approx(wide, abs=1e-2)  # rolled over the dip
    explorer.set(beta=0.8)
    assert explorer.trajectory.positions[-1, 1, 0] == pytest.approx(narrow, abs=1e-3)

    # On the plateau the heavy ball runs at about 1 / (1 - β) times the pace
    # of a gradient step taken where it is.
    explorer.set(curve="plateau")
    rate = explorer.controls["learning_rate"].value
    for beta in (0.5, 0.8):
        explorer.set(beta=beta)
        x, velocity = (
            explorer.trajectory.positions[:, 1, 0],
            explorer.trajectory.velocities[:, 1, 0],
        )
        k = int(np.argmax(x >= -4.0))
        gradient_step = rate * abs(explorer.problem.grad(x[k : k + 1])[0])
        speed_up = abs(velocity[k]) / gradient_step
        assert speed_up == pytest.approx(1 / (1 - beta), rel=0.1)


# ---------------------------------------------------------------------------
# The rate map.


@pytest.mark.parametrize("method", ["heavy ball", "nesterov"])
def test_rate_map_explorer_survives_its_controls_at_their_extremes(method):
    explorer = widgets.RateMapExplorer(RAVINE, method=method, canvas="agg")
    kept = artists(explorer)
    for name, control in explorer.controls.items():
        for value in [*extremes(control), control.value]:
            explorer.set(**{name: value})
            assert explorer.label.value
            assert artists(explorer) == kept
    assert len(explorer.figure.axes) == 3  # map, colour bar, path


def test_the_marker_starts_at_the_fastest_cell_and_follows_the_sliders():
    explorer = widgets.RateMapExplorer(RAVINE, canvas="agg")
    fastest = np.unravel_index(np.argmin(explorer.rates), explorer.rates.shape)
    assert explorer.controls["learning_rate"].value == pytest.approx(
        explorer.learning_rates[fastest[0]]
    )
    assert explorer.controls["beta"].value == pytest.approx(explorer.betas[fastest[1]])
    click(explorer, explorer.map_axes, 0.004, 0.3)
    assert_allclose(explorer.marker.get_xydata(), [[0.004, 0.3]], rtol=1e-6)
    assert not explorer.trajectory.diverged


def test_beyond_the_stability_edge_the_label_says_diverged():
    explorer = widgets.RateMapExplorer(RAVINE, canvas="agg")
    beta = 0.5
    edge = theory.heavy_ball_max_learning_rate(beta, RAVINE.eigenvalues.max())
    explorer.set(beta=beta, learning_rate=1.1 * edge)
    step = int(explorer.trajectory.diverged_at[0])
    assert step > 0
    assert f"diverged at step {step}" in explorer.label.value
    assert "theory: no convergence" in explorer.label.value
    explorer.set(learning_rate=0.9 * edge)
    assert "steps per digit" in explorer.label.value


# ---------------------------------------------------------------------------
# Bad input.


@pytest.mark.parametrize(
    "make, message",
    [
        (
            lambda: widgets.RaceExplorer(problems.Quadratic([1.0]), canvas="agg"),
            r"dim=1 is not allowed; allowed: a 2-D problem",
        ),
        (
            lambda: widgets.RaceExplorer(RAVINE, beta=1.0, canvas="agg"),
            r"beta=1\.0 is not allowed; allowed: 0 <= beta <= 0\.99",
        ),
        (
            lambda: widgets.RaceExplorer(RAVINE, learning_rate=-0.1, canvas="agg"),
            r"learning_rate=-0\.1 is not allowed; allowed: a finite number > 0",
        ),
        (
            lambda: widgets.RaceExplorer(RAVINE, steps=5, canvas="agg"),
            r"steps=5 is not allowed; allowed: an integer from 10 to 1000",
        ),
        (
            lambda: widgets.RaceExplorer(RAVINE, start=[5.0, 0.0], canvas="agg"),
            r"start=\[5\.0, 0\.0\] is not allowed; allowed: a point inside",
        ),
        (
            lambda: widgets.RaceExplorer(RAVINE, canvas="svg"),
            r"canvas='svg' is not allowed; allowed: one of auto, ipympl, agg",
        ),
        (
            lambda: widgets.BallExplorer("cliff", canvas="agg"),
            r"curve='cliff' is not allowed; allowed: one of 'spring'",
        ),
        (
            lambda: widgets.BallExplorer("spring", start=7.0, canvas="agg"),
            r"start=7\.0 is not allowed; allowed: from -2\.0 to 2\.0",
        ),
        (
            lambda: widgets.RateMapExplorer(problems.Rosenbrock(), canvas="agg"),
            r"allowed: a 2-D problems\.Quadratic",
        ),
        (
            lambda: widgets.RateMapExplorer(RAVINE, method="adam", canvas="agg"),
            r"method='adam' is not allowed; allowed: 'heavy ball' or 'nesterov'",
        ),
        (
            lambda: widgets.RateMapExplorer(RAVINE, learning_rate=1.0, canvas="agg"),
            r"learning_rate=1\.0 is not allowed; allowed: from 0\.001 to 0\.05",
        ),
        (
            lambda: widgets.RateMapExplorer(RAVINE, start=(0.0, 9.0), canvas="agg"),
            r"start=\[0\.0, 9\.0\] is not allowed; allowed: a point inside",
        ),
        (
            lambda: widgets.RateMapExplorer(RAVINE, resolution=3, canvas="agg"),
            r"resolution=3 is not allowed; allowed: an integer from 10 to 200",
        ),
    ],
)
def test_bad_arguments_raise_value_errors_that_say_what_is_allowed(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_set_names_the_controls_it_knows():
    explorer = widgets.RaceExplorer(RAVINE, canvas="agg")
    with pytest.raises(ValueError, match=r"momentum=0\.5 is not allowed; allowed: "):
        explorer.set(momentum=0.5)


def test_a_problem_without_known_curvature_needs_a_learning_rate():
    class Bowl:
        dim, minimum_value = 2, 0.0
        minimizer = np.zeros(2)
        window = ((-1.0, 1.0), (-1.0, 1.0))

        def value(self, x):
            return 0.5 * np.sum(np.square(x), axis=-1)

        def grad(self, x):
            return np.asarray(x, dtype=float)

        def value_and_grad(self, x):
            return self.value(x), self.grad(x)

    with pytest.raises(ValueError, match=r"learning_rate=None is not allowed"):
        widgets.RaceExplorer(Bowl(), canvas="agg")
    explorer = widgets.RaceExplorer(Bowl(), learning_rate=0.1, canvas="agg")
    assert not np.any(explorer.trajectory.diverged)
