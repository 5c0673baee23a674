"""The cluster's own redis-server, on a free port and without persistence: it holds only rate-limit counters, which
may be lost (a restart forgives the current window). The machine's Redis on 6379, if any, is left alone.
"""

import shutil
from pathlib import Path

from tools.cluster.processes import ClusterError, spawn, wait_for_port


def start_redis(*, port: int, directory: Path, log: Path, pidfile: Path) -> int:
    binary = shutil.which("redis-server")
    if binary is None:
        raise ClusterError("redis-server is not installed (tools/cluster/install-packages installs it)")
    command = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    group = spawn([*command, "--dir", str(directory)], log=log, pidfile=pidfile)
    wait_for_port(port, group=group, name="redis-server", log=log)
    return group
