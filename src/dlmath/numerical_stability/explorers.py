"""Explorers of chapter 06 (numerical stability): signals through a deep stack, and the floating-point formats.

Each explorer has a pure state function (``*_state``: parameters -> numbers and arrays, no matplotlib), which
the tests call directly, and a figure whose artists are updated in place.
"""

from __future__ import annotations

import functools
import math
from decimal import Decimal
from typing import Any, Mapping

import numpy as np
from matplotlib.colors import to_rgb
from matplotlib.patches import Rectangle

from . import reference as numerics
from ..plotting import PALETTE
from ..explorers import Choice, Explorer, Slider, register

__all__ = ["deep_stack", "deep_stack_state", "float_storage", "float_storage_state", "FORMAT_COLOURS"]


# -- 1. activations and gradients through a deep stack ----------------------------------------------
_MAX_DEPTH = 50
_WIDTH, _BATCH = 32, 64
_FLOOR = 1e-300                       # a zero has no place on a log axis: drawn at the bottom, off the plot
_YLIM = (1e-40, 1e15)


def deep_stack_state(depth: int, activation: str, gain: float) -> dict[str, Any]:
    r"""The per-layer statistics of :func:`dlmath.numerical_stability.deep_stack_stats` (width 32, batch 64, seed 0).

    Weights are drawn from $\mathcal{N}(0, g^2 / n_{\text{in}})$. Returns the layers $1, \dots, L$, the
    standard deviation of each layer's activations, the norm of each layer's weight gradient, and the ratio
    of the gradient norm of layer 1 to that of layer $L$ (below 1: the gradient shrinks on its way back).
    """
    depth = int(round(depth))
    stats = numerics.deep_stack_stats(depth, activation, float(gain), width=_WIDTH, batch=_BATCH, seed=0)
    grad = stats.grad_norm
    ratio = grad[0] / grad[-1] if grad[-1] > 0 else math.inf
    return {"layers": np.arange(1, depth + 1), "activation_std": stats.activation_std, "grad_norm": grad,
            "signal": stats.input_grad_norm, "ratio": float(ratio)}


def _stack_setup(fig):
    ax_f, ax_b = fig.subplots(1, 2, sharex=True)
    h: dict[str, Any] = {}
    (h["std"],) = ax_f.plot([], [], "o-", color=PALETTE["blue"], lw=1.8, ms=3)
    (h["grad"],) = ax_b.plot([], [], "o-", color=PALETTE["vermillion"], lw=1.8, ms=3,
                             label=r"weight gradient $\Vert\partial L/\partial W_l\Vert$")
    (h["signal"],) = ax_b.plot([], [], "s--", color=PALETTE["purple"], lw=1.4, ms=2.5,
                               label=r"backward signal $\Vert\partial L/\partial A_{l-1}\Vert$")
    ax_b.legend(loc="lower right", fontsize=7)
    ax_f.set_ylabel("standard deviation (log scale)")
    ax_b.set_ylabel("norm (log scale)")
    for ax, title in ((ax_f, r"Forward: std of the activations $A_l$"),
                      (ax_b, "Backward: gradient size per layer")):
        ax.axhline(1.0, color="0.3", lw=0.8)
        ax.set_yscale("log")
        ax.set_ylim(*_YLIM)
        ax.set_yticks([1e-40, 1e-30, 1e-20, 1e-10, 1e0, 1e10])
        ax.set_xlim(0, _MAX_DEPTH + 1)
        ax.set_xlabel("layer l")
        ax.set_title(title, fontsize=10)
    h["text"] = ax_b.text(0.03, 0.97, "",
                          transform=ax_b.transAxes, va="top", fontsize=8,
                          bbox=dict(facecolor="white", alpha=0.85, edgecolor="none"))
    h["ftext"] = ax_f.text(0.03, 0.97, "layer 1: 0.0e+00\nlayer 50: 0.0e+00", transform=ax_f.transAxes, va="top",
                           fontsize=8, bbox=dict(facecolor="white", alpha=0.85, edgecolor="none"))
    return h


def _stack_draw(h, r: Mapping[str, Any], p: Mapping[str, Any]) -> None:
    layers = r["layers"]
    h["std"].set_data(layers, np.maximum(r["activation_std"], _FLOOR))
    h["grad"].set_data(layers, np.maximum(r["grad_norm"], _FLOOR))
    h["signal"].set_data(layers, np.maximum(r["signal"], _FLOOR))
    depth = len(layers)
    h["ftext"].set_text(f"layer 1: {r['activation_std'][0]:.1e}\nlayer {depth}: {r['activation_std'][-1]:.1e}")
    h["text"].set_text(f"{p['activation']}, g = {p['gain']:.1f}, depth {depth}\n"
                       f"weight gradient, layer 1: {r['grad_norm'][0]:.1e}; layer {depth}: {r['grad_norm'][-1]:.1e}\n"
                       f"backward signal, layer 1: {r['signal'][0]:.1e}; layer {depth}: {r['signal'][-1]:.1e}")


def _stack_describe(p: Mapping[str, Any], r: Mapping[str, Any]) -> str:
    depth = len(r["layers"])
    std, grad = r["activation_std"], r["grad_norm"]
    return (f"Two panels on log scales for a stack of {depth} dense {p['activation']} layers of width {_WIDTH} whose "
            f"weights have standard deviation {p['gain']:g} over the square root of the width. Left: the standard "
            f"deviation of the activations, {std[0]:.1e} at layer 1 and {std[-1]:.1e} at layer {depth}. Right: the "
            f"norm of the gradient of each layer's weights, from {grad[0]:.1e} at layer 1 to {grad[-1]:.1e} at "
            f"layer {depth}, and the norm of the backward signal reaching each layer, {r['signal'][0]:.1e} at layer 1 "
            f"and {r['signal'][-1]:.1e} at layer {depth}.")


@register
def deep_stack() -> Explorer:
    """Depth, activation and initialisation scale of a deep stack: activation spread and gradient norm per layer."""
    return Explorer(
        name="deep_stack",
        title="Signals through a deep stack of dense layers",
        controls={"depth": Slider("depth L", min=5.0, max=float(_MAX_DEPTH), step=5.0, value=30.0),
                  "activation": Choice("activation", ("tanh", "relu", "sigmoid", "linear"), "tanh"),
                  "gain": Slider("weight scale g (std g/\u221an)", min=0.2, max=3.0, step=0.2, value=1.0)},
        compute=lambda depth, activation, gain: deep_stack_state(depth, activation, gain),
        setup=_stack_setup, draw=_stack_draw, describe=_stack_describe, figsize=(8.4, 3.6),
        presets={"sigmoid": {"activation": "sigmoid", "depth": 50.0},
                 "tanh, small g": {"activation": "tanh", "gain": 0.4, "depth": 50.0},
                 "tanh, g = 1": {"activation": "tanh", "gain": 1.0, "depth": 50.0},
                 "tanh, large g": {"activation": "tanh", "gain": 3.0, "depth": 50.0},
                 "linear, g = 1": {"activation": "linear", "gain": 1.0, "depth": 50.0},
                 "ReLU, He's scale": {"activation": "relu", "gain": 1.4, "depth": 50.0}},
    )


# -- 2. floating-point formats: the nearest number and the spacing -----------------------------------
#: The colour of each format in the chapter's figures and in the explorer.
FORMAT_COLOURS = {"float64": PALETTE["black"], "float32": PALETTE["blue"], "float16": PALETTE["orange"],
                  "bfloat16": PALETTE["green"]}
_XLIM = (1e-50, 1e42)
_RLIM = (1e-18, 10.0)
#: From about 1e-50 to 1e42, 16 points per power of two: within each power of two the spacing is constant while the
#: numbers grow, so the relative spacing falls from eps to eps/2 and jumps back (a zigzag), which powers of two
#: alone would hide (there it is always eps).
_GRID = np.exp2(np.arange(-166.0, 140.0, 1 / 16))
_PI = Decimal("3.14159265358979323846264338327950288")


@functools.lru_cache(maxsize=None)
def _relative_spacing(fmt: str) -> np.ndarray:
    s = numerics.spacing(_GRID, fmt) / _GRID
    return np.minimum(np.where(np.isfinite(s), s, _RLIM[1] * 10), _RLIM[1] * 10)


def float_storage_state(fmt: str, k: float) -> dict[str, Any]:
    r"""How the format ``fmt`` stores $x = \pi \cdot 10^k$: the nearest number, the spacing there, the error.

    Returns ``x`` (as float64), ``stored`` (:func:`dlmath.numerical_stability.round_to`), ``spacing``, ``rel_error``
    $|\text{stored} - x| / x$ measured against $\pi \cdot 10^k$ to 36 digits, ``kind`` (``"normal"``, ``"subnormal"``, ``"overflow"`` or ``"underflow"``),
    the three bit fields, and the format's relative spacing over $10^{-50} \le |x| \le 10^{42}$ (``grid``, ``curve``).
    """
    f = numerics.float_format(fmt)
    exact = _PI * Decimal(10) ** int(round(k))      # pi * 10^k to 36 digits: the error of float64 shows too
    x = float(exact)
    stored = float(numerics.round_to(x, f))
    if math.isinf(stored):
        kind = "overflow"
    elif stored == 0.0:
        kind = "underflow"
    elif stored < f.smallest_normal:
        kind = "subnormal"
    else:
        kind = "normal"
    return {"x": x, "stored": stored, "spacing": float(numerics.spacing(x, f)),
            "rel_error": float(abs(Decimal(stored) - exact) / exact) if math.isfinite(stored) else math.inf, "kind": kind,
            "bits": numerics.bit_fields(x, f), "format": f, "grid": _GRID, "curve": _relative_spacing(f.name)}


_KIND_TEXT = {"normal": "a normal number: relative error at most eps/2",
              "subnormal": "a subnormal number: fewer significant bits",
              "overflow": "overflow: too large, stored as inf",
              "underflow": "underflow: too small, stored as 0"}
_FIELD_COLOURS = {"sign": PALETTE["purple"], "exponent": PALETTE["sky"], "mantissa": PALETTE["orange"]}


def _float_setup(fig):
    ax, ax_bits = fig.subplots(2, 1, height_ratios=[2.6, 1])
    h: dict[str, Any] = {}
    for name, colour in FORMAT_COLOURS.items():
        ax.plot(_GRID, _relative_spacing(name), color=colour, lw=1.2, alpha=0.5, label=name)
    (h["curve"],) = ax.plot(_GRID, _relative_spacing("float16"), color=FORMAT_COLOURS["float16"], lw=2.5)
    h["under"] = ax.add_patch(Rectangle((_XLIM[0], 0), 1.0, 1, transform=ax.get_xaxis_transform(),
                                        color=PALETTE["sky"], alpha=0.25, lw=0))
    h["over"] = ax.add_patch(Rectangle((1.0, 0), 1.0, 1, transform=ax.get_xaxis_transform(),
                                       color=PALETTE["vermillion"], alpha=0.2, lw=0))
    (h["vline"],) = ax.plot([1, 1], list(_RLIM), color="0.2", lw=1, ls="--")
    (h["marker"],) = ax.plot([1], [1], "D", color=PALETTE["vermillion"], ms=8, label=r"error of storing $x = \pi\cdot 10^k$")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(*_XLIM)
    ax.set_ylim(*_RLIM)
    ax.set_xticks([1e-50, 1e-40, 1e-30, 1e-20, 1e-10, 1, 1e10, 1e20, 1e30, 1e40])
    ax.set_yticks([1e-16, 1e-12, 1e-8, 1e-4, 1])
    ax.set_xlabel("|x|")
    ax.set_ylabel("spacing / |x|")
    ax.set_title("Relative spacing of the numbers at |x| (shaded: underflow to 0, overflow to inf)", fontsize=10)
    ax.legend(loc="center left", fontsize=7, ncols=1, bbox_to_anchor=(0.0, 0.62))

    ax_bits.set_xlim(0, 64)
    ax_bits.set_ylim(-1.1, 3.6)
    ax_bits.set_axis_off()
    h["cells"] = ax_bits.imshow(np.zeros((1, 64, 4)), extent=(0, 64, 0, 1), aspect="auto", interpolation="nearest")
    ax_bits.vlines(np.arange(65), 0, 1, color="white", lw=1.2)   # gaps between the cells
    for x, (field, colour) in zip((0, 6, 16), _FIELD_COLOURS.items()):     # a key, drawn once
        ax_bits.text(x, -0.6, f"\u25a0 {field}", ha="left", va="center", fontsize=8, color=colour)
    ax_bits.text(27, -0.6, "(dark: bit 1, light: bit 0)", ha="left", va="center", fontsize=8, color="0.3")
    h["text"] = ax_bits.text(0, 3.6, "x\ny\nz", va="top", ha="left", fontsize=8.5, family="monospace")
    return h


def _float_draw(h, r: Mapping[str, Any], p: Mapping[str, Any]) -> None:
    f: numerics.FloatFormat = r["format"]
    h["curve"].set_data(r["grid"], r["curve"])
    h["curve"].set_color(FORMAT_COLOURS[f.name])
    under = f.smallest_subnormal / 2
    h["under"].set_x(_XLIM[0])
    h["under"].set_width(under - _XLIM[0])
    h["over"].set_x(f.max)
    h["over"].set_width(max(_XLIM[1] * 10 - f.max, 0.0))
    x = r["x"]
    h["vline"].set_data([x, x], list(_RLIM))
    h["marker"].set_data([x], [min(max(r["rel_error"], _RLIM[0] * 1.5), _RLIM[1] * 0.6)])
    sign, exponent, mantissa = r["bits"]
    rgba = np.zeros((1, 64, 4))
    i = 0
    for field, bits in (("sign", sign), ("exponent", exponent), ("mantissa", mantissa)):
        for bit in bits:
            rgba[0, i, :3] = to_rgb(_FIELD_COLOURS[field])
            rgba[0, i, 3] = 1.0 if bit == "1" else 0.25      # a set bit dark, a clear bit light
            i += 1
    h["cells"].set_data(rgba)
    stored = f"{r['stored']:.9g}"
    h["text"].set_text(f"{f.name}: x = pi * 10^{int(p['k'])} = {x:.9g}  ->  stored as {stored}\n"
                       f"{_KIND_TEXT[r['kind']]}; spacing {r['spacing']:.3g}, relative error {r['rel_error']:.2g}\n"
                       f"bits: {sign} {exponent} {mantissa}  ({f.bits} = 1 + {f.exponent_bits} + {f.mantissa_bits})")


def _float_describe(p: Mapping[str, Any], r: Mapping[str, Any]) -> str:
    f: numerics.FloatFormat = r["format"]
    return (f"A log-log plot of the relative spacing between neighbouring numbers against their size, for float64, "
            f"float32, float16 and bfloat16, with {f.name} highlighted: a zigzag between {f.eps / 2:.2g} and "
            f"{f.eps:.2g} (within each power of two the spacing is constant while the numbers grow) from "
            f"{f.smallest_normal:.1g} to {f.max:.1g}, rising to the left among the subnormal numbers, with the "
            f"underflow and overflow regions shaded. A marker shows the relative error of storing "
            f"x = pi times 10 to the {int(p['k'])}, {r['x']:.3g}, which {f.name} stores as {r['stored']:.6g} "
            f"({r['kind']}, relative error {r['rel_error']:.2g}). Below, the {f.bits} bits of the stored number: "
            f"1 sign bit, {f.exponent_bits} exponent bits, {f.mantissa_bits} mantissa bits.")


@register
def float_storage() -> Explorer:
    """A format and a value: the nearest representable number, the spacing there, and the bits."""
    return Explorer(
        name="float_storage",
        title="How a floating-point format stores a number",
        controls={"fmt": Choice("format", tuple(numerics.FORMATS), "float16"),
                  "k": Slider("k in x = \u03c0\u00b710^k", min=-45.0, max=40.0, step=1.0, value=0.0)},
        compute=lambda fmt, k: float_storage_state(fmt, k),
        setup=_float_setup, draw=_float_draw, describe=_float_describe, figsize=(8.4, 5.0),
        # The page: every format every 5 powers of ten; float16, whose whole range spans k = -8 to 4, at every k
        # from underflow (-9) to overflow (5).
        static=[{"fmt": list(numerics.FORMATS), "k": [float(k) for k in range(-45, 41, 5)]},
                {"fmt": ["float16"], "k": [float(k) for k in range(-9, 6)]}],
        presets={"float16 subnormal": {"fmt": "float16", "k": -5.0},
                 "float16 deep subnormal": {"fmt": "float16", "k": -7.0},
                 "float16 overflow": {"fmt": "float16", "k": 5.0},
                 "float32 at 1e-45": {"fmt": "float32", "k": -45.0},
                 "bfloat16 at 1e-40": {"fmt": "bfloat16", "k": -40.0}},
    )
