"""dlmath.transformers and the chapter 07 explorers: attention computes what PyTorch computes, and rejects bad input."""

import math

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from dlmath import transformers as att  # noqa: E402
from dlmath.transformers import explorers  # noqa: E402

rng = np.random.default_rng(0)


def t(x):
    return torch.from_numpy(np.ascontiguousarray(x))


# -- scaled dot-product attention ---------------------------------------------------------------------
def test_attention_matches_torch_with_batch_and_heads():
    Q, K, V = rng.normal(size=(2, 3, 5, 4)), rng.normal(size=(2, 3, 7, 4)), rng.normal(size=(2, 3, 7, 6))
    out, A = att.scaled_dot_product_attention(Q, K, V)
    assert out.shape == (2, 3, 5, 6) and A.shape == (2, 3, 5, 7)
    np.testing.assert_allclose(out, F.scaled_dot_product_attention(t(Q), t(K), t(V)).numpy(), atol=1e-12)
    np.testing.assert_allclose(A.sum(axis=-1), 1.0, atol=1e-12)
    assert (A >= 0).all()


def test_causal_attention_matches_is_causal_and_explicit_mask():
    Q, K, V = rng.normal(size=(6, 4)), rng.normal(size=(6, 4)), rng.normal(size=(6, 3))
    out, A = att.scaled_dot_product_attention(Q, K, V, causal=True)
    np.testing.assert_allclose(out, F.scaled_dot_product_attention(t(Q), t(K), t(V), is_causal=True).numpy(), atol=1e-12)
    mask = att.causal_mask(6)
    out2, _ = att.scaled_dot_product_attention(Q, K, V, mask=mask)
    np.testing.assert_allclose(out2, out, atol=1e-15)
    np.testing.assert_allclose(out, F.scaled_dot_product_attention(t(Q), t(K), t(V), attn_mask=t(mask)).numpy(), atol=1e-12)
    assert np.all(A[np.triu_indices(6, k=1)] == 0)
    assert A[0, 0] == 1.0  # the first token sees only itself


def test_boolean_mask_and_scale_match_torch():
    Q, K, V = rng.normal(size=(2, 4, 3)), rng.normal(size=(2, 5, 3)), rng.normal(size=(2, 5, 2))
    mask = rng.random((4, 5)) > 0.4
    mask[:, 0] = True
    out, A = att.scaled_dot_product_attention(Q, K, V, mask=mask, scale=0.3)
    theirs = F.scaled_dot_product_attention(t(Q), t(K), t(V), attn_mask=t(mask), scale=0.3)
    np.testing.assert_allclose(out, theirs.numpy(), atol=1e-12)
    assert np.all(A[:, ~mask] == 0)


def test_attention_scores_known_values():
    Q = np.array([[1.0, 2.0]])
    K = np.array([[3.0, 4.0], [0.0, 1.0]])
    np.testing.assert_allclose(att.attention_scores(Q, K), [[11 / math.sqrt(2), 2 / math.sqrt(2)]])
    np.testing.assert_allclose(att.attention_scores(Q, K, scale=1.0), [[11.0, 2.0]])


def test_identical_keys_give_uniform_weights_and_the_mean_value():
    Q = rng.normal(size=(3, 4))
    K = np.ones((5, 4))
    V = rng.normal(size=(5, 2))
    out, A = att.scaled_dot_product_attention(Q, K, V)
    np.testing.assert_allclose(A, 0.2)
    np.testing.assert_allclose(out, np.tile(V.mean(axis=0), (3, 1)))


def test_causal_mask_values():
    np.testing.assert_array_equal(att.causal_mask(3), [[1, 0, 0], [1, 1, 0], [1, 1, 1]])
    assert att.causal_mask(2, 4).shape == (2, 4) and att.causal_mask(3).dtype == bool
    with pytest.raises(ValueError, match="positive integer"):
        att.causal_mask(0)


@pytest.mark.parametrize("Q,K,V,message", [
    (np.zeros(4), np.zeros((3, 4)), np.zeros((3, 2)), r"Q must have shape \(\.\.\., n_queries, d_k\), got shape \(4,\)"),
    (np.zeros((2, 4)), np.zeros((3, 5)), np.zeros((3, 2)), r"K must have shape \(\.\.\., n_keys, 4\).*got shape \(3, 5\)"),
    (np.zeros((2, 4)), np.zeros((3, 4)), np.zeros((2, 2)), r"V must have shape \(\.\.\., 3, d_v\).*got shape \(2, 2\)"),
])
def test_attention_errors_name_expected_and_received_shapes(Q, K, V, message):
    with pytest.raises(ValueError, match=message):
        att.scaled_dot_product_attention(Q, K, V)


def test_attention_rejects_bad_masks():
    Q = K = V = np.zeros((3, 2))
    with pytest.raises(TypeError, match="boolean"):
        att.scaled_dot_product_attention(Q, K, V, mask=np.ones((3, 3)))
    with pytest.raises(ValueError, match=r"broadcast to the scores' shape \(3, 3\), got shape \(2, 2\)"):
        att.scaled_dot_product_attention(Q, K, V, mask=np.ones((2, 2), dtype=bool))
    empty_row = np.ones((3, 3), dtype=bool)
    empty_row[1] = False                                       # query 1 may attend to nothing
    with pytest.raises(ValueError, match="no key at all"):
        att.scaled_dot_product_attention(Q, K, V, mask=empty_row)


# -- heads ----------------------------------------------------------------------------------------------
def test_split_and_merge_heads_are_inverse_and_take_column_blocks():
    X = np.arange(2 * 3 * 8, dtype=float).reshape(2, 3, 8)
    H = att.split_heads(X, 4)
    assert H.shape == (2, 4, 3, 2)
    np.testing.assert_array_equal(H[1, 2], X[1, :, 4:6])  # head 2 holds columns 4 and 5
    np.testing.assert_array_equal(att.merge_heads(H), X)
    theirs = t(X).view(2, 3, 4, 2).transpose(1, 2)
    np.testing.assert_array_equal(H, theirs.numpy())
    with pytest.raises(ValueError, match="divides d_model = 8, got 3"):
        att.split_heads(X, 3)
    with pytest.raises(ValueError, match=r"got shape \(4,\)"):
        att.merge_heads(np.zeros(4))


@pytest.mark.parametrize("causal", [False, True])
def test_multi_head_attention_matches_nn_multiheadattention(causal):
    torch.manual_seed(0)
    d, h, B, n = 12, 3, 2, 5
    mha = torch.nn.MultiheadAttention(d, h, batch_first=True, dtype=torch.float64)
    with torch.no_grad():
        mha.in_proj_bias.normal_()
        mha.out_proj.bias.normal_()
    W, b = mha.in_proj_weight.detach().numpy(), mha.in_proj_bias.detach().numpy()
    X = rng.normal(size=(B, n, d))
    out, A = att.multi_head_attention(X, X, W[:d].T, W[d:2 * d].T, W[2 * d:].T, mha.out_proj.weight.detach().numpy().T,
                                      h, b[:d], b[d:2 * d], b[2 * d:], mha.out_proj.bias.detach().numpy(), causal=causal)
    # nn.MultiheadAttention's boolean mask means the opposite: True = may NOT attend
    mask = t(~att.causal_mask(n)) if causal else None
    theirs, weights = mha(t(X), t(X), t(X), attn_mask=mask, average_attn_weights=False)
    np.testing.assert_allclose(out, theirs.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(A, weights.detach().numpy(), atol=1e-12)


def test_multi_head_attention_checks_weight_shapes():
    X = np.zeros((3, 4))
    I = np.eye(4)
    with pytest.raises(ValueError, match=r"W_K must have shape \(4, 4\), got shape \(4, 3\)"):
        att.multi_head_attention(X, X, I, np.zeros((4, 3)), I, I, 2)
    with pytest.raises(ValueError, match=r"X_kv must have shape \(\.\.\., n_keys, 4\)"):
        att.multi_head_attention(X, np.zeros((3, 5)), I, I, I, I, 2)


# -- positional encodings -------------------------------------------------------------------------------
def test_positional_encoding_known_values_and_torch_formula():
    PE = att.sinusoidal_positional_encoding(50, 8)
    assert PE.shape == (50, 8)
    np.testing.assert_allclose(PE[0], [0, 1] * 4)
    assert PE[3, 5] == pytest.approx(math.cos(3 / 10000 ** (4 / 8)))
    assert PE[7, 0] == pytest.approx(math.sin(7))
    # the formulation of PyTorch's tutorials: exp(-log(10000) * 2i / d)
    position = torch.arange(50, dtype=torch.float64)[:, None]
    div = torch.exp(torch.arange(0, 8, 2, dtype=torch.float64) * (-math.log(10000.0) / 8))
    theirs = torch.zeros(50, 8, dtype=torch.float64)
    theirs[:, 0::2], theirs[:, 1::2] = torch.sin(position * div), torch.cos(position * div)
    np.testing.assert_allclose(PE, theirs.numpy(), atol=1e-12)


def test_positional_frequencies_fall_geometrically():
    omega = att.positional_frequencies(8)
    np.testing.assert_allclose(omega, [1, 0.1, 0.01, 0.001])
    with pytest.raises(ValueError, match="even integer"):
        att.positional_frequencies(7)
    with pytest.raises(ValueError, match="positive integer"):
        att.sinusoidal_positional_encoding(0, 8)


def test_shift_matrix_moves_every_position_by_k_and_is_orthogonal():
    PE = att.sinusoidal_positional_encoding(40, 16)
    for k in (0, 1, 5, 13):
        R = att.pe_shift_matrix(k, 16)
        np.testing.assert_allclose(PE[: 40 - k] @ R, PE[k:], atol=1e-12)
        np.testing.assert_allclose(R @ R.T, np.eye(16), atol=1e-12)
    np.testing.assert_allclose(att.pe_shift_matrix(3, 16) @ att.pe_shift_matrix(4, 16), att.pe_shift_matrix(7, 16), atol=1e-12)


def test_dot_products_of_the_encoding_depend_on_the_offset_only():
    PE = att.sinusoidal_positional_encoding(30, 16)
    G = PE @ PE.T
    omega = att.positional_frequencies(16)
    for k in range(10):
        np.testing.assert_allclose(np.diagonal(G, offset=k), np.cos(k * omega).sum(), atol=1e-12)


# -- the toy task ---------------------------------------------------------------------------------------
def test_reversal_task():
    X, Y = att.reversal_task(100, 6, 10, np.random.default_rng(1))
    assert X.shape == Y.shape == (100, 6) and X.dtype.kind == "i"
    np.testing.assert_array_equal(Y, X[:, ::-1])
    assert X.min() >= 0 and X.max() <= 9
    X2, _ = att.reversal_task(100, 6, 10, np.random.default_rng(1))
    np.testing.assert_array_equal(X, X2)  # seeded: the same data every time
    with pytest.raises(TypeError, match="default_rng"):
        att.reversal_task(3, 4, 5, rng=1)
    with pytest.raises(ValueError, match="vocab_size must be an integer >= 2"):
        att.reversal_task(3, 4, 1, np.random.default_rng(0))


# -- the explorers' computations ------------------------------------------------------------------------
def test_sharpness_state_shows_the_variance_argument():
    scaled = explorers.sharpness_state(10, explorers.SCALINGS[0])
    unscaled = explorers.sharpness_state(10, explorers.SCALINGS[1])
    assert scaled["score_std"] == pytest.approx(1.0, abs=0.1)
    assert unscaled["score_std"] == pytest.approx(math.sqrt(1024), rel=0.1)
    assert unscaled["max_weight"] > 0.9 > scaled["max_weight"]
    assert scaled["weights"].sum() == pytest.approx(1.0)
    curves = explorers.sharpness_curves()
    assert np.all(np.diff(curves["entropy"][explorers.SCALINGS[1]]) < 0.05)  # falls with d_k
    assert np.ptp(curves["entropy"][explorers.SCALINGS[0]]) < 0.2            # flat when scaled
    with pytest.raises(ValueError, match="scaling must be one of"):
        explorers.sharpness_state(3, "halved")
    with pytest.raises(ValueError, match="integer from 1 to 10"):
        explorers.sharpness_state(11, explorers.SCALINGS[0])


def test_pe_state_dot_product_is_the_sum_of_cosines():
    s = explorers.pe_state(pair=0, offset=0)
    assert s["dot"] == pytest.approx(explorers.PE_D_MODEL / 2)  # |PE_p|^2 = number of pairs
    s = explorers.pe_state(pair=3, offset=5)
    np.testing.assert_allclose(s["dots_along"], s["dot"], atol=1e-12)
    assert s["wavelength"] == pytest.approx(2 * math.pi * 10000 ** (6 / 32))
    with pytest.raises(ValueError, match="pair must be an integer"):
        explorers.pe_state(pair=16, offset=0)


def test_mixture_state_is_a_convex_combination():
    s = explorers.mixture_state(0.0, 0.0)
    np.testing.assert_allclose(s["weights"], 0.2)
    np.testing.assert_allclose(s["output"], explorers.MIXTURE_VALUES.mean(axis=0), atol=1e-12)
    s = explorers.mixture_state(40.0, 3.0)
    assert s["weights"].sum() == pytest.approx(1.0) and (s["weights"] > 0).all()
    np.testing.assert_allclose(s["output"], s["weights"] @ explorers.MIXTURE_VALUES)
    with pytest.raises(ValueError, match="length must be >= 0"):
        explorers.mixture_state(0.0, -1.0)
