"""Settings pieces read from the environment (prefix `DAMPWATCH_`) and `.env`.

Each deployable composes the pieces it needs into its own settings class; nothing here is
instantiated at import time.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Final, Literal
from urllib.parse import unquote, urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from dampwatch.const import DEFAULT_RETENTION_DAYS, DEFAULT_TOPIC_PREFIX
from dampwatch.geography import FIELD_CANDIDATES

LOOPBACK = "127.0.0.1"
# `.env.example` marks every secret to replace with this prefix; production refuses such values.
PLACEHOLDER_PREFIX = "change-me"


def is_placeholder(secret: str) -> bool:
    """An empty secret or one still holding the `.env.example` placeholder."""
    return not secret.strip() or secret.strip().lower().startswith(PLACEHOLDER_PREFIX)


# Values of settings whose names end so are never echoed in an error message.
SECRET_ENDINGS = ("PASSWORD", "SECRET_KEY", "_TOKEN")


class UnsafeSettingsError(ValueError):
    """A setting that is acceptable in development refuses to start in production."""


def describe_settings_error(error: Exception, prefix: str = "DAMPWATCH_") -> str:
    """What is wrong with the settings, never the values given: they may be secrets.

    pydantic's own message repeats the input (for a check over several settings, all of them,
    cut short in the middle), so each error is told by its setting's name and message only.
    """
    if not isinstance(error, ValidationError):
        return str(error)
    parts = []
    for item in error.errors(include_url=False, include_context=False, include_input=False):
        name = "_".join(str(part) for part in item["loc"]).upper()
        message = str(item["msg"]).removeprefix("Value error, ")
        parts.append(f"{prefix}{name}: {message}" if name else message)
    return "; ".join(parts)


class BaseAppSettings(BaseSettings):
    """Settings every deployable shares."""

    model_config = SettingsConfigDict(
        env_prefix="DAMPWATCH_", env_file=".env", extra="ignore", frozen=True
    )

    env: Literal["development", "production"] = "development"
    data_dir: Path = Path("data")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    retention_days: int = Field(default=DEFAULT_RETENTION_DAYS, ge=1)

    @property
    def production(self) -> bool:
        """True when unsafe development defaults must refuse to start."""
        return self.env == "production"

    def production_problems(self) -> list[str]:
        """Placeholder or empty secrets; the pieces below add their own checks."""
        prefix = str(self.model_config.get("env_prefix", "")).upper()
        return [
            f"{prefix}{name.upper()} is empty or still the placeholder from .env.example"
            for name in type(self).model_fields
            if isinstance(value := getattr(self, name), SecretStr)
            and is_placeholder(value.get_secret_value())
        ]

    @model_validator(mode="after")
    def _refuse_unsafe_in_production(self) -> BaseAppSettings:
        if self.production and (problems := self.production_problems()):
            raise UnsafeSettingsError(
                "refusing to start with DAMPWATCH_ENV=production: " + "; ".join(problems)
            )
        return self


class MqttSettings(BaseAppSettings):
    """Connection to the Mosquitto broker."""

    mqtt_host: str = LOOPBACK
    mqtt_port: int = Field(default=1883, ge=1, le=65535)
    mqtt_username: str | None = None
    mqtt_password: SecretStr | None = None
    mqtt_tls_ca: Path | None = None
    mqtt_topic_prefix: str = DEFAULT_TOPIC_PREFIX
    mqtt_keepalive_s: int = Field(default=30, ge=5)

    def production_problems(self) -> list[str]:
        """Anonymous or plain-text MQTT off the machine is unsafe."""
        problems = super().production_problems()
        if not self.mqtt_username or self.mqtt_password is None:
            problems.append("MQTT needs DAMPWATCH_MQTT_USERNAME and DAMPWATCH_MQTT_PASSWORD")
        if self.mqtt_tls_ca is None and self.mqtt_host not in (LOOPBACK, "localhost", "::1"):
            problems.append("MQTT to a remote broker needs TLS (DAMPWATCH_MQTT_TLS_CA)")
        return problems


class InfluxSettings(BaseAppSettings):
    """Connection to InfluxDB: `v2` writes through influxdb-client, `v1` through `/write`."""

    influx_url: str = f"http://{LOOPBACK}:8086"
    influx_api: Literal["v1", "v2"] = "v2"
    influx_database: str = "dampwatch"
    influx_retention_policy: str | None = None
    influx_username: str | None = None
    influx_password: SecretStr | None = None
    influx_bucket: str = "dampwatch"
    influx_org: str = "dampwatch"
    influx_token: SecretStr | None = None
    influx_timeout_s: float = Field(default=10.0, gt=0)

    @property
    def influx_query_database(self) -> str:
        """The database InfluxQL reads from: the bucket through v2's v1 compatibility API."""
        return self.influx_database if self.influx_api == "v1" else self.influx_bucket

    def production_problems(self) -> list[str]:
        """An InfluxDB without credentials is unsafe."""
        problems = super().production_problems()
        if self.influx_api == "v2" and self.influx_token is None:
            problems.append("InfluxDB v2 needs DAMPWATCH_INFLUX_TOKEN")
        if self.influx_api == "v1" and (not self.influx_username or not self.influx_password):
            problems.append("InfluxDB v1 needs DAMPWATCH_INFLUX_USERNAME and _PASSWORD")
        return problems


class DatabaseSettings(BaseAppSettings):
    """The SQL database (SQLAlchemy URL); SQLite under the data directory by default."""

    database_url: str | None = None

    def production_problems(self) -> list[str]:
        """A database password still holding the placeholder is unsafe."""
        problems = super().production_problems()
        if self.database_url is not None:
            try:
                password = urlsplit(self.database_url).password
            except ValueError:
                password = None
            if password is not None and is_placeholder(unquote(password)):
                problems.append(
                    "the password in DAMPWATCH_DATABASE_URL is empty or still the placeholder"
                )
        return problems

    @property
    def sqlalchemy_url(self) -> str:
        """The configured URL, or SQLite in the data directory."""
        return self.database_url or f"sqlite:///{(self.data_dir / 'dampwatch.db').resolve()}"


class ApiSettings(BaseAppSettings):
    """Where the API listens."""

    api_host: str = LOOPBACK
    api_port: int = Field(default=8000, ge=1, le=65535)


class PlaceSettings(BaseAppSettings):
    """The open-data files that place homes: a postcode lookup and the deprivation indices."""

    geography_lookup: Path | None = None
    # The lookup's header names per field when they differ from NSPL/ONSPD's, as JSON:
    # {"postcode": "pcds", "lsoa": "lsoa21cd"}; fields: postcode, oa, lsoa, msoa, lad,
    # lad_name, terminated.
    geography_columns: dict[str, str] = Field(default_factory=dict)
    deprivation_file: Path | None = None

    @field_validator("geography_columns")
    @classmethod
    def _known_fields(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(value) - set(FIELD_CANDIDATES))
        if unknown:
            raise ValueError(f"unknown fields {unknown}; known: {sorted(FIELD_CANDIDATES)}")
        return value


STACK_ENV_FILE: Final = Path("up") / "stack.env"


def one_off_env_files(environ: Mapping[str, str] | None = None) -> tuple[Path, ...]:
    """The `.env` files a command run by hand reads: `.env`, then a running stack's settings.
    `dampwatch up` writes the settings of the stack it started to DATA_DIR/up/stack.env; a
    one-off command (`dampwatch assess --once`) given only DAMPWATCH_DATA_DIR finds the stack's
    InfluxDB and database there. The environment still wins over both files.
    """
    env = os.environ if environ is None else environ
    data_dir = Path(env.get("DAMPWATCH_DATA_DIR", "data"))
    stack = data_dir / STACK_ENV_FILE
    return (Path(".env"), stack) if stack.is_file() else (Path(".env"),)
