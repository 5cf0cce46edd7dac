"""The notebook edition: each chapter as a clean notebook for Binder, Colab, a JupyterHub and download.

The chapters in ``book/`` are written for Jupyter Book: MyST roles (``{eq}``, ``{ref}``, ``{doc}``, ``{term}``,
``{glue:text}``), label lines (``(la-embeddings)=``), numbered equations (``$$ ... $$ (label)``),
sphinx-exercise fences, otter's question and test cells, and otter's markers in the solutions. Only the built
site resolves them. :func:`notebook_edition` writes the chapter as plain Markdown that Jupyter, Colab and
VS Code render:

- an equation reference becomes its number, ``(2.3)``, and the equation itself carries ``\\tag{2.3}``; a code
  comment that cites an equation by its label, ``# equation (calc-eq-differences)``, shows the number too;
- a section, page or glossary reference becomes a link to the published page, with the text the site shows; a
  numbered section reference, ``{numref}`calc-chain-rule```, reads "Section 2.4" as on the site;
- an exercise becomes a heading ``### Exercise 2.3: <title>``, followed by the reader's cell;
- its solution sits under a heading ``#### Solution to Exercise 2.3`` that opens collapsed (JupyterLab's
  ``jp-MarkdownHeadingCollapsed``, Colab's ``collapsed_sections``), its code cell hidden as well
  (``source_hidden``), and without otter's markers;
- otter's cells and the tests are gone; a glued value is the value the build computed.

The numbers (equations, exercises) follow the book's rules (a chapter's number, then the position in the
chapter; the introduction and the appendices unnumbered), and ``tests/test_editions.py`` checks every number,
title and link against the built site. :func:`clean_markdown` is also what the self-check edition and
``dlmath assign`` use for their Markdown.
"""

from __future__ import annotations

import ast
import copy
import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from . import chapters

__all__ = ["BookIndex", "clean_markdown", "notebook_edition", "write_edition", "EDITION_NOTE", "EDITION_DIR"]

#: where the editions are committed, beside ``book/`` and ``selfcheck/``
EDITION_DIR = "notebooks"
EDITION_NOTE = (
    "> **Notebook edition.** This is the chapter of the book *{book}*, with each exercise's solution folded "
    "under its heading (click the heading's arrow to open it). The book itself, with its figures, explorers "
    "and a search, is [on its site]({url})."
)
ROOT = Path(__file__).resolve().parents[2]

_LABEL_LINE = re.compile(r"^\(([\w-]+)\)=[ \t]*\n", re.M)
_TITLE = re.compile(r"^#[ \t]+(.+?)[ \t]*$", re.M)
_HEADING = re.compile(r"^(?:\(([\w-]+)\)=[ \t]*\n+)?(#+)[ \t]+(.+?)[ \t]*$", re.M)   # label (optional), level, title
_EQUATION_END = re.compile(r"^\$\$[ \t]*\(([\w-]+)\)[ \t]*$", re.M)
_EXERCISE = re.compile(r"```\{exercise-start\}[ \t]*([^\n]*)\n:label:[ \t]*([\w-]+)[ \t]*\n")
_FENCE = re.compile(r"```\{(exercise|solution)-(start|end)\}([^\n]*)\n(.*?)```[ \t]*\n?", re.S)
_ROLE = re.compile(r"\{([\w:-]+)\}`([^`]*)`")
_TEXT_TARGET = re.compile(r"^(.*?)\s*<([^<>]+)>$", re.S)
_GLOSSARY = re.compile(r"```\{glossary\}\n(.*?)```", re.S)
_CODE_FENCE = re.compile(r"^```.*?^```", re.S | re.M)
#: an admonition (``{admonition} Title``, ``{note}``, ...), its option lines, and its body
_ADMONITION = re.compile(r"```\{(admonition|note|tip|important|warning|seealso)\}[ \t]*([^\n]*)\n"
                         r"((?:[ \t]*:[\w-]+:[^\n]*\n)*)(.*?)```[ \t]*\n?", re.S)


def _admonition(match: re.Match) -> str:
    """A MyST admonition as plain Markdown: a folded ``<details>`` block for ``:class: dropdown`` (JupyterLab and
    Colab fold it too), a quoted block with its title in bold otherwise."""
    kind, title, options, body = match.groups()
    title, body = title.strip() or kind.capitalize(), body.strip()
    if re.search(r":class:[^\n]*\bdropdown\b", options):
        return f"<details>\n<summary>{title}</summary>\n\n{body}\n\n</details>\n"
    quoted = "\n".join(f"> {line}" if line.strip() else ">" for line in body.splitlines())
    return f"> **{title}**\n>\n{quoted}\n"


def _make_id(text: str) -> str:
    """Sphinx's identifier for a glossary term (``sphinx.util.nodes._make_id``: case kept, runs of other
    characters become one hyphen)."""
    import unicodedata

    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^\w.]+", "-", " ".join(text.split())).strip("-_.")


@dataclass(frozen=True)
class Target:
    """Something a reference points at: its page (``book/02_calculus``), its anchor and the text the site shows."""

    page: str
    anchor: str
    text: str


@dataclass
class BookIndex:
    """Every label of the book, as the built site numbers and names it."""

    base_url: str
    titles: dict[str, str] = field(default_factory=dict)          # page -> its title
    labels: dict[str, Target] = field(default_factory=dict)       # section and exercise labels
    sections: dict[str, str] = field(default_factory=dict)        # label of a numbered section -> "2.4"
    equations: dict[str, Target] = field(default_factory=dict)    # equation label -> "(2.3)"
    exercises: dict[str, tuple[str, str]] = field(default_factory=dict)  # label -> ("Exercise 2.3", title)
    terms: dict[str, str] = field(default_factory=dict)           # lower-case term -> term

    @classmethod
    def of_book(cls, root: Path | None = None) -> "BookIndex":
        """The index of the book at ``root`` (default: the repository that holds this package): its chapters
        in ``book/`` and the pages beside them; the published address from ``_config.yml`` (``html.baseurl``)."""
        import yaml

        root = Path(root or ROOT)
        if not (root / "_config.yml").is_file():  # an installed dlmath, away from the book's repository
            return cls(base_url="")
        config = yaml.safe_load((root / "_config.yml").read_text())
        base = (config.get("html") or {}).get("baseurl") or ""
        index = cls(base_url=base.rstrip("/") + "/")
        numbered = {ch.stem: ch.number for ch in chapters.CHAPTERS if ch.number > 0}
        for path in sorted((root / "book").glob("*.ipynb")) + sorted((root / "book").glob("*.md")):
            index.add_page(f"book/{path.stem}", _page_text(path), numbered.get(path.stem))
        return index

    def add_page(self, page: str, text: str, number: int | None) -> None:
        """Index one page's Markdown ``text``; ``number`` is its chapter number (None: the page is unnumbered)."""
        prose = _CODE_FENCE.sub(lambda m: m.group(0) if "{exercise-start}" in m.group(0) or "{glossary}" in m.group(0)
                                else "", text)
        title = _TITLE.search(prose)
        self.titles[page] = title.group(1) if title else page.rsplit("/", 1)[-1]
        counts: list[int] = []  # sections number as the site does: 2.4 for the fourth ##, 2.4.1 below it
        for label, hashes, heading in _HEADING.findall(prose):
            depth = len(hashes) - 1
            if depth > 0:
                counts = (counts + [0] * depth)[:depth]
                counts[-1] += 1
            if label:
                self.labels[label] = Target(page, label, heading)
                if number is not None and depth > 0:
                    self.sections[label] = ".".join(map(str, [number, *counts]))
        prefix = f"{number}." if number is not None else ""
        for k, label in enumerate(_EQUATION_END.findall(prose), 1):
            self.equations[label] = Target(page, f"equation-{label}", f"({prefix}{k})")
        for k, (title_, label) in enumerate(_EXERCISE.findall(text), 1):
            name = f"Exercise {prefix}{k}"
            self.exercises[label] = (name, title_.strip())
            self.labels[label] = Target(page, label, name)
        for block in _GLOSSARY.findall(text):
            for term in re.findall(r"^(\S[^\n]*)$", block, re.M):
                if not term.startswith(":"):
                    self.terms[term.strip().lower()] = term.strip()
                    self.labels[f"term:{term.strip().lower()}"] = Target(page, f"term-{_make_id(term.strip())}",
                                                                        term.strip())

    def url(self, target: Target) -> str:
        return f"{self.base_url}{target.page}.html" + (f"#{target.anchor}" if target.anchor else "")


def _page_text(path: Path) -> str:
    if path.suffix == ".ipynb":
        nb = nbformat.read(path, as_version=4)
        return "\n\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    return path.read_text()


def build_glue(build: Path, chapter: chapters.Chapter) -> dict[str, dict]:
    """The values the build glued in ``chapter``, by name: each one's output data (``{"text/plain": "0.5"}``).
    myst-nb moves them out of the executed notebook into ``jupyter_execute/book/<stem>.glue.json``; an executed
    notebook that still holds them (``metadata.scrapbook``) is read as well."""
    folder = Path(build) / "jupyter_execute" / "book"
    values: dict[str, dict] = {}
    executed = folder / f"{chapter.stem}.ipynb"
    outputs = [o for c in nbformat.read(executed, as_version=4).cells for o in c.get("outputs", [])] \
        if executed.is_file() else []
    stored = folder / f"{chapter.stem}.glue.json"
    if stored.is_file():
        import json

        outputs += list(json.loads(stored.read_text()).values())
    for output in outputs:
        scrapbook = output.get("metadata", {}).get("scrapbook", {})
        if scrapbook.get("name"):
            prefix = scrapbook.get("mime_prefix", "")
            values[scrapbook["name"]] = {k.removeprefix(prefix): v for k, v in output.get("data", {}).items()}
    return values


def _glue_text(data: dict, spec: str) -> str:
    """What ``{glue:text}`name:spec``` shows, by myst-nb's rule (``myst_nb.core.variables.format_plain_text``): the
    plain-text value read as a Python literal (so quotes go), then formatted by ``spec`` as a string, an integer
    or a float according to its last letter."""
    text = str(data.get("text/plain", ""))
    try:
        value = ast.literal_eval(text)
    except (SyntaxError, ValueError):
        value = text
    if not spec or spec[-1] == "s":
        return str(value) if not spec else format(str(value), spec)
    if spec[-1] in "bcdoxX":
        value = int(value)
    elif spec[-1] in "eEfFgGn%":
        value = float(value)
    return format(value, spec)


class Unresolved(ValueError):
    """A reference that the book does not define."""


def clean_markdown(source: str, index: BookIndex, page: str, glue: dict[str, dict] | None = None,
                   strict: bool = True, solution_heading: bool = False) -> str:
    """``source``, a Markdown cell of ``page``, without MyST: see the module's description.

    ``strict=False`` turns a reference the index lacks into its plain text (a teacher's own notebook given to
    ``dlmath assign``) instead of raising :class:`Unresolved`. ``solution_heading`` keeps a solution's fence as a
    heading ``#### Solution to Exercise N``; otherwise it disappears with the exercise's other fences."""
    folder = page.rsplit("/", 1)[0] + "/" if "/" in page else ""

    def fence(match: re.Match) -> str:
        kind, edge, rest = match.group(1), match.group(2), match.group(3).strip()
        label = re.search(r":label:[ \t]*([\w-]+)", match.group(4))
        if kind == "exercise" and edge == "start":
            name, title = index.exercises.get(label.group(1) if label else "", ("Exercise", rest))
            return f"### {name}: {title}\n\n" if title else f"### {name}\n\n"
        if kind == "solution" and edge == "start" and solution_heading:
            name = index.exercises.get(rest, ("the exercise", ""))[0]
            return f"#### Solution to {name}\n\n"
        return ""

    def link(text: str, target: Target | None, what: str, key: str) -> str:
        if target is None:
            if strict:
                raise Unresolved(f"{page}: {what} {key!r} is not defined in the book")
            return text
        return f"[{text}]({index.url(target)})"

    def role(match: re.Match) -> str:
        name, body = match.group(1), match.group(2)
        explicit = _TEXT_TARGET.match(body)
        text, key = (explicit.group(1), explicit.group(2)) if explicit else (None, body)
        if name == "eq":
            target = index.equations.get(key)
            if target is None and strict:
                raise Unresolved(f"{page}: equation {key!r} is not defined in the book")
            return target.text if target else f"({key})"
        if name == "ref":
            target = index.labels.get(key)
            return link(text or (target.text if target else key), target, "label", key)
        if name == "numref":
            number = index.sections.get(key)
            if number is None and strict:
                raise Unresolved(f"{page}: {key!r} is not a numbered section of the book")
            shown = (text or "Section {number}").replace("{number}", number or key).replace("%s", number or key)
            return link(shown, index.labels.get(key) if number else None, "section", key)
        if name == "doc":
            doc = key if "/" in key else folder + key
            target = Target(doc, "", index.titles[doc]) if doc in index.titles else None
            return link(text or (target.text if target else key), target, "page", key)
        if name == "term":
            target = index.labels.get(f"term:{key.strip().lower()}")
            return link(text or key, target, "glossary term", key)
        if name.startswith("glue"):
            glued_name, _, spec = key.partition(":")
            if glue is None or glued_name not in glue:
                if strict:
                    raise Unresolved(f"{page}: the glued value {glued_name!r} is not in the executed chapter "
                                     "(build the book first: `make book`)")
                return glued_name
            data = glue[glued_name]
            return data.get("text/markdown", "") if name == "glue:md" else _glue_text(data, spec)
        if strict:
            raise Unresolved(f"{page}: the role {{{name}}} has no plain-Markdown form")
        return text or key

    def tag(match: re.Match) -> str:
        target = index.equations.get(match.group(1))
        return f"\\tag{{{target.text.strip('()')}}}\n$$" if target else "$$"

    text = _FENCE.sub(fence, source)
    text = _ADMONITION.sub(_admonition, text)
    text = _LABEL_LINE.sub("", text)
    text = _EQUATION_END.sub(tag, text)
    return re.sub(r"\n{3,}", "\n\n", _ROLE.sub(role, text)).strip()


_CODE_LABEL = re.compile(r"\(([a-z]+-(?:eq|ex)-[\w-]+)\)")


def code_with_numbers(code: str, index: BookIndex) -> str:
    """Code whose comments cite an equation or an exercise by its label, ``# equation (la-eq-matmul)``, as a reader
    sees it: with the book's number, ``# equation (1.2)``. The label keeps the source right when equations move."""
    def number(match: re.Match) -> str:
        label = match.group(1)
        if label in index.equations:
            return index.equations[label].text
        if label in index.exercises:
            return f"({index.exercises[label][0]})"
        return match.group(0)

    return _CODE_LABEL.sub(number, code)


_OTTER_BLOCK = re.compile(r"^[ \t]*# (BEGIN|END) SOLUTION( NO PROMPT)?[ \t]*(\n|\Z)", re.M)
_OTTER_LINE = re.compile(r"[ \t]*# SOLUTION( NO PROMPT)?[ \t]*$", re.M)


def without_otter_markers(code: str) -> str:
    """A solution's code as a reader sees it: no ``# BEGIN/END SOLUTION`` lines, no trailing ``# SOLUTION``."""
    return _OTTER_LINE.sub("", _OTTER_BLOCK.sub("", code)).rstrip("\n")


def _is_raw_marker(cell, marker: str) -> bool:
    return cell.cell_type == "raw" and re.match(rf"#\s*{marker}", cell.source.strip()) is not None


def notebook_edition(chapter: chapters.Chapter, root: Path | None = None, index: BookIndex | None = None,
                     glue: dict[str, dict] | None = None) -> nbformat.NotebookNode:
    """The notebook edition of ``chapter`` (see the module's description), with the values the build glued
    (:func:`build_glue`)."""
    import yaml

    root = Path(root or ROOT)
    index = index or BookIndex.of_book(root)
    page = f"book/{chapter.stem}"
    glue = glue or {}
    source = nbformat.read(root / chapter.notebook, as_version=4)
    title = yaml.safe_load((root / "_config.yml").read_text())["title"]
    cells, in_tests, in_solution, collapsed = [], False, False, []
    for cell in source.cells:
        if _is_raw_marker(cell, "(BEGIN|END) TESTS"):
            in_tests = cell.source.strip().startswith("# BEGIN")
            continue
        if in_tests or cell.cell_type == "raw" or "remove-cell" in cell.metadata.get("tags", []):
            continue
        out = copy.deepcopy(cell)
        out.metadata.pop("tags", None)
        if cell.cell_type == "markdown":
            starts = "{solution-start}" in cell.source
            text = clean_markdown(cell.source, index, page, glue, solution_heading=True)
            if starts:
                in_solution = True
                heading, _, rest = text.partition("\n\n")
                head = nbformat.v4.new_markdown_cell(heading, metadata={"jp-MarkdownHeadingCollapsed": True})
                head["id"] = "solution-" + re.sub(r"\W+", "-", heading.split(" to ", 1)[-1].lower()).strip("-")
                head.metadata["id"] = head["id"]  # Colab names cells by metadata.id
                cells.append(head)
                collapsed.append(head["id"])
                text = rest.strip()
            if "{solution-end}" in cell.source:
                in_solution = False
            if not text:
                continue
            out.source = text
        else:
            out.outputs, out.execution_count = [], None
            out.source = code_with_numbers(out.source, index)
            if in_solution or "hide-input" in cell.metadata.get("tags", []):
                out.metadata["jupyter"] = {"source_hidden": True}
            if in_solution:
                out.source = without_otter_markers(out.source)
        cells.append(out)
    note = nbformat.v4.new_markdown_cell(EDITION_NOTE.format(book=title, url=index.url(Target(page, "", ""))))
    note["id"] = "dlmath-edition-note"
    cells.insert(next((i + 1 for i, c in enumerate(cells) if c.cell_type == "markdown"), 0), note)
    nb = source  # read for this edition alone: its cells are replaced, its metadata kept
    nb.cells = cells
    nb.metadata.pop("widgets", None)
    nb.metadata["colab"] = {"collapsed_sections": collapsed, "provenance": []}
    if glue:  # what the self-check edition and `dlmath assign` quote, without a build of their own
        nb.metadata["dlmath"] = {"glue": {name: {k: v for k, v in data.items() if k in ("text/plain", "text/markdown")}
                                          for name, data in sorted(glue.items())}}
    nb.metadata.setdefault("kernelspec", {"name": "python3", "display_name": "Python 3", "language": "python"})
    return nb


def edition_glue(stem: str, root: Path | None = None) -> dict[str, dict] | None:
    """The glued values written into the committed notebook edition of the chapter ``stem`` (None without one)."""
    path = Path(root or ROOT) / EDITION_DIR / f"{stem}.ipynb"
    if not path.is_file():
        return None
    return nbformat.read(path, as_version=4).metadata.get("dlmath", {}).get("glue", {})


def write_edition(chapter: str | int | chapters.Chapter, outdir: str | Path, root: Path | None = None,
                  build: str | Path | None = None, index: BookIndex | None = None) -> Path:
    """Write the notebook edition of ``chapter`` to ``outdir/<stem>.ipynb``; glued values come from the build's
    executed notebooks under ``build`` (default ``_build``), when the chapter has any."""
    ch = chapter if isinstance(chapter, chapters.Chapter) else chapters.chapter(chapter)
    root = Path(root or ROOT)
    nb = notebook_edition(ch, root, index, build_glue(Path(build or root / "_build"), ch))
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    target = outdir / f"{ch.stem}.ipynb"
    nbformat.write(nb, target)
    return target
