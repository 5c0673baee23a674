"""The ASGI application: `uvicorn app.main:app`."""

from fastapi import FastAPI

from app.shared.http.discovery import mount_slices
from app.shared.http.error_handlers import install_error_handlers
from app.shared.http.lifespan import lifespan
from app.shared.http.middleware.body_limit import BodyLimitMiddleware
from app.shared.http.middleware.cors import BrowserCORSMiddleware
from app.shared.http.middleware.request_context import RequestContextMiddleware
from app.shared.kernel import Kernel
from app.shared.observability.logging import configure_logging
from app.shared.settings import Settings, load_settings

API_VERSION = "1.0.0"
DESCRIPTION = """
A multi-user todo API. Sign up or sign in under **Auth**, press **Authorize** and paste the `access_token`;
every task route then acts on your own tasks only.
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or load_settings()
    configure_logging(settings)
    app = FastAPI(title="Todo API", version=API_VERSION, description=DESCRIPTION, lifespan=lifespan)
    app.state.kernel = Kernel.build(settings)
    install_error_handlers(app)
    # Added innermost first: the request context wraps everything, so even CORS refusals get a request id.
    app.add_middleware(BodyLimitMiddleware, max_body_bytes=settings.max_body_bytes)
    app.add_middleware(
        BrowserCORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_credentials=True,
        allow_methods=["*"],
        allow_headers=["*"],
        expose_headers=["X-Request-ID", "Location", "Retry-After"],
    )
    app.add_middleware(RequestContextMiddleware, trusted_proxies=settings.forwarded_allow_ips)
    mount_slices(app)
    return app


def __getattr__(name: str) -> FastAPI:
    """`uvicorn app.main:app` builds the app on first use; importing `create_app` alone builds nothing."""
    if name != "app":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    application = create_app()
    globals()["app"] = application
    return application
