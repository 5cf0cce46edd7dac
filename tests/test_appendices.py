"""The appendices, read from their sources: the glossary is linked from the chapters, the FAQ's links resolve, and
the notation table is complete. (The built site is checked by the -W build in test_book.py.)"""

from __future__ import annotations

import re

import nbformat
import pytest

from conftest import ROOT, chapter_notebooks, toc_files

BOOK = ROOT / "book"
TERM_ROLE = re.compile(r"\{term\}`([^`]+)`")
REF_ROLE = re.compile(r"\{(?:num)?ref\}`([^`]+)`")  # {ref} or {numref}: a section by title or by number
LABEL = re.compile(r"^\(([\w-]+)\)=\s*$", re.M)


def glossary_terms() -> list[str]:
    """The terms of book/glossary.md's glossary directive: its unindented lines, option lines excepted."""
    text = (BOOK / "glossary.md").read_text()
    block = re.search(r"```\{glossary\}\n(.*?)\n```", text, re.S)
    assert block, "book/glossary.md has no ```{glossary} block"
    return [line.strip() for line in block.group(1).splitlines()
            if line.strip() and not line.startswith((" ", "\t", ":"))]


def role_target(content: str) -> str:
    """The target of a role's content: ``text <target>`` -> target, ``target`` -> target."""
    m = re.fullmatch(r"\s*(.*?)\s*<([^<>]+)>\s*", content, re.S)
    return (m.group(2) if m else content).strip()


def markdown_of(path) -> str:
    if path.suffix == ".ipynb":
        return "\n".join(c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "markdown")
    return path.read_text()


def book_sources() -> list:
    return [ROOT / f"{doc}{suffix}" for doc in toc_files() for suffix in (".ipynb", ".md")
            if (ROOT / f"{doc}{suffix}").exists()]


def test_glossary_has_at_least_40_distinct_terms():
    terms = glossary_terms()
    assert len(terms) >= 40, len(terms)
    assert len({t.lower() for t in terms}) == len(terms), "a term appears twice"


def test_every_glossary_term_is_linked_from_a_chapter():
    """Each term is linked with the {term} role where a chapter defines or first uses it."""
    linked = {role_target(c).lower() for path in chapter_notebooks() for c in TERM_ROLE.findall(markdown_of(path))}
    missing = [t for t in glossary_terms() if t.lower() not in linked]
    assert missing == [], f"glossary terms that no chapter links with {{term}}: {missing}"


def test_every_term_role_names_a_glossary_term():
    terms = {t.lower() for t in glossary_terms()}
    for path in book_sources():
        for content in TERM_ROLE.findall(markdown_of(path)):
            assert role_target(content).lower() in terms, f"{path.name}: {{term}}`{content}` is not in the glossary"


def test_every_glossary_entry_points_to_a_section():
    """Each definition ends with the chapter and section that introduce the term."""
    text = (BOOK / "glossary.md").read_text()
    labels = all_labels()
    entries = re.split(r"\n\n(?=\S)", re.search(r"```\{glossary\}\n(.*?)\n```", text, re.S).group(1))
    for entry in entries[1:]:  # the first is the :sorted: option
        refs = [role_target(r) for r in REF_ROLE.findall(entry)]
        assert refs and all(r in labels for r in refs), entry.splitlines()[0]


def all_labels() -> set[str]:
    return {label for path in book_sources() for label in LABEL.findall(markdown_of(path))}


def test_every_faq_reference_resolves_to_a_section_of_the_book():
    text = (BOOK / "faq.md").read_text()
    refs = [role_target(r) for r in REF_ROLE.findall(text)]
    assert len(refs) >= 20
    labels = all_labels()
    unknown = sorted({r for r in refs if r not in labels})
    assert unknown == [], f"faq.md refers to labels no page defines: {unknown}"


def test_every_faq_answer_links_into_the_chapters():
    text = (BOOK / "faq.md").read_text()
    answers = re.split(r"^## ", text, flags=re.M)[1:]
    assert len(answers) >= 8
    chapter_labels = {label for path in chapter_notebooks() for label in LABEL.findall(markdown_of(path))}
    for answer in answers:
        question = answer.splitlines()[0]
        assert question.endswith("?"), question
        refs = {role_target(r) for r in REF_ROLE.findall(answer)}
        assert refs & chapter_labels, f"the answer to {question!r} links to no chapter section"


def test_notation_table_rows_name_a_code_and_an_existing_chapter():
    text = (BOOK / "notation.md").read_text()
    rows = [line for line in text.splitlines() if line.startswith("| $")]
    assert len(rows) >= 30
    docs = {doc.split("/")[-1] for doc in toc_files()}
    for row in rows:
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", row.strip().strip("|"))]
        assert len(cells) == 4, row
        target = re.fullmatch(r"\{doc\}`chapter \d <(\w+)>`", cells[3])
        assert target and target.group(1) in docs, row


@pytest.mark.parametrize("page", ["faq", "glossary", "notation"])
def test_appendices_are_in_the_table_of_contents(page):
    assert f"book/{page}" in toc_files()
