"""Loguru for everything: our events, uvicorn's and SQLAlchemy's (through the standard logging bridge).

Every value a request can shape (its path, a header, an email, a reason, any fact) passes through `loggable()`
before it is formatted into a line, and through `capped()` before it is bound to a record: a client must never be
able to start a line of its own, move an operator's cursor, or fill the disk with one request.
"""

import logging
import sys

from loguru import logger

from app.shared.settings import Settings

# The most characters of one value a log line shows; the rest is counted, not written (docs/security.md).
MAX_LOGGED_VALUE_CHARS = 512

TEXT_FORMAT = (
    "<green>{time:YYYY-MM-DD HH:mm:ss.SSS}</green> | <level>{level: <7}</level> | "
    "{extra[request_id]} | <level>{message}</level>"
)


def _escapes() -> dict[int, str]:
    """What `loggable()` writes instead of each character a terminal or a line-based reader would obey."""
    table = {code: f"\\x{code:02x}" for code in (*range(0x20), 0x7F, *range(0x80, 0xA0))}  # C0, DEL, C1
    # Line and paragraph separators end a line for some readers; bidi controls reorder what a reader sees.
    table |= {code: f"\\u{code:04x}" for code in (0x2028, 0x2029, *range(0x202A, 0x202F), *range(0x2066, 0x206A))}
    # The backslash too, so an escape in the log always means the character, never a literal "\\n" sent in.
    table |= {ord("\n"): "\\n", ord("\r"): "\\r", ord("\t"): "\\t", ord("\\"): "\\\\"}
    return table


_ESCAPES = _escapes()


def _cut(text: str) -> str:
    if len(text) <= MAX_LOGGED_VALUE_CHARS:
        return text
    return f"{text[:MAX_LOGGED_VALUE_CHARS]}…[+{len(text) - MAX_LOGGED_VALUE_CHARS} chars]"


def capped(value: object) -> object:
    """A fact as it may be bound to a record: text cut to MAX_LOGGED_VALUE_CHARS, anything else as it is.

    JSON lines escape control characters themselves, so bound text keeps them (exact, and still one line).
    """
    return _cut(value) if isinstance(value, str) else value


def loggable(value: object) -> str:
    """A value as it may be written into a text line: capped, with every control character shown escaped."""
    text = _cut(str(value))
    # Nearly every value is plain: `isprintable()` is false for every character the table escapes but the backslash.
    if text.isprintable() and "\\" not in text:
        return text
    return text.translate(_ESCAPES)


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
