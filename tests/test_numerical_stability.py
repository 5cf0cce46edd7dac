"""dlmath.numerical_stability and the explorers of chapter 06: each reference implementation computes what PyTorch does."""

import math

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from dlmath import numerical_stability as numerics  # noqa: E402
from dlmath.numerical_stability.explorers import deep_stack, deep_stack_state, float_storage, float_storage_state  # noqa: E402

TORCH_DTYPES = {"float64": torch.float64, "float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}
rng = np.random.default_rng(0)


# -- formats ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", list(TORCH_DTYPES))
def test_format_facts_match_torch_finfo(name):
    f, fi = numerics.FORMATS[name], torch.finfo(TORCH_DTYPES[name])
    assert f.bits == fi.bits
    assert f.eps == fi.eps == 2.0 ** -f.mantissa_bits
    assert f.max == fi.max
    assert f.smallest_normal == fi.tiny
    zero, one = torch.tensor(0, dtype=TORCH_DTYPES[name]), torch.tensor(1, dtype=TORCH_DTYPES[name])
    assert f.smallest_subnormal == torch.nextafter(zero, one).item()


def test_known_format_values():
    assert numerics.FORMATS["float16"].max == 65504.0
    assert numerics.FORMATS["bfloat16"].eps == 2.0 ** -7
    assert numerics.FORMATS["float32"].bias == 127
    assert numerics.float_format("float16").decimal_digits == pytest.approx(3.31, abs=0.01)
    with pytest.raises(ValueError, match=r"fmt must be one of \['float64', 'float32', 'float16', 'bfloat16'\], got 'int8'"):
        numerics.float_format("int8")


@pytest.mark.parametrize("name", list(TORCH_DTYPES))
def test_round_to_is_what_torch_stores(name):
    x = rng.normal(size=3000) * 10.0 ** rng.integers(-50, 45, size=3000)
    edges = np.array([0.0, -0.0, 65504, 65519, 65520, 1e-8, 2.98e-8, 2.99e-8, 3.4028235e38, 3.40282357e38,
                      1.4e-45, 7e-46, 7.1e-46, np.inf, -np.inf, 1 + 2 ** -8, 1 + 3 * 2 ** -8])  # ties included
    x = np.concatenate([x, edges])
    theirs = torch.from_numpy(x).to(TORCH_DTYPES[name]).double().numpy()
    np.testing.assert_array_equal(numerics.round_to(x, name), theirs)


def test_round_to_known_values():
    assert numerics.round_to(math.pi, "float16") == 3.140625
    assert numerics.round_to(1 + 2 ** -8, "bfloat16") == 1.0          # a tie rounds to the even neighbour
    assert numerics.round_to(70000.0, "float16") == np.inf            # overflow
    assert numerics.round_to(1e-30 * 1e-30, "float32") == 0.0         # underflow
    assert np.isnan(numerics.round_to(np.nan, "float32"))


@pytest.mark.parametrize("name,dtype", [("float64", np.float64), ("float32", np.float32), ("float16", np.float16)])
def test_spacing_matches_numpy(name, dtype):
    x = np.abs(rng.normal(size=500) * 10.0 ** rng.integers(-45, 36, size=500))
    x = np.concatenate([x[x < numerics.FORMATS[name].max / 2], [0.0, 1.0]])
    stored = numerics.round_to(x, name).astype(dtype)
    np.testing.assert_array_equal(numerics.spacing(x, name), np.spacing(stored).astype(float))
    assert numerics.spacing(1.0, name) == numerics.FORMATS[name].eps
    assert numerics.spacing(1e300, "float16") == np.inf


@pytest.mark.parametrize("value", [math.pi, -6.25, 1e-40, 0.0, np.inf, -np.inf, 1e-5, 65504.0, 1e39, 1e-300])
def test_bit_fields_are_the_stored_bits(value):
    for name, width, view in (("float64", 64, np.uint64), ("float32", 32, np.uint32), ("float16", 16, np.uint16)):
        with np.errstate(over="ignore"):
            stored = np.array(value, dtype=name)
        assert "".join(numerics.bit_fields(value, name)) == format(int(stored.view(view)), f"0{width}b")
    bf = torch.tensor(value, dtype=torch.bfloat16).view(torch.int16).item() & 0xFFFF
    assert "".join(numerics.bit_fields(value, "bfloat16")) == format(bf, "016b")
    sign, exponent, mantissa = numerics.bit_fields(value, "bfloat16")
    assert (len(sign), len(exponent), len(mantissa)) == (1, 8, 7)


def test_bit_fields_of_nan_and_errors():
    sign, exponent, mantissa = numerics.bit_fields(np.nan, "float16")
    assert exponent == "11111" and "1" in mantissa
    assert numerics.bit_fields(np.array([-2.0]), "float16") == ("1", "10000", "0000000000")
    with pytest.raises(ValueError, match=r"x must be a single number, got an array of shape \(2,\)"):
        numerics.bit_fields([1.0, 2.0], "float32")


# -- deep stacks -----------------------------------------------------------------------------------
def _torch_stack(depth, activation, gain, width, batch, residual, seed=0):
    """The same stack in PyTorch, with autograd: per-layer std of A_l and norm of dL/dW_l."""
    g = np.random.default_rng(seed)
    X = torch.from_numpy(g.normal(size=(width, batch)))
    R = torch.from_numpy(g.normal(size=(width, batch)))
    Ws = [torch.tensor(gain / math.sqrt(width) * g.normal(size=(width, width)), requires_grad=True) for _ in range(depth)]
    phi = {"linear": lambda z: z, "tanh": torch.tanh, "relu": torch.relu, "sigmoid": torch.sigmoid}[activation]
    A, stds = X, []
    for W in Ws:
        A = A + phi(W @ A) if residual else phi(W @ A)
        stds.append(A.std(unbiased=False).item())
    ((R * A).sum() / batch).backward()
    return np.array(stds), np.array([W.grad.norm().item() for W in Ws])


@pytest.mark.parametrize("activation", ["linear", "tanh", "relu", "sigmoid"])
@pytest.mark.parametrize("residual", [False, True])
def test_deep_stack_stats_match_autograd(activation, residual):
    stats = numerics.deep_stack_stats(12, activation, 1.3, width=16, batch=8, residual=residual, seed=3)
    stds, grads = _torch_stack(12, activation, 1.3, 16, 8, residual, seed=3)
    np.testing.assert_allclose(stats.activation_std, stds, rtol=1e-10)
    np.testing.assert_allclose(stats.grad_norm, grads, rtol=1e-10)
    assert stats.input_grad_norm.shape == (12,)


def test_deep_stack_vanishes_and_explodes_as_expected():
    sigmoid = numerics.deep_stack_stats(30, "sigmoid", 1.0)
    assert sigmoid.grad_norm[0] / sigmoid.grad_norm[-1] < 1e-12             # at most 1/4 per layer, going back
    linear = numerics.deep_stack_stats(30, "linear", 2.0)
    assert linear.activation_std[-1] > 1e6                                   # doubles per layer
    he = numerics.deep_stack_stats(30, "relu", math.sqrt(2), width=256, batch=256)
    assert 0.2 < he.activation_std[-1] / he.activation_std[0] < 5           # He keeps the scale
    shallow = numerics.deep_stack_stats(5, "tanh", 1.0)
    deep = numerics.deep_stack_stats(20, "tanh", 1.0)
    np.testing.assert_allclose(shallow.activation_std, deep.activation_std[:5])  # the same first layers


@pytest.mark.parametrize("kwargs,message", [
    (dict(depth=0), "depth must be a positive integer"),
    (dict(depth=3, activation="gelu"), r"activation must be one of \['linear', 'tanh', 'relu', 'sigmoid'\], got 'gelu'"),
    (dict(depth=3, gain=0.0), "gain must be positive"),
    (dict(depth=3, width=0), "width must be a positive integer, got 0"),
    (dict(depth=3, batch=2.5), "batch must be a positive integer, got 2.5"),
])
def test_deep_stack_stats_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        numerics.deep_stack_stats(**kwargs)


# -- initialisation --------------------------------------------------------------------------------
def test_xavier_and_he_std_match_torch_init():
    assert numerics.xavier_std(300, 100) == pytest.approx(math.sqrt(2 / 400))
    assert numerics.he_std(512) == pytest.approx(0.0625)
    torch.manual_seed(0)
    W = torch.empty(1000, 1500, dtype=torch.float64)
    torch.nn.init.xavier_normal_(W)
    assert W.std().item() == pytest.approx(numerics.xavier_std(1500, 1000), rel=0.01)
    torch.nn.init.kaiming_normal_(W, nonlinearity="relu")
    assert W.std().item() == pytest.approx(numerics.he_std(1500), rel=0.01)
    with pytest.raises(ValueError, match="fan_in must be a positive integer, got 0"):
        numerics.he_std(0)
    with pytest.raises(ValueError, match="fan_out must be a positive integer"):
        numerics.xavier_std(3, 2.5)


# -- normalisation ---------------------------------------------------------------------------------
def test_layer_norm_matches_nn_layernorm():
    Z, gamma, beta = rng.normal(size=(6, 5)) * 3 + 2, rng.normal(size=6), rng.normal(size=6)
    layer = torch.nn.LayerNorm(6, dtype=torch.float64)
    with torch.no_grad():
        layer.weight.copy_(torch.from_numpy(gamma))
        layer.bias.copy_(torch.from_numpy(beta))
    theirs = layer(torch.from_numpy(Z.T)).detach().numpy().T           # LayerNorm takes one row per example
    np.testing.assert_allclose(numerics.layer_norm(Z, gamma, beta), theirs, atol=1e-12)
    plain = numerics.layer_norm(Z)
    np.testing.assert_allclose(plain.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(plain.std(axis=0), 1, atol=1e-5)


def test_batch_norm_matches_nn_batchnorm1d_in_training_mode():
    Z, gamma, beta = rng.normal(size=(4, 10)) * 2 - 1, rng.normal(size=4), rng.normal(size=4)
    bn = torch.nn.BatchNorm1d(4, dtype=torch.float64)
    with torch.no_grad():
        bn.weight.copy_(torch.from_numpy(gamma))
        bn.bias.copy_(torch.from_numpy(beta))
    bn.train()
    theirs = bn(torch.from_numpy(Z.T)).detach().numpy().T
    out, mu, var = numerics.batch_norm(Z, gamma, beta)
    np.testing.assert_allclose(out, theirs, atol=1e-12)
    np.testing.assert_allclose(bn.running_mean.numpy(), 0.1 * mu, atol=1e-12)
    np.testing.assert_allclose(bn.running_var.numpy(), 0.9 + 0.1 * var * 10 / 9, atol=1e-12)   # unbiased


@pytest.mark.parametrize("call,message", [
    (lambda: numerics.layer_norm(np.zeros(4)), r"Z must have shape 2-D, got shape \(4,\)"),
    (lambda: numerics.layer_norm(np.zeros((4, 3)), gamma=np.ones(3)), r"gamma must have shape \(4,\), got shape \(3,\)"),
    (lambda: numerics.batch_norm(np.zeros((4, 1))), r"at least 2 examples .* got shape \(4, 1\)"),
    (lambda: numerics.batch_norm(np.zeros((4, 3)), beta=np.ones((4, 1))), r"beta must have shape \(4,\), got shape \(4, 1\)"),
])
def test_normalisation_errors_name_the_shapes(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# -- clipping --------------------------------------------------------------------------------------
@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_clip_grad_norm_matches_torch(max_norm):
    grads = [rng.normal(size=(3, 4)), rng.normal(size=4), rng.normal(size=(2, 2, 2))]
    params = [torch.nn.Parameter(torch.zeros(g.shape, dtype=torch.float64)) for g in grads]
    for p, g in zip(params, grads):
        p.grad = torch.from_numpy(g.copy())
    total_theirs = torch.nn.utils.clip_grad_norm_(params, max_norm)
    clipped, total = numerics.clip_grad_norm(grads, max_norm)
    assert total == pytest.approx(total_theirs.item())
    for ours, p in zip(clipped, params):
        np.testing.assert_allclose(ours, p.grad.numpy(), atol=1e-12)
    assert numerics.global_norm(clipped) == pytest.approx(min(total, max_norm), rel=1e-5)


def test_clip_grad_norm_errors():
    with pytest.raises(ValueError, match="max_norm must be positive"):
        numerics.clip_grad_norm([np.ones(2)], 0.0)
    with pytest.raises(TypeError, match="grads must be a list of arrays"):
        numerics.clip_grad_norm(np.ones(3), 1.0)
    assert numerics.global_norm([np.array([3.0]), np.array([[4.0]])]) == 5.0


# -- monitoring ------------------------------------------------------------------------------------
def test_detect_spikes():
    losses = np.array([1.0, 0.9, 0.8, 0.8, 5.0, 0.7, np.nan, 0.6, 0.6])
    np.testing.assert_array_equal(numerics.detect_spikes(losses, window=3, factor=2.0),
                                  [False, False, False, False, True, False, True, False, False])
    assert not numerics.detect_spikes(np.linspace(2, 1, 50)).any()
    with pytest.raises(ValueError, match="factor above 1"):
        numerics.detect_spikes(losses, factor=1.0)
    with pytest.raises(ValueError, match=r"losses must have shape 1-D, got shape \(2, 2\)"):
        numerics.detect_spikes(np.ones((2, 2)))


# -- the explorers' states -------------------------------------------------------------------------
def test_deep_stack_state():
    s = deep_stack_state(50, "sigmoid", 1.0)
    assert len(s["layers"]) == 50 and s["ratio"] < 1e-20
    s = deep_stack_state(10.0, "linear", 1.0)                  # a slider hands over floats
    assert len(s["grad_norm"]) == 10 and 0.1 < s["ratio"] < 10
    assert deep_stack().update(depth=20, activation="relu", gain=1.4)["layers"][-1] == 20


def test_float_storage_state():
    s = float_storage_state("float16", 0)
    assert s["stored"] == 3.140625 and s["kind"] == "normal"
    assert s["rel_error"] == pytest.approx(abs(3.140625 - math.pi) / math.pi, rel=1e-9)
    assert "".join(s["bits"]) == format(int(np.array(math.pi, dtype=np.float16).view(np.uint16)), "016b")
    assert float_storage_state("float16", 5)["kind"] == "overflow"
    assert float_storage_state("float16", -10)["kind"] == "underflow"
    assert float_storage_state("float32", -40)["kind"] == "subnormal"
    f64 = float_storage_state("float64", 0)
    assert 0 < f64["rel_error"] < 2 ** -53                     # float64 rounds pi too, measured against 36 digits
    assert float_storage().update(fmt="bfloat16", k=-45)["stored"] == 0.0


def test_the_deep_stack_explorer_reports_sizes_that_see_a_wrong_relu_scale():
    """Review 06 M1: the ratio of the first to the last weight gradient is the same for ReLU at every g, so the
    explorer reports the sizes of the weight gradient and of the backward signal, which change with g."""
    low, high = deep_stack_state(50, "relu", 1.0), deep_stack_state(50, "relu", 1.6)
    assert low["ratio"] == pytest.approx(high["ratio"], rel=1e-6)
    assert high["grad_norm"][0] > 1e6 * low["grad_norm"][0]
    assert high["signal"][0] > 1e6 * low["signal"][0]
    reference = numerics.deep_stack_stats(50, "relu", 1.0, width=32, batch=64, seed=0)
    np.testing.assert_allclose(low["signal"], reference.input_grad_norm)
    explorer = deep_stack()
    _, alt = explorer.frame(**explorer.preset("ReLU, He's scale"))
    stats = deep_stack_state(50, "relu", 1.4)
    assert f"{stats['signal'][0]:.1e} at layer 1" in alt


def test_the_float_explorer_zigzags_and_holds_every_float16_exponent():
    """Review 06 W2 and W3: the relative spacing is sampled within each power of two, so it zigzags between eps/2
    and eps; the slider moves one power of ten at a time, and the page holds float16 at every k of its range."""
    s = float_storage_state("float16", 0)
    f = s["format"]
    normal = (s["grid"] >= f.smallest_normal) & (s["grid"] <= f.max)
    curve = s["curve"][normal]
    assert curve.max() == pytest.approx(f.eps) and f.eps / 2 < curve.min() < 0.55 * f.eps
    explorer = float_storage()
    assert explorer.controls["k"].step == 1
    held = {p["k"] for p in explorer.static_points() if p["fmt"] == "float16"}
    assert set(range(-9, 6)) <= held
    kinds = {float_storage_state("float16", k)["kind"] for k in range(-9, 6)}
    assert kinds == {"underflow", "subnormal", "normal", "overflow"}
    deep = float_storage_state("float16", -7)
    assert deep["kind"] == "subnormal" and deep["rel_error"] > 10 * float_storage_state("float16", -5)["rel_error"]
