"""Lets the server hold as many connections as the administrator allows, not the 1024 most shells start with.

Each connection is a file descriptor. Under the common soft limit of 1024, a thousand slow clients leave no
descriptor for anyone else (accept fails, and so do the database's sockets); the hard limit is usually far higher
(524288 under systemd). Raising the soft limit to the hard one needs no privilege, and the workers inherit it.
"""

import resource

# When the hard limit is "unlimited", the kernel still refuses more than fs.nr_open (1048576 by default).
UNLIMITED_CEILING = 1_048_576


def raise_open_file_limit() -> int:
    """Raises this process's soft RLIMIT_NOFILE to its hard limit and returns the soft limit now in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = UNLIMITED_CEILING if hard == resource.RLIM_INFINITY else hard
    if soft != resource.RLIM_INFINITY and soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        except (ValueError, OSError):
            return soft  # e.g. macOS caps it lower than it reports: keep what we have
        return target
    return soft
