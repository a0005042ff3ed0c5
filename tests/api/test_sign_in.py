"""Sign-in limits that slow guessing without locking anyone out, sign-out, production passwords."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from dampwatch_api.auth.ratelimit import LoginRateLimiter, SignInLimits
from dampwatch_api.db import migrate
from dampwatch_api.db.session import create_db_engine, make_session_factory
from dampwatch_api.main import main as api_main
from dampwatch_api.settings import ApiAppSettings
from tests.api.conftest import HOME_NORTH, PASSWORD, Api, api_settings, seed, start_api
from tests.api.pages.support import csrf_of, page_client

ATTACKER = ("192.0.2.66", 40000)
OWNER = ("198.51.100.7", 40000)


@pytest.fixture
def limited(tmp_path: Path) -> Iterator[Api]:
    """The seeded API with small limits: 3 per account and client, 5 per client, short waits."""
    url = f"sqlite:///{tmp_path / 'api.db'}"
    migrate(url)
    seed(url)
    limits = {"login_max_failures": 3, "login_client_max_failures": 5, "login_max_delay_s": 0.3}
    yield from start_api(api_settings(url, tmp_path, **limits))


def _from(api: Api, address: tuple[str, int]) -> TestClient:
    return TestClient(api.client.app, client=address, raise_server_exceptions=False)


def _sign_in(client: TestClient, username: str, password: str) -> Any:
    return client.post("/v1/auth/token", data={"username": username, "password": password})


def test_a_guesser_is_refused_while_the_owner_elsewhere_still_signs_in(limited: Api) -> None:
    attacker, owner = _from(limited, ATTACKER), _from(limited, OWNER)
    for _ in range(3):
        assert _sign_in(attacker, "officer-north", "guess-guess-guess").status_code == 401
    refused = _sign_in(attacker, "officer-north", PASSWORD)
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
    # The guessing went on from elsewhere too; the owner is slowed down, never locked out.
    for address in (("203.0.113.1", 1), ("203.0.113.2", 1)):
        assert _sign_in(_from(limited, address), "officer-north", "guess").status_code == 401
    assert _sign_in(owner, "officer-north", PASSWORD).status_code == 200
    assert _sign_in(attacker, "tenant-north", PASSWORD).status_code == 200


def test_many_accounts_tried_once_each_from_one_client_are_limited(limited: Api) -> None:
    sprayer = _from(limited, ATTACKER)
    for number in range(5):
        assert _sign_in(sprayer, f"user-{number}", "Winter2026!").status_code == 401
    assert _sign_in(sprayer, "officer-south", PASSWORD).status_code == 429
    assert _sign_in(_from(limited, OWNER), "officer-south", PASSWORD).status_code == 200


def test_an_account_under_attack_waits_longer_and_longer_up_to_the_limit(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'limits.db'}"
    migrate(url)
    engine = create_db_engine(url)
    limits = SignInLimits(per_account_client=3, per_client=100, window_s=60, max_delay_s=2.0)
    limiter = LoginRateLimiter(limits, make_session_factory(engine))
    delays = []
    for number in range(8):
        delays.append(limiter.verdict("officer-north", "198.51.100.7").delay_s)
        limiter.record_failure("Officer-North", f"203.0.113.{number}")  # case folds too
    assert delays == [0.0, 0.0, 0.0, 0.25, 0.5, 1.0, 2.0, 2.0]
    assert limiter.verdict("officer-north", "203.0.113.1").retry_after is None
    assert limiter.verdict("tenant-north", "198.51.100.7").delay_s == 0.0
    engine.dispose()


def test_signing_out_revokes_the_token(api: Api) -> None:
    token = _sign_in(api.client, "tenant-north", PASSWORD).json()["access_token"]
    bearer = {"Authorization": f"Bearer {token}"}
    assert api.client.get("/v1/users/me", headers=bearer).status_code == 200
    assert api.client.post("/v1/auth/logout", headers=bearer).status_code == 204
    assert api.client.get("/v1/users/me", headers=bearer).status_code == 401
    assert api.client.get(f"/v1/homes/{HOME_NORTH}", headers=bearer).status_code == 401
    again = _sign_in(api.client, "tenant-north", PASSWORD).json()["access_token"]
    assert api.client.get("/v1/users/me", headers={"Authorization": f"Bearer {again}"}).is_success
    key = api.call("POST", "/v1/apikeys", "admin", json={"name": "k", "role": "admin"}).json()
    by_key = api.client.post("/v1/auth/logout", headers={"Authorization": f"Bearer {key['key']}"})
    assert by_key.status_code == 400


def test_a_new_password_and_a_user_made_again_end_old_tokens(api: Api) -> None:
    old = api.headers("officer-north")
    assert api.client.get("/v1/users/me", headers=old).status_code == 200
    changed = api.call(
        "PATCH", "/v1/users/officer-north", "admin", json={"password": "another-long-phrase-93"}
    )
    assert changed.status_code == 200
    assert api.client.get("/v1/users/me", headers=old).status_code == 401
    south = api.headers("officer-south")
    assert api.call("DELETE", "/v1/users/officer-south", "admin").status_code == 204
    body = {"username": "officer-south", "password": "quite-another-phrase-27", "role": "admin"}
    assert api.call("POST", "/v1/users", "admin", json=body).status_code == 201
    assert api.client.get("/v1/users", headers=south).status_code == 401  # not the new admin
    weak = {"username": "newbie", "password": "password1234", "role": "officer"}
    assert api.call("POST", "/v1/users", "admin", json=weak).status_code == 422


def test_the_pages_sign_out_revokes_the_sessions_token(api: Api) -> None:
    browser = page_client(api, "tenant-north")
    token = browser.cookies["dampwatch_session"]
    csrf = csrf_of(browser.get("/login").text)  # any form of this session
    assert browser.post("/logout", data={"csrf_token": csrf}).status_code == 303
    assert (
        api.client.get("/v1/users/me", headers={"Authorization": f"Bearer {token}"}).status_code
        == 401
    )


@pytest.mark.parametrize(
    "password", ["admin", "a", "Password1234", "qwertyuiop12", "admin-2026-Tail"]
)
def test_production_refuses_weak_admin_passwords_and_never_prints_one(
    password: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for name, value in {
        "ENV": "production",
        "DATA_DIR": str(tmp_path),
        "ADMIN_PASSWORD": password,
        "SECRET_KEY": "too-short-secret-Zq8",
        "MQTT_USERNAME": "dampwatch-api",
        "MQTT_PASSWORD": "mqtt-secret-Vw3k",
        "INFLUX_TOKEN": "influx-token-Rb6y",
    }.items():
        monkeypatch.setenv(f"DAMPWATCH_{name}", value)
    assert api_main([]) == 2
    said = capsys.readouterr().err
    assert "DAMPWATCH_ADMIN_PASSWORD is too weak" in said, said
    for secret in (password, "Zq8", "Vw3k", "Rb6y", "Tail"):
        assert len(secret) < 3 or secret not in said, (secret, said)
    strong = ApiAppSettings(
        env="production",
        data_dir=tmp_path,
        secret_key="k" * 40,
        admin_password="violet-harbour-lantern-58",
    )
    assert strong.production
