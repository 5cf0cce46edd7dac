"""Exercises of chapter 02 (calculus), each one specification (:class:`dlmath.exercise.Exercise`).

The notebook reads each exercise's inputs with ``*_inputs()`` (the book's own, or a student's variant) and
checks an answer with ``check_*``; the graded tests (``EXERCISE.test``) apply the same rule. No check raises on a
wrong answer, not even when the reader's own code raises.
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np

from ..exercise import Array, Choice, Exercise, Function, Mistake, Number, Precision, Tuple
from . import reference as calculus

__all__ = [
    "EXERCISES",
    "CENTRAL_DIFFERENCE", "fd_inputs", "fd_function", "check_central_difference",
    "BEST_STEP", "check_best_step",
    "STEEPEST", "steepest_inputs", "check_steepest_descent",
    "CHAIN_RULE", "chain_rule_inputs", "check_chain_rule",
    "VALUE_EXP", "value_exp_graphs", "check_value_exp",
    "DENSE_BACKWARD", "backward_inputs", "check_dense_backward",
    "CHAIN_PRODUCT", "chain_inputs", "check_chain_product",
    "VJP", "vjp_inputs", "check_vjp",
    "ROWS_BACKWARD", "check_rows_backward",
]


# 1. Compute a derivative by central differences ---------------------------------------------------
def fd_function(x):
    r"""The function of exercise 1, $f(x) = \sin(x)\, e^{x/2}$ (works on numbers and arrays)."""
    return np.sin(x) * np.exp(x / 2)


def _fd_exact(x0: float, h: float) -> dict:
    return {"slope": float(np.exp(x0 / 2) * (np.cos(x0) + np.sin(x0) / 2))}


def _fd(fn):
    return lambda x0, h: {"slope": float(fn(fd_function, x0, h))}


CENTRAL_DIFFERENCE = Exercise(
    name="calc_central_difference", points=2, title="Compute a derivative by central differences",
    answers=(Number("slope", Precision(figures=8)),),
    book={"x0": 1.2, "h": 1e-5},
    draw=lambda rng: {"x0": round(float(rng.uniform(0.3, 2.5)), 1), "h": 1e-5},
    solve=_fd_exact,
    mistakes=(
        Mistake("that is the forward difference (f(x0 + h) - f(x0)) / h, whose error is of order h: evaluate f on both "
                "sides, at x0 + h and x0 - h.", _fd(lambda f, x0, h: (f(x0 + h) - f(x0)) / h)),
        Mistake("that is the backward difference (f(x0) - f(x0 - h)) / h: the central difference uses x0 + h and "
                "x0 - h.", _fd(lambda f, x0, h: (f(x0) - f(x0 - h)) / h)),
        Mistake("twice the derivative: the two points x0 - h and x0 + h are 2h apart, so divide by 2h.",
                _fd(lambda f, x0, h: (f(x0 + h) - f(x0 - h)) / h)),
        Mistake("check the parentheses: only f(x0 - h) was divided by 2h. Write (f(x0 + h) - f(x0 - h)) / (2 * h).",
                _fd(lambda f, x0, h: f(x0 + h) - f(x0 - h) / (2 * h))),
    ),
)


def fd_inputs() -> tuple[Callable, float, float]:
    """The function ``f``, the point ``x0`` and the step ``h = 1e-5`` (the book's, or your variant's)."""
    inputs = CENTRAL_DIFFERENCE.inputs()
    return fd_function, inputs["x0"], inputs["h"]


def check_central_difference(slope):
    """Check the central difference of :func:`fd_function` at ``x0`` against the exact derivative, to 8
    significant figures (which the forward difference cannot reach with this step)."""
    return CENTRAL_DIFFERENCE.check(slope)


# 2. Choose the best step in float32 ---------------------------------------------------------------
BEST_STEP = Exercise(
    name="calc_best_step", points=1, title="Choose the step in float32",
    answers=(Choice("answer", explanations={
        "a": "No: with h = 1e-1 the truncation error h^2 |f'''| / 6 is about 1e-3, a hundred times the best "
             "achievable.",
        "b": "Yes: the central difference balances h^2 |f'''| / 6 against eps |f| / h at h of the order of "
             "eps^(1/3), about 5e-3 to 1e-2 in float32. At h = 1e-2 both errors are about 1e-5.",
        "c": "No: 3e-4 is about sqrt(eps), the best step of the *forward* difference. For the central difference "
             "it makes the truncation error tiny (about 1e-8), but the rounding error, up to eps |f| / h or about "
             "3e-4, swamps that gain.",
        "d": "No: with h = 1e-7, about eps itself, x + h and x - h are only one or two float32 numbers apart and "
             "the quotient is mostly rounding noise: errors of about 0.1.",
    }),),
    solve=lambda: {"answer": "b"},
)


def check_best_step(answer):
    """Multiple choice: the best step for a central difference of sin near 1 in float32 (epsilon about 1.2e-7)."""
    return BEST_STEP.check(answer)


# 3. Compute the direction of steepest descent -----------------------------------------------------
def _quadratic_gradient(coef: np.ndarray, p: np.ndarray) -> np.ndarray:
    a, c, d = coef
    x, y = p
    return np.array([2 * a * x + c * y, c * x + 2 * d * y])


def _steepest_draw(rng: np.random.Generator) -> dict:
    return {"coef": rng.integers(1, 4, size=3).astype(float), "p": rng.integers(-4, 5, size=2) / 2 + np.array([0.5, 0.0])}


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v)


STEEPEST = Exercise(
    name="calc_steepest_descent", points=2, title="Find the direction of steepest descent",
    answers=(Array("u", shape=(2,), precision=Precision(decimals=4)),),
    book={"coef": np.array([1.0, 1.0, 2.0]), "p": np.array([1.0, 0.5])},
    draw=_steepest_draw,
    solve=lambda coef, p: {"u": -_unit(_quadratic_gradient(coef, p))},
    mistakes=(
        Mistake("this is the direction of steepest *ascent*, the gradient's own direction: descent goes the opposite "
                "way.", lambda coef, p: {"u": _unit(_quadratic_gradient(coef, p))}),
        Mistake("right direction, but u must be a unit vector: divide -grad f by its length.",
                lambda coef, p: {"u": -_quadratic_gradient(coef, p)}),
        Mistake("this is the gradient itself: descent goes against it, and u must have length 1.",
                lambda coef, p: {"u": _quadratic_gradient(coef, p)}),
    ),
)


def steepest_inputs() -> tuple[Callable, np.ndarray]:
    r"""The function $f(x, y) = a x^2 + c xy + d y^2$ (taking ``x, y``; in the book $x^2 + xy + 2y^2$) and the
    point ``p`` (in the book $(1, 0.5)$)."""
    inputs = STEEPEST.inputs()
    a, c, d = inputs["coef"]
    return (lambda x, y: a * x ** 2 + c * x * y + d * y ** 2), inputs["p"]


def check_steepest_descent(u):
    """Check the unit vector of steepest descent of :func:`steepest_inputs` at its point, to 4 decimals."""
    return STEEPEST.check(u)


# 4. Derive a gradient with the chain rule ---------------------------------------------------------
def _chain_parts(w, x, b, y):
    z = w * x + b
    a = math.tanh(z)
    return z, a, 2 * (a - y), 1 - a ** 2, x


def _chain_mistake(rule):
    return lambda w, x, b, y: {"dL_dw": rule(*_chain_parts(w, x, b, y))}


CHAIN_RULE = Exercise(
    name="calc_chain_rule", points=2, title="Derive a gradient with the chain rule",
    answers=(Number("dL_dw", Precision(figures=4)),),
    book={"w": 0.4, "x": 1.5, "b": -0.2, "y": 1.0},
    draw=lambda rng: {"w": round(float(rng.uniform(-1, 1)), 1), "x": round(float(rng.uniform(0.5, 2.0)), 1),
                      "b": round(float(rng.uniform(-0.5, 0.5)), 1), "y": float(rng.choice([-1.0, 0.5, 1.0]))},
    solve=_chain_mistake(lambda z, a, dL_da, da_dz, dz_dw: dL_da * da_dz * dz_dw),
    mistakes=(
        Mistake("you left out dz/dw = x, the last link of the chain: z = w x + b changes by x when w grows by 1.",
                _chain_mistake(lambda z, a, dL_da, da_dz, dz_dw: dL_da * da_dz)),
        Mistake("you left out the factor 2 of the square: d(d^2)/dd = 2d.",
                _chain_mistake(lambda z, a, dL_da, da_dz, dz_dw: dL_da / 2 * da_dz * dz_dw)),
        Mistake("you left out the local derivative of tanh, 1 - tanh(z)^2.",
                _chain_mistake(lambda z, a, dL_da, da_dz, dz_dw: dL_da * dz_dw)),
        Mistake("tanh'(z) is 1 - tanh(z)^2, not 1 - z^2: square the node's output a = tanh(z).",
                _chain_mistake(lambda z, a, dL_da, da_dz, dz_dw: dL_da * (1 - z ** 2) * dz_dw)),
        Mistake("the sign is wrong: L grows when a moves away from y; dL/da = 2(a - y).",
                _chain_mistake(lambda z, a, dL_da, da_dz, dz_dw: -dL_da * da_dz * dz_dw)),
    ),
)


def chain_rule_inputs() -> dict:
    """The numbers ``w``, ``x``, ``b``, ``y`` of exercise 4 (the book's, or your variant's)."""
    return CHAIN_RULE.inputs()


def check_chain_rule(dL_dw):
    """Check dL/dw for L = (tanh(w x + b) - y)^2 at :func:`chain_rule_inputs`, to 4 significant figures."""
    return CHAIN_RULE.check(dL_dw)


# 5. Write the backward of a new operation of Value -------------------------------------------------
#: The three graphs: L = exp(x); L = 3 exp(x) (the chain rule's factor out.grad); L = exp(x) exp(x) (x feeds two
#: nodes, so its gradient accumulates).
_GRAPHS = ("exp(x)", "3 exp(x)", "exp(x) exp(x)")


def _engine_grad(graph: str, x: float, rule: str = "right") -> float:
    """dL/dx of a graph for an exp node whose backward line follows ``rule`` (the right one, or a slip)."""
    def local(out_data, out_grad):
        return {"right": out_data * out_grad, "x": x * out_grad, "unchanged": out_grad, "no out.grad": out_data,
                "nothing": 0.0}[rule if rule != "assigned" else "right"]
    e = math.exp(x)
    if graph == "exp(x)":
        return local(e, 1.0)
    if graph == "3 exp(x)":
        return local(e, 3.0)
    if rule == "assigned":      # the second exp node overwrites the first node's contribution
        return local(e, e)
    return local(e, e) + local(e, e)


def value_exp_graphs(Value):
    """The reader's ``Value`` class as a function ``(graph, x) -> dL/dx`` on the three graphs of exercise 5, which
    is what the check and the graded tests compare. ``...`` stays ``...`` (not answered yet)."""
    if Value is Ellipsis or Value is None:
        return Value

    def grad(graph: str, x: float) -> float:
        if not callable(getattr(Value, "exp", None)):
            raise AttributeError("Value has no method exp yet: define exp(self) and attach it with Value.exp = exp")
        node = Value(x)
        if graph == "exp(x)":
            loss = node.exp()
        elif graph == "3 exp(x)":
            loss = node.exp() * 3.0
        else:
            loss = node.exp() * node.exp()
        loss.backward()
        return node.grad

    return grad


VALUE_EXP = Exercise(
    name="calc_value_exp", points=3, title="Teach the engine a new operation",
    answers=(Function("Value.exp", families={
        graph: (lambda rng, _g=graph: (_g, round(float(rng.uniform(-1.5, 1.5)), 2))) for graph in _GRAPHS
    }, returns=Number("dL/dx", Precision(rel=1e-6)), per_family=1),),
    solve=lambda graph, x: {"Value.exp": _engine_grad(graph, x)},
    mistakes=(
        Mistake("x.grad stays 0: your _backward does not add anything to self.grad yet. Replace the `...` with that "
                "line.", lambda graph, x: _engine_grad(graph, x, "nothing"), answered=False),
        Mistake("your dL/dx equals x times the gradient from above: the local derivative of e^x is e^x itself, which "
                "the node stores as out.data.", lambda graph, x: _engine_grad(graph, x, "x")),
        Mistake("you passed out.grad through unchanged. Multiply it by the local derivative e^x (out.data).",
                lambda graph, x: _engine_grad(graph, x, "unchanged")),
        Mistake("you forgot the factor out.grad: the chain rule multiplies the local derivative by the gradient "
                "arriving from above (for L = 3 exp(x) that is 3).", lambda graph, x: _engine_grad(graph, x, "no out.grad")),
        Mistake("x feeds two exp nodes, and the second overwrote the first: add with +=, do not assign with =.",
                lambda graph, x: _engine_grad(graph, x, "assigned")),
    ),
)


def check_value_exp(Value):
    r"""Check ``Value.exp``, the reader's new operation $e^x$ of the chapter's autodiff engine, on three graphs: $e^x$
    (the local derivative), $3e^x$ (the factor ``out.grad`` of the chain rule) and $e^x e^x$ (accumulation ``+=``
    when a node feeds two others)."""
    return VALUE_EXP.check(value_exp_graphs(Value))


# 6. Debug the backward pass of a dense layer ------------------------------------------------------
def _backward_draw(rng: np.random.Generator) -> dict:
    return {"W": rng.normal(size=(3, 4)).round(2), "X": rng.normal(size=(4, 5)).round(2), "dZ": rng.normal(size=(3, 5)).round(2)}


DENSE_BACKWARD = Exercise(
    name="calc_dense_backward", points=3, title="Debug the backward pass of a dense layer",
    answers=(Array("dW"), Array("db", squeeze=True)),
    book=_backward_draw(np.random.default_rng(20)),
    draw=_backward_draw,
    solve=lambda W, X, dZ: {"dW": dZ @ X.T, "db": dZ.sum(axis=1)},
    mistakes=(
        Mistake("this is dW transposed, shape (4, 3): a gradient has the shape of its parameter, here W's (3, 4). "
                "Compute dZ @ X.T.", lambda W, X, dZ: {"dW": X @ dZ.T}),
        Mistake("this is W^T dZ, the gradient with respect to X, not W.", lambda W, X, dZ: {"dW": W.T @ dZ}),
        Mistake("you averaged over the batch; dZ already holds the loss's 1/N, so the batch is summed: dZ @ X.T.",
                lambda W, X, dZ: {"dW": dZ @ X.T / X.shape[1]}),
        Mistake("you summed over the outputs (axis 0) and got one number per example, shape (5,); b has one entry per "
                "output, so sum over the examples: dZ.sum(axis=1).", lambda W, X, dZ: {"db": dZ.sum(axis=0)}),
        Mistake("db: you averaged over the batch; sum instead: every example adds b, so every example's dZ adds to db.",
                lambda W, X, dZ: {"db": dZ.mean(axis=1)}),
        Mistake("you summed every entry of dZ into one number; db needs one entry per output: dZ.sum(axis=1).",
                lambda W, X, dZ: {"db": np.array(dZ.sum())}),
    ),
)


def backward_inputs() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``W`` (3, 4), a batch ``X`` (4, 5) with one column per example, and ``dZ = dL/dZ`` (3, 5)."""
    inputs = DENSE_BACKWARD.inputs()
    return inputs["W"], inputs["X"], inputs["dZ"]


def check_dense_backward(dW, db):
    """Check ``dW = dZ X^T`` (3, 4) and ``db``, the sum of ``dZ`` over the batch (3,; a column is fine too)."""
    return DENSE_BACKWARD.check(dW, db)


# 7. Explain vanishing gradients with numbers ------------------------------------------------------
def _chain_forward(w, b, a0, with_bias=True):
    a, factors, z = a0, [], []
    for w_l, b_l in zip(w, b):
        z.append(w_l * a + (b_l if with_bias else 0.0))
        a = float(calculus.sigmoid(z[-1]))
        factors.append((w_l, a))
    return np.array(z), factors


def _chain_grad(w, b, a0, part="right") -> dict:
    z, factors = _chain_forward(w, b, a0, with_bias=(part != "no bias"))
    s = np.array([a for _, a in factors])
    local = {"right": w * s * (1 - s), "no bias": w * s * (1 - s), "no weights": s * (1 - s), "sigma": w * s}[
        part if part in ("right", "no bias", "no weights", "sigma") else "right"]
    if part == "sum":
        return {"grad": float(np.sum(local))}
    if part == "bound":
        return {"grad": 0.25 ** len(w)}
    return {"grad": float(np.prod(local))}


def _chain_book() -> dict:
    rng = np.random.default_rng(7)
    return {"w": rng.uniform(0.5, 2.0, size=10).round(2), "b": rng.normal(0.0, 1.0, size=10).round(2), "a0": 0.8}


CHAIN_PRODUCT = Exercise(
    name="calc_chain_product", points=2, title="Measure a vanishing gradient",
    answers=(Number("grad", Precision(figures=4)),),
    book=_chain_book(),
    draw=lambda rng: {"w": rng.uniform(0.5, 2.0, size=10).round(2), "b": rng.normal(0.0, 1.0, size=10).round(2),
                      "a0": round(float(rng.uniform(0.2, 1.0)), 1)},
    solve=_chain_grad,
    mistakes=(
        Mistake("you added the local factors; the chain rule multiplies them.", lambda w, b, a0: _chain_grad(w, b, a0, "sum")),
        Mistake("you left out the weights: layer l multiplies the gradient by w_l sigma'(z_l), not only sigma'(z_l).",
                lambda w, b, a0: _chain_grad(w, b, a0, "no weights")),
        Mistake("you multiplied sigma(z_l) instead of its derivative sigma(z_l) (1 - sigma(z_l)).",
                lambda w, b, a0: _chain_grad(w, b, a0, "sigma")),
        Mistake("that is (1/4)^10, the bound for weights of size at most 1; here each factor is w_l sigma'(z_l): compute "
                "the actual product from the forward pass.", lambda w, b, a0: _chain_grad(w, b, a0, "bound")),
        Mistake("you left out the biases when you computed z_l = w_l a_(l-1) + b_l.",
                lambda w, b, a0: _chain_grad(w, b, a0, "no bias")),
    ),
)


def chain_inputs() -> tuple[np.ndarray, np.ndarray, float]:
    """The weights ``w`` (10,), biases ``b`` (10,) and input ``a0`` of a chain of 10 sigmoid units."""
    inputs = CHAIN_PRODUCT.inputs()
    return inputs["w"], inputs["b"], inputs["a0"]


def check_chain_product(grad):
    r"""Check $\partial a_{10} / \partial a_0 = \prod_l w_l\, \sigma'(z_l)$ for :func:`chain_inputs`, to 4
    significant figures."""
    return CHAIN_PRODUCT.check(grad)


# 8. A vector-Jacobian product by hand --------------------------------------------------------------
def _vjp_draw(rng: np.random.Generator) -> dict:
    return {"W": rng.integers(-3, 4, size=(3, 4)) / 4, "x": rng.integers(-4, 5, size=4) / 4,
            "u": rng.integers(-3, 4, size=3) / 2}


def _torch_vjp(W: np.ndarray, x: np.ndarray, u: np.ndarray) -> np.ndarray:
    """u^T J of f(x) = tanh(W x) by torch.autograd.grad: the reference, independent of the formula."""
    import torch

    xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    (g,) = torch.autograd.grad(torch.tanh(torch.tensor(W, dtype=torch.float64) @ xt), xt,
                               grad_outputs=torch.tensor(u, dtype=torch.float64))
    return g.numpy().copy()


VJP = Exercise(
    name="calc_vjp", points=2, title="Compute a vector-Jacobian product",
    answers=(Array("vjp_row", shape=(4,), precision=Precision(decimals=4)),),
    book={"W": np.array([[0.5, -0.25, 0.75, 0.0], [-0.5, 0.25, 0.0, 1.0], [0.25, 0.5, -0.75, 0.5]]),
          "x": np.array([1.0, -0.5, 0.25, 0.75]), "u": np.array([1.0, -0.5, 1.5])},
    draw=_vjp_draw,
    solve=lambda W, x, u: {"vjp_row": _torch_vjp(W, x, u)},
    mistakes=(
        Mistake("that is W^T u: the tanh's derivative is missing. Each output i first scales u_i by "
                "tanh'(z_i) = 1 - tanh(z_i)^2, at z = W x.", lambda W, x, u: {"vjp_row": W.T @ u}),
        Mistake("tanh'(z) is 1 - tanh(z)^2, not 1 - z^2.", lambda W, x, u: {"vjp_row": W.T @ (u * (1 - (W @ x) ** 2))}),
        Mistake("you multiplied u by tanh(z), not by its derivative 1 - tanh(z)^2.",
                lambda W, x, u: {"vjp_row": W.T @ (u * np.tanh(W @ x))}),
        Mistake("the derivative is taken at z = W x, the input of the tanh; you took it at x itself.",
                lambda W, x, u: {"vjp_row": (W.T @ u) * (1 - np.tanh(x) ** 2)}),
    ),
)


def vjp_inputs() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``W`` (3, 4), the point ``x`` (4,) and the vector ``u`` (3,) of exercise 8 (the book's, or your variant's)."""
    inputs = VJP.inputs()
    return inputs["W"], inputs["x"], inputs["u"]


def check_vjp(vjp_row):
    r"""Check $u^\top J$, shape (4,), of $f(x) = \tanh(Wx)$ at :func:`vjp_inputs`, to 4 decimals."""
    return VJP.check(vjp_row)


# 9. Derive the backward pass of PyTorch's row layout ---------------------------------------------------
def _rows_case(N: int, n: int, m: int):
    def draw(rng: np.random.Generator) -> tuple:
        return rng.normal(size=(N, n)).round(3), rng.normal(size=(m, n)).round(3), rng.normal(size=(N, m)).round(3)
    return draw


def _torch_rows_backward(X: np.ndarray, W: np.ndarray, dZ: np.ndarray) -> tuple:
    """(dX, dW, db) of Z = X W^T + b by autograd through torch.nn.functional.linear: the reference."""
    import torch

    Xt = torch.tensor(X, dtype=torch.float64, requires_grad=True)
    Wt = torch.tensor(W, dtype=torch.float64, requires_grad=True)
    bt = torch.zeros(W.shape[0], dtype=torch.float64, requires_grad=True)
    torch.nn.functional.linear(Xt, Wt, bt).backward(torch.tensor(dZ, dtype=torch.float64))
    return Xt.grad.numpy().copy(), Wt.grad.numpy().copy(), bt.grad.numpy().copy()


ROWS_BACKWARD = Exercise(
    name="calc_rows_backward", points=3, title="Derive the backward pass of PyTorch's row layout",
    answers=(Function("rows_backward", families={
        "a batch of examples": _rows_case(5, 4, 3),
        "a single example": _rows_case(1, 3, 2),
        "more outputs than inputs": _rows_case(4, 2, 6),
    }, returns=Tuple("rows_backward", (Array("dX"), Array("dW"), Array("db"))), per_family=1),),
    solve=lambda X, W, dZ: {"rows_backward": _torch_rows_backward(X, W, dZ)},
    mistakes=(
        Mistake("db is a sum over the batch, dZ.sum(axis=0): every example adds its own share. You took the mean.",
                lambda X, W, dZ: (dZ @ W, dZ.T @ X, dZ.mean(axis=0))),
        Mistake("dW must have the shape of W, (m, n): dW = dZ^T X. You have X^T dZ, its transpose.",
                lambda X, W, dZ: (dZ @ W, X.T @ dZ, dZ.sum(axis=0))),
        Mistake("you divided dW by the batch size; the 1/N of a mean loss is already inside dZ.",
                lambda X, W, dZ: (dZ @ W, dZ.T @ X / len(X), dZ.sum(axis=0))),
        Mistake("db sums over the examples (axis 0, one number per output), not over the outputs.",
                lambda X, W, dZ: (dZ @ W, dZ.T @ X, dZ.sum(axis=1))),
    ),
)


def check_rows_backward(rows_backward):
    """Check ``rows_backward(X, W, dZ) -> (dX, dW, db)`` for ``Z = X W^T + b`` with ``X`` (N, n), ``W`` (m, n),
    against autograd through ``torch.nn.functional.linear``."""
    return ROWS_BACKWARD.check(rows_backward)


EXERCISES = (CENTRAL_DIFFERENCE, BEST_STEP, STEEPEST, CHAIN_RULE, VALUE_EXP, DENSE_BACKWARD, CHAIN_PRODUCT, VJP,
             ROWS_BACKWARD)
