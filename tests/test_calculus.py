"""dlmath.calculus and the explorers of chapter 02: known values, agreement with PyTorch, and errors."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from dlmath import calculus  # noqa: E402
from dlmath.calculus.explorers import (ACTIVATIONS, FUNCTIONS, SURFACES, difference_step_state,  # noqa: E402
                                       gradient_chain_state, gradient_field_state)

rng = np.random.default_rng(0)


# -- sigmoid ---------------------------------------------------------------------------------------
def test_sigmoid_known_values_and_torch():
    assert calculus.sigmoid(0.0) == 0.5
    z = np.linspace(-30, 30, 61)
    np.testing.assert_allclose(calculus.sigmoid(z), torch.sigmoid(torch.from_numpy(z)).numpy(), rtol=1e-14)
    assert calculus.sigmoid(z).shape == z.shape


def test_sigmoid_does_not_overflow():
    with np.errstate(over="raise"):
        out = calculus.sigmoid(np.array([-1000.0, 1000.0]))
    np.testing.assert_array_equal(out, [0.0, 1.0])


def test_sigmoid_prime_matches_autograd_and_peaks_at_a_quarter():
    z = torch.linspace(-8, 8, 33, dtype=torch.float64, requires_grad=True)
    torch.sigmoid(z).sum().backward()
    np.testing.assert_allclose(calculus.sigmoid_prime(z.detach().numpy()), z.grad.numpy(), atol=1e-15)
    assert calculus.sigmoid_prime(0.0) == 0.25
    assert calculus.sigmoid_prime(np.linspace(-5, 5, 1001)).max() <= 0.25


# -- difference quotients --------------------------------------------------------------------------
def test_difference_quotients_known_values():
    # (x + h)^2 - x^2 = 2xh + h^2: forward gives 2x + h; the central difference of a quadratic is exact.
    assert calculus.forward_difference(lambda x: x ** 2, 3.0, 0.5) == pytest.approx(6.5)
    assert calculus.central_difference(lambda x: x ** 2, 3.0, 0.5) == pytest.approx(6.0)
    hs = np.array([1e-1, 1e-2])
    assert calculus.central_difference(np.sin, 0.0, hs).shape == (2,)


def test_truncation_orders():
    hs = np.array([1e-2, 1e-3])
    fwd = np.abs(calculus.forward_difference(np.exp, 0.0, hs) - 1)
    cen = np.abs(calculus.central_difference(np.exp, 0.0, hs) - 1)
    assert fwd[0] / fwd[1] == pytest.approx(10, rel=0.05)     # O(h)
    assert cen[0] / cen[1] == pytest.approx(100, rel=0.05)    # O(h^2)


@pytest.mark.parametrize("h", [0.0, -1e-3, np.array([1e-3, 0.0])])
def test_step_must_be_positive(h):
    with pytest.raises(ValueError, match="the step h must be positive"):
        calculus.forward_difference(np.sin, 1.0, h)


def test_optimal_step_minimises_the_error_model():
    for scheme, f_k in (("forward", -0.3), ("central", 0.7)):
        h_star = calculus.optimal_step(scheme, 2.0, f_k)
        hs = h_star * np.geomspace(0.2, 5, 401)
        model = calculus.difference_error_model(hs, scheme, 2.0, f_k)
        assert hs[np.argmin(model)] == pytest.approx(h_star, rel=0.02)
    eps = calculus.EPS
    assert calculus.optimal_step("forward", 1.0, 2.0) == pytest.approx(np.sqrt(eps))
    assert calculus.optimal_step("central", 1.0, 3.0) == pytest.approx(np.cbrt(eps))


def test_error_model_known_values_and_errors():
    assert calculus.difference_error_model(0.1, "forward", 1.0, 2.0, eps=0.01) == pytest.approx(0.1 + 0.1)
    assert calculus.difference_error_model(0.1, "central", 1.0, 6.0, eps=0.01) == pytest.approx(0.01 + 0.1)
    with pytest.raises(ValueError, match=r"scheme must be one of \('forward', 'central'\), got 'backward'"):
        calculus.difference_error_model(0.1, "backward", 1.0, 1.0)
    with pytest.raises(ValueError, match="no finite optimum"):
        calculus.optimal_step("central", 1.0, 0.0)


def test_measured_optimum_is_near_the_prediction():
    steps = np.logspace(-1, -15, 57)
    err = np.abs(calculus.central_difference(np.exp, 1.0, steps) - np.e)
    predicted = calculus.optimal_step("central", np.e, np.e)
    assert abs(np.log10(steps[np.argmin(err)] / predicted)) < 1.5


# -- numerical gradient, relative error, gradient check -------------------------------------------
@pytest.mark.parametrize("shape", [(), (3,), (2, 3), (2, 3, 2)])
def test_numerical_gradient_any_shape(shape):
    x = rng.normal(size=shape)
    grad = calculus.numerical_gradient(lambda v: np.sum(v ** 3), x)
    assert grad.shape == np.shape(x)
    np.testing.assert_allclose(grad, 3 * x ** 2, atol=1e-8)


def test_numerical_gradient_matches_autograd_and_leaves_x_alone():
    W = rng.normal(size=(3, 4))
    X = rng.normal(size=(4, 5))
    before = W.copy()

    def loss(W_):
        return np.sum(np.tanh(W_ @ X) ** 2)

    W_t = torch.tensor(W, requires_grad=True)
    (torch.tanh(W_t @ torch.from_numpy(X)) ** 2).sum().backward()
    assert calculus.relative_error(calculus.numerical_gradient(loss, W), W_t.grad.numpy()) < 1e-8
    np.testing.assert_array_equal(W, before)


def test_numerical_gradient_accepts_a_torch_scalar_and_rejects_arrays():
    x = np.array([1.0, 2.0])
    grad = calculus.numerical_gradient(lambda v: torch.from_numpy(v).pow(2).sum(), x)
    np.testing.assert_allclose(grad, 2 * x, atol=1e-8)
    with pytest.raises(ValueError, match=r"f must return a single number, got an array of shape \(2,\)"):
        calculus.numerical_gradient(lambda v: v * 2, x)


def test_relative_error_known_values():
    assert calculus.relative_error([1.0, 2.0], [1.0, 2.0]) == 0.0
    assert calculus.relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert calculus.relative_error([1.0, 0.0], [0.0, 1.0]) == pytest.approx(np.sqrt(2) / 2)
    assert calculus.relative_error([1.0], [-1.0]) == pytest.approx(1.0)
    assert calculus.relative_error(1e-9 * np.ones(4), 2e-9 * np.ones(4)) == pytest.approx(1 / 3)  # scale-free


def test_relative_error_names_the_shapes():
    with pytest.raises(ValueError, match=r"b must have shape \(3, 4\), got shape \(4, 3\)"):
        calculus.relative_error(np.zeros((3, 4)), np.zeros((4, 3)))


def test_gradient_check_passes_right_and_fails_wrong_gradients():
    x = rng.normal(size=(2, 3))

    def f(v):
        return np.sum(np.sin(v))

    assert calculus.gradient_check(f, x, np.cos(x)) < 1e-9
    assert calculus.gradient_check(f, x, np.sin(x)) > 1e-2
    with pytest.raises(ValueError, match=r"grad must have shape \(2, 3\), got shape \(3, 2\)"):
        calculus.gradient_check(f, x, np.cos(x).T)


# -- dense layer backward --------------------------------------------------------------------------
def test_dense_backward_matches_autograd():
    W, X, b, dZ = rng.normal(size=(3, 4)), rng.normal(size=(4, 5)), rng.normal(size=3), rng.normal(size=(3, 5))
    W_t, X_t, b_t = (torch.tensor(a, requires_grad=True) for a in (W, X, b))
    (W_t @ X_t + b_t[:, None]).backward(torch.from_numpy(dZ))
    dW, db, dX = calculus.dense_backward(W, X, dZ)
    assert dW.shape == (3, 4) and db.shape == (3,) and dX.shape == (4, 5)
    for ours, theirs in ((dW, W_t), (db, b_t), (dX, X_t)):
        np.testing.assert_allclose(ours, theirs.grad.numpy(), atol=1e-12)


@pytest.mark.parametrize("W,X,dZ,message", [
    (np.zeros((3, 4)), np.zeros((5, 2)), np.zeros((3, 2)), r"X must have shape \(4, N\) to match W of shape \(3, 4\), got shape \(5, 2\)"),
    (np.zeros((3, 4)), np.zeros((4, 2)), np.zeros((2, 3)), r"dZ must have shape \(3, 2\), got shape \(2, 3\)"),
    (np.zeros(4), np.zeros((4, 2)), np.zeros((3, 2)), r"W must have shape 2-D, got shape \(4,\)"),
])
def test_dense_backward_errors_name_expected_and_received_shapes(W, X, dZ, message):
    with pytest.raises(ValueError, match=message):
        calculus.dense_backward(W, X, dZ)


# -- the explorers' pure computations ---------------------------------------------------------------
TORCH_SURFACES = {
    "bowl": lambda x, y: 0.5 * x ** 2 + 1.5 * y ** 2,
    "saddle": lambda x, y: 0.5 * (x ** 2 - y ** 2),
    "hill and valley": lambda x, y: 3 * torch.exp(-(x - 1) ** 2 - y ** 2) - 3 * torch.exp(-(x + 1) ** 2 - y ** 2),
}


@pytest.mark.parametrize("surface", list(SURFACES))
def test_gradient_field_state_matches_autograd_and_steepest_ascent(surface):
    r = gradient_field_state(surface, 0.75, -0.5)
    p = torch.tensor([0.75, -0.5], dtype=torch.float64, requires_grad=True)
    TORCH_SURFACES[surface](p[0], p[1]).backward()
    np.testing.assert_allclose(r["grad"], p.grad.numpy(), atol=1e-12)
    assert r["value"] == pytest.approx(SURFACES[surface][0](0.75, -0.5))
    assert r["norm"] == pytest.approx(p.grad.norm().item())
    assert r["slopes"].max() == pytest.approx(r["norm"], rel=1e-2)               # steepest ascent: |grad f|
    assert r["theta"][np.argmax(r["slopes"])] == pytest.approx(r["angle"], abs=2.5)


def test_gradient_field_state_known_values_and_errors():
    r = gradient_field_state("bowl", 1.0, 0.5)
    np.testing.assert_allclose(r["grad"], [1.0, 1.5])
    assert np.isnan(gradient_field_state("saddle", 0.0, 0.0)["angle"])         # no direction at a stationary point
    with pytest.raises(ValueError, match="surface must be one of"):
        gradient_field_state("volcano", 0.0, 0.0)


@pytest.mark.parametrize("function", list(FUNCTIONS))
def test_difference_step_state(function):
    f, x0, (f0, d1, d2, d3) = FUNCTIONS[function]
    x_t = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
    torch_f = {"sigmoid at x = 1": torch.sigmoid, "exp at x = 1": torch.exp, "sin at x = 1": torch.sin}[function]
    torch_f(x_t).backward()
    assert d1 == pytest.approx(x_t.grad.item(), rel=1e-12)
    large, small = difference_step_state(-2.0, function), difference_step_state(-14.0, function)
    assert large["error_forward"] == pytest.approx(1e-2 / 2 * abs(d2), rel=0.05)  # truncation: h |f''| / 2
    assert large["error_central"] < large["error_forward"]
    assert small["error_forward"] > 1e-5                                          # rounding dominates at h = 1e-14
    assert np.abs(large["remainder"]).max() == pytest.approx(1.0)                 # rescaled to [-1, 1]
    with pytest.raises(ValueError, match="function must be one of"):
        difference_step_state(-3.0, "tan at x = 1")


def test_gradient_chain_state_products():
    r = gradient_chain_state(5, "relu", 1.5)
    np.testing.assert_allclose(r["factors"], 1.5)                                # relu with positive inputs: w
    assert r["grad"][0] == pytest.approx(1.5 ** 5) and r["grad"][-1] == pytest.approx(1.5)
    r = gradient_chain_state(10, "sigmoid", 1.0)
    assert abs(r["grad"][0]) <= r["bound"] == pytest.approx(0.25 ** 10)
    a0 = torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
    a = a0
    for _ in range(10):
        a = torch.tanh(2.0 * a)
    a.backward()
    assert gradient_chain_state(10, "tanh", 2.0)["grad"][0] == pytest.approx(a0.grad.item(), rel=1e-10)
    assert set(ACTIVATIONS) == {"sigmoid", "tanh", "relu"}
    with pytest.raises(ValueError, match="depth must be between 1 and 100"):
        gradient_chain_state(0, "tanh", 1.0)
    with pytest.raises(ValueError, match="activation must be one of"):
        gradient_chain_state(3, "gelu", 1.0)


def test_the_hill_and_valley_surface_is_steepest_halfway_between_its_extremes():
    """The text beside the gradient explorer's preset *between hill and valley*."""
    _, grad, _ = SURFACES["hill and valley"]
    X, Y = np.meshgrid(np.linspace(-2, 2, 401), np.linspace(-2, 2, 401))
    norm = np.hypot(*grad(X, Y))
    i = np.unravel_index(norm.argmax(), norm.shape)
    assert (X[i], Y[i]) == (0.0, 0.0) and grad(0.0, 0.0)[0] > 0  # steepest at the origin, pointing at the hill
