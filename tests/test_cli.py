"""The dlmath command and notebook hygiene."""

import nbformat
import pytest

import dlmath
from dlmath import cli, notebooks


@pytest.fixture
def executed(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# t"), nbformat.v4.new_code_cell("1 + 1")]
    nb.cells[1].outputs = [nbformat.v4.new_output("execute_result", {"text/plain": "2"}, execution_count=1)]
    nb.cells[1].execution_count = 1
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    path = tmp_path / "nb.ipynb"
    nbformat.write(nb, path)
    return path


def test_dirty_cells_and_strip(executed):
    assert notebooks.dirty_cells(executed) == [1]
    assert notebooks.strip_outputs(executed) is True
    assert notebooks.dirty_cells(executed) == []
    assert "widgets" not in nbformat.read(executed, as_version=4).metadata
    assert notebooks.strip_outputs(executed) is False


def test_cli_check_clean_and_strip(executed, capsys):
    assert cli.main(["check-clean", str(executed)]) == 1
    assert "code cells [1] hold outputs" in capsys.readouterr().out
    assert cli.main(["strip", str(executed)]) == 0
    assert cli.main(["check-clean", str(executed)]) == 0


def test_cli_reports_unreadable_files(tmp_path, capsys):
    bad = tmp_path / "bad.ipynb"
    bad.write_text("{not json")
    assert cli.main(["check-clean", str(bad)]) == 2
    assert "cannot read as a notebook" in capsys.readouterr().err


def test_cli_version(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--version"])
    assert exit_info.value.code == 0 and f"dlmath {dlmath.__version__}\n" == capsys.readouterr().out
