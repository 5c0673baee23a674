"""Round trips from a server to PostgreSQL, counted by the kernel: TCP data segments its processes sent.

pg_stat_database's transaction counters need no help from the server, but PostgreSQL reports them late and, on a
busy machine, in bursts; the kernel's count for each socket (`ss -ti`: data_segs_out) is exact at any moment.
asyncpg writes each batch of protocol messages (Parse/Bind/Execute/Sync) in one call, and a message of a few
hundred bytes is one segment on loopback, so one segment is one round trip (a write longer than a segment
would count twice).
"""

import asyncio
import re
import shutil
import subprocess

OWNER = re.compile(r"pid=(\d+)")
SEGMENTS = re.compile(r"\bdata_segs_out:(\d+)")


def socket_segments(pids: set[int], port: int) -> dict[str, int] | None:
    """Data segments sent so far on each established connection to `port` owned by one of `pids`, by local
    address; None when `ss` is not installed."""
    ss = shutil.which("ss")
    if ss is None:
        return None
    command = [ss, "-tinpH", "state", "established", f"( dport = :{port} )"]
    output = subprocess.run(command, capture_output=True, text=True, check=False).stdout  # noqa: S603
    found: dict[str, int] = {}
    local, owners = "", set()
    # Each socket is a line of addresses and owners (Recv-Q, Send-Q, local, peer, process), then an indented
    # line of its TCP counters.
    for line in output.splitlines():
        if not line[:1].isspace():
            fields = line.split()
            local, owners = (fields[2] if len(fields) > 2 else ""), {int(pid) for pid in OWNER.findall(line)}
        elif local and owners & pids and (segments := SEGMENTS.search(line)):
            found[local] = int(segments.group(1))
    return found


async def segments_now(pids: set[int], port: int) -> dict[str, int] | None:
    return await asyncio.to_thread(socket_segments, pids, port)


def segments_between(before: dict[str, int] | None, after: dict[str, int] | None) -> int | None:
    """Segments sent between two readings; a connection opened in between counts from zero, and one closed in
    between is lost (the app replaces connections only after an idle spell)."""
    if before is None or after is None:
        return None
    return sum(count - before.get(address, 0) for address, count in after.items())
