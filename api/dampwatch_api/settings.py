"""Settings of the API: shared pieces plus secrets, token lifetime, login limits, provisioning."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import NoDecode

from dampwatch.settings import (
    ApiSettings,
    DatabaseSettings,
    InfluxSettings,
    MqttSettings,
    PlaceSettings,
)
from dampwatch_api.auth.strength import weakness
from dampwatch_api.casework_settings import CaseworkSettings, WebhookSettings
from dampwatch_api.contact import PageSettings
from dampwatch_api.opendata_settings import OpenDataSettings
from dampwatch_api.retention import RetentionSettings

DEVELOPMENT_SECRET_KEY = "dampwatch-development-secret-key-do-not-use-in-production"  # noqa: S105
DEVELOPMENT_ADMIN_PASSWORD = "admin"  # noqa: S105 - the development default production refuses
MIN_SECRET_KEY_LENGTH = 32


class ApiAppSettings(
    ApiSettings,
    DatabaseSettings,
    MqttSettings,
    InfluxSettings,
    PageSettings,
    RetentionSettings,
    CaseworkSettings,
    WebhookSettings,
    OpenDataSettings,
    PlaceSettings,
):
    """Everything `dampwatch api` and `dampwatch casework` read from `DAMPWATCH_*` and `.env`."""

    secret_key: SecretStr = SecretStr(DEVELOPMENT_SECRET_KEY)
    token_lifetime_s: int = Field(default=900, ge=10, le=86_400)
    session_max_s: int = Field(default=43_200, ge=60, le=7 * 86_400)
    login_max_failures: int = Field(default=5, ge=1)
    login_window_s: int = Field(default=300, ge=1)
    login_client_max_failures: int = Field(default=30, ge=1)
    login_max_delay_s: float = Field(default=10.0, ge=0, le=60)
    # Proxies whose X-Forwarded-For names the client (uvicorn's forwarded_allow_ips); none
    # by default, so a client cannot choose the address its sign-in failures count against.
    trusted_proxies: Annotated[list[str], NoDecode] = Field(default_factory=list)
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    admin_username: str = "admin"
    admin_password: SecretStr | None = None
    # Provisioning through Mosquitto's dynamic security plugin, as the MQTT user above.
    dynsec_enabled: bool = False
    dynsec_timeout_s: float = Field(default=5.0, gt=0)
    mqtt_client_id: str = "dampwatch-api"
    health_timeout_s: float = Field(default=2.0, gt=0)
    api_workers: int = Field(default=1, ge=1)

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _split_proxies(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @property
    def bootstrap_admin_password(self) -> str:
        """The first admin's password: configured, or the development default."""
        if self.admin_password is not None:
            return self.admin_password.get_secret_value()
        return DEVELOPMENT_ADMIN_PASSWORD

    def production_problems(self) -> list[str]:
        """The development secret key and a passwordless admin are unsafe."""
        problems = super().production_problems()
        secret = self.secret_key.get_secret_value()
        if secret == DEVELOPMENT_SECRET_KEY or len(secret) < MIN_SECRET_KEY_LENGTH:
            problems.append(
                f"DAMPWATCH_SECRET_KEY must be set to a random value of at least "
                f"{MIN_SECRET_KEY_LENGTH} characters"
            )
        if self.admin_password is None:
            problems.append("the admin needs a password (DAMPWATCH_ADMIN_PASSWORD)")
        elif reason := weakness(self.admin_password.get_secret_value(), [self.admin_username]):
            problems.append(f"DAMPWATCH_ADMIN_PASSWORD is too weak: {reason}")
        return problems
