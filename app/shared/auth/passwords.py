"""bcrypt, off the event loop, without its silent 72-byte truncation.

The password is first reduced to a SHA-256 digest (base64, 44 bytes), so every character counts and
bcrypt 5 never sees more than 72 bytes. Hashing takes ~0.3 s at cost 12, so it runs in a worker thread.
"""

import base64
import hashlib
from functools import cached_property

import bcrypt
from anyio import to_thread


class PasswordHasher:
    def __init__(self, rounds: int) -> None:
        self._rounds = rounds

    async def hash(self, password: str) -> str:
        return await to_thread.run_sync(self._hash_sync, password)

    async def verify(self, password: str, password_hash: str | None) -> bool:
        """Always spends one bcrypt check, so an unknown account answers as slowly as a wrong password."""
        return await to_thread.run_sync(self._verify_sync, password, password_hash)

    def _hash_sync(self, password: str) -> str:
        return bcrypt.hashpw(_prehash(password), bcrypt.gensalt(rounds=self._rounds)).decode("ascii")

    def _verify_sync(self, password: str, password_hash: str | None) -> bool:
        if password_hash is None:
            bcrypt.checkpw(_prehash(password), self._decoy_hash)
            return False
        return bcrypt.checkpw(_prehash(password), password_hash.encode("ascii"))

    @cached_property
    def _decoy_hash(self) -> bytes:
        return bcrypt.hashpw(b"decoy", bcrypt.gensalt(rounds=self._rounds))


def _prehash(password: str) -> bytes:
    return base64.b64encode(hashlib.sha256(password.encode("utf-8")).digest())
