"""Test surfaces and update rules of optimisation (chapter 04), vectorised over many runs at once.

- :class:`Surface`: a loss of two parameters with its gradient, its minimum and a good view of it.
  :func:`quadratic` builds $L(W) = \\tfrac12 (W - c)^\\top A (W - c)$; :func:`rosenbrock` the banana valley.
- Update rules in PyTorch's conventions: :class:`SGD` (with momentum), :class:`RMSprop` and :class:`Adam`.
  Each is *functional*: ``state = rule.init(W)``, then ``W, state = rule.step(W, g, state)``. Parameters
  and gradients may have any shape, and ``lr`` may be an array that broadcasts against ``W``, so that one
  call runs many starting points or many learning rates side by side.
- :func:`run` applies a rule for a number of steps and returns the whole path.

The chapter writes the same three optimisers from scratch, checks them against ``torch.optim``, and
checks these vectorised versions against its own; the explorers use these.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from .._validate import as_array

__all__ = ["Surface", "quadratic", "valley", "rosenbrock", "SGD", "RMSprop", "Adam", "RULES", "make_rule", "run"]


# -- surfaces ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Surface:
    """A loss $L(w_1, w_2)$ of two parameters, its gradient, its minimum and a rectangle that shows it.

    ``value(W)`` takes ``W`` of shape (..., 2) and returns shape (...); ``grad(W)`` returns shape (..., 2).
    Calling the surface as ``surface(X, Y)`` evaluates it on a mesh grid, the form that
    :func:`dlmath.plotting.plot_contours` expects. ``log_levels`` says whether contour levels should be
    spaced geometrically (for surfaces whose values span many orders of magnitude). A quadratic keeps its
    constant matrix of second derivatives in ``hessian``.
    """

    name: str
    value: Callable[[np.ndarray], np.ndarray]
    grad: Callable[[np.ndarray], np.ndarray]
    minimum: tuple[float, float]
    start: tuple[float, float]
    xlim: tuple[float, float]
    ylim: tuple[float, float]
    log_levels: bool = False
    hessian: np.ndarray | None = field(default=None, compare=False, repr=False)

    def __call__(self, X: np.ndarray, Y: np.ndarray) -> np.ndarray:
        return self.value(np.stack([np.asarray(X, dtype=float), np.asarray(Y, dtype=float)], axis=-1))


def _points(W: Any, name: str = "W") -> np.ndarray:
    W = np.asarray(W, dtype=float)
    if W.ndim == 0 or W.shape[-1] != 2:
        raise ValueError(f"{name} must have shape (..., 2), one point (w1, w2) per row, got shape {W.shape}")
    return W


def quadratic(A: Any, center: Any = (0.0, 0.0), start: tuple[float, float] = (-4.0, 2.0),
              xlim: tuple[float, float] = (-5.0, 5.0), ylim: tuple[float, float] = (-3.0, 3.0),
              name: str = "quadratic") -> Surface:
    r"""The quadratic bowl $L(W) = \tfrac12 (W - c)^\top A (W - c)$, with gradient $\nabla L = A (W - c)$.

    ``A`` is a symmetric positive definite matrix of shape (2, 2); its eigenvalues are the curvatures along
    its eigenvectors, and gradient descent on this surface is stable exactly when $0 < \mathrm{lr} <
    2 / \lambda_{\max}(A)$. ``center`` $c$, of shape (2,), is the minimum. Raises ``ValueError`` for a
    matrix of the wrong shape, not symmetric, or not positive definite.
    """
    A = as_array(A, "A", shape=(2, 2))
    c = as_array(center, "center", shape=(2,))
    if not np.allclose(A, A.T):
        raise ValueError(f"A must be symmetric, got {A.tolist()}")
    if np.linalg.eigvalsh(A).min() <= 0:
        lam = np.linalg.eigvalsh(A).tolist()
        raise ValueError(f"A must be positive definite (eigenvalues > 0), got eigenvalues {lam}")

    def value(W: np.ndarray) -> np.ndarray:
        D = _points(W) - c
        return 0.5 * np.einsum("...i,ij,...j->...", D, A, D)

    def grad(W: np.ndarray) -> np.ndarray:
        return (_points(W) - c) @ A.T

    return Surface(name, value, grad, (float(c[0]), float(c[1])), start, xlim, ylim, log_levels=False,
                   hessian=A.copy())


def valley(condition: float = 50.0, angle_deg: float = 30.0) -> Surface:
    r"""An ill-conditioned quadratic: a long straight valley, tilted, with its minimum at $(1, 1)$.

    $L(W) = \tfrac12 (W - c)^\top A (W - c)$ with $c = (1, 1)$ and $A = R\,\mathrm{diag}(1, \kappa)\,R^\top$,
    where $R$ turns the plane by ``angle_deg`` and $\kappa$ = ``condition`` is the condition number
    $\lambda_{\max} / \lambda_{\min}$. It shares its start $(-1.5, 2)$ and its view with :func:`rosenbrock`,
    so that the two surfaces can be compared in one picture.
    """
    if condition < 1:
        raise ValueError(f"condition must be at least 1 (it is lambda_max / lambda_min), got {condition}")
    theta = np.deg2rad(angle_deg)
    R = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    A = R @ np.diag([1.0, float(condition)]) @ R.T
    return quadratic((A + A.T) / 2, center=(1.0, 1.0), start=(-1.5, 2.0), xlim=(-2.0, 2.0), ylim=(-1.0, 3.0),
                     name=f"valley (condition number {condition:g})")


def rosenbrock(a: float = 1.0, b: float = 100.0, start: tuple[float, float] = (-1.5, 2.0)) -> Surface:
    r"""Rosenbrock's function $L(x, y) = (a - x)^2 + b\,(y - x^2)^2$, minimum 0 at $(a, a^2)$.

    Its gradient is $\big(-2(a - x) - 4bx(y - x^2),\; 2b(y - x^2)\big)$. The minimum lies in a long, curved,
    flat-bottomed valley: easy to find, slow to follow, a classic test of optimisers. With the defaults
    it equals ``scipy.optimize.rosen`` in two dimensions.
    """
    if b <= 0:
        raise ValueError(f"b must be positive, got {b}")

    def value(W: np.ndarray) -> np.ndarray:
        W = _points(W)
        x, y = W[..., 0], W[..., 1]
        return (a - x) ** 2 + b * (y - x**2) ** 2

    def grad(W: np.ndarray) -> np.ndarray:
        W = _points(W)
        x, y = W[..., 0], W[..., 1]
        r = y - x * x
        out = np.empty_like(W)
        out[..., 0] = -2 * (a - x) - 4 * b * x * r
        out[..., 1] = 2 * b * r
        return out

    return Surface("Rosenbrock", value, grad, (a, a * a), start, (-2.0, 2.0), (-1.0, 3.0), log_levels=True)


# -- update rules ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SGD:
    r"""Gradient descent with optional momentum, as ``torch.optim.SGD(lr, momentum)`` with ``dampening=0``.

    $v_t = \mu v_{t-1} + g_t$ (with $v_0 = 0$, so $v_1 = g_1$), then $W_t = W_{t-1} - \mathrm{lr}\, v_t$.
    With ``momentum=0`` this is plain gradient descent, $W_t = W_{t-1} - \mathrm{lr}\, g_t$.
    """

    lr: float | np.ndarray
    momentum: float = 0.0

    def init(self, W: np.ndarray) -> dict[str, Any]:
        return {"t": 0, "v": np.zeros_like(W, dtype=float)}

    def step(self, W: np.ndarray, g: np.ndarray, state: dict[str, Any]) -> tuple[np.ndarray, dict[str, Any]]:
        v = self.momentum * state["v"] + g
        return W - self.lr * v, {"t": state["t"] + 1, "v": v}


@dataclass(frozen=True)
class RMSprop:
    r"""RMSProp as ``torch.optim.RMSprop(lr, alpha, eps)``: a running mean of squared gradients scales each step.

    $s_t = \alpha s_{t-1} + (1 - \alpha) g_t^2$ (with $s_0 = 0$), then
    $W_t = W_{t-1} - \mathrm{lr}\, g_t / (\sqrt{s_t} + \epsilon)$: PyTorch adds $\epsilon$ outside the root.
    """

    lr: float | np.ndarray
    alpha: float = 0.99
    eps: float = 1e-8

    def init(self, W: np.ndarray) -> dict[str, Any]:
        return {"t": 0, "s": np.zeros_like(W, dtype=float)}

    def step(self, W: np.ndarray, g: np.ndarray, state: dict[str, Any]) -> tuple[np.ndarray, dict[str, Any]]:
        s = self.alpha * state["s"] + (1 - self.alpha) * g * g
        return W - self.lr * g / (np.sqrt(s) + self.eps), {"t": state["t"] + 1, "s": s}


@dataclass(frozen=True)
class Adam:
    r"""Adam as ``torch.optim.Adam(lr, betas, eps)``; ``bias_correction=False`` drops the correction.

    $m_t = \beta_1 m_{t-1} + (1 - \beta_1) g_t$, $v_t = \beta_2 v_{t-1} + (1 - \beta_2) g_t^2$,
    $\hat m_t = m_t / (1 - \beta_1^t)$, $\hat v_t = v_t / (1 - \beta_2^t)$, then
    $W_t = W_{t-1} - \mathrm{lr}\, \hat m_t / (\sqrt{\hat v_t} + \epsilon)$.
    """

    lr: float | np.ndarray
    betas: tuple[float, float] = (0.9, 0.999)
    eps: float = 1e-8
    bias_correction: bool = True

    def init(self, W: np.ndarray) -> dict[str, Any]:
        return {"t": 0, "m": np.zeros_like(W, dtype=float), "v": np.zeros_like(W, dtype=float)}

    def step(self, W: np.ndarray, g: np.ndarray, state: dict[str, Any]) -> tuple[np.ndarray, dict[str, Any]]:
        b1, b2 = self.betas
        t = state["t"] + 1
        m = b1 * state["m"] + (1 - b1) * g
        v = b2 * state["v"] + (1 - b2) * g * g
        m_hat, v_hat = (m / (1 - b1**t), v / (1 - b2**t)) if self.bias_correction else (m, v)
        return W - self.lr * m_hat / (np.sqrt(v_hat) + self.eps), {"t": t, "m": m, "v": v}


#: The rules the explorers offer, by name: a label and a factory taking the learning rate.
RULES: dict[str, tuple[str, Callable[[float], Any]]] = {
    "gd": ("gradient descent", lambda lr: SGD(lr)),
    "momentum": ("momentum 0.9", lambda lr: SGD(lr, momentum=0.9)),
    "rmsprop": ("RMSProp", lambda lr: RMSprop(lr)),
    "adam": ("Adam", lambda lr: Adam(lr)),
}


def make_rule(name: str, lr: float | np.ndarray) -> SGD | RMSprop | Adam:
    """The update rule called ``name`` in :data:`RULES` (gd, momentum, rmsprop, adam) with learning rate ``lr``."""
    if name not in RULES:
        raise ValueError(f"unknown rule {name!r}; the rules are {list(RULES)}")
    return RULES[name][1](lr)


def run(rule: Any, grad: Callable[[np.ndarray], np.ndarray] | Surface, start: Any, steps: int,
        blowup: float = 1e6) -> np.ndarray:
    r"""Apply an update rule ``steps`` times from ``start`` and return the path, of shape (steps + 1, *start.shape).

    ``grad`` is a function $W \mapsto \nabla L(W)$ or a :class:`Surface`. Row 0 of the path is ``start``,
    row $t$ the parameters after $t$ updates. ``start`` may hold several runs (shape (k, 2), for example,
    with ``lr`` of shape (k, 1)). A run whose parameters leave the ball $|w_i| \le$ ``blowup`` has
    diverged: from then on its rows are NaN, so that plots stop where the run left the picture.
    """
    if not isinstance(steps, (int, np.integer)) or steps < 0:
        raise ValueError(f"steps must be a non-negative integer, got {steps!r}")
    gradient = grad.grad if isinstance(grad, Surface) else grad
    W = as_array(start, "start").copy()
    path = np.full((steps + 1, *W.shape), np.nan)
    path[0] = W
    state = rule.init(W)
    alive = np.ones(W.shape[:-1], dtype=bool)  # one flag per run; a run that left the ball never comes back
    all_alive = True
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(1, steps + 1):
            W, state = rule.step(W, gradient(W), state)
            if all_alive and np.abs(W).max() <= blowup:  # the common case, cheap (NaN fails the comparison)
                path[t] = W
                continue
            alive = alive & np.all(np.abs(W) <= blowup, axis=-1)
            all_alive = bool(alive.all())
            path[t] = np.where(alive[..., None], W, np.nan)
            if not alive.any():
                break
    return path
