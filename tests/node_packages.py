"""Node for the tests that need it: find node and npm, and install a project's locked node_modules once.

Without node or npm (or when `npm ci` cannot finish) a test skips with the reason, except on CI (`CI=true`),
where it fails instead. The reasons are kept in `skip_reasons` for a yellow line in the terminal summary.
"""

import fcntl
import hashlib
import os
import shutil
import subprocess
from pathlib import Path
from typing import NoReturn

import pytest

NPM_CI_TIMEOUT_SECONDS = 300
INSTALL_STAMP_NAME = ".todo-api-install-stamp"
# Why Node-based tests were skipped, in the order it happened.
skip_reasons: list[str] = []


def unavailable(reason: str) -> NoReturn:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: the Node-based tests must run)")
    skip_reasons.append(reason)
    pytest.skip(reason)


def require_node() -> tuple[str, str]:
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        unavailable("node and npm are needed for this test (install Node.js 20 or newer)")
    return node, npm


def _install_fingerprint(node: str, lock_file: Path) -> str:
    # node_modules are good for exactly one lock and one Node major; a change in either means `npm ci` again.
    version = subprocess.run([node, "--version"], capture_output=True, text=True, check=True).stdout.strip()
    digest = hashlib.sha256(lock_file.read_bytes()).hexdigest()
    return f"{digest} node {version.split('.')[0]}\n"


def ensure_node_modules(project_dir: Path) -> None:
    """`npm ci` once per change of the project's lock or Node major. Parallel sessions take turns on an advisory
    lock of the lock file itself (so npm still reads it), rather than install over each other."""
    node, npm = require_node()
    lock_file = project_dir / "package-lock.json"
    if not lock_file.is_file():
        pytest.fail(f"{lock_file} is missing: commit the lock that `npm install --save-exact` wrote")
    stamp = project_dir / "node_modules" / INSTALL_STAMP_NAME
    fingerprint = _install_fingerprint(node, lock_file)
    with lock_file.open("rb") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if stamp.is_file() and stamp.read_text() == fingerprint:
            return
        # --ignore-scripts: nothing in the tests' locks needs an install script, and none may fetch a binary.
        command = [npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts", "--prefer-offline"]
        try:
            done = subprocess.run(
                command, cwd=project_dir, capture_output=True, text=True, timeout=NPM_CI_TIMEOUT_SECONDS
            )
        except subprocess.TimeoutExpired:
            unavailable(f"`npm ci` in {project_dir} took over {NPM_CI_TIMEOUT_SECONDS} s (npm registry reachable?)")
        if done.returncode != 0:
            unavailable(f"`npm ci` in {project_dir} failed: {(done.stderr or done.stdout).strip()[-800:]}")
        stamp.parent.mkdir(exist_ok=True)
        stamp.write_text(fingerprint)
