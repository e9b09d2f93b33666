"""Every research notebook runs top to bottom against a fresh demo database."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from amplify.demo import run_demo

    return run_demo(tmp_path_factory.mktemp("demo")).database


def test_there_are_three_notebooks_stored_without_outputs() -> None:
    assert [p.name for p in NOTEBOOKS] == [
        "01_quick_start.ipynb",
        "02_anatomy_of_a_cascade.ipynb",
        "03_channel_network.ipynb",
    ]
    for path in NOTEBOOKS:
        notebook = nbformat.read(path, as_version=4)
        code = [c for c in notebook.cells if c.cell_type == "code"]
        assert code and all(not c.outputs and c.execution_count is None for c in code), path


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_executes(path: Path, demo_db: Path, monkeypatch) -> None:
    monkeypatch.setenv("AMPLIFY_DEMO_DB", str(demo_db))
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": path.parent}}
    )
    client.execute()  # raises CellExecutionError with the failing cell's traceback
    outputs = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert outputs  # the last expression of the cells was displayed
