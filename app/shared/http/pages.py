"""A list as one page of a longer one: `X-Total-Count`, `Link` to the next and previous pages, and an `ETag`.

The total comes from the page's own statement (`TOTAL_COUNT`, a window count computed before LIMIT and OFFSET), so
a paged list costs one round trip; without a limit the page is the rest of the list and needs no count at all.
Only an empty page past the start says nothing about the total: `total_of` answers None, and the route counts.

`Link` URLs are relative (RFC 8288 resolves them against the request's own URL), so they hold behind any proxy
and name no Host header; they keep every other query parameter as sent and change only `offset`.
"""

import hashlib
from collections.abc import Sequence
from urllib.parse import urlencode

from sqlalchemy import func
from starlette.requests import Request
from starlette.responses import Response

from app.shared.database import Row
from app.shared.entity_tags import TagCondition
from app.shared.http.conditional import not_modified_unless_changed
from app.shared.http.responses import render_json

TOTAL_COUNT_KEY = "total_count"
TOTAL_COUNT = func.count().over().label(TOTAL_COUNT_KEY)


def total_of(rows: Sequence[Row], *, offset: int, limited: bool) -> int | None:
    """How many match the filter, read off the page (its rows then lose the count column); None: count them."""
    if rows and limited:
        total: int = rows[0][TOTAL_COUNT_KEY]
        for row in rows:
            del row[TOTAL_COUNT_KEY]
        return total
    if rows or offset == 0:
        return offset + len(rows)
    return None


def page_response(
    rows: Sequence[Row],
    *,
    total: int,
    offset: int,
    limit: int | None,
    request: Request,
    if_none_match: TagCondition | None,
) -> Response:
    """The page as the answer; 304 when the client holds this very answer (same tasks, same total)."""
    body = render_json(rows)
    etag = '"' + hashlib.blake2b(body + b"\0" + str(total).encode(), digest_size=16).hexdigest() + '"'
    not_modified_unless_changed(etag, if_none_match)
    headers = {"ETag": etag, "X-Total-Count": str(total)}
    if limit is not None and (links := _links(request, total=total, offset=offset, limit=limit)):
        headers["Link"] = links
    return Response(body, headers=headers, media_type="application/json")


def _links(request: Request, *, total: int, offset: int, limit: int) -> str:
    pages = []
    if offset + limit < total:
        pages.append((offset + limit, "next"))
    previous = max(0, offset - limit)
    if offset > 0 and previous < total:
        pages.append((previous, "prev"))
    path = request.scope.get("root_path", "") + request.url.path
    others = [(name, value) for name, value in request.query_params.multi_items() if name != "offset"]
    return ", ".join(f'<{path}?{urlencode([*others, ("offset", at)])}>; rel="{rel}"' for at, rel in pages)
