"""Exercises of chapter 01 (linear algebra), each one specification (:class:`dlmath.exercise.Exercise`).

The notebook reads each exercise's inputs with ``*_inputs()`` (the book's own, or a student's variant) and
checks an answer with ``check_*``; the graded tests (``EXERCISE.test``) apply the same rule.
"""

from __future__ import annotations

import math

import numpy as np

from ..exercise import Array, Choice, Exercise, Function, Mistake, Number, Precision, Text
from . import reference as linalg

__all__ = [
    "EXERCISES",
    "DENSE", "dense_inputs", "check_dense",
    "BATCH_ROWS", "batch_inputs", "check_batch_rows",
    "COSINE", "check_cosine",
    "MLP_FLOPS", "check_mlp_flops",
    "ELLIPSE_AREA", "area_inputs", "check_ellipse_area",
    "BROADCAST", "check_broadcast",
    "SINGULAR_VALUES", "singular_inputs", "check_singular_values",
    "TOKENS_LAYER", "check_tokens_layer",
]


# 1. Compute a dense layer by hand -----------------------------------------------------------------
def _dense_draw(rng: np.random.Generator) -> dict:
    return {"W": rng.normal(size=(3, 4)).round(2), "X": rng.normal(size=(4, 5)).round(2), "b": rng.normal(size=3).round(2)}


DENSE = Exercise(
    name="la_dense", points=2, title="Compute a dense layer",
    answers=(Array("Z"),),
    book=_dense_draw(np.random.default_rng(1)),
    draw=_dense_draw,
    solve=lambda W, X, b: {"Z": linalg.dense(W, X, b)},
    mistakes=(
        Mistake("you computed W X but forgot to add the bias b.", lambda W, X, b: {"Z": W @ X}),
        Mistake("you subtracted the bias; the layer adds it.", lambda W, X, b: {"Z": W @ X - b[:, None]}),
        Mistake("these are the right numbers, transposed: with one example per column, Z has one column per example, "
                "shape (3, 5).", lambda W, X, b: {"Z": (W @ X + b[:, None]).T}),
    ),
)


def dense_inputs() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``W`` (3, 4), ``X`` (4, 5) with one column per example, ``b`` (3,) (the book's, or your variant's)."""
    inputs = DENSE.inputs()
    return inputs["W"], inputs["X"], inputs["b"]


def check_dense(Z):
    """Check ``Z = W X + b`` for the inputs of :func:`dense_inputs` (a list, an array or a tensor)."""
    return DENSE.check(Z)


# 2. Debug a shape error ---------------------------------------------------------------------------
def _batch_draw(rng: np.random.Generator) -> dict:
    return {"X_rows": rng.normal(size=(8, 4)).round(2), "W": rng.normal(size=(3, 4)).round(2),
            "b": rng.normal(size=3).round(2)}


BATCH_ROWS = Exercise(
    name="la_batch_rows", points=2, title="Debug a shape error",
    answers=(Array("Z_rows"),),
    book=_batch_draw(np.random.default_rng(2)),
    draw=_batch_draw,
    solve=lambda X_rows, W, b: {"Z_rows": X_rows @ W.T + b},
    mistakes=(
        Mistake("these are the right numbers in the column layout (3, 8): the batch is one row per example, so the "
                "outputs should be too; compute X_rows @ W.T + b.", lambda X_rows, W, b: {"Z_rows": (X_rows @ W.T + b).T}),
        Mistake("you forgot the bias b.", lambda X_rows, W, b: {"Z_rows": X_rows @ W.T}),
    ),
)


def batch_inputs() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A batch in PyTorch's layout, one *row* per example: ``X_rows`` (8, 4), with ``W`` (3, 4), ``b`` (3,)."""
    inputs = BATCH_ROWS.inputs()
    return inputs["X_rows"], inputs["W"], inputs["b"]


def check_batch_rows(Z_rows):
    """Check the outputs of the layer for a row-per-example batch: shape (8, 3), ``X W^T + b``."""
    return BATCH_ROWS.check(Z_rows)


# 3. Write cosine similarity -----------------------------------------------------------------------
def _pair(kind: str):
    def draw(rng: np.random.Generator) -> tuple:
        n = int(rng.integers(2, 7))
        u = rng.normal(size=n).round(2)
        if kind == "perpendicular":
            v = rng.normal(size=n)
            v = (v - (v @ u) / (u @ u) * u)
            return u, v
        if kind == "parallel":
            return u, float(rng.uniform(0.5, 4.0)) * u
        if kind == "opposite":
            return u, -float(rng.uniform(0.5, 4.0)) * u
        if kind == "whole numbers":
            return (rng.integers(1, 6, size=n) * rng.choice([-1, 1], size=n),
                    rng.integers(1, 6, size=n) * rng.choice([-1, 1], size=n))
        return u, rng.normal(size=n).round(2)
    return draw


COSINE = Exercise(
    name="la_cosine", points=3, title="Write cosine similarity",
    answers=(Function("cosine", families={k: _pair(k) for k in
                                          ("perpendicular", "parallel", "opposite", "random", "whole numbers")},
                      returns=Number("cosine", Precision(rel=1e-6, abs=1e-6)), per_family=1),),
    solve=lambda u, v: {"cosine": float(linalg.cosine_similarity(np.asarray(u, dtype=float), np.asarray(v, dtype=float)))},
    mistakes=(
        Mistake("that is the dot product u . v: divide by the lengths |u| |v| to get the cosine.",
                lambda u, v: float(np.dot(u, v))),
        Mistake("you divided by the squared lengths |u|^2 |v|^2; divide by the lengths |u| |v|.",
                lambda u, v: float(np.dot(u, v) / (np.dot(u, u) * np.dot(v, v)))),
        Mistake("you divided by |u| only; the cosine divides by both lengths, |u| |v|.",
                lambda u, v: float(np.dot(u, v) / math.sqrt(np.dot(u, u)))),
    ),
)


def check_cosine(cosine):
    """Check a reader's ``cosine(u, v)`` on perpendicular, parallel, opposite, random and whole-number vectors."""
    return COSINE.check(cosine)


# 4. Derive the cost of an MLP ---------------------------------------------------------------------
def _sizes(N, d_in, h, d_out):
    return lambda rng: tuple(int(rng.choice(x)) if isinstance(x, list) else x for x in (N, d_in, h, d_out))


MLP_FLOPS = Exercise(
    name="la_mlp_flops", points=2, title="Count the FLOPs of a small network",
    answers=(Function("mlp_flops", families={
        "a batch of images": _sizes([32, 64, 128], 784, [128, 256], 10),
        "small sizes, all different": _sizes([3, 5], [7, 11], [2, 13], [4, 6]),
        "one example": _sizes(1, [20, 30], [16, 40], [3, 5]),
    }, returns=Number("mlp_flops", Precision(rel=1e-12))),),
    solve=lambda N, d_in, h, d_out: {"mlp_flops": 2 * N * h * (d_in + d_out)},
    mistakes=(
        Mistake("you counted one operation per multiply-add; a multiply-add is two FLOPs (2mnk for an (m,k)x(k,n) "
                "product).", lambda N, d_in, h, d_out: N * h * (d_in + d_out)),
        Mistake("you counted only the first layer's product; the second, (N, h) x (h, d_out), costs 2 N h d_out more.",
                lambda N, d_in, h, d_out: 2 * N * d_in * h),
        Mistake("you counted the FLOPs of one example: the batch of N examples costs N times as much.",
                lambda N, d_in, h, d_out: 2 * h * (d_in + d_out)),
        Mistake("the two products are added, one after the other, not multiplied: 2 N d_in h + 2 N h d_out.",
                lambda N, d_in, h, d_out: 2 * N * d_in * h * d_out),
    ),
)


def check_mlp_flops(mlp_flops):
    """Check ``mlp_flops(N, d_in, h, d_out)``: the FLOPs of the two matrix products of a one-hidden-layer MLP, on
    sizes where the usual slips give different numbers."""
    return MLP_FLOPS.check(mlp_flops)


# 5. Derive an area from the determinant -----------------------------------------------------------
def _area_draw(rng: np.random.Generator) -> dict:
    while True:
        A = rng.integers(-4, 5, size=(2, 2)).astype(float)
        det = A[0, 0] * A[1, 1] - A[0, 1] * A[1, 0]
        if abs(det) >= 2 and A[0, 1] * A[1, 0] != 0:
            return {"A": A}


def _det(A: np.ndarray) -> float:
    return float(A[0, 0] * A[1, 1] - A[0, 1] * A[1, 0])


ELLIPSE_AREA = Exercise(
    name="la_ellipse_area", points=2, title="Find an area with the determinant",
    answers=(Number("area", Precision(decimals=2)),),
    book={"A": np.array([[2.0, 1.0], [1.0, -3.0]])},
    draw=_area_draw,
    solve=lambda A: {"area": abs(_det(A)) * math.pi},
    mistakes=(
        Mistake("an area cannot be negative: det A is negative because A flips orientation; use |det A|.",
                lambda A: {"area": _det(A) * math.pi}),
        Mistake("that is |det A|, the factor by which areas grow; multiply by the area of the unit disc, pi.",
                lambda A: {"area": abs(_det(A))}),
        Mistake("the determinant is ad - bc; check the sign of bc.",
                lambda A: {"area": abs(A[0, 0] * A[1, 1] + A[0, 1] * A[1, 0]) * math.pi}),
    ),
)


def area_inputs() -> np.ndarray:
    """The 2 x 2 matrix ``A`` of exercise 5 (the book's, or your variant's)."""
    return ELLIPSE_AREA.inputs()["A"]


def check_ellipse_area(area):
    """Check the area of the image of the unit disc under :func:`area_inputs`: ``|det A| * pi``, to 2 decimals."""
    return ELLIPSE_AREA.check(area)


# 6. Explain a broadcasting trap -------------------------------------------------------------------
BROADCAST = Exercise(
    name="la_broadcast", points=1, title="Explain a broadcasting result",
    answers=(Choice("answer", explanations={
        "a": "No: broadcasting aligns shapes from the right, so b of shape (3,) is read as a row (1, 3) and "
             "repeated down the rows. Row i gets all of b, not b[i].",
        "b": "Yes: b is read as a row of shape (1, 3) and stretched down the rows, so entry (i, j) gets b[j]. "
             "With one output per row (the column convention) that adds the wrong bias to each output: reshape b to (3, 1).",
        "c": "No: the shapes (3, 3) and (3,) are compatible, which is exactly the trap. NumPy raises only when "
             "aligned sizes differ and neither is 1.",
    }), Text("why")),
    solve=lambda: {"answer": "b", "why": 'Broadcasting aligns shapes from the right, so b of shape (3,) is read as a row (1, 3) and repeated down the rows; in the column convention b must be reshaped to (3, 1).'},
)


def check_broadcast(answer, why=None):
    """Multiple choice: with ``Z`` of shape (3, 3) and ``b`` of shape (3,), which entries does ``Z + b`` add ``b[j]`` to?"""
    return BROADCAST.check(answer, why)


# 7. The semi-axes of an ellipse ------------------------------------------------------------------------
def _singular_draw(rng: np.random.Generator) -> dict:
    while True:
        A = rng.integers(-3, 4, size=(2, 2)).astype(float)
        if abs(np.linalg.det(A)) >= 1 and not np.allclose(A, A.T):
            return {"A": A}


def _sorted_abs(values) -> np.ndarray:
    return np.sort(np.abs(values))[::-1]


SINGULAR_VALUES = Exercise(
    name="la_singular_values", points=2, title="Find the semi-axes of an ellipse",
    answers=(Array("semi_axes", shape=(2,), precision=Precision(decimals=3)),),
    book={"A": np.array([[2.0, 1.0], [0.0, 1.0]])},
    draw=_singular_draw,
    solve=lambda A: {"semi_axes": np.linalg.svd(A, compute_uv=False)},          # LAPACK's SVD, largest first
    mistakes=(
        Mistake("those are the sizes of A's eigenvalues. A is not symmetric, so they are not the semi-axes: take the "
                "square roots of the eigenvalues of the symmetric A^T A.", lambda A: {"semi_axes": _sorted_abs(np.linalg.eigvals(A))}),
        Mistake("those are the eigenvalues of A^T A, the squares of the semi-axes: take their square roots.",
                lambda A: {"semi_axes": np.sort(np.linalg.eigvalsh(A.T @ A))[::-1]}),
        Mistake("those are the lengths of the columns of A, the images of e1 and e2; the longest and shortest images "
                "of unit vectors lie in other directions.", lambda A: {"semi_axes": np.sort(np.linalg.norm(A, axis=0))[::-1]}),
        Mistake("the larger semi-axis comes first: sigma_1 >= sigma_2.",
                lambda A: {"semi_axes": np.sqrt(np.sort(np.linalg.eigvalsh(A.T @ A)))}),
    ),
)


def singular_inputs() -> np.ndarray:
    """The 2 x 2 matrix ``A`` of exercise 7 (the book's, or your variant's)."""
    return SINGULAR_VALUES.inputs()["A"]


def check_singular_values(semi_axes):
    """Check the semi-axes ``[sigma_1, sigma_2]`` (largest first) of the ellipse onto which :func:`singular_inputs`
    maps the unit circle, to 3 decimals."""
    return SINGULAR_VALUES.check(semi_axes)


# 8. A dense layer on a batch of sequences ---------------------------------------------------------------
def _tokens_case(N: int, T: int, d: int, m: int):
    def draw(rng: np.random.Generator) -> tuple:
        return (rng.normal(size=(N, T, d)).round(3), rng.normal(size=(m, d)).round(3),
                rng.normal(size=m).round(3))
    return draw


def _tokens_layer(X, W, b):
    return np.einsum("ntd,md->ntm", X, W) + b


def _torch_linear(X, W, b):
    """torch.nn.functional.linear, the function nn.Linear calls: the reference."""
    import torch

    as_tensor = lambda a: torch.tensor(a, dtype=torch.float64)  # noqa: E731
    return torch.nn.functional.linear(as_tensor(X), as_tensor(W), as_tensor(b)).numpy()


TOKENS_LAYER = Exercise(
    name="la_tokens_layer", points=2, title="Apply a dense layer to a batch of sequences",
    answers=(Function("tokens_layer", families={
        "a batch of sequences": _tokens_case(3, 4, 5, 2),
        "one sequence": _tokens_case(1, 6, 3, 4),
        "more outputs than features": _tokens_case(2, 3, 2, 7),
    }, returns=Array("Z"), per_family=1),),
    solve=lambda X, W, b: {"tokens_layer": _torch_linear(X, W, b)},
    mistakes=(
        Mistake("the bias is missing: add b, shape (m,), which broadcasts along the last axis.",
                lambda X, W, b: np.einsum("ntd,md->ntm", X, W)),
        Mistake("your output has shape (N, m, T), the outputs before the tokens; nn.Linear keeps the layout "
                "(N, T, m), with the features on the last axis.", lambda X, W, b: np.swapaxes(_tokens_layer(X, W, b), 1, 2)),
        Mistake("your output is flattened to (N * T, m): keep the sequence axis, (N, T, m).",
                lambda X, W, b: _tokens_layer(X, W, b).reshape(-1, W.shape[0])),
    ),
)


def check_tokens_layer(tokens_layer):
    """Check ``tokens_layer(X, W, b) -> Z``: ``nn.Linear``'s output ``X W^T + b``, shape (N, T, m), for ``X`` of shape
    (N, T, d), ``W`` (m, d) and ``b`` (m,), without a loop over tokens."""
    return TOKENS_LAYER.check(tokens_layer)


EXERCISES = (DENSE, BATCH_ROWS, COSINE, MLP_FLOPS, ELLIPSE_AREA, BROADCAST, SINGULAR_VALUES, TOKENS_LAYER)
