"""The chapter table: one list of chapters that the book, its notebooks, its packages and its published names
agree with; the old module paths forward to the new ones, with a warning, for one release."""

from __future__ import annotations

import importlib
import re
import subprocess
import warnings

import nbformat
import pytest

import dlmath
from conftest import ROOT, toc_files
from dlmath import CHAPTERS
from dlmath.chapters import chapter

IDS = [ch.stem for ch in CHAPTERS]


def test_the_table_is_the_toc_in_order_numbered_from_zero():
    assert [ch.number for ch in CHAPTERS] == list(range(len(CHAPTERS)))
    assert [f"book/{ch.stem}" for ch in CHAPTERS] == [f for f in toc_files() if re.match(r"book/\d\d_", f)]
    assert toc_files()[0] == f"book/{CHAPTERS[0].stem}", "the introduction is the root of _toc.yml"


@pytest.mark.parametrize("ch", CHAPTERS, ids=IDS)
def test_each_chapter_has_its_notebook_its_package_and_its_title(ch):
    nb = nbformat.read(ROOT / ch.notebook, as_version=4)
    heading = next(c.source for c in nb.cells if c.cell_type == "markdown" and c.source.startswith("# "))
    assert heading.splitlines()[0] == f"# {ch.title}"
    package = importlib.import_module(ch.package)
    assert package.__file__ == str(ROOT / "src" / "dlmath" / ch.name / "__init__.py")
    importlib.import_module(f"{ch.package}.exercises")
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert f"from {ch.package} import exercises as ex" in code, "the chapter uses another chapter's exercises"


@pytest.mark.parametrize("ch", CHAPTERS, ids=IDS)
def test_published_names_keep_the_chapters_prefixes(ch):
    """MyST labels are URL anchors and otter question names are grade-CSV columns: they keep their prefixes."""
    nb = nbformat.read(ROOT / ch.notebook, as_version=4)
    text = "\n".join(c.source for c in nb.cells)
    labels = re.findall(r"^\(([\w-]+)\)=$", text, re.M) + re.findall(r"^:label: ([\w-]+)$", text, re.M)
    questions = re.findall(r"^name: (\w+)$", text, re.M)
    assert labels, f"{ch.notebook} defines no label"
    assert [lab for lab in labels if not lab.startswith(f"{ch.label}-")] == []
    assert [q for q in questions if not q.startswith(f"{ch.prefix}_")] == []


def test_a_chapter_is_found_by_number_name_or_stem_and_a_wrong_one_lists_the_choices():
    assert chapter(3) is chapter("03") is chapter("probability") is chapter("03_probability") is CHAPTERS[3]
    with pytest.raises(ValueError, match=r"0 to 8.*linear_algebra"):
        chapter(9)
    with pytest.raises(ValueError, match="no chapter 'stats'"):
        chapter("stats")


def test_no_other_file_lists_the_chapters():
    """Every list of chapters reads dlmath.CHAPTERS: no tracked file outside the table (and the files that
    check it or are generated per chapter: the two editions) names three or more chapters' notebooks."""
    allowed = {"src/dlmath/chapters.py", "_toc.yml", "tests/test_chapters.py"}
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    stems = [ch.stem for ch in CHAPTERS]
    offenders = []
    for name in files:
        if name in allowed or name.startswith(("book/", "selfcheck/", "notebooks/")) or not (ROOT / name).is_file():
            continue
        try:
            text = (ROOT / name).read_text()
        except UnicodeDecodeError:
            continue
        named = [s for s in stems if s in text]
        if len(named) >= 3:
            offenders.append(f"{name}: {named}")
    assert offenders == []


OLD_PATHS = [
    ("dlmath.linalg", "dense", "dlmath.linear_algebra"),
    ("dlmath.stats", "ridge", "dlmath.statistics"),
    ("dlmath.optim", "rosenbrock", "dlmath.optimisation"),
    ("dlmath.numerics", "he_std", "dlmath.numerical_stability"),
    ("dlmath.attention", "causal_mask", "dlmath.transformers"),
    ("dlmath.explorers.linalg", "matrix_transform", "dlmath.linear_algebra.explorers"),
    ("dlmath.explorers.calculus", "gradient_field", "dlmath.calculus.explorers"),
    ("dlmath.explorers.probability", "next_token", "dlmath.probability.explorers"),
    ("dlmath.explorers.optim", "learning_rate", "dlmath.optimisation.explorers"),
    ("dlmath.explorers.stats", "pr_threshold", "dlmath.statistics.explorers"),
    ("dlmath.explorers.numerics", "float_storage", "dlmath.numerical_stability.explorers"),
    ("dlmath.explorers.attention", "positional_encoding", "dlmath.transformers.explorers"),
    ("dlmath.explorers.breakthroughs", "message_passing", "dlmath.breakthroughs.explorers"),
    ("dlmath.explorers", "dot_product", "dlmath.linear_algebra.explorers"),
] + [(f"dlmath.exercises.{ch.name}", "__doc__", f"{ch.package}.exercises") for ch in CHAPTERS]


@pytest.mark.parametrize("old, name, new", OLD_PATHS, ids=[f"{o}.{n}" for o, n, _ in OLD_PATHS])
def test_an_old_import_path_still_works_for_one_release_with_a_warning(old, name, new):
    target = importlib.import_module(new)
    module = importlib.import_module(old)
    if name == "__doc__":  # an old exercises module: take the first public name of the new one
        name = next(n for n in dir(target) if n.startswith("check_"))
    with pytest.warns(DeprecationWarning, match=rf"{re.escape(old)}\.{name} moved to {re.escape(new)}\.{name}.*0\.3"):
        value = getattr(module, name)
    assert value is getattr(target, name)


def test_an_old_chapter_import_reads_as_before():
    """The form chapter notebooks of dlmath 0.1 used: `from dlmath.exercises import probability as ex`."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        from dlmath.exercises import probability as ex

        check = ex.check_softmax_t
    assert check is importlib.import_module("dlmath.probability.exercises").check_softmax_t
    assert any(issubclass(w.category, DeprecationWarning) for w in caught)
    with pytest.raises(AttributeError, match="the module moved to dlmath.statistics"):
        dlmath.stats.no_such_function  # noqa: B018
