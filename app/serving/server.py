"""Starts the service as deployed: uvicorn's supervisor over WORKERS workers, each using the guarded protocol.

uvicorn's supervisor (0.54) restarts a worker that dies and kills and replaces one that stops answering its
health pings; SIGHUP replaces all workers one by one, SIGTTIN/SIGTTOU add or remove one. It is used even for a
single worker, so that worker is restarted too (`uvicorn.run` would serve it in-process, unsupervised).
"""

import logging
import os
import sys
from typing import Any

from loguru import logger
from uvicorn.config import STARTUP_FAILURE, Config
from uvicorn.supervisors.multiprocess import Multiprocess

from app.serving.open_files import raise_open_file_limit
from app.serving.settings import ServingSettings, load_serving_settings
from app.shared.observability.logging import configure_logging
from app.shared.settings import Settings, load_settings

APP = "app.main:app"
PROTOCOL = "app.serving.protocol:GuardedHttpToolsProtocol"


def serve() -> None:
    serving = load_serving_settings()
    app_settings = deployment_defaults(load_settings())  # the app's settings, checked once before any worker
    config = build_config(serving, app_settings)  # from here on, the supervisor logs as the workers do
    open_files = raise_open_file_limit()
    logger.info(
        "Serving {} on http://{}:{}: workers {}, request heads up to {} bytes within {:g}s, keep-alive {}s, "
        "backlog {}, open files {}, proxies trusted: {}",
        APP,
        serving.host,
        serving.port,
        serving.workers,
        serving.max_header_bytes,
        serving.header_timeout_seconds,
        serving.keep_alive_seconds,
        serving.backlog,
        open_files,
        ",".join(app_settings.forwarded_allow_ips),
    )
    supervisor = Multiprocess(config, sockets=[config.bind_socket()])
    supervisor.run()
    if any(process.exitcode == STARTUP_FAILURE for process in supervisor.processes):
        sys.exit(STARTUP_FAILURE)  # the app cannot start: say so to the process manager, do not loop


def deployment_defaults(settings: Settings) -> Settings:
    """JSON logs unless LOG_FORMAT is set (in the environment or .env); the workers are told through the
    environment they inherit, as they are of the proxies to trust, so the app and uvicorn name the same ones
    even when FORWARDED_ALLOW_IPS is written only in .env (which uvicorn alone never reads).
    """
    if "log_format" not in settings.model_fields_set:
        settings = settings.model_copy(update={"log_format": "json"})
    os.environ["LOG_FORMAT"] = settings.log_format
    os.environ["FORWARDED_ALLOW_IPS"] = ",".join(settings.forwarded_allow_ips)
    return settings


class ServingConfig(Config):
    """uvicorn's Config, logging through the app's configuration wherever uvicorn sets logging up: in the supervisor,
    and in each worker before it loads the app, so that even "Error loading ASGI app" is a JSON line. (The config is
    pickled into each spawned worker, this class and the app's settings with it.)
    """

    def __init__(self, app: str, *, app_settings: Settings, **options: Any) -> None:
        self.app_settings = app_settings  # before Config.__init__, which configures logging
        super().__init__(app, **options)

    def configure_logging(self) -> None:
        super().configure_logging()  # with log_config=None, only the levels of uvicorn's loggers
        configure_logging(self.app_settings)


def build_config(serving: ServingSettings, app_settings: Settings) -> ServingConfig:
    """The equivalent of `uvicorn app.main:app --http app.serving.protocol:GuardedHttpToolsProtocol --no-access-log
    --proxy-headers --forwarded-allow-ips … --workers … --timeout-keep-alive … --timeout-graceful-shutdown …
    --backlog … --no-server-header`, without uvicorn's plain-text log configuration.
    """
    return ServingConfig(
        APP,
        app_settings=app_settings,
        host=serving.host,
        port=serving.port,
        workers=serving.workers,
        http=PROTOCOL,
        # None keeps uvicorn from installing its text handlers: the app's logging (loguru) takes its records.
        log_config=None,
        log_level=logging.getLevelNamesMapping().get(app_settings.log_level.upper(), logging.INFO),
        access_log=False,  # the app's request-context middleware logs each request, with its id and client IP
        proxy_headers=True,
        forwarded_allow_ips=app_settings.forwarded_allow_ips,
        timeout_keep_alive=serving.keep_alive_seconds,
        timeout_graceful_shutdown=serving.graceful_shutdown_seconds,
        backlog=serving.backlog,
        server_header=False,  # no need to tell scanners which server and version to try
        # Not limit_concurrency: it counts every open connection, slow ones included, so under a slow-header
        # attack it would answer 503 to everybody else instead of protecting them. The header timeout and the
        # open-file limit answer that attack; a per-client connection cap belongs to the proxy in front.
    )
