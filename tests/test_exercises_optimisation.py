"""The exercises of chapter 04: each reference solution agrees with torch.optim or an independent method, for the
book's inputs and for students' variants; typical wrong answers get specific help. (Check-grade agreement:
test_exercise_agreement.py.)"""

import numpy as np
import pytest
import torch

from dlmath.optimisation import exercises as ex

SEEDS = [0, 1, 7, 2024]


@pytest.mark.parametrize("seed", SEEDS)
def test_references_agree_with_torch_optim(seed):
    d = ex.GD_STEP.inputs(seed)
    W = torch.tensor(d["W"], requires_grad=True)
    sgd = torch.optim.SGD([W], lr=d["lr"])
    (0.5 * W @ torch.from_numpy(d["A"]) @ W + torch.from_numpy(d["b"]) @ W).backward()
    sgd.step()
    np.testing.assert_allclose(ex.GD_STEP.expected(seed)["W_new"], W.detach().numpy(), rtol=1e-12)

    momentum = ex.MOMENTUM.reference(seed)
    for hidden in (False, True):
        for _, (W0, v0, g, lr, mu) in ex.MOMENTUM.cases(seed, hidden=hidden):
            p = torch.tensor(W0, requires_grad=True)
            opt = torch.optim.SGD([p], lr=lr, momentum=mu)
            p.grad = torch.from_numpy(v0.copy())          # the first step stores the gradient as the velocity
            opt.step()
            with torch.no_grad():
                p.copy_(torch.from_numpy(W0))
            p.grad = torch.from_numpy(g.copy())
            opt.step()
            W_new, v_new = momentum(W0, v0, g, lr, mu)
            np.testing.assert_allclose(v_new, opt.state[p]["momentum_buffer"].numpy(), rtol=1e-12, atol=1e-15)
            np.testing.assert_allclose(W_new, p.detach().numpy(), rtol=1e-12, atol=1e-15)

    g, b1, b2 = (ex.ADAM_MOMENTS.inputs(seed)[k] for k in ("g", "beta1", "beta2"))
    w = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    adam = torch.optim.Adam([w], lr=0.1, betas=(b1, b2))
    for g_t in g:
        w.grad = torch.tensor([g_t], dtype=torch.float64)
        adam.step()
    m = adam.state[w]["exp_avg"].item()
    np.testing.assert_allclose(ex.ADAM_MOMENTS.expected(seed)["moments"], [m, m / (1 - b1 ** 5)], rtol=1e-12)

    inputs = ex.ZERO_GRAD.inputs(seed)
    X1 = np.hstack([inputs["X"], np.ones((64, 1))])
    theta = np.zeros((4, 1))
    for _ in range(50):
        theta -= 0.05 * 2 / 64 * X1.T @ (X1 @ theta - inputs["y"])
    np.testing.assert_allclose(ex.ZERO_GRAD.expected(seed)["W_fixed"], theta[:3].T, atol=1e-10)


@pytest.mark.parametrize("seed", SEEDS)
def test_max_lr_is_the_stability_threshold(seed):
    A = ex.MAX_LR.inputs(seed)["A"]
    lr_max = ex.MAX_LR.expected(seed)["lr_max"]
    for factor, stable in ((0.99, True), (1.01, False)):
        W = np.ones(3)
        for _ in range(4000):
            W = W - factor * lr_max * A @ W
        assert (np.linalg.norm(W) < 1e-3) == stable


@pytest.mark.parametrize("seed", SEEDS)
def test_noise_reference_matches_sampled_batches(seed):
    """With per-example gradients of total variance v * batch (so that batches of `batch` have variance v), the
    mean over batches of `new_batch` has variance v * batch / new_batch."""
    d = ex.NOISE.inputs(seed)
    rng = np.random.default_rng(seed)
    per_example = rng.normal(scale=np.sqrt(d["variance_at"] * d["batch"] / 2), size=(4000, d["new_batch"], 2))
    sampled = np.mean(np.sum(per_example.mean(axis=1) ** 2, axis=1))
    assert sampled == pytest.approx(ex.NOISE.expected(seed)["variance"], rel=0.1)


def test_gd_step():
    A, b, W, lr = ex.gd_inputs()
    assert ex.check_gd_step(W - lr * (A @ W + b))
    assert "uphill" in ex.check_gd_step(W + lr * (A @ W + b)).message
    assert "scale it by the learning rate" in ex.check_gd_step(W - (A @ W + b)).message
    assert "forgot b" in ex.check_gd_step(W - lr * A @ W).message
    assert not ex.check_gd_step(...).answered


def test_max_lr():
    lam = np.linalg.eigvalsh(ex.max_lr_inputs())
    assert ex.check_max_lr(2 / lam.max())
    assert ex.check_max_lr(0.4226)  # the review's case: the solution prints 0.4226
    assert "1 / lambda_max" in ex.check_max_lr(1 / lam.max()).message
    assert "smallest eigenvalue" in ex.check_max_lr(2 / lam.min()).message
    assert "diagonal" in ex.check_max_lr(2 / 4.0).message
    assert "too large" in ex.check_max_lr(10.0).message


def test_momentum():
    def right(W, v, g, lr, mu):
        v_new = mu * v + g
        return W - lr * v_new, v_new

    assert ex.check_momentum(right)
    assert "old velocity" in ex.check_momentum(lambda W, v, g, lr, mu: (W - lr * v, mu * v + g)).message
    assert "dampening" in ex.check_momentum(
        lambda W, v, g, lr, mu: (W - lr * (mu * v + (1 - mu) * g), mu * v + (1 - mu) * g)).message
    assert "other convention" in ex.check_momentum(
        lambda W, v, g, lr, mu: (W + mu * v - lr * g, mu * v - lr * g)).message
    assert "must be a pair (W_new, v_new)" in ex.check_momentum(lambda W, v, g, lr, mu: W).message
    # the review's case: with lr = 1 - mu, lr inside the velocity was called dampening; no case has that now
    assert all(not np.isclose(lr, 1 - mu) for _, (*_, lr, mu) in ex.MOMENTUM.cases(0) + ex.MOMENTUM.cases(0, hidden=True))
    assert "raised ZeroDivisionError" in ex.check_momentum(lambda W, v, g, lr, mu: 1 / 0).message
    assert not ex.check_momentum(...).answered
    assert not ex.check_momentum(lambda W, v, g, lr, mu: (..., ...)).answered


def test_adam_moments_match_torch_state():
    g, b1, b2 = ex.adam_inputs()
    w = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.Adam([w], lr=0.1, betas=(b1, b2))
    for gt in g:
        w.grad = torch.tensor([gt], dtype=torch.float64)
        opt.step()
    m = opt.state[w]["exp_avg"].item()
    assert ex.check_adam_moments([m, m / (1 - b1 ** 5)])
    assert "swapped" in ex.check_adam_moments([m / (1 - b1 ** 5), m]).message
    assert "not corrected" in ex.check_adam_moments([m, m]).message
    assert "1 - beta1^4" in ex.check_adam_moments([m, m / (1 - b1 ** 4)]).message
    assert ex.check_adam_moments([1.184, 2.891])  # what the solution prints, to 4 significant figures
    # the review's case: the first edition's gradients were a palindrome, so feeding them in reverse passed
    reverse = 0.0
    for gt in g[::-1]:
        reverse = b1 * reverse + (1 - b1) * gt
    assert "reverse order" in ex.check_adam_moments([reverse, reverse / (1 - b1 ** 5)]).message


def test_noise_variance():
    assert ex.noise_inputs() == {"variance_at": 0.5, "batch": 8, "new_batch": 128}
    assert ex.check_noise_variance(0.5 * 8 / 128) and ex.check_noise_variance(0.03125)
    assert "standard deviation" in ex.check_noise_variance(0.5 * np.sqrt(8 / 128)).message
    assert "falls as the batch grows" in ex.check_noise_variance(0.5 * 128 / 8).message


def test_zero_grad():
    assert ex.check_zero_grad(ex.train_linear("before backward"))
    buggy = ex.check_zero_grad(ex.train_linear("never"))
    assert "with its bug" in buggy.message and not buggy.ok and not buggy.answered
    assert str(buggy).startswith("Not answered yet")
    assert "never moved" in ex.check_zero_grad(np.zeros((1, 3))).message
    assert "shape" in ex.check_zero_grad(np.zeros(3)).message


def test_schedule():
    assert ex.check_schedule("b") and ex.check_schedule(" B ")
    for wrong in "acd":
        assert not ex.check_schedule(wrong)
    assert "one of the options" in ex.check_schedule(2).message
