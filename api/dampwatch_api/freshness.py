"""Derived state (the ranked board, remembered principals) is forgotten after every change.

Any successful unsafe request may have changed what they were derived from (an alert, a home,
a user, a key), so this process drops them at once; other processes notice within their
check intervals.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from starlette.types import ASGIApp, Message, Receive, Scope, Send

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Unsafe by method but changing nothing the derived state depends on.
UNCHANGING_PATHS = frozenset({"/v1/auth/token"})
FIRST_ERROR_STATUS = 400


class InvalidateOnChangeMiddleware:
    """Calls every `forget` once an unsafe request has been answered with success."""

    def __init__(self, app: ASGIApp, forget: Sequence[Callable[[], None]]) -> None:
        self.app = app
        self.forget = tuple(forget)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, watching the status of unsafe ones."""
        if (
            scope["type"] != "http"
            or scope["method"] in SAFE_METHODS
            or scope["path"] in UNCHANGING_PATHS
        ):
            await self.app(scope, receive, send)
            return

        async def watch(message: Message) -> None:
            if message["type"] == "http.response.start" and (
                int(message["status"]) < FIRST_ERROR_STATUS
            ):
                for forget in self.forget:
                    forget()
            await send(message)

        await self.app(scope, receive, watch)
