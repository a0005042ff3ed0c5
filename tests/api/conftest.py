"""An API on a fresh SQLite database with two portfolios, their officers and tenants."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from dampwatch_api.app import create_app
from dampwatch_api.auth.passwords import hash_password
from dampwatch_api.auth.tokens import create_access_token
from dampwatch_api.db import migrate
from dampwatch_api.db.session import create_db_engine, make_session_factory
from dampwatch_api.registry.models import Home, Role, Tenant, User
from dampwatch_api.settings import ApiAppSettings

ADMIN_PASSWORD = "admin-test-password"
PASSWORD = "a-long-test-password"
HOME_NORTH = "victim-north-1"
HOME_SOUTH = "south-1"


@dataclass
class Api:
    """A client on a running app plus tokens of each kind of caller."""

    client: TestClient
    settings: ApiAppSettings
    tokens: dict[str, str] = field(default_factory=dict)

    def headers(self, who: str) -> dict[str, str]:
        """Authorization headers of a seeded caller."""
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def call(self, method: str, path: str, who: str | None = None, **kwargs: Any) -> Any:
        """A request as `who` (None: without credentials)."""
        headers = self.headers(who) if who else {}
        return self.client.request(method, path, headers=headers, **kwargs)


def api_settings(database_url: str, tmp_path: Path, **overrides: Any) -> ApiAppSettings:
    """Settings for a test API: loopback everything, InfluxDB unless overridden unreachable."""
    values: dict[str, Any] = {
        "database_url": database_url,
        "data_dir": tmp_path,
        "admin_password": ADMIN_PASSWORD,
        "influx_api": "v1",
        "influx_url": "http://127.0.0.1:9",
        "influx_timeout_s": 2.0,
        "login_max_failures": 3,
        "login_window_s": 60,
    }
    return ApiAppSettings(**(values | overrides))


@cache
def password_hash() -> str:
    """The argon2 hash of PASSWORD, made once per process: hashing takes a tenth of a second,
    and every seeded database of the session stores the same password."""
    return hash_password(PASSWORD)


def seed(database_url: str) -> None:
    """Two homes in two portfolios, an officer of each, a tenant of each."""
    engine = create_db_engine(database_url)
    sessions = make_session_factory(engine)
    with sessions() as session:
        north = Home(
            home_id=HOME_NORTH, address="1 North Rd", postcode="BS1 1AA", portfolio="north"
        )
        south = Home(
            home_id=HOME_SOUTH, address="2 South Rd", postcode="BS3 1AA", portfolio="south"
        )
        session.add_all([north, south])
        session.flush()
        hashed = password_hash()
        for name, role, portfolios, home in (
            ("officer-north", Role.OFFICER, ["north"], None),
            ("officer-south", Role.OFFICER, ["south"], None),
            ("tenant-north", Role.TENANT, [], north),
            ("tenant-south", Role.TENANT, [], south),
        ):
            user = User(
                username=name,
                password_hash=hashed,
                role=role.value,
                portfolios=portfolios,
                home=home,
            )
            session.add(user)
            if home is not None:
                session.flush()
                session.add(Tenant(home_pk=home.id, name=name, user_pk=user.id, consent=True))
        session.commit()
    engine.dispose()


def start_api(settings: ApiAppSettings, *, connect_broker: bool = False) -> Iterator[Api]:
    """Run the app (lifespan included) and sign everyone in."""
    app = create_app(settings, connect_broker=connect_broker)
    with TestClient(app, raise_server_exceptions=False) as client:
        api = Api(client, settings)
        # The admin signs in through the password flow; the others get tokens minted with the
        # same key, which saves an argon2 verification each (tests/api/test_auth.py covers it).
        response = client.post(
            "/v1/auth/token", data={"username": "admin", "password": ADMIN_PASSWORD}
        )
        assert response.status_code == 200, response.text
        api.tokens["admin"] = response.json()["access_token"]
        secret = settings.secret_key.get_secret_value()
        context = app.state.context
        with context.sessions() as session:
            ids = {user.username: user.id for user in session.scalars(select(User))}
        for name in ("officer-north", "officer-south", "tenant-north", "tenant-south"):
            api.tokens[name] = create_access_token(
                name, secret, settings.token_lifetime_s, user_id=ids[name]
            )
        yield api


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    """A seeded API on SQLite without broker or InfluxDB."""
    url = f"sqlite:///{tmp_path / 'api.db'}"
    migrate(url)
    seed(url)
    yield from start_api(api_settings(url, tmp_path))
