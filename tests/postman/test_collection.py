"""postman/todo-api.postman_collection.json runs green under newman, the way a judge runs it, on each database.

The counts are fixed here, not read from the collection: an emptied or shortened collection must fail.
"""

import json
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.node_packages import ensure_node_modules, require_node
from tests.resilience.components import UvicornProcess

pytestmark = pytest.mark.slow

POSTMAN_DIR = Path(__file__).resolve().parents[2] / "postman"
COLLECTION = POSTMAN_DIR / "todo-api.postman_collection.json"
ENVIRONMENT = POSTMAN_DIR / "local.postman_environment.json"
NEWMAN = POSTMAN_DIR / "node_modules" / "newman" / "bin" / "newman.js"
NEWMAN_TIMEOUT_SECONDS = 120
# Every request in the order it must run: signed up first, signed out last.
EXPECTED_REQUESTS = [
    "Sign up",
    "Sign in",
    "Create a task",
    "Create it again with the same Idempotency-Key (replayed)",
    "List tasks",
    "Get a task",
    "Get it again while unchanged (304)",
    "Update a task (PUT)",
    "Update a task (PATCH)",
    "Update with a stale If-Match (412)",
    "Toggle a task",
    "Delete a task",
    "List tasks without a token (401)",
    "Create a task with an empty title (422)",
    "Sign out",
]
EXPECTED_ASSERTIONS = 43


@pytest.fixture(scope="module")
def node() -> str:
    node, _ = require_node()
    ensure_node_modules(POSTMAN_DIR)
    return node


def _newman(node: str, base_url: str, report: Path) -> dict[str, Any]:
    command = [
        node,
        str(NEWMAN),
        "run",
        str(COLLECTION),
        "--environment",
        str(ENVIRONMENT),
        "--env-var",
        f"baseUrl={base_url}",
        "--reporters",
        "cli,json",
        "--reporter-json-export",
        str(report),
        "--color",
        "off",
        "--disable-unicode",
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=NEWMAN_TIMEOUT_SECONDS, check=False)
    assert report.is_file(), f"newman wrote no report (exit {done.returncode}):\n{done.stdout}\n{done.stderr}"
    run: dict[str, Any] = json.loads(report.read_text())["run"]
    run["cli"] = done.stdout + done.stderr
    return run


def test_the_collection_runs_green(node: str, live_server: UvicornProcess, tmp_path: Path) -> None:
    run = _newman(node, live_server.base_url, tmp_path / "newman.json")

    stats = run["stats"]
    assert run["failures"] == [], run["cli"]
    assert (stats["requests"]["failed"], stats["assertions"]["failed"]) == (0, 0), run["cli"]
    assert [execution["item"]["name"] for execution in run["executions"]] == EXPECTED_REQUESTS
    assert (stats["requests"]["total"], stats["assertions"]["total"]) == (len(EXPECTED_REQUESTS), EXPECTED_ASSERTIONS)


def test_the_document_imported_by_url_names_the_server_it_came_from(live_server: UvicornProcess) -> None:
    # Postman's "Import -> Link" makes the first server `{{baseUrl}}`: a `/` there failed every request unsent.
    server = httpx.get(f"{live_server.base_url}/openapi.json").json()["servers"][0]["url"]
    assert server == live_server.base_url
    assert httpx.get(f"{server}/health").status_code == 200
