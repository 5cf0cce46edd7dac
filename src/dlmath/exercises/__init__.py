"""Deprecated: each chapter's exercises moved to ``dlmath.<chapter>.exercises`` in dlmath 0.2.

``from dlmath.exercises import probability as ex`` still works, with a warning, until dlmath 0.3; write
``from dlmath.probability import exercises as ex``.
"""
