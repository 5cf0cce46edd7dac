"""The book's chapters, listed once.

Every other place that needs the chapters (the tests, ``dlmath assign``, ``make selfcheck``, the benchmark,
the Binder check) reads :data:`CHAPTERS`; a test ties it to ``_toc.yml`` and to the notebooks in ``book/``.

Each chapter has one name, used for its notebook (``book/NN_<name>.ipynb``) and for its subpackage
(``dlmath.<name>``: reference functions, ``explorers``, ``exercises``). Two older names are kept because they
are published: the MyST ``label`` prefix of its sections and equations (part of the site's URLs, e.g.
``#la-eq-dense``) and the ``prefix`` of its otter questions (columns of a teacher's grade CSV, e.g. ``la_dense``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["Chapter", "CHAPTERS", "chapter"]


@dataclass(frozen=True)
class Chapter:
    """One chapter: its number, its name (notebook and subpackage), its title, and its published prefixes."""

    number: int
    name: str
    title: str
    label: str
    prefix: str

    @property
    def stem(self) -> str:
        """The notebook's file name without suffix: ``01_linear_algebra``."""
        return f"{self.number:02d}_{self.name}"

    @property
    def notebook(self) -> str:
        """The notebook's path relative to the repository: ``book/01_linear_algebra.ipynb``."""
        return f"book/{self.stem}.ipynb"

    @property
    def package(self) -> str:
        """The chapter's subpackage: ``dlmath.linear_algebra``."""
        return f"dlmath.{self.name}"

    @property
    def has_explorers(self) -> bool:
        return (Path(__file__).parent / self.name / "explorers.py").is_file()


CHAPTERS: tuple[Chapter, ...] = (
    Chapter(0, "introduction", "A map of the mathematics", "intro", "intro"),
    Chapter(1, "linear_algebra", "Linear algebra: the language of tensors", "la", "la"),
    Chapter(2, "calculus", "Calculus: how networks learn from mistakes", "calc", "calc"),
    Chapter(3, "probability", "Probability: reasoning under uncertainty", "prob", "prob"),
    Chapter(4, "optimisation", "Optimisation: the engine of training", "opt", "opt"),
    Chapter(5, "statistics", "Statistics: evaluation and generalisation", "stat", "stat"),
    Chapter(6, "numerical_stability", "Numerical stability", "num", "num"),
    Chapter(7, "transformers", "Transformers: attention as linear algebra and probability", "tf", "tf"),
    Chapter(8, "breakthroughs", "From equations to breakthroughs", "brk", "brk"),
)


def chapter(key: int | str) -> Chapter:
    """The chapter with number ``key`` (``3``, ``"03"``), name (``"probability"``) or stem (``"03_probability"``)."""
    text = str(key).strip()
    for ch in CHAPTERS:
        if text in (ch.name, ch.stem) or (text.isdigit() and int(text) == ch.number):
            return ch
    numbers = f"{CHAPTERS[0].number} to {CHAPTERS[-1].number}"
    raise ValueError(f"no chapter {key!r}: give a number ({numbers}) or a name "
                     f"({', '.join(ch.name for ch in CHAPTERS)})")
