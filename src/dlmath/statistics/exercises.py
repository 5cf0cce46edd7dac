"""Exercises of chapter 05 (statistics), each one specification (:class:`dlmath.exercise.Exercise`).

The notebook reads each exercise's inputs with ``*_inputs()`` (the book's own, or a student's variant) and
checks an answer with ``check_*``; the graded tests (``EXERCISE.test``) apply the same rule.
"""

from __future__ import annotations

import math

import numpy as np

from ..exercise import Array, Choice, Exercise, Function, Labels, Mistake, Number, Precision, Text, Tuple
from . import reference as stats

__all__ = [
    "EXERCISES",
    "PRF", "prf_inputs", "check_prf",
    "LEAK", "leak_inputs", "N_TRAIN_ROWS", "check_leak",
    "RIDGE", "check_ridge",
    "DROPOUT", "dropout_inputs", "check_dropout_value",
    "DIAGNOSE", "diagnosis_inputs", "check_diagnosis",
    "THRESHOLD", "threshold_inputs", "check_threshold",
    "MEAN_ERROR", "check_expected_error",
    "PAIRED", "paired_inputs", "check_paired",
    "RIDGE_SVD", "check_ridge_svd",
]


# 1. Precision, recall and F1 from a confusion matrix ------------------------------------------------
def _prf(C: np.ndarray) -> dict:
    (tn, fp), (fn, tp) = C
    P, R = tp / (tp + fp), tp / (tp + fn)
    return {"precision": float(P), "recall": float(R), "f1": float(2 * P * R / (P + R))}


def _prf_draw(rng: np.random.Generator) -> dict:
    return {"C": np.array([[rng.integers(700, 950), rng.integers(10, 90)],
                           [rng.integers(5, 60), rng.integers(20, 110)]])}


def _c00_as_tp(C: np.ndarray) -> dict:
    (tn, fp), (fn, tp) = C
    return {"precision": float(tn / (tn + fn)), "recall": float(tn / (tn + fp))}


PRF = Exercise(
    name="stat_prf", points=2, title="Precision, recall and F1 from a confusion matrix",
    answers=(Number("precision", Precision(decimals=3), within=(0, 1)),
             Number("recall", Precision(decimals=3), within=(0, 1)),
             Number("f1", Precision(decimals=3), within=(0, 1))),
    book={"C": np.array([[880, 40], [30, 50]])},
    draw=_prf_draw,
    solve=_prf,
    mistakes=(
        Mistake("you swapped precision and recall: precision divides TP by the predicted positives (column 1: "
                "TP + FP), recall by the actual positives (row 1: TP + FN).",
                lambda C: {"precision": _prf(C)["recall"], "recall": _prf(C)["precision"]}),
        Mistake("you read C[0, 0] as the true positives. In scikit-learn's layout row 0 and column 0 are the negative "
                "class: C = [[TN, FP], [FN, TP]], so TP = C[1, 1].", _c00_as_tp),
        Mistake("precision is the accuracy (TP + TN) / N, not TP / (TP + FP).",
                lambda C: {"precision": float((C[0, 0] + C[1, 1]) / C.sum())}),
        Mistake("f1 is the arithmetic mean of precision and recall; F1 is their harmonic mean, 2PR / (P + R), which "
                "is pulled towards the smaller of the two.",
                lambda C: {"f1": (_prf(C)["precision"] + _prf(C)["recall"]) / 2}),
    ),
)


def prf_inputs() -> np.ndarray:
    """The confusion matrix of a screening test in scikit-learn's layout ``[[TN, FP], [FN, TP]]``."""
    return PRF.inputs()["C"]


def check_prf(precision, recall, f1):
    """Check precision TP/(TP+FP), recall TP/(TP+FN) and F1 = 2PR/(P+R) for :func:`prf_inputs`, to 3 decimals."""
    return PRF.check(precision, recall, f1)


# 2. Debug a leaky standardisation ----------------------------------------------------------------------
#: The first N_TRAIN_ROWS rows of :func:`leak_inputs` are the training set, the rest the test set.
N_TRAIN_ROWS = 80


def _leak_draw(rng: np.random.Generator, scales=None, means=None, rise=None) -> dict:
    scales = rng.uniform(0.5, 2.0, size=3).round(1) if scales is None else scales
    means = rng.uniform(-5, 5, size=3).round(1) if means is None else means
    rise = rng.uniform(2.0, 4.0) if rise is None else rise
    drift = np.linspace(0.0, rise, 100)[:, None]
    return {"X": (rng.normal(size=(100, 3)) * scales + means + drift).round(3)}


def _split(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return X[:N_TRAIN_ROWS], X[N_TRAIN_ROWS:]


LEAK = Exercise(
    name="stat_leak", points=2, title="Find and fix a leak",
    answers=(Array("X_test_scaled", shape=(20, 3)),),
    book=_leak_draw(np.random.default_rng(5), np.array([1.0, 2.0, 0.5]), np.array([5.0, -1.0, 2.0]), 3.0),
    draw=_leak_draw,
    solve=lambda X: {"X_test_scaled": (_split(X)[1] - _split(X)[0].mean(axis=0)) / _split(X)[0].std(axis=0)},
    mistakes=(
        Mistake("this is the leaky version: the mean and standard deviation still come from all 100 rows, test rows "
                "included. Compute them from the 80 training rows only.",
                lambda X: {"X_test_scaled": (_split(X)[1] - X.mean(axis=0)) / X.std(axis=0)}),
        Mistake("you standardised the test rows with their own statistics: a model in use sees one example at a time "
                "and has no test statistics. Use the training rows' mean and standard deviation.",
                lambda X: {"X_test_scaled": (_split(X)[1] - _split(X)[1].mean(axis=0)) / _split(X)[1].std(axis=0)}),
        Mistake("nearly: you used the sample standard deviation (ddof=1); StandardScaler, and this exercise, divide by "
                "n (np.std's default, ddof=0).",
                lambda X: {"X_test_scaled": (_split(X)[1] - _split(X)[0].mean(axis=0)) / _split(X)[0].std(axis=0, ddof=1)}),
    ),
)


def leak_inputs() -> np.ndarray:
    """100 rows of 3 features recorded over time (the later rows drift upwards): 80 for training, 20 for testing."""
    return LEAK.inputs()["X"]


def check_leak(X_test_scaled):
    """Check that the test rows are standardised with the mean and standard deviation of the training rows only."""
    return LEAK.check(X_test_scaled)


# 3. Write ridge regression with an unpenalised intercept -------------------------------------------
def _ridge_case(n: int, d: int, shift: float):
    def draw(rng: np.random.Generator) -> tuple:
        X = rng.normal(size=(n, d)) + shift                     # features far from zero: the intercept matters
        y = X @ rng.normal(size=d) + rng.uniform(-5, 5) + 0.3 * rng.normal(size=n)
        return X, y, float(rng.choice([0.5, 1.0, 2.0, 10.0]))
    return draw


def _penalised_intercept(X, y, lam) -> tuple[np.ndarray, float]:
    A = np.c_[np.ones(len(X)), X]
    theta = np.linalg.solve(A.T @ A + lam * np.eye(A.shape[1]), A.T @ y)
    return theta[1:], float(theta[0])


RIDGE = Exercise(
    name="stat_ridge", points=3, title="Write ridge regression",
    answers=(Function("ridge", families={
        "features far above zero": _ridge_case(12, 3, 2.0),
        "features far below zero": _ridge_case(30, 5, -4.0),
        "more features than examples": _ridge_case(6, 10, 3.0),
    }, returns=Tuple("ridge", (Array("w"), Number("b"))), per_family=1),),
    solve=lambda X, y, lam: {"ridge": stats.ridge(X, y, lam)},
    mistakes=(
        Mistake("you penalised the intercept too (a column of ones inside the penalty). Ridge shrinks the weights, "
                "not the level of y: centre X and y, solve for w, then b = mean(y) - mean(X) @ w.", _penalised_intercept),
        Mistake("you fitted no intercept: b must be mean(y) - mean(X) @ w, with w computed from the centred X and y.",
                lambda X, y, lam: stats.ridge(X, y, lam, fit_intercept=False)),
        Mistake("your answer is ordinary least squares: the penalty lam * I is missing from X_c^T X_c + lam I.",
                lambda X, y, lam: stats.ridge(X, y, 0.0)),
        Mistake("you used lam / 2: sklearn's Ridge, and this exercise, minimise ||y - Xw - b||^2 + lam ||w||^2.",
                lambda X, y, lam: stats.ridge(X, y, lam / 2)),
        Mistake("you used 2 lam: sklearn's Ridge, and this exercise, minimise ||y - Xw - b||^2 + lam ||w||^2.",
                lambda X, y, lam: stats.ridge(X, y, 2 * lam)),
    ),
)


def check_ridge(ridge_fn):
    """Check ``ridge_fn(X, y, lam) -> (w, b)`` against the closed form with an unpenalised intercept, on data sets
    whose features lie far above and below zero, and one with more features than examples."""
    return RIDGE.check(ridge_fn)


# 4. The value of a unit after dropout -----------------------------------------------------------------
DROPOUT = Exercise(
    name="stat_dropout", points=1, title="The value of a unit after dropout",
    answers=(Number("train_value", Precision(decimals=3)), Number("eval_value", Precision(decimals=3))),
    book={"p": 0.25, "h": 3.0},
    draw=lambda rng: {"p": float(rng.choice([0.1, 0.2, 0.25, 0.3, 0.4])), "h": float(rng.choice([1.5, 2.0, 2.5, 4.0, 5.0]))},
    solve=lambda p, h: {"train_value": h / (1 - p), "eval_value": h},
    mistakes=(
        Mistake("train_value is h (1 - p): inverted dropout divides the kept units by 1 - p (the keep probability), "
                "so that the expected value stays h.", lambda p, h: {"train_value": h * (1 - p)}),
        Mistake("train_value is h / p: divide by the keep probability 1 - p, not by the drop probability p.",
                lambda p, h: {"train_value": h / p}),
        Mistake("a kept unit is not just passed through in training mode: inverted dropout scales it by 1 / (1 - p).",
                lambda p, h: {"train_value": h}),
        Mistake("in evaluation mode inverted dropout is the identity: the scaling already happened during training.",
                lambda p, h: {"eval_value": h / (1 - p)}),
        Mistake("multiplying by 1 - p at test time is the original, non-inverted dropout; PyTorch's inverted dropout "
                "returns the input unchanged in evaluation mode.", lambda p, h: {"eval_value": h * (1 - p)}),
    ),
)


def dropout_inputs() -> dict:
    """The dropout probability ``p`` and the unit's output ``h`` (the book's, or your variant's)."""
    return DROPOUT.inputs()


def check_dropout_value(train_value, eval_value):
    """Check the value of a kept unit in training mode, h / (1 - p), and in evaluation mode, h."""
    return DROPOUT.check(train_value, eval_value)


# 5. Diagnose high bias and high variance -----------------------------------------------------------
_SYNONYMS = {"bias": "bias", "high bias": "bias", "underfitting": "bias", "underfit": "bias",
             "variance": "variance", "high variance": "variance", "overfitting": "variance", "overfit": "variance",
             "good": "good", "fine": "good", "balanced": "good", "neither": "good"}


def _diagnosis_draw(rng: np.random.Generator) -> dict:
    noise = float(rng.choice([0.04, 0.09, 0.16, 0.25]))
    kinds = {"bias": (noise * rng.uniform(3.5, 5.0), 1.08), "variance": (noise * rng.uniform(0.05, 0.2), 6.0),
             "good": (noise * rng.uniform(0.8, 0.95), 1.3)}
    order = rng.permutation(["bias", "variance", "good"])
    table = {}
    for model, kind in zip("ABC", order):
        train, ratio = kinds[kind]
        test = train * ratio if kind != "variance" else noise * rng.uniform(5.0, 7.0)
        table[model] = (round(train, 2), round(test, 2))
    return {"table": table, "noise": noise}


def _diagnose(table: dict, noise: float) -> dict:
    out = {}
    for model, (train, test) in table.items():
        if train > 2 * noise:
            out[model] = "bias"
        elif test > 2 * noise:
            out[model] = "variance"
        else:
            out[model] = "good"
    return {"diagnosis": out}


def _why(model: str, label: str, table: dict, noise: float) -> str:
    train, test = table[model]
    return {
        "bias": f"{model} has a training error of {train:g}, far above the noise level {noise:g}: it fails on its own "
                "training data, and on test data too. That is underfitting: high bias.",
        "variance": f"{model} fits its training data closely ({train:g}, below the noise level {noise:g}, so it has "
                    f"learned noise) and fails on test data ({test:g}). That is overfitting: high variance.",
        "good": f"{model}'s training and test errors ({train:g} and {test:g}) are close to each other and to the noise "
                f"level {noise:g}, the best any model can do on average: neither bias nor variance is high.",
    }[label]


DIAGNOSE = Exercise(
    name="stat_diagnose", points=2, title="Diagnose high bias and high variance",
    answers=(Labels("diagnosis", keys=("A", "B", "C"), synonyms=_SYNONYMS, explain=_why), Text("why")),
    book={"table": {"A": (0.41, 0.44), "B": (0.01, 0.62), "C": (0.08, 0.11)}, "noise": 0.09},
    draw=_diagnosis_draw,
    solve=lambda table, noise: {**_diagnose(table, noise), "why": 'A: a more flexible model or fewer constraints; B: more data, regularisation or a smaller model; C: nothing much, it is near the noise level.'},
)


def diagnosis_inputs() -> dict:
    """``table``: each model's (training error, test error); ``noise``: the noise variance (the book's, or yours)."""
    return DIAGNOSE.inputs()


def check_diagnosis(diagnosis, why=None):
    """Check a dict mapping each model of :func:`diagnosis_inputs` to "bias", "variance" or "good"."""
    return DIAGNOSE.check(diagnosis, why)


# 6. Choose a threshold for a recall target -------------------------------------------------------------
def _scores(rng: np.random.Generator, spread: float) -> tuple[np.ndarray, np.ndarray]:
    y = np.r_[np.ones(40, dtype=int), np.zeros(160, dtype=int)]
    logits = np.where(y == 1, 1.0, -1.0) + spread * rng.normal(size=200)
    scores = np.round(1 / (1 + np.exp(-logits)), 3)
    while len(np.unique(scores)) < len(scores):               # break ties so that every threshold is a score
        dup = np.r_[False, np.diff(np.sort(scores)) == 0]
        scores[np.argsort(scores)[dup]] += 0.001
        scores = np.round(scores, 3)
    order = rng.permutation(200)
    return y[order], scores[order]


def _threshold_book() -> dict:
    y, scores = _scores(np.random.default_rng(11), 1.1)
    return {"y": y, "scores": scores, "target": 0.9}


def _threshold_draw(rng: np.random.Generator) -> dict:
    target = float(rng.choice([0.8, 0.85, 0.9]))
    y, scores = _scores(rng, float(rng.uniform(0.9, 1.3)))
    return {"y": y, "scores": scores, "target": target}


def _threshold(y: np.ndarray, scores: np.ndarray, target: float) -> dict:
    k = math.ceil(target * y.sum() - 1e-9)                    # positives that must be caught
    t = float(np.sort(scores[y == 1])[::-1][k - 1])           # the k-th highest score of a positive
    flagged = scores >= t
    return {"t": t, "precision_at_t": float((y[flagged] == 1).mean())}


def _threshold_hint(values: dict, y: np.ndarray, scores: np.ndarray, target: float) -> str | None:
    t = values["t"]
    flagged = scores >= t
    recall = float((flagged & (y == 1)).sum() / y.sum())
    if recall < target - 1e-12:
        return f"with t = {t:.4g} the recall is {recall:.3f}, below the target {target:g}: lower the threshold."
    best = _threshold(y, scores, target)["t"]
    if flagged.sum() > (scores >= best).sum():
        return (f"t = {t:.4g} reaches recall {recall:.3f}, but a higher threshold still reaches {target:g}; a higher "
                "threshold flags fewer negatives, so precision is higher. Find the largest t that still keeps the "
                "recall at or above the target (the rule is s >= t, not s > t).")
    return None


THRESHOLD = Exercise(
    name="stat_threshold", points=2, title="Choose a threshold for a recall target",
    answers=(Number("t"), Number("precision_at_t", Precision(decimals=3), within=(0, 1))),
    book=_threshold_book(),
    draw=_threshold_draw,
    solve=_threshold,
    # Any t that flags the same examples as the largest threshold is the same rule, s >= t.
    equivalent={"t": lambda t, y, scores, target: int((scores >= t).sum())},
    mistakes=(
        Mistake("precision_at_t is the recall at t, not the precision TP / (TP + FP).",
                lambda y, scores, target: {"precision_at_t": float(
                    ((scores >= _threshold(y, scores, target)["t"]) & (y == 1)).sum() / y.sum())}),
        Mistake("precision_at_t is the share of examples flagged positive, not the precision.",
                lambda y, scores, target: {"precision_at_t": float(
                    (scores >= _threshold(y, scores, target)["t"]).mean())}),
    ),
    hints=(_threshold_hint,),
)


def threshold_inputs() -> tuple[np.ndarray, np.ndarray, float]:
    """Labels ``y`` (200,) with 40 positives, a classifier's ``scores`` (200,), three decimals, all distinct, and
    the recall ``target`` (the book's, or your variant's)."""
    inputs = THRESHOLD.inputs()
    return inputs["y"], inputs["scores"], inputs["target"]


def check_threshold(t, precision_at_t):
    """Check the largest threshold with recall >= the target for the rule s >= t (any t that flags the same
    examples is the same rule), and the precision there, to 3 decimals."""
    return THRESHOLD.check(t, precision_at_t)


# 7. Derive the expected test error of the mean predictor -----------------------------------------
MEAN_ERROR = Exercise(
    name="stat_mean_error", points=2, title="Derive the test error of the mean",
    answers=(Function("expected_error", families={
        "a few examples": lambda rng: (round(float(rng.uniform(0.2, 3.0)), 2), int(rng.integers(2, 12))),
        "one example": lambda rng: (round(float(rng.uniform(0.2, 3.0)), 2), 1),
        "many examples": lambda rng: (round(float(rng.uniform(0.2, 3.0)), 2), int(rng.integers(100, 1000))),
    }, returns=Number("expected_error", Precision(rel=1e-6))),),
    solve=lambda sigma, n: {"expected_error": sigma ** 2 * (1 + 1 / n)},
    mistakes=(
        Mistake("that is only the variance of the training mean, sigma^2 / n: a new observation brings its own noise, "
                "sigma^2, which no model can predict.", lambda sigma, n: sigma ** 2 / n),
        Mistake("that is only the noise sigma^2: the training mean is itself random, and its variance sigma^2 / n adds "
                "to the error.", lambda sigma, n: sigma ** 2),
        Mistake("that is the expected *training* error, sigma^2 (1 - 1/n): on its own training data the mean looks "
                "better than it is, because it was fitted to that noise.", lambda sigma, n: sigma ** 2 * (1 - 1 / n)),
        Mistake("the error is in squared units: use sigma^2, not sigma.", lambda sigma, n: sigma * (1 + 1 / n)),
    ),
)


def check_expected_error(expected_error):
    """Check ``expected_error(sigma, n)``: the expected squared test error of the training mean, sigma^2 (1 + 1/n)."""
    return MEAN_ERROR.check(expected_error)


# 8. Debug a comparison of two models on the same folds ------------------------------------------------
def _fold_scores(rng: np.random.Generator) -> dict:
    """Ten folds of very different difficulty, shared by both models, and a small, steady gap between the models."""
    difficulty = rng.uniform(0.15, 0.6, size=10)
    gap = float(rng.choice([-1.0, 1.0]) * rng.uniform(0.01, 0.02))        # B's error minus A's, on average
    a = difficulty + 0.006 * rng.normal(size=10)
    return {"errors_a": a.round(4), "errors_b": (difficulty + gap + 0.006 * rng.normal(size=10)).round(4)}


def _paired_draw(rng: np.random.Generator) -> dict:
    while True:                                   # a clear verdict, far from the two-standard-error line
        inputs = _fold_scores(rng)
        d = inputs["errors_a"] - inputs["errors_b"]
        if abs(d.mean()) > 3 * d.std(ddof=1) / math.sqrt(len(d)):
            return inputs


def _verdict(mean_diff: float, se: float) -> str:
    return "A" if mean_diff < -2 * se else "B" if mean_diff > 2 * se else "cannot tell"


def _unpaired_se(errors_a: np.ndarray, errors_b: np.ndarray) -> float:
    k = len(errors_a)
    return float(math.sqrt(errors_a.var(ddof=1) / k + errors_b.var(ddof=1) / k))


def _paired(errors_a: np.ndarray, errors_b: np.ndarray) -> dict:
    d = errors_a - errors_b
    se = float(d.std(ddof=1) / math.sqrt(len(d)))
    return {"mean_diff": float(d.mean()), "se": se, "verdict": _verdict(float(d.mean()), se)}


def _with_se(se_of):
    return lambda errors_a, errors_b: {"se": float(se_of(errors_a - errors_b))}


PAIRED = Exercise(
    name="stat_paired", points=2, title="Debug a comparison of two models",
    answers=(Number("mean_diff", Precision(figures=3)), Number("se", Precision(figures=3), within=(0, math.inf)),
             Choice("verdict", explanations={
                 "A": "A wins only when mean_diff = mean(errors_a - errors_b) lies more than 2 standard errors below 0.",
                 "B": "B wins only when mean_diff = mean(errors_a - errors_b) lies more than 2 standard errors above 0.",
                 "cannot tell": "with the right standard error, mean_diff lies more than 2 standard errors from 0: the "
                                "data do tell the two models apart.",
             })),
    book=_paired_draw(np.random.default_rng(2)),
    draw=_paired_draw,
    solve=_paired,
    mistakes=(
        Mistake("that is the colleague's standard error, sqrt(s_A^2 / k + s_B^2 / k): it treats the two columns as "
                "independent samples, so the folds' own difficulty, which both models share, stays in it. Take the "
                "differences fold by fold first, then their standard error.",
                lambda errors_a, errors_b: {"se": _unpaired_se(errors_a, errors_b)}),
        Mistake("that is the colleague's verdict, judged with the unpaired standard error. Judge mean_diff with the "
                "standard error of the fold-by-fold differences.",
                lambda errors_a, errors_b: {"verdict": _verdict(float((errors_a - errors_b).mean()),
                                                                _unpaired_se(errors_a, errors_b))}),
        Mistake("nearly: the standard deviation of the differences needs ddof=1 (the sample standard deviation), "
                "as in the colleague's code.", _with_se(lambda d: d.std() / math.sqrt(len(d)))),
        Mistake("the standard error of a mean of k numbers divides their standard deviation by sqrt(k), not by k.",
                _with_se(lambda d: d.std(ddof=1) / len(d))),
        Mistake("that is the standard deviation of the differences; the standard error of their mean divides it by "
                "sqrt(k).", _with_se(lambda d: d.std(ddof=1))),
        Mistake("mean_diff is mean(errors_a - errors_b): you subtracted the other way round.",
                lambda errors_a, errors_b: {"mean_diff": float((errors_b - errors_a).mean())}),
    ),
)


def paired_inputs() -> tuple[np.ndarray, np.ndarray]:
    """The test errors of models A and B on the same 10 cross-validation folds (the book's, or your variant's)."""
    inputs = PAIRED.inputs()
    return inputs["errors_a"], inputs["errors_b"]


def check_paired(mean_diff, se, verdict):
    """Check mean(errors_a - errors_b), its standard error from the fold-by-fold differences (ddof=1), to 3
    significant figures, and the verdict "A", "B" or "cannot tell" at two standard errors."""
    return PAIRED.check(mean_diff, se, verdict)


# 9. Ridge through the SVD: the filter factors --------------------------------------------------------------
def _svd_case(n: int, d: int, collinear: bool):
    def draw(rng: np.random.Generator) -> tuple:
        X = rng.normal(size=(n, d))
        if collinear:                                            # two nearly equal columns: a tiny singular value
            X[:, 1] = X[:, 0] + 1e-3 * rng.normal(size=n)
        y = X @ rng.normal(size=d) + 0.3 * rng.normal(size=n)
        return X, y, float(rng.choice([0.1, 1.0, 5.0]))
    return draw


def _filtered(X, y, lam, factor) -> np.ndarray:
    U, s, Vt = np.linalg.svd(X, full_matrices=False)
    return Vt.T @ (factor(s, lam) * (U.T @ y))


RIDGE_SVD = Exercise(
    name="stat_ridge_svd", points=3, title="Ridge through the SVD, and match scikit-learn",
    answers=(Function("ridge_svd", families={
        "more examples than features": _svd_case(30, 4, False),
        "more features than examples": _svd_case(5, 8, False),
        "two nearly equal features": _svd_case(25, 4, True),
    }, returns=Array("w", precision=Precision(rel=1e-6, abs=1e-9)), per_family=1),),
    solve=lambda X, y, lam: {"ridge_svd": np.linalg.solve(X.T @ X + lam * np.eye(X.shape[1]), X.T @ y)},
    mistakes=(
        Mistake("that is least squares, w = V diag(1 / s) U^T y: the penalty is missing. Ridge divides by "
                "s_i + lam / s_i, that is, it multiplies by s_i / (s_i^2 + lam).",
                lambda X, y, lam: np.linalg.pinv(X) @ y),
        Mistake("you used the filter factors s^2 / (s^2 + lam) alone; they multiply least squares' 1 / s: the "
                "weights are s / (s^2 + lam).", lambda X, y, lam: _filtered(X, y, lam, lambda s, l: s ** 2 / (s ** 2 + l))),
        Mistake("lam is added to s^2, not to s: the weights are s / (s^2 + lam), not 1 / (s + lam).",
                lambda X, y, lam: _filtered(X, y, lam, lambda s, l: 1 / (s + l))),
    ),
)


def check_ridge_svd(ridge_svd):
    """Check ``ridge_svd(X, y, lam) -> w``, ridge without an intercept computed through the SVD of X, against the
    normal equations (X^T X + lam I) w = X^T y (scikit-learn's ``Ridge(alpha=lam, fit_intercept=False)``)."""
    return RIDGE_SVD.check(ridge_svd)


EXERCISES = (PRF, LEAK, RIDGE, DROPOUT, DIAGNOSE, THRESHOLD, MEAN_ERROR, PAIRED, RIDGE_SVD)
