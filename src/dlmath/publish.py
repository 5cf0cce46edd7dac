"""What a chapter's text quotes, computed by the chapter: glued numbers and figures with their alt text.

The book's rule (CONTRIBUTING.md, "Numbers in the text"): a number that the notebook computes is never typed into
the prose or into a figure's alt text.

- ``glue("n_train", n_train)`` publishes a value, and the Markdown quotes it with ``{glue:text}`n_train``` (with a
  format: ``{glue:text}`final_loss:.3f```). The built page shows the value the cell computed, and the notebook
  edition has it written in (:mod:`dlmath.editions`).
- ``show(fig, alt=f"... falling to {loss[-1]:.2f} ...")`` shows a figure whose alt text is built from the values it
  plots. The book's Sphinx extension puts that text on the page's ``<img>``.

Where myst-nb is not installed (Colab, Binder), ``glue`` only returns its value: the notebook edition already
holds the text.
"""

from __future__ import annotations

import numbers
from typing import Any

__all__ = ["glue", "show"]


def _plain(value: Any) -> Any:
    """A NumPy scalar as the Python number it holds, so that the glued text is a Python literal ("0.5", not
    "np.float64(0.5)"), which the ``{glue:text}`` format spec can read."""
    if hasattr(value, "item") and getattr(value, "shape", None) == ():
        value = value.item()
    if not isinstance(value, (numbers.Number, str)):
        raise TypeError(f"glue a number or a string, got {type(value).__name__}: the text quotes it as a value")
    return value


def glue(name: str, value: Any) -> None:
    """Publish ``value`` under ``name`` for ``{glue:text}`name``` in the chapter's Markdown. It returns nothing, so
    that a ``glue`` call at the end of a cell prints nothing."""
    plain = _plain(value)
    try:
        from myst_nb import glue as myst_glue
    except ImportError:  # a notebook edition outside the build: its text already holds the value
        return
    myst_glue(name, plain, display=False)


def show(fig, alt: str) -> None:
    """Show the matplotlib figure ``fig`` as a PNG whose alt text is ``alt``, and close it (so that the notebook
    does not show it a second time)."""
    import matplotlib.pyplot as plt
    from IPython.core.pylabtools import print_figure
    from IPython.display import Image, display

    if not isinstance(alt, str) or len(alt.split()) < 4:
        raise ValueError(f"alt text must say what the figure shows, in words; got {alt!r}")
    png = print_figure(fig, "png", bbox_inches="tight")
    plt.close(fig)
    display(Image(data=png), metadata={"image/png": {"alt": alt}})
