"""How fast does the 2-D explorer redraw after a slider moves?

The explorer: `widgets.RaceExplorer` on the quadratic with condition
number 100, three methods (gradient descent, heavy ball, Nesterov) of 300
steps each, computed as one batched run. The slider moved is β, through
values from 0.3 to 0.95, as a lecturer would drag it.

Measured, for each value, in the kernel: the time from setting the
slider's value to a finished redraw. Setting the value runs the explorer's
observer synchronously: the new run, the artists moved in place, the
background pasted back, the moving artists drawn and the canvas blitted.
When the timer stops the new picture is in the canvas's pixel buffer; on an
ipympl canvas it has also been encoded as the PNG of changed pixels that
goes to the browser.

Also printed: the batched run by itself, the part of the time that no way
of drawing can save.

Against it, the rebuild-the-figure approach (what a plotting function under
``ipywidgets.interact`` does): the same batched run, then a new figure
with the contour, the three paths and the loss panel, drawn in full, and,
for the comparison with ipympl, encoded as a PNG as the inline backend
does.

Two canvases are compared (``--canvas both``, the default):

- agg: the off-screen canvas; the time is computing and drawing only.
- ipympl: the canvas the lessons use. The benchmark tells the canvas that
  a browser view is attached (the message a browser sends when it shows
  the figure), so each blit encodes the changed pixels as a browser would
  receive them. No browser is needed.

Run from the repository's root:

    .venv/bin/python benchmarks/bench_widgets.py
    .venv/bin/python benchmarks/bench_widgets.py --canvas agg --repeats 60
"""

from __future__ import annotations

import argparse
import io
import statistics
import time

import matplotlib as mpl
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from course_lib import plots, problems, widgets

KAPPA = 100.0
STEPS = 300
TARGET_MS = 20.0


def make_problem() -> problems.Quadratic:
    return problems.Quadratic.from_condition_number(KAPPA, angle=np.pi / 6)


def start_of(problem) -> np.ndarray:
    """The explorer's default start: near the upper-left corner of the window."""
    return widgets.RaceExplorer.default_start(problem.window)


def slider_values(repeats: int) -> np.ndarray:
    """The β values to visit; each differs from the last, so each redraws."""
    return np.round(np.linspace(0.3, 0.95, repeats), 4)


def attach_browser(explorer: widgets.RaceExplorer) -> None:
    """Tell an ipympl canvas that a browser shows it, as the browser would."""
    canvas = explorer.canvas
    canvas._handle_message(canvas, {"type": "initialized"}, [])
    canvas.draw()


def time_explorer(kind: str, repeats: int) -> list[float]:
    """Seconds from setting β to a finished redraw, for each value."""
    explorer = widgets.RaceExplorer(make_problem(), beta=0.9, steps=STEPS, canvas=kind)
    if kind == "ipympl":
        attach_browser(explorer)
    beta = explorer.controls["beta"]
    figure, paths = explorer.figure, list(explorer.paths)
    beta.value = 0.2  # warm-up
    seconds = []
    for value in slider_values(repeats):
        began = time.perf_counter()
        beta.value = float(value)
        seconds.append(time.perf_counter() - began)
    if explorer.figure is not figure or explorer.paths != paths:
        raise RuntimeError("the explorer replaced its figure or its lines")
    explorer.close()
    return seconds


def rebuild(problem, beta: float, start: np.ndarray, encode: bool) -> None:
    """The rebuild approach: run, then a new figure drawn in full (and a PNG)."""
    learning_rate = 1.0 / problem.eigenvalues.max()
    trajectory = widgets.race(problem, learning_rate, beta, start, STEPS)
    with mpl.rc_context(plots.STYLE):
        figure = Figure(figsize=widgets.RaceExplorer.figure_size, layout="constrained")
        canvas = FigureCanvasAgg(figure)
        surface, losses = figure.subplots(1, 2, width_ratios=(1.0, 1.2))
        plots.contour(surface, problem)
        for i, name in enumerate(widgets.RaceExplorer.methods):
            plots.path(surface, trajectory.positions[:, i], name)
        curves = {
            name: trajectory.losses[:, i]
            for i, name in enumerate(widgets.RaceExplorer.methods)
        }
        plots.loss_curves(losses, curves)
        if encode:
            with io.BytesIO() as buffer:
                figure.savefig(buffer, format="png")
        else:
            canvas.draw()


def time_rebuild(encode: bool, repeats: int) -> list[float]:
    problem = make_problem()
    start = start_of(problem)
    rebuild(problem, 0.2, start, encode)  # warm-up
    seconds = []
    for value in slider_values(repeats):
        began = time.perf_counter()
        rebuild(problem, float(value), start, encode)
        seconds.append(time.perf_counter() - began)
    return seconds


def time_run_alone(repeats: int) -> list[float]:
    """Seconds of the batched run by itself: the part no drawing can save."""
    problem = make_problem()
    start, learning_rate = start_of(problem), 1.0 / problem.eigenvalues.max()
    seconds = []
    for value in slider_values(repeats):
        began = time.perf_counter()
        widgets.race(problem, learning_rate, float(value), start, STEPS)
        seconds.append(time.perf_counter() - began)
    return seconds


def report(kind: str, repeats: int) -> float:
    """Time both approaches on one canvas, print the medians, return the ratio."""
    explorer_seconds = time_explorer(kind, repeats)
    explorer_ms = 1e3 * statistics.median(explorer_seconds)
    quickest_ms = 1e3 * min(explorer_seconds)
    rebuild_ms = 1e3 * statistics.median(time_rebuild(kind == "ipympl", repeats))
    run_ms = 1e3 * statistics.median(time_run_alone(repeats))
    what = "draw + PNG for the browser" if kind == "ipympl" else "draw only"
    print(f"canvas {kind} ({what}), median of {repeats} slider values:")
    print(f"  explorer, artists moved and blitted: {explorer_ms:7.1f} ms")
    print(f"  (its quickest redraw:                {quickest_ms:7.1f} ms)")
    print(f"  rebuild the figure each time:        {rebuild_ms:7.1f} ms")
    print(f"  (the batched run alone:              {run_ms:7.1f} ms)")
    verdict = "met" if explorer_ms < TARGET_MS else "MISSED"
    print(
        f"  ratio {rebuild_ms / explorer_ms:.1f}x; target explorer < "
        f"{TARGET_MS:.0f} ms {verdict}"
    )
    return rebuild_ms / explorer_ms


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--canvas",
        choices=("agg", "ipympl", "both"),
        default="both",
        help="which canvas to time (default: both)",
    )
    parser.add_argument(
        "--repeats", type=int, default=40, help="slider values timed per approach"
    )
    args = parser.parse_args(argv)
    if args.repeats < 3:
        parser.error(f"--repeats={args.repeats} is not allowed; allowed: >= 3")

    print(
        f"RaceExplorer: 3 methods x {STEPS} steps in one batched run, quadratic "
        f"with kappa = {KAPPA:g}; the slider moved is β"
    )
    kinds = ("agg", "ipympl") if args.canvas == "both" else (args.canvas,)
    for kind in kinds:
        report(kind, args.repeats)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
