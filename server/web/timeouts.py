"""A request body that stops arriving is given up on, not waited for for ever.

Uvicorn bounds the wait between requests on a kept-alive connection, but not the wait for a
body a client announced and never sent (a ``Content-Length`` that promises more than comes).
On a 2G link a body may trickle in slowly, so the limit is on the gap between two pieces, not
on the whole body."""

from __future__ import annotations

import asyncio

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyTimeout(HTTPException, TimeoutError):
    def __init__(self, seconds: float) -> None:
        super().__init__(
            408,
            detail=f"No part of the request body arrived for {seconds:g} s; send it again.",
            headers={"Connection": "close"},
        )
        self.code = "body_timeout"


class BodyTimeoutMiddleware:
    def __init__(self, app: ASGIApp, *, seconds: float) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        body_done = False

        async def receive_with_deadline() -> Message:
            nonlocal body_done
            if body_done:  # later receives only wait for a disconnect: no deadline there
                return await receive()
            try:
                message = await asyncio.wait_for(receive(), self.seconds)
            except TimeoutError:
                body_done = True
                raise BodyTimeout(self.seconds) from None
            if message["type"] != "http.request" or not message.get("more_body", False):
                body_done = True
            return message

        await self.app(scope, receive_with_deadline, send)
