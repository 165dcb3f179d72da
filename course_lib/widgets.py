"""Live explorers for the lecture hall: drag a slider, watch momentum move.

Three explorers, each a figure with its controls:

- `RaceExplorer`: gradient descent, heavy ball and Nesterov racing on a 2-D
  surface (a quadratic ravine, Rosenbrock's valley), their paths on the
  contour and their losses on a log scale.
- `BallExplorer`: balls rolling on a 1-D curve (a spring, a plateau, a
  tilted double well, a narrow minimum), the heavy ball's velocity drawn as
  an arrow.
- `RateMapExplorer`: the map of convergence rate over (learning rate, β)
  for a quadratic, with a marker to move and the run it stands for.

A fourth tool is not an explorer but a self-quiz: `Quiz`, built from
`Choice` and `Numeric` questions, each with a Check button and a feedback
line that says what was right or wrong and why.

Show one by making it the last expression of a cell. In a Jupyter kernel
the figure is an ipympl canvas inside an ipywidgets layout. A change moves
the artists already drawn (``set_data``, ``set_offsets``) and redraws only
them over a saved background (blitting): the figure is never rebuilt, so
nothing flickers and no figure piles up in the output. Controls that change
the background itself (the condition number, the number of steps, the
curve) redraw everything, once, when the slider is released.

The display of an explorer also carries a PNG of the figure as it stood when
shown, so that a lesson exported to HTML, or executed where no browser
runs, still shows the picture. Outside a kernel (tests, benchmarks, scripts)
the explorers draw on an off-screen Agg canvas, and the same methods work.
"""

from __future__ import annotations

import base64
import html
import importlib
import io
import itertools
import math
import numbers
import sys
import types
import warnings
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, ClassVar, NamedTuple

import ipywidgets
import matplotlib as mpl
import numpy as np
from matplotlib.backend_bases import FigureCanvasBase
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from course_lib import optim, plots, problems, run, theory

__all__ = [
    "BETA_MAX",
    "CANVASES",
    "STEPS_RANGE",
    "BallCurve",
    "BallExplorer",
    "Blitter",
    "Choice",
    "Explorer",
    "Feedback",
    "Numeric",
    "Quiz",
    "RaceExplorer",
    "RateMapExplorer",
    "ball_curves",
    "make_canvas",
    "race",
]


Array = np.ndarray

CANVASES = ("auto", "ipympl", "agg")
BETA_MAX = 0.99
STEPS_RANGE = (10, 1000)

_SLIDER_STYLE = {"description_width": "9.5em"}
_SLIDER_WIDTH = "400px"
_figure_numbers = itertools.count(1)


# ---------------------------------------------------------------------------
# Canvases and blitting.


def make_canvas(figure: Figure, kind: str = "auto") -> FigureCanvasBase:
    """Attach a canvas to ``figure``: ipympl's in a kernel, Agg elsewhere.

    Parameters
    ----------
    figure : Figure
        A figure made with ``matplotlib.figure.Figure``, outside pyplot, so
        that no backend shows it on its own.
    kind : {"auto", "ipympl", "agg"}
        "auto" picks ipympl inside a kernel and Agg anywhere else.
    """
    if kind not in CANVASES:
        raise ValueError(
            f"canvas={kind!r} is not allowed; allowed: one of {', '.join(CANVASES)}"
        )
    if kind == "auto":
        kind = "ipympl" if _in_kernel() else "agg"
    if kind == "agg":
        return FigureCanvasAgg(figure)
    return _ipympl_canvas(figure)


def _in_kernel() -> bool:
    from IPython import get_ipython

    shell = get_ipython()
    return getattr(shell, "kernel", None) is not None


def _import_ipympl():
    """ipympl's backend module, imported without making it pyplot's backend.

    Importing the ipympl package calls ``matplotlib.use`` on ipympl's
    backend: every later ``plt.show()`` of the lesson would then make an
    interactive canvas instead of an inline picture. The explorers need
    ipympl's canvas only, so that one call is skipped.
    """
    if "ipympl" not in sys.modules:
        select_backend = mpl.use
        mpl.use = lambda *args, **kwargs: None
        try:
            importlib.import_module("ipympl")
        finally:
            mpl.use = select_backend
    return importlib.import_module("ipympl.backend_nbagg")


def _ipympl_canvas(figure: Figure) -> FigureCanvasBase:
    backend = _import_ipympl()
    Canvas, FigureManager = backend.Canvas, backend.FigureManager

    with warnings.catch_warnings():
        # ipympl 0.10's toolbar passes its canvas on to traitlets too, which
        # warns that it ignores it; the toolbar works all the same.
        warnings.filterwarnings(
            "ignore", "Passing unrecognized arguments", DeprecationWarning
        )
        canvas = Canvas(figure)
        FigureManager(canvas, next(_figure_numbers))
    canvas.header_visible = False
    canvas.footer_visible = False
    # A fixed size keeps the saved layout and background valid.
    canvas.resizable = False
    return canvas


class Blitter:
    """Redraw a few moving artists over a saved picture of everything else.

    The artists are marked animated, so a full draw leaves them out; right
    after it the picture (the background) is saved and the artists are drawn
    on top. `redraw` then pastes the background back, draws the artists
    and shows the result: on an ipympl canvas, the browser receives only
    the pixels that changed. A full draw happens at the start, when the
    browser asks for one (after a zoom, a change of screen resolution) and
    through `redraw_everything`.
    """

    def __init__(self, canvas: FigureCanvasBase, artists: list) -> None:
        self.canvas = canvas
        self.artists = list(artists)
        self.background = None
        for artist in self.artists:
            artist.set_animated(True)
        canvas.mpl_connect("draw_event", self._on_draw)

    def redraw(self) -> None:
        """Draw the moving artists over the background and show the result."""
        if self.background is None:
            self.redraw_everything()
            return
        self.canvas.restore_region(self.background)
        self._draw_artists()
        self.canvas.blit(self.canvas.figure.bbox)

    def redraw_everything(self) -> None:
        """Draw the whole figure (which saves a new background) and show it."""
        self.canvas.draw()

    def _on_draw(self, event) -> None:
        # Saving a picture draws the moving artists too: keep the background.
        if self.canvas.is_saving():
            return
        self.background = self.canvas.copy_from_bbox(self.canvas.figure.bbox)
        self._draw_artists()

    def _draw_artists(self) -> None:
        figure = self.canvas.figure
        for artist in self.artists:
            figure.draw_artist(artist)


# ---------------------------------------------------------------------------
# What every explorer shares.


class Explorer(ABC):
    """A figure, the controls that move it, and one layout holding both.

    A subclass draws its figure, registers its controls with `_watch`,
    lists the artists that move, and implements ``_refresh(changed)``,
    which brings the figure up to date after the named controls changed.
    Programmatic changes go through `set`, which redraws once for several
    controls.

    Attributes
    ----------
    figure : Figure
        The same figure for the explorer's whole life.
    canvas : FigureCanvasBase
        ipympl's canvas (a widget) or Agg's.
    controls : dict of str to widget
        Keyed by the names `set` takes, such as "learning_rate" or "beta".
    widget : ipywidgets.VBox
        The layout shown in the notebook.
    """

    css_class = "course-explorer"
    figure_size = (8.0, 3.5)

    def __init__(self, canvas: str) -> None:
        if canvas not in CANVASES:
            raise ValueError(
                f"canvas={canvas!r} is not allowed; allowed: one of "
                f"{', '.join(CANVASES)}"
            )
        with mpl.rc_context(plots.STYLE):
            self.figure = Figure(figsize=self.figure_size, layout="constrained")
        self.canvas = make_canvas(self.figure, canvas)
        self.controls: dict[str, ipywidgets.Widget] = {}
        self._helpers: list[ipywidgets.Widget] = []  # closed with the rest
        self._pending: set[str] = set()
        self._held = 0
        self.blitter: Blitter | None = None
        self.widget: ipywidgets.VBox | None = None

    # -- controls -----------------------------------------------------------

    def set(self, **values: Any) -> None:
        """Set several controls at once; the figure is redrawn once.

        >>> explorer.set(learning_rate=0.02, beta=0.5)  # doctest: +SKIP
        """
        unknown = sorted(set(values) - set(self.controls))
        if unknown:
            raise ValueError(
                f"{unknown[0]}={values[unknown[0]]!r} is not allowed; allowed: "
                f"the controls {', '.join(self.controls)}"
            )
        with self.holding():
            for name, value in values.items():
                self.controls[name].value = value

    @contextmanager
    def holding(self) -> Iterator[Explorer]:
        """Change controls in the block; the figure updates once, after it."""
        self._held += 1
        try:
            yield self
        finally:
            self._held -= 1
        if self._held == 0 and self._pending:
            self._apply()

    def _watch(self, name: str, control: ipywidgets.Widget) -> ipywidgets.Widget:
        self.controls[name] = control
        control.observe(lambda _change: self._changed(name), names="value")
        return control

    def _changed(self, name: str) -> None:
        self._pending.add(name)
        if self._held == 0:
            self._apply()

    def _apply(self) -> None:
        changed, self._pending = self._pending, set()
        self._held += 1
        try:
            with mpl.rc_context(plots.STYLE):
                self._refresh(changed)
        finally:
            self._held -= 1
            # Controls that _refresh moved itself are already shown.
            self._pending.clear()

    @abstractmethod
    def _refresh(self, changed: set[str]) -> None:
        """Bring the figure up to date after the named controls changed."""

    # -- drawing and display ------------------------------------------------

    def _finish(self, moving: list, rows: list, labels: list) -> None:
        """Save the layout, draw once, and put the controls around the canvas."""
        self.blitter = Blitter(self.canvas, moving)
        # Render (and save the background) without sending anything to a
        # browser: none shows the canvas yet.
        FigureCanvasAgg.draw(self.canvas)
        # The layout is computed once; later draws reuse it (and are faster).
        self.figure.set_layout_engine("none")
        self.canvas.mpl_connect("button_press_event", self._clicked)
        grid = ipywidgets.GridBox(
            rows,
            layout=ipywidgets.Layout(
                grid_template_columns=f"repeat(2, {_SLIDER_WIDTH})",
                grid_gap="2px 24px",
            ),
        )
        shown = [self.canvas] if isinstance(self.canvas, ipywidgets.Widget) else []
        self.widget = ipywidgets.VBox([grid, *shown, ipywidgets.VBox(labels)])
        self.widget.add_class(self.css_class)

    def _clicked(self, event) -> None:
        """A click on the figure (mouse button 1, no zoom or pan under way)."""
        toolbar = getattr(self.canvas, "toolbar", None)
        busy = toolbar is not None and str(getattr(toolbar, "mode", "")) != ""
        if event.button == 1 and event.inaxes is not None and not busy:
            self._click_at(event.inaxes, event.xdata, event.ydata)

    @abstractmethod
    def _click_at(self, axes, x: float, y: float) -> None:
        """Act on a click at data point (x, y) of ``axes``."""

    @staticmethod
    def default_start(window) -> Array:
        """Where a 2-D explorer starts by default: near the upper-left corner."""
        (x_low, x_high), (y_low, y_high) = window
        return np.array(
            [x_low + 0.1 * (x_high - x_low), y_low + 0.75 * (y_high - y_low)]
        )

    def picture(self) -> bytes:
        """The figure as it stands, as PNG: what readers without a kernel see."""
        with io.BytesIO() as buffer:
            self.figure.savefig(buffer, format="png", dpi=self.figure.dpi)
            return buffer.getvalue()

    def describe(self) -> str:
        """One line saying what the explorer shows."""
        return type(self).__name__

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict[str, Any]:
        # The widget view for a live kernel, and a PNG of the figure for every
        # reader that cannot show widgets (HTML export, a closed kernel).
        bundle = dict(self.widget._repr_mimebundle_(include=include, exclude=exclude))
        bundle["text/plain"] = self.describe()
        if isinstance(self.canvas, ipywidgets.DOMWidget):
            # ipympl's own display step, which a canvas inside a layout
            # misses: it gives the browser the canvas's size and first
            # picture. (Without it, a picture ipympl 0.10 stored earlier,
            # without its "data:" prefix, leaves the canvas blank.)
            shown = self.canvas._repr_mimebundle_()
            bundle["image/png"] = shown["image/png"]
        else:
            bundle["image/png"] = base64.b64encode(self.picture()).decode("ascii")
        return bundle

    def close(self) -> None:
        """Close the widgets (the figure is left to the garbage collector)."""
        for control in [*self.controls.values(), *self._helpers]:
            control.close()
        if isinstance(self.canvas, ipywidgets.Widget):
            self.canvas.close()
        self.widget.close()


# ---------------------------------------------------------------------------
# Controls and labels.


def _learning_rate_slider(value: float, low: float, high: float) -> ipywidgets.Widget:
    return ipywidgets.FloatLogSlider(
        value=value,
        base=10,
        min=math.log10(low),
        max=math.log10(high),
        step=(math.log10(high) - math.log10(low)) / 200,
        description="learning rate",
        readout_format=".3g",
        style=_SLIDER_STYLE,
        layout=ipywidgets.Layout(width=_SLIDER_WIDTH),
    )


def _beta_slider(value: float) -> ipywidgets.Widget:
    return ipywidgets.FloatSlider(
        value=value,
        min=0.0,
        max=BETA_MAX,
        step=0.01,
        description="β",
        readout_format=".2f",
        style=_SLIDER_STYLE,
        layout=ipywidgets.Layout(width=_SLIDER_WIDTH),
    )


def _steps_slider(value: int) -> ipywidgets.Widget:
    low, high = STEPS_RANGE
    return ipywidgets.IntSlider(
        value=value,
        min=low,
        max=high,
        step=10,
        description="steps",
        continuous_update=False,
        style=_SLIDER_STYLE,
        layout=ipywidgets.Layout(width=_SLIDER_WIDTH),
    )


def _float_slider(
    value: float, low: float, high: float, description: str
) -> ipywidgets.Widget:
    return ipywidgets.FloatSlider(
        value=value,
        min=low,
        max=high,
        step=(high - low) / 200,
        description=description,
        readout_format=".2f",
        style=_SLIDER_STYLE,
        layout=ipywidgets.Layout(width=_SLIDER_WIDTH),
    )


def _label(name: str) -> ipywidgets.HTML:
    return ipywidgets.HTML(value=name)


def _outcome(name: str, trajectory: run.Trajectory, index: int, floor: float) -> str:
    """A label's text: where run ``index`` diverged, or the loss it reached."""
    swatch = f"<span style='color:{plots.color_of(name)}'>■</span>"
    diverged_at = int(trajectory.diverged_at[index])
    if diverged_at >= 0:
        return f"{swatch} {name}: diverged at step {diverged_at}"
    gap = float(trajectory.losses[-1, index]) - floor
    return (
        f"{swatch} {name}: loss {gap:.2e} above the minimum after "
        f"{trajectory.steps} steps"
    )


def _shown_steps(trajectory: run.Trajectory, index: int) -> int:
    """Recorded steps to draw: up to the last good one if the run diverged."""
    diverged_at = int(trajectory.diverged_at[index])
    return diverged_at if diverged_at >= 0 else trajectory.steps + 1


def _path_to_draw(trajectory: run.Trajectory, index: int, window) -> tuple[Array, int]:
    """The positions of run ``index`` to draw, and where to put its end marker.

    A run that converged is drawn whole, its marker on its last position. A
    run that diverged is drawn up to the first position outside the window,
    so that the path is seen leaving without the plot filling with the
    lines of the explosion, and its marker sits on the last position inside.
    """
    positions = trajectory.positions[: _shown_steps(trajectory, index), index]
    if trajectory.diverged_at[index] < 0:
        return positions, positions.shape[0] - 1
    lows = np.array([low for low, _ in window])
    highs = np.array([high for _, high in window])
    within = positions[:, : lows.size]
    outside = np.any((within < lows) | (within > highs), axis=-1)
    if not outside.any():
        return positions, positions.shape[0] - 1
    first_out = int(np.argmax(outside))
    return positions[: first_out + 1], max(first_out - 1, 0)


def _loss_above(losses: Array, floor: float) -> Array:
    """Losses above the minimum; NaN where not positive (a log scale)."""
    gap = np.asarray(losses, dtype=float) - floor
    return np.where(gap > 0, gap, np.nan)


# ---------------------------------------------------------------------------
# Checks of the arguments.


def _check_learning_rate(value: float) -> float:
    if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
        raise ValueError(
            f"learning_rate={value!r} is not allowed; allowed: a finite number > 0"
        )
    return float(value)


def _check_beta(value: float) -> float:
    if not (isinstance(value, int | float) and 0 <= value <= BETA_MAX):
        raise ValueError(
            f"beta={value!r} is not allowed; allowed: 0 <= beta <= {BETA_MAX} "
            "(the slider's range)"
        )
    return float(value)


def _check_steps(value: int) -> int:
    low, high = STEPS_RANGE
    if not (isinstance(value, int) and low <= value <= high):
        raise ValueError(
            f"steps={value!r} is not allowed; allowed: an integer from {low} to {high}"
        )
    return value


def _check_start(start: Array | None, window) -> Array:
    """A 2-D start inside ``window``; near its upper-left corner by default."""
    (x_low, x_high), (y_low, y_high) = window
    if start is None:
        start = Explorer.default_start(window)
    point = np.asarray(start, dtype=float)
    inside = point.shape == (2,) and (
        x_low <= point[0] <= x_high and y_low <= point[1] <= y_high
    )
    if not inside:
        raise ValueError(
            f"start={point.tolist()!r} is not allowed; allowed: a point inside "
            f"the window {window}"
        )
    return point


def _largest_curvature(problem) -> float | None:
    """The largest curvature at the minimizer, if the problem tells it."""
    if isinstance(problem, problems.Quadratic):
        return float(problem.eigenvalues.max())
    hessian = getattr(problem, "hessian", None)
    if callable(hessian):
        return float(np.linalg.eigvalsh(hessian(problem.minimizer)).max())
    return None


def _learning_rates(problem, given: float | None) -> tuple[float, float, float]:
    """The learning rate to start from and the slider's range.

    The range spans 1/100 to 10 times 1 / L, L being the largest curvature
    at the minimizer (or the given rate when L is unknown), and always
    includes the given rate.
    """
    curvature = _largest_curvature(problem)
    if given is None and curvature is None:
        raise ValueError(
            "learning_rate=None is not allowed for this problem; allowed: a "
            "learning rate > 0, or a problem whose curvature is known (a "
            "Quadratic, or one with a hessian(x) method)"
        )
    value = _check_learning_rate(1.0 / curvature if given is None else given)
    reference = value if curvature is None else 1.0 / curvature
    return value, min(reference / 100, value), max(reference * 10, value)


# ---------------------------------------------------------------------------
# The race on a 2-D surface.


def race(
    problem, learning_rate: float, beta: float, start: Array, steps: int
) -> run.Trajectory:
    """Gradient descent, heavy ball and Nesterov in one batched run.

    Runs 0, 1 and 2 of the result are gradient descent, heavy ball and
    Nesterov's look-ahead method, all in the classical convention (the
    velocity holds the learning rate): `optim.lookahead_momentum` with
    beta (0, β, β) and look-ahead (0, 0, β). One run of three costs about a
    third of three runs.
    """
    betas = np.array([0.0, beta, beta])
    lookaheads = np.array([0.0, 0.0, beta])
    optimizer = optim.lookahead_momentum(learning_rate, betas, lookahead=lookaheads)
    return run.run(optimizer, problem, np.asarray(start, dtype=float), steps, batch=3)


class RaceExplorer(Explorer):
    """Gradient descent, heavy ball and Nesterov racing on a 2-D surface.

    What to try:

    - Slide β from 0 up: at β = 0 all three paths are one; as β grows the
      momentum methods run ahead along the floor of the ravine, then start
      to swing from wall to wall.
    - Push the learning rate to the right until a method diverges: its
      label says at which step, and its path stops where it leaves the
      picture.
    - Raise the condition number (quadratics only): the floor flattens,
      gradient descent slows in proportion, momentum much less.
    - Click on the contour (or move "start x" and "start y") to race from
      somewhere else.

    Parameters
    ----------
    problem : a 2-D problem
        Such as ``problems.Quadratic`` in 2-D or ``problems.Rosenbrock()``.
    learning_rate : float, optional
        1 / L by default, L being the largest curvature at the minimizer.
        The slider spans 1/100 to 10 times 1 / L.
    beta : float
        Momentum of heavy ball and Nesterov, from 0 to 0.99.
    steps : int
        From 10 to 1000.
    start : array of shape (2,), optional
        Inside the problem's window; near its upper-left corner by default.
    canvas : {"auto", "ipympl", "agg"}
        See `make_canvas`.

    Notes
    -----
    For a quadratic, the condition-number slider keeps the steepest
    curvature L and the principal axes, and sets the gentlest to L / κ, so
    a learning rate that was stable stays stable.
    """

    css_class = "momentum-explorer"
    figure_size = (8.0, 3.5)
    methods = ("gradient descent", "heavy ball", "nesterov")

    def __init__(
        self,
        problem,
        *,
        learning_rate: float | None = None,
        beta: float = 0.9,
        steps: int = 300,
        start: Array | None = None,
        canvas: str = "auto",
    ) -> None:
        if getattr(problem, "dim", None) != 2:
            raise ValueError(
                f"problem with dim={getattr(problem, 'dim', None)!r} is not allowed; "
                "allowed: a 2-D problem"
            )
        learning_rate, low, high = _learning_rates(problem, learning_rate)
        beta, steps = _check_beta(beta), _check_steps(steps)
        start = _check_start(start, problem.window)
        (x_low, x_high), (y_low, y_high) = problem.window
        super().__init__(canvas)
        self.problem = problem
        self.trajectory: run.Trajectory | None = None

        rows = [
            self._watch(
                "learning_rate", _learning_rate_slider(learning_rate, low, high)
            ),
            self._watch("beta", _beta_slider(beta)),
            self._watch("start_x", _float_slider(start[0], x_low, x_high, "start x")),
            self._watch("start_y", _float_slider(start[1], y_low, y_high, "start y")),
            self._watch("steps", _steps_slider(steps)),
        ]
        if isinstance(problem, problems.Quadratic):
            rows.append(self._watch("condition_number", self._kappa_slider()))
        self.labels = {name: _label(name) for name in self.methods}

        with mpl.rc_context(plots.STYLE):
            moving = self._draw()
        self._finish(moving, rows, list(self.labels.values()))

    # -- drawing ------------------------------------------------------------

    def _kappa_slider(self) -> ipywidgets.Widget:
        kappa = self.problem.condition_number
        return ipywidgets.FloatLogSlider(
            value=kappa,
            base=10,
            min=0.0,
            max=max(3.0, math.log10(kappa)),
            step=0.01,
            description="condition number",
            readout_format=".3g",
            continuous_update=False,
            style=_SLIDER_STYLE,
            layout=ipywidgets.Layout(width=_SLIDER_WIDTH),
        )

    def _draw(self) -> list:
        self.surface_axes, self.loss_axes = self.figure.subplots(
            1, 2, width_ratios=(1.0, 1.2)
        )
        self._surface = self._draw_surface()
        trajectory = self._run()
        self.paths = [
            plots.path(self.surface_axes, trajectory.positions[:, i], name)
            for i, name in enumerate(self.methods)
        ]
        for line in self.paths:
            line.set_markersize(2.5)
        self.ends = [
            self.surface_axes.plot(
                [], [], "o", ms=8, mec="white", color=line.get_color()
            )[0]
            for line in self.paths
        ]
        (self.start_marker,) = self.surface_axes.plot(
            [], [], "s", ms=8, color="black", label="start"
        )
        curves = {name: trajectory.losses[:, i] for i, name in enumerate(self.methods)}
        self.loss_lines = plots.loss_curves(
            self.loss_axes, curves, minimum_value=self.problem.minimum_value
        )
        self.loss_axes.legend(loc="lower left", fontsize=9)
        self._frame_losses()
        self._show(trajectory)
        return [*self.paths, *self.ends, self.start_marker, *self.loss_lines]

    def _draw_surface(self) -> list:
        """The contour and its minimizer's star: the artists to replace with κ."""
        before = set(self.surface_axes.lines)
        drawn = plots.contour(self.surface_axes, self.problem)
        added = [line for line in self.surface_axes.lines if line not in before]
        self.surface_axes.set_title(self._surface_title(), fontsize=11)
        return [drawn, *added]

    def _surface_title(self) -> str:
        if isinstance(self.problem, problems.Quadratic):
            return f"quadratic, condition number {self.problem.condition_number:.3g}"
        return type(self.problem).__name__

    def _frame_losses(self) -> None:
        """Fixed limits: a new run needs no new axes, so blitting stays valid."""
        (x_low, x_high), (y_low, y_high) = self.problem.window
        grid = np.stack(
            np.meshgrid(np.linspace(x_low, x_high, 41), np.linspace(y_low, y_high, 41)),
            axis=-1,
        )
        highest = float(np.max(self.problem.value(grid))) - self.problem.minimum_value
        self.loss_axes.set_ylim(highest * 1e-16, highest * 10)
        self.loss_axes.set_xlim(0, self.controls["steps"].value)

    # -- updating -------------------------------------------------------------

    def _run(self) -> run.Trajectory:
        values = {name: control.value for name, control in self.controls.items()}
        start = np.array([values["start_x"], values["start_y"]])
        self.trajectory = race(
            self.problem,
            values["learning_rate"],
            values["beta"],
            start,
            values["steps"],
        )
        return self.trajectory

    def _show(self, trajectory: run.Trajectory) -> None:
        """Move every moving artist to ``trajectory`` and write the labels."""
        floor = self.problem.minimum_value
        for i, name in enumerate(self.methods):
            positions, end = _path_to_draw(trajectory, i, self.problem.window)
            self.paths[i].set_data(positions[:, 0], positions[:, 1])
            self.ends[i].set_data(
                positions[end : end + 1, 0], positions[end : end + 1, 1]
            )
            self.ends[i].set_marker("X" if trajectory.diverged[i] else "o")
            shown = _shown_steps(trajectory, i)
            losses = _loss_above(trajectory.losses[:shown, i], floor)
            self.loss_lines[i].set_data(np.arange(shown), losses)
            self.labels[name].value = _outcome(name, trajectory, i, floor)
        self.start_marker.set_data(
            trajectory.positions[:1, 0, 0], trajectory.positions[:1, 0, 1]
        )

    def _refresh(self, changed: set[str]) -> None:
        if "condition_number" in changed:
            self._replace_surface(self.controls["condition_number"].value)
        if "steps" in changed:
            self.loss_axes.set_xlim(0, self.controls["steps"].value)
        self._show(self._run())
        if changed & {"condition_number", "steps"}:
            self.blitter.redraw_everything()
        else:
            self.blitter.redraw()

    def _replace_surface(self, kappa: float) -> None:
        steepest = float(self.problem.eigenvalues.max())
        self.problem = problems.Quadratic(
            [steepest / kappa, steepest], self.problem.rotation, self.problem.minimizer
        )
        for artist in self._surface:
            artist.remove()
        self._surface = self._draw_surface()
        self._frame_losses()

    def _click_at(self, axes, x: float, y: float) -> None:
        if axes is self.surface_axes:
            self.set(start_x=x, start_y=y)

    def describe(self) -> str:
        values = self.controls
        return (
            f"RaceExplorer on {self._surface_title()}: learning rate "
            f"{values['learning_rate'].value:.3g}, β {values['beta'].value:.2f}, "
            f"{values['steps'].value} steps"
        )


# ---------------------------------------------------------------------------
# A ball on a 1-D curve.


class BallCurve(NamedTuple):
    """A curve for `BallExplorer`, with the settings that show it best."""

    problem: Any
    start: float
    learning_rate: float
    steps: int


def ball_curves() -> dict[str, BallCurve]:
    """The curves `BallExplorer` offers, by name.

    - "spring": f(x) = x² / 2, lesson 01's ball on a spring.
    - "plateau": a long gentle slope before a dip (`problems.Curve.plateau`).
    - "tilted double well": a shallow well beside a deep one.
    - "narrow minimum": a narrow deep dip beside a wide shallow minimum.
    """
    return {
        "spring": BallCurve(problems.Quadratic([1.0]), 1.0, 0.1, 60),
        "plateau": BallCurve(problems.Curve.plateau(), -8.0, 0.5, 300),
        "tilted double well": BallCurve(
            problems.Curve.tilted_double_well(), 3.9, 0.2, 100
        ),
        "narrow minimum": BallCurve(problems.Curve.narrow_minimum(), -4.0, 0.05, 150),
    }


class BallExplorer(Explorer):
    """A heavy ball and a gradient-descent ball rolling on a 1-D curve.

    The left panel shows the curve, both balls at the chosen step and the
    heavy ball's velocity as an arrow; the right panel shows their positions
    over all steps. Both balls use the same learning rate; the heavy ball
    keeps a fraction β of its velocity from step to step, so β sets the
    friction: 0 is a ball in honey (gradient descent), near 1 a ball on
    ice.

    What to try:

    - Press play (or drag "step shown") to watch the balls roll.
    - "plateau": drag β from 0 to 0.9; on the gentle slope the heavy ball
      reaches about 1 / (1 - β) times gradient descent's speed.
    - "tilted double well": find the smallest β that carries the heavy ball
      over the bump into the deep well.
    - "narrow minimum": with β = 0.9 the ball rolls over the narrow, deepest
      dip and settles in the wide one; with β = 0.8 or less it stays in the
      dip.
    - "spring": lesson 01's ball with friction; find the β that stops it
      soonest.

    Parameters
    ----------
    curve : str
        One of the names of ``curves``.
    learning_rate, start, steps : optional
        The curve's own settings by default (see `ball_curves`).
    beta : float
        From 0 to 0.99.
    curves : mapping of str to BallCurve, optional
        `ball_curves()` by default.
    canvas : {"auto", "ipympl", "agg"}
    """

    css_class = "ball-explorer"
    figure_size = (8.0, 3.3)
    methods = ("gradient descent", "heavy ball")

    def __init__(
        self,
        curve: str = "tilted double well",
        *,
        learning_rate: float | None = None,
        beta: float = 0.9,
        start: float | None = None,
        steps: int | None = None,
        curves: Mapping[str, BallCurve] | None = None,
        canvas: str = "auto",
    ) -> None:
        self.curves = dict(ball_curves() if curves is None else curves)
        if curve not in self.curves:
            raise ValueError(
                f"curve={curve!r} is not allowed; allowed: one of "
                f"{', '.join(map(repr, self.curves))}"
            )
        preset = self.curves[curve]
        learning_rate = _check_learning_rate(
            preset.learning_rate if learning_rate is None else learning_rate
        )
        beta = _check_beta(beta)
        steps = _check_steps(preset.steps if steps is None else steps)
        start = float(preset.start if start is None else start)
        ((low, high),) = preset.problem.window
        if not low <= start <= high:
            raise ValueError(
                f"start={start!r} is not allowed; allowed: from {low} to {high}"
            )
        super().__init__(canvas)
        self.trajectory: run.Trajectory | None = None

        rate_low, rate_high = self._rate_range(preset, learning_rate)
        self.play = ipywidgets.Play(
            value=steps, min=0, max=steps, interval=60, description="play"
        )
        shown = ipywidgets.IntSlider(
            value=steps,
            min=0,
            max=steps,
            description="step shown",
            style=_SLIDER_STYLE,
            layout=ipywidgets.Layout(width=_SLIDER_WIDTH),
        )
        link = ipywidgets.jslink((self.play, "value"), (shown, "value"))
        self._helpers += [self.play, link]
        rows = [
            self._watch(
                "curve",
                ipywidgets.Dropdown(
                    options=list(self.curves),
                    value=curve,
                    description="curve",
                    style=_SLIDER_STYLE,
                    layout=ipywidgets.Layout(width=_SLIDER_WIDTH),
                ),
            ),
            self._watch("beta", _beta_slider(beta)),
            self._watch(
                "learning_rate",
                _learning_rate_slider(learning_rate, rate_low, rate_high),
            ),
            self._watch("start", _float_slider(start, low, high, "start")),
            self._watch("steps", _steps_slider(steps)),
            self._watch("step_shown", shown),
            ipywidgets.HBox([self.play], layout=ipywidgets.Layout(width=_SLIDER_WIDTH)),
        ]
        self.labels = {name: _label(name) for name in self.methods}
        with mpl.rc_context(plots.STYLE):
            moving = self._draw()
        self._finish(moving, rows, list(self.labels.values()))

    @staticmethod
    def _rate_range(preset: BallCurve, learning_rate: float) -> tuple[float, float]:
        """From 1/100 to 30 times the curve's own rate: far enough to diverge."""
        low = min(preset.learning_rate / 100, learning_rate)
        return low, max(preset.learning_rate * 30, learning_rate)

    @property
    def problem(self):
        """The 1-D problem of the curve shown."""
        return self.curves[self.controls["curve"].value].problem

    # -- drawing ------------------------------------------------------------

    def _draw(self) -> list:
        self.curve_axes, self.position_axes = self.figure.subplots(1, 2)
        (self.curve_line,) = self.curve_axes.plot([], [], color="0.35", lw=2)
        (self.lowest,) = self.curve_axes.plot([], [], "*", color="black", ms=13)
        self.balls = [
            self.curve_axes.plot(
                [], [], "o", ms=13, mec="white", color=plots.color_of(name), label=name
            )[0]
            for name in self.methods
        ]
        self.arrow = self.curve_axes.quiver(
            [0.0],
            [0.0],
            [0.0],
            [0.0],
            angles="xy",
            scale_units="xy",
            scale=1.0,
            color=plots.color_of("heavy ball"),
            width=0.008,
        )
        # The title counts the steps, so it moves with the balls.
        self.step_text = self.curve_axes.set_title("", fontsize=11)
        self.curve_axes.set_ylabel("loss")
        self.curve_axes.legend(loc="best", fontsize=9)

        self.position_lines = [
            self.position_axes.plot([], [], color=plots.color_of(name), label=name)[0]
            for name in self.methods
        ]
        (self.minima_lines,) = self.position_axes.plot(
            [],
            [],
            ":",
            color="0.4",
            lw=1,
            transform=self.position_axes.get_yaxis_transform(),
            label="local minima",
        )
        self.now_line = self.position_axes.axvline(0, color="0.5", lw=1)
        self.position_axes.set(xlabel="step", ylabel="position x")
        self.position_axes.legend(loc="best", fontsize=9)

        self._frame_curve()
        self._show(self._run())
        return [
            *self.balls,
            self.arrow,
            self.step_text,
            *self.position_lines,
            self.now_line,
        ]

    def _frame_curve(self) -> None:
        """Draw the curve, its minima and fixed limits (a full redraw follows)."""
        problem = self.problem
        ((low, high),) = problem.window
        xs = np.linspace(low, high, 400)
        heights = problem.value(xs[:, None])
        self.curve_line.set_data(xs, heights)
        self.lowest.set_data(problem.minimizer, [problem.minimum_value])
        pad = 0.08 * (heights.max() - heights.min())
        self.curve_axes.set_xlim(low, high)
        self.curve_axes.set_ylim(heights.min() - pad, heights.max() + pad)
        minima = np.atleast_1d(getattr(problem, "local_minimizers", problem.minimizer))
        self.minima_lines.set_data(
            np.tile([0.0, 1.0, np.nan], minima.size),
            np.repeat(minima, 3) + np.tile([0.0, 0.0, np.nan], minima.size),
        )
        self.position_axes.set_ylim(low, high)
        self.position_axes.set_xlim(0, self.controls["steps"].value)
        self.arrow_scale = self._arrow_scale()
        self.curve_axes.set_xlabel(
            f"position x (the arrow: velocity × {self.arrow_scale:g})"
        )

    def _arrow_scale(self) -> float:
        """A round factor (1, 2 or 5 times a power of 10) for the arrow.

        It draws a typical velocity of the curve's own run (β = 0.9, the
        75th percentile of the speeds over its first half) at about 15% of
        the window's width.
        """
        preset = self.curves[self.controls["curve"].value]
        optimizer = optim.momentum_classical(preset.learning_rate, 0.9)
        trajectory = run.run(optimizer, preset.problem, [preset.start], preset.steps)
        speeds = np.abs(trajectory.velocities[1 : preset.steps // 2 + 1, 0])
        typical = float(np.percentile(speeds, 75))
        if not typical > 0:
            return 1.0
        ((low, high),) = preset.problem.window
        wanted = 0.15 * (high - low) / typical
        power = math.floor(math.log10(wanted))
        rounded = [f * 10.0**p for p in (power, power + 1) for f in (1.0, 2.0, 5.0)]
        return min(rounded, key=lambda factor: abs(math.log(factor / wanted)))

    # -- updating -------------------------------------------------------------

    def _run(self) -> run.Trajectory:
        values = {name: control.value for name, control in self.controls.items()}
        betas = np.array([0.0, values["beta"]])
        optimizer = optim.momentum_classical(values["learning_rate"], betas)
        self.trajectory = run.run(
            optimizer, self.problem, [values["start"]], values["steps"], batch=2
        )
        return self.trajectory

    def _show(self, trajectory: run.Trajectory) -> None:
        floor = self.problem.minimum_value
        for i, name in enumerate(self.methods):
            shown = _shown_steps(trajectory, i)
            self.position_lines[i].set_data(
                np.arange(shown), trajectory.positions[:shown, i, 0]
            )
            self.labels[name].value = self._where_it_ended(name, trajectory, i, floor)
        self._show_step()

    def _show_step(self) -> None:
        """Put the balls and the arrow where they are at the step shown."""
        trajectory, problem = self.trajectory, self.problem
        step = min(self.controls["step_shown"].value, trajectory.steps)
        where = trajectory.positions[step, :, 0]
        heights = problem.value(where[:, None])
        for ball, x, height in zip(self.balls, where, heights, strict=True):
            ball.set_data([x], [height])
        motion = -trajectory.velocities[step, 1, 0] * self.arrow_scale
        self.arrow.set_offsets([[where[1], heights[1]]])
        self.arrow.set_UVC([motion], [0.0])
        curve = self.controls["curve"].value
        self.step_text.set_text(f"{curve}, step {step} of {trajectory.steps}")
        self.now_line.set_xdata([step, step])

    @staticmethod
    def _where_it_ended(
        name: str, trajectory: run.Trajectory, index: int, floor: float
    ) -> str:
        """A label's text: where the ball stopped, or when it diverged."""
        swatch = f"<span style='color:{plots.color_of(name)}'>■</span>"
        diverged_at = int(trajectory.diverged_at[index])
        if diverged_at >= 0:
            return f"{swatch} {name}: diverged at step {diverged_at}"
        x = float(trajectory.positions[-1, index, 0])
        gap = float(trajectory.losses[-1, index]) - floor
        return (
            f"{swatch} {name}: at x = {x:.3f} after {trajectory.steps} steps, "
            f"loss {gap:.2e} above the lowest point"
        )

    def _refresh(self, changed: set[str]) -> None:
        if "curve" in changed:
            self._load_preset()
        steps = self.controls["steps"].value
        if changed & {"curve", "steps"}:
            shown = self.controls["step_shown"]
            at_end = shown.value == shown.max
            shown.max = self.play.max = steps
            shown.value = steps if at_end else min(shown.value, steps)
            self.position_axes.set_xlim(0, steps)
        if changed - {"step_shown"}:
            self._show(self._run())
        else:
            self._show_step()
        if changed & {"curve", "steps"}:
            self.blitter.redraw_everything()
        else:
            self.blitter.redraw()

    def _load_preset(self) -> None:
        """Take the new curve's learning rate, start, steps and window."""
        preset = self.curves[self.controls["curve"].value]
        ((low, high),) = preset.problem.window
        rate_low, rate_high = self._rate_range(preset, preset.learning_rate)
        rate, start = self.controls["learning_rate"], self.controls["start"]
        # Widen first, then narrow, so that no value falls outside on the way.
        rate.min, rate.max = -300.0, 300.0
        rate.value = preset.learning_rate
        rate.min, rate.max = math.log10(rate_low), math.log10(rate_high)
        start.min, start.max = -1e300, 1e300
        start.value = preset.start
        start.min, start.max, start.step = low, high, (high - low) / 200
        self.controls["steps"].value = preset.steps
        self._frame_curve()

    def _click_at(self, axes, x: float, y: float) -> None:
        if axes is self.curve_axes:
            self.set(start=x)

    def describe(self) -> str:
        values = self.controls
        return (
            f"BallExplorer on {values['curve'].value!r}: learning rate "
            f"{values['learning_rate'].value:.3g}, β {values['beta'].value:.2f}"
        )


# ---------------------------------------------------------------------------
# The rate map of a quadratic.


class RateMapExplorer(Explorer):
    """The convergence rate over (learning rate, β), with a movable marker.

    The left panel is the heat-map of `plots.rate_heatmap`: the steps each
    digit of accuracy costs at every (learning rate, β), from
    `theory.convergence_rate`; grey cells do not converge, and for heavy
    ball the dashed line is the stability edge lr = 2 (1 + β) / L. The
    marker is the setting of the sliders; the right panel shows the run it
    stands for, and the label compares the theory with the run.

    What to try:

    - Click on the map, or drag the sliders: yellow cells are fast, and the
      marker's run reaches the minimum in few steps.
    - Cross the dashed line: the run diverges, and the label says when.
    - Go up the β axis at a small learning rate: the path starts to spiral.
    - Find the fastest cell; the marker starts there.

    Parameters
    ----------
    problem : problems.Quadratic
        A 2-D quadratic.
    method : {"heavy ball", "nesterov"}
    learning_rate, beta : float, optional
        The fastest cell of the map by default.
    steps : int
        The run's length, from 10 to 1000.
    start : array of shape (2,), optional
        Inside the quadratic's window; near its upper-left corner by default.
    resolution : int
        Cells along each axis of the map, from 10 to 200.
    canvas : {"auto", "ipympl", "agg"}
    """

    css_class = "rate-map-explorer"
    figure_size = (8.0, 3.5)
    theory_names: ClassVar[dict[str, str]] = {
        "heavy ball": "heavy_ball",
        "nesterov": "nesterov",
    }

    def __init__(
        self,
        problem: problems.Quadratic,
        *,
        method: str = "heavy ball",
        learning_rate: float | None = None,
        beta: float | None = None,
        steps: int = 200,
        start: Array | None = None,
        resolution: int = 60,
        canvas: str = "auto",
    ) -> None:
        if not (isinstance(problem, problems.Quadratic) and problem.dim == 2):
            raise ValueError(
                f"problem={problem!r} is not allowed; allowed: a 2-D "
                "problems.Quadratic (the map's theory holds for quadratics)"
            )
        if method not in self.theory_names:
            raise ValueError(
                f"method={method!r} is not allowed; allowed: 'heavy ball' or 'nesterov'"
            )
        if not (isinstance(resolution, int) and 10 <= resolution <= 200):
            raise ValueError(
                f"resolution={resolution!r} is not allowed; allowed: an integer "
                "from 10 to 200"
            )
        steps = _check_steps(steps)
        self.problem, self.method = problem, method
        steepest = float(problem.eigenvalues.max())
        self.learning_rates = np.geomspace(0.1 / steepest, 5.0 / steepest, resolution)
        self.betas = np.linspace(0.0, BETA_MAX, resolution)
        grid_rates, grid_betas = run.hyperparameter_grid(
            self.learning_rates, self.betas
        )
        self.rates = self._theory_rate(grid_rates, grid_betas).reshape(
            resolution, resolution
        )
        fastest = np.unravel_index(np.argmin(self.rates), self.rates.shape)
        if learning_rate is None:
            learning_rate = float(self.learning_rates[fastest[0]])
        if beta is None:
            beta = float(self.betas[fastest[1]])
        learning_rate, beta = _check_learning_rate(learning_rate), _check_beta(beta)
        if not self.learning_rates[0] <= learning_rate <= self.learning_rates[-1]:
            raise ValueError(
                f"learning_rate={learning_rate!r} is not allowed; allowed: from "
                f"{self.learning_rates[0]:.4g} to {self.learning_rates[-1]:.4g} "
                "(0.1 / L to 5 / L, the map's range)"
            )
        self.start = _check_start(start, problem.window)
        super().__init__(canvas)
        self.trajectory: run.Trajectory | None = None

        rows = [
            self._watch(
                "learning_rate",
                _learning_rate_slider(
                    learning_rate, self.learning_rates[0], self.learning_rates[-1]
                ),
            ),
            self._watch("beta", _beta_slider(beta)),
            self._watch("steps", _steps_slider(steps)),
        ]
        self.label = _label(method)
        with mpl.rc_context(plots.STYLE):
            moving = self._draw()
        self._finish(moving, rows, [self.label])

    def _theory_rate(self, learning_rate, beta) -> Array:
        return theory.convergence_rate(
            learning_rate,
            beta,
            self.problem.eigenvalues,
            self.theory_names[self.method],
        )

    # -- drawing ------------------------------------------------------------

    def _draw(self) -> list:
        self.map_axes, self.path_axes = self.figure.subplots(
            1, 2, width_ratios=(1.25, 1.0)
        )
        plots.rate_heatmap(self.map_axes, self.learning_rates, self.betas, self.rates)
        if self.method == "heavy ball":
            edge = theory.heavy_ball_max_learning_rate(
                self.betas, float(self.problem.eigenvalues.max())
            )
            self.map_axes.plot(edge, self.betas, "k--", lw=1.2)
        self.map_axes.tick_params(axis="x", which="minor", labelbottom=False)
        self.map_axes.set_xlim(self.learning_rates[0], self.learning_rates[-1])
        self.map_axes.set_ylim(self.betas[0], self.betas[-1])
        self.map_axes.set_title(f"{self.method}: click to move the marker", fontsize=11)
        (self.marker,) = self.map_axes.plot(
            [], [], "*", ms=16, color="white", mec="black", mew=1.2
        )

        plots.contour(self.path_axes, self.problem)
        self.path_axes.plot(*self.start, "s", ms=8, color="black")
        self.path_axes.set_title(f"the marker's run, {self.method}", fontsize=11)
        (self.path,) = self.path_axes.plot(
            [], [], marker="o", ms=2.5, color=plots.color_of(self.method)
        )
        (self.end,) = self.path_axes.plot(
            [], [], "o", ms=8, mec="white", color=plots.color_of(self.method)
        )
        self._show(self._run())
        return [self.marker, self.path, self.end]

    # -- updating -------------------------------------------------------------

    def _run(self) -> run.Trajectory:
        learning_rate = self.controls["learning_rate"].value
        beta = self.controls["beta"].value
        if self.method == "heavy ball":
            optimizer = optim.momentum_classical(learning_rate, beta)
        else:
            optimizer = optim.lookahead_momentum(learning_rate, beta)
        steps = self.controls["steps"].value
        self.trajectory = run.run(optimizer, self.problem, self.start[None], steps)
        return self.trajectory

    def _show(self, trajectory: run.Trajectory) -> None:
        learning_rate = self.controls["learning_rate"].value
        beta = self.controls["beta"].value
        self.marker.set_data([learning_rate], [beta])
        positions, end = _path_to_draw(trajectory, 0, self.problem.window)
        self.path.set_data(positions[:, 0], positions[:, 1])
        self.end.set_data(positions[end : end + 1, 0], positions[end : end + 1, 1])
        self.end.set_marker("X" if trajectory.diverged[0] else "o")
        rate = float(self._theory_rate(learning_rate, beta))
        if 0 < rate < 1:
            predicted = (
                f"theory: the distance shrinks by {rate:.4f} per step, "
                f"{math.log(10) / -math.log(rate):.0f} steps per digit of accuracy"
            )
        else:
            predicted = f"theory: no convergence (factor per step {rate:.4f})"
        outcome = _outcome(self.method, trajectory, 0, self.problem.minimum_value)
        self.label.value = f"{outcome}<br>{predicted}"

    def _refresh(self, changed: set[str]) -> None:
        # Only the marker, the path and the label move: no axes change.
        self._show(self._run())
        self.blitter.redraw()

    def _click_at(self, axes, x: float, y: float) -> None:
        if axes is self.map_axes:
            self.set(learning_rate=x, beta=min(max(y, 0.0), BETA_MAX))

    def describe(self) -> str:
        return (
            f"RateMapExplorer for {self.method}: learning rate "
            f"{self.controls['learning_rate'].value:.3g}, β "
            f"{self.controls['beta'].value:.2f}"
        )


# ---------------------------------------------------------------------------
# A self-quiz.


_VERDICT_MARKS = {
    "right": ("✓", plots.PALETTE["green"]),
    "wrong": ("✗", plots.PALETTE["vermillion"]),
    "unanswered": ("…", plots.PALETTE["black"]),
    "unreadable": ("?", plots.PALETTE["black"]),
}


class Feedback(NamedTuple):
    """What checking one answer found.

    Attributes
    ----------
    verdict : {"right", "wrong", "unanswered", "unreadable"}
        "unreadable" is a numeric answer that is not a number.
    text : str
        The feedback line, in plain text.
    """

    verdict: str
    text: str

    @property
    def right(self) -> bool:
        """Whether the answer was right."""
        return self.verdict == "right"


def _is_text(value: Any) -> bool:
    return isinstance(value, str) and value.strip() != ""


def _is_index(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_real(value: Any) -> bool:
    return (
        isinstance(value, numbers.Real)
        and not isinstance(value, bool)
        and math.isfinite(value)
    )


def _sentence(text: str) -> str:
    """``text`` stripped, with a full stop added if it ends without one."""
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else f"{text}."


def _check_text(name: str, value: Any) -> str:
    if not _is_text(value):
        raise ValueError(
            f"{name}={value!r} is not allowed; allowed: a non-empty string"
        )
    return value


@dataclass(frozen=True)
class Choice:
    """A multiple-choice question: one right option among several.

    Parameters
    ----------
    prompt : str
        The question.
    options : sequence of str
        At least two options, all different.
    answer : int
        The index of the right option in ``options``.
    explanation : str
        Why the right option is right; shown after every check.
    hints : mapping of int to str, optional
        For some wrong options (by index), why they are tempting and wrong.

    Examples
    --------
    >>> question = Choice("2 + 2?", ["3", "4"], 1, "Two pairs make four.")
    >>> question.judge(1).verdict
    'right'
    """

    prompt: str
    options: Sequence[str]
    answer: int
    explanation: str
    hints: Mapping[int, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _check_text("prompt", self.prompt)
        options = self.options
        well_formed = (
            isinstance(options, Sequence)
            and not isinstance(options, str)
            and len(options) >= 2
            and all(_is_text(option) for option in options)
            and len(set(options)) == len(options)
        )
        if not well_formed:
            raise ValueError(
                f"options={options!r} is not allowed; allowed: a sequence of at "
                "least two different, non-empty strings"
            )
        if not (_is_index(self.answer) and 0 <= self.answer < len(options)):
            raise ValueError(
                f"answer={self.answer!r} is not allowed; allowed: the index of the "
                f"right option, an integer from 0 to {len(options) - 1}"
            )
        _check_text("explanation", self.explanation)
        hints = dict(self.hints) if isinstance(self.hints, Mapping) else None
        wrong = set(range(len(options))) - {self.answer}
        if hints is None or not all(
            _is_index(k) and k in wrong and _is_text(v) for k, v in hints.items()
        ):
            raise ValueError(
                f"hints={self.hints!r} is not allowed; allowed: a mapping from the "
                f"index of a wrong option ({', '.join(map(str, sorted(wrong)))}) "
                "to a non-empty string"
            )
        object.__setattr__(self, "options", tuple(options))
        object.__setattr__(self, "answer", int(self.answer))
        object.__setattr__(self, "hints", types.MappingProxyType(hints))

    def judge(self, reply: int | str | None) -> Feedback:
        """The feedback for ``reply``: an option's index or text, or None."""
        if reply is None or reply == "":
            return Feedback("unanswered", "Choose an option first, then check.")
        if isinstance(reply, str) and reply in self.options:
            index = self.options.index(reply)
        elif _is_index(reply) and 0 <= reply < len(self.options):
            index = int(reply)
        else:
            raise ValueError(
                f"reply={reply!r} is not allowed; allowed: an option's index (0 to "
                f"{len(self.options) - 1}), its text, or None"
            )
        if index == self.answer:
            return Feedback("right", f"Right. {_sentence(self.explanation)}")
        hint = f" Hint: {_sentence(self.hints[index])}" if index in self.hints else ""
        return Feedback(
            "wrong",
            f"Not quite: “{self.options[index]}” is not it.{hint} "
            f"The answer is “{self.options[self.answer]}”. "
            f"{_sentence(self.explanation)}",
        )

    def lines(self) -> list[str]:
        """The question in plain text: the prompt, then lettered options."""
        letters = "abcdefghijklmnopqrstuvwxyz"
        return [
            self.prompt,
            *(f"   ({letters[i % 26]}) {o}" for i, o in enumerate(self.options)),
        ]


@dataclass(frozen=True)
class Numeric:
    """A question whose answer is a number, right within a relative tolerance.

    Parameters
    ----------
    prompt : str
        The question.
    answer : float
        The right value; finite and not 0, since the tolerance is relative.
    tolerance : float
        Relative: a reply r is right when |r - answer| <= tolerance * |answer|.
        Between 0 and 1, exclusive.
    explanation : str
        How to get the answer; shown after every check.
    unit : str, optional
        Shown after the input box; a reply may repeat it ("12 GB").
    mistakes : mapping of float to str, optional
        Values that a known mistake gives, each with a hint ("you forgot the
        1/(1 - β)"); a reply within the tolerance of such a value gets its
        hint.

    Examples
    --------
    >>> question = Numeric("0.01 / (1 - 0.9)?", 0.1, 0.01, "Divide by 0.1.")
    >>> question.judge("0.1").verdict, question.judge("ten").verdict
    ('right', 'unreadable')
    """

    prompt: str
    answer: float
    tolerance: float
    explanation: str
    unit: str = ""
    mistakes: Mapping[float, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _check_text("prompt", self.prompt)
        if not (_is_real(self.answer) and self.answer != 0):
            raise ValueError(
                f"answer={self.answer!r} is not allowed; allowed: a finite number "
                "other than 0 (the tolerance is relative to it)"
            )
        if not (_is_real(self.tolerance) and 0 < self.tolerance < 1):
            raise ValueError(
                f"tolerance={self.tolerance!r} is not allowed; allowed: a relative "
                "tolerance, a number with 0 < tolerance < 1"
            )
        _check_text("explanation", self.explanation)
        if not isinstance(self.unit, str):
            raise ValueError(f"unit={self.unit!r} is not allowed; allowed: a string")
        mistakes = dict(self.mistakes) if isinstance(self.mistakes, Mapping) else None
        answer, tolerance = float(self.answer), float(self.tolerance)
        if mistakes is None or not all(
            _is_real(value)
            and value != 0
            and abs(value - answer) > tolerance * (abs(answer) + abs(value))
            and _is_text(hint)
            for value, hint in mistakes.items()
        ):
            raise ValueError(
                f"mistakes={self.mistakes!r} is not allowed; allowed: a mapping "
                "from finite numbers other than 0, each well outside the tolerance "
                "of the answer, to a non-empty hint"
            )
        object.__setattr__(self, "answer", answer)
        object.__setattr__(self, "tolerance", tolerance)
        object.__setattr__(
            self,
            "mistakes",
            types.MappingProxyType({float(k): v for k, v in mistakes.items()}),
        )

    def read(self, reply: float | str | None) -> float | None:
        """The number in ``reply``, or None when there is none to read."""
        if _is_real(reply):
            return float(reply)
        if not isinstance(reply, str):
            return None
        text = reply.strip()
        if self.unit and text.lower().endswith(self.unit.lower()):
            text = text[: -len(self.unit)].strip()
        text = text.replace("−", "-").replace("_", "").replace(" ", "")
        try:
            value = float(text)
        except ValueError:
            return None
        return value if math.isfinite(value) else None

    def judge(self, reply: float | str | None) -> Feedback:
        """The feedback for ``reply``: a number, or text as typed in the box."""
        if reply is None or (isinstance(reply, str) and reply.strip() == ""):
            return Feedback("unanswered", "Type a number first, then check.")
        value = self.read(reply)
        if value is None:
            return Feedback(
                "unreadable",
                f"“{str(reply).strip()}” is not a number I can read: please type "
                "its value in digits, with a point for decimals and no commas, "
                "such as 0.1, 2.5e-3 or 12.",
            )
        unit = f" {self.unit}" if self.unit else ""
        if abs(value - self.answer) <= self.tolerance * abs(self.answer):
            return Feedback(
                "right",
                f"Right: {value:.4g}{unit} is within {100 * self.tolerance:g}% of "
                f"the answer, {self.answer:.4g}{unit}. {_sentence(self.explanation)}",
            )
        hints = [
            f" Hint: {_sentence(hint)}"
            for mistake, hint in self.mistakes.items()
            if abs(value - mistake) <= self.tolerance * abs(mistake)
        ]
        return Feedback(
            "wrong",
            f"Not quite: {value:.4g}{unit} is {self._how_far(value)}."
            f"{''.join(hints)} The answer is {self.answer:.4g}{unit}. "
            f"{_sentence(self.explanation)}",
        )

    def _how_far(self, value: float) -> str:
        """How far ``value`` is from the answer, in words."""
        if value == 0:
            return "zero, and the answer is not"
        if (value > 0) != (self.answer > 0):
            return "not even of the right sign"
        ratio = value / self.answer
        if 0.5 <= ratio <= 2:
            direction = "too high" if value > self.answer else "too low"
            return f"{100 * abs(ratio - 1):.3g}% {direction}"
        if ratio > 1:
            return f"{ratio:.3g} times too large"
        return f"{1 / ratio:.3g} times too small"

    def lines(self) -> list[str]:
        """The question in plain text."""
        unit = f" (in {self.unit})" if self.unit else ""
        return [f"{self.prompt}{unit}", "   (type a number)"]


class Quiz:
    """A self-quiz: questions with a Check button each, and a score.

    Each question shows its prompt, an input (radio buttons for a `Choice`,
    a text box for a `Numeric`), a Check button and a feedback line: right
    or wrong, how far off a number is, a hint for a known mistake, and the
    explanation. Changing an answer clears its feedback until the next
    check. The score line counts the answers checked right.

    Parameters
    ----------
    questions : sequence of Choice and Numeric
        At least one.

    Attributes
    ----------
    questions : tuple of Choice and Numeric
    inputs : list of widgets
        One per question: ``RadioButtons`` or ``Text``.
    widget : ipywidgets.VBox
        The layout shown in the notebook.

    Notes
    -----
    Outside a browser, `answer` and `check` do what typing and clicking
    do. A reader that cannot show widgets (an export to Markdown, text or
    PDF, a terminal) gets the questions as text instead. An HTML export
    keeps the widget view: the inputs may show, but nothing checks them
    without a kernel.

    Examples
    --------
    >>> quiz = Quiz([Numeric("0.01 / (1 - 0.9)?", 0.1, 0.01, "Divide.")])
    >>> quiz.answer(0, "0.1")
    >>> quiz.check(0).right, quiz.score_text()
    (True, '1 of 1 right')
    """

    css_class = "course-quiz"

    def __init__(self, questions: Sequence[Choice | Numeric]) -> None:
        if not (
            isinstance(questions, Sequence)
            and not isinstance(questions, str)
            and len(questions) > 0
        ):
            raise ValueError(
                f"questions={questions!r} is not allowed; allowed: a non-empty "
                "sequence of Choice and Numeric questions"
            )
        for i, question in enumerate(questions):
            if not isinstance(question, Choice | Numeric):
                raise ValueError(
                    f"questions[{i}]={question!r} is not allowed; allowed: a "
                    "Choice or a Numeric"
                )
        self.questions = tuple(questions)
        self.verdicts: list[str | None] = [None] * len(self.questions)
        self.inputs: list[ipywidgets.Widget] = []
        self.buttons: list[ipywidgets.Button] = []
        self.feedback_lines: list[ipywidgets.HTML] = []
        self._parts: list[ipywidgets.Widget] = []  # the rest, closed with them
        boxes = [self._question_box(i, q) for i, q in enumerate(self.questions)]
        self.score_line = ipywidgets.HTML()
        self._show_score()
        self.widget = ipywidgets.VBox([*boxes, self.score_line])
        self.widget.add_class(self.css_class)

    # -- building -------------------------------------------------------------

    def _question_box(self, index: int, question: Choice | Numeric) -> ipywidgets.VBox:
        prompt = ipywidgets.HTML(
            f"<b>{index + 1}.</b> {html.escape(question.prompt)}",
            layout=ipywidgets.Layout(width="100%"),
        )
        if isinstance(question, Choice):
            reply = ipywidgets.RadioButtons(
                options=list(question.options),
                index=None,
                layout=ipywidgets.Layout(width="auto"),
            )
            entry, extras = reply, []
        else:
            reply = ipywidgets.Text(
                value="",
                placeholder="a number",
                layout=ipywidgets.Layout(width="12em"),
            )
            unit = ipywidgets.Label(question.unit)
            entry = ipywidgets.HBox([reply, unit])
            extras = [unit, entry]
        reply.observe(lambda _change: self._reply_changed(index), names="value")
        button = ipywidgets.Button(description="Check", button_style="info")
        button.on_click(lambda _button: self.check(index))
        line = ipywidgets.HTML(layout=ipywidgets.Layout(width="100%"))
        self.inputs.append(reply)
        self.buttons.append(button)
        self.feedback_lines.append(line)
        box = ipywidgets.VBox(
            [prompt, entry, button, line],
            layout=ipywidgets.Layout(margin="0 0 12px 0"),
        )
        self._parts.extend([prompt, box, *extras])
        return box

    # -- answering and checking -----------------------------------------------

    def _checked_index(self, index: Any) -> int:
        if not (_is_index(index) and 0 <= index < len(self.questions)):
            raise ValueError(
                f"index={index!r} is not allowed; allowed: an integer from 0 to "
                f"{len(self.questions) - 1}"
            )
        return int(index)

    def answer(self, index: int, value: int | float | str | None) -> None:
        """Give question ``index`` an answer, as a reader would.

        Parameters
        ----------
        index : int
            The question, counted from 0.
        value
            For a `Choice`, an option's index or text (None clears the
            choice). For a `Numeric`, a number or the text one would type,
            readable or not (None clears the box).
        """
        index = self._checked_index(index)
        question, reply = self.questions[index], self.inputs[index]
        if isinstance(question, Numeric):
            reply.value = "" if value is None else str(value)
            return
        count = len(question.options)
        if value is None:
            reply.index = None
        elif _is_index(value) and 0 <= value < count:
            reply.index = int(value)
        elif isinstance(value, str) and value in question.options:
            reply.index = question.options.index(value)
        else:
            raise ValueError(
                f"value={value!r} is not allowed for question {index}; allowed: "
                f"an option's index (0 to {count - 1}), its text, or None"
            )

    def check(self, index: int) -> Feedback:
        """Check the answer to question ``index``, show and return the feedback."""
        index = self._checked_index(index)
        question, reply = self.questions[index], self.inputs[index]
        if isinstance(question, Choice):
            feedback = question.judge(reply.index)
        else:
            feedback = question.judge(reply.value)
        self.verdicts[index] = feedback.verdict
        mark, color = _VERDICT_MARKS[feedback.verdict]
        self.feedback_lines[index].value = (
            f"<span style='color:{color}; font-weight:bold'>{mark}</span> "
            f"{html.escape(feedback.text)}"
        )
        self._show_score()
        return feedback

    def _reply_changed(self, index: int) -> None:
        if self.verdicts[index] is not None:
            self.verdicts[index] = None
            self.feedback_lines[index].value = ""
            self._show_score()

    @property
    def score(self) -> int:
        """The number of answers checked right (and not changed since)."""
        return self.verdicts.count("right")

    def score_text(self) -> str:
        """The score as a phrase: "k of n right"."""
        return f"{self.score} of {len(self.questions)} right"

    def _show_score(self) -> None:
        self.score_line.value = f"<b>Score: {self.score_text()}</b>"

    # -- display --------------------------------------------------------------

    def text(self) -> str:
        """The questions as plain text, numbered, options lettered."""
        blocks = []
        for i, question in enumerate(self.questions):
            first, *rest = question.lines()
            blocks.append("\n".join([f"{i + 1}. {first}", *rest]))
        heading = f"Quiz: {len(self.questions)} questions (run the notebook to answer)"
        return "\n\n".join([heading, *blocks])

    def describe(self) -> str:
        """One line saying what the quiz holds, and the score."""
        return f"Quiz of {len(self.questions)} questions: {self.score_text()}"

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict[str, Any]:
        # The widget for a live kernel; the questions as text for every reader
        # that cannot show widgets (an HTML export, a notebook without kernel).
        bundle = dict(self.widget._repr_mimebundle_(include=include, exclude=exclude))
        bundle["text/plain"] = self.text()
        return bundle

    def close(self) -> None:
        """Close every widget of the quiz."""
        for widget in [
            *self.inputs,
            *self.buttons,
            *self.feedback_lines,
            *self._parts,
            self.score_line,
        ]:
            widget.close()
        self.widget.close()
