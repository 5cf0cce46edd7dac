"""dlmath.plotting: what each function draws, that it draws on the axes it is given, and its errors."""

import matplotlib

matplotlib.use("Agg")

import matplotlib as mpl  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402

from dlmath import linear_algebra as linalg, plotting  # noqa: E402
from dlmath.plotting import PALETTE, plot_contours, plot_layer_graph, plot_path  # noqa: E402


@pytest.fixture
def ax():
    fig, ax = plt.subplots()
    yield ax
    plt.close(fig)


def test_palette_is_okabe_ito_and_drives_the_colour_cycle():
    assert plotting.PALETTE["blue"] == "#0072B2" and plotting.PALETTE["vermillion"] == "#D55E00"
    with plotting.house_style():
        colours = [to_hex(c["color"]).upper() for c in mpl.rcParams["axes.prop_cycle"]]
    assert colours[:3] == ["#0072B2", "#E69F00", "#009E73"]


def test_house_style_does_not_leak():
    before = dict(mpl.rcParams)
    with plotting.house_style():
        assert mpl.rcParams["axes.spines.top"] is False
    assert dict(mpl.rcParams) == before


def test_use_house_style_applies_it():
    with mpl.rc_context():
        plotting.use_house_style()
        assert mpl.rcParams["axes.spines.right"] is False


def test_new_figure_is_outside_pyplot():
    before = plt.get_fignums()
    fig, axes = plotting.new_figure(1, 2)
    assert plt.get_fignums() == before and len(axes) == 2 and axes[0].figure is fig


def test_plot_vectors_draws_one_arrow_per_vector_on_the_given_axes(ax):
    drawn = plotting.plot_vectors([[1, 2], [-1, 0.5], [0, -3]], ax=ax, labels=["a", "b", "c"])
    arrows, texts = drawn[:3], drawn[3:]
    assert [a.xy for a in arrows] == [(1, 2), (-1, 0.5), (0, -3)]
    assert [t.get_text() for t in texts] == ["a", "b", "c"]
    assert all(a.axes is ax for a in drawn)
    assert ax.get_xlim()[1] >= 3


def test_plot_vectors_uses_current_axes_when_none(ax):
    drawn = plotting.plot_vectors([[1, 1]])
    assert drawn[0].axes is plt.gca()


def test_plot_vectors_errors(ax):
    with pytest.raises(ValueError, match=r"vectors must have shape \(\*, 2\), got shape \(2, 3\)"):
        plotting.plot_vectors(np.ones((2, 3)), ax=ax)
    with pytest.raises(ValueError, match="one entry per vector"):
        plotting.plot_vectors(np.ones((2, 2)), ax=ax, labels=["only one"])


def test_plot_transformation_draws_every_part(ax):
    grid = linalg.transform_grid([[2, 1], [0, 1]], n_lines=5, n_points=11)
    out = plotting.plot_transformation(grid, ax=ax)
    assert len(out["lines"]) == len(out["original"]) == 10
    assert len(out["circle"]) == 1 and len(out["basis"]) == 2 and len(out["eig"]) == 2
    np.testing.assert_allclose(out["basis"][0].get_xydata()[1], [2, 0])  # A e1 is the first column
    np.testing.assert_allclose(out["lines"][0].get_xydata(), grid["lines"][0])


def test_plot_heatmap_annotates_each_cell(ax):
    M = np.array([[0.0, 1.0], [0.5, 0.25]])
    image = plotting.plot_heatmap(M, ax=ax, row_labels=["r1", "r2"], col_labels=["c1", "c2"])
    np.testing.assert_array_equal(image.get_array(), M)
    assert [t.get_text() for t in image.annotations] == ["0.00", "1.00", "0.50", "0.25"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["c1", "c2"]
    with pytest.raises(ValueError, match="expected 2 labels"):
        plotting.plot_heatmap(M, ax=ax, row_labels=["only"])
    with pytest.raises(ValueError, match="M must have shape 2-D"):
        plotting.plot_heatmap(np.ones(3), ax=ax)


def test_plot_loglog_draws_one_line_per_series_on_log_axes(ax):
    lines = plotting.plot_loglog([1, 10, 100], {"a": [1, 2, 3], "b": [3, 2, 1]}, ax=ax, xlabel="n")
    assert [line.get_label() for line in lines] == ["a", "b"]
    assert ax.get_xscale() == ax.get_yscale() == "log" and ax.get_xlabel() == "n"
    with pytest.raises(ValueError, match=r"ys\['c'\] must have shape \(3,\), got shape \(2,\)"):
        plotting.plot_loglog([1, 2, 3], {"c": [1, 2]}, ax=ax)


def test_no_function_calls_show(monkeypatch):
    monkeypatch.setattr(plt, "show", lambda *a, **k: pytest.fail("plt.show() was called"))
    fig, axes = plt.subplots(1, 5)
    plotting.plot_vectors([[1, 0]], ax=axes[0])
    plotting.plot_heatmap(np.eye(2), ax=axes[1])
    plotting.plot_loglog([1, 2], {"x": [1, 2]}, ax=axes[2])
    plotting.plot_transformation(linalg.transform_grid(np.eye(2)), ax=axes[3])
    plotting.plot_layer_graph(np.eye(2), ax=axes[4])
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


def _bowl(X, Y):
    return X**2 + 10 * Y**2


def test_plot_contours_draws_the_level_sets_of_f(ax):
    contours = plot_contours(_bowl, (-2, 2), (-1, 1), ax=ax, levels=[1.0, 4.0])
    assert list(contours.levels) == [1.0, 4.0]
    # the level set x^2 + 10 y^2 = 1 crosses the x axis at x = +-1
    vertices = np.concatenate([p.vertices for p in contours.get_paths()[0:1]])
    on_axis = vertices[np.abs(vertices[:, 1]) < 0.01]
    assert np.allclose(np.abs(on_axis[:, 0]), 1.0, atol=0.02)
    assert ax.get_xlim() == (-2, 2) and ax.get_ylim() == (-1, 1)


def test_plot_contours_log_levels_are_geometric(ax):
    contours = plot_contours(_bowl, (-2, 2), (-1, 1), ax=ax, levels=5, log=True)
    ratios = np.asarray(contours.levels[1:]) / np.asarray(contours.levels[:-1])
    assert np.allclose(ratios, ratios[0])


def test_plot_contours_errors(ax):
    with pytest.raises(ValueError, match=r"must return an array of shape \(50, 50\).*got shape \(3,\)"):
        plot_contours(lambda X, Y: np.ones(3), (-1, 1), (-1, 1), ax=ax, n=50)
    with pytest.raises(ValueError, match="xlim must be"):
        plot_contours(_bowl, (1, -1), (-1, 1), ax=ax)
    with pytest.raises(ValueError, match="positive values"):
        plot_contours(lambda X, Y: -np.ones_like(X), (-1, 1), (-1, 1), ax=ax, log=True)


def test_plot_path_marks_start_and_end(ax):
    path = np.array([[0.0, 0.0], [1.0, 0.5], [2.0, 0.25]])
    drawn = plot_path(path, ax=ax, label="gd")
    assert np.array_equal(drawn["line"].get_xydata(), path)
    assert list(drawn["start"].get_xydata()[0]) == [0.0, 0.0]
    assert list(drawn["end"].get_xydata()[0]) == [2.0, 0.25]
    with pytest.raises(ValueError, match=r"shape \(steps, 2\), got shape \(3, 3\)"):
        plot_path(np.zeros((3, 3)), ax=ax)


def test_plot_loglog_keeps_the_labels_when_a_guide_is_added(ax):
    """The review's figure: a second call drawing a dashed n^3 guide erased the axis labels of the first."""
    plotting.plot_loglog([1, 10, 100], {"numpy": [1, 2, 3]}, ax=ax, xlabel="n", ylabel="time (s)")
    plotting.plot_loglog([1, 10, 100], {"n^3": [1, 1e3, 1e6]}, ax=ax, marker="")
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("n", "time (s)")
