"""A container of the project's image, run on the host's network and bound to loopback, removed afterwards."""

import contextlib
import json
import secrets
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.deploy.image import BuiltImage
from tests.resilience.components import free_port, wait_until_answering

READY_TIMEOUT_SECONDS = 60.0


@dataclass
class Container:
    name: str
    port: int
    podman: list[str]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def podman_output(self, *arguments: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*self.podman, *arguments], capture_output=True, text=True, timeout=60, check=False)

    def logs(self) -> str:
        done = self.podman_output("logs", self.name)
        return done.stdout + done.stderr

    def running(self) -> bool:
        state = self.podman_output("inspect", "--format", "{{json .State}}", self.name)
        return state.returncode == 0 and bool(json.loads(state.stdout)["Running"])

    def wait_until_ready(self) -> None:
        wait_until_answering(
            f"{self.base_url}/health/ready",
            what=f"container {self.name}",
            stopped=lambda: not self.running(),
            log=self.logs,
            timeout=READY_TIMEOUT_SECONDS,
        )


@contextlib.contextmanager
def started_container(
    image: BuiltImage, environment: dict[str, str], *options: str, port_variable: str = "PORT"
) -> Iterator[Container]:
    """The image's own command on the host's network, configured only through `environment` and a free port (in
    `port_variable`); removed afterwards whatever happened. The host's network: the test PostgreSQL listens on
    127.0.0.1.
    """
    container = Container(f"todo-api-test-{secrets.token_hex(4)}", free_port(), image.podman)
    command = [*image.podman, "run", "--detach", "--name", container.name, "--network=host", *options]
    for name, value in (environment | {port_variable: str(container.port)}).items():
        command += ["--env", f"{name}={value}"]
    started = subprocess.run([*command, image.name], capture_output=True, text=True, timeout=120, check=False)
    try:
        if started.returncode != 0:
            pytest.fail(f"podman run failed ({started.returncode}): {started.stderr[-2000:]}")
        yield container
    finally:
        container.podman_output("rm", "--force", "--volumes", "--time", "5", container.name)  # and its anonymous /data


@contextlib.contextmanager
def running_container(
    image: BuiltImage, environment: dict[str, str], *, volume: str | None = None
) -> Iterator[Container]:
    """The API's image, bound to loopback only (HOST=127.0.0.1), once /health/ready answers 200."""
    options = ["--volume", f"{volume}:/data"] if volume is not None else []
    with started_container(image, {"HOST": "127.0.0.1", **environment}, *options) as container:
        container.wait_until_ready()
        yield container
