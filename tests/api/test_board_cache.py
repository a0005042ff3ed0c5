"""The board's pages, ETags and freshness, and how fast changes reach cached callers."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from dampwatch_api.boardcache import RankedBoard, rank, refresh
from tests.api.conftest import HOME_NORTH, HOME_SOUTH, Api
from tests.api.test_alerts_board import add_alert


def wait_for_other_process_changes(api: Api) -> None:
    """Past the interval at which the board looks for changes made outside this process."""
    time.sleep(api.client.app.state.context.board.check_interval_s)  # type: ignore[attr-defined]


def test_pages_split_the_ranking_and_count_the_total(api: Api) -> None:
    add_alert(api, HOME_SOUTH, "emergency", 12, "black mould over the cot")
    add_alert(api, HOME_NORTH, "low", 1, "damp corner")
    first = api.call("GET", "/v1/board?limit=1", "admin")
    second = api.call("GET", "/v1/board?limit=1&offset=1", "admin")
    beyond = api.call("GET", "/v1/board?limit=1&offset=2", "admin")
    assert [row["home_id"] for row in first.json()] == [HOME_SOUTH]
    assert [(row["home_id"], row["rank"]) for row in second.json()] == [(HOME_NORTH, 2)]
    assert beyond.json() == []
    assert {first.headers["X-Total-Count"], beyond.headers["X-Total-Count"]} == {"2"}
    overdue = api.call("GET", "/v1/board?overdue=true", "admin")
    assert [row["home_id"] for row in overdue.json()] == [HOME_SOUTH]
    assert overdue.headers["X-Total-Count"] == "1"
    assert api.call("GET", "/v1/board?portfolio=north", "officer-south").json() == []


def test_etag_answers_not_modified_until_the_board_changes(api: Api) -> None:
    alert_id = add_alert(api, HOME_NORTH, "high", 2, "mould index 3.2 on the north wall")
    first = api.call("GET", "/v1/board", "officer-north")
    etag = first.headers["ETag"]
    unchanged = api.client.get(
        "/v1/board", headers=api.headers("officer-north") | {"If-None-Match": etag}
    )
    assert unchanged.status_code == 304 and unchanged.content == b""
    # Another officer of the same scope gets the same page and tag; another scope does not.
    assert api.call("GET", "/v1/board", "officer-south").headers["ETag"] != etag
    resolved = api.call(
        "POST", f"/v1/alerts/{alert_id}/resolve", "officer-north", json={"reason": "fan fitted"}
    )
    assert resolved.status_code == 200, resolved.text
    # A change made through the API shows at once, without waiting for the change check.
    after = api.client.get(
        "/v1/board", headers=api.headers("officer-north") | {"If-None-Match": etag}
    )
    assert after.status_code == 200 and after.json() == []
    assert after.headers["ETag"] != etag


def test_board_follows_home_changes_made_through_the_api(api: Api) -> None:
    add_alert(api, HOME_NORTH, "high", 2, "mould index 3.2 on the north wall")
    assert api.call("GET", "/v1/board", "officer-north").json()[0]["vulnerabilities"] == []
    changed = api.call(
        "PATCH",
        f"/v1/homes/{HOME_NORTH}",
        "admin",
        json={"vulnerabilities": ["child_under_5"], "portfolio": "south"},
    )
    assert changed.status_code == 200, changed.text
    assert api.call("GET", "/v1/board", "officer-north").json() == []
    moved = api.call("GET", "/v1/board", "officer-south").json()
    assert moved[0]["home_id"] == HOME_NORTH and moved[0]["vulnerabilities"] == ["child_under_5"]


def test_deactivated_user_and_revoked_key_are_refused_at_once(api: Api) -> None:
    assert api.call("GET", "/v1/board", "officer-north").status_code == 200
    created = api.call("POST", "/v1/apikeys", "admin", json={"name": "bms", "role": "admin"})
    assert created.status_code == 201, created.text
    key_headers = {"Authorization": f"Bearer {created.json()['key']}"}
    assert api.client.get("/v1/board", headers=key_headers).status_code == 200
    patched = api.call("PATCH", "/v1/users/officer-north", "admin", json={"active": False})
    assert patched.status_code == 200, patched.text
    assert api.call("GET", "/v1/board", "officer-north").status_code == 401
    key_id = created.json()["id"]
    assert api.call("DELETE", f"/v1/apikeys/{key_id}", "admin").status_code == 200
    assert api.client.get("/v1/board", headers=key_headers).status_code == 401


def test_alert_written_by_another_process_shows_within_the_check_interval(api: Api) -> None:
    assert api.call("GET", "/v1/board", "admin").json() == []
    add_alert(api, HOME_SOUTH, "medium", 1, "condensation on the bedroom window")
    wait_for_other_process_changes(api)
    assert [row["home_id"] for row in api.call("GET", "/v1/board", "admin").json()] == [HOME_SOUTH]


def test_readers_get_the_last_board_while_the_next_is_ranked(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    context = api.client.app.state.context  # type: ignore[attr-defined]
    add_alert(api, HOME_NORTH, "high", 2, "mould index 3.2 on the north wall")
    before = api.call("GET", "/v1/board", "admin").json()
    add_alert(api, HOME_SOUTH, "emergency", 12, "black mould over the cot")
    wait_for_other_process_changes(api)
    started, release = threading.Event(), threading.Event()

    def slow_rank(*args: Any) -> RankedBoard:
        started.set()
        release.wait(10)
        return rank(*args)

    def slow_refresh(*args: Any) -> RankedBoard:
        started.set()
        release.wait(10)
        return refresh(*args)

    # A change found by the marker ranks its homes again (refresh); a full ranking is rank.
    monkeypatch.setattr("dampwatch_api.boardcache.rank", slow_rank)
    monkeypatch.setattr("dampwatch_api.boardcache.refresh", slow_refresh)
    ranking = threading.Thread(target=context.board.current, args=(context.sessions,))
    ranking.start()
    assert started.wait(5)
    # Had the reader waited for the ranking, it would have got the new board.
    during = api.call("GET", "/v1/board", "admin")
    release.set()
    ranking.join(10)
    assert during.json() == before, "a reader waited for the ranking"
    after = api.call("GET", "/v1/board", "admin").json()
    assert [row["home_id"] for row in after] == [HOME_SOUTH, HOME_NORTH]
