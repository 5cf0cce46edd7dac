"""Explorers of chapter 04 (optimisation): the learning rate of gradient descent, and optimisers compared."""

from __future__ import annotations

import functools
from typing import Any, Mapping

import numpy as np

from . import reference as optim
from ..plotting import PALETTE, plot_contours, plot_path
from ..explorers import Choice, Explorer, Slider, register

__all__ = ["learning_rate", "learning_rate_state", "optimiser_paths", "optimiser_paths_state", "cliff", "VALLEYS",
           "SURFACES"]

# -- gradient descent and its learning rate ----------------------------------------------------------
#: The two bowls of the learning-rate explorer: the same steepest curvature (10), different shallowest ones.
VALLEYS: dict[str, np.ndarray] = {
    "narrow (condition number 10)": np.diag([1.0, 10.0]),
    "round (condition number 1)": np.diag([10.0, 10.0]),
}
_GD_STEPS = 30
_GD_START = (-4.0, 2.0)
_GD_LEVELS = list(np.geomspace(0.05, 100.0, 12))


def _bowl(valley: str) -> optim.Surface:
    if valley not in VALLEYS:
        raise ValueError(f"unknown valley {valley!r}; the valleys are {list(VALLEYS)}")
    return optim.quadratic(VALLEYS[valley], start=_GD_START, xlim=(-5.0, 5.0), ylim=(-3.0, 3.0), name=valley)


def learning_rate_state(lr: float, valley: str = "narrow (condition number 10)",
                        steps: int = _GD_STEPS) -> dict[str, Any]:
    r"""Gradient descent $W_{t+1} = W_t - \mathrm{lr}\, A W_t$ on the bowl $L(W) = \tfrac12 W^\top A W$ of ``valley``.

    Returns the path (steps + 1, 2), the loss at each step, the eigenvalues of $A$, the threshold
    $2 / \lambda_{\max}$ below which the path converges, the factor $|1 - \mathrm{lr}\,\lambda_i|$ by which each
    eigen-direction shrinks (or grows) per step, and the regime: ``"creeps"`` (no overshoot),
    ``"zigzags"`` (overshoots, converges), ``"bounces"`` (on the threshold) or ``"diverges"``.
    """
    if lr <= 0:
        raise ValueError(f"lr must be positive, got {lr}")
    surface = _bowl(valley)
    path = optim.run(optim.SGD(lr), surface, surface.start, steps)
    lam = np.linalg.eigvalsh(surface.hessian)
    x = lr * lam.max()
    regime = ("bounces" if np.isclose(x, 2.0) else "diverges" if x > 2 else "zigzags" if x > 1 else "creeps")
    return {"path": path, "loss": surface.value(path), "eigvals": lam, "threshold": 2.0 / lam.max(),
            "factors": np.abs(1.0 - lr * lam), "regime": regime}


def _lr_setup(fig):
    ax_path, ax_loss = fig.subplots(1, 2, width_ratios=[1.5, 1])
    h: dict[str, Any] = {"contours": {}}
    for name in VALLEYS:
        h["contours"][name] = plot_contours(_bowl(name), (-5.0, 5.0), (-3.0, 3.0), ax=ax_path, levels=_GD_LEVELS, n=120)
    start = np.array([_GD_START])
    h["path"] = plot_path(np.repeat(start, 2, axis=0), ax=ax_path, color=PALETTE["vermillion"])
    ax_path.plot([0], [0], "*", color="black", ms=10, zorder=5)
    ax_path.set_aspect("equal")
    ax_path.set_xlabel("$w_1$")
    ax_path.set_ylabel("$w_2$")
    h["title"] = ax_path.set_title(" ", fontsize=9)
    (h["loss"],) = ax_loss.semilogy(np.arange(_GD_STEPS + 1), np.ones(_GD_STEPS + 1), "o-", ms=3,
                                    color=PALETTE["vermillion"])
    ax_loss.set_xlim(0, _GD_STEPS)
    ax_loss.set_ylim(1e-8, 1e4)
    ax_loss.set_xlabel("step t")
    ax_loss.set_ylabel("loss $L(W_t)$")
    h["text"] = ax_loss.text(0.03, 0.03, "", transform=ax_loss.transAxes, ha="left", va="bottom", fontsize=8,
                             bbox=dict(facecolor="white", alpha=0.85, edgecolor="none"))
    return h


def _lr_draw(h, r: Mapping[str, Any], p: Mapping[str, Any]) -> None:
    for name, contours in h["contours"].items():
        contours.set_visible(name == p["valley"])
    path = r["path"][np.isfinite(r["path"][:, 0])]
    h["path"]["line"].set_data(path[:, 0], path[:, 1])
    h["path"]["end"].set_data(path[-1:, 0], path[-1:, 1])
    loss = np.where(np.isfinite(r["loss"]), r["loss"], np.nan)
    h["loss"].set_data(np.arange(len(loss)), loss)
    h["title"].set_text(f"lr = {p['lr']:.2f}: {_REGIME_SHORT[r['regime']]}")
    h["text"].set_text(f"2/lambda_max = {r['threshold']:.2f}\n"
                       f"steep x{r['factors'][-1]:.2f}, flat x{r['factors'][0]:.2f}")


_REGIME_SHORT = {"creeps": "no overshoot", "zigzags": "zigzags, converges", "bounces": "bounces forever",
                 "diverges": "diverges"}


def _lr_describe(p: Mapping[str, Any], r: Mapping[str, Any]) -> str:
    story = {
        "creeps": "approaches the minimum without ever overshooting it",
        "zigzags": "overshoots along the steep direction at each step and zigzags towards the minimum with "
                   "shrinking swings",
        "bounces": "jumps back and forth across the minimum along the steep direction, forever at the same distance",
        "diverges": "overshoots by more at each step and zigzags outwards, out of the picture",
    }[r["regime"]]
    finite = r["loss"][np.isfinite(r["loss"])]
    trend = (f"falls from {finite[0]:.3g} to {finite[-1]:.2g} in {len(finite) - 1} steps" if r["regime"] != "diverges"
             else f"rises from {finite[0]:.3g} to above {finite[-1]:.2g}")
    shape = "circular" if np.ptp(np.diag(VALLEYS[p["valley"]])) == 0 else "elliptical"
    return (f"Left: {shape} contour lines of the {p['valley']} quadratic bowl around its minimum at the origin, "
            f"and the path of gradient descent from (-4, 2) with learning rate {p['lr']:.2f}. The path {story}. "
            f"The threshold 2 / lambda_max is {r['threshold']:.2f}. Right: the loss against the step on a log scale; "
            f"it {trend}.")


def _best_rate(valley: str) -> float:
    """The best constant learning rate on a bowl, 2 / (lambda_min + lambda_max)."""
    low, high = np.linalg.eigvalsh(VALLEYS[valley])[[0, -1]]
    return float(2.0 / (low + high))


def _lr_presets(step: float) -> dict[str, dict[str, Any]]:
    """The settings the text names, from the bowls' curvatures, on the slider's positions (``step`` apart): the narrow
    bowl's best rate, one step below its cliff 2 / lambda_max and one step past it, and the round bowl's best rate,
    where one step lands on the minimum."""
    narrow, round_ = VALLEYS
    on_slider = lambda lr: float(round(round(lr / step) * step, 10))  # noqa: E731
    cliff = 2.0 / np.linalg.eigvalsh(VALLEYS[narrow])[-1]
    return {"small step": {"lr": 0.05, "valley": narrow},
            "best rate": {"lr": on_slider(_best_rate(narrow)), "valley": narrow},
            "just below the cliff": {"lr": on_slider(cliff - step), "valley": narrow},
            "past the cliff": {"lr": on_slider(cliff + step), "valley": narrow},
            "round bowl": {"lr": on_slider(_best_rate(round_)), "valley": round_}}


@register
def learning_rate() -> Explorer:
    """Move the learning rate of gradient descent on a quadratic bowl: too small, right, too large."""
    return Explorer(
        name="learning_rate",
        title="The learning rate of gradient descent",
        controls={"lr": Slider("learning rate lr", min=0.01, max=0.21, step=0.01, value=0.15),
                  "valley": Choice("bowl", tuple(VALLEYS), "narrow (condition number 10)")},
        compute=lambda lr, valley: learning_rate_state(lr, valley),
        setup=_lr_setup, draw=_lr_draw, describe=_lr_describe, figsize=(8.0, 3.6),
        presets=_lr_presets(step=0.01),
    )


# -- optimisers compared -----------------------------------------------------------------------------
#: The surfaces of the optimiser explorer; both share the view x in [-2, 2], y in [-1, 3] and the start (-1.5, 2).
SURFACES: dict[str, optim.Surface] = {"Rosenbrock": optim.rosenbrock(), "tilted valley": optim.valley()}
_LEVELS = {"Rosenbrock": list(np.geomspace(0.1, 1000.0, 9)), "tilted valley": list(np.geomspace(0.01, 100.0, 9))}
_LABELS = {label: key for key, (label, _) in optim.RULES.items()}
_RACE_STEPS = 400


def optimiser_paths_state(optimiser: str, log_lr: float, surface: str, steps: int = _RACE_STEPS) -> dict[str, Any]:
    r"""Run the update rule labelled ``optimiser`` (a label of :data:`dlmath.optimisation.RULES`) with
    $\mathrm{lr} = 10^{\text{log\_lr}}$ on ``surface`` (a key of :data:`SURFACES`) for ``steps`` steps.

    Returns the path (steps + 1, 2; NaN after a divergence), the loss along it, the learning rate, whether
    the run diverged, and the final distance to the minimum.
    """
    if optimiser not in _LABELS:
        raise ValueError(f"unknown optimiser {optimiser!r}; the optimisers are {list(_LABELS)}")
    if surface not in SURFACES:
        raise ValueError(f"unknown surface {surface!r}; the surfaces are {list(SURFACES)}")
    S = SURFACES[surface]
    lr = 10.0 ** log_lr
    path = optim.run(optim.make_rule(_LABELS[optimiser], lr), S, S.start, steps)
    finite = path[np.isfinite(path[:, 0])]
    return {"path": path, "loss": S.value(path), "lr": lr, "diverged": len(finite) < len(path),
            "distance": float(np.linalg.norm(finite[-1] - np.array(S.minimum)))}


def _race_setup(fig):
    ax_path, ax_loss = fig.subplots(1, 2, width_ratios=[1.2, 1])
    h: dict[str, Any] = {"contours": {}}
    for name, S in SURFACES.items():
        h["contours"][name] = plot_contours(S, S.xlim, S.ylim, ax=ax_path, levels=_LEVELS[name], n=120)
    S = SURFACES["Rosenbrock"]
    h["path"] = plot_path(np.array([S.start, S.start]), ax=ax_path, color=PALETTE["vermillion"], marker=".")
    ax_path.plot([S.minimum[0]], [S.minimum[1]], "*", color="black", ms=11, zorder=5)
    ax_path.set_xlabel("$w_1$")
    ax_path.set_ylabel("$w_2$")
    h["title"] = ax_path.set_title(" ", fontsize=9)
    (h["loss"],) = ax_loss.semilogy(np.arange(_RACE_STEPS + 1), np.ones(_RACE_STEPS + 1), color=PALETTE["vermillion"])
    ax_loss.set_xlim(0, _RACE_STEPS)
    ax_loss.set_ylim(1e-10, 1e4)
    ax_loss.set_xlabel("step t")
    ax_loss.set_ylabel("loss $L(W_t)$")
    h["text"] = ax_loss.text(0.97, 0.97, "", transform=ax_loss.transAxes, ha="right", va="top", fontsize=8,
                             bbox=dict(facecolor="white", alpha=0.85, edgecolor="none"))
    return h


def _race_draw(h, r: Mapping[str, Any], p: Mapping[str, Any]) -> None:
    for name, contours in h["contours"].items():
        contours.set_visible(name == p["surface"])
    path = r["path"][np.isfinite(r["path"][:, 0])]
    h["path"]["line"].set_data(path[:, 0], path[:, 1])
    h["path"]["end"].set_data(path[-1:, 0], path[-1:, 1])
    h["loss"].set_data(np.arange(len(r["loss"])), r["loss"])
    h["title"].set_text(f"{p['optimiser']}, lr = {r['lr']:.2g}")
    h["text"].set_text("diverged" if r["diverged"] else f"after {_RACE_STEPS} steps: loss {r['loss'][-1]:.2g}")


def _race_describe(p: Mapping[str, Any], r: Mapping[str, Any]) -> str:
    shape = ("the curved, banana-shaped valley of the Rosenbrock function" if p["surface"] == "Rosenbrock"
             else "a long straight valley tilted by 30 degrees, with condition number 50")
    if r["diverged"]:
        outcome = "The run diverges: the path leaves the picture and the loss curve stops."
    else:
        outcome = (f"After {_RACE_STEPS} steps the loss is {r['loss'][-1]:.2g} and the path ends at distance "
                   f"{r['distance']:.2g} from the minimum.")
    return (f"Left: contour lines of {shape}, the minimum at (1, 1) marked with a star, and the path of "
            f"{p['optimiser']} with learning rate {r['lr']:.2g} from (-1.5, 2). Right: its loss against the step "
            f"on a log scale. {outcome}")


@functools.lru_cache(maxsize=None)
def cliff(optimiser: str, surface: str) -> float:
    """The smallest log10 learning rate on the explorer's slider at which ``optimiser`` diverges on ``surface``."""
    for log_lr in np.arange(-3.5, -0.5 + 1e-9, 0.25):
        if optimiser_paths_state(optimiser, float(log_lr), surface)["diverged"]:
            return float(round(log_lr, 2))
    raise ValueError(f"{optimiser} does not diverge on {surface} on the slider's range")


def _race_presets() -> dict[str, dict[str, Any]]:
    edge = cliff("momentum 0.9", "Rosenbrock")
    return {"gradient descent, Rosenbrock": {"optimiser": "gradient descent", "log_lr": -2.5, "surface": "Rosenbrock"},
            "gradient descent, valley": {"optimiser": "gradient descent", "log_lr": -2.5, "surface": "tilted valley"},
            "momentum below its cliff": {"optimiser": "momentum 0.9", "log_lr": edge - 0.25, "surface": "Rosenbrock"},
            "momentum at its cliff": {"optimiser": "momentum 0.9", "log_lr": edge, "surface": "Rosenbrock"},
            "Adam too slow": {"optimiser": "Adam", "log_lr": -3.0, "surface": "Rosenbrock"},
            "Adam at 10^-0.5": {"optimiser": "Adam", "log_lr": -0.5, "surface": "Rosenbrock"}}


@register
def optimiser_paths() -> Explorer:
    """Pick an optimiser, a learning rate and a surface; watch the path and the loss."""
    return Explorer(
        name="optimiser_paths",
        title="Optimisers on the Rosenbrock function and a tilted valley",
        controls={"log_lr": Slider("log10 of the learning rate", min=-3.5, max=-0.5, step=0.25, value=-1.0),
                  "optimiser": Choice("optimiser", tuple(_LABELS), "Adam"),
                  "surface": Choice("surface", tuple(SURFACES), "Rosenbrock")},
        compute=lambda log_lr, optimiser, surface: optimiser_paths_state(optimiser, log_lr, surface),
        setup=_race_setup, draw=_race_draw, describe=_race_describe,
        # The page: every optimiser on both surfaces, at four learning rates.
        static={"log_lr": [-3.0, -2.0, -1.0, -0.5], "optimiser": list(_LABELS), "surface": list(SURFACES)},
        figsize=(8.5, 3.8), presets=_race_presets(),
    )
