"""Explorers of chapter 03 (probability): the law of large numbers, a Bayesian coin, and next-token sampling."""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from . import reference as probability
from ..plotting import PALETTE
from ..explorers import Choice, Explorer, Slider, register

__all__ = ["law_of_large_numbers", "lln_state", "LLN_DISTRIBUTIONS",
           "beta_coin", "beta_coin_state", "BETA_PRIORS", "COIN_FLIPS",
           "next_token", "next_token_state", "TOKENS", "LOGITS"]


# -- the law of large numbers ----------------------------------------------------------------------
def _die(rng: np.random.Generator, size: tuple[int, int]) -> np.ndarray:
    return rng.integers(1, 7, size=size).astype(float)


#: The distributions of the explorer: how to draw, the mean and variance, and the histogram's bins.
#: Discrete ones have one bin of width 1 per value, so the bar heights are probabilities.
LLN_DISTRIBUTIONS: dict[str, dict[str, Any]] = {
    "Bernoulli(0.3)": dict(draw=lambda rng, size: (rng.random(size) < 0.3).astype(float), mean=0.3, var=0.21,
                           edges=np.arange(-0.5, 2.0), discrete=True),
    "fair die": dict(draw=_die, mean=3.5, var=35 / 12, edges=np.arange(0.5, 7.0), discrete=True),
    "Gaussian N(3.5, 1)": dict(draw=lambda rng, size: rng.normal(3.5, 1.0, size), mean=3.5, var=1.0,
                               edges=np.linspace(0.0, 7.0, 29), discrete=False),
    "exponential, mean 2": dict(draw=lambda rng, size: rng.exponential(2.0, size), mean=2.0, var=4.0,
                                edges=np.linspace(0.0, 7.0, 29), discrete=False),
}
_LLN_PATHS = 5
_LLN_MAX_N = 10_000


def _true_curve(name: str) -> tuple[np.ndarray, np.ndarray]:
    """The true pmf (as the outline of its bars) or pdf of a distribution of :data:`LLN_DISTRIBUTIONS`."""
    d = LLN_DISTRIBUTIONS[name]
    if d["discrete"]:
        edges = d["edges"]
        centres = (edges[:-1] + edges[1:]) / 2
        if name == "fair die":
            pmf = np.full(6, 1 / 6)
        else:
            pmf = np.array([1 - d["mean"], d["mean"]])
        x = np.repeat(edges, 2)[1:-1]
        y = np.repeat(pmf, 2)
        assert len(x) == len(y) == 2 * len(centres)
        return x, y
    x = np.linspace(0.0, 7.0, 281)
    if name.startswith("Gaussian"):
        return x, probability.normal_pdf(x, d["mean"], np.sqrt(d["var"]))
    return x, np.exp(-x / d["mean"]) / d["mean"]


def lln_state(distribution: str, log10_n: float, seed: int = 0) -> dict[str, Any]:
    r"""Draw $n = \mathrm{round}(10^{\text{log10\_n}})$ samples, five times, from ``distribution``.

    Returns the histogram of the first sample (``density``, heights normalised so the bars' area is 1, and
    ``edges``), the running means $\bar x_m = \frac{1}{m}\sum_{i \le m} x_i$ of all five samples at
    log-spaced ``steps`` $m \le n$ (``running``, shape (5, steps)), the true ``mean`` and standard deviation
    ``sigma``, the band $\pm 2\sigma/\sqrt{m}$ (``band``), the true curve (``true_x``, ``true_y``) and the
    final means (``final``, shape (5,)). The same seed gives the same draws: a larger $n$ extends the
    sample drawn for a smaller one.
    """
    if distribution not in LLN_DISTRIBUTIONS:
        raise ValueError(f"distribution must be one of {list(LLN_DISTRIBUTIONS)}, got {distribution!r}")
    n = int(round(10 ** float(log10_n)))
    if not 1 <= n <= _LLN_MAX_N:
        raise ValueError(f"log10_n must give a sample size from 1 to {_LLN_MAX_N}, got n = {n}")
    d = LLN_DISTRIBUTIONS[distribution]
    rng = np.random.default_rng(seed)
    x = d["draw"](rng, (_LLN_PATHS, _LLN_MAX_N))[:, :n]  # draw the maximum, keep n: nested samples
    steps = np.unique(np.round(np.geomspace(1, n, 200)).astype(int))
    running = np.cumsum(x, axis=1)[:, steps - 1] / steps
    counts, edges = np.histogram(x[0], bins=d["edges"])
    density = counts / (n * np.diff(edges))
    sigma = float(np.sqrt(d["var"]))
    true_x, true_y = _true_curve(distribution)
    return {"n": n, "density": density, "edges": edges, "steps": steps, "running": running,
            "mean": d["mean"], "sigma": sigma, "band": 2 * sigma / np.sqrt(steps),
            "true_x": true_x, "true_y": true_y, "final": running[:, -1]}


def _lln_setup(fig):
    ax_hist, ax_mean = fig.subplots(1, 2)
    h: dict[str, Any] = {}
    h["hist"] = ax_hist.stairs(np.zeros(6), np.arange(0.5, 7.0), fill=True, color="0.75",
                               label="histogram of sample 1")
    (h["true"],) = ax_hist.plot([], [], color=PALETTE["black"], lw=1.5, ls="--", label="true distribution")
    (h["mean_hist"],) = ax_hist.plot([], [], color=PALETTE["vermillion"], lw=2, label="true mean")
    (h["sample_mean"],) = ax_hist.plot([], [], color=PALETTE["blue"], lw=2, ls="--", label="mean of sample 1")
    ax_hist.set_xlim(-0.6, 7.0)
    ax_hist.set_ylim(0, 1.05)
    ax_hist.set_xlabel("value $x$")
    ax_hist.set_ylabel("probability (bars of width 1) or density")
    ax_hist.legend(loc="upper right", fontsize=8)
    ax_hist.set_title("What the sample looks like", fontsize=10)
    colours = [PALETTE[c] for c in ("blue", "orange", "green", "purple", "sky")]
    h["paths"] = [ax_mean.plot([], [], color=c, lw=1.2)[0] for c in colours]
    (h["upper"],) = ax_mean.plot([], [], color="0.3", ls=":", lw=1.5, label=r"$\pm 2\sigma/\sqrt{m}$")
    (h["lower"],) = ax_mean.plot([], [], color="0.3", ls=":", lw=1.5)
    ax_mean.axhline(0, color=PALETTE["vermillion"], lw=1.5, label="true mean")
    ax_mean.set_xscale("log")
    ax_mean.set_xlim(1, _LLN_MAX_N)
    ax_mean.set_ylim(-2.2, 2.2)
    ax_mean.set_xlabel("number of draws $m$")
    ax_mean.set_ylabel(r"running mean minus true mean, $\bar x_m - \mu$")
    ax_mean.legend(loc="upper right", fontsize=8)
    ax_mean.set_title("Five running means", fontsize=10)
    h["text"] = ax_mean.text(0.03, 0.03, "", transform=ax_mean.transAxes, fontsize=8.5, va="bottom",
                             bbox=dict(facecolor="white", alpha=0.85, edgecolor="none"))
    return h


def _lln_draw(h, r: Mapping[str, Any], p: Mapping[str, Any]) -> None:
    h["hist"].set_data(np.minimum(r["density"], 1.05), r["edges"])
    h["true"].set_data(r["true_x"], r["true_y"])
    h["mean_hist"].set_data([r["mean"], r["mean"]], [0, 1.05])
    h["sample_mean"].set_data([r["final"][0], r["final"][0]], [0, 1.05])
    for line, path in zip(h["paths"], r["running"]):
        line.set_data(r["steps"], np.clip(path - r["mean"], -2.5, 2.5))
    h["upper"].set_data(r["steps"], np.minimum(r["band"], 2.5))
    h["lower"].set_data(r["steps"], -np.minimum(r["band"], 2.5))
    spread = np.ptp(r["final"])
    h["text"].set_text(f"{p['distribution']}, n = {r['n']:,} draws\n"
                       f"true mean {r['mean']:g}; the five sample means differ by {spread:.3f}")


def _lln_describe(p: Mapping[str, Any], r: Mapping[str, Any]) -> str:
    return (f"Left: a histogram of {r['n']:,} draws from the {p['distribution']} distribution, over the dashed "
            f"true distribution, with the true mean {r['mean']:g} and the sample's own mean {r['final'][0]:.3f} "
            f"marked. Right: the running means of five "
            f"independent samples minus the true mean, against the number of draws on a log scale, inside a "
            f"dotted band of plus and minus two standard errors that narrows like one over the square root of "
            f"the number of draws. After {r['n']:,} draws the five means lie within {np.ptp(r['final']):.3f} "
            f"of each other.")


@register
def law_of_large_numbers() -> Explorer:
    """Pick a distribution and a sample size: the histogram approaches the distribution, the mean approaches mu."""
    return Explorer(
        name="law_of_large_numbers",
        title="The law of large numbers: sample size, histogram and running mean",
        controls={"distribution": Choice("distribution", tuple(LLN_DISTRIBUTIONS), "fair die"),
                  "log10_n": Slider("log10 of sample size n", min=0.0, max=4.0, step=0.25, value=2.0)},
        compute=lambda distribution, log10_n: lln_state(distribution, log10_n),
        setup=_lln_setup, draw=_lln_draw, describe=_lln_describe, figsize=(9.0, 3.8),
        presets={"one draw": {"log10_n": 0.0}, "ten draws": {"log10_n": 1.0}, "10,000 draws": {"log10_n": 4.0},
                 "exponential, ten draws": {"distribution": "exponential, mean 2", "log10_n": 1.0}},
    )


# -- a Bayesian coin ---------------------------------------------------------------------------------
#: The priors of the coin explorer, as Beta(a, b) parameters.
BETA_PRIORS: dict[str, tuple[float, float]] = {
    "uniform, Beta(1, 1)": (1.0, 1.0),
    "expects a fair coin, Beta(20, 20)": (20.0, 20.0),
    "expects tails, Beta(2, 8)": (2.0, 8.0),
}
#: The numbers of flips the coin explorer offers.
COIN_FLIPS: tuple[int, ...] = (0, 1, 2, 5, 10, 20, 50, 100, 200)
_THETA = np.linspace(0.0, 1.0, 401)


#: The seed of the coin explorer's uniform draws: one whose share of heads stays close to the true bias for
#: every offered number of flips n and bias (|share - theta| * sqrt(n) <= 0.64), so the pictures are typical.
COIN_SEED = 3


def beta_coin_state(prior: str, flips: int, theta_true: float, seed: int = COIN_SEED) -> dict[str, Any]:
    r"""Flip a coin with $P(\text{heads}) = \theta_{\text{true}}$ ``flips`` times and update a Beta prior.

    The flips are $u_i < \theta_{\text{true}}$ for fixed uniform draws $u_i$ (seeded), so moving
    $\theta_{\text{true}}$ changes as few outcomes as possible. Returns the prior and posterior densities
    on the grid ``theta`` (401 points), the posterior parameters ``a`` and ``b``, the number of ``heads``,
    the posterior ``mean`` $a/(a+b)$ and a central 90% credible ``interval`` read off the posterior's CDF.
    """
    if prior not in BETA_PRIORS:
        raise ValueError(f"prior must be one of {list(BETA_PRIORS)}, got {prior!r}")
    if not 0 <= theta_true <= 1:
        raise ValueError(f"theta_true must be a probability in [0, 1], got {theta_true!r}")
    a0, b0 = BETA_PRIORS[prior]
    u = np.random.default_rng(seed).random(max(COIN_FLIPS))[: int(flips)]
    outcomes = (u < theta_true).astype(float)
    a, b = probability.beta_bernoulli_update(a0, b0, outcomes)
    density = probability.beta_pdf(_THETA, a, b)
    cdf = np.concatenate([[0.0], np.cumsum((density[1:] + density[:-1]) / 2 * np.diff(_THETA))])
    cdf /= cdf[-1]
    interval = tuple(float(np.interp(q, cdf, _THETA)) for q in (0.05, 0.95))
    return {"theta": _THETA, "prior": probability.beta_pdf(_THETA, a0, b0), "posterior": density,
            "a": a, "b": b, "heads": int(outcomes.sum()), "flips": int(flips), "mean": a / (a + b),
            "interval": interval}


def _coin_setup(fig):
    ax = fig.subplots()
    h: dict[str, Any] = {}
    h["band"] = ax.axvspan(0.4, 0.6, color=PALETTE["sky"], alpha=0.25, lw=0, label="90% credible interval")
    (h["prior"],) = ax.plot([], [], color="0.45", ls="--", lw=1.5, label="prior")
    (h["posterior"],) = ax.plot([], [], color=PALETTE["blue"], lw=2.2, label="posterior")
    (h["truth"],) = ax.plot([], [], color=PALETTE["vermillion"], lw=1.8, label=r"true $\theta$")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 15)
    ax.set_xlabel(r"$\theta$, the probability of heads")
    ax.set_ylabel("density")
    ax.legend(loc="upper right", fontsize=8)
    h["text"] = ax.text(0.02, 0.97, "", transform=ax.transAxes, va="top", fontsize=9,
                        bbox=dict(facecolor="white", alpha=0.85, edgecolor="none"))
    return h


def _coin_draw(h, r: Mapping[str, Any], p: Mapping[str, Any]) -> None:
    lo, hi = r["interval"]
    h["band"].set_x(lo)
    h["band"].set_width(hi - lo)
    h["prior"].set_data(r["theta"], np.minimum(r["prior"], 16))
    h["posterior"].set_data(r["theta"], np.minimum(r["posterior"], 16))
    h["truth"].set_data([p["theta_true"]] * 2, [0, 15])
    h["text"].set_text(f"{r['flips']} flips, {r['heads']} heads\n"
                       f"posterior Beta({r['a']:g}, {r['b']:g}), mean {r['mean']:.3f}\n"
                       f"90% interval [{lo:.2f}, {hi:.2f}]")


def _coin_describe(p: Mapping[str, Any], r: Mapping[str, Any]) -> str:
    lo, hi = r["interval"]
    return (f"The belief about a coin's probability of heads, starting from the prior {p['prior']} (dashed), "
            f"after {r['flips']} flips with {r['heads']} heads of a coin whose true probability is "
            f"{p['theta_true']:g} (vertical line). The posterior density is Beta({r['a']:g}, {r['b']:g}), centred "
            f"on {r['mean']:.2f}, with a shaded 90% credible interval from {lo:.2f} to {hi:.2f}.")


@register
def beta_coin() -> Explorer:
    """Choose a prior, a true bias and a number of flips: watch the posterior over the bias narrow."""
    return Explorer(
        name="beta_coin",
        title="Updating a belief about a coin, flip by flip",
        controls={"prior": Choice("prior", tuple(BETA_PRIORS), "uniform, Beta(1, 1)"),
                  "flips": Choice("flips", COIN_FLIPS, 20),
                  "theta_true": Slider("true probability of heads", min=0.1, max=0.9, step=0.1, value=0.7)},
        compute=lambda prior, flips, theta_true: beta_coin_state(prior, flips, theta_true),
        setup=_coin_setup, draw=_coin_draw, describe=_coin_describe, figsize=(6.5, 3.8),
        # The page: every prior, from no flips to 200, for a biased and a fair-ish coin.
        static={"flips": [0, 2, 5, 20, 50, 200], "theta_true": [0.3, 0.7]},
        presets={"tails prior, 5 flips": {"prior": "expects tails, Beta(2, 8)", "flips": 5},
                 "tails prior, 50 flips": {"prior": "expects tails, Beta(2, 8)", "flips": 50},
                 "fair-coin prior, fair coin": {"prior": "expects a fair coin, Beta(20, 20)", "flips": 5,
                                                "theta_true": 0.5}},
    )


# -- next-token sampling -----------------------------------------------------------------------------
#: A ten-token vocabulary and the logits a language model might give for the next token after
#: "The cat sat on the".
TOKENS: tuple[str, ...] = ("mat", "sofa", "floor", "bed", "chair", "roof", "table", "dog", "moon", "piano")
LOGITS: np.ndarray = np.array([3.1, 2.6, 2.3, 2.0, 1.7, 1.1, 0.9, -0.4, -1.2, -2.0])
_N_DRAWS = 500


def next_token_state(temperature: float, k: int, n_draws: int = _N_DRAWS, seed: int = 0) -> dict[str, Any]:
    r"""The next-token distribution $\operatorname{softmax}(\tilde z / T)$ of :data:`LOGITS` with top-$k$
    filtering, and the counts of ``n_draws`` tokens sampled from it (seeded).

    Returns ``probs`` (10,), ``base`` (the distribution at $T = 1$ without filtering), ``counts`` (10,),
    its ``entropy`` in nats and the ``greedy`` token (the most probable one).
    """
    k = int(round(k))
    probs = probability.next_token_distribution(LOGITS, temperature=temperature, k=k)
    draws = probability.sample_categorical(probs, n_draws, np.random.default_rng(seed))
    return {"probs": probs, "base": probability.softmax(LOGITS), "counts": np.bincount(draws, minlength=len(TOKENS)),
            "entropy": float(probability.entropy(probs)), "greedy": TOKENS[int(np.argmax(LOGITS))],
            "n_draws": n_draws, "k": k}


def _token_setup(fig):
    ax = fig.subplots()
    x = np.arange(len(TOKENS))
    h: dict[str, Any] = {}
    h["probs"] = list(ax.bar(x - 0.2, np.zeros(len(TOKENS)), width=0.4, color=PALETTE["blue"],
                             label="probability of the token"))
    h["freqs"] = list(ax.bar(x + 0.2, np.zeros(len(TOKENS)), width=0.4, color=PALETTE["orange"],
                             label=f"share of {_N_DRAWS} sampled tokens"))
    base = probability.softmax(LOGITS)
    ax.plot(x, base, "_", color=PALETTE["black"], ms=22, mew=2, label="at T = 1, all tokens")
    ax.set_xticks(x, TOKENS)
    ax.set_xlabel("candidate next token")
    ax.set_ylim(0, 1.0)
    ax.set_ylabel("probability")
    ax.set_title('Next token after "The cat sat on the"', fontsize=10)
    ax.legend(loc="upper right", fontsize=8)
    h["text"] = ax.text(0.30, 0.96, "", transform=ax.transAxes, va="top", fontsize=9,
                        bbox=dict(facecolor="white", alpha=0.85, edgecolor="none"))
    return h


def _token_draw(h, r: Mapping[str, Any], p: Mapping[str, Any]) -> None:
    for bar, value in zip(h["probs"], r["probs"]):
        bar.set_height(value)
    for bar, value in zip(h["freqs"], r["counts"] / r["n_draws"]):
        bar.set_height(value)
    h["text"].set_text(f"T = {p['temperature']:.1f}, top-k with k = {r['k']}\n"
                       f"entropy {r['entropy']:.2f} nats (at most log 10 = {np.log(10):.2f})")


def _token_describe(p: Mapping[str, Any], r: Mapping[str, Any]) -> str:
    top = np.argsort(-r["probs"])[:3]
    listed = ", ".join(f"{TOKENS[i]} {r['probs'][i]:.2f}" for i in top)
    kept = "all ten tokens keep" if r["k"] == len(TOKENS) else f"only the {r['k']} most likely tokens keep"
    return (f"A bar chart over ten candidate next tokens, from mat to piano, at temperature {p['temperature']:.1f} "
            f"with top-k filtering, k = {r['k']}: {kept} some probability. The three most probable are {listed}; "
            f"the entropy is {r['entropy']:.2f} nats. Beside each probability bar, the share of "
            f"{r['n_draws']} sampled tokens follows it closely; short black marks show the distribution at "
            f"temperature 1 for comparison.")


@register
def next_token() -> Explorer:
    """Move the temperature and k: the next-token distribution sharpens or flattens, and the samples follow."""
    return Explorer(
        name="next_token",
        title="Temperature and top-k sampling of the next token",
        controls={"temperature": Slider("temperature T", min=0.2, max=3.0, step=0.2, value=1.0),
                  "k": Slider("top-k: keep the k most likely", min=1, max=10, step=1, value=10)},
        compute=lambda temperature, k: next_token_state(temperature, k),
        setup=_token_setup, draw=_token_draw, describe=_token_describe, figsize=(7.5, 3.8),
        presets={"cold": {"temperature": 0.2}, "hot": {"temperature": 3.0},
                 "hot, top 3": {"temperature": 3.0, "k": 3}},
    )
