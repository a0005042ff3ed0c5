"""Validating exports against the MHCLG / HACT damp and mould data standard's JSON Schemas.

The schemas are reference material kept beside the project (`shared/reference/damp-mould-
standard/schemas`, MIT, from the standard's proof of concept), read where they lie. Every
object is checked against its definition in its component schema and in the combined schema,
with formats (date, date-time) enforced.
"""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator

from dampwatch_api.cases.hact_export import EXTENSION, extension_schema

MACHINE_REFERENCE = Path("/work/shared/reference")
STANDARD = "damp-mould-standard"
# Object lists of the export's investigation component, and the definition each item follows.
OBJECTS = ("hazard_report", "investigation", "investigation_hazard", "notification", "escalation")


def schema_dir() -> Path:
    """$DAMPWATCH_SHARED_REFERENCE, else `shared/reference` beside a parent, else the machine's."""
    candidates = []
    if configured := os.environ.get("DAMPWATCH_SHARED_REFERENCE"):
        candidates.append(Path(configured))
    candidates += [parent / "shared" / "reference" for parent in Path(__file__).resolve().parents]
    candidates.append(MACHINE_REFERENCE)
    for candidate in candidates:
        if (candidate / STANDARD / "schemas").is_dir():
            return candidate / STANDARD / "schemas"
    pytest.fail(
        "the damp and mould standard's schemas are missing: set DAMPWATCH_SHARED_REFERENCE to "
        "the directory holding damp-mould-standard/",
        pytrace=False,
    )


@cache
def component(name: str) -> dict[str, Any]:
    """A schema file of the standard."""
    schema: dict[str, Any] = json.loads((schema_dir() / name).read_text(encoding="utf-8"))
    return schema


def _validator(schema: dict[str, Any], definition: str | None = None) -> Draft7Validator:
    if definition is not None:
        schema = {"$ref": f"#/definitions/{definition}", "definitions": schema["definitions"]}
    return Draft7Validator(schema, format_checker=Draft7Validator.FORMAT_CHECKER)


def errors_of(document: dict[str, Any]) -> list[str]:
    """Every schema error in an export document, located; empty when it all validates."""
    found: list[str] = []

    def check(validator: Draft7Validator, item: Any, where: str) -> None:
        found.extend(f"{where}: {error.message}" for error in validator.iter_errors(item))

    investigation = component("investigation_component.JSON")
    combined = component("all_component.JSON")
    work_orders = component("work_order_component.JSON")
    part = document["investigation_component"]
    check(_validator(investigation), part, "investigation_component")
    for name in OBJECTS:
        for index, item in enumerate(part[name]):
            check(_validator(investigation, name), item, f"{name}[{index}]")
            check(_validator(combined, name), item, f"{name}[{index}] (all_component)")
    for index, order in enumerate(document["work_orders"]):
        check(_validator(work_orders, "work_order"), order, f"work_order[{index}]")
        check(_validator(combined, "work_order"), order, f"work_order[{index}] (all_component)")
    for index, item in enumerate(document["extensions"][EXTENSION]):
        check(_validator(extension_schema()), item, f"{EXTENSION}[{index}]")
    return found


def count_objects(document: dict[str, Any]) -> dict[str, int]:
    """How many objects of each kind the export holds."""
    part = document["investigation_component"]
    counts = {name: len(part[name]) for name in OBJECTS}
    counts["work_order"] = len(document["work_orders"])
    counts[EXTENSION] = len(document["extensions"][EXTENSION])
    return counts
