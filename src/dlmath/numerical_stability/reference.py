"""Reference implementations of numerical stability that more than one chapter uses.

The facts of the four floating-point formats of deep learning (float64, float32, float16, bfloat16) from
their bit layout, rounding to a format and the spacing of its numbers; the per-layer statistics of a deep
stack of dense layers (forward activation spread, backward gradient norm); the Xavier and He scales;
layer and batch normalisation in the book's column convention ($Z$ of shape (features, examples)); clipping
by the global gradient norm; and a detector of loss spikes. Each function states its formula, works on
NumPy arrays and checks its inputs, saying in the error which shape or value it expected and which arrived.
Chapter 06 checks each against PyTorch; chapter 07 reuses the layer norm.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from .._validate import as_array
from ..calculus import sigmoid, sigmoid_prime

__all__ = [
    "FloatFormat", "FORMATS", "float_format", "round_to", "spacing", "bit_fields",
    "ACTIVATIONS", "StackStats", "deep_stack_stats",
    "xavier_std", "he_std",
    "layer_norm", "batch_norm",
    "global_norm", "clip_grad_norm",
    "detect_spikes",
]


# -- floating-point formats ----------------------------------------------------------------------
@dataclass(frozen=True)
class FloatFormat:
    r"""A binary floating-point format with 1 sign bit, $E$ exponent bits and $M$ mantissa bits.

    A normal number is $(-1)^s \, (1.f)_2 \, 2^{e - \text{bias}}$ with $\text{bias} = 2^{E-1} - 1$, the
    stored exponent $e$ from 1 to $2^E - 2$ and $f$ the $M$ fraction bits. Hence machine epsilon
    $\varepsilon = 2^{-M}$ (the gap between 1 and the next number), the largest number
    $(2 - 2^{-M})\,2^{\text{bias}}$, the smallest normal number $2^{1 - \text{bias}}$ and the smallest
    subnormal number $2^{1 - \text{bias} - M}$.
    """

    name: str
    exponent_bits: int
    mantissa_bits: int

    @property
    def bits(self) -> int:
        """Total width: sign, exponent and mantissa bits."""
        return 1 + self.exponent_bits + self.mantissa_bits

    @property
    def bias(self) -> int:
        """The exponent bias $2^{E-1} - 1$."""
        return 2 ** (self.exponent_bits - 1) - 1

    @property
    def emin(self) -> int:
        """The exponent of the smallest normal number, $1 - \\text{bias}$."""
        return 1 - self.bias

    @property
    def eps(self) -> float:
        """Machine epsilon $2^{-M}$."""
        return math.ldexp(1.0, -self.mantissa_bits)

    @property
    def max(self) -> float:
        """The largest finite number $(2 - 2^{-M})\\,2^{\\text{bias}}$."""
        return (2.0 - self.eps) * math.ldexp(1.0, self.bias)

    @property
    def smallest_normal(self) -> float:
        """The smallest positive normal number $2^{1 - \\text{bias}}$ (``torch.finfo(...).tiny``)."""
        return math.ldexp(1.0, self.emin)

    @property
    def smallest_subnormal(self) -> float:
        """The smallest positive number $2^{1 - \\text{bias} - M}$."""
        return math.ldexp(1.0, self.emin - self.mantissa_bits)

    @property
    def decimal_digits(self) -> float:
        """About how many significant decimal digits the format keeps, $(M + 1)\\log_{10} 2$."""
        return (self.mantissa_bits + 1) * math.log10(2)


#: The four formats of deep learning, by the name PyTorch and NumPy give them.
FORMATS: dict[str, FloatFormat] = {
    "float64": FloatFormat("float64", 11, 52),
    "float32": FloatFormat("float32", 8, 23),
    "float16": FloatFormat("float16", 5, 10),
    "bfloat16": FloatFormat("bfloat16", 8, 7),
}


def float_format(fmt: str | FloatFormat) -> FloatFormat:
    """The :class:`FloatFormat` called ``fmt`` (one of :data:`FORMATS`), or ``fmt`` itself."""
    if isinstance(fmt, FloatFormat):
        return fmt
    try:
        return FORMATS[str(fmt)]
    except KeyError:
        raise ValueError(f"fmt must be one of {list(FORMATS)}, got {fmt!r}") from None


def _unit_in_last_place(a: np.ndarray, f: FloatFormat) -> np.ndarray:
    """$2^{\\max(\\lfloor \\log_2 a \\rfloor, e_{\\min}) - M}$ for $a \\ge 0$ (exact, from ``frexp``)."""
    _, k = np.frexp(a)                      # a = m 2^k with m in [0.5, 1): floor(log2 a) = k - 1
    exponent = np.where(a > 0, np.maximum(k - 1, f.emin), f.emin)   # subnormals (and 0) share one spacing
    return np.ldexp(1.0, exponent - f.mantissa_bits)


def round_to(x, fmt: str | FloatFormat) -> np.ndarray:
    r"""The number of format ``fmt`` nearest to each entry of ``x``, as float64 (round half to even).

    With $u(x) = 2^{\max(\lfloor \log_2 |x| \rfloor,\, 1 - \text{bias}) - M}$, the spacing of the format
    near $x$, the result is $u \cdot \operatorname{round}(x / u)$; a result above the largest number becomes
    $\pm\infty$ (overflow) and a magnitude below half the smallest subnormal becomes 0 (underflow). This
    is what ``torch.tensor(x, dtype=...)`` stores; NaN and infinities pass through.
    """
    f = float_format(fmt)
    x = as_array(x, "x")
    a = np.abs(x)
    finite = np.isfinite(a)
    safe = np.where(finite, a, 1.0)
    u = _unit_in_last_place(safe, f)
    q = np.round(safe / u) * u
    q = np.where(q > f.max, np.inf, q)
    q = np.where(finite, q, a)
    return np.copysign(q, x)


def spacing(x, fmt: str | FloatFormat) -> np.ndarray:
    r"""The gap between $|x|$ (rounded to ``fmt``) and the next larger number of the format.

    In the normal range it is $2^{\lfloor \log_2 |x| \rfloor - M}$, so the *relative* spacing stays between
    $\varepsilon / 2$ and $\varepsilon$; among subnormals it is the constant $2^{1 - \text{bias} - M}$, so
    the relative spacing grows as $|x|$ shrinks. It is $\infty$ where $x$ overflows.
    """
    f = float_format(fmt)
    q = np.abs(round_to(x, f))
    finite = np.isfinite(q)
    u = _unit_in_last_place(np.where(finite, q, 1.0), f)
    return np.where(finite, u, np.inf)


def bit_fields(x: float, fmt: str | FloatFormat) -> tuple[str, str, str]:
    """The sign, exponent and mantissa bits with which format ``fmt`` stores the number ``x``, as strings of 0 and 1.

    Normal numbers store $e = \\lfloor \\log_2 |x| \\rfloor + \\text{bias}$ and the $M$ bits after the leading 1;
    subnormals and zero store $e = 0$ and $|x| / 2^{1 - \\text{bias} - M}$ as the mantissa; infinities store
    all exponent bits set and a zero mantissa, NaN a nonzero mantissa.
    """
    f = float_format(fmt)
    arr = as_array(x, "x")
    if arr.size != 1:
        raise ValueError(f"x must be a single number, got an array of shape {arr.shape}")
    q = float(round_to(float(arr.reshape(())), f))
    sign = "1" if math.copysign(1.0, q) < 0 else "0"
    a = abs(q)
    E, M = f.exponent_bits, f.mantissa_bits
    if math.isnan(q):
        exponent, mantissa = 2 ** E - 1, 1 << (M - 1)
    elif math.isinf(q):
        exponent, mantissa = 2 ** E - 1, 0
    elif a < f.smallest_normal:
        exponent, mantissa = 0, int(round(a / f.smallest_subnormal))
    else:
        _, k = math.frexp(a)
        exponent = (k - 1) + f.bias
        mantissa = int(round((a / math.ldexp(1.0, k - 1) - 1.0) * 2 ** M))
    return sign, format(exponent, f"0{E}b"), format(mantissa, f"0{M}b")


# -- deep stacks ---------------------------------------------------------------------------------
def _tanh_prime(z: np.ndarray) -> np.ndarray:
    return 1.0 - np.tanh(z) ** 2


#: The activations of :func:`deep_stack_stats`: name -> (phi, phi').
ACTIVATIONS = {
    "linear": (lambda z: z, np.ones_like),
    "tanh": (np.tanh, _tanh_prime),
    "relu": (lambda z: np.maximum(z, 0.0), lambda z: (z > 0).astype(z.dtype)),
    "sigmoid": (sigmoid, sigmoid_prime),
}


@dataclass(frozen=True)
class StackStats:
    """Per-layer statistics of a deep stack; entry ``l - 1`` belongs to layer ``l``.

    ``activation_std``: the standard deviation of all entries of $A_l$; ``grad_norm``: the Frobenius norm
    of $\\partial L / \\partial W_l$; ``input_grad_norm``: the norm of $\\partial L / \\partial A_{l-1}$.
    """

    activation_std: np.ndarray
    grad_norm: np.ndarray
    input_grad_norm: np.ndarray


def deep_stack_stats(
    depth: int,
    activation: str = "tanh",
    gain: float = 1.0,
    width: int = 32,
    batch: int = 64,
    residual: bool = False,
    seed: int = 0,
) -> StackStats:
    r"""Forward and backward statistics, layer by layer, of a stack of ``depth`` dense layers.

    Layer $l$ computes $Z_l = W_l A_{l-1}$, $A_l = \varphi(Z_l)$ (no bias; with ``residual=True``,
    $A_l = A_{l-1} + \varphi(Z_l)$), with $W_l$ of shape (width, width) drawn from
    $\mathcal{N}(0, g^2 / n_{\text{in}})$, $g$ = ``gain``, and $A_0 = X$ of shape (width, batch) drawn from
    $\mathcal{N}(0, 1)$. The loss is $L = \frac{1}{N}\sum R \odot A_{\text{depth}}$ for a fixed random $R$,
    so that $\partial L/\partial A_{\text{depth}} = R / N$ has no special structure. Backpropagation:
    $dZ_l = dA_l \odot \varphi'(Z_l)$, $\partial L / \partial W_l = dZ_l A_{l-1}^\top$,
    $dA_{l-1} = W_l^\top dZ_l$ (plus $dA_l$ with the residual). All draws come from
    ``np.random.default_rng(seed)`` in a fixed order, layer by layer, so a shallower stack is the first
    layers of a deeper one and the gain only rescales the same weights.
    """
    if int(depth) != depth or depth < 1:
        raise ValueError(f"depth must be a positive integer, got {depth!r}")
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {list(ACTIVATIONS)}, got {activation!r}")
    if not gain > 0:
        raise ValueError(f"gain must be positive, got {gain!r}")
    for name, value in (("width", width), ("batch", batch)):
        if int(value) != value or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    depth, width, batch = int(depth), int(width), int(batch)
    phi, phi_prime = ACTIVATIONS[activation]
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(width, batch))
    R = rng.normal(size=(width, batch))
    Ws = [gain / math.sqrt(width) * rng.normal(size=(width, width)) for _ in range(depth)]
    As, Zs = [X], []
    for W in Ws:
        Z = W @ As[-1]
        Zs.append(Z)
        As.append(As[-1] + phi(Z) if residual else phi(Z))
    dA = R / batch
    grad_norm = np.empty(depth)
    input_grad_norm = np.empty(depth)
    for l in range(depth - 1, -1, -1):
        dZ = dA * phi_prime(Zs[l])
        grad_norm[l] = np.linalg.norm(dZ @ As[l].T)
        dA = Ws[l].T @ dZ + (dA if residual else 0.0)
        input_grad_norm[l] = np.linalg.norm(dA)
    activation_std = np.array([A.std() for A in As[1:]])
    return StackStats(activation_std, grad_norm, input_grad_norm)


# -- initialisation ------------------------------------------------------------------------------
def _fan(value, name: str) -> int:
    if int(value) != value or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def xavier_std(fan_in: int, fan_out: int, gain: float = 1.0) -> float:
    r"""The Xavier (Glorot) standard deviation $g\sqrt{2 / (n_{\text{in}} + n_{\text{out}})}$.

    It averages the forward condition $n_{\text{in}} \operatorname{Var}(w) = 1$ and the backward condition
    $n_{\text{out}} \operatorname{Var}(w) = 1$; ``torch.nn.init.xavier_normal_`` draws with this std.
    """
    return gain * math.sqrt(2.0 / (_fan(fan_in, "fan_in") + _fan(fan_out, "fan_out")))


def he_std(fan_in: int) -> float:
    r"""The He (Kaiming) standard deviation $\sqrt{2 / n_{\text{in}}}$ for a layer followed by ReLU.

    ReLU zeroes half of a symmetric input, so $\mathbb{E}[a^2] = \operatorname{Var}(z)/2$ and the forward
    variance stays constant when $n_{\text{in}} \operatorname{Var}(w) / 2 = 1$;
    ``torch.nn.init.kaiming_normal_`` (mode ``fan_in``, ReLU) draws with this std.
    """
    return math.sqrt(2.0 / _fan(fan_in, "fan_in"))


# -- normalisation -------------------------------------------------------------------------------
def _affine(d: int, gamma, beta) -> tuple[np.ndarray, np.ndarray]:
    gamma = np.ones(d) if gamma is None else as_array(gamma, "gamma", shape=(d,))
    beta = np.zeros(d) if beta is None else as_array(beta, "beta", shape=(d,))
    return gamma[:, None], beta[:, None]


def layer_norm(Z, gamma=None, beta=None, eps: float = 1e-5) -> np.ndarray:
    r"""Layer normalisation of $Z$ of shape (d, N), one column per example: each column on its own.

    $\hat Z_{ij} = \gamma_i \dfrac{Z_{ij} - \mu_j}{\sqrt{\sigma_j^2 + \epsilon}} + \beta_i$ with $\mu_j$ and
    $\sigma_j^2$ the mean and the (biased, divide-by-$d$) variance of column $j$. ``gamma`` and ``beta``
    have shape (d,) (default 1 and 0). ``torch.nn.LayerNorm(d)`` computes the same on the rows of $Z^\top$.
    """
    Z = as_array(Z, "Z", ndim=2)
    gamma, beta = _affine(Z.shape[0], gamma, beta)
    mu = Z.mean(axis=0, keepdims=True)
    var = Z.var(axis=0, keepdims=True)
    return gamma * (Z - mu) / np.sqrt(var + eps) + beta


def batch_norm(Z, gamma=None, beta=None, eps: float = 1e-5) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Batch normalisation in training mode of $Z$ of shape (d, N): each feature (row) over the batch.

    $\hat Z_{ij} = \gamma_i \dfrac{Z_{ij} - \mu_i}{\sqrt{\sigma_i^2 + \epsilon}} + \beta_i$ with $\mu_i$ and
    $\sigma_i^2$ the mean and the biased variance of row $i$. Returns $\hat Z$, $\mu$ and $\sigma^2$ (shape
    (d,)). ``torch.nn.BatchNorm1d(d)`` in training mode computes the same on $Z^\top$; its running averages
    use the *unbiased* variance, $\sigma_i^2 \, N / (N - 1)$.
    """
    Z = as_array(Z, "Z", ndim=2)
    if Z.shape[1] < 2:
        raise ValueError(f"batch norm needs at least 2 examples (columns) to estimate a variance, got shape {Z.shape}")
    gamma, beta = _affine(Z.shape[0], gamma, beta)
    mu = Z.mean(axis=1)
    var = Z.var(axis=1)
    out = gamma * (Z - mu[:, None]) / np.sqrt(var[:, None] + eps) + beta
    return out, mu, var


# -- gradient clipping ---------------------------------------------------------------------------
def _grads(grads: Sequence) -> list[np.ndarray]:
    if isinstance(grads, np.ndarray) or not isinstance(grads, (list, tuple)):
        raise TypeError(f"grads must be a list of arrays (one per parameter), got {type(grads).__name__}")
    return [as_array(g, f"grads[{i}]") for i, g in enumerate(grads)]


def global_norm(grads: Sequence) -> float:
    r"""The norm of all gradients together, $\lVert g \rVert = \sqrt{\sum_k \lVert g_k \rVert_2^2}$."""
    return float(math.sqrt(sum(float(np.sum(g ** 2)) for g in _grads(grads))))


def clip_grad_norm(grads: Sequence, max_norm: float, eps: float = 1e-6) -> tuple[list[np.ndarray], float]:
    r"""Clip a list of gradients by their global norm, as ``torch.nn.utils.clip_grad_norm_`` does.

    Every gradient is multiplied by the same factor $\min\!\big(1, \frac{c}{\lVert g \rVert + 10^{-6}}\big)$,
    $c$ = ``max_norm``: the direction of the whole update is kept and its norm is at most $c$. Returns the
    clipped gradients (new arrays) and the norm *before* clipping.
    """
    if not max_norm > 0:
        raise ValueError(f"max_norm must be positive, got {max_norm!r}")
    grads = _grads(grads)
    total = global_norm(grads)
    factor = min(1.0, max_norm / (total + eps))
    return [g * factor for g in grads], total


# -- monitoring ----------------------------------------------------------------------------------
def detect_spikes(losses, window: int = 20, factor: float = 3.0) -> np.ndarray:
    r"""Flag the steps whose loss is a spike: not finite, or above ``factor`` times the median of the
    ``window`` losses before it.

    Step $t$ is flagged when $L_t$ is NaN or infinite, or $L_t > k \cdot \operatorname{median}(L_{t-w}, \dots,
    L_{t-1})$ ($k$ = ``factor``, $w$ = ``window``; the first steps compare with the steps they have).
    Returns a boolean array of the shape of ``losses``.
    """
    losses = as_array(losses, "losses", ndim=1)
    if window < 1 or not factor > 1:
        raise ValueError(f"window must be at least 1 and factor above 1, got window={window}, factor={factor}")
    flags = ~np.isfinite(losses)
    for t in range(1, len(losses)):
        past = losses[max(0, t - window):t]
        past = past[np.isfinite(past)]
        if past.size and np.isfinite(losses[t]) and losses[t] > factor * np.median(past):
            flags[t] = True
    return flags
