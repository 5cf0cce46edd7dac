"""Interactive explorers: the framework (:mod:`.base`) and one module of explorers per chapter.

Use one in a notebook by making it the last expression of a cell::

    from dlmath.explorers import matrix_transform
    matrix_transform()
"""

from .base import REGISTRY, Choice, Explorer, Slider, register
from .linalg import dot_product, dot_product_state, matrix_transform

__all__ = ["REGISTRY", "Choice", "Explorer", "Slider", "register", "matrix_transform", "dot_product", "dot_product_state"]
