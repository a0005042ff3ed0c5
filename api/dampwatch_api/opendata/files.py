"""The published files on disk: public tables in the publication directory, the analysts' in
its `analyst/` folder. Routes and pages read only these, so nothing served is finer than what
disclosure control let out."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Final

ANALYST_FOLDER: Final = "analyst"
CATALOG: Final = "catalog.jsonld"
TABLE_NAME: Final = re.compile(r"^[a-z0-9_]{1,64}$")
CSV_SUFFIX: Final = ".csv"
METADATA_SUFFIX: Final = ".csv-metadata.json"


def folder(published: Path, *, analyst: bool) -> Path:
    """Where the public (or the analysts') files of the last publication are."""
    return published / ANALYST_FOLDER if analyst else published


def tables(where: Path) -> list[str]:
    """The tables published in `where`, by name."""
    if not where.is_dir():
        return []
    names = (path.name.removesuffix(CSV_SUFFIX) for path in where.glob(f"*{CSV_SUFFIX}"))
    return sorted(name for name in names if TABLE_NAME.match(name))


def table_file(where: Path, table: str, suffix: str) -> Path | None:
    """The file of a published table, or None (also for a name that is no table's)."""
    if not TABLE_NAME.match(table):
        return None
    path = where / f"{table}{suffix}"
    return path if path.is_file() else None
