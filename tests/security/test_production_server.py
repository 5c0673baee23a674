"""The service as `make serve` deploys it, started by `make serve` itself, under hostile connections.

Each test runs the Makefile's own recipe (so the test cannot drift from it) on a free loopback port, with SQLite
in a temp dir and two workers, then attacks it: heads too large (431, memory bounded), heads that never finish
(closed after the header timeout while others are served), a worker killed (replaced), and checks that every log
line is JSON and that X-Forwarded-For is believed only from FORWARDED_ALLOW_IPS.
"""

import contextlib
import json
import os
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.resilience.components import PROJECT_ROOT, free_port, wait_for_port
from tests.security.hostile_clients import (
    REQUEST_LINE,
    Dribbler,
    head_with_header_of,
    read_response,
    status_of_head,
    statuses_until_closed,
    unfinished_heads,
)
from tests.security.servers import json_records

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("make") is None, reason="make is not on PATH: these tests run `make serve`"),
]

# The Makefile's recipe, without remaking the venv or writing a .env into the repository: the environment below
# carries every setting. -s: make itself prints nothing, so the output is the service's alone.
SERVE_COMMAND = ["make", "--no-print-directory", "-s", "-o", ".venv/.installed", "-o", ".env", "serve"]
WORKERS = 2
MiB = 1024 * 1024


class MakeServe:
    """`make serve` in a process group of its own: make, the supervisor, its workers, multiprocessing's helper."""

    def __init__(self, environment: dict[str, str | None], *, open_files_soft_limit: int | None = None) -> None:
        self.port = free_port()
        merged: dict[str, str | None] = {**os.environ, "HOST": "127.0.0.1", "PORT": str(self.port), **environment}
        self.environment = {name: value for name, value in merged.items() if value is not None}
        self.open_files_soft_limit = open_files_soft_limit
        self.process: subprocess.Popen[bytes] | None = None
        self.log = Path(tempfile.mkstemp(prefix="todo-serve-", suffix=".log")[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        command = SERVE_COMMAND
        if self.open_files_soft_limit is not None:  # as a shell (or systemd's default) would start it
            command = ["sh", "-c", f'ulimit -S -n {self.open_files_soft_limit} && exec "$@"', "sh", *command]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                command, cwd=PROJECT_ROOT, env=self.environment, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        wait_for_port(self.port, process=self.process, timeout=30)

    def wait_until_ready(self, timeout: float = 30.0) -> None:
        """Until every worker has finished its start-up and the service says it is ready."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            started = [r for r in json_records(self.output()) if r["message"] == "Application startup complete."]
            with contextlib.suppress(httpx.HTTPError):
                if len(started) >= WORKERS and httpx.get(f"{self.base_url}/health/ready", timeout=2).is_success:
                    return
            time.sleep(0.1)
        raise TimeoutError(f"{self.base_url} was not ready within {timeout}s:\n{self.output()[-3000:]}")

    def group_pids(self) -> list[int]:
        if self.process is None:
            return []
        pids = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError, ValueError, IndexError):
                fields = stat.read_text().rsplit(")", 1)[1].split()
                if int(fields[2]) == self.process.pid and fields[0] != "Z":  # fields[2]: the process group
                    pids.append(int(stat.parent.name))
        return pids

    def worker_pids(self) -> list[int]:
        return sorted(pid for pid in self.group_pids() if b"spawn_main" in _cmdline(pid))

    def supervisor_pid(self) -> int | None:
        workers = self.worker_pids()
        return _parent(workers[0]) if workers else None

    def rss_bytes(self) -> int:
        """Resident memory of the whole group: supervisor and workers (and make, which does not grow)."""
        return sum(_rss_bytes(pid) for pid in self.group_pids())

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def records_once(self, wanted: Callable[[dict[str, Any]], bool], timeout: float = 5.0) -> list[dict[str, Any]]:
        """The log records, once one of them is `wanted`: the app logs a request after answering it."""
        deadline = time.monotonic() + timeout
        while True:
            records = json_records(self.output())
            if any(wanted(record) for record in records):
                return records
            if time.monotonic() > deadline:
                raise AssertionError(f"no such record within {timeout}s:\n{self.output()[-3000:]}")
            time.sleep(0.05)

    def stop(self) -> None:
        """SIGTERM to the supervisor, as a process manager sends it; then nothing of the group may be left."""
        if self.process is None:
            return
        supervisor = self.supervisor_pid()
        with contextlib.suppress(ProcessLookupError):
            if supervisor is not None:
                os.kill(supervisor, signal.SIGTERM)
            else:
                os.killpg(self.process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=20)
        deadline = time.monotonic() + 10
        while self.group_pids() and time.monotonic() < deadline:
            time.sleep(0.1)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()


def _cmdline(pid: int) -> bytes:
    with contextlib.suppress(OSError):
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    return b""


def _parent(pid: int) -> int | None:
    with contextlib.suppress(OSError, ValueError, IndexError):
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    return None


def _rss_bytes(pid: int) -> int:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def serve_environment(database_dir: Path, **overrides: str | None) -> dict[str, str | None]:
    """Every setting `make serve` reads, so a developer's .env changes nothing; None removes a variable."""
    return {
        "DATABASE_URL": f"sqlite+aiosqlite:///{database_dir / 'todo.db'}",
        "BETTER_AUTH_SECRET": secrets.token_urlsafe(48),
        "AUTO_MIGRATE": "true",
        "APP_ENV": "test",
        "BCRYPT_ROUNDS": "4",
        "RATE_LIMIT_ENABLED": "false",
        "REDIS_URL": "",
        "LOG_FORMAT": "json",
        "LOG_LEVEL": "INFO",
        "WORKERS": str(WORKERS),
        "WEB_CONCURRENCY": None,
        "MAX_HEADER_BYTES": "16384",
        "HEADER_TIMEOUT_SECONDS": "10",
        "FORWARDED_ALLOW_IPS": "127.0.0.1,::1",
    } | overrides


@contextlib.contextmanager
def served(
    database_dir: Path, *, open_files_soft_limit: int | None = None, **overrides: str | None
) -> Iterator[MakeServe]:
    server = MakeServe(serve_environment(database_dir, **overrides), open_files_soft_limit=open_files_soft_limit)
    try:
        server.start()
        server.wait_until_ready()
        yield server
    finally:
        server.stop()
        server.log.unlink(missing_ok=True)


def health(server: MakeServe, **headers: str) -> int:
    with httpx.Client(base_url=server.base_url, timeout=5) as client:  # a new connection each time
        return client.get("/health", headers=headers).status_code


def test_heads_over_the_limit_are_refused_and_memory_stays_bounded(tmp_path: Path) -> None:
    with served(tmp_path) as server:
        fits = status_of_head(server.port, head_with_header_of(12 * 1024))
        over_in_one_read = status_of_head(server.port, head_with_header_of(20 * 1024))
        one_megabyte = status_of_head(server.port, head_with_header_of(MiB))
        # What must still pass: a small head with a 60 KiB body in the same read, and two pipelined requests.
        body = b'{"email": "' + b"b" * 60_000 + b'", "password": "x"}'
        with_body = statuses_until_closed(
            server.port,
            b"POST /api/auth/signin HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Connection: close\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body),
        )
        pipelined = statuses_until_closed(
            server.port, REQUEST_LINE + b"\r\n" + REQUEST_LINE + b"Connection: close\r\n\r\n"
        )
        health(server)
        before = server.rss_bytes()
        with unfinished_heads(server.port, connections=30, header_bytes=16 * MiB) as sent:
            during = server.rss_bytes()
            answered_meanwhile = health(server)
        print(
            f"\n1 MB head: {one_megabyte}; RSS {before / MiB:.0f} MiB -> {during / MiB:.0f} MiB under 30 unfinished "
            f"16 MB heads; most bytes one client pushed before the reset: {max(sent)}"
        )
    assert fits == 200
    assert with_body == [422]  # judged by the app (an invalid email), not refused by the server
    assert pipelined == [200, 200]
    assert over_in_one_read == 431  # read whole, refused by the exact count
    assert one_megabyte in (431, None)  # refused mid-send: the answer may be lost in the reset
    assert max(sent) < 16 * MiB, "a connection was allowed to send a whole 16 MB header"
    assert during - before < 100 * MiB
    assert answered_meanwhile == 200


def test_heads_that_never_finish_are_closed_after_the_header_timeout(tmp_path: Path) -> None:
    timeout = 2.0
    with served(tmp_path, HEADER_TIMEOUT_SECONDS=str(timeout)) as server:
        dribbler = Dribbler(server.port, interval=1.0)
        try:
            slow = [dribbler.open(f"slow-{n}", REQUEST_LINE + b"X-Slow: " + b"a" * 60) for n in range(5)]
            silent = dribbler.open("silent", b"")
            # A connection that was served once, then dribbles its second request: uvicorn's keep-alive timer stops
            # at that request's first byte, so only the header timeout can close it.
            kept = socket.create_connection(("127.0.0.1", server.port), timeout=5)
            kept.sendall(REQUEST_LINE + b"\r\n")
            first_response = read_response(kept)
            second = dribbler.adopt("keep-alive", kept, REQUEST_LINE + b"X-Slow: " + b"a" * 60)
            watcher = threading.Thread(target=dribbler.watch, args=(4 * timeout,))
            watcher.start()
            time.sleep(1.0)
            began = time.monotonic()
            answered_meanwhile = health(server)
            answered_in = time.monotonic() - began
            watcher.join()
        finally:
            dribbler.close()
    print(f"\nclosed after: {[(c.name, round(c.closed_after or -1, 2)) for c in [*slow, silent, second]]}")
    print(f"a normal request meanwhile took {answered_in * 1000:.0f} ms")
    assert first_response.startswith(b"HTTP/1.1 200 ")
    assert answered_meanwhile == 200
    assert answered_in < 1.0
    for connection in [*slow, silent, second]:
        assert connection.closed_after is not None, f"{connection.name} was still open after {4 * timeout}s"
        assert timeout - 0.5 <= connection.closed_after <= timeout + 1.5, connection
    assert [connection.status for connection in [*slow, second]] == [408] * 6
    assert silent.status is None  # it said nothing: closed without an answer


def test_a_killed_worker_is_replaced_while_the_other_keeps_answering(tmp_path: Path) -> None:
    with served(tmp_path) as server:
        workers = server.worker_pids()
        assert len(workers) == WORKERS
        victim = workers[0]
        os.kill(victim, signal.SIGKILL)
        killed_at = time.monotonic()
        statuses: list[int] = []
        replacement: int | None = None
        replaced_after: float | None = None
        while time.monotonic() - killed_at < 20:
            statuses.append(health(server))
            new = set(server.worker_pids()) - set(workers)
            if new and replaced_after is None:
                replacement, replaced_after = new.pop(), time.monotonic() - killed_at
            served_by = {r["process"]["id"] for r in json_records(server.output()) if r["extra"].get("event")}
            if replacement in served_by:
                break
            time.sleep(0.05)
        current = server.worker_pids()
        messages = [record["message"] for record in json_records(server.output())]
        print(
            f"\nreplacement started {replaced_after:.2f}s and serving {time.monotonic() - killed_at:.2f}s after the "
            f"kill; {len(statuses)} requests meanwhile, statuses {set(statuses)}"
        )
    assert replacement is not None, "no new worker was started"
    assert victim not in current
    assert len(current) == WORKERS
    assert served_by >= {replacement}, "the new worker never served a request"
    assert set(statuses) == {200}
    assert f"Child process [{victim}] died" in messages


def test_every_line_the_service_writes_is_json(tmp_path: Path) -> None:
    # LOG_FORMAT unset: `make serve` logs JSON by default (the app alone defaults to text).
    with served(tmp_path, LOG_FORMAT=None) as server:
        assert health(server) == 200
        assert status_of_head(server.port, head_with_header_of(20 * 1024)) == 431
        assert status_of_head(server.port, b"NOT HTTP AT ALL\r\n\r\n") == 400
        server.stop()  # the shut-down lines too
        lines = [line for line in server.output().splitlines() if line.strip()]
    records = [json.loads(line)["record"] for line in lines]  # raises on the first line that is not JSON
    messages = [record["message"] for record in records]
    for expected in (
        "Started parent process",
        "Application startup complete.",
        "GET /health 200",
        "Request head over 16384 bytes from 127.0.0.1 refused with 431",
        "Invalid HTTP request received.",
        "Stopping parent process",
    ):
        assert any(message.startswith(expected) for message in messages), expected
    assert len({record["process"]["id"] for record in records}) == 1 + WORKERS  # supervisor and workers alike


@pytest.mark.parametrize(
    ("trusted", "client_ip"),
    [("10.9.9.9", "127.0.0.1"), ("127.0.0.1", "1.2.3.4")],
    ids=["peer-not-a-proxy", "peer-is-the-proxy"],
)
def test_x_forwarded_for_is_believed_only_from_forwarded_allow_ips(
    tmp_path: Path, trusted: str, client_ip: str
) -> None:
    request_id = secrets.token_hex(8)
    with served(tmp_path, FORWARDED_ALLOW_IPS=trusted) as server:
        assert health(server, **{"X-Forwarded-For": "1.2.3.4", "X-Request-ID": request_id}) == 200
        records = server.records_once(lambda record: record["extra"].get("request_id") == request_id)
    access = [record for record in records if record["extra"].get("request_id") == request_id]
    # uvicorn rewrites the client before the app sees it: had uvicorn trusted 127.0.0.1 while the app did not,
    # the app would log 1.2.3.4 as the socket peer. Both read the one FORWARDED_ALLOW_IPS.
    assert [record["extra"]["client_ip"] for record in access] == [client_ip]
    assert not [record for record in records if "FORWARDED_ALLOW_IPS differs" in record["message"]]


def test_the_workers_may_hold_as_many_connections_as_the_hard_limit_allows(tmp_path: Path) -> None:
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard <= 1024:
        pytest.skip(f"the hard open-file limit here is {hard}: nothing to raise the soft one to")
    expected = 1_048_576 if hard == resource.RLIM_INFINITY else hard
    with served(tmp_path, open_files_soft_limit=1024) as server:
        soft_limits = [_open_files_soft_limit(pid) for pid in server.worker_pids()]
    assert soft_limits == [expected] * WORKERS


def _open_files_soft_limit(pid: int) -> int:
    for line in Path(f"/proc/{pid}/limits").read_text().splitlines():
        if line.startswith("Max open files"):
            return int(line.split()[3])
    raise AssertionError(f"no open-file limit for {pid}")
