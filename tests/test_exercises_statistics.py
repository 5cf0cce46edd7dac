"""The exercise checks of chapter 05: the intended answer passes, typical wrong answers get specific help."""

import math

import numpy as np
from sklearn.linear_model import Ridge
from sklearn.preprocessing import StandardScaler

from dlmath.statistics import exercises as ex


def test_prf():
    (tn, fp), (fn, tp) = ex.prf_inputs()
    P, R = tp / (tp + fp), tp / (tp + fn)
    assert ex.check_prf(P, R, 2 * P * R / (P + R))
    assert "swapped" in ex.check_prf(R, P, 0.5).message
    assert "C[0, 0]" in ex.check_prf(tn / (tn + fn), tn / (tn + fp), 0.5).message
    assert "accuracy" in ex.check_prf((tp + tn) / (tp + tn + fp + fn), R, 0.5).message
    assert "harmonic" in ex.check_prf(P, R, (P + R) / 2).message
    assert not ex.check_prf(..., R, 0.5).answered
    assert "single number" in ex.check_prf("0.5", R, 0.5).message


def test_leak():
    X = ex.leak_inputs()
    train, test = X[:ex.N_TRAIN_ROWS], X[ex.N_TRAIN_ROWS:]
    assert ex.check_leak(StandardScaler().fit(train).transform(test))
    assert "leaky" in ex.check_leak((test - X.mean(axis=0)) / X.std(axis=0)).message
    assert "their own statistics" in ex.check_leak(StandardScaler().fit_transform(test)).message
    assert "ddof=1" in ex.check_leak((test - train.mean(axis=0)) / train.std(axis=0, ddof=1)).message
    assert not ex.check_leak(...).answered


def ridge_right(X, y, lam):
    model = Ridge(alpha=lam).fit(X, y)
    return model.coef_, model.intercept_


def test_ridge():
    assert ex.check_ridge(ridge_right)
    assert "penalised the intercept" in ex.check_ridge(ex._penalised_intercept).message

    def no_intercept(X, y, lam):
        return Ridge(alpha=lam, fit_intercept=False).fit(X, y).coef_, 0.0

    assert "no intercept" in ex.check_ridge(no_intercept).message
    assert "penalty lam * I is missing" in ex.check_ridge(lambda X, y, lam: ridge_right(X, y, 1e-12)).message
    assert "lam / 2" in ex.check_ridge(lambda X, y, lam: ridge_right(X, y, lam / 2)).message
    assert "pair (w, b)" in ex.check_ridge(lambda X, y, lam: ridge_right(X, y, lam)[0]).message
    assert "raised ZeroDivisionError" in ex.check_ridge(lambda X, y, lam: 1 / 0).message
    fb = ex.check_ridge(lambda X, y, lam: (..., ...))
    assert not fb.ok and not fb.answered
    assert "forget the `return`" in ex.check_ridge(lambda X, y, lam: None).message


def test_dropout_value():
    a, p = ex.ACTIVATION, ex.DROPOUT_P
    assert ex.check_dropout_value(a / (1 - p), a)
    assert "divides the kept units by 1 - p" in ex.check_dropout_value(a * (1 - p), a).message
    assert "not by the drop probability" in ex.check_dropout_value(a / p, a).message
    assert "identity" in ex.check_dropout_value(a / (1 - p), a / (1 - p)).message
    assert not ex.check_dropout_value(..., a).answered


def test_diagnosis():
    assert ex.check_diagnosis({"A": "bias", "B": "variance", "C": "good"})
    assert ex.check_diagnosis({"A": "High bias", "B": "overfitting", "C": "good"})
    fb = ex.check_diagnosis({"A": "variance", "B": "variance", "C": "good"})
    assert not fb.ok and "model A" in fb.message and "high bias" in fb.message
    fb = ex.check_diagnosis({"A": "bias", "B": "bias", "C": "good"})
    assert "model B" in fb.message and "high variance" in fb.message
    assert "missing" in ex.check_diagnosis({"A": "bias"}).message
    assert "expected a dict" in ex.check_diagnosis("bias").message


def test_threshold():
    y, s = ex.threshold_inputs()
    assert y.shape == s.shape == (200,) and len(np.unique(s)) == 200
    # an independent search: the largest score t whose rule s >= t still catches 90% of the positives
    candidates = [t for t in np.sort(s)[::-1] if ((s >= t) & (y == 1)).sum() >= ex.RECALL_TARGET * y.sum()]
    t = candidates[0]
    precision = ((s >= t) & (y == 1)).sum() / (s >= t).sum()
    assert ex.check_threshold(t, precision)
    below = np.sort(s)[np.searchsorted(np.sort(s), t) - 1]
    assert ex.check_threshold((t + below) / 2, precision)            # the same rule: accepted
    assert "below the target" in ex.check_threshold(t + 1e-3, precision).message
    assert "higher threshold still reaches" in ex.check_threshold(below - 1e-6, precision).message
    assert "that is the recall" in ex.check_threshold(t, ex.RECALL_TARGET).message
    assert not ex.check_threshold(t, ...).answered


def test_expected_error():
    assert ex.check_expected_error(lambda sigma, n: sigma ** 2 * (1 + 1 / n))
    assert "training* error" in ex.check_expected_error(lambda sigma, n: sigma ** 2 * (1 - 1 / n)).message
    assert "own noise" in ex.check_expected_error(lambda sigma, n: sigma ** 2 / n).message
    assert "variance sigma^2 / n adds" in ex.check_expected_error(lambda sigma, n: sigma ** 2).message
    assert "squared units" in ex.check_expected_error(lambda sigma, n: sigma * (1 + 1 / n)).message
    assert not ex.check_expected_error(lambda sigma, n: ...).answered
    assert math.isclose(0.5 ** 2 * 1.1, 0.275)
