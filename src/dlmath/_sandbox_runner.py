"""The program :mod:`dlmath.sandbox` runs inside the sandbox: a submission's cells, then its answers as data.

It reads ``plan.json`` (the code cells, those to skip, the questions: the expression each graded test passes and,
for a function answer, the cases to call it on), writes each step it starts to ``progress`` (so that the grader
outside can stop a cell that runs too long) and each question's answers to ``answers.jsonl``. Nothing it writes is
trusted: the grader only decodes data from it.
"""

from __future__ import annotations

import json
import sys


def main(plan_path: str) -> None:
    from dlmath.sandbox import decode, encode

    with open(plan_path) as f:
        plan = json.load(f)
    progress = open("progress", "a", buffering=1)
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    skip_cells = set(plan.get("skip_cells", []))
    for i, source in enumerate(plan["cells"]):
        progress.write(f"cell {i}\n")
        if i not in skip_cells:
            shell.run_cell(source, silent=True, store_history=False)
    progress.write("answers -\n")
    skip_questions = set(plan.get("skip_questions", []))
    with open("answers.jsonl", "a") as out:
        for question in plan["questions"]:
            progress.write(f"question {question['name']}\n")
            if question["name"] in skip_questions:
                continue
            record = {"name": question["name"]}
            try:
                values = eval(f"({question['args']},)", shell.user_ns)  # noqa: S307  (the test's own expression)
            except BaseException as exc:  # the student's notebook never defined it, or it raised
                record["error"] = f"{type(exc).__name__}: {exc}"[:300]
            else:
                if question.get("cases") is not None and callable(values[0]):
                    for key in ("cases", "hidden_cases"):
                        outputs = []
                        for args in decode(question[key]):
                            try:
                                outputs.append(encode(values[0](*args)))
                            except BaseException as exc:  # the student's function raised: data, not an error
                                outputs.append({"__raised__": [type(exc).__name__, str(exc)[:200]]})
                        record[key.replace("cases", "outputs")] = outputs
                else:
                    record["values"] = [encode(v) for v in values]
            out.write(json.dumps(record) + "\n")
            out.flush()
    progress.write("done -\n")


if __name__ == "__main__":
    main(sys.argv[1])
