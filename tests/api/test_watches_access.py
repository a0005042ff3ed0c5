"""`GET /v1/watches`: the alerts' policy; an officer sees their portfolio, a tenant their home."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dampwatch_api.watches.models import Watch
from tests.api.conftest import HOME_NORTH, HOME_SOUTH, Api

NOW = datetime(2026, 1, 20, 12, tzinfo=UTC)


def add_watch(api: Api, home: str, kind: str = "condensation_risk") -> int:
    """A watch of a home's bedroom, as the assessment job opens them."""
    context = api.client.app.state.context  # type: ignore[attr-defined]
    with context.sessions() as session:
        watch = Watch(
            home_id=home,
            room="bedroom-1",
            kind=kind,
            opened_at=NOW,
            expected_at=NOW + timedelta(days=4),
            share=0.75,
            words=f"If the bedroom 1 of {home} carries on like the last three days, it will meet "
            "the damp rule in about 4 days (3 of 4 ways of carrying on lead there).",
            last_crossing_at=NOW,
        )
        session.add(watch)
        session.commit()
        return watch.id


def test_officers_and_tenants_see_only_their_own_watches(api: Api) -> None:
    north, south = add_watch(api, HOME_NORTH), add_watch(api, HOME_SOUTH)
    for who, own, other in (
        ("officer-north", north, south),
        ("tenant-north", north, south),
        ("officer-south", south, north),
        ("tenant-south", south, north),
    ):
        listed = api.call("GET", "/v1/watches", who)
        assert listed.status_code == 200
        assert [w["id"] for w in listed.json()] == [own], who
        assert api.call("GET", f"/v1/watches/{own}", who).status_code == 200
        # Another portfolio's or another tenant's watch does not exist for the caller.
        assert api.call("GET", f"/v1/watches/{other}", who).status_code == 404
    everything = api.call("GET", "/v1/watches", "admin").json()
    assert {w["id"] for w in everything} == {north, south}
    one = api.call("GET", f"/v1/watches/{north}", "admin").json()
    assert one["kind"] == "condensation_risk" and one["alert_id"] is None
    assert "about 4 days" in one["words"]


@pytest.mark.parametrize("intruder", ["officer-south", "tenant-south"])
def test_asking_for_another_home_is_not_found(api: Api, intruder: str) -> None:
    add_watch(api, HOME_NORTH)
    response = api.call("GET", f"/v1/watches?home_id={HOME_NORTH}", intruder)
    assert response.status_code == 404
    assert HOME_NORTH not in api.call("GET", "/v1/watches", intruder).text


def test_watches_need_credentials(api: Api) -> None:
    watch = add_watch(api, HOME_NORTH)
    assert api.call("GET", "/v1/watches").status_code == 401
    assert api.call("GET", f"/v1/watches/{watch}").status_code == 401
    assert api.call("GET", "/v1/watches/999999", "admin").status_code == 404
