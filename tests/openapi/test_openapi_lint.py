"""Redocly CLI (`recommended`) and Spectral (`spectral:oas`) over the app's document: no error, no new warning.

Both run from tools/openapi_lint (exact versions in its package-lock.json), on the document built in-process in
both of its shapes: as configured by default, and with Better Auth's session cookies on (which adds the 403s).
The warnings left are the ones docs/openapi.md names and justifies; any other warning fails here, so a new one
is either fixed or argued for there.
"""

import json
import os
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.node_packages import ensure_node_modules, require_node
from tests.openapi.documents import COOKIE_SETTINGS, document

pytestmark = pytest.mark.slow

PROJECT_ROOT = Path(__file__).resolve().parents[2]
LINT_DIR = PROJECT_ROOT / "tools" / "openapi_lint"
OPENAPI_DOC = PROJECT_ROOT / "docs" / "openapi.md"
LINT_TIMEOUT_SECONDS = 120
CONFIGURATIONS = {"default": {}, "session cookies on": COOKIE_SETTINGS}
# (tool, rule, where) of every warning docs/openapi.md justifies; `where` is a JSON pointer into the document.
JUSTIFIED_WARNINGS = Counter(
    [
        ("redocly", "info-license", "#/info"),
        ("spectral", "info-contact", "#/info"),
        ("redocly", "no-ambiguous-paths", "#/paths/~1api~1tasks~1{task_id}"),
        ("redocly", "operation-4xx-response", "#/paths/~1/get/responses"),
        ("redocly", "operation-4xx-response", "#/paths/~1health/get/responses"),
        ("redocly", "operation-4xx-response", "#/paths/~1health~1ready/get/responses"),
    ]
)


@pytest.fixture(scope="module")
def node() -> str:
    node, _ = require_node()
    ensure_node_modules(LINT_DIR)
    return node


@pytest.fixture(params=list(CONFIGURATIONS), scope="module")
def document_file(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("openapi") / "openapi.json"
    path.write_text(json.dumps(document(**CONFIGURATIONS[request.param]), indent=2))
    return path


def run_bin(node: str, package: str, *arguments: str) -> subprocess.CompletedProcess[str]:
    """A package's command, by the path its package.json names, under the node that require_node() found."""
    manifest = json.loads((LINT_DIR / "node_modules" / package / "package.json").read_text())
    bin_path = manifest["bin"] if isinstance(manifest["bin"], str) else next(iter(manifest["bin"].values()))
    # No telemetry and no update check: the linters run offline, and say nothing but their findings.
    environment = os.environ | {"REDOCLY_TELEMETRY": "off", "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true"}
    return subprocess.run(
        [node, str(LINT_DIR / "node_modules" / package / bin_path), *arguments],
        cwd=LINT_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=LINT_TIMEOUT_SECONDS,
        check=False,
    )


def redocly(node: str, document_file: Path) -> tuple[int, Counter[tuple[str, str, str]]]:
    done = run_bin(node, "@redocly/cli", "lint", "--config", "redocly.yaml", "--format=json", str(document_file))
    report: dict[str, Any] = json.loads(done.stdout)
    problems = report["problems"]
    errors = [problem for problem in problems if problem["severity"] == "error"]
    assert len(errors) == report["totals"]["errors"], done.stdout
    warnings = Counter(
        ("redocly", problem["ruleId"], problem["location"][0]["pointer"])
        for problem in problems
        if problem["severity"] == "warn"
    )
    return len(errors), warnings


def spectral(node: str, document_file: Path) -> tuple[int, Counter[tuple[str, str, str]]]:
    done = run_bin(
        node, "@stoplight/spectral-cli", "lint", "--ruleset", ".spectral.yaml", "--format", "json", "--quiet",
        str(document_file),
    )  # fmt: skip
    problems: list[dict[str, Any]] = json.loads(done.stdout or "[]")
    # Spectral's severities: 0 error, 1 warning, 2 information, 3 hint.
    errors = [problem for problem in problems if problem["severity"] == 0]
    warnings = Counter(
        ("spectral", problem["code"], _pointer(problem["path"])) for problem in problems if problem["severity"] == 1
    )
    return len(errors), warnings


def _pointer(path: list[str | int]) -> str:
    return "#/" + "/".join(str(part).replace("~", "~0").replace("/", "~1") for part in path)


def test_redocly_recommended_finds_no_error_and_only_the_justified_warnings(node: str, document_file: Path) -> None:
    errors, warnings = redocly(node, document_file)
    assert errors == 0
    assert warnings == Counter({key: n for key, n in JUSTIFIED_WARNINGS.items() if key[0] == "redocly"})


def test_spectral_oas_finds_no_error_and_only_the_justified_warnings(node: str, document_file: Path) -> None:
    errors, warnings = spectral(node, document_file)
    assert errors == 0
    assert warnings == Counter({key: n for key, n in JUSTIFIED_WARNINGS.items() if key[0] == "spectral"})


def test_every_warning_left_is_justified_in_docs_openapi_md() -> None:
    text = OPENAPI_DOC.read_text()
    for _, rule, _ in JUSTIFIED_WARNINGS:
        assert f"`{rule}`" in text, f"docs/openapi.md does not name and justify {rule}"
