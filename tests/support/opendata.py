"""Where the UK open-data extracts are (postcode lookup, IMD): beside the sensor datasets."""

from __future__ import annotations

from pathlib import Path

from tests.support.datasets import shared_data

POSTCODE_LOOKUP = "postcode_lsoa_lookup_lcr_bristol.csv"
DEPRIVATION = "imd2019_lsoa11_england_domains.csv"


def opendata_file(name: str) -> Path | None:
    """The shared open-data file `name`, or None when this machine has none (tests skip)."""
    root = shared_data()
    candidate = root / "opendata" / name if root else None
    return candidate if candidate and candidate.is_file() else None
