"""How the service is served in production: `python -m app.serving` (and `make serve`, which calls it).

uvicorn's own supervisor runs WORKERS workers and restarts any that dies. Each connection is spoken to by
`GuardedHttpToolsProtocol`, which adds what uvicorn 0.54 lacks: a cap on the size of a request's head (431) and a
deadline for finishing it (closed, 408). Logs are JSON lines, the supervisor's included. Proxy headers are believed
only from FORWARDED_ALLOW_IPS. docs/deployment.md has every setting and the attack each limit answers.

This package sits beside the app: it imports the kernel's settings and logging, never a slice.
"""
