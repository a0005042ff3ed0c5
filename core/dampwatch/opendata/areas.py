"""Which region each local authority lies in, from ONS's LSOA/MSOA/LAD/region lookup file."""

from __future__ import annotations

import csv
from pathlib import Path


class AreaLookupError(ValueError):
    """The lookup file cannot be read or lacks a column it needs."""


def load_regions(path: Path) -> dict[str, str]:
    """LAD code → region code (`lad17cd`, `rgn11cd` columns of ONS's OA-LSOA-MSOA-LAD lookup)."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            missing = {"lad17cd", "rgn11cd"} - set(reader.fieldnames or ())
            if missing:
                raise AreaLookupError(f"{path}: no column {', '.join(sorted(missing))}")
            return {row["lad17cd"]: row["rgn11cd"] for row in reader if row["rgn11cd"]}
    except OSError as error:
        raise AreaLookupError(f"{path}: {error.strerror or error}") from error
