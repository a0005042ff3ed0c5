"""Sign-in, tokens, API keys, rate limiting and production refusals."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from dampwatch_api.apikey import main as apikey_main
from dampwatch_api.settings import ApiAppSettings
from tests.api.conftest import HOME_NORTH, HOME_SOUTH, Api


def test_wrong_password_is_refused_to_that_client_after_the_limit(api: Api) -> None:
    for _ in range(3):
        wrong = api.client.post(
            "/v1/auth/token", data={"username": "tenant-north", "password": "x"}
        )
        assert wrong.status_code == 401
        assert wrong.json() == {"detail": "wrong username or password"}
    blocked = api.client.post(
        "/v1/auth/token", data={"username": "tenant-north", "password": "a-long-test-password"}
    )
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) >= 1
    other = api.client.post(
        "/v1/auth/token", data={"username": "tenant-south", "password": "a-long-test-password"}
    )
    assert other.status_code == 200


def test_forged_or_missing_tokens_are_refused(api: Api) -> None:
    assert api.call("GET", "/v1/users/me").status_code == 401
    forged = {"Authorization": "Bearer " + api.tokens["admin"][:-4] + "AAAA"}
    assert api.client.get("/v1/users/me", headers=forged).status_code == 401
    assert api.call("GET", "/v1/users/me", "officer-north").json()["portfolios"] == ["north"]


def test_api_keys_are_shown_once_scoped_and_revocable(api: Api) -> None:
    created = api.call(
        "POST",
        "/v1/apikeys",
        "admin",
        json={"name": "kiosk", "role": "tenant", "home_id": HOME_SOUTH},
    )
    assert created.status_code == 201
    key = created.json()["key"]
    headers = {"Authorization": f"Bearer {key}"}
    assert [h["home_id"] for h in api.client.get("/v1/homes", headers=headers).json()] == [
        HOME_SOUTH
    ]
    assert api.client.get(f"/v1/homes/{HOME_NORTH}", headers=headers).status_code == 404
    listed = api.call("GET", "/v1/apikeys", "admin").json()
    assert all("key" not in item for item in listed)
    assert api.call("DELETE", f"/v1/apikeys/{created.json()['id']}", "admin").status_code == 200
    assert api.client.get("/v1/homes", headers=headers).status_code == 401


def test_apikey_command_prints_a_working_key(
    api: Api, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DAMPWATCH_DATABASE_URL", api.settings.sqlalchemy_url)
    assert (
        apikey_main(["create", "--role", "officer", "--portfolio", "north", "--name", "bot"]) == 0
    )
    key = capsys.readouterr().out.strip()
    assert key.startswith("dwk_"), key
    homes = api.client.get("/v1/homes", headers={"Authorization": f"Bearer {key}"}).json()
    assert [home["home_id"] for home in homes] == [HOME_NORTH]
    assert apikey_main(["create", "--role", "tenant", "--name", "x"]) == 2
    assert "needs --home" in capsys.readouterr().err


def test_production_refuses_unsafe_defaults(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match=r"SECRET_KEY.*admin needs a password"):
        ApiAppSettings(
            env="production",
            data_dir=tmp_path,
            mqtt_username="api",
            mqtt_password="p",
            influx_token="t",
        )
    safe = ApiAppSettings(
        env="production",
        data_dir=tmp_path,
        mqtt_username="api",
        mqtt_password="p",
        influx_token="t",
        secret_key="s" * 40,
        admin_password="a-strong-board-passphrase",
    )
    assert safe.production


def test_errors_are_json_without_stack_traces(api: Api) -> None:
    missing = api.call("GET", "/v1/homes/nope", "admin")
    assert missing.status_code == 404 and missing.json() == {"detail": "home 'nope' not found"}
    down = api.call("GET", f"/v1/homes/{HOME_NORTH}/readings/latest", "admin")
    assert down.status_code == 503 and down.json() == {"detail": "InfluxDB unavailable"}
    health = api.client.get("/health")
    assert health.status_code == 503
    assert health.json()["checks"]["influxdb"] == "down" and health.json()["checks"]["sql"] == "ok"
    metrics = api.client.get("/metrics")
    assert (
        'dampwatch_api_requests_total{method="GET",route="/v1/homes/{home_id}",status="404"}'
        in metrics.text
    )
