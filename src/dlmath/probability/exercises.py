"""Exercises of chapter 03 (probability): their inputs and their checks.

Each ``*_inputs()`` returns the exercise's data (seeded, the same on every machine); each ``check_*``
takes the reader's answer and returns a :class:`dlmath.checks.Feedback`, naming the known mistakes.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from . import reference as probability
from ..checks import Feedback, check_array, check_choice, check_function, check_scalar

__all__ = [
    "SCREENING", "check_screening",
    "gaussian_sample", "check_gaussian_mle",
    "ce_inputs", "check_ce_loss",
    "check_softmax_t",
    "check_temperature_limit",
    "KL_P", "KL_Q", "check_kl",
    "check_variance_bias",
]


# 1. Bayes' rule for a screening test ---------------------------------------------------------------
#: Prevalence, sensitivity and specificity of the screening test of exercise 1.
SCREENING = {"prevalence": 0.005, "sensitivity": 0.98, "specificity": 0.97}


def check_screening(posterior: Any) -> Feedback:
    """Check $P(D \\mid +)$ for the test of :data:`SCREENING`."""
    pi, s, c = SCREENING["prevalence"], SCREENING["sensitivity"], SCREENING["specificity"]
    p_pos = s * pi + (1 - c) * (1 - pi)
    fb = check_scalar(posterior, s * pi / p_pos, name="posterior", rel_tol=1e-4, mistakes={
        "0.98 is the sensitivity, P(+ | D): the probability of a positive test for someone who is ill. The "
        "question asks the reverse, P(D | +); Bayes' rule turns one into the other.": s,
        "you left out the prevalence: s / (s + (1 - c)) treats illness and health as equally likely before the "
        "test. Weight each likelihood by its prior, P(D) = 0.005 and P(not D) = 0.995.": s / (s + 1 - c),
        "that is P(+), the probability of a positive test (the denominator of Bayes' rule); divide "
        "P(+ | D) P(D) by it.": p_pos,
        "the false-positive rate is 1 - specificity = 0.03, not the specificity 0.97: a healthy person tests "
        "positive with probability 0.03.": s * pi / (s * pi + c * (1 - pi)),
        "that is P(not D | +), the probability of being healthy despite the positive test; the question asks "
        "for P(D | +).": 1 - s * pi / p_pos,
    })
    if fb.ok or not fb.answered:
        return fb
    value = _number(posterior)
    if value is not None and not 0 <= value <= 1:
        return Feedback(False, f"{value:.4g} is not a probability: a posterior lies between 0 and 1.", "posterior")
    return fb


def _number(x: Any) -> float | None:
    try:
        return float(x)
    except (TypeError, ValueError):
        return None


# 2. A Gaussian by maximum likelihood ---------------------------------------------------------------
def gaussian_sample() -> np.ndarray:
    """Twelve measurements, shape (12,), drawn from a Gaussian (seeded) and rounded to two decimals."""
    return np.random.default_rng(31).normal(5.0, 2.0, size=12).round(2)


def check_gaussian_mle(mu_hat: Any, var_hat: Any) -> Feedback:
    """Check the maximum-likelihood mean and variance of :func:`gaussian_sample` (variance divided by n)."""
    x = gaussian_sample()
    if mu_hat is Ellipsis or var_hat is Ellipsis or mu_hat is None or var_hat is None:
        return Feedback(False, "replace both `...` (mu_hat and var_hat) with your answers, then run the cell again.",
                        "mu_hat, var_hat", answered=False)
    fb = check_scalar(mu_hat, float(np.mean(x)), name="mu_hat", mistakes={
        "that is the median; the maximum-likelihood mean of a Gaussian is the average of the sample.":
            float(np.median(x)),
    })
    if not fb.ok:
        return fb
    mu = float(np.mean(x))
    fb = check_scalar(var_hat, float(np.mean((x - mu) ** 2)), name="var_hat", mistakes={
        "you divided by n - 1 (np.var(x, ddof=1) or torch.var's default). That is the unbiased estimator; "
        "setting the derivative of the negative log-likelihood to zero gives a division by n.":
            float(np.var(x, ddof=1)),
        "that is the standard deviation sigma; the question asks for the variance sigma squared.": float(np.std(x)),
        "that is the mean of x squared, the spread around 0: subtract mu_hat from each value before squaring.":
            float(np.mean(x ** 2)),
    })
    if not fb.ok:
        return fb
    return Feedback(True, f"mu_hat = {mu:.4f} and var_hat = {float(var_hat):.4f} (a division by n = {len(x)}) are right.",
                    "mu_hat, var_hat")


# 3. Debug a cross-entropy loss ---------------------------------------------------------------------
def ce_inputs() -> tuple[np.ndarray, np.ndarray]:
    """Logits ``Z`` (4, 3), one row per example, and integer class ``targets`` (4,)."""
    rng = np.random.default_rng(32)
    return rng.normal(0.0, 1.5, size=(4, 3)).round(1), np.array([2, 0, 1, 1])


def check_ce_loss(loss: Any) -> Feedback:
    """Check the mean cross-entropy loss of :func:`ce_inputs`, naming the colleague's two bugs."""
    Z, targets = ce_inputs()
    rows = np.arange(len(targets))
    p_cols = np.exp(Z) / np.exp(Z).sum(axis=0)          # bug 1: normalised down the columns
    p_rows = np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)
    right = -np.mean(np.log(p_rows[rows, targets]))
    return check_scalar(loss, float(right), name="loss", rel_tol=1e-6, mistakes={
        "that is the colleague's value, with both bugs: the softmax normalises each column instead of each row, "
        "and p[targets] picks whole rows instead of one entry per example.": float(-np.mean(np.log(p_cols[targets]))),
        "the softmax is right now, but p[targets] still selects whole rows of p (a (4, 3) array), so the mean "
        "runs over 12 entries. Pick one entry per example: p[np.arange(4), targets].":
            float(-np.mean(np.log(p_rows[targets]))),
        "the indexing is right now, but the softmax still normalises down the columns (axis=0). Each example "
        "is a row, so sum over axis=1 with keepdims=True.": float(-np.mean(np.log(p_cols[rows, targets]))),
        "you summed the losses of the four examples; F.cross_entropy (like the formula) takes their mean.":
            float(4 * right),
        "you used log base 2 (bits); the loss uses the natural logarithm (nats).": float(right / math.log(2)),
    })


# 4. Write a stable softmax with temperature ---------------------------------------------------------
def check_softmax_t(softmax_t: Any) -> Feedback:
    """Check a reader's ``softmax_t(z, T)`` on small, large and negative logits and several temperatures."""
    rng = np.random.default_rng(33)
    inputs = [(np.array([1.0, 2.0, 3.0]), 1.0), (np.array([1.0, 2.0, 3.0]), 0.5),
              (np.array([0.5, -1.0, 2.0, 0.0]), 4.0), (np.array([1000.0, 1001.0, 1002.0]), 1.0),
              (np.array([-800.0, -801.0]), 0.25), (rng.normal(size=6), 2.0)]
    cases = [((z, T), {"want": probability.softmax(z, T), "times_T": probability.softmax(z * T),
                       "no_T": probability.softmax(z)}) for z, T in inputs]

    def compare(got: Any, expected: dict) -> Feedback:
        fb = check_array(got, expected["want"], name="softmax_t", atol=1e-9)
        if fb.ok or not fb.answered:
            return fb
        try:
            arr = np.asarray(got, dtype=float)
        except (TypeError, ValueError):
            return fb
        if arr.shape == expected["want"].shape:
            if not np.all(np.isfinite(arr)):
                return Feedback(False, "your function returns NaN or infinity for large logits such as "
                                       "(1000, 1001, 1002): np.exp overflows. Subtract the largest logit before "
                                       "exponentiating; the result does not change.", "softmax_t")
            if not np.isclose(arr.sum(), 1.0):
                return Feedback(False, f"the probabilities sum to {arr.sum():.4g}, not 1: divide by the sum of "
                                       "the exponentials.", "softmax_t")
            if np.allclose(arr, expected["times_T"], atol=1e-9):
                return Feedback(False, "you multiplied the logits by T; the temperature divides them, softmax(z / T).",
                                "softmax_t")
            if np.allclose(arr, expected["no_T"], atol=1e-9):
                return Feedback(False, "this is the softmax at T = 1: the temperature T is ignored. "
                                       "Divide the logits by T first.", "softmax_t")
        return fb

    return check_function(softmax_t, cases, name="softmax_t", compare=compare)


# 5. Explain the limit T -> 0 -----------------------------------------------------------------------
def check_temperature_limit(answer: Any) -> Feedback:
    """Multiple choice: what happens to softmax(z / T) as the temperature T falls towards 0?"""
    return check_choice(answer, correct="b", name="answer", explanations={
        "a": "No: that is the limit T -> infinity. Dividing by a huge T shrinks every logit towards 0, and "
             "softmax of equal logits is uniform.",
        "b": "Yes: the ratio of two probabilities is exp((z_i - z_j) / T), which grows without bound for "
             "z_i > z_j as T -> 0. All the probability ends on the largest logit: sampling becomes greedy decoding.",
        "c": "No: softmax is unchanged when the same number is *added* to every logit, not when every logit is "
             "divided by T. Dividing stretches the gaps between logits.",
        "d": "No: a smaller T stretches the gaps between logits, and the smallest logit falls furthest behind; "
             "its probability goes to 0.",
    })


# 6. Compute a KL divergence both ways ------------------------------------------------------------------
#: The two distributions of exercise 6.
KL_P = np.array([0.6, 0.3, 0.1])
KL_Q = np.array([0.2, 0.5, 0.3])


def check_kl(kl_pq: Any, kl_qp: Any) -> Feedback:
    """Check $D_{KL}(p \\| q)$ and $D_{KL}(q \\| p)$ for :data:`KL_P` and :data:`KL_Q`, in nats."""
    if kl_pq is Ellipsis or kl_qp is Ellipsis or kl_pq is None or kl_qp is None:
        return Feedback(False, "replace both `...` (kl_pq and kl_qp) with your answers, then run the cell again.",
                        "kl_pq, kl_qp", answered=False)
    p, q = KL_P, KL_Q
    pq, qp = float(probability.kl_divergence(p, q)), float(probability.kl_divergence(q, p))
    for value, want, other, name in ((kl_pq, pq, qp, "kl_pq"), (kl_qp, qp, pq, "kl_qp")):
        first, second = (p, q) if name == "kl_pq" else (q, p)
        fb = check_scalar(value, want, name=name, rel_tol=1e-6, mistakes={
            f"{name} holds the other direction: the divergence is not symmetric. D_KL(a || b) weights "
            "log(a_k / b_k) by a_k, the first distribution.": other,
            "you used log base 2 (bits); this chapter measures in nats, with the natural logarithm.": want / math.log(2),
            "you summed log(a_k / b_k) without weighting each term by a_k.": float(np.sum(np.log(first / second))),
            "that is the cross-entropy H(a, b) = -sum a log b; the divergence subtracts the entropy H(a).":
                float(-np.sum(first * np.log(second))),
        })
        if not fb.ok:
            return fb
    return Feedback(True, f"D_KL(p || q) = {pq:.4f} and D_KL(q || p) = {qp:.4f} nats: two different numbers.",
                    "kl_pq, kl_qp")


# 7. Derive the bias of the maximum-likelihood variance -----------------------------------------------------
def check_variance_bias(expected_var: Any) -> Feedback:
    """Check $\\mathbb{E}[\\hat\\sigma^2]$ for n = 5 draws with $\\sigma^2 = 4$: $(n-1)/n \\cdot \\sigma^2 = 3.2$."""
    n, var = 5, 4.0
    return check_scalar(expected_var, (n - 1) / n * var, name="expected_var", mistakes={
        "4 is sigma squared itself: that is the expectation of the estimator that divides by n - 1. Dividing by n "
        "gives a smaller number on average.": var,
        "you multiplied by n / (n - 1): that correction turns the biased estimate into an unbiased one; the question "
        "asks for the expectation of the biased estimate itself.": n / (n - 1) * var,
        "0.8 is the factor (n - 1) / n; multiply it by sigma squared.": (n - 1) / n,
        "the bias shrinks the variance by sigma^2 / n, one variance of the sample mean, not by 1.": var - 1,
    })
