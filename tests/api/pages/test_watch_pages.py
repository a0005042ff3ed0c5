"""Watches on the pages: the officers' lane below the board, a tenant's early advice."""

from __future__ import annotations

import pytest

from tests.api.conftest import HOME_NORTH, HOME_SOUTH, Api
from tests.api.pages.support import page_client, seed_influx, seed_rooms
from tests.api.test_watches_access import add_watch
from tests.support import InfluxDatabase

pytestmark = pytest.mark.servers


def test_the_board_shows_the_officers_watches_in_their_own_lane(
    stack: Api, influx_db: InfluxDatabase
) -> None:
    seed_rooms(stack, HOME_NORTH)
    north = add_watch(stack, HOME_NORTH)
    south = add_watch(stack, HOME_SOUTH, "cold_home")
    html = page_client(stack, "officer-north").get("/board").text
    lane = html.split('id="watch-lane"', 1)[1]
    assert f'id="watch-{north}"' in lane and f'id="watch-{south}"' not in lane
    assert "1 North Rd" in lane and "Damp and condensation" in lane
    assert f"bedroom 1 of {HOME_NORTH} carries on like the last three days" in lane
    assert "75 % of projections" in lane
    assert "2 South Rd" not in html  # another portfolio's watch is not shown
    south_html = page_client(stack, "officer-south").get("/board").text
    assert f'id="watch-{south}"' in south_html and "Cold home" in south_html
    # The home's own page lists its watches for the officer.
    home = page_client(stack, "officer-north").get(f"/homes/{HOME_NORTH}").text
    watched = home.split('id="home-watches"', 1)[1].split("</section>", 1)[0]
    assert f'id="home-watch-{north}"' in watched and "about 4 days" in watched


def test_a_tenant_gets_early_advice_for_a_watched_room_only_in_their_home(
    stack: Api, influx_db: InfluxDatabase
) -> None:
    seed_rooms(stack, HOME_NORTH)
    seed_influx(influx_db, HOME_NORTH)
    before = page_client(stack, "tenant-north").get(f"/homes/{HOME_NORTH}").text
    assert 'id="early-advice"' not in before
    add_watch(stack, HOME_NORTH)
    add_watch(stack, HOME_SOUTH, "cold_home")
    html = page_client(stack, "tenant-north").get(f"/homes/{HOME_NORTH}").text
    early = html.split('id="early-advice"', 1)[1].split("</section>", 1)[0]
    assert "What you can do this week" in early
    assert "could get damp soon" in early
    assert "Open a window or turn on the fan" in early  # the damp advice's tips
    assert "could get too cold soon" not in early  # the other home's watch
    assert "projections" not in early  # officers' words stay on the board


def test_a_tenants_export_holds_the_watches_of_their_home(
    stack: Api, influx_db: InfluxDatabase
) -> None:
    seed_rooms(stack, HOME_NORTH)
    watch = add_watch(stack, HOME_NORTH)
    add_watch(stack, HOME_SOUTH, "cold_home")
    record = stack.call("GET", f"/v1/homes/{HOME_NORTH}/export", "tenant-north").json()
    assert [item["id"] for item in record["watches"]] == [watch]
    assert record["watches"][0]["kind"] == "condensation_risk"
    assert record["predictions"] == []  # no prediction run yet
