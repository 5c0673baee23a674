"""Starlette's CORS middleware, consulted only for requests that carry an `Origin` (what browsers send).

Starlette wraps every response's `send` to add `Vary: Origin`, even for a request from curl, wrk or a server:
most of the traffic an API serves. Those pass straight through here, and the request-context middleware adds
`Vary: Origin` to their answers, so shared caches keep telling the two kinds of request apart.
"""

from starlette.middleware.cors import CORSMiddleware
from starlette.types import Receive, Scope, Send


class BrowserCORSMiddleware(CORSMiddleware):
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not any(name == b"origin" for name, _ in scope["headers"]):
            await self.app(scope, receive, send)
            return
        await super().__call__(scope, receive, send)
