"""Templates, the page-wide values every template gets, and the page error answers."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final
from urllib.parse import quote

from fastapi import FastAPI, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from dampwatch_api.auth.principal import Principal
from dampwatch_api.context import ApiContext
from dampwatch_api.pages.session import (
    CsrfRejected,
    SignInRequired,
    csrf_cookie_value,
    csrf_token,
    set_csrf_cookie,
)

PACKAGE_DIR: Final = Path(__file__).resolve().parent.parent
TEMPLATES_DIR: Final = PACKAGE_DIR / "templates"
STATIC_DIR: Final = PACKAGE_DIR / "static"
# Pages load nothing from elsewhere; the policy says so to the browser as well.
CONTENT_SECURITY_POLICY: Final = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)

templates = Jinja2Templates(directory=str(TEMPLATES_DIR))


def _when(moment: datetime | None) -> str:
    if moment is None:
        return "—"
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%d %b %Y %H:%M UTC")


def _number(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


templates.env.filters["when"] = _when
templates.env.filters["number"] = _number


def page(
    request: Request,
    context: ApiContext,
    name: str,
    values: dict[str, Any],
    *,
    principal: Principal | None = None,
    status_code: int = status.HTTP_200_OK,
) -> HTMLResponse:
    """Render a page with its CSRF token and security headers."""
    value, new = csrf_cookie_value(request)
    response = templates.TemplateResponse(
        request,
        name,
        values | {"principal": principal, "csrf_token": csrf_token(context, request, value)},
        status_code=status_code,
    )
    if new:
        set_csrf_cookie(response, context, value)
    secure_headers(response)
    return response


def secure_headers(response: Response) -> None:
    """Headers that keep pages from being framed, sniffed or loading outside resources."""
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Cache-Control"] = "no-store"


def redirect(path: str) -> RedirectResponse:
    """See-other redirect after a form POST (the browser then GETs the page)."""
    return RedirectResponse(path, status_code=status.HTTP_303_SEE_OTHER)


def install_page_handlers(app: FastAPI) -> None:
    """Pages answer a missing sign-in with the sign-in page and a bad form with a 403 page."""

    @app.exception_handler(SignInRequired)
    def _sign_in(request: Request, error: SignInRequired) -> Response:
        return redirect(f"/login?next={quote(error.next_path, safe='/')}")

    @app.exception_handler(CsrfRejected)
    def _csrf(request: Request, error: CsrfRejected) -> Response:
        context: ApiContext = request.app.state.context
        return page(
            request,
            context,
            "error.html",
            {
                "title": "Form expired",
                "message": "This form was out of date. Go back, reload the page and try again.",
            },
            status_code=status.HTTP_403_FORBIDDEN,
        )


class PageError(Exception):
    """A page cannot be shown: rendered as an error page with this status."""

    def __init__(self, status_code: int, title: str, message: str) -> None:
        super().__init__(message)
        self.status_code, self.title, self.message = status_code, title, message


def install_error_page(app: FastAPI) -> None:
    """Answer `PageError` with the error page."""

    @app.exception_handler(PageError)
    def _error(request: Request, error: PageError) -> Response:
        context: ApiContext = request.app.state.context
        return page(
            request,
            context,
            "error.html",
            {"title": error.title, "message": error.message},
            status_code=error.status_code,
        )
