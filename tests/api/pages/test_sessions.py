"""Page sessions renew while in use, end when idle or too old, and a form sent after the end is
kept through signing in again (never a 'Method Not Allowed')."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import jwt
import pytest

from dampwatch_api.db import migrate
from tests.api.conftest import PASSWORD, Api, api_settings, seed, start_api
from tests.api.pages.support import csrf_of, page_client, seed_alert

LIFETIME_S = 10


@pytest.fixture
def short(tmp_path: Path) -> Iterator[Api]:
    """An API whose sessions last 10 s between requests and 30 s in all."""
    url = f"sqlite:///{tmp_path / 'api.db'}"
    migrate(url)
    seed(url)
    yield from start_api(
        api_settings(url, tmp_path, token_lifetime_s=LIFETIME_S, session_max_s=60 + 0)
    )


def _claims(token: str) -> dict[str, object]:
    return dict(jwt.decode(token, options={"verify_signature": False}))


def test_a_session_in_use_renews_and_keeps_its_sign_in(short: Api) -> None:
    client = page_client(short, "officer-north")
    first = client.cookies.get("dampwatch_session")
    assert first
    early = client.get("/board")
    assert "set-cookie" not in early.headers  # not half way through: nothing to renew
    time.sleep(LIFETIME_S / 2 + 1)
    renewed = client.get("/board")
    assert renewed.status_code == 200
    second = client.cookies.get("dampwatch_session")
    assert second and second != first
    before, after = _claims(first), _claims(second)
    assert after["sid"] == before["sid"] and after["auth_time"] == before["auth_time"]
    assert int(str(after["exp"])) > int(str(before["exp"]))
    keep_alive = client.get("/session")
    assert keep_alive.json()["signed_in"] is True and keep_alive.json()["expires_in"] > 0
    # Idle past the token's life, the session has ended.
    time.sleep(LIFETIME_S + 1)
    assert client.get("/board").headers["location"].startswith("/login?next=/board")
    assert client.get("/session").status_code == 401


def test_a_form_sent_after_the_session_ended_is_kept_through_sign_in(short: Api) -> None:
    alert_id = seed_alert(short, "victim-north-1")
    client = page_client(short, "officer-north")
    token = csrf_of(client.get("/homes/victim-north-1").text)
    client.cookies.delete("dampwatch_session")
    action = f"/homes/victim-north-1/alerts/{alert_id}/note"
    sent = client.post(action, data={"csrf_token": token, "text": "visit booked <Tue>"})
    assert sent.status_code == 401 and "what you typed is kept" in sent.text
    resume = re.search(r'name="resume" value="([^"]+)"', sent.text)
    signature = re.search(r'name="resume_sig" value="([^"]+)"', sent.text)
    assert resume and signature
    tampered = client.post(
        "/login",
        data={
            "csrf_token": csrf_of(sent.text),
            "username": "officer-north",
            "password": PASSWORD,
            "resume": resume.group(1)[:-4] + "AAAA",
            "resume_sig": signature.group(1),
        },
    )
    assert tampered.status_code == 303  # a forged packing is dropped, not replayed
    client.cookies.delete("dampwatch_session")
    back = client.post(
        "/login",
        data={
            "csrf_token": csrf_of(sent.text),
            "username": "officer-north",
            "password": PASSWORD,
            "next": "/homes/victim-north-1",
            "resume": resume.group(1),
            "resume_sig": signature.group(1),
        },
    )
    assert back.status_code == 200 and "visit booked &lt;Tue&gt;" in back.text
    assert f'action="{action}"' in back.text
    done = client.post(
        action, data={"csrf_token": csrf_of(back.text), "text": "visit booked <Tue>"}
    )
    assert done.status_code == 303 and "notice=noted" in done.headers["location"]


def test_signing_in_never_lands_on_a_form_address(short: Api) -> None:
    client = type(page_client(short, "officer-north"))(short.client.app, follow_redirects=False)
    form = client.get("/login?next=/homes/victim-north-1/alerts/1/note")
    assert 'name="next" value="/"' in form.text
    kept = client.get("/login?next=/homes/victim-north-1%3Fdays%3D30")
    assert 'value="/homes/victim-north-1?days=30"' in kept.text
    outside = client.get("/login?next=//evil.example/x")
    assert 'name="next" value="/"' in outside.text
