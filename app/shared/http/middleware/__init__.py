"""Pure ASGI middleware: request context and access log, the body limit, the client address."""
