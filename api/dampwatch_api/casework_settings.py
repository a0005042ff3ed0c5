"""Settings of casework and webhooks: phase 2, escalation, the daily feed, delivery and retries."""

from __future__ import annotations

from datetime import date, time
from pathlib import Path

from pydantic import Field

from dampwatch.settings import BaseAppSettings


class CaseworkSettings(BaseAppSettings):
    """`DAMPWATCH_CASE_*` and `DAMPWATCH_AWAAB_*`."""

    # Unset: phase 1 only. Set to the commencement date of Awaab's Law's second phase to let
    # cold-home and overheating flags start the same clock from that day.
    awaab_phase2_from: date | None = None
    case_escalation_role: str = Field(default="Repairs manager", min_length=1, max_length=128)
    case_feed_dir: Path | None = None  # default: DATA_DIR/feed
    case_feed_time: time = time(6, 0)  # UK local time of the daily file
    case_feed_keep_days: int = Field(default=31, ge=1)

    @property
    def feed_dir(self) -> Path:
        """Where the daily feed is written."""
        return self.case_feed_dir or self.data_dir / "feed"


class WebhookSettings(BaseAppSettings):
    """`DAMPWATCH_WEBHOOK_*` and `DAMPWATCH_CASEWORK_*`."""

    webhook_timeout_s: float = Field(default=10.0, gt=0)
    webhook_backoff_base_s: float = Field(default=10.0, gt=0)
    webhook_backoff_max_s: float = Field(default=3600.0, gt=0)
    webhook_max_attempts: int = Field(default=25, ge=1)
    webhook_dead_after_s: float = Field(default=3 * 86_400.0, gt=0)
    webhook_concurrency: int = Field(default=4, ge=1, le=64)
    webhook_rotation_grace_s: float = Field(default=86_400.0, ge=0)
    webhook_retention_days: int = Field(default=30, ge=1)
    # Plain http:// subscriber URLs; refused in production unless allowed here.
    webhook_allow_http: bool | None = None
    casework_poll_s: float = Field(default=1.0, gt=0)
    casework_lease_ttl_s: float = Field(default=30.0, gt=0)

    @property
    def http_allowed(self) -> bool:
        """Whether subscribers may use http:// (development yes, production only when set)."""
        if self.webhook_allow_http is None:
            return not self.production
        return self.webhook_allow_http
