"""A route's dependency tree as a plan made once: FastAPI's `solve_dependencies`, minus the per-request guessing.

The order of work, the validation of each parameter (FastAPI's own `request_params_to_args` and
`request_body_to_args`, so 422 bodies are FastAPI's to the byte), the per-request cache and the two cleanup
scopes ("function": before the response is sent; "request": after) are FastAPI's. What is decided once instead
of per request: which kind of callable each dependency is, its cache key, which parameter groups it has at all.
A kernel dependency that registers a direct form (the session) is opened and closed by plain calls.
"""

from collections.abc import Awaitable, Callable
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

from fastapi._compat import ModelField
from fastapi.concurrency import contextmanager_in_threadpool, run_in_threadpool
from fastapi.dependencies.models import (
    Dependant,
    _get_cache_key,
    _get_computed_scope,
    _get_oauth_scopes,
    _is_async_gen_callable,
    _is_coroutine_callable,
    _is_gen_callable,
)
from fastapi.dependencies.utils import (
    _get_param_aliases,
    _get_param_model,
    request_body_to_args,
    request_params_to_args,
)
from fastapi.security import SecurityScopes
from starlette.requests import Request
from starlette.responses import Response


class NotCompilable(Exception):
    """The route uses something the plan does not cover; FastAPI serves it as it always did."""


class DirectDependency(Protocol):
    """A kernel generator dependency as plain calls: `open` is its code before `yield`, `close` the code after.

    `open` takes the generator's own parameters, by name.
    """

    @property
    def open(self) -> Callable[..., Awaitable[Any]]: ...

    async def close(self, value: Any, error: BaseException | None) -> None: ...


class Cleanup(Protocol):
    async def __call__(self, error: BaseException | None) -> bool:
        """Runs the code after a dependency's `yield`; True when it swallowed `error`."""
        ...


@dataclass
class RequestRun:
    """What one request's dependencies share: the request, the cache, the sub-response and the cleanups."""

    request: Request
    body: Any
    path_params: dict[str, Any]
    cache: dict[Any, Any] = field(default_factory=dict)
    function_cleanups: list[Cleanup] = field(default_factory=list)
    request_cleanups: list[Cleanup] = field(default_factory=list)
    _sub_response: Response | None = None

    @property
    def sub_response(self) -> Response:
        """The `Response` a dependency may set headers or a status on, made only when one asks for it."""
        if self._sub_response is None:
            response = Response()
            del response.headers["content-length"]
            response.status_code = None  # type: ignore[assignment]
            self._sub_response = response
        return self._sub_response

    @property
    def sub_response_made(self) -> Response | None:
        return self._sub_response


Solved = tuple[dict[str, Any], list[Any]]


class DependencyPlan:
    def __init__(
        self, dependant: Dependant, *, embed_body_fields: bool, direct: dict[Callable[..., Any], DirectDependency]
    ) -> None:
        if dependant.concurrency is not None or dependant.background_tasks_param_name:
            raise NotCompilable("concurrency limits and background tasks are FastAPI's to run")
        if dependant.websocket_param_name:
            raise NotCompilable("websockets")
        self.call = dependant.call
        self.name = dependant.name
        self.use_cache = dependant.use_cache
        self.cache_key = _get_cache_key(dependant=dependant)
        self.cleanup_scope = _get_computed_scope(dependant=dependant)
        self.direct = direct.get(dependant.call) if dependant.call is not None else None
        self.is_async_generator = _is_async_gen_callable(dependant.call)
        self.is_generator = _is_gen_callable(dependant.call)
        self.is_coroutine = _is_coroutine_callable(dependant.call)
        self.dependencies = [
            DependencyPlan(sub, embed_body_fields=embed_body_fields, direct=direct) for sub in dependant.dependencies
        ]
        # A plain `str` path parameter cannot fail validation (the path matched) and validates to itself.
        self.plain_path_params = [field.name for field in dependant.path_params if _is_plain_text(field)]
        self.path_params = [field for field in dependant.path_params if not _is_plain_text(field)]
        self.query_params = dependant.query_params
        # Each header with the names it may come under when its absence simply means None (If-Match, an
        # Idempotency-Key): most requests send none of them, and FastAPI would validate None for each.
        self.header_params = [(field, _optional_header_names(field)) for field in dependant.header_params]
        self.cookie_params = dependant.cookie_params
        self.body_params = dependant.body_params
        self.embed_body_fields = embed_body_fields
        self.request_names = [
            name for name in (dependant.http_connection_param_name, dependant.request_param_name) if name
        ]
        self.response_name = dependant.response_param_name
        self.security_scopes = (
            (dependant.security_scopes_param_name, SecurityScopes(scopes=_get_oauth_scopes(dependant=dependant)))
            if dependant.security_scopes_param_name
            else None
        )

    async def solve(self, run: RequestRun) -> Solved:
        """This dependant's arguments, and the validation errors met on the way (FastAPI's order and rules)."""
        values: dict[str, Any] = {}
        errors: list[Any] = []
        for sub in self.dependencies:
            sub_values, sub_errors = await sub.solve(run)
            if sub_errors:
                errors.extend(sub_errors)
                continue
            if sub.use_cache and sub.cache_key in run.cache:
                solved = run.cache[sub.cache_key]
            else:
                solved = await sub.call_with(sub_values, run)
            if sub.name is not None:
                values[sub.name] = solved
            run.cache.setdefault(sub.cache_key, solved)
        request = run.request
        for name in self.plain_path_params:
            values[name] = run.path_params[name]
        if self.path_params:
            self._take(request_params_to_args(self.path_params, run.path_params), values, errors)
        if self.query_params:
            self._take(request_params_to_args(self.query_params, request.query_params), values, errors)
        if self.header_params:
            headers = request.headers
            for field, optional_names in self.header_params:
                if optional_names is not None and not any(name in headers for name in optional_names):
                    values[field.name] = None
                else:
                    self._take(request_params_to_args([field], headers), values, errors)
        if self.cookie_params:
            self._take(request_params_to_args(self.cookie_params, request.cookies), values, errors)
        if self.body_params:
            self._take(
                await request_body_to_args(
                    body_fields=self.body_params, received_body=run.body, embed_body_fields=self.embed_body_fields
                ),
                values,
                errors,
            )
        for name in self.request_names:
            values[name] = request
        if self.response_name:
            values[self.response_name] = run.sub_response
        if self.security_scopes is not None:
            values[self.security_scopes[0]] = self.security_scopes[1]
        return values, errors

    async def call_with(self, values: dict[str, Any], run: RequestRun) -> Any:
        assert self.call is not None
        if self.direct is not None:
            return await self._open_direct(self.direct, values, run)
        if self.is_async_generator or self.is_generator:
            return await self._enter_generator(values, run)
        if self.is_coroutine:
            return await self.call(**values)
        return await run_in_threadpool(self.call, **values)

    async def _open_direct(self, direct: DirectDependency, values: dict[str, Any], run: RequestRun) -> Any:
        value = await direct.open(**values)

        async def cleanup(error: BaseException | None) -> bool:
            await direct.close(value, error)
            return False

        self._cleanups(run).append(cleanup)
        return value

    async def _enter_generator(self, values: dict[str, Any], run: RequestRun) -> Any:
        assert self.call is not None
        manager = (
            asynccontextmanager(self.call)(**values)
            if self.is_async_generator
            else contextmanager_in_threadpool(contextmanager(self.call)(**values))
        )
        value = await manager.__aenter__()

        async def cleanup(error: BaseException | None) -> bool:
            if error is None:
                return bool(await manager.__aexit__(None, None, None))
            return bool(await manager.__aexit__(type(error), error, error.__traceback__))

        self._cleanups(run).append(cleanup)
        return value

    def _cleanups(self, run: RequestRun) -> list[Cleanup]:
        return run.function_cleanups if self.cleanup_scope == "function" else run.request_cleanups

    @staticmethod
    def _take(solved: Solved, values: dict[str, Any], errors: list[Any]) -> None:
        values.update(solved[0])
        errors.extend(solved[1])


def _optional_header_names(field: ModelField) -> tuple[str, ...] | None:
    """The names a header may come under, when leaving it out means None; else None (validate it every time)."""
    if field.field_info.is_required() or field.field_info.default is not None or _get_param_model(field) is not None:
        return None
    return tuple(request_name for _, request_name in _get_param_aliases(field))


def _is_plain_text(field: ModelField) -> bool:
    info = field.field_info
    return info.annotation is str and not info.metadata and field.alias == field.name and not info.validation_alias


async def run_cleanups(cleanups: list[Cleanup], error: BaseException | None) -> BaseException | None:
    """Runs cleanups last-in first-out as an `AsyncExitStack` would: the error each one leaves is the next one's."""
    while cleanups:
        cleanup = cleanups.pop()
        try:
            if await cleanup(error):
                error = None
        except BaseException as raised:
            error = raised
    return error
