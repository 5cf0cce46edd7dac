"""The exercises of each chapter: their seeded inputs and the checks a reader calls.

``from dlmath.exercises import linear_algebra as ex`` then ``ex.check_dense(Z)``.
"""

from . import breakthroughs, calculus, introduction, linear_algebra, numerical_stability, optimisation, probability, statistics, transformers

__all__ = ["breakthroughs", "calculus", "introduction", "linear_algebra", "numerical_stability", "optimisation", "probability",
           "statistics", "transformers"]
