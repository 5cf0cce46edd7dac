"""The exercise checks of chapter 04: the intended answer passes, typical wrong answers get specific help."""

import numpy as np
import torch

from dlmath.optimisation import exercises as ex


def test_gd_step():
    A, b, W, lr = ex.gd_inputs()
    assert ex.check_gd_step(W - lr * (A @ W + b))
    assert "uphill" in ex.check_gd_step(W + lr * (A @ W + b)).message
    assert "scale it by the learning rate" in ex.check_gd_step(W - (A @ W + b)).message
    assert "forgot b" in ex.check_gd_step(W - lr * A @ W).message
    assert not ex.check_gd_step(...).answered


def test_gd_step_agrees_with_torch_sgd():
    A, b, W, lr = ex.gd_inputs()
    Wt = torch.tensor(W, requires_grad=True)
    opt = torch.optim.SGD([Wt], lr=lr)
    (0.5 * Wt @ torch.from_numpy(A) @ Wt + torch.from_numpy(b) @ Wt).backward()
    opt.step()
    assert ex.check_gd_step(Wt.detach().numpy())


def test_max_lr():
    lam = np.linalg.eigvalsh(ex.MAX_LR_MATRIX)
    assert ex.check_max_lr(2 / lam.max())
    assert "1 / lambda_max" in ex.check_max_lr(1 / lam.max()).message
    assert "smallest eigenvalue" in ex.check_max_lr(2 / lam.min()).message
    assert "diagonal" in ex.check_max_lr(2 / 4.0).message
    assert "too large" in ex.check_max_lr(10.0).message


def test_max_lr_is_the_stability_threshold():
    lam_max = np.linalg.eigvalsh(ex.MAX_LR_MATRIX).max()
    W0 = np.ones(3)
    for factor, stable in ((0.99, True), (1.01, False)):
        W = W0.copy()
        for _ in range(3000):
            W = W - factor * 2 / lam_max * ex.MAX_LR_MATRIX @ W
        assert (np.linalg.norm(W) < 1e-3) == stable


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
    assert "return two arrays" in ex.check_momentum(lambda W, v, g, lr, mu: W).message
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


def test_noise_variance():
    assert ex.check_noise_variance(0.5 * 8 / 128)
    assert "standard deviation" in ex.check_noise_variance(0.5 * np.sqrt(8 / 128)).message
    assert "falls as the batch grows" in ex.check_noise_variance(0.5 * 128 / 8).message


def test_zero_grad():
    assert ex.check_zero_grad(ex.train_linear("before backward"))
    buggy = ex.check_zero_grad(ex.train_linear("never"))
    assert "with its bug" in buggy.message and not buggy.ok and not buggy.answered
    assert str(buggy).startswith("Not answered yet")
    assert "never moved" in ex.check_zero_grad(np.zeros((1, 3))).message
    assert "shape" in ex.check_zero_grad(np.zeros(3)).message


def test_zero_grad_reference_is_gradient_descent():
    X, y = (t.numpy() for t in ex.loop_inputs())
    X1 = np.hstack([X, np.ones((len(X), 1))])
    theta = np.zeros((4, 1))
    for _ in range(50):
        theta -= 0.05 * 2 / len(X) * X1.T @ (X1 @ theta - y)
    np.testing.assert_allclose(ex.train_linear(), theta[:3].T, atol=1e-10)


def test_schedule():
    assert ex.check_schedule("b") and ex.check_schedule(" B ")
    for wrong in "acd":
        assert not ex.check_schedule(wrong)
    assert "one of the options" in ex.check_schedule(2).message
