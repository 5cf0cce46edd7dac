"""dlmath.explorers: every registered explorer computes, redraws in place, and renders for the static book."""

import base64
import importlib
import io
import pathlib
import pkgutil
import re
import subprocess
import sys

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PIL import Image  # noqa: E402

import dlmath  # noqa: E402
from dlmath import CHAPTERS  # noqa: E402
from dlmath.explorers import REGISTRY, Choice, Explorer, Slider  # noqa: E402
from dlmath.linear_algebra.explorers import dot_product_state, matrix_transform  # noqa: E402

NAMES = sorted(REGISTRY)  # asking for the list imports every chapter's explorers


def test_the_registry_lists_every_explorer_of_every_chapter_module():
    """Every ``Explorer``-building function a chapter's explorers module registers is in the registry, under
    the name of the explorer it builds, and every chapter package with an explorers module is one of CHAPTERS."""
    found = set()
    for module in pkgutil.iter_modules(dlmath.__path__):
        if module.ispkg and (pathlib.Path(dlmath.__path__[0]) / module.name / "explorers.py").exists():
            assert module.name in {ch.name for ch in CHAPTERS}, f"dlmath.{module.name} is not in dlmath.CHAPTERS"
            chapter = importlib.import_module(f"dlmath.{module.name}.explorers")
            found |= {name for name in getattr(chapter, "__all__", []) if name in REGISTRY}
            assert set(REGISTRY.chapter(module.name)) <= set(getattr(chapter, "__all__", [])), \
                f"dlmath.{module.name}.explorers registers explorers it does not export"
    assert found == set(NAMES)
    for name in NAMES:
        assert REGISTRY[name]().name == name, f"the explorer registered as {name} calls itself something else"


def test_importing_one_chapters_explorers_imports_no_other_chapter():
    code = ("import sys, dlmath.probability.explorers; from dlmath.explorers import REGISTRY; "
            "REGISTRY.chapter('probability'); print(sorted(m for m in sys.modules if m.endswith('.explorers')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['dlmath.explorers', 'dlmath.probability.explorers']"


def test_an_unknown_explorer_name_lists_the_known_ones():
    with pytest.raises(KeyError, match="next_token"):
        REGISTRY["no_such_explorer"]


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
    controls = next(c for c in box.children if hasattr(c, "grid_template_columns") or
                    type(c).__name__ == "GridBox").children
    assert [c.description for c in controls] == [c.label for c in explorer.controls.values()]
    controls[0].value = list(explorer.controls.values())[0].grid(5)[1]  # moving a control must not raise


@pytest.mark.parametrize("name", ["matrix_transform", "next_token"])
def test_the_live_picture_keeps_its_alt_text_and_follows_the_controls(name):
    import html

    explorer = REGISTRY[name]()
    box = explorer.widget()
    grid = next(c for c in box.children if type(c).__name__ == "GridBox")
    picture, first = box.children[box.children.index(grid) + 1], grid.children[0]
    start = picture.value
    _, alt = explorer.frame()
    assert start.startswith('<img class="dlmath-explorer-picture" src="data:image/png;base64,')
    assert f'alt="{html.escape(alt)}"' in start
    control = list(explorer.controls.values())[0]
    first.value = control.grid(5)[-1] if first.value != control.grid(5)[-1] else control.grid(5)[0]
    _, moved_alt = explorer.frame(**{list(explorer.controls)[0]: first.value})
    assert picture.value != start and f'alt="{html.escape(moved_alt)}"' in picture.value


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


# -- the static edition: the book's explorers without a kernel ------------------------------------------

import json  # noqa: E402
import math  # noqa: E402
from html.parser import HTMLParser  # noqa: E402

from dlmath.explorers.static import FRAMES_ENV, MAX_FRAMES, MIN_FRAMES  # noqa: E402


class _Page(HTMLParser):
    """The tags of an explorer's HTML edition, with their attributes, and the labels' targets."""

    def __init__(self, text):
        super().__init__()
        self.tags, self.labels, self._json, self.data = [], [], False, ""
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if tag == "label":
            self.labels.append(attrs.get("for"))
        self._json = tag == "script" and attrs.get("type") == "application/json"

    def handle_data(self, data):
        if self._json:
            self.data += data

    def handle_endtag(self, tag):
        self._json = False

    def find(self, tag):
        return [a for t, a in self.tags if t == tag]


def _toy(presets=None, **static):
    """A cheap explorer: the picture is a bar whose height is x + y, with a colour per choice."""
    def setup(fig):
        ax = fig.add_subplot()
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 25)
        return {"bar": ax.plot([0.5, 0.5], [0, 1], lw=20)[0]}

    def draw(handles, result, params):
        handles["bar"].set_data([0.5, 0.5], [0, result])
        handles["bar"].set_color({"red": "#d55e00", "blue": "#0072b2"}[params["colour"]])

    return Explorer(name="toy", title="Toy", figsize=(2, 2),
                    controls={"x": Slider("x", 0, 10, 1, 3), "y": Slider("y", 0, 10, 0.5, 2),
                              "colour": Choice("colour", ("red", "blue"), "blue")},
                    compute=lambda x, y, colour: x + y, setup=setup, draw=draw,
                    describe=lambda p, r: f"a {p['colour']} bar of height {r:g}", static=static or None,
                    presets=presets)


def test_static_grid_keeps_the_defaults_completes_choices_and_fits_the_budget():
    grid = _toy().static_grid(max_frames=40)
    assert math.prod(len(v) for v in grid.values()) <= 40
    assert grid["colour"] == ["red", "blue"]  # every option of a choice before sliders are refined
    assert 3.0 in grid["x"] and 2.0 in grid["y"]  # the page opens on the notebook's picture
    assert len(grid["x"]) >= 4 and len(grid["y"]) >= 4
    assert grid["x"][0] == 0 and grid["x"][-1] == 10  # both ends of each slider
    steps = np.diff(grid["x"])
    assert steps.max() - steps.min() <= 2  # evenly spread, give or take the ends


def test_static_grid_uses_the_explorers_own_values_and_checks_them():
    assert _toy(x=[3.0, 5.0]).static_grid(max_frames=12)["x"] == [3.0, 5.0]
    with pytest.raises(TypeError, match=r"unknown control\(s\) \['z'\]; its controls are \['x', 'y', 'colour'\]"):
        _toy(z=[1]).static_grid()
    with pytest.raises(ValueError, match="must be positions of the control"):
        _toy(x=[3.0, 3.3]).static_grid()
    with pytest.raises(ValueError, match="must include the default 3"):
        _toy(x=[4.0, 5.0]).static_grid()


def test_static_edition_has_labelled_controls_and_the_frame_of_every_grid_point():
    explorer = _toy(x=[0.0, 3.0, 10.0], y=[2.0])
    page = _Page(explorer.static_html(frames="all"))
    figure = page.find("figure")[0]
    data = json.loads(page.data)
    assert int(figure["data-frames"]) == len(data["frames"]) == 3 * 1 * 2
    ranges = [a for a in page.find("input") if a.get("type") == "range"]
    assert [(r["data-control"], r["min"], r["max"], r["value"]) for r in ranges] == [("x", "0", "2", "1")]
    assert [s["data-control"] for s in page.find("select")] == ["colour"]
    assert sorted(page.labels) == sorted([ranges[0]["id"], page.find("select")[0]["id"]])  # every control labelled
    assert "hidden" in page.find("div")[0]  # controls appear only once the script wires them
    assert "Fixed on this page: y = 2" in explorer.static_html(frames="all")
    # frames in row-major order over (x, y, colour): the third is x = 3, colour red, height 5
    assert [f[1] for f in data["frames"]] == ["a red bar of height 2", "a blue bar of height 2",
                                              "a red bar of height 5", "a blue bar of height 5",
                                              "a red bar of height 12", "a blue bar of height 12"]
    img = page.find("img")[0]
    assert img["src"] == data["frames"][3][0] and img["alt"] == "a blue bar of height 5"  # the defaults
    pictures = {f[0] for f in data["frames"]}
    assert len(pictures) == 6  # each grid point has its own picture
    png = Image.open(io.BytesIO(base64.b64decode(data["frames"][0][0].split(",")[1])))
    assert png.mode == "P"  # a palette PNG, about a quarter of the bytes


def test_presets_are_checked_when_the_explorer_is_declared():
    with pytest.raises(TypeError, match=r"preset 'tall' names unknown control\(s\) \['z'\]"):
        _toy(presets={"tall": {"z": 1}})
    with pytest.raises(ValueError, match=r"preset 'tall' values \[2.2\] of 'y' must be positions of the control"):
        _toy(presets={"tall": {"y": 2.2}})
    with pytest.raises(KeyError, match=r"toy has no preset 'short'; its presets are \['tall'\]"):
        _toy(presets={"tall": {"x": 9.0}}).preset("short")
    explorer = _toy(presets={"tall": {"x": 9.0, "y": 10.0}})
    assert explorer.preset("tall") == {"x": 9.0, "y": 10.0, "colour": "blue"}  # the rest at the defaults
    assert explorer.preset_of({"x": 9.0, "y": 10.0, "colour": "blue"}) == "tall"
    assert explorer.preset_of(explorer.defaults()) is None


def test_every_preset_is_a_frame_of_the_static_edition_and_a_button_that_names_it():
    """A preset off the grid gets a frame of its own; the controls gain its values; the JSON maps each preset to the
    frame whose settings are the preset's, and each button to its preset."""
    explorer = _toy(presets={"on the grid": {"x": 10.0}, "off the grid": {"x": 7.0, "y": 4.5, "colour": "red"}},
                    x=[0.0, 3.0, 10.0], y=[2.0])
    page = _Page(explorer.static_html(frames="all"))
    data = json.loads(page.data)
    assert len(data["frames"]) == 3 * 1 * 2 + 1 == int(page.find("figure")[0]["data-frames"])
    assert data["controls"][0]["values"] == ["0", "3", "7", "10"] and data["controls"][1]["values"] == ["2", "4.5"]
    assert len(data["points"]) == len(data["frames"]) and len({tuple(p) for p in data["points"]}) == len(data["points"])
    for preset in data["presets"]:
        params = explorer.preset(preset["name"])
        point = data["points"][preset["frame"]]
        assert [data["controls"][k]["values"][i] for k, i in enumerate(point)] == \
            [f"{params[c]:g}" if isinstance(params[c], (int, float)) else params[c] for c in ("x", "y", "colour")]
        assert data["frames"][preset["frame"]][1] == explorer.describe(params, explorer.compute(**params))
    buttons = page.find("button")
    assert [(b["type"], b["data-preset"], b["aria-pressed"]) for b in buttons] == \
        [("button", "0", "false"), ("button", "1", "false")]
    assert [p["name"] for p in data["presets"]] == ["on the grid", "off the grid"]
    img = page.find("img")[0]
    start = data["frames"].index([img["src"], img["alt"]])
    assert [data["controls"][k]["values"][i] for k, i in enumerate(data["points"][start])] == ["3", "2", "blue"]


def test_the_live_widget_has_a_button_per_preset_that_moves_every_control_and_names_it():
    import ipywidgets as w

    explorer = _toy(presets={"tall": {"x": 9.0, "y": 10.0}, "red": {"colour": "red"}})
    box = explorer.widget()
    buttons = [c for c in box.children[1].children if isinstance(c, w.Button)]
    controls = box.children[2].children
    picture, status = box.children[3], box.children[4]
    assert [b.description for b in buttons] == ["tall", "red"] and status.value == ""
    buttons[0].click()
    assert [c.value for c in controls] == [9.0, 10.0, "blue"]
    assert 'alt="a blue bar of height 19"' in picture.value and "tall" in status.value
    assert buttons[0].button_style == "info" and buttons[1].button_style == ""
    controls[0].value = 8.0  # off the preset: the status no longer names it
    assert status.value == "" and 'alt="a blue bar of height 18"' in picture.value


def test_static_edition_outside_a_build_is_the_picture_at_the_defaults(monkeypatch):
    monkeypatch.delenv(FRAMES_ENV, raising=False)
    explorer = _toy()
    assert "data-frames" not in explorer._repr_mimebundle_()["text/html"]
    monkeypatch.setenv(FRAMES_ENV, "all")
    assert "data-frames" in explorer._repr_mimebundle_()["text/html"]
    with pytest.raises(ValueError, match="frames must be 'all' or 'default'"):
        explorer.static_html(frames="some")


@pytest.mark.parametrize("name", NAMES)
def test_every_explorer_has_a_static_grid_within_its_budget_that_moves_the_picture(name):
    explorer = REGISTRY[name]()
    grid = explorer.static_grid()
    frames = math.prod(len(v) for v in grid.values())
    assert frames >= MIN_FRAMES or explorer.static is not None
    if explorer.static is None:
        assert frames <= explorer.frame_budget() <= MAX_FRAMES
    assert sum(len(v) > 1 for v in grid.values()) >= 1, "the page would offer no control to move"
    for key, control in explorer.controls.items():
        assert any(v == pytest.approx(control.value) if isinstance(v, float) else v == control.value
                   for v in grid[key])


@pytest.mark.parametrize("entries, rank, says, never", [
    ((1.2, 0.6, 0.3, 0.9), 2, "ellipse", "line through the origin"),
    ((1.2, 0.6, 1.8, 0.9), 1, "flattened onto a line through the origin", "ellipse"),
    ((0.0, 0.0, 0.0, 0.0), 0, "sent to the origin", "ellipse"),
])
def test_the_matrix_explorers_alt_text_says_what_a_singular_matrix_does(entries, rank, says, never):
    """The review's finding: frames of singular matrices were described as a grid of parallelograms and an ellipse."""
    explorer = matrix_transform()
    params = dict(zip("abcd", entries))
    alt = explorer.describe(params, explorer.compute(**params))
    assert f"rank {rank}" in alt and says in alt and never not in alt


# -- presets: the settings the text names, one button away on every page --------------------------------------

from dlmath.explorers.static import static_points  # noqa: E402


@pytest.mark.parametrize("name", NAMES)
def test_every_explorer_has_at_least_two_presets_each_a_frame_of_its_static_edition(name):
    explorer = REGISTRY[name]()
    presets = dict(explorer.presets or {})
    assert len(presets) >= 2, f"{name} has {len(presets)} preset(s); the text needs at least two settings to point at"
    points = static_points(explorer)
    for preset in presets:
        setting = explorer.preset(preset)
        assert any(all(p[k] == pytest.approx(v) if isinstance(v, float) else p[k] == v for k, v in setting.items())
                   for p in points), f"{name}: preset {preset!r} is not a frame of the static edition"
    pictures = {explorer.frame(**explorer.preset(preset))[1] for preset in presets}
    assert len(pictures) == len(presets), f"{name}: two presets show the same picture (the same alt text)"


#: How the prose names a preset: the emphasised name after "press", alone or in a list, as in "press *saddle point*",
#: "press *degree 1*, then *degree 4*", "press *cold* and *hot*" (a name may wrap onto the next line).
PRESS = re.compile(r"\b[Pp]ress((?:(?:,| and| then| or)* \*[^*]+\*)+)")


def preset_references(markdown: str) -> list[str]:
    text = re.sub(r"\s+", " ", markdown)
    return [name for group in PRESS.findall(text) for name in re.findall(r"\*([^*]+)\*", group)]


def test_preset_references_are_read_from_the_prose():
    text = "Press *saddle point*, then *hill\ntop*. Or press *cold* and *hot* (warm), *not this* is emphasis."
    assert preset_references(text) == ["saddle point", "hill top", "cold", "hot"]


def _chapter_explorers_and_prose(chapter):
    import nbformat

    nb = nbformat.read(pathlib.Path(dlmath.__file__).parents[2] / chapter.notebook, as_version=4)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    shown = [name for name in NAMES if re.search(rf"\b{name}\(\)", code)]
    prose = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    return shown, prose


@pytest.mark.parametrize("chapter", [ch for ch in CHAPTERS if ch.has_explorers], ids=lambda ch: ch.stem)
def test_the_prose_names_every_preset_of_its_explorers_and_only_presets_that_exist(chapter):
    """The text beside an explorer points at its presets ("press *saddle point*") rather than at values the page may
    not hold: every name it presses is a preset of an explorer the chapter shows, and every preset is named."""
    shown, prose = _chapter_explorers_and_prose(chapter)
    assert shown, f"{chapter.stem} shows none of its explorers"
    presets = {preset: name for name in shown for preset in (REGISTRY[name]().presets or {})}
    named = preset_references(prose)
    unknown = sorted(set(named) - set(presets))
    assert not unknown, f"{chapter.stem} presses {unknown}, which no explorer of the chapter offers; " \
                        f"its presets are {sorted(presets)}"
    unnamed = sorted(set(presets) - set(named))
    assert not unnamed, f"{chapter.stem} never names the presets {unnamed} (write 'press *name*')"


def test_the_matrix_explorer_shades_the_unit_squares_image_with_area_det():
    explorer = matrix_transform()
    for name in explorer.presets:
        params = explorer.preset(name)
        explorer.update(**params)
        x, y = explorer._handles["square"].get_xy().T
        area = 0.5 * abs(np.dot(x[:-1], y[1:]) - np.dot(y[:-1], x[1:]))  # the shoelace formula
        det = params["a"] * params["d"] - params["b"] * params["c"]
        assert area == pytest.approx(abs(det), abs=1e-12), name
    _, alt = explorer.frame(**explorer.preset("rotation"))
    assert "a circle of radius 1.00" in alt and "none (complex pair)" in alt
    _, alt = explorer.frame(**explorer.preset("flip"))
    assert "orientation flipped" in alt


def test_the_dot_product_page_holds_every_angle_including_90_degrees():
    from dlmath.linear_algebra.explorers import dot_product

    explorer = dot_product()
    angles = {p["angle_deg"] for p in explorer.static_points()}
    assert angles == set(explorer.controls["angle_deg"].values()) and 90.0 in angles
    _, alt = explorer.frame(**explorer.preset("perpendicular"))
    assert "Dot product 0.00" in alt


def test_the_law_of_large_numbers_explorer_marks_the_samples_own_mean():
    from dlmath.probability.explorers import law_of_large_numbers, lln_state

    explorer = law_of_large_numbers()
    explorer.update(**explorer.preset("ten draws"))
    state = lln_state("fair die", 1.0)
    assert explorer._handles["sample_mean"].get_xdata()[0] == pytest.approx(state["final"][0])
    assert state["final"][0] != pytest.approx(state["mean"])


@pytest.mark.parametrize("name", NAMES)
def test_every_panel_of_every_explorer_has_axis_labels(name):
    explorer = REGISTRY[name]()
    for k, ax in enumerate(explorer.figure.axes):
        if ax.axison:
            assert ax.get_xlabel().strip() and ax.get_ylabel().strip(), f"{name}: panel {k} lacks an axis label"


def test_what_the_prose_says_each_preset_shows():
    """The sentences that press a preset say what its picture shows; these are the claims, computed."""
    def state(name, preset):
        explorer = REGISTRY[name]()
        return explorer.compute(**explorer.preset(preset))

    # ch01: a shear keeps the area and leaves one eigenvector direction; a rotation keeps lengths and has none
    shear, rotation = state("matrix_transform", "shear"), state("matrix_transform", "rotation")
    assert shear["det"] == pytest.approx(1.0) and abs(abs(np.dot(*shear["eigvecs"])) - 1) < 1e-6
    assert rotation["det"] == pytest.approx(1.0) and len(rotation["eigvals"]) == 0
    # ch03: the histogram's mean closes in and the five paths end closer together as the sample grows
    draws = [state("law_of_large_numbers", p) for p in ("one draw", "ten draws", "10,000 draws")]
    assert np.all(np.diff([abs(d["final"][0] - d["mean"]) for d in draws]) < 0)
    assert np.all(np.diff([np.ptp(d["final"]) for d in draws]) < 0)
    # ch04: the best rate ends lowest of every position of the slider; below the cliff converges, past it diverges
    explorer = REGISTRY["learning_rate"]()
    finals = {lr: explorer.compute(lr=lr, valley=explorer.defaults()["valley"])["loss"][-1]
              for lr in explorer.controls["lr"].values()}
    assert min(finals, key=finals.get) == explorer.preset("best rate")["lr"]
    assert state("learning_rate", "just below the cliff")["regime"] == "zigzags"
    assert state("learning_rate", "past the cliff")["regime"] == "diverges"
    round_bowl = state("learning_rate", "round bowl")
    assert round_bowl["loss"][1] < 1e-20 * round_bowl["loss"][0]  # one step lands on the minimum
    race = {p: state("optimiser_paths", p) for p in REGISTRY["optimiser_paths"]().presets}
    assert race["gradient descent, Rosenbrock"]["diverged"] and not race["gradient descent, valley"]["diverged"]
    assert race["momentum at its cliff"]["diverged"] and race["momentum below its cliff"]["distance"] < 0.1
    # ch05: a low threshold catches almost every positive among many false alarms; a high one misses about half
    low, high = state("pr_threshold", "low threshold"), state("pr_threshold", "high threshold")
    assert low["recall"] > 0.95 and low["C"][0, 1] > 5 * low["C"][1, 1]
    assert 0.35 < high["recall"] < 0.65 and high["C"][0, 1] < high["C"][1, 1]
    # ch07: unscaled, the weights spread at d_k = 2 and one key takes all at 1024; scaled, they look alike
    spread, sharp = state("attention_sharpness", "unscaled, d_k = 2"), state("attention_sharpness", "unscaled, d_k = 1024")
    assert spread["max_weight"] < 0.3 and sharp["max_weight"] > 0.99
    assert state("attention_sharpness", "scaled, d_k = 1024")["max_weight"] < 0.5
