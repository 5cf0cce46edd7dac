"""Where a reader runs a chapter: Binder's environment, an institution's JupyterHub, a downloaded notebook.

- binder/requirements.txt allows exactly what requirements.txt allows for every package both name (torch
  excepted: Binder pins the CPU build, which must lie in the root's range), and names every package
  the chapters and dlmath import; binder/postBuild installs dlmath; nothing in binder/ overrides them.
- With `launch_buttons.jupyterhub_url` set, a chapter's launch menu opens it on that hub through
  nbgitpuller (a tiny book with the book's own configuration, built in a temporary folder).
- Each chapter page's launch buttons and download button open its notebook edition (notebooks/), which the
  build holds.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from importlib import metadata
from pathlib import Path

import nbformat
import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from conftest import ROOT, chapter_notebooks

BINDER = ROOT / "binder"
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
# What the chapters cannot run without, whatever the import parser below finds.
KNOWN = {"torch", "numpy", "scipy", "scikit-learn", "matplotlib", "ipywidgets"}


def requirements(path: Path) -> dict[str, Requirement]:
    """The packages a requirements file names (options such as --extra-index-url and `-e .` aside)."""
    found = {}
    for line in path.read_text().splitlines():
        line = line.split("#")[0].strip()
        if line and not line.startswith("-"):
            req = Requirement(line)
            found[canonicalize_name(req.name)] = req
    return found


ROOT_REQS, BINDER_REQS = requirements(ROOT / "requirements.txt"), requirements(BINDER / "requirements.txt")


def _top_level_imports(source: str) -> set[str]:
    try:
        tree = ast.parse(source)
    except SyntaxError:  # a cell with IPython syntax (%magic, !shell)
        tree = ast.parse("\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def imported_packages() -> set[str]:
    """The distributions that the chapters' code cells and the dlmath package import."""
    modules = set()
    for path in chapter_notebooks():
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "code":
                modules |= _top_level_imports(cell.source)
    for path in (ROOT / "src" / "dlmath").rglob("*.py"):
        modules |= _top_level_imports(path.read_text())
    dists = metadata.packages_distributions()
    return {canonicalize_name(d) for m in modules for d in dists.get(m, [])}


def test_the_import_parser_finds_what_the_chapters_need():
    assert KNOWN <= imported_packages()


@pytest.mark.parametrize("name", sorted((imported_packages() | KNOWN) & set(ROOT_REQS)))
def test_binder_installs_each_imported_package_within_the_root_range(name):
    assert name in BINDER_REQS, f"binder/requirements.txt lacks {name}, which the chapters import"
    root, binder = ROOT_REQS[name].specifier, BINDER_REQS[name].specifier
    if name == "torch":
        (pin,) = binder
        assert pin.operator == "==" and Version(pin.version).local == "cpu", "Binder pins torch's CPU build"
        assert Version(pin.version) in root, f"Binder's torch {pin.version} is outside requirements.txt's {root}"
    else:
        assert binder == root, f"{name}: Binder allows {binder or 'any version'}, requirements.txt {root}"


def test_binder_and_root_agree_on_every_package_both_name():
    for name in set(ROOT_REQS) & set(BINDER_REQS) - {"torch"}:
        assert BINDER_REQS[name].specifier == ROOT_REQS[name].specifier, name


def test_binder_takes_torch_from_the_cpu_index():
    lines = (BINDER / "requirements.txt").read_text().splitlines()
    assert "--extra-index-url https://download.pytorch.org/whl/cpu" in lines


def test_binder_has_every_dependency_of_dlmath_that_postbuild_skips():
    """postBuild installs dlmath with --no-deps: Binder's requirements (or what they pull in) must hold its own."""
    pulled, todo = set(), [*BINDER_REQS]
    while todo:
        name = todo.pop()
        if name in pulled:
            continue
        pulled.add(name)
        try:
            todo += [canonicalize_name(Requirement(r).name) for r in metadata.requires(name) or [] if "extra ==" not in r]
        except metadata.PackageNotFoundError:
            pass
    project = (ROOT / "pyproject.toml").read_text()
    deps = re.search(r"^dependencies = \[(.*?)\]", project, re.S | re.M).group(1)
    for dep in re.findall(r'"([^"]+)"', deps):
        assert canonicalize_name(Requirement(dep).name) in pulled, dep


def test_postbuild_installs_the_book_package_from_the_repository(tmp_path):
    """Run binder/postBuild as repo2docker does (from the root), with a `python` that records its arguments."""
    postbuild = BINDER / "postBuild"
    assert os.access(postbuild, os.X_OK), "repo2docker runs postBuild only if it is executable"
    log = tmp_path / "python-args"
    fake = tmp_path / "python"
    fake.write_text(f'#!/usr/bin/env bash\necho "$PWD $*" >> {log}\n')
    fake.chmod(0o755)
    home = tmp_path / "home"
    proc = subprocess.run(["bash", str(postbuild)], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "HOME": str(home), "PATH": f"{tmp_path}{os.pathsep}{os.environ['PATH']}"})
    assert proc.returncode == 0, proc.stderr
    calls = log.read_text().splitlines()
    assert any(c.startswith(f"{ROOT} -m pip install") and re.search(r"(^| )(-e )?\.$", c) for c in calls), calls
    # and the learner's Jupyter: idle kernels without a tab are culled, a closed tab's kernel stops
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("jupyter_server_config.py", str(home / ".jupyter")).load_config()
    kernels = config.MappingKernelManager
    assert (kernels.cull_idle_timeout, kernels.cull_connected, kernels.cull_busy) == (60, False, False)
    assert 0 < kernels.cull_interval <= 30
    settings = home / ".jupyter/lab/user-settings/@jupyterlab/notebook-extension/tracker.jupyterlab-settings"
    assert json.loads(re.sub(r"^\s*//.*$", "", settings.read_text(), flags=re.M)) == {"kernelShutdown": True}
    schema = Path(sys.prefix) / "share/jupyter/lab/schemas/@jupyterlab/notebook-extension/tracker.json"
    assert "kernelShutdown" in json.loads(schema.read_text())["properties"], "JupyterLab no longer has the setting"


def test_binder_folder_has_nothing_that_overrides_requirements():
    # repo2docker takes environment.yml (or a Dockerfile, Pipfile, ...) before requirements.txt.
    overriding = {"environment.yml", "environment.yaml", "Dockerfile", "Pipfile", "Pipfile.lock", "setup.py",
                  "Project.toml", "install.R", "DESCRIPTION"}
    assert {p.name for p in BINDER.iterdir()} & overriding == set()
    assert (BINDER / "requirements.txt").exists()


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.links.append(dict(attrs).get("href", ""))


def links(page: Path) -> list[str]:
    parser = _Links()
    parser.feed(page.read_text())
    return parser.links


def test_jupyterhub_url_gives_each_chapter_an_nbgitpuller_link(tmp_path):
    """The book's _config.yml with a hub's address: the chapter's launch menu links the hub's git-pull. Every
    launch button opens the chapter's notebook edition (notebooks/), not its source in book/."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    config["launch_buttons"]["jupyterhub_url"] = "https://hub.example.edu"
    config["execute"]["execute_notebooks"] = "off"
    (tmp_path / "_config.yml").write_text(yaml.safe_dump(config))
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: book/01_tiny\n")
    (tmp_path / "book").mkdir()
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_markdown_cell("# A tiny chapter\n\nOne page."), nbformat.v4.new_code_cell("1 + 1")]
    nbformat.write(nb, tmp_path / "book" / "01_tiny.ipynb")
    (tmp_path / "notebooks").mkdir()  # its notebook edition, which every launch button opens
    nbformat.write(nb, tmp_path / "notebooks" / "01_tiny.ipynb")
    jb = Path(sys.executable).with_name("jupyter-book")
    proc = subprocess.run([str(jb), "build", str(tmp_path), "-W", "-n", "--keep-going"], cwd=tmp_path,
                          capture_output=True, text=True)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
    page = links(tmp_path / "_build" / "html" / "book" / "01_tiny.html")
    repo = CONFIG["repository"]["url"]
    assert repo == "https://github.com/dlmath/dlmath" and CONFIG["repository"]["branch"] == "main"
    assert ("https://hub.example.edu/hub/user-redirect/git-pull?repo=https%3A//github.com/dlmath/dlmath"
            "&urlpath=lab/tree/dlmath/notebooks/01_tiny.ipynb&branch=main") in page
    assert "https://mybinder.org/v2/gh/dlmath/dlmath/main?urlpath=lab/tree/notebooks/01_tiny.ipynb" in page
    assert "https://colab.research.google.com/github/dlmath/dlmath/blob/main/notebooks/01_tiny.ipynb" in page
    assert not [link for link in page if "book/01_tiny.ipynb" in link]


@pytest.mark.book
def test_the_book_offers_no_jupyterhub_link_until_a_hub_is_set(built_site):
    assert CONFIG["launch_buttons"]["jupyterhub_url"] == ""
    page = links(built_site / "book" / "01_linear_algebra.html")
    assert not [link for link in page if "git-pull" in link]


@pytest.mark.book
@pytest.mark.parametrize("path", chapter_notebooks(), ids=lambda p: p.stem)
def test_each_chapter_page_downloads_its_notebook_edition(built_site, path):
    """(test_book checks that its launch buttons open the edition too.)"""
    rel = path.relative_to(ROOT)
    edition = ROOT / "notebooks" / path.name
    page = built_site / rel.with_suffix(".html")
    found = links(page)
    downloads = [link for link in found if link.endswith(".ipynb") and not link.startswith("http")]
    assert downloads == [f"../notebooks/{path.name}"]
    target = (page.parent / downloads[0]).resolve()
    assert target.exists(), f"the download button of {rel} links a missing {target}"
    assert target.read_bytes() == edition.read_bytes(), "the download is the chapter's notebook edition"
