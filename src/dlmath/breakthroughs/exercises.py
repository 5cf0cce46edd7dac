"""Exercises of chapter 08 (from equations to breakthroughs): their inputs and their checks.

Each ``*_inputs()`` returns the exercise's data (seeded, the same on every machine); each ``check_*``
takes the reader's answer and returns a :class:`dlmath.checks.Feedback`, naming the known mistakes
(a flipped kernel, the one-step alpha instead of alpha bar, forgotten self-loops, ...).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import reference as bk
from ..checks import Feedback, _as_number, check_array, check_choice, check_function, check_scalar

__all__ = [
    "check_conv_size",
    "flip_inputs", "check_correlate",
    "CONV_LAYER", "check_conv_params",
    "forward_inputs", "check_forward_sample",
    "check_x0_from_eps",
    "reverse_inputs", "check_reverse_mean",
    "check_gcn_norm",
    "RECEPTIVE_ATOM", "check_receptive_field",
    "check_permutation",
]


# 1. The size of a convolution's output -----------------------------------------------------------------
_SIZE_CASES = ((32, 3, 1, 1), (32, 5, 2, 2), (7, 3, 2, 0), (28, 5, 1, 0), (10, 4, 3, 1), (224, 7, 2, 3))


def check_conv_size(conv_size: Any) -> Feedback:
    r"""Check ``conv_size(n, k, stride, padding)`` $= \lfloor (n + 2p - k)/s \rfloor + 1$ on six layers.

    A known mistake is named when the reader's function reproduces it on every layer (on a single layer, two
    mistakes can give the same number).
    """
    mistakes = {
        "the padding adds p pixels on *each* side, so the padded length is n + 2p: you used n + p.":
            lambda n, k, s, p: (n + p - k) // s + 1,
        "you forgot the + 1: a kernel that fits exactly (k = n + 2p) still gives one output.":
            lambda n, k, s, p: (n + 2 * p - k) // s,
        "the stride divides the distance the kernel can travel, n + 2p - k, and then the first position is "
        "added: floor((n + 2p - k) / s) + 1, not (n + 2p) / s.": lambda n, k, s, p: (n + 2 * p) // s,
        "you left out the padding.": lambda n, k, s, p: (n - k) // s + 1,
    }
    cases = [(args, (args[0] + 2 * args[3] - args[1]) // args[2] + 1) for args in _SIZE_CASES]

    def compare(got: Any, want: int) -> Feedback:
        value = _as_number(got)
        if value is not None and not float(value).is_integer():
            return Feedback(False, f"{value:g} is not a whole number: a number of pixels is; the division is a floor "
                                   "division, //.", "conv_size")
        return check_scalar(got, float(want), name="conv_size")

    fb = check_function(conv_size, cases, name="conv_size", compare=compare)
    if fb.ok or not fb.answered or "raised" in fb.message or "returns None" in fb.message:
        return fb
    try:
        got = [_as_number(conv_size(*args)) for args, _ in cases]
    except Exception:  # the reader's code: report the first failure as found above
        return fb
    for message, wrong in mistakes.items():
        if all(g is not None and g == wrong(*args) for g, (args, _) in zip(got, cases)):
            return Feedback(False, message, "conv_size")
    return fb


# 2. Correlation, not convolution --------------------------------------------------------------------
def flip_inputs() -> tuple[np.ndarray, np.ndarray]:
    """A 6 x 6 image ``X`` and an asymmetric 3 x 3 kernel ``K`` (small whole numbers)."""
    rng = np.random.default_rng(81)
    X = rng.integers(0, 6, size=(6, 6)).astype(float)
    K = np.array([[1.0, 2.0, 0.0], [0.0, 1.0, -1.0], [-2.0, 0.0, 0.0]])
    return X, K


def check_correlate(Y: Any) -> Feedback:
    """Check the output of ``torch.nn.functional.conv2d`` for one channel, no padding, on :func:`flip_inputs`."""
    X, K = flip_inputs()
    right = bk.conv2d(X[None], K[None, None])[0]
    flipped = bk.conv2d(X[None], K[::-1, ::-1][None, None])[0]
    return check_array(Y, right, name="Y", mistakes={
        "that is the true convolution, which flips the kernel (scipy.signal.convolve2d). A convolutional layer "
        "computes a cross-correlation: it slides K unflipped. Use scipy.signal.correlate2d, or flip K first.": flipped,
        "that is convolve2d's 'full' output (8 x 8), zero padding of 2 on every side and a flipped kernel; "
        "conv2d without padding gives the 'valid' part, 4 x 4, with the kernel unflipped.":
            bk.conv2d(X[None], K[::-1, ::-1][None, None], padding=2)[0],
        "that has the image's size (6 x 6), mode='same': it pads with zeros. conv2d without padding gives the "
        "'valid' part, 4 x 4.": bk.conv2d(X[None], K[None, None], padding=1)[0],
        "you flipped the kernel in only one direction; the true convolution flips both axes, and the layer flips "
        "neither.": bk.conv2d(X[None], K[::-1][None, None])[0],
    })


# 3. The parameters of a convolutional layer ----------------------------------------------------------
#: Exercise 3: ``torch.nn.Conv2d(in_channels=3, out_channels=16, kernel_size=5)``, with its bias.
CONV_LAYER = {"in_channels": 3, "out_channels": 16, "kernel_size": 5}


def check_conv_params(n_params: Any) -> Feedback:
    """Check the number of parameters of :data:`CONV_LAYER`: 16 x 3 x 5 x 5 weights and 16 biases."""
    c_in, c_out, k = CONV_LAYER["in_channels"], CONV_LAYER["out_channels"], CONV_LAYER["kernel_size"]
    return check_scalar(n_params, c_out * c_in * k * k + c_out, name="n_params", mistakes={
        "you counted the weights but not the biases: one per output channel.": c_out * c_in * k * k,
        "each output channel has a kernel for *every* input channel: C_out x C_in x k x k weights.": c_out * k * k + c_out,
        "the kernel is k x k = 5 x 5, not 5 numbers.": c_out * c_in * k + c_out,
    })


# 4. A draw from the forward process ------------------------------------------------------------------
def forward_inputs() -> tuple[np.ndarray, np.ndarray, bk.Schedule, int]:
    """Five data points ``x0`` (5, 2), their noise ``eps`` (5, 2), the chapter's schedule and the step ``t = 30``."""
    rng = np.random.default_rng(84)
    return bk.two_moons(5, rng), rng.normal(size=(5, 2)).round(2), bk.linear_schedule(100, 1e-4, 0.1), 30


def check_forward_sample(xt: Any) -> Feedback:
    r"""Check $x_t = \sqrt{\bar\alpha_t}\, x_0 + \sqrt{1 - \bar\alpha_t}\, \varepsilon$ for :func:`forward_inputs`."""
    x0, eps, S, t = forward_inputs()
    abar, alpha = S.alpha_bar, S.alpha
    return check_array(xt, bk.q_sample(x0, t, S, eps), name="xt", mistakes={
        "you used alpha_t, the factor of one step. Jumping from x_0 straight to step t takes the product of all "
        "t factors, alpha_bar_t = S.alpha_bar[t].": np.sqrt(alpha[t]) * x0 + np.sqrt(1 - alpha[t]) * eps,
        "you scaled the noise by the variance 1 - alpha_bar_t; the noise is multiplied by the standard deviation, "
        "its square root.": np.sqrt(abar[t]) * x0 + (1 - abar[t]) * eps,
        "you multiplied by alpha_bar_t and 1 - alpha_bar_t, which are variances; x_t uses their square roots.":
            abar[t] * x0 + (1 - abar[t]) * eps,
        "you used alpha_bar of step t - 1: S.alpha_bar has T + 1 entries, so S.alpha_bar[t] belongs to step t.":
            np.sqrt(abar[t - 1]) * x0 + np.sqrt(1 - abar[t - 1]) * eps,
        "that is x_0 plus the noise, with no schedule at all.": x0 + eps,
    })


# 5. The data point behind a noisy one ----------------------------------------------------------------
def _x0_cases() -> list[tuple[tuple, dict[str, Any]]]:
    rng = np.random.default_rng(85)
    cases = []
    for n, abar in ((3, 0.9), (4, 0.5), (1, 0.01), (6, 0.999)):
        xt, eps = rng.normal(size=(n, 2)), rng.normal(size=(n, 2))
        cases.append(((xt, eps, abar), {
            "right": (xt - np.sqrt(1 - abar) * eps) / np.sqrt(abar),
            "you subtracted the noise but did not divide by sqrt(alpha_bar): x_t holds sqrt(alpha_bar) x_0, "
            "not x_0.": xt - np.sqrt(1 - abar) * eps,
            "the noise enters x_t scaled by sqrt(1 - alpha_bar), not by 1 - alpha_bar.":
                (xt - (1 - abar) * eps) / np.sqrt(abar),
            "the sign of the noise is wrong: x_t = sqrt(alpha_bar) x_0 + sqrt(1 - alpha_bar) eps, so subtract it.":
                (xt + np.sqrt(1 - abar) * eps) / np.sqrt(abar),
            "divide by sqrt(alpha_bar), not by alpha_bar.": (xt - np.sqrt(1 - abar) * eps) / abar,
        }))
    return cases


def check_x0_from_eps(x0_from_eps: Any) -> Feedback:
    r"""Check ``x0_from_eps(xt, eps, abar)`` $= (x_t - \sqrt{1 - \bar\alpha}\,\varepsilon) / \sqrt{\bar\alpha}$."""

    def compare(got: Any, want: dict[str, Any]) -> Feedback:
        mistakes = {message: value for message, value in want.items() if message != "right"}
        return check_array(got, want["right"], name="x0_from_eps", mistakes=mistakes)

    return check_function(x0_from_eps, _x0_cases(), name="x0_from_eps", compare=compare)


# 6. The mean of one reverse step ---------------------------------------------------------------------
def reverse_inputs() -> tuple[np.ndarray, np.ndarray, bk.Schedule, int]:
    """Four noisy points ``xt`` (4, 2), a predicted noise ``eps_hat`` (4, 2), the chapter's schedule and ``t = 40``."""
    rng = np.random.default_rng(86)
    return rng.normal(size=(4, 2)).round(2), rng.normal(size=(4, 2)).round(2), bk.linear_schedule(100, 1e-4, 0.1), 40


def check_reverse_mean(mean: Any) -> Feedback:
    r"""Check the DDPM mean $\frac{1}{\sqrt{\alpha_t}}\big(x_t - \frac{\beta_t}{\sqrt{1 - \bar\alpha_t}} \hat\varepsilon\big)$."""
    xt, eps, S, t = reverse_inputs()
    beta, alpha, abar = S.beta[t], S.alpha[t], S.alpha_bar[t]
    right = (xt - beta / np.sqrt(1 - abar) * eps) / np.sqrt(alpha)
    return check_array(mean, right, name="mean", mistakes={
        "you divided by sqrt(alpha_bar_t): one reverse step undoes one forward step, whose factor is alpha_t = "
        "S.alpha[t].": (xt - beta / np.sqrt(1 - abar) * eps) / np.sqrt(abar),
        "you subtracted all of the predicted noise, scaled by sqrt(1 - alpha_bar_t): that jumps towards x_0. One "
        "step removes only the share beta_t / sqrt(1 - alpha_bar_t).": (xt - np.sqrt(1 - abar) * eps) / np.sqrt(alpha),
        "the noise is scaled by beta_t / sqrt(1 - alpha_bar_t), with the square root in the denominator.":
            (xt - beta / (1 - abar) * eps) / np.sqrt(alpha),
        "you forgot to divide by sqrt(alpha_t).": xt - beta / np.sqrt(1 - abar) * eps,
        "the noise is subtracted, not added.": (xt + beta / np.sqrt(1 - abar) * eps) / np.sqrt(alpha),
    })


# 7. The normalised adjacency of ethanol --------------------------------------------------------------
def check_gcn_norm(A_hat: Any) -> Feedback:
    r"""Check $\hat A = \tilde D^{-1/2} (A + I) \tilde D^{-1/2}$ for ethanol's heavy atoms, the path C - C - O."""
    mol = bk.ethanol()
    A = bk.adjacency(mol.n, mol.bonds)
    d_A, A_tilde = A.sum(axis=1), A + np.eye(mol.n)
    d = A_tilde.sum(axis=1)
    return check_array(A_hat, bk.normalized_adjacency(A), name="A_hat", mistakes={
        "you forgot the self-loops: the layer normalises A + I, with degrees 1 + deg(i) = 2, 3, 2, so that each "
        "atom also keeps its own features.": A / np.sqrt(d_A)[:, None] / np.sqrt(d_A)[None, :],
        "you added the self-loops to A but took the degrees of A alone (1, 2, 1); the degrees of A + I are 2, 3, 2.":
            A_tilde / np.sqrt(d_A)[:, None] / np.sqrt(d_A)[None, :],
        "that is the row-normalised D^-1 (A + I), an average over the neighbours; the layer scales symmetrically, "
        "by 1 / sqrt(d_i d_j).": A_tilde / d[:, None],
        "that is A + I before the normalisation: divide entry (i, j) by sqrt(d_i d_j).": A_tilde,
        "that is the adjacency matrix A itself: add the self-loops, then normalise.": A,
    })


# 8. How far two layers reach -------------------------------------------------------------------------
#: Exercise 8: the atom of caffeine whose receptive field the reader counts (the nitrogen between the two C=O).
RECEPTIVE_ATOM = 8


def check_receptive_field(n_atoms: Any) -> Feedback:
    """Check the number of caffeine atoms whose input reaches atom 8 (N8) in two layers: itself and atoms up to
    two bonds away."""
    from scipy.sparse.csgraph import shortest_path

    mol = bk.caffeine()
    hops = shortest_path(bk.adjacency(mol.n, mol.bonds), unweighted=True)[RECEPTIVE_ATOM]
    within = {k: int(np.sum(hops <= k)) for k in (1, 2, 3)}
    return check_scalar(n_atoms, within[2], name="n_atoms", mistakes={
        "count the atom itself too: the self-loop of A + I keeps N8's own features in its output.": within[2] - 1,
        "that counts the atoms one bond away (and N8 itself): one layer. Two layers reach two bonds.": within[1],
        "that counts three bonds: each layer moves information one bond, so two layers reach two.": within[3],
        "that is the whole molecule; after two layers only atoms at most two bonds from N8 are reached.": mol.n,
    })


# 9. Renumbering the atoms ----------------------------------------------------------------------------
def check_permutation(answer: Any) -> Feedback:
    """Multiple choice: what renumbering the atoms does to a GCN layer's output and to a summed read-out."""
    return check_choice(answer, correct="b", name="answer", explanations={
        "a": "No: the rows of H' belong to atoms, and the atoms now have new numbers, so the rows of H' are reordered "
             "with them. Only an output that does not refer to atoms, such as the sum over atoms, stays the same.",
        "b": "Yes: the layer is permutation equivariant, layer(PAP^T, PH) = P layer(A, H), so each atom gets the same "
             "output row under its new number; the sum over atoms does not depend on the order at all (invariance).",
        "c": "No: the sum of the rows is one vector per molecule, the same whatever order the rows are added in; "
             "it is invariant.",
        "d": "No: the layer treats every atom with the same weights W and sees only the bonds, never the atoms' "
             "numbers, so renumbering cannot change what an atom computes.",
    })
