"""GET /v1/predictions as each kind of caller, attacker's view first: officers see only their
portfolios' homes, tenants and strangers nothing, area totals never fall below their floor."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.api.conftest import HOME_NORTH, HOME_SOUTH, Api
from tests.api.predict.conftest import HOMES, MONITORED_EVERY, OPTED_OUT, portfolio_of

ROUTES = ("/v1/predictions", "/v1/predictions/placement", "/v1/predictions/areas")
NORTH_HOMES = {f"stock-3-{i:06d}" for i in range(HOMES) if portfolio_of(i) == "north"}


def _get(api: Api, path: str, who: str | None, **params: Any) -> Any:
    return api.call("GET", path, who, params=params)


@pytest.mark.parametrize("kind", ["damp", "cold"])
def test_an_officer_sees_only_their_portfolio(papi: Api, kind: str) -> None:
    answer = _get(papi, "/v1/predictions", "officer-north", kind=kind, top=1000)
    assert answer.status_code == 200, answer.text
    homes = answer.json()["homes"]
    assert homes and {home["portfolio"] for home in homes} == {"north"}
    assert {home["home_id"] for home in homes} <= NORTH_HOMES
    # Unmonitored north homes only, ranked by probability, ranks counted within the view.
    assert len(homes) == len(NORTH_HOMES) // MONITORED_EVERY
    assert not any(home["monitored"] for home in homes)
    probabilities = [home["probability"] for home in homes]
    assert probabilities == sorted(probabilities, reverse=True)
    assert [home["rank"] for home in homes] == list(range(1, len(homes) + 1))
    every = _get(
        papi, "/v1/predictions", "officer-north", kind=kind, top=1000, include_monitored="true"
    ).json()["homes"]
    assert {home["home_id"] for home in every} == NORTH_HOMES


def test_the_admin_sees_every_home(papi: Api) -> None:
    homes = _get(papi, "/v1/predictions", "admin", top=1000, include_monitored="true").json()
    assert len(homes["homes"]) == HOMES  # the two seeded homes have no facts: not in the run
    assert {h["portfolio"] for h in homes["homes"]} == {"north", "south"}


def test_each_home_carries_its_reasons_in_words(papi: Api) -> None:
    homes = _get(papi, "/v1/predictions", "officer-south", kind="damp", top=10).json()["homes"]
    first = homes[0]
    assert 1 <= len(first["reasons"]) <= 3
    for reason in first["reasons"]:
        assert reason["contribution"] > 0
        assert "more often damp or mouldy" in reason["text"]


def test_top_limits_the_answer(papi: Api) -> None:
    homes = _get(papi, "/v1/predictions", "officer-north", top=5).json()["homes"]
    assert len(homes) == 5
    for bad in ("0", "1001", "x"):
        assert _get(papi, "/v1/predictions", "officer-north", top=bad).status_code == 422
    assert _get(papi, "/v1/predictions", "officer-north", kind="heat").status_code == 422


def test_placement_picks_only_the_callers_homes_without_sensors(papi: Api) -> None:
    answer = _get(papi, "/v1/predictions/placement", "officer-north", count=30)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    placed = body["placements"]
    assert len(placed) == 30 and "sqrt(1 + sensors in its MSOA)" in body["rule"]
    assert {p["home_id"] for p in placed} <= NORTH_HOMES
    monitored = {f"stock-3-{i:06d}" for i in range(0, HOMES, MONITORED_EVERY)}
    assert not {p["home_id"] for p in placed} & monitored
    assert [p["priority"] for p in placed] == sorted((p["priority"] for p in placed), reverse=True)


def test_area_totals_count_only_the_callers_homes_and_withhold_small_areas(papi: Api) -> None:
    north = _get(papi, "/v1/predictions/areas", "officer-north", level="msoa").json()
    everyone = _get(papi, "/v1/predictions/areas", "admin", level="msoa").json()
    assert sum(area["homes"] for area in north["areas"]) <= len(NORTH_HOMES)
    assert sum(a["homes"] for a in everyone["areas"]) > sum(a["homes"] for a in north["areas"])
    for answer in (north, everyone):
        assert all(area["homes"] >= answer["min_homes"] for area in answer["areas"])
    lsoa = _get(papi, "/v1/predictions/areas", "officer-north", level="lsoa").json()
    assert lsoa["withheld_areas"] > 0  # 200 homes over 40 LSOAs: some under 10


def test_tenants_and_strangers_are_refused(papi: Api) -> None:
    for route in ROUTES:
        for tenant in ("tenant-north", "tenant-south"):
            answer = _get(papi, route, tenant, kind="damp", top=1000, count=1000)
            assert answer.status_code == 403, (route, tenant)
            assert "stock-3-" not in answer.text and HOME_NORTH not in answer.text
        assert _get(papi, route, None).status_code == 401
        forged = papi.client.get(route, headers={"Authorization": "Bearer not-a-token"})
        assert forged.status_code == 401


def test_an_officer_cannot_reach_another_portfolio_through_any_parameter(papi: Api) -> None:
    seen: set[str] = set()
    for params in (
        {"kind": "damp", "top": 1000, "include_monitored": "true"},
        {"kind": "cold", "top": 1000, "include_monitored": "true"},
        {"portfolio": "north", "top": 1000},  # unknown parameters change nothing
        {"home_id": HOME_NORTH},
    ):
        answer = _get(papi, "/v1/predictions", "officer-south", **params)
        seen |= {home["home_id"] for home in answer.json()["homes"]}
    placement = _get(papi, "/v1/predictions/placement", "officer-south", count=1000).json()
    seen |= {p["home_id"] for p in placement["placements"]}
    assert seen and not seen & NORTH_HOMES and HOME_NORTH not in seen and HOME_SOUTH not in seen


def test_before_any_run_the_answer_says_so(empty_api: Api) -> None:
    answer = _get(empty_api, "/v1/predictions", "officer-north")
    assert answer.status_code == 404
    assert "dampwatch predict" in answer.json()["detail"]


def test_the_analyst_sees_area_totals_over_the_whole_register_and_never_a_home(
    papi: Api,
) -> None:
    for route in ("/v1/predictions", "/v1/predictions/placement"):
        answer = _get(papi, route, "analyst", top=1000, count=1000)
        assert answer.status_code == 403
        assert "stock-3-" not in answer.text
    assert "by area only" in _get(papi, "/v1/predictions", "analyst").json()["detail"]
    opted_out = next(
        home["msoa"]
        for home in _get(
            papi, "/v1/predictions", "admin", top=1000, include_monitored="true"
        ).json()["homes"]
        if home["home_id"] == OPTED_OUT
    )
    for kind in ("damp", "cold"):
        mine = _get(papi, "/v1/predictions/areas", "analyst", level="msoa", kind=kind)
        admin = _get(papi, "/v1/predictions/areas", "admin", level="msoa", kind=kind)
        assert mine.status_code == 200
        assert "stock-3-" not in mine.text and "Test Street" not in mine.text
        assert all(area["homes"] >= 10 for area in mine.json()["areas"])
        # Every home counts but the one whose tenant left it out of statistics.
        counted = {area["area_code"]: area["homes"] for area in mine.json()["areas"]}
        everyone = {area["area_code"]: area["homes"] for area in admin.json()["areas"]}
        assert everyone.pop(opted_out) - 1 == counted.pop(opted_out, 9)
        assert counted == everyone


def test_a_homes_export_holds_what_was_predicted_of_it(papi: Api) -> None:
    home = "stock-3-000001"
    # The registry part of the streamed document (this API has no InfluxDB for the series).
    text = _get(papi, f"/v1/homes/{home}/export", "admin").text
    record = json.loads(text.split(',\n "series": {', 1)[0] + "}")
    kinds = {item["kind"]: item for item in record["predictions"]}
    assert set(kinds) == {"damp", "cold"}
    assert 0 < kinds["damp"]["probability"] < 1 and kinds["damp"]["reasons"]
    assert record["watches"] == []
    assert _get(papi, f"/v1/homes/{home}/export", "officer-south").status_code in (403, 404)
