"""dlmath.breakthroughs and the chapter 08 explorers: what the reference implementations compute (against PyTorch,
SciPy and closed forms), and the errors they raise for wrong shapes."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from scipy import signal  # noqa: E402
from scipy.sparse.csgraph import shortest_path  # noqa: E402

from dlmath import breakthroughs as bk  # noqa: E402
from dlmath.breakthroughs import explorers  # noqa: E402

rng = np.random.default_rng(0)


def t(x):
    return torch.from_numpy(np.ascontiguousarray(x))


# -- convolution --------------------------------------------------------------------------------------
@pytest.mark.parametrize("stride, padding", [(1, 0), (1, 1), (2, 1), (3, 2), (2, 0)])
def test_conv2d_matches_torch_batched_and_unbatched(stride, padding):
    X, W, b = rng.normal(size=(2, 3, 9, 11)), rng.normal(size=(4, 3, 3, 2)), rng.normal(size=4)
    ours = bk.conv2d(X, W, b, stride=stride, padding=padding)
    theirs = F.conv2d(t(X), t(W), t(b), stride=stride, padding=padding).numpy()
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, atol=1e-12)
    np.testing.assert_allclose(bk.conv2d(X[1], W, b, stride, padding), theirs[1], atol=1e-12)


def test_conv2d_circular_padding_matches_torch_and_commutes_with_shifts():
    X, W = rng.normal(size=(2, 12, 12)), rng.normal(size=(3, 2, 3, 3))
    ours = bk.conv2d(X, W, padding=1, padding_mode="circular")
    conv = torch.nn.Conv2d(2, 3, 3, padding=1, padding_mode="circular", bias=False, dtype=torch.float64)
    with torch.no_grad():
        conv.weight.copy_(t(W))
    np.testing.assert_allclose(ours, conv(t(X)).detach().numpy(), atol=1e-12)
    shifted = bk.conv2d(np.roll(X, (3, -5), axis=(1, 2)), W, padding=1, padding_mode="circular")
    np.testing.assert_allclose(shifted, np.roll(ours, (3, -5), axis=(1, 2)), atol=1e-12)


def test_conv2d_is_a_cross_correlation_not_a_convolution():
    x, k = rng.normal(size=(7, 7)), rng.normal(size=(3, 3))
    ours = bk.conv2d(x[None], k[None, None])[0]
    np.testing.assert_allclose(ours, signal.correlate2d(x, k, mode="valid"), atol=1e-12)
    assert not np.allclose(ours, signal.convolve2d(x, k, mode="valid"))
    np.testing.assert_allclose(ours, signal.convolve2d(x, k[::-1, ::-1], mode="valid"), atol=1e-12)


def test_conv2d_known_value():
    X = np.arange(16.0).reshape(1, 4, 4)
    W = np.ones((1, 1, 2, 2))
    # each output is the sum of a 2 x 2 window; stride 2 keeps the four disjoint windows
    np.testing.assert_array_equal(bk.conv2d(X, W, np.array([1.0]), stride=2), [[[11.0, 19.0], [43.0, 51.0]]])


def test_conv2d_rejects_bad_shapes_and_settings():
    X = np.zeros((3, 8, 8))
    with pytest.raises(ValueError, match=r"W must have shape \(C_out, 3, k_H, k_W\).*got shape \(2, 2, 3, 3\)"):
        bk.conv2d(X, np.zeros((2, 2, 3, 3)))
    with pytest.raises(ValueError, match=r"X must have shape \(C_in, H, W\) or \(N, C_in, H, W\), got shape \(8, 8\)"):
        bk.conv2d(np.zeros((8, 8)), np.zeros((1, 1, 3, 3)))
    with pytest.raises(ValueError, match=r"b must have shape \(2,\), got shape \(3,\)"):
        bk.conv2d(X, np.zeros((2, 3, 3, 3)), np.zeros(3))
    with pytest.raises(ValueError, match="does not fit"):
        bk.conv2d(X, np.zeros((1, 3, 9, 9)))
    with pytest.raises(ValueError, match="padding_mode"):
        bk.conv2d(X, np.zeros((1, 3, 3, 3)), padding_mode="reflect")
    with pytest.raises(ValueError, match="stride must be an integer of at least 1"):
        bk.conv2d(X, np.zeros((1, 3, 3, 3)), stride=0)


@pytest.mark.parametrize("n, k, s, p", [(32, 3, 1, 1), (224, 7, 2, 3), (10, 4, 3, 1), (5, 5, 1, 0), (7, 3, 2, 0)])
def test_conv_output_size_matches_torch(n, k, s, p):
    out = F.conv1d(torch.zeros(1, 1, n), torch.zeros(1, 1, k), stride=s, padding=p)
    assert bk.conv_output_size(n, k, s, p) == out.shape[-1]


def test_toy_image_is_deterministic_and_has_three_coloured_shapes():
    img = bk.toy_image(40)
    assert img.shape == (3, 40, 40) and np.array_equal(img, bk.toy_image(40))
    assert set(np.unique(img)) == {0.15, 1.0}
    assert (img == 1.0).any(axis=(1, 2)).all()               # each channel holds one shape
    assert not (img == 1.0).all(axis=0).any()                # the shapes do not overlap
    with pytest.raises(ValueError, match="size must be an integer of at least 16"):
        bk.toy_image(8)


# -- diffusion ----------------------------------------------------------------------------------------
def test_linear_schedule_products_and_endpoints():
    S = bk.linear_schedule(50, 1e-4, 0.2)
    assert S.T == 50 and len(S.beta) == 51
    assert S.beta[0] == 0 and S.alpha_bar[0] == 1
    assert S.beta[1] == pytest.approx(1e-4) and S.beta[50] == pytest.approx(0.2)
    np.testing.assert_allclose(S.alpha_bar[1:], torch.cumprod(1 - t(S.beta[1:]), 0).numpy(), rtol=1e-12)
    with pytest.raises(ValueError, match="0 < beta_1 <= beta_T < 1"):
        bk.linear_schedule(10, 0.5, 0.1)


def test_q_sample_is_the_closed_form_and_takes_one_step_per_row():
    S = bk.linear_schedule()
    x0, eps = rng.normal(size=(4, 2)), rng.normal(size=(4, 2))
    np.testing.assert_allclose(bk.q_sample(x0, 0, S, eps), x0)
    steps = np.array([1, 10, 50, 100])
    xt = bk.q_sample(x0, steps, S, eps)
    for i, s in enumerate(steps):
        np.testing.assert_allclose(xt[i], np.sqrt(S.alpha_bar[s]) * x0[i] + np.sqrt(1 - S.alpha_bar[s]) * eps[i])
    with pytest.raises(ValueError, match=r"eps must have shape \(4, 2\), got shape \(4, 3\)"):
        bk.q_sample(x0, 5, S, np.zeros((4, 3)))
    with pytest.raises(ValueError, match=r"one step per row of x \(4 rows\), got shape \(3,\)"):
        bk.q_sample(x0, np.array([1, 2, 3]), S, eps)
    with pytest.raises(ValueError, match=r"must lie in 0, \.\.\., 100"):
        bk.q_sample(x0, 101, S, eps)
    with pytest.raises(ValueError, match="whole number"):
        bk.q_sample(x0, 2.5, S, eps)


def test_iterating_the_one_step_process_gives_the_closed_form_distribution():
    S = bk.linear_schedule(20, 1e-3, 0.2)
    local = np.random.default_rng(1)
    x = np.full((40_000, 1), 2.0)
    for s in range(1, 21):
        x = np.sqrt(S.alpha[s]) * x + np.sqrt(S.beta[s]) * local.normal(size=x.shape)
    mean, var = np.sqrt(S.alpha_bar[20]) * 2.0, 1 - S.alpha_bar[20]
    assert abs(x.mean() - mean) < 4 * np.sqrt(var / len(x))
    assert abs(x.var() - var) < 4 * var * np.sqrt(2 / len(x))


def test_q_log_density_matches_torch_normal():
    S = bk.linear_schedule()
    x0, xt = rng.normal(size=(6, 2)), rng.normal(size=(6, 2))
    theirs = torch.distributions.Normal(t(np.sqrt(S.alpha_bar[30]) * x0), float(np.sqrt(1 - S.alpha_bar[30])))
    np.testing.assert_allclose(bk.q_log_density(xt, x0, 30, S), theirs.log_prob(t(xt)).sum(1).numpy(), atol=1e-12)
    steps = np.arange(1, 7) * 10
    for i, s in enumerate(steps):
        one = bk.q_log_density(xt[i:i + 1], x0[i:i + 1], s, S)
        assert bk.q_log_density(xt, x0, steps, S)[i] == pytest.approx(one[0])
    with pytest.raises(ValueError, match=r"must lie in 1, \.\.\., 100"):
        bk.q_log_density(xt, x0, 0, S)


def test_posterior_is_bayes_rule_on_a_grid_and_the_ddpm_step_uses_it():
    S = bk.linear_schedule()
    step, x0, xt = 12, 0.4, -0.3
    grid = np.linspace(-3, 3, 60_001)
    dens = (np.exp(-(grid - np.sqrt(S.alpha_bar[step - 1]) * x0) ** 2 / (2 * (1 - S.alpha_bar[step - 1])))
            * np.exp(-(xt - np.sqrt(S.alpha[step]) * grid) ** 2 / (2 * S.beta[step])))
    dens /= np.trapezoid(dens, grid)
    mean, var = bk.posterior_mean_variance(np.array([x0]), np.array([xt]), step, S)
    assert np.trapezoid(grid * dens, grid) == pytest.approx(mean[0], abs=1e-8)
    assert np.trapezoid((grid - mean[0]) ** 2 * dens, grid) == pytest.approx(var, rel=1e-6)
    # with the true noise and z = 0, one DDPM step lands on the posterior mean
    x0s, eps = rng.normal(size=(5, 2)), rng.normal(size=(5, 2))
    xts = bk.q_sample(x0s, step, S, eps)
    np.testing.assert_allclose(bk.ddpm_step(xts, step, eps, S, np.zeros((5, 2))),
                               bk.posterior_mean_variance(x0s, xts, step, S)[0], atol=1e-12)
    assert bk.posterior_mean_variance(x0s, xts, 1, S)[1] == 0.0      # the last step adds no noise
    with pytest.raises(ValueError, match=r"z must have shape \(5, 2\), got shape \(2,\)"):
        bk.ddpm_step(xts, step, eps, S, np.zeros(2))


def test_two_moons_lie_near_the_arcs_and_noise_does_not():
    local = np.random.default_rng(3)
    X = bk.two_moons(1001, local, noise=0.0)
    assert X.shape == (1001, 2)
    np.testing.assert_allclose(bk.distance_to_moons(X), 0.0, atol=1e-12)
    assert bk.distance_to_moons(bk.two_moons(2000, local, noise=0.1)).mean() == pytest.approx(0.08, abs=0.01)
    np.testing.assert_allclose(bk.distance_to_moons(bk.moon_arcs(50)), 0.0, atol=1e-12)
    assert bk.distance_to_moons(np.array([[0.0, 0.0]]))[0] == pytest.approx(2 - np.sqrt(1.25))  # inside both arcs
    assert bk.distance_to_moons(np.array([[-3.0, -1.5]]))[0] == pytest.approx(1.0)    # below an arc's end
    # The nearer arc labels a moon; the nearer centre does not (each centre lies inside the other moon's curve).
    arcs = bk.moon_arcs(200)
    upper_arc, lower_arc = arcs[:200], arcs[200:]
    assert np.all(bk.nearest_moon(upper_arc) == 0) and np.all(bk.nearest_moon(lower_arc) == 1)
    by_centre = np.linalg.norm(upper_arc - [-1.0, -0.5], axis=1) < np.linalg.norm(upper_arc - [1.0, 0.5], axis=1)
    assert 0.4 < by_centre.mean() < 0.6                                   # half the upper arc "nearer the other centre"
    with pytest.raises(ValueError, match=r"points must have shape \(\*, 2\), got shape \(3,\)"):
        bk.distance_to_moons(np.zeros(3))


def test_mixture_noise_predictor_is_tweedies_formula():
    S = bk.linear_schedule()
    centres, sigma0 = rng.normal(size=(7, 2)), 0.3
    x = t(rng.normal(size=(5, 2))).requires_grad_()
    for step in (1, 40, 100):
        abar = S.alpha_bar[step]
        s2 = abar * sigma0 ** 2 + 1 - abar
        log_q = torch.logsumexp(-((x[:, None] - np.sqrt(abar) * t(centres)[None]) ** 2).sum(-1) / (2 * s2), dim=1)
        (score,) = torch.autograd.grad(log_q.sum(), x)
        ours = bk.mixture_noise_predictor(x.detach().numpy(), step, centres, sigma0, S)
        np.testing.assert_allclose(ours, (-np.sqrt(1 - abar) * score).numpy(), atol=1e-10)
    with pytest.raises(ValueError, match=r"centres must have shape \(\*, 2\), got shape \(7, 3\)"):
        bk.mixture_noise_predictor(np.zeros((5, 2)), 5, np.zeros((7, 3)), 0.1, S)


def test_mixture_noise_predictor_has_the_smallest_error():
    """The exact conditional mean beats a perturbed version of itself on draws from the mixture."""
    S = bk.linear_schedule()
    local = np.random.default_rng(4)
    centres = bk.moon_arcs(100)
    x0 = centres[local.integers(0, len(centres), 20_000)] + 0.1 * local.normal(size=(20_000, 2))
    eps = local.normal(size=x0.shape)
    xt = bk.q_sample(x0, 20, S, eps)
    best = bk.mixture_noise_predictor(xt, 20, centres, 0.1, S)
    assert np.mean((best - eps) ** 2) < np.mean((1.1 * best - eps) ** 2)
    assert np.mean((best - eps) ** 2) < np.mean((best + 0.05 - eps) ** 2)


# -- graph neural networks ----------------------------------------------------------------------------
def test_caffeine_is_c8h10n4o2_with_two_fused_rings():
    mol = bk.caffeine()
    A = bk.adjacency(mol.n, mol.bonds)
    assert mol.n == 14 and len(mol.bonds) == 15
    assert sorted(mol.atoms) == sorted("C" * 8 + "N" * 4 + "O" * 2) and sum(mol.hydrogens) == 10
    # every heavy atom's valence is filled: bonds (double bonds counted twice) plus hydrogens
    double = {(2, 3), (4, 5), (6, 7), (9, 10)}
    valence = A.sum(1) + np.array(mol.hydrogens)
    for i, j in double:
        valence[i] += 1
        valence[j] += 1
    assert list(valence) == [{"C": 4, "N": 3, "O": 2}[a] for a in mol.atoms]
    # 15 edges, 14 nodes, connected: 15 - 14 + 1 = 2 independent rings
    assert np.isfinite(shortest_path(A, unweighted=True)).all()
    lengths = np.linalg.norm(mol.xy[[i for i, _ in mol.bonds]] - mol.xy[[j for _, j in mol.bonds]], axis=1)
    np.testing.assert_allclose(lengths, 1.0, atol=2e-3)         # the drawing has bonds of equal length
    assert mol.features().shape == (14, 4) and mol.labels()[7] == "O7"


def test_normalized_adjacency_of_a_path():
    A = bk.adjacency(3, [(0, 1), (1, 2)])
    r6 = 1 / np.sqrt(6)
    np.testing.assert_allclose(bk.normalized_adjacency(A), [[0.5, r6, 0], [r6, 1 / 3, r6], [0, r6, 0.5]])
    with pytest.raises(ValueError, match="symmetric with zeros on its diagonal"):
        bk.normalized_adjacency(A + np.eye(3))
    with pytest.raises(ValueError, match=r"A must be square, shape \(n, n\), got shape \(2, 3\)"):
        bk.normalized_adjacency(np.zeros((2, 3)))


def test_adjacency_rejects_bad_edges():
    with pytest.raises(ValueError, match="outside 0, ..., 2"):
        bk.adjacency(3, [(0, 3)])
    with pytest.raises(ValueError, match="self-loop or appears twice"):
        bk.adjacency(3, [(0, 1), (1, 0)])
    with pytest.raises(ValueError, match="pair"):
        bk.adjacency(3, [(0, 1, 2)])


def test_gcn_layer_matrix_and_message_forms_agree_with_a_torch_scatter():
    mol = bk.caffeine()
    A, H, W = bk.adjacency(mol.n, mol.bonds), mol.features(), rng.normal(size=(4, 5))
    ours = bk.gcn_layer(A, H, W)
    np.testing.assert_allclose(bk.gcn_layer_messages(mol.n, mol.bonds, H, W), ours, atol=1e-12)
    d = torch.from_numpy(A.sum(1) + 1)
    edges = torch.tensor(mol.bonds).T
    send, recv = torch.cat([edges, edges.flip(0), torch.arange(mol.n).repeat(2, 1)], dim=1)
    HW = t(H) @ t(W)
    Z = torch.zeros(mol.n, 5, dtype=torch.float64).index_add_(0, recv, HW[send] / (d[send] * d[recv]).sqrt()[:, None])
    np.testing.assert_allclose(ours, torch.relu(Z).numpy(), atol=1e-12)
    np.testing.assert_allclose(bk.gcn_layer(A, H, W, activation=None), Z.numpy(), atol=1e-12)


def test_gcn_layer_is_permutation_equivariant():
    mol = bk.caffeine()
    A, H, W = bk.adjacency(mol.n, mol.bonds), mol.features(), rng.normal(size=(4, 3))
    P = np.eye(mol.n)[rng.permutation(mol.n)]
    np.testing.assert_allclose(bk.gcn_layer(P @ A @ P.T, P @ H, W), P @ bk.gcn_layer(A, H, W), atol=1e-12)


def test_gcn_layer_reports_shapes():
    A = bk.adjacency(3, [(0, 1), (1, 2)])
    with pytest.raises(ValueError, match=r"H must have shape \(3, \*\), got shape \(4, 2\)"):
        bk.gcn_layer(A, np.zeros((4, 2)), np.zeros((2, 2)))
    with pytest.raises(ValueError, match=r"W must have shape \(2, \*\), got shape \(3, 2\)"):
        bk.gcn_layer(A, np.zeros((3, 2)), np.zeros((3, 2)))
    with pytest.raises(ValueError, match=r"W must have shape \(2, \*\), got shape \(3, 2\)"):
        bk.gcn_layer_messages(3, [(0, 1)], np.zeros((3, 2)), np.zeros((3, 2)))


# -- the chapter's explorers --------------------------------------------------------------------------
@pytest.mark.parametrize("kernel", list(explorers.KERNELS))
def test_convolution_shift_state_is_exactly_equivariant_with_circular_padding(kernel):
    r = explorers.convolution_shift_state(kernel, dx=5, dy=-7, padding="circular")
    assert r["max_diff"] < 1e-12 and r["differs"] == 0.0
    np.testing.assert_allclose(r["image"], np.roll(bk.toy_image(40), (-7, 5), axis=(1, 2)).transpose(1, 2, 0))


def test_convolution_shift_state_with_zero_padding_differs_only_near_the_border_and_seam():
    r = explorers.convolution_shift_state("vertical edges (Sobel)", dx=6, dy=3, padding="zeros")
    rows, cols = np.nonzero(np.abs(r["diff"]) > 1e-12)
    assert len(rows) > 0
    assert all(i in {0, 39, 2, 3} or j in {0, 39, 5, 6} for i, j in zip(rows, cols))
    unshifted = explorers.convolution_shift_state("vertical edges (Sobel)", dx=0, dy=0, padding="zeros")
    assert unshifted["max_diff"] == 0.0
    with pytest.raises(ValueError, match="whole numbers of pixels"):
        explorers.convolution_shift_state("blur (3 x 3 mean)", dx=0.5, dy=0, padding="zeros")


def test_diffusion_state_goes_from_data_to_noise_and_back():
    start, end = explorers.diffusion_state(0), explorers.diffusion_state(explorers.DIFFUSION_T)
    assert start["signal"] == 1.0 and start["noise"] == 0.0
    assert start["forward_distance"] < 0.1 and end["forward_distance"] > 0.4     # data, then noise
    assert end["reverse_distance"] > 0.35 and start["reverse_distance"] < 0.1    # noise, then data
    chain = explorers.reverse_chain()
    assert chain.shape == (explorers.DIFFUSION_T + 1, 400, 2) and not chain.flags.writeable
    with pytest.raises(ValueError, match="whole number from 0 to 100"):
        explorers.diffusion_state(101)


def test_message_passing_state_reaches_atoms_within_k_bonds():
    hops = shortest_path(bk.adjacency(14, bk.caffeine().bonds), unweighted=True)
    for k in range(explorers.MAX_LAYERS + 1):
        r = explorers.message_passing_state("N8", k)
        assert np.array_equal(r["weights"] > 1e-12, hops[8] <= k)
        assert r["reached"] == int(np.sum(hops[8] <= k))
    assert explorers.message_passing_state("O7", 0)["weights"][7] == 1.0
    with pytest.raises(ValueError, match="atom must be one of"):
        explorers.message_passing_state("X99", 1)


def test_the_message_passing_explorer_reaches_the_diameter():
    """The text: C0 and O10 are six bonds apart, so six layers are needed; the explorer offers them."""
    hops = shortest_path(bk.adjacency(14, bk.caffeine().bonds), unweighted=True)
    assert hops.max() == explorers.MAX_LAYERS == hops[0, 10]
    assert explorers.message_passing_state("C0", 5)["reached"] == 13
    assert explorers.message_passing_state("C0", 6)["reached"] == 14
