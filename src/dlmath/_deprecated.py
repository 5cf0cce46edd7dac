"""Old import paths that forward to new ones for one release, with a ``DeprecationWarning``.

dlmath 0.2 gave each chapter one package named like its notebook (``dlmath.linear_algebra`` for
``book/01_linear_algebra.ipynb``). A notebook written for 0.1 still runs on 0.2: each old module is a small file
whose module-level ``__getattr__`` (PEP 562, as QuantEcon.py's ``quantecon/arma.py`` does) finds the name at its
new home and warns once per place that uses it. dlmath 0.3 removes them.
"""

from __future__ import annotations

import importlib
import warnings
from typing import Any, Callable

__all__ = ["REMOVED_IN", "moved", "forward"]

MOVED_IN, REMOVED_IN = "0.2", "0.3"


def moved(old: str, new: str, name: str) -> Any:
    """``name`` looked up in module ``new``, with a warning that it was asked for in module ``old``."""
    module = importlib.import_module(new)
    try:
        value = getattr(module, name)
    except AttributeError:
        raise AttributeError(f"module {old!r} has no attribute {name!r} (the module moved to {new})") from None
    warnings.warn(f"{old}.{name} moved to {new}.{name} in dlmath {MOVED_IN}; the old name stops working in dlmath "
                  f"{REMOVED_IN}: import {name} from {new}", DeprecationWarning, stacklevel=3)
    return value


def forward(old: str, new: str) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The module-level ``__getattr__`` and ``__dir__`` of an old module ``old`` that now lives at ``new``."""

    def __getattr__(name: str) -> Any:
        if name.startswith("__") and name != "__all__":
            raise AttributeError(f"module {old!r} has no attribute {name!r}")
        return moved(old, new, name)

    def __dir__() -> list[str]:
        return sorted(set(dir(importlib.import_module(new))))

    return __getattr__, __dir__
