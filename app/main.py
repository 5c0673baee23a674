"""The ASGI application: `uvicorn app.main:app`."""

from fastapi import FastAPI
from starlette.routing import Router
from starlette.types import Receive, Scope, Send

from app.shared.http.discovery import mount_slices
from app.shared.http.docs_pages import serve_docs_pages
from app.shared.http.error_handlers import install_error_handlers
from app.shared.http.lifespan import lifespan
from app.shared.http.middleware.body_limit import BodyLimitMiddleware
from app.shared.http.middleware.cors import BrowserCORSMiddleware
from app.shared.http.middleware.request_context import RequestContextMiddleware
from app.shared.http.openapi import install_openapi
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
    # No trailing-slash redirect: Starlette's would name the request's own Host header (docs/security.md).
    # docs_url/redoc_url None: FastAPI's own pages load their scripts from a CDN; docs_pages serves them locally.
    app = FastAPI(
        title="Todo API",
        version=API_VERSION,
        description=DESCRIPTION,
        lifespan=lifespan,
        redirect_slashes=False,
        docs_url=None,
        redoc_url=None,
    )
    serve_docs_pages(app)
    _serve_trailing_slashes(app.router)
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
        expose_headers=[
            "X-Request-ID",
            "Location",
            "Retry-After",
            "ETag",
            "X-Total-Count",
            "Link",
            "Idempotent-Replayed",
        ],
    )
    app.add_middleware(RequestContextMiddleware, trusted_proxies=settings.forwarded_allow_ips)
    mount_slices(app)
    install_openapi(app)
    return app


def _serve_trailing_slashes(router: Router) -> None:
    """`/api/tasks/` is answered as `/api/tasks`, same method, body and query: no redirect, so no Location.

    It runs only when no route matched, so the routes as declared cost nothing extra.
    """
    not_found = router.default

    async def without_trailing_slash(scope: Scope, receive: Receive, send: Send) -> None:
        path = scope["path"]
        if scope["type"] == "http" and path.endswith("/") and path.rstrip("/"):
            # A copy: the access line keeps the path the client sent. `state` is shared, so it still sees the user.
            trimmed = {**scope, "path": path.rstrip("/"), "raw_path": scope.get("raw_path", b"").rstrip(b"/")}
            await router.app(trimmed, receive, send)
            return
        await not_found(scope, receive, send)

    router.default = without_trailing_slash


def __getattr__(name: str) -> FastAPI:
    """`uvicorn app.main:app` builds the app on first use; importing `create_app` alone builds nothing."""
    if name != "app":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    application = create_app()
    globals()["app"] = application
    return application
