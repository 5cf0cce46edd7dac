"""dlmath.checks: right answers pass, wrong ones get a specific message, nothing raises."""

import numpy as np
import pytest
import torch

from dlmath.checks import Feedback, check_array, check_choice, check_function, check_scalar, check_shape

EXPECTED = np.arange(6.0).reshape(2, 3)


def test_right_array_passes_and_is_truthy():
    fb = check_array(EXPECTED.copy(), EXPECTED, name="Z")
    assert fb.ok and bool(fb) and "Correct (Z)" in str(fb)


def test_torch_tensor_and_list_are_accepted():
    assert check_array(torch.tensor(EXPECTED), EXPECTED)
    assert check_array(EXPECTED.tolist(), EXPECTED)


@pytest.mark.parametrize("answer", [..., None])
def test_unanswered_is_a_reminder_not_an_error(answer):
    fb = check_array(answer, EXPECTED, name="Z")
    assert not fb.ok and not fb.answered
    assert "replace the `...`" in fb.message and str(fb).startswith("Not answered yet")


def test_transposed_answer_is_named_as_such():
    fb = check_array(EXPECTED.T, EXPECTED)
    assert not fb.ok and "expected shape (2, 3), got shape (3, 2)" in fb.message and "transposed" in fb.message


def test_wrong_type_says_what_was_expected():
    for answer in ("12", {"a": 1}, print):
        fb = check_array(answer, EXPECTED)
        assert not fb.ok and "expected a NumPy array" in fb.message


def test_wrong_entries_point_at_the_first_bad_index():
    wrong = EXPECTED.copy()
    wrong[1, 2] = 99
    fb = check_array(wrong, EXPECTED)
    assert not fb.ok and "1 of 6 entries differ" in fb.message and "(1, 2)" in fb.message and "99" in fb.message


def test_known_mistake_gets_its_own_message():
    fb = check_array(EXPECTED + 1, EXPECTED, mistakes={"you added one": EXPECTED + 1})
    assert not fb.ok and fb.message == "you added one"


def test_nan_is_reported():
    fb = check_array(np.full((2, 3), np.nan), EXPECTED)
    assert not fb.ok and "NaN" in fb.message


def test_check_shape():
    assert check_shape(np.zeros((2, 3)), (2, 3))
    assert "got shape (4,)" in check_shape(np.zeros(4), (2, 3)).message


def test_scalar_checks():
    assert check_scalar(3.0000000001, 3.0)
    assert check_scalar(np.float32(2.5), 2.5)
    assert check_scalar(torch.tensor(2.5), 2.5)
    assert "too large" in check_scalar(4, 3).message
    assert "too small" in check_scalar(2, 3).message
    assert "expected a single number" in check_scalar(np.zeros(3), 1.0).message
    assert "expected a single number" in check_scalar(True, 1.0).message
    assert check_scalar(6, 3, mistakes={"doubled": 6}).message == "doubled"


def test_choice_checks_explain_each_option():
    explanations = {"a": "because A", "b": "because B"}
    assert check_choice("b", "b", explanations) and check_choice(" B ", "b", explanations)
    wrong = check_choice("a", "b", explanations)
    assert not wrong.ok and wrong.message == "because A"
    assert "one of the options ['a', 'b']" in check_choice("z", "b", explanations).message
    assert "got 3" in check_choice(3, "b", explanations).message


def test_function_checks_report_exceptions_and_failing_case():
    cases = [((1, 2), 3), ((2, 2), 4)]
    assert check_function(lambda x, y: x + y, cases)
    crash = check_function(lambda x, y: x / 0, cases, name="add")
    assert not crash.ok and "raised ZeroDivisionError" in crash.message
    wrong = check_function(lambda x, y: x * y, cases)
    assert not wrong.ok and "test case 1 of 2" in wrong.message
    assert "expected a function" in check_function(42, cases).message
    assert not check_function(..., cases).answered


def test_feedback_renders_html():
    html = Feedback(False, "x < y", "q").__repr__(), Feedback(False, "x < y", "q")._repr_html_()
    assert "x &lt; y" in html[1] and "#D55E00" in html[1]


def test_function_check_recognises_the_placeholder_and_a_missing_return():
    cases = [((1, 2), 3)]

    def placeholder(x, y):
        return ...

    def no_return(x, y):
        x + y

    fb = check_function(placeholder, cases, name="add")
    assert not fb.ok and not fb.answered and "still returns `...`" in fb.message
    fb = check_function(no_return, cases, name="add")
    assert not fb.ok and fb.answered and "forget the `return`" in fb.message
