"""Conditional requests, declared by a route: `if_match: IfMatch`, `if_none_match: IfNoneMatch`.

Each is an `async def` dependency on one header; without the header it is None and costs nothing more. A malformed
header is a 400. The write itself does the comparing (`TaskWrite`), in its own statement; a read compares here,
and a match answers 304 (`NotModified`, mapped in error_handlers).
"""

from typing import Annotated

from fastapi import Depends, Header
from starlette.responses import Response

from app.shared.database import Row
from app.shared.entity_tags import TagCondition, parse_tag_condition
from app.shared.errors import NotModified
from app.shared.http.responses import json_response
from app.shared.tasks.versions import split_version

IF_MATCH_HELP = 'the ETag of the version this write expects (`"3"`), a list of them, or `*`; else 412'
IF_NONE_MATCH_HELP = "the ETag of the copy the client holds; 304 with no body while it is current"


async def _if_match(
    if_match: Annotated[list[str] | None, Header(alias="If-Match", description=IF_MATCH_HELP)] = None,
) -> TagCondition | None:
    return None if if_match is None else parse_tag_condition("If-Match", if_match)


async def _if_none_match(
    if_none_match: Annotated[list[str] | None, Header(alias="If-None-Match", description=IF_NONE_MATCH_HELP)] = None,
) -> TagCondition | None:
    return None if if_none_match is None else parse_tag_condition("If-None-Match", if_none_match)


IfMatch = Annotated[TagCondition | None, Depends(_if_match)]
IfNoneMatch = Annotated[TagCondition | None, Depends(_if_none_match)]


def not_modified_unless_changed(etag: str, if_none_match: TagCondition | None) -> None:
    """304 when the client already holds this version (weak comparison, as RFC 9110 has it for GET)."""
    if if_none_match is not None and if_none_match.matches_weakly(etag):
        raise NotModified(etag)


def task_response(
    row: Row,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
    if_none_match: TagCondition | None = None,
) -> Response:
    """One task (a row read with its version) as the answer: the body, and its `ETag`."""
    body, etag = split_version(row)
    not_modified_unless_changed(etag, if_none_match)
    return json_response(body, status_code=status_code, headers={**(headers or {}), "ETag": etag})
