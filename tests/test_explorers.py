"""dlmath.explorers: every registered explorer computes, redraws in place, and renders for the static book."""

import base64
import importlib
import io
import pkgutil

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PIL import Image  # noqa: E402

import dlmath.explorers  # noqa: E402
from dlmath.explorers import REGISTRY, Choice, Explorer, Slider, dot_product_state, matrix_transform  # noqa: E402

PACKAGE_NAMES = set(REGISTRY)  # what `import dlmath.explorers` registers
for _module in pkgutil.iter_modules(dlmath.explorers.__path__):  # every chapter's module, so none escapes the tests
    importlib.import_module(f"dlmath.explorers.{_module.name}")
NAMES = sorted(REGISTRY)


def test_the_package_imports_every_chapter_module():
    assert PACKAGE_NAMES == set(NAMES), "add the chapter's explorer module to dlmath/explorers/__init__.py"


def test_registry_holds_the_chapter_explorers():
    assert {"matrix_transform", "dot_product"} <= set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_sweep_covers_every_control_with_at_least_20_values(name):
    explorer = REGISTRY[name]()
    sweep = explorer.sweep(21)
    assert len(sweep) >= 20
    for key, control in explorer.controls.items():
        values = {p[key] for p in sweep}
        assert len(values) > 1 or isinstance(control, Choice)
        if isinstance(control, Slider):
            assert min(values) == pytest.approx(control.min) and max(values) == pytest.approx(control.max)


@pytest.mark.parametrize("name", NAMES)
def test_update_redraws_the_same_figure_and_changes_the_picture(name):
    explorer = REGISTRY[name]()
    first = explorer.png()
    fig = explorer.figure
    n_axes = len(fig.axes)
    other = explorer.sweep(21)[3]
    second = explorer.png(**other)
    assert explorer.figure is fig and len(fig.axes) == n_axes  # in place: no new figure, no new axes
    a = np.asarray(Image.open(io.BytesIO(first)))
    b = np.asarray(Image.open(io.BytesIO(second)))
    assert a.shape == b.shape and (a != b).any()
    assert explorer.png() == first  # back at the defaults, the same picture


@pytest.mark.parametrize("name", NAMES)
def test_static_html_embeds_the_picture_with_alt_text(name):
    explorer = REGISTRY[name]()
    html = explorer.static_html()
    assert 'alt="' in html and explorer.title in html
    data = html.split("data:image/png;base64,")[1].split('"')[0]
    assert Image.open(io.BytesIO(base64.b64decode(data))).size[0] > 100


@pytest.mark.parametrize("name", NAMES)
def test_notebook_bundle_has_the_widget_and_the_static_edition(name):
    explorer = REGISTRY[name]()
    bundle = explorer._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["text/html"].startswith('<figure class="dlmath-explorer"')


@pytest.mark.parametrize("name", NAMES)
def test_widget_has_one_labelled_control_per_parameter(name):
    explorer = REGISTRY[name]()
    box = explorer.widget()
    controls = box.children[1].children
    assert [c.description for c in controls] == [c.label for c in explorer.controls.values()]
    controls[0].value = list(explorer.controls.values())[0].grid(5)[1]  # moving a control must not raise


def test_unknown_parameter_lists_the_known_ones():
    with pytest.raises(TypeError, match=r"has no control\(s\) \['e'\]; its controls are \['a', 'b', 'c', 'd'\]"):
        matrix_transform().update(e=1)


def test_matrix_transform_compute_matches_the_matrix():
    r = matrix_transform().compute(a=2.0, b=0.0, c=0.0, d=0.5)
    assert r["det"] == pytest.approx(1.0)
    np.testing.assert_allclose(sorted(r["eigvals"]), [0.5, 2.0])
    np.testing.assert_allclose(r["basis"], [[2, 0], [0, 0.5]])


def test_matrix_transform_redraw_moves_the_artists():
    explorer = matrix_transform()
    explorer.update(a=1.0, b=0.0, c=0.0, d=1.0)
    circle = explorer._handles["circle"][0]
    explorer.update(a=2.0, b=0.0, c=0.0, d=1.0)
    assert np.abs(circle.get_xdata()).max() == pytest.approx(2.0, rel=1e-3)


def test_dot_product_state():
    s = dot_product_state(90, 1.5)
    assert s["dot"] == pytest.approx(0, abs=1e-12) and s["cos"] == pytest.approx(0, abs=1e-12)
    s = dot_product_state(60, 1.0, length_a=2.0)
    assert s["dot"] == pytest.approx(1.0) and s["cos"] == pytest.approx(0.5)
    np.testing.assert_allclose(s["projection"], [0.5, 0])
    with pytest.raises(ValueError, match="lengths must be positive"):
        dot_product_state(10, -1)


def test_control_validation():
    with pytest.raises(ValueError, match="outside"):
        Slider("x", 0, 1, 0.1, 2)
    with pytest.raises(ValueError, match="min"):
        Slider("x", 1, 0, 0.1, 0.5)
    with pytest.raises(ValueError, match="not one of"):
        Choice("act", ("relu", "tanh"), "sigmoid")
    assert Slider("x", 0, 1, 0.25, 0).grid(3) == [0.0, 0.5, 1.0]


def test_a_choice_only_explorer_still_sweeps_20_values():
    explorer = Explorer(name="t", title="t", controls={"k": Choice("k", ("x", "y"), "x")},
                        compute=lambda k: k, setup=lambda fig: {}, draw=lambda h, r, p: None,
                        describe=lambda p, r: "t")
    assert len(explorer.sweep(20)) >= 20
