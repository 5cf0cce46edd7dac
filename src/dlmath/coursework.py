"""Coursework from the chapter notebooks: a thin wrapper around otter-grader.

One chapter notebook is the source of three editions:

- the **book** (Jupyter Book renders sphinx-exercise's exercises with folded solutions; otter's raw
  marker cells are invisible there, and test cells are tagged ``remove-cell``);
- the **assignment**, made by ``otter assign`` from an *otter master* derived here from the chapter;
- the **self-check edition**, the student notebook without otter: the reader's ``dlmath`` checks give
  specific hints, and neither solutions nor hidden tests are in it.

The marking convention inside a chapter, for one exercise (see CONTRIBUTING.md)::

    raw       # BEGIN QUESTION / name: la-dense / points: 2
    markdown  ```{exercise-start} Title``` + the statement
    code      the reader's cell (``...`` + a dlmath check)        book only
    markdown  ```{exercise-end}```
    markdown  ```{solution-start} label``` + the explanation      solution: never in a student file
    code      the solution; answer lines end in ``# SOLUTION``    otter turns it into the answer cell
    markdown  ```{solution-end}```
    raw       # BEGIN TESTS
    code      public test (tag remove-cell)
    code      ``# HIDDEN`` first line: hidden test (tag remove-cell)
    raw       # END TESTS
    raw       # END QUESTION

Grading runs ``otter run`` on each submission in its own process group with a time limit, so that an
infinite loop, a crash or an unreadable file costs that submission its points, with a reason, and never
stops the others.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from . import chapters
from .editions import clean_markdown, code_with_numbers, edition_glue
from .exercise import BOOK_SEED, FEEDBACK_MODES, GRADE_SEED_ENV, VARIANT_CELL_ID, variant_seed

__all__ = ["find_chapter", "chapters_with_exercises", "otter_master", "assign", "selfcheck", "grade", "GradeRow", "to_csv", "leaks"]

ASSIGNMENT_CONFIG = """# ASSIGNMENT CONFIG
name: {name}
init_cell: {otter}
check_all_cell: false
export_cell: false
run_tests: {run_tests}
solutions_pdf: false
tests:
  files: true
  ok_format: true
generate:
  pdf: false
  zips: false
{requirements}"""

#: The repository whose release tags the graded environment installs dlmath from (a test ties it to _config.yml).
REPOSITORY = "https://github.com/dlmath/dlmath"
#: What the autograder archive installs for a chapter (Gradescope, `otter run` in a clean environment): the book's
#: requirements.txt ranges (a test keeps them equal), CPU-only torch, and dlmath at this package's release tag.
GRADING_REQUIREMENTS = (
    "--extra-index-url https://download.pytorch.org/whl/cpu",
    "torch>=2.4,<2.14",
    "numpy>=1.26,<3",
    "scipy>=1.15,<2",
    "scikit-learn>=1.4,<2",
    "matplotlib>=3.8,<4",
    "ipywidgets>=8.1,<9",
)


def grading_requirements() -> list[str]:
    """The requirements of the autograder archive, dlmath pinned to the release this package is."""
    from . import __version__
    from .notebooks import release_tag

    return [*GRADING_REQUIREMENTS, f"dlmath @ git+{REPOSITORY}@{release_tag(__version__)}"]
SELFCHECK_NOTE = (
    "> **Self-check edition.** This notebook is the chapter without its solutions. Each exercise ends with a "
    "cell that checks your answer: run it, and it tells you whether the answer is right and, if not, what "
    "looks wrong. Nothing is graded, and no hidden test is in this file."
)
_HIDDEN = re.compile(r"^\s*#\s*HIDDEN\b", re.I)
_SOLUTION_MARK = re.compile(r"#\s*(BEGIN |END )?SOLUTION")


def find_chapter(chapter: str | int, root: Path | None = None) -> Path:
    """Resolve ``chapter``, a chapter of :data:`dlmath.CHAPTERS` (number or name) or a notebook path, to the
    chapter notebook.

    Chapters are looked up in ``book/`` of the repository that holds this package (an editable
    install) or of the current directory.
    """
    path = Path(str(chapter))
    if path.suffix == ".ipynb":
        if not path.is_file():
            raise FileNotFoundError(f"no notebook at {path}")
        return path
    try:
        ch = chapters.chapter(chapter)
    except ValueError as exc:
        raise ValueError(f"CHAPTER must be a chapter or a path to a .ipynb file: {exc}") from None
    roots = [root] if root else [Path.cwd(), Path(__file__).resolve().parents[2]]
    for base in roots:
        if (base / ch.notebook).is_file():
            return base / ch.notebook
    raise FileNotFoundError(f"chapter {ch.number} ({ch.notebook}) not found in {', '.join(str(r) for r in roots)}; "
                            "pass the notebook's path instead")


def chapters_with_exercises(root: Path | None = None) -> list[Path]:
    """The notebooks of :data:`dlmath.CHAPTERS` that hold questions, in reading order."""
    found = []
    for ch in chapters.CHAPTERS:
        path = find_chapter(ch.number, root)
        if "# BEGIN QUESTION" in path.read_text():
            found.append(path)
    return found


def _markdown_index(nb: nbformat.NotebookNode, page: str):
    """The book's index (numbers, titles, links), with ``nb`` added when it is not one of the book's pages."""
    from .editions import BookIndex

    index = BookIndex.of_book()
    if page not in index.titles:
        index.add_page(page, "\n\n".join(c.source for c in nb.cells if c.cell_type == "markdown"), None)
    return index


def otter_master(nb: nbformat.NotebookNode, name: str, with_otter: bool = True,
                 run_tests: bool = True, page: str | None = None,
                 glue: dict[str, dict] | None = None) -> nbformat.NotebookNode:
    """The otter master notebook for a chapter written in the book's marking convention.

    Drops the reader's cells (code between ``exercise-start`` and ``exercise-end``: in the assignment the
    solution cell, stripped of its solution lines, is the answer cell), turns the sphinx-exercise fences
    into plain markdown, wraps each ``solution-start`` .. ``solution-end`` region in otter's solution
    block, and prepends the assignment configuration. ``with_otter=False`` makes the self-check master:
    no otter init and check cells, no tests. ``run_tests=False`` skips otter's run of the solved notebook against
    its tests (the book's build runs every test cell of every chapter already). The Markdown is the notebook
    edition's (:func:`dlmath.editions.clean_markdown`); ``page`` names the notebook in the book (``book/<stem>``),
    and ``glue`` holds its glued values (those the notebook edition was written with).
    """
    if not any(c.cell_type == "raw" and c.source.lstrip().startswith("# BEGIN QUESTION") for c in nb.cells):
        raise ValueError("this notebook has no questions (raw cells '# BEGIN QUESTION'): nothing to assign")
    out = copy.deepcopy(nb)
    page = page or name
    index = _markdown_index(nb, page)
    requirements = ("requirements:\n" + "".join(f"  - \"{r}\"\n" for r in grading_requirements())
                    if with_otter else "")
    cells: list = [nbformat.v4.new_raw_cell(ASSIGNMENT_CONFIG.format(name=name, otter=str(with_otter).lower(),
                                                                     run_tests=str(with_otter and run_tests).lower(),
                                                                     requirements=requirements))]
    in_exercise = in_solution = in_tests = False
    for cell in out.cells:
        source = cell.source
        if cell.cell_type == "raw" and not with_otter and re.match(r"#\s*(BEGIN|END) TESTS", source.strip()):
            in_tests = source.strip().startswith("# BEGIN")
            continue
        if in_tests:
            continue
        if cell.cell_type == "raw" and not with_otter and re.match(r"#\s*BEGIN QUESTION", source.strip()):
            cell.source = source.rstrip() + "\ncheck_cell: false"
        starts_solution = cell.cell_type == "markdown" and "{solution-start}" in source
        ends_solution = cell.cell_type == "markdown" and "{solution-end}" in source
        if cell.cell_type == "markdown":
            if "{exercise-start}" in source:
                in_exercise = True
            if "{exercise-end}" in source:
                in_exercise = False
            cell.source = clean_markdown(source, index, page, glue, strict=False)
        elif in_exercise and cell.cell_type == "code":
            continue  # the reader's cell: the book's, not the assignment's
        if starts_solution:
            cells.append(nbformat.v4.new_raw_cell("# BEGIN SOLUTION"))
            in_solution = True
        if ends_solution:
            cells.append(nbformat.v4.new_raw_cell("# END SOLUTION"))
            in_solution = False
        if cell.cell_type == "markdown" and not cell.source:
            continue
        if in_solution and cell.cell_type == "code" and not _SOLUTION_MARK.search(cell.source):
            raise ValueError("a solution cell marks no line with '# SOLUTION' (or a '# BEGIN SOLUTION' block), "
                             f"so the student would receive it whole:\n{cell.source}")
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
            cell.source = code_with_numbers(cell.source, index)  # "(la-eq-dense)" in a comment reads "(1.5)"
        cells.append(cell)
    out.cells = cells
    out.metadata.pop("widgets", None)
    # otter reads the language from the kernelspec, which a notebook written by a script may lack
    out.metadata.setdefault("kernelspec", {"name": "python3", "display_name": "Python 3", "language": "python"})
    return out


@dataclass
class Assignment:
    """What ``assign`` wrote: the student folder and the autograder folder (with its zip)."""

    student: Path
    autograder: Path
    zip: Path | None
    notebook: str


def _otter_command() -> list[str]:
    """The otter command of this environment (its console script beside this Python, else ``python -m otter``)."""
    exe = Path(sys.executable).with_name("otter")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "otter"]


def _assign(chapter: str | int, outdir: str | Path, with_otter: bool, run_tests: bool = True) -> Assignment:
    source = find_chapter(chapter)
    outdir = Path(outdir).resolve()
    nb = nbformat.read(source, as_version=4)
    page = f"book/{source.stem}" if source.parent.name == "book" else source.stem
    master = otter_master(nb, name=source.stem, with_otter=with_otter, run_tests=run_tests, page=page,
                          glue=edition_glue(source.stem, source.parent.parent))
    with tempfile.TemporaryDirectory(prefix="dlmath-assign-") as tmp:
        master_path = Path(tmp) / source.name
        nbformat.write(master, master_path)
        target = Path(tmp) / "dist"
        proc = subprocess.run(_otter_command() + ["assign", str(master_path), str(target)], cwd=tmp,
                              capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"otter assign failed for {source}:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
        outdir.mkdir(parents=True, exist_ok=True)
        for part in ("student", "autograder"):
            if (outdir / part).exists():
                shutil.rmtree(outdir / part)
            shutil.copytree(target / part, outdir / part)
    zips = sorted((outdir / "autograder").glob("*-autograder_*.zip"))
    if zips:  # a stable name for the Gradescope archive
        zips[-1].rename(outdir / "autograder" / "autograder.zip")
    result = Assignment(outdir / "student", outdir / "autograder",
                        outdir / "autograder" / "autograder.zip" if zips else None, source.name)
    problems = leaks(source, result.student)
    if problems:
        shutil.rmtree(result.student)  # nothing that leaks is left where it could be handed out
        raise RuntimeError("refusing to hand out a student folder that holds solutions or hidden tests:\n"
                           + "\n".join(problems))
    return result


def assign(chapter: str | int, outdir: str | Path, roster: str | Path | None = None, feedback: str = "full",
           seed: int | None = None, run_tests: bool = True) -> Assignment:
    """Write ``outdir/student`` (notebook + public tests) and ``outdir/autograder`` (solutions, all tests,
    ``autograder.zip`` for Gradescope or ``dlmath grade``) for a chapter, with ``otter assign``.

    With a ``roster`` (a CSV file whose column ``id``, or whose first column, lists student ids), each student gets
    ``outdir/student/<id>/``: a notebook whose exercises draw their inputs from the student's own seed, derived from
    the id and a course secret that stays in ``outdir/autograder/dlmath.json`` (kept across re-assigns). Without
    one, the single notebook has the book's inputs, or those of ``seed``. ``feedback`` is the checks' mode in the
    students' notebooks: ``"full"`` (named mistakes) or ``"format"`` (type and shape only). ``run_tests=False``
    skips otter's run of the solved chapter against its tests (about the chapter's run time), which the book's
    build has done when the chapter is unchanged.
    """
    if feedback not in FEEDBACK_MODES:
        raise ValueError(f"feedback must be one of {', '.join(FEEDBACK_MODES)}, got {feedback!r}")
    students = read_roster(roster) if roster is not None else None
    outdir = Path(outdir).resolve()
    config_path = outdir / "autograder" / VARIANTS_FILE
    old = json.loads(config_path.read_text()) if config_path.is_file() else {}
    result = _assign(chapter, outdir, with_otter=True, run_tests=run_tests)
    secret = old.get("secret") or secrets.token_hex(32)
    config = {"assignment": Path(result.notebook).stem, "feedback": feedback, "secret": secret,
              "roster": students or [], "seed": seed}
    config_path.write_text(json.dumps(config, indent=1) + "\n")
    if students is None and seed is None and feedback == "full":
        path = result.student / result.notebook
        nbformat.write(_checks_without_otter(nbformat.read(path, as_version=4)), path)
        return result
    template_path = result.student / result.notebook
    template = _checks_without_otter(nbformat.read(template_path, as_version=4))
    nbformat.write(template, template_path)
    tests = result.student / "tests"
    if students is None:
        nbformat.write(_with_variant(template, None, BOOK_SEED if seed is None else seed, feedback), template_path)
        return result
    staging = result.student.with_name("student.tmp")
    if staging.exists():
        shutil.rmtree(staging)
    for student in students:
        folder = staging / student
        folder.mkdir(parents=True)
        nbformat.write(_with_variant(template, student, variant_seed(secret, student), feedback),
                       folder / result.notebook)
        if tests.is_dir():
            shutil.copytree(tests, folder / "tests")
    shutil.rmtree(result.student)
    staging.rename(result.student)
    return result


_OTTER_INIT = re.compile(r"^(# Initialize Otter\n)?import otter\ngrader = otter\.Notebook\((.*)\)$")


def _checks_without_otter(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The student notebook's first cell: otter-grader where it is installed, else the book's own checks, so that
    ``grader.check(...)`` works on Binder, Colab and a JupyterHub with the book's requirements only."""
    for cell in nb.cells:
        match = _OTTER_INIT.match(cell.source.strip()) if cell.cell_type == "code" else None
        if match:
            cell.source = ("# The checks: otter-grader where it is installed, else the book's own (Binder, Colab, a hub)\n"
                           f"try:\n    import otter\n    grader = otter.Notebook({match.group(2)})\n"
                           "except ImportError:\n    from dlmath.exercise import Grader\n    grader = Grader()")
            break
    return nb


#: The file of the autograder folder that holds the course secret, the roster and the feedback mode.
VARIANTS_FILE = "dlmath.json"
_STUDENT_ID = re.compile(r"[A-Za-z0-9][\w.@+-]{0,99}")


def read_roster(path: str | Path) -> list[str]:
    """The student ids of a roster CSV: its column ``id`` (or ``student``, ``student_id``), else its first column.
    Ids must be unique and usable as folder names."""
    rows = [row for row in csv.reader(io.StringIO(Path(path).read_text())) if any(cell.strip() for cell in row)]
    if not rows:
        raise ValueError(f"the roster {path} is empty: give one student id per line")
    header = [cell.strip().lower() for cell in rows[0]]
    column = next((header.index(h) for h in ("id", "student_id", "student") if h in header), None)
    ids = [row[column if column is not None else 0].strip() for row in rows[1 if column is not None else 0:]]
    bad = [i for i in ids if not _STUDENT_ID.fullmatch(i)]
    if bad:
        raise ValueError(f"the roster {path} has ids that cannot name a folder: {bad[:5]} (use letters, digits, . _ - @ +)")
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    if repeated:
        raise ValueError(f"the roster {path} lists {repeated[:5]} more than once")
    return ids


def _with_variant(template: nbformat.NotebookNode, student: str | None, seed: int,
                  feedback: str) -> nbformat.NotebookNode:
    """The student notebook with the cell that selects the student's inputs, after the cell that imports the
    chapter's exercises, and the student id in its metadata (what `dlmath grade` reads)."""
    nb = copy.deepcopy(template)
    cell = nbformat.v4.new_code_cell(
        "# Your copy of the exercises: their inputs are yours. Keep this cell as it is.\n"
        "from dlmath.exercise import use_variant\n\n"
        f"use_variant({student!r}, seed={seed}, feedback={feedback!r})")
    cell["id"] = VARIANT_CELL_ID
    at = next((i for i, c in enumerate(nb.cells) if c.cell_type == "code" and "import exercises as ex" in c.source), 0)
    nb.cells.insert(at + 1, cell)
    nb.metadata.setdefault("dlmath", {})["student"] = student
    return nb


def selfcheck(chapter: str | int, outdir: str | Path) -> Path:
    """Write the self-check edition of a chapter to ``outdir``: no solutions, no hidden tests, no otter;
    each answer cell ends with its ``dlmath`` check, which gives specific hints."""
    outdir = Path(outdir)
    with tempfile.TemporaryDirectory(prefix="dlmath-selfcheck-") as tmp:
        result = _assign(chapter, tmp, with_otter=False)
        outdir.mkdir(parents=True, exist_ok=True)
        target = outdir / result.notebook
        nb = nbformat.read(result.student / result.notebook, as_version=4)
        nb.metadata.pop("otter", None)
        note = nbformat.v4.new_markdown_cell(SELFCHECK_NOTE)
        note["id"] = "dlmath-selfcheck-note"  # a fixed id: regenerating the edition changes nothing
        nb.cells.insert(1, note)
        nbformat.write(nb, target)
    return target


def _secret_lines(source: Path) -> list[str]:
    """Solution lines and hidden-test lines of a chapter, as they would appear in a file."""
    nb = nbformat.read(source, as_version=4)
    index = _markdown_index(nb, source.stem)  # the lines as the student's file has them: equations by number
    secrets, in_solution = [], False
    for cell in nb.cells:
        if cell.cell_type == "markdown" and "{solution-start}" in cell.source:
            in_solution = True
        if cell.cell_type == "markdown" and "{solution-end}" in cell.source:
            in_solution = False
        if cell.cell_type != "code":
            continue
        lines = code_with_numbers(cell.source, index).splitlines()
        if lines and _HIDDEN.match(lines[0]):
            secrets += [line.strip() for line in lines[1:] if len(line.strip()) > 12]
        elif in_solution:
            block = False
            for line in lines:
                if re.search(r"#\s*BEGIN SOLUTION", line):
                    block = True
                    continue
                if re.search(r"#\s*END SOLUTION", line):
                    block = False
                    continue
                if block or re.search(r"#\s*SOLUTION\s*$", line):
                    code = re.sub(r"#\s*SOLUTION\s*$", "", line).strip()
                    if len(code) > 6:
                        secrets.append(code)
    return secrets


def leaks(source: Path, student_dir: Path) -> list[str]:
    """Every solution or hidden-test line of ``source`` found in a file under ``student_dir``."""
    secrets = _secret_lines(Path(source))
    found = []
    for path in Path(student_dir).rglob("*"):
        if path.is_file():
            text = path.read_text(errors="replace")
            found += [f"{path.relative_to(student_dir)}: {s}" for s in secrets if s in text]
    return found


@dataclass
class GradeRow:
    """One submission's grade: points per question, a note on what went wrong, total and possible."""

    submission: str
    scores: dict[str, float] = field(default_factory=dict)
    possible: float = 0.0
    note: str = ""
    #: Written explanations, by question, for a person to read (``dlmath grade --texts``).
    texts: dict[str, str] = field(default_factory=dict)

    @property
    def total(self) -> float:
        return sum(self.scores.values())


def _question_points(autograder: Path) -> dict[str, float]:
    points = {}
    for test in sorted((autograder / "tests").glob("*.py")):
        text = test.read_text()
        match = re.search(r"'points':\s*([\d.]+)", text)
        name = re.search(r"'name':\s*'([^']+)'", text)
        if match and name:
            points[name.group(1)] = float(match.group(1))
    if not points:
        raise FileNotFoundError(f"{autograder} holds no tests/: is it the autograder folder written by `dlmath assign`?")
    order = []  # the questions in the order the notebook asks them
    for notebook in autograder.glob("*.ipynb"):
        order += re.findall(r"grader\.check\(\\?[\"']([^\"'\\]+)", notebook.read_text())
    ranked = {q: order.index(q) if q in order else len(order) for q in points}
    return dict(sorted(points.items(), key=lambda item: ranked[item[0]]))


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def grade(autograder: str | Path, submissions: list[str | Path], timeout: float = 600,
          jobs: int = 1, cell_timeout: float = 60) -> list[GradeRow]:
    """Grade each submission with ``otter run`` against the autograder's tests, hidden ones included.

    Each runs in its own process group, killed after ``timeout`` seconds; ``jobs`` submissions run at
    once (each needs a kernel, about as much memory as the chapter). A submission that cannot be read,
    crashes the grader or runs out of time scores zero on every question, with the reason in ``note``;
    the others are graded all the same. The rows come back in the order of ``submissions``.
    """
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, got {jobs}")
    autograder = Path(autograder).resolve()
    archive = autograder / "autograder.zip"
    if not archive.exists():
        raise FileNotFoundError(f"{archive} is missing: pass the autograder folder written by `dlmath assign`")
    points = _question_points(autograder)
    config = autograder / "otter_config.json"
    name = json.loads(config.read_text()).get("assignment_name") if config.exists() else None
    variants = autograder / VARIANTS_FILE
    course = json.loads(variants.read_text()) if variants.is_file() else {}
    paths = [Path(s).resolve() for s in submissions]
    common = Path(os.path.commonpath([p.parent for p in paths])) if paths else Path.cwd()
    expected = next((_chapter_package(nbformat.read(nb, as_version=4)) for nb in autograder.glob("*.ipynb")), None)
    done = [0]
    lock = threading.Lock()

    def one(submission: Path) -> GradeRow:
        start = time.monotonic()
        row = _grade_one(submission, archive, points, name, timeout, course, expected, cell_timeout)
        row.submission = submission.relative_to(common).as_posix()
        with lock:  # progress on standard error as submissions finish; the CSV keeps their order
            done[0] += 1
            print(f"graded {done[0]} of {len(paths)}: {row.submission}: {row.total:g}/{row.possible:g} in "
                  f"{time.monotonic() - start:.0f} s", file=sys.stderr, flush=True)
        return row

    with ThreadPoolExecutor(max_workers=jobs) as pool:  # threads only wait on `otter run` processes
        return list(pool.map(one, paths))


_IMPORTS_EXERCISES = re.compile(r"^from dlmath\.(\w+) import exercises as ex\b", re.M)


def _chapter_package(nb: nbformat.NotebookNode) -> str | None:
    """The chapter whose exercises a notebook imports (``from dlmath.probability import exercises as ex``)."""
    for cell in nb.cells:
        if cell.cell_type == "code" and (match := _IMPORTS_EXERCISES.search(cell.source)):
            return match.group(1)
    return None


def _whose(submission: Path, nb: nbformat.NotebookNode, course: dict) -> tuple[int | None, list[str]]:
    """The seed a submission is graded on, from the course secret and the id recorded in the notebook (never the
    seed written in it), and notes on what disagrees: the id that the file or folder name gives, a missing id."""
    secret, roster = course.get("secret"), course.get("roster") or []
    if not secret or not roster:
        seed = course.get("seed")
        return (None if seed is None else int(seed)), []
    recorded = (nb.metadata.get("dlmath") or {}).get("student")
    named = next((part for part in reversed(submission.with_suffix("").parts) if part in roster), None)
    notes = []
    if not recorded:
        if named is None:
            return None, ["no student id in the notebook or its name: graded on the book's inputs"]
        recorded = named
        notes.append(f"no student id in the notebook: graded as {named}, from its name")
    elif named is not None and named != recorded:
        notes.append(f"the notebook records student {recorded} but its name says {named}")
    if recorded not in roster:
        notes.append(f"student {recorded} is not on the roster")
    return variant_seed(secret, recorded), notes


def _grade_one(submission: Path, archive: Path, points: dict[str, float], name: str | None,
               timeout: float, course: dict | None = None, expected: str | None = None,
               cell_timeout: float = 60) -> GradeRow:
    row = GradeRow(submission.name, {q: 0.0 for q in points}, sum(points.values()))
    try:
        nb = nbformat.read(submission, as_version=4)
    except Exception as exc:  # not a file, not JSON, not a notebook: the student's problem, reported
        row.note = f"not a readable notebook: {type(exc).__name__}: {str(exc).splitlines()[0][:120]}"
        return row
    other = _chapter_package(nb)
    recorded_name = (nb.metadata.get("otter") or {}).get("assignment_name")
    if (expected and other and other != expected) or (name and recorded_name and recorded_name != name):
        what = f"the exercises of dlmath.{other}" if other and other != expected else f"the assignment {recorded_name}"
        row.note = f"this notebook holds {what}, not {name or expected}: was the wrong file handed in?"
        return row
    # The kernel a student's editor recorded (VS Code's ".venv", a conda environment) does not exist here: every
    # submission runs on this environment's Python.
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    seed, notes = _whose(submission, nb, course or {})
    specs = _specifications(archive.parent, expected, points) if expected else None
    if specs is not None:
        graded = _run_sandboxed(nb, specs, BOOK_SEED if seed is None else seed, timeout, cell_timeout, row)
    else:  # a chapter not written on the exercise specification: otter's tests, in a process of its own
        env = {**os.environ, GRADE_SEED_ENV: str(BOOK_SEED if seed is None else seed)}
        graded = _run_otter(submission, nb, archive, points, name, timeout, env, row)
    graded.note = "; ".join(notes + ([graded.note] if graded.note else []))
    return graded


_TEST_CALL = re.compile(r">>> ex\.(\w+)\.test\(((?:(?!>>>).)*?), hidden=True\)")


def _specifications(autograder: Path, package: str, points: dict[str, float]) -> dict | None:
    """For each question, its specification and the expression its graded test passes (from the autograder's
    tests), when every question of the chapter has one; else None."""
    import importlib

    try:
        module = importlib.import_module(f"dlmath.{package}.exercises")
    except ImportError:
        return None
    specs = {}
    for question in points:
        test = autograder / "tests" / f"{question}.py"
        match = _TEST_CALL.search(test.read_text()) if test.is_file() else None
        spec = getattr(module, match.group(1), None) if match else None
        if spec is None or getattr(spec, "name", None) != question:
            return None
        specs[question] = (spec, match.group(2))
    return specs


def _run_sandboxed(nb: nbformat.NotebookNode, specs: dict, seed: int, timeout: float, cell_timeout: float,
                   row: GradeRow) -> GradeRow:
    """Run the submission in the sandbox (:mod:`dlmath.sandbox`) and judge the answers it brings out, here, with
    each question's specification: the rule of the notebook's check, on the student's own inputs."""
    from .exercise import Calls, _Raised
    from .sandbox import decode, encode, run_notebook

    questions = []
    for name, (spec, args) in specs.items():
        cases = hidden = None
        if spec.function is not None:
            cases = encode([a for _, a in spec.cases(seed)])
            hidden = encode([a for _, a in spec.cases(seed, hidden=True)])
        questions.append({"name": name, "args": args, "cases": cases, "hidden_cases": hidden})
    run = run_notebook(nb, questions, cell_limit=cell_timeout, total_limit=timeout)

    def output(data):
        if isinstance(data, dict) and "__raised__" in data:
            return _Raised(*data["__raised__"])
        return decode(data)

    lost, notes = [], []
    for name, (spec, _) in specs.items():
        record = run.answers.get(name)
        if record is None:
            stopped = f"question {name}" in run.stopped
            lost.append(f"{name}: stopped after {cell_timeout:g} s" if stopped else f"{name}: no answer came out")
            continue
        if "error" in record:
            lost.append(f"{name}: {record['error']}")
            continue
        if "outputs" in record:
            answers = {spec.function.name: Calls([a for _, a in spec.cases(seed)], [output(o) for o in record["outputs"]])}
            hidden = Calls([a for _, a in spec.cases(seed, hidden=True)], [output(o) for o in record["hidden_outputs"]])
        else:
            values = [decode(v) for v in record["values"]]
            answers = dict(zip([a.name for a in spec.answers], values))
            hidden = None
        fb = spec.judge(answers, seed=seed, hidden=hidden, hidden_seed=seed, feedback="full")
        for answer in spec.answers:
            if type(answer).__name__ == "Text" and isinstance(answers.get(answer.name), str):
                row.texts[name] = answers[answer.name].strip()[:2000]
        if fb.ok:
            row.scores[name] = float(spec.points)
        else:
            lost.append(f"{name}: {fb.message}")
    stopped_cells = [s for s in run.stopped if s.startswith("cell")]
    if stopped_cells:
        notes.append(f"stopped after {cell_timeout:g} s in {', '.join(stopped_cells)}")
    if run.timed_out:
        notes.append(f"the whole notebook ran out of its {timeout:g} s")
    if lost:
        notes.append("lost points on " + "; ".join(lost))
    row.note = "; ".join(notes)
    return row


def _run_otter(submission: Path, nb: nbformat.NotebookNode, archive: Path, points: dict[str, float],
               name: str | None, timeout: float, env: dict, row: GradeRow) -> GradeRow:
    with tempfile.TemporaryDirectory(prefix="dlmath-grade-") as tmp:
        work = Path(tmp)
        # otter refuses a notebook without its assignment name (the chapter itself, or one whose
        # metadata an editor dropped); a notebook named for another assignment is still refused.
        if name and not nb.metadata.get("otter", {}).get("assignment_name"):
            nb.metadata.setdefault("otter", {})["assignment_name"] = name
        nbformat.write(nb, work / submission.name)
        command = _otter_command() + ["run", "--no-logo", "-a", str(archive), "-o", str(work / "out"),
                                      str(work / submission.name)]
        (work / "out").mkdir()
        proc = subprocess.Popen(command, cwd=work, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                text=True, start_new_session=True, env=env)
        try:
            log, _ = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            proc.communicate()
            row.note = f"stopped after {timeout:g} s (an infinite loop or a very slow cell)"
            return row
        finally:
            _kill_group(proc)  # a kernel left behind by the grader must not outlive it
        results = work / "out" / "results.json"
        if not results.exists():
            last = [line for line in (log or "").splitlines() if line.strip()][-1:] or ["no output"]
            row.note = f"the grader failed on this submission: {last[0][:160]}"
            return row
        reasons = {}
        for test in json.loads(results.read_text()).get("tests", []):
            if test.get("name") in row.scores and test.get("score") is not None:
                row.scores[test["name"]] = float(test["score"])
                reasons[test["name"]] = _reason(test.get("output", ""))
    failed = [q for q, s in row.scores.items() if s < points[q]]
    if failed:
        row.note = "lost points on " + "; ".join(f"{q}: {reasons[q]}" if reasons.get(q) else q for q in failed)
    return row


def _reason(output: str) -> str:
    """What the check said about a failed question, from otter's test output: the last assertion's message, else the
    last exception (a name the notebook never defined, an error in the student's code)."""
    errors = re.findall(r"^\s*(\w+(?:Error|Exception)): (.+)$", output, re.M)
    if not errors:
        return ""
    kind, message = errors[-1]
    message = re.sub(r"^(Not yet|Not answered yet|Recorded) \([^)]*\): ", "", message.strip())
    return (message if kind == "AssertionError" else f"{kind}: {message}")[:200]


def texts_csv(rows: list[GradeRow]) -> str:
    """The written explanations, one row per submission and question, for a person to read and mark."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["submission", "question", "text"])
    for row in rows:
        for question, text in row.texts.items():
            writer.writerow([row.submission, question, text])
    return buf.getvalue()


def to_csv(rows: list[GradeRow]) -> str:
    """The grades as CSV: submission, one column per question, note, then total and possible."""
    questions = list(rows[0].scores) if rows else []
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["submission", *questions, "note", "total", "possible"])
    for row in rows:
        writer.writerow([row.submission, *(f"{row.scores[q]:g}" for q in questions), row.note,
                         f"{row.total:g}", f"{row.possible:g}"])
    return buf.getvalue()
