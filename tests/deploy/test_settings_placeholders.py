"""Production refuses the `.env.example` placeholders and empty secrets, in every settings piece."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from dampwatch.settings import DatabaseSettings, InfluxSettings, MqttSettings, is_placeholder
from dampwatch_api.settings import ApiAppSettings

REAL = "Xq3v9T2mKpL8wR4zN6yB1cD5fG7hJ0sA"


@pytest.mark.parametrize(
    ("value", "placeholder"),
    [
        ("change-me-mqtt-ingest-password", True),
        ("CHANGE-ME", True),
        ("  change-me-with-spaces", True),
        ("", True),
        ("   ", True),
        (REAL, False),
        ("please-change-me-later", False),
    ],
)
def test_placeholder_values(value: str, placeholder: bool) -> None:
    assert is_placeholder(value) is placeholder


def _mqtt(**overrides: object) -> MqttSettings:
    values: dict[str, object] = {"env": "production", "mqtt_username": "dampwatch-ingest"}
    return MqttSettings(_env_file=None, **(values | overrides))  # type: ignore[arg-type]


def test_production_refuses_a_placeholder_mqtt_password_and_names_it() -> None:
    with pytest.raises(ValidationError, match="DAMPWATCH_MQTT_PASSWORD is empty or still the"):
        _mqtt(mqtt_password="change-me-mqtt-ingest-password")
    with pytest.raises(ValidationError, match="DAMPWATCH_MQTT_PASSWORD"):
        _mqtt(mqtt_password="")
    assert _mqtt(mqtt_password=REAL).production


def test_development_accepts_placeholders() -> None:
    settings = MqttSettings(_env_file=None, mqtt_password="change-me")  # type: ignore[call-arg]
    assert not settings.production


def test_production_refuses_an_empty_influx_token() -> None:
    with pytest.raises(ValidationError, match="DAMPWATCH_INFLUX_TOKEN is empty"):
        InfluxSettings(_env_file=None, env="production", influx_token="")  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("url", "refused"),
    [
        ("postgresql+psycopg://dampwatch:change-me-postgres-password@postgres:5432/x", True),
        ("postgresql+psycopg://dampwatch:@postgres:5432/x", True),
        (f"postgresql+psycopg://dampwatch:{REAL}@postgres:5432/x", False),
        ("postgresql+psycopg://dampwatch@postgres:5432/x", False),  # peer or certificate auth
        ("sqlite:////var/lib/dampwatch/dampwatch.db", False),
    ],
)
def test_production_refuses_a_placeholder_database_password(url: str, refused: bool) -> None:
    def make() -> DatabaseSettings:
        return DatabaseSettings(_env_file=None, env="production", database_url=url)  # type: ignore[call-arg]

    if refused:
        with pytest.raises(ValidationError, match="DAMPWATCH_DATABASE_URL"):
            make()
    else:
        assert make().production


def _api(**overrides: object) -> ApiAppSettings:
    values: dict[str, object] = {
        "env": "production",
        "mqtt_username": "dampwatch-api",
        "mqtt_password": REAL,
        "influx_token": REAL,
        "secret_key": REAL + REAL,
        "admin_password": REAL,
    }
    return ApiAppSettings(_env_file=None, **(values | overrides))  # type: ignore[arg-type]


def test_the_api_refuses_a_long_placeholder_secret_key_and_admin_password() -> None:
    assert _api().production
    with pytest.raises(ValidationError, match="DAMPWATCH_SECRET_KEY is empty or still"):
        _api(secret_key="change-me-" + REAL)
    with pytest.raises(ValidationError, match="DAMPWATCH_ADMIN_PASSWORD is empty or still"):
        _api(admin_password="change-me-api-admin-password")
