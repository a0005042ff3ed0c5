"""Settings of the ingest deployable (`DAMPWATCH_INGEST_*` on top of MQTT and InfluxDB)."""

from __future__ import annotations

import re
import socket

from pydantic import Field, model_validator

from dampwatch.settings import InfluxSettings, MqttSettings
from dampwatch.topics import is_valid_id


def default_client_id(hostname: str) -> str:
    """`dampwatch-ingest-<host>`, cut to a valid id."""
    host = re.sub(r"[^A-Za-z0-9_.-]", "-", hostname.split(".", maxsplit=1)[0]) or "local"
    return f"dampwatch-ingest-{host}"[:64]


class IngestSettings(MqttSettings, InfluxSettings):
    """What `dampwatch ingest` reads from the environment."""

    # Stable per worker: the broker keeps this id's persistent session across restarts. The
    # host name default gives each container of `docker compose --scale ingest=N` its own.
    ingest_client_id: str = Field(default_factory=lambda: default_client_id(socket.gethostname()))
    ingest_share_group: str | None = None
    ingest_batch_size: int = Field(default=5000, ge=1, description="points per InfluxDB write")
    ingest_batch_messages: int = Field(default=1000, ge=1, description="messages per write")
    # Closes a batch early when its payloads are large (arrays of readings): bounds memory.
    ingest_batch_bytes: int = Field(default=512 * 1024, ge=1024, description="payload bytes")
    ingest_batch_wait_s: float = Field(default=0.25, gt=0)
    # A batch also closes when no message has arrived for this long (the end of a burst).
    ingest_batch_idle_s: float = Field(default=0.02, gt=0)
    # MQTT 5 Receive Maximum: how many unacknowledged messages the broker may send us.
    # Twice a batch, so the broker keeps sending while the previous batch is written.
    ingest_receive_maximum: int = Field(default=2000, ge=1, le=65535)
    ingest_session_expiry_s: int = Field(default=7 * 86400, ge=60)
    ingest_retry_initial_s: float = Field(default=0.5, gt=0)
    ingest_retry_max_s: float = Field(default=30.0, gt=0)
    ingest_shutdown_timeout_s: float = Field(default=30.0, ge=0)
    ingest_metrics_host: str = "127.0.0.1"
    ingest_metrics_port: int | None = Field(default=9108, ge=0, le=65535)
    ingest_log_interval_s: float = Field(default=60.0, gt=0)
    # How often the worker writes its own `ingest` point for the pipeline board; 0 turns it off.
    ingest_stats_interval_s: float = Field(default=10.0, ge=0)
    ingest_create_database: bool = True

    @model_validator(mode="after")
    def _check_ingest(self) -> IngestSettings:
        if not is_valid_id(self.ingest_client_id):
            raise ValueError(
                f"DAMPWATCH_INGEST_CLIENT_ID {self.ingest_client_id!r} is not a valid id"
            )
        if self.ingest_share_group is not None and not is_valid_id(self.ingest_share_group):
            raise ValueError("DAMPWATCH_INGEST_SHARE_GROUP must be a plain name like 'ingest'")
        if self.ingest_receive_maximum < self.ingest_batch_messages:
            raise ValueError(
                "DAMPWATCH_INGEST_RECEIVE_MAXIMUM must be at least INGEST_BATCH_MESSAGES"
            )
        return self
