"""Exercises of chapter 06 (numerical stability), each one specification (:class:`dlmath.exercise.Exercise`).

The notebook reads each exercise's inputs with ``*_inputs()`` (the book's own, or a student's variant) and
checks an answer with ``check_*``; the graded tests (``EXERCISE.test``) apply the same rule.
"""

from __future__ import annotations

import math

import numpy as np

from ..exercise import Array, Choice, Exercise, Function, Mistake, Number, Precision, Text, Tuple
from . import reference as numerics

__all__ = [
    "EXERCISES",
    "SPACING", "check_spacing",
    "EXP_LIMITS", "check_exp_limits",
    "LOGSUMEXP", "check_logsumexp",
    "HE_STD", "he_inputs", "check_he_std",
    "LAYER_NORM", "layer_norm_inputs", "check_layer_norm",
    "CLIP", "clip_inputs", "check_clip",
    "CANCELLATION", "check_cancellation",
    "LOSS_SCALE", "loss_scale_inputs", "check_loss_scale",
    "RMS_NORM", "check_rms_norm",
    "LINEAR_INIT", "linear_init_inputs", "check_linear_init",
]

EXACT = Precision(rel=1e-12, abs=0.0)


def _p2(k: int, factor: float = 1.0) -> float:
    """``factor * 2**k`` as a float, inf where that overflows float64."""
    try:
        return math.ldexp(factor, k)
    except OverflowError:
        return math.inf


# 1. The gap after a number ----------------------------------------------------------------------
def _gap(x: float, M: int) -> float:
    return _p2(math.floor(math.log2(x)) - M)


SPACING = Exercise(
    name="num_spacing", points=3, title="The gap after a number",
    answers=(Function("gap", families={
        "epsilon of each format": lambda rng: (1.0, int(rng.choice([7, 10, 23, 52]))),
        "numbers above 1": lambda rng: (float(rng.choice([4.0, 6.0, 1000.0, 65504.0])), int(rng.choice([7, 10]))),
        "numbers below 1": lambda rng: (float(rng.choice([0.3, 0.1, 0.7])), int(rng.choice([10, 23]))),
        "float64": lambda rng: (float(rng.choice([3.0, 12.5])), 52),
        "an 8-bit format": lambda rng: (float(rng.choice([6.0, 1.5, 0.4])), 2),
    }, returns=Number("gap", EXACT), per_family=1),),
    solve=lambda x, M: {"gap": _gap(x, M)},
    mistakes=(
        Mistake("that is x * 2^-M, the gap scaled by x itself; the gap is the same power of two for every number from "
                "2^k to 2^(k+1), so it is 2^(floor(log2 x) - M).", lambda x, M: x * _p2(-M)),
        Mistake("that is epsilon, the gap after 1; further from 1 the gap is larger or smaller by the power of two "
                "in front of x: 2^(floor(log2 x) - M).", lambda x, M: _p2(-M)),
        Mistake("that rounds log2(x) up; the exponent of x is floor(log2 x), the largest power of two not above x.",
                lambda x, M: _p2(math.ceil(math.log2(x)) - M)),
        Mistake("that is the gap with 2^-(M+1), half the right size; the last of the M mantissa bits is worth 2^-M.",
                lambda x, M: _p2(math.floor(math.log2(x)) - M - 1)),
    ),
)


def check_spacing(gap):
    """Check ``gap(x, M)``: the distance from a normal number x to the next larger one, 2^(floor(log2 x) - M), on
    epsilon, numbers above and below 1, float64 and an 8-bit format."""
    return SPACING.check(gap)


# 2. Predict overflow of exp -----------------------------------------------------------------------
def _limits_hint(values: dict) -> str | None:
    n32, n16 = values["answer"]
    if 709 in (n32, n16):
        return "709 is the limit of float64; the question is about float32 and float16."
    return None


EXP_LIMITS = Exercise(
    name="num_exp_limits", points=2, title="Predict where exp overflows",
    answers=(Tuple("answer", (Number("n32", EXACT), Number("n16", EXACT))),),
    solve=lambda: {"answer": (math.floor(math.log(numerics.FORMATS["float32"].max)),
                              math.floor(math.log(numerics.FORMATS["float16"].max)))},
    mistakes=(
        Mistake("those are the decimal exponents of the largest numbers (3.4e38, 6.6e4); you need ln(max), not "
                "log10(max).", lambda: {"answer": (38, 4)}),
        Mistake("those are the largest binary exponents; exp(n) = 2^(n / ln 2), so n can reach ln(max) only.",
                lambda: {"answer": (127, 15)}),
        Mistake("one too far: exp(89) = 4.5e38 is above float32's largest number, 3.4e38, and exp(12) = 162755 "
                "above float16's, 65504.", lambda: {"answer": (89, 12)}),
    ),
    hints=(lambda values: _limits_hint(values),),
)


def check_exp_limits(answer):
    """Check ``(n32, n16)``: the largest integers n with ``exp(n)`` finite in float32 and in float16."""
    return EXP_LIMITS.check(answer)


# 3. Write a stable log-sum-exp for a batch ------------------------------------------------------
def _lse_columns(Z: np.ndarray) -> np.ndarray:
    m = Z.max(axis=0)
    return m + np.log(np.sum(np.exp(Z - m), axis=0))


def _lse_rows(Z):
    m = Z.max(axis=1)
    return m + np.log(np.sum(np.exp(Z - m[:, None]), axis=1))


def _lse_global(Z):
    with np.errstate(divide="ignore"):
        return Z.max() + np.log(np.sum(np.exp(Z - Z.max()), axis=0))


def _lse_naive(Z):
    with np.errstate(over="ignore", divide="ignore"):
        return np.log(np.sum(np.exp(Z), axis=0))


LOGSUMEXP = Exercise(
    name="num_logsumexp", points=3, title="A stable log-sum-exp for a batch",
    answers=(Function("logsumexp", families={
        "zeros": lambda rng: (np.zeros((int(rng.integers(2, 5)), int(rng.integers(2, 4)))),),
        "ordinary logits": lambda rng: (rng.normal(size=(4, 5)),),
        "columns of 1000 and -1000": lambda rng: (np.array([[1000.0, -1000.0, 0.0], [1000.0, -1000.0, 0.0]])
                                                  + rng.normal(0, 1, size=(2, 3)).round(1),),
        "one huge logit": lambda rng: (np.c_[np.array([1e4, 0.0, -5.0]), rng.normal(size=(3, 3)).round(1)],),
    }, returns=Array("logsumexp", precision=Precision(rel=1e-6, abs=1e-9)), per_family=1),),
    solve=lambda Z: {"logsumexp": _lse_columns(np.asarray(Z, dtype=float))},
    mistakes=(
        Mistake("it returned one number per row; the logits of an example are a column, so sum over axis 0 and return "
                "one number per column.", _lse_rows),
        Mistake("a column far below the largest logit of the whole matrix gives -inf: subtract each column's own "
                "maximum (axis=0, keepdims=True).", _lse_global),
        Mistake("exp overflows for logits near 1000 (and underflows near -1000): subtract each column's largest logit "
                "before exponentiating, then add it back.", _lse_naive),
        Mistake("you subtracted the largest logit m but did not add it back: log sum exp(z) = m + log sum exp(z - m).",
                lambda Z: _lse_columns(Z) - Z.max(axis=0)),
    ),
)


def check_logsumexp(logsumexp):
    """Check a reader's ``logsumexp(Z)``: the log-sum-exp of each column of Z (K, N), shape (N,), stably."""
    return LOGSUMEXP.check(logsumexp)


# 4. The He scale of a layer -----------------------------------------------------------------------
HE_STD = Exercise(
    name="num_he_std", points=2, title="The He scale of a layer",
    answers=(Number("std", Precision(figures=4)),),
    book={"n_in": 512, "n_out": 256},
    draw=lambda rng: {"n_in": int(rng.choice([64, 128, 300, 784, 1024])), "n_out": int(rng.choice([10, 32, 200, 512]))},
    solve=lambda n_in, n_out: {"std": math.sqrt(2 / n_in)},
    mistakes=(
        Mistake("that uses the {n_out} outputs; mode='fan_in' (the default) uses the {n_in} inputs of "
                "nn.Linear({n_in}, {n_out}).", lambda n_in, n_out: {"std": math.sqrt(2 / n_out)}),
        Mistake("that is the variance 2 / n_in; the standard deviation is its square root.",
                lambda n_in, n_out: {"std": 2 / n_in}),
        Mistake("that is 1 / sqrt(n_in), the scale for a linear or tanh layer; ReLU zeroes half of its input, so He "
                "doubles the variance: sqrt(2 / n_in).", lambda n_in, n_out: {"std": math.sqrt(1 / n_in)}),
        Mistake("that is the Xavier scale sqrt(2 / (n_in + n_out)); He's scale for ReLU uses n_in only: "
                "sqrt(2 / n_in).", lambda n_in, n_out: {"std": math.sqrt(2 / (n_in + n_out))}),
    ),
)


def he_inputs() -> tuple[int, int]:
    """The layer's ``n_in`` and ``n_out``: ``nn.Linear(n_in, n_out)`` (the book's, or your variant's)."""
    inputs = HE_STD.inputs()
    return inputs["n_in"], inputs["n_out"]


def check_he_std(std):
    """Check the std of ``kaiming_normal_`` (fan_in, ReLU) for ``nn.Linear(n_in, n_out)``: sqrt(2 / n_in), to 4
    significant figures."""
    return HE_STD.check(std)


# 5. Layer norm of a small batch -------------------------------------------------------------------
def _ln_draw(rng: np.random.Generator) -> dict:
    return {"Z": rng.integers(-3, 8, size=(4, 3)) + rng.integers(0, 2, size=(4, 3)) / 2,
            "gamma": rng.choice([0.5, 1.0, 2.0], size=4), "beta": rng.choice([-1.0, 0.0, 1.0], size=4)}


def _ln_unbiased(Z, gamma, beta, eps=1e-5):
    return gamma[:, None] * (Z - Z.mean(0)) / np.sqrt(Z.var(0, ddof=1) + eps) + beta[:, None]


LAYER_NORM = Exercise(
    name="num_layer_norm", points=2, title="Layer norm of a small batch",
    answers=(Array("Z_hat", shape=(4, 3), precision=Precision(rel=1e-6, abs=1e-6)),),
    book={"Z": np.array([[1.0, 2.0, -1.0], [3.0, 2.0, 0.0], [5.0, 2.5, 1.0], [7.0, 1.5, 4.0]]),
          "gamma": np.array([1.0, 2.0, 0.5, 1.0]), "beta": np.array([0.0, 0.0, 1.0, -1.0])},
    draw=_ln_draw,
    solve=lambda Z, gamma, beta: {"Z_hat": numerics.layer_norm(Z, gamma, beta, 1e-5)},
    mistakes=(
        Mistake("you normalised each row (each feature over the batch): that is batch norm. Layer norm normalises each "
                "column, one example over its 4 features.",
                lambda Z, gamma, beta: {"Z_hat": numerics.batch_norm(Z, gamma, beta, 1e-5)[0]}),
        Mistake("you divided by the unbiased variance (ddof=1); layer norm uses the plain mean of squared deviations.",
                lambda Z, gamma, beta: {"Z_hat": _ln_unbiased(Z, gamma, beta)}),
        Mistake("you left out gamma and beta: after normalising, scale row i by gamma[i] and add beta[i].",
                lambda Z, gamma, beta: {"Z_hat": numerics.layer_norm(Z, eps=1e-5)}),
    ),
)


def layer_norm_inputs() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``Z`` (4, 3), one column per example, and the layer norm's ``gamma`` and ``beta`` (4,)."""
    inputs = LAYER_NORM.inputs()
    return inputs["Z"], inputs["gamma"], inputs["beta"]


def check_layer_norm(Z_hat):
    """Check the layer norm (eps = 1e-5) of :func:`layer_norm_inputs`: each column normalised over the features."""
    return LAYER_NORM.check(Z_hat)


# 6. Debug gradient clipping -----------------------------------------------------------------------
def _clip_draw(rng: np.random.Generator) -> dict:
    max_norm = float(rng.choice([0.5, 1.0, 2.0]))
    W, b = rng.normal(size=(3, 2)).round(2), rng.normal(size=3).round(2)
    scale = 1.5 * max_norm / math.sqrt(np.sum(W ** 2) + np.sum(b ** 2)) * rng.uniform(1.0, 3.0)
    return {"grads": [(W * scale).round(2), (b * scale).round(2)], "max_norm": max_norm}


def _clip_book() -> dict:
    rng = np.random.default_rng(66)
    return {"grads": [rng.normal(size=(3, 2)).round(2) * 3, rng.normal(size=3).round(2)], "max_norm": 1.0}


CLIP = Exercise(
    name="num_clip", points=3, title="Debug gradient clipping",
    answers=(Tuple("clipped", (Array("clipped[0]", shape=(3, 2)), Array("clipped[1]", shape=(3,)))),),
    book=_clip_book(),
    draw=_clip_draw,
    solve=lambda grads, max_norm: {"clipped": tuple(numerics.clip_grad_norm(grads, max_norm, eps=0.0)[0])},
    mistakes=(
        Mistake("each gradient was clipped on its own, which changes the direction of the update. Compute one norm over "
                "all gradients together, sqrt(sum of squares of every entry), and scale every gradient by the same "
                "factor.", lambda grads, max_norm: {"clipped": tuple(g * min(1.0, max_norm / np.linalg.norm(g))
                                                                      for g in grads)}),
        Mistake("the gradients are unchanged, but their global norm is above max_norm = {max_norm}: scale them by "
                "max_norm / norm.", lambda grads, max_norm: {"clipped": tuple(grads)}),
    ),
)


def clip_inputs() -> tuple[list[np.ndarray], float]:
    """Two gradients, of a weight matrix (3, 2) and of a bias (3,), and the clipping threshold ``max_norm``."""
    inputs = CLIP.inputs()
    return [g.copy() for g in inputs["grads"]], inputs["max_norm"]


def check_clip(clipped):
    """Check the gradients of :func:`clip_inputs` clipped by their *global* norm, as ``clip_grad_norm_`` does."""
    return CLIP.check(clipped)


# 7. Explain catastrophic cancellation -------------------------------------------------------------
CANCELLATION = Exercise(
    name="num_cancellation", points=1, title="Explain a negative variance",
    answers=(Choice("answer", explanations={
        "a": "No: 10^8 is far below float32's largest number, 3.4e38. Nothing overflows.",
        "b": "Yes: both terms are about 10^8, where float32 numbers are 8 apart, so each is off by several units, "
             "more than the true variance (about 1). Their difference keeps only those errors: catastrophic "
             "cancellation. Subtract the mean first (two-pass or Welford).",
        "c": "No: nothing here is near float32's smallest number, 1.2e-38. The numbers are large, not small.",
        "d": "No: E[x^2] - E[x]^2 is an exact identity for real numbers. It fails only in floating point, where "
             "each term is rounded before the subtraction.",
    }), Text("why")),
    solve=lambda: {"answer": "b", "why": "Subtract the mean first (two passes, or Welford's update), so that no two large, nearly equal numbers are subtracted."},
)


def check_cancellation(answer, why=None):
    """Multiple choice: why does E[x^2] - E[x]^2 in float32 give a negative variance for data near 10^4?"""
    return CANCELLATION.check(answer, why)


# 8. Choose a loss scale ---------------------------------------------------------------------------
def _scale(gradient: float) -> float:
    tiny = numerics.FORMATS["float16"].smallest_normal
    return _p2(math.ceil(math.log2(tiny / gradient)))


def _scale_hint(values: dict, gradient: float) -> str | None:
    S = values["S"]
    if S > 0 and not math.log2(S).is_integer():
        return (f"{S:g} is not a power of two; scaling by a power of two is exact in binary, which is why loss scales "
                "are powers of two.")
    return None


LOSS_SCALE = Exercise(
    name="num_loss_scale", points=2, title="Choose a loss scale",
    answers=(Number("S", EXACT),),
    book={"gradient": 1e-8},
    draw=lambda rng: {"gradient": float(rng.choice([3e-9, 2e-8, 5e-8, 1e-7, 4e-7]))},
    solve=lambda gradient: {"S": _scale(gradient)},
    mistakes=(
        Mistake("that power of two times the gradient survives, but as a subnormal number with fewer significant "
                "bits: it is below 2^-14 = 6.1e-5. Take the next power of two.",
                lambda gradient: {"S": _scale(gradient) / 2}),
        Mistake("65536 is GradScaler's starting scale and it works, but it is not the smallest power of two that does.",
                lambda gradient: {"S": 65536.0}),
        Mistake("that is the exponent; the question asks for the scale S = 2^k itself.",
                lambda gradient: {"S": float(math.log2(_scale(gradient)))}),
    ),
    hints=(_scale_hint,),
)


def loss_scale_inputs() -> float:
    """The gradient that float16 loses (1e-8 in the book, or your variant's)."""
    return LOSS_SCALE.inputs()["gradient"]


def check_loss_scale(S):
    """Check the smallest power of two S with S * gradient >= the smallest normal float16 number, 2^-14."""
    return LOSS_SCALE.check(S)


# 9. Write RMSNorm, and match nn.RMSNorm ----------------------------------------------------------------
def _rms_case(d: int, n: int, offset: float, scale: float, eps_choices: tuple[float, ...]):
    def draw(rng: np.random.Generator) -> tuple:
        Z = scale * (rng.normal(size=(d, n)) + offset)
        return Z, rng.normal(size=d).round(2), float(rng.choice(eps_choices))
    return draw


def _torch_rms_norm(Z, gamma, eps) -> np.ndarray:
    """``torch.nn.functional.rms_norm`` on the rows of Z^T (PyTorch's layout), turned back to one column per
    example: the reference, independent of the chapter's formula."""
    import torch

    out = torch.nn.functional.rms_norm(torch.from_numpy(Z.T), (Z.shape[0],), weight=torch.from_numpy(gamma), eps=eps)
    return out.numpy().T


def _rms_variant(Z, gamma, eps, axis=0, centre=False, eps_outside=False, affine=True):
    X = Z - Z.mean(axis=axis, keepdims=True) if centre else Z
    ms = np.mean(X ** 2, axis=axis, keepdims=True)
    out = X / (np.sqrt(ms) + eps) if eps_outside else X / np.sqrt(ms + eps)
    return gamma[:, None] * out if affine else out


RMS_NORM = Exercise(
    name="num_rms_norm", points=3, title="Write RMSNorm, and match nn.RMSNorm",
    answers=(Function("rms_norm", families={
        "features around zero": _rms_case(6, 4, 0.0, 2.0, (1e-5, 1e-6)),
        "features far from zero": _rms_case(5, 3, 4.0, 1.0, (1e-5, 1e-6)),
        "tiny activations": _rms_case(4, 5, 0.0, 1e-3, (1e-5, 1e-4)),
    }, returns=Array("Z_hat", precision=Precision(rel=1e-6, abs=1e-9)), per_family=1),),
    solve=lambda Z, gamma, eps: {"rms_norm": _torch_rms_norm(Z, gamma, eps)},
    mistakes=(
        Mistake("you subtracted the mean: that is layer norm without beta. RMSNorm divides by the root mean square "
                "of the features themselves, sqrt(mean(Z**2) + eps), and keeps the mean.",
                lambda Z, gamma, eps: _rms_variant(Z, gamma, eps, centre=True)),
        Mistake("you normalised each row (each feature over the batch); RMSNorm, like layer norm, normalises each "
                "column, one example over its features (axis=0 in this layout).",
                lambda Z, gamma, eps: _rms_variant(Z, gamma, eps, axis=1)),
        Mistake("eps goes inside the square root: Z / sqrt(mean(Z**2) + eps). It matters for tiny activations.",
                lambda Z, gamma, eps: _rms_variant(Z, gamma, eps, eps_outside=True)),
        Mistake("you left out gamma: multiply feature i (row i) by gamma[i] after normalising.",
                lambda Z, gamma, eps: _rms_variant(Z, gamma, eps, affine=False)),
    ),
)


def check_rms_norm(rms_norm):
    """Check ``rms_norm(Z, gamma, eps) -> Z_hat`` for Z of shape (d, N), one column per example, against
    ``torch.nn.RMSNorm(d, eps=eps)`` applied to the rows of Z^T."""
    return RMS_NORM.check(rms_norm)


# 10. Derive nn.Linear's default scale, then confirm it ------------------------------------------------
def _kaiming_bound(fan_in: int, a: float) -> float:
    """The bound of ``nn.init.kaiming_uniform_(w, a)``: gain sqrt(2 / (1 + a^2)), standard deviation
    gain / sqrt(fan_in), and a uniform distribution on [-b, b] has standard deviation b / sqrt(3)."""
    return math.sqrt(3.0) * math.sqrt(2.0 / (1.0 + a ** 2)) / math.sqrt(fan_in)


LINEAR_INIT = Exercise(
    name="num_linear_init", points=2, title="Derive nn.Linear's default scale, then confirm it",
    answers=(Number("bound", Precision(figures=4), within=(0, math.inf)),
             Number("std_after", Precision(figures=4), within=(0, math.inf))),
    book={"fan_in": 256, "depth": 6},
    draw=lambda rng: {"fan_in": int(rng.choice([64, 100, 128, 300, 512, 1000])), "depth": int(rng.integers(3, 9))},
    solve=lambda fan_in, depth: {"bound": _kaiming_bound(fan_in, math.sqrt(5.0)), "std_after": 3.0 ** (-depth / 2)},
    mistakes=(
        Mistake("that is the bound for a = 0, He's uniform initialisation, sqrt(6 / fan_in). nn.Linear passes "
                "a = sqrt(5), so the gain is sqrt(2 / (1 + 5)) = sqrt(1/3).",
                lambda fan_in, depth: {"bound": _kaiming_bound(fan_in, 0.0), "std_after": 2.0 ** (depth / 2)}),
        Mistake("that is the standard deviation gain / sqrt(fan_in), not the bound: a uniform distribution on "
                "[-b, b] has standard deviation b / sqrt(3), so b = sqrt(3) times the standard deviation.",
                lambda fan_in, depth: {"bound": _kaiming_bound(fan_in, math.sqrt(5.0)) / math.sqrt(3.0)}),
        Mistake("a = 5 is not a = sqrt(5): nn.Linear calls kaiming_uniform_(weight, a=math.sqrt(5)).",
                lambda fan_in, depth: {"bound": _kaiming_bound(fan_in, 5.0)}),
        Mistake("the variance of a uniform on [-b, b] is b^2 / 3, not b^2: each layer multiplies the variance by "
                "fan_in * b^2 / 3 = 1/3, not by 1.", lambda fan_in, depth: {"std_after": 1.0}),
        Mistake("each layer multiplies the variance by 1/3, so the standard deviation by 1/sqrt(3): after depth "
                "layers it is 3^(-depth/2), not 3^(-depth).", lambda fan_in, depth: {"std_after": 3.0 ** -depth}),
    ),
)


def linear_init_inputs() -> tuple[int, int]:
    """The width ``fan_in`` of every layer and the number of layers ``depth`` (the book's, or your variant's)."""
    inputs = LINEAR_INIT.inputs()
    return inputs["fan_in"], inputs["depth"]


def check_linear_init(bound, std_after):
    """Check the bound b of nn.Linear's default weights, U(-b, b), and the standard deviation of the output of
    ``depth`` such layers (no bias, no activation) for inputs of standard deviation 1, to 4 significant figures."""
    return LINEAR_INIT.check(bound, std_after)


EXERCISES = (SPACING, EXP_LIMITS, LOGSUMEXP, HE_STD, LAYER_NORM, CLIP, CANCELLATION, LOSS_SCALE, RMS_NORM, LINEAR_INIT)
