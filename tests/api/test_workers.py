"""`dampwatch api` as deployed: several worker processes starting together on one database."""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import pytest

from dampwatch_api.app import build_context, ensure_admin
from dampwatch_api.auth.passwords import hash_password
from dampwatch_api.db import migrate
from dampwatch_api.registry.models import Role, User
from dampwatch_stack.servers import free_port
from tests.api.conftest import ADMIN_PASSWORD, api_settings

WORKERS = 2


def get(port: int, path: str, body: bytes | None = None) -> tuple[int, bytes]:
    """One request; POST when `body` is given (a form)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    headers = {"Content-Type": "application/x-www-form-urlencoded"} if body else {}
    connection.request("POST" if body else "GET", path, body=body, headers=headers)
    response = connection.getresponse()
    return response.status, response.read()


@pytest.mark.slow
def test_workers_starting_together_on_a_fresh_database_all_serve(tmp_path: Path) -> None:
    port = free_port()
    env = os.environ | {
        "DAMPWATCH_DATABASE_URL": f"sqlite:///{tmp_path / 'api.db'}",
        "DAMPWATCH_DATA_DIR": str(tmp_path),
        "DAMPWATCH_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "DAMPWATCH_MQTT_PORT": str(free_port()),
        "DAMPWATCH_INFLUX_URL": f"http://127.0.0.1:{free_port()}",
        "DAMPWATCH_LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-m", "dampwatch_api.main", "--port", str(port)]
    log = tmp_path / "api.log"
    with log.open("wb") as stderr:
        process = subprocess.Popen(
            [*command, "--workers", str(WORKERS)], env=env, stdout=stderr, stderr=stderr
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, "the API did not start"
            try:
                if get(port, "/openapi.json")[0] == 200:
                    break
            except OSError:
                time.sleep(0.2)
        form = urllib.parse.urlencode({"username": "admin", "password": ADMIN_PASSWORD}).encode()
        status, body = get(port, "/v1/auth/token", form)
        assert status == 200, body
        assert json.loads(body)["token_type"] == "bearer"
        # Every worker came up: none lost a race for the first admin and took the server down.
        time.sleep(1.0)
        assert process.poll() is None, log.read_text()[-3000:]
        assert "Traceback" not in log.read_text()
    finally:
        process.terminate()
        process.wait(15)


def test_admin_name_taken_by_another_role_refuses_to_start(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'api.db'}"
    migrate(url)
    context = build_context(api_settings(url, tmp_path), connect_broker=False)
    with context.sessions() as session:
        session.add(
            User(username="admin", password_hash=hash_password("x" * 12), role=Role.OFFICER.value)
        )
        session.commit()
    with pytest.raises(RuntimeError, match="DAMPWATCH_ADMIN_USERNAME"):
        ensure_admin(context)
    context.engine.dispose()
