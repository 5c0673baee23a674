"""`/docs` (Swagger UI) and `/redoc` served with their scripts and styles from the service itself, not a CDN.

FastAPI's own pages load Swagger UI and ReDoc from jsDelivr, so without internet both are blank. The assets come
from the PyPI package `fastapi-offline` (Swagger UI 5 and ReDoc 2 bundles, a favicon; it depends on nothing but
FastAPI) and are mounted under a path that names the package version, so a browser may keep them for a year: an
upgrade changes the URL. `/docs/oauth2-redirect` stays FastAPI's own page, and the bearer "Authorize" button
comes from the OpenAPI document, which is untouched. tests/browser/test_docs_offline.py loads both pages in a
Chromium that can reach nothing else.
"""

import os
from importlib.metadata import version

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse
from starlette.responses import Response
from starlette.staticfiles import PathLike, StaticFiles
from starlette.types import Scope

ASSETS_PACKAGE = "fastapi_offline"
DOCS_URL = "/docs"
REDOC_URL = "/redoc"
ASSETS_URL = f"/docs/assets/{version('fastapi-offline')}"
# Safe only because the URL changes with the package version: the files under one URL never change.
ASSET_CACHE_CONTROL = "public, max-age=31536000, immutable"
# ReDoc's sidebar shows Redocly's logo from cdn.redoc.ly, whatever its options: the page may show images from the
# service only, so the browser never asks for it (the logo hides itself when it does not load).
REDOC_PAGE_CSP = "img-src 'self' data:"


class _VersionedAssets(StaticFiles):
    """The package's static folder; every answer, a 304 included, says it may be cached for good."""

    def file_response(
        self, full_path: PathLike, stat_result: os.stat_result, scope: Scope, status_code: int = 200
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        response.headers["Cache-Control"] = ASSET_CACHE_CONTROL
        return response


def serve_docs_pages(app: FastAPI) -> None:
    """Mounts the assets and the two pages on an app created with `docs_url=None, redoc_url=None`."""
    if app.docs_url or app.redoc_url:
        raise RuntimeError("create the app with docs_url=None and redoc_url=None: FastAPI's pages load a CDN")
    # `packages=` finds the folder inside the installed package and checks it exists now, at start-up.
    app.mount(ASSETS_URL, _VersionedAssets(packages=[(ASSETS_PACKAGE, "static")]), name="docs-assets")
    openapi_url = app.openapi_url or "/openapi.json"
    oauth2_redirect_url = app.swagger_ui_oauth2_redirect_url or f"{DOCS_URL}/oauth2-redirect"

    async def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "").rstrip("/")
        return get_swagger_ui_html(
            openapi_url=root + openapi_url,
            title=f"{app.title} - Swagger UI",
            swagger_js_url=f"{root}{ASSETS_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ASSETS_URL}/swagger-ui.css",
            swagger_favicon_url=f"{root}{ASSETS_URL}/favicon.png",
            oauth2_redirect_url=root + oauth2_redirect_url,
            init_oauth=app.swagger_ui_init_oauth,
            swagger_ui_parameters=app.swagger_ui_parameters,
        )

    async def swagger_ui_oauth2_redirect(request: Request) -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    async def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "").rstrip("/")
        page = get_redoc_html(
            openapi_url=root + openapi_url,
            title=f"{app.title} - ReDoc",
            redoc_js_url=f"{root}{ASSETS_URL}/redoc.standalone.js",
            redoc_favicon_url=f"{root}{ASSETS_URL}/favicon.png",
            # Google Fonts is a CDN too; ReDoc falls back to the system's fonts.
            with_google_fonts=False,
        )
        page.headers["Content-Security-Policy"] = REDOC_PAGE_CSP
        return page

    app.add_route(DOCS_URL, swagger_ui, include_in_schema=False)
    app.add_route(oauth2_redirect_url, swagger_ui_oauth2_redirect, include_in_schema=False)
    app.add_route(REDOC_URL, redoc, include_in_schema=False)
    # FastAPI reads these two only in its constructor (to add its CDN pages); set now, they tell everyone else,
    # `GET /` included, where the docs are.
    app.docs_url, app.redoc_url = DOCS_URL, REDOC_URL
