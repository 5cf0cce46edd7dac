"""Reference implementations from statistics: evaluation and generalisation.

Each function states its formula, works on NumPy arrays and checks shapes, saying in the error which
shape it expected and which arrived. Chapter 5 compares them with scikit-learn and PyTorch:
splits and k-fold indices with ``sklearn.model_selection``, the confusion matrix and its metrics with
``sklearn.metrics``, ridge regression with ``sklearn.linear_model.Ridge``, dropout with ``torch.nn.Dropout``.
The bias-variance simulation refits a model on many resampled training sets and measures each term.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from .._validate import as_array

__all__ = [
    "confusion_matrix", "precision_recall_f1", "precision_recall_curve",
    "split_indices", "kfold_indices",
    "polynomial_features", "least_squares", "ridge", "dropout",
    "default_truth", "BiasVariance", "bias_variance",
    "random_fourier_features",
]


# -- classification metrics ------------------------------------------------------------------------
def _binary(y, name: str) -> np.ndarray:
    arr = as_array(y, name, ndim=1)
    if not np.all((arr == 0) | (arr == 1)):
        bad = arr[(arr != 0) & (arr != 1)][:3]
        raise ValueError(f"{name} must hold only the labels 0 and 1, got values such as {bad.tolist()}")
    return arr.astype(int)


def _pair(y_true, y_other, other_name: str) -> tuple[np.ndarray, np.ndarray]:
    t = _binary(y_true, "y_true")
    o = as_array(y_other, other_name, ndim=1)
    if o.shape != t.shape:
        raise ValueError(f"{other_name} must have shape {t.shape} like y_true, got shape {o.shape}")
    return t, o


def confusion_matrix(y_true, y_pred) -> np.ndarray:
    r"""The confusion matrix of binary labels, in scikit-learn's layout $\begin{pmatrix} TN & FP \\ FN & TP \end{pmatrix}$.

    Row $i$ is the true class, column $j$ the predicted class: $C_{ij}$ counts the examples of class $i$
    predicted as $j$. So $TP = \#\{y = 1, \hat y = 1\}$, $FP = \#\{y = 0, \hat y = 1\}$,
    $FN = \#\{y = 1, \hat y = 0\}$ and $TN = \#\{y = 0, \hat y = 0\}$. Both inputs have shape (n,) and hold 0 or 1.
    """
    t, p = _pair(y_true, y_pred, "y_pred")
    p = _binary(p, "y_pred")
    C = np.zeros((2, 2), dtype=int)
    np.add.at(C, (t, p), 1)
    return C


def precision_recall_f1(y_true, y_pred) -> tuple[float, float, float]:
    r"""Precision $TP/(TP+FP)$, recall $TP/(TP+FN)$ and $F_1 = 2PR/(P+R) = 2TP/(2TP+FP+FN)$.

    A ratio whose denominator is zero (no predicted positives for precision, no actual positives for
    recall) is undefined and returned as ``nan``, like scikit-learn with ``zero_division=np.nan``.
    """
    (tn, fp), (fn, tp) = confusion_matrix(y_true, y_pred)
    precision = tp / (tp + fp) if tp + fp else float("nan")
    recall = tp / (tp + fn) if tp + fn else float("nan")
    f1 = 2 * tp / (2 * tp + fp + fn) if 2 * tp + fp + fn else float("nan")
    return float(precision), float(recall), float(f1)


def precision_recall_curve(y_true, scores) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Precision and recall of the rule "positive when $s \ge t$" for every distinct score $t$.

    Returns ``precision``, ``recall`` (each of length $m + 1$) and ``thresholds`` (the $m$ distinct scores, in
    increasing order), as ``sklearn.metrics.precision_recall_curve`` does: entry $k$ belongs to
    ``thresholds[k]``, and the last entry is the point (recall 0, precision 1) that no threshold reaches.
    $P(t) = TP(t) / (TP(t) + FP(t))$ and $R(t) = TP(t) / \#\{y = 1\}$.
    """
    t, s = _pair(y_true, scores, "scores")
    if t.sum() == 0:
        raise ValueError("y_true holds no positive example, so recall is undefined")
    order = np.argsort(-s, kind="mergesort")           # scores from high to low
    s_sorted, t_sorted = s[order], t[order]
    last = np.r_[np.nonzero(np.diff(s_sorted))[0], len(s) - 1]   # last position of each distinct score
    tp = np.cumsum(t_sorted)[last]                       # positives among the scores >= this threshold
    predicted = last + 1.0                               # every score >= this threshold
    precision = tp / predicted
    recall = tp / tp[-1]
    return np.r_[precision[::-1], 1.0], np.r_[recall[::-1], 0.0], s_sorted[last][::-1]


# -- splits --------------------------------------------------------------------------------------
def _permutation(n_samples: int, permutation) -> np.ndarray:
    if permutation is None:
        return np.arange(n_samples)
    perm = np.asarray(permutation)
    if perm.shape != (n_samples,) or not np.array_equal(np.sort(perm), np.arange(n_samples)):
        raise ValueError(f"permutation must be a permutation of 0..{n_samples - 1}, shape ({n_samples},), "
                         f"got an array of shape {perm.shape}")
    return perm


def split_indices(n_samples: int, n_test: int, n_val: int = 0, permutation=None) -> tuple[np.ndarray, ...]:
    r"""Split the indices $0, \dots, n-1$ into disjoint training, (validation) and test sets.

    The indices are taken in the order of ``permutation`` (default: $0, 1, \dots$): the first ``n_test``
    form the test set, the next ``n_val`` the validation set, the rest the training set. Returns
    ``(train, test)`` when ``n_val`` is 0, else ``(train, val, test)``. With
    ``permutation = np.random.RandomState(seed).permutation(n)`` the two-way split equals
    ``sklearn.model_selection.train_test_split(np.arange(n), test_size=n_test, random_state=seed)``.
    """
    if not (n_test >= 1 and n_val >= 0 and n_test + n_val < n_samples):
        raise ValueError(f"need n_test >= 1, n_val >= 0 and n_test + n_val < n_samples = {n_samples}, "
                         f"got n_test={n_test}, n_val={n_val}")
    perm = _permutation(n_samples, permutation)
    test, val, train = perm[:n_test], perm[n_test:n_test + n_val], perm[n_test + n_val:]
    return (train, test) if n_val == 0 else (train, val, test)


def kfold_indices(n_samples: int, n_splits: int, permutation=None) -> list[tuple[np.ndarray, np.ndarray]]:
    r"""The $k$ (train, test) index pairs of $k$-fold cross-validation.

    The indices, in the order of ``permutation`` (default $0, 1, \dots$), are cut into $k$ consecutive folds;
    the first $n \bmod k$ folds hold $\lfloor n/k \rfloor + 1$ indices, the others $\lfloor n/k \rfloor$. Fold $j$ is
    the test set of split $j$ and the other folds its training set; both are returned sorted, as
    ``sklearn.model_selection.KFold`` returns them (its ``shuffle=True, random_state=s`` corresponds to
    ``permutation = np.random.RandomState(s).permutation(n)``).
    """
    if not 2 <= n_splits <= n_samples:
        raise ValueError(f"n_splits must be between 2 and n_samples = {n_samples}, got {n_splits}")
    perm = _permutation(n_samples, permutation)
    sizes = np.full(n_splits, n_samples // n_splits)
    sizes[: n_samples % n_splits] += 1
    out, start = [], 0
    for size in sizes:
        test = np.sort(perm[start:start + size])
        mask = np.ones(n_samples, dtype=bool)
        mask[test] = False
        out.append((np.nonzero(mask)[0], test))
        start += size
    return out


# -- regression ------------------------------------------------------------------------------------
def polynomial_features(x, degree: int) -> np.ndarray:
    r"""The design matrix of a polynomial of degree $d$ in one variable: $\Phi_{ik} = x_i^k$, $k = 0, \dots, d$.

    ``x`` has shape (n,); returns shape (n, d + 1), the first column all ones (the intercept), as
    ``sklearn.preprocessing.PolynomialFeatures(degree)`` returns for a single feature.
    """
    if int(degree) != degree or degree < 0:
        raise ValueError(f"degree must be a non-negative integer, got {degree}")
    x = as_array(x, "x", ndim=1)
    return x[:, None] ** np.arange(int(degree) + 1)


def least_squares(Phi, y) -> np.ndarray:
    r"""The minimum-norm least-squares solution $w = \Phi^{+} y$ of $\min_w \lVert y - \Phi w \rVert_2^2$.

    ``Phi`` has shape (n, p), ``y`` shape (n,). When $p \le n$ and $\Phi$ has full rank this is the ordinary
    least-squares solution $(\Phi^\top \Phi)^{-1} \Phi^\top y$; when $p > n$ many $w$ fit the data exactly
    and $\Phi^{+}$ (the pseudo-inverse) picks the one of smallest norm $\lVert w \rVert_2$.
    """
    Phi = as_array(Phi, "Phi", ndim=2)
    y = as_array(y, "y", shape=(Phi.shape[0],))
    return np.linalg.pinv(Phi) @ y


def ridge(X, y, lam: float, fit_intercept: bool = True) -> tuple[np.ndarray, float]:
    r"""Ridge regression in closed form: $\min_{w, b} \lVert y - Xw - b\mathbf 1 \rVert_2^2 + \lambda \lVert w \rVert_2^2$.

    ``X`` has shape (n, d), one example per row; ``y`` shape (n,). The intercept $b$ is not penalised:
    centring gives $w = (X_c^\top X_c + \lambda I)^{-1} X_c^\top y_c$ with $X_c = X - \bar x^\top$,
    $y_c = y - \bar y$, and $b = \bar y - \bar x^\top w$. This is what ``sklearn.linear_model.Ridge(alpha=lam)``
    minimises. With ``fit_intercept=False``, $b = 0$ and nothing is centred. Returns ``(w, b)``.
    """
    X = as_array(X, "X", ndim=2)
    y = as_array(y, "y", shape=(X.shape[0],))
    if lam < 0:
        raise ValueError(f"lam must be non-negative, got {lam}")
    x_mean = X.mean(axis=0) if fit_intercept else np.zeros(X.shape[1])
    y_mean = y.mean() if fit_intercept else 0.0
    Xc, yc = X - x_mean, y - y_mean
    w = np.linalg.solve(Xc.T @ Xc + lam * np.eye(X.shape[1]), Xc.T @ yc)
    return w, float(y_mean - x_mean @ w)


def dropout(x, p: float, rng: np.random.Generator, training: bool = True) -> np.ndarray:
    r"""Inverted dropout: $y = x \odot m / (1 - p)$ with $m_i \sim \text{Bernoulli}(1 - p)$ independently.

    Each entry is zeroed with probability $p$ and the survivors are scaled by $1/(1-p)$, so that
    $\mathbb E[y] = x$. In evaluation mode (``training=False``) dropout is the identity, as
    ``torch.nn.Dropout`` is after ``.eval()``.
    """
    if not 0 <= p < 1:
        raise ValueError(f"p must be in [0, 1), got {p}")
    x = as_array(x, "x")
    if not training or p == 0:
        return x.copy()
    keep = rng.random(x.shape) >= p
    return x * keep / (1 - p)


# -- bias and variance by resampling ---------------------------------------------------------------
def default_truth(x: np.ndarray) -> np.ndarray:
    r"""The true regression function of chapter 5's experiments, $f(x) = \sin(3x + 1)$ on $[-1, 1]$."""
    return np.sin(3 * np.asarray(x, dtype=float) + 1)


@dataclass(frozen=True)
class BiasVariance:
    """What :func:`bias_variance` measured. Errors are averaged over the test inputs ``x_test``."""

    degree: int
    x_test: np.ndarray        # (n_test,) the test inputs, an even grid on [-1, 1]
    f_test: np.ndarray        # (n_test,) the true function there
    fits: np.ndarray          # (n_sets, n_test) each refitted model on the test inputs
    mean_fit: np.ndarray      # (n_test,) the average model
    x_train: np.ndarray       # (n_sets, n_train) the inputs of each training set
    y_train: np.ndarray       # (n_sets, n_train) the targets of each training set
    bias2: float              # Monte Carlo, unbiased: mean over x of (mean_fit - f)^2, minus variance / n_sets
    variance: float           # Monte Carlo, unbiased: mean over x of the variance of the fits (ddof=1)
    noise: float              # sigma^2, the irreducible error
    test_error: float         # measured: mean of (f + fresh noise - fit)^2 over sets and test inputs
    test_error_se: float      # its Monte Carlo standard error (the training sets are independent)
    train_error: float        # mean over sets of each model's mean squared error on its own training set
    # Exact, where every training set has the same inputs (``inputs="grid"``); None otherwise.
    mean_fit_exact: np.ndarray | None = None   # (n_test,) the average model S f(x_train), without Monte Carlo
    bias2_exact: float | None = None           # mean over x of (S f(x_train) - f)^2
    variance_exact: float | None = None        # sigma^2 times the mean over x of the squared row norms of S

    @property
    def total(self) -> float:
        """bias^2 + variance + noise from the Monte Carlo estimates: the same as the mean squared distance of the fits
        to f plus the noise, for any number of training sets."""
        return self.bias2 + self.variance + self.noise

    @property
    def total_exact(self) -> float | None:
        """bias^2 + variance + noise from the exact parts, the expectation that ``test_error`` estimates."""
        return None if self.bias2_exact is None else self.bias2_exact + self.variance_exact + self.noise


def bias_variance(
    degree: int,
    n_train: int = 15,
    noise_sd: float = 0.3,
    n_sets: int = 200,
    lam: float = 0.0,
    inputs: str = "grid",
    n_test: int = 200,
    seed: int = 0,
    truth: Callable[[np.ndarray], np.ndarray] = default_truth,
) -> BiasVariance:
    r"""Measure bias, variance and test error of polynomial regression by refitting on many training sets.

    Each of ``n_sets`` training sets holds $n$ points $y_i = f(x_i) + \varepsilon_i$, $\varepsilon_i \sim
    N(0, \sigma^2)$, with fresh noise every time; the inputs are an even grid on $[-1, 1]$ (``inputs="grid"``)
    or one uniform draw in each of $n$ equal cells of $[-1, 1]$ (``"stratified"``). A polynomial of degree $d$
    is fitted to each by least squares (ridge with penalty ``lam`` on the non-constant coefficients when
    ``lam > 0``). With $\bar f(x)$ the average fit, the function returns
    $\text{bias}^2 = \operatorname{mean}_x (\bar f(x) - f(x))^2$, $\text{variance} = \operatorname{mean}_x
    \operatorname{Var}_D \hat f_D(x)$, $\sigma^2$, and the test error measured directly with fresh test noise,
    $\operatorname{mean}_{D, x} (f(x) + \varepsilon - \hat f_D(x))^2$, which equals their sum in expectation.

    The Monte Carlo estimates are unbiased. With $N$ = ``n_sets`` fits, the plain average of the fits carries a
    variance $v / N$ of its own, which the plain $\hat b^2 = \operatorname{mean}_x (\bar f - f)^2$ adds to the bias$^2$;
    ``bias2`` is $\hat b^2 - \hat v / (N - 1)$ and ``variance`` is $\hat v N / (N - 1)$, with $\hat v$ the plain
    (ddof=0) variance. Their sum is $\hat b^2 + \hat v$, the mean squared distance of the fits to $f$, exactly.

    With the same inputs in every set, least squares (and ridge) is linear in the targets: every fit is
    $S y$ for one matrix $S$ (n_test, n_train). Then the average model is $S f(x_{\text{train}})$ and the variance at
    $x$ is $\sigma^2 \lVert S_x \rVert^2$, exactly: ``bias2_exact`` and ``variance_exact``.
    """
    if int(degree) != degree or degree < 0:
        raise ValueError(f"degree must be a non-negative integer, got {degree}")
    if n_train < 2 or n_sets < 2:
        raise ValueError(f"need n_train >= 2 and n_sets >= 2, got n_train={n_train}, n_sets={n_sets}")
    if inputs not in ("grid", "stratified"):
        raise ValueError(f"inputs must be 'grid' or 'stratified', got {inputs!r}")
    degree = int(degree)
    rng = np.random.default_rng(seed)
    x_test = np.linspace(-1, 1, n_test)
    f_test = truth(x_test)
    if inputs == "grid":
        x_train = np.broadcast_to(np.linspace(-1, 1, n_train), (n_sets, n_train)).copy()
    else:
        edges = np.linspace(-1, 1, n_train + 1)
        x_train = edges[:-1] + (edges[1] - edges[0]) * rng.uniform(size=(n_sets, n_train))
    y_train = truth(x_train) + noise_sd * rng.normal(size=(n_sets, n_train))

    powers = np.arange(degree + 1)
    Phi = x_train[..., None] ** powers                       # (n_sets, n_train, degree + 1)
    penalty = lam * np.diag((powers > 0).astype(float))      # the constant term is not penalised
    coef_map = None                                          # (degree + 1, n_train): coefficients = coef_map @ y
    if inputs == "grid":                                     # one design matrix for every set: one map for all
        design = Phi[0]
        coef_map = (np.linalg.solve(design.T @ design + penalty, design.T) if lam > 0
                    else np.linalg.pinv(design))
        W = (coef_map @ y_train.T).T
    elif lam > 0:
        W = np.linalg.solve(np.swapaxes(Phi, 1, 2) @ Phi + penalty, np.swapaxes(Phi, 1, 2) @ y_train[..., None])
        W = W[..., 0]
    else:
        W = (np.linalg.pinv(Phi) @ y_train[..., None])[..., 0]
    # W: (n_sets, degree + 1), one row of coefficients per training set
    fits = W @ (x_test[:, None] ** powers).T                 # (n_sets, n_test)
    train_pred = np.einsum("rnk,rk->rn", Phi, W)

    mean_fit = fits.mean(axis=0)
    y_test = f_test + noise_sd * rng.normal(size=fits.shape)  # fresh test noise for every model
    per_set = np.mean((y_test - fits) ** 2, axis=1)
    plain_bias2, plain_variance = np.mean((mean_fit - f_test) ** 2), np.mean(fits.var(axis=0))
    exact: dict[str, Any] = {}
    if coef_map is not None:                                 # one design: every fit is S y
        S = (x_test[:, None] ** powers) @ coef_map           # (n_test, n_train)
        exact["mean_fit_exact"] = S @ truth(x_train[0])
        exact["bias2_exact"] = float(np.mean((exact["mean_fit_exact"] - f_test) ** 2))
        exact["variance_exact"] = float(noise_sd ** 2 * np.mean(np.sum(S ** 2, axis=1)))
    return BiasVariance(
        degree=degree, x_test=x_test, f_test=f_test, fits=fits, mean_fit=mean_fit,
        x_train=x_train, y_train=y_train,
        bias2=float(plain_bias2 - plain_variance / (n_sets - 1)),
        variance=float(plain_variance * n_sets / (n_sets - 1)),
        noise=float(noise_sd ** 2),
        test_error=float(per_set.mean()),
        test_error_se=float(per_set.std(ddof=1) / np.sqrt(n_sets)),
        train_error=float(np.mean((train_pred - y_train) ** 2)),
        **exact,
    )


# -- random features ---------------------------------------------------------------------------------
def random_fourier_features(n_inputs: int, n_features: int, rng: np.random.Generator, scale: float = 1.0):
    r"""A random feature map $\phi(x) = \sqrt{2/p}\, \cos(A^\top x + c)$ with $p$ = ``n_features`` features.

    $A \in \mathbb R^{d \times p}$ has entries $N(0, \text{scale}^2 / d)$ and $c$ is uniform on $[0, 2\pi)$, both drawn
    once from ``rng``, for inputs of $d$ = ``n_inputs`` numbers. Returns the function ``phi`` that maps inputs
    of shape (n, d) to features (n, p), so that training and test inputs go through the same features. A linear
    model on $\phi(x)$ is a two-layer network whose first layer is random and frozen.
    """
    d = int(n_inputs)
    if d < 1 or n_features < 1:
        raise ValueError(f"n_inputs and n_features must be at least 1, got {n_inputs} and {n_features}")
    A = rng.normal(scale=scale / np.sqrt(d), size=(d, n_features))
    c = rng.uniform(0, 2 * np.pi, size=n_features)

    def phi(Z) -> np.ndarray:
        Z = as_array(Z, "inputs", shape=(None, d))
        return np.sqrt(2 / n_features) * np.cos(Z @ A + c)

    return phi
