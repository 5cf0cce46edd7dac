"""Deprecated: moved to :mod:`dlmath.statistics` in dlmath 0.2; this name stops working in dlmath 0.3."""

from ._deprecated import forward

__getattr__, __dir__ = forward(__name__, "dlmath.statistics")
