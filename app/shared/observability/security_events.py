"""One structured log event per security-relevant fact, with the request id and client IP already attached.

Callers pass facts (an email, a user id, a reason), never a password, token or secret.
"""

from typing import Any

from loguru import logger


def security_event(event: str, message: str, **facts: Any) -> None:
    context = " ".join(f"{key}={value}" for key, value in facts.items())
    logger.bind(event=event, security=True, **facts).warning("security {}: {} {}", event, message, context)
