"""Every exercise on the specification: its notebook check and its graded tests, as `dlmath grade` runs them,
agree on a corpus of accepted answers (the solution, rounded as asked, equivalent forms) and wrong ones (every
named mistake), for the book's inputs and for students' variants; each mistake gets its own message; no two named
mistakes, nor one and the answer, coincide on the inputs a reader sees."""

from __future__ import annotations

import importlib

import pytest

from dlmath import CHAPTERS
from dlmath.exercise import GRADE_SEED_ENV, Exercise, use_variant, variant_seed

SPECIFIED = [e for ch in CHAPTERS
             for e in getattr(importlib.import_module(f"{ch.package}.exercises"), "EXERCISES", ())]
SEEDS = [0, variant_seed("course secret", "alice"), variant_seed("course secret", "bob")]


def test_the_chapters_on_the_specification_have_every_exercise_on_it():
    assert len(SPECIFIED) >= 7
    names = [e.name for e in SPECIFIED]
    assert len(names) == len(set(names))
    assert all(isinstance(e, Exercise) for e in SPECIFIED)


def _graded(exercise: Exercise, answers: tuple, seed: int, monkeypatch) -> bool:
    monkeypatch.setenv(GRADE_SEED_ENV, str(seed))
    try:
        exercise.test(*answers)
        exercise.test(*answers, hidden=True)
    except AssertionError:
        return False
    return True


@pytest.mark.parametrize("seed", SEEDS, ids=["book", "alice", "bob"])
@pytest.mark.parametrize("exercise", SPECIFIED, ids=[e.name for e in SPECIFIED])
def test_check_and_graded_tests_agree_on_the_corpus(exercise, seed, monkeypatch):
    use_variant("someone", seed=seed)
    try:
        corpus = exercise.corpus()
        messages = []
        for label, answers, accepted in corpus:
            fb = exercise.check(*answers)
            assert bool(fb) == accepted, f"{label}: the check says {fb}"
            assert _graded(exercise, answers, seed, monkeypatch) == accepted, f"{label}: the grade disagrees with {fb}"
            if not accepted:
                messages.append(fb.message)
        assert len(messages) == len(set(messages)) == len(exercise.mistakes), "two mistakes share a message"
    finally:
        use_variant()


@pytest.mark.parametrize("exercise", [e for e in SPECIFIED if e.function is None], ids=lambda e: e.name)
def test_no_named_mistake_coincides_with_another_or_the_answer(exercise):
    for seed in [0, *range(1, 30)]:
        assert exercise.coincidences(exercise.inputs(seed)) == [], f"seed {seed}"


@pytest.mark.parametrize("exercise", [e for e in SPECIFIED if e.function is not None], ids=lambda e: e.name)
def test_a_function_exercise_covers_each_family_in_the_check_and_again_in_the_hidden_cases(exercise):
    public, hidden = exercise.cases(0), exercise.cases(0, hidden=True)
    assert {f for f, _ in public} == {f for f, _ in hidden} == set(exercise.function.families)
    assert [repr(a) for _, a in public] != [repr(a) for _, a in hidden]


@pytest.mark.parametrize("ch", [ch for ch in CHAPTERS if getattr(
    importlib.import_module(f"{ch.package}.exercises"), "EXERCISES", ())], ids=lambda ch: ch.stem)
def test_a_chapters_specifications_are_its_questions_with_their_points_and_tests(ch):
    """Each question of the chapter (its otter name, a grade-CSV column) has its specification, with the same
    points, and its tests are the specification's public and hidden test."""
    import re

    import nbformat

    from conftest import ROOT

    cells = nbformat.read(ROOT / ch.notebook, as_version=4).cells
    questions = [(re.search(r"name: (\S+)", c.source).group(1), int(re.search(r"points: (\d+)", c.source).group(1)))
                 for c in cells if c.cell_type == "raw" and c.source.startswith("# BEGIN QUESTION")]
    specs = importlib.import_module(f"{ch.package}.exercises").EXERCISES
    assert [(e.name, e.points) for e in specs] == questions
    code = "\n".join(c.source for c in cells if c.cell_type == "code")
    for e in specs:
        spec = next(k for k, v in vars(importlib.import_module(f"{ch.package}.exercises")).items() if v is e)
        assert re.search(rf"^ex\.{spec}\.test\(.*\)$", code, re.M), f"{e.name}: no public test"
        assert re.search(rf"^# HIDDEN\nex\.{spec}\.test\(.*, hidden=True\)$", code, re.M), f"{e.name}: no hidden test"


def _function(text):
    return eval(text, {"np": __import__("numpy")})  # noqa: S307  (the review's answers, written as code)


#: The cases of the issue's "Why" section (the expert review and the teacher's trial): for each, the answer a
#: reader gave and whether it is right. The check and the graded tests must agree on every one.
WHY = [
    ("stat_diagnose", ({"A": "underfit", "B": "overfitting", "C": "balanced"},), True),
    ("stat_diagnose", ({"A": "fine", "B": "variance", "C": "good"},), False),
    ("stat_threshold", (0.4215, 0.4931506849315068), True),
    ("prob_softmax_t", ("lambda z, T: (lambda e: e / e.sum())(np.exp(np.asarray(z) / T - np.min(np.asarray(z) / T)))",),
     False),
    ("tf_attention_fn", ("lambda Q, K, V: (lambda S: (np.exp(S) / np.exp(S).sum(1, keepdims=True)) @ V)"
                         "(Q @ K.T / np.sqrt(K.shape[1]))",), False),
    ("la_dense", ("list",), True),
    ("calc_chain_rule", (-1.592,), True),
    ("prob_kl", (0.396, 0.365), True),
    ("prob_screening", (0.141,), True),
    ("prob_screening", (0.1404,), False),
    ("opt_max_lr", (0.4226,), True),
    ("opt_adam_moments", ([1.184, 2.891],), True),
    ("la_ellipse_area", (21.99,), True),
    ("opt_adam_moments", ("reverse",), False),
    ("opt_momentum", ("lambda W, v, g, lr, mu: (W - (mu * v + lr * g), mu * v + lr * g)",), False),
    ("la_mlp_flops", ("lambda N, d_in, h, d_out: N * h * (d_in + d_out)",), False),
    ("tf_pe_value", (0.99955,), False),
]


@pytest.mark.parametrize("name, answers, accepted", WHY, ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(WHY)])
def test_the_reviews_cases_get_one_verdict_from_check_and_grade(name, answers, accepted, monkeypatch):
    import numpy as np

    exercise = next(e for e in SPECIFIED if e.name == name)
    if answers == ("list",):
        answers = (exercise.expected(0)["Z"].tolist(),)
    elif answers == ("reverse",):
        g, b1, b2 = (exercise.inputs(0)[k] for k in ("g", "beta1", "beta2"))
        m = 0.0
        for g_t in g[::-1]:
            m = b1 * m + (1 - b1) * g_t
        answers = (np.array([m, m / (1 - b1 ** 5)]),)
    elif isinstance(answers[0], str) and answers[0].startswith("lambda"):
        answers = (_function(answers[0]),)
    use_variant()
    with np.errstate(all="ignore"):
        fb = exercise.check(*answers)
        assert bool(fb) == accepted, str(fb)
        assert _graded(exercise, answers, 0, monkeypatch) == accepted


def untouched(exercise: Exercise) -> list[tuple]:
    """What a student notebook's untouched answer cell hands the check and the tests: ``...`` for each answer;
    for a function, the template's function, which returns ``...`` (or one ``...`` per output) or nothing."""
    if exercise.function is not None:
        returns = exercise.function.returns
        parts = len(getattr(returns, "parts", ())) or 1
        return [(lambda *a, **k: ...,), (lambda *a, **k: None,), (lambda *a, **k: (...,) * parts,)]
    return [tuple(... for _ in exercise.answers)]


def untouched_problems(exercise: Exercise, monkeypatch) -> list[str]:
    """Why an untouched answer would earn points (empty when it earns none): its check must say so and both its
    public and hidden tests must fail, as `dlmath grade` runs them."""
    problems = []
    for answers in untouched(exercise):
        fb = exercise.check(*answers)
        if fb or ("`...`" not in fb.message and "return" not in fb.message):
            problems.append(f"{exercise.name}: the check says {fb} to an untouched answer")
        for hidden in (False, True):
            monkeypatch.setenv(GRADE_SEED_ENV, "0")
            try:
                exercise.test(*answers, hidden=hidden)
            except AssertionError:
                continue
            problems.append(f"{exercise.name}: the {'hidden' if hidden else 'public'} test passes an untouched answer")
    return problems


@pytest.mark.parametrize("exercise", SPECIFIED, ids=lambda e: e.name)
def test_an_untouched_answer_fails_its_check_and_its_tests(exercise, monkeypatch):
    assert untouched_problems(exercise, monkeypatch) == []


def _assigned_names(source: str) -> set[str]:
    """The global names a code cell binds: assignments, for targets, function and class definitions, imports."""
    import ast

    try:
        tree = ast.parse(source)
    except SyntaxError:  # IPython magics: the book's chapters have none in code that binds names
        return set()
    names = set()
    for node in tree.body:
        for sub in ast.walk(node) if isinstance(node, (ast.For, ast.With, ast.If, ast.Try)) else [node]:
            if isinstance(sub, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
                targets = sub.targets if isinstance(sub, ast.Assign) else [sub.target]
                names |= {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
            elif isinstance(sub, ast.For):
                names |= {n.id for n in ast.walk(sub.target) if isinstance(n, ast.Name)}
            elif isinstance(sub, (ast.FunctionDef, ast.ClassDef)):
                names.add(sub.name)
            elif isinstance(sub, (ast.Import, ast.ImportFrom)):
                names |= {(a.asname or a.name).split(".")[0] for a in sub.names}
    return names


@pytest.mark.parametrize("ch", [ch for ch in CHAPTERS if getattr(
    importlib.import_module(f"{ch.package}.exercises"), "EXERCISES", ())], ids=lambda ch: ch.stem)
def test_no_later_cell_rebinds_an_answer_before_it_is_graded(ch):
    """otter grades every question after the whole notebook has run, on the names the notebook left behind: a
    later cell that binds a graded name again (another exercise's input called `u`, a plot's `axes`) silently
    changes what is graded. The graded names are the arguments of each question's public test call."""
    import ast
    import re

    import nbformat

    from conftest import ROOT

    cells = nbformat.read(ROOT / ch.notebook, as_version=4).cells
    graded, question, clashes = {}, None, []
    for cell in cells:                                   # question -> the names its test reads
        if cell.cell_type == "raw" and cell.source.startswith("# BEGIN QUESTION"):
            question = re.search(r"name: (\S+)", cell.source).group(1)
        call = re.match(r"ex\.\w+\.test\((.*)\)$", cell.source.strip()) if cell.cell_type == "code" else None
        if call and question not in graded:
            graded[question] = {n.id for n in ast.walk(ast.parse(call.group(1))) if isinstance(n, ast.Name)}
    assert graded, "no question's test call found"
    question, seen = None, set()
    for i, cell in enumerate(cells):
        if cell.cell_type == "raw" and cell.source.startswith("# BEGIN QUESTION"):
            question = re.search(r"name: (\S+)", cell.source).group(1)
            seen.add(question)
        if cell.cell_type == "code":
            bound = _assigned_names(cell.source)
            clashes += [f"cell {i} (question {question}) binds {sorted(names & bound)}, graded for {name}"
                        for name, names in graded.items() if name in seen and name != question and names & bound]
    assert clashes == []
