"""The exercise checks of chapter 03: the intended answer passes, typical wrong answers get specific help."""

import math

import numpy as np
import torch
import torch.nn.functional as F

from dlmath.probability import exercises as ex


def test_screening():
    pi, s, c = ex.SCREENING["prevalence"], ex.SCREENING["sensitivity"], ex.SCREENING["specificity"]
    right = s * pi / (s * pi + (1 - c) * (1 - pi))
    assert math.isclose(right, 0.0049 / 0.03475)
    assert ex.check_screening(right) and ex.check_screening(round(right, 4))
    assert "sensitivity" in ex.check_screening(0.98).message
    assert "left out the prevalence" in ex.check_screening(s / (s + 1 - c)).message
    assert "probability of a positive test" in ex.check_screening(0.03475).message
    assert "1 - specificity" in ex.check_screening(s * pi / (s * pi + c * (1 - pi))).message
    assert "not a probability" in ex.check_screening(14.1).message
    assert not ex.check_screening(...).answered and not ex.check_screening(None).answered


def test_gaussian_mle():
    x = ex.gaussian_sample()
    assert x.shape == (12,)
    fb = ex.check_gaussian_mle(x.mean(), x.var())
    assert fb and "division by n = 12" in fb.message
    assert "divided by n - 1" in ex.check_gaussian_mle(x.mean(), x.var(ddof=1)).message
    assert "standard deviation" in ex.check_gaussian_mle(x.mean(), x.std()).message
    assert "median" in ex.check_gaussian_mle(np.median(x), x.var()).message
    assert not ex.check_gaussian_mle(..., ...).answered
    assert not ex.check_gaussian_mle(x.mean(), ...).answered


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


def test_softmax_t():
    def right(z, T):
        s = np.asarray(z, dtype=float) / T
        e = np.exp(s - s.max())
        return e / e.sum()

    def naive(z, T):
        e = np.exp(np.asarray(z, dtype=float) / T)
        return e / e.sum()

    def times_t(z, T):
        return right(np.asarray(z, dtype=float) * T * T, T)

    def no_t(z, T):
        return right(z, 1.0)

    def unnormalised(z, T):
        s = np.asarray(z, dtype=float) / T
        return np.exp(s - s.max())

    assert ex.check_softmax_t(right)
    assert ex.check_softmax_t(lambda z, T: torch.softmax(torch.tensor(z) / T, 0).numpy())
    with np.errstate(over="ignore", invalid="ignore"):
        assert "np.exp overflows" in ex.check_softmax_t(naive).message
    assert "multiplied the logits by T" in ex.check_softmax_t(times_t).message
    assert "temperature T is ignored" in ex.check_softmax_t(no_t).message
    assert "sum to" in ex.check_softmax_t(unnormalised).message
    assert "raised" in ex.check_softmax_t(lambda z, T: z.nope).message

    def placeholder(z, T):
        scaled = ...
        return scaled

    fb = ex.check_softmax_t(placeholder)
    assert not fb.ok and not fb.answered


def test_temperature_limit():
    assert ex.check_temperature_limit("b") and ex.check_temperature_limit(" B ")
    for wrong in "acd":
        assert not ex.check_temperature_limit(wrong)
    assert "infinity" in ex.check_temperature_limit("a").message
    assert not ex.check_temperature_limit("e")
    assert not ex.check_temperature_limit(...).answered


def test_kl():
    p, q = ex.KL_P, ex.KL_Q
    pq, qp = np.sum(p * np.log(p / q)), np.sum(q * np.log(q / p))
    fb = ex.check_kl(pq, qp)
    assert fb and "two different numbers" in fb.message
    assert "other direction" in ex.check_kl(qp, pq).message
    assert "log base 2" in ex.check_kl(pq / math.log(2), qp / math.log(2)).message
    assert "without weighting" in ex.check_kl(np.sum(np.log(p / q)), qp).message
    assert "cross-entropy" in ex.check_kl(-np.sum(p * np.log(q)), qp).message
    assert "kl_qp" in ex.check_kl(pq, pq).message
    assert not ex.check_kl(..., ...).answered


def test_variance_bias():
    assert ex.check_variance_bias(3.2) and ex.check_variance_bias(np.float64(16 / 5))
    assert "sigma squared itself" in ex.check_variance_bias(4).message
    assert "n / (n - 1)" in ex.check_variance_bias(5.0).message
    assert "the factor" in ex.check_variance_bias(0.8).message
    assert not ex.check_variance_bias(...).answered
