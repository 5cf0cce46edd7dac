"""Exercises of chapter 05 (statistics): their inputs and their checks.

Each ``*_inputs()`` returns the exercise's data (seeded, the same on every machine); each ``check_*``
takes the reader's answer and returns a :class:`dlmath.checks.Feedback`, naming the known mistakes.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from . import reference as stats
from ..checks import Feedback, _as_number, _unanswered, check_array, check_scalar

__all__ = [
    "prf_inputs", "check_prf",
    "leak_inputs", "N_TRAIN_ROWS", "check_leak",
    "check_ridge",
    "DROPOUT_P", "ACTIVATION", "check_dropout_value",
    "DIAGNOSIS_TABLE", "NOISE_LEVEL", "check_diagnosis",
    "threshold_inputs", "RECALL_TARGET", "check_threshold",
    "check_expected_error",
]


def _close(a: float | None, b: float, tol: float = 1e-6) -> bool:
    return a is not None and math.isclose(a, b, rel_tol=tol, abs_tol=1e-9)


# 1. Precision, recall and F1 from a confusion matrix ------------------------------------------------
def prf_inputs() -> np.ndarray:
    """The confusion matrix of a screening test in scikit-learn's layout ``[[TN, FP], [FN, TP]]``."""
    return np.array([[880, 40], [30, 50]])


def check_prf(precision: Any, recall: Any, f1: Any) -> Feedback:
    """Check precision TP/(TP+FP), recall TP/(TP+FN) and F1 = 2PR/(P+R) for :func:`prf_inputs`."""
    for value, name in ((precision, "precision"), (recall, "recall"), (f1, "f1")):
        if (fb := _unanswered(value, name)) is not None:
            return Feedback(False, fb.message, "precision, recall, f1", answered=False)
    (tn, fp), (fn, tp) = prf_inputs()
    P, R = tp / (tp + fp), tp / (tp + fn)
    F = 2 * P * R / (P + R)
    p, r, f = (_as_number(v) for v in (precision, recall, f1))
    name = "precision, recall, f1"
    if None in (p, r, f):
        return Feedback(False, "each of precision, recall and f1 must be a single number.", name)
    if _close(p, P) and _close(r, R) and _close(f, F):
        return Feedback(True, f"precision {P:.4f}, recall {R:.4f}, F1 {F:.4f}.", name)
    if _close(p, R) and _close(r, P):
        return Feedback(False, "you swapped precision and recall: precision divides TP by the predicted positives "
                               "(column 1: TP + FP), recall by the actual positives (row 1: TP + FN).", name)
    if _close(p, tn / (tn + fn)) or _close(p, tn / (tn + fp)) or _close(r, tn / (tn + fp)):
        return Feedback(False, "you read C[0, 0] as the true positives. In scikit-learn's layout row 0 and column 0 "
                               "are the negative class: C = [[TN, FP], [FN, TP]], so TP = C[1, 1].", name)
    if _close(p, (tp + tn) / (tp + tn + fp + fn)):
        return Feedback(False, "that is the accuracy (TP + TN) / N, not the precision TP / (TP + FP).", name)
    wrong = [n for n, got, want in (("precision", p, P), ("recall", r, R)) if not _close(got, want)]
    if wrong:
        return Feedback(False, f"{' and '.join(wrong)} {'is' if len(wrong) == 1 else 'are'} not right: with "
                               f"TP = C[1, 1], precision = TP / (TP + FP) and recall = TP / (TP + FN).", name)
    if _close(f, (p + r) / 2):
        return Feedback(False, f"{f:.4f} is the arithmetic mean of precision and recall; F1 is their harmonic mean, "
                               "2PR / (P + R), which is pulled towards the smaller of the two.", name)
    return Feedback(False, f"precision and recall are right, but F1 = {f:.6g} is not 2PR / (P + R).", name)


# 2. Debug a leaky standardisation ----------------------------------------------------------------------
#: The first N_TRAIN_ROWS rows of :func:`leak_inputs` are the training set, the rest the test set.
N_TRAIN_ROWS = 80


def leak_inputs() -> np.ndarray:
    """100 rows of 3 features recorded over time (the later rows drift upwards): 80 for training, 20 for testing."""
    rng = np.random.default_rng(5)
    drift = np.linspace(0.0, 3.0, 100)[:, None]
    return (rng.normal(size=(100, 3)) * [1.0, 2.0, 0.5] + [5.0, -1.0, 2.0] + drift).round(3)


def check_leak(X_test_scaled: Any) -> Feedback:
    """Check that the test rows are standardised with the mean and standard deviation of the training rows only."""
    X = leak_inputs()
    train, test = X[:N_TRAIN_ROWS], X[N_TRAIN_ROWS:]
    expected = (test - train.mean(axis=0)) / train.std(axis=0)
    return check_array(X_test_scaled, expected, name="X_test_scaled", mistakes={
        "this is the leaky version: the mean and standard deviation still come from all 100 rows, test rows included. "
        "Compute them from the 80 training rows only.": (test - X.mean(axis=0)) / X.std(axis=0),
        "you standardised the test rows with their own statistics: a model in use sees one example at a time and "
        "has no test statistics. Use the training rows' mean and standard deviation.": (test - test.mean(axis=0)) / test.std(axis=0),
        "nearly: you used the sample standard deviation (ddof=1); StandardScaler, and this exercise, divide by n "
        "(np.std's default, ddof=0).": (test - train.mean(axis=0)) / train.std(axis=0, ddof=1),
        "these are the training rows; the exercise asks for the 20 test rows, X[80:].": (train - train.mean(axis=0)) / train.std(axis=0),
    })


# 3. Write ridge regression with an unpenalised intercept -------------------------------------------
def _ridge_cases() -> list[tuple[np.ndarray, np.ndarray, float]]:
    rng = np.random.default_rng(7)
    cases = []
    for n, d, lam in ((12, 3, 1.0), (30, 5, 10.0), (8, 2, 0.5)):
        X = rng.normal(size=(n, d)) + 2.0                      # features far from zero: the intercept matters
        y = X @ rng.normal(size=d) + 3.0 + 0.3 * rng.normal(size=n)
        cases.append((X, y, lam))
    return cases


def _penalised_intercept(X: np.ndarray, y: np.ndarray, lam: float) -> tuple[np.ndarray, float]:
    A = np.c_[np.ones(len(X)), X]
    theta = np.linalg.solve(A.T @ A + lam * np.eye(A.shape[1]), A.T @ y)
    return theta[1:], float(theta[0])


def check_ridge(ridge_fn: Any) -> Feedback:
    """Check ``ridge_fn(X, y, lam) -> (w, b)`` against the closed form with an unpenalised intercept."""
    name = "ridge"
    if (fb := _unanswered(ridge_fn, name)) is not None:
        return fb
    if not callable(ridge_fn):
        return Feedback(False, f"expected a function, got a {type(ridge_fn).__name__}.", name)
    cases = _ridge_cases()
    for i, (X, y, lam) in enumerate(cases, start=1):
        where = f"on test case {i} of {len(cases)} (X of shape {X.shape}, lam = {lam})"
        try:
            got = ridge_fn(X.copy(), y.copy(), lam)
        except Exception as exc:  # the reader's code: report, never raise
            return Feedback(False, f"{where}, your function raised {type(exc).__name__}: {exc}", name)
        if got is Ellipsis or (isinstance(got, (tuple, list)) and any(g is Ellipsis for g in got)):
            return Feedback(False, "your function still returns `...`: replace it with your code, then run the cell "
                                   "again.", name, answered=False)
        if got is None:
            return Feedback(False, "your function returns None: did you forget the `return`?", name)
        if not isinstance(got, (tuple, list)) or len(got) != 2:
            return Feedback(False, f"{where}: return a pair (w, b), the weights and the intercept.", name)
        w_got, b_got = got
        w_arr = np.asarray(w_got, dtype=float) if not isinstance(w_got, str) else None
        b_num = _as_number(b_got)
        if w_arr is None or w_arr.shape != (X.shape[1],):
            shape = None if w_arr is None else w_arr.shape
            return Feedback(False, f"{where}: w must have shape ({X.shape[1]},), one weight per feature; got {shape}.", name)
        if b_num is None:
            return Feedback(False, f"{where}: b must be a single number.", name)
        w, b = stats.ridge(X, y, lam)
        if np.allclose(w_arr, w, atol=1e-6) and math.isclose(b_num, b, abs_tol=1e-6):
            continue
        mistakes = {
            "you penalised the intercept too (a column of ones inside the penalty). Ridge shrinks the weights, not "
            "the level of y: centre X and y, solve for w, then b = mean(y) - mean(X) @ w.": _penalised_intercept(X, y, lam),
            "you fitted no intercept: b must be mean(y) - mean(X) @ w, with w computed from the centred X and y.":
                stats.ridge(X, y, lam, fit_intercept=False),
            "your answer is ordinary least squares: the penalty lam * I is missing from X_c^T X_c + lam I.":
                stats.ridge(X, y, 0.0),
            "you used lam / 2: sklearn's Ridge, and this exercise, minimise ||y - Xw - b||^2 + lam ||w||^2.":
                stats.ridge(X, y, lam / 2),
        }
        for message, (w_m, b_m) in mistakes.items():
            if np.allclose(w_arr, w_m, atol=1e-6) and math.isclose(b_num, b_m, abs_tol=1e-6):
                return Feedback(False, f"{where}: {message}", name)
        if np.allclose(w_arr, w, atol=1e-6):
            return Feedback(False, f"{where}: w is right but b = {b_num:.6g} is not; b = mean(y) - mean(X) @ w.", name)
        return Feedback(False, f"{where}: w = {np.round(w_arr, 4)} is not the ridge solution.", name)
    return Feedback(True, f"passes all {len(cases)} test cases.", name)


# 4. The value of a unit after dropout -----------------------------------------------------------------
#: Dropout probability and the activation of the unit in exercise 4.
DROPOUT_P = 0.25
ACTIVATION = 3.0


def check_dropout_value(train_value: Any, eval_value: Any) -> Feedback:
    """Check the value of a kept unit in training mode, a / (1 - p), and in evaluation mode, a."""
    name = "train_value, eval_value"
    for value in (train_value, eval_value):
        if _unanswered(value, name) is not None:
            return Feedback(False, "replace both `...` with numbers, then run the cell again.", name, answered=False)
    a, p = ACTIVATION, DROPOUT_P
    fb = check_scalar(train_value, a / (1 - p), name="train_value", mistakes={
        "that is a * (1 - p): inverted dropout divides the kept units by 1 - p (the keep probability), so that "
        "the expected value stays a.": a * (1 - p),
        "that is a / p: divide by the keep probability 1 - p, not by the drop probability p.": a / p,
        "a kept unit is not just passed through in training mode: inverted dropout scales it by 1 / (1 - p).": a,
    })
    if not fb:
        return Feedback(False, fb.message, name)
    fb = check_scalar(eval_value, a, name="eval_value", mistakes={
        "in evaluation mode inverted dropout is the identity: the scaling already happened during training.": a / (1 - p),
        "multiplying by 1 - p at test time is the original, non-inverted dropout; PyTorch's inverted dropout "
        "returns the input unchanged in evaluation mode.": a * (1 - p),
    })
    if not fb:
        return Feedback(False, fb.message, name)
    return Feedback(True, f"a kept unit becomes {a / (1 - p):g} in training mode; in evaluation mode it stays {a:g}.", name)


# 5. Diagnose high bias and high variance -----------------------------------------------------------
#: Training and test mean squared errors of three models of the same data; the noise variance is NOISE_LEVEL.
DIAGNOSIS_TABLE = {"A": (0.41, 0.44), "B": (0.01, 0.62), "C": (0.08, 0.11)}
NOISE_LEVEL = 0.09
_DIAGNOSIS = {"A": "bias", "B": "variance", "C": "good"}
_SYNONYMS = {"bias": "bias", "high bias": "bias", "underfitting": "bias", "underfit": "bias",
             "variance": "variance", "high variance": "variance", "overfitting": "variance", "overfit": "variance",
             "good": "good", "fine": "good", "balanced": "good"}
_WHY = {
    "A": "A has a training error of 0.41, far above the noise level 0.09: it fails on its own training data, and "
         "on test data too. That is underfitting: high bias.",
    "B": "B fits its training data almost perfectly (0.01, below the noise level, so it has learned noise) and fails "
         "on test data (0.62). That is overfitting: high variance.",
    "C": "C's training and test errors are close to each other and to the noise level 0.09, the best any model can "
         "do on average: neither bias nor variance is high.",
}


def check_diagnosis(diagnosis: Any) -> Feedback:
    """Check a dict mapping each model of :data:`DIAGNOSIS_TABLE` to "bias", "variance" or "good"."""
    name = "diagnosis"
    if (fb := _unanswered(diagnosis, name)) is not None:
        return fb
    if not isinstance(diagnosis, dict):
        return Feedback(False, f'expected a dict such as {{"A": "bias", "B": ..., "C": ...}}, got a '
                               f"{type(diagnosis).__name__}.", name)
    missing = [k for k in _DIAGNOSIS if k not in diagnosis]
    if missing:
        return Feedback(False, f"give a diagnosis for every model; missing: {missing}.", name)
    for model, want in _DIAGNOSIS.items():
        label = _SYNONYMS.get(str(diagnosis[model]).strip().lower())
        if label is None:
            return Feedback(False, f'model {model}: answer "bias", "variance" or "good", got {diagnosis[model]!r}.', name)
        if label != want:
            return Feedback(False, f"model {model} is not {label!r}. {_WHY[model]}", name)
    return Feedback(True, "A underfits (high bias), B overfits (high variance), C is close to the noise level.", name)


# 6. Choose a threshold for a recall target -------------------------------------------------------------
#: The recall that the threshold of exercise 6 must reach.
RECALL_TARGET = 0.9


def threshold_inputs() -> tuple[np.ndarray, np.ndarray]:
    """Labels ``y`` (200,) with 40 positives, and a classifier's ``scores`` (200,), three decimals, all distinct."""
    rng = np.random.default_rng(11)
    y = np.r_[np.ones(40, dtype=int), np.zeros(160, dtype=int)]
    logits = np.where(y == 1, 1.0, -1.0) + 1.1 * rng.normal(size=200)
    scores = np.round(1 / (1 + np.exp(-logits)), 3)
    while len(np.unique(scores)) < len(scores):               # break ties so that every threshold is a score
        dup = np.r_[False, np.diff(np.sort(scores)) == 0]
        scores[np.argsort(scores)[dup]] += 0.001
        scores = np.round(scores, 3)
    order = rng.permutation(200)
    return y[order], scores[order]


def _threshold_answer() -> tuple[float, float]:
    y, s = threshold_inputs()
    k = math.ceil(RECALL_TARGET * y.sum())                    # positives that must be caught
    t = float(np.sort(s[y == 1])[::-1][k - 1])                # the k-th highest score of a positive
    pred = s >= t
    return t, float((y[pred] == 1).mean())


def check_threshold(t: Any, precision_at_t: Any) -> Feedback:
    """Check the largest threshold with recall >= RECALL_TARGET for the rule s >= t, and the precision there."""
    name = "t, precision_at_t"
    for value in (t, precision_at_t):
        if _unanswered(value, name) is not None:
            return Feedback(False, "replace both `...` with numbers, then run the cell again.", name, answered=False)
    y, s = threshold_inputs()
    t_best, p_best = _threshold_answer()
    t_num, p_num = _as_number(t), _as_number(precision_at_t)
    if t_num is None or p_num is None:
        return Feedback(False, "t and precision_at_t must each be a single number.", name)
    pred = s >= t_num
    recall = float((pred & (y == 1)).sum() / y.sum())
    if recall < RECALL_TARGET - 1e-12:
        return Feedback(False, f"with t = {t_num:.4g} the recall is {recall:.3f}, below the target {RECALL_TARGET}: "
                               "lower the threshold.", name)
    same_rule = np.array_equal(pred, s >= t_best)
    if not same_rule:
        return Feedback(False, f"t = {t_num:.4g} reaches recall {recall:.3f}, but a higher threshold still reaches "
                               f"{RECALL_TARGET}; a higher threshold flags fewer negatives, so precision is higher. "
                               "Find the largest t that still keeps the recall at or above the target (the rule is "
                               "s >= t, not s > t).", name)
    if not math.isclose(p_num, p_best, rel_tol=1e-6, abs_tol=1e-9):
        mistakes = {
            "that is the recall, not the precision TP / (TP + FP).": recall,
            "that is the share of examples flagged positive, not the precision.": float(pred.mean()),
        }
        for message, wrong in mistakes.items():
            if math.isclose(p_num, wrong, rel_tol=1e-6):
                return Feedback(False, f"t is right; precision_at_t: {message}", name)
        return Feedback(False, f"t is right, but the precision at it is not {p_num:.6g}: count TP and FP among the "
                               "examples with s >= t.", name)
    note = "" if math.isclose(t_num, t_best) else f" (any t in this gap gives the same rule; the largest is {t_best:g})"
    return Feedback(True, f"t = {t_num:g} catches {recall:.0%} of the positives with precision {p_best:.3f}{note}.", name)


# 7. Derive the expected test error of the mean predictor -----------------------------------------
def check_expected_error(expected_error: Any) -> Feedback:
    """Check ``expected_error(sigma, n)``: the expected squared test error of the training mean, sigma^2 (1 + 1/n)."""
    name = "expected_error"
    if (fb := _unanswered(expected_error, name)) is not None:
        return fb
    if not callable(expected_error):
        return Feedback(False, f"expected a function, got a {type(expected_error).__name__}.", name)
    cases = [(0.5, 10), (1.0, 1), (2.0, 4), (0.3, 25)]
    for i, (sigma, n) in enumerate(cases, start=1):
        try:
            got = expected_error(sigma, n)
        except Exception as exc:  # the reader's code: report, never raise
            return Feedback(False, f"calling it with (sigma={sigma}, n={n}) raised {type(exc).__name__}: {exc}", name)
        if got is Ellipsis:
            return Feedback(False, "your function still returns `...`: replace it with your formula, then run the "
                                   "cell again.", name, answered=False)
        s2 = sigma ** 2
        fb = check_scalar(got, s2 * (1 + 1 / n), name=name, mistakes={
            "that is only the variance of the training mean, sigma^2 / n: a new observation brings its own noise, "
            "sigma^2, which no model can predict.": s2 / n,
            "that is only the noise sigma^2: the training mean is itself random, and its variance sigma^2 / n adds "
            "to the error.": s2,
            "that is the expected *training* error, sigma^2 (1 - 1/n): on its own training data the mean looks better "
            "than it is, because it was fitted to that noise.": s2 * (1 - 1 / n),
            "the error is in squared units: use sigma^2, not sigma.": sigma * (1 + 1 / n),
        })
        if not fb:
            return Feedback(False, f"with sigma = {sigma}, n = {n}: {fb.message}", name)
    return Feedback(True, f"passes all {len(cases)} test cases: sigma^2 (1 + 1/n).", name)
