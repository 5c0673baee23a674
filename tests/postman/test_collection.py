"""postman/todo-api.postman_collection.json runs green under newman, the way a judge runs it, on each database; and
the server's own /openapi.json, imported as Postman's "Import -> Link" does, sends every request it holds.

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
IMPORT_BY_URL = POSTMAN_DIR / "import_by_url.mjs"
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


def _newman(node: str, collection: Path, report: Path, *options: str) -> dict[str, Any]:
    command = [
        node,
        str(NEWMAN),
        "run",
        str(collection),
        *options,
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
    options = ("--environment", str(ENVIRONMENT), "--env-var", f"baseUrl={live_server.base_url}")
    run = _newman(node, COLLECTION, tmp_path / "newman.json", *options)

    stats = run["stats"]
    assert run["failures"] == [], run["cli"]
    assert (stats["requests"]["failed"], stats["assertions"]["failed"]) == (0, 0), run["cli"]
    assert [execution["item"]["name"] for execution in run["executions"]] == EXPECTED_REQUESTS
    assert (stats["requests"]["total"], stats["assertions"]["total"]) == (len(EXPECTED_REQUESTS), EXPECTED_ASSERTIONS)


def test_the_document_imported_by_url_sends_every_request_to_the_server_it_came_from(
    node: str, live_server: UvicornProcess, tmp_path: Path
) -> None:
    # With `servers: [{"url": "/"}]` the import made {{baseUrl}} = `/`, and newman refused all 26 requests unsent
    # ("Invalid URI http:////api/tasks").
    imported = tmp_path / "imported.postman_collection.json"
    done = subprocess.run(
        [node, str(IMPORT_BY_URL), f"{live_server.base_url}/openapi.json", str(imported)],
        capture_output=True,
        text=True,
        timeout=NEWMAN_TIMEOUT_SECONDS,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(done.stdout) == {"baseUrl": live_server.base_url}
    document = httpx.get(f"{live_server.base_url}/openapi.json").json()
    operations = sum(len(item) for item in document["paths"].values())

    run = _newman(node, imported, tmp_path / "imported.json")
    answered = [execution["response"]["code"] for execution in run["executions"] if execution.get("response")]
    assert (run["stats"]["requests"]["total"], run["stats"]["requests"]["failed"]) == (operations, 0), run["cli"]
    assert len(answered) == operations
    assert all(code < 500 for code in answered), answered
