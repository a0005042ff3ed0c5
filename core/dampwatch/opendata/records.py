"""The plain rows the open-data tables are counted from: one home in one calendar month."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

AREA_LEVELS: Final = ("lsoa", "msoa", "lad", "region")
STOCK_FACTS: Final = (
    "energy_band",
    "property_type",
    "built_form",
    "age_band",
    "wall_type",
    "main_heating",
    "floor_area_band",
)
UNKNOWN: Final = "unknown"
RECORD_KEY_RANGE: Final = 256  # ONS record keys are uniform on 0..255


@dataclass(frozen=True, slots=True)
class HomeMonth:
    """What one home showed in one month; distributions are None without enough data."""

    home_key: str
    record_key: int
    period: str
    areas: Mapping[str, str]
    imd_decile: int | None = None
    facts: Mapping[str, str] = field(default_factory=dict)
    damp: bool = False
    cold: bool = False
    overheating: bool = False
    hours_below_18c: float | None = None
    room_rh_pct: float | None = None
    mould_index: float | None = None


def record_key(home_id: str, salt: str) -> int:
    """A home's stable record key on 0..255 (keyed hash: the same home always adds the same key)."""
    digest = hashlib.blake2b(home_id.encode(), key=salt.encode()[:64], digest_size=2).digest()
    return int.from_bytes(digest, "big") % RECORD_KEY_RANGE


def floor_area_band(floor_area_m2: float | None) -> str:
    """Floor area in the EPC register's usual bands, so no home's exact size is a category."""
    if floor_area_m2 is None:
        return UNKNOWN
    for upper, label in ((50, "under_50m2"), (70, "50_to_69m2"), (90, "70_to_89m2")):
        if floor_area_m2 < upper:
            return label
    return "90m2_or_more"
