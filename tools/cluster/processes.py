"""Detached processes, each the leader of its own process group, found again through a pid file.

Each component runs in a new session, so `make` returning does not stop it, and one signal to its group reaches
every process it spawned (a replica's uvicorn supervisor and its workers alike).
"""

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path


class ClusterError(Exception):
    """Something the cluster needs is missing or did not come up; the message says what and where to look."""


def free_ports(count: int) -> list[int]:
    """`count` distinct ports free on 127.0.0.1 (all held open together while chosen, so none repeats)."""
    with contextlib.ExitStack() as held:
        probes = [held.enter_context(socket.socket()) for _ in range(count)]
        for probe in probes:
            probe.bind(("127.0.0.1", 0))
        return [int(probe.getsockname()[1]) for probe in probes]


def spawn(
    command: list[str], *, log: Path, pidfile: Path, env: dict[str, str] | None = None, cwd: Path | None = None
) -> int:
    """Starts `command` in a new session with its output appended to `log`; writes and returns its group id."""
    with log.open("ab") as output:
        process = subprocess.Popen(  # noqa: S603 - commands are built by this package, never from input
            command,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=cwd,
            start_new_session=True,
        )
    pidfile.write_text(f"{process.pid}\n")
    return process.pid


def read_group(pidfile: Path) -> int | None:
    """The process group id a pid file holds, or None when there is no such file."""
    try:
        return int(pidfile.read_text().strip())
    except FileNotFoundError:
        return None


def group_alive(group: int) -> bool:
    """Whether any process of the group is still running. Zombies do not count: a component whose parent exited
    early (as `make cluster` does) may wait a while for init to reap it, but it serves nothing any more. Threads
    are looked at one by one: a killed process's main thread may be a zombie while others still hold its sockets.
    """
    for stat in Path("/proc").glob("[0-9]*/task/[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            # The command name is in parentheses and may hold spaces: the fields after its closing one are fixed.
            fields = stat.read_text().rsplit(")", 1)[1].split()
            state, process_group = fields[0], int(fields[2])
            if process_group == group and state != "Z":
                return True
    return False


def signal_group(group: int, signum: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(group, signum)


def signal_leader(group: int, signum: signal.Signals) -> None:
    """Signals only the group's leader, which passes it on in its own way (uvicorn's supervisor does)."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(group, signum)


def wait_until(condition: Callable[[], bool], *, timeout: float, interval: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return condition()


def stop_group(pidfile: Path, *, gently: signal.Signals = signal.SIGTERM, timeout: float = 40.0) -> None:
    """Asks the group in `pidfile` to stop, kills what is left after `timeout` seconds, and removes the file."""
    group = read_group(pidfile)
    if group is not None and group_alive(group):
        signal_leader(group, gently)
        if not wait_until(lambda: not group_alive(group), timeout=timeout):
            signal_group(group, signal.SIGKILL)
            wait_until(lambda: not group_alive(group), timeout=5)
    pidfile.unlink(missing_ok=True)


def port_open(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def wait_for_port(port: int, *, group: int, name: str, log: Path, timeout: float = 20.0) -> None:
    def listening() -> bool:
        if not group_alive(group):
            raise ClusterError(f"{name} exited before listening on port {port}:\n{tail(log)}")
        return port_open(port)

    if not wait_until(listening, timeout=timeout):
        raise ClusterError(f"{name} did not listen on port {port} within {timeout:g}s:\n{tail(log)}")


def tail(log: Path, lines: int = 20) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return f"({log} was not written)"
