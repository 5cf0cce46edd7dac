"""The exercise checks of each chapter: the intended answer passes, typical wrong answers get specific help."""

import math

import numpy as np

from dlmath.linear_algebra import exercises as ex


def test_dense():
    W, X, b = ex.dense_inputs()
    assert ex.check_dense(W @ X + b[:, None])
    assert "forgot to add the bias" in ex.check_dense(W @ X).message
    assert "transposed" in ex.check_dense((W @ X + b[:, None]).T).message
    assert not ex.check_dense(...).answered


def test_batch_rows():
    X_rows, W, b = ex.batch_inputs()
    assert X_rows.shape == (8, 4)
    assert ex.check_batch_rows(X_rows @ W.T + b)
    assert "column layout" in ex.check_batch_rows((X_rows @ W.T + b).T).message


def test_cosine():
    assert ex.check_cosine(lambda u, v: u @ v / (np.linalg.norm(u) * np.linalg.norm(v)))
    assert "divide by the lengths" in ex.check_cosine(lambda u, v: u @ v).message
    assert "raised" in ex.check_cosine(lambda u, v: u.nope).message


def test_mlp_flops():
    assert ex.check_mlp_flops(lambda N, d_in, h, d_out: 2 * N * (d_in * h + h * d_out))
    assert "two FLOPs" in ex.check_mlp_flops(lambda N, d_in, h, d_out: N * (d_in * h + h * d_out)).message


def test_ellipse_area():
    assert ex.check_ellipse_area(7 * math.pi)
    assert "cannot be negative" in ex.check_ellipse_area(-7 * math.pi).message
    assert "multiply by the area of the unit disc" in ex.check_ellipse_area(7.0).message


def test_broadcast():
    assert ex.check_broadcast("b")
    assert not ex.check_broadcast("a") and not ex.check_broadcast("c")


# -- exercise checks of chapter 01: a function that still returns the placeholder ----------------------
def test_function_exercises_report_placeholder_as_unanswered():
    def cosine(u, v):
        return ...

    def mlp_flops(N, d_in, h, d_out):
        return ...

    for fb in (ex.check_cosine(cosine), ex.check_mlp_flops(mlp_flops)):
        assert not fb.ok and not fb.answered
        assert str(fb).startswith("Not answered yet")


def test_function_exercises_report_missing_return():
    def cosine(u, v):
        u @ v / (np.linalg.norm(u) * np.linalg.norm(v))  # no return

    fb = ex.check_cosine(cosine)
    assert not fb.ok and fb.answered
    assert "forget the `return`" in fb.message


def test_function_exercises_accept_right_answers_and_report_errors():
    assert ex.check_cosine(lambda u, v: u @ v / (np.linalg.norm(u) * np.linalg.norm(v)))
    assert ex.check_mlp_flops(lambda N, d_in, h, d_out: 2 * N * (d_in * h + h * d_out))
    fb = ex.check_cosine(lambda u, v: u @ w)  # noqa: F821, a NameError inside the reader's function
    assert not fb.ok and "NameError" in fb.message


def test_introduction_mlp_params():
    from dlmath.introduction import exercises as intro

    def right(sizes):
        return sum(m * n + n for m, n in zip(sizes[:-1], sizes[1:]))

    assert intro.check_mlp_params(right)
    assert "weights only" in intro.check_mlp_params(lambda s: sum(m * n for m, n in zip(s[:-1], s[1:]))).message
    assert "raised" in intro.check_mlp_params(lambda s: s[5]).message
    assert not intro.check_mlp_params(...).answered


def test_introduction_gd_step():
    from dlmath.introduction import exercises as intro

    theta, grad, lr = intro.gd_inputs()
    assert intro.check_gd_step(theta - lr * grad)
    assert "uphill" in intro.check_gd_step(theta + lr * grad).message
    assert "scaled by the learning rate" in intro.check_gd_step(theta - grad).message
