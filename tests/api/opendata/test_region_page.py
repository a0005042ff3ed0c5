"""`/region`: server-drawn maps and chart over the published tables only."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from dampwatch.opendata.disclosure import Control
from dampwatch.opendata.metadata import documents
from dampwatch.opendata.publication import publish
from dampwatch_api.db import migrate
from dampwatch_api.opendata.job import write_atomically
from dampwatch_api.pages.session import SESSION_COOKIE
from dampwatch_sim.region import load_areas, simulate_region
from tests.api.conftest import Api, api_settings, seed, start_api
from tests.support.datasets import shared_data

BOUNDARIES = "opendata/boundaries/{}11_liverpool_city_region.geojson"


def publish_region(out: Path, homes: int) -> None:
    """A publication of `homes` simulated homes over the Liverpool City Region into `out`."""
    data = shared_data()
    if data is None or not (data / "opendata").is_dir():
        pytest.skip("the shared open-data extracts are not on this machine")
    rows = simulate_region(load_areas(data / "opendata"), homes, ["2026-10", "2026-11"])
    publication = publish(rows, Control())
    write_atomically(out, documents(publication, publication.public_tables()))
    write_atomically(out / "analyst", documents(publication, sorted(publication.tables)))


def boundary_settings() -> dict[str, Path]:
    """The region's boundary files where they lie."""
    data = shared_data()
    assert data is not None
    return {
        f"opendata_{level}_boundaries": data / BOUNDARIES.format(level)
        for level in ("msoa", "lsoa")
    }


@pytest.fixture
def region_api(tmp_path: Path) -> Iterator[Api]:
    publish_region(tmp_path / "opendata", 3000)
    url = f"sqlite:///{tmp_path / 'api.db'}"
    migrate(url)
    seed(url)
    yield from start_api(api_settings(url, tmp_path, **boundary_settings()))


def _maps(html: str) -> list[str]:
    return re.findall(r'<svg class="map".*?</svg>', html, flags=re.S)


def test_anyone_sees_the_msoa_map_the_decile_chart_and_the_downloads(region_api: Api) -> None:
    answer = region_api.call("GET", "/region")
    assert answer.status_code == 200
    maps = _maps(answer.text)
    assert len(maps) == 1 and maps[0].count("<path ") == 200  # every MSOA of the region
    assert "by MSOA, 2026-11" in answer.text and "by LSOA" not in answer.text
    assert '<svg class="bars"' in answer.text and "IMD decile" in answer.text
    assert "/v1/open/tables/hazards_by_msoa.csv" in answer.text
    assert "/v1/analyst/" not in answer.text and "/region/analyst/" not in answer.text
    anonymous = region_api.call(
        "GET", "/region/analyst/hazards_by_lsoa.csv", follow_redirects=False
    )
    assert anonymous.status_code == 303 and "/login" in anonymous.headers["location"]
    outside = re.findall(r'(?:src|href)="(?!/|#)([^"]+)"', answer.text)
    assert outside == []
    for link in re.findall(r'href="(/v1/open/[^"]+)"', answer.text):
        assert region_api.call("GET", link).status_code == 200, link


def test_an_analyst_also_sees_the_lsoa_map_and_the_finer_tables(region_api: Api) -> None:
    region_api.client.cookies.set(SESSION_COOKIE, region_api.tokens["admin"])
    answer = region_api.call("GET", "/region?hazard=cold&period=2026-10")
    maps = _maps(answer.text)
    assert len(maps) == 2 and maps[1].count("<path ") == 989
    assert "cold-home hazard by LSOA, 2026-10" in answer.text
    assert "/region/analyst/hazards_by_lsoa.csv" in answer.text
    download = region_api.call("GET", "/region/analyst/hazards_by_lsoa.csv")
    assert download.status_code == 200 and ",lsoa," in download.text
    assert "withheld" in maps[1]  # most LSOAs hold fewer than 10 of 3,000 homes


def test_officers_and_tenants_get_the_public_page(region_api: Api) -> None:
    for who in ("officer-north", "tenant-north"):
        region_api.client.cookies.set(SESSION_COOKIE, region_api.tokens[who])
        answer = region_api.call("GET", "/region")
        assert answer.status_code == 200 and len(_maps(answer.text)) == 1
        refused = region_api.call("GET", "/region/analyst/hazards_by_lsoa.csv")
        assert refused.status_code == 403 and ",lsoa," not in refused.text


def test_a_bad_choice_is_refused_and_nothing_published_is_said(
    region_api: Api, tmp_path: Path
) -> None:
    assert region_api.call("GET", "/region?hazard=<script>").status_code == 422
    for path in (tmp_path / "opendata").glob("*.csv"):
        path.unlink()
    assert "Nothing has been published yet" in region_api.call("GET", "/region").text
