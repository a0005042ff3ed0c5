"""The FastAPI application factory."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from dampwatch.influx import InfluxQL
from dampwatch_api.auth.passwords import hash_password
from dampwatch_api.auth.ratelimit import LoginRateLimiter, SignInLimits
from dampwatch_api.boardcache import BoardCache
from dampwatch_api.broker.dynsec import DynamicSecurity
from dampwatch_api.broker.link import BrokerLink, process_client_id
from dampwatch_api.cases import export_routes as case_exports
from dampwatch_api.cases import routes as cases
from dampwatch_api.context import ApiContext
from dampwatch_api.db.session import create_db_engine, make_session_factory
from dampwatch_api.docs import install_docs
from dampwatch_api.errors import install_error_handlers
from dampwatch_api.freshness import InvalidateOnChangeMiddleware
from dampwatch_api.limits import BodyLimitMiddleware
from dampwatch_api.metrics import ApiMetrics, MetricsMiddleware
from dampwatch_api.opendata import routes as opendata
from dampwatch_api.pages import install_pages
from dampwatch_api.places import routes as places
from dampwatch_api.registry.models import Role, User
from dampwatch_api.registry.publish import RegistryPublisher
from dampwatch_api.report import route as report_route
from dampwatch_api.retention import ensure_retention_logged
from dampwatch_api.routes import (
    alert_bulk,
    alerts,
    apikeys,
    assignees,
    auth,
    board,
    consent,
    data_rights,
    devices,
    gateways,
    health,
    homes,
    links,
    predictions,
    readings,
    rooms,
    users,
    watches,
)
from dampwatch_api.settings import ApiAppSettings
from dampwatch_api.webhooks import routes as webhooks

_LOGGER = logging.getLogger(__name__)
ROUTERS = (
    auth,
    homes,
    rooms,
    devices,
    gateways,
    consent,
    readings,
    alert_bulk,
    alerts,
    assignees,
    board,
    users,
    links,
    apikeys,
    data_rights,
    report_route,
    cases,
    case_exports,
    webhooks,
    predictions,
    opendata,
    places,
    watches,
)
BROKER_CONNECT_WAIT_S = 3.0


def ensure_admin(context: ApiContext) -> None:
    """Create the first admin when no admin exists yet."""
    settings = context.settings
    any_admin = select(User.id).where(User.role == Role.ADMIN.value).limit(1)
    with context.sessions() as session:
        if session.scalar(any_admin):
            return
        if settings.admin_password is None:
            _LOGGER.warning(
                "creating admin %r with the development password", settings.admin_username
            )
        session.add(
            User(
                username=settings.admin_username,
                password_hash=hash_password(settings.bootstrap_admin_password),
                role=Role.ADMIN.value,
            )
        )
        try:
            session.commit()
        except IntegrityError:
            # Another worker process of the same API created the admin a moment earlier.
            session.rollback()
            if session.scalar(any_admin) is None:
                raise RuntimeError(
                    f"no admin, and the user {settings.admin_username!r} exists with another "
                    "role: set DAMPWATCH_ADMIN_USERNAME to a free name"
                ) from None


def build_context(settings: ApiAppSettings, *, connect_broker: bool = True) -> ApiContext:
    """Engine, sessions, broker link and InfluxDB reader for `settings` (nothing started yet)."""
    engine = create_db_engine(settings.sqlalchemy_url)
    sessions = make_session_factory(engine)
    link = (
        BrokerLink(settings, process_client_id(settings.mqtt_client_id)) if connect_broker else None
    )
    dynsec = (
        DynamicSecurity(link, settings.mqtt_topic_prefix, settings.dynsec_timeout_s)
        if link is not None and settings.dynsec_enabled
        else None
    )
    registry = RegistryPublisher(
        link, sessions, settings.mqtt_topic_prefix, settings.dynsec_timeout_s
    )
    return ApiContext(
        settings=settings,
        engine=engine,
        sessions=sessions,
        link=link,
        dynsec=dynsec,
        registry=registry,
        influx=InfluxQL(settings),
        login_limiter=LoginRateLimiter(
            SignInLimits(
                per_account_client=settings.login_max_failures,
                per_client=settings.login_client_max_failures,
                window_s=settings.login_window_s,
                max_delay_s=settings.login_max_delay_s,
            ),
            sessions,
        ),
        board=BoardCache(),
        metrics=ApiMetrics(),
    )


def _openapi(app: FastAPI) -> dict[str, Any]:
    """The generated document, with 422 bodies described as they are: field errors or a message."""
    if app.openapi_schema is None:
        document = get_openapi(
            title=app.title, version=app.version, summary=app.summary, routes=app.routes
        )
        schemas = document.get("components", {}).get("schemas", {})
        if "HTTPValidationError" in schemas:
            detail = schemas["HTTPValidationError"]["properties"]["detail"]
            schemas["HTTPValidationError"]["properties"]["detail"] = {
                "anyOf": [detail, {"type": "string"}],
                "title": "Detail",
            }
        app.openapi_schema = document
    return app.openapi_schema


def create_app(settings: ApiAppSettings, *, connect_broker: bool = True) -> FastAPI:
    """The API for `settings`; migrate the database first (`dampwatch_api.db.migrate`)."""
    context = build_context(settings, connect_broker=connect_broker)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        ensure_admin(context)
        ensure_retention_logged(context.influx, context.settings, context.settings)
        if context.link is not None:
            context.link.on_connected.append(context.registry.publish_all)
            if context.dynsec is not None:
                context.link.on_connected.append(context.dynsec.ensure_platform_roles)
            context.link.start()
            context.link.wait_connected(BROKER_CONNECT_WAIT_S)
        # What start-up made lives as long as the process: kept out of the collector's full
        # passes, which otherwise walk it at every board ranking (about a quarter of its time).
        gc.freeze()
        try:
            yield
        finally:
            if context.link is not None:
                context.link.stop()
            context.influx.close()
            context.engine.dispose()

    app = FastAPI(
        title="dampwatch API",
        version="1",
        summary="Homes that need help before people get ill: damp and mould, cold, overheating.",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.context = context
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    install_error_handlers(app)
    app.add_middleware(MetricsMiddleware, metrics=context.metrics)
    app.add_middleware(
        InvalidateOnChangeMiddleware,
        forget=[context.board.invalidate, context.principals.clear],
    )
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.include_router(health.router)
    for module in ROUTERS:
        app.include_router(module.router)
    install_docs(app)
    install_pages(app)
    return app
