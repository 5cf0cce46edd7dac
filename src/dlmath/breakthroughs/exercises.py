"""Exercises of chapter 08 (from equations to breakthroughs), each one specification
(:class:`dlmath.exercise.Exercise`): a flipped kernel, the one-step alpha instead of alpha bar, forgotten self-loops
and the other slips are named mistakes, for the book's inputs and every student's variant.
"""

from __future__ import annotations

import numpy as np

from ..exercise import Array, Choice, Exercise, Function, Mistake, Number, Precision, Text
from . import reference as bk

__all__ = [
    "EXERCISES",
    "CONV_SIZE", "check_conv_size",
    "CORRELATE", "flip_inputs", "check_correlate",
    "CONV_PARAMS", "conv_params_inputs", "check_conv_params",
    "FORWARD_SAMPLE", "forward_inputs", "check_forward_sample",
    "X0_FROM_EPS", "check_x0_from_eps",
    "REVERSE_MEAN", "reverse_inputs", "check_reverse_mean",
    "GCN_NORM", "gcn_inputs", "check_gcn_norm",
    "RECEPTIVE_FIELD", "receptive_inputs", "check_receptive_field",
    "PERMUTATION", "check_permutation",
    "KERNEL_GRAD", "check_kernel_grad",
    "STAR", "check_star_row_sum",
]

EXACT = Precision(rel=1e-12, abs=0.0)
SCHEDULE = bk.linear_schedule(100, 1e-4, 0.1)   # the chapter's schedule


# 1. The size of a convolution's output -----------------------------------------------------------------
def _layer(n, k, s, p):
    return lambda rng: tuple(int(rng.choice(v)) if isinstance(v, list) else v for v in (n, k, s, p))


CONV_SIZE = Exercise(
    name="brk_conv_size", points=2, title="The size of a feature map",
    answers=(Function("conv_size", families={
        "'same' padding": _layer([16, 32, 64], 3, 1, 1),
        "stride 2 with padding": _layer([32, 48], 5, 2, 2),
        "no padding, stride 2": _layer([7, 9, 11], 3, 2, 0),
        "no padding": _layer([28, 20], 5, 1, 0),
        "a stride that does not divide evenly": _layer([10, 13], 4, 3, 1),
        "the first layer of a ResNet": _layer([224, 256], 7, 2, 3),
    }, returns=Number("conv_size", EXACT), per_family=1),),
    solve=lambda n, k, stride, padding: {"conv_size": (n + 2 * padding - k) // stride + 1},
    mistakes=(
        Mistake("the padding adds p pixels on *each* side, so the padded length is n + 2p: you used n + p.",
                lambda n, k, s, p: (n + p - k) // s + 1),
        Mistake("you forgot the + 1: a kernel that fits exactly (k = n + 2p) still gives one output.",
                lambda n, k, s, p: (n + 2 * p - k) // s),
        Mistake("the stride divides the distance the kernel can travel, n + 2p - k, and then the first position is "
                "added: floor((n + 2p - k) / s) + 1, not (n + 2p) / s.", lambda n, k, s, p: (n + 2 * p) // s),
        Mistake("you left out the padding.", lambda n, k, s, p: (n - k) // s + 1),
        Mistake("that is not a whole number: a number of pixels is; the division is a floor division, //.",
                lambda n, k, s, p: (n + 2 * p - k) / s + 1),
    ),
)


def check_conv_size(conv_size):
    r"""Check ``conv_size(n, k, stride, padding)`` $= \lfloor (n + 2p - k)/s \rfloor + 1$ on six kinds of layer."""
    return CONV_SIZE.check(conv_size)


# 2. Correlation, not convolution --------------------------------------------------------------------
def _flip_draw(rng: np.random.Generator) -> dict:
    while True:
        K = rng.integers(-2, 3, size=(3, 3)).astype(float)
        if not np.allclose(K, K[::-1]) and not np.allclose(K, K[:, ::-1]):
            return {"X": rng.integers(0, 6, size=(6, 6)).astype(float), "K": K}


def _conv(X, K, padding=0):
    return bk.conv2d(X[None], K[None, None], padding=padding)[0]


CORRELATE = Exercise(
    name="brk_correlate", points=2, title="Debug a flipped kernel",
    answers=(Array("Y"),),
    book={"X": np.random.default_rng(81).integers(0, 6, size=(6, 6)).astype(float),
          "K": np.array([[1.0, 2.0, 0.0], [0.0, 1.0, -1.0], [-2.0, 0.0, 0.0]])},
    draw=_flip_draw,
    solve=lambda X, K: {"Y": _conv(X, K)},
    mistakes=(
        Mistake("that is the true convolution, which flips the kernel (scipy.signal.convolve2d). A convolutional layer "
                "computes a cross-correlation: it slides K unflipped. Use scipy.signal.correlate2d, or flip K first.",
                lambda X, K: {"Y": _conv(X, K[::-1, ::-1])}),
        Mistake("that is convolve2d's 'full' output (8 x 8), zero padding of 2 on every side and a flipped kernel; "
                "conv2d without padding gives the 'valid' part, 4 x 4, with the kernel unflipped.",
                lambda X, K: {"Y": _conv(X, K[::-1, ::-1], padding=2)}),
        Mistake("that has the image's size (6 x 6), mode='same': it pads with zeros. conv2d without padding gives the "
                "'valid' part, 4 x 4.", lambda X, K: {"Y": _conv(X, K, padding=1)}),
        Mistake("you flipped the kernel in only one direction; the true convolution flips both axes, and the layer "
                "flips neither.", lambda X, K: {"Y": _conv(X, K[::-1])}),
    ),
)


def flip_inputs() -> tuple[np.ndarray, np.ndarray]:
    """A 6 x 6 image ``X`` and an asymmetric 3 x 3 kernel ``K`` (small whole numbers)."""
    inputs = CORRELATE.inputs()
    return inputs["X"], inputs["K"]


def check_correlate(Y):
    """Check the output of ``torch.nn.functional.conv2d`` for one channel, no padding, on :func:`flip_inputs`."""
    return CORRELATE.check(Y)


# 3. The parameters of a convolutional layer ----------------------------------------------------------
CONV_PARAMS = Exercise(
    name="brk_conv_params", points=1, title="Count the parameters of a convolution",
    answers=(Number("n_params", EXACT),),
    book={"in_channels": 3, "out_channels": 16, "kernel_size": 5},
    draw=lambda rng: {"in_channels": int(rng.choice([1, 3, 8])), "out_channels": int(rng.choice([6, 16, 32, 64])),
                      "kernel_size": int(rng.choice([3, 5, 7]))},
    solve=lambda in_channels, out_channels, kernel_size: {
        "n_params": out_channels * in_channels * kernel_size ** 2 + out_channels},
    mistakes=(
        Mistake("you counted the weights but not the biases: one per output channel.",
                lambda in_channels, out_channels, kernel_size: {"n_params": out_channels * in_channels * kernel_size ** 2}),
        Mistake("each output channel has a kernel for *every* input channel: C_out x C_in x k x k weights.",
                lambda in_channels, out_channels, kernel_size: {"n_params": out_channels * kernel_size ** 2 + out_channels}),
        Mistake("the kernel is {kernel_size} x {kernel_size}, not {kernel_size} numbers.",
                lambda in_channels, out_channels, kernel_size: {"n_params": out_channels * in_channels * kernel_size
                                                                + out_channels}),
    ),
)


def conv_params_inputs() -> dict:
    """The layer ``nn.Conv2d(in_channels, out_channels, kernel_size)`` of exercise 3 (the book's, or yours)."""
    return CONV_PARAMS.inputs()


def check_conv_params(n_params):
    """Check the number of parameters of :func:`conv_params_inputs`'s layer, weights and biases."""
    return CONV_PARAMS.check(n_params)


# 4. A draw from the forward process ------------------------------------------------------------------
def _forward_book() -> dict:
    rng = np.random.default_rng(84)
    return {"x0": bk.two_moons(5, rng), "eps": rng.normal(size=(5, 2)).round(2), "t": 30}


def _forward_draw(rng: np.random.Generator) -> dict:
    return {"x0": bk.two_moons(5, rng), "eps": rng.normal(size=(5, 2)).round(2), "t": int(rng.integers(10, 90))}


def _jump(x0, eps, abar):
    return np.sqrt(abar) * x0 + np.sqrt(1 - abar) * eps


FORWARD_SAMPLE = Exercise(
    name="brk_forward_sample", points=2, title="Jump to step t",
    answers=(Array("xt", shape=(5, 2)),),
    book=_forward_book(),
    draw=_forward_draw,
    solve=lambda x0, eps, t: {"xt": bk.q_sample(x0, t, SCHEDULE, eps)},
    mistakes=(
        Mistake("you used alpha_t, the factor of one step. Jumping from x_0 straight to step t takes the product of all "
                "t factors, alpha_bar_t = S.alpha_bar[t].", lambda x0, eps, t: {"xt": _jump(x0, eps, SCHEDULE.alpha[t])}),
        Mistake("you scaled the noise by the variance 1 - alpha_bar_t; the noise is multiplied by the standard "
                "deviation, its square root.",
                lambda x0, eps, t: {"xt": np.sqrt(SCHEDULE.alpha_bar[t]) * x0 + (1 - SCHEDULE.alpha_bar[t]) * eps}),
        Mistake("you multiplied by alpha_bar_t and 1 - alpha_bar_t, which are variances; x_t uses their square roots.",
                lambda x0, eps, t: {"xt": SCHEDULE.alpha_bar[t] * x0 + (1 - SCHEDULE.alpha_bar[t]) * eps}),
        Mistake("you used alpha_bar of step t - 1: S.alpha_bar has T + 1 entries, so S.alpha_bar[t] belongs to step t.",
                lambda x0, eps, t: {"xt": _jump(x0, eps, SCHEDULE.alpha_bar[t - 1])}),
        Mistake("that is x_0 plus the noise, with no schedule at all.", lambda x0, eps, t: {"xt": x0 + eps}),
    ),
)


def forward_inputs() -> tuple[np.ndarray, np.ndarray, bk.Schedule, int]:
    """Five data points ``x0`` (5, 2), their noise ``eps`` (5, 2), the chapter's schedule and the step ``t``."""
    inputs = FORWARD_SAMPLE.inputs()
    return inputs["x0"], inputs["eps"], SCHEDULE, inputs["t"]


def check_forward_sample(xt):
    r"""Check $x_t = \sqrt{\bar\alpha_t}\, x_0 + \sqrt{1 - \bar\alpha_t}\, \varepsilon$ for :func:`forward_inputs`."""
    return FORWARD_SAMPLE.check(xt)


# 5. The data point behind a noisy one ----------------------------------------------------------------
def _noisy(n: int, abar):
    def draw(rng: np.random.Generator) -> tuple:
        a = float(rng.choice(abar)) if isinstance(abar, list) else abar
        return rng.normal(size=(n, 2)), rng.normal(size=(n, 2)), a
    return draw


X0_FROM_EPS = Exercise(
    name="brk_x0_from_eps", points=2, title="Recover the data point from the noise",
    answers=(Function("x0_from_eps", families={
        "a little noise": _noisy(3, [0.9, 0.95]),
        "half noise": _noisy(4, [0.5, 0.4]),
        "almost all noise": _noisy(1, [0.01, 0.02]),
        "almost no noise": _noisy(6, [0.999]),
    }, returns=Array("x0_from_eps", precision=Precision(rel=1e-6, abs=1e-9)), per_family=1),),
    solve=lambda xt, eps, abar: {"x0_from_eps": (xt - np.sqrt(1 - abar) * eps) / np.sqrt(abar)},
    mistakes=(
        Mistake("you subtracted the noise but did not divide by sqrt(alpha_bar): x_t holds sqrt(alpha_bar) x_0, not x_0.",
                lambda xt, eps, abar: xt - np.sqrt(1 - abar) * eps),
        Mistake("the noise enters x_t scaled by sqrt(1 - alpha_bar), not by 1 - alpha_bar.",
                lambda xt, eps, abar: (xt - (1 - abar) * eps) / np.sqrt(abar)),
        Mistake("the sign of the noise is wrong: x_t = sqrt(alpha_bar) x_0 + sqrt(1 - alpha_bar) eps, so subtract it.",
                lambda xt, eps, abar: (xt + np.sqrt(1 - abar) * eps) / np.sqrt(abar)),
        Mistake("divide by sqrt(alpha_bar), not by alpha_bar.", lambda xt, eps, abar: (xt - np.sqrt(1 - abar) * eps) / abar),
    ),
)


def check_x0_from_eps(x0_from_eps):
    r"""Check ``x0_from_eps(xt, eps, abar)`` $= (x_t - \sqrt{1 - \bar\alpha}\,\varepsilon) / \sqrt{\bar\alpha}$."""
    return X0_FROM_EPS.check(x0_from_eps)


# 6. The mean of one reverse step ---------------------------------------------------------------------
def _reverse_book() -> dict:
    rng = np.random.default_rng(86)
    return {"xt": rng.normal(size=(4, 2)).round(2), "eps_hat": rng.normal(size=(4, 2)).round(2), "t": 40}


def _mean(xt, eps_hat, t, divide="alpha", noise="beta/sqrt", sign=-1.0):
    beta, alpha, abar = SCHEDULE.beta[t], SCHEDULE.alpha[t], SCHEDULE.alpha_bar[t]
    scale = {"beta/sqrt": beta / np.sqrt(1 - abar), "sqrt": np.sqrt(1 - abar), "beta/var": beta / (1 - abar)}[noise]
    denominator = {"alpha": np.sqrt(alpha), "abar": np.sqrt(abar), "none": 1.0}[divide]
    return (xt + sign * scale * eps_hat) / denominator


REVERSE_MEAN = Exercise(
    name="brk_reverse_mean", points=2, title="The mean of one step back",
    answers=(Array("mean", shape=(4, 2)),),
    book=_reverse_book(),
    draw=lambda rng: {"xt": rng.normal(size=(4, 2)).round(2), "eps_hat": rng.normal(size=(4, 2)).round(2),
                      "t": int(rng.integers(10, 90))},
    solve=lambda xt, eps_hat, t: {"mean": _mean(xt, eps_hat, t)},
    mistakes=(
        Mistake("you divided by sqrt(alpha_bar_t): one reverse step undoes one forward step, whose factor is alpha_t = "
                "S.alpha[t].", lambda xt, eps_hat, t: {"mean": _mean(xt, eps_hat, t, divide="abar")}),
        Mistake("you subtracted all of the predicted noise, scaled by sqrt(1 - alpha_bar_t): that jumps towards x_0. One "
                "step removes only the share beta_t / sqrt(1 - alpha_bar_t).",
                lambda xt, eps_hat, t: {"mean": _mean(xt, eps_hat, t, noise="sqrt")}),
        Mistake("the noise is scaled by beta_t / sqrt(1 - alpha_bar_t), with the square root in the denominator.",
                lambda xt, eps_hat, t: {"mean": _mean(xt, eps_hat, t, noise="beta/var")}),
        Mistake("you forgot to divide by sqrt(alpha_t).", lambda xt, eps_hat, t: {"mean": _mean(xt, eps_hat, t, divide="none")}),
        Mistake("the noise is subtracted, not added.", lambda xt, eps_hat, t: {"mean": _mean(xt, eps_hat, t, sign=1.0)}),
    ),
)


def reverse_inputs() -> tuple[np.ndarray, np.ndarray, bk.Schedule, int]:
    """Four noisy points ``xt`` (4, 2), a predicted noise ``eps_hat`` (4, 2), the chapter's schedule and ``t``."""
    inputs = REVERSE_MEAN.inputs()
    return inputs["xt"], inputs["eps_hat"], SCHEDULE, inputs["t"]


def check_reverse_mean(mean):
    r"""Check the DDPM mean $\frac{1}{\sqrt{\alpha_t}}\big(x_t - \frac{\beta_t}{\sqrt{1 - \bar\alpha_t}} \hat\varepsilon\big)$."""
    return REVERSE_MEAN.check(mean)


# 7. The normalised adjacency of a small molecule -------------------------------------------------------
def _gcn_draw(rng: np.random.Generator) -> dict:
    n = int(rng.integers(3, 6))
    bonds = [(int(rng.integers(0, i)), i) for i in range(1, n)]          # a random tree: one bond to an earlier atom
    return {"n": n, "bonds": bonds}


def _degrees(A):
    return A.sum(axis=1)


def _gcn_mistake(fn):
    def produce(n, bonds):
        A = bk.adjacency(n, bonds)
        return {"A_hat": fn(A, A + np.eye(n))}
    return produce


GCN_NORM = Exercise(
    name="brk_gcn_norm", points=2, title="Normalise the adjacency of a small molecule",
    answers=(Array("A_hat"),),
    book={"n": 3, "bonds": [(0, 1), (1, 2)]},                             # ethanol's heavy atoms, C0 - C1 - O2
    draw=_gcn_draw,
    solve=lambda n, bonds: {"A_hat": bk.normalized_adjacency(bk.adjacency(n, bonds))},
    mistakes=(
        Mistake("you forgot the self-loops: the layer normalises A + I, with degrees 1 + deg(i), so that each atom also "
                "keeps its own features.", _gcn_mistake(lambda A, At: A / np.sqrt(np.outer(_degrees(A), _degrees(A))))),
        Mistake("you added the self-loops to A but took the degrees of A alone; the degrees of A + I are one larger.",
                _gcn_mistake(lambda A, At: At / np.sqrt(np.outer(_degrees(A), _degrees(A))))),
        Mistake("that is the row-normalised D^-1 (A + I), an average over the neighbours; the layer scales "
                "symmetrically, by 1 / sqrt(d_i d_j).", _gcn_mistake(lambda A, At: At / _degrees(At)[:, None])),
        Mistake("that is A + I before the normalisation: divide entry (i, j) by sqrt(d_i d_j).",
                _gcn_mistake(lambda A, At: At)),
        Mistake("that is the adjacency matrix A itself: add the self-loops, then normalise.", _gcn_mistake(lambda A, At: A)),
    ),
)


def gcn_inputs() -> np.ndarray:
    """The adjacency matrix ``A`` of a small molecule's heavy atoms (ethanol's C0 - C1 - O2 in the book)."""
    inputs = GCN_NORM.inputs()
    return bk.adjacency(inputs["n"], inputs["bonds"])


def check_gcn_norm(A_hat):
    r"""Check $\hat A = \tilde D^{-1/2} (A + I) \tilde D^{-1/2}$ for :func:`gcn_inputs`."""
    return GCN_NORM.check(A_hat)


# 8. How far two layers reach -------------------------------------------------------------------------
def _hops(atom: int) -> np.ndarray:
    from scipy.sparse.csgraph import shortest_path

    mol = bk.caffeine()
    return shortest_path(bk.adjacency(mol.n, mol.bonds), unweighted=True)[atom]


def _within(atom: int, k: int) -> int:
    return int(np.sum(_hops(atom) <= k))


RECEPTIVE_FIELD = Exercise(
    name="brk_receptive_field", points=1, title="How far do two layers reach?",
    answers=(Number("n_atoms", EXACT),),
    book={"atom": 8},                                                    # the nitrogen between the two C=O
    draw=lambda rng: {"atom": int(rng.integers(0, bk.caffeine().n))},
    solve=lambda atom: {"n_atoms": _within(atom, 2)},
    mistakes=(
        Mistake("count the atom itself too: the self-loop of A + I keeps the atom's own features in its output.",
                lambda atom: {"n_atoms": _within(atom, 2) - 1}),
        Mistake("that counts the atoms one bond away (and the atom itself): one layer. Two layers reach two bonds.",
                lambda atom: {"n_atoms": _within(atom, 1)}),
        Mistake("that counts three bonds: each layer moves information one bond, so two layers reach two.",
                lambda atom: {"n_atoms": _within(atom, 3)}),
        Mistake("that is the whole molecule; after two layers only atoms at most two bonds away are reached.",
                lambda atom: {"n_atoms": bk.caffeine().n}),
    ),
)


def receptive_inputs() -> int:
    """The caffeine atom whose receptive field is counted (atom 8, N8, in the book)."""
    return RECEPTIVE_FIELD.inputs()["atom"]


def check_receptive_field(n_atoms):
    """Check the number of caffeine atoms whose input reaches the atom of :func:`receptive_inputs` in two layers:
    itself and atoms up to two bonds away."""
    return RECEPTIVE_FIELD.check(n_atoms)


# 9. Renumbering the atoms ----------------------------------------------------------------------------
PERMUTATION = Exercise(
    name="brk_permutation", points=1, title="Renumber the atoms",
    answers=(Choice("answer", explanations={
        "a": "No: the rows of H' belong to atoms, and the atoms now have new numbers, so the rows of H' are reordered "
             "with them. Only an output that does not refer to atoms, such as the sum over atoms, stays the same.",
        "b": "Yes: the layer is permutation equivariant, layer(PAP^T, PH) = P layer(A, H), so each atom gets the same "
             "output row under its new number; the sum over atoms does not depend on the order at all (invariance).",
        "c": "No: the sum of the rows is one vector per molecule, the same whatever order the rows are added in; "
             "it is invariant.",
        "d": "No: the layer treats every atom with the same weights W and sees only the bonds, never the atoms' "
             "numbers, so renumbering cannot change what an atom computes.",
    }), Text("why")),
    solve=lambda: {"answer": "b", "why": "The rows of H' move with P because the layer is permutation equivariant; r stays the same because a sum does not depend on the order of its terms."},
)


def check_permutation(answer, why=None):
    """Multiple choice: what renumbering the atoms does to a GCN layer's output and to a summed read-out."""
    return PERMUTATION.check(answer, why)


# 10. The gradient with respect to a kernel ------------------------------------------------------------------
def _kernel_case(c_in: int, size: int, k: int, padding: int):
    def draw(rng: np.random.Generator) -> tuple:
        X = rng.normal(size=(c_in, size, size))
        out = size + 2 * padding - k + 1
        return X, rng.normal(size=(c_in, k, k)), rng.normal(size=(out, out)), padding
    return draw


def _torch_kernel_grad(X, K, Y, padding) -> np.ndarray:
    """Autograd's gradient of mean((conv2d(X, K) - Y)^2) with respect to K: the reference."""
    import torch

    Kt = torch.tensor(K[None], requires_grad=True)
    out = torch.nn.functional.conv2d(torch.from_numpy(X)[None], Kt, padding=padding)[0, 0]
    torch.mean((out - torch.from_numpy(Y)) ** 2).backward()
    return Kt.grad[0].numpy().copy()


def _kernel_grad_variant(X, K, Y, padding, factor=2.0, mean=True, flip=False, pad_input=True) -> np.ndarray:
    R = bk.conv2d(X, K[None], padding=padding)[0] - Y                  # the residual, (H_out, W_out)
    p = padding
    # dL/dK[c, u, v] = sum R * X_padded[c, u:, v:]: each input channel convolved with R. Unpadded, the windows run
    # short at the far end, as if those pixels were 0.
    Xp = np.pad(X, ((0, 0), (p, p), (p, p)) if pad_input else ((0, 0), (0, 2 * p), (0, 2 * p)))
    grad = bk.conv2d(Xp[:, None], R[None, None])[:, 0]
    grad = grad[:, ::-1, ::-1] if flip else grad
    return factor * grad / (R.size if mean else 1)


KERNEL_GRAD = Exercise(
    name="brk_kernel_grad", points=3, title="The gradient with respect to a kernel, and match autograd",
    answers=(Function("kernel_grad", families={
        "one channel, no padding": _kernel_case(1, 6, 3, 0),
        "three channels, padding 1": _kernel_case(3, 5, 3, 1),
        "a 5 x 5 kernel, padding 2": _kernel_case(2, 7, 5, 2),
    }, returns=Array("grad_K", precision=Precision(rel=1e-6, abs=1e-9)), per_family=1),),
    solve=lambda X, K, Y, padding: {"kernel_grad": _torch_kernel_grad(X, K, Y, padding)},
    mistakes=(
        Mistake("the derivative of the square brings a factor 2: dL/dY_out = 2 (Y_out - Y) / N.",
                lambda X, K, Y, padding: _kernel_grad_variant(X, K, Y, padding, factor=1.0)),
        Mistake("the loss is a mean over the N = H_out W_out outputs: divide the sum by N.",
                lambda X, K, Y, padding: _kernel_grad_variant(X, K, Y, padding, mean=False)),
        Mistake("your gradient is flipped: entry (u, v) of the kernel meets input pixel (i + u, j + v) at output "
                "(i, j), so dL/dK[c, u, v] correlates the residual with the input shifted by (u, v), unflipped.",
                lambda X, K, Y, padding: _kernel_grad_variant(X, K, Y, padding, flip=True)),
        Mistake("pad the input as the forward pass does: the kernel's entries also meet the zeros around the image, "
                "which shifts which pixels each entry sees.",
                lambda X, K, Y, padding: _kernel_grad_variant(X, K, Y, padding, pad_input=False)),
    ),
)


def check_kernel_grad(kernel_grad):
    """Check ``kernel_grad(X, K, Y, padding) -> dL/dK`` for L = mean((conv2d(X, K) - Y)^2), with X (C_in, H, W),
    one output channel K (C_in, k, k), no bias and stride 1, against PyTorch's autograd."""
    return KERNEL_GRAD.check(kernel_grad)


# 11. The row sum at a star's centre --------------------------------------------------------------------------
def _star(leaves: int) -> np.ndarray:
    """The adjacency matrix of a star: node 0, the centre, bonded to each of ``leaves`` leaves."""
    A = np.zeros((leaves + 1, leaves + 1))
    A[0, 1:] = A[1:, 0] = 1
    return A


STAR = Exercise(
    name="brk_star", points=2, title="Derive the row sum at a star's centre",
    answers=(Function("star_row_sum", families={
        "a few leaves": lambda rng: (int(rng.integers(2, 9)),),
        "one leaf": lambda rng: (1,),
        "many leaves": lambda rng: (int(rng.integers(100, 1000)),),
    }, returns=Number("row_sum")),),
    solve=lambda leaves: {"star_row_sum": float(bk.normalized_adjacency(_star(leaves))[0].sum())},
    mistakes=(
        Mistake("that is the row sum without self-loops, n / sqrt(n) = sqrt(n). The layer normalises A + I: the centre "
                "has degree n + 1 and each leaf degree 2, and the centre keeps 1 / (n + 1) of itself.",
                lambda leaves: float(np.sqrt(leaves))),
        Mistake("the self-loop is normalised too: its entry is 1 / sqrt(d_0 d_0) = 1 / (n + 1), not 1.",
                lambda leaves: 1 + leaves / np.sqrt(2 * (leaves + 1))),
        Mistake("that is the row-normalised D^-1 (A + I), whose rows sum to 1. The symmetric normalisation divides "
                "entry (0, j) by sqrt(d_0 d_j), and the leaves' degree 2 is smaller than the centre's.",
                lambda leaves: 1.0),
        Mistake("with the self-loop the centre's degree is n + 1, not n, and a leaf's is 2, not 1.",
                lambda leaves: 1 / leaves + leaves / np.sqrt(leaves)),
    ),
)


def check_star_row_sum(star_row_sum):
    r"""Check ``star_row_sum(leaves)``: the sum of the centre's row of $\tilde D^{-1/2}(A + I)\tilde D^{-1/2}$ for a
    star with ``leaves`` leaves, in closed form."""
    return STAR.check(star_row_sum)


EXERCISES = (CONV_SIZE, CORRELATE, CONV_PARAMS, FORWARD_SAMPLE, X0_FROM_EPS, REVERSE_MEAN, GCN_NORM, RECEPTIVE_FIELD,
             PERMUTATION, KERNEL_GRAD, STAR)
