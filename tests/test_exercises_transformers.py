"""The exercises of chapter 07: each reference solution agrees with PyTorch or a simulation, for the book's
inputs and for students' variants; typical wrong answers get specific help. (Check-grade agreement for every
exercise: test_exercise_agreement.py.)"""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from dlmath.transformers import exercises as ex

SEEDS = [0, 1, 7, 2024]


@pytest.mark.parametrize("seed", SEEDS)
def test_references_agree_with_pytorch(seed):
    inputs = ex.WEIGHTS.inputs(seed)
    Q, K = torch.from_numpy(inputs["Q"]), torch.from_numpy(inputs["K"])
    np.testing.assert_allclose(ex.WEIGHTS.expected(seed)["A"], torch.softmax(Q @ K.T / math.sqrt(2), dim=1).numpy(),
                               rtol=1e-12)
    q_shape, k_shape = ex.SCORES_SHAPE.inputs(seed)["q_shape"], ex.SCORES_SHAPE.inputs(seed)["k_shape"]
    scores = torch.zeros(q_shape, device="meta") @ torch.zeros(k_shape, device="meta").transpose(-2, -1)
    assert ex.SCORES_SHAPE.expected(seed)["shape"] == tuple(scores.shape)
    causal = ex.CAUSAL_FIX.inputs(seed)
    hide = ex.CAUSAL_FIX.expected(seed)["hide"]
    S = np.where(hide, -np.inf, causal["Q"] @ causal["K"].T / 2.0)
    ours = np.exp(S - S.max(axis=1, keepdims=True))
    ours = ours / ours.sum(axis=1, keepdims=True) @ causal["V"]
    theirs = F.scaled_dot_product_attention(*(torch.from_numpy(causal[k]) for k in "QKV"), is_causal=True).numpy()
    np.testing.assert_allclose(ours, theirs, atol=1e-12)
    reference = ex.ATTENTION_FN.reference(seed)
    for hidden in (False, True):
        for _, (Q, K, V) in ex.ATTENTION_FN.cases(seed, hidden=hidden):
            want = F.scaled_dot_product_attention(*(torch.from_numpy(a) for a in (Q, K, V))).numpy()
            np.testing.assert_allclose(reference(Q, K, V), want, rtol=1e-9, atol=1e-12)
    count = ex.MHA_PARAMS.reference(seed)
    for hidden in (False, True):
        for _, (d, h) in ex.MHA_PARAMS.cases(seed, hidden=hidden):
            assert count(d, h) == sum(p.numel() for p in torch.nn.MultiheadAttention(d, h, device="meta").parameters())
    pe = ex.PE_VALUE.inputs(seed)
    position = torch.arange(pe["d_model"] // 2, dtype=torch.float64)
    angle = pe["pos"] * torch.exp(-2 * position / pe["d_model"] * math.log(10000.0))
    row = torch.stack([torch.sin(angle), torch.cos(angle)], dim=1).reshape(-1)  # sin, cos, sin, cos, ...
    assert ex.PE_VALUE.expected(seed)["value"] == pytest.approx(row[pe["column"]].item(), abs=1e-12)


@pytest.mark.parametrize("seed", SEEDS)
def test_qk_variance_reference_is_what_sampling_gives(seed):
    inputs = ex.QK_VARIANCE.inputs(seed)
    rng = np.random.default_rng(seed)
    q = rng.normal(scale=math.sqrt(inputs["var_q"]), size=(40_000, inputs["d_k"]))
    k = rng.normal(scale=math.sqrt(inputs["var_k"]), size=(40_000, inputs["d_k"]))
    assert np.var(np.sum(q * k, axis=1)) / ex.QK_VARIANCE.expected(seed)["variance"] == pytest.approx(1, abs=0.04)


def softmax_rows(S, axis=1):
    E = np.exp(S - S.max(axis=axis, keepdims=True))
    return E / E.sum(axis=axis, keepdims=True)


def test_weights_2x2():
    Q, K = ex.weights_inputs()
    right = torch.softmax(torch.from_numpy(Q @ K.T) / math.sqrt(2), dim=1).numpy()
    assert ex.check_weights_2x2(right)
    assert ex.check_weights_2x2(right.round(3))  # the three decimals the solution prints are enough
    assert ex.check_weights_2x2([[0.196, 0.804], [0.804, 0.196]])
    assert "forgot to divide" in ex.check_weights_2x2(softmax_rows(Q @ K.T)).message
    assert "down the columns" in ex.check_weights_2x2(softmax_rows(Q @ K.T / math.sqrt(2), axis=0)).message
    assert "apply the softmax" in ex.check_weights_2x2(Q @ K.T / math.sqrt(2)).message
    assert "divided by d_k = 2" in ex.check_weights_2x2(softmax_rows(Q @ K.T / 2)).message
    assert not ex.check_weights_2x2(...).answered


def test_scores_shape():
    q_shape, k_shape = ex.scores_inputs()
    expected = tuple((torch.zeros(q_shape) @ torch.zeros(k_shape).transpose(-2, -1)).shape)
    assert expected == (4, 8, 10, 12)
    assert ex.check_scores_shape(torch.Size(expected))
    assert ex.check_scores_shape(expected) and ex.check_scores_shape([4, 8, 10, 12])
    assert "K Q^T" in ex.check_scores_shape((4, 8, 12, 10)).message
    assert "leading axes" in ex.check_scores_shape((10, 12)).message
    assert "tuple of whole numbers" in ex.check_scores_shape("4, 8, 10, 12").message
    assert not ex.check_scores_shape((1, 2, 3)).ok
    assert not ex.check_scores_shape(...).answered


def test_causal_fix():
    Q, K, V = ex.causal_inputs()
    n = Q.shape[0]
    right = np.triu(np.ones((n, n), dtype=bool), k=1)
    assert ex.check_causal_fix(right) and ex.check_causal_fix(right.astype(int))
    assert ex.check_causal_fix(~np.tril(np.ones((n, n), dtype=bool)))
    theirs = F.scaled_dot_product_attention(*(torch.from_numpy(a) for a in (Q, K, V)), is_causal=True).numpy()
    np.testing.assert_allclose(ex.causal_output(right), theirs, atol=1e-12)
    buggy = ex.check_causal_fix(np.triu(np.ones((n, n), dtype=bool)))
    assert not buggy.ok and "NaN" in buggy.message and "k=1" in buggy.message
    assert np.isnan(ex.causal_output(np.triu(np.ones((n, n), dtype=bool)))[0]).all()
    assert "hides nothing" in ex.check_causal_fix(np.zeros((n, n), dtype=bool)).message
    assert "wrong way round" in ex.check_causal_fix(np.tril(np.ones((n, n), dtype=bool), k=-1)).message
    assert "shape (5, 5)" in ex.check_causal_fix(np.zeros((4, 4), dtype=bool)).message
    assert "boolean" in ex.check_causal_fix(np.full((n, n), 0.5)).message
    almost = right.copy()
    almost[4, 3] = True
    assert "hides key 3 from query 4" in ex.check_causal_fix(almost).message
    leaky = right.copy()
    leaky[0, 4] = False
    assert "lets query 0 see key 4" in ex.check_causal_fix(leaky).message
    assert not ex.check_causal_fix(...).answered


def test_attention_fn():
    def right(Q, K, V):
        return softmax_rows(Q @ K.T / np.sqrt(K.shape[1])) @ V

    assert ex.check_attention_fn(right)
    assert ex.check_attention_fn(lambda Q, K, V: F.scaled_dot_product_attention(
        torch.from_numpy(Q), torch.from_numpy(K), torch.from_numpy(V)).numpy())
    assert "sqrt(d_k)" in ex.check_attention_fn(lambda Q, K, V: softmax_rows(Q @ K.T) @ V).message
    assert "axis 0" in ex.check_attention_fn(lambda Q, K, V: softmax_rows(Q @ K.T / np.sqrt(K.shape[1]), axis=0) @ V).message
    assert "returns the weights" in ex.check_attention_fn(lambda Q, K, V: softmax_rows(Q @ K.T / np.sqrt(K.shape[1]))).message
    assert "tuple" in ex.check_attention_fn(lambda Q, K, V: (right(Q, K, V), None)).message
    assert "raised" in ex.check_attention_fn(lambda Q, K, V: Q.nope).message

    def placeholder(Q, K, V):
        return ...

    assert not ex.check_attention_fn(placeholder).answered


def test_qk_variance():
    assert ex.check_qk_variance(384)
    assert "independent" in ex.check_qk_variance(6).message
    assert "multiply, not add" in ex.check_qk_variance(320).message
    assert "standard deviation" in ex.check_qk_variance(math.sqrt(384)).message
    assert "entries of variance 1" in ex.check_qk_variance(64).message


def test_mha_params():
    def right(d, h):
        return sum(p.numel() for p in torch.nn.MultiheadAttention(d, h, device="meta").parameters())

    assert ex.check_mha_params(right)
    assert ex.check_mha_params(lambda d, h: 4 * d * d + 4 * d)
    assert "biases" in ex.check_mha_params(lambda d, h: 4 * d * d).message
    assert "output projection" in ex.check_mha_params(lambda d, h: 3 * d * d + 3 * d).message
    assert "does not depend on n_heads" in ex.check_mha_params(lambda d, h: h * (4 * d * d + 4 * d)).message


def test_pe_value():
    from dlmath.transformers import sinusoidal_positional_encoding

    assert ex.pe_inputs() == {"pos": 50, "column": 3, "d_model": 16}
    angle = 50 / 10000 ** (2 / 16)
    assert ex.check_pe_value(sinusoidal_positional_encoding(51, 16)[50, 3]) and ex.check_pe_value(-0.9947)
    assert "holds a cosine" in ex.check_pe_value(np.sin(angle)).message
    assert "not column / d" in ex.check_pe_value(np.cos(50 / 10000 ** (3 / 16))).message
    assert "radians" in ex.check_pe_value(np.cos(np.radians(angle))).message
    assert "multiplied" in ex.check_pe_value(np.cos(50 * 10000 ** (2 / 16))).message
    # the review's case: the first edition's answer, cos 0.03 = 0.9996, which most wrong routes also reached
    wrong_routes = [np.cos(angle), np.sin(angle), np.cos(50 / 10000 ** (3 / 16)), np.cos(np.radians(angle))]
    assert len({round(v, 4) for v in wrong_routes}) == 4


def test_why_sqrt():
    assert ex.check_why_sqrt("b")
    for wrong in "acd":
        fb = ex.check_why_sqrt(wrong)
        assert not fb.ok and fb.message.startswith("No")
    assert "one of the options" in ex.check_why_sqrt("e").message


@pytest.mark.parametrize("seed", SEEDS)
def test_padding_reference_is_each_sequence_on_its_own(seed):
    """With the padding mask, the real tokens of sequence b get the attention of its first lengths[b] tokens alone
    (computed without any mask), and the padded rows are 0."""
    reference = ex.PADDING.reference(seed)
    for hidden in (False, True):
        for family, (Q, K, V, lengths) in ex.PADDING.cases(seed, hidden=hidden):
            out = reference(Q, K, V, lengths)
            for b, m in enumerate(lengths):
                alone = F.scaled_dot_product_attention(*(torch.from_numpy(T[b, :m]) for T in (Q, K, V))).numpy()
                np.testing.assert_allclose(out[b, :m], alone, rtol=1e-10, atol=1e-12)
                assert np.all(out[b, m:] == 0)
            assert (min(lengths) == Q.shape[1]) == (family == "no padding at all")


def test_padding():
    from dlmath.probability import softmax

    def right(Q, K, V, lengths):
        real = np.arange(Q.shape[1])[None, :] < np.asarray(lengths)[:, None]
        S = Q @ np.swapaxes(K, 1, 2) / math.sqrt(Q.shape[-1])
        return softmax(np.where(real[:, None, :], S, -np.inf), axis=-1) @ V * real[:, :, None]

    assert ex.check_padded_attention(right)
    unmasked = lambda Q, K, V, lengths: ex._padded_variant(Q, K, V, lengths, masked=False)
    assert "padded keys still get weight" in ex.check_padded_attention(unmasked).message
    after = lambda Q, K, V, lengths: ex._padded_variant(Q, K, V, lengths, renormalise=False)
    assert "no longer sum to 1" in ex.check_padded_attention(after).message
    rows_kept = lambda Q, K, V, lengths: ex._padded_variant(Q, K, V, lengths, zero_rows=False)
    assert "must be 0" in ex.check_padded_attention(rows_kept).message


@pytest.mark.parametrize("seed", SEEDS)
def test_two_keys_reference_is_the_sigmoid_of_the_gap(seed):
    d = ex.TWO_KEYS.inputs(seed)
    q, k1, k2 = d["q"], d["k1"], d["k2"]
    want = ex.TWO_KEYS.expected(seed)
    gap = q @ (k1 - k2) / math.sqrt(len(q))
    sigma = 1 / (1 + math.exp(-gap))
    assert want["a1"] == pytest.approx(sigma, rel=1e-12)
    # The gradient by central differences, independent of autograd and of the closed form.
    h = 1e-6
    numeric = [(ex._two_keys(q + h * e, k1, k2)["a1"] - ex._two_keys(q - h * e, k1, k2)["a1"]) / (2 * h)
               for e in np.eye(len(q))]
    np.testing.assert_allclose(want["grad_q"], numeric, atol=1e-8)


def test_two_keys():
    q, k1, k2 = ex.two_keys_inputs()
    a = 1 / (1 + math.exp(-q @ (k1 - k2) / 2))
    assert ex.check_two_keys(a, a * (1 - a) * (k1 - k2) / 2)
    assert ex.check_two_keys(round(a, 4), np.round(a * (1 - a) * (k1 - k2) / 2, 4))
    unscaled = 1 / (1 + math.exp(-q @ (k1 - k2)))
    assert "scaling" in ex.check_two_keys(unscaled, unscaled * (1 - unscaled) * (k1 - k2)).message
    assert "a1 (1 - a1), not a1" in ex.check_two_keys(a, a * (k1 - k2) / 2).message
    assert "k1 - k2, not k2 - k1" in ex.check_two_keys(a, a * (1 - a) * (k2 - k1) / 2).message
    assert "must lie between" in ex.check_two_keys(1.5, a * (1 - a) * (k1 - k2) / 2).message
