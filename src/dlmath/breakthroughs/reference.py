r"""Reference implementations of chapter 08 (from equations to breakthroughs).

Three ideas that turned the pillars into modern architectures, each in NumPy only (chapter 08 compares
each with PyTorch):

- **convolution**: the multi-channel 2-D cross-correlation that ``torch.nn.functional.conv2d`` computes,
  with stride and zero or circular padding, the size of its output, and a small synthetic colour image;
- **diffusion**: a noise schedule, the closed-form forward process $q(x_t \mid x_0)$, the posterior of one
  reverse step, the DDPM ancestral step, the two-moons data set with its distance to the moons, and the
  exact noise predictor of a Gaussian mixture (the best any network could learn for such data);
- **graph neural networks**: the adjacency matrix of a graph, its normalisation
  $D^{-1/2}(A + I)D^{-1/2}$, a graph-convolution layer in matrix form and in message-passing form, and the
  heavy-atom graph of caffeine.

Conventions. Images are $(C, H, W)$ or $(N, C, H, W)$, kernels $(C_{\text{out}}, C_{\text{in}}, k_H, k_W)$,
as in PyTorch. Diffusion steps are numbered $t = 0, \dots, T$; the arrays of a :class:`Schedule` have
$T + 1$ entries, so that ``schedule.alpha_bar[t]`` is $\bar\alpha_t$, with $\beta_0 = 0$ and
$\bar\alpha_0 = 1$. Graph nodes are rows: node features $H$ have shape (n_nodes, n_features).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from .._validate import as_array

__all__ = [
    "conv2d", "conv_output_size", "toy_image",
    "Schedule", "linear_schedule", "q_sample", "q_log_density", "posterior_mean_variance", "ddpm_step",
    "two_moons", "moon_arcs", "distance_to_moons", "nearest_moon", "mixture_noise_predictor",
    "Molecule", "caffeine", "ethanol", "adjacency", "normalized_adjacency", "gcn_layer",
    "gcn_layer_messages", "relu",
]


# -- convolution --------------------------------------------------------------------------------------
def _positive_int(value, name: str, minimum: int = 1) -> int:
    if isinstance(value, bool) or not float(value).is_integer() or value < minimum:
        raise ValueError(f"{name} must be an integer of at least {minimum}, got {value!r}")
    return int(value)


def conv_output_size(n: int, k: int, stride: int = 1, padding: int = 0) -> int:
    r"""The length of a convolution's output along one axis:

    $$n_{\text{out}} = \left\lfloor \frac{n + 2p - k}{s} \right\rfloor + 1$$

    for an input of length $n$, a kernel of length $k$, stride $s$ and padding $p$ on each side. The kernel
    must fit in the padded input, $k \le n + 2p$.
    """
    n, k = _positive_int(n, "n"), _positive_int(k, "k")
    stride, padding = _positive_int(stride, "stride"), _positive_int(padding, "padding", minimum=0)
    if k > n + 2 * padding:
        raise ValueError(f"a kernel of size {k} does not fit in an input of size {n} padded by {padding} "
                         f"on each side ({n + 2 * padding})")
    return (n + 2 * padding - k) // stride + 1


def conv2d(X, W, b=None, stride: int = 1, padding: int = 0, padding_mode: str = "zeros") -> np.ndarray:
    r"""The 2-D convolution of deep learning (a cross-correlation), multi-channel, with stride and padding:

    $$Y_{o,i,j} = b_o + \sum_{c=1}^{C_{\text{in}}} \sum_{u=0}^{k_H - 1} \sum_{v=0}^{k_W - 1}
      W_{o,c,u,v}\, \tilde X_{c,\, s i + u,\, s j + v},$$

    where $\tilde X$ is $X$ padded by $p$ on each side (with zeros, or for ``padding_mode="circular"`` by
    wrapping around) and $s$ is the stride. The kernel is *not* flipped: this is what
    ``torch.nn.functional.conv2d(X, W, b, stride, padding)`` computes. ``X`` has shape (C_in, H, W) or
    (N, C_in, H, W), ``W`` (C_out, C_in, k_H, k_W), ``b`` (C_out,) or None; the output has shape
    (C_out, H_out, W_out) or (N, C_out, H_out, W_out), sizes from :func:`conv_output_size`.
    """
    X = as_array(X, "X")
    if X.ndim not in (3, 4):
        raise ValueError(f"X must have shape (C_in, H, W) or (N, C_in, H, W), got shape {X.shape}")
    batched = X.ndim == 4
    X = X if batched else X[None]
    W = as_array(W, "W")
    if W.ndim != 4 or W.shape[1] != X.shape[1]:
        raise ValueError(f"W must have shape (C_out, {X.shape[1]}, k_H, k_W), one slice per input channel of X, "
                         f"got shape {W.shape}")
    b = np.zeros(W.shape[0]) if b is None else as_array(b, "b", shape=(W.shape[0],))
    stride, padding = _positive_int(stride, "stride"), _positive_int(padding, "padding", minimum=0)
    if padding_mode not in ("zeros", "circular"):
        raise ValueError(f"padding_mode must be 'zeros' or 'circular', got {padding_mode!r}")
    H_out = conv_output_size(X.shape[2], W.shape[2], stride, padding)
    W_out = conv_output_size(X.shape[3], W.shape[3], stride, padding)
    pad = ((0, 0), (0, 0), (padding, padding), (padding, padding))
    Xp = np.pad(X, pad, mode="wrap" if padding_mode == "circular" else "constant")
    # windows[n, c, i, j, u, v] = Xp[n, c, i + u, j + v]; keep every stride-th window position.
    windows = np.lib.stride_tricks.sliding_window_view(Xp, W.shape[2:], axis=(2, 3))
    windows = windows[:, :, ::stride, ::stride][:, :, :H_out, :W_out]
    Y = np.einsum("ncijuv,ocuv->noij", windows, W) + b[None, :, None, None]
    return Y if batched else Y[0]


def toy_image(size: int = 40) -> np.ndarray:
    """A synthetic colour image of shape (3, size, size), values in [0, 1]: a red disc, a green square and a
    blue triangle on a dark grey background (0.15 in every channel). Deterministic: no random draws."""
    size = _positive_int(size, "size", minimum=16)
    img = np.full((3, size, size), 0.15)
    r, c = np.mgrid[0:size, 0:size] / size                     # row and column coordinates in [0, 1)
    disc = (r - 0.32) ** 2 + (c - 0.3) ** 2 <= 0.17 ** 2
    square = (np.abs(r - 0.7) <= 0.14) & (np.abs(c - 0.68) <= 0.14)
    triangle = (r >= 0.15) & (r <= 0.45) & (np.abs(c - 0.72) <= (r - 0.15) * 0.6)
    for channel, shape in enumerate((disc, square, triangle)):
        img[channel][shape] = 1.0
    return img


# -- diffusion ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Schedule:
    r"""A noise schedule of $T$ steps: $\beta_t$, $\alpha_t = 1 - \beta_t$ and $\bar\alpha_t = \prod_{s \le t} \alpha_s$.

    Each array has $T + 1$ entries, indexed by the step $t = 0, \dots, T$; $\beta_0 = 0$ and $\bar\alpha_0 = 1$,
    so that step 0 is the data itself.
    """

    beta: np.ndarray
    alpha: np.ndarray
    alpha_bar: np.ndarray

    @property
    def T(self) -> int:
        """The number of noising steps."""
        return len(self.beta) - 1

    def check_step(self, t, first: int = 0) -> np.ndarray:
        """``t`` as an integer array, after checking that every entry lies in ``first, ..., T``."""
        t_arr = np.asarray(t)
        if t_arr.dtype == bool or not np.issubdtype(t_arr.dtype, np.number) or np.any(t_arr != np.round(t_arr)):
            raise ValueError(f"the step t must be a whole number from {first} to {self.T}, got {t!r}")
        if np.any(t_arr < first) or np.any(t_arr > self.T):
            raise ValueError(f"the step t must lie in {first}, ..., {self.T}, got {t!r}")
        return t_arr.astype(int)


def linear_schedule(T: int = 100, beta_1: float = 1e-4, beta_T: float = 0.1) -> Schedule:
    r"""A linear schedule, $\beta_t$ evenly spaced from $\beta_1$ to $\beta_T$, $t = 1, \dots, T$: by default a 100-step
    version of Ho et al. (2020)'s, who use $T = 1000$ and $\beta_T = 0.02$.

    Returns a :class:`Schedule` with $\alpha_t = 1 - \beta_t$ and $\bar\alpha_t = \prod_{s=1}^{t} \alpha_s$.
    """
    T = _positive_int(T, "T")
    if not 0 < beta_1 <= beta_T < 1:
        raise ValueError(f"the betas must satisfy 0 < beta_1 <= beta_T < 1, got beta_1 = {beta_1}, beta_T = {beta_T}")
    beta = np.concatenate([[0.0], np.linspace(beta_1, beta_T, T)])
    alpha = 1.0 - beta
    return Schedule(beta=beta, alpha=alpha, alpha_bar=np.cumprod(alpha))


def _coefficient(schedule: Schedule, t, x: np.ndarray, first: int = 0) -> np.ndarray:
    """``schedule.alpha_bar[t]`` shaped to broadcast against ``x`` (a scalar t, or one t per row of x)."""
    t = schedule.check_step(t, first)
    if t.ndim == 0:
        return schedule.alpha_bar[t]
    if t.ndim != 1 or len(t) != x.shape[0]:
        raise ValueError(f"t must be one step, or one step per row of x ({x.shape[0]} rows), got shape {t.shape}")
    return schedule.alpha_bar[t].reshape(-1, *([1] * (x.ndim - 1)))


def q_sample(x0, t, schedule: Schedule, eps) -> np.ndarray:
    r"""A draw of $x_t$ from the closed-form forward process, given the noise $\varepsilon \sim \mathcal N(0, I)$:

    $$q(x_t \mid x_0) = \mathcal N\big(\sqrt{\bar\alpha_t}\, x_0,\ (1 - \bar\alpha_t) I\big), \qquad
      x_t = \sqrt{\bar\alpha_t}\, x_0 + \sqrt{1 - \bar\alpha_t}\, \varepsilon.$$

    ``x0`` and ``eps`` have the same shape (n, d); ``t`` is one step or one step per row.
    """
    x0 = as_array(x0, "x0")
    eps = as_array(eps, "eps", shape=x0.shape)
    abar = _coefficient(schedule, t, x0)
    return np.sqrt(abar) * x0 + np.sqrt(1.0 - abar) * eps


def q_log_density(xt, x0, t, schedule: Schedule) -> np.ndarray:
    r"""$\log q(x_t \mid x_0)$ for each row, the log-density of $\mathcal N(\sqrt{\bar\alpha_t} x_0, (1 - \bar\alpha_t) I)$:

    $$\log q = -\frac{\lVert x_t - \sqrt{\bar\alpha_t} x_0 \rVert^2}{2 (1 - \bar\alpha_t)} - \frac d2 \log\big(2\pi (1 - \bar\alpha_t)\big).$$

    ``xt`` and ``x0`` have shape (n, d); the result has shape (n,). Needs $t \ge 1$ (at $t = 0$ there is no noise).
    """
    xt = as_array(xt, "xt")
    if xt.ndim != 2:
        raise ValueError(f"xt must have shape (n, d), got shape {xt.shape}")
    x0 = as_array(x0, "x0", shape=xt.shape)
    abar = _coefficient(schedule, t, xt, first=1)
    var = np.broadcast_to(1.0 - abar, (xt.shape[0], 1))[:, 0]     # one variance per row
    squared = np.sum((xt - np.sqrt(abar) * x0) ** 2, axis=1)
    return -squared / (2 * var) - xt.shape[1] / 2 * np.log(2 * np.pi * var)


def posterior_mean_variance(x0, xt, t: int, schedule: Schedule) -> tuple[np.ndarray, float]:
    r"""The mean and variance of one reverse step when $x_0$ is known, $q(x_{t-1} \mid x_t, x_0) = \mathcal N(\tilde\mu, \tilde\beta_t I)$:

    $$\tilde\mu = \frac{\sqrt{\bar\alpha_{t-1}}\,\beta_t}{1 - \bar\alpha_t}\, x_0
      + \frac{\sqrt{\alpha_t}\,(1 - \bar\alpha_{t-1})}{1 - \bar\alpha_t}\, x_t, \qquad
      \tilde\beta_t = \frac{1 - \bar\alpha_{t-1}}{1 - \bar\alpha_t}\, \beta_t,$$

    for $t = 1, \dots, T$ (Bayes' rule applied to two Gaussians). ``x0`` and ``xt`` have the same shape.
    """
    xt = as_array(xt, "xt")
    x0 = as_array(x0, "x0", shape=xt.shape)
    t = int(schedule.check_step(t, first=1))
    beta, alpha, abar = schedule.beta[t], schedule.alpha[t], schedule.alpha_bar
    mean = (np.sqrt(abar[t - 1]) * beta * x0 + np.sqrt(alpha) * (1 - abar[t - 1]) * xt) / (1 - abar[t])
    return mean, float((1 - abar[t - 1]) / (1 - abar[t]) * beta)


def ddpm_step(xt, t: int, eps_hat, schedule: Schedule, z) -> np.ndarray:
    r"""One step of DDPM's ancestral sampler, from $x_t$ to $x_{t-1}$, given the predicted noise $\hat\varepsilon$:

    $$x_{t-1} = \frac{1}{\sqrt{\alpha_t}} \Big(x_t - \frac{\beta_t}{\sqrt{1 - \bar\alpha_t}}\, \hat\varepsilon\Big)
      + \sqrt{\tilde\beta_t}\, z, \qquad z \sim \mathcal N(0, I),$$

    the posterior mean of :func:`posterior_mean_variance` with $x_0$ replaced by its estimate from
    $\hat\varepsilon$. At $t = 1$, $\tilde\beta_1 = 0$ and ``z`` has no effect. All arrays have the shape of ``xt``.
    """
    xt = as_array(xt, "xt")
    eps_hat = as_array(eps_hat, "eps_hat", shape=xt.shape)
    z = as_array(z, "z", shape=xt.shape)
    t = int(schedule.check_step(t, first=1))
    beta, alpha, abar = schedule.beta[t], schedule.alpha[t], schedule.alpha_bar
    mean = (xt - beta / np.sqrt(1 - abar[t]) * eps_hat) / np.sqrt(alpha)
    return mean + np.sqrt((1 - abar[t - 1]) / (1 - abar[t]) * beta) * z


#: The two moons: (centre, first angle, last angle) of each arc, radius 2, centred on the origin.
_MOONS = ((np.array([-1.0, -0.5]), 0.0, np.pi), (np.array([1.0, 0.5]), np.pi, 2 * np.pi))
_RADIUS = 2.0


def two_moons(n: int, rng: np.random.Generator, noise: float = 0.1) -> np.ndarray:
    r"""``n`` points of the two-moons data set, shape (n, 2): two interleaved half circles of radius 2, centred on
    $(-1, -0.5)$ (the upper half) and $(1, 0.5)$ (the lower half), half the points on each, each point at a
    uniformly random angle and moved by Gaussian noise of standard deviation ``noise``."""
    n = _positive_int(n, "n", minimum=2)
    if noise < 0:
        raise ValueError(f"noise must be a standard deviation, at least 0, got {noise}")
    parts = []
    for (centre, first, last), m in zip(_MOONS, (n // 2, n - n // 2)):
        angle = rng.uniform(first, last, m)
        parts.append(centre + _RADIUS * np.stack([np.cos(angle), np.sin(angle)], axis=1))
    X = np.concatenate(parts)
    X = X + noise * rng.normal(size=X.shape)
    return X[rng.permutation(n)]


def moon_arcs(n_per_arc: int = 200) -> np.ndarray:
    """``2 n_per_arc`` points evenly spaced along the two noise-free arcs of :func:`two_moons`, shape (2 n, 2)."""
    n_per_arc = _positive_int(n_per_arc, "n_per_arc", minimum=2)
    parts = []
    for centre, first, last in _MOONS:
        angle = first + (np.arange(n_per_arc) + 0.5) / n_per_arc * (last - first)
        parts.append(centre + _RADIUS * np.stack([np.cos(angle), np.sin(angle)], axis=1))
    return np.concatenate(parts)


def _arc_distances(points) -> np.ndarray:
    r"""The Euclidean distance from each point (shape (n, 2)) to each noise-free arc: shape (n, 2), upper arc first.

    For an arc of radius $r$ about $c$, a point whose direction from $c$ lies within the arc's angles is
    $\lvert \lVert x - c \rVert - r \rvert$ away; any other point is nearest to one of the arc's two ends.
    """
    P = as_array(points, "points", shape=(None, 2))
    columns = []
    for centre, first, last in _MOONS:
        d = P - centre
        angle = np.mod(np.arctan2(d[:, 1], d[:, 0]), 2 * np.pi)
        on_arc = (angle >= first) & (angle <= last) if first == 0 else (angle >= first) | (angle == 0)
        radial = np.abs(np.hypot(d[:, 0], d[:, 1]) - _RADIUS)
        ends = [centre + _RADIUS * np.array([np.cos(a), np.sin(a)]) for a in (first, last)]
        to_end = np.minimum(*(np.linalg.norm(P - e, axis=1) for e in ends))
        columns.append(np.where(on_arc, radial, to_end))
    return np.stack(columns, axis=1)


def distance_to_moons(points) -> np.ndarray:
    """The Euclidean distance from each point (shape (n, 2)) to the nearer of the two noise-free arcs."""
    return _arc_distances(points).min(axis=1)


def nearest_moon(points) -> np.ndarray:
    """For each point (shape (n, 2)), which noise-free arc is nearer: 0 for the upper moon, 1 for the lower.

    Label by the nearer *arc*, not the nearer centre: each moon's centre lies inside the other moon's curve, so the
    nearer centre mislabels about 46% of an arc, and a sample collapsed onto one moon would still split about evenly.
    """
    return _arc_distances(points).argmin(axis=1)


def mixture_noise_predictor(xt, t: int, centres, sigma0: float, schedule: Schedule) -> np.ndarray:
    r"""The exact $\mathbb E[\varepsilon \mid x_t]$ when the data are a mixture of Gaussians $\frac1M \sum_m \mathcal N(a_m, \sigma_0^2 I)$:

    $$\hat\varepsilon^\star(x_t) = \frac{\sqrt{1 - \bar\alpha_t}}{s_t^2}\Big(x_t - \sqrt{\bar\alpha_t} \sum_m w_m a_m\Big),
      \qquad s_t^2 = \bar\alpha_t \sigma_0^2 + 1 - \bar\alpha_t,
      \qquad w = \operatorname{softmax}_m\!\Big(-\frac{\lVert x_t - \sqrt{\bar\alpha_t} a_m \rVert^2}{2 s_t^2}\Big).$$

    No predictor of the noise has a smaller mean squared error; it equals $-\sqrt{1 - \bar\alpha_t}\,\nabla \log q_t(x_t)$.
    ``xt`` has shape (n, d), ``centres`` (M, d); the result has shape (n, d). Needs $t \ge 1$.
    """
    xt = as_array(xt, "xt")
    if xt.ndim != 2:
        raise ValueError(f"xt must have shape (n, d), got shape {xt.shape}")
    centres = as_array(centres, "centres", shape=(None, xt.shape[1]))
    t = int(schedule.check_step(t, first=1))
    if sigma0 < 0:
        raise ValueError(f"sigma0 must be a standard deviation, at least 0, got {sigma0}")
    abar = schedule.alpha_bar[t]
    s2 = abar * sigma0 ** 2 + 1 - abar
    means = np.sqrt(abar) * centres                                  # (M, d)
    logits = -((xt ** 2).sum(1)[:, None] - 2 * xt @ means.T + (means ** 2).sum(1)[None, :]) / (2 * s2)
    w = np.exp(logits - logits.max(axis=1, keepdims=True))
    w /= w.sum(axis=1, keepdims=True)
    return np.sqrt(1 - abar) / s2 * (xt - w @ means)


# -- graph neural networks ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Molecule:
    """A molecule's heavy atoms as a graph: element symbols, bonds (pairs of atom indices), 2-D drawing coordinates
    and the number of hydrogens attached to each atom."""

    name: str
    atoms: tuple[str, ...]
    bonds: tuple[tuple[int, int], ...]
    xy: np.ndarray
    hydrogens: tuple[int, ...]

    @property
    def n(self) -> int:
        """The number of heavy atoms (nodes)."""
        return len(self.atoms)

    def labels(self) -> list[str]:
        """One label per atom: its element and its index, such as ``"N1"``."""
        return [f"{a}{i}" for i, a in enumerate(self.atoms)]

    def features(self) -> np.ndarray:
        """Node features, shape (n, 4): one-hot element (C, N, O), then the number of attached hydrogens."""
        H = np.zeros((self.n, 4))
        for i, (atom, h) in enumerate(zip(self.atoms, self.hydrogens)):
            H[i, "CNO".index(atom)] = 1.0
            H[i, 3] = h
        return H


def caffeine() -> Molecule:
    """Caffeine, C8H10N4O2, without its hydrogens: 14 atoms, 15 bonds, a five-membered ring fused to a
    six-membered one, three methyl groups and two C=O groups (SMILES ``CN1C=NC2=C1C(=O)N(C(=O)N2C)C``)."""
    atoms = ("C", "N", "C", "N", "C", "C", "C", "O", "N", "C", "O", "N", "C", "C")
    bonds = ((0, 1), (1, 2), (2, 3), (3, 4), (4, 5), (5, 1), (5, 6), (6, 7), (6, 8), (8, 9), (9, 10), (9, 11),
             (11, 4), (11, 12), (8, 13))
    xy = np.array([[-2.126, 1.76], [-1.817, 0.809], [-2.405, 0.0], [-1.817, -0.809], [-0.866, -0.5],
                   [-0.866, 0.5], [0.0, 1.0], [0.0, 2.0], [0.866, 0.5], [0.866, -0.5], [1.732, -1.0],
                   [0.0, -1.0], [0.0, -2.0], [1.732, 1.0]])
    hydrogens = (3, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 3)
    return Molecule("caffeine", atoms, bonds, xy, hydrogens)


def ethanol() -> Molecule:
    """Ethanol, CH3-CH2-OH, without its hydrogens: the path C0 - C1 - O2."""
    return Molecule("ethanol", ("C", "C", "O"), ((0, 1), (1, 2)), np.array([[0.0, 0.0], [1.0, 0.5], [2.0, 0.0]]),
                    (3, 2, 1))


def adjacency(n: int, edges: Sequence[tuple[int, int]]) -> np.ndarray:
    r"""The symmetric adjacency matrix $A \in \{0, 1\}^{n \times n}$ of an undirected graph: $A_{ij} = A_{ji} = 1$
    for each edge $(i, j)$. Self-loops and repeated edges are rejected."""
    n = _positive_int(n, "n")
    A = np.zeros((n, n))
    for edge in edges:
        if len(edge) != 2:
            raise ValueError(f"each edge must be a pair (i, j) of node indices, got {edge!r}")
        i, j = (int(v) for v in edge)
        if not (0 <= i < n and 0 <= j < n):
            raise ValueError(f"edge {edge!r} names a node outside 0, ..., {n - 1}")
        if i == j or A[i, j]:
            raise ValueError(f"edge {edge!r} is a self-loop or appears twice")
        A[i, j] = A[j, i] = 1.0
    return A


def normalized_adjacency(A) -> np.ndarray:
    r"""The propagation matrix of a graph-convolution layer (Kipf and Welling, 2017):

    $$\hat A = \tilde D^{-1/2} (A + I)\, \tilde D^{-1/2}, \qquad \tilde D_{ii} = \sum_j (A + I)_{ij} = 1 + \deg(i).$$

    The self-loops $I$ let each node keep its own features; the symmetric scaling divides the message from $j$
    to $i$ by $\sqrt{\tilde d_i \tilde d_j}$. ``A`` is a square symmetric matrix with zeros on the diagonal.
    """
    A = as_array(A, "A", ndim=2)
    if A.shape[0] != A.shape[1]:
        raise ValueError(f"A must be square, shape (n, n), got shape {A.shape}")
    if not np.allclose(A, A.T) or np.any(np.diag(A) != 0):
        raise ValueError("A must be symmetric with zeros on its diagonal (the layer adds the self-loops itself)")
    A_tilde = A + np.eye(len(A))
    d = A_tilde.sum(axis=1)
    return A_tilde / np.sqrt(d)[:, None] / np.sqrt(d)[None, :]


def relu(Z) -> np.ndarray:
    """The rectified linear unit, ``max(Z, 0)`` entry by entry."""
    return np.maximum(np.asarray(Z, dtype=float), 0.0)


def _check_features(A: np.ndarray, H, W) -> tuple[np.ndarray, np.ndarray]:
    H = as_array(H, "H", shape=(A.shape[0], None))
    W = as_array(W, "W", shape=(H.shape[1], None))
    return H, W


def gcn_layer(A, H, W, activation: Callable[[np.ndarray], np.ndarray] | None = relu) -> np.ndarray:
    r"""One graph-convolution layer in matrix form, $H' = \sigma\big(\tilde D^{-1/2} (A + I) \tilde D^{-1/2} H W\big)$.

    ``A`` (n, n) is the adjacency matrix without self-loops, ``H`` (n, f_in) the node features, one row per node,
    ``W`` (f_in, f_out) the weights shared by every node; the result has shape (n, f_out). ``activation=None``
    returns the pre-activation.
    """
    A_hat = normalized_adjacency(A)
    H, W = _check_features(A_hat, H, W)
    Z = A_hat @ H @ W
    return Z if activation is None else activation(Z)


def gcn_layer_messages(n: int, edges: Sequence[tuple[int, int]], H, W,
                       activation: Callable[[np.ndarray], np.ndarray] | None = relu) -> np.ndarray:
    r"""The same layer as :func:`gcn_layer`, computed as message passing over an edge list:

    $$h_i' = \sigma\Big(\sum_{j \in \mathcal N(i) \cup \{i\}} \frac{1}{\sqrt{\tilde d_i \tilde d_j}}\, h_j W\Big),
      \qquad \tilde d_i = 1 + \deg(i).$$

    Every edge $(i, j)$ sends a message both ways, and every node sends one to itself. One Python loop over the
    messages; no adjacency matrix is formed.
    """
    n = _positive_int(n, "n")
    H = as_array(H, "H", shape=(n, None))
    W = as_array(W, "W", shape=(H.shape[1], None))
    degree = np.ones(n)                                      # the self-loop
    for i, j in edges:
        degree[i] += 1
        degree[j] += 1
    messages = [(i, i) for i in range(n)] + [(i, j) for i, j in edges] + [(j, i) for i, j in edges]
    HW = H @ W                                               # each node transforms its features once
    Z = np.zeros((n, W.shape[1]))
    for receiver, sender in messages:
        Z[receiver] += HW[sender] / np.sqrt(degree[receiver] * degree[sender])
    return Z if activation is None else activation(Z)
