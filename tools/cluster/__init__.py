"""`make cluster`: REPLICAS replicas of `python -m app.serving` behind haproxy, with PgBouncer (transaction mode) in
front of PostgreSQL and a Redis of its own, all local processes from Debian's packages. See docs/deployment.md.

Everything it starts keeps its pid file, log and configuration under one state directory (`.cluster/`), so
`make cluster-stop` (or `python -m tools.cluster stop`) finds and stops all of it from another process.
"""
