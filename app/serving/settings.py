"""The settings of the serving process itself (not of the app): bind address, workers, per-connection limits.

Read from the environment or `.env`, like the app's settings, and validated once in the supervisor so that a bad
value stops start-up with one line instead of failing in every worker.
"""

import functools
import os
from dataclasses import dataclass

from pydantic import AliasChoices, Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_MAX_HEADER_BYTES = 16_384
DEFAULT_HEADER_TIMEOUT_SECONDS = 10.0


def available_cpus() -> int:
    """The CPUs this process may run on (its affinity mask, which containers' cpusets narrow), not the host's."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


class ServingSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65_535)
    # WEB_CONCURRENCY is what uvicorn's CLI and most platforms (Heroku, Render) call it.
    workers: int = Field(
        default_factory=available_cpus, ge=1, validation_alias=AliasChoices("WORKERS", "WEB_CONCURRENCY")
    )
    # The request line plus all header lines of one request. 16 KiB is three times the largest head a browser
    # with a full cookie jar sends (~5 KiB) and what nginx and Node.js allow by default.
    max_header_bytes: int = Field(default=DEFAULT_MAX_HEADER_BYTES, ge=1_024)
    # From a connection's first byte (or its opening) to the end of that request's headers.
    header_timeout_seconds: float = Field(default=DEFAULT_HEADER_TIMEOUT_SECONDS, gt=0)
    # Idle time allowed between two requests on one connection (uvicorn's --timeout-keep-alive). Behind a proxy
    # that reuses connections, make it longer than the proxy's own idle timeout.
    keep_alive_seconds: int = Field(default=5, ge=1)
    # Connections the kernel queues before a worker accepts them (the kernel caps it at net.core.somaxconn).
    backlog: int = Field(default=2_048, ge=1)
    # How long SIGTERM waits for requests in flight before the workers stop anyway.
    graceful_shutdown_seconds: int = Field(default=30, ge=1)


@dataclass(frozen=True)
class HeadLimits:
    """What one connection may hold before its request reaches the app."""

    max_header_bytes: int = DEFAULT_MAX_HEADER_BYTES
    header_timeout_seconds: float = DEFAULT_HEADER_TIMEOUT_SECONDS


def load_serving_settings() -> ServingSettings:
    try:
        return ServingSettings()
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in problem['loc']).upper()}: {problem['msg']}" for problem in error.errors()
        )
        raise SystemExit(f"Configuration error: {problems}") from None


@functools.cache
def configured_head_limits() -> HeadLimits:
    """Read once per worker: the workers inherit the supervisor's environment and working directory, so they read
    the same values the supervisor validated.
    """
    settings = load_serving_settings()
    return HeadLimits(settings.max_header_bytes, settings.header_timeout_seconds)
