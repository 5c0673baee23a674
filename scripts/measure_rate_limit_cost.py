"""What one per-user rate-limit check costs: RateLimiter.limit_user on each store, with few and many callers.

"Many callers" fills the window with other users' counters first, which is what made limits' stock memory store
slow (it swept every key after every hit). Each call is followed by a return to the event loop, as between two
requests, so the cost includes whatever the store scheduled. Redis is measured when it answers at the URL given.

    .venv/bin/python scripts/measure_rate_limit_cost.py [redis://127.0.0.1:6379/0]
"""

import asyncio
import secrets
import sys
import time

from fastapi import Request, Response
from limits.aio.storage import MemoryStorage, RedisStorage, Storage

from app.shared.rate_limit import RateLimiter, SweepingMemoryStorage

CALLS, ROUNDS = 2_000, 5
LIMIT = "1000000/minute"  # never refuses: every call is a counted hit


async def per_call_microseconds(storage: Storage, other_callers: int) -> float:
    limiter = RateLimiter(storage, auth=LIMIT, signin_email=LIMIT, api=LIMIT)
    for caller in range(other_callers):
        await limiter.limit_user(f"other-{caller}", Request({"type": "http"}), Response())
    timings = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        for _ in range(CALLS):
            await limiter.limit_user("measured", Request({"type": "http"}), Response())
            # A server returns to the event loop between requests; that is when a scheduled sweep runs.
            await asyncio.sleep(0)
        timings.append((time.perf_counter() - started) / CALLS * 1e6)
    return min(timings)  # the best round: the least disturbed by whatever else the machine did


async def main(redis_url: str) -> None:
    stores: list[tuple[str, type[MemoryStorage]]] = [
        ("limits' MemoryStorage", MemoryStorage),
        ("SweepingMemoryStorage", SweepingMemoryStorage),
    ]
    for name, store in stores:
        for others in (0, 1_000, 20_000):
            cost = await per_call_microseconds(store(), others)
            print(f"{name:>24}, {others:>6} other callers: {cost:8.1f} µs per limit_user")
    redis = RedisStorage(f"async+{redis_url}", key_prefix=f"measure-{secrets.token_hex(4)}")
    if not await redis.check():
        print(f"{'Redis':>24}: not answering at {redis_url}, skipped")
        return
    print(f"{'Redis':>24}, {0:>6} other callers: {await per_call_microseconds(redis, 0):8.1f} µs per limit_user")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1] if len(sys.argv) > 1 else "redis://127.0.0.1:6379/0"))
