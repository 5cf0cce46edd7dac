"""The exercises of each chapter: their seeded inputs and the checks a reader calls.

``from dlmath.linear_algebra import exercises as ex`` then ``ex.check_dense(Z)``.
"""

from ..breakthroughs import exercises as breakthroughs
from ..calculus import exercises as calculus
from ..introduction import exercises as introduction
from ..linear_algebra import exercises as linear_algebra
from ..numerical_stability import exercises as numerical_stability
from ..optimisation import exercises as optimisation
from ..probability import exercises as probability
from ..statistics import exercises as statistics
from ..transformers import exercises as transformers

__all__ = ["breakthroughs", "calculus", "introduction", "linear_algebra", "numerical_stability", "optimisation", "probability",
           "statistics", "transformers"]
