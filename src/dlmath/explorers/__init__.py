"""The explorer framework; each chapter's explorers live in its own package (``dlmath.<chapter>.explorers``).

- :mod:`.controls`: :class:`Slider` and :class:`Choice`;
- :mod:`.base`: :class:`Explorer`, its pure layer, its in-place drawing and its live ipywidgets panel;
- :mod:`.static`: its edition for a page without a kernel (a grid of frames computed when the book is built);
- :mod:`.registry`: :data:`REGISTRY`, every explorer by name, importing a chapter's explorers only when asked.

Use one in a notebook by making it the last expression of a cell::

    from dlmath.probability.explorers import next_token
    next_token()
"""

from .base import Explorer
from .controls import Choice, Slider
from .registry import REGISTRY, register

__all__ = ["REGISTRY", "Choice", "Explorer", "Slider", "register"]

# Before dlmath 0.2 chapter 01's explorers were importable from here.
_MOVED = {name: "dlmath.linear_algebra.explorers" for name in ("matrix_transform", "dot_product", "dot_product_state")}


def __getattr__(name: str):
    if name in _MOVED:
        from .._deprecated import moved

        return moved(__name__, _MOVED[name], name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
