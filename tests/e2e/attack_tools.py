"""The attack suite's tools: forged tokens, the app's page routes and forms, raw requests."""

from __future__ import annotations

import base64
import json
import socket
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from fastapi.routing import APIRoute

from dampwatch_api.app import create_app
from dampwatch_api.auth.tokens import ALGORITHM, ISSUER
from dampwatch_api.pages.session import SESSION_COOKIE
from dampwatch_api.settings import ApiAppSettings
from tests.api.pages.support import csrf_of
from tests.e2e.attack_target import Target

PG_SERVER = "postgresql://postgres@127.0.0.1:5432"


def postgres_database() -> Iterator[str]:
    psycopg = pytest.importorskip("psycopg", reason="psycopg (extra 'postgres') is not installed")
    try:
        admin = psycopg.connect(f"{PG_SERVER}/test", autocommit=True, connect_timeout=2)
    except psycopg.OperationalError as error:
        pytest.skip(f"no PostgreSQL on 127.0.0.1:5432: {error}")
    name = f"dampwatch_attack_{uuid.uuid4().hex[:10]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        admin.close()


def b64(data: dict[str, Any]) -> str:
    raw = json.dumps(data, separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def forged_tokens(target: Target) -> dict[str, str]:
    """Tokens an attacker makes from a tenant's genuine one, and guesses."""
    genuine = target.tokens["tenant-south"]
    header, _, signature = genuine.split(".")
    claims = jwt.decode(genuine, options={"verify_signature": False})
    as_admin = claims | {"sub": "admin", "uid": target.user_ids.get("admin", 1)}
    now = datetime.now(UTC)
    base = {"iss": ISSUER, "iat": now, "exp": now + timedelta(minutes=5), "ver": 0}
    key = target.secret_key
    north_id = jwt.decode(target.tokens["tenant-north"], options={"verify_signature": False})["uid"]
    return {
        "payload changed, signature kept": f"{header}.{b64(as_admin)}.{signature}",
        "alg none": f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(as_admin)}.",
        "wrong key": jwt.encode(base | {"sub": "admin", "uid": 1}, "not-the-key-" * 4, ALGORITHM),
        "right key, HS512": jwt.encode(base | {"sub": "admin", "uid": 1}, key, "HS512"),
        "expired": jwt.encode(
            base | {"sub": "admin", "uid": 1, "exp": now - timedelta(seconds=5)}, key, ALGORITHM
        ),
        "unknown user": jwt.encode(base | {"sub": "nobody-here", "uid": 999}, key, ALGORITHM),
        "a name with another's id": jwt.encode(
            base | {"sub": "tenant-south", "uid": north_id}, key, ALGORITHM
        ),
        "an older version": jwt.encode(
            claims | {"ver": -1, "exp": now + timedelta(minutes=5)}, key, ALGORITHM
        ),
        "garbage": "not.a.token",
    }


def _routes(routes: list[Any]) -> Iterator[APIRoute]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "original_router"):  # an included router (no prefix is added here)
            yield from _routes(route.original_router.routes)


def page_routes() -> list[tuple[str, str, list[tuple[str, Any]]]]:
    """Every page route of the app: (method, path template, its form fields and their types)."""
    app = create_app(ApiAppSettings(database_url="sqlite://"), connect_broker=False)
    found = []
    for route in _routes(app.routes):
        if route.include_in_schema:
            continue
        fields = [
            (field.name, field.field_info.annotation) for field in route.dependant.body_params
        ]
        for method in sorted(route.methods - {"HEAD"}):
            found.append((method, route.path, fields))
    return found


def form(fields: list[tuple[str, Any]], csrf: str) -> dict[str, str]:
    values: dict[str, str] = {}
    for name, kind in fields:
        values[name] = "false" if kind is bool else "1" if kind is int else "attack-value-Zz1"
    values["csrf_token"] = csrf
    return values


def page_client(target: Target, token: str | None) -> tuple[Any, str]:
    """A browser with a session cookie holding `token`, and its own valid form token."""
    client = target.client(follow_redirects=False)
    if token is not None:
        client.cookies.set(SESSION_COOKIE, token)
    csrf = csrf_of(client.get("/login").text)
    return client, csrf


def raw_post(base_url: str, path: str, declared: int, sent: int) -> bytes:
    """Declare a body of `declared` bytes, send `sent` of them, and read what comes back."""
    host, port = base_url.removeprefix("http://").split(":")
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {declared}\r\n\r\n"
    ).encode()
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(head + b"[" * sent)
        received = b""
        while b"\r\n\r\n" not in received:
            chunk = sock.recv(65536)
            if not chunk:
                break
            received += chunk
        return received


def with_each_string(body: Any, value: str) -> Iterator[Any]:
    """The body again and again, each time with one of its strings replaced by `value`."""
    if isinstance(body, dict):
        for key, inner in body.items():
            for changed in with_each_string(inner, value):
                yield body | {key: changed}
    elif isinstance(body, list):
        for index, inner in enumerate(body):
            for changed in with_each_string(inner, value):
                yield [*body[:index], changed, *body[index + 1 :]]
    elif isinstance(body, str):
        yield value
