"""The exercise checks of chapter 08: the intended answer passes, the known mistakes are named, junk gets help."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from scipy import signal

from dlmath import breakthroughs as bk
from dlmath.checks import Feedback
from dlmath.breakthroughs import exercises as ex

SEEDS = [0, 1, 7, 2024]


@pytest.mark.parametrize("seed", SEEDS)
def test_references_agree_with_pytorch_scipy_and_graph_search(seed):
    size = ex.CONV_SIZE.reference(seed)
    for _, (n, k, s, p) in ex.CONV_SIZE.cases(seed) + ex.CONV_SIZE.cases(seed, hidden=True):
        out = F.conv2d(torch.zeros(1, 1, n, n), torch.zeros(1, 1, k, k), stride=s, padding=p)
        assert size(n, k, s, p) == out.shape[-1]
    d = ex.CORRELATE.inputs(seed)
    np.testing.assert_allclose(ex.CORRELATE.expected(seed)["Y"], signal.correlate2d(d["X"], d["K"], mode="valid"))
    layer = torch.nn.Conv2d(**ex.CONV_PARAMS.inputs(seed))
    assert ex.CONV_PARAMS.expected(seed)["n_params"] == sum(p.numel() for p in layer.parameters())
    f = ex.FORWARD_SAMPLE.inputs(seed)
    abar = ex.SCHEDULE.alpha_bar[f["t"]]
    assert np.isclose(abar, np.prod(1 - ex.SCHEDULE.beta[1:f["t"] + 1]))         # alpha_bar_t: the product of t steps
    np.testing.assert_allclose(ex.FORWARD_SAMPLE.expected(seed)["xt"],
                               np.sqrt(abar) * f["x0"] + np.sqrt(1 - abar) * f["eps"], rtol=1e-12)
    x0_fn = ex.X0_FROM_EPS.reference(seed)
    for _, (xt, eps, a) in ex.X0_FROM_EPS.cases(seed):
        x0 = x0_fn(xt, eps, a)
        np.testing.assert_allclose(np.sqrt(a) * x0 + np.sqrt(1 - a) * eps, xt, rtol=1e-9, atol=1e-12)  # it inverts
    r = ex.REVERSE_MEAN.inputs(seed)
    t = r["t"]
    S = ex.SCHEDULE
    x0_hat = (r["xt"] - np.sqrt(1 - S.alpha_bar[t]) * r["eps_hat"]) / np.sqrt(S.alpha_bar[t])
    posterior_mean = (np.sqrt(S.alpha_bar[t - 1]) * S.beta[t] / (1 - S.alpha_bar[t]) * x0_hat
                      + np.sqrt(S.alpha[t]) * (1 - S.alpha_bar[t - 1]) / (1 - S.alpha_bar[t]) * r["xt"])
    np.testing.assert_allclose(ex.REVERSE_MEAN.expected(seed)["mean"], posterior_mean, rtol=1e-9)  # the q-posterior mean
    g = ex.GCN_NORM.inputs(seed)
    A = bk.adjacency(g["n"], g["bonds"])
    At = torch.from_numpy(A + np.eye(g["n"]))
    d = At.sum(dim=1)
    np.testing.assert_allclose(ex.GCN_NORM.expected(seed)["A_hat"], (At / torch.outer(d, d).sqrt()).numpy(), rtol=1e-12)
    atom = ex.RECEPTIVE_FIELD.inputs(seed)["atom"]
    mol = bk.caffeine()
    reach = np.linalg.matrix_power(bk.adjacency(mol.n, mol.bonds) + np.eye(mol.n), 2)[:, atom]
    assert ex.RECEPTIVE_FIELD.expected(seed)["n_atoms"] == int(np.count_nonzero(reach))

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
    assert "4 of 16 entries are not right" in ex.check_correlate(right + np.eye(4)).message


def test_conv_params():
    right = sum(p.numel() for p in torch.nn.Conv2d(**ex.conv_params_inputs()).parameters())
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
    assert "must have shape (5, 2)" in ex.check_forward_sample(right.T).message


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
    right = int(np.count_nonzero(A_hat2[:, ex.receptive_inputs()]))
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


@pytest.mark.parametrize("seed", SEEDS)
def test_kernel_grad_reference_is_the_correlation_of_input_and_residual(seed):
    """Autograd's gradient equals the closed form: the padded input correlated with the scaled residual, computed
    here by finite differences of the loss, independent of both."""
    reference = ex.KERNEL_GRAD.reference(seed)
    for hidden in (False, True):
        for _, (X, K, Y, p) in ex.KERNEL_GRAD.cases(seed, hidden=hidden):
            loss = lambda kernel: np.mean((bk.conv2d(X, kernel[None], padding=p)[0] - Y) ** 2)
            h, numeric = 1e-6, np.zeros_like(K)
            for index in np.ndindex(K.shape):
                step = np.zeros_like(K)
                step[index] = h
                numeric[index] = (loss(K + step) - loss(K - step)) / (2 * h)
            np.testing.assert_allclose(reference(X, K, Y, p), numeric, rtol=1e-6, atol=1e-8)


def test_kernel_grad():
    right = lambda X, K, Y, p: ex._kernel_grad_variant(X, K, Y, p)
    assert ex.check_kernel_grad(right)
    assert "factor 2" in ex.check_kernel_grad(lambda *a: ex._kernel_grad_variant(*a, factor=1.0)).message
    assert "divide the sum by N" in ex.check_kernel_grad(lambda *a: ex._kernel_grad_variant(*a, mean=False)).message
    assert "flipped" in ex.check_kernel_grad(lambda *a: ex._kernel_grad_variant(*a, flip=True)).message
    assert "pad the input" in ex.check_kernel_grad(lambda *a: ex._kernel_grad_variant(*a, pad_input=False)).message


@pytest.mark.parametrize("leaves", [1, 2, 7, 150])
def test_star_reference_is_the_closed_form(leaves):
    closed = 1 / (leaves + 1) + leaves / np.sqrt(2 * (leaves + 1))
    assert ex.STAR.solve(leaves)["star_row_sum"] == pytest.approx(closed, rel=1e-12)
    A = torch.zeros(leaves + 1, leaves + 1, dtype=torch.float64)
    A[0, 1:] = A[1:, 0] = 1
    A_tilde = A + torch.eye(leaves + 1, dtype=torch.float64)
    d = A_tilde.sum(dim=1).rsqrt()
    assert (d[:, None] * A_tilde * d[None, :])[0].sum().item() == pytest.approx(closed, rel=1e-12)


def test_star():
    assert ex.check_star_row_sum(lambda n: 1 / (n + 1) + n / math.sqrt(2 * (n + 1)))
    assert "without self-loops" in ex.check_star_row_sum(lambda n: math.sqrt(n)).message
    assert "self-loop is normalised" in ex.check_star_row_sum(lambda n: 1 + n / math.sqrt(2 * (n + 1))).message
    assert "row-normalised" in ex.check_star_row_sum(lambda n: 1.0).message
    assert "degree is n + 1" in ex.check_star_row_sum(lambda n: 1 / n + math.sqrt(n)).message
