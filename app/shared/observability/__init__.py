"""The observability room: loguru set-up, the access line's context, and security events."""
