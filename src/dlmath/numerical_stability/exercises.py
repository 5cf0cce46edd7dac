"""Exercises of chapter 06 (numerical stability): their inputs and their checks.

Each ``*_inputs()`` returns the exercise's data (seeded, the same on every machine); each ``check_*``
takes the reader's answer and returns a :class:`dlmath.checks.Feedback`, naming the known mistakes.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from . import reference as numerics
from ..checks import (Feedback, _as_number, _to_array, _unanswered, check_array, check_choice, check_function,
                      check_scalar)

__all__ = [
    "check_spacing",
    "check_exp_limits",
    "check_logsumexp",
    "check_he_std",
    "layer_norm_inputs", "check_layer_norm",
    "clip_inputs", "check_clip",
    "check_cancellation",
    "SMALL_GRADIENT", "check_loss_scale",
]


def _p2(k: int, factor: float = 1.0) -> float:
    """``factor * 2**k`` as a float, inf where that overflows float64."""
    try:
        return math.ldexp(factor, k)
    except OverflowError:
        return math.inf


def _each_case(fn: Any, name: str, cases: list[tuple[tuple, Any, Any]], done: str) -> Feedback:
    """:func:`check_function` over ``(args, expected, compare)`` cases, each with its own ``compare``."""
    for i, (args, want, compare) in enumerate(cases, start=1):
        fb = check_function(fn, [(args, want)], name=name, compare=compare)
        if not fb.ok:
            message = fb.message.replace("on test case 1 of 1", f"on test case {i} of {len(cases)}")
            return Feedback(False, message, name, fb.answered)
    return Feedback(True, done, name)


# 1. The gap after a number ----------------------------------------------------------------------
def check_spacing(gap: Any) -> Feedback:
    """Check ``gap(x, M)``: the distance from a normal number x to the next larger one, 2^(floor(log2 x) - M)."""
    cases = [(1.0, 10), (4.0, 7), (1000.0, 7), (65504.0, 10), (0.3, 23), (3.0, 52), (6.0, 2)]

    def compare_for(x: float, M: int):
        k = math.floor(math.log2(x))
        mistakes = {
            f"that is x * 2^-M, the gap scaled by x itself; the gap is the same power of two for every number from "
            f"2^k to 2^(k+1): here 2^{k} <= x < 2^{k + 1}, so the gap is 2^({k} - M).": x * _p2(-M),
            "that is epsilon, the gap after 1; further from 1 the gap is larger or smaller by the power of two "
            "in front of x: 2^(floor(log2 x) - M).": _p2(-M),
            "that rounds log2(x) up; the exponent of x is floor(log2 x), the largest power of two not above x.":
                _p2(math.ceil(math.log2(x)) - M),
            "that is the gap with 2^-(M+1), half the right size; the last of the M mantissa bits is worth 2^-M.":
                _p2(k - M - 1),
        }

        def compare(got: Any, want: float) -> Feedback:
            return check_scalar(got, want, name="gap", rel_tol=1e-12, abs_tol=0.0, mistakes=mistakes)

        return compare

    checked = [((x, M), _p2(math.floor(math.log2(x)) - M), compare_for(x, M)) for x, M in cases]
    return _each_case(gap, "gap", checked, f"passes all {len(cases)} test cases: from the gap after 1 (epsilon) to "
                                           "the gap after float16's largest number, 32.")


# 2. Predict overflow of exp -----------------------------------------------------------------------
def check_exp_limits(answer: Any) -> Feedback:
    """Check ``(n32, n16)``: the largest integers n with ``exp(n)`` finite in float32 and in float16: (88, 11)."""
    if (fb := _unanswered(answer, "answer")) is not None:
        return fb
    if isinstance(answer, (tuple, list)) and any(a is Ellipsis for a in answer):
        return Feedback(False, "replace each `...` with your number, then run the cell again.", "answer", answered=False)
    if not isinstance(answer, (tuple, list)) or len(answer) != 2 or any(_as_number(a) is None for a in answer):
        return Feedback(False, f"answer with a pair of integers (n32, n16), got {answer!r:.60}.", "answer")
    n32, n16 = (_as_number(a) for a in answer)
    known = {
        (38, 4): "those are the decimal exponents of the largest numbers (3.4e38, 6.6e4); you need ln(max), not log10(max).",
        (127, 15): "those are the largest binary exponents; exp(n) = 2^(n / ln 2), so n can reach ln(max) only.",
        (709, 709): "709 is the limit of float64; the question is about float32 and float16.",
        (89, 12): "one too far: exp(89) = 4.5e38 is above float32's largest number, 3.4e38, and exp(12) = 162755 "
                  "above float16's, 65504.",
    }
    if (n32, n16) == (88, 11):
        return Feedback(True, "exp(88) = 1.7e38 and exp(11) = 59874 are the last finite ones: ln(3.4e38) = 88.7, "
                              "ln(65504) = 11.09.", "answer")
    for (a, b), message in known.items():
        if (n32, n16) == (a, b) or (a == b and n32 == a):
            return Feedback(False, message, "answer")
    wrong = [name for name, got, want in (("n32", n32, 88), ("n16", n16, 11)) if got != want]
    return Feedback(False, f"{' and '.join(wrong)} {'is' if len(wrong) == 1 else 'are'} not right: the largest n "
                           "solves exp(n) <= max, so n = floor(ln(max)).", "answer")


# 3. Write a stable log-sum-exp for a batch ------------------------------------------------------
def _lse_columns(Z: np.ndarray) -> np.ndarray:
    m = Z.max(axis=0)
    return m + np.log(np.sum(np.exp(Z - m), axis=0))


def check_logsumexp(logsumexp: Any) -> Feedback:
    """Check a reader's ``logsumexp(Z)``: the log-sum-exp of each column of Z (K, N), shape (N,), stably."""
    rng = np.random.default_rng(63)
    matrices = [
        np.zeros((3, 2)),
        rng.normal(size=(4, 5)),
        np.array([[1000.0, -1000.0, 0.0], [1000.0, -1000.0, 0.0]]),
        np.array([[1e4, 0.0, -3.0, 2.0], [0.0, 5.0, -4.0, 2.0], [-5.0, 1.0, -5.0, 2.0]]),
    ]

    def compare_for(Z: np.ndarray):
        def compare(got: Any, want: np.ndarray) -> Feedback:
            if (fb := _unanswered(got, "logsumexp")) is not None:
                return fb
            arr, fb = _to_array(got, "logsumexp")
            if fb is not None:
                return fb
            K, N = Z.shape
            if arr.shape == (K,) and K != N:
                return Feedback(False, f"it returned shape {arr.shape}, one number per row; the logits of an example "
                                       f"are a column, so sum over axis 0 and return shape ({N},).", "logsumexp")
            if arr.shape == (N,) and not np.all(np.isfinite(arr)):
                with np.errstate(divide="ignore"):
                    global_max = Z.max() + np.log(np.sum(np.exp(Z - Z.max()), axis=0))
                if np.array_equal(np.isneginf(arr), np.isneginf(global_max)) and np.isneginf(arr).any():
                    return Feedback(False, "a column far below the largest logit of the whole matrix gives -inf: "
                                           "subtract each column's own maximum (axis=0, keepdims=True).", "logsumexp")
                return Feedback(False, f"it returned {arr} where the answer is finite, {want}: exp overflows or "
                                       "underflows. Subtract each column's largest logit before exponentiating.",
                                "logsumexp")
            return check_array(arr, want, name="logsumexp", atol=1e-9, rtol=1e-12, mistakes={
                "you subtracted the largest logit m but did not add it back: log sum exp(z) = m + log sum exp(z - m).":
                    want - Z.max(axis=0),
            })

        return compare

    cases = [((Z.copy(),), _lse_columns(Z), compare_for(Z)) for Z in matrices]
    return _each_case(logsumexp, "logsumexp", cases, "passes all 4 test cases, extreme columns included.")


# 4. The He scale of a layer -----------------------------------------------------------------------
def check_he_std(std: Any) -> Feedback:
    """Check the std of ``kaiming_normal_`` (fan_in, ReLU) for ``nn.Linear(512, 256)``: sqrt(2 / 512)."""
    return check_scalar(std, math.sqrt(2 / 512), name="std", rel_tol=1e-4, mistakes={
        "that uses the 256 outputs; mode='fan_in' (the default) uses the 512 inputs of nn.Linear(512, 256).":
            math.sqrt(2 / 256),
        "that is the variance 2 / n_in; the standard deviation is its square root.": 2 / 512,
        "that is 1 / sqrt(n_in), the scale for a linear or tanh layer; ReLU zeroes half of its input, "
        "so He doubles the variance: sqrt(2 / n_in).": math.sqrt(1 / 512),
        "that is the Xavier scale sqrt(2 / (n_in + n_out)); He's scale for ReLU uses n_in only: sqrt(2 / n_in).":
            math.sqrt(2 / 768),
    })


# 5. Layer norm of a small batch -------------------------------------------------------------------
def layer_norm_inputs() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``Z`` (4, 3), one column per example, and the layer norm's ``gamma`` and ``beta`` (4,)."""
    Z = np.array([[1.0, 2.0, -1.0],
                  [3.0, 2.0, 0.0],
                  [5.0, 2.5, 1.0],
                  [7.0, 1.5, 4.0]])
    return Z, np.array([1.0, 2.0, 0.5, 1.0]), np.array([0.0, 0.0, 1.0, -1.0])


def check_layer_norm(Z_hat: Any) -> Feedback:
    """Check the layer norm (eps = 1e-5) of :func:`layer_norm_inputs`: each column normalised over the features."""
    Z, gamma, beta = layer_norm_inputs()
    eps = 1e-5
    expected = numerics.layer_norm(Z, gamma, beta, eps)
    unbiased = gamma[:, None] * (Z - Z.mean(0)) / np.sqrt(Z.var(0, ddof=1) + eps) + beta[:, None]
    per_row, _, _ = numerics.batch_norm(Z, gamma, beta, eps)
    return check_array(Z_hat, expected, name="Z_hat", atol=1e-6, mistakes={
        "you normalised each row (each feature over the batch): that is batch norm. Layer norm normalises each "
        "column, one example over its 4 features.": per_row,
        "you divided by the unbiased variance (ddof=1); layer norm uses the plain mean of squared deviations.": unbiased,
        "you left out gamma and beta: after normalising, scale row i by gamma[i] and add beta[i].":
            numerics.layer_norm(Z, eps=eps),
    })


# 6. Debug gradient clipping -----------------------------------------------------------------------
def clip_inputs() -> tuple[list[np.ndarray], float]:
    """Two gradients, of a weight matrix (3, 2) and of a bias (3,), and the clipping threshold ``max_norm``."""
    rng = np.random.default_rng(66)
    return [rng.normal(size=(3, 2)).round(2) * 3, rng.normal(size=3).round(2)], 1.0


def check_clip(clipped: Any) -> Feedback:
    """Check the gradients of :func:`clip_inputs` clipped by their *global* norm, as ``clip_grad_norm_`` does."""
    if (fb := _unanswered(clipped, "clipped")) is not None:
        return fb
    grads, max_norm = clip_inputs()
    if not isinstance(clipped, (list, tuple)) or len(clipped) != len(grads):
        return Feedback(False, f"clipped must be a list of {len(grads)} arrays, one per gradient, got "
                               f"{type(clipped).__name__}.", "clipped")
    expected, total = numerics.clip_grad_norm(grads, max_norm)
    per_tensor = [g * min(1.0, max_norm / np.linalg.norm(g)) for g in grads]
    for i, (got, want) in enumerate(zip(clipped, expected)):
        fb = check_array(got, want, name=f"clipped[{i}]", atol=1e-6)
        if fb.ok:
            continue
        if not fb.answered:
            return fb
        arr = np.asarray(got, dtype=float) if np.shape(got) == np.shape(want) else None
        if arr is not None and np.allclose(arr, per_tensor[i], atol=1e-6):
            return Feedback(False, "each gradient was clipped on its own, which changes the direction of the update. "
                                   "Compute one norm over all gradients together, sqrt(sum of squares of every entry), "
                                   "and scale every gradient by the same factor.", "clipped")
        if arr is not None and np.allclose(arr, grads[i], atol=1e-6):
            return Feedback(False, f"clipped[{i}] is the gradient unchanged, but the global norm {total:.3f} is above "
                                   f"max_norm = {max_norm}: scale it by max_norm / norm.", "clipped")
        return Feedback(False, fb.message, "clipped")
    return Feedback(True, f"the global norm {total:.3f} is scaled down to {max_norm}; both gradients keep their "
                          "directions relative to each other.", "clipped")


# 7. Explain catastrophic cancellation -------------------------------------------------------------
def check_cancellation(answer: Any) -> Feedback:
    """Multiple choice: why does E[x^2] - E[x]^2 in float32 give a negative variance for data near 10^4?"""
    return check_choice(answer, correct="b", name="answer", explanations={
        "a": "No: 10^8 is far below float32's largest number, 3.4e38. Nothing overflows.",
        "b": "Yes: both terms are about 10^8, where float32 numbers are 8 apart, so each is off by several units, "
             "more than the true variance (about 1). Their difference keeps only those errors: catastrophic "
             "cancellation. Subtract the mean first (two-pass or Welford).",
        "c": "No: nothing here is near float32's smallest number, 1.2e-38. The numbers are large, not small.",
        "d": "No: E[x^2] - E[x]^2 is an exact identity for real numbers. It fails only in floating point, where "
             "each term is rounded before the subtraction.",
    })


# 8. Choose a loss scale ---------------------------------------------------------------------------
#: The gradient of exercise 8, too small for float16's normal range.
SMALL_GRADIENT = 1e-8


def check_loss_scale(S: Any) -> Feedback:
    """Check the smallest power of two S with S * 1e-8 >= the smallest normal float16 number, 2^-14: S = 2^13."""
    tiny = numerics.FORMATS["float16"].smallest_normal
    fb = check_scalar(S, 8192.0, name="S", rel_tol=0.0, abs_tol=1e-9, mistakes={
        "4096 * 1e-8 = 4.1e-5 survives, but as a subnormal number with fewer significant bits: it is below "
        "2^-14 = 6.1e-5. Take the next power of two.": 4096.0,
        "65536 is GradScaler's starting scale and it works, but it is not the smallest power of two that does.": 65536.0,
        "that is the exponent; the question asks for the scale S = 2^k itself.": 13.0,
    })
    if fb.ok:
        return Feedback(True, f"8192 * 1e-8 = {8192 * SMALL_GRADIENT:.3g} >= 2^-14 = {tiny:.3g}; 4096 would give a "
                              "subnormal.", "S")
    value = _as_number(S)
    known = fb.message.startswith(("4096", "65536", "that is"))
    if fb.answered and not known and value is not None and value > 0 and not math.log2(value).is_integer():
        return Feedback(False, f"{value:g} is not a power of two; scaling by a power of two is exact in binary, which "
                               "is why loss scales are powers of two.", "S")
    return fb
