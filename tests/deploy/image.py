"""The project's container images, built with podman once per test run, without any container registry.

The Dockerfile starts `FROM python:3.11-slim` and deploy/pgbouncer's `FROM debian:bookworm-slim`. Registries are out
of reach here, so both names are given to one stand-in made locally: Debian 12 (whose python3 is 3.11, like the
real python:3.11-slim) from `debootstrap`, with the host's CA bundle so pip inside the build trusts what the host
trusts. Everything podman keeps (storage, run state, its
configuration) lives in .podman/ at the project root (ignored by git and by the image's build context), so the
stand-in base and the dependency layer are reused by later runs; the image itself is rebuilt once per run.

Podman runs as root here (as CI does): debootstrap needs root, and rootless podman needs subordinate ids set up.
Two of podman's defaults fail on this kind of machine, hence a containers.conf of our own: its default ulimits
exceed the host's hard limits, and crun refuses the host's mixed cgroup layout (runc does not). Without systemd,
a HEALTHCHECK runs only when asked (`podman healthcheck run`).
"""

import fcntl
import functools
import hashlib
import os
import re
import resource
import shutil
import subprocess
from pathlib import Path
from typing import NamedTuple, NoReturn

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
STATE = PROJECT_ROOT / ".podman"
IMAGE = "localhost/todo-api:test"
PGBOUNCER_IMAGE = "localhost/todo-api-pgbouncer:test"
PGBOUNCER_CONTEXT = PROJECT_ROOT / "deploy" / "pgbouncer"
BASE_IMAGE = "docker.io/library/python:3.11-slim"
# deploy/pgbouncer's base; the real one is Debian 12 too, without Python.
OTHER_BASE_NAMES = ("docker.io/library/debian:bookworm-slim",)
BASE_SUITE = "bookworm"  # Debian 12, what python:3.11-slim is built on
BASE_PACKAGES = ("python3", "python3-venv", "python3-pip", "python-is-python3", "ca-certificates")
FALLBACK_MIRROR = "http://deb.debian.org/debian"
HOST_CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
APT_SOURCES = (Path("/etc/apt/sources.list"), Path("/etc/apt/sources.list.d"))
# podman itself, the OCI runtime it is told to use, and what makes the stand-in base (.ci/run installs them).
TOOLS = ("podman", "runc", "debootstrap")
PROCESS_LIMIT = 32_768
BUILD_TIMEOUT_SECONDS = 900


class BuiltImage(NamedTuple):
    name: str
    # `podman` with this run's storage and configuration: `[*podman, "run", ...]`.
    podman: list[str]


def unavailable(reason: str) -> NoReturn:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: the image tests must run)")
    pytest.skip(reason)


def built_image() -> BuiltImage:
    """The image from the project's Dockerfile, built at most once per test run (later calls reuse it)."""
    return _built(IMAGE, PROJECT_ROOT)


def built_pgbouncer_image() -> BuiltImage:
    """compose's PgBouncer image (deploy/pgbouncer), built at most once per test run."""
    return _built(PGBOUNCER_IMAGE, PGBOUNCER_CONTEXT)


@functools.cache
def _built(name: str, context: Path) -> BuiltImage:
    _require_tools()
    podman = _podman_command()
    STATE.mkdir(exist_ok=True)
    # Parallel runs on one checkout take turns instead of building into the same storage at once.
    with (STATE / "build.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        _ensure_stand_in_base(podman)
        _run(
            [*podman, "build", "--pull=never", "--network=host", "--format=docker", "--tag", name, str(context)],
            f"podman build {context.relative_to(PROJECT_ROOT)}",
        )
    return BuiltImage(name, podman)


def _require_tools() -> None:
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        unavailable(f"{', '.join(missing)} not installed: the image tests need them (.ci/run installs them)")
    if os.geteuid() != 0:
        unavailable("the image tests run podman and debootstrap as root (as CI does)")


def _podman_command() -> list[str]:
    """Podman confined to .podman/: storage, run state, temp files, and the configuration this host needs."""
    for folder in ("storage", "run", "tmp"):
        (STATE / folder).mkdir(parents=True, exist_ok=True)
    hard_open_files = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    (STATE / "containers.conf").write_text(
        "[containers]\n"
        f'default_ulimits = ["nofile={hard_open_files}:{hard_open_files}", "nproc={PROCESS_LIMIT}:{PROCESS_LIMIT}"]\n'
        "[engine]\n"
        'runtime = "runc"\n'
        'cgroup_manager = "cgroupfs"\n'
        'events_logger = "file"\n'
        f'tmp_dir = "{STATE / "tmp"}"\n'
    )
    (STATE / "storage.conf").write_text(
        f'[storage]\ndriver = "overlay"\ngraphroot = "{STATE / "storage"}"\nrunroot = "{STATE / "run"}"\n'
    )
    return [
        "env",
        f"CONTAINERS_CONF={STATE / 'containers.conf'}",
        f"CONTAINERS_STORAGE_CONF={STATE / 'storage.conf'}",
        f"TMPDIR={STATE / 'tmp'}",
        "podman",
    ]


def _ensure_stand_in_base(podman: list[str]) -> None:
    """Makes the stand-in for python:3.11-slim unless the one in storage was made from the same recipe."""
    mirror = debian_mirror()
    ca_bundle = hashlib.sha256(HOST_CA_BUNDLE.read_bytes()).hexdigest()
    recipe = f"{BASE_SUITE} {mirror} {' '.join(BASE_PACKAGES)} {ca_bundle}"
    stamp = STATE / "base.recipe"
    present = subprocess.run([*podman, "image", "exists", BASE_IMAGE], check=False).returncode == 0
    if present and stamp.is_file() and stamp.read_text() == recipe:
        _run([*podman, "tag", BASE_IMAGE, *OTHER_BASE_NAMES], "podman tag")
        return
    rootfs = STATE / "base-rootfs"
    shutil.rmtree(rootfs, ignore_errors=True)
    try:
        packages = f"--include={','.join(BASE_PACKAGES)}"
        _run(["debootstrap", "--variant=minbase", packages, BASE_SUITE, str(rootfs), mirror], "debootstrap")
        shutil.copyfile(HOST_CA_BUNDLE, rootfs / "etc/ssl/certs/ca-certificates.crt")
        archive = STATE / "base-rootfs.tar"
        _run(["tar", "-C", str(rootfs), "-cf", str(archive), "."], "tar")
        _run([*podman, "import", str(archive), BASE_IMAGE], "podman import")
        _run([*podman, "tag", BASE_IMAGE, *OTHER_BASE_NAMES], "podman tag")
    finally:
        shutil.rmtree(rootfs, ignore_errors=True)
        (STATE / "base-rootfs.tar").unlink(missing_ok=True)
    stamp.write_text(recipe)


def debian_mirror() -> str:
    """The Debian mirror this host's apt uses for the base suite (one-line or deb822 sources), else Debian's own."""
    files = [APT_SOURCES[0], *sorted(APT_SOURCES[1].glob("*"))] if APT_SOURCES[1].is_dir() else [APT_SOURCES[0]]
    for path in files:
        if not path.is_file():
            continue
        text = path.read_text(errors="replace")
        for line in text.splitlines():
            one_line = re.match(r"\s*deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)", line)
            if one_line and one_line.group(2) == BASE_SUITE:
                return one_line.group(1)
        for stanza in re.split(r"\n\s*\n", text):
            fields = dict(re.findall(r"^(\w+):\s*(.*)$", stanza, flags=re.MULTILINE))
            if BASE_SUITE in fields.get("Suites", "").split() and fields.get("URIs"):
                return fields["URIs"].split()[0]
    return FALLBACK_MIRROR


def _run(command: list[str], what: str) -> None:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=BUILD_TIMEOUT_SECONDS, check=False)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{what} took over {BUILD_TIMEOUT_SECONDS} s")
    if done.returncode != 0:
        pytest.fail(f"{what} failed ({done.returncode}):\n{(done.stdout + done.stderr)[-4000:]}")
