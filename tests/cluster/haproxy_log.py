"""haproxy's log lines, as tools/cluster/haproxy.cfg.template's log-format writes them:
`METHOD PATH backend/server STATUS TERMINATION retries=N request_id=ID`.
"""

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class LoggedRequest:
    method: str
    path: str
    server: str  # "replica-1", or "<NOSRV>" when no replica was chosen
    status: int
    termination: str  # haproxy's termination state: "----" is a clean end, "SH--" the server aborted
    retries: int
    request_id: str


def logged_requests(log: Path) -> dict[str, LoggedRequest]:
    """The requests that carried an X-Request-ID, by that id."""
    requests = {}
    for line in log.read_text(errors="replace").splitlines():
        fields = line.split()
        if len(fields) != 7 or not fields[6].startswith("request_id="):
            continue  # haproxy's own start-up and server-state lines
        method, path, route, status, termination, retries, request_id = fields
        logged = LoggedRequest(
            method=method,
            path=path,
            server=route.split("/", 1)[1],
            status=int(status),
            termination=termination,
            retries=int(retries.removeprefix("retries=")),
            request_id=request_id.removeprefix("request_id="),
        )
        if logged.request_id != "-":
            requests[logged.request_id] = logged
    return requests
