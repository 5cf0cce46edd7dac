"""The exercises of each chapter: their seeded inputs and the checks a reader calls.

``from dlmath.exercises import linear_algebra as ex`` then ``ex.check_dense(Z)``.
"""

from . import introduction, linear_algebra

__all__ = ["introduction", "linear_algebra"]
