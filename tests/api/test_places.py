"""Homes placed from their postcodes on create and update; stock facts imported by staff only."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from dampwatch.geography import MALFORMED, NOT_IN_LOOKUP
from dampwatch_api.db import migrate
from dampwatch_api.places.main import import_file, places_main, refresh
from dampwatch_api.places.models import HomePlace
from dampwatch_api.registry.models import Home
from tests.api.conftest import HOME_NORTH, HOME_SOUTH, Api, api_settings, seed, start_api
from tests.support.opendata import DEPRIVATION, POSTCODE_LOOKUP, opendata_file

LOOKUP = opendata_file(POSTCODE_LOOKUP)
IMD = opendata_file(DEPRIVATION)
pytestmark = pytest.mark.skipif(
    LOOKUP is None or IMD is None, reason="shared/data/opendata is absent"
)
HEADER = (
    "home_id,energy_band,property_type,built_form,age_band,wall_type,main_heating,floor_area_m2"
)


@pytest.fixture
def placed_api(tmp_path: Path) -> Iterator[Api]:
    """The seeded API with the shared postcode lookup and IMD file configured."""
    url = f"sqlite:///{tmp_path / 'api.db'}"
    migrate(url)
    seed(url)
    settings = api_settings(url, tmp_path, geography_lookup=LOOKUP, deprivation_file=IMD)
    yield from start_api(settings)


def _post_csv(api: Api, who: str, content: bytes | str) -> Any:
    headers = api.headers(who) | {"Content-Type": "text/csv"}
    return api.client.post("/v1/stock-facts", content=content, headers=headers)


def _new_home(api: Api, home_id: str, postcode: str, portfolio: str = "north") -> None:
    body = {"home_id": home_id, "address": "1 Dale St", "postcode": postcode}
    created = api.call("POST", "/v1/homes", "admin", json=body | {"portfolio": portfolio})
    assert created.status_code == 201, created.text


def test_a_new_home_is_placed_with_its_deprivation(placed_api: Api) -> None:
    _new_home(placed_api, "lcr-1", "l1 0ab")
    place = placed_api.call("GET", "/v1/homes/lcr-1/place", "officer-north").json()
    assert place | {"placed_at": None} == {
        "postcode": "L1 0AB",
        "oa": None,  # the shipped lookup has no output areas
        "lsoa": "E01006515",
        "msoa": "E02001383",
        "lad": "E08000012",
        "lad_name": "Liverpool",
        "source": POSTCODE_LOOKUP,
        "unresolved_reason": None,
        "imd_decile": 1,
        "living_environment_decile": 3,
        "placed_at": None,
    }
    assert placed_api.call("GET", "/v1/homes/lcr-1/place", "officer-south").status_code == 404
    assert placed_api.call("GET", "/v1/homes/lcr-1/place", "tenant-north").status_code == 404


def test_a_changed_postcode_is_placed_again_and_bad_ones_say_why(placed_api: Api) -> None:
    _new_home(placed_api, "lcr-2", "CH41 0AA")
    assert placed_api.call("GET", "/v1/homes/lcr-2/place", "admin").json()["lad"] == "E08000015"
    changed = placed_api.call("PATCH", "/v1/homes/lcr-2", "admin", json={"postcode": "ZZ9 9ZZ"})
    assert changed.status_code == 200
    place = placed_api.call("GET", "/v1/homes/lcr-2/place", "admin").json()
    assert (place["lsoa"], place["unresolved_reason"]) == (None, NOT_IN_LOOKUP)
    placed_api.call("PATCH", "/v1/homes/lcr-2", "admin", json={"postcode": "nonsense"})
    place = placed_api.call("GET", "/v1/homes/lcr-2/place", "admin").json()
    assert place["unresolved_reason"] == MALFORMED


def test_refresh_places_every_home_and_lists_the_unplaced(
    placed_api: Api, capsys: pytest.CaptureFixture[str]
) -> None:
    _new_home(placed_api, "lcr-3", "WA7 1AA")
    # The seeded homes were made before placing; BS1 1AA is not in the 2014 lookup.
    assert refresh(placed_api.settings, as_json=False) == 1
    out = capsys.readouterr().out.splitlines()
    assert out == [
        f"2 homes placed, 1 without a place ({POSTCODE_LOOKUP})",
        f"  {HOME_NORTH}: BS1 1AA: {NOT_IN_LOOKUP}",
    ]
    context = placed_api.client.app.state.context  # type: ignore[attr-defined]
    with context.sessions() as session:
        rows = session.execute(select(Home.home_id, HomePlace.lad).join(HomePlace.home)).all()
    assert sorted(rows) == [("lcr-3", "E06000006"), (HOME_SOUTH, "E06000023"), (HOME_NORTH, None)]


def test_stock_import_stores_valid_rows_and_names_refused_ones(placed_api: Api) -> None:
    csv = (
        f"{HEADER}\n"
        f"{HOME_NORTH},D,House,Semi-Detached,England and Wales: 1930-1949,"
        "solid brick,gas boiler,80\n"
        f"{HOME_SOUTH},C,flat,,,,,\n"
        "nowhere-1,C,flat,,,,,\n"
        f"{HOME_NORTH}x,Q,flat,,,,,\n"
    )
    answer = _post_csv(placed_api, "officer-north", csv)
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert report["stored"] == 1 and report["refused_rows"] == 3
    assert [(e["row"], e["field"]) for e in report["errors"]] == [
        (3, "home_id"),  # the south portfolio is not this officer's
        (4, "home_id"),
        (5, "energy_band"),
    ]
    assert "A, B, C, D, E, F, G" in report["errors"][2]["message"]
    facts = placed_api.call("GET", f"/v1/homes/{HOME_NORTH}/stock-facts", "officer-north").json()
    assert (facts["built_form"], facts["age_band"], facts["floor_area_m2"]) == (
        "semi-detached",
        "1930-1949",
        80.0,
    )
    assert facts["imported_by"] == "officer-north"
    assert placed_api.call("GET", f"/v1/homes/{HOME_SOUTH}/stock-facts", "admin").status_code == 404


def test_stock_import_by_upload_and_who_may(placed_api: Api) -> None:
    csv = f"{HEADER}\n{HOME_SOUTH},B,bungalow,detached,2012 onwards,timber frame,heat pump,60\n"
    upload = {"file": ("stock.csv", csv.encode(), "text/csv")}
    refused = placed_api.call("POST", "/v1/stock-facts", "officer-north", files=upload)
    assert refused.json()["stored"] == 0
    assert refused.json()["errors"][0]["message"].startswith(f"no home {HOME_SOUTH} among")
    tenant = placed_api.call("POST", "/v1/stock-facts", "tenant-south", files=upload)
    assert tenant.status_code == 403
    assert placed_api.call("POST", "/v1/stock-facts", None, files=upload).status_code == 401
    stored = placed_api.call("POST", "/v1/stock-facts", "officer-south", files=upload)
    assert stored.json() == {"stored": 1, "refused_rows": 0, "errors": []}
    binary = _post_csv(placed_api, "admin", b"\xff\xfe")
    assert binary.status_code == 400 and "UTF-8" in binary.json()["detail"]


def test_stock_import_command(
    placed_api: Api, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stock = tmp_path / "stock.csv"
    stock.write_text(f"{HEADER}\n{HOME_SOUTH},E,maisonette,,,,,\n{HOME_NORTH},,,,,,oil,-1\n")
    assert import_file(placed_api.settings, stock, as_json=False) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"1 homes' stock facts stored from {stock}"
    assert out[1].startswith("  row 3, floor_area_m2: floor_area_m2 '-1' is not allowed")


def test_refresh_without_a_lookup_says_what_to_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env here
    monkeypatch.setenv("DAMPWATCH_DATABASE_URL", f"sqlite:///{tmp_path / 'none.db'}")
    monkeypatch.delenv("DAMPWATCH_GEOGRAPHY_LOOKUP", raising=False)
    assert places_main(["refresh"]) == 2
    assert capsys.readouterr().err.strip() == (
        "dampwatch places: no postcode lookup: set DAMPWATCH_GEOGRAPHY_LOOKUP"
    )
    monkeypatch.setenv("DAMPWATCH_GEOGRAPHY_LOOKUP", str(tmp_path / "missing.csv"))
    assert places_main(["refresh"]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_the_admin_page_shows_the_area_and_a_changed_postcode_is_placed(placed_api: Api) -> None:
    from tests.api.pages.support import csrf_of, page_client  # noqa: PLC0415

    officer = page_client(placed_api, "officer-north")
    base = f"/admin/homes/{HOME_NORTH}"
    page = officer.get(base).text
    assert "not placed yet" in page and "no stock facts imported" in page  # seeded before
    form = {"address": "1 North Rd", "postcode": "l1 0ab", "portfolio": "north"}
    saved = officer.post(base, data=form | {"csrf_token": csrf_of(page)})
    assert saved.status_code == 303, saved.text
    _post_csv(placed_api, "officer-north", f"{HEADER}\n{HOME_NORTH},E,flat,,1900-1929,,,48\n")
    page = officer.get(base).text
    assert "Liverpool, LSOA E01006515, MSOA E02001383" in page
    assert "decile 1 of 10" in page
    assert "flat, 1900-1929; EPC band E; 48 m²" in page
    form["postcode"] = "L1 9ZZ"
    officer.post(base, data=form | {"csrf_token": csrf_of(page)})
    assert f"not placed: {NOT_IN_LOOKUP} (L1 9ZZ)" in officer.get(base).text
