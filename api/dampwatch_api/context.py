"""What one running API holds: settings, database, broker link, InfluxDB reader, limiters."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from dampwatch.influx import InfluxQL
from dampwatch_api.auth.cache import PrincipalCache
from dampwatch_api.auth.ratelimit import LoginRateLimiter
from dampwatch_api.boardcache import BoardCache
from dampwatch_api.broker.dynsec import DynamicSecurity
from dampwatch_api.broker.link import BrokerLink
from dampwatch_api.metrics import ApiMetrics
from dampwatch_api.registry.publish import RegistryPublisher
from dampwatch_api.settings import ApiAppSettings


@dataclass
class ApiContext:
    """Created by `create_app`, stored on `app.state.context`."""

    settings: ApiAppSettings
    engine: Engine
    sessions: sessionmaker[Session]
    link: BrokerLink | None
    dynsec: DynamicSecurity | None
    registry: RegistryPublisher
    influx: InfluxQL
    login_limiter: LoginRateLimiter
    board: BoardCache
    metrics: ApiMetrics
    principals: PrincipalCache = field(default_factory=PrincipalCache)
