"""The published files pass the ecosystem's validators: CSV on the Web, Frictionless, JSON-LD."""

from __future__ import annotations

import json
from pathlib import Path

import frictionless
import pytest
import rdflib
from csvw import CSVW

from dampwatch.opendata.disclosure import Control, Method
from dampwatch.opendata.metadata import OGL_V3, documents
from dampwatch.opendata.publication import COLUMNS, publish
from dampwatch.opendata.records import HomeMonth
from dampwatch_sim.region import load_areas, simulate_region
from tests.support.datasets import shared_data

DCAT = rdflib.Namespace("http://www.w3.org/ns/dcat#")
DCT = rdflib.Namespace("http://purl.org/dc/terms/")
FRICTIONLESS_SCHEMA = {
    "fields": [
        {"name": "area_code", "type": "string", "constraints": {"required": True}},
        {"name": "area_level", "type": "string", "constraints": {"required": True}},
        {"name": "period", "type": "yearmonth", "constraints": {"required": True}},
        {"name": "measure", "type": "string", "constraints": {"pattern": "[a-z0-9_]+"}},
        {"name": "value", "type": "number"},
        {"name": "status", "type": "string", "constraints": {
            "enum": ["published", "rounded", "suppressed", "perturbed"]}},
    ],
    "primaryKey": ["area_code", "area_level", "period", "measure"],
}  # fmt: skip


@pytest.fixture(scope="module")
def region() -> list[HomeMonth]:
    """600 homes over Knowsley's real postcodes in one month."""
    data = shared_data()
    if data is None or not (data / "opendata").is_dir():
        pytest.skip("the shared open-data extracts are not on this machine")
    return simulate_region(
        load_areas(data / "opendata", frozenset({"E08000011"})), 600, ["2026-11"]
    )


def _write(out: Path, method: Method, region: list[HomeMonth]) -> list[str]:
    publication = publish(region, Control(method))
    tables = sorted(publication.tables)
    for name, text in documents(publication, tables).items():
        (out / name).write_text(text, encoding="utf-8")
    return tables


@pytest.mark.parametrize("method", list(Method))
def test_every_table_is_valid_csv_on_the_web_and_frictionless(
    tmp_path: Path, region: list[HomeMonth], method: Method
) -> None:
    tables = _write(tmp_path, method, region)
    assert len(tables) == 12
    for table in tables:
        metadata = tmp_path / f"{table}.csv-metadata.json"
        parsed = CSVW(str(metadata), validate=True)
        assert parsed.is_valid, table
        rows = parsed.to_json()["tables"][0]["row"]
        assert len(rows) == len((tmp_path / f"{table}.csv").read_text().splitlines()) - 1
        header = (tmp_path / f"{table}.csv").read_text().splitlines()[0]
        assert header == ",".join(COLUMNS)
        document = json.loads(metadata.read_text())
        assert document["dc:license"] == {"@id": OGL_V3}
        assert document["notes"][0]["schema:name"] == method.value
        assert document["dc:temporal"] == "2026-11-01/2026-11-30"
        resource = frictionless.Resource(
            path=f"{table}.csv",
            basepath=str(tmp_path),
            schema=frictionless.Schema.from_descriptor(FRICTIONLESS_SCHEMA),
        )
        report = resource.validate()
        assert report.valid, report.flatten(["rowNumber", "fieldName", "message"])


def test_the_csvw_validator_refuses_a_table_that_breaks_its_metadata(
    tmp_path: Path, region: list[HomeMonth]
) -> None:
    _write(tmp_path, Method.RULE_10_5, region)
    table = tmp_path / "hazards_by_lad.csv"
    lines = table.read_text().splitlines()
    lines[1] = lines[1].replace("homes_monitored", "homes monitored")
    table.write_text("\n".join(lines) + "\n")
    assert not CSVW(str(tmp_path / "hazards_by_lad.csv-metadata.json"), validate=True).is_valid


def test_the_catalogue_is_dcat_json_ld_with_a_distribution_per_table(
    tmp_path: Path, region: list[HomeMonth]
) -> None:
    tables = _write(tmp_path, Method.RULE_10_5, region)
    graph = rdflib.Graph().parse(tmp_path / "catalog.jsonld", format="json-ld")
    datasets = set(graph.subjects(rdflib.RDF.type, DCAT.Dataset))
    assert len(datasets) == len(tables)
    for dataset in datasets:
        assert graph.value(dataset, DCT.license) == rdflib.URIRef(OGL_V3)
        distribution = graph.value(dataset, DCAT.distribution)
        url = graph.value(distribution, DCAT.downloadURL)
        assert url is not None and Path(str(url).removeprefix("file://")).is_file()
