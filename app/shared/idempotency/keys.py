"""Each user's idempotency keys in the database: claimed before the work, completed in the work's transaction.

A key's life:
1. **Claim**: `INSERT … ON CONFLICT DO NOTHING` with a random claim token, committed at once, so every worker sees
   that the key is taken. Only one request can insert it.
2. **Work and answer together**: the route's write and the `UPDATE` that stores its answer run in one transaction,
   and that `UPDATE` holds only while the row still carries this request's claim token. So the work and the
   stored answer land together or not at all.
3. **Error**: the claim is deleted, so the same key may be tried again (an error answer is never kept).

A claim with no answer after `LEASE` belongs to a request that died (a crashed worker, a lost connection): the
next request with the key takes it over. Should the first one still finish, its conditional `UPDATE` finds another
token and its work rolls back, so the work still happens once. A key lives `TIME_TO_LIVE`; older rows count as
absent and are purged.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col

from app.shared.database import Database, Session, Statement
from app.shared.database.column_types import utc_now
from app.shared.database.tables import IdempotencyKey
from app.shared.errors import IdempotencyKeyInUseError, IdempotencyKeyReusedError

TIME_TO_LIVE = timedelta(hours=24)
# Far beyond any request: a statement times out after DB_COMMAND_TIMEOUT_SECONDS (30 by default).
LEASE = timedelta(minutes=2)
# A takeover can lose a race to another takeover; after this many, the key is busy (409).
CLAIM_ATTEMPTS = 3

_COLUMNS = IdempotencyKey.__table__.columns  # type: ignore[attr-defined]
_KEY = {
    "user_id": bindparam("user_id", type_=_COLUMNS["user_id"].type),
    "key": bindparam("key", type_=_COLUMNS["key"].type),
}
_CLAIMED = {
    **_KEY,
    "fingerprint": bindparam("fingerprint", type_=_COLUMNS["fingerprint"].type),
    "claim": bindparam("claim", type_=_COLUMNS["claim"].type),
    "started_at": bindparam("now", type_=_COLUMNS["started_at"].type),
}
_THIS_KEY = (col(IdempotencyKey.user_id) == _KEY["user_id"], col(IdempotencyKey.key) == _KEY["key"])
_HELD_BY = col(IdempotencyKey.claim) == bindparam("held_by", type_=_COLUMNS["claim"].type)
CLAIM = Statement(
    {
        "postgresql": postgres_insert(IdempotencyKey)
        .values(_CLAIMED)
        .on_conflict_do_nothing()
        .returning(col(IdempotencyKey.claim)),
        "sqlite": sqlite_insert(IdempotencyKey)
        .values(_CLAIMED)
        .on_conflict_do_nothing()
        .returning(col(IdempotencyKey.claim)),
    }
)
READ = Statement(
    select(
        col(IdempotencyKey.fingerprint),
        col(IdempotencyKey.claim),
        col(IdempotencyKey.started_at),
        col(IdempotencyKey.status_code),
        col(IdempotencyKey.headers),
        col(IdempotencyKey.body),
    ).where(*_THIS_KEY)
)
# A takeover of a dead or expired claim: only from the token that was read, so two takers cannot both win.
TAKE_OVER = Statement(
    update(IdempotencyKey)
    .where(*_THIS_KEY, _HELD_BY)
    .values(
        fingerprint=_CLAIMED["fingerprint"],
        claim=_CLAIMED["claim"],
        started_at=_CLAIMED["started_at"],
        status_code=None,
        headers=None,
        body=None,
    )
    .returning(col(IdempotencyKey.claim))
)
COMPLETE = Statement(
    update(IdempotencyKey)
    .where(*_THIS_KEY, _HELD_BY)
    .values(
        status_code=bindparam("status_code", type_=_COLUMNS["status_code"].type),
        headers=bindparam("headers", type_=_COLUMNS["headers"].type),
        body=bindparam("body", type_=_COLUMNS["body"].type),
    )
    .returning(col(IdempotencyKey.claim))
)
RELEASE = Statement(delete(IdempotencyKey).where(*_THIS_KEY, _HELD_BY))
PURGE = Statement(delete(IdempotencyKey).where(col(IdempotencyKey.started_at) < bindparam("cutoff")))


@dataclass(frozen=True, slots=True)
class StoredAnswer:
    status_code: int
    headers: dict[str, str]
    body: bytes


def fingerprint(operation: str, body: bytes) -> str:
    """What makes two requests "the same": the operation, and the body as parsed (key order and spacing aside)."""
    try:
        canonical = orjson.dumps(orjson.loads(body), option=orjson.OPT_SORT_KEYS) if body else b""
    except orjson.JSONDecodeError:  # e.g. an integer past 64 bits, which orjson refuses: the bytes as sent
        canonical = body
    return hashlib.sha256(operation.encode() + b"\0" + canonical).hexdigest()


class KeyClaim:
    """One request's hold on one key: `claim()` first, then `complete()` inside the work's transaction, or
    `release()` when the work failed.
    """

    def __init__(self, session: Session, *, user_id: str, key: str, fingerprint: str) -> None:
        self._session = session
        self._key = {"user_id": user_id, "key": key}
        self._fingerprint = fingerprint
        self._token = secrets.token_hex(16)

    async def claim(self) -> StoredAnswer | None:
        """None once the key is this request's to run; the stored answer when it already ran; else 409 or 422."""
        for _ in range(CLAIM_ATTEMPTS):
            now = utc_now()
            claimed = await self._session.scalar(
                CLAIM, **self._key, fingerprint=self._fingerprint, claim=self._token, now=now
            )
            if claimed is None:
                existing = await self._session.one(READ, **self._key)
                if existing is None:
                    continue  # released or purged in between: try to insert it again
                if now - existing["started_at"] < TIME_TO_LIVE:
                    stored = self._settled(existing, now)
                    if stored is not None:
                        return stored
                claimed = await self._session.scalar(
                    TAKE_OVER,
                    **self._key,
                    fingerprint=self._fingerprint,
                    claim=self._token,
                    now=now,
                    held_by=existing["claim"],
                )
            if claimed is not None:
                await self._session.commit()
                return None
        raise IdempotencyKeyInUseError()

    def _settled(self, existing: dict[str, Any], now: datetime) -> StoredAnswer | None:
        """A live key's answer, or an error; None when its claim is a dead request's, free to take over."""
        if existing["fingerprint"] != self._fingerprint:
            raise IdempotencyKeyReusedError()
        if existing["status_code"] is not None:
            return StoredAnswer(existing["status_code"], orjson.loads(existing["headers"]), existing["body"])
        if now - existing["started_at"] < LEASE:
            raise IdempotencyKeyInUseError()
        return None

    async def complete(self, answer: StoredAnswer) -> None:
        """Stores the answer in the work's transaction; 409 (and the work rolls back) if another request took the
        key over meanwhile.
        """
        stored = await self._session.scalar(
            COMPLETE,
            **self._key,
            held_by=self._token,
            status_code=answer.status_code,
            headers=orjson.dumps(answer.headers).decode(),
            body=answer.body,
        )
        if stored is None:
            raise IdempotencyKeyInUseError()

    async def release(self) -> None:
        await self._session.run(RELEASE, **self._key, held_by=self._token)


async def purge_expired(database: Database) -> None:
    """Deletes the keys past their time to live (the index on `started_at` finds them)."""
    async with database.session() as session:
        await session.run(PURGE, cutoff=utc_now() - TIME_TO_LIVE)
