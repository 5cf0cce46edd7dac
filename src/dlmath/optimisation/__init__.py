"""Chapter 04, optimisation: reference functions (:mod:`.reference`, re-exported here), explorers, exercises."""

from .reference import *  # noqa: F401,F403
from .reference import __all__  # noqa: F401
