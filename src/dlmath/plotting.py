"""The house plotting style and the plot functions the chapters share.

Every function takes ``ax=None`` (``None`` means "the current axes of pyplot"), draws with the
object-oriented API and returns the artists it drew. None calls ``plt.show()`` or changes the global
rcParams: :func:`house_style` returns a context manager, and :func:`use_house_style` is an explicit,
visible call a chapter makes once in its setup cell.

Colours are the Okabe-Ito palette, distinguishable with the common forms of colour blindness.
"""

from __future__ import annotations

import contextlib
from typing import Any, Callable, Mapping, Sequence

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ._validate import as_array

__all__ = [
    "PALETTE",
    "HOUSE_RC",
    "house_style",
    "use_house_style",
    "new_figure",
    "plot_vectors",
    "plot_transformation",
    "plot_heatmap",
    "plot_loglog",
    "plot_layer_graph",
    "plot_contours",
    "plot_path",
]

#: Okabe-Ito colours, in the order the house uses them.
PALETTE: dict[str, str] = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "green": "#009E73",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "sky": "#56B4E9",
    "yellow": "#F0E442",
    "black": "#000000",
}

#: The rcParams of the house style.
HOUSE_RC: dict[str, object] = {
    "axes.prop_cycle": mpl.cycler(color=[PALETTE[k] for k in ("blue", "orange", "green", "vermillion", "purple", "sky", "black")]),
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "legend.frameon": False,
    "figure.figsize": (6.0, 3.6),
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "figure.facecolor": "white",
    "image.cmap": "viridis",
    "font.size": 10,
}


def house_style() -> contextlib.AbstractContextManager:
    """Return a context manager that applies the house style inside a ``with`` block only."""
    return mpl.rc_context(HOUSE_RC)


def use_house_style() -> None:
    """Apply the house style for the rest of the session (call it once, visibly, in a chapter's setup cell)."""
    mpl.rcParams.update(HOUSE_RC)


def new_figure(nrows: int = 1, ncols: int = 1, figsize: tuple[float, float] | None = None) -> tuple[Figure, np.ndarray | Axes]:
    """Create a figure *outside* pyplot's state machine, in the house style.

    Explorers use it: such a figure is never displayed automatically at the end of a cell, so the
    explorer decides when to show it. Returns ``(fig, axes)`` like ``plt.subplots``.
    """
    with house_style():
        fig = Figure(figsize=figsize or HOUSE_RC["figure.figsize"], layout="constrained")
        axes = fig.subplots(nrows, ncols, squeeze=True)
    return fig, axes


def _ax(ax: Axes | None) -> Axes:
    return plt.gca() if ax is None else ax


def plot_vectors(
    vectors: Sequence[Sequence[float]] | np.ndarray,
    ax: Axes | None = None,
    labels: Sequence[str] | None = None,
    colors: Sequence[str] | None = None,
    origin: Sequence[float] = (0.0, 0.0),
) -> list:
    """Draw 2-D vectors as arrows from ``origin``; ``vectors`` has shape (n, 2).

    Returns the list of arrow artists (and text labels, if given, after the arrows).
    """
    V = as_array(vectors, "vectors", shape=(None, 2))
    ax = _ax(ax)
    colors = list(colors) if colors is not None else [c for c in PALETTE.values()]
    if labels is not None and len(labels) != len(V):
        raise ValueError(f"labels must have one entry per vector ({len(V)}), got {len(labels)}")
    ox, oy = origin
    drawn = []
    for i, (x, y) in enumerate(V):
        drawn.append(
            ax.annotate(
                "", xy=(ox + x, oy + y), xytext=(ox, oy),
                arrowprops=dict(arrowstyle="-|>", color=colors[i % len(colors)], lw=2, shrinkA=0, shrinkB=0),
            )
        )
    if labels is not None:
        for i, (x, y) in enumerate(V):
            drawn.append(ax.text(ox + 1.05 * x, oy + 1.05 * y, labels[i], color=colors[i % len(colors)], fontsize=11))
    lim = max(1.0, float(np.abs(V).max()) * 1.25 + max(abs(ox), abs(oy)))
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)
    ax.set_aspect("equal")
    return drawn


def plot_transformation(
    grid: Mapping[str, np.ndarray],
    ax: Axes | None = None,
    show_original: bool = True,
) -> dict[str, list]:
    """Draw a transformed grid as computed by :func:`dlmath.linear_algebra.transform_grid`.

    ``grid`` holds ``"lines"`` (k, m, 2), ``"circle"`` (m, 2), ``"basis"`` (2, 2) and, optionally,
    ``"eigvecs"`` (j, 2). Returns a dict of the artists by role (``"lines"``, ``"circle"``, ``"basis"``,
    ``"eig"``, ``"original"``) so that an explorer can update them in place.
    """
    ax = _ax(ax)
    out: dict[str, list] = {"original": [], "lines": [], "circle": [], "basis": [], "eig": []}
    if show_original and "original_lines" in grid:
        for line in grid["original_lines"]:
            out["original"] += ax.plot(line[:, 0], line[:, 1], color="0.8", lw=0.8, zorder=1)
    for line in grid["lines"]:
        out["lines"] += ax.plot(line[:, 0], line[:, 1], color=PALETTE["sky"], lw=1.0, zorder=2)
    circle = grid["circle"]
    out["circle"] += ax.plot(circle[:, 0], circle[:, 1], color=PALETTE["purple"], lw=2, zorder=3, label="image of the unit circle")
    for vec, colour, name in zip(grid["basis"], (PALETTE["vermillion"], PALETTE["blue"]), ("$A e_1$", "$A e_2$")):
        out["basis"] += ax.plot([0, vec[0]], [0, vec[1]], color=colour, lw=3, zorder=4, label=name, solid_capstyle="round")
    eig = grid.get("eigvecs", np.zeros((0, 2)))
    for k in range(2):
        vec = eig[k] if k < len(eig) else np.full(2, np.nan)
        out["eig"] += ax.plot([-vec[0], vec[0]], [-vec[1], vec[1]], color=PALETTE["green"], lw=1.5, ls="--", zorder=3,
                              label="eigenvector directions" if k == 0 else None)
    ax.set_aspect("equal")
    lim = float(grid.get("limit", 3.0))
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)
    ax.axhline(0, color="0.5", lw=0.6, zorder=0)
    ax.axvline(0, color="0.5", lw=0.6, zorder=0)
    return out


def plot_heatmap(
    M: np.ndarray,
    ax: Axes | None = None,
    row_labels: Sequence[str] | None = None,
    col_labels: Sequence[str] | None = None,
    annotate: bool = True,
    cmap: str = "viridis",
    vmin: float | None = None,
    vmax: float | None = None,
    fmt: str = "{:.2f}",
):
    """Draw a matrix as a heatmap with optional row/column labels and cell annotations.

    Returns the ``AxesImage``; annotations are available as ``image.annotations`` (a list of texts).
    """
    M = as_array(M, "M", ndim=2)
    ax = _ax(ax)
    image = ax.imshow(M, cmap=cmap, vmin=vmin, vmax=vmax)
    ax.grid(False)
    for labels, n, setter, ticks in ((row_labels, M.shape[0], ax.set_yticklabels, ax.set_yticks),
                                     (col_labels, M.shape[1], ax.set_xticklabels, ax.set_xticks)):
        if labels is not None:
            if len(labels) != n:
                raise ValueError(f"expected {n} labels for a matrix of shape {M.shape}, got {len(labels)}")
            ticks(range(n))
            setter(labels)
    image.annotations = []
    if annotate:
        lo, hi = image.get_clim()
        mid = (lo + hi) / 2
        for (i, j), value in np.ndenumerate(M):
            colour = "black" if value > mid else "white"
            image.annotations.append(ax.text(j, i, fmt.format(value), ha="center", va="center", color=colour, fontsize=8))
    return image


def plot_loglog(
    x: Sequence[float],
    ys: Mapping[str, Sequence[float]],
    ax: Axes | None = None,
    xlabel: str = "",
    ylabel: str = "",
    marker: str = "o",
) -> list:
    """Plot several series against ``x`` on log-log axes, one labelled line per entry of ``ys``.

    An axis label is set only when given: a second call that adds a guide line to the same axes keeps the labels
    of the first. Returns the list of ``Line2D`` objects, in the order of ``ys``.
    """
    x = as_array(x, "x", ndim=1)
    ax = _ax(ax)
    lines = []
    for label, y in ys.items():
        y = as_array(y, f"ys[{label!r}]", shape=(len(x),))
        lines += ax.loglog(x, y, marker=marker, label=label)
    if xlabel:
        ax.set_xlabel(xlabel)
    if ylabel:
        ax.set_ylabel(ylabel)
    if ys:
        ax.legend()
    return lines



def plot_layer_graph(
    W: np.ndarray,
    ax: Axes | None = None,
    input_labels: Sequence[str] | None = None,
    output_labels: Sequence[str] | None = None,
    max_width: float = 4.0,
) -> dict[str, list]:
    r"""Draw the weights of a dense layer $z = Wx + b$ as a graph, one edge per weight.

    ``W`` has shape (m, n): n input nodes on the left ($x_1, \dots, x_n$ from top to bottom) and m output
    nodes on the right ($z_1, \dots, z_m$). The edge from input j to output i stands for ``W[i, j]``, the
    weight in $z_i = \sum_j W_{ij} x_j + b_i$: row i of W holds the weights *into* output i. An edge's
    width is proportional to $|W_{ij}|$ (the largest gets ``max_width``) and its colour gives the sign
    (blue for positive, vermillion for negative).

    Returns a dict of the artists: ``"edges"``, the m*n lines in row-major order (``edges[i * n + j]``
    stands for ``W[i, j]``); ``"inputs"`` and ``"outputs"``, the node markers; ``"labels"``, the texts
    (inputs first, then outputs).
    """
    W = as_array(W, "W", ndim=2)
    m, n = W.shape
    input_labels = [f"$x_{{{j + 1}}}$" for j in range(n)] if input_labels is None else list(input_labels)
    output_labels = [f"$z_{{{i + 1}}}$" for i in range(m)] if output_labels is None else list(output_labels)
    if len(input_labels) != n:
        raise ValueError(f"input_labels must have one entry per column of W ({n}), got {len(input_labels)}")
    if len(output_labels) != m:
        raise ValueError(f"output_labels must have one entry per row of W ({m}), got {len(output_labels)}")
    ax = _ax(ax)

    def heights(k: int) -> np.ndarray:
        return (k - 1) / 2 - np.arange(k)  # k nodes, one unit apart, centred on zero, first on top

    y_in, y_out = heights(n), heights(m)
    scale = float(np.abs(W).max()) or 1.0
    edges = []
    for i in range(m):
        for j in range(n):
            colour = PALETTE["blue"] if W[i, j] >= 0 else PALETTE["vermillion"]
            edges += ax.plot([0, 1], [y_in[j], y_out[i]], color=colour, lw=max_width * abs(W[i, j]) / scale,
                             solid_capstyle="round", zorder=1)
    node = dict(s=500, color="white", edgecolors="0.2", linewidths=1.5, zorder=2)
    inputs = ax.scatter(np.zeros(n), y_in, **node)
    outputs = ax.scatter(np.ones(m), y_out, **node)
    labels = [ax.text(0, y, text, ha="center", va="center", zorder=3) for y, text in zip(y_in, input_labels)]
    labels += [ax.text(1, y, text, ha="center", va="center", zorder=3) for y, text in zip(y_out, output_labels)]
    half = max(n, m) / 2
    ax.set_xlim(-0.25, 1.25)
    ax.set_ylim(-half, half)
    ax.set_axis_off()
    return {"edges": edges, "inputs": [inputs], "outputs": [outputs], "labels": labels}


def plot_contours(
    f: Callable[[np.ndarray, np.ndarray], np.ndarray],
    xlim: tuple[float, float],
    ylim: tuple[float, float],
    ax: Axes | None = None,
    levels: int | Sequence[float] = 20,
    n: int = 200,
    log: bool = False,
    filled: bool = False,
):
    r"""Draw the level sets $f(x, y) = c$ of a function of two variables over a rectangle.

    ``f`` takes two arrays of equal shape (a mesh grid) and returns $f$ at each point. ``log=True`` spaces
    the levels geometrically between the smallest positive and the largest value, which suits surfaces like
    Rosenbrock's whose values span many orders of magnitude. Returns the matplotlib ``ContourSet``.
    """
    if n < 2:
        raise ValueError(f"n must be at least 2 grid points per axis, got {n}")
    for name, (lo, hi) in (("xlim", xlim), ("ylim", ylim)):
        if not lo < hi:
            raise ValueError(f"{name} must be (low, high) with low < high, got {(lo, hi)}")
    X, Y = np.meshgrid(np.linspace(*xlim, n), np.linspace(*ylim, n))
    Z = np.asarray(f(X, Y), dtype=float)
    if Z.shape != X.shape:
        raise ValueError(f"f(X, Y) must return an array of shape {X.shape} (the mesh grid), got shape {Z.shape}")
    if log and isinstance(levels, int):
        positive = Z[Z > 0]
        if positive.size == 0:
            raise ValueError("log=True needs a function with positive values on the rectangle")
        levels = np.geomspace(positive.min(), positive.max(), levels)
    ax = _ax(ax)
    draw = ax.contourf if filled else ax.contour
    contours = draw(X, Y, Z, levels=levels, cmap="viridis", linewidths=None if filled else 0.8)
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_xlabel("$x$")
    ax.set_ylabel("$y$")
    return contours


def plot_path(
    path: Sequence[Sequence[float]] | np.ndarray,
    ax: Axes | None = None,
    label: str | None = None,
    color: str | None = None,
    marker: str = "o",
) -> dict[str, Any]:
    """Draw an optimisation path, an array of shape (steps, 2), as a line with a marker at each step.

    The start is marked with an open circle and the end with a filled square. Returns a dict with the
    ``line``, ``start`` and ``end`` artists, so an explorer can move them with ``set_data``.
    """
    path = as_array(path, "path", ndim=2)
    if path.shape[1] != 2:
        raise ValueError(f"path must have shape (steps, 2), got shape {path.shape}")
    ax = _ax(ax)
    (line,) = ax.plot(path[:, 0], path[:, 1], marker=marker, markersize=3, linewidth=1.2, label=label, color=color)
    colour = line.get_color()
    (start,) = ax.plot(path[:1, 0], path[:1, 1], "o", markerfacecolor="white", markeredgecolor=colour, markersize=7)
    (end,) = ax.plot(path[-1:, 0], path[-1:, 1], "s", color=colour, markersize=6)
    return {"line": line, "start": start, "end": end}
