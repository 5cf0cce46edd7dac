"""Answer checks a reader calls from a notebook.

A check never raises on a wrong answer: it returns a :class:`Feedback` that says what is right or what
is wrong (the shape, the type, which entries, a known mistake), shows itself in green or red in Jupyter,
and is truthy only when the answer is right. An unanswered exercise (``...`` or ``None``) gets a
reminder, not an error.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

import numpy as np

__all__ = ["Feedback", "check_array", "check_scalar", "check_choice", "check_function", "check_shape"]


@dataclass(frozen=True)
class Feedback:
    """The outcome of a check: ``ok`` and a message for the reader."""

    ok: bool
    message: str
    name: str = "answer"
    answered: bool = True
    #: False when only the answer's form was checked (a graded copy's ``feedback="format"``): the answer is
    #: recorded, and ``ok`` says only that it has the asked type and shape.
    checked: bool = True

    def __bool__(self) -> bool:
        return self.ok

    @property
    def mark(self) -> str:
        if not self.answered:
            return "Not answered yet"
        if not self.checked and self.ok:
            return "Recorded"
        return "Correct" if self.ok else "Not yet"

    def __str__(self) -> str:
        return f"{self.mark} ({self.name}): {self.message}"

    __repr__ = __str__

    def _repr_html_(self) -> str:
        colour = {"Correct": "#009E73", "Not answered yet": "#666666", "Recorded": "#0072B2"}.get(self.mark, "#D55E00")
        symbol = {"Correct": "&#10004;", "Not answered yet": "&#8230;", "Recorded": "&#8226;"}.get(self.mark, "&#10008;")
        return (f'<div class="dlmath-feedback" style="border-left:4px solid {colour};padding:2px 8px">'
                f'<span style="color:{colour}">{symbol}</span> {html.escape(str(self))}</div>')


def _unanswered(answer: Any, name: str) -> Feedback | None:
    if answer is Ellipsis or answer is None:
        return Feedback(False, f"replace the `...` in the cell with your {name}, then run the cell again.", name, answered=False)
    return None


def _to_array(answer: Any, name: str) -> tuple[np.ndarray | None, Feedback | None]:
    if hasattr(answer, "detach") and hasattr(answer, "numpy"):  # a torch tensor
        answer = answer.detach().cpu().numpy()
    if isinstance(answer, (str, bytes, dict, set)) or callable(answer):
        return None, Feedback(False, f"expected a NumPy array (or a list of numbers), got a {type(answer).__name__}.", name)
    try:
        arr = np.asarray(answer, dtype=float)
    except (TypeError, ValueError):
        return None, Feedback(False, f"expected an array of numbers, got {type(answer).__name__} that NumPy cannot turn into one.", name)
    return arr, None


def check_shape(answer: Any, expected_shape: Sequence[int], name: str = "answer") -> Feedback:
    """Check only that ``answer`` is an array of ``expected_shape`` (useful for shape-debugging exercises)."""
    if (fb := _unanswered(answer, name)) is not None:
        return fb
    arr, fb = _to_array(answer, name)
    if fb is not None:
        return fb
    expected_shape = tuple(expected_shape)
    if arr.shape != expected_shape:
        hint = " It looks transposed." if arr.shape == expected_shape[::-1] and arr.ndim == 2 else ""
        return Feedback(False, f"expected shape {expected_shape}, got shape {arr.shape}.{hint}", name)
    return Feedback(True, f"shape {expected_shape} as expected.", name)


def _known_mistake(arr: np.ndarray, mistakes: Mapping[str, Any] | None, atol: float, rtol: float) -> str | None:
    """The message of the first known mistake whose value the answer reproduces, if any."""
    for message, wrong in (mistakes or {}).items():
        if np.shape(wrong) == arr.shape and np.allclose(arr, wrong, atol=atol, rtol=rtol):
            return message
    return None


def check_array(
    answer: Any,
    expected: Any,
    name: str = "answer",
    atol: float = 1e-6,
    rtol: float = 1e-6,
    mistakes: Mapping[str, Any] | None = None,
) -> Feedback:
    """Compare an array answer with the expected array, elementwise within ``atol + rtol * |expected|``.

    ``mistakes`` maps a message to the value a known mistake produces (for example the result of
    forgetting a transpose); if the answer equals one of them, that message is the feedback.
    """
    if (fb := _unanswered(answer, name)) is not None:
        return fb
    arr, fb = _to_array(answer, name)
    if fb is not None:
        return fb
    expected = np.asarray(expected, dtype=float)
    known = _known_mistake(arr, mistakes, atol, rtol)
    if arr.shape != expected.shape:
        if known:
            return Feedback(False, known, name)
        return check_shape(arr, expected.shape, name)
    if not np.all(np.isfinite(arr)) and np.all(np.isfinite(expected)):
        return Feedback(False, "your array contains NaN or infinity; the expected one does not.", name)
    close = np.isclose(arr, expected, atol=atol, rtol=rtol)
    if close.all():
        return Feedback(True, "every entry matches.", name)
    if known:
        return Feedback(False, known, name)
    if arr.ndim == 0:
        return Feedback(False, f"got {arr.item():.6g}, which is not the expected value.", name)
    diff = np.abs(arr - expected)
    worst = np.unravel_index(np.argmax(np.where(close, -np.inf, diff)), arr.shape)
    n_bad = int((~close).sum())
    return Feedback(False, f"the shape {arr.shape} is right, but {n_bad} of {arr.size} entries differ; "
                           f"at index {tuple(int(i) for i in worst)} you have {arr[worst]:.6g}.", name)


def check_scalar(
    answer: Any,
    expected: float,
    name: str = "answer",
    rel_tol: float = 1e-6,
    abs_tol: float = 1e-9,
    mistakes: Mapping[str, float] | None = None,
) -> Feedback:
    """Compare a single number with the expected one, within ``rel_tol`` (relative) or ``abs_tol``."""
    if (fb := _unanswered(answer, name)) is not None:
        return fb
    value = _as_number(answer)
    if value is None:
        shape = f" of shape {tuple(np.shape(answer))}" if hasattr(answer, "shape") else ""
        return Feedback(False, f"expected a single number, got {type(answer).__name__}{shape}.", name)
    if math.isclose(value, expected, rel_tol=rel_tol, abs_tol=abs_tol):
        return Feedback(True, f"{value:.6g} is right.", name)
    for message, wrong in (mistakes or {}).items():
        if math.isclose(value, wrong, rel_tol=rel_tol, abs_tol=abs_tol):
            return Feedback(False, message, name)
    direction = "too large" if value > expected else "too small"
    return Feedback(False, f"{value:.6g} is {direction}.", name)


def _as_number(answer: Any) -> float | None:
    """A single number as a float (Python, NumPy or a one-element array or tensor), else None."""
    if isinstance(answer, bool):
        return None
    if isinstance(answer, (int, float, np.number)):
        return float(answer)
    if hasattr(answer, "detach") and hasattr(answer, "numpy"):
        answer = answer.detach().cpu().numpy()
    if isinstance(answer, np.ndarray) and answer.size == 1 and np.issubdtype(answer.dtype, np.number):
        return float(answer.reshape(()))
    return None


def check_choice(answer: Any, correct: str, explanations: Mapping[str, str], name: str = "answer") -> Feedback:
    """A multiple-choice check: ``explanations`` maps every option to why it is right or wrong."""
    if (fb := _unanswered(answer, name)) is not None:
        return fb
    options = list(explanations)
    if not isinstance(answer, str) or answer.strip().lower() not in [o.lower() for o in options]:
        return Feedback(False, f"answer with one of the options {options}, as a string; got {answer!r}.", name)
    chosen = next(o for o in options if o.lower() == answer.strip().lower())
    return Feedback(chosen == correct, explanations[chosen], name)


def check_function(
    fn: Any,
    cases: Sequence[tuple[tuple, Any]],
    name: str = "function",
    atol: float = 1e-6,
    compare: Callable[[Any, Any], Feedback] | None = None,
) -> Feedback:
    """Call the reader's function on each ``(args, expected)`` case and compare the results.

    An exception inside the reader's function is reported (type and message), not raised.
    """
    if (fb := _unanswered(fn, name)) is not None:
        return fb
    if not callable(fn):
        return Feedback(False, f"expected a function, got a {type(fn).__name__}.", name)
    compare = compare or (lambda got, want: check_array(got, want, name=name, atol=atol))
    for i, (args, expected) in enumerate(cases, start=1):
        shown = ", ".join(_short(a) for a in args)
        try:
            got = fn(*args)
        except Exception as exc:  # the reader's code: report, never raise
            return Feedback(False, f"calling it with ({shown}) raised {type(exc).__name__}: {exc}", name)
        if got is Ellipsis:  # the body still holds the placeholder
            return Feedback(False, f"your function {name} still returns `...`: replace it with your code, "
                                   "then run the cell again.", name, answered=False)
        if got is None and expected is not None:
            return Feedback(False, f"your function {name} returns None: did you forget the `return`?", name)
        fb = compare(got, expected)
        if not fb.ok:
            return Feedback(False, f"on test case {i} of {len(cases)}, with arguments ({shown}): {fb.message}", name)
    return Feedback(True, f"passes all {len(cases)} test cases.", name)


def _short(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"array of shape {value.shape}"
    text = repr(value)
    return text if len(text) <= 30 else text[:27] + "..."
