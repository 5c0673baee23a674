"""Every header the document names, said once: the response headers (`components.headers`) and the request
headers a route takes for a safe retry or a safe edit (`If-Match`, `If-None-Match`, `Idempotency-Key`).

A route declares a request header as a FastAPI `Header(alias=…)`, and FastAPI documents it with the Python type
it is read as (`If-Match` as a list of field lines, any header as nullable). A client sends one string, so each
header parameter is documented as that string, with the constraints its declaration gives (`Idempotency-Key`'s
length and characters); openapi-typescript then types it `"If-Match"?: string`. The three headers a frontend
sends for safe edits and retries get their rules, from a client's side, and an example.
"""

from typing import Any

ETAG_EXAMPLE = '"3"'


def _count(description: str, minimum: int, example: int) -> dict[str, Any]:
    return {"description": description, "schema": {"type": "integer", "minimum": minimum}, "example": example}


RESPONSE_HEADERS: dict[str, dict[str, Any]] = {
    "WWW-Authenticate": {
        "description": "The scheme to authenticate with: always `Bearer`.",
        "schema": {"type": "string", "enum": ["Bearer"]},
    },
    "Retry-After": _count("Seconds to wait before trying again.", 1, 5),
    "RateLimit-Limit": _count("Requests allowed in the current window of the bucket closest to empty.", 0, 10),
    "RateLimit-Remaining": _count("Requests left in that window.", 0, 9),
    "RateLimit-Reset": _count("Seconds until that window starts again.", 1, 42),
    "Location": {
        "description": "The created resource's own address, a path on this server (`/api/tasks/{task_id}`).",
        "schema": {"type": "string", "format": "uri-reference"},
        "example": "/api/tasks/3f2c9a0e-8f7b-4a55-9a53-0c6f1f0d2b1e",
    },
    "ETag": {
        "description": (
            "The version of what this answer holds, a strong entity tag that changes whenever it changes. Send it "
            "back as `If-Match` to change only this version (412 otherwise), or as `If-None-Match` to get a 304 "
            "while it is current."
        ),
        "schema": {"type": "string"},
        "example": ETAG_EXAMPLE,
    },
    "Idempotent-Replayed": {
        "description": (
            "Present, and `true`, when this is the kept answer to an earlier request with the same "
            "`Idempotency-Key`: nothing ran again."
        ),
        "schema": {"type": "string", "enum": ["true"]},
    },
    "X-Total-Count": _count(
        "How many of the caller's tasks match the filter, whatever `limit` and `offset` say.", 0, 42
    ),
    "Link": {
        "description": (
            'With `limit`: the next and previous pages (RFC 8288, `rel="next"`, `rel="prev"`), whichever exist, '
            "each a URL that keeps the other query parameters."
        ),
        "schema": {"type": "string"},
        "example": '</api/tasks?limit=20&offset=40>; rel="next", </api/tasks?limit=20&offset=0>; rel="prev"',
    },
}

REQUEST_HEADERS: dict[str, dict[str, Any]] = {
    "If-Match": {
        "description": (
            "Change the task only if it is still at this version: the `ETag` of the copy the edit was made on (or "
            "a comma-separated list of them, or `*`). Any other version is 412 with the current task, and nothing "
            "changes. Without it the last write wins. A value that is no list of quoted tags is 400."
        ),
        "example": ETAG_EXAMPLE,
    },
    "If-None-Match": {
        "description": (
            "The `ETag` of the copy the client holds: while it is current the answer is 304 with no body. A value "
            "that is no list of quoted tags is 400."
        ),
        "example": ETAG_EXAMPLE,
    },
    "Idempotency-Key": {
        "description": (
            "A key the client makes up for this one action (a UUID), sent again, unchanged, on every retry of it: "
            "the first request runs, a retry gets the same answer with `Idempotent-Replayed: true` and nothing "
            "runs twice, for 24 hours. The same key with another body or on another route is 422; while the first "
            "request still runs, 409. 1 to 255 printable ASCII characters; keys are per user."
        ),
        "example": "5b0f3f5e-0c2a-4f8e-9a43-6f1c2d3e4b5a",
    },
}


def document_request_headers(operation: dict[str, Any]) -> None:
    """Each header parameter as the one string a client sends; the known ones with their rules and an example."""
    for parameter in operation.get("parameters", []):
        if parameter.get("in") == "header":
            parameter["schema"] = _one_value(parameter["schema"])
            parameter.update(REQUEST_HEADERS.get(parameter["name"], {}))


def _one_value(schema: dict[str, Any]) -> dict[str, Any]:
    """`str | None` → the string; `list[str] | None` (every line of a repeated header) → one string."""
    (value,) = [option for option in schema.get("anyOf", [schema]) if option.get("type") != "null"]
    if value.get("type") == "array":
        value = value["items"]
    return {key: option for key, option in value.items() if key not in {"title", "description"}}
