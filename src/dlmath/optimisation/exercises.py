"""Exercises of chapter 04 (optimisation): their inputs and their checks.

Each ``*_inputs()`` returns the exercise's data (seeded, the same on every machine); each ``check_*``
takes the reader's answer and returns a :class:`dlmath.checks.Feedback`, naming the known mistakes.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..checks import Feedback, check_array, check_choice, check_scalar

__all__ = [
    "gd_inputs", "check_gd_step",
    "MAX_LR_MATRIX", "check_max_lr",
    "check_momentum",
    "adam_inputs", "check_adam_moments",
    "NOISE_VARIANCE_AT_8", "NOISE_NEW_BATCH", "check_noise_variance",
    "loop_inputs", "train_linear", "check_zero_grad",
    "check_schedule",
]


# 1. One step of gradient descent by hand ------------------------------------------------------------
def gd_inputs() -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    r"""The loss $L(W) = \tfrac12 W^\top A W + b^\top W$: ``A`` (2, 2) symmetric, ``b`` (2,), the point ``W`` (2,),
    and the learning rate ``lr``."""
    A = np.array([[3.0, 1.0], [1.0, 2.0]])
    b = np.array([-1.0, 0.5])
    W = np.array([1.0, -2.0])
    return A, b, W, 0.1


def check_gd_step(W_new: Any) -> Feedback:
    """Check one gradient-descent step $W - \\mathrm{lr}(AW + b)$ for the inputs of :func:`gd_inputs`."""
    A, b, W, lr = gd_inputs()
    grad = A @ W + b
    return check_array(W_new, W - lr * grad, name="W_new", mistakes={
        "you stepped uphill: W + lr * grad climbs the loss; gradient descent subtracts the gradient.": W + lr * grad,
        "you subtracted the whole gradient: scale it by the learning rate lr first.": W - grad,
        "you forgot b in the gradient: the gradient of b^T W is b, so grad L = A W + b.": W - lr * (A @ W),
        "the 1/2 in front of W^T A W cancels the 2 of the derivative: grad L = A W + b, not A W / 2 + b.":
            W - lr * (0.5 * A @ W + b),
        "that is the gradient itself, not the new parameters W - lr * grad.": grad,
    })


# 2. The largest stable learning rate ----------------------------------------------------------------
#: The matrix $A$ of the quadratic $\tfrac12 W^\top A W$ in exercise 2 (symmetric, positive definite).
MAX_LR_MATRIX = np.array([[4.0, 1.0, 0.0], [1.0, 3.0, 1.0], [0.0, 1.0, 2.0]])


def check_max_lr(lr_max: Any) -> Feedback:
    """Check the largest stable learning rate of gradient descent on :data:`MAX_LR_MATRIX`: ``2 / lambda_max``."""
    lam = np.linalg.eigvalsh(MAX_LR_MATRIX)
    return check_scalar(lr_max, 2.0 / lam.max(), name="lr_max", rel_tol=1e-4, mistakes={
        "that is 1 / lambda_max, the rate that removes the steepest direction in one step; the steps may "
        "overshoot and still shrink, up to 2 / lambda_max.": 1.0 / lam.max(),
        "that uses the smallest eigenvalue; the steepest direction (the largest eigenvalue) diverges first.":
            2.0 / lam.min(),
        "that uses the largest diagonal entry; the diagonal holds the curvatures along the axes, but the "
        "steepest direction is an eigenvector: use the largest eigenvalue.": 2.0 / MAX_LR_MATRIX.diagonal().max(),
        "that uses the trace, the sum of the eigenvalues; only the largest one matters.": 2.0 / np.trace(MAX_LR_MATRIX),
    })


# 3. Write momentum ----------------------------------------------------------------------------------
def check_momentum(momentum_step: Any) -> Feedback:
    """Check ``momentum_step(W, v, g, lr, mu) -> (W_new, v_new)`` in PyTorch's convention (dampening 0)."""
    name = "momentum_step"
    if momentum_step is Ellipsis or momentum_step is None:
        return Feedback(False, "replace the `...` in the cell with your function, then run the cell again.", name,
                        answered=False)
    if not callable(momentum_step):
        return Feedback(False, f"expected a function, got a {type(momentum_step).__name__}.", name)
    rng = np.random.default_rng(43)
    cases = [
        (np.array([1.0, 2.0]), np.array([0.0, 0.0]), np.array([0.5, -1.0]), 0.1, 0.9),
        (np.array([1.0, 2.0]), np.array([1.0, -1.0]), np.array([0.5, -1.0]), 0.1, 0.9),
        (rng.normal(size=(3, 2)), rng.normal(size=(3, 2)), rng.normal(size=(3, 2)), 0.05, 0.5),
    ]
    for i, (W, v, g, lr, mu) in enumerate(cases, start=1):
        where = f"on test case {i} of {len(cases)} (lr = {lr}, mu = {mu})"
        try:
            got = momentum_step(W.copy(), v.copy(), g.copy(), lr, mu)
        except Exception as exc:  # the reader's code: report, never raise
            return Feedback(False, f"{where}, your function raised {type(exc).__name__}: {exc}", name)
        if got is Ellipsis or (isinstance(got, (tuple, list)) and any(x is Ellipsis for x in got)):
            return Feedback(False, "your function still returns `...`: replace it with your code, then run the "
                                   "cell again.", name, answered=False)
        if not isinstance(got, (tuple, list)) or len(got) != 2:
            return Feedback(False, f"return two arrays, (W_new, v_new); got {type(got).__name__}.", name)
        W_new, v_new = got
        W_want, v_want = _momentum_reference(W, v, g, lr, mu)
        fb = check_array(v_new, v_want, name="v_new", mistakes={
            "v_new = mu * v + (1 - mu) * g is momentum with dampening mu; torch.optim.SGD's default "
            "(dampening 0) adds the whole gradient: v_new = mu * v + g.": mu * v + (1 - mu) * g,
            "v_new = mu * v - lr * g is the other convention, with lr inside the velocity; use PyTorch's: "
            "v_new = mu * v + g, then W_new = W - lr * v_new.": mu * v - lr * g,
        })
        if fb:
            fb = check_array(W_new, W_want, name="W_new", mistakes={
                "you moved W with the old velocity v; update v first, then step with the new one.": W - lr * v,
                "you moved W with the gradient alone: step with the velocity, W - lr * v_new.": W - lr * g,
                "you stepped uphill: W_new = W - lr * v_new.": W + lr * v_want,
            })
        if not fb:
            return Feedback(False, f"{where}: {fb.message}", name)
    return Feedback(True, f"passes all {len(cases)} test cases.", name)


def _momentum_reference(W: np.ndarray, v: np.ndarray, g: np.ndarray, lr: float, mu: float):
    v_new = mu * v + g
    return W - lr * v_new, v_new


# 4. Adam's moments and their bias correction ---------------------------------------------------------
def adam_inputs() -> tuple[np.ndarray, float, float]:
    """Five gradients of one parameter, ``g`` (5,), in the order Adam sees them, and ``beta1``, ``beta2``."""
    return np.array([1.0, 2.0, 3.0, 2.0, 1.0]), 0.9, 0.999


def check_adam_moments(answer: Any) -> Feedback:
    """Check ``[m_5, m_hat_5]``: Adam's first moment after the five gradients, before and after bias correction."""
    g, b1, _ = adam_inputs()
    m = 0.0
    for gt in g:
        m = b1 * m + (1 - b1) * gt
    t = len(g)
    m_hat = m / (1 - b1**t)
    m_prev_power = m / (1 - b1 ** (t - 1))
    return check_array(answer, [m, m_hat], name="[m_5, m_hat_5]", atol=1e-6, mistakes={
        "you swapped the two numbers: first m_5, then m_hat_5 = m_5 / (1 - beta1^5).": [m_hat, m],
        "the second number divides by 1 - beta1^4; at step t = 5 the correction is 1 - beta1^5.": [m, m_prev_power],
        "the second number is not corrected: m_hat_5 = m_5 / (1 - beta1^5).": [m, m],
        "that is the plain mean of the gradients; Adam's m weights recent gradients more, and m_hat is that "
        "weighted mean.": [float(np.mean(g)), float(np.mean(g))],
    })


# 5. Gradient noise and the batch size ----------------------------------------------------------------
#: Exercise 5: the measured variance of the mini-batch gradient at batch size 8, and the new batch size.
NOISE_VARIANCE_AT_8 = 0.5
NOISE_NEW_BATCH = 128


def check_noise_variance(variance: Any) -> Feedback:
    """Check the variance of the mini-batch gradient at batch size 128, given 0.5 at batch size 8: ``0.5 * 8 / 128``."""
    v8, b = NOISE_VARIANCE_AT_8, NOISE_NEW_BATCH
    return check_scalar(variance, v8 * 8 / b, name="variance", mistakes={
        "that scales like the standard deviation, 1 / sqrt(B); the variance scales like 1 / B.": v8 * np.sqrt(8 / b),
        "the variance falls as the batch grows: it is proportional to 1 / B, not to B.": v8 * b / 8,
        "that is the variance of one example's gradient (B = 1); divide it by 128 as well.": v8 * 8,
    })


# 6. Debug a training loop ---------------------------------------------------------------------------
def loop_inputs():
    """A regression data set as float64 tensors: ``X`` (64, 3) and ``y`` (64, 1)."""
    import torch

    rng = np.random.default_rng(46)
    X = rng.normal(size=(64, 3))
    y = X @ np.array([[1.5], [-2.0], [0.5]]) + 0.1 * rng.normal(size=(64, 1))
    return torch.from_numpy(X), torch.from_numpy(y)


def train_linear(zero_grad: str = "before backward", steps: int = 50, lr: float = 0.05) -> np.ndarray:
    """The weights of ``nn.Linear(3, 1)`` (started at zero) after ``steps`` SGD steps on the MSE of :func:`loop_inputs`.

    ``zero_grad`` says where the loop clears the gradients: ``"before backward"`` (right), ``"never"`` (the
    bug of the exercise) or ``"after backward"`` (a second bug: the step then sees a zero gradient).
    """
    import torch

    X, y = loop_inputs()
    model = torch.nn.Linear(3, 1, dtype=torch.float64)
    torch.nn.init.zeros_(model.weight)
    torch.nn.init.zeros_(model.bias)
    sgd = torch.optim.SGD(model.parameters(), lr=lr)
    for _ in range(steps):
        if zero_grad == "before backward":
            sgd.zero_grad()
        loss = torch.nn.functional.mse_loss(model(X), y)
        loss.backward()
        if zero_grad == "after backward":
            sgd.zero_grad()
        sgd.step()
    return model.weight.detach().numpy().copy()


def check_zero_grad(W: Any) -> Feedback:
    """Check the weights, shape (1, 3), of the fixed training loop of exercise 6.

    The weights of the loop as given, with its bug, count as "not answered yet": the reader has still to fix it.
    """
    fb = check_array(W, train_linear("before backward"), name="W", atol=1e-8, mistakes={
        _BUGGY_LOOP: train_linear("never"),
        "the weights never moved: zero_grad() between backward() and step() erases the gradient before the step "
        "uses it. Clear the gradients before backward().": train_linear("after backward"),
    })
    if fb.message == _BUGGY_LOOP:
        return Feedback(False, _BUGGY_LOOP, "W", answered=False)
    return fb


_BUGGY_LOOP = ("these are the weights of the loop as given, with its bug: without zero_grad(), backward() adds each "
               "new gradient to the old ones, so every step uses the sum of all gradients so far. Fix the loop and "
               "run the cell again.")


# 7. Choose a schedule -------------------------------------------------------------------------------
def check_schedule(answer: Any) -> Feedback:
    """Multiple choice: which schedule fixes a loss that falls fast and then stalls, bouncing, above its best value?"""
    return check_choice(answer, correct="b", name="answer", explanations={
        "a": "No: a larger constant learning rate makes the bouncing worse. With a constant lr, mini-batch noise "
             "keeps the parameters moving in a region whose size grows with lr.",
        "b": "Yes: the loss fell fast, so the early learning rate is good; the bouncing is the gradient noise "
             "times lr. Decaying lr (step decay or cosine) shrinks the steps late in training, and the loss "
             "settles lower.",
        "c": "No: warmup changes the first steps only. The loss already falls well early on; the trouble is at "
             "the end.",
        "d": "No: a smaller batch makes each gradient noisier (variance proportional to 1 / B), so the bouncing grows.",
    })
