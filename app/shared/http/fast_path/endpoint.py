"""One route, compiled: its body read, its dependencies solved, its endpoint called, its errors handled.

It does, in FastAPI's order, what `request_response` and `get_request_handler` do for a JSON route: read the
body as FastAPI reads it (the same 400 for broken JSON, the same 422 list for bad fields), solve the plan, call
the endpoint, render a returned model through the route's `response_model` exactly as FastAPI does, run the
"function" cleanups (the session gives its connection back, its transaction committed) before the response
is sent and the "request" ones after it, and map an exception through the app's own exception handlers.
"""

import email.message
import json
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

import anyio
from fastapi.concurrency import run_in_threadpool
from fastapi.datastructures import DefaultPlaceholder
from fastapi.exceptions import FastAPIError, RequestValidationError
from fastapi.params import Form
from fastapi.routing import APIRoute, _extract_endpoint_context, serialize_response
from fastapi.utils import is_body_allowed_for_status_code
from pydantic_core import PydanticUndefined as Undefined
from starlette._utils import is_async_callable
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from app.shared.http.fast_path.dependencies import (
    Cleanup,
    DependencyPlan,
    DirectDependency,
    NotCompilable,
    RequestRun,
    run_cleanups,
)

ExceptionHandler = Callable[[Request, Exception], Any]

# FastAPI's words when a cleanup swallowed the error that left no response behind.
RESPONSE_NOT_AWAITED = (
    "Response not awaited. There's a high chance that the application code is raising an exception and a "
    "dependency with yield has a block with a bare except, or a block with except Exception, and is not "
    "raising the exception again."
)


class ExceptionHandlers:
    """The app's exception handlers, looked up as Starlette's `ExceptionMiddleware` looks them up."""

    def __init__(self, registered: Mapping[Any, ExceptionHandler]) -> None:
        # Exception and 500 belong to the outermost layer, as in FastAPI's own middleware stack.
        handlers = {key: (handler, is_async_callable(handler)) for key, handler in registered.items()}
        self._by_status = {key: found for key, found in handlers.items() if isinstance(key, int) and key != 500}
        self._by_class = {
            key: found for key, found in handlers.items() if not isinstance(key, int) and key is not Exception
        }

    def handler_for(self, error: Exception) -> tuple[ExceptionHandler, bool] | None:
        if isinstance(error, HTTPException) and (handler := self._by_status.get(error.status_code)) is not None:
            return handler
        for kind in type(error).__mro__:
            if kind in self._by_class:
                return self._by_class[kind]
        return None


class CompiledRoute:
    def __init__(
        self,
        route: APIRoute,
        *,
        direct: dict[Callable[..., Any], DirectDependency],
        exception_handlers: ExceptionHandlers,
    ) -> None:
        dependant = route.dependant
        if route.is_sse_stream or route.is_json_stream or getattr(route, "max_body_size", None) is not None:
            raise NotCompilable("streaming answers and per-route body limits are FastAPI's to run")
        if route.body_field is not None and isinstance(route.body_field.field_info, Form):
            raise NotCompilable("form bodies")
        self._plan = DependencyPlan(dependant, embed_body_fields=route._embed_body_fields, direct=direct)
        if self._plan.is_async_generator or self._plan.is_generator:
            raise NotCompilable("streaming endpoints")
        assert dependant.call is not None
        self._endpoint = dependant.call
        self._is_coroutine = self._plan.is_coroutine
        self._reads_body = route.body_field is not None
        strict = route.strict_content_type
        self._strict_content_type = bool(strict.value if isinstance(strict, DefaultPlaceholder) else strict)
        response_class = route.response_class
        self._response_class = (
            response_class.value if isinstance(response_class, DefaultPlaceholder) else response_class
        )
        self._route = route
        self._dump_json = route.response_field is not None and isinstance(response_class, DefaultPlaceholder)
        self._exception_handlers = exception_handlers
        # What FastAPI names in a validation error's context: the function, and the method and path it serves.
        self._contexts = {
            method: {**_extract_endpoint_context(self._endpoint), "path": f"{method} {dependant.path}"}
            for method in route.methods or ()
        }
        self._scope_values = {"endpoint": route.endpoint, "route": route}

    async def __call__(self, scope: Scope, receive: Receive, send: Send, path_params: dict[str, Any]) -> None:
        scope.update(self._scope_values)
        scope["path_params"] = path_params
        request = Request(scope, receive, send)
        run = RequestRun(request=request, body=Undefined, path_params=path_params)
        sending = False
        try:
            try:
                response = await self._respond_then_clean_up(run)
                sending = True
                await response(scope, receive, send)
            except BaseException as error:
                await _cleaned_up(run.request_cleanups, error)
                raise
            await _cleaned_up(run.request_cleanups, None)
        except Exception as error:
            found = self._exception_handlers.handler_for(error)
            if found is None:
                raise
            if sending:
                raise RuntimeError("Caught handled exception, but response already started.") from error
            handler, is_async = found
            answer = await handler(request, error) if is_async else await run_in_threadpool(handler, request, error)
            if answer is not None:
                await answer(scope, receive, send)
            error.__traceback__ = None  # a reused exception instance would gather tracebacks across requests

    async def _respond_then_clean_up(self, run: RequestRun) -> Response:
        try:
            response = await self._respond(run)
        except BaseException as error:
            await _cleaned_up(run.function_cleanups, error)
            raise
        await _cleaned_up(run.function_cleanups, None)
        return response

    async def _respond(self, run: RequestRun) -> Response:
        request = run.request
        if self._reads_body:
            run.body = await self._read_body(request)
        values, errors = await self._plan.solve(run)
        if errors:
            raise RequestValidationError(
                errors,
                body=None if run.body is Undefined else run.body,
                endpoint_ctx=self._contexts[request.method],  # type: ignore[arg-type]
            )
        if self._is_coroutine:
            raw = await self._endpoint(**values)
        else:
            raw = await run_in_threadpool(self._endpoint, **values)
        if isinstance(raw, Response):
            return raw
        return await self._render(raw, run)

    async def _render(self, raw: Any, run: RequestRun) -> Response:
        """A returned value (not a Response) rendered through the route's response model, as FastAPI renders it."""
        route = self._route
        sub_response = run.sub_response_made
        arguments: dict[str, Any] = {"background": None}
        status = route.status_code or (sub_response.status_code if sub_response is not None else None)
        if status is not None:
            arguments["status_code"] = status
        if sub_response is not None and sub_response.status_code:
            arguments["status_code"] = sub_response.status_code
        content = await serialize_response(
            field=route.response_field,
            response_content=raw,
            include=route.response_model_include,
            exclude=route.response_model_exclude,
            by_alias=route.response_model_by_alias,
            exclude_unset=route.response_model_exclude_unset,
            exclude_defaults=route.response_model_exclude_defaults,
            exclude_none=route.response_model_exclude_none,
            is_coroutine=self._is_coroutine,
            endpoint_ctx=self._contexts[run.request.method],  # type: ignore[arg-type]
            dump_json=self._dump_json,
        )
        if self._dump_json:
            response = Response(content=content, media_type="application/json", **arguments)
        else:
            response = self._response_class(content, **arguments)
        if not is_body_allowed_for_status_code(response.status_code):
            response.body = b""
        if sub_response is not None:
            response.headers.raw.extend(sub_response.headers.raw)
        return response

    async def _read_body(self, request: Request) -> Any:
        """The body as FastAPI reads it: JSON when the content type says so (or says nothing, when not strict)."""
        try:
            body_bytes = await request.body()
            if not body_bytes:
                return Undefined
            content_type = request.headers.get("content-type")
            if not content_type:
                return body_bytes if self._strict_content_type else await request.json()
            return await request.json() if _is_json(content_type) else body_bytes
        except json.JSONDecodeError as error:
            problem = {
                "type": "json_invalid",
                "loc": ("body", error.pos),
                "msg": "JSON decode error",
                "input": {},
                "ctx": {"error": error.msg},
            }
            raise RequestValidationError(
                [problem],
                body=error.doc,
                endpoint_ctx=self._contexts[request.method],  # type: ignore[arg-type]
            ) from error
        except HTTPException:
            raise
        except Exception as error:
            raise HTTPException(status_code=400, detail="There was an error parsing the body") from error


async def _cleaned_up(cleanups: list[Cleanup], error: BaseException | None) -> None:
    """Runs the cleanups shielded from cancellation, as FastAPI does, and raises what they leave behind."""
    if not cleanups:
        return
    with anyio.CancelScope(shield=True):
        left = await run_cleanups(cleanups, error)
    if left is not None and left is not error:
        raise left
    if error is not None and left is None:
        raise FastAPIError(RESPONSE_NOT_AWAITED)


@lru_cache(maxsize=64)
def _is_json(content_type: str) -> bool:
    message = email.message.Message()
    message["content-type"] = content_type
    if message.get_content_maintype() != "application":
        return False
    subtype = message.get_content_subtype()
    return subtype == "json" or subtype.endswith("+json")
