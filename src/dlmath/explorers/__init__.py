"""Interactive explorers: the framework (:mod:`.base`); each chapter's explorers are in its own package.

Use one in a notebook by making it the last expression of a cell::

    from dlmath.probability.explorers import next_token
    next_token()

Importing this package imports every chapter's explorers, so that :data:`REGISTRY` lists every explorer.
"""

from .base import REGISTRY, Choice, Explorer, Slider, register

from ..breakthroughs import explorers as _breakthroughs  # noqa: F401,E402  (each chapter's module registers its explorers)
from ..calculus import explorers as _calculus  # noqa: F401,E402
from ..linear_algebra import explorers as _linear_algebra  # noqa: F401,E402
from ..numerical_stability import explorers as _numerical_stability  # noqa: F401,E402
from ..optimisation import explorers as _optimisation  # noqa: F401,E402
from ..probability import explorers as _probability  # noqa: F401,E402
from ..statistics import explorers as _statistics  # noqa: F401,E402
from ..transformers import explorers as _transformers  # noqa: F401,E402

__all__ = ["REGISTRY", "Choice", "Explorer", "Slider", "register"]
