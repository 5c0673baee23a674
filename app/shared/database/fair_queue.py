"""A counting gate that serves its waiters strictly in arrival order: the pool's waiting line.

asyncpg's own pool is not fair: a released connection wakes a waiter, but a request arriving in the meantime
can take it first, and the woken waiter goes back to the end of the line. Under overload some requests are
passed over again and again until they time out. Here a released slot is handed straight to the oldest waiter
(it never becomes free in between), and a newcomer queues behind everyone already waiting.
"""

import asyncio
from collections import deque
from contextlib import suppress


class QueueTimeoutError(Exception):
    """Waited longer than the bound for a slot."""


class FairQueue:
    def __init__(self, slots: int) -> None:
        self._free = slots
        self._waiters: deque[asyncio.Future[None]] = deque()

    async def enter(self, *, within: float) -> None:
        """Takes a slot, waiting in line at most `within` seconds (then QueueTimeoutError)."""
        if self._free and not self._waiters:
            self._free -= 1
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            async with asyncio.timeout(within):
                await waiter
        except BaseException as error:
            if waiter.done() and not waiter.cancelled():
                # The slot was handed over just as the wait ended: pass it on, or it would be lost for good.
                self.leave()
            else:
                waiter.cancel()
                # leave() may have dropped it already, as a waiter that gave up.
                with suppress(ValueError):
                    self._waiters.remove(waiter)
            if isinstance(error, TimeoutError):
                raise QueueTimeoutError from None
            raise

    def leave(self) -> None:
        """Gives the slot to the oldest waiter still waiting, or frees it when nobody waits."""
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        self._free += 1
