"""Attacks on the API: forged and stale tokens, password guessing, error leaks, other homes' data.

The app is the real one (`create_app`, its lifespan, SQLite migrated by Alembic) reading a real
InfluxDB that holds readings of both homes. The victim is the north home of the API tests' seed;
the intruders are the south home's tenant and officer. Readings, device, gateway, room and alert
evidence of the victim carry values found nowhere else, so any leak shows up as plain text.
"""

from __future__ import annotations

import base64
import json
import time
import urllib.parse
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from dampwatch_api.alerts.models import Alert
from dampwatch_api.auth.tokens import ALGORITHM, ISSUER
from dampwatch_api.db import migrate
from tests.api import test_authorization
from tests.api.conftest import HOME_NORTH, HOME_SOUTH, PASSWORD, Api, api_settings, seed, start_api
from tests.api.test_openapi_fuzz import _httpx_kwargs
from tests.support import InfluxDatabase
from tests.support.casework import seed_casework

pytestmark = [pytest.mark.servers]

MAX_FAILURES = 3
MISSING_HOME = "no-such-home-404"
VICTIM = {
    "home_id": HOME_NORTH,
    "room_id": "north-snug",
    "device_id": "north-dev-7731",
    "gateway_id": "north-gw-7731",
    "username": "tenant-north",
    # A one-time link's token the intruder was never given (the token is the credential).
    "token": "an-invitation-token-nobody-gave-out-0001",
}
# Path parameters that do not name the victim's home: numbered records of any home (the
# victim's among them, so their answers are still checked for the victim's data) and tables.
NEUTRAL = {
    name: "1"
    for name in ("alert_id", "case_id", "delivery_id", "key_id", "subscription_id", "watch_id")
} | {"table": "msoa"}
# Strings of the victim's home that must never reach a caller from another home.
VICTIM_MARKERS = (
    HOME_NORTH,
    "1 North Rd",
    "BS1 1AA",
    "north-snug",
    "north-dev-7731",
    "north-gw-7731",
    "tenant-north",
    "officer-north",
    "23.4567",
    "67.8912",
    "evidence-north-9431",
)
OWN_TEMPERATURE = "19.8765"
LEAK_SIGNS = ("Traceback", 'File "', ".py", "site-packages", "/work/", "sqlalchemy", "Error(")


def _start(tmp_path: Path, influx_db: InfluxDatabase, **overrides: Any) -> Iterator[Api]:
    url = f"sqlite:///{tmp_path / 'api.db'}"
    migrate(url)
    seed(url)
    values: dict[str, Any] = {
        "influx_url": influx_db.url,
        "influx_database": influx_db.database,
        "login_max_failures": MAX_FAILURES,
    }
    yield from start_api(api_settings(url, tmp_path, **(values | overrides)))


@pytest.fixture
def api(tmp_path: Path, influx_db: InfluxDatabase) -> Iterator[Api]:
    """The seeded API reading a real, empty InfluxDB database."""
    yield from _start(tmp_path, influx_db)


@pytest.fixture
def victim_api(tmp_path: Path, influx_db: InfluxDatabase) -> Iterator[Api]:
    """The seeded API with the victim's room, device, gateway, alert and readings in place."""
    for api in _start(tmp_path, influx_db):
        _seed_victim(api, influx_db)
        yield api


def _seed_victim(api: Api, influx_db: InfluxDatabase) -> None:
    home = f"/v1/homes/{HOME_NORTH}"
    room = {"room_id": VICTIM["room_id"], "name": "Snug", "kind": "living"}
    device = {"device_id": VICTIM["device_id"], "device_type": "t", "room_id": VICTIM["room_id"]}
    for path, body in (
        (f"{home}/rooms", room),
        (f"{home}/devices", device),
        (f"{home}/gateways", {"gateway_id": VICTIM["gateway_id"]}),
        (
            f"/v1/homes/{HOME_SOUTH}/rooms",
            {"room_id": "south-den", "name": "Den", "kind": "living"},
        ),
    ):
        response = api.call("POST", path, "admin", json=body)
        assert response.status_code == 201, response.text
    now = datetime.now(UTC)
    context = api.client.app.state.context  # type: ignore[attr-defined]
    with context.sessions() as session:
        alert = Alert(
            home_id=HOME_NORTH,
            room=VICTIM["room_id"],
            kind="mould_risk",
            severity="high",
            status="open",
            condition_since=now,
            last_seen_at=now,
            evidence={"text": "evidence-north-9431"},
        )
        session.add(alert)
        session.commit()
        VICTIM["alert_id"] = str(alert.id)
    VICTIM.update(seed_casework(api, HOME_NORTH))
    at_ms = int(now.timestamp() * 1000) - 600_000
    influx_db.write(
        f"reading,home={HOME_NORTH},device={VICTIM['device_id']},room={VICTIM['room_id']} "
        f"temperature_c=23.4567,humidity_pct=67.8912,seq=1i {at_ms}\n"
        f"reading,home={HOME_SOUTH},device=south-dev-1,room=south-den "
        f"temperature_c={OWN_TEMPERATURE},humidity_pct=55.5,seq=1i {at_ms}\n"
    )


def _assert_refused_json(response: Any, status: int = 401) -> None:
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/json")
    assert isinstance(response.json()["detail"], str)
    _assert_no_leak(response.text)


def _assert_no_victim_data(response: Any, context: object) -> None:
    """No victim marker in the body, apart from the caller's own words echoed from its request."""
    asked = urllib.parse.unquote(str(response.request.url))
    for marker in VICTIM_MARKERS:
        if marker not in asked:
            assert marker not in response.text, (marker, context)


def _same_as_for_a_missing_home(api: Api, who: str, path: str, response: Any) -> None:
    """A refusal must not tell a home that exists from one that does not."""
    missing = api.call("GET", path.replace(HOME_NORTH, MISSING_HOME), who)
    assert missing.status_code == response.status_code, (path, missing.text, response.text)
    assert missing.text.replace(MISSING_HOME, HOME_NORTH) == response.text, path


def _assert_no_leak(text: str) -> None:
    for sign in LEAK_SIGNS:
        assert sign not in text, (sign, text[:500])


def _b64(data: dict[str, Any]) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _claims(subject: str, **changes: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    claims: dict[str, Any] = {
        "sub": subject,
        "iss": ISSUER,
        "iat": now,
        "exp": now + timedelta(minutes=5),
    }
    return claims | changes


def _secret(api: Api) -> str:
    return api.settings.secret_key.get_secret_value()


def _forged_tokens(api: Api) -> dict[str, str]:
    """Tokens an attacker can make from a tenant's genuine token and guesses."""
    genuine = api.tokens["tenant-south"]
    header, _payload, signature = genuine.split(".")
    claims = jwt.decode(genuine, options={"verify_signature": False})
    as_admin = _b64(claims | {"sub": "admin"})
    unsigned = _b64({"alg": "none", "typ": "JWT"})
    secret = _secret(api)
    return {
        "payload changed, signature kept": f"{header}.{as_admin}.{signature}",
        "alg none": f"{unsigned}.{as_admin}.",
        "alg none with the old signature": f"{unsigned}.{as_admin}.{signature}",
        "wrong key": jwt.encode(_claims("admin"), "not-the-key-" * 4, algorithm=ALGORITHM),
        "other algorithm, right key": jwt.encode(_claims("admin"), secret, algorithm="HS512"),
        "wrong issuer": jwt.encode(_claims("admin", iss="elsewhere"), secret, algorithm=ALGORITHM),
        "no expiry": jwt.encode(
            {"sub": "admin", "iss": ISSUER, "iat": datetime.now(UTC)}, secret, algorithm=ALGORITHM
        ),
        "unknown user": jwt.encode(_claims("nobody-here"), secret, algorithm=ALGORITHM),
        "signature cut": genuine.rsplit(".", 1)[0] + ".",
        "garbage": "not.a.token",
    }


def test_forged_tokens_are_refused(api: Api) -> None:
    for name, token in _forged_tokens(api).items():
        for path in ("/v1/users/me", f"/v1/homes/{HOME_NORTH}", "/v1/users"):
            response = api.client.get(path, headers={"Authorization": f"Bearer {token}"})
            assert response.status_code == 401, (name, path, response.text)
            _assert_refused_json(response)
            assert response.headers.get("www-authenticate") == "Bearer", name
    # The genuine token still works: the refusals are about the forgery.
    assert api.call("GET", "/v1/users/me", "tenant-south").status_code == 200


def test_expired_tokens_are_refused(api: Api) -> None:
    secret = _secret(api)
    past = datetime.now(UTC) - timedelta(minutes=20)
    expired = jwt.encode(
        _claims("admin", iat=past, exp=past + timedelta(minutes=15)), secret, algorithm=ALGORITHM
    )
    just_expired = jwt.encode(
        _claims("admin", exp=datetime.now(UTC) - timedelta(seconds=1)), secret, algorithm=ALGORITHM
    )
    for token in (expired, just_expired):
        response = api.client.get("/v1/users", headers={"Authorization": f"Bearer {token}"})
        _assert_refused_json(response)


def test_a_deleted_users_token_stops_working_at_once(api: Api) -> None:
    assert api.call("GET", "/v1/users/me", "tenant-south").status_code == 200
    assert api.call("DELETE", "/v1/users/tenant-south", "admin").status_code == 204
    for path in ("/v1/users/me", f"/v1/homes/{HOME_SOUTH}", f"/v1/homes/{HOME_SOUTH}/readings"):
        _assert_refused_json(api.call("GET", path, "tenant-south"))


def _login(client: TestClient, username: str, password: str) -> Any:
    return client.post("/v1/auth/token", data={"username": username, "password": password})


def test_password_guessing_is_locked_out_per_username_and_client(api: Api) -> None:
    client = api.client
    for _ in range(MAX_FAILURES):
        _assert_refused_json(_login(client, "tenant-south", "wrong-password-guess"))
    locked = _login(client, "tenant-south", "another-guess")
    _assert_refused_json(locked, 429)
    retry_after = int(locked.headers["retry-after"])
    assert 0 < retry_after <= api.settings.login_window_s
    # The right password does not get through the lockout window either.
    _assert_refused_json(_login(client, "tenant-south", PASSWORD), 429)
    _assert_refused_json(_login(client, "TENANT-SOUTH", PASSWORD), 429)
    # Other users from this client, and this user from another address, are not locked out.
    assert _login(client, "tenant-north", PASSWORD).status_code == 200
    elsewhere = TestClient(client.app, client=("192.0.2.7", 40000), raise_server_exceptions=False)
    assert _login(elsewhere, "tenant-south", PASSWORD).status_code == 200


def test_the_lockout_ends_after_its_window(tmp_path: Path, influx_db: InfluxDatabase) -> None:
    # A short window, yet long enough for the failures to land in it on a busy machine.
    for api in _start(tmp_path, influx_db, login_window_s=6):
        for _ in range(MAX_FAILURES):
            _login(api.client, "officer-south", "wrong-password-guess")
        locked = _login(api.client, "officer-south", PASSWORD)
        _assert_refused_json(locked, 429)
        time.sleep(int(locked.headers["retry-after"]) + 0.2)
        assert _login(api.client, "officer-south", PASSWORD).status_code == 200


def _bad_requests(admin: dict[str, str]) -> list[tuple[str, str, dict[str, Any]]]:
    """Requests that must fail cleanly: (method, path, httpx arguments)."""
    json_type = admin | {"Content-Type": "application/json"}
    huge = json.dumps({"home_id": "h1", "address": "x" * 4_000_000, "postcode": "BS1 1AA"})
    return [
        ("POST", "/v1/homes", {"headers": json_type, "content": b'{"home_id": "h1", '}),
        ("POST", "/v1/homes", {"headers": json_type, "content": b"\xff\xfe{not json"}),
        ("POST", "/v1/homes", {"headers": json_type, "content": b"[" * 100_000}),
        ("POST", "/v1/homes", {"headers": json_type, "content": huge.encode()}),
        ("POST", "/v1/homes", {"headers": json_type, "content": b"null"}),
        (
            "POST",
            "/v1/homes",
            {
                "headers": admin | {"Content-Type": "application/x-bogus"},
                "content": b"\x00\x01binary",
            },
        ),
        (
            "POST",
            "/v1/homes",
            {
                "headers": admin | {"Content-Type": "text/plain; charset=utf-9"},
                "content": b"home",
            },
        ),
        (
            "POST",
            "/v1/auth/token",
            {"headers": {"Content-Type": "multipart/form-data"}, "content": b"--x\r\nbroken"},
        ),
        ("POST", "/v1/auth/token", {"json": {"username": "admin", "password": "x"}}),
        ("POST", "/v1/auth/token", {"data": {"username": "admin\x00", "password": "x" * 100_000}}),
        ("GET", "/v1/homes/%FF%FE", {"headers": admin}),
        ("GET", "/v1/homes/%C0%AF..%C0%AF", {"headers": admin}),
        ("GET", f"/v1/homes/{HOME_SOUTH}/readings?start=%FF%FE&every=%00", {"headers": admin}),
        ("GET", "/v1/alerts?status=%FF&limit=-1&overdue=maybe", {"headers": admin}),
        ("GET", "/v1/alerts/99999999999999999999999999", {"headers": admin}),
        ("GET", "/v1/board?offset=1e400", {"headers": admin}),
        (
            "PATCH",
            f"/v1/homes/{HOME_SOUTH}",
            {"headers": json_type, "content": b'{"postcode": null}'},
        ),
        ("DELETE", "/v1/no/such/route", {"headers": admin}),
        ("PUT", "/v1/homes", {"headers": admin}),
        # InfluxDB answers, but the range reaches back to year 1.
        ("GET", f"/v1/homes/{HOME_SOUTH}/readings?start=0001-01-01T00:00:00Z", {"headers": admin}),
    ]


def test_no_error_leaks_a_stack_trace_or_a_path(api: Api) -> None:
    admin = api.headers("admin")
    for method, path, kwargs in _bad_requests(admin):
        response = api.client.request(method, path, **kwargs)
        context = (method, path, response.status_code, response.text[:300])
        assert response.status_code < 500 or response.status_code in (502, 503), context
        assert response.headers["content-type"].startswith("application/json"), context
        assert "detail" in response.json(), context
        _assert_no_leak(response.text)


def test_an_unreachable_influxdb_answers_503_without_details(
    tmp_path: Path, influx_db: InfluxDatabase
) -> None:
    for api in _start(tmp_path, influx_db, influx_url="http://127.0.0.1:9"):
        for path in ("readings", "readings/latest"):
            response = api.call("GET", f"/v1/homes/{HOME_SOUTH}/{path}", "tenant-south")
            _assert_refused_json(response, 503)
            assert response.headers["retry-after"]
            assert "127.0.0.1" not in response.text


def _fill(template: str, values: dict[str, str]) -> str:
    return template.format(
        **{name: values[name] for name in values if "{" + name + "}" in template}
    )


def _query(parameters: list[dict[str, Any]]) -> dict[str, str]:
    """Query parameters aimed at the victim wherever a parameter can name it."""
    aimed = {"home_id": HOME_NORTH, "portfolio": "north", "room": VICTIM["room_id"]}
    return {p["name"]: aimed[p["name"]] for p in parameters if p["name"] in aimed}


@pytest.mark.parametrize("intruder", ["tenant-south", "officer-south"])
def test_no_get_route_shows_another_homes_data(victim_api: Api, intruder: str) -> None:
    api = victim_api
    document = api.client.get("/openapi.json").json()
    own = VICTIM | {"home_id": HOME_SOUTH, "room_id": "south-den", "username": intruder}
    walked = answered_own = 0
    for template, operations in document["paths"].items():
        if "get" not in operations:
            continue
        walked += 1
        parameters = operations["get"].get("parameters", [])
        aimed_at_victim = any("{" + name + "}" in template for name in VICTIM if name != "username")
        aimed_at_victim |= "{username}" in template
        path = _fill(template, NEUTRAL | VICTIM)
        response = api.call("GET", path, intruder, params=_query(parameters))
        context = (intruder, path, response.status_code, response.text[:300])
        if aimed_at_victim:
            assert response.status_code in (403, 404), context
        if "{home_id}" in template:
            _same_as_for_a_missing_home(api, intruder, path, response)
        _assert_no_victim_data(response, context)
        _assert_no_leak(response.text)
        # Aimed at the caller's own home the same routes answer: the refusals were about the home.
        if "{home_id}" in template and template.count("{") == 1:
            mine = api.call("GET", _fill(template, own), intruder)
            assert mine.status_code in (200, 403), (template, mine.status_code, mine.text[:300])
            answered_own += mine.status_code == 200
    assert walked >= 20 and answered_own >= 5, (walked, answered_own)
    readings = api.call("GET", f"/v1/homes/{HOME_SOUTH}/readings/latest", intruder)
    assert OWN_TEMPERATURE in readings.text, readings.text


@pytest.mark.parametrize("intruder", ["tenant-south", "officer-south", None])
def test_the_authorization_sweep_holds_with_real_influxdb(api: Api, intruder: str | None) -> None:
    """The API tests' guard check and sweep, on an app that reads a real InfluxDB."""
    test_authorization.test_every_route_declares_a_guard(api)
    test_authorization.test_sweep_refuses_every_route_into_another_home(api, intruder)


@pytest.mark.slow
def test_fuzzed_requests_of_a_tenant_never_reach_another_home(victim_api: Api) -> None:
    """schemathesis as the south tenant: no server error, and no victim data in any answer."""
    api = victim_api
    schema = schemathesis.openapi.from_asgi("/openapi.json", api.client.app)  # type: ignore[attr-defined]
    headers = api.headers("tenant-south")
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=4,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def check(case: schemathesis.Case) -> None:
            for name in ("home_id", "alert_id", "username"):
                if case.path_parameters and name in case.path_parameters:
                    case.path_parameters[name] = VICTIM[name]
            kwargs = case.as_transport_kwargs(base_url="http://testserver", headers=headers)
            response = api.client.request(**_httpx_kwargs(kwargs))
            case.validate_response(
                response, checks=[not_a_server_error, response_schema_conformance]
            )
            _assert_no_victim_data(response, (case.method, case.formatted_path))
            _assert_no_leak(response.text)

        check()
    assert operations > 30
