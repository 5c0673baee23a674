"""`KernelApp`: FastAPI with the front door as its outermost layer.

FastAPI wraps every app in three layers of its own (the last-resort error page, exception telemetry, an app-wide
body limit) before any middleware an app adds. A compiled route needs none of them, so the front door stands in
front of the whole stack and sends only what it does not serve into it. The first of those layers answers an
unhandled error with a plain-text page; the front door answers it in JSON and logs it, as it always did for
every route, so that layer is left out.
"""

from fastapi import FastAPI
from starlette.middleware.errors import ServerErrorMiddleware
from starlette.types import ASGIApp

from app.shared.http.dependencies import DIRECT_DEPENDENCIES
from app.shared.http.middleware.front_door import FrontDoor
from app.shared.kernel import kernel_of


class KernelApp(FastAPI):
    def build_middleware_stack(self) -> ASGIApp:
        # Called at the first request (or lifespan event): every slice is mounted and every handler installed.
        fastapi_stack = super().build_middleware_stack()
        if isinstance(fastapi_stack, ServerErrorMiddleware):
            fastapi_stack = fastapi_stack.app
        return FrontDoor(
            fastapi_stack,
            api=self,
            settings=kernel_of(self).settings,
            direct_dependencies=DIRECT_DEPENDENCIES,
        )
