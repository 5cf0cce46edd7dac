"""Exercises of chapter 04 (optimisation), each one specification (:class:`dlmath.exercise.Exercise`).

The notebook reads each exercise's inputs with ``*_inputs()`` (the book's own, or a student's variant) and
checks an answer with ``check_*``; the graded tests (``EXERCISE.test``) apply the same rule.
"""

from __future__ import annotations

import numpy as np

from ..exercise import Array, Choice, Exercise, Function, Mistake, Number, Precision, Text, Tuple

__all__ = [
    "EXERCISES",
    "GD_STEP", "gd_inputs", "check_gd_step",
    "MAX_LR", "max_lr_inputs", "check_max_lr",
    "MOMENTUM", "check_momentum",
    "ADAM_MOMENTS", "adam_inputs", "check_adam_moments",
    "NOISE", "noise_inputs", "check_noise_variance",
    "ZERO_GRAD", "loop_inputs", "train_linear", "check_zero_grad",
    "SCHEDULE", "check_schedule",
    "ADAM_UPDATE", "check_adam_update",
    "MOMENTUM_CLIFF", "cliff_inputs", "check_momentum_cliff",
]


# 1. One step of gradient descent by hand ------------------------------------------------------------
def _gd_draw(rng: np.random.Generator) -> dict:
    a, d = float(rng.integers(2, 6)), float(rng.integers(1, 5))
    c = float(rng.choice([-1.0, 1.0]))
    return {"A": np.array([[a, c], [c, d]]), "b": rng.integers(-4, 5, size=2) / 2, "W": rng.integers(-3, 4, size=2) * 1.0,
            "lr": float(rng.choice([0.05, 0.1, 0.2]))}


def _grad(A, b, W):
    return A @ W + b


GD_STEP = Exercise(
    name="opt_gd_step", points=1, title="Take one step of gradient descent",
    answers=(Array("W_new", shape=(2,), precision=Precision(decimals=4)),),
    book={"A": np.array([[3.0, 1.0], [1.0, 2.0]]), "b": np.array([-1.0, 0.5]), "W": np.array([1.0, -2.0]), "lr": 0.1},
    draw=_gd_draw,
    solve=lambda A, b, W, lr: {"W_new": W - lr * _grad(A, b, W)},
    mistakes=(
        Mistake("you stepped uphill: W + lr * grad climbs the loss; gradient descent subtracts the gradient.",
                lambda A, b, W, lr: {"W_new": W + lr * _grad(A, b, W)}),
        Mistake("you subtracted the whole gradient: scale it by the learning rate lr first.",
                lambda A, b, W, lr: {"W_new": W - _grad(A, b, W)}),
        Mistake("you forgot b in the gradient: the gradient of b^T W is b, so grad L = A W + b.",
                lambda A, b, W, lr: {"W_new": W - lr * (A @ W)}),
        Mistake("the 1/2 in front of W^T A W cancels the 2 of the derivative: grad L = A W + b, not A W / 2 + b.",
                lambda A, b, W, lr: {"W_new": W - lr * (0.5 * A @ W + b)}),
        Mistake("that is the gradient itself, not the new parameters W - lr * grad.",
                lambda A, b, W, lr: {"W_new": _grad(A, b, W)}),
    ),
)


def gd_inputs() -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    r"""The loss $L(W) = \tfrac12 W^\top A W + b^\top W$: ``A`` (2, 2) symmetric, ``b`` (2,), the point ``W`` (2,),
    and the learning rate ``lr`` (the book's, or your variant's)."""
    inputs = GD_STEP.inputs()
    return inputs["A"], inputs["b"], inputs["W"], inputs["lr"]


def check_gd_step(W_new):
    """Check one gradient-descent step $W - \\mathrm{lr}(AW + b)$ for :func:`gd_inputs`, to 4 decimals."""
    return GD_STEP.check(W_new)


# 2. The largest stable learning rate ----------------------------------------------------------------
def _max_lr_draw(rng: np.random.Generator) -> dict:
    diagonal = rng.integers(2, 7, size=3).astype(float)
    off = rng.choice([0.5, 1.0, 1.5], size=2)
    A = np.diag(diagonal) + np.diag(off, 1) + np.diag(off, -1)
    return {"A": A}


def _lam(A: np.ndarray) -> np.ndarray:
    return np.linalg.eigvalsh(A)


MAX_LR = Exercise(
    name="opt_max_lr", points=2, title="Find the largest stable learning rate",
    answers=(Number("lr_max", Precision(decimals=4)),),
    book={"A": np.array([[4.0, 1.0, 0.0], [1.0, 3.0, 1.0], [0.0, 1.0, 2.0]])},
    draw=_max_lr_draw,
    solve=lambda A: {"lr_max": 2.0 / _lam(A).max()},
    mistakes=(
        Mistake("that is 1 / lambda_max, the rate that removes the steepest direction in one step; the steps may "
                "overshoot and still shrink, up to 2 / lambda_max.", lambda A: {"lr_max": 1.0 / _lam(A).max()}),
        Mistake("that uses the smallest eigenvalue; the steepest direction (the largest eigenvalue) diverges first.",
                lambda A: {"lr_max": 2.0 / _lam(A).min()}),
        Mistake("that uses the largest diagonal entry; the diagonal holds the curvatures along the axes, but the "
                "steepest direction is an eigenvector: use the largest eigenvalue.",
                lambda A: {"lr_max": 2.0 / A.diagonal().max()}),
        Mistake("that uses the trace, the sum of the eigenvalues; only the largest one matters.",
                lambda A: {"lr_max": 2.0 / np.trace(A)}),
    ),
)


def max_lr_inputs() -> np.ndarray:
    """The symmetric, positive definite 3 x 3 matrix ``A`` of exercise 2 (the book's, or your variant's)."""
    return MAX_LR.inputs()["A"]


def check_max_lr(lr_max):
    """Check the largest stable learning rate of gradient descent on :func:`max_lr_inputs`, ``2 / lambda_max``."""
    return MAX_LR.check(lr_max)


# 3. Write momentum ----------------------------------------------------------------------------------
def _momentum_case(shape: tuple, zero_velocity: bool):
    def draw(rng: np.random.Generator) -> tuple:
        W, g = rng.normal(size=shape).round(2), rng.normal(size=shape).round(2)
        v = np.zeros(shape) if zero_velocity else rng.normal(size=shape).round(2)
        # learning rates that are never 1 - mu, so that lr inside the velocity is not dampening in disguise
        return W, v, g, float(rng.choice([0.01, 0.03, 0.05])), float(rng.choice([0.5, 0.8, 0.9]))
    return draw


def _momentum(W, v, g, lr, mu):
    v_new = mu * v + g
    return W - lr * v_new, v_new


MOMENTUM = Exercise(
    name="opt_momentum", points=3, title="Write one step of momentum",
    answers=(Function("momentum_step", families={
        "the first step (zero velocity)": _momentum_case((2,), True),
        "a velocity that is not zero": _momentum_case((2,), False),
        "matrix parameters": _momentum_case((3, 2), False),
    }, returns=Tuple("momentum_step", (Array("W_new"), Array("v_new"))), per_family=1),),
    solve=lambda W, v, g, lr, mu: {"momentum_step": _momentum(W, v, g, lr, mu)},
    mistakes=(
        Mistake("v_new = mu * v + (1 - mu) * g is momentum with dampening mu (PyTorch applies it from the second step "
                "on); torch.optim.SGD's default (dampening 0) "
                "adds the whole gradient: v_new = mu * v + g.",
                lambda W, v, g, lr, mu: (W - lr * (mu * v + (1 - mu) * g), mu * v + (1 - mu) * g)),
        Mistake("v_new = mu * v - lr * g is the other convention, with lr inside the velocity; use PyTorch's: "
                "v_new = mu * v + g, then W_new = W - lr * v_new.",
                lambda W, v, g, lr, mu: (W + mu * v - lr * g, mu * v - lr * g)),
        Mistake("you moved W with the old velocity v; update v first, then step with the new one.",
                lambda W, v, g, lr, mu: (W - lr * v, mu * v + g)),
        Mistake("you moved W with the gradient alone: step with the velocity, W - lr * v_new.",
                lambda W, v, g, lr, mu: (W - lr * g, mu * v + g)),
        Mistake("you stepped uphill: W_new = W - lr * v_new.",
                lambda W, v, g, lr, mu: (W + lr * (mu * v + g), mu * v + g)),
    ),
)


def check_momentum(momentum_step):
    """Check ``momentum_step(W, v, g, lr, mu) -> (W_new, v_new)`` in PyTorch's convention (dampening 0), on a first
    step, a step with a velocity, and matrix parameters."""
    return MOMENTUM.check(momentum_step)


# 4. Adam's moments and their bias correction ---------------------------------------------------------
def _adam(g: np.ndarray, beta1: float, beta2: float, order=None) -> np.ndarray:
    m = 0.0
    for g_t in (g if order is None else g[order]):
        m = beta1 * m + (1 - beta1) * g_t
    return np.array([m, m / (1 - beta1 ** len(g))])


ADAM_MOMENTS = Exercise(
    name="opt_adam_moments", points=2, title="Compute Adam's first moment and its correction",
    answers=(Array("moments", shape=(2,), precision=Precision(figures=4)),),
    # Not a palindrome: (1, 2, 3, 2, 1), the first edition's, let gradients fed in reverse order pass as right.
    book={"g": np.array([3.0, 1.0, 4.0, 1.0, 5.0]), "beta1": 0.9, "beta2": 0.999},
    draw=lambda rng: {"g": rng.integers(1, 7, size=5).astype(float), "beta1": float(rng.choice([0.8, 0.9])),
                      "beta2": 0.999},
    solve=lambda g, beta1, beta2: {"moments": _adam(g, beta1, beta2)},
    mistakes=(
        Mistake("you swapped the two numbers: first m_5, then m_hat_5 = m_5 / (1 - beta1^5).",
                lambda g, beta1, beta2: {"moments": _adam(g, beta1, beta2)[::-1]}),
        Mistake("the second number divides by 1 - beta1^4; at step t = 5 the correction is 1 - beta1^5.",
                lambda g, beta1, beta2: {"moments": np.array([_adam(g, beta1, beta2)[0],
                                                              _adam(g, beta1, beta2)[0] / (1 - beta1 ** 4)])}),
        Mistake("the second number is not corrected: m_hat_5 = m_5 / (1 - beta1^5).",
                lambda g, beta1, beta2: {"moments": np.array([_adam(g, beta1, beta2)[0]] * 2)}),
        Mistake("that is the plain mean of the gradients; Adam's m weights recent gradients more, and m_hat is that "
                "weighted mean.", lambda g, beta1, beta2: {"moments": np.array([g.mean(), g.mean()])}),
        Mistake("you fed the gradients in reverse order: the first one Adam sees is g[0], so the last, g[4], gets the "
                "largest weight, 1 - beta1.", lambda g, beta1, beta2: {"moments": _adam(g, beta1, beta2, order=slice(None, None, -1))}),
    ),
)


def adam_inputs() -> tuple[np.ndarray, float, float]:
    """Five gradients of one parameter, ``g`` (5,), in the order Adam sees them, and ``beta1``, ``beta2``."""
    inputs = ADAM_MOMENTS.inputs()
    return inputs["g"], inputs["beta1"], inputs["beta2"]


def check_adam_moments(moments):
    """Check ``[m_5, m_hat_5]``: Adam's first moment after the five gradients, before and after bias correction, to
    4 significant figures."""
    return ADAM_MOMENTS.check(moments)


# 5. Gradient noise and the batch size ----------------------------------------------------------------
NOISE = Exercise(
    name="opt_noise", points=2, title="Predict the noise of a larger batch",
    answers=(Number("variance", Precision(figures=4)),),
    book={"variance_at": 0.5, "batch": 8, "new_batch": 128},
    draw=lambda rng: {"variance_at": float(rng.choice([0.2, 0.5, 0.8, 1.2])), "batch": int(rng.choice([4, 8, 16])),
                      "new_batch": int(rng.choice([64, 128, 256, 512]))},
    solve=lambda variance_at, batch, new_batch: {"variance": variance_at * batch / new_batch},
    mistakes=(
        Mistake("that scales like the standard deviation, 1 / sqrt(B); the variance scales like 1 / B.",
                lambda variance_at, batch, new_batch: {"variance": variance_at * np.sqrt(batch / new_batch)}),
        Mistake("the variance falls as the batch grows: it is proportional to 1 / B, not to B.",
                lambda variance_at, batch, new_batch: {"variance": variance_at * new_batch / batch}),
        Mistake("that is the variance of one example's gradient (B = 1); divide it by the new batch size as well.",
                lambda variance_at, batch, new_batch: {"variance": variance_at * batch}),
    ),
)


def noise_inputs() -> dict:
    """``variance_at``: the measured variance at batch size ``batch``; ``new_batch``: the batch size asked about."""
    return NOISE.inputs()


def check_noise_variance(variance):
    """Check the variance of the mini-batch gradient at the new batch size: ``variance_at * batch / new_batch``."""
    return NOISE.check(variance)


# 6. Debug a training loop ---------------------------------------------------------------------------
def _loop_draw(rng: np.random.Generator) -> dict:
    X = rng.normal(size=(64, 3))
    w = rng.uniform(-2, 2, size=(3, 1)).round(1)
    return {"X": X, "y": X @ w + rng.uniform(-1, 1) + 0.1 * rng.normal(size=(64, 1))}


def _loop_book() -> dict:
    rng = np.random.default_rng(46)
    X = rng.normal(size=(64, 3))
    return {"X": X, "y": X @ np.array([[1.5], [-2.0], [0.5]]) + 0.1 * rng.normal(size=(64, 1))}


def loop_inputs():
    """A regression data set as float64 tensors: ``X`` (64, 3) and ``y`` (64, 1) (the book's, or your variant's)."""
    import torch

    inputs = ZERO_GRAD.inputs()
    return torch.from_numpy(inputs["X"]), torch.from_numpy(inputs["y"])


def train_linear(zero_grad: str = "before backward", steps: int = 50, lr: float = 0.05, X=None, y=None) -> np.ndarray:
    """The weights of ``nn.Linear(3, 1)`` (started at zero) after ``steps`` SGD steps on the MSE of ``X``, ``y``
    (default: :func:`loop_inputs`).

    ``zero_grad`` says where the loop clears the gradients: ``"before backward"`` (right), ``"never"`` (the
    bug of the exercise) or ``"after backward"`` (a second bug: the step then sees a zero gradient).
    """
    import torch

    if X is None:
        X, y = loop_inputs()
    X, y = torch.as_tensor(X, dtype=torch.float64), torch.as_tensor(y, dtype=torch.float64)
    model = torch.nn.Linear(3, 1, dtype=torch.float64)
    torch.nn.init.zeros_(model.weight)
    torch.nn.init.zeros_(model.bias)
    sgd = torch.optim.SGD(model.parameters(), lr=lr)
    for _ in range(steps):
        if zero_grad == "before backward":
            sgd.zero_grad()
        loss = torch.nn.functional.mse_loss(model(X), y)
        loss.backward()
        if zero_grad == "after backward":
            sgd.zero_grad()
        sgd.step()
    return model.weight.detach().numpy().copy()


ZERO_GRAD = Exercise(
    name="opt_zero_grad", points=2, title="Debug a training loop",
    answers=(Array("W_fixed", shape=(1, 3), precision=Precision(rel=1e-6, abs=1e-9)),),
    book=_loop_book(),
    draw=_loop_draw,
    solve=lambda X, y: {"W_fixed": train_linear("before backward", X=X, y=y)},
    mistakes=(
        Mistake("these are the weights of the loop as given, with its bug: without zero_grad(), backward() adds each "
                "new gradient to the old ones, so every step uses the sum of all gradients so far. Fix the loop and "
                "run the cell again.", lambda X, y: {"W_fixed": train_linear("never", X=X, y=y)}, answered=False),
        Mistake("the weights never moved: zero_grad() between backward() and step() erases the gradient before the "
                "step uses it. Clear the gradients before backward().",
                lambda X, y: {"W_fixed": train_linear("after backward", X=X, y=y)}),
    ),
)


def check_zero_grad(W_fixed):
    """Check the weights, shape (1, 3), of the fixed training loop of exercise 6. The weights of the loop as given,
    with its bug, count as "not answered yet": the reader has still to fix it."""
    return ZERO_GRAD.check(W_fixed)


# 7. Choose a schedule -------------------------------------------------------------------------------
SCHEDULE = Exercise(
    name="opt_schedule", points=1, title="Choose a schedule",
    answers=(Choice("answer", explanations={
        "a": "No: a larger constant learning rate makes the bouncing worse. With a constant lr, mini-batch noise "
             "keeps the parameters moving in a region whose size grows with lr.",
        "b": "Yes: the loss fell fast, so the early learning rate is good; the bouncing is the gradient noise "
             "times lr. Decaying lr (step decay or cosine) shrinks the steps late in training, and the loss "
             "settles lower.",
        "c": "No: warmup changes the first steps only. The loss already falls well early on; the trouble is at "
             "the end.",
        "d": "No: a smaller batch makes each gradient noisier (variance proportional to 1 / B), so the bouncing grows.",
    }), Text("why")),
    solve=lambda: {"answer": "b", "why": 'With a constant learning rate every step moves the parameters by lr times a noisy mini-batch gradient, so they keep bouncing around the minimum.'},
)


def check_schedule(answer, why=None):
    """Multiple choice: which schedule fixes a loss that falls fast and then stalls, bouncing, above its best value?"""
    return SCHEDULE.check(answer, why)


# 8. Write Adam, and match torch.optim.Adam ------------------------------------------------------------
def _adam_case(first: bool, eps_choices: tuple, shape: tuple = (3,)):
    def draw(rng: np.random.Generator) -> tuple:
        W, g = rng.normal(size=shape).round(3), rng.normal(size=shape).round(3)
        if first:
            m, v, t = np.zeros(shape), np.zeros(shape), 1
        else:
            m, v, t = rng.normal(scale=0.5, size=shape).round(3), rng.uniform(0.1, 1.0, size=shape).round(3), int(rng.integers(2, 30))
        beta1, beta2 = float(rng.choice([0.8, 0.9])), float(rng.choice([0.99, 0.999]))
        return W, m, v, g, t, float(rng.choice([0.01, 0.1])), beta1, beta2, float(rng.choice(eps_choices))
    return draw


def _torch_adam(W, m, v, g, t, lr, beta1, beta2, eps):
    """One step of torch.optim.Adam from the state (m, v) after t - 1 steps: the reference, independent of the
    chapter's formula."""
    import torch

    p = torch.tensor(W, dtype=torch.float64, requires_grad=True)
    adam = torch.optim.Adam([p], lr=lr, betas=(beta1, beta2), eps=eps)
    if t > 1:
        adam.state[p] = {"step": torch.tensor(float(t - 1)), "exp_avg": torch.tensor(m, dtype=torch.float64),
                         "exp_avg_sq": torch.tensor(v, dtype=torch.float64)}
    p.grad = torch.tensor(g, dtype=torch.float64)
    adam.step()
    state = adam.state[p]
    return p.detach().numpy().copy(), state["exp_avg"].numpy().copy(), state["exp_avg_sq"].numpy().copy()


def _adam_variant(W, m, v, g, t, lr, beta1, beta2, eps, correct=True, eps_inside=False, weight=True, old_m=False,
                  t_hat=None):
    m_new = beta1 * m + ((1 - beta1) if weight else 1.0) * g
    v_new = beta2 * v + (1 - beta2) * g ** 2
    t_hat = t if t_hat is None else t_hat
    m_step = m if old_m else m_new
    m_hat = m_step / (1 - beta1 ** t_hat) if correct else m_step
    v_hat = v_new / (1 - beta2 ** t_hat) if correct else v_new
    denominator = np.sqrt(v_hat + eps) if eps_inside else np.sqrt(v_hat) + eps
    return W - lr * m_hat / denominator, m_new, v_new


ADAM_UPDATE = Exercise(
    name="opt_adam_update", points=3, title="Write Adam, and match torch.optim.Adam",
    answers=(Function("adam_update", families={
        "the first step (t = 1, zero moments)": _adam_case(True, (1e-8,)),
        "a later step": _adam_case(False, (1e-8,)),
        "a large eps": _adam_case(False, (0.1, 0.5)),
    }, returns=Tuple("adam_update", (Array("W_new"), Array("m_new"), Array("v_new"))), per_family=2),),
    solve=lambda W, m, v, g, t, lr, beta1, beta2, eps: {"adam_update": _torch_adam(W, m, v, g, t, lr, beta1, beta2, eps)},
    mistakes=(
        Mistake("you left out the bias correction: divide m_new by 1 - beta1^t and v_new by 1 - beta2^t before the "
                "step. Without it the first steps are too large.",
                lambda *a: _adam_variant(*a, correct=False)),
        Mistake("eps goes outside the square root in PyTorch: m_hat / (sqrt(v_hat) + eps), not sqrt(v_hat + eps). "
                "The two differ when eps is not tiny.",
                lambda *a: _adam_variant(*a, eps_inside=True)),
        Mistake("the new gradient enters m with the weight 1 - beta1: m_new = beta1 * m + (1 - beta1) * g.",
                lambda *a: _adam_variant(*a, weight=False)),
        Mistake("you stepped with the old first moment m; update m and v first, then step with the new ones.",
                lambda *a: _adam_variant(*a, old_m=True)),
        Mistake("the bias correction at step t divides by 1 - beta^t, with t the number of this step (1 for the "
                "first), not t + 1.",
                lambda W, m, v, g, t, lr, beta1, beta2, eps: _adam_variant(W, m, v, g, t, lr, beta1, beta2, eps,
                                                                           t_hat=t + 1)),
    ),
)


def check_adam_update(adam_update):
    """Check ``adam_update(W, m, v, g, t, lr, beta1, beta2, eps) -> (W_new, m_new, v_new)``, one step of Adam at
    step ``t`` (1 for the first), against ``torch.optim.Adam`` started from the same state."""
    return ADAM_UPDATE.check(adam_update)


# 9. Derive momentum's cliff --------------------------------------------------------------------------
def _cliff_draw(rng: np.random.Generator) -> dict:
    lam = np.sort(rng.choice([1.0, 2.0, 4.0, 5.0, 8.0, 10.0, 20.0], size=2, replace=False))
    angle = float(rng.choice([0.0, np.pi / 6, np.pi / 4, np.pi / 3]))
    R = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    return {"A": (R @ np.diag(lam) @ R.T).round(12), "mu": float(rng.choice([0.5, 0.8, 0.9, 0.95]))}


def _lam_max(A):
    return float(np.linalg.eigvalsh(A).max())


MOMENTUM_CLIFF = Exercise(
    name="opt_momentum_cliff", points=2, title="Derive momentum's cliff, then confirm it",
    answers=(Number("lr_cliff", Precision(figures=4)),),
    book={"A": np.array([[6.0, 2.0], [2.0, 3.0]]), "mu": 0.9},
    draw=_cliff_draw,
    solve=lambda A, mu: {"lr_cliff": 2 * (1 + mu) / _lam_max(A)},
    mistakes=(
        Mistake("that is the cliff of plain gradient descent, 2 / lambda_max; momentum's lies further out, at "
                "2 (1 + mu) / lambda_max.", lambda A, mu: {"lr_cliff": 2 / _lam_max(A)}),
        Mistake("that uses the smallest eigenvalue; the steepest direction, with lambda_max, leaves the unit circle "
                "first.", lambda A, mu: {"lr_cliff": 2 * (1 + mu) / float(np.linalg.eigvalsh(A).min())}),
        Mistake("momentum multiplies a steady gradient by 1 / (1 - mu), but the cliff is where a root of "
                "r^2 - (1 + mu - lr lambda) r + mu reaches r = -1: lr lambda = 2 (1 + mu), not 2 (1 - mu).",
                lambda A, mu: {"lr_cliff": 2 * (1 - mu) / _lam_max(A)}),
        Mistake("at r = -1 the characteristic polynomial is 1 + (1 + mu - lr lambda) + mu = 0, so lr lambda = "
                "2 (1 + mu): you dropped the factor 2.", lambda A, mu: {"lr_cliff": (1 + mu) / _lam_max(A)}),
    ),
)


def cliff_inputs() -> tuple[np.ndarray, float]:
    """The symmetric, positive definite Hessian ``A`` (2, 2) of a quadratic bowl and the momentum coefficient ``mu``
    of exercise 9 (the book's, or your variant's)."""
    inputs = MOMENTUM_CLIFF.inputs()
    return inputs["A"], inputs["mu"]


def check_momentum_cliff(lr_cliff):
    """Check the largest stable learning rate of heavy-ball momentum on :func:`cliff_inputs`, to 4 significant
    figures."""
    return MOMENTUM_CLIFF.check(lr_cliff)


EXERCISES = (GD_STEP, MAX_LR, MOMENTUM, ADAM_MOMENTS, NOISE, ZERO_GRAD, SCHEDULE, ADAM_UPDATE, MOMENTUM_CLIFF)
