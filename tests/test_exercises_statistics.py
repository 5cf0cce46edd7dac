"""The exercises of chapter 05: each reference solution agrees with scikit-learn, PyTorch or a simulation, for the
book's inputs and for students' variants; typical wrong answers get specific help. (Check-grade agreement for
every exercise: test_exercise_agreement.py.)"""

import math

import numpy as np
import pytest
import torch
from sklearn import metrics
from sklearn.linear_model import Ridge
from sklearn.preprocessing import StandardScaler

from dlmath.statistics import exercises as ex

SEEDS = [0, 1, 7, 2024]


@pytest.mark.parametrize("seed", SEEDS)
def test_prf_reference_is_sklearns(seed):
    C = ex.PRF.inputs(seed)["C"]
    labels, preds = np.repeat([0, 0, 1, 1], C.ravel()), np.repeat([0, 1, 0, 1], C.ravel())
    want = ex.PRF.expected(seed)
    assert want["precision"] == pytest.approx(metrics.precision_score(labels, preds), rel=1e-12)
    assert want["recall"] == pytest.approx(metrics.recall_score(labels, preds), rel=1e-12)
    assert want["f1"] == pytest.approx(metrics.f1_score(labels, preds), rel=1e-12)


def test_prf():
    (tn, fp), (fn, tp) = ex.prf_inputs()
    P, R = tp / (tp + fp), tp / (tp + fn)
    assert ex.check_prf(P, R, 2 * P * R / (P + R)) and ex.check_prf(round(P, 3), round(R, 3), round(2 * P * R / (P + R), 3))
    assert "swapped" in ex.check_prf(R, P, 0.5).message
    assert "C[0, 0]" in ex.check_prf(tn / (tn + fn), tn / (tn + fp), 0.5).message
    assert "accuracy" in ex.check_prf((tp + tn) / (tp + tn + fp + fn), R, 0.5).message
    assert "harmonic" in ex.check_prf(P, R, (P + R) / 2).message
    assert not ex.check_prf(..., R, 0.5).answered
    assert "single number" in ex.check_prf("0.5", R, 0.5).message


@pytest.mark.parametrize("seed", SEEDS)
def test_leak_reference_is_standard_scaler_fitted_on_the_training_rows(seed):
    X = ex.LEAK.inputs(seed)["X"]
    want = StandardScaler().fit(X[:ex.N_TRAIN_ROWS]).transform(X[ex.N_TRAIN_ROWS:])
    np.testing.assert_allclose(ex.LEAK.expected(seed)["X_test_scaled"], want, rtol=1e-12, atol=1e-12)
    assert X[ex.N_TRAIN_ROWS:].mean() > X[:ex.N_TRAIN_ROWS].mean(), "the later rows drift upwards"


def test_leak():
    X = ex.leak_inputs()
    train, test = X[:ex.N_TRAIN_ROWS], X[ex.N_TRAIN_ROWS:]
    assert ex.check_leak(StandardScaler().fit(train).transform(test))
    assert ex.check_leak(torch.from_numpy(StandardScaler().fit(train).transform(test)).float())
    assert "leaky" in ex.check_leak((test - X.mean(axis=0)) / X.std(axis=0)).message
    assert "their own statistics" in ex.check_leak(StandardScaler().fit_transform(test)).message
    assert "ddof=1" in ex.check_leak((test - train.mean(axis=0)) / train.std(axis=0, ddof=1)).message
    assert "shape (20, 3)" in ex.check_leak(StandardScaler().fit_transform(train)).message
    assert not ex.check_leak(...).answered


def ridge_right(X, y, lam):
    model = Ridge(alpha=lam).fit(X, y)
    return model.coef_, model.intercept_


@pytest.mark.parametrize("seed", SEEDS)
def test_ridge_reference_is_sklearns_ridge_on_every_case(seed):
    reference = ex.RIDGE.reference(seed)
    for hidden in (False, True):
        for _, (X, y, lam) in ex.RIDGE.cases(seed, hidden=hidden):
            w, b = reference(X, y, lam)
            w_sk, b_sk = ridge_right(X, y, lam)
            np.testing.assert_allclose(w, w_sk, atol=1e-8)
            assert b == pytest.approx(b_sk, abs=1e-8)


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


@pytest.mark.parametrize("seed", SEEDS)
def test_dropout_reference_is_torchs_dropout(seed):
    inputs = ex.DROPOUT.inputs(seed)
    layer = torch.nn.Dropout(p=inputs["p"])
    out = layer(torch.full((1000,), inputs["h"], dtype=torch.float64))
    want = ex.DROPOUT.expected(seed)
    assert torch.allclose(out[out != 0], torch.tensor(want["train_value"], dtype=torch.float64))
    assert float(layer.eval()(torch.tensor([inputs["h"]]))[0]) == pytest.approx(want["eval_value"])


def test_dropout_value():
    inputs = ex.dropout_inputs()
    h, p = inputs["h"], inputs["p"]
    assert ex.check_dropout_value(h / (1 - p), h) and ex.check_dropout_value(4.0, 3)
    assert "divides the kept units by 1 - p" in ex.check_dropout_value(h * (1 - p), h).message
    assert "not by the drop probability" in ex.check_dropout_value(h / p, h).message
    assert "identity" in ex.check_dropout_value(h / (1 - p), h / (1 - p)).message
    assert not ex.check_dropout_value(..., h).answered


@pytest.mark.parametrize("seed", SEEDS)
def test_diagnosis_reference_follows_the_chapters_rule(seed):
    """High bias: the training error is far above the noise level; high variance: the training error is near or
    below it and the test error far above; good: both near it. Every variant holds one model of each kind."""
    inputs = ex.DIAGNOSE.inputs(seed)
    noise, table = inputs["noise"], inputs["table"]
    want = ex.DIAGNOSE.expected(seed)["diagnosis"]
    assert sorted(want.values()) == ["bias", "good", "variance"]
    for model, (train, test) in table.items():
        assert (train > 3 * noise) == (want[model] == "bias")
        assert (test > 4 * noise and train < noise) == (want[model] == "variance")


def test_diagnosis():
    assert ex.check_diagnosis({"A": "bias", "B": "variance", "C": "good"})
    # the review's case: synonyms the old hidden test rejected are now one rule for both
    assert ex.check_diagnosis({"A": "underfit", "B": "overfitting", "C": "balanced"})
    assert ex.check_diagnosis({"A": "High bias", "B": "overfitting", "C": "fine"})
    fb = ex.check_diagnosis({"A": "variance", "B": "variance", "C": "good"})
    assert not fb.ok and "A is not 'variance'" in fb.message and "high bias" in fb.message
    fb = ex.check_diagnosis({"A": "bias", "B": "bias", "C": "good"})
    assert "B is not 'bias'" in fb.message and "high variance" in fb.message
    assert "missing" in ex.check_diagnosis({"A": "bias"}).message
    assert "must be a dict" in ex.check_diagnosis("bias").message


@pytest.mark.parametrize("seed", SEEDS)
def test_threshold_reference_is_the_largest_threshold_of_sklearns_curve(seed):
    inputs = ex.THRESHOLD.inputs(seed)
    y, s, target = inputs["y"], inputs["scores"], inputs["target"]
    precision, recall, thresholds = metrics.precision_recall_curve(y, s)
    meets = recall[:-1] >= target
    t = thresholds[meets].max()
    want = ex.THRESHOLD.expected(seed)
    assert want["t"] == pytest.approx(t)
    assert want["precision_at_t"] == pytest.approx(metrics.precision_score(y, (s >= t).astype(int)))


def test_threshold():
    y, s, target = ex.threshold_inputs()
    assert y.shape == s.shape == (200,) and len(np.unique(s)) == 200 and target == 0.9
    t, precision = ex.THRESHOLD.expected()["t"], ex.THRESHOLD.expected()["precision_at_t"]
    assert ex.check_threshold(t, precision) and ex.check_threshold(t, round(precision, 3))
    below = np.sort(s)[np.searchsorted(np.sort(s), t) - 1]
    assert ex.check_threshold((t + below) / 2, precision)            # the same rule: accepted
    assert ex.check_threshold(0.4215, precision)  # the review's case, which the old hidden test failed
    ex.THRESHOLD.test(0.4215, precision, hidden=True)                # ... and the graded test accepts
    assert "below the target" in ex.check_threshold(t + 1e-3, precision).message
    assert "higher threshold still reaches" in ex.check_threshold(below - 1e-6, precision).message
    recall_at_t = ((s >= t) & (y == 1)).sum() / y.sum()
    assert "recall at t" in ex.check_threshold(t, recall_at_t).message
    assert not ex.check_threshold(t, ...).answered


@pytest.mark.parametrize("seed", SEEDS)
def test_expected_error_reference_matches_a_simulation(seed):
    rng = np.random.default_rng(99 + seed)
    sigma, n, sims = 0.7, 5, 200_000
    Y = 2.0 + sigma * rng.normal(size=(sims, n))
    y_new = 2.0 + sigma * rng.normal(size=sims)
    errors = (y_new - Y.mean(axis=1)) ** 2
    reference = ex.MEAN_ERROR.reference(seed)
    assert abs(errors.mean() - reference(sigma, n)) < 4 * errors.std() / np.sqrt(sims)


def test_expected_error():
    assert ex.check_expected_error(lambda sigma, n: sigma ** 2 * (1 + 1 / n))
    assert "training* error" in ex.check_expected_error(lambda sigma, n: sigma ** 2 * (1 - 1 / n)).message
    assert "own noise" in ex.check_expected_error(lambda sigma, n: sigma ** 2 / n).message
    assert "variance sigma^2 / n adds" in ex.check_expected_error(lambda sigma, n: sigma ** 2).message
    assert "squared units" in ex.check_expected_error(lambda sigma, n: sigma * (1 + 1 / n)).message
    assert not ex.check_expected_error(lambda sigma, n: ...).answered
    assert math.isclose(ex.MEAN_ERROR.reference()(0.5, 10), 0.275)


@pytest.mark.parametrize("seed", SEEDS)
def test_paired_reference_is_scipys_paired_t_and_disagrees_with_the_unpaired_rule(seed):
    from scipy.stats import ttest_ind, ttest_rel

    a, b = (ex.PAIRED.inputs(seed)[k] for k in ("errors_a", "errors_b"))
    want = ex.PAIRED.expected(seed)
    assert want["mean_diff"] / want["se"] == pytest.approx(ttest_rel(a, b).statistic, rel=1e-12)
    # The colleague's unpaired statistic (Welch's, with equal sizes) leaves every variant undecided; the paired one decides.
    assert abs(ttest_ind(a, b, equal_var=False).statistic) < 2 < abs(ttest_rel(a, b).statistic)
    assert want["verdict"] == ("A" if want["mean_diff"] < 0 else "B")


def test_paired():
    a, b = ex.paired_inputs()
    d = a - b
    se = d.std(ddof=1) / np.sqrt(len(d))
    verdict = ex.PAIRED.expected()["verdict"]
    assert ex.check_paired(d.mean(), se, verdict) and ex.check_paired(round(d.mean(), 5), float(f"{se:.3g}"), verdict)
    unpaired = np.sqrt(a.var(ddof=1) / 10 + b.var(ddof=1) / 10)
    assert "colleague's standard error" in ex.check_paired(d.mean(), unpaired, "cannot tell").message
    assert "colleague's verdict" in ex.check_paired(d.mean(), se, "cannot tell").message
    assert "ddof=1" in ex.check_paired(d.mean(), d.std() / np.sqrt(10), verdict).message
    assert "sqrt(k), not by k" in ex.check_paired(d.mean(), d.std(ddof=1) / 10, verdict).message
    assert "other way round" in ex.check_paired(-d.mean(), se, verdict).message
    assert "must lie between" in ex.check_paired(d.mean(), -se, verdict).message
    assert "one of the options" in ex.check_paired(d.mean(), se, "A is better").message
    assert not ex.check_paired(..., se, verdict).answered


@pytest.mark.parametrize("seed", SEEDS)
def test_ridge_svd_reference_is_sklearns_ridge_without_intercept(seed):
    reference = ex.RIDGE_SVD.reference(seed)
    for hidden in (False, True):
        for _, (X, y, lam) in ex.RIDGE_SVD.cases(seed, hidden=hidden):
            want = Ridge(alpha=lam, fit_intercept=False, solver="svd").fit(X, y).coef_
            np.testing.assert_allclose(reference(X, y, lam), want, rtol=1e-8, atol=1e-10)


def test_ridge_svd():
    def through_svd(X, y, lam):
        U, s, Vt = np.linalg.svd(X, full_matrices=False)
        return Vt.T @ (s / (s ** 2 + lam) * (U.T @ y))

    def filtered(factor):
        def fn(X, y, lam):
            U, s, Vt = np.linalg.svd(X, full_matrices=False)
            return Vt.T @ (factor(s, lam) * (U.T @ y))
        return fn

    assert ex.check_ridge_svd(through_svd)
    assert "least squares" in ex.check_ridge_svd(lambda X, y, lam: np.linalg.pinv(X) @ y).message
    assert "filter factors" in ex.check_ridge_svd(filtered(lambda s, lam: s ** 2 / (s ** 2 + lam))).message
    assert "not 1 / (s + lam)" in ex.check_ridge_svd(filtered(lambda s, lam: 1 / (s + lam))).message
    assert "shape" in ex.check_ridge_svd(lambda X, y, lam: np.zeros(X.shape[1] + 1)).message
