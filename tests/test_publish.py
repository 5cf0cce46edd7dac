"""dlmath.publish: glued values are Python literals that myst-nb can format, and a figure's alt text travels with it."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from myst_nb.core.variables import format_plain_text  # noqa: E402

from dlmath import publish  # noqa: E402


@pytest.fixture
def published(monkeypatch):
    """What the helpers hand to IPython's display and to myst-nb's glue."""
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj, metadata=None, **kw: shown.append((obj, metadata)))
    monkeypatch.setattr("myst_nb.glue", lambda name, value, display=True: shown.append((name, value, display)))
    return shown


def test_glue_publishes_a_numpy_scalar_as_the_python_number_it_holds(published):
    assert publish.glue("loss", np.float64(0.0123456)) is None  # a glue at the end of a cell prints nothing
    (name, value, display), = published
    assert (name, type(value), display) == ("loss", float, False)
    assert format_plain_text(repr(value), ".3f") == "0.012"  # what {glue:text}`loss:.3f` shows


@pytest.mark.parametrize("value", [np.ones(3), [1, 2], None])
def test_glue_refuses_what_the_text_cannot_quote_as_a_value(value, published):
    with pytest.raises(TypeError, match="glue a number or a string"):
        publish.glue("x", value)


def test_show_displays_the_png_with_its_alt_text_and_closes_the_figure(published):
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    publish.show(fig, alt="A straight line from 0 to 1.")
    (image, metadata), = published
    assert image.data[:8] == b"\x89PNG\r\n\x1a\n"
    assert metadata == {"image/png": {"alt": "A straight line from 0 to 1."}}
    assert not plt.fignum_exists(fig.number)


def test_show_wants_alt_text_that_says_something():
    fig, _ = plt.subplots()
    with pytest.raises(ValueError, match="alt text must say what the figure shows"):
        publish.show(fig, alt="plot")
    plt.close(fig)
