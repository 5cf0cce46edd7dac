"""Exercises of chapter 01 (linear algebra): their inputs and their checks.

Each ``*_inputs()`` returns the exercise's data (seeded, the same on every machine); each ``check_*``
takes the reader's answer and returns a :class:`dlmath.checks.Feedback`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from . import reference as linalg
from ..checks import Feedback, check_array, check_choice, check_function, check_scalar

__all__ = [
    "dense_inputs", "check_dense",
    "batch_inputs", "check_batch_rows",
    "check_cosine",
    "check_mlp_flops",
    "AREA_MATRIX", "check_ellipse_area",
    "check_broadcast",
]


# 1. Compute a dense layer by hand -----------------------------------------------------------------
def dense_inputs() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``W`` (3, 4), ``X`` (4, 5) with one column per example, ``b`` (3,)."""
    rng = np.random.default_rng(1)
    return rng.normal(size=(3, 4)).round(2), rng.normal(size=(4, 5)).round(2), rng.normal(size=3).round(2)


def check_dense(Z: Any) -> Feedback:
    """Check ``Z = W X + b`` for the inputs of :func:`dense_inputs`."""
    W, X, b = dense_inputs()
    return check_array(Z, linalg.dense(W, X, b), name="Z", mistakes={
        "you computed W X but forgot to add the bias b.": W @ X,
        "you subtracted the bias; the layer adds it.": W @ X - b[:, None],
    })


# 2. Debug a shape error ---------------------------------------------------------------------------
def batch_inputs() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A batch in PyTorch's layout, one *row* per example: ``X_rows`` (8, 4), with ``W`` (3, 4), ``b`` (3,)."""
    rng = np.random.default_rng(2)
    return rng.normal(size=(8, 4)).round(2), rng.normal(size=(3, 4)).round(2), rng.normal(size=3).round(2)


def check_batch_rows(Z_rows: Any) -> Feedback:
    """Check the outputs of the layer for a row-per-example batch: shape (8, 3), ``X W^T + b``."""
    X_rows, W, b = batch_inputs()
    expected = X_rows @ W.T + b
    return check_array(Z_rows, expected, name="Z_rows", mistakes={
        "these are the right numbers in the column layout (3, 8): the batch is one row per example, "
        "so the outputs should be too; compute X_rows @ W.T + b.": expected.T,
        "you forgot the bias b.": X_rows @ W.T,
    })


# 3. Write cosine similarity -----------------------------------------------------------------------
def check_cosine(cosine: Any) -> Feedback:
    """Check a reader's ``cosine(u, v)`` on vectors of several lengths, including parallel and opposite ones."""
    rng = np.random.default_rng(3)
    u, v = rng.normal(size=4), rng.normal(size=4)
    cases = [
        ((np.array([1.0, 0.0]), np.array([0.0, 2.0])), 0.0),
        ((np.array([1.0, 2.0, 2.0]), np.array([2.0, 4.0, 4.0])), 1.0),
        ((np.array([3.0, -1.0]), np.array([-6.0, 2.0])), -1.0),
        ((u, v), float(linalg.cosine_similarity(u, v))),
    ]

    def compare(got: Any, want: float) -> Feedback:
        fb = check_scalar(got, want, name="cosine", abs_tol=1e-9)
        if not fb.ok and fb.answered and isinstance(got, (int, float, np.number)) and abs(float(got)) > 1:
            return Feedback(False, f"{float(got):.4g} lies outside [-1, 1], so it cannot be a cosine: "
                                   "did you forget to divide by the lengths |u| |v|?", "cosine")
        return fb

    return check_function(cosine, cases, name="cosine", compare=compare)


# 4. Derive the cost of an MLP ---------------------------------------------------------------------
def check_mlp_flops(mlp_flops: Any) -> Feedback:
    """Check ``mlp_flops(N, d_in, h, d_out)``: the FLOPs of the two matrix products of a one-hidden-layer MLP."""
    cases = [((1, 1, 1, 1), 4), ((64, 784, 256, 10), 2 * 64 * 784 * 256 + 2 * 64 * 256 * 10), ((32, 3, 5, 7), 2 * 32 * (3 * 5 + 5 * 7))]

    def compare(got: Any, want: int) -> Feedback:
        return check_scalar(got, want, name="mlp_flops", mistakes={
            "you counted one operation per multiply-add; a multiply-add is two FLOPs (2mnk for an (m,k)x(k,n) product).": want / 2,
        })

    return check_function(mlp_flops, cases, name="mlp_flops", compare=compare)


# 5. Derive an area from the determinant -----------------------------------------------------------
#: The matrix of exercise 5.
AREA_MATRIX = np.array([[2.0, 1.0], [1.0, -3.0]])


def check_ellipse_area(area: Any) -> Feedback:
    """Check the area of the image of the unit disc under :data:`AREA_MATRIX`: ``|det A| * pi``."""
    det = float(np.linalg.det(AREA_MATRIX))
    return check_scalar(area, abs(det) * math.pi, name="area", mistakes={
        "an area cannot be negative: det A is negative because A flips orientation; use |det A|.": det * math.pi,
        "that is |det A|, the factor by which areas grow; multiply by the area of the unit disc, pi.": abs(det),
        "the determinant of this A is ad - bc = 2(-3) - 1(1) = -7; check the sign of bc.": (2 * -3 + 1) * math.pi,
    })


# 6. Explain a broadcasting trap -------------------------------------------------------------------
def check_broadcast(answer: Any) -> Feedback:
    """Multiple choice: with ``Z`` of shape (3, 3) and ``b`` of shape (3,), which entries does ``Z + b`` add ``b[j]`` to?"""
    return check_choice(answer, correct="b", name="answer", explanations={
        "a": "No: broadcasting aligns shapes from the right, so b of shape (3,) is read as a row (1, 3) and "
             "repeated down the rows. Row i gets all of b, not b[i].",
        "b": "Yes: b is read as a row of shape (1, 3) and stretched down the rows, so entry (i, j) gets b[j]. "
             "With one output per row (the column convention) that adds the wrong bias to each output: reshape b to (3, 1).",
        "c": "No: the shapes (3, 3) and (3,) are compatible, which is exactly the trap. NumPy raises only when "
             "aligned sizes differ and neither is 1.",
    })
