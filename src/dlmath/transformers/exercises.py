"""Exercises of chapter 07 (transformers): their inputs and their checks.

Each ``*_inputs()`` returns the exercise's data (seeded, the same on every machine); each ``check_*``
takes the reader's answer and returns a :class:`dlmath.checks.Feedback`, naming the known mistakes.
Tokens are rows, as in the chapter: ``Q`` has shape (n_queries, d_k).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from . import reference as attention
from ..checks import Feedback, _to_array, _unanswered, check_array, check_choice, check_function, check_scalar
from ..probability import softmax

__all__ = [
    "weights_inputs", "check_weights_2x2",
    "SCORES_Q_SHAPE", "SCORES_K_SHAPE", "check_scores_shape",
    "causal_inputs", "causal_output", "check_causal_fix",
    "check_attention_fn",
    "QK_VARIANCES", "check_qk_variance",
    "check_mha_params",
    "PE_QUESTION", "check_pe_value",
    "check_why_sqrt",
]


# 1. Attention weights of a 2x2 case ------------------------------------------------------------------
def weights_inputs() -> tuple[np.ndarray, np.ndarray]:
    """Two queries ``Q`` and two keys ``K``, each of shape (2, 2), with small whole-number entries."""
    Q = np.array([[1.0, 1.0], [2.0, 0.0]])
    K = np.array([[1.0, 0.0], [0.0, 3.0]])
    return Q, K


def check_weights_2x2(A: Any) -> Feedback:
    r"""Check the weights $A = \operatorname{softmax}(QK^\top / \sqrt{2})$, row by row, for :func:`weights_inputs`."""
    Q, K = weights_inputs()
    S = Q @ K.T
    return check_array(A, softmax(S / math.sqrt(2), axis=1), name="A", atol=1e-4, rtol=1e-4, mistakes={
        "you forgot to divide the scores by sqrt(d_k) = sqrt(2) before the softmax: your weights are too sharp.":
            softmax(S, axis=1),
        "you divided by d_k = 2; the formula divides by its square root, sqrt(2).": softmax(S / 2, axis=1),
        "your softmax runs down the columns (over the queries): each column sums to 1. Attention normalises each "
        "row, over the keys, so that query i gets a distribution over the keys: use axis=1.":
            softmax(S / math.sqrt(2), axis=0),
        "these are the scaled scores QK^T / sqrt(2): apply the softmax to each row to turn them into weights.":
            S / math.sqrt(2),
        "these are the raw dot products QK^T: scale them by 1 / sqrt(2), then apply the softmax to each row.": S,
        "you used Q^T K instead of Q K^T: entry (i, j) must be the dot product of query i (row i of Q) with key j "
        "(row j of K).": softmax(Q.T @ K / math.sqrt(2), axis=1),
    })


# 2. The shape of the scores ----------------------------------------------------------------------------
#: The shapes of ``Q`` and ``K`` in exercise 2: (batch, heads, tokens, d_k).
SCORES_Q_SHAPE, SCORES_K_SHAPE = (4, 8, 10, 16), (4, 8, 12, 16)


def check_scores_shape(shape: Any) -> Feedback:
    """Check the shape of ``Q @ K.transpose(-2, -1)`` for :data:`SCORES_Q_SHAPE` and :data:`SCORES_K_SHAPE`."""
    if (fb := _unanswered(shape, "shape")) is not None:
        return fb
    if not isinstance(shape, (tuple, list)) or not all(isinstance(s, (int, np.integer)) for s in shape):
        return Feedback(False, f"answer with a tuple of whole numbers, such as (2, 3); got {shape!r}.", "shape")
    got = tuple(int(s) for s in shape)
    mistakes = {
        (4, 8, 12, 10): "that is the shape of K Q^T: the scores have one row per query (10) and one column per key (12).",
        (4, 8, 16, 16): "that is Q^T K, a (d_k, d_k) matrix per head; the scores pair every query with every key.",
        (10, 12): "right for one head of one sequence, but the leading axes, batch 4 and heads 8, stay in front: "
                  "matmul multiplies the last two axes and broadcasts the others.",
        (4, 8, 10, 16): "that is the shape of the attention output A V (one row of d_v = 16 per query), not of the scores.",
        (4, 8, 10, 10): "the scores have one column per key, and K has 12 tokens, not 10.",
    }
    if got == (4, 8, 10, 12):
        return Feedback(True, "(4, 8, 10, 12): for each of 4 sequences and 8 heads, one score per query (10) and key (12).", "shape")
    if got in mistakes:
        return Feedback(False, mistakes[got], "shape")
    return Feedback(False, f"{got} is not the shape of the scores. The product multiplies the last two axes, "
                           "(10, 16) by (16, 12), and keeps the leading ones.", "shape")


# 3. Debug a causal mask ---------------------------------------------------------------------------------
def causal_inputs() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``Q``, ``K`` of shape (5, 4) and ``V`` of shape (5, 3): five tokens, one per row."""
    rng = np.random.default_rng(73)
    return rng.normal(size=(5, 4)).round(2), rng.normal(size=(5, 4)).round(2), rng.normal(size=(5, 3)).round(2)


def causal_output(hide: np.ndarray) -> np.ndarray:
    """The colleague's computation with the mask ``hide`` (True = hidden) on :func:`causal_inputs`; NaN rows where
    every key is hidden."""
    Q, K, V = causal_inputs()
    S = np.where(hide, -np.inf, Q @ K.T / np.sqrt(K.shape[1]))
    with np.errstate(invalid="ignore"):
        E = np.exp(S)
        return E / E.sum(axis=1, keepdims=True) @ V


def check_causal_fix(hide: Any) -> Feedback:
    """Check the mask of the debugging exercise: ``hide[i, j]`` is True exactly when j > i (the future)."""
    name = "hide"
    if (fb := _unanswered(hide, name)) is not None:
        return fb
    arr, fb = _to_array(hide, name)
    if fb is not None:
        return fb
    n = causal_inputs()[0].shape[0]
    if arr.shape != (n, n):
        return Feedback(False, f"the mask must have one entry per query and key, shape ({n}, {n}); got shape {arr.shape}.", name)
    if not np.isin(arr, (0, 1)).all():
        return Feedback(False, "the mask must be boolean (or 0 and 1): True where a score is hidden.", name)
    hidden = arr.astype(bool)
    i, j = np.indices((n, n))
    if np.array_equal(hidden, j > i):
        Q, K, V = causal_inputs()
        ok = np.allclose(causal_output(hidden), attention.scaled_dot_product_attention(Q, K, V, causal=True)[0])
        return Feedback(ok, "each token now sees itself and the tokens before it, and the output equals "
                            "scaled_dot_product_attention(..., is_causal=True).", name)
    if np.array_equal(hidden, j >= i):
        return Feedback(False, "that is the colleague's mask: it hides the diagonal too, so token 0 has every key hidden, "
                               "and the softmax of a row of -inf is 0 / 0 = NaN. A token may attend to itself: "
                               "hide only j > i, np.triu(..., k=1).", name)
    if not hidden.any():
        return Feedback(False, "that hides nothing: every token would see the tokens after it.", name)
    if np.array_equal(hidden, j < i):
        return Feedback(False, "the mask is the wrong way round: it hides the past (j < i) and shows the future. "
                               "Hide the entries above the diagonal.", name)
    empty = [int(r) for r in np.flatnonzero(hidden.all(axis=1))]
    if empty:
        return Feedback(False, f"rows {empty} hide every key, so their softmax is 0 / 0 = NaN; each token must see at "
                               "least itself.", name)
    if (hidden & (j <= i)).any():
        r, c = (int(x) for x in np.argwhere(hidden & (j <= i))[0])
        return Feedback(False, f"it hides key {c} from query {r}, but a token may see itself and every token before it.", name)
    r, c = (int(x) for x in np.argwhere(~hidden & (j > i))[0])
    return Feedback(False, f"it lets query {r} see key {c}, a later token; hide every j > i.", name)


# 4. Write the attention function -------------------------------------------------------------------------
def _attention_cases() -> list[tuple[tuple, dict[str, Any]]]:
    rng = np.random.default_rng(74)
    cases = []
    for n_q, n_k, d_k, d_v in ((2, 2, 2, 2), (3, 5, 4, 2), (1, 6, 16, 3), (4, 4, 64, 5)):
        Q, K, V = rng.normal(size=(n_q, d_k)), rng.normal(size=(n_k, d_k)), rng.normal(size=(n_k, d_v))
        S = Q @ K.T
        variants = {
            "right": attention.scaled_dot_product_attention(Q, K, V)[0],
            "it does not divide the scores by sqrt(d_k), so the weights come out too sharp.": softmax(S) @ V,
            "it divides the scores by d_k; the formula divides by sqrt(d_k).": softmax(S / d_k) @ V,
            "its softmax runs over the queries (axis 0); each row of weights must sum to 1 over the keys (axis=-1).":
                softmax(S / np.sqrt(d_k), axis=0) @ V,
            "it returns the weights A, not the output A V.": softmax(S / np.sqrt(d_k)),
        }
        cases.append(((Q, K, V), variants))
    return cases


def check_attention_fn(attention_fn: Any) -> Feedback:
    r"""Check a reader's ``attention(Q, K, V)``: it must return $\operatorname{softmax}(QK^\top/\sqrt{d_k})\,V$."""

    def compare(got: Any, want: dict[str, Any]) -> Feedback:
        if isinstance(got, tuple):
            return Feedback(False, f"it returns a tuple of {len(got)} items; return only the output A @ V, one array.",
                            "attention")
        mistakes = {message: value for message, value in want.items() if message != "right"}
        return check_array(got, want["right"], name="attention", mistakes=mistakes)

    return check_function(attention_fn, _attention_cases(), name="attention", compare=compare)


# 5. The variance of a dot product --------------------------------------------------------------------
#: Exercise 5: the dimension and the variances of the entries of q and of k.
QK_VARIANCES = {"d_k": 64, "var_q": 2.0, "var_k": 3.0}


def check_qk_variance(variance: Any) -> Feedback:
    r"""Check $\operatorname{Var}(q \cdot k) = d_k \sigma_q^2 \sigma_k^2$ for :data:`QK_VARIANCES`."""
    d, a, b = QK_VARIANCES["d_k"], QK_VARIANCES["var_q"], QK_VARIANCES["var_k"]
    return check_scalar(variance, d * a * b, name="variance", rel_tol=1e-6, mistakes={
        "that is d_k, the variance for entries of variance 1; here each product q_i k_i has variance "
        "Var(q_i) Var(k_i) = 2 x 3.": d,
        "that is the variance of one product q_i k_i (and of q . k / sqrt(d_k)); the raw dot product q . k adds "
        "d_k = 64 independent such products, and their variances add.": a * b,
        "variances of independent factors multiply, not add: Var(q_i k_i) = E[q_i^2] E[k_i^2] = 2 x 3 when the means are 0.":
            d * (a + b),
        "that is the standard deviation; the question asks for the variance, its square.": math.sqrt(d * a * b),
    })


# 6. The number of parameters of a multi-head attention layer ----------------------------------------------
def check_mha_params(mha_params: Any) -> Feedback:
    r"""Check ``mha_params(d_model, n_heads)``: the parameters of ``nn.MultiheadAttention`` with biases, $4d^2 + 4d$."""
    cases = [((d, h), (d, h)) for d, h in ((512, 8), (64, 4), (6, 1), (12, 3))]  # the expected value is computed from (d, h)

    def count(d: int) -> int:
        return 4 * d * d + 4 * d

    def compare(got: Any, args: tuple[int, int]) -> Feedback:
        d, h = args
        return check_scalar(got, count(d), name="mha_params", mistakes={
            "you counted the weights but not the biases: each of the four projections also has d_model biases.": 4 * d * d,
            "you left out the output projection W_O (d_model x d_model weights and d_model biases).": 3 * d * d + 3 * d,
            "you multiplied by the number of heads: the heads split the d_model columns of W_Q, W_K and W_V "
            "between them, so the count does not depend on n_heads.": h * count(d),
            "each head uses d_model / n_heads columns, but W_Q, W_K, W_V and W_O are still d_model x d_model in "
            "total: do not divide by the number of heads.": count(d) / h,
        })

    return check_function(mha_params, cases, name="mha_params", compare=compare)


# 7. A value of the positional encoding -----------------------------------------------------------------
#: Exercise 7: the position, the column and the model dimension.
PE_QUESTION = {"pos": 3, "column": 5, "d_model": 8}


def check_pe_value(value: Any) -> Feedback:
    r"""Check $PE_{3,5}$ for $d_{\text{model}} = 8$: column 5 $= 2 \cdot 2 + 1$ is a cosine, $\cos(3 / 10000^{4/8})$."""
    p, j, d = PE_QUESTION["pos"], PE_QUESTION["column"], PE_QUESTION["d_model"]
    i = j // 2
    angle = p / 10000 ** (2 * i / d)
    return check_scalar(value, math.cos(angle), name="PE[3, 5]", rel_tol=1e-6, mistakes={
        "odd columns hold cosines, even columns sines: column 5 = 2i + 1 with i = 2 is a cosine.": math.sin(angle),
        "the exponent is 2i / d with i the pair, i = 2 for column 5, so 4/8, not 5/8.": math.cos(p / 10000 ** (j / d)),
        "the exponent is 2i / d with i the pair, i = 2 for column 5; and odd columns hold cosines.": math.sin(p / 10000 ** (j / d)),
        "the position is divided by 10000^(2i/d), not multiplied by it.": math.cos(p * 10000 ** (2 * i / d)),
        "the angle is in radians: use np.cos on 0.03 directly, not on degrees.": math.cos(math.radians(angle)),
    })


# 8. Why divide by sqrt(d_k) -----------------------------------------------------------------------------
def check_why_sqrt(answer: Any) -> Feedback:
    """Multiple choice: why the scores are divided by sqrt(d_k)."""
    return check_choice(answer, correct="b", name="answer", explanations={
        "a": "No: the softmax already makes each row of weights sum to 1, whatever the scale of the scores.",
        "b": "Yes: with entries of variance 1, q . k has variance d_k; dividing by sqrt(d_k) brings it back to 1, so "
             "the softmax does not saturate on one key, and its gradients do not vanish as d_k grows.",
        "c": "No: dividing costs a little more, not less; the product Q K^T costs the same either way.",
        "d": "No: the scaling changes the scores of every query and key alike; it does not normalise the lengths "
             "of individual vectors, as cosine similarity would.",
    })
