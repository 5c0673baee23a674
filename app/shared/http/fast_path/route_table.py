"""Method and path to compiled route, in the app's own route order, decided without walking included routers.

Starlette takes the first route whose path and method both match, so the table keeps every route in the
order FastAPI would try it, listed under each method it serves. A route that is not compiled (the docs pages,
anything the plan does not cover) still holds its place: a request that reaches it goes to FastAPI, as does
one that matches nothing (404, 405, the trailing-slash rule) or comes under a `root_path`.
"""

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from fastapi.datastructures import DefaultPlaceholder
from fastapi.routing import APIRoute
from loguru import logger
from starlette.convertors import StringConvertor
from starlette.routing import BaseRoute, Route
from starlette.types import Scope

from app.shared.http.fast_path.dependencies import DirectDependency, NotCompilable
from app.shared.http.fast_path.endpoint import CompiledRoute, ExceptionHandlers

# Matches every path: the place of a route whose paths the table cannot know (an unusual include).
_ANY_PATH = re.compile("")


@dataclass(frozen=True, slots=True)
class _Place:
    path: re.Pattern[str]
    compiled: CompiledRoute | None
    convertors: dict[str, Any] | None  # None: every parameter is a plain string, kept as matched


class RouteTable:
    def __init__(self, places_by_method: dict[str, list[_Place]]) -> None:
        self._places_by_method = places_by_method

    @classmethod
    def of(cls, app: FastAPI, direct: dict[Callable[..., Any], DirectDependency]) -> "RouteTable":
        handlers = ExceptionHandlers(app.exception_handlers)
        places_by_method: dict[str, list[_Place]] = {}
        for route, methods in _in_order(app.router.routes):
            if isinstance(route, APIRoute):
                place = _place_of(route, direct, handlers)
            else:
                # A route or a mount (the docs' assets) keeps its place with the paths it matches.
                place = _Place(getattr(route, "path_regex", _ANY_PATH), None, None)
            for method in methods:
                places_by_method.setdefault(method, []).append(place)
        return cls(places_by_method)

    @property
    def compiled_count(self) -> int:
        places = (place for places in self._places_by_method.values() for place in places)
        return len({id(place.compiled) for place in places if place.compiled is not None})

    def find(self, scope: Scope) -> tuple[CompiledRoute, dict[str, Any]] | None:
        """The compiled route and its path parameters, or None when FastAPI must answer."""
        if scope.get("root_path"):
            return None
        path = scope["path"]
        for place in self._places_by_method.get(scope["method"], ()):
            match = place.path.match(path)
            if match is None:
                continue
            if place.compiled is None:
                return None
            params = match.groupdict()
            if place.convertors is not None:
                params = {name: place.convertors[name].convert(value) for name, value in params.items()}
            return place.compiled, params
        return None


def _place_of(
    route: APIRoute, direct: dict[Callable[..., Any], DirectDependency], handlers: ExceptionHandlers
) -> _Place:
    try:
        compiled: CompiledRoute | None = CompiledRoute(route, direct=direct, exception_handlers=handlers)
    except NotCompilable as reason:
        logger.debug("{} {} is served by FastAPI: {}", route.methods, route.path, reason)
        compiled = None
    plain = all(isinstance(convertor, StringConvertor) for convertor in route.param_convertors.values())
    return _Place(route.path_regex, compiled, None if plain else dict(route.param_convertors))


_EVERY_METHOD = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def _in_order(routes: Sequence[BaseRoute]) -> Iterator[tuple[BaseRoute, Sequence[str]]]:
    """Each route FastAPI would try, in its order, with the methods it answers (a route of unknown paths: all)."""
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None and _adds_nothing(getattr(route, "include_context", None)):
            yield from _in_order(included.routes)
        elif isinstance(route, Route) and route.methods:
            yield route, sorted(route.methods)
        else:
            yield route, _EVERY_METHOD


def _adds_nothing(include_context: Any) -> bool:
    """An `include_router` with no prefix, dependencies, body limit or response class: its routes run as declared."""
    return (
        include_context is not None
        and not include_context.prefix
        and not include_context.dependencies
        and include_context.max_body_size is None
        and isinstance(include_context.default_response_class, DefaultPlaceholder)
        and isinstance(include_context.included_router.default_response_class, DefaultPlaceholder)
    )
