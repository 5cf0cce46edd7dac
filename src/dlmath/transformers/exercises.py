"""Exercises of chapter 07 (transformers), each one specification (:class:`dlmath.exercise.Exercise`).

The notebook reads each exercise's inputs with ``*_inputs()`` (the book's own, or a student's variant) and
checks an answer with ``check_*``; the graded tests (``EXERCISE.test``) apply the same rule. Tokens are rows, as in
the chapter: ``Q`` has shape (n_queries, d_k).
"""

from __future__ import annotations

import math

import numpy as np

from ..exercise import Array, Choice, Exercise, Function, Mistake, Number, Precision, Shape, Text
from ..probability import softmax
from . import reference as attention

__all__ = [
    "EXERCISES",
    "WEIGHTS", "weights_inputs", "check_weights_2x2",
    "SCORES_SHAPE", "scores_inputs", "check_scores_shape",
    "CAUSAL_FIX", "causal_inputs", "causal_output", "check_causal_fix",
    "ATTENTION_FN", "check_attention_fn",
    "QK_VARIANCE", "qk_inputs", "check_qk_variance",
    "MHA_PARAMS", "check_mha_params",
    "PE_VALUE", "pe_inputs", "check_pe_value",
    "WHY_SQRT", "check_why_sqrt",
    "PADDING", "check_padded_attention",
    "TWO_KEYS", "two_keys_inputs", "check_two_keys",
]


# 1. Attention weights of a 2x2 case ------------------------------------------------------------------
def _weights(Q: np.ndarray, K: np.ndarray) -> dict:
    return {"A": softmax(Q @ K.T / math.sqrt(K.shape[1]), axis=1)}


def _weights_draw(rng: np.random.Generator) -> dict:
    Q, K = rng.integers(-1, 4, size=(2, 2)).astype(float), rng.integers(-1, 4, size=(2, 2)).astype(float)
    return {"Q": Q, "K": K}


def _weights_mistake(fn):
    return lambda Q, K: {"A": fn(Q, K, Q @ K.T)}


WEIGHTS = Exercise(
    name="tf_weights_2x2", points=2, title="Attention weights of a 2 x 2 case",
    answers=(Array("A", shape=(2, 2), precision=Precision(decimals=3)),),
    book={"Q": np.array([[1.0, 1.0], [2.0, 0.0]]), "K": np.array([[1.0, 0.0], [0.0, 3.0]])},
    draw=_weights_draw,
    solve=_weights,
    mistakes=(
        Mistake("you forgot to divide the scores by sqrt(d_k) = sqrt(2) before the softmax: your weights are too sharp.",
                _weights_mistake(lambda Q, K, S: softmax(S, axis=1))),
        Mistake("you divided by d_k = 2; the formula divides by its square root, sqrt(2).",
                _weights_mistake(lambda Q, K, S: softmax(S / 2, axis=1))),
        Mistake("your softmax runs down the columns (over the queries): each column sums to 1. Attention normalises "
                "each row, over the keys, so that query i gets a distribution over the keys: use axis=1.",
                _weights_mistake(lambda Q, K, S: softmax(S / math.sqrt(2), axis=0))),
        Mistake("these are the scaled scores QK^T / sqrt(2): apply the softmax to each row to turn them into weights.",
                _weights_mistake(lambda Q, K, S: S / math.sqrt(2))),
        Mistake("these are the raw dot products QK^T: scale them by 1 / sqrt(2), then apply the softmax to each row.",
                _weights_mistake(lambda Q, K, S: S)),
        Mistake("you used Q^T K instead of Q K^T: entry (i, j) must be the dot product of query i (row i of Q) with "
                "key j (row j of K).", _weights_mistake(lambda Q, K, S: softmax(Q.T @ K / math.sqrt(2), axis=1))),
    ),
)


def weights_inputs() -> tuple[np.ndarray, np.ndarray]:
    """Two queries ``Q`` and two keys ``K``, each of shape (2, 2), with small whole-number entries."""
    inputs = WEIGHTS.inputs()
    return inputs["Q"], inputs["K"]


def check_weights_2x2(A):
    r"""Check the weights $A = \operatorname{softmax}(QK^\top / \sqrt{2})$, row by row, to 3 decimals."""
    return WEIGHTS.check(A)


# 2. The shape of the scores ----------------------------------------------------------------------------
def _scores_draw(rng: np.random.Generator) -> dict:
    batch, heads = int(rng.integers(2, 9)), int(rng.choice([2, 4, 6, 8, 12]))
    n_q, n_k, d_k = rng.choice(np.arange(5, 40), size=3, replace=False)
    return {"q_shape": (batch, heads, int(n_q), int(d_k)), "k_shape": (batch, heads, int(n_k), int(d_k))}


SCORES_SHAPE = Exercise(
    name="tf_scores_shape", points=1, title="The shape of the scores",
    answers=(Shape("shape"),),
    book={"q_shape": (4, 8, 10, 16), "k_shape": (4, 8, 12, 16)},
    draw=_scores_draw,
    solve=lambda q_shape, k_shape: {"shape": (*q_shape[:2], q_shape[2], k_shape[2])},
    mistakes=(
        Mistake("that is the shape of K Q^T: the scores have one row per query and one column per key.",
                lambda q_shape, k_shape: {"shape": (*q_shape[:2], k_shape[2], q_shape[2])}),
        Mistake("that is Q^T K, a (d_k, d_k) matrix per head; the scores pair every query with every key.",
                lambda q_shape, k_shape: {"shape": (*q_shape[:2], q_shape[3], q_shape[3])}),
        Mistake("right for one head of one sequence, but the leading axes, batch and heads, stay in front: matmul "
                "multiplies the last two axes and broadcasts the others.",
                lambda q_shape, k_shape: {"shape": (q_shape[2], k_shape[2])}),
        Mistake("that is the shape of Q itself (and of the attention output A V only when d_v = d_k), not of the "
                "scores: they have one column per key.",
                lambda q_shape, k_shape: {"shape": tuple(q_shape)}),
        Mistake("the scores have one column per key: K's third axis gives their number, not Q's.",
                lambda q_shape, k_shape: {"shape": (*q_shape[:2], q_shape[2], q_shape[2])}),
    ),
)


def scores_inputs() -> tuple[tuple, tuple]:
    """The shapes of ``Q`` and ``K``: (batch, heads, tokens, d_k) (the book's, or your variant's)."""
    inputs = SCORES_SHAPE.inputs()
    return inputs["q_shape"], inputs["k_shape"]


def check_scores_shape(shape):
    """Check the shape of ``Q @ K.transpose(-2, -1)`` for the shapes of :func:`scores_inputs`."""
    return SCORES_SHAPE.check(shape)


# 3. Debug a causal mask ---------------------------------------------------------------------------------
def _causal_draw(rng: np.random.Generator) -> dict:
    n = int(rng.integers(4, 8))
    return {"Q": rng.normal(size=(n, 4)).round(2), "K": rng.normal(size=(n, 4)).round(2),
            "V": rng.normal(size=(n, 3)).round(2)}


def _causal_book() -> dict:
    rng = np.random.default_rng(73)
    return {"Q": rng.normal(size=(5, 4)).round(2), "K": rng.normal(size=(5, 4)).round(2),
            "V": rng.normal(size=(5, 3)).round(2)}


def _future(n: int) -> np.ndarray:
    i, j = np.indices((n, n))
    return j > i


def _causal_hint(values: dict, Q, K, V) -> str | None:
    hidden = np.asarray(values["hide"])
    n = Q.shape[0]
    if hidden.shape != (n, n):
        return None
    if not np.isin(hidden, (0, 1)).all():
        return "the mask must be boolean (or 0 and 1): True where a score is hidden."
    hidden = hidden.astype(bool)
    i, j = np.indices((n, n))
    empty = [int(r) for r in np.flatnonzero(hidden.all(axis=1))]
    if empty:
        return f"rows {empty} hide every key, so their softmax is 0 / 0 = NaN; each token must see at least itself."
    if (hidden & (j <= i)).any():
        r, c = (int(x) for x in np.argwhere(hidden & (j <= i))[0])
        return f"it hides key {c} from query {r}, but a token may see itself and every token before it."
    r, c = (int(x) for x in np.argwhere(~hidden & (j > i))[0])
    return f"it lets query {r} see key {c}, a later token; hide every j > i."


CAUSAL_FIX = Exercise(
    name="tf_causal_fix", points=2, title="Debug a causal mask",
    answers=(Array("hide", precision=Precision(rel=0.0)),),
    book=_causal_book(),
    draw=_causal_draw,
    solve=lambda Q, K, V: {"hide": _future(Q.shape[0])},
    mistakes=(
        Mistake("that is the colleague's mask: it hides the diagonal too, so token 0 has every key hidden, and the "
                "softmax of a row of -inf is 0 / 0 = NaN. A token may attend to itself: hide only j > i, "
                "np.triu(..., k=1).", lambda Q, K, V: {"hide": _future(Q.shape[0]) | np.eye(Q.shape[0], dtype=bool)}),
        Mistake("that hides nothing: every token would see the tokens after it.",
                lambda Q, K, V: {"hide": np.zeros((Q.shape[0],) * 2, dtype=bool)}),
        Mistake("the mask is the wrong way round: it hides the past (j < i) and shows the future. Hide the entries "
                "above the diagonal.", lambda Q, K, V: {"hide": _future(Q.shape[0]).T}),
    ),
    hints=(_causal_hint,),
)


def causal_inputs() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``Q``, ``K`` of shape (n, 4) and ``V`` of shape (n, 3): n tokens, one per row (five in the book)."""
    inputs = CAUSAL_FIX.inputs()
    return inputs["Q"], inputs["K"], inputs["V"]


def causal_output(hide: np.ndarray) -> np.ndarray:
    """The colleague's computation with the mask ``hide`` (True = hidden) on :func:`causal_inputs`; NaN rows where
    every key is hidden."""
    Q, K, V = causal_inputs()
    S = np.where(hide, -np.inf, Q @ K.T / np.sqrt(K.shape[1]))
    with np.errstate(invalid="ignore"):
        E = np.exp(S)
        return E / E.sum(axis=1, keepdims=True) @ V


def check_causal_fix(hide):
    """Check the mask of the debugging exercise: ``hide[i, j]`` is True exactly when j > i (the future)."""
    return CAUSAL_FIX.check(hide)


# 4. Write the attention function -------------------------------------------------------------------------
def _qkv(n_q: int, n_k: int, d_k: int, d_v: int, scale: float = 1.0, shift: float = 0.0):
    def draw(rng: np.random.Generator) -> tuple:
        return (rng.normal(size=(n_q, d_k)) * scale + shift, rng.normal(size=(n_k, d_k)) * scale + shift,
                rng.normal(size=(n_k, d_v)))
    return draw


def _sdpa(Q, K, V, divide_by=None, axis=-1, weights_only=False):
    S = Q @ K.T / (math.sqrt(K.shape[1]) if divide_by is None else divide_by)
    A = softmax(S, axis=axis)
    return A if weights_only else A @ V


def _naive_sdpa(Q, K, V):
    S = Q @ K.T / math.sqrt(K.shape[1])
    with np.errstate(over="ignore", invalid="ignore"):
        E = np.exp(S)
        return E / E.sum(axis=1, keepdims=True) @ V


ATTENTION_FN = Exercise(
    name="tf_attention_fn", points=3, title="Write scaled dot-product attention",
    answers=(Function("attention", families={
        "two by two": _qkv(2, 2, 2, 2),
        "more keys than queries": _qkv(3, 5, 4, 2),
        "one query, d_k = 16": _qkv(1, 6, 16, 3),
        "d_k = 64": _qkv(4, 4, 64, 5),
        "large scores": _qkv(2, 4, 4, 3, scale=1.0, shift=40.0),
    }, returns=Array("attention", precision=Precision(rel=1e-6)), per_family=1),),
    solve=lambda Q, K, V: {"attention": attention.scaled_dot_product_attention(Q, K, V)[0]},
    mistakes=(
        Mistake("it does not divide the scores by sqrt(d_k), so the weights come out too sharp.",
                lambda Q, K, V: _sdpa(Q, K, V, divide_by=1.0)),
        Mistake("it divides the scores by d_k; the formula divides by sqrt(d_k).",
                lambda Q, K, V: _sdpa(Q, K, V, divide_by=K.shape[1])),
        Mistake("its softmax runs over the queries (axis 0); each row of weights must sum to 1 over the keys "
                "(axis=-1).", lambda Q, K, V: _sdpa(Q, K, V, axis=0)),
        Mistake("it returns the weights A, not the output A V.", lambda Q, K, V: _sdpa(Q, K, V, weights_only=True)),
        Mistake("it overflows on large scores: np.exp of a score near 1000 is infinite. Subtract each row's largest "
                "score before np.exp; the weights do not change.", _naive_sdpa),
    ),
)


def check_attention_fn(attention_fn):
    r"""Check a reader's ``attention(Q, K, V)``: it must return $\operatorname{softmax}(QK^\top/\sqrt{d_k})\,V$, on
    one case of each family (shapes from d_k = 2 to 64, and scores large enough to overflow a naive softmax)."""
    return ATTENTION_FN.check(attention_fn)


# 5. The variance of a dot product --------------------------------------------------------------------
QK_VARIANCE = Exercise(
    name="tf_qk_variance", points=2, title="The variance of a dot product",
    answers=(Number("variance"),),
    book={"d_k": 64, "var_q": 2.0, "var_k": 3.0},
    draw=lambda rng: {"d_k": int(rng.choice([16, 32, 48, 128])), "var_q": float(rng.choice([1.5, 2.0, 4.0])),
                      "var_k": float(rng.choice([3.0, 5.0, 0.5]))},
    solve=lambda d_k, var_q, var_k: {"variance": d_k * var_q * var_k},
    mistakes=(
        Mistake("that is d_k, the variance for entries of variance 1; here each product q_i k_i has variance "
                "Var(q_i) Var(k_i) = {var_q} x {var_k}.", lambda d_k, var_q, var_k: {"variance": d_k}),
        Mistake("that is the variance of one product q_i k_i (and of q . k / sqrt(d_k)); the raw dot product q . k adds "
                "d_k = {d_k} independent such products, and their variances add.",
                lambda d_k, var_q, var_k: {"variance": var_q * var_k}),
        Mistake("variances of independent factors multiply, not add: Var(q_i k_i) = E[q_i^2] E[k_i^2] when the means "
                "are 0.", lambda d_k, var_q, var_k: {"variance": d_k * (var_q + var_k)}),
        Mistake("that is the standard deviation; the question asks for the variance, its square.",
                lambda d_k, var_q, var_k: {"variance": math.sqrt(d_k * var_q * var_k)}),
    ),
)


def qk_inputs() -> dict:
    """The dimension ``d_k`` and the variances ``var_q``, ``var_k`` of the entries (the book's, or your variant's)."""
    return QK_VARIANCE.inputs()


def check_qk_variance(variance):
    r"""Check $\operatorname{Var}(q \cdot k) = d_k \sigma_q^2 \sigma_k^2$ for :func:`qk_inputs`."""
    return QK_VARIANCE.check(variance)


# 6. The number of parameters of a multi-head attention layer ----------------------------------------------
def _mha(d: int, h: int) -> int:
    return 4 * d * d + 4 * d


MHA_PARAMS = Exercise(
    name="tf_mha_params", points=2, title="Count the parameters of a multi-head layer",
    answers=(Function("mha_params", families={
        "common sizes": lambda rng: (int(rng.choice([64, 128, 256, 512])), int(rng.choice([4, 8]))),
        "one head": lambda rng: (int(rng.choice([6, 10, 24])), 1),
        "many small heads": lambda rng: (int(rng.choice([48, 96])), 12),
    }, returns=Number("mha_params", Precision(rel=1e-12))),),
    solve=lambda d_model, n_heads: {"mha_params": _mha(d_model, n_heads)},
    mistakes=(
        Mistake("you counted the weights but not the biases: each of the four projections also has d_model biases.",
                lambda d, h: 4 * d * d),
        Mistake("you left out the output projection W_O (d_model x d_model weights and d_model biases).",
                lambda d, h: 3 * d * d + 3 * d),
        Mistake("you multiplied by the number of heads: the heads split the d_model columns of W_Q, W_K and W_V "
                "between them, so the count does not depend on n_heads.", lambda d, h: h * _mha(d, h)),
        Mistake("each head uses d_model / n_heads columns, but W_Q, W_K, W_V and W_O are still d_model x d_model in "
                "total: do not divide by the number of heads.", lambda d, h: _mha(d, h) / h),
    ),
)


def check_mha_params(mha_params):
    r"""Check ``mha_params(d_model, n_heads)``: the parameters of ``nn.MultiheadAttention`` with biases, $4d^2 + 4d$."""
    return MHA_PARAMS.check(mha_params)


# 7. A value of the positional encoding -----------------------------------------------------------------
def _pe_inputs(pos: int, column: int, d_model: int) -> dict:
    return {"pos": pos, "column": column, "d_model": d_model, "pair": column // 2,
            "kind": "cosine" if column % 2 else "sine"}


def _pe(pos, column, d_model, pair, kind) -> dict:
    angle = pos / 10000 ** (2 * pair / d_model)
    return {"value": math.cos(angle) if kind == "cosine" else math.sin(angle)}


def _pe_draw(rng: np.random.Generator) -> dict:
    d_model = int(rng.choice([8, 16, 32]))
    return _pe_inputs(int(rng.integers(5, 100)), int(rng.integers(1, d_model // 2)), d_model)


def _pe_with(pos, column, d_model, pair, kind, exponent=None, other=False, times=False, degrees=False) -> dict:
    exponent = 2 * pair / d_model if exponent is None else exponent
    angle = pos * 10000 ** exponent if times else pos / 10000 ** exponent
    if degrees:
        angle = math.radians(angle)
    use_cos = (kind == "cosine") != other
    return {"value": math.cos(angle) if use_cos else math.sin(angle)}


PE_VALUE = Exercise(
    name="tf_pe_value", points=1, title="One value of the positional encoding",
    answers=(Number("value", Precision(decimals=4), within=(-1, 1)),),
    # Position 50, column 3: the angle is 15.8 radians, so the answer is far from 1 and the routes to it differ
    # (the first edition asked for position 3, column 5, whose cos 0.03 = 0.9996 most wrong routes also reached).
    book=_pe_inputs(50, 3, 16),
    draw=_pe_draw,
    solve=_pe,
    mistakes=(
        Mistake("even columns hold sines and odd columns cosines: column {column} belongs to pair i = {pair} and holds a "
                "{kind}.", lambda **i: _pe_with(**i, other=True)),
        Mistake("the exponent is 2i / d with i the pair, i = {pair} for column {column}, not column / d.",
                lambda **i: _pe_with(**i, exponent=i["column"] / i["d_model"])),
        Mistake("the exponent is 2i / d with i the pair (i = {pair}), not column / d; and column {column} holds a "
                "{kind}.", lambda **i: _pe_with(**i, exponent=i["column"] / i["d_model"], other=True)),
        Mistake("the position is divided by 10000^(2i/d), not multiplied by it.", lambda **i: _pe_with(**i, times=True)),
        Mistake("the angle is in radians: use np.sin and np.cos on it directly, not on degrees.",
                lambda **i: _pe_with(**i, degrees=True)),
    ),
)


def pe_inputs() -> dict:
    """The position ``pos``, the ``column`` and ``d_model`` (the book's, or your variant's); ``pair`` and ``kind``
    are what the exercise asks you to work out."""
    inputs = PE_VALUE.inputs()
    return {k: inputs[k] for k in ("pos", "column", "d_model")}


def check_pe_value(value):
    r"""Check $PE_{pos, column}$ for :func:`pe_inputs`, to 4 decimals."""
    return PE_VALUE.check(value)


# 8. Why divide by sqrt(d_k) -----------------------------------------------------------------------------
WHY_SQRT = Exercise(
    name="tf_why_sqrt", points=1, title="Why the square root of d_k",
    answers=(Choice("answer", explanations={
        "a": "No: the softmax already makes each row of weights sum to 1, whatever the scale of the scores.",
        "b": "Yes: with entries of variance 1, q . k has variance d_k; dividing by sqrt(d_k) brings it back to 1, so "
             "the softmax does not saturate on one key, and its gradients do not vanish as d_k grows.",
        "c": "No: dividing costs a little more, not less; the product Q K^T costs the same either way.",
        "d": "No: the scaling changes the scores of every query and key alike; it does not normalise the lengths "
             "of individual vectors, as cosine similarity would.",
    }), Text("why")),
    solve=lambda: {"answer": "b", "why": 'The scaling section measured that the variance of the scores grows like d_k and that without the division the softmax puts almost all its weight on one key.'},
)


def check_why_sqrt(answer, why=None):
    """Multiple choice: why the scores are divided by sqrt(d_k)."""
    return WHY_SQRT.check(answer, why)


# 9. Attention over a padded batch --------------------------------------------------------------------------
def _padded_case(B: int, n: int, d: int, short: bool):
    def draw(rng: np.random.Generator) -> tuple:
        Q, K, V = (rng.normal(size=(B, n, d)) for _ in range(3))
        lengths = rng.integers(1, 3, size=B) if short else rng.integers(2, n + 1, size=B)
        lengths[rng.integers(B)] = n                           # one sequence fills the batch: it sets n
        return Q, K, V, lengths
    return draw


def _torch_padded(Q, K, V, lengths) -> np.ndarray:
    """``scaled_dot_product_attention`` with a boolean mask over the keys (True = may attend), then the padded
    queries' rows set to 0: the reference, independent of the chapter's formula."""
    import torch

    n = Q.shape[1]
    real = torch.arange(n)[None, :] < torch.from_numpy(np.asarray(lengths))[:, None]       # (B, n)
    out = torch.nn.functional.scaled_dot_product_attention(
        *(torch.from_numpy(T) for T in (Q, K, V)), attn_mask=real[:, None, :])
    return (out * real[:, :, None]).numpy()


def _padded_variant(Q, K, V, lengths, renormalise=True, zero_rows=True, masked=True):
    n = Q.shape[1]
    real = np.arange(n)[None, :] < np.asarray(lengths)[:, None]                             # (B, n)
    S = Q @ np.swapaxes(K, 1, 2) / math.sqrt(Q.shape[-1])
    allowed = real[:, None, :]
    if not masked:
        A = softmax(S, axis=-1)
    elif renormalise:
        A = softmax(np.where(allowed, S, -np.inf), axis=-1)     # every sequence has a real key: no empty row
    else:
        A = softmax(S, axis=-1) * allowed
    out = A @ V
    return out * real[:, :, None] if zero_rows else out


PADDING = Exercise(
    name="tf_padding", points=3, title="Attention over a padded batch",
    answers=(Function("padded_attention", families={
        "sequences of mixed lengths": _padded_case(3, 5, 4, False),
        "a sequence of one or two tokens": _padded_case(2, 6, 3, True),
        "no padding at all": lambda rng: (*(rng.normal(size=(2, 4, 3)) for _ in range(3)), np.array([4, 4])),
    }, returns=Array("out", precision=Precision(rel=1e-6, abs=1e-9)), per_family=1),),
    solve=lambda Q, K, V, lengths: {"padded_attention": _torch_padded(Q, K, V, lengths)},
    mistakes=(
        Mistake("the padded keys still get weight: no query may attend to a key at a position >= lengths[b]. Set "
                "those scores to -inf before the softmax: the mask runs over the keys, the last axis of the scores "
                "(masking the queries' rows instead leaves the real rows unmasked).",
                lambda Q, K, V, lengths: _padded_variant(Q, K, V, lengths, masked=False)),
        Mistake("you zeroed the padded keys' weights after the softmax, so the real weights no longer sum to 1. Mask "
                "the scores with -inf before the softmax, which renormalises over the real keys.",
                lambda Q, K, V, lengths: _padded_variant(Q, K, V, lengths, renormalise=False)),
        Mistake("nearly: the rows of the padded queries must be 0 (they are no tokens; a loss ignores them).",
                lambda Q, K, V, lengths: _padded_variant(Q, K, V, lengths, zero_rows=False)),
    ),
)


def check_padded_attention(padded_attention):
    """Check ``padded_attention(Q, K, V, lengths) -> out`` (Q, K, V of shape (B, n, d); sequence b has
    ``lengths[b]`` real tokens, then padding) against PyTorch's ``scaled_dot_product_attention`` with the padding
    mask, the padded queries' rows set to 0."""
    return PADDING.check(padded_attention)


# 10. Two keys: the softmax is a sigmoid ---------------------------------------------------------------------
def _two_keys_draw(rng: np.random.Generator) -> dict:
    d = int(rng.choice([2, 3, 4]))
    return {"q": rng.integers(-2, 3, size=d).astype(float), "k1": rng.integers(-2, 3, size=d).astype(float),
            "k2": rng.integers(-2, 3, size=d).astype(float)}


def _two_keys(q, k1, k2, slope=lambda a: a * (1 - a), scale=True, flip=False) -> dict:
    d = len(q)
    gap = (q @ (k1 - k2)) / (math.sqrt(d) if scale else 1.0)
    a1 = 1 / (1 + math.exp(-gap))
    direction = (k2 - k1) if flip else (k1 - k2)
    return {"a1": a1, "grad_q": slope(a1) * direction / (math.sqrt(d) if scale else 1.0)}


def _torch_two_keys(q, k1, k2) -> dict:
    """PyTorch: softmax of the two scaled scores and autograd's gradient of the first weight with respect to q."""
    import torch

    qt = torch.tensor(q, requires_grad=True)
    scores = torch.stack([qt @ torch.from_numpy(k1), qt @ torch.from_numpy(k2)]) / math.sqrt(len(q))
    a1 = torch.softmax(scores, dim=0)[0]
    a1.backward()
    return {"a1": a1.item(), "grad_q": qt.grad.numpy().copy()}


TWO_KEYS = Exercise(
    name="tf_two_keys", points=2, title="Two keys: derive the slope of attention, then confirm it",
    answers=(Number("a1", Precision(decimals=4), within=(0, 1)), Array("grad_q", precision=Precision(decimals=4))),
    book={"q": np.array([1.0, 2.0, 0.0, -1.0]), "k1": np.array([1.0, 0.0, 2.0, 0.0]),
          "k2": np.array([0.0, -1.0, 1.0, 1.0])},
    draw=_two_keys_draw,
    solve=_torch_two_keys,
    mistakes=(
        Mistake("you left out the scaling: the scores are q . k / sqrt(d_k), so the gap and the gradient both carry "
                "1 / sqrt(d_k).", lambda q, k1, k2: _two_keys(q, k1, k2, scale=False)),
        Mistake("the slope of the sigmoid is a1 (1 - a1), not a1: d sigma(x) / dx = sigma(x) (1 - sigma(x)).",
                lambda q, k1, k2: {"grad_q": _two_keys(q, k1, k2, slope=lambda a: a)["grad_q"]}),
        Mistake("the sign: raising q . k1 raises a1, so the gradient points along k1 - k2, not k2 - k1.",
                lambda q, k1, k2: {"grad_q": _two_keys(q, k1, k2, flip=True)["grad_q"]}),
        Mistake("the gradient of the score gap q . (k1 - k2) / sqrt(d_k) with respect to q is (k1 - k2) / sqrt(d_k): "
                "you left out the factor k1 - k2 and kept only the slope.",
                lambda q, k1, k2: {"grad_q": np.full(len(q), _two_keys(q, k1, k2)["a1"] * (1 - _two_keys(q, k1, k2)["a1"]))}),
    ),
)


def two_keys_inputs() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A query ``q`` and two keys ``k1``, ``k2`` of the same length d_k (the book's, or your variant's)."""
    inputs = TWO_KEYS.inputs()
    return inputs["q"], inputs["k1"], inputs["k2"]


def check_two_keys(a1, grad_q):
    """Check the weight a1 of key 1 in softmax(q . k / sqrt(d_k)) and its gradient with respect to q, to 4
    decimals."""
    return TWO_KEYS.check(a1, grad_q)


EXERCISES = (WEIGHTS, SCORES_SHAPE, CAUSAL_FIX, ATTENTION_FN, QK_VARIANCE, MHA_PARAMS, PE_VALUE, WHY_SQRT, PADDING, TWO_KEYS)
