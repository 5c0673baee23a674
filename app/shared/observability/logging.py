"""Loguru for everything: our events, uvicorn's and SQLAlchemy's (through the standard logging bridge)."""

import logging
import sys

from loguru import logger

from app.shared.settings import Settings

TEXT_FORMAT = (
    "<green>{time:YYYY-MM-DD HH:mm:ss.SSS}</green> | <level>{level: <7}</level> | "
    "{extra[request_id]} | <level>{message}</level>"
)


class _InterceptHandler(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        try:
            level: str | int = logger.level(record.levelname).name
        except ValueError:
            level = record.levelno
        logger.opt(depth=6, exception=record.exc_info).log(level, record.getMessage())


def configure_logging(settings: Settings) -> None:
    logger.remove()
    logger.configure(extra={"request_id": "-", "client_ip": "-"})
    logger.add(
        sys.stderr,
        level=settings.log_level.upper(),
        format=TEXT_FORMAT if settings.log_format == "text" else "{message}",
        serialize=settings.log_format == "json",
        backtrace=False,
        diagnose=False,  # never print local variables: they may hold passwords or tokens
    )
    logging.basicConfig(handlers=[_InterceptHandler()], level=logging.WARNING, force=True)
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers = [_InterceptHandler()]
        logging.getLogger(name).propagate = False
    logging.getLogger("uvicorn.access").disabled = True  # the request-context middleware logs each request
