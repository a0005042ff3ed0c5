"""`/health` (MQTT, InfluxDB and SQL each checked; 503 when one is down) and `/metrics`."""

from __future__ import annotations

from fastapi import APIRouter, Response, status
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel
from sqlalchemy import text

from dampwatch_api.deps import ContextDep

router = APIRouter(tags=["health"])


class HealthOut(BaseModel):
    """Each dependency's state and the overall verdict."""

    status: str
    checks: dict[str, str]


@router.get(
    "/health",
    response_model=HealthOut,
    responses={503: {"model": HealthOut, "description": "a dependency is down"}},
)
def health(context: ContextDep, response: Response) -> HealthOut:
    """Check the SQL database, InfluxDB and the MQTT broker."""
    checks: dict[str, str] = {}
    try:
        with context.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        checks["sql"] = "ok"
    except Exception as error:
        checks["sql"] = f"down: {type(error).__name__}"
    checks["influxdb"] = "ok" if context.influx.ping() else "down"
    if context.link is None:
        checks["mqtt"] = "not configured"
    else:
        checks["mqtt"] = "ok" if context.link.connected else "down"
    healthy = all(value in ("ok", "not configured") for value in checks.values())
    if not healthy:
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    return HealthOut(status="ok" if healthy else "degraded", checks=checks)


@router.get("/metrics", response_class=Response, responses={200: {"content": {"text/plain": {}}}})
def metrics(context: ContextDep) -> Response:
    """Prometheus metrics of this process."""
    context.metrics.registry_publish_failures.set(context.registry.failures)
    context.metrics.mqtt_connected.set(
        1 if context.link is not None and context.link.connected else 0
    )
    return Response(generate_latest(context.metrics.registry), media_type=CONTENT_TYPE_LATEST)
