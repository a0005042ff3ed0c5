"""Settings from the environment, and refusals of unsafe defaults in production."""

from pathlib import Path

import pytest
from pydantic import ValidationError

from dampwatch.settings import (
    DatabaseSettings,
    InfluxSettings,
    MqttSettings,
    describe_settings_error,
    one_off_env_files,
)
from dampwatch_api.report.main import main as report_main
from dampwatch_ingest.settings import IngestSettings


def test_environment_prefix_and_defaults(monkeypatch):
    monkeypatch.setenv("DAMPWATCH_MQTT_PORT", "1999")
    monkeypatch.setenv("DAMPWATCH_INFLUX_API", "v1")
    monkeypatch.setenv("DAMPWATCH_INGEST_SHARE_GROUP", "ingest")
    settings = IngestSettings(_env_file=None)
    assert settings.mqtt_port == 1999
    assert settings.mqtt_host == "127.0.0.1"
    assert settings.influx_url == "http://127.0.0.1:8086"
    assert settings.influx_query_database == "dampwatch"
    assert settings.ingest_share_group == "ingest"


def test_dotenv_file_is_read(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("DAMPWATCH_MQTT_HOST=broker.internal\n")
    assert MqttSettings().mqtt_host == "broker.internal"


def test_v2_reads_the_bucket():
    settings = InfluxSettings(_env_file=None, influx_bucket="estate", influx_database="x")
    assert settings.influx_query_database == "estate"


def test_sqlite_default_lives_in_the_data_directory(tmp_path):
    url = DatabaseSettings(_env_file=None, data_dir=tmp_path).sqlalchemy_url
    assert url == f"sqlite:///{tmp_path / 'dampwatch.db'}"


def test_production_refuses_anonymous_and_unauthenticated_defaults():
    with pytest.raises(ValidationError) as caught:
        IngestSettings(_env_file=None, env="production")
    message = str(caught.value)
    assert "DAMPWATCH_MQTT_USERNAME" in message
    assert "DAMPWATCH_INFLUX_TOKEN" in message


def test_production_refuses_plain_mqtt_to_a_remote_broker():
    with pytest.raises(ValidationError, match="TLS"):
        MqttSettings(
            _env_file=None,
            env="production",
            mqtt_host="mqtt.example.org",
            mqtt_username="ingest",
            mqtt_password="s3cret",
        )


def test_production_accepts_credentials():
    settings = IngestSettings(
        _env_file=None,
        env="production",
        mqtt_username="ingest",
        mqtt_password="s3cret",
        influx_token="token",
    )
    assert settings.production


@pytest.mark.parametrize(
    "overrides",
    [
        {"ingest_client_id": "has space"},
        {"ingest_share_group": "a/b"},
        {"ingest_receive_maximum": 10, "ingest_batch_messages": 100},
        {"influx_api": "v3"},
    ],
)
def test_invalid_ingest_settings_are_clear_errors(overrides):
    with pytest.raises(ValidationError):
        IngestSettings(_env_file=None, **overrides)


def test_a_bad_setting_is_named_by_its_variable(monkeypatch):
    monkeypatch.setenv("DAMPWATCH_MQTT_PORT", "70000")
    monkeypatch.setenv("DAMPWATCH_INFLUX_API", "v3")
    monkeypatch.setenv("DAMPWATCH_MQTT_PASSWORD", "")
    with pytest.raises(ValidationError) as raised:
        IngestSettings(_env_file=None)
    text = describe_settings_error(raised.value)
    assert "DAMPWATCH_MQTT_PORT:" in text and "70000" not in text  # values may be secrets
    assert "DAMPWATCH_INFLUX_API:" in text and "mqtt_port" not in text
    monkeypatch.delenv("DAMPWATCH_MQTT_PORT")
    monkeypatch.delenv("DAMPWATCH_INFLUX_API")
    monkeypatch.setenv("DAMPWATCH_ENV", "production")
    with pytest.raises(ValidationError) as refused:
        MqttSettings(_env_file=None)
    production = describe_settings_error(refused.value)
    assert production.startswith("refusing to start with DAMPWATCH_ENV=production")
    assert "Value error" not in production


def test_commands_print_the_variable_not_the_field(monkeypatch, capsys):
    monkeypatch.setenv("DAMPWATCH_TOKEN_LIFETIME_S", "often")
    assert report_main(["any-home"]) == 2
    err = capsys.readouterr().err
    assert "DAMPWATCH_TOKEN_LIFETIME_S" in err and "token_lifetime_s" not in err


def test_one_off_commands_find_a_running_stacks_settings(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no .env of the checkout
    assert one_off_env_files({"DAMPWATCH_DATA_DIR": str(tmp_path)}) == (Path(".env"),)
    stack = tmp_path / "up" / "stack.env"
    stack.parent.mkdir()
    stack.write_text("DAMPWATCH_INFLUX_URL=http://127.0.0.1:18086\nDAMPWATCH_INFLUX_API=v1\n")
    files = one_off_env_files({"DAMPWATCH_DATA_DIR": str(tmp_path)})
    assert files == (Path(".env"), stack)
    settings = InfluxSettings(_env_file=files, influx_database="dampwatch")
    assert settings.influx_url == "http://127.0.0.1:18086" and settings.influx_api == "v1"
