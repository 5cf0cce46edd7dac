"""The exercises of chapter 03: each reference solution agrees with an independent library or method, for the
book's inputs and for students' variants; typical wrong answers get their own help. (The agreement between the
check and the graded tests, for every exercise, is in test_exercise_agreement.py.)"""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from scipy import stats

from dlmath.exercise import use_variant
from dlmath.probability import exercises as ex

SEEDS = [0, 1, 7, 2024]


@pytest.mark.parametrize("seed", SEEDS)
def test_screening_reference_is_the_natural_frequency_count(seed):
    inputs = ex.SCREENING.inputs(seed)
    n = 1_000_000
    ill = inputs["prevalence"] * n
    flagged_ill, flagged_healthy = inputs["sensitivity"] * ill, (1 - inputs["specificity"]) * (n - ill)
    assert ex.SCREENING.expected(seed)["posterior"] == pytest.approx(flagged_ill / (flagged_ill + flagged_healthy))


def test_screening_accepts_what_the_solution_prints_and_names_each_mistake():
    assert ex.check_screening(0.0049 / 0.03475) and ex.check_screening(0.141) and ex.check_screening(0.1410)
    assert "rounded to 2 decimals" in ex.check_screening(0.14).message  # a near miss is not "too small"
    assert "close, but not right to 3 decimals" in ex.check_screening(0.1425).message
    assert "sensitivity" in ex.check_screening(0.98).message
    assert "left out the prevalence" in ex.check_screening(0.98 / 1.01).message
    assert "probability of a positive test" in ex.check_screening(0.03475).message
    assert "1 - specificity, not the specificity" in ex.check_screening(0.0049 / (0.0049 + 0.97 * 0.995)).message
    assert "lacks its prior" in ex.check_screening(0.0049 / (0.0049 + 0.03)).message  # 0.1404, the review's slip
    assert "between 0 and 1" in ex.check_screening(14.1).message
    assert not ex.check_screening(...).answered and not ex.check_screening(None).answered


@pytest.mark.parametrize("seed", SEEDS)
def test_gaussian_mle_reference_is_scipys_fit(seed):
    x = ex.GAUSSIAN_MLE.inputs(seed)["x"]
    loc, scale = stats.norm.fit(x)
    want = ex.GAUSSIAN_MLE.expected(seed)
    assert x.shape == (12,)
    assert want["mu_hat"] == pytest.approx(loc, abs=1e-12) and want["var_hat"] == pytest.approx(scale ** 2, rel=1e-12)


def test_gaussian_mle_names_each_mistake():
    x = ex.gaussian_sample()
    assert ex.check_gaussian_mle(x.mean(), x.var())
    assert ex.check_gaussian_mle(round(x.mean(), 4), round(x.var(), 4))  # rounded as the statement asks
    assert ex.check_gaussian_mle(torch.tensor(x).mean(), torch.tensor(x).var(correction=0))
    assert "divided by n - 1" in ex.check_gaussian_mle(x.mean(), x.var(ddof=1)).message
    assert "standard deviation" in ex.check_gaussian_mle(x.mean(), x.std()).message
    assert "median" in ex.check_gaussian_mle(np.median(x), x.var()).message
    assert not ex.check_gaussian_mle(..., ...).answered
    assert not ex.check_gaussian_mle(x.mean(), ...).answered


@pytest.mark.parametrize("seed", SEEDS)
def test_ce_reference_is_pytorchs_cross_entropy(seed):
    inputs = ex.CE_DEBUG.inputs(seed)
    torch_loss = F.cross_entropy(torch.from_numpy(inputs["Z"]), torch.from_numpy(inputs["targets"])).item()
    assert ex.CE_DEBUG.expected(seed)["loss"] == pytest.approx(torch_loss, rel=1e-12)


def test_ce_loss_names_each_bug():
    Z, targets = ex.ce_inputs()
    right = F.cross_entropy(torch.from_numpy(Z), torch.from_numpy(targets)).item()
    assert ex.check_ce_loss(right)
    p_cols = np.exp(Z) / np.exp(Z).sum(axis=0)
    p_rows = np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)
    assert "colleague's value, with both bugs" in ex.check_ce_loss(-np.mean(np.log(p_cols[targets]))).message
    assert "p[targets] still selects whole rows" in ex.check_ce_loss(-np.mean(np.log(p_rows[targets]))).message
    assert "normalises down the columns" in ex.check_ce_loss(-np.mean(np.log(p_cols[np.arange(4), targets]))).message
    assert "summed" in ex.check_ce_loss(4 * right).message
    assert "log base 2" in ex.check_ce_loss(right / math.log(2)).message
    assert "never negative" in ex.check_ce_loss(-right).message
    double = F.cross_entropy(torch.softmax(torch.from_numpy(Z), 1), torch.from_numpy(targets)).item()
    assert "softmax twice" in ex.check_ce_loss(double).message


def _right(z, T):
    s = np.asarray(z, dtype=float) / T
    e = np.exp(s - s.max())
    return e / e.sum()


@pytest.mark.parametrize("seed", SEEDS)
def test_softmax_t_reference_is_torch_softmax_on_every_case(seed):
    reference = ex.SOFTMAX_T.reference(seed)
    for hidden in (False, True):
        for _, (z, T) in ex.SOFTMAX_T.cases(seed, hidden=hidden):
            want = torch.softmax(torch.from_numpy(np.asarray(z, dtype=float)) / T, dim=0).numpy()
            np.testing.assert_allclose(reference(z, T), want, rtol=1e-12, atol=1e-300)


def test_softmax_t_names_each_mistake():
    def min_shift(z, T):  # the review's case: it passes ordinary logits and overflowed only in the old hidden test
        s = np.asarray(z, dtype=float) / T
        e = np.exp(s - s.min())
        return e / e.sum()

    def naive(z, T):
        e = np.exp(np.asarray(z, dtype=float) / T)
        return e / e.sum()

    assert ex.check_softmax_t(_right)
    assert ex.check_softmax_t(lambda z, T: torch.softmax(torch.tensor(z) / T, 0).numpy())
    with np.errstate(over="ignore", invalid="ignore"):
        assert "np.exp overflows" in ex.check_softmax_t(naive).message
        assert "subtract the *smallest* logit" in ex.check_softmax_t(min_shift).message
    assert "multiplied the logits by T" in ex.check_softmax_t(lambda z, T: _right(np.asarray(z) * T * T, T)).message
    assert "temperature T is ignored" in ex.check_softmax_t(lambda z, T: _right(z, 1.0)).message
    unnormalised = ex.check_softmax_t(lambda z, T: np.exp(np.asarray(z) / T - np.max(np.asarray(z) / T)))
    assert "sum to 1" in unnormalised.message
    assert "raised AttributeError" in ex.check_softmax_t(lambda z, T: z.nope).message

    def placeholder(z, T):
        scaled = ...
        return scaled

    fb = ex.check_softmax_t(placeholder)
    assert not fb.ok and not fb.answered


def test_softmax_t_hidden_cases_catch_an_answer_hard_coded_on_the_checks_cases():
    cases = [args for _, args in ex.SOFTMAX_T.cases(0)]
    table = {(tuple(np.asarray(z).tolist()), T): _right(z, T) for z, T in cases}

    def memorised(z, T):
        return table.get((tuple(np.asarray(z).tolist()), T), np.full(len(z), 1 / len(z)))

    assert ex.check_softmax_t(memorised)  # the public check alone cannot tell
    with pytest.raises(AssertionError, match="family"):
        ex.SOFTMAX_T.test(memorised, hidden=True)
    ex.SOFTMAX_T.test(_right, hidden=True)  # no AssertionError


def test_temperature_limit():
    assert ex.check_temperature_limit("b") and ex.check_temperature_limit(" B ")
    for wrong in "acd":
        assert not ex.check_temperature_limit(wrong)
    assert "infinity" in ex.check_temperature_limit("a").message
    assert "one of the options" in ex.check_temperature_limit("e").message
    assert not ex.check_temperature_limit(...).answered


@pytest.mark.parametrize("seed", SEEDS)
def test_kl_reference_is_scipys_entropy(seed):
    p, q = ex.KL.inputs(seed)["p"], ex.KL.inputs(seed)["q"]
    assert math.isclose(p.sum(), 1) and math.isclose(q.sum(), 1) and min(p.min(), q.min()) > 0
    want = ex.KL.expected(seed)
    assert want["kl_pq"] == pytest.approx(stats.entropy(p, q), rel=1e-12)
    assert want["kl_qp"] == pytest.approx(stats.entropy(q, p), rel=1e-12)


def test_kl_accepts_the_printed_values_and_names_each_mistake():
    p, q = ex.kl_inputs()
    pq, qp = np.sum(p * np.log(p / q)), np.sum(q * np.log(q / p))
    assert ex.check_kl(pq, qp) and ex.check_kl(0.396, 0.365)  # the solution prints 0.396 and 0.365
    assert "rounded to 2 decimals" in ex.check_kl(0.40, 0.365).message
    assert "close" in ex.check_kl(0.391, 0.365).message
    assert "swapped the two directions" in ex.check_kl(qp, pq).message
    assert "log base 2" in ex.check_kl(pq / math.log(2), qp).message
    assert "without weighting" in ex.check_kl(np.sum(np.log(p / q)), qp).message
    assert "cross-entropy" in ex.check_kl(-np.sum(p * np.log(q)), qp).message
    assert "kl_qp holds the other direction" in ex.check_kl(pq, pq).message
    assert "never is" in ex.check_kl(-pq, qp).message
    with pytest.warns(UserWarning, match="batchmean"):  # PyTorch warns of this very mistake
        kl_div_mean = F.kl_div(torch.log(torch.tensor(q)), torch.tensor(p)).item()  # the default reduction="mean"
    assert "reduction='mean'" in ex.check_kl(kl_div_mean, qp).message
    assert not ex.check_kl(..., ...).answered


@pytest.mark.parametrize("seed", SEEDS)
def test_variance_bias_reference_matches_a_simulation(seed):
    inputs = ex.VARIANCE_BIAS.inputs(seed)
    n, var = inputs["n"], inputs["var"]
    draws = np.random.default_rng(seed).normal(0.0, math.sqrt(var), size=(200_000, n))
    simulated = draws.var(axis=1).mean()
    assert ex.VARIANCE_BIAS.expected(seed)["expected_var"] == pytest.approx(simulated, abs=4 * var / math.sqrt(200_000) * 2)


def test_variance_bias():
    assert ex.variance_bias_inputs() == {"n": 5, "var": 9.0}  # sigma^2 = 9, so that sigma^2 / n and (n-1)/n differ
    assert ex.check_variance_bias(7.2) and ex.check_variance_bias(np.float64(36 / 5))
    assert "sigma squared itself" in ex.check_variance_bias(9).message
    assert "n / (n - 1)" in ex.check_variance_bias(11.25).message
    assert "the factor" in ex.check_variance_bias(0.8).message
    assert "variance of the sample mean" in ex.check_variance_bias(1.8).message
    assert not ex.check_variance_bias(...).answered


def test_a_students_variant_has_other_inputs_and_the_books_answer_fails_there():
    book = {e.name: e.expected() for e in ex.EXERCISES if e.function is None}
    use_variant("alice", seed=123456789)
    assert ex.screening_inputs() != ex.SCREENING.book
    assert not ex.check_screening(book["prob_screening"]["posterior"])
    assert not ex.check_kl(book["prob_kl"]["kl_pq"], book["prob_kl"]["kl_qp"])
    p, q = ex.kl_inputs()
    assert ex.check_kl(np.sum(p * np.log(p / q)), np.sum(q * np.log(q / p)))


def test_format_feedback_says_only_whether_the_answer_has_the_asked_form():
    use_variant("bob", seed=99, feedback="format")
    wrong = ex.check_screening(0.5)
    assert wrong.ok and not wrong.checked and str(wrong).startswith("Recorded") and "to 3 decimals" in wrong.message
    assert not ex.check_screening("0.5") and "single number" in ex.check_screening("0.5").message
    assert not ex.check_screening(...).answered
