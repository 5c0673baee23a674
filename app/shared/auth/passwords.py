"""bcrypt, off the event loop, without its silent 72-byte truncation.

The password is first reduced to a SHA-256 digest (base64, 44 bytes), so every character counts and
bcrypt 5 never sees more than 72 bytes. Hashing takes ~0.3 s at cost 12, so it runs in a worker thread, and
at most HASHING_THREADS at once: twenty sign-ins in twenty threads would take every core from the event loop
(measured: task reads fell from ~1,000 to ~30 a second, some past the pool timeout). Sign-ins queue instead;
every other request keeps a core.
"""

import base64
import hashlib
import os
from functools import cached_property

import bcrypt
from anyio import CapacityLimiter, to_thread

# One core is left to the event loop; a one-core machine still hashes, one password at a time.
HASHING_THREADS = max(1, (os.cpu_count() or 1) - 1)


class PasswordHasher:
    def __init__(self, rounds: int) -> None:
        self._rounds = rounds
        self._threads = CapacityLimiter(HASHING_THREADS)

    async def hash(self, password: str) -> str:
        return await to_thread.run_sync(self._hash_sync, password, limiter=self._threads)

    async def verify(self, password: str, password_hash: str | None) -> bool:
        """Always spends one bcrypt check, so an unknown account answers as slowly as a wrong password."""
        return await to_thread.run_sync(self._verify_sync, password, password_hash, limiter=self._threads)

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
