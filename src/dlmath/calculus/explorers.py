"""Explorers of chapter 02 (calculus): the gradient on a surface, the step of a difference quotient, and
the chain rule through a stack of layers.

Each explorer has a pure state function (``*_state``: parameters -> arrays, no matplotlib), which the
tests call directly, and a figure whose artists are updated in place.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

import numpy as np

from . import reference as calculus
from ..plotting import PALETTE, plot_contours
from ..explorers import Choice, Explorer, Slider, register

__all__ = [
    "SURFACES", "gradient_field", "gradient_field_state",
    "FUNCTIONS", "difference_step", "difference_step_state",
    "ACTIVATIONS", "gradient_chain", "gradient_chain_state",
]

_ARROW = dict(angles="xy", scale_units="xy", scale=1.0)


# -- 1. the gradient on a surface --------------------------------------------------------------------
def _bowl(x, y):
    return 0.5 * x ** 2 + 1.5 * y ** 2


def _bowl_grad(x, y):
    return x, 3.0 * y


def _saddle(x, y):
    return 0.5 * (x ** 2 - y ** 2)


def _saddle_grad(x, y):
    return x, -y


def _hills(x, y):
    return 3.0 * (np.exp(-(x - 1) ** 2 - y ** 2) - np.exp(-(x + 1) ** 2 - y ** 2))


def _hills_grad(x, y):
    e1, e2 = np.exp(-(x - 1) ** 2 - y ** 2), np.exp(-(x + 1) ** 2 - y ** 2)
    return 3.0 * (-2 * (x - 1) * e1 + 2 * (x + 1) * e2), 3.0 * (-2 * y * e1 + 2 * y * e2)


#: The surfaces of the gradient explorer: name -> (f(x, y), gradient (df/dx, df/dy), formula as plain text).
SURFACES: dict[str, tuple[Callable, Callable, str]] = {
    "bowl": (_bowl, _bowl_grad, "f(x, y) = x²/2 + 3y²/2"),
    "saddle": (_saddle, _saddle_grad, "f(x, y) = (x² - y²)/2"),
    "hill and valley": (_hills, _hills_grad, "f = 3exp(-(x-1)²-y²) - 3exp(-(x+1)²-y²)"),
}
_LIM = 2.0
_FIELD = np.linspace(-_LIM + 0.25, _LIM - 0.25, 8)  # the points where the field's arrows start


def gradient_field_state(surface: str, x: float, y: float) -> dict[str, Any]:
    r"""The gradient $\nabla f = (\partial f/\partial x, \partial f/\partial y)$ of a surface at a point, and around it.

    Returns the gradient at ``(x, y)``, its length and angle, the directional derivative
    $D_u f = \nabla f \cdot u$ for unit vectors $u = (\cos\theta, \sin\theta)$ at 73 angles (largest, equal to
    $\lVert\nabla f\rVert$, when $u$ points along $\nabla f$), and the gradient field on an 8 x 8 grid.
    """
    if surface not in SURFACES:
        raise ValueError(f"surface must be one of {list(SURFACES)}, got {surface!r}")
    f, grad, _ = SURFACES[surface]
    gx, gy = (float(v) for v in grad(x, y))
    norm = float(np.hypot(gx, gy))
    theta = np.linspace(0.0, 360.0, 73)
    slopes = gx * np.cos(np.deg2rad(theta)) + gy * np.sin(np.deg2rad(theta))
    FX, FY = np.meshgrid(_FIELD, _FIELD)
    U, V = grad(FX, FY)
    return {"point": np.array([x, y]), "value": float(f(x, y)), "grad": np.array([gx, gy]), "norm": norm,
            "angle": float(np.degrees(np.arctan2(gy, gx)) % 360) if norm > 1e-12 else float("nan"),
            "theta": theta, "slopes": slopes, "field": (FX, FY, np.asarray(U, float), np.asarray(V, float))}


def _gradient_setup(fig):
    ax, ax_d = fig.subplots(1, 2, width_ratios=[1.15, 1])
    h: dict[str, Any] = {"contours": {}}
    for name, (f, _, _) in SURFACES.items():
        cs = plot_contours(f, (-_LIM, _LIM), (-_LIM, _LIM), ax=ax, levels=14, n=120)
        cs.set_visible(name == "bowl")
        h["contours"][name] = cs
    ax.set_aspect("equal")
    ax.grid(False)
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    FX, FY = np.meshgrid(_FIELD, _FIELD)
    h["field"] = ax.quiver(FX, FY, np.zeros_like(FX), np.zeros_like(FY), color="0.55", width=0.004, **_ARROW)
    (h["level"],) = ax.plot([], [], color=PALETTE["black"], ls=":", lw=1.5)
    h["up"] = ax.quiver([0], [0], [1], [0], color=PALETTE["vermillion"], width=0.012, zorder=5, **_ARROW)
    h["down"] = ax.quiver([0], [0], [-1], [0], color=PALETTE["blue"], width=0.012, zorder=5, **_ARROW)
    (h["point"],) = ax.plot([0], [0], "o", color=PALETTE["black"], ms=6, zorder=6)
    h["formula"] = ax.set_title(SURFACES["bowl"][2], fontsize=10)      # titles take part in the layout
    ax.plot([], [], color=PALETTE["vermillion"], lw=3, label=r"$\nabla f$: steepest ascent")
    ax.plot([], [], color=PALETTE["blue"], lw=3, label=r"$-\nabla f$: steepest descent")
    ax.plot([], [], color=PALETTE["black"], ls=":", label="level set direction")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncols=3, fontsize=7, handlelength=1.5,
              columnspacing=0.8)

    (h["curve"],) = ax_d.plot([], [], color=PALETTE["purple"], lw=2)
    (h["best"],) = ax_d.plot([], [], color=PALETTE["vermillion"], lw=1.5, ls="--")
    (h["best_dot"],) = ax_d.plot([], [], "o", color=PALETTE["vermillion"], ms=7)
    ax_d.axhline(0, color="0.5", lw=0.8)
    ax_d.set_xlim(0, 360)
    ax_d.set_ylim(-6.8, 6.8)
    ax_d.set_xticks([0, 90, 180, 270, 360])
    ax_d.set_xlabel(r"direction $\theta$ of the unit vector $u$ (degrees)")
    ax_d.set_ylabel(r"slope of f along $u$: $\nabla f \cdot u$")
    h["text"] = ax_d.set_title("∇f = (0.00, 0.00), largest slope |∇f| = 0.00", fontsize=9)
    return h


def _gradient_draw(h, r: Mapping[str, Any], p: Mapping[str, Any]) -> None:
    for name, cs in h["contours"].items():
        cs.set_visible(name == p["surface"])
    _, _, U, V = r["field"]
    length = np.hypot(U, V)
    length[length == 0] = np.inf                  # no arrow where the gradient vanishes
    h["field"].set_UVC(0.3 * U / length, 0.3 * V / length)   # directions only, all 0.3 long
    (x, y), (gx, gy) = r["point"], r["grad"]
    shown = 1.0 / max(r["norm"], 1e-12) if r["norm"] > 1e-12 else 0.0   # the two big arrows: length 1
    for key, sign in (("up", 1.0), ("down", -1.0)):
        h[key].set_offsets([[x, y]])
        h[key].set_UVC([sign * gx * shown], [sign * gy * shown])
    if r["norm"] > 1e-12:
        tx, ty = -gy / r["norm"], gx / r["norm"]
        h["level"].set_data([x - 0.8 * tx, x + 0.8 * tx], [y - 0.8 * ty, y + 0.8 * ty])
        h["best"].set_data([r["angle"], r["angle"]], [0, r["norm"]])
        h["best_dot"].set_data([r["angle"]], [r["norm"]])
    else:
        h["level"].set_data([], [])
        h["best"].set_data([], [])
        h["best_dot"].set_data([], [])
    h["point"].set_data([x], [y])
    h["formula"].set_text(SURFACES[p["surface"]][2])
    h["curve"].set_data(r["theta"], r["slopes"])
    h["text"].set_text(f"∇f = ({gx:.2f}, {gy:.2f}), largest slope |∇f| = {r['norm']:.2f}")


def _gradient_describe(p: Mapping[str, Any], r: Mapping[str, Any]) -> str:
    (x, y), (gx, gy) = r["point"], r["grad"]
    if r["norm"] <= 1e-12:
        where = (f"At the point ({x:g}, {y:g}) the gradient is zero: a stationary point, where the slope is 0 "
                 "in every direction and the right panel is a flat line.")
    else:
        where = (f"At the point ({x:g}, {y:g}) the gradient ({gx:.2f}, {gy:.2f}) is drawn as a vermillion arrow, "
                 f"perpendicular to the level set through the point, with the steepest-descent arrow opposite. "
                 f"Right: the slope of f in each direction is a cosine wave of amplitude {r['norm']:.2f} that "
                 f"peaks at {r['angle']:.0f} degrees, the direction of the gradient.")
    return (f"Left: contour lines of the {p['surface']} surface on the square from -2 to 2, with grey arrows of the "
            f"gradient's direction crossing the contours at right angles. {where}")


@register
def gradient_field() -> Explorer:
    """Pick a surface and a point: the gradient arrow, the level set, and the slope in every direction."""
    coordinate = dict(min=-_LIM, max=_LIM, step=0.25)
    return Explorer(
        name="gradient_field",
        title="The gradient: steepest ascent on a surface",
        controls={"surface": Choice("surface", tuple(SURFACES), "bowl"),
                  "x": Slider("x", value=1.0, **coordinate),
                  "y": Slider("y", value=0.5, **coordinate)},
        compute=gradient_field_state, setup=_gradient_setup, draw=_gradient_draw, describe=_gradient_describe,
        figsize=(8.4, 4.2),
        presets={"saddle point": {"surface": "saddle", "x": 0.0, "y": 0.0},
                 "off the saddle": {"surface": "saddle", "x": 1.0, "y": 0.5},
                 "between hill and valley": {"surface": "hill and valley", "x": 0.0, "y": 0.0},
                 "on the hillside": {"surface": "hill and valley", "x": 1.0, "y": 0.75}},
    )


# -- 2. the step of a difference quotient ------------------------------------------------------------
def _sig(x):
    return calculus.sigmoid(x)


def _sig_derivatives(x):
    s = float(calculus.sigmoid(x))
    d1 = s * (1 - s)
    return s, d1, d1 * (1 - 2 * s), d1 * (1 - 6 * s + 6 * s * s)


#: The functions of the step explorer: name -> (f, x0, (f, f', f'', f''') at x0).
FUNCTIONS: dict[str, tuple[Callable, float, tuple[float, float, float, float]]] = {
    "sigmoid at x = 1": (_sig, 1.0, _sig_derivatives(1.0)),
    "exp at x = 1": (np.exp, 1.0, (float(np.e),) * 4),
    "sin at x = 1": (np.sin, 1.0, (float(np.sin(1.0)), float(np.cos(1.0)), -float(np.sin(1.0)), -float(np.cos(1.0)))),
}
_STEPS = np.logspace(-1, -15, 57)


def difference_step_state(log10_h: float, function: str) -> dict[str, Any]:
    r"""Forward and central differences of a function with step $h = 10^{k}$: errors and a zoom into $f$.

    Returns the absolute errors of both quotients for the chosen $h$ and for 57 steps from $10^{-1}$ to
    $10^{-15}$, and the remainder $r(t) = f(x_0 + t) - f(x_0) - f'(x_0)\,t$ for $t \in [-h, h]$, divided by
    its largest absolute value (``scale``): a parabola where truncation dominates, a staircase of rounded
    values where rounding dominates.
    """
    if function not in FUNCTIONS:
        raise ValueError(f"function must be one of {list(FUNCTIONS)}, got {function!r}")
    f, x0, (f0, d1, d2, d3) = FUNCTIONS[function]
    h = 10.0 ** log10_h
    fwd = float(calculus.forward_difference(f, x0, h))
    cen = float(calculus.central_difference(f, x0, h))
    t = np.linspace(-h, h, 401)
    remainder = (np.asarray(f(x0 + t), float) - np.asarray(f(x0), float)) - d1 * t
    scale = float(np.abs(remainder).max()) or 1.0
    errors = {"forward": np.abs(calculus.forward_difference(f, x0, _STEPS) - d1),
              "central": np.abs(calculus.central_difference(f, x0, _STEPS) - d1)}
    return {"h": h, "x0": x0, "forward": fwd, "central": cen, "exact": d1,
            "error_forward": abs(fwd - d1), "error_central": abs(cen - d1),
            "steps": _STEPS, "errors": errors, "t": t / h, "remainder": remainder / scale, "scale": scale,
            "r_plus": float(remainder[-1] / scale), "r_minus": float(remainder[0] / scale),
            "optimum": {"forward": calculus.optimal_step("forward", f0, d2),
                        "central": calculus.optimal_step("central", f0, d3)}}


def _step_setup(fig):
    ax_err, ax_zoom = fig.subplots(1, 2)
    h: dict[str, Any] = {}
    (h["err_fwd"],) = ax_err.loglog(_STEPS, _STEPS, color=PALETTE["orange"], lw=1.5, label="forward")
    (h["err_cen"],) = ax_err.loglog(_STEPS, _STEPS, color=PALETTE["blue"], lw=1.5, label="central")
    (h["now"],) = ax_err.plot([1e-8, 1e-8], [1e-17, 1], color=PALETTE["black"], lw=1, ls="--")
    (h["dot_fwd"],) = ax_err.plot([], [], "o", color=PALETTE["orange"], ms=8)
    (h["dot_cen"],) = ax_err.plot([], [], "s", color=PALETTE["blue"], ms=7)
    ax_err.set_xlim(3e-16, 0.3)
    ax_err.set_ylim(1e-17, 1.0)
    ax_err.set_xlabel("step h")
    ax_err.set_ylabel("|difference quotient - f'(x0)|")
    ax_err.legend(loc="lower left", fontsize=8)
    ax_err.set_title("Error of each quotient", fontsize=10)

    (h["curve"],) = ax_zoom.plot([], [], color=PALETTE["purple"], lw=1.2, drawstyle="steps-mid", label="remainder r(t)")
    (h["sec_fwd"],) = ax_zoom.plot([], [], color=PALETTE["orange"], lw=2, label="forward secant")
    (h["sec_cen"],) = ax_zoom.plot([], [], color=PALETTE["blue"], lw=2, ls="--", label="central secant")
    ax_zoom.axhline(0, color="0.4", lw=0.8)
    ax_zoom.set_xlim(-1.05, 1.05)
    ax_zoom.set_ylim(-1.15, 1.15)
    ax_zoom.set_xticks([-1, 0, 1], ["-h", "0", "h"])
    ax_zoom.set_yticks([])
    ax_zoom.set_xlabel("t, from -h to h")
    ax_zoom.set_ylabel("f(x0 + t) - f(x0) - f'(x0) t (rescaled)")
    h["text"] = ax_zoom.set_title("h = 1e-03: errors 0.0e+00 (forward), 0.0e+00 (central)\nf near x0 minus its "
                                  "tangent, in units of 0.0e+00", fontsize=9)
    ax_zoom.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncols=3, fontsize=7, handlelength=1.5,
                   columnspacing=0.8)
    return h


def _step_draw(h, r: Mapping[str, Any], p: Mapping[str, Any]) -> None:
    floor = 1e-17                                  # an error of exactly 0 has no place on a log axis
    h["err_fwd"].set_data(r["steps"], np.maximum(r["errors"]["forward"], floor))
    h["err_cen"].set_data(r["steps"], np.maximum(r["errors"]["central"], floor))
    h["now"].set_data([r["h"], r["h"]], [1e-17, 1.0])
    h["dot_fwd"].set_data([r["h"]], [max(r["error_forward"], floor)])
    h["dot_cen"].set_data([r["h"]], [max(r["error_central"], floor)])
    h["curve"].set_data(r["t"], r["remainder"])
    h["sec_fwd"].set_data([0, 1], [0, r["r_plus"]])
    h["sec_cen"].set_data([-1, 1], [r["r_minus"], r["r_plus"]])
    h["text"].set_text(f"h = {r['h']:.0e}: errors {r['error_forward']:.1e} (forward), {r['error_central']:.1e} "
                       f"(central)\nf near x0 minus its tangent, in units of {r['scale']:.1e}")


def _step_describe(p: Mapping[str, Any], r: Mapping[str, Any]) -> str:
    regime = ("truncation dominates: the remainder is a smooth parabola, and the forward secant tilts while "
              "the central one stays nearly flat" if r["h"] >= 10 * r["optimum"]["central"] else
              "rounding matters: the remainder is a jagged staircase of rounded values, and the secants tilt "
              "at random" if r["h"] <= r["optimum"]["forward"] else
              "the two errors are balanced: the remainder is still nearly smooth, and both secants are close to flat")
    return (f"Left: on log-log axes, the error of the forward and of the central difference of {p['function']} "
            f"against the step h from 1e-1 to 1e-15; both fall as h shrinks (slopes 1 and 2), reach a minimum, "
            f"then rise again with slope -1. A dashed line marks h = {r['h']:.0e}, where the forward error is "
            f"{r['error_forward']:.1e} and the central error {r['error_central']:.1e}. Right: the function minus its "
            f"tangent line for t from -h to h; here {regime}.")


@register
def difference_step() -> Explorer:
    """Move the step h over 15 orders of magnitude: truncation error, rounding error, and the best h."""
    return Explorer(
        name="difference_step",
        title="The step of a difference quotient",
        controls={"log10_h": Slider("log10 of the step h", min=-15.0, max=-1.0, step=1.0, value=-3.0),
                  "function": Choice("function", tuple(FUNCTIONS), "sigmoid at x = 1")},
        compute=difference_step_state, setup=_step_setup, draw=_step_draw, describe=_step_describe,
        figsize=(8.4, 3.8),
        # The step carries the lesson: every one of its fifteen positions, for each function.
        static={"log10_h": [float(k) for k in range(-15, 0)], "function": list(FUNCTIONS)},
        presets={"h = 0.1": {"log10_h": -1.0}, "h = 1e-8": {"log10_h": -8.0}, "h = 1e-14": {"log10_h": -14.0}},
    )


# -- 3. the chain rule through a stack of layers -----------------------------------------------------
def _relu(z):
    return np.maximum(z, 0.0)


def _relu_prime(z):
    return (np.asarray(z) > 0).astype(float)


#: Activations of the chain explorer: name -> (phi, phi', the largest value of phi').
ACTIVATIONS: dict[str, tuple[Callable, Callable, float]] = {
    "sigmoid": (calculus.sigmoid, calculus.sigmoid_prime, 0.25),
    "tanh": (np.tanh, lambda z: 1.0 - np.tanh(z) ** 2, 1.0),
    "relu": (_relu, _relu_prime, 1.0),
}
_MAX_DEPTH = 20


def gradient_chain_state(depth: int, activation: str, weight: float, a0: float = 0.5) -> dict[str, Any]:
    r"""A chain of scalar units $a_l = \phi(w\,a_{l-1})$, $l = 1, \dots, D$, and its gradient by the chain rule.

    Returns the pre-activations $z_l = w\,a_{l-1}$, the local factors $\partial a_l / \partial a_{l-1} =
    \phi'(z_l)\,w$, and ``grad[l]`` $= \partial a_D / \partial a_l = \prod_{k > l} \phi'(z_k)\,w$ for
    $l = 0, \dots, D - 1$ (``grad[0]`` reaches the input). The bound is $(w \max\phi')^{D}$.
    """
    depth = int(depth)
    if not 1 <= depth <= 100:
        raise ValueError(f"depth must be between 1 and 100, got {depth}")
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {list(ACTIVATIONS)}, got {activation!r}")
    phi, phi_prime, top = ACTIVATIONS[activation]
    a, z, factors = float(a0), [], []
    for _ in range(depth):
        z.append(weight * a)
        a = float(phi(z[-1]))
        factors.append(float(phi_prime(z[-1])) * weight)
    factors = np.array(factors)
    grad = np.cumprod(factors[::-1])[::-1]       # grad[l] = factors[l] * ... * factors[D - 1]
    return {"z": np.array(z), "factors": factors, "grad": grad, "output": a,
            "bound": float((abs(weight) * top) ** depth), "max_factor": abs(weight) * top}


def _chain_setup(fig):
    ax_f, ax_g = fig.subplots(1, 2)
    layers = np.arange(1, _MAX_DEPTH + 1)
    h: dict[str, Any] = {"bars": list(ax_f.bar(layers, np.zeros(_MAX_DEPTH), bottom=1.0, color=PALETTE["sky"],
                                               width=0.7, label=r"$|\phi'(z_l)\, w|$"))}
    (h["max"],) = ax_f.plot([], [], color=PALETTE["black"], ls="--", lw=1.2, label=r"largest possible: $w \max \phi'$")
    ax_f.axhline(1.0, color="0.3", lw=0.8)
    ax_f.set_yscale("log")
    ax_f.set_ylim(1e-3, 10.0)
    ax_f.set_title("Local factor of each layer (bar from 1)", fontsize=10)
    ax_f.set_ylabel(r"local factor $|\partial a_l / \partial a_{l-1}|$")
    ax_f.legend(loc="lower left", fontsize=8)

    (h["grad"],) = ax_g.plot([], [], "o-", color=PALETTE["vermillion"], lw=2, ms=4)
    ax_g.axhline(1.0, color="0.3", lw=0.8)
    ax_g.set_yscale("log")
    ax_g.set_ylim(1e-16, 1e13)
    ax_g.set_yticks([1e-15, 1e-10, 1e-5, 1e0, 1e5, 1e10])
    ax_g.set_ylabel(r"$|\partial a_D / \partial a_{l-1}|$, reaching layer $l$")
    h["text"] = ax_g.set_title("gradient at the input 0.0e+00, bound 0.0e+00", fontsize=10)
    for ax in (ax_f, ax_g):
        ax.set_xlim(0.3, _MAX_DEPTH + 0.7)
        ax.set_xticks(range(1, _MAX_DEPTH + 1, 2))
        ax.set_xlabel("layer l")
    return h


def _chain_draw(h, r: Mapping[str, Any], p: Mapping[str, Any]) -> None:
    depth = len(r["factors"])
    floor = 1e-16                                  # a factor of exactly 0 has no place on a log axis
    for l, bar in enumerate(h["bars"]):           # each bar runs from 1 to the factor: down if it shrinks
        bar.set_visible(l < depth)
        if l < depth:
            bar.set_height(max(abs(r["factors"][l]), floor) - 1.0)
    h["grad"].set_data(np.arange(1, depth + 1), np.maximum(np.abs(r["grad"]), floor))
    h["max"].set_data([0.5, depth + 0.5], [r["max_factor"], r["max_factor"]])
    h["text"].set_text(f"gradient at the input {abs(r['grad'][0]):.1e}, bound {r['bound']:.1e}")


def _chain_describe(p: Mapping[str, Any], r: Mapping[str, Any]) -> str:
    g = abs(r["grad"][0])
    trend = "shrinks" if g < 1e-2 else ("grows" if g > 1e2 else "stays of order one")
    return (f"Two panels on log scales for a chain of {len(r['factors'])} {p['activation']} units with weight "
            f"{p['weight']:g}. Left: one bar per layer from 1 to its local factor, each at most "
            f"{r['max_factor']:.2f}. Right: the gradient of the output with respect to the input of each layer, the "
            f"product of the factors from that layer up; going back to the input it {trend}, reaching {g:.1e}.")


@register
def gradient_chain() -> Explorer:
    """Depth, activation and weight of a chain of units: the product of local derivatives, layer by layer."""
    return Explorer(
        name="gradient_chain",
        title="The chain rule through a stack of layers",
        controls={"depth": Slider("depth D", min=1.0, max=float(_MAX_DEPTH), step=1.0, value=10.0),
                  "activation": Choice("activation", tuple(ACTIVATIONS), "sigmoid"),
                  "weight": Slider("weight w", min=0.25, max=4.0, step=0.25, value=1.0)},
        compute=lambda depth, activation, weight: gradient_chain_state(int(depth), activation, weight),
        setup=_chain_setup, draw=_chain_draw, describe=_chain_describe, figsize=(8.4, 3.6),
        presets={"sigmoid saturated": {"activation": "sigmoid", "weight": 4.0},
                 "ReLU below 1": {"activation": "relu", "weight": 0.75},
                 "ReLU above 1": {"activation": "relu", "weight": 1.25},
                 "tanh at w = 1": {"activation": "tanh", "weight": 1.0},
                 "tanh saturated": {"activation": "tanh", "weight": 3.0}},
    )
