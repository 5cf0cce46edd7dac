"""Exercises of chapter 03 (probability), each one specification (:class:`dlmath.exercise.Exercise`).

The notebook reads each exercise's inputs with ``*_inputs()`` (the book's own, or a student's variant) and
checks an answer with ``check_*``; the graded tests (``EXERCISE.test``) apply the same rule.
"""

from __future__ import annotations

import math

import numpy as np

from ..exercise import Array, Choice, Exercise, Function, Mistake, Number, Precision, Text
from . import reference as probability

__all__ = [
    "EXERCISES",
    "SCREENING", "screening_inputs", "check_screening",
    "GAUSSIAN_MLE", "gaussian_sample", "check_gaussian_mle",
    "CE_DEBUG", "ce_inputs", "check_ce_loss",
    "SOFTMAX_T", "check_softmax_t",
    "TEMPERATURE_LIMIT", "check_temperature_limit",
    "KL", "kl_inputs", "check_kl",
    "VARIANCE_BIAS", "variance_bias_inputs", "check_variance_bias",
    "CE_GRADIENT", "ce_gradient_inputs", "check_ce_gradient",
    "PERPLEXITY", "perplexity_inputs", "check_perplexity",
]


# 1. Bayes' rule for a screening test ---------------------------------------------------------------
def _screening(prevalence: float, sensitivity: float, specificity: float) -> dict:
    p_pos = sensitivity * prevalence + (1 - specificity) * (1 - prevalence)
    return {"posterior": sensitivity * prevalence / p_pos}


SCREENING = Exercise(
    name="prob_screening", points=2, title="Read a screening test with Bayes' rule",
    answers=(Number("posterior", Precision(decimals=3), within=(0, 1)),),
    book={"prevalence": 0.005, "sensitivity": 0.98, "specificity": 0.97},
    draw=lambda rng: {"prevalence": float(rng.choice([0.002, 0.004, 0.005, 0.008, 0.01, 0.02])),
                      "sensitivity": float(rng.integers(90, 100) / 100),
                      "specificity": float(rng.integers(90, 99) / 100)},
    solve=_screening,
    mistakes=(
        Mistake("{sensitivity} is the sensitivity, P(+ | D): the probability of a positive test for someone who is "
                "ill. The question asks the reverse, P(D | +); Bayes' rule turns one into the other.",
                lambda prevalence, sensitivity, specificity: {"posterior": sensitivity}),
        Mistake("you left out the prevalence: s / (s + (1 - c)) treats illness and health as equally likely before "
                "the test. Weight each likelihood by its prior, P(D) = {prevalence} and P(not D) = 1 - P(D).",
                lambda prevalence, sensitivity, specificity:
                    {"posterior": sensitivity / (sensitivity + 1 - specificity)}),
        Mistake("that is P(+), the probability of a positive test (the denominator of Bayes' rule); divide "
                "P(+ | D) P(D) by it.",
                lambda prevalence, sensitivity, specificity:
                    {"posterior": sensitivity * prevalence + (1 - specificity) * (1 - prevalence)}),
        Mistake("the false-positive rate is 1 - specificity, not the specificity {specificity}: a healthy person "
                "tests positive with probability 1 - {specificity}.",
                lambda prevalence, sensitivity, specificity: {"posterior": sensitivity * prevalence / (
                    sensitivity * prevalence + specificity * (1 - prevalence))}),
        Mistake("that is P(not D | +), the probability of being healthy despite the positive test; the question "
                "asks for P(D | +).",
                lambda **inputs: {"posterior": 1 - _screening(**inputs)["posterior"]}),
        Mistake("the false-positive term lacks its prior: a healthy person tests positive with probability "
                "1 - specificity, and that happens to the healthy share 1 - P(D) of people, so the term is "
                "(1 - specificity)(1 - P(D)).",
                lambda prevalence, sensitivity, specificity: {"posterior": sensitivity * prevalence / (
                    sensitivity * prevalence + (1 - specificity))}),
    ),
)


def screening_inputs() -> dict:
    """Prevalence, sensitivity and specificity of the screening test (the book's, or your variant's)."""
    return SCREENING.inputs()


def check_screening(posterior):
    """Check $P(D \\mid +)$ for :func:`screening_inputs`, to 3 decimals."""
    return SCREENING.check(posterior)


# 2. A Gaussian by maximum likelihood ---------------------------------------------------------------
GAUSSIAN_MLE = Exercise(
    name="prob_gaussian_mle", points=2, title="Fit a Gaussian by maximum likelihood",
    answers=(Number("mu_hat", Precision(decimals=4)), Number("var_hat", Precision(decimals=4))),
    book={"x": np.random.default_rng(31).normal(5.0, 2.0, size=12).round(2)},
    draw=lambda rng: {"x": rng.normal(rng.uniform(2, 8), rng.uniform(1, 3), size=12).round(2)},
    solve=lambda x: {"mu_hat": float(np.mean(x)), "var_hat": float(np.mean((x - np.mean(x)) ** 2))},
    mistakes=(
        Mistake("mu_hat is the median; the maximum-likelihood mean of a Gaussian is the average of the sample.",
                lambda x: {"mu_hat": float(np.median(x))}),
        Mistake("you divided by n - 1 (np.var(x, ddof=1) or torch.var's default). That is the unbiased estimator; "
                "setting the derivative of the negative log-likelihood to zero gives a division by n.",
                lambda x: {"var_hat": float(np.var(x, ddof=1))}),
        Mistake("var_hat is the standard deviation sigma; the question asks for the variance sigma squared.",
                lambda x: {"var_hat": float(np.std(x))}),
        Mistake("var_hat is the mean of x squared, the spread around 0: subtract mu_hat from each value before "
                "squaring.", lambda x: {"var_hat": float(np.mean(x ** 2))}),
    ),
)


def gaussian_sample() -> np.ndarray:
    """Twelve measurements, shape (12,), rounded to two decimals (the book's, or your variant's)."""
    return GAUSSIAN_MLE.inputs()["x"]


def check_gaussian_mle(mu_hat, var_hat):
    """Check the maximum-likelihood mean and variance of :func:`gaussian_sample` (variance divided by n)."""
    return GAUSSIAN_MLE.check(mu_hat, var_hat)


# 3. Debug a cross-entropy loss ---------------------------------------------------------------------
def _ce_probabilities(Z: np.ndarray, axis: int) -> np.ndarray:
    return np.exp(Z) / np.exp(Z).sum(axis=axis, keepdims=True)


def _ce_loss(Z: np.ndarray, targets: np.ndarray) -> dict:
    return {"loss": float(-np.mean(np.log(_ce_probabilities(Z, 1)[np.arange(len(targets)), targets])))}


def _ce_draw(rng: np.random.Generator) -> dict:
    targets = rng.permutation([0, 1, 2, rng.integers(3)])
    return {"Z": rng.normal(0.0, 1.5, size=(4, 3)).round(1), "targets": targets}


CE_DEBUG = Exercise(
    name="prob_ce_debug", points=2, title="Debug a cross-entropy loss",
    answers=(Number("loss"),),
    book={"Z": np.random.default_rng(32).normal(0.0, 1.5, size=(4, 3)).round(1), "targets": np.array([2, 0, 1, 1])},
    draw=_ce_draw,
    solve=_ce_loss,
    mistakes=(
        Mistake("that is the colleague's value, with both bugs: the softmax normalises each column instead of each "
                "row, and p[targets] picks whole rows instead of one entry per example.",
                lambda Z, targets: {"loss": float(-np.mean(np.log(_ce_probabilities(Z, 0)[targets])))}),
        Mistake("the softmax is right now, but p[targets] still selects whole rows of p (a (4, 3) array), so the "
                "mean runs over 12 entries. Pick one entry per example: p[np.arange(4), targets].",
                lambda Z, targets: {"loss": float(-np.mean(np.log(_ce_probabilities(Z, 1)[targets])))}),
        Mistake("the indexing is right now, but the softmax still normalises down the columns (axis=0). Each "
                "example is a row, so sum over axis=1 with keepdims=True.",
                lambda Z, targets: {"loss": float(-np.mean(np.log(
                    _ce_probabilities(Z, 0)[np.arange(len(targets)), targets])))}),
        Mistake("you summed the losses of the four examples; F.cross_entropy (like the formula) takes their mean.",
                lambda Z, targets: {"loss": 4 * _ce_loss(Z, targets)["loss"]}),
        Mistake("you used log base 2 (bits); the loss uses the natural logarithm (nats).",
                lambda Z, targets: {"loss": _ce_loss(Z, targets)["loss"] / math.log(2)}),
        Mistake("a cross-entropy loss is never negative: -log of a probability is at least 0. You dropped the minus "
                "sign.", lambda Z, targets: {"loss": -_ce_loss(Z, targets)["loss"]}),
        Mistake("you applied the softmax twice: the loss takes the logits Z and applies the softmax itself "
                "(F.cross_entropy(softmax(Z), targets) is the same slip).",
                lambda Z, targets: _ce_loss(_ce_probabilities(Z, 1), targets)),
    ),
)


def ce_inputs() -> tuple[np.ndarray, np.ndarray]:
    """Logits ``Z`` (4, 3), one row per example, and integer class ``targets`` (4,) (the book's, or your variant's)."""
    inputs = CE_DEBUG.inputs()
    return inputs["Z"], inputs["targets"]


def check_ce_loss(loss):
    """Check the mean cross-entropy loss of :func:`ce_inputs`, naming the colleague's two bugs."""
    return CE_DEBUG.check(loss)


# 4. Write a stable softmax with temperature ---------------------------------------------------------
def _naive_softmax_t(z, T):
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(np.asarray(z, dtype=float) / T)
        return e / e.sum()


def _shifted_by_min(z, T):
    scaled = np.asarray(z, dtype=float) / T
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(scaled - scaled.min())
        return e / e.sum()


SOFTMAX_T = Exercise(
    name="prob_softmax_t", points=3, title="Write a stable softmax with a temperature",
    answers=(Function("softmax_t", families={
        "ordinary logits": lambda rng: (rng.normal(0.0, 2.0, size=5).round(2), float(rng.choice([0.5, 1.0, 2.0]))),
        "low and high temperatures": lambda rng: (rng.normal(0.0, 1.0, size=4).round(2),
                                                  float(rng.choice([0.05, 0.1, 10.0, 50.0]))),
        "large logits": lambda rng: (1000.0 + rng.normal(0.0, 1.0, size=3).round(2), 1.0),
        "very negative logits": lambda rng: (-800.0 + rng.normal(0.0, 1.0, size=3).round(2), 0.5),
        "logits hundreds apart": lambda rng: ((np.array([-450.0, 0.0, 450.0]) + rng.normal(0.0, 20.0, size=3)).round(1),
                                              float(rng.choice([0.5, 1.0]))),
    }, returns=Array("softmax_t", precision=Precision(rel=1e-6)), per_family=1),),
    solve=lambda z, T: {"softmax_t": probability.softmax(np.asarray(z, dtype=float), T)},
    mistakes=(
        Mistake("your function returns NaN or infinity for large logits such as 1000: np.exp overflows. Subtract "
                "the largest scaled logit before exponentiating; the result does not change.", _naive_softmax_t),
        Mistake("your function overflows when the logits lie hundreds apart: you subtract the *smallest* logit, so "
                "the largest exponent is huge. Subtract the largest instead: every exponent is then at most 0.",
                _shifted_by_min),
        Mistake("you multiplied the logits by T; the temperature divides them, softmax(z / T).",
                lambda z, T: probability.softmax(np.asarray(z, dtype=float) * T)),
        Mistake("this is the softmax at T = 1: the temperature T is ignored. Divide the logits by T first.",
                lambda z, T: probability.softmax(np.asarray(z, dtype=float))),
        Mistake("the outputs do not sum to 1: divide the exponentials by their sum.",
                lambda z, T: np.exp(np.asarray(z, dtype=float) / T - np.max(np.asarray(z, dtype=float) / T))),
    ),
)


def check_softmax_t(softmax_t):
    """Check a reader's ``softmax_t(z, T)`` on every family of :data:`SOFTMAX_T`: ordinary logits, extreme
    temperatures, large, very negative and widely spread logits."""
    return SOFTMAX_T.check(softmax_t)


# 5. Explain the limit T -> 0 -----------------------------------------------------------------------
TEMPERATURE_LIMIT = Exercise(
    name="prob_temperature_limit", points=1, title="Explain the limit of a low temperature",
    answers=(Choice("answer", explanations={
        "a": "No: that is the limit T -> infinity. Dividing by a huge T shrinks every logit towards 0, and "
             "softmax of equal logits is uniform.",
        "b": "Yes: the ratio of two probabilities is exp((z_i - z_j) / T), which grows without bound for "
             "z_i > z_j as T -> 0. All the probability ends on the largest logit: sampling becomes greedy decoding.",
        "c": "No: softmax is unchanged when the same number is *added* to every logit, not when every logit is "
             "divided by T. Dividing stretches the gaps between logits.",
        "d": "No: a smaller T stretches the gaps between logits, and the smallest logit falls furthest behind; "
             "its probability goes to 0.",
    }), Text("why")),
    solve=lambda: {"answer": "b", "why": 'The ratio of two probabilities is exp((z_i - z_j) / T), which grows without bound as T falls when z_i > z_j, so the largest logit takes all the probability.'},
)


def check_temperature_limit(answer, why=None):
    """Multiple choice: what happens to softmax(z / T) as the temperature T falls towards 0?"""
    return TEMPERATURE_LIMIT.check(answer, why)


# 6. Compute a KL divergence both ways ------------------------------------------------------------------
def _kl_both(p: np.ndarray, q: np.ndarray) -> dict:
    return {"kl_pq": float(probability.kl_divergence(p, q)), "kl_qp": float(probability.kl_divergence(q, p))}


def _kl_draw(rng: np.random.Generator) -> dict:
    def one() -> np.ndarray:
        w = rng.integers(1, 8, size=3).astype(float)
        p = np.round(w / w.sum(), 2)
        p[-1] = round(1 - p[:-1].sum(), 2)
        return p
    p, q = one(), one()
    while np.allclose(p, q, atol=0.1) or min(p.min(), q.min()) < 0.05:
        p, q = one(), one()
    return {"p": p, "q": q}


def _kl_mistakes() -> tuple[Mistake, ...]:
    out = [Mistake("you swapped the two directions: the divergence is not symmetric. D_KL(a || b) weights "
                   "log(a_k / b_k) by a_k, the first distribution.",
                   lambda p, q: {"kl_pq": _kl_both(p, q)["kl_qp"], "kl_qp": _kl_both(p, q)["kl_pq"]})]
    for name, (first, second) in (("kl_pq", ("p", "q")), ("kl_qp", ("q", "p"))):
        def pick(fn, _first=first, _second=second, _name=name):
            return lambda p, q: {_name: fn({"p": p, "q": q}[_first], {"p": p, "q": q}[_second])}
        out += [
            Mistake(f"{name} holds the other direction: the divergence is not symmetric. D_KL(a || b) weights "
                    "log(a_k / b_k) by a_k, the first distribution.",
                    pick(lambda a, b: float(probability.kl_divergence(b, a)))),
            Mistake(f"{name}: you used log base 2 (bits); this chapter measures in nats, with the natural logarithm.",
                    pick(lambda a, b: float(probability.kl_divergence(a, b)) / math.log(2))),
            Mistake(f"{name}: you summed log(a_k / b_k) without weighting each term by a_k.",
                    pick(lambda a, b: float(np.sum(np.log(a / b))))),
            Mistake(f"{name} is the cross-entropy H(a, b) = -sum a log b; the divergence subtracts the entropy H(a).",
                    pick(lambda a, b: float(-np.sum(a * np.log(b))))),
            Mistake(f"{name} is negative, and a divergence never is: the ratio inside the log is upside down. "
                    "D_KL(a || b) = sum a_k log(a_k / b_k).", pick(lambda a, b: float(np.sum(a * np.log(b / a))))),
            Mistake(f"{name} is a third of the divergence: F.kl_div's default reduction='mean' divides the sum by the "
                    "number of entries. Sum the terms (reduction='sum').",
                    pick(lambda a, b: float(probability.kl_divergence(a, b)) / len(a))),
        ]
    return tuple(out)


KL = Exercise(
    name="prob_kl", points=2, title="Compute a divergence in both directions",
    answers=(Number("kl_pq", Precision(decimals=3)), Number("kl_qp", Precision(decimals=3))),
    book={"p": np.array([0.6, 0.3, 0.1]), "q": np.array([0.2, 0.5, 0.3])},
    draw=_kl_draw,
    solve=_kl_both,
    mistakes=_kl_mistakes(),
)


def kl_inputs() -> tuple[np.ndarray, np.ndarray]:
    """The two distributions ``p`` and ``q`` (the book's, or your variant's)."""
    inputs = KL.inputs()
    return inputs["p"], inputs["q"]


def check_kl(kl_pq, kl_qp):
    """Check $D_{KL}(p \\| q)$ and $D_{KL}(q \\| p)$ for :func:`kl_inputs`, in nats, to 3 decimals."""
    return KL.check(kl_pq, kl_qp)


# 7. Derive the bias of the maximum-likelihood variance -----------------------------------------------------
VARIANCE_BIAS = Exercise(
    name="prob_variance_bias", points=1, title="Derive the bias of a variance estimate",
    answers=(Number("expected_var", Precision(decimals=3)),),
    book={"n": 5, "var": 9.0},
    draw=lambda rng: {"n": int(rng.integers(3, 13)), "var": float(rng.integers(2, 10))},
    solve=lambda n, var: {"expected_var": (n - 1) / n * var},
    mistakes=(
        Mistake("{var} is sigma squared itself: that is the expectation of the estimator that divides by n - 1. "
                "Dividing by n gives a smaller number on average.", lambda n, var: {"expected_var": var}),
        Mistake("you multiplied by n / (n - 1): that correction turns the biased estimate into an unbiased one; the "
                "question asks for the expectation of the biased estimate itself.",
                lambda n, var: {"expected_var": n / (n - 1) * var}),
        Mistake("that is the factor (n - 1) / n; multiply it by sigma squared.",
                lambda n, var: {"expected_var": (n - 1) / n}),
        Mistake("the bias shrinks the variance by sigma^2 / n, the variance of the sample mean, not by 1.",
                lambda n, var: {"expected_var": var - 1}),
        Mistake("sigma^2 / n is the variance of the sample mean: the amount by which the estimate falls short on "
                "average, not the expectation itself. Subtract it from sigma^2.",
                lambda n, var: {"expected_var": var / n}),
    ),
)


def variance_bias_inputs() -> dict:
    """The sample size ``n`` and the variance ``var`` of the distribution (the book's, or your variant's)."""
    return VARIANCE_BIAS.inputs()


def check_variance_bias(expected_var):
    """Check $\\mathbb{E}[\\hat\\sigma^2] = (n - 1)/n \\cdot \\sigma^2$ for :func:`variance_bias_inputs`, to 3 decimals."""
    return VARIANCE_BIAS.check(expected_var)


# 8. The gradient of softmax and cross-entropy ------------------------------------------------------------
def _ce_gradient_draw(rng: np.random.Generator) -> dict:
    k = int(rng.integers(4, 6))
    return {"z": rng.integers(-4, 5, size=k) / 2, "c": int(rng.integers(0, k))}


def _torch_ce_gradient(z: np.ndarray, c: int) -> np.ndarray:
    """dL/dz by autograd through torch.nn.functional.cross_entropy: the reference, independent of y_hat - y."""
    import torch

    logits = torch.tensor(z, dtype=torch.float64, requires_grad=True)
    torch.nn.functional.cross_entropy(logits[None], torch.tensor([c])).backward()
    return logits.grad.numpy().copy()


def _one_hot(z: np.ndarray, c: int) -> np.ndarray:
    return np.eye(len(z))[c]


CE_GRADIENT = Exercise(
    name="prob_ce_gradient", points=2, title="Derive the gradient of softmax and cross-entropy",
    answers=(Array("dL_dz", precision=Precision(decimals=4)),),
    book={"z": np.array([1.0, 2.5, -0.5, 0.0]), "c": 1},
    draw=_ce_gradient_draw,
    solve=lambda z, c: {"dL_dz": _torch_ce_gradient(z, c)},
    mistakes=(
        Mistake("the sign is reversed: that is y - y_hat, the direction that lowers the loss. The gradient itself is "
                "y_hat - y.", lambda z, c: {"dL_dz": _one_hot(z, c) - probability.softmax(z)}),
        Mistake("that is the softmax y_hat alone: subtract the one-hot target y, so that the true class {c} gets "
                "y_hat_c - 1.", lambda z, c: {"dL_dz": probability.softmax(z)}),
        Mistake("the extra factor y_hat (1 - y_hat) is the sigmoid's derivative; with cross-entropy it cancels, and "
                "the gradient is y_hat - y.",
                lambda z, c: {"dL_dz": probability.softmax(z) * (1 - probability.softmax(z))
                              * (probability.softmax(z) - _one_hot(z, c))}),
        Mistake("that is z - y: apply the softmax to the logits first, then subtract the target.",
                lambda z, c: {"dL_dz": z - _one_hot(z, c)}),
        Mistake("you subtracted 1 from every entry: y is one-hot, so only the true class {c} loses 1.",
                lambda z, c: {"dL_dz": probability.softmax(z) - 1}),
    ),
)


def ce_gradient_inputs() -> tuple[np.ndarray, int]:
    """The logits ``z`` (K,) of one example and its true class ``c`` (the book's, or your variant's)."""
    inputs = CE_GRADIENT.inputs()
    return inputs["z"], inputs["c"]


def check_ce_gradient(dL_dz):
    """Check dL/dz, shape (K,), of the cross-entropy of softmax(z) with the true class c of
    :func:`ce_gradient_inputs`, to 4 decimals."""
    return CE_GRADIENT.check(dL_dz)


# 9. Perplexity -------------------------------------------------------------------------------------------
def _perplexity_draw(rng: np.random.Generator) -> dict:
    return {"p_tokens": rng.choice([0.05, 0.1, 0.2, 0.25, 0.4, 0.5, 0.6, 0.8], size=8)}


PERPLEXITY = Exercise(
    name="prob_perplexity", points=1, title="Compute a language model's perplexity",
    answers=(Number("perplexity", Precision(figures=4)),),
    book={"p_tokens": np.array([0.5, 0.25, 0.8, 0.1, 0.4, 0.5, 0.05, 0.6])},
    draw=_perplexity_draw,
    solve=lambda p_tokens: {"perplexity": float(np.exp(-np.mean(np.log(p_tokens))))},
    mistakes=(
        Mistake("that is the exponential of the *sum* of the surprises; perplexity averages them over the tokens "
                "first: exp(-mean(log p)).", lambda p_tokens: {"perplexity": float(np.exp(-np.sum(np.log(p_tokens))))}),
        Mistake("that is exp(mean(log p)), the geometric mean of the probabilities: the minus sign is missing, and "
                "your answer is 1 / perplexity.", lambda p_tokens: {"perplexity": float(np.exp(np.mean(np.log(p_tokens))))}),
        Mistake("that is 1 / mean(p), one over the arithmetic mean of the probabilities; perplexity is the "
                "exponential of the mean surprise, exp(-mean(log p)), which weighs an improbable token more.",
                lambda p_tokens: {"perplexity": float(1 / np.mean(p_tokens))}),
        Mistake("that is 2 to the power of the mean surprise in nats: with the natural logarithm, take exp; 2 goes "
                "with log2.", lambda p_tokens: {"perplexity": float(2 ** (-np.mean(np.log(p_tokens))))}),
        Mistake("that is mean(1 / p), the mean of the inverse probabilities; perplexity is exp(-mean(log p)).",
                lambda p_tokens: {"perplexity": float(np.mean(1 / p_tokens))}),
    ),
)


def perplexity_inputs() -> np.ndarray:
    """The probabilities ``p_tokens`` (8,) that a model gave to each token of a test text, the one that came next
    (the book's, or your variant's)."""
    return PERPLEXITY.inputs()["p_tokens"]


def check_perplexity(perplexity):
    """Check the perplexity of the model on the 8 tokens of :func:`perplexity_inputs`, to 4 significant figures."""
    return PERPLEXITY.check(perplexity)


EXERCISES = (SCREENING, GAUSSIAN_MLE, CE_DEBUG, SOFTMAX_T, TEMPERATURE_LIMIT, KL, VARIANCE_BIAS, CE_GRADIENT,
             PERPLEXITY)
