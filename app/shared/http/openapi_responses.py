"""Every status a route can answer, documented from what the route is, in one place instead of in every slice.

A route's facts decide its statuses: a token (`CurrentUser`) means 401 with `WWW-Authenticate`, 429 per user,
503 when the database or Better Auth cannot be reached, and, for an unsafe method while Better Auth's session
cookies are on, 403 for a cross-site request; a rate-limit bucket means 429 with `Retry-After` and the
`RateLimit-*` headers (which its successful answers carry too); a session means 503 with `Retry-After`; a body
means 400, 413 and 422; a path parameter means 404; a create under a collection that has item routes means 201
with `Location`. The headers a route reads say the rest: `If-Match` means 412 (with the current task and its
`ETag`) and 400 for a malformed tag, `If-None-Match` a bodiless 304, either an `ETag` on what the route answers
(and on a create whose items take them); `Idempotency-Key` means 409 and 422 and `Idempotent-Replayed` on its
successes; `limit` with `offset` means `X-Total-Count` and `Link`. Every error is the body `error_handlers` really
sends (`ErrorMessage`; a 422 keeps FastAPI's field errors in `detail`; a 412 adds `task`), with an example taken
from the code that answers it.

A slice documents only what is its own (signup's 409, signin's 401), as `responses={409: {"description":
"Email already registered"}}`: the description is the `detail` it answers with, and becomes the example,
unless the slice gives an example itself.
"""

from dataclasses import dataclass
from http.client import responses as status_phrases
from inspect import isclass
from typing import Any, get_args

from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import validation_error_definition
from fastapi.routing import APIRoute
from pydantic import BaseModel

from app.shared.auth.session_cookies import SAFE_METHODS
from app.shared.entity_tags import parse_tag_condition
from app.shared.errors import (
    CrossSiteRequestError,
    IdempotencyKeyInUseError,
    IdempotencyKeyReusedError,
    InvalidHeaderError,
    NotFoundError,
    PayloadTooLargeError,
    ServiceUnavailableError,
)
from app.shared.http.current_user import bearer_scheme
from app.shared.http.dependencies import AuthRateLimit, SessionDep, SignInEmailLimit
from app.shared.http.error_handlers import INVALID_JSON_DETAIL, KEY_REUSED_DETAIL
from app.shared.http.messages import ErrorMessage
from app.shared.http.openapi_headers import RESPONSE_HEADERS
from app.shared.http.task_routes import TASKS_PREFIX, USER_TASKS_PREFIX
from app.shared.settings import Settings
from app.shared.tasks.public import TaskPublic
from app.shared.tasks.rows import TASK_NOT_FOUND
from app.shared.tasks.versions import TASK_CHANGED

JSON = "application/json"
SCHEMAS = "#/components/schemas/"
HEADERS = "#/components/headers/"
ERROR_SCHEMA = "ErrorMessage"
VALIDATION_ERROR_SCHEMA = "ValidationErrorMessage"
CHANGED_SCHEMA = "TaskChangedMessage"
IF_MATCH, IF_NONE_MATCH, IDEMPOTENCY_KEY = "if-match", "if-none-match", "idempotency-key"
RATE_LIMIT_HEADERS = ("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset")
# The headers each error status carries, whichever route answers it (error_handlers.py sets them).
HEADERS_BY_STATUS: dict[int, tuple[str, ...]] = {
    401: ("WWW-Authenticate",),
    429: ("Retry-After", *RATE_LIMIT_HEADERS),
    503: ("Retry-After",),
}


VALIDATION_ERROR_EXAMPLE = {
    "detail": [
        {
            "type": "string_too_short",
            "loc": ["body", "title"],
            "msg": "String should have at least 1 character",
            "input": " ",
            "ctx": {"min_length": 1},
        }
    ],
    "message": "title: String should have at least 1 character",
}
RATE_LIMITED_DETAIL = "Too many requests, retry in 42 seconds"
KEY_REUSED_EXAMPLE = {"detail": KEY_REUSED_DETAIL, "message": IdempotencyKeyReusedError.detail}

# A value that is no entity tag (the quotes are missing): the parser's refusal of it is the documented example.
UNQUOTED_TAG = "3"


@dataclass(frozen=True, slots=True)
class RouteFacts:
    """What a route is, read off its dependencies, body and path: each fact implies statuses."""

    method: str
    path: str
    takes_token: bool
    buckets: tuple[str, ...]
    uses_database: bool
    takes_body: bool
    path_parameters: bool
    item_route_below: bool
    request_headers: frozenset[str]
    query_parameters: frozenset[str]
    versioned: bool

    @classmethod
    def of(cls, route: APIRoute, method: str, routes: list[APIRoute]) -> "RouteFacts":
        calls = _calls(route.dependant)
        takes_token = bearer_scheme in calls
        buckets = tuple(
            bucket
            for bucket, present in (
                ("per client IP (`RATE_LIMIT_AUTH`)", AUTH_BUCKET in calls),
                ("per sign-in email (`RATE_LIMIT_SIGNIN_EMAIL`)", EMAIL_BUCKET in calls),
                ("per user (`RATE_LIMIT_API`)", takes_token),
            )
            if present
        )
        items_below = [
            other
            for other in routes
            if "GET" in (other.methods or ()) and other.path_format.startswith(f"{route.path_format}/{{")
        ]
        headers = _header_names(route.dependant)
        return cls(
            method=method,
            path=route.path_format,
            takes_token=takes_token,
            buckets=buckets,
            uses_database=SESSION in calls,
            takes_body=route.body_field is not None,
            path_parameters="{" in route.path_format,
            item_route_below=bool(items_below),
            request_headers=headers,
            query_parameters=_query_names(route.dependant),
            # What the route answers has versions: it takes them, or it creates what its item routes tag.
            versioned=bool({IF_MATCH, IF_NONE_MATCH} & headers)
            or (method == "POST" and any(IF_NONE_MATCH in _header_names(item.dependant) for item in items_below)),
        )

    @property
    def creates(self) -> bool:
        """A POST answering 201 under a collection whose items have their own routes: it names the new one."""
        return self.method == "POST" and self.item_route_below

    @property
    def idempotent(self) -> bool:
        """Takes an `Idempotency-Key`: a retry with the same key gets the kept answer."""
        return IDEMPOTENCY_KEY in self.request_headers

    @property
    def paged(self) -> bool:
        """A list that takes `limit` and `offset`: it counts what matched, and links its neighbouring pages."""
        return {"limit", "offset"} <= self.query_parameters


AUTH_BUCKET = AuthRateLimit.dependency
EMAIL_BUCKET = get_args(SignInEmailLimit)[1].dependency
SESSION = get_args(SessionDep)[1].dependency


def document_responses(
    operation: dict[str, Any], facts: RouteFacts, components: dict[str, Any], settings: Settings
) -> None:
    """Adds every status the facts imply to the operation's responses, and gives every error its real body."""
    responses: dict[str, Any] = operation.setdefault("responses", {})
    details: dict[int, str] = {}
    for status, (description, detail) in _derived_statuses(facts, settings).items():
        response = responses.setdefault(str(status), {})
        if _is_default_description(status, response.get("description", "")):
            response["description"] = description
            details[status] = detail
    for status_text, response in responses.items():
        status = int(status_text)
        if status >= 400:
            # A slice's own error is described by the `detail` it answers with.
            _error_body(status, response, details.get(status) or response["description"], facts, components)
            _add_headers(response, HEADERS_BY_STATUS.get(status, ()), components)
            continue
        if facts.buckets:
            _add_headers(response, RATE_LIMIT_HEADERS, components)
        if status == 201 and facts.creates:
            _add_headers(response, ("Location",), components)
        _add_headers(response, _success_headers(status, response, facts), components)
    operation["responses"] = dict(sorted(responses.items()))


def _derived_statuses(facts: RouteFacts, settings: Settings) -> dict[int, tuple[str, str]]:
    """Status → (description, the `detail` of an example) for every status the route's facts imply."""
    statuses: dict[int, tuple[str, str]] = {}
    if IF_NONE_MATCH in facts.request_headers:
        statuses[304] = (
            "Not modified: `If-None-Match` holds the current `ETag`, so the client's copy is current. No body.",
            "",
        )
    if malformed := _malformed_request(facts):
        statuses[400] = malformed
    if facts.takes_token:
        statuses[401] = (
            "No bearer token, or one that fails to verify, has expired, or whose sign-in was revoked.",
            "Not authenticated",
        )
        if facts.method not in SAFE_METHODS and settings.better_auth_session_cookies:
            statuses[403] = (
                "Better Auth's session cookie authenticated this request, and its `Origin` is not one of "
                "`CORS_ORIGINS` (or there is none): a cross-site request, refused.",
                CrossSiteRequestError.detail,
            )
    if facts.path_parameters:
        statuses[404] = _not_found(facts.path)
    if facts.idempotent:
        statuses[409] = (
            "A request with this `Idempotency-Key` is still running: retry later, with the same key.",
            IdempotencyKeyInUseError.detail,
        )
    if IF_MATCH in facts.request_headers:
        statuses[412] = (
            "`If-Match` names no current version of the task, so nothing changed: `task` is the task as it is now, "
            "and `ETag` its tag.",
            TASK_CHANGED,
        )
    if facts.takes_body:
        statuses[413] = (
            f"The body is over `MAX_BODY_BYTES` ({settings.max_body_bytes} bytes here), chunked or not.",
            f"{PayloadTooLargeError.detail}: the limit is {settings.max_body_bytes} bytes",
        )
    if invalid := _invalid_request(facts):
        statuses[422] = invalid
    if facts.buckets:
        statuses[429] = (f"A rate limit was hit: {', '.join(facts.buckets)}.", RATE_LIMITED_DETAIL)
    if facts.uses_database or facts.takes_token:
        reasons = ["The database is unreachable or not ready yet"] if facts.uses_database else []
        if facts.takes_token:
            reasons.append("Better Auth (needed to check this token) cannot be reached")
        described = f"{', or '.join(reasons)}; retry after `Retry-After` seconds."
        statuses[503] = (described[0].upper() + described[1:], ServiceUnavailableError.detail)
    return statuses


def _malformed_request(facts: RouteFacts) -> tuple[str, str] | None:
    """400: a body that is not JSON, or an entity-tag header that is not one."""
    causes = [("the body is not valid JSON", INVALID_JSON_DETAIL)] if facts.takes_body else []
    causes += [
        (f"`{header}` is neither `*` nor a list of quoted entity tags", _refusal_of_unquoted_tag(header))
        for header, name in (("If-Match", IF_MATCH), ("If-None-Match", IF_NONE_MATCH))
        if name in facts.request_headers
    ]
    if not causes:
        return None
    described = "; or ".join(cause for cause, _ in causes)
    return f"{described[0].upper()}{described[1:]}.", causes[0][1]


def _refusal_of_unquoted_tag(header: str) -> str:
    """What the server answers to `If-Match: 3`, in the parser's own words."""
    try:
        parse_tag_condition(header, [UNQUOTED_TAG])
    except InvalidHeaderError as refused:
        return refused.detail
    raise RuntimeError(f"{header}: {UNQUOTED_TAG} parsed as an entity tag; the 400 example needs another value")


def _invalid_request(facts: RouteFacts) -> tuple[str, str] | None:
    """422: a field of the body or the query, or an `Idempotency-Key` that is malformed or names another request."""
    causes = ["a field failed validation (`message` sums up every field)"] if facts.takes_body else []
    if facts.query_parameters:
        causes.append("a query parameter failed validation")
    if facts.idempotent:
        causes.append(
            "the `Idempotency-Key` is not 1 to 255 printable ASCII characters, or came before with another body "
            "or on another route"
        )
    if not causes:
        return None
    described = "; or ".join(causes)
    return f"{described[0].upper()}{described[1:]}.", ""


def _not_found(path: str) -> tuple[str, str]:
    """A task route's 404 says which of its path's ids can miss; any other route's is the plain `Not found`."""
    reasons = ["no such task, someone else's task, or a malformed task id"] if "{task_id}" in path else []
    if path.startswith(USER_TASKS_PREFIX):
        reasons.append("a `user_id` that is not the caller's")
    if reasons or path.startswith(f"{TASKS_PREFIX}/"):
        return f"Task not found: {'; or '.join(reasons) or 'no such task'}.", TASK_NOT_FOUND
    return "Not found.", NotFoundError.detail


def _success_headers(status: int, response: dict[str, Any], facts: RouteFacts) -> tuple[str, ...]:
    """A version's tag on what holds one (and on a 304); a replay's mark; a page's count and links."""
    names: list[str] = []
    if facts.versioned and (status == 304 or "content" in response):
        names.append("ETag")
    if facts.idempotent and 200 <= status < 300:
        names.append("Idempotent-Replayed")
    if facts.paged and status == 200:
        names += ["X-Total-Count", "Link"]
    return tuple(names)


def _is_default_description(status: int, description: str) -> bool:
    """FastAPI's filler for a response a slice listed without a description ("Unauthorized", "Validation Error")."""
    return not description or description in {"Validation Error", "Additional Response", status_phrases.get(status)}


def _error_body(
    status: int, response: dict[str, Any], detail: str, facts: RouteFacts, components: dict[str, Any]
) -> None:
    """The body error_handlers sends: `ErrorMessage`, for 422 the field errors too, for 412 the task as it is now."""
    media = response.setdefault("content", {}).setdefault(JSON, {})
    if status == 422:
        media["schema"] = {"$ref": SCHEMAS + _validation_error_schema(components)}
        reused_key_only = facts.idempotent and not facts.takes_body
        media.setdefault("example", KEY_REUSED_EXAMPLE if reused_key_only else VALIDATION_ERROR_EXAMPLE)
        return
    if status == 412 and IF_MATCH in facts.request_headers:
        media["schema"] = {"$ref": SCHEMAS + _changed_schema(components)}
        media.setdefault("example", {"detail": detail, "message": detail, "task": _task_example()})
        _add_headers(response, ("ETag",), components)
        return
    media["schema"] = {"$ref": SCHEMAS + _error_schema(components)}
    if "example" not in media and "examples" not in media:
        media["example"] = {"detail": detail, "message": detail}


def _error_schema(components: dict[str, Any]) -> str:
    schemas = components.setdefault("schemas", {})
    schemas.setdefault(ERROR_SCHEMA, ErrorMessage.model_json_schema(mode="serialization"))
    return ERROR_SCHEMA


def _validation_error_schema(components: dict[str, Any]) -> str:
    """FastAPI's field errors in `detail`, beside our `message`: what a 422 really answers."""
    schemas = components.setdefault("schemas", {})
    schemas.setdefault("ValidationError", validation_error_definition)
    schemas.setdefault(
        VALIDATION_ERROR_SCHEMA,
        {
            "title": VALIDATION_ERROR_SCHEMA,
            "description": "A 422: FastAPI's list of field errors, and one human line that sums them up.",
            "type": "object",
            "required": ["detail", "message"],
            "properties": {
                "detail": {"type": "array", "items": {"$ref": SCHEMAS + "ValidationError"}},
                "message": {"type": "string", "description": "`field: problem` for each field, joined by `; `"},
            },
        },
    )
    return VALIDATION_ERROR_SCHEMA


def _changed_schema(components: dict[str, Any]) -> str:
    """A 412: the error, and the task as it is now, so a client can show it or merge without another GET."""
    schemas = components.setdefault("schemas", {})
    schemas.setdefault(
        CHANGED_SCHEMA,
        {
            "title": CHANGED_SCHEMA,
            "description": "A 412: `If-Match` named an old version; `task` is the current one (its tag in `ETag`).",
            "type": "object",
            "required": ["detail", "message", "task"],
            "properties": {
                "detail": {"type": "string"},
                "message": {"type": "string"},
                "task": {"$ref": SCHEMAS + TaskPublic.__name__},
            },
        },
    )
    return CHANGED_SCHEMA


def _task_example() -> Any:
    extra = TaskPublic.model_config.get("json_schema_extra")
    return extra["example"] if isinstance(extra, dict) else None


def _add_headers(response: dict[str, Any], names: tuple[str, ...], components: dict[str, Any]) -> None:
    if not names:
        return
    headers = response.setdefault("headers", {})
    defined = components.setdefault("headers", {})
    for name in names:
        defined.setdefault(name, RESPONSE_HEADERS[name])
        headers.setdefault(name, {"$ref": HEADERS + name})


def _header_names(dependant: Dependant) -> frozenset[str]:
    """Every request header the route or its dependencies read, in lower case."""
    found = {parameter.alias.lower() for parameter in dependant.header_params}
    for sub in dependant.dependencies:
        found |= _header_names(sub)
    return frozenset(found)


def _query_names(dependant: Dependant) -> frozenset[str]:
    """Every query parameter, a model's fields included (`Annotated[TaskListQuery, Query()]`)."""
    found: set[str] = set()
    for parameter in dependant.query_params:
        model = parameter.field_info.annotation
        if isclass(model) and issubclass(model, BaseModel):
            found |= {field.alias or name for name, field in model.model_fields.items()}
        else:
            found.add(parameter.alias)
    for sub in dependant.dependencies:
        found |= _query_names(sub)
    return frozenset(found)


def _calls(dependant: Dependant) -> set[object]:
    found: set[object] = {dependant.call}
    for sub in dependant.dependencies:
        found |= _calls(sub)
    return found
