"""The exercise checks of chapter 08: the intended answer passes, the known mistakes are named, junk gets help."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from scipy import signal

from dlmath import breakthroughs as bk
from dlmath.checks import Feedback
from dlmath.breakthroughs import exercises as ex

JUNK = [..., None, "an answer", {"a": 1}, np.zeros((2, 2, 2)), float("nan"), lambda *args: 1 / 0]
CHECKS = [ex.check_conv_size, ex.check_correlate, ex.check_conv_params, ex.check_forward_sample,
          ex.check_x0_from_eps, ex.check_reverse_mean, ex.check_gcn_norm, ex.check_receptive_field,
          ex.check_permutation]


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("junk", JUNK, ids=lambda j: type(j).__name__)
def test_checks_never_raise_on_junk(check, junk):
    fb = check(junk)
    assert isinstance(fb, Feedback) and not fb.ok and fb.message
    assert fb.answered == (junk is not ... and junk is not None)


def test_conv_size():
    assert ex.check_conv_size(lambda n, k, s, p: (n + 2 * p - k) // s + 1)
    assert ex.check_conv_size(lambda n, k, s, p: bk.conv_output_size(n, k, s, p))
    assert "n + 2p: you used n + p" in ex.check_conv_size(lambda n, k, s, p: (n + p - k) // s + 1).message
    assert "forgot the + 1" in ex.check_conv_size(lambda n, k, s, p: (n + 2 * p - k) // s).message
    assert "left out the padding" in ex.check_conv_size(lambda n, k, s, p: (n - k) // s + 1).message
    assert "not a whole number" in ex.check_conv_size(lambda n, k, s, p: (n + 2 * p - k) / s + 1).message
    assert "returns None" in ex.check_conv_size(lambda n, k, s, p: None).message
    assert not ex.check_conv_size(lambda n, k, s, p: ...).answered


def test_correlate():
    X, K = ex.flip_inputs()
    right = F.conv2d(torch.from_numpy(X)[None, None], torch.from_numpy(K)[None, None])[0, 0].numpy()
    assert ex.check_correlate(right) and ex.check_correlate(signal.correlate2d(X, K, mode="valid"))
    assert ex.check_correlate(torch.from_numpy(right))
    assert "true convolution, which flips the kernel" in ex.check_correlate(signal.convolve2d(X, K, mode="valid")).message
    assert "'full' output" in ex.check_correlate(signal.convolve2d(X, K, mode="full")).message
    assert "mode='same'" in ex.check_correlate(signal.correlate2d(X, K, mode="same")).message
    assert "only one direction" in ex.check_correlate(signal.convolve2d(X, K[:, ::-1], mode="valid")).message
    assert "entries differ" in ex.check_correlate(right + np.eye(4)).message


def test_conv_params():
    right = sum(p.numel() for p in torch.nn.Conv2d(**ex.CONV_LAYER).parameters())
    assert right == 1216 and ex.check_conv_params(right)
    assert "not the biases" in ex.check_conv_params(1200).message
    assert "every* input channel" in ex.check_conv_params(16 * 25 + 16).message
    assert "5 x 5, not 5" in ex.check_conv_params(16 * 3 * 5 + 16).message
    assert "too large" in ex.check_conv_params(10**6).message


def test_forward_sample():
    x0, eps, S, step = ex.forward_inputs()
    abar = torch.prod(1 - torch.from_numpy(S.beta[1:step + 1]))
    right = (abar.sqrt() * torch.from_numpy(x0) + (1 - abar).sqrt() * torch.from_numpy(eps)).numpy()
    assert ex.check_forward_sample(right)
    alpha = S.alpha[step]
    assert "alpha_t, the factor of one step" in ex.check_forward_sample(
        np.sqrt(alpha) * x0 + np.sqrt(1 - alpha) * eps).message
    abar = S.alpha_bar[step]
    assert "standard deviation" in ex.check_forward_sample(np.sqrt(abar) * x0 + (1 - abar) * eps).message
    assert "their square roots" in ex.check_forward_sample(abar * x0 + (1 - abar) * eps).message
    prev = S.alpha_bar[step - 1]
    assert "step t - 1" in ex.check_forward_sample(np.sqrt(prev) * x0 + np.sqrt(1 - prev) * eps).message
    assert "no schedule" in ex.check_forward_sample(x0 + eps).message
    assert "expected shape (5, 2)" in ex.check_forward_sample(right.T).message


def test_x0_from_eps():
    assert ex.check_x0_from_eps(lambda xt, e, a: (xt - np.sqrt(1 - a) * e) / np.sqrt(a))
    assert "did not divide by sqrt(alpha_bar)" in ex.check_x0_from_eps(lambda xt, e, a: xt - np.sqrt(1 - a) * e).message
    assert "not by 1 - alpha_bar" in ex.check_x0_from_eps(lambda xt, e, a: (xt - (1 - a) * e) / np.sqrt(a)).message
    assert "sign of the noise" in ex.check_x0_from_eps(lambda xt, e, a: (xt + np.sqrt(1 - a) * e) / np.sqrt(a)).message
    assert "not by alpha_bar" in ex.check_x0_from_eps(lambda xt, e, a: (xt - np.sqrt(1 - a) * e) / a).message
    assert "raised ZeroDivisionError" in ex.check_x0_from_eps(lambda xt, e, a: 1 / 0).message


def test_reverse_mean():
    xt, eps, S, step = ex.reverse_inputs()
    beta, alpha, abar = S.beta[step], S.alpha[step], S.alpha_bar[step]
    right = (xt - beta / np.sqrt(1 - abar) * eps) / np.sqrt(alpha)
    assert ex.check_reverse_mean(right)
    assert ex.check_reverse_mean(bk.ddpm_step(xt, step, eps, S, np.zeros_like(xt)))
    assert "divided by sqrt(alpha_bar_t)" in ex.check_reverse_mean(
        (xt - beta / np.sqrt(1 - abar) * eps) / np.sqrt(abar)).message
    assert "jumps towards x_0" in ex.check_reverse_mean((xt - np.sqrt(1 - abar) * eps) / np.sqrt(alpha)).message
    assert "square root in the denominator" in ex.check_reverse_mean((xt - beta / (1 - abar) * eps) / np.sqrt(alpha)).message
    assert "forgot to divide by sqrt(alpha_t)" in ex.check_reverse_mean(xt - beta / np.sqrt(1 - abar) * eps).message
    assert "subtracted, not added" in ex.check_reverse_mean((xt + beta / np.sqrt(1 - abar) * eps) / np.sqrt(alpha)).message


def test_gcn_norm():
    A = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 1.0], [0.0, 1.0, 0.0]])
    A_tilde = A + np.eye(3)
    d, d_A = A_tilde.sum(1), A.sum(1)
    assert ex.check_gcn_norm(A_tilde / np.sqrt(np.outer(d, d)))
    assert ex.check_gcn_norm(np.diag(d ** -0.5) @ A_tilde @ np.diag(d ** -0.5))
    assert "forgot the self-loops" in ex.check_gcn_norm(A / np.sqrt(np.outer(d_A, d_A))).message
    assert "degrees of A alone" in ex.check_gcn_norm(A_tilde / np.sqrt(np.outer(d_A, d_A))).message
    assert "row-normalised" in ex.check_gcn_norm(A_tilde / d[:, None]).message
    assert "before the normalisation" in ex.check_gcn_norm(A_tilde).message
    assert "adjacency matrix A itself" in ex.check_gcn_norm(A).message


def test_receptive_field():
    A_hat2 = np.linalg.matrix_power(bk.normalized_adjacency(bk.adjacency(14, bk.caffeine().bonds)), 2)
    right = int(np.count_nonzero(A_hat2[:, ex.RECEPTIVE_ATOM]))
    assert right == 8 and ex.check_receptive_field(right) and ex.check_receptive_field(8.0)
    assert "count the atom itself" in ex.check_receptive_field(7).message
    assert "one layer" in ex.check_receptive_field(4).message
    assert "three bonds" in ex.check_receptive_field(11).message
    assert "whole molecule" in ex.check_receptive_field(14).message


def test_permutation():
    assert ex.check_permutation("b") and ex.check_permutation(" B ")
    for wrong in "acd":
        fb = ex.check_permutation(wrong)
        assert not fb.ok and fb.message.startswith("No")
    assert "one of the options" in ex.check_permutation("e").message
