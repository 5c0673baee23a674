"""`make slice`: a new slice is mounted with no other edit, and exactly its own new test fails until it is written."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tools.demo.catalog import load_demo
from tools.slice.__main__ import SliceNameError, check_name, main

PROJECT_ROOT = Path(__file__).resolve().parents[2]
COPIED = ["app", "tests", "tools", "migrations", "alembic.ini", "pyproject.toml", "README.md"]
# The suites a new slice shows up in by itself: its own test, the house rules, the route inventories, the docs.
CHECKS = [
    "tests/features/test_archive_task.py",
    "tests/kernel/test_house.py",
    "tests/kernel/test_route_inventory.py",
    "tests/kernel/test_discovery.py",
    "tests/features/test_service_status.py",
    "tests/tools/test_demo.py::test_every_slice_with_a_route_has_a_demo",
    "tests/tools/test_demo.py::test_every_demo_file_loads",
]


@pytest.mark.parametrize("name", ["archive", "Archive_Task", "archive-task", "_task", "archive__task", "class_task"])
def test_an_invalid_name_is_refused_with_a_reason(name: str) -> None:
    with pytest.raises(SliceNameError):
        check_name(name, PROJECT_ROOT)


def test_an_existing_slice_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["toggle_task"]) == 2
    assert "app/features/toggle_task exists already" in capsys.readouterr().err


def copy_of_the_project(target: Path) -> Path:
    target.mkdir()
    for name in COPIED:
        source = PROJECT_ROOT / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=shutil.ignore_patterns("node_modules", "__pycache__"))
        else:
            shutil.copy2(source, target / name)
    return target


@pytest.mark.slow
def test_a_new_slice_is_mounted_and_only_its_own_test_fails(tmp_path: Path) -> None:
    project = copy_of_the_project(tmp_path / "project")
    assert main(["archive_task", "--root", str(project)]) == 0

    environment = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST")}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *CHECKS],
        cwd=project,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    failed = sorted({line.split(" ")[1] for line in run.stdout.splitlines() if line.startswith("FAILED ")})
    assert failed == [
        "tests/features/test_archive_task.py::test_archive_task_answers_the_caller[postgres]",
        "tests/features/test_archive_task.py::test_archive_task_answers_the_caller[sqlite]",
    ], run.stdout[-3000:]
    assert "archive_task: query.py is still the template" in run.stdout


def test_the_new_demo_loads_and_says_it_is_still_a_todo(tmp_path: Path) -> None:
    assert main(["archive_task", "--root", str(tmp_path)]) == 0
    loaded = load_demo(tmp_path / "app" / "features" / "archive_task" / "demo.json")
    assert loaded.demo.todo
    assert [step.request.path for step in loaded.demo.steps] == ["/api/archive-task"]
