"""The GitHub Actions workflows, which cannot run here: what they must do, checked on their YAML.

deploy.yml publishes the site and its PDF to GitHub Pages on every push to main; weekly.yml builds and
tests the book with the newest versions requirements.txt allows and runs every chapter in the Binder
environment. Every `make` target and every file they name must exist.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
import yaml

from conftest import ROOT

sys.path.insert(0, str(ROOT / "tools"))
import pdf as pdftool  # noqa: E402  (tools/pdf.py)

WORKFLOWS = ROOT / ".github" / "workflows"
NAMES = ["deploy.yml", "weekly.yml", "release.yml"]
CPU_INDEX = next(line.split()[1] for line in (ROOT / "binder" / "requirements.txt").read_text().splitlines()
                 if line.startswith("--extra-index-url"))


def load(name: str) -> dict:
    workflow = yaml.safe_load((WORKFLOWS / name).read_text())
    # YAML 1.1 reads the key `on` as the boolean True.
    workflow["on"] = workflow.pop(True, workflow.get("on"))
    return workflow


def steps(workflow: dict, job: str | None = None) -> list[dict]:
    jobs = [workflow["jobs"][job]] if job else workflow["jobs"].values()
    return [step for j in jobs for step in j.get("steps", [])]


def runs(workflow: dict, job: str | None = None) -> list[str]:
    return [step["run"] for step in steps(workflow, job) if "run" in step]


def index_of(workflow: dict, job: str, predicate) -> int:
    found = [i for i, step in enumerate(steps(workflow, job)) if predicate(step)]
    assert found, f"no such step in job {job}"
    return found[0]


def uses(name: str):
    return lambda step: step.get("uses", "").split("@")[0] == name


def running(text: str):
    """A step that runs `text`: a line of its script starts with it (comments do not count)."""
    return lambda step: any(line.strip().startswith(text) for line in step.get("run", "").splitlines())


def makefile_targets() -> set[str]:
    return set(re.findall(r"^([A-Za-z][\w.-]*)\s*:(?!=)", (ROOT / "Makefile").read_text(), re.M))


DEPLOY, WEEKLY = load("deploy.yml"), load("weekly.yml")


# deploy.yml

def test_deploy_runs_on_every_push_to_main_and_by_hand():
    assert DEPLOY["on"]["push"]["branches"] == ["main"]
    assert "workflow_dispatch" in DEPLOY["on"]


def test_deploy_has_the_permissions_and_concurrency_pages_requires():
    assert DEPLOY["permissions"]["pages"] == "write"
    assert DEPLOY["permissions"]["id-token"] == "write"
    assert DEPLOY["permissions"].get("contents") == "read"
    assert DEPLOY["concurrency"]["group"] and DEPLOY["concurrency"]["cancel-in-progress"] is False


def test_deploy_builds_with_python_3_11_a_pip_cache_and_cpu_only_torch():
    setup = steps(DEPLOY, "build")[index_of(DEPLOY, "build", uses("actions/setup-python"))]
    assert setup["with"]["python-version"] == "3.11" and setup["with"]["cache"] == "pip"
    assert DEPLOY["env"]["PIP_EXTRA_INDEX_URL"] == CPU_INDEX


def test_deploy_uploads_the_site_with_its_pdf_and_deploys_it():
    book = index_of(DEPLOY, "build", running("make book"))
    pdf = index_of(DEPLOY, "build", running("make pdf"))
    copy = index_of(DEPLOY, "build", running("cp _build/pdf/dlmath.pdf _build/html/"))
    upload = index_of(DEPLOY, "build", uses("actions/upload-pages-artifact"))
    assert book < pdf < copy < upload
    assert steps(DEPLOY, "build")[upload]["with"]["path"] == "_build/html"
    source = steps(DEPLOY, "build")[copy]["run"].split()[1]
    assert source == pdftool.PDF.relative_to(ROOT).as_posix(), "copies the PDF from where tools/pdf.py writes it"
    deploy = DEPLOY["jobs"]["deploy"]
    assert deploy["needs"] == "build" and deploy["environment"]["name"] == "github-pages"
    assert any(uses("actions/deploy-pages")(step) for step in deploy["steps"])


def test_a_failed_pdf_does_not_hold_back_the_site_and_chrome_is_the_runners_own():
    build = steps(DEPLOY, "build")
    pdf = build[index_of(DEPLOY, "build", running("make pdf"))]
    copy = build[index_of(DEPLOY, "build", running("cp _build/pdf/dlmath.pdf"))]
    assert pdf["continue-on-error"] is True and copy["if"] == f"steps.{pdf['id']}.outcome == 'success'"
    # Ubuntu has no Debian chromium: the Makefile and tools/pdf.py take the runner's browser from $CHROMIUM.
    assert DEPLOY["env"]["CHROMIUM"] == WEEKLY["jobs"]["newest"]["env"]["CHROMIUM"] == "/usr/bin/google-chrome"


@pytest.mark.parametrize("given, ok", [("/bin/sh", True), ("/no/such/chrome", False)])
def test_make_chromium_takes_the_browser_chromium_names_and_installs_nothing(given, ok):
    proc = subprocess.run(["make", "-s", "chromium", f"CHROMIUM={given}"], cwd=ROOT, capture_output=True, text=True)
    assert (proc.returncode == 0) == ok, proc.stderr
    assert "apt-get" not in proc.stdout + proc.stderr
    if not ok:
        assert f"CHROMIUM={given}: no such program" in proc.stderr


# weekly.yml

def test_weekly_runs_on_a_weekly_schedule_and_by_hand():
    (cron,) = [entry["cron"] for entry in WEEKLY["on"]["schedule"]]
    minute, hour, day, month, weekday = cron.split()
    assert day == month == "*" and re.fullmatch(r"[0-6]", weekday) and minute.isdigit() and hour.isdigit()
    assert "workflow_dispatch" in WEEKLY["on"]


def test_weekly_installs_the_newest_versions_allowed_with_cpu_only_torch():
    script = "\n".join(runs(WEEKLY, "newest"))
    assert "pip install --upgrade --upgrade-strategy eager -r requirements.txt" in script
    assert WEEKLY["jobs"]["newest"]["env"]["PIP_EXTRA_INDEX_URL"] == CPU_INDEX
    assert "pip freeze" in script
    # The install stamps it touches are the Makefile's, so `make` does not reinstall over the newest.
    for stamp in re.findall(r"touch (.*)", script)[0].split():
        assert stamp.removeprefix(".venv/") in (ROOT / "Makefile").read_text()


def test_weekly_executes_every_chapter_afresh_then_runs_every_test():
    clean = index_of(WEEKLY, "newest", running("make clean"))
    book = index_of(WEEKLY, "newest", running("make book"))
    test = index_of(WEEKLY, "newest", running("make test"))
    assert clean <= book < test
    logs = steps(WEEKLY, "newest")[index_of(WEEKLY, "newest", uses("actions/upload-artifact"))]
    assert logs["if"] == "always()" and "_build/build.log" in logs["with"]["path"]


def test_a_failed_weekly_run_opens_or_updates_an_issue():
    report = WEEKLY["jobs"]["report"]
    assert set(report["needs"]) == set(WEEKLY["jobs"]) - {"report"} and report["if"] == "failure()"
    assert report["permissions"]["issues"] == "write" and report["env"]["GH_TOKEN"] == "${{ github.token }}"
    script = "\n".join(runs(WEEKLY, "report"))
    assert "gh issue create" in script and "gh issue comment" in script and "$RUN" in script


def test_weekly_runs_every_chapter_in_the_binder_environment():
    binder = WEEKLY["jobs"]["binder"]
    assert "PIP_EXTRA_INDEX_URL" not in binder.get("env", {}), "Binder reads the CPU index from binder/requirements.txt"
    assert any("tools/binder_check.sh" in run for run in runs(WEEKLY, "binder"))
    script = (ROOT / "tools" / "binder_check.sh").read_text()
    assert "binder/requirements.txt" in script and "binder/postBuild" in script
    assert "LIMIT_MB=${BINDER_LIMIT_MB:-2048}" in script


def test_weekly_runs_every_notebook_edition_as_colab_would():
    colab = WEEKLY["jobs"]["colab"]
    assert [s["with"]["python-version"] for s in colab["steps"] if "setup-python" in s.get("uses", "")] == ["3.13"]
    script = "\n".join(runs(WEEKLY, "colab"))
    assert '"ipywidgets==7.7.1"' in script and "ipywidgets.__version__ == '7.7.1'" in script
    assert script.index("ipywidgets==7.7.1") < script.index("pip install -e .")  # dlmath must not upgrade it
    assert "tools/run_editions.py" in script and "colab" in WEEKLY["jobs"]["report"]["needs"]


# both

@pytest.mark.parametrize("name", ["deploy.yml", "weekly.yml"])  # release.yml runs tools/release_tag.sh alone
def test_every_make_target_a_workflow_calls_exists(name):
    called = {t for run in runs(load(name)) for t in re.findall(r"\bmake ([a-z][\w-]*)", run)}
    assert called and called <= makefile_targets(), f"not in the Makefile: {called - makefile_targets()}"


@pytest.mark.parametrize("name", NAMES)
def test_every_file_a_workflow_names_exists_or_is_made_by_the_build(name):
    workflow = load(name)
    texts = runs(workflow) + [str(v) for s in steps(workflow) for v in s.get("with", {}).values()]
    made = (ROOT / "Makefile").read_text() + (ROOT / "tools" / "pdf.py").read_text() + (ROOT / "tests" / "conftest.py").read_text()
    for text in texts:
        for path in re.findall(r"(?<![\w./$-])((?:\.?[\w-]+/)+[\w.-]*|[\w-]+\.(?:txt|toml|sh|py|log))(?![\w/])", text):
            if path.startswith((".venv/", "logs/", "binder.log", "colab.log", "_build/html/dlmath.pdf")) or "://" in text.split(path)[0][-8:]:
                continue  # made by the workflow itself
            if path.startswith("_build/"):
                assert path.split("/")[-1] in made, f"{name}: nothing in the build writes {path}"
            else:
                assert (ROOT / path).exists(), f"{name} names {path}, which is not in the repository"


@pytest.mark.parametrize("name", NAMES)
def test_workflow_shell_steps_parse_and_actions_are_pinned(name):
    workflow = load(name)
    assert workflow["defaults"]["run"]["shell"] == "bash", "bash -eo pipefail: a failing `make | tee` fails"
    for run in runs(workflow):
        proc = subprocess.run(["bash", "-n", "-c", run], capture_output=True, text=True)
        assert proc.returncode == 0, f"{run!r}: {proc.stderr}"
    for step in steps(workflow):
        if "uses" in step:
            assert re.fullmatch(r"actions/[\w-]+@v\d+", step["uses"]), step["uses"]


def test_binder_check_script_is_strict_bash():
    script = ROOT / "tools" / "binder_check.sh"
    assert "set -euo pipefail" in script.read_text()
    assert subprocess.run(["bash", "-n", str(script)]).returncode == 0


# -- release.yml: the tag each chapter's setup cell installs ---------------------------------------------------
def test_release_runs_the_tag_script_on_every_push_to_main_with_every_tag_fetched():
    workflow = load("release.yml")
    assert workflow["on"]["push"]["branches"] == ["main"]
    assert workflow["permissions"] == {"contents": "write"}
    checkout = steps(workflow, "tag")[index_of(workflow, "tag", uses("actions/checkout"))]
    assert checkout["with"]["fetch-depth"] == 0
    index_of(workflow, "tag", running("bash tools/release_tag.sh"))


def _git(cwd, *args):
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True).stdout


def _release(repo):
    return subprocess.run(["bash", str(repo / "tools" / "release_tag.sh")], cwd=repo, capture_output=True, text=True)


def test_release_tags_a_new_version_once_and_refuses_a_changed_package_under_an_old_tag(tmp_path):
    """In a real repository with a bare `origin`: a new version is tagged and pushed; the same package is not
    tagged again; a package changed under the same version is refused with what to do."""
    origin, repo = tmp_path / "origin.git", tmp_path / "repo"
    _git(tmp_path, "init", "-q", "--bare", str(origin))
    _git(tmp_path, "init", "-q", str(repo))
    for key, value in (("user.name", "t"), ("user.email", "t@example.org"), ("commit.gpgsign", "false")):
        _git(repo, "config", key, value)
    (repo / "src" / "dlmath").mkdir(parents=True)
    (repo / "tools").mkdir()
    (repo / "tools" / "release_tag.sh").write_text((ROOT / "tools" / "release_tag.sh").read_text())
    init = repo / "src" / "dlmath" / "__init__.py"
    init.write_text('__version__ = "0.2.0"\n')
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "first")
    _git(repo, "remote", "add", "origin", str(origin))

    done = _release(repo)
    assert done.returncode == 0 and "tagged v0.2.0" in done.stdout, done.stderr
    assert _git(origin, "tag").split() == ["v0.2.0"]
    again = _release(repo)
    assert again.returncode == 0 and "already tags" in again.stdout

    (repo / "src" / "dlmath" / "new.py").write_text("x = 1\n")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "a change without a new version")
    refused = _release(repo)
    assert refused.returncode == 1 and "bump __version__" in refused.stderr

    init.write_text('__version__ = "0.2.1"\n')
    _git(repo, "commit", "-qam", "bump")
    assert _release(repo).returncode == 0
    assert sorted(_git(origin, "tag").split()) == ["v0.2.0", "v0.2.1"]
