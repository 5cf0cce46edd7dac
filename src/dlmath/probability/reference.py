"""Reference implementations from probability that more than one chapter uses.

Softmax (with a temperature), log-softmax and log-sum-exp; entropy, cross-entropy and the
Kullback-Leibler divergence; the classification losses; top-k filtering and sampling from a categorical
distribution; Bayes' rule and the Beta-Bernoulli update; the Gaussian density and its maximum-likelihood
fit. Each function states its formula, works on NumPy arrays and checks its inputs, saying in the error
which shape or value it expected and which arrived. Chapter 03 compares them with PyTorch and SciPy;
chapter 07 reuses the softmax.

Logarithms are natural logarithms, so information is measured in nats.
"""

from __future__ import annotations

import math

import numpy as np

from .._validate import as_array
from ..calculus import sigmoid  # one sigmoid for the book; here it is the softmax of the logits (z, 0)

__all__ = [
    "logsumexp", "softmax", "log_softmax", "sigmoid",
    "entropy", "cross_entropy", "kl_divergence",
    "cross_entropy_loss", "binary_cross_entropy_with_logits",
    "top_k_filter", "next_token_distribution", "sample_categorical",
    "bayes_update", "diagnostic_posterior",
    "beta_bernoulli_update", "beta_pdf",
    "normal_pdf", "gaussian_mle",
]


# -- scores to probabilities ------------------------------------------------------------------------
def logsumexp(z, axis: int = -1, keepdims: bool = False) -> np.ndarray:
    r"""The log-sum-exp $\log \sum_j e^{z_j}$ along ``axis``, computed stably.

    With $m = \max_j z_j$, $\log \sum_j e^{z_j} = m + \log \sum_j e^{z_j - m}$: every exponent is at most
    0, so nothing overflows. Entries equal to $-\infty$ contribute $e^{-\infty} = 0$; if all are, the
    result is $-\infty$.
    """
    z = as_array(z, "z")
    if z.ndim == 0:
        raise ValueError(f"z must have at least 1 axis (one score per class), got shape {z.shape}")
    m = np.max(z, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    with np.errstate(divide="ignore"):
        out = np.log(np.sum(np.exp(z - m), axis=axis, keepdims=True)) + m
    return out if keepdims else np.squeeze(out, axis=axis)


def _temperature(temperature: float) -> float:
    t = float(temperature)
    if not t > 0 or not math.isfinite(t):
        raise ValueError(f"temperature must be a positive finite number, got {temperature!r}")
    return t


def softmax(z, temperature: float = 1.0, axis: int = -1) -> np.ndarray:
    r"""The softmax of the logits ``z`` along ``axis``, at temperature $T$:

    $$\operatorname{softmax}(z / T)_i = \frac{e^{z_i / T}}{\sum_j e^{z_j / T}}.$$

    Computed stably, by subtracting the largest logit before exponentiating (the factor cancels). A
    logit of $-\infty$ gets probability 0. $T < 1$ sharpens the distribution, $T > 1$ flattens it.
    ``torch.softmax(z / T, dim=axis)`` computes the same.
    """
    z = as_array(z, "z") / _temperature(temperature)
    if z.ndim == 0:
        raise ValueError(f"z must have at least 1 axis (one logit per class), got shape {z.shape}")
    m = np.max(z, axis=axis, keepdims=True)
    if np.any(np.isneginf(m)):
        raise ValueError("every logit is -inf along the softmax axis: no class is left to put probability on")
    e = np.exp(z - m)
    return e / np.sum(e, axis=axis, keepdims=True)


def log_softmax(z, temperature: float = 1.0, axis: int = -1) -> np.ndarray:
    r"""The logarithm of the softmax, $\log \operatorname{softmax}(z/T)_i = z_i/T - \log\sum_j e^{z_j/T}$.

    Computed with :func:`logsumexp`, never as ``log(softmax(z))``, which returns $-\infty$ once a
    probability underflows to 0. ``torch.log_softmax(z / T, dim=axis)`` computes the same.
    """
    z = as_array(z, "z") / _temperature(temperature)
    return z - logsumexp(z, axis=axis, keepdims=True)


# -- information ---------------------------------------------------------------------------------------
def _distribution(p, name: str, axis: int = -1) -> np.ndarray:
    p = as_array(p, name)
    if p.ndim == 0:
        raise ValueError(f"{name} must have at least 1 axis (one probability per outcome), got shape {p.shape}")
    if np.any(p < 0) or not np.all(np.isfinite(p)):
        raise ValueError(f"{name} must hold finite probabilities >= 0, got min {np.min(p):.3g}")
    total = np.sum(p, axis=axis)
    if not np.allclose(total, 1.0, atol=1e-6):
        raise ValueError(f"{name} must sum to 1 along axis {axis}, got sums {np.round(total, 6)}")
    return p


def entropy(p, axis: int = -1) -> np.ndarray:
    r"""The entropy of a discrete distribution, $H(p) = -\sum_i p_i \log p_i$, in nats.

    Terms with $p_i = 0$ contribute 0 (the limit of $p \log p$). $H(p)$ is 0 for a certain outcome and
    $\log K$, its largest value, for the uniform distribution over $K$ outcomes.
    """
    p = _distribution(p, "p", axis)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0)
    return 0.0 - np.sum(terms, axis=axis)  # 0.0 - x turns -0.0 into 0.0


def _pair(p, q, axis: int) -> tuple[np.ndarray, np.ndarray]:
    p = _distribution(p, "p", axis)
    q = _distribution(q, "q", axis)
    if p.shape != q.shape:
        raise ValueError(f"p and q must have the same shape, got shapes {p.shape} and {q.shape}")
    return p, q


def cross_entropy(p, q, axis: int = -1) -> np.ndarray:
    r"""The cross-entropy of $q$ relative to $p$, $H(p, q) = -\sum_i p_i \log q_i$, in nats.

    The average surprise $-\log q_i$ of outcomes drawn from $p$ when one expects $q$. It equals
    $H(p) + D_{\mathrm{KL}}(p \,\|\, q)$, and is $+\infty$ if $q_i = 0$ for an outcome with $p_i > 0$.
    """
    p, q = _pair(p, q, axis)
    with np.errstate(divide="ignore"):
        terms = np.where(p > 0, p * -np.log(np.where(p > 0, q, 1.0)), 0.0)
    return np.sum(terms, axis=axis)


def kl_divergence(p, q, axis: int = -1) -> np.ndarray:
    r"""The Kullback-Leibler divergence $D_{\mathrm{KL}}(p \,\|\, q) = \sum_i p_i \log \frac{p_i}{q_i}$, in nats.

    It is $\ge 0$, 0 only when $p = q$, not symmetric in $p$ and $q$, and $+\infty$ if $q_i = 0$ for an
    outcome with $p_i > 0$. ``scipy.stats.entropy(p, q)`` computes the same.
    """
    p, q = _pair(p, q, axis)
    with np.errstate(divide="ignore"):
        safe_p = np.where(p > 0, p, 1.0)
        terms = np.where(p > 0, p * (np.log(safe_p) - np.log(np.where(p > 0, q, 1.0))), 0.0)
    return np.sum(terms, axis=axis)


def cross_entropy_loss(logits, target) -> float:
    r"""The classification loss of a batch: the mean over examples of $-\sum_c y_{nc} \log \hat y_{nc}$,
    with $\hat y_n = \operatorname{softmax}(z_n)$.

    ``logits`` has shape (N, C): one row of C class scores per example. ``target`` is either (N,) integer
    class indices, so the loss of example n is $-\log \hat y_{n, y_n}$, or (N, C) probabilities (soft
    targets, each row summing to 1). ``torch.nn.functional.cross_entropy(logits, target)`` computes the same.
    """
    Z = as_array(logits, "logits", ndim=2)
    N, C = Z.shape
    log_p = log_softmax(Z, axis=1)
    t = np.asarray(target)
    if t.ndim == 1:
        if t.shape != (N,):
            raise ValueError(f"integer targets must have shape ({N},), one class per row of logits, got shape {t.shape}")
        if not np.issubdtype(t.dtype, np.integer):
            raise ValueError(f"a 1-D target must hold integer class indices, got dtype {t.dtype}")
        if np.any(t < 0) or np.any(t >= C):
            raise ValueError(f"class indices must lie in 0..{C - 1}, got {t.min()}..{t.max()}")
        return float(-np.mean(log_p[np.arange(N), t]))
    Y = as_array(t, "target")
    if Y.shape != (N, C):
        raise ValueError(f"soft targets must have shape ({N}, {C}), like the logits, got shape {Y.shape}")
    _distribution(Y, "target", axis=1)
    return float(-np.mean(np.sum(Y * log_p, axis=1)))


def binary_cross_entropy_with_logits(z, y) -> float:
    r"""The mean binary cross-entropy of labels $y \in \{0, 1\}$ (or in $[0, 1]$) and logits $z$:

    $$-\frac{1}{N}\sum_n \big[y_n \log \sigma(z_n) + (1 - y_n) \log(1 - \sigma(z_n))\big]
      = \frac{1}{N}\sum_n \big[\max(z_n, 0) - y_n z_n + \log(1 + e^{-|z_n|})\big],$$

    the negative log-likelihood of Bernoulli labels with $P(y = 1) = \sigma(z)$, computed in the stable
    second form. ``torch.nn.functional.binary_cross_entropy_with_logits(z, y)`` computes the same.
    """
    z = as_array(z, "z", ndim=1)
    y = as_array(y, "y", shape=(len(z),))
    if np.any((y < 0) | (y > 1)):
        raise ValueError(f"labels y must lie in [0, 1], got values from {y.min():g} to {y.max():g}")
    return float(np.mean(np.maximum(z, 0) - y * z + np.log1p(np.exp(-np.abs(z)))))


# -- sampling the next token ---------------------------------------------------------------------------
def top_k_filter(z, k: int) -> np.ndarray:
    r"""Keep the ``k`` largest logits along the last axis and set the others to $-\infty$.

    After a softmax, the tokens outside the top $k$ get probability 0 and the $k$ kept ones share all of
    it, in the same ratios as before. Ties at the cut are broken towards the lower index.
    """
    z = as_array(z, "z")
    if z.ndim == 0:
        raise ValueError(f"z must have at least 1 axis (one logit per token), got shape {z.shape}")
    V = z.shape[-1]
    if isinstance(k, bool) or not float(k).is_integer() or not 1 <= int(k) <= V:
        raise ValueError(f"k must be an integer from 1 to the vocabulary size {V}, got {k!r}")
    order = np.argsort(-z, axis=-1, kind="stable")
    keep = np.zeros(z.shape, dtype=bool)
    np.put_along_axis(keep, order[..., : int(k)], True, axis=-1)
    return np.where(keep, z, -np.inf)


def next_token_distribution(z, temperature: float = 1.0, k: int | None = None) -> np.ndarray:
    r"""The distribution a language model samples the next token from: $\operatorname{softmax}(\tilde z / T)$,
    where $\tilde z$ is ``z`` with all but the ``k`` largest logits set to $-\infty$ (all kept if ``k`` is None).
    """
    z = as_array(z, "z")
    if k is not None:
        z = top_k_filter(z, k)
    return softmax(z, temperature=temperature)


def sample_categorical(p, size: int, rng: np.random.Generator) -> np.ndarray:
    r"""Draw ``size`` indices from the categorical distribution ``p`` (shape (K,)) by inverting its CDF.

    With $c_k = p_0 + \dots + p_k$ and $u$ uniform on $[0, 1)$, the draw is the first $k$ with $u < c_k$:
    it lands on $k$ with probability $c_k - c_{k-1} = p_k$. Returns an integer array of shape (size,).
    """
    p = _distribution(as_array(p, "p", ndim=1), "p")
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator (np.random.default_rng(seed)), got {type(rng).__name__}")
    c = np.cumsum(p)
    u = rng.random(int(size)) * c[-1]  # c[-1] is 1 up to rounding
    return np.minimum(np.searchsorted(c, u, side="right"), len(p) - 1)


# -- Bayes' rule -------------------------------------------------------------------------------------
def bayes_update(prior, likelihood) -> np.ndarray:
    r"""Bayes' rule over a set of hypotheses $h$: $P(h \mid e) = \frac{P(e \mid h)\,P(h)}{\sum_{h'} P(e \mid h')\,P(h')}$.

    ``prior`` holds $P(h)$ and ``likelihood`` holds $P(e \mid h)$, one entry per hypothesis (the same
    shape). Returns the posterior, the same shape, summing to 1. Apply it again with the posterior as the
    prior to take in a second, independent piece of evidence.
    """
    prior = as_array(prior, "prior")
    likelihood = as_array(likelihood, "likelihood")
    if prior.shape != likelihood.shape:
        raise ValueError(f"likelihood must have the shape of prior {prior.shape}, got shape {likelihood.shape}")
    if np.any(prior < 0) or np.any(likelihood < 0):
        raise ValueError("prior and likelihood must be >= 0")
    joint = prior * likelihood
    evidence = joint.sum()
    if not evidence > 0:
        raise ValueError("the evidence has probability 0 under every hypothesis with prior > 0")
    return joint / evidence


def diagnostic_posterior(prevalence, sensitivity: float, specificity: float, positive: bool = True):
    r"""The probability of the disease $D$ given a test result, by Bayes' rule.

    For a positive result, with prevalence $\pi = P(D)$, sensitivity $s = P(+ \mid D)$ and specificity
    $c = P(- \mid \bar D)$:

    $$P(D \mid +) = \frac{s\,\pi}{s\,\pi + (1 - c)(1 - \pi)};$$

    for a negative one, $P(D \mid -) = (1 - s)\pi / ((1 - s)\pi + c(1 - \pi))$. ``prevalence`` may be an
    array; the result has its shape.
    """
    pi = as_array(prevalence, "prevalence")
    for name, v in (("prevalence", pi), ("sensitivity", sensitivity), ("specificity", specificity)):
        if np.any(np.asarray(v) < 0) or np.any(np.asarray(v) > 1):
            raise ValueError(f"{name} must be a probability in [0, 1], got {v!r}")
    s, c = float(sensitivity), float(specificity)
    if positive:
        sick, healthy = s * pi, (1 - c) * (1 - pi)
    else:
        sick, healthy = (1 - s) * pi, c * (1 - pi)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = sick / (sick + healthy)
    return float(out) if out.ndim == 0 else out


def beta_bernoulli_update(a: float, b: float, flips) -> tuple[float, float]:
    r"""The Beta posterior of a coin's bias $\theta$ after the 0/1 outcomes ``flips``, from a Beta($a$, $b$) prior.

    With $h$ heads (ones) and $t$ tails (zeros), Bayes' rule gives
    $p(\theta \mid \text{flips}) \propto \theta^{h}(1-\theta)^{t}\,\theta^{a-1}(1-\theta)^{b-1}$,
    which is Beta($a + h$, $b + t$). Returns $(a + h, b + t)$.
    """
    if not (a > 0 and b > 0):
        raise ValueError(f"a and b must be positive, got a={a!r}, b={b!r}")
    x = as_array(flips, "flips", ndim=1)
    if np.any((x != 0) & (x != 1)):
        raise ValueError("flips must hold only 0 (tails) and 1 (heads)")
    heads = float(x.sum())
    return float(a) + heads, float(b) + len(x) - heads


def beta_pdf(theta, a: float, b: float) -> np.ndarray:
    r"""The density of the Beta($a$, $b$) distribution on $[0, 1]$:

    $$p(\theta) = \frac{\theta^{a-1}(1-\theta)^{b-1}}{B(a, b)}, \qquad
      B(a, b) = \frac{\Gamma(a)\,\Gamma(b)}{\Gamma(a + b)}.$$

    Beta(1, 1) is the uniform density. Outside $[0, 1]$ the density is 0.
    """
    if not (a > 0 and b > 0):
        raise ValueError(f"a and b must be positive, got a={a!r}, b={b!r}")
    theta = as_array(theta, "theta")
    log_beta = math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)
    inside = (theta >= 0) & (theta <= 1)
    t = np.clip(theta, 0.0, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_t = np.where(t > 0, np.log(np.where(t > 0, t, 1.0)), -np.inf)
        log_1mt = np.where(t < 1, np.log(np.where(t < 1, 1 - t, 1.0)), -np.inf)
        log_p = (np.where(a == 1, 0.0, (a - 1) * log_t) + np.where(b == 1, 0.0, (b - 1) * log_1mt) - log_beta)
    return np.where(inside, np.exp(log_p), 0.0)


# -- the Gaussian ------------------------------------------------------------------------------------
def normal_pdf(x, mu: float = 0.0, sigma: float = 1.0) -> np.ndarray:
    r"""The Gaussian density $\mathcal{N}(x; \mu, \sigma^2) = \frac{1}{\sigma\sqrt{2\pi}}\,
    \exp\!\left(-\frac{(x-\mu)^2}{2\sigma^2}\right)$."""
    if not sigma > 0:
        raise ValueError(f"sigma must be positive, got {sigma!r}")
    x = as_array(x, "x")
    return np.exp(-0.5 * ((x - mu) / sigma) ** 2) / (sigma * math.sqrt(2 * math.pi))


def gaussian_mle(x) -> tuple[float, float]:
    r"""The maximum-likelihood Gaussian for the sample ``x`` (shape (n,)): $\hat\mu = \frac{1}{n}\sum_i x_i$ and
    $\hat\sigma^2 = \frac{1}{n}\sum_i (x_i - \hat\mu)^2$.

    Note the division by $n$, not $n - 1$: the maximum-likelihood variance is biased low, with
    $\mathbb{E}[\hat\sigma^2] = \frac{n-1}{n}\sigma^2$. Returns $(\hat\mu, \hat\sigma^2)$.
    """
    x = as_array(x, "x", ndim=1)
    if len(x) == 0:
        raise ValueError("x must hold at least one value, got shape (0,)")
    mu = float(np.mean(x))
    return mu, float(np.mean((x - mu) ** 2))
