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
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[None] = loop.create_future()
        self._waiters.append(waiter)
        # A plain timer that fails the waiter, cheaper than asyncio.timeout(): every waiter under load sets one.
        deadline = loop.call_later(within, _give_up, waiter)
        try:
            await waiter
        except BaseException:
            if waiter.done() and not waiter.cancelled() and waiter.exception() is None:
                # The slot was handed over just as the wait ended (a cancellation): pass it on, or it is lost.
                self.leave()
            else:
                waiter.cancel()
                # leave() may have dropped it already, as a waiter that gave up.
                with suppress(ValueError):
                    self._waiters.remove(waiter)
            raise
        finally:
            deadline.cancel()

    def leave(self) -> None:
        """Gives the slot to the oldest waiter still waiting, or frees it when nobody waits."""
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        self._free += 1


def _give_up(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_exception(QueueTimeoutError())
