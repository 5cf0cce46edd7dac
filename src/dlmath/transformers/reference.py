"""Reference implementations of attention, the core of the transformer (chapter 07).

Scaled dot-product attention with an optional causal or boolean mask; the causal mask itself; the split of
a model dimension into heads and its inverse; multi-head attention with explicit projection matrices; the
sinusoidal positional encoding of "Attention Is All You Need" and the rotation that shifts it; and the
data of the toy task the chapter trains a tiny transformer on (reversing sequences of small integers).

Conventions. Tokens are **rows**: a sequence of $n$ tokens with $d$ numbers each is an array of shape
$(n, d)$, and a projection is a right multiplication, $Q = X W_Q$ with $W_Q$ of shape
$(d_{\text{model}}, d_k)$. Leading axes (a batch, the heads) broadcast. A boolean mask follows
``torch.nn.functional.scaled_dot_product_attention``: ``True`` means *may attend*. The functions use NumPy
only; chapter 07 compares each with PyTorch.
"""

from __future__ import annotations

import math

import numpy as np

from .._validate import as_array
from ..probability import softmax

__all__ = [
    "causal_mask", "attention_scores", "scaled_dot_product_attention",
    "split_heads", "merge_heads", "multi_head_attention",
    "sinusoidal_positional_encoding", "positional_frequencies", "pe_shift_matrix",
    "reversal_task",
]


# -- scaled dot-product attention ---------------------------------------------------------------------
def causal_mask(n: int, n_keys: int | None = None) -> np.ndarray:
    r"""The boolean causal mask of shape (n, n_keys): entry $(i, j)$ is ``True`` when $j \le i$.

    Query $i$ may attend to key $j$ only if $j$ does not come after it, so a token never sees the future.
    The diagonal is allowed, so every row keeps at least one key. This is the mask that
    ``scaled_dot_product_attention(..., is_causal=True)`` applies (``True`` = may attend).
    """
    if isinstance(n, bool) or not float(n).is_integer() or n < 1:
        raise ValueError(f"n must be a positive integer number of queries, got {n!r}")
    n_keys = int(n) if n_keys is None else n_keys
    if isinstance(n_keys, bool) or not float(n_keys).is_integer() or n_keys < 1:
        raise ValueError(f"n_keys must be a positive integer number of keys, got {n_keys!r}")
    return np.tril(np.ones((int(n), int(n_keys)), dtype=bool))


def _check_qkv(Q, K, V=None) -> tuple[np.ndarray, ...]:
    Q = as_array(Q, "Q")
    if Q.ndim < 2:
        raise ValueError(f"Q must have shape (..., n_queries, d_k), got shape {Q.shape}")
    K = as_array(K, "K")
    if K.ndim < 2 or K.shape[-1] != Q.shape[-1]:
        raise ValueError(f"K must have shape (..., n_keys, {Q.shape[-1]}) to match Q of shape {Q.shape}, "
                         f"got shape {K.shape}")
    if V is None:
        return Q, K
    V = as_array(V, "V")
    if V.ndim < 2 or V.shape[-2] != K.shape[-2]:
        raise ValueError(f"V must have shape (..., {K.shape[-2]}, d_v), one row per key of K {K.shape}, "
                         f"got shape {V.shape}")
    return Q, K, V


def attention_scores(Q, K, scale: float | None = None) -> np.ndarray:
    r"""The attention scores $S = Q K^\top / \sqrt{d_k}$ (or $Q K^\top \cdot$ ``scale``).

    ``Q`` has shape (..., n_q, d_k) and ``K`` (..., n_k, d_k); the result has shape (..., n_q, n_k): entry
    $(i, j)$ is the dot product of query $i$ with key $j$, divided by $\sqrt{d_k}$.
    """
    Q, K = _check_qkv(Q, K)
    scale = 1.0 / math.sqrt(Q.shape[-1]) if scale is None else float(scale)
    return (Q @ np.swapaxes(K, -1, -2)) * scale


def scaled_dot_product_attention(Q, K, V, mask=None, causal: bool = False,
                                 scale: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    r"""Scaled dot-product attention; returns the output and the attention weights.

    $$\operatorname{Attention}(Q, K, V) = A V, \qquad
      A = \operatorname{softmax}\!\Big(\frac{Q K^\top}{\sqrt{d_k}} + M\Big),$$

    with the softmax taken along each row (over the keys), so each row of $A$ is a probability
    distribution. $M_{ij} = 0$ where query $i$ may attend to key $j$ and $-\infty$ where it may not:
    ``mask`` is a boolean array broadcastable to (..., n_q, n_k), ``True`` = may attend, and
    ``causal=True`` adds :func:`causal_mask`. ``scale`` replaces $1/\sqrt{d_k}$. Shapes: ``Q`` (..., n_q,
    d_k), ``K`` (..., n_k, d_k), ``V`` (..., n_k, d_v); output (..., n_q, d_v), weights (..., n_q, n_k).
    ``torch.nn.functional.scaled_dot_product_attention(Q, K, V, attn_mask=mask, is_causal=causal)``
    returns the same output.
    """
    Q, K, V = _check_qkv(Q, K, V)
    S = attention_scores(Q, K, scale)
    allowed = np.ones(S.shape[-2:], dtype=bool)
    if causal:
        allowed = causal_mask(S.shape[-2], S.shape[-1])
    if mask is not None:
        mask = np.asarray(mask)
        if mask.dtype != bool:
            raise TypeError(f"mask must be a boolean array (True = may attend), got dtype {mask.dtype}")
        try:
            allowed = np.broadcast_to(allowed, np.broadcast_shapes(allowed.shape, mask.shape)) & mask
            np.broadcast_shapes(allowed.shape, S.shape)
        except ValueError:
            raise ValueError(f"mask must broadcast to the scores' shape {S.shape}, got shape {mask.shape}") from None
    allowed = np.broadcast_to(allowed, np.broadcast_shapes(allowed.shape, S.shape))
    if not np.all(allowed.any(axis=-1)):
        raise ValueError("a query may attend to no key at all: every row of the mask needs at least one True")
    A = softmax(np.where(allowed, S, -np.inf), axis=-1)
    return A @ V, A


# -- multi-head attention -----------------------------------------------------------------------------
def split_heads(X, n_heads: int) -> np.ndarray:
    r"""Split the last axis of ``X`` (..., n, d_model) into ``n_heads`` heads: shape (..., h, n, d_model / h).

    Head $h$ takes the columns $h\,d_k, \dots, (h + 1)\,d_k - 1$ of the model dimension, $d_k = d_{\text{model}} / h$:
    a reshape to (..., n, h, d_k) followed by a swap of the token and head axes.
    """
    X = as_array(X, "X")
    if X.ndim < 2:
        raise ValueError(f"X must have shape (..., n_tokens, d_model), got shape {X.shape}")
    d_model = X.shape[-1]
    if isinstance(n_heads, bool) or not float(n_heads).is_integer() or n_heads < 1 or d_model % int(n_heads):
        raise ValueError(f"n_heads must be a positive integer that divides d_model = {d_model}, got {n_heads!r}")
    h = int(n_heads)
    return np.swapaxes(X.reshape(*X.shape[:-1], h, d_model // h), -2, -3)


def merge_heads(X) -> np.ndarray:
    r"""The inverse of :func:`split_heads`: (..., h, n, d_k) to (..., n, h d_k), the heads side by side."""
    X = as_array(X, "X")
    if X.ndim < 3:
        raise ValueError(f"X must have shape (..., n_heads, n_tokens, d_k), got shape {X.shape}")
    X = np.swapaxes(X, -2, -3)
    return X.reshape(*X.shape[:-2], X.shape[-2] * X.shape[-1])


def multi_head_attention(X_q, X_kv, W_Q, W_K, W_V, W_O, n_heads: int, b_Q=None, b_K=None, b_V=None, b_O=None,
                         mask=None, causal: bool = False) -> tuple[np.ndarray, np.ndarray]:
    r"""Multi-head attention with explicit weights, tokens as rows; returns the output and per-head weights.

    $$Q = X_q W_Q + b_Q,\quad K = X_{kv} W_K + b_K,\quad V = X_{kv} W_V + b_V,$$
    $$\operatorname{head}_h = \operatorname{Attention}(Q^{(h)}, K^{(h)}, V^{(h)}),\qquad
      \operatorname{MultiHead} = [\operatorname{head}_1, \dots, \operatorname{head}_H]\, W_O + b_O,$$

    where $Q^{(h)}$ holds the $d_k = d_{\text{model}} / H$ columns of head $h$ (:func:`split_heads`). All four
    matrices have shape (d_model, d_model); biases (d_model,) or None. ``X_q`` has shape (..., n_q, d_model),
    ``X_kv`` (..., n_k, d_model). Returns the output (..., n_q, d_model) and the weights (..., H, n_q, n_k).
    ``torch.nn.MultiheadAttention`` stores ``in_proj_weight`` $= [W_Q^\top; W_K^\top; W_V^\top]$ and
    ``out_proj.weight`` $= W_O^\top$, because it multiplies by the transpose.
    """
    X_q = as_array(X_q, "X_q")
    if X_q.ndim < 2:
        raise ValueError(f"X_q must have shape (..., n_queries, d_model), got shape {X_q.shape}")
    d = X_q.shape[-1]
    X_kv = as_array(X_kv, "X_kv")
    if X_kv.ndim < 2 or X_kv.shape[-1] != d:
        raise ValueError(f"X_kv must have shape (..., n_keys, {d}) to match X_q, got shape {X_kv.shape}")
    mats = [as_array(W, name, shape=(d, d)) for W, name in ((W_Q, "W_Q"), (W_K, "W_K"), (W_V, "W_V"), (W_O, "W_O"))]
    biases = [np.zeros(d) if b is None else as_array(b, name, shape=(d,))
              for b, name in ((b_Q, "b_Q"), (b_K, "b_K"), (b_V, "b_V"), (b_O, "b_O"))]
    Q = split_heads(X_q @ mats[0] + biases[0], n_heads)
    K = split_heads(X_kv @ mats[1] + biases[1], n_heads)
    V = split_heads(X_kv @ mats[2] + biases[2], n_heads)
    heads, A = scaled_dot_product_attention(Q, K, V, mask=mask, causal=causal)
    return merge_heads(heads) @ mats[3] + biases[3], A


# -- positional encodings -----------------------------------------------------------------------------
def _check_d_model(d_model: int) -> int:
    if isinstance(d_model, bool) or not float(d_model).is_integer() or d_model < 2 or int(d_model) % 2:
        raise ValueError(f"d_model must be a positive even integer (sines and cosines come in pairs), got {d_model!r}")
    return int(d_model)


def positional_frequencies(d_model: int, base: float = 10000.0) -> np.ndarray:
    r"""The angular frequencies $\omega_i = 1 / \text{base}^{2i/d}$, $i = 0, \dots, d/2 - 1$, of the sinusoidal encoding.

    They fall geometrically from 1 (a wavelength of $2\pi$ positions) towards $1/\text{base}$ (a wavelength of
    $2\pi \cdot \text{base}$ positions). Shape (d_model / 2,).
    """
    d = _check_d_model(d_model)
    if not base > 1:
        raise ValueError(f"base must be greater than 1, got {base!r}")
    return 1.0 / base ** (np.arange(d // 2) * 2 / d)


def sinusoidal_positional_encoding(n_positions: int, d_model: int, base: float = 10000.0) -> np.ndarray:
    r"""The sinusoidal positional encoding of "Attention Is All You Need", shape (n_positions, d_model):

    $$PE_{p,\,2i} = \sin\!\big(p / 10000^{2i/d}\big), \qquad PE_{p,\,2i+1} = \cos\!\big(p / 10000^{2i/d}\big),$$

    for positions $p = 0, \dots, n-1$ and pairs $i = 0, \dots, d/2 - 1$. Row $p$ is added to the embedding
    of the token at position $p$.
    """
    if isinstance(n_positions, bool) or not float(n_positions).is_integer() or n_positions < 1:
        raise ValueError(f"n_positions must be a positive integer, got {n_positions!r}")
    omega = positional_frequencies(d_model, base)
    angles = np.arange(int(n_positions))[:, None] * omega[None, :]
    PE = np.empty((int(n_positions), int(d_model)))
    PE[:, 0::2] = np.sin(angles)
    PE[:, 1::2] = np.cos(angles)
    return PE


def pe_shift_matrix(k: float, d_model: int, base: float = 10000.0) -> np.ndarray:
    r"""The matrix $R_k$ (d_model, d_model) with $PE_{p+k} = PE_p\, R_k$ for every position $p$.

    It is block diagonal, one $2 \times 2$ rotation per pair of columns:

    $$R_k = \operatorname{diag}(B_0, \dots, B_{d/2-1}), \qquad
      B_i = \begin{pmatrix} \cos k\omega_i & -\sin k\omega_i \\ \sin k\omega_i & \cos k\omega_i \end{pmatrix},$$

    because $(\sin a, \cos a) B_i = (\sin(a + k\omega_i), \cos(a + k\omega_i))$. It depends on the offset $k$
    only, not on $p$: a shift in position is a fixed linear map of the encoding.
    """
    omega = positional_frequencies(d_model, base)
    c, s = np.cos(k * omega), np.sin(k * omega)
    R = np.zeros((int(d_model), int(d_model)))
    even = np.arange(0, int(d_model), 2)
    R[even, even], R[even, even + 1] = c, -s
    R[even + 1, even], R[even + 1, even + 1] = s, c
    return R


# -- the toy task ---------------------------------------------------------------------------------------
def reversal_task(n_sequences: int, length: int, vocab_size: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    r"""Sequences of small integers and their reversals: the toy task of chapter 07.

    Draws ``n_sequences`` sequences of ``length`` tokens, each uniform on $\{0, \dots, V - 1\}$, and returns
    ``(X, Y)``, two integer arrays of shape (n_sequences, length) with $Y_{s,i} = X_{s,\,n-1-i}$: the token at
    output position $i$ is the input token at position $n - 1 - i$.
    """
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator (np.random.default_rng(seed)), got {type(rng).__name__}")
    for name, v, low in (("n_sequences", n_sequences, 1), ("length", length, 1), ("vocab_size", vocab_size, 2)):
        if isinstance(v, bool) or not float(v).is_integer() or v < low:
            raise ValueError(f"{name} must be an integer >= {low}, got {v!r}")
    X = rng.integers(0, int(vocab_size), size=(int(n_sequences), int(length)))
    return X, X[:, ::-1].copy()
