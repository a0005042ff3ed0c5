"""Facts about a home's building, as a landlord's stock records or the EPC register hold them.

Each fact has a small closed vocabulary (the EPC register's categories, in plain words), and the
register's own spellings map onto it ("Semi-Detached", "England and Wales: 1930-1949",
"Cavity wall, filled cavity"). Every fact is optional: None means unknown, never a default.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Final, TypeVar

from dampwatch.stockfacts_spellings import (
    AGE_SPELLINGS,
    HEATING_PATTERNS,
    UNKNOWN_SPELLINGS,
    WALL_PATTERNS,
    spelled,
)

E = TypeVar("E", bound=StrEnum)


class EnergyBand(StrEnum):
    """The EPC energy efficiency rating band."""

    A = "A"
    B = "B"
    C = "C"
    D = "D"
    E = "E"
    F = "F"
    G = "G"


class PropertyType(StrEnum):
    """The EPC property type."""

    HOUSE = "house"
    FLAT = "flat"
    BUNGALOW = "bungalow"
    MAISONETTE = "maisonette"
    PARK_HOME = "park home"


class BuiltForm(StrEnum):
    """How the building joins its neighbours (EPC built form)."""

    DETACHED = "detached"
    SEMI_DETACHED = "semi-detached"
    MID_TERRACE = "mid-terrace"
    END_TERRACE = "end-terrace"
    ENCLOSED_MID_TERRACE = "enclosed mid-terrace"
    ENCLOSED_END_TERRACE = "enclosed end-terrace"


class AgeBand(StrEnum):
    """The EPC construction age band (England and Wales)."""

    BEFORE_1900 = "before 1900"
    FROM_1900 = "1900-1929"
    FROM_1930 = "1930-1949"
    FROM_1950 = "1950-1966"
    FROM_1967 = "1967-1975"
    FROM_1976 = "1976-1982"
    FROM_1983 = "1983-1990"
    FROM_1991 = "1991-1995"
    FROM_1996 = "1996-2002"
    FROM_2003 = "2003-2006"
    FROM_2007 = "2007-2011"
    FROM_2012 = "2012 onwards"


class WallType(StrEnum):
    """The main wall's construction and insulation."""

    SOLID_BRICK = "solid brick"
    SOLID_BRICK_INSULATED = "solid brick insulated"
    CAVITY_INSULATED = "cavity insulated"
    CAVITY_UNINSULATED = "cavity uninsulated"
    TIMBER_FRAME = "timber frame"
    SYSTEM_BUILT = "system built"
    STONE = "stone"
    COB = "cob"
    PARK_HOME = "park home"


class MainHeating(StrEnum):
    """The main heating system and its fuel."""

    GAS_BOILER = "gas boiler"
    ELECTRIC_STORAGE = "electric storage"
    ELECTRIC_DIRECT = "electric direct"
    HEAT_PUMP = "heat pump"
    OIL = "oil"
    LPG = "lpg"
    SOLID_FUEL = "solid fuel"
    DISTRICT = "district"
    NONE = "none"


@dataclass(frozen=True)
class StockFacts:
    """What a landlord knows about one home's building; None is unknown."""

    home_id: str
    energy_band: EnergyBand | None = None
    property_type: PropertyType | None = None
    built_form: BuiltForm | None = None
    age_band: AgeBand | None = None
    wall_type: WallType | None = None
    main_heating: MainHeating | None = None
    floor_area_m2: float | None = None


@dataclass(frozen=True)
class RowError:
    """Why one cell (or the header, row 1) was refused; rows count as a spreadsheet shows them."""

    row: int
    field: str
    value: str
    message: str


# The CSV's columns: our names first, then the EPC register's (domestic certificates.csv).
COLUMN_ALIASES: Final[Mapping[str, str]] = {
    "current_energy_rating": "energy_band",
    "energy_rating": "energy_band",
    "construction_age_band": "age_band",
    "walls_description": "wall_type",
    "mainheat_description": "main_heating",
    "total_floor_area": "floor_area_m2",
    "floor_area": "floor_area_m2",
}
STOCK_COLUMNS: Final = (
    "home_id",
    "energy_band",
    "property_type",
    "built_form",
    "age_band",
    "wall_type",
    "main_heating",
    "floor_area_m2",
)
HOME_ID: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
MAX_FLOOR_AREA_M2: Final = 5000.0
_YEAR: Final = re.compile(r"^(1[5-9]\d\d|20\d\d)$")


def _key(text: str) -> str:
    """A spelling folded for matching: lower case, single spaces, no stray punctuation."""
    folded = re.sub(r"[\s_]+", " ", text.strip().lower())
    return folded.removeprefix("england and wales:").strip()


def _enum_parser(
    kind: type[E], spellings: Mapping[str, str] | None = None
) -> Callable[[str], E | None]:
    """A parser of one enum's values and its extra spellings; raises ValueError when neither."""
    table = {_key(member.value): member for member in kind}
    table.update({_key(member.value.replace("-", " ")): member for member in kind})
    table.update({_key(name): kind(value) for name, value in (spellings or {}).items()})

    def parse(text: str) -> E | None:
        member = table.get(_key(text))
        if member is None:
            raise ValueError(text)
        return member

    return parse


def _age_band(text: str) -> AgeBand | None:
    """An EPC age band; a bare year (the register's new-build entries) falls in its band."""
    key = _key(text)
    if _YEAR.match(key):
        year = int(key)
        starts = [(int(b.value[:4]), b) for b in AgeBand if b is not AgeBand.BEFORE_1900]
        band = AgeBand.BEFORE_1900
        for start, candidate in starts:
            if year >= start:
                band = candidate
        return band
    return _AGE(text)


def _floor_area(text: str) -> float:
    """A floor area in m², above 0 and at most MAX_FLOOR_AREA_M2."""
    area = float(text)
    if not math.isfinite(area) or not 0 < area <= MAX_FLOOR_AREA_M2:
        raise ValueError(text)
    return area


_AGE: Final = _enum_parser(AgeBand, AGE_SPELLINGS)
PARSERS: Final[Mapping[str, Callable[[str], object]]] = {
    "energy_band": _enum_parser(EnergyBand),
    "property_type": _enum_parser(PropertyType),
    "built_form": _enum_parser(BuiltForm, {"semi detached": "semi-detached"}),
    "age_band": _age_band,
    "wall_type": lambda text: spelled(WallType, text, WALL_PATTERNS),
    "main_heating": lambda text: spelled(MainHeating, text, HEATING_PATTERNS),
    "floor_area_m2": _floor_area,
}
ALLOWED: Final[Mapping[str, str]] = {
    "energy_band": ", ".join(EnergyBand),
    "property_type": ", ".join(PropertyType),
    "built_form": ", ".join(BuiltForm),
    "age_band": ", ".join(AgeBand) + " (or a year)",
    "wall_type": ", ".join(WallType),
    "main_heating": ", ".join(MainHeating),
    "floor_area_m2": f"a number of square metres above 0 and at most {MAX_FLOOR_AREA_M2:g}",
}


def _header(fields: list[str]) -> tuple[dict[str, int], list[RowError]]:
    """Each stock column's index and the header's errors (missing home_id, unknown columns)."""
    index: dict[str, int] = {}
    errors: list[RowError] = []
    for position, name in enumerate(fields):
        key = _key(name).replace(" ", "_")
        column = COLUMN_ALIASES.get(key, key)
        if column in STOCK_COLUMNS and column not in index:
            index[column] = position
        else:
            message = "is not a stock fact column; ignored. Columns: " + ", ".join(STOCK_COLUMNS)
            errors.append(RowError(1, name, name, f"column {name!r} {message}"))
    if "home_id" not in index:
        errors.append(RowError(1, "home_id", "", "the header has no home_id column"))
    return index, errors


def _parse_row(
    row: int, values: list[str], index: Mapping[str, int]
) -> tuple[StockFacts | None, list[RowError]]:
    """One row's facts, or None with an error per refused cell."""
    cells = {field: values[i].strip() if i < len(values) else "" for field, i in index.items()}
    errors: list[RowError] = []
    home_id = cells["home_id"]
    if not HOME_ID.match(home_id):
        errors.append(RowError(row, "home_id", home_id, "home_id must be a home's id"))
    facts: dict[str, object] = {}
    for field, text in cells.items():
        if field == "home_id" or _key(text) in UNKNOWN_SPELLINGS:
            continue
        try:
            facts[field] = PARSERS[field](text)
        except ValueError:
            message = f"{field} {text!r} is not allowed; allowed: {ALLOWED[field]}"
            errors.append(RowError(row, field, text, message))
    if errors:
        return None, errors
    return StockFacts(home_id, **facts), []  # type: ignore[arg-type]


def parse_stock_rows(text: str) -> tuple[list[tuple[int, StockFacts]], list[RowError]]:
    """Valid rows with their row numbers, and every refused cell (a refused row is left out)."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    parsed: list[tuple[int, StockFacts]] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    try:
        header = next(reader, None)
        if header is None:
            return [], [RowError(1, "home_id", "", "the file is empty")]
        index, errors = _header(header)
        if "home_id" not in index:
            return [], errors
        for row, values in enumerate(reader, start=2):
            if not any(value.strip() for value in values):
                continue
            facts, row_errors = _parse_row(row, values, index)
            errors.extend(row_errors)
            if facts is None:
                continue
            if facts.home_id in seen:
                message = f"home {facts.home_id} is already on row {seen[facts.home_id]}"
                errors.append(RowError(row, "home_id", facts.home_id, message))
                continue
            seen[facts.home_id] = row
            parsed.append((row, facts))
    except csv.Error as error:
        errors.append(RowError(reader.line_num, "", "", f"not a readable CSV: {error}"))
    return parsed, errors


def parse_stock_csv(text: str) -> tuple[list[StockFacts], list[RowError]]:
    """Valid rows' facts and every refused cell; a refused row is left out whole, never guessed."""
    rows, errors = parse_stock_rows(text)
    return [facts for _, facts in rows], errors
