"""Every error is JSON `{"detail": ...}` with the right status; nothing leaks a stack trace."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request, status
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, IntegrityError, OperationalError

from dampwatch.influx import InfluxBadData, InfluxUnavailable
from dampwatch_api.alerts.service import AlertNotFound, AlertTransitionError
from dampwatch_api.broker.dynsec import ProvisioningError
from dampwatch_api.broker.link import BrokerUnavailable

_LOGGER = logging.getLogger(__name__)


def _json(status_code: int, detail: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status_code, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    """Map domain and infrastructure errors to statuses, and anything else to a plain 500."""

    @app.exception_handler(AlertNotFound)
    def _not_found(request: Request, error: AlertNotFound) -> JSONResponse:
        return _json(status.HTTP_404_NOT_FOUND, str(error) or "not found")

    @app.exception_handler(AlertTransitionError)
    def _conflict(request: Request, error: AlertTransitionError) -> JSONResponse:
        return _json(status.HTTP_409_CONFLICT, str(error))

    @app.exception_handler(IntegrityError)
    def _integrity(request: Request, error: IntegrityError) -> JSONResponse:
        return _json(status.HTTP_409_CONFLICT, "conflicts with existing data")

    @app.exception_handler(DataError)
    def _unstorable(request: Request, error: DataError) -> JSONResponse:
        # The database refused a value the request carried (NUL in text, too long, too large):
        # the request's fault, whichever route let it through.
        return _json(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            "a value is too long, too large or holds characters that cannot be stored",
        )

    @app.exception_handler(ValueError)
    def _invalid(request: Request, error: ValueError) -> JSONResponse:
        return _json(status.HTTP_422_UNPROCESSABLE_CONTENT, str(error))

    @app.exception_handler(BrokerUnavailable)
    @app.exception_handler(ProvisioningError)
    def _broker(request: Request, error: Exception) -> JSONResponse:
        _LOGGER.error("broker provisioning failed: %s", error)
        return _json(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            f"MQTT broker unavailable: {error}",
            headers={"Retry-After": "5"},
        )

    @app.exception_handler(InfluxUnavailable)
    def _influx_down(request: Request, error: InfluxUnavailable) -> JSONResponse:
        return _json(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            "InfluxDB unavailable",
            headers={"Retry-After": "5"},
        )

    @app.exception_handler(InfluxBadData)
    def _influx_refused(request: Request, error: InfluxBadData) -> JSONResponse:
        _LOGGER.error("InfluxDB refused a query: %s", error)
        return _json(status.HTTP_502_BAD_GATEWAY, "InfluxDB refused the query")

    @app.exception_handler(OperationalError)
    def _database_down(request: Request, error: OperationalError) -> JSONResponse:
        _LOGGER.error("database error: %s", error)
        return _json(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            "database unavailable",
            headers={"Retry-After": "5"},
        )

    @app.exception_handler(Exception)
    def _unexpected(request: Request, error: Exception) -> JSONResponse:
        _LOGGER.exception("unhandled error on %s %s", request.method, request.url.path)
        return _json(status.HTTP_500_INTERNAL_SERVER_ERROR, "internal error")
