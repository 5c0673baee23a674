"""The demos (`make demo`): every slice has one, every one loads, the walk passes, and a wrong one fails.

The runner is run as `make demo` runs it, `python -m tools.demo` in a subprocess, which starts its own uvicorn on
a throwaway SQLite database; these tests therefore need no database fixture of their own.
"""

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tools.demo.catalog import (
    PROJECT_ROOT,
    WALK_ORDER,
    DemoFileError,
    find_demo_files,
    load_all,
    load_demo,
    slice_folders,
)

SUMMARY = re.compile(r"^demo: (\d+) passed, (\d+) failed$")
WHOLE_JWT = re.compile(r"eyJ[\w-]{16,}\.[\w-]{16,}\.[\w-]{16,}")
RUN_TIMEOUT_SECONDS = 300
STEP = {"title": "s", "request": {"method": "GET", "path": "/"}, "expect": {"status": 200}}


def run_demo(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tools.demo", *arguments],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_SECONDS,
        check=False,
    )


def summary_of(output: str) -> tuple[int, int]:
    last = output.rstrip("\n").splitlines()[-1]
    match = SUMMARY.match(last)
    assert match, f"the last line is not the summary: {last!r}"
    return int(match.group(1)), int(match.group(2))


def write_demo(root: Path, slice_name: str, demo: dict[str, Any] | str) -> Path:
    folder = root / slice_name
    folder.mkdir(parents=True)
    path = folder / "demo.json"
    path.write_text(demo if isinstance(demo, str) else json.dumps(demo), encoding="utf-8")
    return path


# (a) every slice has a demo, and every demo loads


def test_every_slice_with_a_route_has_a_demo() -> None:
    slices = {folder.name for folder in slice_folders()}
    assert slices, "no slices found: is the features folder where the catalog looks?"
    assert sorted(slices - set(find_demo_files())) == []


def test_every_demo_file_loads() -> None:
    demos = load_all()
    assert {demo.slice for demo in demos} == set(find_demo_files())


def test_the_walk_order_names_only_slices_that_exist() -> None:
    # A stale name would be harmless (a slice not in the list runs last), but it says the story is out of date.
    assert sorted(set(WALK_ORDER) - {folder.name for folder in slice_folders()}) == []


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ('{"title": "x", "steps": [', "not valid JSON"),
        ({"title": "x", "steps": []}, "steps: List should have at least 1 item"),
        ({"title": "x", "steps": [STEP | {"expects": {}}]}, "step 1 ('s') > expects: unknown key"),
        ({"title": "x", "steps": [STEP | {"expect": {}}]}, "step 1 ('s') > expect > status: Field required"),
        (
            {"title": "x", "needs": ["logged_in"], "steps": [STEP]},
            "needs: no set-up called 'logged_in'",
        ),
        (
            {"title": "x", "steps": [STEP | {"request": {"method": "GET", "path": "/api/tasks/{task_id}"}}]},
            "step 1 ('s'): request uses {task_id}, which nothing before it provides (add 'a_task' to needs)",
        ),
    ],
    ids=["bad-json", "no-steps", "unknown-key", "no-status", "unknown-need", "undefined-placeholder"],
)
def test_a_malformed_demo_file_is_refused_naming_the_problem(
    tmp_path: Path, content: dict[str, Any] | str, problem: str
) -> None:
    path = write_demo(tmp_path, "broken_slice", content)
    with pytest.raises(DemoFileError) as caught:
        load_demo(path)
    assert problem in str(caught.value)
    assert "broken_slice/demo.json" in str(caught.value)


def test_the_runner_refuses_a_malformed_demo_file_before_starting_anything(tmp_path: Path) -> None:
    write_demo(tmp_path, "broken_slice", '{"title": "x", "steps": [}')
    result = run_demo("--demos-dir", str(tmp_path))
    assert result.returncode == 2
    assert "broken_slice/demo.json: not valid JSON" in result.stderr
    assert "starting the app" not in result.stdout


def test_an_unknown_slice_is_refused() -> None:
    result = run_demo("--slice", "no_such_slice")
    assert result.returncode == 2
    assert "no demo for slice no_such_slice" in result.stderr


# (b) the whole walk, and one slice alone, pass against the real app


@pytest.mark.slow
def test_the_whole_walk_passes() -> None:
    # A slice just made by `make slice` is reported, not failed, here: its own test is the one that fails, and
    # `make demo` (in CI) fails on its demo until it is written.
    result = run_demo("--skip-todo")
    passed, failed = summary_of(result.stdout)
    assert (failed, result.returncode) == (0, 0), result.stdout[-6000:] + result.stderr[-2000:]
    assert passed == sum(len(demo.demo.steps) for demo in load_all() if not demo.demo.todo)
    # Not a terminal: no colour codes in a CI log, and never a whole token.
    assert "\x1b[" not in result.stdout
    assert WHOLE_JWT.search(result.stdout) is None
    headers = [line.split()[1] for line in result.stdout.splitlines() if line.startswith("━━ ")]
    expected_order = [name for name in WALK_ORDER if name in find_demo_files()]
    assert headers[: len(expected_order)] == expected_order


@pytest.mark.slow
def test_one_slice_runs_alone_with_its_set_ups() -> None:
    result = run_demo("--slice", "toggle_task")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert [line for line in result.stdout.splitlines() if line.startswith("━━ ")] == [
        line for line in result.stdout.splitlines() if line.startswith("━━ toggle_task ")
    ]
    assert "set-up: signed up demo-" in result.stdout
    assert "set-up: created the task" in result.stdout
    assert summary_of(result.stdout) == (len(load_demo(find_demo_files()["toggle_task"]).demo.steps), 0)


# (c) a demo whose expectation is wrong fails the run


@pytest.mark.slow
def test_a_wrong_expectation_fails_the_run(tmp_path: Path) -> None:
    write_demo(
        tmp_path,
        "wrong_slice",
        {
            "title": "Expectations that the API does not meet",
            "steps": [
                {
                    "title": "Liveness, expected to be down",
                    "request": {"method": "GET", "path": "/health"},
                    "expect": {"status": 200, "equals": {"status": "down"}},
                },
                {
                    "title": "Liveness, expected to be a 201",
                    "request": {"method": "GET", "path": "/health"},
                    "expect": {"status": 201},
                },
                {
                    "title": "Liveness, as it is",
                    "request": {"method": "GET", "path": "/health"},
                    "expect": {"status": 200, "equals": {"status": "ok"}},
                },
            ],
        },
    )
    result = run_demo("--demos-dir", str(tmp_path))
    assert result.returncode == 1, result.stdout + result.stderr
    assert summary_of(result.stdout) == (1, 2)
    assert '✗ status = "down": got "ok"' in result.stdout
    assert "✗ status 201: expected 201, got 200" in result.stdout
