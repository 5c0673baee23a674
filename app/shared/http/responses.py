"""JSON responses rendered straight from rows, without a Pydantic model in between.

A route that returns a model pays for validation and serialisation (~80 µs a request, measured); the route still
declares `response_model=` so OpenAPI documents the shape, and the tests check the bodies against it.
"""

from typing import Any

import orjson
from starlette.responses import Response

# Aware datetimes are UTC here; `Z` is how Pydantic renders them too, so both paths answer alike.
JSON_OPTIONS = orjson.OPT_UTC_Z


def render_json(payload: Any) -> bytes:
    # `default=str` covers asyncpg's own UUID class, which orjson does not know as a UUID.
    return orjson.dumps(payload, default=str, option=JSON_OPTIONS)


def json_response(payload: Any, *, status_code: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(render_json(payload), status_code=status_code, headers=headers, media_type="application/json")
