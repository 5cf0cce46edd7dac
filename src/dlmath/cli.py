"""The ``dlmath`` command.

``dlmath strip NOTEBOOK...``        remove outputs from notebooks before committing them;
``dlmath check-clean NOTEBOOK...``  exit 1 if a notebook holds outputs (for CI and pre-commit hooks);
``dlmath --version``.
"""

from __future__ import annotations

import argparse
import sys

from . import __version__
from .notebooks import dirty_cells, strip_outputs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="dlmath", description="Tools of the dlmath book.")
    parser.add_argument("--version", action="version", version=f"dlmath {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("strip", help="remove outputs and execution counts from notebooks, in place")
    p.add_argument("notebooks", nargs="+")
    p = sub.add_parser("check-clean", help="fail if a notebook holds outputs")
    p.add_argument("notebooks", nargs="+")
    args = parser.parse_args(argv)

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


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
