"""Coursework: the chapter -> otter master transformation, and the full round trip per chapter.

The round trip assigns each chapter that has questions, then grades, in one `dlmath grade` call: the
original chapter (full marks) and a submission with one wrong answer (loses exactly that question); for one
chapter (WHOLE_PIPELINE) also the untouched student notebook (zero), after `otter assign` ran the solutions
against their tests. A toy chapter checks an infinite loop (stopped; the next one is still graded), a
file that is not JSON and a notebook with its answer cells deleted.
"""

from __future__ import annotations

import csv
import importlib
import io
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from conftest import ROOT
from dlmath import CHAPTERS as TABLE
from dlmath import coursework

CHAPTERS = [ROOT / ch.notebook for ch in TABLE if "# BEGIN QUESTION" in (ROOT / ch.notebook).read_text()]
R, M, C = nbformat.v4.new_raw_cell, nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell


def toy_question(q="x", value=2, solution=None):
    """The twelve cells of one question in the book's marking convention: set ``q`` to ``value``."""
    solution = solution or f"{q} = {value}  # SOLUTION\ncheck({q}, {value})"
    return [
        R(f"# BEGIN QUESTION\nname: q_{q}\npoints: 2"),
        M(f"```{{exercise-start}} Find {q}\n:label: ex-{q}\n```\nSet `{q}` to {value}, see {{eq}}`eq-{q}` "
          f"and {{ref}}`the intro <intro>`."),
        C(f"{q} = ...\ncheck({q}, {value})"),
        M("```{exercise-end}\n```"),
        M(f"```{{solution-start}} ex-{q}\n:class: dropdown\n```\n{value} is {value}."),
        C(solution),
        M("```{solution-end}\n```"),
        R("# BEGIN TESTS"),
        C(f"assert check({q}, {value})"),
        C(f"# HIDDEN\nassert isinstance({q}, int) and {q} == {value}"),
        R("# END TESTS"),
        R("# END QUESTION"),
    ]


def toy_chapter(solution="x = 2  # SOLUTION\ncheck(x, 2)", questions=("x",)):
    nb = nbformat.v4.new_notebook()
    nb.cells = [C("def check(answer, expected):\n    return answer == expected")]
    for k, q in enumerate(questions):
        nb.cells += toy_question(q, value=2 + k, solution=solution if k == 0 else None)
    return nb


def test_otter_master_drops_reader_cells_and_wraps_solutions():
    master = coursework.otter_master(toy_chapter(), name="toy")
    sources = [(c.cell_type, c.source) for c in master.cells]
    assert sources[0][0] == "raw" and sources[0][1].startswith("# ASSIGNMENT CONFIG\nname: toy")
    assert ("code", "x = ...\ncheck(x, 2)") not in sources  # the reader's cell is the book's only
    statement = next(s for t, s in sources if t == "markdown" and "Find x" in s)
    assert statement.startswith("### Exercise 1: Find x\n") and "{exercise-start}" not in statement
    assert "see (eq-x) and" in statement and "the intro" in statement and "{ref}" not in statement
    i = sources.index(("raw", "# BEGIN SOLUTION"))
    assert sources[i + 1] == ("markdown", "2 is 2.")
    assert sources[i + 2] == ("code", "x = 2  # SOLUTION\ncheck(x, 2)")
    assert sources[i + 3] == ("raw", "# END SOLUTION")
    assert not any("{solution-end}" in s or "{exercise-end}" in s for _, s in sources)


def test_otter_master_links_glossary_terms_to_the_published_glossary():
    nb = toy_chapter()
    nb.cells.insert(1, M("A **{term}`tensor`** has a {term}`shape <shape>`; see {term}`Gradient descent <gradient descent>`."))
    master = coursework.otter_master(nb, name="toy")
    text = next(c.source for c in master.cells if "tensor" in c.source)
    glossary = "https://dlmath.github.io/dlmath/book/glossary.html"
    assert text == (f"A **[tensor]({glossary}#term-tensor)** has a [shape]({glossary}#term-shape); "
                    f"see [Gradient descent]({glossary}#term-gradient-descent).")


def test_otter_master_self_check_drops_tests():
    master = coursework.otter_master(toy_chapter(), name="toy", with_otter=False)
    text = "\n".join(c.source for c in master.cells)
    assert "# HIDDEN" not in text and "assert check(x, 2)" not in text
    assert "init_cell: false" in text and "check_cell: false" in text


def test_otter_master_runs_the_solutions_against_their_tests_unless_told_not_to():
    def config(**kwargs):
        return coursework.otter_master(toy_chapter(), name="toy", **kwargs).cells[0].source

    assert "run_tests: true" in config() and "run_tests: false" in config(run_tests=False)
    assert "run_tests: false" in config(with_otter=False, run_tests=True)  # the self-check edition has no tests


def test_otter_master_refuses_an_unmarked_solution():
    with pytest.raises(ValueError, match="marks no line with '# SOLUTION'"):
        coursework.otter_master(toy_chapter(solution="x = 2\ncheck(x, 2)"), name="toy")


def test_otter_master_refuses_a_notebook_without_questions():
    with pytest.raises(ValueError, match="no questions"):
        coursework.otter_master(nbformat.v4.new_notebook(), name="none")


def test_find_chapter():
    assert coursework.find_chapter(1).name == "01_linear_algebra.ipynb"
    assert coursework.find_chapter("01").name == "01_linear_algebra.ipynb"
    path = ROOT / "book" / "01_linear_algebra.ipynb"
    assert coursework.find_chapter(str(path)) == path
    assert coursework.find_chapter("linear_algebra") == coursework.find_chapter(1)
    with pytest.raises(ValueError, match=r"no chapter 9: give a number \(0 to 8\) or a name"):
        coursework.find_chapter(9)
    with pytest.raises(ValueError, match="no chapter 'linear algebra'.*linear_algebra"):
        coursework.find_chapter("linear algebra")
    with pytest.raises(FileNotFoundError, match=r"chapter 1 \(book/01_linear_algebra.ipynb\) not found in /nowhere"):
        coursework.find_chapter(1, root=Path("/nowhere"))
    with pytest.raises(FileNotFoundError, match="no notebook at"):
        coursework.find_chapter("missing.ipynb")


def test_leaks_finds_solution_and_hidden_lines(tmp_path):
    chapter = tmp_path / "toy.ipynb"
    nbformat.write(toy_chapter(solution="x = int('2')  # SOLUTION\ncheck(x, 2)"), chapter)
    student = tmp_path / "student"
    student.mkdir()
    (student / "clean.py").write_text("x = ...\n")
    assert coursework.leaks(chapter, student) == []
    (student / "leak.py").write_text("x = int('2')\nassert isinstance(x, int) and x == 2\n")
    found = coursework.leaks(chapter, student)
    assert any("x = int('2')" in f for f in found) and any("isinstance(x, int)" in f for f in found)


def test_csv_ends_with_total_and_possible():
    rows = [coursework.GradeRow("a.ipynb", {"q1": 2.0, "q2": 0.0}, 3.0, "lost points on q2")]
    table = list(csv.reader(io.StringIO(coursework.to_csv(rows))))
    assert table[0] == ["submission", "q1", "q2", "note", "total", "possible"]
    assert table[1] == ["a.ipynb", "2", "0", "lost points on q2", "2", "3"]


def test_grade_needs_an_autograder_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="autograder.zip is missing"):
        coursework.grade(tmp_path, [tmp_path / "x.ipynb"])


def dlmath(*args, **kwargs):
    return subprocess.run([sys.executable, "-m", "dlmath.cli", *map(str, args)], capture_output=True,
                          text=True, cwd=ROOT, **kwargs)


def test_cli_reports_bad_chapter_without_traceback(tmp_path):
    proc = dlmath("assign", "42", tmp_path)
    assert proc.returncode == 2 and "no chapter '42'" in proc.stderr and "Traceback" not in proc.stderr


def _answer_cells(nb):
    """Indices of the answer cells of otter's solved (autograder) notebook: its tagged solution code cells."""
    return [i for i, c in enumerate(nb.cells)
            if c.cell_type == "code" and "otter_assign_solution_cell" in c.metadata.get("tags", [])]


def _grade(autograder, submissions, **kwargs):
    args = [f"--{k}={v}" for k, v in kwargs.items()]
    proc = dlmath("grade", autograder, *submissions, *args)
    assert proc.returncode == 0, proc.stderr
    header = proc.stdout.splitlines()[0].split(",")
    table = list(csv.DictReader(io.StringIO(proc.stdout)))
    return header, {row["submission"].removesuffix(".ipynb"): row for row in table}


#: The chapter whose round trip is the whole pipeline: otter assign's own run of the solutions against their tests,
#: and the untouched student notebook graded too. For the other chapters the book's build runs every test cell
#: and test_exercise_agreement shows in-process that an untouched answer fails its tests; they are assigned
#: without that run and grade the chapter itself and one wrong answer, side by side.
WHOLE_PIPELINE = "01_linear_algebra"


@pytest.fixture(scope="module", params=[pytest.param(p, marks=[pytest.mark.slow, pytest.mark.xdist_group(f"round-trip-{p.stem}")])
                                        for p in CHAPTERS], ids=[p.stem for p in CHAPTERS])
def round_trip(request, tmp_path_factory):
    """Assign a chapter; grade the chapter itself, one wrong answer and (WHOLE_PIPELINE) the untouched notebook."""
    chapter = request.param
    whole = chapter.stem == WHOLE_PIPELINE
    out = tmp_path_factory.mktemp(chapter.stem)
    proc = dlmath("assign", chapter, out / "assignment", *([] if whole else ["--no-run-tests"]))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assignment = out / "assignment"
    student_nb = assignment / "student" / chapter.name
    solved = nbformat.read(assignment / "autograder" / chapter.name, as_version=4)
    subs = out / "submissions"
    subs.mkdir()
    shutil.copy(chapter, subs / "original.ipynb")
    shutil.copy(student_nb, subs / "untouched.ipynb")
    # one wrong answer: the solved notebook with the first question's answer cell emptied
    wrong = nbformat.read(assignment / "autograder" / chapter.name, as_version=4)
    first_answer = _answer_cells(solved)[0]
    wrong.cells[first_answer].source = re.sub(r"(?m)^(\s*)(\w+) = .*# SOLUTION$", r"\1\2 = None",
                                              wrong.cells[first_answer].source)
    nbformat.write(wrong, subs / "one_wrong.ipynb")
    order = ["original", "one_wrong"] + (["untouched"] if whole else [])
    header, grades = _grade(assignment / "autograder", [subs / f"{n}.ipynb" for n in order], timeout=300, jobs=2)
    assert list(grades) == order, "rows must come back in the order of the submissions"
    return {"chapter": chapter, "assignment": assignment, "header": header, "grades": grades,
            "wrong_question": solved.cells[first_answer]}


def test_assign_writes_student_and_autograder(round_trip):
    assignment, chapter = round_trip["assignment"], round_trip["chapter"]
    assert (assignment / "student" / chapter.name).exists()
    assert list((assignment / "student" / "tests").glob("*.py"))
    assert (assignment / "autograder" / "autograder.zip").exists()
    assert (assignment / "autograder" / chapter.name).exists()


def test_no_student_file_holds_a_solution_or_hidden_test(round_trip):
    chapter, student = round_trip["chapter"], round_trip["assignment"] / "student"
    nb = nbformat.read(chapter, as_version=4)
    secrets = []
    for cell in nb.cells:
        lines = [line.strip() for line in cell.source.splitlines()]
        if cell.cell_type == "code" and lines and lines[0].upper().startswith("# HIDDEN"):
            secrets += [line for line in lines[1:] if len(line) > 12]
        secrets += [re.sub(r"\s*# SOLUTION$", "", line) for line in lines if line.endswith("# SOLUTION")]
    assert secrets
    for path in student.rglob("*"):
        if path.is_file():
            text = path.read_text()
            assert "# HIDDEN" not in text and "'hidden': True" not in text
            for secret in secrets:
                assert secret not in text, f"{path.name} holds {secret!r}"


def test_original_chapter_scores_full_marks(round_trip):
    row = round_trip["grades"]["original"]
    assert round_trip["header"][-2:] == ["total", "possible"]
    assert float(row["total"]) == float(row["possible"]) > 0 and row["note"] == ""


def test_untouched_student_notebook_scores_zero(round_trip, monkeypatch):
    """Graded for WHOLE_PIPELINE; for the other chapters, in-process: each question's tests, which are its
    specification's tests (test_exercise_agreement ties them), fail on the untouched answers."""
    if "untouched" in round_trip["grades"]:
        assert float(round_trip["grades"]["untouched"]["total"]) == 0
        return
    from test_exercise_agreement import untouched_problems

    chapter = next(ch for ch in TABLE if ch.stem == round_trip["chapter"].stem)
    exercises = importlib.import_module(f"{chapter.package}.exercises").EXERCISES
    assert exercises and [p for e in exercises for p in untouched_problems(e, monkeypatch)] == []


def test_one_wrong_answer_loses_exactly_that_question(round_trip):
    grades = round_trip["grades"]
    row, full = grades["one_wrong"], grades["original"]
    lost = [q for q in round_trip["header"][1:-3] if float(row[q]) < float(full[q])]
    assert len(lost) == 1 and float(row[lost[0]]) == 0
    assert float(row["total"]) == float(full["total"]) - float(full[lost[0]])
    assert row["note"].startswith(f"lost points on {lost[0]}") and ";" not in row["note"]


@pytest.mark.slow
def test_grading_survives_broken_submissions(tmp_path):
    """The grader's own robustness, on a two-question toy chapter (fast): an infinite loop is stopped and
    the next submission still graded, an unreadable file and deleted answer cells score zero with a reason,
    and two submissions graded at once come back in order."""
    nbformat.write(toy_chapter(questions=("x", "y")), tmp_path / "toy.ipynb")
    proc = dlmath("assign", tmp_path / "toy.ipynb", tmp_path / "a")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    solved = nbformat.read(tmp_path / "a" / "autograder" / "toy.ipynb", as_version=4)
    student = nbformat.read(tmp_path / "a" / "student" / "toy.ipynb", as_version=4)
    subs = {}
    loop = student.copy()
    loop.cells = loop.cells[:2] + [nbformat.v4.new_code_cell("while True:\n    pass")] + loop.cells[2:]
    subs["infinite_loop"] = loop
    deleted = solved.copy()
    deleted.cells = [c for i, c in enumerate(solved.cells) if i not in _answer_cells(solved)]
    subs["deleted_cells"] = deleted
    subs["solved"] = solved
    second_wrong = solved.copy()
    second_wrong.cells = [c.copy() for c in solved.cells]
    second_wrong.cells[_answer_cells(solved)[1]].source = "y = 4\ncheck(y - 1)"
    subs["second_wrong"] = second_wrong
    vscode = solved.copy()
    vscode.metadata = {**solved.metadata, "kernelspec": {"name": ".venv", "display_name": ".venv (Python 3.11.7)",
                                                         "language": "python"}}
    subs["vscode"] = vscode
    for name, nb in subs.items():
        nbformat.write(nb, tmp_path / f"{name}.ipynb")
    (tmp_path / "not_json.ipynb").write_text('{"cells": [ this is not json')
    order = ["infinite_loop", "solved", "not_json", "deleted_cells", "second_wrong", "vscode"]
    header, grades = _grade(tmp_path / "a" / "autograder", [tmp_path / f"{n}.ipynb" for n in order],
                            timeout=30, jobs=2)
    assert header == ["submission", "q_x", "q_y", "note", "total", "possible"]
    assert list(grades) == order
    assert grades["infinite_loop"]["total"] == "0" and "stopped after 30 s" in grades["infinite_loop"]["note"]
    assert (grades["solved"]["total"], grades["solved"]["possible"], grades["solved"]["note"]) == ("4", "4", "")
    assert grades["not_json"]["total"] == "0" and "not a readable notebook" in grades["not_json"]["note"]
    note = grades["deleted_cells"]["note"]
    assert grades["deleted_cells"]["total"] == "0" and note.startswith("lost points on q_x: NameError") and "; q_y: " in note
    assert (grades["second_wrong"]["q_x"], grades["second_wrong"]["q_y"]) == ("2", "0")
    # the review's case: a correct notebook saved by VS Code (kernel ".venv") scored 0 with "NoSuchKernel"
    assert (grades["vscode"]["total"], grades["vscode"]["note"]) == ("4", "")


def test_grade_rejects_zero_jobs(tmp_path):
    proc = dlmath("grade", tmp_path, tmp_path / "x.ipynb", "--jobs", 0)
    assert proc.returncode == 2 and "jobs must be at least 1, got 0" in proc.stderr and "Traceback" not in proc.stderr


def _sources(path):
    return [(c.cell_type, c.source) for c in nbformat.read(path, as_version=4).cells]


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_selfcheck_edition_is_current_and_holds_no_secret(chapter, tmp_path):
    committed = ROOT / "selfcheck" / chapter.name
    assert committed.exists(), "no self-check edition: run `make selfcheck`"
    fresh = coursework.selfcheck(chapter, tmp_path)
    assert _sources(committed) == _sources(fresh), "the self-check edition is out of date: run `make selfcheck`"
    text = committed.read_text()
    assert "import otter" not in text and "grader.check" not in text and "# HIDDEN" not in text
    assert coursework.leaks(chapter, tmp_path) == []


@pytest.mark.slow
@pytest.mark.parametrize("chapter", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_selfcheck_edition_runs_and_every_check_answers(chapter):
    from nbclient import NotebookClient

    path = ROOT / "selfcheck" / chapter.name
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    texts = ["".join(str(o.get("data", {}).get("text/plain", "")) + o.get("text", "") for o in c.outputs)
             for c in nb.cells if c.cell_type == "code"]
    assert not any(o.output_type == "error" for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    questions = nbformat.read(chapter, as_version=4).cells
    n_questions = sum(1 for c in questions if c.cell_type == "raw" and c.source.startswith("# BEGIN QUESTION"))
    assert sum("Not answered yet" in t for t in texts) == n_questions


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_chapter_links_to_its_selfcheck_edition_in_this_repository(chapter):
    import yaml

    config = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]
    owner_repo, branch = config["url"].removeprefix("https://github.com/").rstrip("/"), config["branch"]
    text = "\n".join(c.source for c in nbformat.read(chapter, as_version=4).cells if c.cell_type == "markdown")
    assert f"https://mybinder.org/v2/gh/{owner_repo}/{branch}?urlpath=lab/tree/selfcheck/{chapter.name}" in text
    assert f"https://colab.research.google.com/github/{owner_repo}/blob/{branch}/selfcheck/{chapter.name}" in text


def test_instructors_page_lists_each_chapters_questions_and_points():
    page = (ROOT / "book" / "instructors.md").read_text()
    rows = {m.group(1): m for m in re.finditer(r"^\| \d, \{doc\}`[^<]+<([\w]+)>` \| (\d+) \| (\d+) \| (.*) \|$", page, re.M)}
    for chapter in CHAPTERS:
        cells = nbformat.read(chapter, as_version=4).cells
        questions = [c.source for c in cells if c.cell_type == "raw" and c.source.startswith("# BEGIN QUESTION")]
        names = [re.search(r"name: (\S+)", q).group(1) for q in questions]
        points = sum(int(re.search(r"points: (\d+)", q).group(1)) for q in questions)
        row = rows.get(chapter.stem)
        assert row, f"book/instructors.md has no row for {chapter.stem}"
        assert (int(row.group(2)), int(row.group(3))) == (len(names), points), chapter.stem
        assert re.findall(r"`(\w+)`", row.group(4)) == names, chapter.stem


# -- a variant per student: `dlmath assign --roster` and `dlmath grade` on a one-question chapter ---------------------
def probability_question(name: str, points: int, title: str, answer: str, solution: str, args: str):
    """A one-question chapter with one of chapter 03's exercises, in the book's marking convention: ``answer`` is
    the reader's cell, ``solution`` the solved one (its lines marked ``# SOLUTION``), ``args`` the names the
    specification's tests take."""
    label, spec, check = f"ex-{name}", name.removeprefix("prob_").upper(), f"ex.check_{name.removeprefix('prob_')}"
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        C("from dlmath.probability import exercises as ex"),
        R(f"# BEGIN QUESTION\nname: {name}\npoints: {points}\nall_or_nothing: true"),
        M(f"```{{exercise-start}} {title}\n:label: {label}\n```\n{title}."),
        C(f"{answer}\n{check}({args})"),
        M("```{exercise-end}\n```"),
        M(f"```{{solution-start}} {label}\n:class: dropdown\n```\nThe solution."),
        C(f"{solution}\n{check}({args})"),
        M("```{solution-end}\n```"),
        R("# BEGIN TESTS"),
        C(f"ex.{spec}.test({args})"),
        C(f"# HIDDEN\nex.{spec}.test({args}, hidden=True)"),
        R("# END TESTS"),
        R("# END QUESTION"),
    ]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def screening_chapter():
    """A chapter with chapter 03's screening exercise, in the book's marking convention."""
    return probability_question(
        "prob_screening", 2, "Compute P(D | +) for `ex.screening_inputs()`", "posterior = ...",
        "i = ex.screening_inputs()\n"
        "posterior = i['sensitivity'] * i['prevalence'] / (i['sensitivity'] * i['prevalence'] + "
        "(1 - i['specificity']) * (1 - i['prevalence']))  # SOLUTION", "posterior")


@pytest.mark.slow
def test_a_roster_gets_a_notebook_each_and_each_is_graded_on_its_own_inputs(tmp_path):
    """Three students get three notebooks with different inputs. Graded: each student's honest work (full
    marks); a student who submits a neighbour's answer (0); a student who edits the seed in the notebook (0, graded
    on their own inputs); a student who submits a neighbour's notebook under the neighbour's id (the marks, with a
    note that the name and the recorded id disagree)."""
    from dlmath.exercise import variant_seed
    from dlmath.probability import exercises as ex

    nbformat.write(screening_chapter(), tmp_path / "screening.ipynb")
    (tmp_path / "roster.csv").write_text("id,name\nalice,A\nbob,B\ncarol,C\n")
    proc = dlmath("assign", tmp_path / "screening.ipynb", tmp_path / "a", "--roster", tmp_path / "roster.csv")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    course = json.loads((tmp_path / "a" / "autograder" / "dlmath.json").read_text())
    assert course["roster"] == ["alice", "bob", "carol"] and len(course["secret"]) == 64
    seeds = {s: variant_seed(course["secret"], s) for s in course["roster"]}
    student = {s: nbformat.read(tmp_path / "a" / "student" / s / "screening.ipynb", as_version=4) for s in seeds}
    for s, nb in student.items():
        assert nb.metadata["dlmath"]["student"] == s and f"use_variant({s!r}, seed={seeds[s]}" in nb.cells[2].source
        assert (tmp_path / "a" / "student" / s / "tests" / "prob_screening.py").exists()
    inputs = {s: ex.SCREENING.inputs(seed) for s, seed in seeds.items()}
    assert len({json.dumps(i, sort_keys=True) for i in inputs.values()}) == 3, "three students, three sets of inputs"
    assert "secret" not in json.dumps([c.source for nb in student.values() for c in nb.cells])

    solved = nbformat.read(tmp_path / "a" / "autograder" / "screening.ipynb", as_version=4)
    subs = tmp_path / "subs"

    def submit(path, student_id, seed, record=None, extra=None):
        nb = coursework._with_variant(solved, record or student_id, seed, "full")
        if extra:
            nb.cells.append(C(extra))
        (subs / path).parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, subs / path)
        return subs / path

    alice_answer = ex.SCREENING.expected(seeds["alice"])["posterior"]
    paths = [submit(f"{s}/screening.ipynb", s, seeds[s]) for s in seeds]
    paths.append(submit("copied/bob.ipynb", "bob", seeds["bob"], extra=f"posterior = {alice_answer!r}"))
    paths.append(submit("edited-seed/carol.ipynb", "carol", seeds["alice"]))
    paths.append(submit("edited-id/carol.ipynb", "carol", seeds["alice"], record="alice"))
    header, grades = _grade(tmp_path / "a" / "autograder", paths, timeout=120, jobs=2)
    assert list(grades) == ["alice/screening", "bob/screening", "carol/screening", "copied/bob", "edited-seed/carol",
                            "edited-id/carol"], "rows are named by their path below the submissions' common folder"
    scores = {name: row["prob_screening"] for name, row in grades.items()}
    assert grades["copied/bob"]["note"].startswith("lost points on prob_screening: ")
    assert len(grades["copied/bob"]["note"]) > len("lost points on prob_screening: ") + 5, "the check's message"
    assert scores == {"alice/screening": "2", "bob/screening": "2", "carol/screening": "2", "copied/bob": "0",
                      "edited-seed/carol": "0", "edited-id/carol": "2"}
    assert grades["edited-id/carol"]["note"] == "the notebook records student alice but its name says carol"
    assert grades["alice/screening"]["note"] == ""


def test_another_chapters_notebook_is_reported_as_such(tmp_path):
    nbformat.write(screening_chapter(), tmp_path / "screening.ipynb")
    proc = dlmath("assign", tmp_path / "screening.ipynb", tmp_path / "a")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    other = screening_chapter()
    other.cells[0].source = "from dlmath.calculus import exercises as ex"
    nbformat.write(other, tmp_path / "calculus.ipynb")
    _, grades = _grade(tmp_path / "a" / "autograder", [tmp_path / "calculus.ipynb"], timeout=60)
    row = grades["calculus"]
    assert row["total"] == "0" and "holds the exercises of dlmath.calculus, not screening" in row["note"]


def test_a_roster_must_name_each_student_once_with_a_usable_id(tmp_path):
    (tmp_path / "r.csv").write_text("alice\nbob\nalice\n")
    with pytest.raises(ValueError, match="more than once"):
        coursework.read_roster(tmp_path / "r.csv")
    (tmp_path / "r.csv").write_text("student\n../etc\n")
    with pytest.raises(ValueError, match="cannot name a folder"):
        coursework.read_roster(tmp_path / "r.csv")
    (tmp_path / "r.csv").write_text("id,email\nalice,a@x\nbob,b@x\n")
    assert coursework.read_roster(tmp_path / "r.csv") == ["alice", "bob"]


def test_the_student_notebooks_checks_work_without_otter(tmp_path):
    """On Binder, Colab or a hub with the book's requirements, otter-grader is missing: grader.check falls back to
    the book's own check, which reads the question's public test beside the notebook."""
    nbformat.write(screening_chapter(), tmp_path / "screening.ipynb")
    proc = dlmath("assign", tmp_path / "screening.ipynb", tmp_path / "a")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    student = tmp_path / "a" / "student"
    nb = nbformat.read(student / "screening.ipynb", as_version=4)
    cells = [c.source for c in nb.cells if c.cell_type == "code"]
    cells.insert(cells.index(next(c for c in cells if "ex.check_screening" in c)) + 1,
                 "posterior = 0.5\nprint(grader.check('prob_screening'))\n"
                 "from dlmath.probability import exercises as ex_\nposterior = ex_.SCREENING.expected()['posterior']\n"
                 "print(grader.check('prob_screening'))")
    script = "import sys\nsys.modules['otter'] = None\n" + "\n".join(c for c in cells if not c.startswith("grader.check"))
    out = subprocess.run([sys.executable, "-c", script], cwd=student, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    lines = [line for line in out.stdout.splitlines() if line.startswith(("Correct", "Not yet"))]
    assert lines[-2].startswith("Not yet (posterior)") and lines[-1].startswith("Correct (posterior)")


def test_the_autograder_archive_lists_what_the_chapter_needs():
    """Gradescope and `otter run` install the archive's environment: CPU torch and the book's ranges (equal to
    requirements.txt), and dlmath at this package's release tag from the book's repository."""
    import yaml

    requirements = coursework.grading_requirements()
    root = {line.split(">=")[0].split("==")[0]: line for line in (ROOT / "requirements.txt").read_text().splitlines()
            if line and not line.startswith(("#", "-"))}
    for line in requirements:
        name = line.split(">=")[0]
        if name in root:
            assert root[name] == line, f"{line} differs from requirements.txt's {root[name]}"
    assert {"torch", "numpy", "scipy", "scikit-learn", "matplotlib"} <= {r.split(">=")[0] for r in requirements}
    assert "--extra-index-url https://download.pytorch.org/whl/cpu" in requirements
    config = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]["url"].rstrip("/")
    assert requirements[-1] == f"dlmath @ git+{config}@v{__import__('dlmath').__version__}"


@pytest.mark.slow
def test_the_autograder_archive_grades_in_a_fresh_environment(tmp_path):
    """What Gradescope does with autograder.zip, here: a new virtual environment from the archive's own list (the
    CPU index and the release tag are out of reach here: torch comes from this machine's wheel, dlmath from this
    repository), then `otter run` grades a solved and an empty submission in it."""
    import yaml
    import zipfile

    nbformat.write(screening_chapter(), tmp_path / "screening.ipynb")
    proc = dlmath("assign", tmp_path / "screening.ipynb", tmp_path / "a")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    archive = tmp_path / "a" / "autograder" / "autograder.zip"
    environment = yaml.safe_load(zipfile.ZipFile(archive).read("environment.yml"))
    pip = next(item["pip"] for item in environment["dependencies"] if isinstance(item, dict))
    assert any(line.startswith("dlmath @ git+") for line in pip) and any(line.startswith("torch") for line in pip)
    package = tmp_path / "dlmath-source"   # a copy: building the package in place would leave build/ in the repository
    package.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, package / name)
    shutil.copytree(ROOT / "src", package / "src", ignore=shutil.ignore_patterns("*.egg-info", "__pycache__"))
    lines = [str(package) if line.startswith("dlmath @") else line for line in pip if not line.startswith("--")]
    (tmp_path / "requirements.txt").write_text("\n".join(lines) + "\n")
    (tmp_path / "constraints.txt").write_text("torch==2.13.0\n")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    install = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "-r",
                              str(tmp_path / "requirements.txt"), "-c", str(tmp_path / "constraints.txt")],
                             capture_output=True, text=True)
    assert install.returncode == 0, install.stderr[-3000:]
    solved = nbformat.read(tmp_path / "a" / "autograder" / "screening.ipynb", as_version=4)
    student = nbformat.read(tmp_path / "a" / "student" / "screening.ipynb", as_version=4)
    scores = {}
    for name, nb in (("solved", solved), ("empty", student)):
        work = tmp_path / name
        (work / "out").mkdir(parents=True)
        nbformat.write(nb, work / "sub.ipynb")
        run = subprocess.run([str(venv / "bin" / "otter"), "run", "--no-logo", "-a", str(archive), "-o",
                              str(work / "out"), str(work / "sub.ipynb")], cwd=work, capture_output=True, text=True)
        assert (work / "out" / "results.json").exists(), run.stdout[-2000:] + run.stderr[-2000:]
        tests = json.loads((work / "out" / "results.json").read_text())["tests"]
        scores[name] = sum(t.get("score") or 0 for t in tests if t.get("name") == "prob_screening")
    assert scores == {"solved": 2, "empty": 0}


def test_an_assign_that_refuses_a_leaking_notebook_leaves_no_student_folder(tmp_path, monkeypatch):
    nbformat.write(toy_chapter(), tmp_path / "toy.ipynb")
    monkeypatch.setattr(coursework, "leaks", lambda source, student: ["student.ipynb: x = 2"])
    with pytest.raises(RuntimeError, match="refusing to hand out"):
        coursework.assign(tmp_path / "toy.ipynb", tmp_path / "out")
    assert not (tmp_path / "out" / "student").exists()
    assert (tmp_path / "out" / "autograder").exists()


@pytest.mark.slow
def test_written_explanations_are_exported_for_a_person_and_never_cost_the_choice(tmp_path):
    nb = probability_question("prob_temperature_limit", 1, "Which? Then explain it in `why`", "answer = ...\nwhy = ...",
                              "answer = 'b'  # SOLUTION\nwhy = 'the ratio of two probabilities grows without bound'  # SOLUTION",
                              "answer, why")
    nbformat.write(nb, tmp_path / "t.ipynb")
    proc = dlmath("assign", tmp_path / "t.ipynb", tmp_path / "a")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    student = nbformat.read(tmp_path / "a" / "student" / "t.ipynb", as_version=4)
    subs = tmp_path / "subs"
    subs.mkdir()
    for name, answer, why in (("ada", "b", "exp((z_i - z_j) / T) grows as T falls"), ("ben", "b", None),
                              ("cy", "a", "uniform")):
        filled = student.copy()
        filled.cells = student.cells + [C(f"answer = {answer!r}\nwhy = {why!r}")]
        nbformat.write(filled, subs / f"{name}.ipynb")
    texts = tmp_path / "texts.csv"
    header, grades = _grade(tmp_path / "a" / "autograder", [subs / f"{n}.ipynb" for n in ("ada", "ben", "cy")],
                            texts=str(texts))
    assert [grades[n]["total"] for n in ("ada", "ben", "cy")] == ["1", "1", "0"], "an explanation never costs the choice"
    rows = list(csv.DictReader(io.StringIO(texts.read_text())))
    assert rows == [{"submission": "ada.ipynb", "question": "prob_temperature_limit",
                     "text": "exp((z_i - z_j) / T) grows as T falls"},
                    {"submission": "cy.ipynb", "question": "prob_temperature_limit", "text": "uniform"}]
