"""Tests of the helpers added for chapter 01: what they draw and compute, not only that they run."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402

from dlmath.plotting import PALETTE, plot_layer_graph  # noqa: E402


@pytest.fixture
def ax():
    fig, ax = plt.subplots()
    yield ax
    plt.close(fig)


W = np.array([[0.5, -2.0, 1.0, 0.0],
              [-1.0, 0.25, 2.0, -0.5],
              [1.5, 0.0, -0.75, 1.0]])


def test_layer_graph_draws_one_edge_per_weight(ax):
    drawn = plot_layer_graph(W, ax=ax)
    assert len(drawn["edges"]) == W.size
    assert len(ax.lines) == W.size
    assert drawn["inputs"][0].get_offsets().shape == (4, 2)
    assert drawn["outputs"][0].get_offsets().shape == (3, 2)


def test_layer_graph_edge_joins_input_j_to_output_i(ax):
    drawn = plot_layer_graph(W, ax=ax)
    inputs = drawn["inputs"][0].get_offsets()
    outputs = drawn["outputs"][0].get_offsets()
    m, n = W.shape
    for i in range(m):
        for j in range(n):
            xs, ys = drawn["edges"][i * n + j].get_data()
            assert (xs[0], ys[0]) == tuple(inputs[j])
            assert (xs[1], ys[1]) == tuple(outputs[i])
    # the first node of each column is on top
    assert inputs[0, 1] > inputs[-1, 1] and outputs[0, 1] > outputs[-1, 1]


def test_layer_graph_width_follows_magnitude_and_colour_follows_sign(ax):
    drawn = plot_layer_graph(W, ax=ax, max_width=6.0)
    widths = np.array([line.get_linewidth() for line in drawn["edges"]])
    np.testing.assert_allclose(widths, 6.0 * np.abs(W).ravel() / np.abs(W).max())
    colours = [to_hex(line.get_color()) for line in drawn["edges"]]
    for colour, w in zip(colours, W.ravel()):
        assert colour == (PALETTE["blue"] if w >= 0 else PALETTE["vermillion"]).lower()


def test_layer_graph_labels(ax):
    drawn = plot_layer_graph(W, ax=ax)
    texts = [t.get_text() for t in drawn["labels"]]
    assert texts == ["$x_{1}$", "$x_{2}$", "$x_{3}$", "$x_{4}$", "$z_{1}$", "$z_{2}$", "$z_{3}$"]
    drawn = plot_layer_graph(W[:1, :2], ax=ax, input_labels=["a", "b"], output_labels=["out"])
    assert [t.get_text() for t in drawn["labels"]] == ["a", "b", "out"]


def test_layer_graph_all_zero_weights_draws_invisible_edges(ax):
    drawn = plot_layer_graph(np.zeros((2, 3)), ax=ax)
    assert [line.get_linewidth() for line in drawn["edges"]] == [0.0] * 6


def test_layer_graph_rejects_wrong_shapes(ax):
    with pytest.raises(ValueError, match=r"W must have shape 2-D, got shape \(4,\)"):
        plot_layer_graph(np.ones(4), ax=ax)
    with pytest.raises(ValueError, match=r"input_labels must have one entry per column of W \(4\), got 3"):
        plot_layer_graph(W, ax=ax, input_labels=["a", "b", "c"])
    with pytest.raises(ValueError, match=r"output_labels must have one entry per row of W \(3\), got 1"):
        plot_layer_graph(W, ax=ax, output_labels=["z"])


# -- exercise checks of chapter 01: a function that still returns the placeholder ----------------------
def test_function_exercises_report_placeholder_as_unanswered():
    from dlmath.exercises import linear_algebra as ex

    def cosine(u, v):
        return ...

    def mlp_flops(N, d_in, h, d_out):
        return ...

    for fb in (ex.check_cosine(cosine), ex.check_mlp_flops(mlp_flops)):
        assert not fb.ok and not fb.answered
        assert str(fb).startswith("Not answered yet")


def test_function_exercises_report_missing_return():
    from dlmath.exercises import linear_algebra as ex

    def cosine(u, v):
        u @ v / (np.linalg.norm(u) * np.linalg.norm(v))  # no return

    fb = ex.check_cosine(cosine)
    assert not fb.ok and fb.answered
    assert "forget the `return`" in fb.message


def test_function_exercises_accept_right_answers_and_report_errors():
    from dlmath.exercises import linear_algebra as ex

    assert ex.check_cosine(lambda u, v: u @ v / (np.linalg.norm(u) * np.linalg.norm(v)))
    assert ex.check_mlp_flops(lambda N, d_in, h, d_out: 2 * N * (d_in * h + h * d_out))
    fb = ex.check_cosine(lambda u, v: u @ w)  # noqa: F821, a NameError inside the reader's function
    assert not fb.ok and "NameError" in fb.message
