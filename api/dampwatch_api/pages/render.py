"""Templates, the page-wide values every template gets, and the page error answers."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final
from urllib.parse import quote

from fastapi import FastAPI, Request, status
from fastapi.exception_handlers import request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from dampwatch.casework.duties import RULES
from dampwatch_api.auth.principal import Principal
from dampwatch_api.context import ApiContext
from dampwatch_api.pages import timefmt
from dampwatch_api.pages.session import (
    CSRF_FIELD,
    CsrfRejected,
    SignInRequired,
    csrf_cookie_value,
    csrf_token,
    resume_token,
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


def _number(value: float | None, digits: int = 1) -> str:
    if value is None:
        return "—"
    text = f"{value:.{digits}f}"
    # Rounding a small negative value gives "-0", which nobody writes.
    return text[1:] if text.startswith("-") and float(text) == 0 else text


templates.env.filters["when"] = timefmt.when
templates.env.filters["day"] = timefmt.day
templates.env.filters["number"] = _number
templates.env.globals["clock"] = timefmt.clock
templates.env.globals["duty_titles"] = {kind.value: rule.title for kind, rule in RULES.items()}
templates.env.globals["ago"] = timefmt.ago


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
        {"now": datetime.now(UTC), "session_lifetime": context.settings.token_lifetime_s}
        | values
        | {"principal": principal, "csrf_token": csrf_token(context, request, value)},
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


def _page_of(path: str) -> str:
    """The page a form's path belongs to (`/homes/h1/alerts/7/note` → `/homes/h1`)."""
    parts = path.strip("/").split("/")
    if len(parts) >= 2 and parts[0] in ("homes", "admin"):
        return "/" + "/".join(parts[:2])
    return "/" + parts[0] if parts and parts[0] else "/"


def install_page_handlers(app: FastAPI) -> None:
    """Pages answer a missing sign-in with the sign-in page and a bad form with a 403 page."""

    @app.exception_handler(SignInRequired)
    async def _sign_in(request: Request, error: SignInRequired) -> Response:
        if request.method != "POST":
            return redirect(f"/login?next={quote(error.next_path, safe='/?=&')}")
        # A form sent after the session ended: keep what was typed, offer it after signing in.
        context: ApiContext = request.app.state.context
        form = await request.form()
        fields = [
            (name, value)
            for name, value in form.multi_items()
            if isinstance(value, str) and name != CSRF_FIELD
        ]
        blob, signature = resume_token(context, request.url.path, fields)
        values = {
            "next": _page_of(request.url.path),
            "error": None,
            "expired": True,
            "resume": blob,
            "resume_sig": signature,
        }
        return page(
            request, context, "login.html", values, status_code=status.HTTP_401_UNAUTHORIZED
        )

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


# Paths the JSON API answers; every other path is a page and answers with a page.
API_PATHS: Final = ("/v1/", "/health", "/metrics", "/openapi.json", "/docs", "/redoc")
FIELD_NAMES: Final = {"from": "From", "to": "To", "days": "Period", "page": "Page"}


def is_page_path(path: str) -> bool:
    """A path of the pages, not of the JSON API."""
    return not path.startswith(API_PATHS)


def _invalid_fields(error: RequestValidationError) -> str:
    names = []
    for item in error.errors():
        location = [str(part) for part in item.get("loc", ()) if part not in ("query", "body")]
        name = location[-1] if location else "the form"
        names.append(FIELD_NAMES.get(name, name.replace("_", " ")))
    return ", ".join(dict.fromkeys(names))


def install_validation_page(app: FastAPI) -> None:
    """A page request with a bad value gets a page saying which box, never raw JSON."""

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, error: RequestValidationError) -> Response:
        if not is_page_path(request.url.path):
            return await request_validation_exception_handler(request, error)
        context: ApiContext = request.app.state.context
        message = (
            f"Please check {_invalid_fields(error)}: the value was not one this page can use. "
            "Dates are written like 2026-01-31."
        )
        return page(
            request,
            context,
            "error.html",
            {"title": "Check what you entered", "message": message},
            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
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
