"""The exercise checks of chapter 02: the intended answer passes, typical wrong answers get specific help,
and nothing raises, not even the reader's own broken code."""

import math

import numpy as np
import pytest
import torch

from dlmath import calculus
from dlmath.calculus import exercises as ex

SEEDS = [0, 1, 7, 2024]


@pytest.mark.parametrize("seed", SEEDS)
def test_references_agree_with_autograd(seed):
    """Each reference solution, for the book's inputs and three variants, against torch.autograd."""
    d = ex.CENTRAL_DIFFERENCE.inputs(seed)
    x = torch.tensor(d["x0"], dtype=torch.float64, requires_grad=True)
    (torch.sin(x) * torch.exp(x / 2)).backward()
    assert ex.CENTRAL_DIFFERENCE.expected(seed)["slope"] == pytest.approx(x.grad.item(), rel=1e-12)

    a, c, d2 = ex.STEEPEST.inputs(seed)["coef"]
    p = torch.tensor(ex.STEEPEST.inputs(seed)["p"], requires_grad=True)
    (a * p[0] ** 2 + c * p[0] * p[1] + d2 * p[1] ** 2).backward()
    np.testing.assert_allclose(ex.STEEPEST.expected(seed)["u"], -(p.grad / p.grad.norm()).numpy(), rtol=1e-12)

    v = ex.CHAIN_RULE.inputs(seed)
    w = torch.tensor(v["w"], dtype=torch.float64, requires_grad=True)
    ((torch.tanh(w * v["x"] + v["b"]) - v["y"]) ** 2).backward()
    assert ex.CHAIN_RULE.expected(seed)["dL_dw"] == pytest.approx(w.grad.item(), rel=1e-12)

    graph = ex.VALUE_EXP.reference(seed)
    for _, (kind, x0) in ex.VALUE_EXP.cases(seed) + ex.VALUE_EXP.cases(seed, hidden=True):
        x = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
        {"exp(x)": lambda: torch.exp(x), "3 exp(x)": lambda: 3 * torch.exp(x),
         "exp(x) exp(x)": lambda: torch.exp(x) * torch.exp(x)}[kind]().backward()
        assert graph(kind, x0) == pytest.approx(x.grad.item(), rel=1e-12)

    b = ex.DENSE_BACKWARD.inputs(seed)
    W = torch.tensor(b["W"], requires_grad=True)
    bias = torch.zeros(3, dtype=torch.float64, requires_grad=True)
    (W @ torch.from_numpy(b["X"]) + bias[:, None]).backward(torch.from_numpy(b["dZ"]))
    want = ex.DENSE_BACKWARD.expected(seed)
    np.testing.assert_allclose(want["dW"], W.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(want["db"], bias.grad.numpy(), rtol=1e-12)

    chain = ex.CHAIN_PRODUCT.inputs(seed)
    a0 = torch.tensor(chain["a0"], dtype=torch.float64, requires_grad=True)
    unit = a0
    for w_l, b_l in zip(chain["w"], chain["b"]):
        unit = torch.sigmoid(w_l * unit + b_l)
    unit.backward()
    assert ex.CHAIN_PRODUCT.expected(seed)["grad"] == pytest.approx(a0.grad.item(), rel=1e-12)


# -- a minimal Value class, the shape of the chapter's engine, to test check_value_exp ---------------
class Value:
    def __init__(self, data, children=()):
        self.data, self.grad, self._children, self._backward = float(data), 0.0, children, lambda: None

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other))

        def _backward():
            self.grad += out.grad
            other.grad += out.grad
        out._backward = _backward
        return out

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other))

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad
        out._backward = _backward
        return out

    def backward(self):
        order, seen = [], set()

        def visit(v):
            if v not in seen:
                seen.add(v)
                for c in v._children:
                    visit(c)
                order.append(v)
        visit(self)
        self.grad = 1.0
        for v in reversed(order):
            v._backward()


def engine_with(backward_line):
    """A subclass of Value whose exp uses ``backward_line(self, out)`` in its _backward."""
    class V(Value):
        pass

    def exp(self):
        out = V(math.exp(self.data), (self,))

        def _backward():
            backward_line(self, out)
        out._backward = _backward
        return out

    V.exp = exp
    return V


def _accumulate(self, out):
    self.grad += out.data * out.grad


def _assign(self, out):
    self.grad = out.data * out.grad


def _local_is_x(self, out):
    self.grad += self.data * out.grad


def _no_local(self, out):
    self.grad += out.grad


def _no_upstream(self, out):
    self.grad += out.data


def _nothing(self, out):
    ...


def _raises(self, out):
    self.grad += out.value * out.grad


# -- 1. central difference ---------------------------------------------------------------------------
def test_central_difference():
    f, x0, h = ex.fd_inputs()
    assert ex.check_central_difference((f(x0 + h) - f(x0 - h)) / (2 * h))
    x_t = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
    (torch.sin(x_t) * torch.exp(x_t / 2)).backward()
    assert ex.check_central_difference(x_t.grad.item())                        # the exact value passes too
    assert "forward difference" in ex.check_central_difference((f(x0 + h) - f(x0)) / h).message
    assert "divide by 2h" in ex.check_central_difference((f(x0 + h) - f(x0 - h)) / h).message
    assert "parentheses" in ex.check_central_difference(f(x0 + h) - f(x0 - h) / (2 * h)).message
    assert not ex.check_central_difference(...).answered


# -- 2. best step ------------------------------------------------------------------------------------
def test_best_step_is_the_measured_best_in_float32():
    xs = np.linspace(0.5, 1.5, 201).astype(np.float32)
    errors = {}
    for key, h in {"a": 1e-1, "b": 1e-2, "c": 3e-4, "d": 1e-7}.items():
        h = np.float32(h)
        quotient = (np.sin(xs + h) - np.sin(xs - h)) / (np.float32(2) * h)
        errors[key] = np.mean(np.abs(quotient.astype(float) - np.cos(xs.astype(float))))
    best = min(errors, key=errors.get)
    assert ex.check_best_step(best) and ex.check_best_step(" B ")
    assert "forward" in ex.check_best_step("c").message
    assert not ex.check_best_step("a") and not ex.check_best_step("d")
    assert "one of the options" in ex.check_best_step("e").message


# -- 3. steepest descent -----------------------------------------------------------------------------
def test_steepest_descent():
    f, p = ex.steepest_inputs()
    p_t = torch.tensor(p, requires_grad=True)
    f(p_t[0], p_t[1]).backward()
    g = p_t.grad.numpy()
    assert ex.check_steepest_descent(-g / np.linalg.norm(g))
    assert "ascent" in ex.check_steepest_descent(g / np.linalg.norm(g)).message
    assert "unit vector" in ex.check_steepest_descent(-g).message
    assert not ex.check_steepest_descent(np.zeros(3))


# -- 4. chain rule -----------------------------------------------------------------------------------
def test_chain_rule():
    v = ex.chain_rule_inputs()
    assert ex.check_chain_rule(-1.592)  # the review's case: the solution prints dL/dw to 4 significant figures
    w = torch.tensor(v["w"], dtype=torch.float64, requires_grad=True)
    ((torch.tanh(w * v["x"] + v["b"]) - v["y"]) ** 2).backward()
    assert ex.check_chain_rule(w.grad.item())
    a = math.tanh(v["w"] * v["x"] + v["b"])
    assert "dz/dw = x" in ex.check_chain_rule(2 * (a - v["y"]) * (1 - a ** 2)).message
    assert "factor 2" in ex.check_chain_rule((a - v["y"]) * (1 - a ** 2) * v["x"]).message
    assert "local derivative of tanh" in ex.check_chain_rule(2 * (a - v["y"]) * v["x"]).message
    z = v["w"] * v["x"] + v["b"]
    assert "not 1 - z^2" in ex.check_chain_rule(2 * (a - v["y"]) * (1 - z ** 2) * v["x"]).message
    assert "sign" in ex.check_chain_rule(-w.grad.item()).message


# -- 5. a new Value operation --------------------------------------------------------------------------
def test_value_exp_right_answer_passes():
    assert ex.check_value_exp(engine_with(_accumulate))


@pytest.mark.parametrize("line,expected", [
    (_assign, "+="),
    (_local_is_x, "e^x itself"),
    (_no_local, "passed out.grad through unchanged"),
    (_no_upstream, "factor out.grad"),
    (_raises, "raised AttributeError"),
])
def test_value_exp_known_mistakes_are_named(line, expected):
    fb = ex.check_value_exp(engine_with(line))
    assert not fb.ok and fb.answered and expected in fb.message


def test_value_exp_unanswered_and_missing_method():
    fb = ex.check_value_exp(engine_with(_nothing))
    assert not fb.ok and not fb.answered and "stays 0" in fb.message
    assert "no method exp" in ex.check_value_exp(Value).message
    assert not ex.check_value_exp(...).answered


def test_value_exp_wrong_forward_value():
    class V(Value):
        def exp(self):
            out = V(math.exp(self.data) + 1, (self,))

            def _backward():
                self.grad += out.data * out.grad
            out._backward = _backward
            return out

    assert not ex.check_value_exp(V)


# -- 6. dense backward -------------------------------------------------------------------------------
def test_dense_backward():
    W, X, dZ = ex.backward_inputs()
    assert (W.shape, X.shape, dZ.shape) == ((3, 4), (4, 5), (3, 5))
    dW, db, _ = calculus.dense_backward(W, X, dZ)
    assert ex.check_dense_backward(dW, db)
    assert ex.check_dense_backward(dW, db[:, None])                          # a column is accepted
    assert ex.check_dense_backward(torch.from_numpy(dW), torch.from_numpy(db))
    assert "transposed" in ex.check_dense_backward(dW.T, db).message
    assert "gradient with respect to X" in ex.check_dense_backward(W.T @ dZ, db).message
    assert "axis=1" in ex.check_dense_backward(dW, dZ.sum(axis=0)).message
    assert "averaged" in ex.check_dense_backward(dW, dZ.mean(axis=1)).message
    fb = ex.check_dense_backward(dW, ...)
    assert not fb.ok and not fb.answered


# -- 7. chain product --------------------------------------------------------------------------------
def test_chain_product():
    w, b, a0 = ex.chain_inputs()
    a0_t = torch.tensor(a0, dtype=torch.float64, requires_grad=True)
    a_t = a0_t
    for w_l, b_l in zip(w, b):
        a_t = torch.sigmoid(w_l * a_t + b_l)
    a_t.backward()
    assert ex.check_chain_product(a0_t.grad.item())
    assert "bound" in ex.check_chain_product(0.25 ** 10).message
    assert not ex.check_chain_product(2 * a0_t.grad.item())
    assert not ex.check_chain_product(...).answered


def test_chain_product_named_mistakes():
    w, b, a = ex.chain_inputs()
    s = []
    for w_l, b_l in zip(w, b):
        a = float(calculus.sigmoid(w_l * a + b_l))
        s.append(a)
    s = np.array(s)
    assert "multiplies them" in ex.check_chain_product(np.sum(w * s * (1 - s))).message
    assert "left out the weights" in ex.check_chain_product(np.prod(s * (1 - s))).message
    assert "instead of its derivative" in ex.check_chain_product(np.prod(w * s)).message
