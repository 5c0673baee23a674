"""`Idempotent`: a route that creates or flips something declares it, and a retried request runs once.

    async def create_task(data: TaskCreate, owner: CurrentUser, session: SessionDep, once: Idempotent) -> Response:
        return await once.answer(lambda: handle(...))

Without an `Idempotency-Key` header, `answer` just awaits the route's work: no statement, no transaction more.
With one, the key is claimed, the work and its stored answer commit together, and a retry gets that answer
again with `Idempotent-Replayed: true` (app/shared/idempotency/keys.py tells the whole story).
"""

from collections.abc import Awaitable, Callable
from contextlib import suppress
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, Request
from starlette.responses import Response

from app.shared.auth.principal import Principal
from app.shared.database import Session
from app.shared.database.tables import IDEMPOTENCY_KEY_MAX_LENGTH
from app.shared.http.dependencies import CurrentUser, SessionDep
from app.shared.http.task_routes import USER_ID_PARAMETER
from app.shared.idempotency.keys import KeyClaim, StoredAnswer, fingerprint

REPLAYED_HEADER = "Idempotent-Replayed"
# What a replay repeats besides the status and the body.
KEPT_HEADERS = ("Location", "ETag")
KEY_HELP = (
    "1 to 255 printable ASCII characters, new for each operation: a retry with the same key and body gets the first "
    "answer again (`Idempotent-Replayed: true`) and changes nothing; kept 24 hours, per user"
)
IdempotencyKeyHeader = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=IDEMPOTENCY_KEY_MAX_LENGTH,
        pattern=r"^[\x20-\x7e]+$",
        description=KEY_HELP,
    ),
]


@dataclass(slots=True)
class IdempotentRequest:
    request: Request
    session: Session
    owner: Principal
    key: str | None

    async def answer(self, work: Callable[[], Awaitable[Response]]) -> Response:
        """The route's answer: its work run once per key, or the answer the key's first request got."""
        if self.key is None:
            return await work()
        claim = KeyClaim(self.session, user_id=self.owner.user_id, key=self.key, fingerprint=await self._fingerprint())
        stored = await claim.claim()
        if stored is not None:
            return _replay(stored)
        try:
            async with self.session.transaction():
                response = await work()
                if 200 <= response.status_code < 300:
                    await claim.complete(_kept(response))
        except Exception:
            # Error answers are not kept: the key is free for a retry. Should even this fail, the lease frees it.
            with suppress(Exception):
                await claim.release()
            raise
        if not 200 <= response.status_code < 300:
            await claim.release()
        return response

    async def _fingerprint(self) -> str:
        """The operation (the endpoint, whichever of its paths was called, and its path values) and the body."""
        route = self.request.scope["route"]
        path_values = sorted(
            (name, value) for name, value in self.request.path_params.items() if name != USER_ID_PARAMETER
        )
        operation = f"{route.endpoint.__module__}.{route.endpoint.__qualname__}{path_values}"
        return fingerprint(operation, await self.request.body())


def _kept(response: Response) -> StoredAnswer:
    headers = {name: response.headers[name] for name in KEPT_HEADERS if name in response.headers}
    return StoredAnswer(response.status_code, headers, bytes(response.body))


def _replay(stored: StoredAnswer) -> Response:
    return Response(
        stored.body,
        status_code=stored.status_code,
        headers=stored.headers | {REPLAYED_HEADER: "true"},
        media_type="application/json",
    )


async def _idempotent(
    request: Request, owner: CurrentUser, session: SessionDep, key: IdempotencyKeyHeader = None
) -> IdempotentRequest:
    return IdempotentRequest(request=request, session=session, owner=owner, key=key)


Idempotent = Annotated[IdempotentRequest, Depends(_idempotent)]
