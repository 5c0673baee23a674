"""One structured log event per security-relevant fact, with the request id and client IP already attached.

Callers pass facts (an email, a user id, a reason), never a password, token or secret. Facts often come from the
request, so each is escaped in the line and capped in the record (`loggable`, `capped`).
"""

from typing import Any

from loguru import logger

from app.shared.observability.logging import capped, loggable


def security_event(event: str, message: str, **facts: Any) -> None:
    context = " ".join(f"{key}={loggable(value)}" for key, value in facts.items())
    bound = {key: capped(value) for key, value in facts.items()}
    logger.bind(event=event, security=True, **bound).warning("security {}: {} {}", event, message, context)
