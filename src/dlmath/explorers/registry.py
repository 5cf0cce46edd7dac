"""Every explorer of the book, by name; a chapter's explorers are imported only when asked for.

A chapter declares its explorers in ``dlmath.<chapter>.explorers`` with ``@register``. Importing that module
imports no other chapter. :data:`REGISTRY` imports a chapter's module the first time one of its explorers,
or the whole list, is asked for.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Callable

from ..chapters import CHAPTERS, Chapter

if TYPE_CHECKING:
    from .base import Explorer

__all__ = ["Registry", "REGISTRY", "register"]

Factory = Callable[[], "Explorer"]


class Registry(Mapping):
    """A read-only mapping from explorer name to the function that builds it."""

    def __init__(self) -> None:
        self._factories: dict[str, Factory] = {}
        self._chapter_of: dict[str, str] = {}

    def add(self, factory: Factory) -> Factory:
        module = factory.__module__
        name = factory.__name__
        if name in self._factories and self._factories[name].__module__ != module:
            raise ValueError(f"two explorers are named {name!r}: in {self._factories[name].__module__} and {module}")
        self._factories[name] = factory
        self._chapter_of[name] = module.split(".")[1] if module.startswith("dlmath.") else module
        return factory

    def chapter(self, ch: Chapter | str) -> dict[str, Factory]:
        """The explorers of one chapter (a :class:`~dlmath.chapters.Chapter` or its name), importing only it."""
        name = ch.name if isinstance(ch, Chapter) else ch
        importlib.import_module(f"dlmath.{name}.explorers")
        return {k: f for k, f in self._factories.items() if self._chapter_of[k] == name}

    def _load_all(self) -> None:
        for ch in CHAPTERS:
            if ch.has_explorers:
                importlib.import_module(f"{ch.package}.explorers")

    def __getitem__(self, name: str) -> Factory:
        if name not in self._factories:
            self._load_all()
        try:
            return self._factories[name]
        except KeyError:
            raise KeyError(f"no explorer named {name!r}; the explorers are {sorted(self._factories)}") from None

    def __iter__(self) -> Iterator[str]:
        self._load_all()
        return iter(dict(self._factories))

    def __len__(self) -> int:
        self._load_all()
        return len(self._factories)

    def __contains__(self, name: object) -> bool:
        if name not in self._factories:
            self._load_all()
        return name in self._factories


#: Every explorer the package defines, by name (the benchmark and the smoke tests walk it).
REGISTRY = Registry()


def register(factory: Factory) -> Factory:
    """Decorator: record an explorer factory in :data:`REGISTRY` under its function's name, which must be the
    name of the explorer it builds (a test checks this)."""
    return REGISTRY.add(factory)
