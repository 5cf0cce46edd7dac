"""Reference implementations from calculus that more than one chapter uses.

Difference quotients and their error model, a numerical gradient for arrays of any shape, the relative
error that a gradient check reports, the sigmoid and its derivative, and the backward pass of a dense
layer in the book's column convention. Each function states its formula, works on NumPy arrays and
checks shapes, saying in the error which shape it expected and which arrived.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from .._validate import as_array

__all__ = [
    "EPS",
    "sigmoid",
    "sigmoid_prime",
    "forward_difference",
    "central_difference",
    "difference_error_model",
    "optimal_step",
    "numerical_gradient",
    "relative_error",
    "gradient_check",
    "dense_backward",
]

#: Machine epsilon of float64, the gap between 1 and the next larger float64: $2^{-52}$.
EPS: float = float(np.finfo(np.float64).eps)

_SCHEMES = ("forward", "central")


def sigmoid(z) -> np.ndarray:
    r"""The logistic sigmoid $\sigma(z) = \frac{1}{1 + e^{-z}}$, entry by entry, without overflow.

    For $z < 0$ it evaluates the equal form $\frac{e^{z}}{1 + e^{z}}$, so that ``exp`` never sees a large
    positive argument. Returns an array of the shape of ``z`` (a 0-D array for a number).
    """
    z = as_array(z, "z")
    e = np.exp(-np.abs(z))                       # in (0, 1]: never overflows
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_prime(z) -> np.ndarray:
    r"""The derivative of the sigmoid, $\sigma'(z) = \sigma(z)\,(1 - \sigma(z))$, at most $1/4$ (at $z = 0$)."""
    s = sigmoid(z)
    return s * (1.0 - s)


def _check_step(h) -> np.ndarray:
    h = as_array(h, "h")
    if np.any(~(h > 0)):
        raise ValueError(f"the step h must be positive, got {h if h.ndim == 0 else h[~(h > 0)][:3]}")
    return h


def forward_difference(f: Callable, x: float, h) -> np.ndarray:
    r"""The forward difference quotient $\frac{f(x + h) - f(x)}{h}$, an estimate of $f'(x)$ with error $O(h)$.

    ``f`` maps a number (or an array of numbers) to a number (or an array of the same shape), ``h`` is a
    positive step or an array of steps; the result has the shape of ``h``.
    """
    h = _check_step(h)
    return (np.asarray(f(x + h), dtype=float) - np.asarray(f(x), dtype=float)) / h


def central_difference(f: Callable, x: float, h) -> np.ndarray:
    r"""The central difference quotient $\frac{f(x + h) - f(x - h)}{2h}$, an estimate of $f'(x)$ with error $O(h^2)$.

    Arguments and result as for :func:`forward_difference`.
    """
    h = _check_step(h)
    return (np.asarray(f(x + h), dtype=float) - np.asarray(f(x - h), dtype=float)) / (2 * h)


def _check_scheme(scheme: str) -> None:
    if scheme not in _SCHEMES:
        raise ValueError(f"scheme must be one of {_SCHEMES}, got {scheme!r}")


def difference_error_model(h, scheme: str, f_x: float, f_k: float, eps: float = EPS) -> np.ndarray:
    r"""The predicted error of a difference quotient: truncation plus rounding.

    Forward: $E(h) = \frac{h}{2}|f''(x)| + \frac{\varepsilon |f(x)|}{h}$. Central:
    $E(h) = \frac{h^2}{6}|f'''(x)| + \frac{\varepsilon |f(x)|}{h}$. The first term is the Taylor
    remainder, the second the rounding error of $f$ (relative size $\varepsilon$) divided by the step.
    ``f_k`` is $f''(x)$ for ``"forward"`` and $f'''(x)$ for ``"central"``. Returns an array of the shape of ``h``.
    """
    _check_scheme(scheme)
    h = _check_step(h)
    if scheme == "forward":
        return h / 2 * abs(f_k) + eps * abs(f_x) / h
    return h ** 2 / 6 * abs(f_k) + eps * abs(f_x) / h


def optimal_step(scheme: str, f_x: float, f_k: float, eps: float = EPS) -> float:
    r"""The step that minimises :func:`difference_error_model`.

    Forward: $h^* = \sqrt{2\varepsilon |f(x)| / |f''(x)|}$, of the order of $\sqrt{\varepsilon}$.
    Central: $h^* = (3\varepsilon |f(x)| / |f'''(x)|)^{1/3}$, of the order of $\varepsilon^{1/3}$.
    """
    _check_scheme(scheme)
    if f_k == 0 or f_x == 0:
        raise ValueError("the error model has no finite optimum when f(x) or the higher derivative is 0")
    if scheme == "forward":
        return float(np.sqrt(2 * eps * abs(f_x) / abs(f_k)))
    return float(np.cbrt(3 * eps * abs(f_x) / abs(f_k)))


def numerical_gradient(f: Callable[[np.ndarray], float], x, h: float = 1e-6) -> np.ndarray:
    r"""The gradient of a scalar function of an array, by central differences, one entry at a time.

    Entry $i$ is $\frac{f(x + h e_i) - f(x - h e_i)}{2h}$, where $e_i$ is 1 at position $i$ and 0
    elsewhere. ``x`` may have any shape; the result has the same shape. ``x`` is not modified: ``f``
    receives a float64 copy. It costs two calls of ``f`` per entry, so keep ``x`` small.
    """
    x = as_array(x, "x").copy()
    h = float(_check_step(h))
    grad = np.zeros_like(x)
    flat, gflat = x.reshape(-1), grad.reshape(-1)   # views: writing to flat changes x
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + h
        f_plus = _scalar(f(x))
        flat[i] = old - h
        f_minus = _scalar(f(x))
        flat[i] = old
        gflat[i] = (f_plus - f_minus) / (2 * h)
    return grad


def _scalar(value) -> float:
    if hasattr(value, "detach"):  # a torch tensor
        value = value.detach().cpu().numpy()
    arr = np.asarray(value, dtype=float)
    if arr.size != 1:
        raise ValueError(f"f must return a single number, got an array of shape {arr.shape}")
    return float(arr.reshape(()))


def relative_error(a, b) -> float:
    r"""The relative error of two arrays, $\frac{\lVert a - b \rVert_2}{\lVert a \rVert_2 + \lVert b \rVert_2}$.

    It is 0 for equal arrays, at most 1, and does not depend on the scale of the numbers, which makes it
    the number a gradient check reports: with central differences in ``float64``, below about $10^{-7}$ the
    two gradients agree, and from $10^{-3}$ up one of them is wrong (chapter 2's thresholds). Two zero arrays have relative error 0.
    """
    a = as_array(a, "a")
    b = as_array(b, "b", shape=a.shape)
    denominator = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if denominator == 0 else float(np.linalg.norm(a - b) / denominator)


def gradient_check(f: Callable[[np.ndarray], float], x, grad, h: float = 1e-6) -> float:
    r"""Compare a gradient with :func:`numerical_gradient`: the :func:`relative_error` of the two.

    ``grad`` is the gradient of ``f`` at ``x`` computed some other way (by hand, by backpropagation) and
    must have the shape of ``x``.
    """
    x = as_array(x, "x")
    grad = as_array(grad, "grad", shape=x.shape)
    return relative_error(grad, numerical_gradient(f, x, h))


def dense_backward(W, X, dZ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""The backward pass of the dense layer $Z = WX + b$ (one column per example).

    Given $dZ = \partial L / \partial Z$ of shape (m, N), returns
    $dW = dZ\,X^\top$ of shape (m, n), $db = \sum_{j} dZ_{:, j}$ (the sum over the batch) of shape (m,),
    and $dX = W^\top dZ$ of shape (n, N): each gradient has the shape of the quantity it belongs to.
    """
    W = as_array(W, "W", ndim=2)
    m, n = W.shape
    X = as_array(X, "X", ndim=2)
    if X.shape[0] != n:
        raise ValueError(f"X must have shape ({n}, N) to match W of shape {W.shape}, got shape {X.shape}")
    dZ = as_array(dZ, "dZ", shape=(m, X.shape[1]))
    return dZ @ X.T, dZ.sum(axis=1), W.T @ dZ
