"""`/v1/open/...` without sign-in, `/v1/analyst/...` for the data office and admins only."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import rdflib
from sqlalchemy import select

from dampwatch.opendata.disclosure import Control
from dampwatch.opendata.metadata import documents
from dampwatch.opendata.publication import publish
from dampwatch_api.auth.tokens import create_access_token
from dampwatch_api.db import migrate
from dampwatch_api.opendata.job import write_atomically
from dampwatch_api.registry.models import Role, User
from dampwatch_sim.region import load_areas, simulate_region
from tests.api.conftest import Api, api_settings, seed, start_api
from tests.support.datasets import shared_data

DCAT = rdflib.Namespace("http://www.w3.org/ns/dcat#")


@pytest.fixture
def published_api(tmp_path: Path) -> Iterator[Api]:
    """A seeded API whose data directory holds a publication of 400 simulated Knowsley homes."""
    data = shared_data()
    if data is None or not (data / "opendata").is_dir():
        pytest.skip("the shared open-data extracts are not on this machine")
    rows = simulate_region(
        load_areas(data / "opendata", frozenset({"E08000011"})), 400, ["2026-11"]
    )
    publication = publish(rows, Control())
    out = tmp_path / "opendata"
    write_atomically(out, documents(publication, publication.public_tables()))
    write_atomically(out / "analyst", documents(publication, sorted(publication.tables)))
    url = f"sqlite:///{tmp_path / 'api.db'}"
    migrate(url)
    seed(url)
    for api in start_api(api_settings(url, tmp_path)):
        context = api.client.app.state.context  # type: ignore[attr-defined]
        with context.sessions() as session:
            analyst = User(username="analyst", password_hash="x", role=Role.ANALYST.value)
            session.add(analyst)
            session.commit()
            user_id = session.scalar(select(User.id).where(User.username == "analyst"))
        api.tokens["analyst"] = create_access_token(
            "analyst", api.settings.secret_key.get_secret_value(), 600, user_id=user_id
        )
        yield api


def test_the_public_reads_the_published_tables_without_signing_in(published_api: Api) -> None:
    listing = published_api.call("GET", "/v1/open/tables")
    assert listing.status_code == 200
    names = [item["table"] for item in listing.json()]
    assert "hazards_by_msoa" in names and "hazards_by_lsoa" not in names
    table = published_api.call("GET", "/v1/open/tables/hazards_by_msoa.csv")
    assert table.status_code == 200 and table.headers["content-type"].startswith("text/csv")
    assert table.text.startswith("area_code,area_level,period,measure,value,status")
    metadata = published_api.call("GET", "/v1/open/tables/hazards_by_msoa.csv-metadata.json")
    assert metadata.json()["url"] == "hazards_by_msoa.csv"
    catalog = published_api.call("GET", "/v1/open/tables/catalog.jsonld")
    assert catalog.json()["@type"] == "dcat:Catalog"
    base = "http://testserver/v1/open/tables/catalog.jsonld"
    graph = rdflib.Graph().parse(data=catalog.text, format="json-ld", publicID=base)
    downloads = list(graph.objects(None, DCAT.downloadURL))
    assert len(downloads) == len(names)
    for url in downloads:  # every link of the catalogue is a table the API serves
        path = str(url).removeprefix("http://testserver")
        assert published_api.call("GET", path).status_code == 200, path


@pytest.mark.parametrize(
    "path",
    [
        "/v1/open/tables/hazards_by_lsoa.csv",
        "/v1/open/tables/..%2Fanalyst%2Fhazards_by_lsoa.csv",
        "/v1/open/tables/analyst%2Fhazards_by_lsoa.csv",
        "/v1/open/tables/catalog.csv",
    ],
)
def test_the_public_never_reaches_the_finer_tables(published_api: Api, path: str) -> None:
    assert published_api.call("GET", path).status_code in (404, 422)


def test_only_analysts_and_admins_read_the_finer_tables(published_api: Api) -> None:
    path = "/v1/analyst/tables/hazards_by_lsoa.csv"
    assert published_api.call("GET", path).status_code == 401
    for who in ("officer-north", "tenant-north"):
        assert published_api.call("GET", path, who).status_code == 403
    for who in ("analyst", "admin"):
        answer = published_api.call("GET", path, who)
        assert answer.status_code == 200 and ",lsoa," in answer.text
    listing = published_api.call("GET", "/v1/analyst/tables", "analyst").json()
    assert "hazards_by_lsoa" in [item["table"] for item in listing]


def test_an_analyst_sees_no_home(published_api: Api) -> None:
    assert published_api.call("GET", "/v1/homes", "analyst").json() == []
    assert published_api.call("GET", "/v1/alerts", "analyst").json() == []
    assert published_api.call("GET", "/v1/assignees", "analyst").status_code == 403
    board = published_api.call("GET", "/v1/board", "analyst")
    assert "victim-north-1" not in board.text and "south-1" not in board.text
