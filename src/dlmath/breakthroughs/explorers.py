"""Explorers of chapter 08 (from equations to breakthroughs): a convolution of a shifted image, the forward and
reverse diffusion processes at step t, and how far messages travel through a molecule in k graph layers.

Each explorer has a pure state function (``*_state``: parameters -> arrays, no matplotlib), which the tests
call directly, and a figure whose artists are updated in place.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Mapping

import matplotlib
import numpy as np

from . import reference as bk
from ..plotting import PALETTE
from ..explorers import Choice, Explorer, Slider, register

__all__ = ["KERNELS", "PADDINGS", "convolution_shift", "convolution_shift_state",
           "DIFFUSION_T", "diffusion_process", "diffusion_state", "reverse_chain",
           "message_passing", "message_passing_state", "MAX_LAYERS"]


# -- 1. convolution and translation equivariance ----------------------------------------------------------
def _kernel_all_channels(k2: np.ndarray) -> np.ndarray:
    """The same 3 x 3 kernel on each of the three colour channels, summed: weight shape (1, 3, 3, 3)."""
    return np.repeat(k2[None, None] / 3.0, 3, axis=1)


_SOBEL = np.array([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])
_RED_MINUS_GREEN = np.zeros((1, 3, 3, 3))
_RED_MINUS_GREEN[0, 0, 1, 1], _RED_MINUS_GREEN[0, 1, 1, 1] = 1.0, -1.0

#: The kernels of the convolution explorer: name -> weight of shape (1, 3, 3, 3) (one output channel, RGB input).
KERNELS: dict[str, np.ndarray] = {
    "vertical edges (Sobel)": _kernel_all_channels(_SOBEL),
    "horizontal edges (Sobel)": _kernel_all_channels(_SOBEL.T),
    "blur (3 x 3 mean)": _kernel_all_channels(np.full((3, 3), 1.0 / 9.0)),
    "red minus green": _RED_MINUS_GREEN,
}
#: How the image is padded before the convolution (one pixel on each side, so the map keeps the image's size).
PADDINGS = ("circular", "zeros")
_IMAGE_SIZE = 40
_SHIFT = 12


@lru_cache(maxsize=1)
def _image() -> np.ndarray:
    image = bk.toy_image(_IMAGE_SIZE)
    image.flags.writeable = False  # cached: shared by every call
    return image


def convolution_shift_state(kernel: str, dx: float, dy: float, padding: str) -> dict[str, Any]:
    r"""Convolve the toy image shifted by $(\Delta y, \Delta x)$ pixels, and compare with the shifted feature map.

    With the shift $S$ a circular ``np.roll``, the map is $Y = \text{conv}(X)$ and the test is
    $\text{conv}(S X) - S\,\text{conv}(X)$: zero everywhere for circular padding (translation equivariance),
    non-zero along the border for zero padding. Returns the shifted image (H, W, 3), both maps, their
    difference and its largest absolute entry ``max_diff``, and the fraction of pixels where they differ.
    """
    if kernel not in KERNELS:
        raise ValueError(f"kernel must be one of {list(KERNELS)}, got {kernel!r}")
    if padding not in PADDINGS:
        raise ValueError(f"padding must be one of {PADDINGS}, got {padding!r}")
    if not (float(dx).is_integer() and float(dy).is_integer()) or max(abs(dx), abs(dy)) > _SHIFT:
        raise ValueError(f"dx and dy must be whole numbers of pixels from -{_SHIFT} to {_SHIFT}, got {dx!r}, {dy!r}")
    shift = (int(dy), int(dx))
    X, W = _image(), KERNELS[kernel]
    shifted = np.roll(X, shift, axis=(1, 2))
    Y_of_shifted = bk.conv2d(shifted, W, padding=1, padding_mode=padding)[0]
    Y, scale = _unshifted_map(kernel, padding)
    shifted_Y = np.roll(Y, shift, axis=(0, 1))
    diff = Y_of_shifted - shifted_Y
    return {"image": shifted.transpose(1, 2, 0), "map": Y_of_shifted, "shifted_map": shifted_Y, "diff": diff,
            "max_diff": float(np.abs(diff).max()), "differs": float(np.mean(np.abs(diff) > 1e-12)), "scale": scale}


@lru_cache(maxsize=None)
def _unshifted_map(kernel: str, padding: str) -> tuple[np.ndarray, float]:
    """conv(X) for the unshifted image (cached: it does not depend on the shift), and the colour scale of the
    kernel's maps, the largest response with circular padding."""
    X, W = _image(), KERNELS[kernel]
    Y = bk.conv2d(X, W, padding=1, padding_mode=padding)[0]
    Y.flags.writeable = False
    return Y, float(np.abs(bk.conv2d(X, W, padding=1, padding_mode="circular")).max())


def _conv_setup(fig):
    axes = fig.subplots(1, 3)
    h: dict[str, Any] = {}
    blank = np.zeros((_IMAGE_SIZE, _IMAGE_SIZE))
    h["image"] = axes[0].imshow(np.zeros((_IMAGE_SIZE, _IMAGE_SIZE, 3)))
    h["map"] = axes[1].imshow(blank, cmap="RdBu_r", vmin=-1, vmax=1)
    h["diff"] = axes[2].imshow(blank, cmap="RdBu_r", vmin=-1, vmax=1)
    titles = ("input X shifted by (dy, dx)", "conv(shifted X)", "conv(shifted X) - shifted conv(X)")
    h["titles"] = [ax.set_title(t, fontsize=9) for ax, t in zip(axes, titles)]
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_xlabel("pixel column", fontsize=8)
        ax.set_ylabel("pixel row", fontsize=8)
        ax.grid(False)
    return h


def _conv_draw(h, r: Mapping[str, Any], p: Mapping[str, Any]) -> None:
    h["image"].set_data(r["image"])
    for key, data in (("map", r["map"]), ("diff", r["diff"])):
        h[key].set_data(data)
        h[key].set_clim(-r["scale"], r["scale"])
    h["titles"][0].set_text(f"input shifted by dy = {int(p['dy'])}, dx = {int(p['dx'])}")
    h["titles"][1].set_text(f"conv of the shifted input, {_padding_name(p['padding'])}")
    h["titles"][2].set_text(f"minus the shifted map: max |diff| = {r['max_diff']:.2g}")


def _padding_name(padding: str) -> str:
    return "zero padding" if padding == "zeros" else f"{padding} padding"


#: Where each kernel's feature map is large.
_MAP_TEXT = {"vertical edges (Sobel)": "large along the shapes' left and right edges",
             "horizontal edges (Sobel)": "large along the shapes' top and bottom edges",
             "blur (3 x 3 mean)": "a softened copy of the image's brightness, large inside the shapes",
             "red minus green": "positive on the red disc and negative on the green square"}


def _conv_describe(p: Mapping[str, Any], r: Mapping[str, Any]) -> str:
    if r["max_diff"] < 1e-12:
        verdict = ("The right panel is blank: the feature map of the shifted image is exactly the shifted feature map, "
                   "translation equivariance.")
    else:
        verdict = (f"The right panel is blank except for lines along the image border and along the seam where the "
                   f"shift wrapped the image around: there {100 * r['differs']:.0f} percent of the pixels differ, by up "
                   f"to {r['max_diff']:.2g}. Zero padding breaks the equivariance at the edges.")
    return (f"Left: a synthetic colour image with a red disc, a green square and a blue triangle on dark grey, shifted "
            f"circularly by {int(p['dy'])} pixels down and {int(p['dx'])} pixels right. Middle: its feature map under the "
            f"{p['kernel']} kernel with {_padding_name(p['padding'])}, in red and blue for positive and negative responses, "
            f"{_MAP_TEXT[p['kernel']]}. Right: that map minus the shifted map of the unshifted image. {verdict}")


@register
def convolution_shift() -> Explorer:
    """Shift the image and choose a kernel and a padding: the feature map moves with the image."""
    shift = dict(min=-float(_SHIFT), max=float(_SHIFT), step=1.0)
    return Explorer(
        name="convolution_shift",
        title="Convolution commutes with shifts",
        controls={"kernel": Choice("kernel", tuple(KERNELS), "vertical edges (Sobel)"),
                  "dx": Slider("shift right dx", value=6.0, **shift),
                  "dy": Slider("shift down dy", value=3.0, **shift),
                  "padding": Choice("padding", PADDINGS, "circular")},
        compute=convolution_shift_state, setup=_conv_setup, draw=_conv_draw, describe=_conv_describe,
        figsize=(9.6, 3.5),
        # The page: every kernel and padding, with no shift, a small one and one that wraps a shape around.
        static={"kernel": list(KERNELS), "dx": [0.0, 6.0, 12.0], "dy": [0.0, 3.0], "padding": list(PADDINGS)},
        presets={"circular padding": {"padding": "circular"}, "zero padding": {"padding": "zeros"},
                 "zero padding, wrapped shift": {"padding": "zeros", "dx": 12.0, "dy": 3.0},
                 "blur, zero padding": {"kernel": "blur (3 x 3 mean)", "padding": "zeros"}},
    )


# -- 2. diffusion: noise in, noise out ----------------------------------------------------------------------
#: The number of steps of the explorer's schedule (the chapter's: linear, beta from 1e-4 to 0.1).
DIFFUSION_T = 100
_N_POINTS = 400
_SIGMA0 = 0.1


@lru_cache(maxsize=1)
def _diffusion_data() -> dict[str, Any]:
    schedule = bk.linear_schedule(DIFFUSION_T, 1e-4, 0.1)
    rng = np.random.default_rng(8)
    data = bk.two_moons(_N_POINTS, rng, noise=_SIGMA0)
    return {"schedule": schedule, "data": data, "eps": rng.normal(size=data.shape), "arcs": bk.moon_arcs(200)}


@lru_cache(maxsize=1)
def reverse_chain() -> np.ndarray:
    r"""DDPM ancestral sampling of 400 points with the exact noise predictor of the moons, every step kept.

    Starts from $x_T \sim \mathcal N(0, I)$ and applies :func:`dlmath.breakthroughs.ddpm_step` with
    :func:`dlmath.breakthroughs.mixture_noise_predictor` (the data's arcs, blurred by the data's noise 0.1).
    Returns an array of shape (T + 1, 400, 2): entry ``t`` holds $x_t$ (computed once, then cached).
    """
    d = _diffusion_data()
    schedule, arcs = d["schedule"], d["arcs"]
    rng = np.random.default_rng(9)
    chain = np.empty((DIFFUSION_T + 1, _N_POINTS, 2))
    chain[DIFFUSION_T] = rng.normal(size=(_N_POINTS, 2))
    for t in range(DIFFUSION_T, 0, -1):
        eps_hat = bk.mixture_noise_predictor(chain[t], t, arcs, _SIGMA0, schedule)
        chain[t - 1] = bk.ddpm_step(chain[t], t, eps_hat, schedule, rng.normal(size=(_N_POINTS, 2)))
    chain.flags.writeable = False
    return chain


def diffusion_state(t: float) -> dict[str, Any]:
    r"""The moons at step $t$ of the forward process, $x_t = \sqrt{\bar\alpha_t}\,x_0 + \sqrt{1 - \bar\alpha_t}\,\varepsilon$
    (400 points, fixed noise), and of the reverse process (:func:`reverse_chain`), with the schedule.

    Returns ``t``, ``signal`` $= \sqrt{\bar\alpha_t}$, ``noise`` $= \sqrt{1 - \bar\alpha_t}$, both point clouds,
    their mean distances to the noise-free moons, and the schedule's curves over $t = 0, \dots, T$.
    """
    if not float(t).is_integer() or not 0 <= t <= DIFFUSION_T:
        raise ValueError(f"t must be a whole number from 0 to {DIFFUSION_T}, got {t!r}")
    t = int(t)
    d = _diffusion_data()
    schedule = d["schedule"]
    forward = bk.q_sample(d["data"], t, schedule, d["eps"])
    reverse = reverse_chain()[t]
    abar = schedule.alpha_bar
    return {"t": t, "signal": float(np.sqrt(abar[t])), "noise": float(np.sqrt(1 - abar[t])),
            "forward": forward, "reverse": reverse,
            "forward_distance": float(bk.distance_to_moons(forward).mean()),
            "reverse_distance": float(bk.distance_to_moons(reverse).mean()),
            "steps": np.arange(DIFFUSION_T + 1), "signal_curve": np.sqrt(abar), "noise_curve": np.sqrt(1 - abar)}


def _diffusion_setup(fig):
    ax_s, ax_f, ax_r = fig.subplots(1, 3, width_ratios=[1.0, 1.1, 1.1])
    d = _diffusion_data()
    abar = d["schedule"].alpha_bar
    steps = np.arange(DIFFUSION_T + 1)
    ax_s.plot(steps, np.sqrt(abar), color=PALETTE["blue"], lw=2, label=r"signal $\sqrt{\bar\alpha_t}$")
    ax_s.plot(steps, np.sqrt(1 - abar), color=PALETTE["vermillion"], lw=2, label=r"noise $\sqrt{1-\bar\alpha_t}$")
    h: dict[str, Any] = {}
    (h["now"],) = ax_s.plot([0, 0], [0, 1], color=PALETTE["black"], lw=1, ls="--")
    ax_s.set_xlim(0, DIFFUSION_T)
    ax_s.set_ylim(0, 1.05)
    ax_s.set_xlabel("step t")
    ax_s.set_ylabel("coefficient")
    ax_s.legend(loc="center right", fontsize=8)
    h["schedule_title"] = ax_s.set_title("t = 0", fontsize=9)
    arcs = d["arcs"]
    empty = np.zeros((_N_POINTS, 2))
    for ax, key, colour in ((ax_f, "forward", "blue"), (ax_r, "reverse", "green")):
        for half in (arcs[: len(arcs) // 2], arcs[len(arcs) // 2:]):
            ax.plot(*half.T, color="0.6", lw=1, zorder=1)
        h[key] = ax.scatter(*empty.T, s=5, color=PALETTE[colour], alpha=0.7, zorder=2)
        ax.set_xlim(-4, 4)
        ax.set_ylim(-3.5, 3.5)
        ax.set_aspect("equal")
        ax.set_xticks([-3, 0, 3])
        ax.set_yticks([-3, 0, 3])
        ax.set_xlabel("$x_1$")
        ax.set_ylabel("$x_2$")
    h["forward_title"] = ax_f.set_title("forward: data noised to step t", fontsize=9)
    h["reverse_title"] = ax_r.set_title("reverse: noise denoised to step t", fontsize=9)
    return h


def _diffusion_draw(h, r: Mapping[str, Any], p: Mapping[str, Any]) -> None:
    t = r["t"]
    h["now"].set_data([t, t], [0, 1.05])
    h["schedule_title"].set_text(f"t = {t}: signal {r['signal']:.2f}, noise {r['noise']:.2f}")
    h["forward"].set_offsets(r["forward"])
    h["reverse"].set_offsets(r["reverse"])
    h["forward_title"].set_text(f"forward q(x_t | x_0): distance {r['forward_distance']:.2f}")
    h["reverse_title"].set_text(f"reverse, from x_100 ~ N(0, I): distance {r['reverse_distance']:.2f}")


def _diffusion_describe(p: Mapping[str, Any], r: Mapping[str, Any]) -> str:
    t = r["t"]
    look = ("two crisp interleaved half circles" if r["forward_distance"] < 0.15 else
            "a blurred version of the two half circles" if r["forward_distance"] < 0.3 else
            "a shapeless round cloud")
    back = ("lie on the two half circles" if r["reverse_distance"] < 0.15 else
            "begin to gather along the half circles" if r["reverse_distance"] < 0.3 else "form a shapeless round cloud")
    return (f"Left: the schedule's signal coefficient falls from 1 to about 0.07 over 100 steps while the noise "
            f"coefficient rises from 0 to nearly 1; a dashed line marks step t = {t}, where they are {r['signal']:.2f} "
            f"and {r['noise']:.2f}. Middle: 400 points of the two-moons data noised to step {t} form {look}, mean distance "
            f"{r['forward_distance']:.2f} from the grey noise-free arcs. Right: 400 points that started as pure noise at "
            f"step 100 and were denoised down to step {t} {back}, mean distance {r['reverse_distance']:.2f}.")


@register
def diffusion_process() -> Explorer:
    """Move the step t: the data noised forward to t, and pure noise denoised back down to t."""
    return Explorer(
        name="diffusion_process",
        title="Diffusion: noising the data, denoising the noise",
        controls={"t": Slider("step t", min=0.0, max=float(DIFFUSION_T), step=1.0, value=10.0)},
        compute=diffusion_state, setup=_diffusion_setup, draw=_diffusion_draw, describe=_diffusion_describe,
        figsize=(10.5, 3.6),
        # The page: dense where the moons form or dissolve (small t), sparse where everything is noise.
        static={"t": [float(t) for t in [*range(0, 10), *range(10, 30, 2), *range(30, DIFFUSION_T + 1, 5)]]},
        presets={"t = 0": {"t": 0.0}, "t = 5": {"t": 5.0}, "t = 30": {"t": 30.0},
                 "t = 100": {"t": float(DIFFUSION_T)}},
    )


# -- 3. message passing: how far information travels -----------------------------------------------------
#: The largest number of layers of the message-passing explorer.
MAX_LAYERS = 6


@lru_cache(maxsize=1)
def _molecule() -> dict[str, Any]:
    from scipy.sparse.csgraph import shortest_path

    mol = bk.caffeine()
    A = bk.adjacency(mol.n, mol.bonds)
    A_hat = bk.normalized_adjacency(A)
    powers = [np.linalg.matrix_power(A_hat, k) for k in range(MAX_LAYERS + 1)]
    return {"molecule": mol, "labels": tuple(mol.labels()), "powers": powers, "hops": shortest_path(A, unweighted=True)}


def message_passing_state(atom: str, layers: float) -> dict[str, Any]:
    r"""How much each atom of caffeine draws on one atom's input features after $k$ graph-convolution layers.

    Without the nonlinearity, $k$ layers compute $\hat A^k H W_1 \cdots W_k$, so the output of atom $i$ depends on
    the input of atom $j$ through $(\hat A^k)_{ij}$, which is non-zero exactly when $i$ and $j$ are at most $k$
    bonds apart. Returns the column ``weights`` $= (\hat A^k)_{:, j}$ for the chosen atom $j$, the bond distance
    ``hops`` of every atom from it, and the number of atoms ``reached``.
    """
    m = _molecule()
    if atom not in m["labels"]:
        raise ValueError(f"atom must be one of {list(m['labels'])}, got {atom!r}")
    if not float(layers).is_integer() or not 0 <= layers <= MAX_LAYERS:
        raise ValueError(f"layers must be a whole number from 0 to {MAX_LAYERS}, got {layers!r}")
    j, k = m["labels"].index(atom), int(layers)
    weights = m["powers"][k][:, j]
    return {"atom": j, "layers": k, "weights": weights, "hops": m["hops"][j],
            "reached": int(np.sum(weights > 1e-12))}


def _mp_setup(fig):
    ax_mol, ax_bar = fig.subplots(1, 2, width_ratios=[1.2, 1])
    m = _molecule()
    mol = m["molecule"]
    for i, j in mol.bonds:
        ax_mol.plot(*mol.xy[[i, j]].T, color="0.45", lw=2, zorder=1)
    h: dict[str, Any] = {}
    cmap = matplotlib.colormaps["viridis"].with_extremes(under="0.88")   # weight exactly 0: light grey
    h["nodes"] = ax_mol.scatter(*mol.xy.T, c=np.zeros(mol.n), s=420, cmap=cmap, vmin=1e-9, vmax=0.5,
                                edgecolors="0.2", zorder=2)
    h["source"] = ax_mol.scatter([0], [0], s=700, facecolors="none", edgecolors=PALETTE["vermillion"], linewidths=2.5,
                                 zorder=3)
    # The labels change colour with their circle (dark text on bright circles), so they are handles too,
    # drawn after the circles.
    h["labels"] = [ax_mol.text(x, y, label, ha="center", va="center", fontsize=7, color="white", zorder=4,
                               fontweight="bold") for (x, y), label in zip(mol.xy, m["labels"])]
    ax_mol.set_aspect("equal")
    ax_mol.set_axis_off()
    h["mol_title"] = ax_mol.set_title("caffeine", fontsize=9)
    h["bars"] = list(ax_bar.bar(np.arange(mol.n), np.zeros(mol.n), color=PALETTE["sky"]).patches)
    ax_bar.set_xticks(np.arange(mol.n), m["labels"], rotation=90, fontsize=7)
    ax_bar.set_xlabel("atom")
    ax_bar.set_ylim(0, 0.55)
    ax_bar.set_ylabel("weight of the chosen atom's input")
    h["bar_title"] = ax_bar.set_title("column of A_hat^k", fontsize=9)
    return h


def _mp_draw(h, r: Mapping[str, Any], p: Mapping[str, Any]) -> None:
    mol = _molecule()["molecule"]
    h["nodes"].set_array(r["weights"])
    for text, w in zip(h["labels"], r["weights"]):
        text.set_color("black" if w > 0.25 or w < 1e-12 else "white")   # dark text on bright circles
    h["source"].set_offsets(mol.xy[[r["atom"]]])
    for i, (bar, w) in enumerate(zip(h["bars"], r["weights"])):
        bar.set_height(w)
        bar.set_color(PALETTE["vermillion"] if i == r["atom"] else PALETTE["sky"])
    h["mol_title"].set_text(f"after {r['layers']} layer(s), {p['atom']} reaches {r['reached']} of {mol.n} atoms")
    h["bar_title"].set_text(f"column {p['atom']} of A_hat^{r['layers']}")


def _mp_describe(p: Mapping[str, Any], r: Mapping[str, Any]) -> str:
    k, n = r["layers"], len(r["weights"])
    top = int(np.argmax(r["weights"]))
    labels = _molecule()["labels"]
    return (f"Left: the 14 heavy atoms of caffeine drawn as circles joined by their bonds, a five-membered ring fused to "
            f"a six-membered one, with atom {p['atom']} ringed in vermillion. Each circle is coloured by how much its output "
            f"after {k} graph-convolution layer(s) draws on {p['atom']}'s input: {r['reached']} of the {n} atoms, those at "
            f"most {k} bonds away, have a non-zero weight; the others stay light grey. Right: the same {n} weights as bars, the "
            f"largest at {labels[top]} ({r['weights'][top]:.2f}).")


@register
def message_passing() -> Explorer:
    """Choose an atom and a number of layers: the atoms its features reach, and with what weight."""
    labels = _molecule()["labels"]
    return Explorer(
        name="message_passing",
        title="Message passing: k layers reach k bonds",
        controls={"atom": Choice("atom", labels, "O7"),
                  "layers": Slider("layers k", min=0.0, max=float(MAX_LAYERS), step=1.0, value=2.0)},
        compute=message_passing_state, setup=_mp_setup, draw=_mp_draw, describe=_mp_describe, figsize=(9.6, 3.8),
        # The page: a methyl carbon, a ring nitrogen, a ring-fusion carbon, an oxygen and a far nitrogen, at
        # every depth (not N8, whose count is an exercise).
        static={"atom": ["C0", "N1", "C4", "O7", "N11"], "layers": [float(k) for k in range(MAX_LAYERS + 1)]},
        presets={"O7, one layer": {"atom": "O7", "layers": 1.0}, "C0, five layers": {"atom": "C0", "layers": 5.0},
                 "C0, six layers": {"atom": "C0", "layers": 6.0}},
    )
