"""Interactive explorers: the framework (:mod:`.base`) and one module of explorers per chapter.

Use one in a notebook by making it the last expression of a cell::

    from dlmath.explorers.probability import next_token
    next_token()

Importing this package imports every chapter's module, so that :data:`REGISTRY` lists every explorer.
"""

from . import attention, breakthroughs, calculus, linalg, numerics, optim, probability, stats  # noqa: F401  (each chapter's module registers its explorers)
from .base import REGISTRY, Choice, Explorer, Slider, register
from .linalg import dot_product, dot_product_state, matrix_transform

__all__ = ["REGISTRY", "Choice", "Explorer", "Slider", "register", "matrix_transform", "dot_product", "dot_product_state"]
