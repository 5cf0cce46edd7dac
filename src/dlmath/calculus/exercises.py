"""Exercises of chapter 02 (calculus): their inputs and their checks.

Each ``*_inputs()`` returns the exercise's data (seeded, the same on every machine); each ``check_*``
takes the reader's answer and returns a :class:`dlmath.checks.Feedback`. No check raises on a wrong
answer, not even when the reader's own code raises.
"""

from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

from . import reference as calculus
from ..checks import Feedback, check_array, check_choice, check_scalar

__all__ = [
    "fd_inputs", "fd_function", "check_central_difference",
    "check_best_step",
    "steepest_inputs", "check_steepest_descent",
    "CHAIN_VALUES", "check_chain_rule",
    "check_value_exp",
    "backward_inputs", "check_dense_backward",
    "chain_inputs", "check_chain_product",
]


# 1. Compute a derivative by central differences ---------------------------------------------------
def fd_function(x):
    r"""The function of exercise 1, $f(x) = \sin(x)\, e^{x/2}$ (works on numbers and arrays)."""
    return np.sin(x) * np.exp(x / 2)


def _fd_exact(x: float) -> float:
    return float(np.exp(x / 2) * (np.cos(x) + np.sin(x) / 2))


def fd_inputs() -> tuple[Callable, float, float]:
    """The function ``f``, the point ``x0 = 1.2`` and the step ``h = 1e-5``."""
    return fd_function, 1.2, 1e-5


def check_central_difference(slope: Any) -> Feedback:
    """Check the central difference of :func:`fd_function` at ``x0`` with step ``h`` (within 1e-8, relative)."""
    f, x0, h = fd_inputs()
    return check_scalar(slope, _fd_exact(x0), name="slope", rel_tol=1e-8, mistakes={
        "that is the forward difference (f(x0 + h) - f(x0)) / h, whose error is of order h: evaluate f on both "
        "sides, at x0 + h and x0 - h.": (f(x0 + h) - f(x0)) / h,
        "that is the backward difference (f(x0) - f(x0 - h)) / h: the central difference uses x0 + h and x0 - h.":
            (f(x0) - f(x0 - h)) / h,
        "twice the derivative: the two points x0 - h and x0 + h are 2h apart, so divide by 2h.":
            (f(x0 + h) - f(x0 - h)) / h,
        "check the parentheses: only f(x0 - h) was divided by 2h. Write (f(x0 + h) - f(x0 - h)) / (2 * h).":
            f(x0 + h) - f(x0 - h) / (2 * h),
    })


# 2. Choose the best step in float32 ---------------------------------------------------------------
def check_best_step(answer: Any) -> Feedback:
    """Multiple choice: the best step for a central difference of sin near 1 in float32 (epsilon about 1.2e-7)."""
    return check_choice(answer, correct="b", name="answer", explanations={
        "a": "No: with h = 1e-1 the truncation error h^2 |f'''| / 6 is about 1e-3, a hundred times the best "
             "achievable.",
        "b": "Yes: the central difference balances h^2 |f'''| / 6 against eps |f| / h at h of the order of "
             "eps^(1/3), about 5e-3 to 1e-2 in float32. At h = 1e-2 both errors are about 1e-5.",
        "c": "No: 3e-4 is about sqrt(eps), the best step of the *forward* difference. For the central difference "
             "it makes the truncation error tiny (about 1e-8), but the rounding error, up to eps |f| / h or about "
             "3e-4, swamps that gain.",
        "d": "No: with h = 1e-7, about eps itself, x + h and x - h are only one or two float32 numbers apart and "
             "the quotient is mostly rounding noise: errors of about 0.1.",
    })


# 3. Compute the direction of steepest descent -----------------------------------------------------
def steepest_inputs() -> tuple[Callable, np.ndarray]:
    r"""The function $f(x, y) = x^2 + xy + 2y^2$ (taking ``x, y``) and the point ``p = (1, 0.5)``."""
    return (lambda x, y: x ** 2 + x * y + 2 * y ** 2), np.array([1.0, 0.5])


def check_steepest_descent(u: Any) -> Feedback:
    """Check the unit vector of steepest descent of :func:`steepest_inputs` at its point."""
    _, (x, y) = steepest_inputs()
    grad = np.array([2 * x + y, x + 4 * y])
    unit = grad / np.linalg.norm(grad)
    return check_array(u, -unit, name="u", mistakes={
        "this is the direction of steepest *ascent*, the gradient's own direction: descent goes the opposite way.":
            unit,
        "right direction, but u must be a unit vector: divide -grad f by its length.": -grad,
        "this is the gradient itself: descent goes against it, and u must have length 1.": grad,
    })


# 4. Derive a gradient with the chain rule ---------------------------------------------------------
#: The numbers of exercise 4: one tanh unit and a squared error, L = (tanh(w x + b) - y)^2.
CHAIN_VALUES: dict[str, float] = {"w": 0.4, "x": 1.5, "b": -0.2, "y": 1.0}


def check_chain_rule(dL_dw: Any) -> Feedback:
    """Check dL/dw for L = (tanh(w x + b) - y)^2 at :data:`CHAIN_VALUES`."""
    w, x, b, y = (CHAIN_VALUES[k] for k in ("w", "x", "b", "y"))
    z = w * x + b
    a = math.tanh(z)
    dL_da, da_dz, dz_dw = 2 * (a - y), 1 - a ** 2, x
    return check_scalar(dL_dw, dL_da * da_dz * dz_dw, name="dL_dw", rel_tol=1e-4, mistakes={
        "you left out dz/dw = x, the last link of the chain: z = w x + b changes by x when w grows by 1.":
            dL_da * da_dz,
        "you left out the factor 2 of the square: d(d^2)/dd = 2d.": (a - y) * da_dz * dz_dw,
        "you left out the local derivative of tanh, 1 - tanh(z)^2.": dL_da * dz_dw,
        "tanh'(z) is 1 - tanh(z)^2, not 1 - z^2: square the node's output a = tanh(z).": dL_da * (1 - z ** 2) * dz_dw,
        "the sign is wrong: L grows when a moves away from y, and here a is below y.": -dL_da * da_dz * dz_dw,
    })


# 5. Write the backward of a new operation of Value -------------------------------------------------
def check_value_exp(Value: Any) -> Feedback:
    r"""Check ``Value.exp``, the reader's new operation $e^x$ of the chapter's autodiff engine.

    ``Value`` is the chapter's class: ``Value(number)``, ``.data``, ``.grad``, ``.backward()``, ``*``
    and ``+``. Three small graphs test the local derivative $e^x$, the factor ``out.grad`` of the chain
    rule, and the accumulation ``+=`` when a node feeds two others.
    """
    if Value is Ellipsis or Value is None:
        return Feedback(False, "pass the chapter's class: ex.check_value_exp(Value).", "Value.exp", answered=False)
    if not callable(getattr(Value, "exp", None)):
        return Feedback(False, "Value has no method exp yet: define exp(self) and attach it with Value.exp = exp.",
                        "Value.exp")
    x0, x1, x2 = 0.5, -1.2, 0.3
    try:
        a = Value(x0)
        out = a.exp()
        forward = out.data
        out.backward()
        grad_a = a.grad
        b = Value(x1)
        (b.exp() * 3.0).backward()
        grad_b = b.grad
        c = Value(x2)
        (c.exp() * c.exp()).backward()
        grad_c = c.grad
    except Exception as exc:  # the reader's code: report, never raise
        return Feedback(False, f"building and differentiating exp(x) raised {type(exc).__name__}: {exc}", "Value.exp")
    values = [forward, grad_a, grad_b, grad_c]
    if not all(isinstance(v, (int, float, np.floating)) for v in values):
        return Feedback(False, "out.data and x.grad must be numbers; got "
                               f"{', '.join(type(v).__name__ for v in values)}.", "Value.exp")
    if not math.isclose(forward, math.exp(x0), rel_tol=1e-9):
        return Feedback(False, f"Value({x0}).exp().data is {forward:.6g}, but e^{x0} = {math.exp(x0):.6g}: "
                               "the forward value must be math.exp(self.data).", "Value.exp")
    if grad_a == 0 and grad_b == 0 and grad_c == 0:
        return Feedback(False, "x.grad stays 0: your _backward does not add anything to self.grad yet. "
                               "Replace the `...` with that line.", "Value.exp", answered=False)
    if math.isclose(grad_a, x0, rel_tol=1e-9):
        return Feedback(False, f"for L = exp(x) at x = {x0} you get dL/dx = {grad_a:.6g} = x: the local derivative "
                               "of e^x is e^x itself, which the node stores as out.data.", "Value.exp")
    if math.isclose(grad_a, 1.0, rel_tol=1e-9):
        return Feedback(False, "for L = exp(x) you get dL/dx = 1: you passed out.grad through unchanged. "
                               "Multiply it by the local derivative e^x (out.data).", "Value.exp")
    if not math.isclose(grad_a, math.exp(x0), rel_tol=1e-9):
        return Feedback(False, f"for L = exp(x) at x = {x0} you get dL/dx = {grad_a:.6g}; it should be "
                               f"e^{x0} = {math.exp(x0):.6g}.", "Value.exp")
    if not math.isclose(grad_b, 3 * math.exp(x1), rel_tol=1e-9):
        hint = (" You forgot the factor out.grad: the chain rule multiplies the local derivative by the gradient "
                "arriving from above." if math.isclose(grad_b, math.exp(x1), rel_tol=1e-9) else "")
        return Feedback(False, f"for L = 3 exp(x) at x = {x1} you get dL/dx = {grad_b:.6g}, not "
                               f"3 e^{x1} = {3 * math.exp(x1):.6g}.{hint}", "Value.exp")
    if not math.isclose(grad_c, 2 * math.exp(2 * x2), rel_tol=1e-9):
        hint = (" x feeds two exp nodes, and the second overwrote the first: add with +=, do not assign with =."
                if math.isclose(grad_c, math.exp(2 * x2), rel_tol=1e-9) else "")
        return Feedback(False, f"for L = exp(x) * exp(x) at x = {x2} you get dL/dx = {grad_c:.6g}, not "
                               f"2 e^(2x) = {2 * math.exp(2 * x2):.6g}.{hint}", "Value.exp")
    return Feedback(True, "exp passes all three graphs: the local derivative, the chain rule and accumulation.",
                    "Value.exp")


# 6. Debug the backward pass of a dense layer ------------------------------------------------------
def backward_inputs() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``W`` (3, 4), a batch ``X`` (4, 5) with one column per example, and ``dZ = dL/dZ`` (3, 5)."""
    rng = np.random.default_rng(20)
    return rng.normal(size=(3, 4)).round(2), rng.normal(size=(4, 5)).round(2), rng.normal(size=(3, 5)).round(2)


def check_dense_backward(dW: Any, db: Any) -> Feedback:
    """Check ``dW = dZ X^T`` (3, 4) and ``db``, the sum of ``dZ`` over the batch (3,), for :func:`backward_inputs`."""
    W, X, dZ = backward_inputs()
    fb = check_array(dW, dZ @ X.T, name="dW", mistakes={
        "this is dW transposed, shape (4, 3): a gradient has the shape of its parameter, here W's (3, 4). "
        "Compute dZ @ X.T.": X @ dZ.T,
        "this is W^T dZ, the gradient with respect to X, not W.": W.T @ dZ,
        "you averaged over the batch; dZ already holds the loss's 1/N, so the batch is summed: dZ @ X.T.":
            dZ @ X.T / X.shape[1],
    })
    if not fb.ok:
        return fb
    if db is not Ellipsis and db is not None and np.shape(db) == (3, 1):
        db = np.asarray(db).reshape(3)           # a column is fine too
    fb = check_array(db, dZ.sum(axis=1), name="db", mistakes={
        "you summed over the outputs (axis 0) and got one number per example, shape (5,); b has one entry per "
        "output, so sum over the examples: dZ.sum(axis=1).": dZ.sum(axis=0),
        "you averaged over the batch; sum instead: every example adds b, so every example's dZ adds to db.":
            dZ.mean(axis=1),
        "you summed every entry of dZ into one number; db needs one entry per output: dZ.sum(axis=1).": dZ.sum(),
    })
    if not fb.ok:
        return fb
    return Feedback(True, "dW and db are both right.", "dW, db")


# 7. Explain vanishing gradients with numbers ------------------------------------------------------
def chain_inputs() -> tuple[np.ndarray, np.ndarray, float]:
    """The weights ``w`` (10,), biases ``b`` (10,) and input ``a0`` of a chain of 10 sigmoid units."""
    rng = np.random.default_rng(7)
    return rng.uniform(0.5, 2.0, size=10).round(2), rng.normal(0.0, 1.0, size=10).round(2), 0.8


def check_chain_product(grad: Any) -> Feedback:
    r"""Check $\partial a_{10} / \partial a_0 = \prod_l w_l\, \sigma'(z_l)$ for :func:`chain_inputs`."""
    w, b, a = chain_inputs()
    z = []
    for w_l, b_l in zip(w, b):
        z.append(w_l * a + b_l)
        a = float(calculus.sigmoid(z[-1]))
    z = np.array(z)
    s = calculus.sigmoid(z)
    factors = w * s * (1 - s)
    return check_scalar(grad, float(np.prod(factors)), name="grad", rel_tol=1e-6, abs_tol=0.0, mistakes={
        "you added the local factors; the chain rule multiplies them.": float(np.sum(factors)),
        "you left out the weights: layer l multiplies the gradient by w_l sigma'(z_l), not only sigma'(z_l).":
            float(np.prod(s * (1 - s))),
        "you multiplied sigma(z_l) instead of its derivative sigma(z_l) (1 - sigma(z_l)).": float(np.prod(w * s)),
        "that is (1/4)^10, the bound for weights of size at most 1; here each factor is w_l sigma'(z_l): compute the "
        "actual product from the forward pass.": 0.25 ** 10,
        "you left out the biases when you computed z_l = w_l a_(l-1) + b_l.": _chain_without_bias(),
    })


def _chain_without_bias() -> float:
    w, _, a = chain_inputs()
    grad = 1.0
    for w_l in w:
        a = float(calculus.sigmoid(w_l * a))
        grad *= w_l * a * (1 - a)
    return grad
