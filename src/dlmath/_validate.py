"""Input validation shared by the public functions: errors that say what was expected and what arrived."""

from __future__ import annotations

from typing import Sequence

import numpy as np


def as_array(x, name: str, ndim: int | None = None, shape: Sequence[int | None] | None = None) -> np.ndarray:
    """Convert ``x`` to a float array and check its number of dimensions and shape.

    ``shape`` may contain ``None`` for a dimension of any size. The error names the argument,
    the expected shape and the shape that arrived.
    """
    try:
        arr = np.asarray(x, dtype=float)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be numeric array-like, got {type(x).__name__}") from exc
    if shape is not None:
        ndim = len(shape)
    if ndim is not None and arr.ndim != ndim:
        want = _fmt_shape(shape) if shape is not None else f"{ndim}-D"
        raise ValueError(f"{name} must have shape {want}, got shape {arr.shape}")
    if shape is not None:
        for want, got in zip(shape, arr.shape):
            if want is not None and want != got:
                raise ValueError(f"{name} must have shape {_fmt_shape(shape)}, got shape {arr.shape}")
    return arr


def _fmt_shape(shape: Sequence[int | None]) -> str:
    parts = ["*" if s is None else str(s) for s in shape]
    return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"
