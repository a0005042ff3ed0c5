"""The request body limit, enforced before the body is read.

A body that declares a larger Content-Length is refused with 413 before a byte of it is read
(before routing and authentication, so an anonymous client cannot make the API buffer it); a
body sent without a length is cut off with 413 as soon as it passes the limit (FastAPI's
`max_body_size`, given the same limit by the app).
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Receive, Scope, Send


class BodyLimitMiddleware:
    """413 for a declared body over `max_bytes`, answered without reading it."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer oversized requests at once; pass the rest on."""
        if scope["type"] == "http" and self._declared_too_large(scope):
            body = json.dumps(
                {"detail": f"the request body is larger than {self.max_bytes} bytes"}
            ).encode()
            await send(
                {
                    "type": "http.response.start",
                    "status": 413,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(body)).encode()),
                        (b"connection", b"close"),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send)

    def _declared_too_large(self, scope: Scope) -> bool:
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                return not value.isdigit() or int(value) > self.max_bytes
        return False
