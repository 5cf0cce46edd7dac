"""Reference implementations from linear algebra that more than one chapter uses.

Each function states its formula, works on NumPy arrays and checks shapes, saying in the error which
shape it expected and which arrived. Chapters compare these against PyTorch.
"""

from __future__ import annotations

import numpy as np

from .._validate import as_array

__all__ = ["dense", "matmul_loops", "matmul_flops", "cosine_similarity", "transform_grid"]


def dense(W: np.ndarray, X: np.ndarray, b: np.ndarray) -> np.ndarray:
    r"""The dense (fully connected) layer in the book's column convention, $Z = WX + b$.

    ``W`` has shape (m, n): m output features, n input features. ``X`` has shape (n, N): one *column*
    per example. ``b`` has shape (m,) or (m, 1) and is broadcast across the N columns. Returns ``Z`` of
    shape (m, N). (PyTorch's ``nn.Linear`` stores the same ``W`` but takes one *row* per example and
    computes $X W^\top + b$.)
    """
    W = as_array(W, "W", ndim=2)
    m, n = W.shape
    X = as_array(X, "X", ndim=2)
    if X.shape[0] != n:
        raise ValueError(
            f"X must have shape ({n}, N) to match W of shape {W.shape} (one column per example), got shape {X.shape}"
        )
    b = as_array(b, "b")
    if b.shape not in ((m,), (m, 1)):
        raise ValueError(f"b must have shape ({m},) or ({m}, 1) to match W of shape {W.shape}, got shape {b.shape}")
    return W @ X + b.reshape(m, 1)


def matmul_loops(A, B) -> np.ndarray:
    r"""Matrix product with three Python loops, $C_{ij} = \sum_k A_{ik} B_{kj}$: slow on purpose.

    ``A`` has shape (m, k) and ``B`` shape (k, n); returns ``C`` of shape (m, n).
    """
    A = as_array(A, "A", ndim=2)
    B = as_array(B, "B", ndim=2)
    m, k = A.shape
    if B.shape[0] != k:
        raise ValueError(f"B must have shape ({k}, n) to multiply A of shape {A.shape}, got shape {B.shape}")
    n = B.shape[1]
    C = [[0.0] * n for _ in range(m)]
    a, b = A.tolist(), B.tolist()
    for i in range(m):
        row = a[i]
        for j in range(n):
            total = 0.0
            for p in range(k):
                total += row[p] * b[p][j]
            C[i][j] = total
    return np.array(C).reshape(m, n)


def matmul_flops(m: int, k: int, n: int) -> int:
    """Floating-point operations of an (m, k) by (k, n) product: ``2 * m * k * n``.

    Each of the m*n outputs needs k multiplications and k additions (counting the first addition to
    zero, as is customary).
    """
    for name, v in (("m", m), ("k", k), ("n", n)):
        if not isinstance(v, (int, np.integer)) or v < 0:
            raise ValueError(f"{name} must be a non-negative integer, got {v!r}")
    return 2 * int(m) * int(k) * int(n)


def cosine_similarity(A, B=None) -> np.ndarray:
    r"""Cosine similarity $\cos\theta = \frac{a \cdot b}{\lVert a\rVert\,\lVert b\rVert}$.

    With two vectors of shape (d,), returns a scalar array. With matrices of shape (p, d) and (q, d)
    (one vector per row), returns the (p, q) matrix of all pairwise similarities. ``B=None`` means
    ``B = A``. A zero vector has no direction: it raises ``ValueError``.
    """
    A = as_array(A, "A")
    B = A if B is None else as_array(B, "B")
    if A.ndim not in (1, 2) or B.ndim != A.ndim:
        raise ValueError(f"A and B must both be vectors (d,) or both matrices (p, d), (q, d); got shapes {A.shape} and {B.shape}")
    if A.shape[-1] != B.shape[-1]:
        raise ValueError(f"A and B must have the same length d in their last axis, got shapes {A.shape} and {B.shape}")
    na = np.linalg.norm(A, axis=-1, keepdims=True)
    nb = np.linalg.norm(B, axis=-1, keepdims=True)
    if np.any(na == 0) or np.any(nb == 0):
        raise ValueError("cosine similarity is undefined for a zero vector")
    if A.ndim == 1:
        return np.asarray(A @ B / (na[0] * nb[0]))
    return (A / na) @ (B / nb).T


def transform_grid(A, limit: float = 3.0, n_lines: int = 13, n_points: int = 101) -> dict[str, np.ndarray]:
    r"""Apply the 2x2 matrix ``A`` to a grid, the unit circle and the standard basis.

    Returns a dict of arrays, the pure computation behind the matrix explorer:
    ``original_lines`` and ``lines`` (2*n_lines, n_points, 2): the grid lines before and after $x \mapsto Ax$;
    ``circle`` (n_points, 2): the image of the unit circle (an ellipse with semi-axes the singular values);
    ``basis`` (2, 2): rows $Ae_1$ and $Ae_2$, the columns of A;
    ``det``: the determinant, the factor by which A scales areas (its sign says whether A flips orientation);
    ``rank``; ``eigvals`` and ``eigvecs``: the *real* eigenvalues and their unit eigenvectors (rows), scaled
    by $|\lambda|$ so their drawn length shows the stretch (empty when the eigenvalues are complex);
    ``limit``: the half-width of a view that holds the picture.
    """
    A = as_array(A, "A", shape=(2, 2))
    ticks = np.linspace(-limit, limit, n_lines)
    t = np.linspace(-limit, limit, n_points)
    vertical = [np.stack([np.full_like(t, c), t], axis=1) for c in ticks]
    horizontal = [np.stack([t, np.full_like(t, c)], axis=1) for c in ticks]
    original = np.stack(vertical + horizontal)
    lines = original @ A.T
    theta = np.linspace(0, 2 * np.pi, n_points)
    circle = np.stack([np.cos(theta), np.sin(theta)], axis=1) @ A.T
    eigvals, eigvecs = np.linalg.eig(A)
    real = np.abs(eigvals.imag) < 1e-12
    vals = eigvals.real[real]
    vecs = (eigvecs.real[:, real] * np.maximum(np.abs(vals), 1e-12)).T
    reach = max(1.0, float(np.abs(circle).max()), float(np.abs(A).sum(axis=0).max()))
    return {
        "original_lines": original,
        "lines": lines,
        "circle": circle,
        "basis": A.T.copy(),
        "det": float(np.linalg.det(A)),
        "rank": int(np.linalg.matrix_rank(A)),
        "eigvals": vals,
        "eigvecs": vecs,
        "limit": float(np.ceil(reach * 1.15 * 2) / 2),
    }
