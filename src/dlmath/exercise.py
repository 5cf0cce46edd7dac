"""One specification per exercise: the reader's check, the public test and the hidden tests all come from it.

An :class:`Exercise` says

- how its inputs are drawn from a seed (``draw``; the book shows ``book``, the inputs its prose explains);
- the reference solution (``solve``: inputs -> the answers, by name);
- what each answer is and the precision the statement asks for (:class:`Number`, :class:`Array`,
  :class:`Choice`, :class:`Function`, :class:`Text`);
- the named mistakes, each a function of the inputs (so it holds for every variant) giving the answers that
  mistake produces, with the message the reader gets;
- for a function answer, its case families: ordinary inputs and the edge cases that matter.

:meth:`Exercise.check` is what the notebook calls. :meth:`Exercise.judge` is what grading applies, to answers that
arrive as data (a function answer as its outputs on the cases the grader chose): the same rule, so the check and
the grade cannot disagree. Hidden cases are the same families drawn again, to stop answers hard-coded from the book.

A graded copy gives each student their own inputs: :func:`variant_seed` derives a seed from the student's id and a
course secret (HMAC-SHA256); the student notebook calls :func:`use_variant` once, and every exercise draws from it.
"""

from __future__ import annotations

import hashlib
import hmac
import inspect
import os
import re
import math
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from .checks import Feedback, _as_number, _short

__all__ = ["Precision", "Number", "Array", "Choice", "Function", "Text", "Tuple", "Labels", "Shape", "Mistake", "Exercise",
           "Calls",
           "Variant", "use_variant", "current_variant", "variant_seed", "BOOK_SEED", "FEEDBACK_MODES",
           "GRADE_SEED_ENV", "VARIANT_CELL_ID", "Grader"]

#: The id of the cell ``dlmath assign --roster`` adds to each student's notebook (it calls :func:`use_variant`).
VARIANT_CELL_ID = "dlmath-variant"

#: The seed of the book's own inputs (an exercise with ``book`` inputs shows those instead).
BOOK_SEED = 0
#: Set by ``dlmath grade`` for the kernel that runs a submission: the seed of the student's variant, derived from
#: the course secret and the id recorded in the submission (never from the seed written in the notebook).
GRADE_SEED_ENV = "DLMATH_GRADE_SEED"
FEEDBACK_MODES = ("full", "format")


# -- precision ----------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Precision:
    """The precision a statement asks for: ``decimals`` ("to 3 decimals"), ``figures`` ("to 4 significant
    figures"), or neither: the computed value, to a relative ``rel`` (default 1e-6).

    Every value that rounds to the expected one at that precision is accepted (the solution's printed value
    among them); one within ten units of the last asked digit is *close*.
    """

    decimals: int | None = None
    figures: int | None = None
    rel: float = 1e-6
    #: With ``rel``: the absolute tolerance near 0 (a cosine of perpendicular vectors), where a relative one is none.
    abs: float = 1e-12

    def unit(self, expected: float) -> float:
        """One unit of the last digit asked for, at ``expected``."""
        if self.decimals is not None:
            return 10.0 ** -self.decimals
        if self.figures is not None:
            magnitude = math.floor(math.log10(abs(expected))) if expected else 0
            return 10.0 ** (magnitude - self.figures + 1)
        return max(self.rel * abs(expected), self.abs)

    def accepts(self, value: float, expected: float) -> bool:
        if not (math.isfinite(value) and math.isfinite(expected)):
            return value == expected or (math.isnan(value) and math.isnan(expected))
        unit = self.unit(expected)
        if abs(value - expected) <= unit / 2 * (1 + 1e-9) + 1e-15:
            return True
        return self.asked() and round(value / unit) == round(expected / unit)

    def close(self, value: float, expected: float) -> bool:
        return math.isfinite(value) and abs(value - expected) <= 10 * self.unit(expected)

    def asked(self) -> bool:
        return self.decimals is not None or self.figures is not None

    def describe(self) -> str:
        if self.decimals is not None:
            return f"to {self.decimals} decimal{'s' if self.decimals != 1 else ''}"
        if self.figures is not None:
            return f"to {self.figures} significant figures"
        return "as computed (to a relative 1e-6)" if self.rel == 1e-6 else f"as computed (to a relative {self.rel:g})"


# -- answers --------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Number:
    """A single number (Python or NumPy number, a one-element array or tensor)."""

    name: str
    precision: Precision = Precision()
    #: The range every possible answer lies in (a probability: (0, 1)); a value outside it is told so.
    within: tuple[float, float] | None = None

    def parse(self, answer: Any) -> tuple[Any, str | None]:
        value = _as_number(answer)
        if value is None:
            shape = f" of shape {tuple(np.shape(answer))}" if hasattr(answer, "shape") else ""
            return None, f"{self.name} must be a single number, got {type(answer).__name__}{shape}."
        if self.within is not None and not self.within[0] - 1e-9 <= value <= self.within[1] + 1e-9:
            low, high = self.within
            return None, f"{self.name} = {_show(value)} cannot be right: it must lie between {low:g} and {high:g}."
        return value, None

    def same(self, value: Any, expected: Any) -> bool:
        return self.precision.accepts(value, float(expected))

    def describe(self) -> str:
        return f"{self.name}: a number, {self.precision.describe()}"


@dataclass(frozen=True)
class Array:
    """An array of numbers (list, NumPy array or tensor), compared entry by entry at ``precision``."""

    name: str
    shape: tuple[int, ...] | None = None
    precision: Precision = Precision(rel=1e-6)
    #: Accept a column or a row, (n, 1) or (1, n), for a vector of shape (n,).
    squeeze: bool = False

    def parse(self, answer: Any) -> tuple[Any, str | None]:
        if hasattr(answer, "detach") and hasattr(answer, "numpy"):
            answer = answer.detach().cpu().numpy()
        if isinstance(answer, (str, bytes, dict, set)) or callable(answer):
            return None, f"{self.name} must be an array of numbers, got a {type(answer).__name__}."
        try:
            arr = np.asarray(answer, dtype=float)
        except (TypeError, ValueError):
            return None, f"{self.name} must be an array of numbers; NumPy cannot turn a {type(answer).__name__} into one."
        if self.squeeze and arr.ndim == 2 and 1 in arr.shape:
            arr = arr.reshape(-1)
        if self.shape is not None and arr.shape != tuple(self.shape):
            hint = " It looks transposed." if arr.ndim == 2 and arr.shape == tuple(self.shape)[::-1] else ""
            return None, f"{self.name} must have shape {tuple(self.shape)}, got shape {arr.shape}.{hint}"
        return arr, None

    def same(self, value: Any, expected: Any) -> bool:
        expected = np.asarray(expected, dtype=float)
        value = np.asarray(value, dtype=float)
        return value.shape == expected.shape and all(
            self.precision.accepts(float(v), float(e)) for v, e in zip(value.ravel(), expected.ravel()))

    def describe(self) -> str:
        shape = f" of shape {tuple(self.shape)}" if self.shape is not None else ""
        return f"{self.name}: an array{shape}, {self.precision.describe()}"


@dataclass(frozen=True)
class Choice:
    """One option of several, as a string; ``explanations`` says why each is right or wrong."""

    name: str
    explanations: Mapping[str, str]

    def parse(self, answer: Any) -> tuple[Any, str | None]:
        options = list(self.explanations)
        if isinstance(answer, str) and answer.strip().lower() in [o.lower() for o in options]:
            return next(o for o in options if o.lower() == answer.strip().lower()), None
        return None, f"answer with one of the options {options}, as a string; got {_short(answer)}."

    def same(self, value: Any, expected: Any) -> bool:
        return value == expected

    def describe(self) -> str:
        return f"{self.name}: one of {list(self.explanations)}, as a string"


@dataclass(frozen=True)
class Text:
    """A written explanation: read by a person (``dlmath grade --texts`` exports it), never judged by a check, and
    never a reason to lose the points of the other answers."""

    name: str

    def parse(self, answer: Any) -> tuple[Any, str | None]:
        if answer is Ellipsis or answer is None or (isinstance(answer, str) and not answer.strip()):
            return None, None
        return str(answer).strip(), None

    def same(self, value: Any, expected: Any) -> bool:
        return True

    def describe(self) -> str:
        return f"{self.name}: your explanation, as a string (read by your teacher)"


@dataclass(frozen=True)
class Shape:
    """The shape of an array: a tuple of whole numbers (a list or a ``torch.Size`` is accepted)."""

    name: str

    def parse(self, answer: Any) -> tuple[Any, str | None]:
        if isinstance(answer, (tuple, list)) and all(isinstance(s, (int, np.integer)) and not isinstance(s, bool)
                                                    for s in answer):
            return tuple(int(s) for s in answer), None
        return None, f"answer with a tuple of whole numbers, such as (2, 3); got {_short(answer)}."

    def same(self, value: Any, expected: Any) -> bool:
        return tuple(value) == tuple(expected)

    def describe(self) -> str:
        return f"{self.name}: a tuple of whole numbers"


@dataclass(frozen=True)
class Tuple:
    """Several answers returned together, as a tuple or list: a function's ``(w, b)``."""

    name: str
    parts: tuple[Number | Array, ...]

    def parse(self, answer: Any) -> tuple[Any, str | None]:
        if not isinstance(answer, (tuple, list)) or len(answer) != len(self.parts):
            names = ", ".join(p.name for p in self.parts)
            return None, f"{self.name} must be a pair ({names})." if len(self.parts) == 2 else \
                f"{self.name} must be the {len(self.parts)} values ({names})."
        parsed = []
        for part, value in zip(self.parts, answer):
            if value is Ellipsis:
                return None, f"{part.name} is still `...`."
            got, problem = part.parse(value)
            if problem:
                return None, problem
            parsed.append(got)
        return tuple(parsed), None

    def same(self, value: Any, expected: Any) -> bool:
        return all(p.same(v, e) for p, v, e in zip(self.parts, value, expected))

    @property
    def precision(self) -> Precision:
        return self.parts[0].precision

    def describe(self) -> str:
        return f"{self.name}: ({', '.join(p.name for p in self.parts)})"


@dataclass(frozen=True)
class Labels:
    """A label for each of several keys, as a dict (``{"A": "bias", ...}``). ``synonyms`` maps each accepted
    spelling to its label; ``explain(key, label, **inputs)`` says why a wrong label is wrong."""

    name: str
    keys: tuple[str, ...]
    synonyms: Mapping[str, str]
    explain: Callable[..., str] | None = None

    def parse(self, answer: Any) -> tuple[Any, str | None]:
        labels = sorted(set(self.synonyms.values()))
        if not isinstance(answer, dict):
            return None, (f"{self.name} must be a dict such as {{{self.keys[0]!r}: {labels[0]!r}, ...}}, got a "
                          f"{type(answer).__name__}.")
        missing = [k for k in self.keys if k not in answer]
        if missing:
            return None, f"give a label for every key; missing: {missing}."
        out = {}
        for key in self.keys:
            label = self.synonyms.get(str(answer[key]).strip().lower())
            if label is None:
                return None, f"{key}: answer one of {labels}, got {answer[key]!r}."
            out[key] = label
        return out, None

    def same(self, value: Any, expected: Any) -> bool:
        return dict(value) == dict(expected)

    def miss(self, value: dict, expected: dict, inputs: dict) -> str:
        key = next(k for k in self.keys if value[k] != expected[k])
        why = self.explain(key, expected[key], **inputs) if self.explain else f"{key} is {expected[key]}."
        return f"{key} is not {value[key]!r}. {why}"

    def describe(self) -> str:
        return f"{self.name}: a dict giving each of {list(self.keys)} a label"


@dataclass(frozen=True)
class Function:
    """A function the reader writes. ``families`` maps a family name (ordinary inputs, extreme logits, ...) to a
    function drawing the arguments of one case from a random generator; ``returns`` is the :class:`Number` or
    :class:`Array` rule its outputs are compared with."""

    name: str
    families: Mapping[str, Callable[[np.random.Generator], tuple]]
    returns: Number | Array | Tuple
    per_family: int = 2

    def parse(self, answer: Any) -> tuple[Any, str | None]:
        if isinstance(answer, Calls):
            return answer, None
        if not callable(answer):
            return None, f"{self.name} must be a function, got a {type(answer).__name__}."
        return answer, None

    def same(self, value: Any, expected: Any) -> bool:  # outputs of one case
        if isinstance(value, _Raised):
            return False
        parsed, problem = self.returns.parse(value)
        return problem is None and self.returns.same(parsed, expected)

    def describe(self) -> str:
        return f"{self.name}: a function"


Answer = Number | Array | Choice | Text | Function | Tuple | Labels | Shape


@dataclass(frozen=True)
class _Raised:
    """What calling the reader's function raised, as data."""

    kind: str
    message: str


@dataclass
class Calls:
    """A function answer as data: its outputs (or what it raised) on the given argument tuples, in order."""

    args: list[tuple]
    outputs: list[Any]

    @classmethod
    def collect(cls, fn: Callable, args: Sequence[tuple]) -> Calls:
        outputs = []
        for a in args:
            try:
                outputs.append(fn(*_copy_args(a)))
            except Exception as exc:  # the reader's code: recorded, never raised
                outputs.append(_Raised(type(exc).__name__, str(exc)[:200]))
        return cls(list(args), outputs)


def _copy_args(args: tuple) -> tuple:
    return tuple(np.array(a) if isinstance(a, np.ndarray) else a for a in args)


@dataclass(frozen=True)
class Mistake:
    """A named mistake: ``produces(**inputs)`` gives the answers it leads to (a dict, by answer name, of those it
    changes), or for a function answer a function with the wrong behaviour. ``message`` may name inputs in braces,
    ``{prevalence}``, filled in for the reader's variant."""

    message: str
    produces: Callable[..., Any]
    #: False for the answer the cell gives before the reader has done anything (the bug of a debugging exercise,
    #: left in place): the check then says "not answered yet", as for ``...``.
    answered: bool = True


# -- variants -------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Variant:
    """Whose inputs a notebook draws: ``student`` (None in the book), their ``seed``, the ``feedback`` mode."""

    student: str | None = None
    seed: int = BOOK_SEED
    feedback: str = "full"


_variant = Variant()


def use_variant(student: str | None = None, seed: int = BOOK_SEED, feedback: str = "full") -> Variant:
    """Draw every exercise's inputs from ``seed`` (a student notebook's first exercise cell calls this) and give
    ``feedback``: ``"full"`` (named mistakes, as in the book) or ``"format"`` (the type and shape only)."""
    global _variant
    if feedback not in FEEDBACK_MODES:
        raise ValueError(f"feedback must be one of {FEEDBACK_MODES}, got {feedback!r}")
    _variant = Variant(student, int(seed), feedback)
    return _variant


def current_variant() -> Variant:
    return _variant


def variant_seed(secret: bytes | str, student: str) -> int:
    """The seed of a student's inputs: HMAC-SHA256 of the student id under the course secret, as a 63-bit number.
    Without the secret, one student's seed says nothing about another's."""
    key = secret.encode() if isinstance(secret, str) else secret
    digest = hmac.new(key, student.strip().encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") >> 1


# -- the exercise ---------------------------------------------------------------------------------------------------
@dataclass
class Exercise:
    """One exercise, specified once (see the module's docstring)."""

    name: str
    points: int
    answers: tuple[Answer, ...]
    solve: Callable[..., dict]
    draw: Callable[[np.random.Generator], dict] = lambda rng: {}
    book: dict | None = None
    mistakes: Sequence[Mistake] = ()
    title: str = ""
    #: Answers that count as the same when this maps them to the same thing (``t`` -> the examples ``s >= t``
    #: flags): ``{name: key(value, **inputs)}``.
    equivalent: Mapping[str, Callable[..., Any]] = field(default_factory=dict)
    #: Diagnoses for wrong answers that no single named value captures: ``hint(values, **inputs) -> str | None``,
    #: tried after the named mistakes. They change the message only, never what is accepted.
    hints: Sequence[Callable[..., str | None]] = ()
    _names: tuple[str, ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._names = tuple(a.name for a in self.answers)
        functions = [a for a in self.answers if isinstance(a, Function)]
        if functions and len(self.answers) > 1:
            raise ValueError(f"{self.name}: a function answer must be the exercise's only answer")

    # inputs and the reference answer
    def rng(self, seed: int, purpose: str = "inputs") -> np.random.Generator:
        return np.random.default_rng([int(seed), zlib.crc32(f"{self.name}/{purpose}".encode())])

    def inputs(self, seed: int | None = None) -> dict:
        """The inputs of the variant ``seed`` (default: the notebook's variant; the book's shows ``book``)."""
        seed = _variant.seed if seed is None else seed
        if seed == BOOK_SEED and self.book is not None:
            return {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in self.book.items()}
        rng = self.rng(seed)
        for _ in range(200):  # a draw on which two named mistakes (or one and the answer) coincide is drawn again
            inputs = self.draw(rng)
            if not self.coincidences(inputs):
                return inputs
        raise RuntimeError(f"{self.name}: 200 draws in a row were degenerate; widen the draw")  # pragma: no cover

    def coincidences(self, inputs: dict) -> list[tuple[str, str]]:
        """Pairs among the answer and the named mistakes that give the same answers on ``inputs`` at the asked
        precision: on such inputs the check could not tell them apart."""
        if self.function is not None:
            return []
        expected = self.solve(**inputs)
        rows = [("the answer", expected)] + [
            (m.message, {**expected, **m.produces(**inputs)}) for m in self.mistakes]
        found = []
        for i, (a, va) in enumerate(rows):
            for b, vb in rows[i + 1:]:
                if all(self._same(self._by_name(n), _parse(self._by_name(n), va[n]), vb[n], inputs)
                       for n in self._names):
                    found.append((a, b))
        return found

    def expected(self, seed: int | None = None) -> dict:
        return self.solve(**self.inputs(seed))

    @property
    def function(self) -> Function | None:
        return self.answers[0] if isinstance(self.answers[0], Function) else None

    def cases(self, seed: int | None = None, hidden: bool = False) -> list[tuple[str, tuple]]:
        """A function answer's cases: ``per_family`` draws of every family (the hidden ones are other draws)."""
        fn = self.function
        if fn is None:
            return []
        seed = _variant.seed if seed is None else seed
        rng = self.rng(seed, "hidden" if hidden else "cases")
        return [(family, draw(rng)) for family, draw in fn.families.items() for _ in range(fn.per_family)]

    def reference(self, seed: int | None = None) -> Callable:
        """The reference function of a function answer, with the variant's inputs bound."""
        inputs = self.inputs(seed)
        return lambda *args: self.solve(*args, **inputs)[self.function.name]

    # the rule
    def check(self, *answers: Any, seed: int | None = None, feedback: str | None = None) -> Feedback:
        """What the reader sees: the rule of :meth:`judge` applied in the notebook, on the variant's cases."""
        feedback = feedback or _variant.feedback
        texts = sum(isinstance(a, Text) for a in self.answers[len(answers):])
        if len(answers) + texts == len(self.answers):  # an explanation left out counts as not written yet
            answers = (*answers, *([None] * texts))
        if len(answers) != len(self.answers):
            return Feedback(False, f"pass {len(self.answers)} answer(s): {', '.join(self._names)}.", self._label())
        if self.function is not None and callable(answers[0]) and not isinstance(answers[0], Calls):
            fn = answers[0]
            answers = (Calls.collect(fn, [args for _, args in self.cases(seed)]),)
        return self.judge(dict(zip(self._names, answers)), seed=seed, feedback=feedback)

    def judge(self, answers: Mapping[str, Any], seed: int | None = None, hidden: Calls | None = None,
              hidden_seed: int | None = None, feedback: str = "full") -> Feedback:
        """The rule, on answers given as data (a function answer as :class:`Calls` on :meth:`cases`, and, for a
        grade, ``hidden`` calls on the cases of ``hidden_seed``)."""
        label = self._label()
        values = {}
        for answer in self.answers:
            given = answers.get(answer.name, Ellipsis)
            if isinstance(answer, Text):
                values[answer.name] = answer.parse(given)[0]
                continue
            if given is Ellipsis or given is None or (isinstance(given, (tuple, list)) and any(g is Ellipsis for g in given)):
                return Feedback(False, f"replace the `...` with your {answer.name}, then run the cell again.",
                                label, answered=False)
            value, problem = answer.parse(given)
            if problem:
                return Feedback(False, problem, label)
            values[answer.name] = value
        if feedback == "format":
            return Feedback(True, "recorded: " + "; ".join(a.describe() for a in self.answers)
                            + ". Whether it is right is shown when the work is graded.", label, checked=False)
        inputs = self.inputs(seed)
        if self.function is not None:
            return self._judge_function(values[self.function.name], inputs, seed, hidden, hidden_seed)
        expected = self.solve(**inputs)
        wrong = [a for a in self.answers if not self._same(a, values[a.name], expected[a.name], inputs)]
        if not wrong:
            judged = [a for a in self.answers if not isinstance(a, Text)]
            shown = ", ".join(f"{a.name} = {_brief(values[a.name])}" for a in judged)
            unwritten = [a.name for a in self.answers if isinstance(a, Text) and values[a.name] is None]
            later = (f" Write your explanation in {', '.join(unwritten)} too: your teacher reads it." if unwritten
                     else "" if len(judged) == len(self.answers) else " Your explanation is kept for your teacher.")
            return Feedback(True, f"{shown} {'is' if len(judged) == 1 else 'are'} right.{later}", label)
        for answer in wrong:
            if isinstance(answer, Number) and (coarse := _rounded_too_coarsely(answer, values[answer.name],
                                                                              expected[answer.name])):
                return Feedback(False, coarse, label)
        for mistake in self.mistakes:
            produced = mistake.produces(**inputs)
            if produced and all(self._same(self._by_name(k), values[k], v, inputs) for k, v in produced.items()) \
                    and any(k in {a.name for a in wrong} for k in produced):
                return Feedback(False, mistake.message.format(**_formattable(inputs)), label, answered=mistake.answered)
        for hint in self.hints:
            if message := hint(values, **inputs):
                return Feedback(False, message, label)
        first = wrong[0]
        if isinstance(first, Choice):
            return Feedback(False, first.explanations[values[first.name]], label)
        if isinstance(first, Labels):
            return Feedback(False, first.miss(values[first.name], expected[first.name], inputs), label)
        return Feedback(False, _miss(first, values[first.name], expected[first.name]), label)

    def _same(self, answer: Answer, value: Any, expected: Any, inputs: dict) -> bool:
        key = self.equivalent.get(answer.name)
        if key is not None:
            return key(value, **inputs) == key(expected, **inputs)
        return answer.same(value, expected)

    def _judge_function(self, calls: Any, inputs: dict, seed: int | None, hidden: Calls | None,
                        hidden_seed: int | None) -> Feedback:
        fn, label = self.function, self._label()
        cases = self.cases(seed)
        sets = [(cases, calls)]
        if hidden is not None:
            sets.append((self.cases(hidden_seed, hidden=True), hidden))
        for case_list, got in sets:
            if len(got.outputs) != len(case_list):
                return Feedback(False, f"expected outputs on {len(case_list)} cases, got {len(got.outputs)}.", label)
            for i, ((family, args), output) in enumerate(zip(case_list, got.outputs), start=1):
                if output is Ellipsis or (isinstance(output, (tuple, list)) and any(o is Ellipsis for o in output)):
                    return Feedback(False, f"your function {fn.name} still returns `...`: replace it with your "
                                           "code, then run the cell again.", label, answered=False)
                want = self.solve(*args, **inputs)[fn.name]
                if fn.same(output, want):
                    continue
                shown = ", ".join(_short(a) for a in args)
                if isinstance(output, _Raised):
                    return Feedback(False, f"calling it with ({shown}) raised {output.kind}: {output.message}", label)
                if output is None:
                    return Feedback(False, f"your function {fn.name} returns None: did you forget the `return`?",
                                    label)
                # The first case the function gets wrong: which mistakes give that output there? Where several do
                # (on one case, two slips can give the same number), the one that agrees on the most cases wins.
                def agreement(mistake: Mistake) -> int:
                    wrong_fn = mistake.produces
                    return sum(_agrees(fn, out, a, lambda *x: wrong_fn(*x, **inputs))
                               for (_, a), out in zip(case_list, got.outputs))

                candidates = [m for m in self.mistakes
                              if _agrees(fn, output, args, lambda *x, _m=m: _m.produces(*x, **inputs))]
                if candidates:
                    mistake = max(candidates, key=agreement)
                    return Feedback(False, mistake.message.format(**_formattable(inputs)), label,
                                    answered=mistake.answered)
                parsed, problem = fn.returns.parse(output)
                where = f"on a case of the family '{family}' ({shown})"
                if problem:
                    return Feedback(False, f"{where}: {problem}", label)
                return Feedback(False, f"{where}: {_miss(fn.returns, parsed, want)}", label)
        total = len(cases) + (len(hidden.outputs) if hidden is not None else 0)
        families = ", ".join(fn.families)
        return Feedback(True, f"passes all {total} cases ({families}).", label)

    def test(self, *answers: Any, hidden: bool = False) -> None:
        """A graded test (``dlmath assign`` puts it in the assignment; otter runs it). The public one is the
        notebook's check. The hidden one applies the same rule with the full feedback at the seed the grader derived
        from the course secret and the student's id (:data:`GRADE_SEED_ENV`, set by ``dlmath grade``; a student who
        edits the seed in the notebook is still graded on their own inputs), and runs a function answer on hidden
        cases of the same families too. Raises ``AssertionError`` with the check's message, or returns None (otter
        compares a test's output with what it printed when it was written: nothing)."""
        if not hidden:
            fb = self.check(*answers)
        else:
            seed = int(os.environ.get(GRADE_SEED_ENV, _variant.seed))
            given = dict(zip(self._names, answers))
            extra = None
            if answers and self.function is not None and callable(answers[0]):
                given = {self.function.name: Calls.collect(answers[0], [a for _, a in self.cases(seed)])}
                extra = Calls.collect(answers[0], [a for _, a in self.cases(seed, hidden=True)])
            fb = self.judge(given, seed=seed, hidden=extra, hidden_seed=seed, feedback="full")
        if not fb.ok:
            raise AssertionError(str(fb))

    def _by_name(self, name: str) -> Answer:
        return next(a for a in self.answers if a.name == name)

    def _label(self) -> str:
        return ", ".join(self._names)

    # the corpus the agreement test walks
    def corpus(self, seed: int | None = None) -> list[tuple[str, tuple, bool]]:
        """Answers the check must accept (the solution, rounded as asked, equivalent forms) and reject (every
        named mistake): ``(label, answers, accepted)``."""
        inputs = self.inputs(seed)
        out: list[tuple[str, tuple, bool]] = []
        if self.function is not None:
            reference = self.reference(seed)
            out.append(("solution", (reference,), True))
            out.append(("solution as float32 lists", (lambda *a: _float32_lists(reference(*a)),), True))
            for mistake in self.mistakes:
                out.append((mistake.message, (lambda *a, _m=mistake: _m.produces(*a, **inputs),), False))
            return out
        expected = self.solve(**inputs)
        solution = tuple(expected[n] for n in self._names)
        out.append(("solution", solution, True))
        forms = [_equivalent_forms(a, expected[a.name]) for a in self.answers]
        for k in range(max(len(f) for f in forms)):
            form = tuple(f[min(k, len(f) - 1)][1] for f in forms)
            out.append((" / ".join(f[min(k, len(f) - 1)][0] for f in forms), form, True))
        for mistake in self.mistakes:
            produced = mistake.produces(**inputs)
            out.append((mistake.message, tuple(produced.get(n, expected[n]) for n in self._names), False))
        return out


def _parse(answer: Answer, value: Any) -> Any:
    parsed, _ = answer.parse(value)
    return value if parsed is None else parsed


def _equivalent_forms(answer: Answer, value: Any) -> list[tuple[str, Any]]:
    if isinstance(answer, Number):
        forms = [("as a NumPy float64", np.float64(value)), ("as a 1-element array", np.array([value]))]
        if answer.precision.asked():
            unit = answer.precision.unit(float(value))
            decimals = max(0, -int(math.floor(math.log10(unit) + 1e-9)))
            forms.append(("rounded as asked", round(float(value), decimals)))
        if float(value).is_integer():
            forms.append(("as an int", int(value)))
        return forms
    if isinstance(answer, Array):
        arr = np.asarray(value, dtype=float)
        forms = [("as a list", arr.tolist())]
        if answer.precision.asked():
            unit = max(answer.precision.unit(float(v)) for v in arr.ravel()) if arr.size else 1.0
            forms.append(("rounded as asked", np.round(arr, max(0, -int(math.floor(math.log10(unit) + 1e-9))))))
        try:
            import torch

            forms.append(("as a float64 tensor", torch.from_numpy(arr.copy())))
        except ImportError:  # pragma: no cover (torch is the book's)
            pass
        return forms
    if isinstance(answer, Choice):
        return [("in capitals, with spaces", f" {str(value).upper()} ")]
    if isinstance(answer, Shape):
        return [("as a list", list(value)), ("as NumPy integers", tuple(np.int64(v) for v in value))]
    return [("as given", value)]


def _float32_lists(value: Any) -> Any:
    if isinstance(value, tuple):
        return tuple(_float32_lists(v) for v in value)
    return np.asarray(value, dtype=np.float32).tolist()


def _agrees(fn: Function, output: Any, args: tuple, wrong: Callable) -> bool:
    """Does the reader's ``output`` on ``args`` equal what the mistaken function ``wrong`` gives (NaN matching NaN)?"""
    if isinstance(output, _Raised):
        return False
    try:
        with np.errstate(all="ignore"):
            want = wrong(*_copy_args(args))
    except Exception:
        return False
    parsed, problem = fn.returns.parse(output)
    if problem:
        return False
    if isinstance(fn.returns, Tuple):
        return fn.returns.same(parsed, want)
    a, b = np.asarray(parsed, dtype=float), np.asarray(want, dtype=float)
    if a.shape != b.shape:
        return False
    finite = np.isfinite(b)
    if not np.array_equal(np.isfinite(a), finite):
        return False
    return all(fn.returns.precision.accepts(float(x), float(y)) for x, y in zip(a[finite], b[finite]))


def _rounded_too_coarsely(answer: Number, value: float, expected: float) -> str | None:
    """The message for the answer rounded to fewer digits than asked (0.14 for 0.141), if that is what it is."""
    precision = answer.precision
    if not precision.asked() or not math.isfinite(value):
        return None
    asked = max(0, -int(math.floor(math.log10(precision.unit(float(expected))) + 1e-9)))
    for digits in range(asked - 1, -1, -1):
        if math.isclose(value, round(float(expected), digits), rel_tol=0, abs_tol=1e-12):
            return (f"{_show(value)} is the answer rounded to {digits} decimal{'s' if digits != 1 else ''}; the "
                    f"statement asks for it {precision.describe()}: keep more digits.")
    return None


def _miss(answer: Number | Array | Tuple, value: Any, expected: Any) -> str:
    """What is wrong with a value that no named mistake explains: close, or too large or small, or which entry."""
    if isinstance(answer, Tuple):
        part, v, e = next((p, v, e) for p, v, e in zip(answer.parts, value, expected) if not p.same(v, e))
        right = [p.name for p, v2, e2 in zip(answer.parts, value, expected) if p.same(v2, e2)]
        return (f"{', '.join(right)} {'is' if len(right) == 1 else 'are'} right, but " if right else "") + _miss(part, v, e)
    if isinstance(answer, Shape):
        return f"{tuple(value)} is not the shape asked for."
    precision = answer.precision
    if isinstance(answer, Number):
        expected = float(expected)
        if not math.isfinite(value):
            return f"{answer.name} is {value}, not a finite number."
        if precision.asked() and precision.close(value, expected):
            return (f"{_show(value)} is close, but not right {precision.describe()}: keep more digits in your "
                    "working and round only at the end.")
        if not precision.asked() and abs(value - expected) <= 1e-3 * abs(expected):
            return f"{_show(value)} is close but not equal: did you round an intermediate result?"
        return f"{_show(value)} is {'too large' if value > expected else 'too small'}."
    arr, expected = np.asarray(value, dtype=float), np.asarray(expected, dtype=float)
    if arr.shape != expected.shape:
        return f"{answer.name} has shape {arr.shape}; the answer has shape {expected.shape}."
    if not np.all(np.isfinite(arr)) and np.all(np.isfinite(expected)):
        return f"{answer.name} contains NaN or infinity; the expected array does not."
    bad = [i for i, (v, e) in enumerate(zip(arr.ravel(), expected.ravel())) if not precision.accepts(float(v), float(e))]
    index = tuple(int(i) for i in np.unravel_index(bad[0], arr.shape)) if arr.ndim else ()
    close = all(precision.close(float(arr.ravel()[i]), float(expected.ravel()[i])) for i in bad)
    what = "close to the answer but not right" if close and precision.asked() else "not right"
    asked = f" {precision.describe()}" if precision.asked() else ""
    return (f"the shape {arr.shape} is right, but {len(bad)} of {arr.size} entries are {what}{asked}; at index "
            f"{index} you have {_show(float(arr[index]) if arr.ndim else float(arr))}.")


def _show(value: Any) -> str:
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.6g}"
    if isinstance(value, np.ndarray):
        return np.array2string(value, precision=4, suppress_small=True)
    return str(value)


def _brief(value: Any) -> str:
    if isinstance(value, np.ndarray) and value.size > 6:
        return f"(an array of shape {value.shape})"
    return _show(value)


def _formattable(inputs: dict) -> dict:
    return {k: (_show(v) if isinstance(v, np.ndarray) else v) for k, v in inputs.items()}


class Grader:
    """What an assigned notebook's ``grader.check("prob_kl")`` calls where otter-grader is not installed (Binder,
    Colab, a JupyterHub with the book's requirements): the question's public test, read from ``tests/<name>.py``
    beside the notebook, which is the exercise's own check. It returns the check's feedback instead of raising."""

    _PUBLIC = re.compile(r">>> ex\.(\w+)\.test\(((?:(?!>>>).)*?)\)\\n")

    def __init__(self, tests: str | os.PathLike = "tests"):
        self.tests = Path(tests)

    def check(self, name: str) -> Feedback:
        caller = inspect.currentframe().f_back
        namespace = {**caller.f_globals, **caller.f_locals}
        path = self.tests / f"{name}.py"
        if not path.is_file():
            return Feedback(False, f"no public test {path}: keep the tests folder next to the notebook.", name)
        calls = [m for m in self._PUBLIC.finditer(path.read_text()) if not m.group(2).endswith("hidden=True")]
        if not calls or "ex" not in namespace:
            return Feedback(False, f"{path} holds no check this notebook can run; run the notebook's first cells.", name)
        spec_name, args = calls[0].group(1), calls[0].group(2)
        spec = getattr(namespace["ex"], spec_name, None)
        if not isinstance(spec, Exercise):
            return Feedback(False, f"the chapter's exercises have no {spec_name}: is this the right notebook?", name)
        try:
            answers = eval(f"({args},)", namespace)  # noqa: S307  (the public test's own expression)
        except NameError as exc:
            return Feedback(False, f"{exc}: run the cell that defines it first.", name, answered=False)
        return spec.check(*answers)
