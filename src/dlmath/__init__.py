"""dlmath: the helper package of *The Mathematics of Deep Learning, executable*.

One package per chapter, named like its notebook (``dlmath.linear_algebra`` for ``book/01_linear_algebra.ipynb``),
listed in :data:`CHAPTERS` (:mod:`dlmath.chapters`). Each holds ``reference`` (the chapter's reference
implementations, re-exported by the package: ``from dlmath.probability import softmax``), ``explorers`` and
``exercises``. The machinery the chapters share, each module small enough to read in one sitting:

- :mod:`dlmath.plotting`: the house style and plot functions (``ax=None``, return what they drew);
- :mod:`dlmath.explorers`: the explorer framework (pure compute, in-place draw, a thin ipywidgets layer, and an
  edition for pages without a kernel) and :data:`~dlmath.explorers.REGISTRY`;
- :mod:`dlmath.checks`: answer checks that explain what is wrong instead of raising;
- :mod:`dlmath.coursework`: assignments, self-check editions and grading, on otter-grader;
- :mod:`dlmath.notebooks`: each chapter's setup cell and notebook hygiene (strip and verify outputs);
- :mod:`dlmath.cli` (the ``dlmath`` command) and :mod:`dlmath.sphinxext` (the book's Sphinx extension).

The module names of dlmath 0.1 (``dlmath.stats``, ``dlmath.explorers.stats``, ``dlmath.exercises.statistics``)
still import, with a ``DeprecationWarning``, until 0.3.
"""

__version__ = "0.2.0"

from .chapters import CHAPTERS  # noqa: E402

__all__ = ["__version__", "CHAPTERS"]
