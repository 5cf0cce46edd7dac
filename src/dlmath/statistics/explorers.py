"""Explorers of chapter 05 (statistics): the bias-variance trade-off and the precision-recall trade-off."""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Mapping

import numpy as np

from . import reference as stats
from ..plotting import PALETTE
from ..explorers import Choice, Explorer, Slider, register

__all__ = ["bias_variance_tradeoff", "bias_variance_state", "pr_threshold", "pr_threshold_state"]

MAX_DEGREE = 14
NOISE_SD = 0.3
N_SHOWN = 20  # fits drawn in the picture (all n_sets enter the numbers)


# -- bias and variance against the degree of a polynomial --------------------------------------------
@lru_cache(maxsize=None)
def _sweep(n_train: int, lam: float) -> tuple[dict[str, Any], ...]:
    """Every degree's measurement for one (n_train, lam), computed once: 15 refits of 200 training sets."""
    out = []
    for degree in range(MAX_DEGREE + 1):
        r = stats.bias_variance(degree, n_train=n_train, noise_sd=NOISE_SD, n_sets=200, lam=lam)
        # bias^2, variance and the average model exactly (every set has the same inputs: each fit is S y), not the
        # Monte Carlo estimates, whose bias^2 is noise where the variance is large.
        out.append({"fits": r.fits[:N_SHOWN], "mean_fit": r.mean_fit_exact, "x_train": r.x_train[0],
                    "y_train": r.y_train[0], "bias2": r.bias2_exact, "variance": r.variance_exact,
                    "noise": r.noise, "test": r.test_error,
                    "test_se": r.test_error_se, "train": r.train_error, "x_test": r.x_test, "f_test": r.f_test})
    return tuple(out)


def bias_variance_state(degree: float, n_train: int = 15, lam: float = 0.0) -> dict[str, Any]:
    r"""The bias-variance explorer's computation for one setting (pure: the same inputs give the same arrays).

    Refits a polynomial of the given degree to 200 training sets of ``n_train`` points of $\sin(3x + 1)$ plus
    noise of standard deviation 0.3 (:func:`dlmath.statistics.bias_variance`), and the same for every degree from 0
    to 14, so that the curves of train error, test error, bias$^2$ and variance against the degree come with it.
    The errors are measured on the 200 sets; bias$^2$, variance and the average model are exact
    (``BiasVariance.bias2_exact``). Under- or overfitting is named only where the test error exceeds 1.5 times the
    best degree's.
    """
    degree = int(round(degree))
    if not 0 <= degree <= MAX_DEGREE:
        raise ValueError(f"degree must be between 0 and {MAX_DEGREE}, got {degree}")
    sweep = _sweep(int(n_train), float(lam))
    current = dict(sweep[degree])
    current["degree"] = degree
    current["curves"] = {key: np.array([s[key] for s in sweep]) for key in ("train", "test", "bias2", "variance")}
    best = int(np.argmin(current["curves"]["test"]))
    # One rule on both sides: a verdict of under- or overfitting only where the test error is 1.5 times the best.
    if current["test"] <= 1.5 * current["curves"]["test"][best]:
        current["verdict"] = "near the best trade-off"
    elif current["bias2"] > current["variance"]:
        current["verdict"] = "underfits (high bias)"
    else:
        current["verdict"] = "overfits (high variance)"
    current["best_degree"] = best
    return current


def _bv_setup(fig):
    ax_fit, ax_err = fig.subplots(1, 2, width_ratios=[1.1, 1])
    h: dict[str, Any] = {}
    x = np.linspace(-1, 1, 200)
    h["fits"] = [ax_fit.plot(x, np.zeros_like(x), color=PALETTE["sky"], lw=0.8, alpha=0.7,
                             label="fits to 20 of the 200 training sets" if k == 0 else None)[0]
                 for k in range(N_SHOWN)]
    (h["mean"],) = ax_fit.plot(x, np.zeros_like(x), color=PALETTE["vermillion"], lw=2.5, label="average model")
    ax_fit.plot(x, stats.default_truth(x), color=PALETTE["black"], lw=1.5, ls="--", label="true function f")
    (h["points"],) = ax_fit.plot([], [], "o", color=PALETTE["blue"], ms=4, label="one training set")
    ax_fit.set_xlim(-1.05, 1.05)
    ax_fit.set_ylim(-2.5, 2.5)
    ax_fit.set_xlabel("$x$")
    ax_fit.set_ylabel("$y$")
    ax_fit.legend(loc="lower center", fontsize=7, ncols=2)
    # A placeholder as long as the longest title, so that the layout (frozen after the first draw) leaves room.
    h["title"] = ax_fit.set_title("degree 14: overfits (high variance)", fontsize=10)

    degrees = np.arange(MAX_DEGREE + 1)
    styles = {"test": ("test error (measured)", PALETTE["black"], "-"),
              "train": ("training error", PALETTE["blue"], "-"),
              "bias2": ("bias$^2$", PALETTE["orange"], "-"),
              "variance": ("variance", PALETTE["green"], "-")}
    h["curves"] = {key: ax_err.plot(degrees, np.ones(len(degrees)), marker="o", ms=3, color=colour, ls=ls, label=label)[0]
                   for key, (label, colour, ls) in styles.items()}
    ax_err.axhline(NOISE_SD ** 2, color="0.5", ls=":", lw=1.2, label=r"noise $\sigma^2$")
    (h["now"],) = ax_err.plot([3, 3], [1e-5, 1e3], color=PALETTE["vermillion"], lw=1.2, alpha=0.8)
    ax_err.set_yscale("log")
    ax_err.set_ylim(1e-5, 3e2)
    ax_err.set_xlim(-0.5, MAX_DEGREE + 0.5)
    ax_err.set_xlabel("degree of the polynomial")
    ax_err.set_ylabel("mean squared error")
    ax_err.legend(loc="lower left", fontsize=7, ncols=2)
    h["text"] = ax_err.text(0.55, 0.97, "", transform=ax_err.transAxes, ha="center", va="top", fontsize=7.5,
                            bbox=dict(facecolor="white", alpha=0.85, edgecolor="none"))
    return h


def _bv_draw(h, r: Mapping[str, Any], p: Mapping[str, Any]) -> None:
    for line, fit in zip(h["fits"], r["fits"]):
        line.set_ydata(fit)
    h["mean"].set_ydata(r["mean_fit"])
    h["points"].set_data(r["x_train"], r["y_train"])
    h["title"].set_text(f"degree {r['degree']}: {r['verdict']}")
    for key, line in h["curves"].items():
        line.set_ydata(r["curves"][key])
    h["now"].set_xdata([r["degree"], r["degree"]])
    h["text"].set_text(f"train {r['train']:.3f}, test {r['test']:.3f}\n"
                       f"= bias\u00b2 {r['bias2']:.3f} + var {r['variance']:.3f} + noise {r['noise']:.2f}")


def _bv_describe(p: Mapping[str, Any], r: Mapping[str, Any]) -> str:
    c = r["curves"]
    bias = "falls" if c["bias2"][-1] < c["bias2"][0] else "does not fall"
    var = "rises" if c["variance"][-1] > c["variance"][0] else "does not rise"
    return (f"Left: polynomials of degree {r['degree']} fitted to training sets of {p['n_train']} noisy points of the "
            f"curve sin(3x + 1), ridge penalty {p['lam']:g}: 20 thin fits, their average and the true curve. Right: "
            f"training error, measured test error, bias squared and variance against the degree from 0 to 14 on a "
            f"log scale. Bias squared {bias} with the degree and the variance {var}; the test error is lowest at "
            f"degree {r['best_degree']}. At degree {r['degree']}: training error {r['train']:.3g}, test error "
            f"{r['test']:.3g}, bias squared {r['bias2']:.3g}, variance {r['variance']:.3g}; {r['verdict']}.")


@register
def bias_variance_tradeoff() -> Explorer:
    """Change the degree, the number of training points and the ridge penalty; watch bias and variance trade."""
    return Explorer(
        name="bias_variance_tradeoff",
        title="Bias and variance of polynomial fits",
        controls={"degree": Slider("degree", min=0.0, max=float(MAX_DEGREE), step=1.0, value=3.0),
                  "n_train": Choice("training points", (15, 20, 30), 15),
                  "lam": Choice("ridge penalty", (0.0, 1e-4, 1e-2, 1.0), 0.0)},
        compute=bias_variance_state, setup=_bv_setup, draw=_bv_draw, describe=_bv_describe,
        # The page: every degree (the trade-off is the point), with and without a little ridge.
        static={"degree": [float(d) for d in range(MAX_DEGREE + 1)], "n_train": [15], "lam": [0.0, 0.01]},
        presets={"degree 1": {"degree": 1.0}, "degree 4": {"degree": 4.0}, "degree 12": {"degree": 12.0},
                 "degree 12, 30 points": {"degree": 12.0, "n_train": 30},
                 "degree 14, penalty 0.01": {"degree": 14.0, "lam": 0.01}},
        figsize=(10.0, 4.2),
    )


# -- precision and recall against the threshold --------------------------------------------------------
N_EXAMPLES = 2000
BINS = np.linspace(0, 1, 21)


@lru_cache(maxsize=None)
def _scores(prevalence: float) -> dict[str, Any]:
    """A seeded set of scores: logits N(-1, 1.2^2) for negatives and N(1.5, 1.2^2) for positives, squashed."""
    rng = np.random.default_rng(0)
    n_pos = int(round(prevalence * N_EXAMPLES))
    y = np.r_[np.zeros(N_EXAMPLES - n_pos, dtype=int), np.ones(n_pos, dtype=int)]
    logits = np.where(y == 1, 1.5, -1.0) + 1.2 * rng.normal(size=N_EXAMPLES)
    scores = 1 / (1 + np.exp(-logits))
    precision, recall, thresholds = stats.precision_recall_curve(y, scores)
    return {"y": y, "scores": scores, "curve": (precision, recall),
            "hist_neg": np.histogram(scores[y == 0], BINS)[0], "hist_pos": np.histogram(scores[y == 1], BINS)[0]}


def pr_threshold_state(threshold: float, prevalence: float = 0.1) -> dict[str, Any]:
    r"""The precision-recall explorer's computation: the rule "positive when score $\ge t$" on 2,000 examples.

    Returns the labels and scores, the confusion matrix at ``threshold`` (layout TN FP / FN TP), precision,
    recall, $F_1$ and accuracy there, the histograms of the scores of each class and the whole
    precision-recall curve (:func:`dlmath.statistics.precision_recall_curve`).
    """
    if not 0 < prevalence < 1:
        raise ValueError(f"prevalence must be strictly between 0 and 1, got {prevalence}")
    data = _scores(float(prevalence))
    y_pred = (data["scores"] >= threshold).astype(int)
    C = stats.confusion_matrix(data["y"], y_pred)
    precision, recall, f1 = stats.precision_recall_f1(data["y"], y_pred)
    return {**data, "threshold": float(threshold), "C": C, "precision": precision, "recall": recall, "f1": f1,
            "accuracy": float(np.trace(C) / C.sum()), "prevalence": float(prevalence)}


def _pr_setup(fig):
    ax_hist, ax_cm, ax_pr = fig.subplots(1, 3, width_ratios=[1.25, 0.8, 1])
    h: dict[str, Any] = {}
    zeros = np.zeros(len(BINS) - 1)
    h["neg"] = ax_hist.stairs(zeros, BINS, color=PALETTE["blue"], lw=1.8, label="negatives (y = 0)")
    h["pos"] = ax_hist.stairs(zeros, BINS, color=PALETTE["orange"], lw=1.8, label="positives (y = 1)")
    (h["cut"],) = ax_hist.plot([0.5, 0.5], [0.5, 5000], color=PALETTE["vermillion"], lw=2, label="threshold t")
    ax_hist.set_yscale("log")
    ax_hist.set_ylim(0.8, 3000)
    ax_hist.set_xlim(0, 1)
    ax_hist.set_xlabel("score s (predicted positive when s >= t)")
    ax_hist.set_ylabel("number of examples (log scale)")
    ax_hist.legend(loc="upper right", fontsize=7)

    ax_cm.set_xlim(-0.5, 1.5)
    ax_cm.set_ylim(1.5, -0.5)
    ax_cm.grid(False)
    colours = [[PALETTE["green"], PALETTE["vermillion"]], [PALETTE["vermillion"], PALETTE["green"]]]
    names = [["TN", "FP"], ["FN", "TP"]]
    h["cells"] = []
    for i in range(2):
        for j in range(2):
            ax_cm.add_patch(_square(i, j, colours[i][j]))
            h["cells"].append(ax_cm.text(j, i, "", ha="center", va="center", fontsize=10))
            ax_cm.text(j - 0.42, i - 0.38, names[i][j], fontsize=8, color="0.25")
    ax_cm.set_xticks([0, 1], ["predicted 0", "predicted 1"], fontsize=8)
    ax_cm.set_yticks([0, 1], ["true 0", "true 1"], fontsize=8)
    ax_cm.set_title("confusion matrix", fontsize=10)
    ax_cm.set_xlabel("prediction at threshold t", fontsize=8)
    ax_cm.set_ylabel("true class", fontsize=8)

    (h["curve"],) = ax_pr.plot([], [], color=PALETTE["black"], lw=1.5, label="precision-recall curve")
    (h["base"],) = ax_pr.plot([0, 1], [0.1, 0.1], color="0.5", ls=":", lw=1.2, label="precision of guessing")
    (h["point"],) = ax_pr.plot([], [], "o", color=PALETTE["vermillion"], ms=9, label="threshold t")
    ax_pr.set_xlim(0, 1.02)
    ax_pr.set_ylim(0, 1.02)
    ax_pr.set_xlabel("recall")
    ax_pr.set_ylabel("precision")
    ax_pr.legend(loc="lower left", fontsize=7)
    h["text"] = ax_pr.text(0.98, 0.98, "", transform=ax_pr.transAxes, ha="right", va="top", fontsize=8,
                           bbox=dict(facecolor="white", alpha=0.85, edgecolor="none"))
    return h


def _square(i: int, j: int, colour: str):
    from matplotlib.patches import Rectangle

    return Rectangle((j - 0.48, i - 0.48), 0.96, 0.96, facecolor=colour, alpha=0.25, edgecolor="none")


def _pr_draw(h, r: Mapping[str, Any], p: Mapping[str, Any]) -> None:
    h["neg"].set_data(r["hist_neg"], BINS)
    h["pos"].set_data(r["hist_pos"], BINS)
    h["cut"].set_xdata([r["threshold"], r["threshold"]])
    for text, count in zip(h["cells"], r["C"].ravel()):
        text.set_text(f"{count}")
    precision, recall = r["curve"]
    h["curve"].set_data(recall, precision)
    h["base"].set_ydata([r["prevalence"], r["prevalence"]])
    h["point"].set_data([r["recall"]], [0.0 if np.isnan(r["precision"]) else r["precision"]])
    precision = "undefined" if np.isnan(r["precision"]) else f"{r['precision']:.3f}"
    h["text"].set_text(f"t = {r['threshold']:.2f}\nprecision {precision}\nrecall {r['recall']:.3f}\n"
                       f"F1 {r['f1']:.3f}\naccuracy {r['accuracy']:.3f}")


def _pr_describe(p: Mapping[str, Any], r: Mapping[str, Any]) -> str:
    (tn, fp), (fn, tp) = r["C"]
    precision = "undefined (nothing flagged)" if np.isnan(r["precision"]) else f"{r['precision']:.2f}"
    return (f"Left: histograms of the scores of {N_EXAMPLES} examples, {r['prevalence']:.0%} of them positive; the "
            f"positives' scores lie mostly to the right of the negatives', and a vertical line marks the threshold "
            f"{r['threshold']:.2f}. Middle: the confusion matrix at this threshold, TN {tn}, FP {fp}, FN {fn}, TP {tp}. "
            f"Right: the precision-recall curve, precision falling as recall rises, with the current point at recall "
            f"{r['recall']:.2f} and precision {precision}; F1 {r['f1']:.2f}, accuracy {r['accuracy']:.2f}.")


@register
def pr_threshold() -> Explorer:
    """Move the threshold and change how rare the positives are: the confusion matrix and the PR point follow."""
    return Explorer(
        name="pr_threshold",
        title="Precision and recall against the threshold",
        controls={"threshold": Slider("threshold t", min=0.05, max=0.95, step=0.05, value=0.5),
                  "prevalence": Choice("share of positives", (0.5, 0.1, 0.02), 0.1)},
        compute=pr_threshold_state, setup=_pr_setup, draw=_pr_draw, describe=_pr_describe,
        figsize=(11.0, 3.8),
        # The threshold carries the lesson: every one of its positions, at each share of positives.
        static={"threshold": [round(0.05 * i, 2) for i in range(1, 20)], "prevalence": [0.5, 0.1, 0.02]},
        presets={"low threshold": {"threshold": 0.2}, "high threshold": {"threshold": 0.8},
                 "balanced classes": {"prevalence": 0.5}, "rare positives": {"prevalence": 0.02}},
    )
