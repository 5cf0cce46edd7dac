"""dlmath: the helper package of *The Mathematics of Deep Learning, executable*.

Modules, each small enough to read in one sitting:

- :mod:`dlmath.plotting`: the house style and plot functions (``ax=None``, return what they drew);
- :mod:`dlmath.explorers`: interactive explorers (pure compute, in-place draw, thin ipywidgets layer);
- reference implementations that more than one chapter (or an explorer) uses, one module per subject:
  :mod:`dlmath.linear_algebra`, :mod:`dlmath.calculus`, :mod:`dlmath.probability`, :mod:`dlmath.optimisation`,
  :mod:`dlmath.statistics`, :mod:`dlmath.numerical_stability`, :mod:`dlmath.transformers`;
- :mod:`dlmath.checks`: answer checks that explain what is wrong instead of raising;
- :mod:`dlmath.exercises`: the exercise data and checks of each chapter;
- :mod:`dlmath.coursework`: assignments, self-check editions and grading, on otter-grader;
- :mod:`dlmath.notebooks`: notebook hygiene (strip and verify outputs) used by the tests and the ``dlmath`` command.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
