"""client/: the TypeScript compiles under --strict, its example walks the whole flow against a live server on
each database, and the committed openapi.json and schema.d.ts are what `make client` would write now."""

import json
import subprocess
from pathlib import Path

import pytest

from tests.node_packages import ensure_node_modules, require_node
from tests.resilience.components import UvicornProcess
from tools.client import CLIENT_DIR, OPENAPI_FILE, SCHEMA_FILE, openapi_text, schema_types

pytestmark = pytest.mark.slow

TSC_TIMEOUT_SECONDS = 120
EXAMPLE_TIMEOUT_SECONDS = 60
# What src/example.ts does, in order: a step missing from its report did not run.
EXAMPLE_STEPS = [
    "signUp",
    "signIn",
    "createTask",
    "createTask retried",
    "listTasks",
    "listTaskPage",
    "toggleTask",
    "toggleTask retried",
    "updateTask",
    "updateTask on a stale version",
    "currentTask",
    "replaceTask",
    "refreshTask while unchanged",
    "getTask",
    "createTask refused",
    "fieldErrors",
    "deleteTask",
    "getTask after delete",
    "signOut",
    "listTasks after signOut",
]
STALE = "run `make client` and commit client/"


@pytest.fixture(scope="module")
def node() -> str:
    node, _ = require_node()
    ensure_node_modules(CLIENT_DIR)
    return node


def _tsc(node: str, *arguments: str) -> subprocess.CompletedProcess[str]:
    command = [node, str(CLIENT_DIR / "node_modules" / "typescript" / "bin" / "tsc"), "-p", str(CLIENT_DIR)]
    return subprocess.run(
        [*command, *arguments], capture_output=True, text=True, timeout=TSC_TIMEOUT_SECONDS, check=False
    )


def test_the_client_compiles_under_strict(node: str) -> None:
    done = _tsc(node, "--strict", "--noEmit")
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture(scope="module")
def example_js(node: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Compiled apart from client/, so that parallel runs never share output; node_modules linked in for imports.

    --noCheck: the types are the strict test's business; this only strips them.
    """
    build = tmp_path_factory.mktemp("client-build")
    compiled = _tsc(node, "--outDir", str(build), "--noCheck")
    assert compiled.returncode == 0, compiled.stdout + compiled.stderr
    (build / "package.json").write_text('{"type": "module"}\n')
    (build / "node_modules").symlink_to(CLIENT_DIR / "node_modules")
    return build / "example.js"


def test_the_example_walks_the_whole_flow(node: str, example_js: Path, live_server: UvicornProcess) -> None:
    done = subprocess.run(
        [node, str(example_js), live_server.base_url],
        capture_output=True,
        text=True,
        timeout=EXAMPLE_TIMEOUT_SECONDS,
        check=False,
    )

    assert done.stdout, f"example.js printed nothing (exit {done.returncode}):\n{done.stderr}"
    report = json.loads(done.stdout)
    failed = [step for step in report["steps"] if not step["ok"]]
    assert (done.returncode, report["ok"], failed) == (0, True, []), done.stdout + done.stderr
    assert [step["step"] for step in report["steps"]] == EXAMPLE_STEPS


def test_the_committed_openapi_json_is_the_apps_document() -> None:
    assert OPENAPI_FILE.read_text(encoding="utf-8") == openapi_text(), STALE


def test_the_committed_types_are_openapi_typescripts_output(node: str) -> None:
    npx = str(Path(require_node()[1]).with_name("npx"))
    assert SCHEMA_FILE.read_text(encoding="utf-8") == schema_types(npx), STALE
