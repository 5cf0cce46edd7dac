"""The exercise checks of chapter 06: the intended answer passes, typical wrong answers get specific help."""

import math

import numpy as np
import torch

import pytest
import torch.nn.functional as F

from dlmath import numerical_stability as numerics
from dlmath.numerical_stability import exercises as ex

SEEDS = [0, 1, 7, 2024]


@pytest.mark.parametrize("seed", SEEDS)
def test_references_agree_with_numpy_and_pytorch(seed):
    gap = ex.SPACING.reference(seed)
    dtypes = {10: np.float16, 23: np.float32, 52: np.float64}
    for _, (x, M) in ex.SPACING.cases(seed) + ex.SPACING.cases(seed, hidden=True):
        if M in dtypes and float(dtypes[M](x)) == x and x < 65504:  # stored exactly, below float16's largest
            assert gap(x, M) == float(np.spacing(dtypes[M](x)))
    lse = ex.LOGSUMEXP.reference(seed)
    for _, (Z,) in ex.LOGSUMEXP.cases(seed) + ex.LOGSUMEXP.cases(seed, hidden=True):
        np.testing.assert_allclose(lse(Z), torch.logsumexp(torch.from_numpy(Z), dim=0).numpy(), rtol=1e-12)
    n_in, n_out = (ex.HE_STD.inputs(seed)[k] for k in ("n_in", "n_out"))
    W = torch.empty(n_out, n_in, dtype=torch.float64)
    fan_in = torch.nn.init._calculate_fan_in_and_fan_out(W)[0]
    assert ex.HE_STD.expected(seed)["std"] == pytest.approx(torch.nn.init.calculate_gain("relu") / fan_in ** 0.5)
    d = ex.LAYER_NORM.inputs(seed)
    torch_ln = F.layer_norm(torch.from_numpy(d["Z"].T), (4,), torch.from_numpy(d["gamma"]), torch.from_numpy(d["beta"]),
                            eps=1e-5).numpy().T
    np.testing.assert_allclose(ex.LAYER_NORM.expected(seed)["Z_hat"], torch_ln, rtol=1e-10, atol=1e-12)
    c = ex.CLIP.inputs(seed)
    params = [torch.nn.Parameter(torch.zeros(g.shape, dtype=torch.float64)) for g in c["grads"]]
    for p, g in zip(params, c["grads"]):
        p.grad = torch.from_numpy(g.copy())
    torch.nn.utils.clip_grad_norm_(params, c["max_norm"])
    for got, p in zip(ex.CLIP.expected(seed)["clipped"], params):
        np.testing.assert_allclose(got, p.grad.numpy(), rtol=1e-5)
    gradient = ex.LOSS_SCALE.inputs(seed)["gradient"]
    S = ex.LOSS_SCALE.expected(seed)["S"]
    tiny = torch.finfo(torch.float16).tiny
    assert torch.tensor(S * gradient, dtype=torch.float16).item() >= tiny
    assert torch.tensor(S / 2 * gradient, dtype=torch.float16).item() < tiny


def test_spacing():
    def gap(x, M):
        return 2.0 ** (math.floor(math.log2(x)) - M)

    assert ex.check_spacing(gap)
    scaled = ex.check_spacing(lambda x, M: x * 2.0 ** -M)
    assert not scaled and "scaled by x itself" in scaled.message
    assert "that is epsilon" in ex.check_spacing(lambda x, M: 2.0 ** -M).message
    assert "rounds log2(x) up" in ex.check_spacing(lambda x, M: 2.0 ** (math.ceil(math.log2(x)) - M)).message
    assert "half the right size" in ex.check_spacing(lambda x, M: 2.0 ** (math.floor(math.log2(x)) - M - 1)).message
    assert "raised ZeroDivisionError" in ex.check_spacing(lambda x, M: 1 / 0).message
    assert not ex.check_spacing(lambda x, M: ...).answered
    # the answer is NumPy's spacing
    for x in (1.0, 1000.0, 0.25, 3.0, 40000.0):              # numbers float16 stores exactly
        assert gap(x, 10) == float(np.spacing(np.float16(x)))


def test_exp_limits():
    assert ex.check_exp_limits((88, 11)) and ex.check_exp_limits([88.0, np.int64(11)])
    assert "ln(max), not log10(max)" in ex.check_exp_limits((38, 4)).message
    assert "one too far" in ex.check_exp_limits((89, 12)).message
    assert "n32 is right, but 12 is too large" in ex.check_exp_limits((88, 12)).message
    assert "must be a pair (n32, n16)" in ex.check_exp_limits(88).message
    assert "limit of float64" in ex.check_exp_limits((709, 709)).message
    assert not ex.check_exp_limits(...).answered
    # the answer is what PyTorch computes
    assert torch.isfinite(torch.exp(torch.tensor(88.0))) and not torch.isfinite(torch.exp(torch.tensor(89.0)))
    f16 = torch.exp(torch.tensor([11.0, 12.0], dtype=torch.float16))
    assert torch.isfinite(f16[0]) and not torch.isfinite(f16[1])


def test_logsumexp():
    def stable(Z):
        m = Z.max(axis=0, keepdims=True)
        return m[0] + np.log(np.sum(np.exp(Z - m), axis=0))

    assert ex.check_logsumexp(stable)
    assert ex.check_logsumexp(lambda Z: torch.logsumexp(torch.from_numpy(Z), dim=0))
    with np.errstate(over="ignore", divide="ignore"):
        naive = ex.check_logsumexp(lambda Z: np.log(np.sum(np.exp(Z), axis=0)))
        global_max = ex.check_logsumexp(lambda Z: Z.max() + np.log(np.sum(np.exp(Z - Z.max()), axis=0)))
    assert not naive and "exp overflows" in naive.message
    assert "each column's own maximum" in global_max.message
    forgot = ex.check_logsumexp(lambda Z: np.log(np.sum(np.exp(Z - Z.max(axis=0)), axis=0)))
    assert "did not add it back" in forgot.message
    rows = ex.check_logsumexp(lambda Z: stable(Z.T))
    assert "one number per row" in rows.message
    assert "forget the `return`" in ex.check_logsumexp(lambda Z: None).message


def test_he_std():
    assert ex.check_he_std(math.sqrt(2 / 512)) and ex.check_he_std(torch.tensor(0.0625))
    assert "256 outputs" in ex.check_he_std(math.sqrt(2 / 256)).message
    assert "square root" in ex.check_he_std(2 / 512).message
    assert "ReLU zeroes half" in ex.check_he_std(math.sqrt(1 / 512)).message
    assert "Xavier" in ex.check_he_std(math.sqrt(2 / 768)).message


def test_layer_norm():
    Z, gamma, beta = ex.layer_norm_inputs()
    layer = torch.nn.LayerNorm(4, dtype=torch.float64)
    with torch.no_grad():
        layer.weight.copy_(torch.from_numpy(gamma))
        layer.bias.copy_(torch.from_numpy(beta))
    assert ex.check_layer_norm(layer(torch.from_numpy(Z.T)).detach().numpy().T)
    assert "that is batch norm" in ex.check_layer_norm(numerics.batch_norm(Z, gamma, beta)[0]).message
    assert "left out gamma and beta" in ex.check_layer_norm(numerics.layer_norm(Z)).message
    unbiased = gamma[:, None] * (Z - Z.mean(0)) / np.sqrt(Z.var(0, ddof=1) + 1e-5) + beta[:, None]
    assert "unbiased" in ex.check_layer_norm(unbiased).message
    assert "transposed" in ex.check_layer_norm(numerics.layer_norm(Z, gamma, beta).T).message


def test_clip():
    grads, max_norm = ex.clip_inputs()
    params = [torch.nn.Parameter(torch.zeros(g.shape, dtype=torch.float64)) for g in grads]
    for p, g in zip(params, grads):
        p.grad = torch.from_numpy(g.copy())
    torch.nn.utils.clip_grad_norm_(params, max_norm)
    assert ex.check_clip([p.grad.numpy() for p in params])
    per_tensor = [g * min(1.0, max_norm / np.linalg.norm(g)) for g in grads]
    assert "clipped on its own" in ex.check_clip(per_tensor).message
    assert "unchanged" in ex.check_clip(grads).message
    assert "must be a pair" in ex.check_clip(grads[0]).message
    assert not ex.check_clip(...).answered


def test_cancellation():
    assert ex.check_cancellation("b") and ex.check_cancellation(" B ")
    for wrong in "acd":
        assert not ex.check_cancellation(wrong)
    assert "one of the options" in ex.check_cancellation("e").message


def test_loss_scale():
    assert ex.check_loss_scale(8192) and ex.check_loss_scale(2.0 ** 13)
    assert "subnormal" in ex.check_loss_scale(4096).message
    assert "not the smallest" in ex.check_loss_scale(65536).message
    assert "not a power of two" in ex.check_loss_scale(6104).message
    assert "exponent" in ex.check_loss_scale(13).message
    # the answer is what float16 does: 8192 * 1e-8 is normal, 4096 * 1e-8 is not
    tiny = torch.finfo(torch.float16).tiny
    gradient = ex.loss_scale_inputs()
    assert gradient == 1e-8
    assert torch.tensor(8192 * gradient, dtype=torch.float16).item() >= tiny
    assert 0 < torch.tensor(4096 * gradient, dtype=torch.float16).item() < tiny


def test_placeholders_are_reported_as_unanswered():
    def gap(x, M):
        return ...

    def logsumexp(z):
        return ...

    for fb in (ex.check_spacing(gap), ex.check_exp_limits((..., ...)), ex.check_logsumexp(logsumexp),
               ex.check_he_std(...), ex.check_layer_norm(...), ex.check_clip(...), ex.check_cancellation(...),
               ex.check_loss_scale(...)):
        assert not fb.ok and not fb.answered and str(fb).startswith("Not answered yet")


@pytest.mark.parametrize("seed", SEEDS)
def test_rms_norm_reference_is_the_nn_module_and_the_formula(seed):
    reference = ex.RMS_NORM.reference(seed)
    for hidden in (False, True):
        for _, (Z, gamma, eps) in ex.RMS_NORM.cases(seed, hidden=hidden):
            module = torch.nn.RMSNorm(len(gamma), eps=eps, dtype=torch.float64)
            with torch.no_grad():
                module.weight.copy_(torch.from_numpy(gamma))
            by_module = module(torch.from_numpy(Z.T)).detach().numpy().T
            by_formula = gamma[:, None] * Z / np.sqrt(np.mean(Z ** 2, axis=0) + eps)
            np.testing.assert_allclose(reference(Z, gamma, eps), by_module, rtol=1e-12, atol=1e-15)
            np.testing.assert_allclose(by_module, by_formula, rtol=1e-10, atol=1e-13)


def test_rms_norm():
    def right(Z, gamma, eps):
        return gamma[:, None] * Z / np.sqrt(np.mean(Z ** 2, axis=0) + eps)

    assert ex.check_rms_norm(right)
    assert ex.check_rms_norm(lambda Z, gamma, eps: torch.from_numpy(right(Z, gamma, eps)))
    layer_norm = lambda Z, gamma, eps: right(Z - Z.mean(axis=0), gamma, eps)
    assert "layer norm without beta" in ex.check_rms_norm(layer_norm).message
    rows = lambda Z, gamma, eps: gamma[:, None] * Z / np.sqrt(np.mean(Z ** 2, axis=1, keepdims=True) + eps)
    assert "each row" in ex.check_rms_norm(rows).message
    outside = lambda Z, gamma, eps: gamma[:, None] * Z / (np.sqrt(np.mean(Z ** 2, axis=0)) + eps)
    assert "inside the square root" in ex.check_rms_norm(outside).message
    assert "left out gamma" in ex.check_rms_norm(lambda Z, gamma, eps: right(Z, np.ones_like(gamma), eps)).message


@pytest.mark.parametrize("seed", SEEDS)
def test_linear_init_reference_is_what_nn_linear_draws(seed):
    d = ex.LINEAR_INIT.inputs(seed)
    want = ex.LINEAR_INIT.expected(seed)
    torch.manual_seed(seed)
    weights = torch.cat([torch.nn.Linear(d["fan_in"], d["fan_in"]).weight.detach().ravel() for _ in range(4)])
    assert weights.abs().max().item() <= want["bound"] < 1.01 * weights.abs().max().item()
    manual = torch.empty(64, d["fan_in"])
    torch.nn.init.kaiming_uniform_(manual, a=math.sqrt(5))
    assert manual.abs().max().item() <= want["bound"]
    signal = torch.randn(8192, d["fan_in"])
    with torch.no_grad():
        for _ in range(d["depth"]):
            signal = torch.nn.Linear(d["fan_in"], d["fan_in"], bias=False)(signal)
    assert signal.std().item() == pytest.approx(want["std_after"], rel=0.05)


def test_linear_init():
    n, L = ex.linear_init_inputs()
    assert ex.check_linear_init(1 / math.sqrt(n), 3 ** (-L / 2))
    assert "a = 0" in ex.check_linear_init(math.sqrt(6 / n), 2 ** (L / 2)).message
    assert "not the bound" in ex.check_linear_init(1 / math.sqrt(3 * n), 3 ** (-L / 2)).message
    assert "b^2 / 3" in ex.check_linear_init(1 / math.sqrt(n), 1.0).message
    assert "not 3^(-depth)" in ex.check_linear_init(1 / math.sqrt(n), 3.0 ** -L).message
    assert "must lie between" in ex.check_linear_init(-1 / math.sqrt(n), 3 ** (-L / 2)).message
