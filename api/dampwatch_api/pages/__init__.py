"""Server-rendered pages for tenants and officers, on the same guards and services as the API."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles


def install_pages(app: FastAPI) -> None:
    """Mount the static files and the page routers, and the page error answers."""
    from dampwatch_api.pages import (  # noqa: PLC0415 - the routers import the app's modules
        actions,
        admin_homes,
        admin_users,
        auth_views,
        board_view,
        case_actions,
        downloads,
        home_views,
        link_views,
        predictions_view,
        region_view,
        render,
        session,
    )

    app.mount("/static", StaticFiles(directory=render.STATIC_DIR), name="static")
    app.add_middleware(session.SessionRenewal, context=app.state.context)
    render.install_page_handlers(app)
    render.install_error_page(app)
    render.install_validation_page(app)
    for module in (
        auth_views,
        board_view,
        home_views,
        actions,
        case_actions,
        downloads,
        admin_homes,
        admin_users,
        link_views,
        predictions_view,
        region_view,
    ):
        app.include_router(module.router)
    app.include_router(actions.home_router)
