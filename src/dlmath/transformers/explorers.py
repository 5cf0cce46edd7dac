"""Explorers of chapter 07 (transformers): the softmax's sharpness against d_k, the positional encoding, and
attention as a weighted average of value vectors."""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Mapping

import numpy as np

from . import reference as attention
from ..plotting import PALETTE
from ..probability import entropy, softmax
from ..explorers import Choice, Explorer, Slider, register

__all__ = ["attention_sharpness", "sharpness_state", "sharpness_curves", "SCALINGS", "N_KEYS",
           "positional_encoding", "pe_state", "PE_D_MODEL", "PE_POSITIONS",
           "attention_mixture", "mixture_state", "MIXTURE_VALUES"]


# -- why divide by sqrt(d_k): the softmax's sharpness --------------------------------------------------
#: The two ways of turning dot products into scores.
SCALINGS = ("scaled by 1/sqrt(d_k)", "unscaled")
#: The number of keys each query attends over.
N_KEYS = 12
_LOG2_DK = np.arange(1, 11)  # d_k = 2, 4, ..., 1024
_N_QUERIES = 200


@lru_cache(maxsize=None)
def _dots(d_k: int) -> np.ndarray:
    """The dot products q . k_j, shape (200, 12), of 200 queries with 12 keys each, standard normal entries."""
    rng = np.random.default_rng(d_k)
    q, K = rng.normal(size=(_N_QUERIES, d_k)), rng.normal(size=(_N_QUERIES, N_KEYS, d_k))
    dots = np.einsum("qkd,qd->qk", K, q)
    dots.flags.writeable = False  # cached: shared by every call
    return dots


@lru_cache(maxsize=1)
def sharpness_curves() -> dict[str, np.ndarray]:
    r"""The mean entropy and mean largest weight of $\operatorname{softmax}(s)$ over 12 keys, against $d_k$.

    For each $d_k = 2, 4, \dots, 1024$, 200 queries $q$ and 12 keys $k_j$ per query have independent
    standard normal entries; the scores are $s_j = q \cdot k_j / \sqrt{d_k}$ (``"scaled by ..."``) or
    $q \cdot k_j$ (``"unscaled"``). Returns ``d_k`` (10,) and, for each scaling, ``entropy[...]`` and
    ``max_weight[...]``, the averages over the queries (computed once, then cached).
    """
    d_ks = 2 ** _LOG2_DK
    out: dict[str, Any] = {"d_k": d_ks.astype(float), "entropy": {}, "max_weight": {}}
    for scaling in SCALINGS:
        out["entropy"][scaling], out["max_weight"][scaling] = [], []
    for d_k in d_ks:
        dots = _dots(int(d_k))
        for scaling in SCALINGS:
            A = softmax(dots / np.sqrt(d_k) if scaling == SCALINGS[0] else dots, axis=-1)
            out["entropy"][scaling].append(float(np.mean(entropy(A, axis=-1))))
            out["max_weight"][scaling].append(float(np.mean(A.max(axis=-1))))
    for key in ("entropy", "max_weight"):
        out[key] = {s: np.array(v) for s, v in out[key].items()}
    return out


def sharpness_state(log2_dk: float, scaling: str) -> dict[str, Any]:
    r"""The attention weights of one query over 12 keys for $d_k = 2^{\text{log2\_dk}}$, scaled or not.

    The query and keys are the first of :func:`sharpness_curves`' draws for that $d_k$ (standard normal
    entries, so each dot product has variance $d_k$). Returns ``d_k``, the ``scores``, the ``weights``
    (a distribution over the keys), their ``entropy`` in nats, the largest weight ``max_weight``, the
    standard deviation ``score_std`` of the scores over all 200 queries, and the ``curves``.
    """
    if scaling not in SCALINGS:
        raise ValueError(f"scaling must be one of {SCALINGS}, got {scaling!r}")
    log2_dk = float(log2_dk)
    if not log2_dk.is_integer() or not _LOG2_DK[0] <= log2_dk <= _LOG2_DK[-1]:
        raise ValueError(f"log2_dk must be an integer from {_LOG2_DK[0]} to {_LOG2_DK[-1]}, got {log2_dk!r}")
    d_k = 2 ** int(log2_dk)
    dots = _dots(d_k)
    scores = dots / np.sqrt(d_k) if scaling == SCALINGS[0] else dots
    weights = softmax(scores[0])
    return {"d_k": d_k, "scores": scores[0], "weights": weights, "entropy": float(entropy(weights)),
            "max_weight": float(weights.max()), "score_std": float(scores.std()), "curves": sharpness_curves()}


def _sharp_setup(fig):
    ax_bar, ax_curve = fig.subplots(1, 2, width_ratios=[1, 1.15])
    h: dict[str, Any] = {}
    h["bars"] = list(ax_bar.bar(np.arange(1, N_KEYS + 1), np.full(N_KEYS, 1 / N_KEYS), color=PALETTE["blue"]).patches)
    ax_bar.axhline(1 / N_KEYS, color="0.4", ls=":", lw=1.2, label=f"uniform, 1/{N_KEYS}")
    ax_bar.set_ylim(0, 1.0)
    ax_bar.set_xlim(0.4, N_KEYS + 0.6)
    ax_bar.set_xticks(np.arange(1, N_KEYS + 1))
    ax_bar.set_xlabel("key $j$")
    ax_bar.set_ylabel("attention weight $a_j$")
    ax_bar.legend(loc="upper right", fontsize=8)
    h["text"] = ax_bar.text(0.03, 0.97, "", transform=ax_bar.transAxes, va="top", fontsize=8.5,
                            bbox=dict(facecolor="white", alpha=0.85, edgecolor="none"))
    h["title"] = ax_bar.set_title("One query, d_k = 64", fontsize=10)  # a placeholder: room for the title
    curves = sharpness_curves()
    colours = {SCALINGS[0]: PALETTE["green"], SCALINGS[1]: PALETTE["vermillion"]}
    for scaling in SCALINGS:
        ax_curve.plot(curves["d_k"], curves["entropy"][scaling], "o-", color=colours[scaling], ms=4, label=scaling)
    ax_curve.axhline(np.log(N_KEYS), color="0.4", ls=":", lw=1.2, label=f"largest possible, log {N_KEYS}")
    (h["marker"],) = ax_curve.plot([], [], "o", ms=11, mfc="none", mec=PALETTE["black"], mew=2)
    ax_curve.set_xscale("log", base=2)
    ax_curve.set_ylim(0, 2.7)
    ax_curve.set_xlabel("$d_k$ (log scale)")
    ax_curve.set_ylabel("mean entropy of the weights (nats)")
    ax_curve.legend(loc="lower left", fontsize=8)
    ax_curve.set_title(f"Average over {_N_QUERIES} queries", fontsize=10)
    return h


def _sharp_draw(h, r: Mapping[str, Any], p: Mapping[str, Any]) -> None:
    for bar, w in zip(h["bars"], r["weights"]):
        bar.set_height(w)
    colour = PALETTE["green"] if p["scaling"] == SCALINGS[0] else PALETTE["vermillion"]
    for bar in h["bars"]:
        bar.set_color(colour)
    h["marker"].set_data([r["d_k"]], [r["curves"]["entropy"][p["scaling"]][int(p["log2_dk"]) - 1]])
    h["title"].set_text(f"One query, d_k = {r['d_k']}, {p['scaling']}")
    h["text"].set_text(f"std of the scores {r['score_std']:.1f}\nlargest weight {r['max_weight']:.2f}\n"
                       f"entropy {r['entropy']:.2f} nats")


def _sharp_describe(p: Mapping[str, Any], r: Mapping[str, Any]) -> str:
    c = r["curves"]
    return (f"Left: a bar chart of the attention weights of one query over {N_KEYS} keys with d_k = {r['d_k']} and "
            f"scores {p['scaling']}; the largest weight is {r['max_weight']:.2f} and the entropy "
            f"{r['entropy']:.2f} nats. Right: the mean entropy of the weights against d_k from 2 to 1024 on a "
            f"log scale. With scaled scores it stays near {c['entropy'][SCALINGS[0]].mean():.1f} nats for every "
            f"d_k; with unscaled scores it falls from {c['entropy'][SCALINGS[1]][0]:.1f} to "
            f"{c['entropy'][SCALINGS[1]][-1]:.2f} nats, the softmax putting almost all weight on one key.")


@register
def attention_sharpness() -> Explorer:
    """Choose d_k and whether the scores are divided by sqrt(d_k): the weights of one query and their entropy."""
    return Explorer(
        name="attention_sharpness",
        title="Why divide by sqrt(d_k): how sharp the softmax gets",
        controls={"log2_dk": Slider("log2 of d_k", min=1.0, max=10.0, step=1.0, value=6.0),
                  "scaling": Choice("scores", SCALINGS, SCALINGS[1])},
        compute=lambda log2_dk, scaling: sharpness_state(log2_dk, scaling),
        setup=_sharp_setup, draw=_sharp_draw, describe=_sharp_describe, figsize=(9.0, 3.6),
        presets={"unscaled, d_k = 2": {"log2_dk": 1.0, "scaling": "unscaled"},
                 "unscaled, d_k = 64": {"log2_dk": 6.0, "scaling": "unscaled"},
                 "unscaled, d_k = 1024": {"log2_dk": 10.0, "scaling": "unscaled"},
                 "scaled, d_k = 1024": {"log2_dk": 10.0, "scaling": SCALINGS[0]}},
    )


# -- the sinusoidal positional encoding ----------------------------------------------------------------
#: The model dimension and number of positions of the positional-encoding explorer.
PE_D_MODEL, PE_POSITIONS = 32, 64
_PE_START = 10  # the position p whose shift by k the left panel marks


@lru_cache(maxsize=1)
def _pe_table() -> tuple[np.ndarray, np.ndarray]:
    PE = attention.sinusoidal_positional_encoding(PE_POSITIONS, PE_D_MODEL)
    return PE, PE @ PE.T


def pe_state(pair: float, offset: float) -> dict[str, Any]:
    r"""The sinusoidal encoding ($d = 32$, 64 positions) seen through one pair of columns and one offset $k$.

    Returns the pair's frequency ``omega`` $= 10000^{-2i/d}$ and ``wavelength`` $2\pi/\omega$, its two columns
    ``sin`` and ``cos`` over the positions, the ``terms`` $\cos(k\omega_i)$ of every pair (the dot product
    $PE_p \cdot PE_{p+k} = \sum_i \cos(k \omega_i)$), their sum ``dot``, and ``dots_along``, the dot products
    $PE_p \cdot PE_{p+k}$ of every position $p$, which are all equal to ``dot``.
    """
    i, k = int(pair), int(offset)
    if i != pair or not 0 <= i < PE_D_MODEL // 2:
        raise ValueError(f"pair must be an integer from 0 to {PE_D_MODEL // 2 - 1}, got {pair!r}")
    if k != offset or not 0 <= k < PE_POSITIONS:
        raise ValueError(f"offset must be an integer from 0 to {PE_POSITIONS - 1}, got {offset!r}")
    PE, G = _pe_table()
    omega = attention.positional_frequencies(PE_D_MODEL)
    dots_along = np.diagonal(G, offset=k)
    return {"pair": i, "offset": k, "omega": float(omega[i]), "wavelength": float(2 * np.pi / omega[i]),
            "sin": PE[:, 2 * i], "cos": PE[:, 2 * i + 1], "terms": np.cos(k * omega), "dot": float(np.cos(k * omega).sum()),
            "dots_along": dots_along}


def _pe_setup(fig):
    ax_wave, ax_terms, ax_gram = fig.subplots(1, 3, width_ratios=[1.3, 1, 1])
    h: dict[str, Any] = {}
    positions = np.arange(PE_POSITIONS)
    (h["sin"],) = ax_wave.plot(positions, np.zeros(PE_POSITIONS), color=PALETTE["blue"], lw=1.8, label="sin, column $2i$")
    (h["cos"],) = ax_wave.plot(positions, np.zeros(PE_POSITIONS), color=PALETTE["orange"], lw=1.8, label="cos, column $2i+1$")
    (h["marks"],) = ax_wave.plot([], [], "o", color=PALETTE["black"], ms=6, zorder=4)
    (h["span"],) = ax_wave.plot([], [], color=PALETTE["vermillion"], lw=3, alpha=0.7, solid_capstyle="butt",
                                label=f"$p = {_PE_START}$ to $p + k$")
    ax_wave.set_xlim(0, PE_POSITIONS - 1)
    ax_wave.set_ylim(-1.15, 1.6)
    ax_wave.set_xlabel("position $p$")
    ax_wave.set_ylabel("encoding value")
    ax_wave.legend(loc="upper center", fontsize=7, ncols=3, handlelength=1.2, columnspacing=0.8)
    h["wave_title"] = ax_wave.set_title("pair i = 3: omega = 0.178, wavelength 35.3", fontsize=9)
    pairs = np.arange(PE_D_MODEL // 2)
    h["bars"] = list(ax_terms.bar(pairs, np.ones(len(pairs)), color="0.7").patches)
    ax_terms.axhline(0, color="0.4", lw=0.8)
    ax_terms.set_ylim(-1.1, 1.1)
    ax_terms.set_xlabel("pair $i$")
    ax_terms.set_ylabel(r"$\cos(k\,\omega_i)$")
    h["terms_title"] = ax_terms.set_title("k = 4: sum = 11.66", fontsize=9)
    PE, G = _pe_table()
    ax_gram.imshow(G, cmap="viridis")
    ax_gram.grid(False)
    (h["diag"],) = ax_gram.plot([], [], color=PALETTE["vermillion"], lw=2.5)
    ax_gram.set_xlabel("position $q$")
    ax_gram.set_ylabel("position $p$")
    h["gram_title"] = ax_gram.set_title("PE PE^T, offset 4", fontsize=9)
    return h


def _pe_draw(h, r: Mapping[str, Any], p: Mapping[str, Any]) -> None:
    h["sin"].set_ydata(r["sin"])
    h["cos"].set_ydata(r["cos"])
    k, i = r["offset"], r["pair"]
    stop = min(_PE_START + k, PE_POSITIONS - 1)
    h["marks"].set_data([_PE_START, _PE_START, stop, stop], [r["sin"][_PE_START], r["cos"][_PE_START], r["sin"][stop], r["cos"][stop]])
    h["span"].set_data([_PE_START, stop], [1.3, 1.3])
    h["wave_title"].set_text(f"pair i = {i}: \u03c9 = {r['omega']:.3g}, wavelength {r['wavelength']:.3g}")  # plain text: fast
    for j, (bar, t) in enumerate(zip(h["bars"], r["terms"])):
        bar.set_height(t)
        bar.set_color(PALETTE["vermillion"] if j == i else "0.65")
    h["terms_title"].set_text(f"offset k = {k}: the bars sum to {r['dot']:.2f}")
    q = np.arange(k, PE_POSITIONS)
    h["diag"].set_data(q, q - k)
    h["gram_title"].set_text(f"PE_p \u00b7 PE_q; on q = p + {k}: all {r['dots_along'].min():.2f}")


def _pe_describe(p: Mapping[str, Any], r: Mapping[str, Any]) -> str:
    return (f"Left: the sine and cosine columns of pair {r['pair']} of the positional encoding (d_model = {PE_D_MODEL}) "
            f"over positions 0 to {PE_POSITIONS - 1}, waves of wavelength {r['wavelength']:.3g} positions, with the "
            f"positions {_PE_START} and {_PE_START} + {r['offset']} marked. Middle: a bar chart of cos(k omega_i) for the "
            f"16 pairs at offset k = {r['offset']}, pair {r['pair']} highlighted; the bars add up to {r['dot']:.2f}. "
            f"Right: the heatmap of all dot products between positions, constant along each diagonal, with the "
            f"diagonal of offset {r['offset']} marked, where every entry equals {r['dot']:.2f}.")


@register
def positional_encoding() -> Explorer:
    """Choose a pair of columns and an offset: the frequencies of the encoding, and dot products that depend on k only."""
    return Explorer(
        name="positional_encoding",
        title="Sinusoidal positional encoding: frequencies and offsets",
        controls={"pair": Slider("pair i", min=0.0, max=float(PE_D_MODEL // 2 - 1), step=1.0, value=3.0),
                  "offset": Slider("offset k", min=0.0, max=16.0, step=1.0, value=4.0)},
        compute=lambda pair, offset: pe_state(pair, offset),
        setup=_pe_setup, draw=_pe_draw, describe=_pe_describe, figsize=(11.0, 3.6),
        presets={"fast pair": {"pair": 0.0}, "slow pair": {"pair": float(PE_D_MODEL // 2 - 1)},
                 "offset 0": {"offset": 0.0}, "large offset": {"offset": 16.0}},
    )


# -- attention as a weighted average -------------------------------------------------------------------
#: Five value vectors in the plane (rows), which are also the keys of the mixture explorer.
MIXTURE_VALUES = np.array([[2.0, 0.2], [0.6, 1.8], [-1.6, 1.0], [-1.2, -1.4], [1.0, -1.6]])


def mixture_state(angle_deg: float, length: float) -> dict[str, Any]:
    r"""One query $q = \ell(\cos\theta, \sin\theta)$ attending over the five rows of :data:`MIXTURE_VALUES`.

    The keys equal the values ($K = V$), so the scores are $s_j = q \cdot v_j / \sqrt{2}$, the weights
    $a = \operatorname{softmax}(s)$ and the output $o = \sum_j a_j v_j = aV$, a point of the convex hull of
    the values. Returns ``query``, ``scores``, ``weights``, ``output``, ``entropy`` and the ``centroid``
    (the output of uniform weights, reached at $\ell = 0$).
    """
    if length < 0:
        raise ValueError(f"length must be >= 0, got {length!r}")
    theta = np.deg2rad(angle_deg)
    q = float(length) * np.array([np.cos(theta), np.sin(theta)])
    out, A = attention.scaled_dot_product_attention(q[None, :], MIXTURE_VALUES, MIXTURE_VALUES)
    return {"query": q, "scores": attention.attention_scores(q[None, :], MIXTURE_VALUES)[0], "weights": A[0],
            "output": out[0], "entropy": float(entropy(A[0])), "centroid": MIXTURE_VALUES.mean(axis=0)}


def _mix_setup(fig):
    ax_plane, ax_bar = fig.subplots(1, 2, width_ratios=[1.25, 1])
    V = MIXTURE_VALUES
    ring = np.vstack([V, V[:1]])  # the values are listed counter-clockwise: their polygon is the hull
    ax_plane.fill(ring[:, 0], ring[:, 1], color=PALETTE["sky"], alpha=0.2, label="convex hull of the values")
    ax_plane.plot(ring[:, 0], ring[:, 1], color=PALETTE["sky"], lw=1)
    ax_plane.scatter(V[:, 0], V[:, 1], s=60, color=PALETTE["blue"], zorder=3)
    for j, (x, y) in enumerate(V):
        ax_plane.annotate(f"$v_{j + 1}$", (x, y), xytext=(6, 4), textcoords="offset points", color=PALETTE["blue"])
    h: dict[str, Any] = {}
    h["query"] = ax_plane.annotate("", xy=(1, 0), xytext=(0, 0),
                                   arrowprops=dict(arrowstyle="-|>", color=PALETTE["black"], lw=2, shrinkA=0, shrinkB=0))
    ax_plane.plot([], [], color=PALETTE["black"], lw=2, label="query $q$")
    h["spokes"] = [ax_plane.plot([], [], color=PALETTE["vermillion"], lw=1, alpha=0.6)[0] for _ in range(len(V))]
    (h["output"],) = ax_plane.plot([], [], "*", color=PALETTE["vermillion"], ms=16, zorder=5,
                                   label="output $o = \\sum_j a_j v_j$")
    ax_plane.set_xlim(-3.6, 3.6)
    ax_plane.set_ylim(-2.6, 2.6)
    ax_plane.set_aspect("equal")
    ax_plane.set_xlabel("first coordinate", fontsize=8)
    ax_plane.set_ylabel("second coordinate", fontsize=8)
    ax_plane.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncols=3, fontsize=7.5, handlelength=1.2)
    h["bars"] = list(ax_bar.bar(np.arange(1, len(V) + 1), np.full(len(V), 0.2), color=PALETTE["vermillion"]).patches)
    ax_bar.set_ylim(0, 1)
    ax_bar.set_xticks(np.arange(1, len(V) + 1), [f"$v_{j + 1}$" for j in range(len(V))])
    ax_bar.set_xlabel("value (and key)")
    ax_bar.set_ylabel("attention weight $a_j$")
    h["title"] = ax_bar.set_title("weights sum to 1", fontsize=9)
    return h


def _mix_draw(h, r: Mapping[str, Any], p: Mapping[str, Any]) -> None:
    q, o = r["query"], r["output"]
    h["query"].xy = (float(q[0]), float(q[1]))
    h["output"].set_data([o[0]], [o[1]])
    for line, v, a in zip(h["spokes"], MIXTURE_VALUES, r["weights"]):
        line.set_data([o[0], v[0]], [o[1], v[1]])
        line.set_linewidth(0.5 + 6 * a)
    for bar, a in zip(h["bars"], r["weights"]):
        bar.set_height(a)
    h["title"].set_text(f"weights sum to {r['weights'].sum():.2f}; entropy {r['entropy']:.2f} nats")


def _mix_describe(p: Mapping[str, Any], r: Mapping[str, Any]) -> str:
    j = int(np.argmax(r["weights"]))
    return (f"Left: five value vectors in the plane and the shaded polygon they span, a query arrow of length "
            f"{p['length']:g} at {p['angle_deg']:g} degrees, and the output of attention, a star at "
            f"({r['output'][0]:.2f}, {r['output'][1]:.2f}) inside the polygon, joined to each value by a line as "
            f"thick as its weight. Right: a bar chart of the five weights, which sum to 1; the largest, "
            f"{r['weights'][j]:.2f}, goes to v{j + 1}.")


@register
def attention_mixture() -> Explorer:
    """Turn and stretch a query: the weights over five values and the output, a point of their convex hull."""
    return Explorer(
        name="attention_mixture",
        title="Attention as a weighted average of value vectors",
        controls={"angle_deg": Slider("query angle (degrees)", min=0.0, max=340.0, step=20.0, value=40.0),
                  "length": Slider("query length", min=0.0, max=4.0, step=0.25, value=1.5)},
        compute=lambda angle_deg, length: mixture_state(angle_deg, length),
        setup=_mix_setup, draw=_mix_draw, describe=_mix_describe, figsize=(8.5, 3.8),
        presets={"zero query": {"length": 0.0}, "short query": {"length": 0.5}, "long query": {"length": 4.0},
                 "long query, turned": {"length": 4.0, "angle_deg": 200.0}},
    )
