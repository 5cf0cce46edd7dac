"""dlmath.optimisation: the surfaces have the right values and gradients, the update rules reproduce torch.optim,
and `run` follows a rule, runs many at once and marks divergence."""

import numpy as np
import pytest
import scipy.optimize
import torch

from dlmath import optimisation as optim

rng = np.random.default_rng(0)


def test_quadratic_value_gradient_and_hessian():
    A = np.array([[3.0, 1.0], [1.0, 2.0]])
    S = optim.quadratic(A, center=(1.0, -1.0))
    W = np.array([2.0, 0.5])
    d = W - np.array([1.0, -1.0])
    assert S.value(W) == pytest.approx(0.5 * d @ A @ d)
    np.testing.assert_allclose(S.grad(W), A @ d)
    np.testing.assert_allclose(S.hessian, A)
    assert S.value(np.array(S.minimum)) == 0.0
    P = rng.normal(size=(4, 5, 2))  # any leading shape
    assert S.value(P).shape == (4, 5) and S.grad(P).shape == (4, 5, 2)
    X, Y = np.meshgrid(np.linspace(-1, 1, 3), np.linspace(0, 2, 4))
    np.testing.assert_allclose(S(X, Y), S.value(np.stack([X, Y], axis=-1)))


@pytest.mark.parametrize("A,message", [
    (np.eye(3), r"A must have shape \(2, 2\), got shape \(3, 3\)"),
    (np.array([[1.0, 2.0], [0.0, 1.0]]), "A must be symmetric"),
    (np.array([[1.0, 0.0], [0.0, -1.0]]), "positive definite"),
])
def test_quadratic_rejects_bad_matrices(A, message):
    with pytest.raises(ValueError, match=message):
        optim.quadratic(A)


def test_surfaces_reject_points_of_the_wrong_shape():
    with pytest.raises(ValueError, match=r"W must have shape \(..., 2\).*got shape \(3,\)"):
        optim.rosenbrock().grad(np.zeros(3))


def test_rosenbrock_matches_scipy_and_autograd():
    S = optim.rosenbrock()
    for W in rng.normal(size=(5, 2)):
        assert S.value(W) == pytest.approx(scipy.optimize.rosen(W))
        np.testing.assert_allclose(S.grad(W), scipy.optimize.rosen_der(W))
        Wt = torch.tensor(W, requires_grad=True)
        ((1 - Wt[0]) ** 2 + 100 * (Wt[1] - Wt[0] ** 2) ** 2).backward()
        np.testing.assert_allclose(S.grad(W), Wt.grad.numpy())
    assert S.value(np.array(S.minimum)) == 0.0
    with pytest.raises(ValueError, match="b must be positive"):
        optim.rosenbrock(b=0)


def test_valley_has_the_requested_condition_number():
    S = optim.valley(condition=50, angle_deg=30)
    lam = np.linalg.eigvalsh(S.hessian)
    assert lam.max() / lam.min() == pytest.approx(50)
    assert S.minimum == (1.0, 1.0) and S.start == optim.rosenbrock().start
    valley_direction = np.array([np.cos(np.pi / 6), np.sin(np.pi / 6)])
    np.testing.assert_allclose(S.hessian @ valley_direction, valley_direction)  # curvature 1 along the valley
    with pytest.raises(ValueError, match="condition must be at least 1"):
        optim.valley(condition=0.5)


def _torch_path(make, W0, steps, loss):
    W = torch.tensor(W0, requires_grad=True)
    opt = make([W])
    out = [W.detach().clone()]
    for _ in range(steps):
        opt.zero_grad()
        loss(W).backward()
        opt.step()
        out.append(W.detach().clone())
    return torch.stack(out).numpy()


@pytest.mark.parametrize("rule,make", [
    (optim.SGD(0.01), lambda p: torch.optim.SGD(p, lr=0.01)),
    (optim.SGD(0.01, momentum=0.9), lambda p: torch.optim.SGD(p, lr=0.01, momentum=0.9)),
    (optim.RMSprop(0.01), lambda p: torch.optim.RMSprop(p, lr=0.01)),
    (optim.RMSprop(0.01, alpha=0.9, eps=1e-3), lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.9, eps=1e-3)),
    (optim.Adam(0.05), lambda p: torch.optim.Adam(p, lr=0.05)),
    (optim.Adam(0.05, betas=(0.8, 0.99), eps=1e-4),
     lambda p: torch.optim.Adam(p, lr=0.05, betas=(0.8, 0.99), eps=1e-4)),
])
def test_rules_reproduce_torch_optim_for_100_steps(rule, make):
    A = np.array([[3.0, 1.0], [1.0, 2.0]])
    S = optim.quadratic(A, center=(0.5, -0.5))
    At, c = torch.from_numpy(A), torch.tensor([0.5, -0.5], dtype=torch.float64)
    theirs = _torch_path(make, np.array([2.0, 1.0]), 100, lambda W: 0.5 * (W - c) @ At @ (W - c))
    ours = optim.run(rule, S, [2.0, 1.0], 100)
    np.testing.assert_allclose(ours, theirs, atol=1e-10)


def test_adam_without_bias_correction_takes_larger_first_steps():
    g = np.array([1.0])
    state_c, state_u = optim.Adam(0.1).init(g), optim.Adam(0.1, bias_correction=False).init(g)
    W_c, state_c = optim.Adam(0.1).step(np.zeros(1), g, state_c)
    W_u, state_u = optim.Adam(0.1, bias_correction=False).step(np.zeros(1), g, state_u)
    assert W_c[0] == pytest.approx(-0.1, rel=1e-6)                    # lr * g / |g|
    assert W_u[0] == pytest.approx(-0.1 * 0.1 / np.sqrt(0.001), rel=1e-6)  # (1 - b1) / sqrt(1 - b2) times larger


def test_run_runs_many_learning_rates_at_once_and_marks_divergence():
    S = optim.quadratic(np.diag([1.0, 10.0]))
    lrs = np.array([[0.05], [0.19], [0.21]])
    paths = optim.run(optim.SGD(lrs), S, np.tile([1.0, 1.0], (3, 1)), 300)
    assert paths.shape == (301, 3, 2)
    for k, lr in enumerate(lrs[:, 0]):  # each run is gradient descent with its own learning rate
        alone = optim.run(optim.SGD(float(lr)), S, [1.0, 1.0], 300)
        np.testing.assert_allclose(paths[:, k], alone)
    assert np.all(np.isfinite(paths[:, :2])) and np.abs(paths[-1, :2]).max() < 1e-6  # below 2 / lambda_max = 0.2
    assert np.isnan(paths[-1, 2]).all() and np.isfinite(paths[50, 2]).all()          # above it: diverged, then NaN
    first_nan = np.argmax(np.isnan(paths[:, 2, 0]))
    assert np.abs(paths[first_nan - 1, 2]).max() <= 1e6


def test_run_path_rows_are_the_iterates():
    S = optim.quadratic(np.diag([2.0, 4.0]))
    path = optim.run(optim.SGD(0.1), S.grad, np.array([1.0, 1.0]), 3)
    np.testing.assert_allclose(path, [[1, 1], [0.8, 0.6], [0.64, 0.36], [0.512, 0.216]])
    with pytest.raises(ValueError, match="steps must be a non-negative integer"):
        optim.run(optim.SGD(0.1), S, [1.0, 1.0], -1)


def test_make_rule():
    assert optim.make_rule("momentum", 0.1) == optim.SGD(0.1, momentum=0.9)
    assert isinstance(optim.make_rule("adam", 0.1), optim.Adam)
    with pytest.raises(ValueError, match=r"unknown rule 'lbfgs'; the rules are \['gd', 'momentum', 'rmsprop', 'adam'"):
        optim.make_rule("lbfgs", 0.1)


# -- the explorers of chapter 04 (dlmath.optimisation.explorers) ---------------------------------------------
def test_learning_rate_state_regimes_follow_the_threshold():
    from dlmath.optimisation.explorers import learning_rate_state

    expected = {0.05: "creeps", 0.15: "zigzags", 0.2: "bounces", 0.21: "diverges"}
    for lr, regime in expected.items():
        r = learning_rate_state(lr)
        assert r["regime"] == regime and r["threshold"] == pytest.approx(0.2)
        np.testing.assert_allclose(r["factors"], np.abs(1 - lr * np.array([1.0, 10.0])))
    r = learning_rate_state(0.15)
    assert r["path"].shape == (31, 2) and r["loss"][-1] < 1e-3 * r["loss"][0]
    np.testing.assert_allclose(r["path"][1], [-4.0 + 0.15 * 4.0, 2.0 - 0.15 * 20.0])  # one step of W - lr A W
    bounce = learning_rate_state(0.2)["path"]
    np.testing.assert_allclose(np.abs(bounce[-1, 1]), 2.0)      # on the threshold: the steep coordinate keeps its size
    assert learning_rate_state(0.21)["loss"][-1] > 100 * learning_rate_state(0.21)["loss"][0]
    round_bowl = learning_rate_state(0.1, "round (condition number 1)")
    assert round_bowl["loss"][1] == pytest.approx(0.0)          # lr = 1 / lambda: the minimum in one step
    with pytest.raises(ValueError, match="lr must be positive"):
        learning_rate_state(0.0)
    with pytest.raises(ValueError, match="unknown valley"):
        learning_rate_state(0.1, "flat")


def test_optimiser_paths_state():
    from dlmath.optimisation.explorers import optimiser_paths_state

    r = optimiser_paths_state("gradient descent", -2.0, "Rosenbrock")
    assert r["diverged"] and np.isnan(r["path"][-1]).all() and r["lr"] == pytest.approx(0.01)
    r = optimiser_paths_state("momentum 0.9", -2.75, "tilted valley")
    assert not r["diverged"] and r["distance"] < 1e-3
    r = optimiser_paths_state("Adam", -1.0, "Rosenbrock")
    np.testing.assert_allclose(r["path"], optim.run(optim.Adam(0.1), optim.rosenbrock(), (-1.5, 2.0), 400))
    with pytest.raises(ValueError, match="unknown optimiser 'SGD'"):
        optimiser_paths_state("SGD", -1.0, "Rosenbrock")
    with pytest.raises(ValueError, match="unknown surface"):
        optimiser_paths_state("Adam", -1.0, "Himmelblau")


def test_explorers_redraw_the_path_in_place_and_describe_it():
    import matplotlib

    matplotlib.use("Agg")
    from dlmath.optimisation.explorers import learning_rate, optimiser_paths

    explorer = learning_rate()
    explorer.update(lr=0.05)
    line = explorer._handles["path"]["line"]
    before = np.array(line.get_ydata(), dtype=float)
    explorer.update(lr=0.15)
    assert explorer._handles["path"]["line"] is line and not np.allclose(line.get_ydata(), before)
    assert explorer._handles["contours"]["narrow (condition number 10)"].get_visible()
    explorer.update(valley="round (condition number 1)")
    assert not explorer._handles["contours"]["narrow (condition number 10)"].get_visible()
    _, alt = explorer.frame(lr=0.21)
    assert "learning rate 0.21" in alt and "out of the picture" in alt

    race = optimiser_paths()
    _, alt = race.frame(optimiser="gradient descent", log_lr=-2.0)
    assert "gradient descent" in alt and "diverges" in alt
    _, alt = race.frame(surface="tilted valley")
    assert "tilted by 30 degrees" in alt and "Adam" in alt


def test_a_diverged_run_stays_nan_even_if_it_comes_back():
    def grad(W):  # pushes every run far out at the first step, and back inside the ball at the second
        grad.calls += 1
        return np.full_like(W, {1: -1e7, 2: 1e7}.get(grad.calls, 0.0))

    grad.calls = 0
    path = optim.run(optim.SGD(1.0), grad, np.zeros((2, 2)), 4)
    assert np.isfinite(path[0]).all() and np.isnan(path[1:]).all()
