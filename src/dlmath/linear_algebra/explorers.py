"""Explorers of chapter 01 (linear algebra)."""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from . import reference as linalg
from ..plotting import PALETTE, plot_transformation
from ..explorers import Explorer, Slider, register

__all__ = ["matrix_transform", "dot_product", "dot_product_state"]


# -- matrix as a transformation of the plane ---------------------------------------------------------
def _matrix_compute(a: float, b: float, c: float, d: float) -> dict[str, Any]:
    return linalg.transform_grid(np.array([[a, b], [c, d]]), limit=3.0)


def _matrix_setup(fig):
    ax = fig.subplots()
    grid = linalg.transform_grid(np.eye(2), limit=3.0)
    handles = plot_transformation(grid, ax=ax)
    ax.grid(False)
    ax.set_xlim(-3.5, 3.5)  # a fixed view, so that the picture of the plane is comparable between matrices
    ax.set_ylim(-3.5, 3.5)
    del handles["original"]  # the untransformed grid never moves: it stays in the background
    # The unit square and its image, the parallelogram spanned by the columns: its area is |det A|.
    ax.fill([0, 1, 1, 0], [0, 0, 1, 1], facecolor="none", edgecolor="0.45", lw=1, ls=":", zorder=2)
    (handles["square"],) = ax.fill([0, 1, 1, 0], [0, 0, 1, 1], facecolor=PALETTE["yellow"], alpha=0.45,
                                   edgecolor=PALETTE["orange"], lw=1.2, zorder=2,
                                   label="image of the unit square, area |det A|")
    ax.set_xlabel("first coordinate $x_1$")
    ax.set_ylabel("second coordinate $x_2$")
    handles["text"] = ax.text(0.02, 0.98, "", transform=ax.transAxes, va="top", fontsize=9,
                              bbox=dict(facecolor="white", alpha=0.85, edgecolor="none"))
    ax.legend(loc="lower right", fontsize=8)
    return handles


def _matrix_draw(h, r: Mapping[str, Any], p: Mapping[str, Any]) -> None:
    for artist, line in zip(h["lines"], r["lines"]):
        artist.set_data(line[:, 0], line[:, 1])
    h["circle"][0].set_data(r["circle"][:, 0], r["circle"][:, 1])
    for artist, vec in zip(h["basis"], r["basis"]):
        artist.set_data([0, vec[0]], [0, vec[1]])
    e1, e2 = r["basis"]
    h["square"].set_xy(np.array([[0, 0], e1, e1 + e2, e2, [0, 0]]))
    for k, artist in enumerate(h["eig"]):
        vec = r["eigvecs"][k] if k < len(r["eigvecs"]) else np.full(2, np.nan)
        artist.set_data([-vec[0], vec[0]], [-vec[1], vec[1]])
    eig = ", ".join(f"{v:.2f}" for v in r["eigvals"]) or "complex (a rotation part)"
    inverse = "invertible" if r["rank"] == 2 else "not invertible: it flattens the plane"
    h["text"].set_text(f"A = [[{p['a']:.1f}, {p['b']:.1f}], [{p['c']:.1f}, {p['d']:.1f}]]\n"
                       f"det A = {r['det']:.2f}: the unit square's image has area {abs(r['det']):.2f}"
                       f"{', flipped' if r['det'] < -1e-12 else ''}\n"
                       f"rank {r['rank']}, {inverse}\n"
                       f"real eigenvalues: {eig}")


def _matrix_describe(p: Mapping[str, Any], r: Mapping[str, Any]) -> str:
    eig = ", ".join(f"{v:.2f}" for v in r["eigvals"]) or "none (complex pair)"
    square = (f"the unit square mapped to a parallelogram of area {abs(r['det']):.2f}"
              + (", its orientation flipped (negative determinant)" if r["det"] < -1e-12 else "")
              if r["rank"] == 2 else "the unit square mapped to a parallelogram of area 0, a segment"
              if r["rank"] == 1 else "the unit square mapped to the origin")
    s1, s2 = np.linalg.svd(np.array([[p["a"], p["b"]], [p["c"], p["d"]]]), compute_uv=False)
    image = (f"a circle of radius {s1:.2f}" if np.isclose(s1, s2) else
             f"an ellipse with semi-axes {s1:.2f} and {s2:.2f}")
    picture = {
        2: f"a grid of light lines mapped to a grid of parallelograms, the unit circle mapped to {image}",
        1: "the whole plane flattened onto a line through the origin: the grid collapses onto that line and the "
           "unit circle onto a segment of it",
        0: "every point of the plane sent to the origin",
    }[r["rank"]]
    return (f"The plane transformed by the matrix with rows ({p['a']:g}, {p['b']:g}) and ({p['c']:g}, {p['d']:g}): "
            f"{picture}; {square}; the basis vectors e1 and e2 mapped to the columns of the matrix. "
            f"Determinant {r['det']:.2f}, "
            f"rank {r['rank']}, real eigenvalues: {eig}.")


@register
def matrix_transform() -> Explorer:
    """Drag the four entries of a 2x2 matrix; watch the grid, the unit circle, the determinant and eigenvectors."""
    entry = dict(min=-2.0, max=2.0, step=0.1)
    return Explorer(
        name="matrix_transform",
        title="A 2x2 matrix as a transformation of the plane",
        controls={"a": Slider("a (row 1, col 1)", value=1.2, **entry), "b": Slider("b (row 1, col 2)", value=0.6, **entry),
                  "c": Slider("c (row 2, col 1)", value=0.3, **entry), "d": Slider("d (row 2, col 2)", value=0.9, **entry)},
        compute=_matrix_compute, setup=_matrix_setup, draw=_matrix_draw, describe=_matrix_describe,
        figsize=(5.0, 5.0),
        # The page: a through a reflection, b on and off, c at the value that makes A singular (ad = bc); and the
        # presets the text names, each a frame of its own.
        static={"a": [-1.0, 0.0, 1.2, 2.0], "b": [0.0, 0.6], "c": [0.3, 1.8], "d": [0.9, 2.0]},
        presets={
            "diagonal": {"a": 2.0, "b": 0.0, "c": 0.0, "d": 0.5},
            "shear": {"a": 1.0, "b": 1.0, "c": 0.0, "d": 1.0},
            "rotation": {"a": 0.8, "b": -0.6, "c": 0.6, "d": 0.8},
            "flip": {"a": 1.2, "b": 0.6, "c": 0.3, "d": -0.9},
            "singular": {"a": 1.0, "b": 2.0, "c": 0.5, "d": 1.0},
        },
    )


# -- dot product, projection and cosine similarity ---------------------------------------------------
def dot_product_state(angle_deg: float, length_b: float, length_a: float = 2.0) -> dict[str, Any]:
    r"""Two vectors at a given angle: $a = \lVert a\rVert e_1$ and $b$ at ``angle_deg`` from it.

    Returns the vectors, $a \cdot b$, $\cos\theta$ and the projection of $b$ onto $a$,
    $\frac{a\cdot b}{\lVert a\rVert^2} a$: the pure computation behind the dot-product explorer.
    """
    if length_a <= 0 or length_b < 0:
        raise ValueError(f"lengths must be positive, got length_a={length_a}, length_b={length_b}")
    theta = np.deg2rad(angle_deg)
    a = np.array([length_a, 0.0])
    b = length_b * np.array([np.cos(theta), np.sin(theta)])
    dot = float(a @ b)
    cos = float(linalg.cosine_similarity(a, b)) if length_b > 0 else float("nan")
    return {"a": a, "b": b, "dot": dot, "cos": cos, "projection": dot / float(a @ a) * a}


def _dot_setup(fig):
    ax_vec, ax_cos = fig.subplots(1, 2, width_ratios=[1.3, 1])
    h: dict[str, Any] = {}
    h["a"] = ax_vec.annotate("", xy=(2, 0), xytext=(0, 0), arrowprops=dict(arrowstyle="-|>", color=PALETTE["blue"], lw=2.5))
    h["b"] = ax_vec.annotate("", xy=(1, 1), xytext=(0, 0), arrowprops=dict(arrowstyle="-|>", color=PALETTE["orange"], lw=2.5))
    (h["proj"],) = ax_vec.plot([0, 1], [0, 0], color=PALETTE["green"], lw=5, alpha=0.6, solid_capstyle="butt", label="projection of b on a")
    (h["drop"],) = ax_vec.plot([1, 1], [0, 1], color="0.4", ls=":", lw=1)
    ax_vec.plot([], [], color=PALETTE["blue"], lw=2.5, label="a")
    ax_vec.plot([], [], color=PALETTE["orange"], lw=2.5, label="b")
    ax_vec.set_xlim(-3.2, 3.2)
    ax_vec.set_ylim(-0.8, 3.2)
    ax_vec.set_aspect("equal")
    ax_vec.set_xlabel("first coordinate")
    ax_vec.set_ylabel("second coordinate")
    ax_vec.legend(loc="lower left", fontsize=8)
    h["text"] = ax_vec.text(0.02, 0.98, "", transform=ax_vec.transAxes, va="top", fontsize=9)
    angles = np.linspace(0, 180, 181)
    ax_cos.plot(angles, np.cos(np.deg2rad(angles)), color="0.3")
    (h["marker"],) = ax_cos.plot([0], [1], "o", color=PALETTE["vermillion"], ms=9)
    ax_cos.axhline(0, color="0.6", lw=0.8)
    ax_cos.set_xlabel("angle between a and b (degrees)")
    ax_cos.set_ylabel(r"cosine similarity $\cos\theta$")
    ax_cos.set_xticks([0, 45, 90, 135, 180])
    return h


def _dot_draw(h, r: Mapping[str, Any], p: Mapping[str, Any]) -> None:
    a, b, proj = r["a"], r["b"], r["projection"]
    h["a"].xy = tuple(a)
    h["b"].xy = tuple(b)
    h["proj"].set_data([0, proj[0]], [0, proj[1]])
    h["drop"].set_data([b[0], proj[0]], [b[1], proj[1]])
    h["marker"].set_data([p["angle_deg"]], [r["cos"]])
    h["text"].set_text(f"a . b = {r['dot']:.2f}\ncos theta = {r['cos']:.2f}")


def _dot_describe(p: Mapping[str, Any], r: Mapping[str, Any]) -> str:
    return (f"Left: vector a of length 2 along the x-axis and vector b of length {p['length_b']:g} at "
            f"{p['angle_deg']:g} degrees, with the projection of b onto a drawn on a. Dot product {r['dot']:.2f}. "
            f"Right: the cosine curve from 0 to 180 degrees with the current angle marked at cosine {r['cos']:.2f}.")


@register
def dot_product() -> Explorer:
    """Turn and stretch b: the dot product, the projection and the cosine similarity respond."""
    return Explorer(
        name="dot_product",
        title="Dot product, projection and cosine similarity",
        controls={"angle_deg": Slider("angle (degrees)", min=0.0, max=180.0, step=5.0, value=60.0),
                  "length_b": Slider("length of b", min=0.5, max=3.0, step=0.1, value=1.5)},
        compute=lambda angle_deg, length_b: dot_product_state(angle_deg, length_b),
        setup=_dot_setup, draw=_dot_draw, describe=_dot_describe, figsize=(7.5, 3.6),
        # The angle carries the lesson: every position of it, at two lengths of b.
        static={"angle_deg": [float(a) for a in range(0, 181, 5)], "length_b": [1.5, 3.0]},
        presets={"same direction": {"angle_deg": 0.0}, "perpendicular": {"angle_deg": 90.0},
                 "past 90 degrees": {"angle_deg": 135.0}, "opposite": {"angle_deg": 180.0},
                 "b stretched": {"angle_deg": 60.0, "length_b": 3.0}},
    )
