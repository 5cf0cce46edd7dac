"""Exercises of chapter 00 (introduction): their inputs and their checks."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..checks import Feedback, check_array, check_function, check_scalar

__all__ = ["check_mlp_params", "gd_inputs", "check_gd_step"]


# 1. Count the parameters of a deeper network -----------------------------------------------------
def check_mlp_params(mlp_params: Any) -> Feedback:
    """Check ``mlp_params(sizes)``: the parameters of dense layers ``sizes[0] -> sizes[1] -> ... -> sizes[-1]``."""
    cases = [(([3, 4, 2],), 26), (([1, 1],), 2),
             (([784, 256, 128, 10],), 784 * 256 + 256 + 256 * 128 + 128 + 128 * 10 + 10), (([5],), 0)]
    fb = check_function(mlp_params, cases, name="mlp_params",
                        compare=lambda got, want: check_scalar(got, want, name="mlp_params"))
    if not fb.ok and fb.answered and callable(mlp_params):
        try:
            weights_only = mlp_params([3, 4, 2]) == 3 * 4 + 4 * 2
        except Exception:  # the reader's code; check_function already reported the error
            weights_only = False
        if weights_only:
            return Feedback(False, "for sizes [3, 4, 2] you count 20, the weights only: each layer also has "
                                   "one bias per output.", "mlp_params")
    return fb


# 2. One step of gradient descent ---------------------------------------------------------------------
def gd_inputs() -> tuple[np.ndarray, np.ndarray, float]:
    """Parameters ``theta`` (4,), the gradient ``grad`` of the loss there (4,), and the learning rate ``lr``."""
    rng = np.random.default_rng(10)
    return rng.normal(size=4).round(2), rng.normal(size=4).round(2), 0.1


def check_gd_step(theta_new: Any) -> Feedback:
    """Check one gradient-descent step ``theta - lr * grad`` for the inputs of :func:`gd_inputs`."""
    theta, grad, lr = gd_inputs()
    return check_array(theta_new, theta - lr * grad, name="theta_new", mistakes={
        "you stepped uphill: gradient descent subtracts lr * grad, because the gradient points where the loss grows.":
            theta + lr * grad,
        "the step is lr * grad, scaled by the learning rate; you subtracted the whole gradient.": theta - grad,
    })
