"""The ``dlmath`` command.

``dlmath assign CHAPTER OUTDIR``              student notebook and autograder for a chapter (otter-grader);
``dlmath grade AUTOGRADER SUBMISSION...``     grade submissions; a CSV table on standard output;
``dlmath selfcheck CHAPTER OUTDIR``           the self-check edition of a chapter;
``dlmath edition CHAPTER OUTDIR``             the notebook edition of a chapter (Binder, Colab, download);
``dlmath setup-cells``                        write each chapter's setup cell (run in the repository);
``dlmath strip NOTEBOOK...``                  remove outputs from notebooks before committing them;
``dlmath check-clean NOTEBOOK...``            exit 1 if a notebook holds outputs;
``dlmath --version``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import __version__
from .chapters import CHAPTERS
from .notebooks import dirty_cells, strip_outputs

CHAPTER_HELP = (f"a chapter, by number ({CHAPTERS[0].number} to {CHAPTERS[-1].number}) or name "
                f"(e.g. {CHAPTERS[3].name}), or a notebook path")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="dlmath", description="Tools of the dlmath book.")
    parser.add_argument("--version", action="version", version=f"dlmath {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("assign", help="write OUTDIR/student and OUTDIR/autograder for a chapter")
    p.add_argument("chapter", help=CHAPTER_HELP)
    p.add_argument("outdir")
    p.add_argument("--roster", metavar="ROSTER.csv",
                   help="one notebook per student (OUTDIR/student/ID/), each with its own inputs; the CSV's column "
                        "`id` (or its first column) lists the student ids")
    p.add_argument("--feedback", choices=["full", "format"], default="full",
                   help="what the students' checks say: full (named mistakes; formative work, the default) or "
                        "format (the answer's type and shape only; summative work)")
    p.add_argument("--seed", type=int, help="without --roster: the inputs of this seed instead of the book's")
    p.add_argument("--no-run-tests", dest="run_tests", action="store_false",
                   help="skip running the solved chapter against its tests (the book's build ran them)")
    p = sub.add_parser("grade", help="grade submissions; prints CSV (last columns: total, possible)")
    p.add_argument("autograder", help="the OUTDIR/autograder folder written by `dlmath assign`")
    p.add_argument("submissions", nargs="+", metavar="SUBMISSION.ipynb")
    p.add_argument("--timeout", type=float, default=600, help="seconds allowed per submission (default 600)")
    p.add_argument("--texts", metavar="TEXTS.csv",
                   help="also write the written explanations (the `why` answers) to this CSV, for a person to mark")
    p.add_argument("--cell-timeout", type=float, default=60,
                   help="seconds allowed per cell, and per function answer, before it is stopped and the rest of "
                        "the notebook runs without it (default 60)")
    p.add_argument("--jobs", type=int, default=1,
                   help="submissions graded at once (default 1; each runs a kernel as large as the chapter)")
    p = sub.add_parser("selfcheck", help="write the self-check edition of a chapter into OUTDIR")
    p.add_argument("chapter", help=CHAPTER_HELP + "; `all`: every chapter with exercises")
    p.add_argument("outdir")
    p = sub.add_parser("edition", help="write the notebook edition of a chapter (clean Markdown, solutions folded, "
                       "no tests) into OUTDIR; glued values come from the build in _build (run in the repository)")
    p.add_argument("chapter", help=CHAPTER_HELP + "; `all`: every chapter")
    p.add_argument("outdir")
    p.add_argument("--build", default="_build", help="the book's build folder, whose jupyter_execute/ holds the "
                   "executed chapters (default _build)")
    p = sub.add_parser("setup-cells", help="make the first cell of every chapter in book/ the setup cell that "
                       "installs this dlmath release (run in the repository; reads _config.yml)")
    p = sub.add_parser("strip", help="remove outputs and execution counts from notebooks, in place")
    p.add_argument("notebooks", nargs="+")
    p = sub.add_parser("check-clean", help="fail if a notebook holds outputs")
    p.add_argument("notebooks", nargs="+")
    args = parser.parse_args(argv)

    if args.command in ("assign", "grade", "selfcheck"):
        return _coursework(args)
    if args.command == "setup-cells":
        return _setup_cells()
    if args.command == "edition":
        return _edition(args)
    status = 0
    for path in args.notebooks:
        try:
            if args.command == "strip":
                print(f"{path}: {'stripped' if strip_outputs(path) else 'already clean'}")
            else:
                dirty = dirty_cells(path)
                if dirty:
                    print(f"{path}: code cells {dirty} hold outputs; run `dlmath strip {path}`")
                    status = 1
        except (OSError, ValueError) as exc:  # unreadable or not a notebook
            print(f"{path}: cannot read as a notebook ({exc})", file=sys.stderr)
            status = 2
    return status


def _setup_cells() -> int:
    import yaml

    from .notebooks import write_setup_cells

    config = Path("_config.yml")
    if not config.is_file():
        print("dlmath setup-cells: run it at the root of the book's repository (no _config.yml here)", file=sys.stderr)
        return 2
    repository = yaml.safe_load(config.read_text())["repository"]["url"]
    changed = write_setup_cells([ch.notebook for ch in CHAPTERS], __version__, repository)
    for path in changed:
        print(f"{path}: setup cell written for dlmath {__version__}")
    return 0


def _edition(args: argparse.Namespace) -> int:
    from . import editions

    try:
        index = editions.BookIndex.of_book(Path.cwd())
        for ch in CHAPTERS if args.chapter == "all" else [args.chapter]:
            print(f"notebook edition: {editions.write_edition(ch, args.outdir, Path.cwd(), args.build, index)}")
    except (FileNotFoundError, ValueError) as exc:
        print(f"dlmath edition: {exc}", file=sys.stderr)
        return 2
    return 0


def _coursework(args: argparse.Namespace) -> int:
    from . import coursework

    try:
        if args.command == "assign":
            result = coursework.assign(args.chapter, args.outdir, roster=args.roster, feedback=args.feedback,
                                       seed=args.seed, run_tests=args.run_tests)
            what = "a folder per student" if args.roster else "student notebook and public tests"
            print(f"{what}: {result.student}  (hand these out)")
            print(f"solutions, hidden tests, autograder.zip, the course secret: {result.autograder}  (keep these)")
        elif args.command == "selfcheck":
            for chapter in coursework.chapters_with_exercises() if args.chapter == "all" else [args.chapter]:
                print(f"self-check edition: {coursework.selfcheck(chapter, args.outdir)}")
        else:
            rows = coursework.grade(args.autograder, args.submissions, timeout=args.timeout, jobs=args.jobs,
                                    cell_timeout=args.cell_timeout)
            sys.stdout.write(coursework.to_csv(rows))
            if args.texts:
                Path(args.texts).write_text(coursework.texts_csv(rows))
    except (FileNotFoundError, ValueError, RuntimeError) as exc:
        print(f"dlmath {args.command}: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
