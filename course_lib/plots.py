"""The course's figures, each drawn on a matplotlib Axes you pass in.

One style for every lesson: `use_style` sets it, `COLORS` gives
each method the same colour-blind-safe colour everywhere (Okabe and Ito's
palette), contour plots have equal aspect and losses a log scale.

Every function returns the artists it drew, so a widget can update them in
place instead of drawing the figure again.
"""

from __future__ import annotations

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import LogNorm

from course_lib import theory
from course_lib.run import Trajectory

__all__ = [
    "COLORS",
    "PALETTE",
    "STYLE",
    "color_of",
    "contour",
    "loss_curves",
    "path",
    "rate_heatmap",
    "trajectory_paths",
    "use_style",
]


Array = np.ndarray

# Okabe and Ito's colour-blind-safe palette.
PALETTE = {
    "orange": "#E69F00",
    "sky blue": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "black": "#000000",
}

# The first name found in a label decides its colour, so the more specific
# names come first: "momentum (PyTorch)" is PyTorch's orange.
COLORS = {
    "pytorch": PALETTE["orange"],
    "averaging": PALETTE["purple"],
    "nesterov": PALETTE["green"],
    "gradient descent": PALETTE["blue"],
    "classical": PALETTE["vermillion"],
    "heavy ball": PALETTE["vermillion"],
    "momentum": PALETTE["vermillion"],
    "theory": PALETTE["black"],
}

STYLE = {
    "figure.figsize": (6.4, 4.0),
    "figure.dpi": 100,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.prop_cycle": mpl.cycler(color=list(PALETTE.values())),
    "lines.linewidth": 1.8,
    "legend.frameon": False,
    "font.size": 11,
}


def use_style() -> None:
    """Apply the course's figure style to every figure made after this."""
    plt.rcParams.update(STYLE)


def color_of(label: str) -> str:
    """The course colour of the first method named in ``label`` (any case)."""
    key = label.lower()
    for name, color in COLORS.items():
        if name in key:
            return color
    return PALETTE["black"]


def contour(ax: Axes, problem, *, window=None, levels: int = 20, resolution: int = 200):
    """Draw the problem's level sets, spaced evenly in log scale.

    Parameters
    ----------
    ax : Axes
    problem : a 2-D problem from `course_lib.problems`
    window : ((x_min, x_max), (y_min, y_max)), optional
        The problem's own window by default.
    levels : int
        The number of level sets.

    Returns
    -------
    QuadContourSet
    """
    if problem.dim != 2:
        raise ValueError(
            f"a contour plot needs a 2-D problem, but this one has dim={problem.dim}"
        )
    if not (isinstance(levels, int) and levels >= 2):
        raise ValueError(f"levels={levels!r} is not allowed; allowed: an integer >= 2")
    (x0, x1), (y0, y1) = window if window is not None else problem.window
    if not (x0 < x1 and y0 < y1):
        raise ValueError(
            f"window={window!r} is not allowed; allowed: ((x_min, x_max), "
            "(y_min, y_max)) with x_min < x_max and y_min < y_max"
        )
    xs, ys = np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution)
    grid = np.stack(np.meshgrid(xs, ys), axis=-1)
    heights = problem.value(grid) - problem.minimum_value
    low = max(float(heights.min()), float(heights.max()) * 1e-6, 1e-12)
    spaced = np.geomspace(low, float(heights.max()), levels)
    drawn = ax.contour(
        xs, ys, heights, levels=spaced, cmap="Greys_r", linewidths=0.8, alpha=0.7
    )
    ax.plot(
        *problem.minimizer[:2],
        marker="*",
        color=PALETTE["black"],
        markersize=12,
        linestyle="none",
    )
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal")
    ax.set_xlabel("first coordinate")
    ax.set_ylabel("second coordinate")
    return drawn


def path(
    ax: Axes,
    positions: Array,
    label: str,
    *,
    color: str | None = None,
    markers: bool = True,
):
    """Draw one run's path through the plane: a line with a dot per step.

    ``positions`` has shape (steps + 1, 2), for instance
    ``trajectory.positions[:, i]`` for run i of a batch.
    """
    positions = np.asarray(positions, dtype=float)
    if positions.ndim != 2 or positions.shape[1] != 2:
        raise ValueError(
            f"positions has shape {positions.shape}; allowed: (steps + 1, 2)"
        )
    (line,) = ax.plot(
        positions[:, 0],
        positions[:, 1],
        label=label,
        color=color or color_of(label),
        marker="o" if markers else None,
        markersize=3,
    )
    return line


def loss_curves(
    ax: Axes,
    curves: dict[str, Array],
    *,
    minimum_value: float = 0.0,
    ylabel: str = "loss above the minimum",
):
    """Draw losses against steps on a log scale, one line per labelled run.

    Non-positive values (a loss at the minimum exactly) are not drawn.
    """
    lines = []
    for label, losses in curves.items():
        gap = np.asarray(losses, dtype=float) - minimum_value
        if gap.ndim != 1:
            raise ValueError(
                f"losses for {label!r} has shape {gap.shape}; allowed: (steps + 1,), "
                "one run's losses (for run i of a batch, trajectory.losses[:, i])"
            )
        shown = np.where(gap > 0, gap, np.nan)
        (line,) = ax.plot(
            np.arange(gap.size), shown, label=label, color=color_of(label)
        )
        lines.append(line)
    ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel(ylabel)
    if len(curves) > 1:
        ax.legend()
    return lines


def rate_heatmap(
    ax: Axes,
    learning_rates: Array,
    betas: Array,
    rates: Array,
    *,
    label: str = "steps per digit of accuracy",
):
    """A heat-map of convergence speed over (learning rate, beta).

    ``rates[i, j]`` is the factor per step by which the distance to the
    minimizer shrinks at ``learning_rates[i]`` and ``betas[j]``. The colour
    shows ln(10) / -ln(rate), the steps each digit of accuracy costs, on a
    log scale: rates of 0.9 and 0.99 differ tenfold in cost. Cells that do
    not converge (rate NaN, or 1 and above) are grey. The learning-rate
    axis is logarithmic.
    """
    learning_rates = np.asarray(learning_rates, dtype=float)
    betas = np.asarray(betas, dtype=float)
    rates = np.asarray(rates, dtype=float)
    if rates.shape != (learning_rates.size, betas.size):
        raise ValueError(
            f"rates has shape {rates.shape}; allowed: "
            f"({learning_rates.size}, {betas.size}), one per (learning rate, beta)"
        )
    converging = (rates > 0) & (rates < 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        cost = np.where(converging, theory.steps_per_digit(rates), np.nan)
    shown = np.ma.masked_invalid(cost)
    if shown.count():
        norm = LogNorm(vmin=max(float(shown.min()), 1e-3), vmax=float(shown.max()))
    else:
        norm = LogNorm(vmin=1.0, vmax=10.0)
    cmap = plt.get_cmap("viridis_r").with_extremes(bad="0.85")
    mesh = ax.pcolormesh(
        learning_rates, betas, shown.T, cmap=cmap, shading="nearest", norm=norm
    )
    ax.set_xscale("log")
    ax.set_xlabel("learning rate")
    ax.set_ylabel("momentum β")
    ax.figure.colorbar(mesh, ax=ax, label=label)
    return mesh


def trajectory_paths(ax: Axes, problem, runs: dict[str, Trajectory], *, window=None):
    """Contour of ``problem`` with the path of each single run on it."""
    for label, run in runs.items():
        if run.positions is None:
            raise ValueError(
                f"the run {label!r} recorded no positions; allowed: runs made "
                "with record='all'"
            )
    contour(ax, problem, window=window)
    lines = [path(ax, run.positions, label) for label, run in runs.items()]
    ax.legend(loc="upper right")
    return lines
