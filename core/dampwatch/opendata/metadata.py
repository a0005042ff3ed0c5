"""CSV on the Web metadata for each table and the DCAT catalogue of a publication (JSON-LD)."""

from __future__ import annotations

import calendar
import json
from typing import Any, Final

from dampwatch.opendata.cells import COUNT_MEASURES, COUNTED, DISTRIBUTION_MEASURES, UNITS
from dampwatch.opendata.disclosure import Status
from dampwatch.opendata.publication import Publication, to_csv
from dampwatch.opendata.records import AREA_LEVELS

OGL_V3: Final = "http://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
PUBLISHER: Final = "dampwatch open data"
SOURCE: Final = (
    "Temperature and humidity sensors in social homes whose tenants consent to statistical use; "
    "hazards as raised by the dampwatch assessment; ONS 2011 census geography (OGL v3); "
    "English Indices of Deprivation 2019 (MHCLG, OGL v3)."
)
QUANTILE_WORDS: Final = {"q1": "lower quartile", "median": "median", "q3": "upper quartile"}
UNIT_TEXT: Final = {"hours_below_18c": "hours", "room_rh_pct": "percent", "mould_index": "index"}
CSVW_CONTEXT: Final = "http://www.w3.org/ns/csvw"
DCAT_CONTEXT: Final = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "foaf": "http://xmlns.com/foaf/0.1/",
}


def _one_of(values: list[str]) -> str:
    return "^(" + "|".join(values) + ")$"


def measure_notes() -> list[dict[str, str]]:
    """What each measure counts or describes, with its unit."""
    notes = [
        {"dc:title": m, "dc:description": f"number of {COUNTED[m]}", "schema:unitText": "homes"}
        for m in COUNT_MEASURES
    ]
    for measure in DISTRIBUTION_MEASURES:
        quantile, name = measure.split("_", 1)
        notes.append(
            {
                "dc:title": measure,
                "dc:description": f"{QUANTILE_WORDS[quantile]} over the homes with enough data "
                f"of: {UNITS[name]}",
                "schema:unitText": UNIT_TEXT[name],
            }
        )
    return notes


def period_bounds(period: str) -> tuple[str, str]:
    """First and last day of a `YYYY-MM` period."""
    year, month = (int(part) for part in period.split("-"))
    return f"{period}-01", f"{period}-{calendar.monthrange(year, month)[1]:02d}"


def csvw(publication: Publication, table: str) -> dict[str, Any]:
    """The `{table}.csv-metadata.json` document."""
    level = publication.levels[table]
    control = publication.control
    return {
        "@context": [CSVW_CONTEXT, {"@language": "en"}],
        "url": f"{table}.csv",
        "dc:title": f"Damp, mould, cold and heat in monitored social homes by {level}",
        "dc:description": (
            f"Monthly counts and quartiles over monitored homes by {level}. {control.describe()}"
        ),
        "dc:license": {"@id": OGL_V3},
        "dc:publisher": PUBLISHER,
        "dc:source": SOURCE,
        "dc:temporal": "/".join(_span(publication.periods)),
        "notes": [
            {
                "dc:title": "disclosure control",
                "dc:description": control.describe(),
                "schema:name": control.method.value,
                "schema:value": control.threshold,
            },
            *measure_notes(),
        ],
        "tableSchema": {
            "columns": _columns(level),
            "primaryKey": ["area_code", "area_level", "period", "measure"],
        },
    }


def _span(periods: tuple[str, ...]) -> tuple[str, str]:
    if not periods:
        return ("", "")
    return period_bounds(periods[0])[0], period_bounds(periods[-1])[1]


def _columns(level: str) -> list[dict[str, Any]]:
    code_note = "ONS GSS code (2011 geography)" if level in AREA_LEVELS else f"a value of {level}"
    measures = list(COUNT_MEASURES) + list(DISTRIBUTION_MEASURES)
    return [
        {"name": "area_code", "titles": "area_code", "datatype": "string", "required": True,
         "dc:description": code_note},
        {"name": "area_level", "titles": "area_level", "required": True,
         "datatype": {"base": "string", "format": _one_of([level])}},
        {"name": "period", "titles": "period", "required": True,
         "datatype": {"base": "string", "format": "^[0-9]{4}-(0[1-9]|1[0-2])$"},
         "dc:description": "calendar month, YYYY-MM (UK time)"},
        {"name": "measure", "titles": "measure", "required": True,
         "datatype": {"base": "string", "format": _one_of(measures)}},
        {"name": "value", "titles": "value", "datatype": "decimal", "null": "",
         "dc:description": "homes, or the measure's unit (see notes); empty when withheld"},
        {"name": "status", "titles": "status", "required": True,
         "datatype": {"base": "string", "format": _one_of([s.value for s in Status])}},
    ]  # fmt: skip


def catalog(publication: Publication, tables: list[str], base: str = "") -> dict[str, Any]:
    """The DCAT catalogue listing each table as a dataset with its CSV distribution."""
    start, end = _span(publication.periods)
    return {
        "@context": DCAT_CONTEXT,
        "@type": "dcat:Catalog",
        "dct:title": "dampwatch open data: damp, mould, cold and heat in social homes",
        "dct:publisher": {"@type": "foaf:Agent", "foaf:name": PUBLISHER},
        "dct:license": {"@id": OGL_V3},
        "dcat:dataset": [_dataset(publication, table, base, start, end) for table in tables],
    }


def _dataset(
    publication: Publication, table: str, base: str, start: str, end: str
) -> dict[str, Any]:
    return {
        "@id": f"{base}{table}",
        "@type": "dcat:Dataset",
        "dct:identifier": table,
        "dct:title": f"Damp, mould, cold and heat by {publication.levels[table]}",
        "dct:description": publication.control.describe(),
        "dct:license": {"@id": OGL_V3},
        "dct:temporal": {
            "@type": "dct:PeriodOfTime",
            "dcat:startDate": {"@value": start, "@type": "xsd:date"},
            "dcat:endDate": {"@value": end, "@type": "xsd:date"},
        },
        "dcat:distribution": [
            {
                "@type": "dcat:Distribution",
                "dcat:downloadURL": {"@id": f"{base}{table}.csv"},
                "dcat:mediaType": "text/csv",
                "dct:conformsTo": {"@id": f"{base}{table}.csv-metadata.json"},
            }
        ],
    }


def documents(publication: Publication, tables: list[str], base: str = "") -> dict[str, str]:
    """File name → text of every file of a publication: each table's CSV and metadata, the
    catalogue."""
    out: dict[str, str] = {}
    for table in tables:
        out[f"{table}.csv"] = to_csv(publication.tables[table])
        out[f"{table}.csv-metadata.json"] = json.dumps(csvw(publication, table), indent=2)
    out["catalog.jsonld"] = json.dumps(catalog(publication, tables, base), indent=2)
    return out
