"""Exercises of chapter 00 (introduction), each one specification (:class:`dlmath.exercise.Exercise`)."""

from __future__ import annotations

import numpy as np

from ..exercise import Array, Exercise, Function, Mistake, Number, Precision

__all__ = ["EXERCISES", "MLP_PARAMS", "check_mlp_params", "GD_STEP", "gd_inputs", "check_gd_step"]


# 1. Count the parameters of a deeper network -----------------------------------------------------
def _params(sizes, bias: bool = True) -> int:
    return int(sum(n_out * n_in + (n_out if bias else 0) for n_in, n_out in zip(sizes[:-1], sizes[1:])))


def _sizes(low: int, high: int, layers: tuple[int, int]):
    return lambda rng: ([int(n) for n in rng.integers(low, high, size=int(rng.integers(*layers)))],)


MLP_PARAMS = Exercise(
    name="intro_mlp_params", points=2, title="Count the parameters of a deeper network",
    answers=(Function("mlp_params", families={
        "the chapter's network": lambda rng: ([3, 4, 2],),
        "small networks": _sizes(1, 9, (2, 5)),
        "an image classifier": lambda rng: ([784, int(rng.choice([128, 256])), int(rng.choice([64, 128])), 10],),
        "no layer at all": lambda rng: ([int(rng.integers(2, 9))],),
    }, returns=Number("mlp_params", Precision(rel=1e-12)), per_family=1),),
    solve=lambda sizes: {"mlp_params": _params(sizes)},
    mistakes=(
        Mistake("you count the weights only: each layer also has one bias per output.",
                lambda sizes: _params(sizes, bias=False)),
        Mistake("you count one bias per input, not per output: layer n_in -> n_out has n_out biases.",
                lambda sizes: int(sum(n_out * n_in + n_in for n_in, n_out in zip(sizes[:-1], sizes[1:])))),
    ),
)


def check_mlp_params(mlp_params):
    """Check ``mlp_params(sizes)``: the parameters of dense layers ``sizes[0] -> sizes[1] -> ... -> sizes[-1]``."""
    return MLP_PARAMS.check(mlp_params)


# 2. One step of gradient descent ---------------------------------------------------------------------
def _gd_draw(rng: np.random.Generator) -> dict:
    return {"theta": rng.normal(size=4).round(2), "grad": rng.normal(size=4).round(2),
            "lr": float(rng.choice([0.05, 0.1, 0.2]))}


GD_STEP = Exercise(
    name="intro_gd_step", points=2, title="Take one step of gradient descent",
    answers=(Array("theta_new", shape=(4,), precision=Precision(decimals=4)),),
    book={**_gd_draw(np.random.default_rng(10)), "lr": 0.1},
    draw=_gd_draw,
    solve=lambda theta, grad, lr: {"theta_new": theta - lr * grad},
    mistakes=(
        Mistake("you stepped uphill: gradient descent subtracts lr * grad, because the gradient points where the loss "
                "grows.", lambda theta, grad, lr: {"theta_new": theta + lr * grad}),
        Mistake("the step is lr * grad, scaled by the learning rate; you subtracted the whole gradient.",
                lambda theta, grad, lr: {"theta_new": theta - grad}),
    ),
)


def gd_inputs() -> tuple[np.ndarray, np.ndarray, float]:
    """Parameters ``theta`` (4,), the gradient ``grad`` of the loss there (4,), and the learning rate ``lr``."""
    inputs = GD_STEP.inputs()
    return inputs["theta"], inputs["grad"], inputs["lr"]


def check_gd_step(theta_new):
    """Check one gradient-descent step ``theta - lr * grad`` for the inputs of :func:`gd_inputs`, to 4 decimals."""
    return GD_STEP.check(theta_new)


EXERCISES = (MLP_PARAMS, GD_STEP)
