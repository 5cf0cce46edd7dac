"""dlmath.probability and the chapter 03 explorers: known values, agreement with PyTorch and SciPy, clear errors."""

import math

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from scipy import stats  # noqa: E402

from dlmath import probability as prob  # noqa: E402
from dlmath.probability.explorers import (BETA_PRIORS, COIN_FLIPS, LLN_DISTRIBUTIONS, LOGITS, TOKENS,  # noqa: E402
                                          beta_coin, beta_coin_state, law_of_large_numbers, lln_state,
                                          next_token, next_token_state)

rng = np.random.default_rng(0)


# -- softmax and friends ------------------------------------------------------------------------------
def test_softmax_known_values_and_torch():
    assert np.allclose(prob.softmax([0.0, 0.0]), [0.5, 0.5])
    assert np.allclose(prob.softmax([math.log(3), 0.0]), [0.75, 0.25])
    Z = rng.normal(0, 3, size=(4, 6))
    for T in (0.3, 1.0, 5.0):
        theirs = torch.softmax(torch.from_numpy(Z) / T, dim=-1).numpy()
        np.testing.assert_allclose(prob.softmax(Z, temperature=T), theirs, atol=1e-12)
    np.testing.assert_allclose(prob.softmax(Z, axis=0), torch.softmax(torch.from_numpy(Z), dim=0).numpy(), atol=1e-12)


def test_softmax_is_stable_and_shift_invariant():
    p = prob.softmax([1000.0, 1001.0, 1002.0])
    assert np.all(np.isfinite(p)) and np.isclose(p.sum(), 1.0)
    np.testing.assert_allclose(p, prob.softmax([0.0, 1.0, 2.0]))
    np.testing.assert_allclose(prob.softmax([-np.inf, 0.0, 0.0]), [0.0, 0.5, 0.5])


def test_softmax_rejects_bad_temperature_and_shapes():
    with pytest.raises(ValueError, match="temperature must be a positive finite number, got 0"):
        prob.softmax([1.0, 2.0], temperature=0)
    with pytest.raises(ValueError, match=r"z must have at least 1 axis.*got shape \(\)"):
        prob.softmax(3.0)
    with pytest.raises(ValueError, match="every logit is -inf"):
        prob.softmax([-np.inf, -np.inf])
    with pytest.raises(TypeError, match="z must be numeric"):
        prob.softmax("abc")


def test_log_softmax_and_logsumexp_match_torch_and_survive_underflow():
    z = np.array([0.0, -800.0, 5.0])
    np.testing.assert_allclose(prob.log_softmax(z), torch.log_softmax(torch.from_numpy(z), 0).numpy(), atol=1e-12)
    assert np.isfinite(prob.log_softmax(z)[1])                      # log(softmax) would give -inf here
    assert prob.logsumexp([1000.0, 1000.0]) == pytest.approx(1000 + math.log(2))
    assert prob.logsumexp([-np.inf, -np.inf]) == -np.inf
    Z = rng.normal(size=(3, 4))
    np.testing.assert_allclose(prob.logsumexp(Z, axis=0), torch.logsumexp(torch.from_numpy(Z), 0).numpy())
    assert prob.logsumexp(Z, axis=1, keepdims=True).shape == (3, 1)


def test_sigmoid_is_two_class_softmax_and_stable():
    z = np.array([-1000.0, -3.0, 0.0, 2.0, 1000.0])
    np.testing.assert_allclose(prob.sigmoid(z), torch.sigmoid(torch.from_numpy(z)).numpy(), atol=1e-15)
    assert prob.sigmoid(0.0) == 0.5
    assert prob.softmax([2.0, 0.0])[0] == pytest.approx(prob.sigmoid(2.0))


# -- information ---------------------------------------------------------------------------------------
def test_entropy_known_values():
    assert prob.entropy([0.5, 0.5]) == pytest.approx(math.log(2))
    assert prob.entropy([1.0, 0.0, 0.0]) == 0.0 and not math.copysign(1, prob.entropy([1.0, 0.0])) < 0
    assert prob.entropy(np.full(8, 1 / 8)) == pytest.approx(math.log(8))
    p = rng.dirichlet(np.ones(5))
    assert prob.entropy(p) == pytest.approx(stats.entropy(p))
    P = rng.dirichlet(np.ones(3), size=4)
    np.testing.assert_allclose(prob.entropy(P), torch.distributions.Categorical(probs=torch.from_numpy(P)).entropy())


def test_distributions_are_validated():
    with pytest.raises(ValueError, match="p must sum to 1"):
        prob.entropy([0.5, 0.6])
    with pytest.raises(ValueError, match="finite probabilities >= 0"):
        prob.entropy([1.5, -0.5])
    with pytest.raises(ValueError, match=r"p and q must have the same shape, got shapes \(2,\) and \(3,\)"):
        prob.kl_divergence([0.5, 0.5], [0.2, 0.3, 0.5])


def test_cross_entropy_is_entropy_plus_kl():
    p, q = rng.dirichlet(np.ones(6)), rng.dirichlet(np.ones(6))
    assert prob.cross_entropy(p, q) == pytest.approx(prob.entropy(p) + prob.kl_divergence(p, q))
    assert prob.kl_divergence(p, q) == pytest.approx(stats.entropy(p, q))
    assert prob.kl_divergence(p, p) == pytest.approx(0.0, abs=1e-15)
    kl_torch = F.kl_div(torch.log(torch.from_numpy(q)), torch.from_numpy(p), reduction="sum").item()
    assert prob.kl_divergence(p, q) == pytest.approx(kl_torch)


def test_kl_is_asymmetric_and_infinite_where_q_rules_out_p():
    p, q = [0.6, 0.3, 0.1], [0.2, 0.5, 0.3]
    assert prob.kl_divergence(p, q) == pytest.approx(0.39606, abs=1e-5)
    assert prob.kl_divergence(q, p) == pytest.approx(0.36527, abs=1e-5)
    assert np.isinf(prob.kl_divergence([0.5, 0.5], [1.0, 0.0]))
    assert prob.kl_divergence([1.0, 0.0], [0.5, 0.5]) == pytest.approx(math.log(2))   # 0 log 0 = 0
    assert np.isinf(prob.cross_entropy([0.5, 0.5], [1.0, 0.0]))


def test_cross_entropy_loss_matches_torch_with_integer_and_soft_targets():
    Z = rng.normal(size=(7, 4))
    t = rng.integers(0, 4, size=7)
    want = F.cross_entropy(torch.from_numpy(Z), torch.from_numpy(t)).item()
    assert prob.cross_entropy_loss(Z, t) == pytest.approx(want)
    Y = rng.dirichlet(np.ones(4), size=7)
    want_soft = F.cross_entropy(torch.from_numpy(Z), torch.from_numpy(Y)).item()
    assert prob.cross_entropy_loss(Z, Y) == pytest.approx(want_soft)
    assert prob.cross_entropy_loss(np.zeros((2, 3)), np.array([0, 2])) == pytest.approx(math.log(3))


@pytest.mark.parametrize("logits,target,message", [
    (np.zeros((3, 4)), np.array([0, 1]), r"integer targets must have shape \(3,\).*got shape \(2,\)"),
    (np.zeros((2, 4)), np.array([0, 4]), r"class indices must lie in 0\.\.3, got 0\.\.4"),
    (np.zeros((2, 4)), np.array([0.0, 1.0]), "must hold integer class indices"),
    (np.zeros((2, 4)), np.full((2, 3), 1 / 3), r"soft targets must have shape \(2, 4\).*got shape \(2, 3\)"),
    (np.zeros(4), np.array([0]), r"logits must have shape 2-D, got shape \(4,\)"),
])
def test_cross_entropy_loss_errors_name_the_shapes(logits, target, message):
    with pytest.raises(ValueError, match=message):
        prob.cross_entropy_loss(logits, target)


def test_binary_cross_entropy_matches_torch_and_is_stable():
    z = np.array([-30.0, -1.0, 0.0, 2.0, 40.0])
    y = np.array([1.0, 0.0, 1.0, 1.0, 0.0])
    want = F.binary_cross_entropy_with_logits(torch.from_numpy(z), torch.from_numpy(y)).item()
    assert prob.binary_cross_entropy_with_logits(z, y) == pytest.approx(want)
    assert prob.binary_cross_entropy_with_logits([0.0], [1.0]) == pytest.approx(math.log(2))
    with pytest.raises(ValueError, match=r"y must have shape \(5,\), got shape \(4,\)"):
        prob.binary_cross_entropy_with_logits(z, y[:4])
    with pytest.raises(ValueError, match="labels y must lie in"):
        prob.binary_cross_entropy_with_logits(z, y + 1)


# -- sampling ----------------------------------------------------------------------------------------
def test_top_k_filter_keeps_the_k_largest():
    z = np.array([0.5, 3.0, -1.0, 2.0])
    out = prob.top_k_filter(z, 2)
    np.testing.assert_array_equal(out, [-np.inf, 3.0, -np.inf, 2.0])
    np.testing.assert_array_equal(prob.top_k_filter(z, 4), z)
    Z = rng.normal(size=(3, 5))
    assert np.all(np.isfinite(prob.top_k_filter(Z, 2)).sum(axis=1) == 2)
    for bad in (0, 5, 1.5, True):
        with pytest.raises(ValueError, match="k must be an integer from 1 to the vocabulary size 4"):
            prob.top_k_filter(z, bad)


def test_next_token_distribution_matches_torch_topk():
    z = rng.normal(size=10)
    for k, T in ((1, 1.0), (3, 0.7), (10, 2.0)):
        values, idx = torch.topk(torch.from_numpy(z), k)
        masked = torch.full((10,), -torch.inf, dtype=torch.float64).scatter(0, idx, values)
        theirs = torch.softmax(masked / T, dim=0).numpy()
        np.testing.assert_allclose(prob.next_token_distribution(z, T, k), theirs, atol=1e-12)
    np.testing.assert_allclose(prob.next_token_distribution(z), prob.softmax(z))
    assert prob.next_token_distribution(z, 1.0, 1)[np.argmax(z)] == 1.0


def test_sample_categorical_frequencies_and_zero_probabilities():
    p = np.array([0.1, 0.0, 0.6, 0.3])
    draws = prob.sample_categorical(p, 40_000, np.random.default_rng(1))
    assert draws.shape == (40_000,) and draws.dtype.kind == "i"
    freq = np.bincount(draws, minlength=4) / len(draws)
    assert freq[1] == 0 and np.allclose(freq, p, atol=0.01)
    again = prob.sample_categorical(p, 10, np.random.default_rng(1))
    np.testing.assert_array_equal(again, draws[:10])          # the same seed gives the same draws
    with pytest.raises(TypeError, match="rng must be a numpy.random.Generator"):
        prob.sample_categorical(p, 5, 42)
    with pytest.raises(ValueError, match=r"p must have shape 1-D, got shape \(2, 2\)"):
        prob.sample_categorical(np.full((2, 2), 0.25), 5, np.random.default_rng())


# -- Bayes ---------------------------------------------------------------------------------------------
def test_diagnostic_posterior_known_value_and_negative_test():
    assert prob.diagnostic_posterior(0.01, 0.9, 0.95) == pytest.approx(2 / 13)
    assert prob.diagnostic_posterior(0.01, 0.9, 0.95, positive=False) == pytest.approx(0.001 / (0.001 + 0.9405))
    curve = prob.diagnostic_posterior(np.array([0.001, 0.01, 0.1]), 0.9, 0.95)
    assert curve.shape == (3,) and np.all(np.diff(curve) > 0)
    with pytest.raises(ValueError, match="specificity must be a probability"):
        prob.diagnostic_posterior(0.01, 0.9, 1.5)


def test_bayes_update_normalises_and_chains():
    post = prob.bayes_update([0.01, 0.99], [0.9, 0.05])
    assert post.sum() == pytest.approx(1.0) and post[0] == pytest.approx(2 / 13)
    twice = prob.bayes_update(post, [0.9, 0.05])
    odds = 0.01 / 0.99 * 18 ** 2
    assert twice[0] == pytest.approx(odds / (1 + odds))
    with pytest.raises(ValueError, match=r"likelihood must have the shape of prior \(2,\), got shape \(3,\)"):
        prob.bayes_update([0.5, 0.5], [0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match="probability 0 under every hypothesis"):
        prob.bayes_update([1.0, 0.0], [0.0, 1.0])


def test_beta_bernoulli_update_and_beta_pdf_match_scipy():
    assert prob.beta_bernoulli_update(1, 1, [1, 0, 1, 1]) == (4.0, 2.0)
    theta = np.linspace(0, 1, 101)
    for a, b in ((1, 1), (2, 5), (0.5, 0.5), (30, 12)):
        expected = stats.beta(a, b).pdf(theta)
        got = prob.beta_pdf(theta, a, b)
        finite = np.isfinite(expected)
        np.testing.assert_allclose(got[finite], expected[finite], rtol=1e-10)
    assert prob.beta_pdf(1.5, 2, 2) == 0.0
    with pytest.raises(ValueError, match="flips must hold only 0"):
        prob.beta_bernoulli_update(1, 1, [0, 2])
    with pytest.raises(ValueError, match="a and b must be positive"):
        prob.beta_pdf(0.5, 0, 1)


def test_normal_pdf_and_gaussian_mle():
    x = np.linspace(-3, 3, 13)
    np.testing.assert_allclose(prob.normal_pdf(x, 0.5, 2.0), stats.norm(0.5, 2.0).pdf(x))
    sample = rng.normal(3.0, 2.0, size=50)
    mu, var = prob.gaussian_mle(sample)
    loc, scale = stats.norm.fit(sample)
    assert mu == pytest.approx(loc) and var == pytest.approx(scale ** 2)
    assert prob.gaussian_mle([1.0, 3.0]) == (2.0, 1.0)              # divides by n, not n - 1
    with pytest.raises(ValueError, match=r"x must have shape 1-D, got shape \(2, 2\)"):
        prob.gaussian_mle(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="sigma must be positive"):
        prob.normal_pdf(0.0, 0.0, 0.0)


# -- the explorers' pure computations ------------------------------------------------------------------------
def test_lln_state_shapes_nesting_and_means():
    for name, d in LLN_DISTRIBUTIONS.items():
        r = lln_state(name, 3.0)
        assert r["n"] == 1000 and r["running"].shape == (5, len(r["steps"])) and r["steps"][-1] == 1000
        assert np.sum(r["density"] * np.diff(r["edges"])) <= 1.0 + 1e-12
        assert np.all(np.abs(r["final"] - d["mean"]) < 5 * np.sqrt(d["var"] / 1000))
    small, large = lln_state("fair die", 1.0), lln_state("fair die", 2.0)
    np.testing.assert_allclose(small["running"][:, -1], large["running"][:, small["steps"] - 1][:, -1])
    with pytest.raises(ValueError, match="distribution must be one of"):
        lln_state("Cauchy", 1.0)
    with pytest.raises(ValueError, match="sample size from 1 to 10000"):
        lln_state("fair die", 5.0)


def test_beta_coin_state_is_the_conjugate_update():
    r = beta_coin_state("uniform, Beta(1, 1)", 100, 0.7)
    assert (r["a"], r["b"]) == (1 + r["heads"], 1 + 100 - r["heads"])
    assert r["mean"] == pytest.approx(stats.beta(r["a"], r["b"]).mean())
    lo, hi = r["interval"]
    want_lo, want_hi = stats.beta(r["a"], r["b"]).ppf([0.05, 0.95])
    assert lo == pytest.approx(want_lo, abs=0.005) and hi == pytest.approx(want_hi, abs=0.005)
    none = beta_coin_state("expects a fair coin, Beta(20, 20)", 0, 0.3)
    np.testing.assert_allclose(none["posterior"], none["prior"])
    assert set(BETA_PRIORS) and 0 in COIN_FLIPS
    with pytest.raises(ValueError, match="theta_true must be a probability"):
        beta_coin_state("uniform, Beta(1, 1)", 10, 1.2)


def test_next_token_state_limits():
    greedy = next_token_state(temperature=0.2, k=1)
    assert greedy["probs"][0] == 1.0 and greedy["counts"][0] == greedy["n_draws"] and greedy["entropy"] == 0.0
    flat = next_token_state(temperature=3.0, k=10)
    assert flat["entropy"] > next_token_state(temperature=1.0, k=10)["entropy"]
    top3 = next_token_state(temperature=1.0, k=3)
    assert np.count_nonzero(top3["probs"]) == 3 and top3["counts"][3:].sum() == 0
    assert len(TOKENS) == len(LOGITS) == 10 and TOKENS[int(np.argmax(LOGITS))] == "mat"


@pytest.mark.parametrize("factory", [law_of_large_numbers, beta_coin, next_token])
def test_explorers_have_at_most_three_coarse_controls(factory):
    explorer = factory()
    assert len(explorer.controls) <= 3
    for control in explorer.controls.values():
        assert len(control.grid(1000) if hasattr(control, "step") else control.options) <= 1000
        if hasattr(control, "step"):
            assert round((control.max - control.min) / control.step) + 1 <= 25


def test_next_token_explorer_redraws_bar_heights():
    explorer = next_token()
    explorer.update(temperature=1.0, k=10)
    bars = explorer._handles["probs"]
    explorer.update(temperature=0.2, k=1)
    assert bars[0].get_height() == pytest.approx(1.0) and bars[5].get_height() == 0.0
