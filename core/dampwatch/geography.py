"""Postcode → census geography (OA, LSOA, MSOA, local authority) from an ONS-format lookup file.

A deployment downloads the ONS National Statistics Postcode Lookup (NSPL) or the ONS Postcode
Directory (ONSPD) from the Open Geography Portal; both load here, and so does any CSV with a
postcode column and an LSOA column once `columns` names them. Matching is exact on the
normalised postcode: a postcode the file does not hold, or holds without an area, is reported
with its reason, never guessed from a neighbour.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final

# The fields a lookup provides, each with the header names it has in the files we know of
# (first match wins): the shipped extract, NSPL/ONSPD (2011 and 2021 geography) and
# PCD_OA_LSOA_MSOA_LAD.
FIELD_CANDIDATES: Final[Mapping[str, tuple[str, ...]]] = {
    "postcode": ("postcode", "pcds", "pcd", "pcd7", "pcd8", "pcon_postcode"),
    "oa": ("oa11cd", "oa11", "oa21cd", "oa21"),
    "lsoa": ("lsoa11cd", "lsoa11", "lsoa21cd", "lsoa21"),
    "msoa": ("msoa11cd", "msoa11", "msoa21cd", "msoa21"),
    "lad": ("lad_code", "ladcd", "lad17cd", "lad19cd", "lad21cd", "lad22cd", "laua", "oslaua"),
    "lad_name": ("lad_name", "ladnm", "lad17nm", "lad19nm", "lad21nm", "lad22nm"),
    "terminated": ("doterm",),
}
REQUIRED_FIELDS: Final = ("postcode", "lsoa")

MALFORMED: Final = "malformed postcode"
NOT_IN_LOOKUP: Final = "postcode not in the lookup"
TERMINATED: Final = "terminated postcode"
NO_AREA: Final = "postcode has no LSOA in the lookup"

# Outward code (A9, A99, AA9, AA99, A9A, AA9A) then inward code (9AA); GIR 0AA is the one oddity.
_POSTCODE: Final = re.compile(r"^(?:([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][A-Z]{2})|(GIR)(0AA))$")
_SPACES: Final = re.compile(r"\s+")


def normalise_postcode(text: object) -> str | None:
    """A UK postcode upper-cased with one space before the inward code; None when malformed."""
    if not isinstance(text, str):
        return None
    match = _POSTCODE.match(_SPACES.sub("", text).upper())
    if match is None:
        return None
    outward, inward = (match.group(1), match.group(2)) if match.group(1) else match.group(3, 4)
    return f"{outward} {inward}"


@dataclass(frozen=True)
class Place:
    """Where a postcode lies; a code the lookup file does not carry is the empty string."""

    postcode: str
    oa: str
    lsoa: str
    msoa: str
    lad: str
    lad_name: str
    source: str


@dataclass(frozen=True)
class Unresolved:
    """A postcode that could not be placed, and why (one of this module's reason constants)."""

    postcode: str
    reason: str


class LookupFileError(ValueError):
    """The lookup file lacks a column it needs, or cannot be read."""


@dataclass(frozen=True)
class _Row:
    oa: str
    lsoa: str
    msoa: str
    lad: str
    lad_name: str
    terminated: bool


def _header_map(header: list[str], columns: Mapping[str, str] | None) -> dict[str, int]:
    """Each field's column index: the mapping's names first, else the known header names."""
    lowered = {name.strip().lower(): index for index, name in enumerate(header)}
    unknown = set(columns or {}) - set(FIELD_CANDIDATES)
    if unknown:
        raise LookupFileError(
            f"unknown lookup fields {sorted(unknown)}; known: {sorted(FIELD_CANDIDATES)}"
        )
    found: dict[str, int] = {}
    for field, candidates in FIELD_CANDIDATES.items():
        wanted = (columns or {}).get(field)
        names = (wanted,) if wanted else candidates
        for name in names:
            if name.strip().lower() in lowered:
                found[field] = lowered[name.strip().lower()]
                break
        else:
            if wanted or field in REQUIRED_FIELDS:
                raise LookupFileError(
                    f"the lookup has no column {' or '.join(names)!s} for {field}; "
                    f"its columns are {', '.join(header)}"
                )
    return found


class GeographyLookup:
    """An in-memory postcode lookup loaded from one CSV file."""

    def __init__(self, rows: Mapping[str, _Row], source: str, unreadable_lines: int = 0) -> None:
        """Wrap rows keyed by normalised postcode; `source` names the file they came from."""
        self._rows = rows
        self.source = source
        self.unreadable_lines = unreadable_lines

    @classmethod
    def load(
        cls,
        path: str | Path,
        columns: Mapping[str, str] | None = None,
        lads: frozenset[str] | None = None,
    ) -> GeographyLookup:
        """Read an ONS-format lookup CSV; `lads` keeps only those local authorities (memory)."""
        path = Path(path)
        try:
            with path.open(newline="", encoding="utf-8-sig") as handle:
                read = list(_read_rows(csv.reader(handle), columns, lads))
        except (OSError, UnicodeDecodeError, csv.Error) as error:
            raise LookupFileError(f"cannot read the lookup {path}: {error}") from error
        rows = {postcode: row for postcode, row in read if row is not None}
        return cls(rows, path.name, unreadable_lines=sum(row is None for _, row in read))

    def __len__(self) -> int:
        """How many postcodes the lookup holds (terminated and area-less ones included)."""
        return len(self._rows)

    def resolve(self, postcode: object) -> Place | Unresolved:
        """The place of a postcode, or why it has none; never a guess."""
        normal = normalise_postcode(postcode)
        if normal is None:
            return Unresolved(str(postcode or "").strip(), MALFORMED)
        row = self._rows.get(normal)
        if row is None:
            return Unresolved(normal, NOT_IN_LOOKUP)
        if row.terminated:
            return Unresolved(normal, TERMINATED)
        if not row.lsoa:
            return Unresolved(normal, NO_AREA)
        return Place(normal, row.oa, row.lsoa, row.msoa, row.lad, row.lad_name, self.source)

    def postcodes(self, lad: str | None = None) -> list[str]:
        """Sorted live postcodes with an area, in one local authority (code or name) or all."""
        wanted = lad.strip().lower() if lad else None
        return sorted(
            postcode
            for postcode, row in self._rows.items()
            if row.lsoa
            and not row.terminated
            and (wanted is None or wanted in (row.lad.lower(), row.lad_name.lower()))
        )

    def local_authorities(self) -> dict[str, str]:
        """Each local authority code in the lookup with its name (empty when the file has none)."""
        return {row.lad: row.lad_name for row in self._rows.values() if row.lad}


def _read_rows(
    reader: Iterator[list[str]], columns: Mapping[str, str] | None, lads: frozenset[str] | None
) -> Iterator[tuple[str, _Row | None]]:
    """(postcode, row) per line, None for a line without a postcode; codes interned (repeats)."""
    header = next(reader, None)
    if header is None:
        raise LookupFileError("the lookup file is empty")
    index = _header_map(header, columns)
    interned: dict[str, str] = {}

    def cell(values: list[str], field: str) -> str:
        position = index.get(field)
        if position is None or position >= len(values):
            return ""
        value = values[position].strip()
        return interned.setdefault(value, value)

    for values in reader:
        postcode = normalise_postcode(cell(values, "postcode"))
        if postcode is None:
            yield "", None  # counted: no home can match a line without a postcode
            continue
        lad = cell(values, "lad")
        if lads is not None and lad not in lads:
            continue
        row = _Row(
            oa=cell(values, "oa"),
            lsoa=cell(values, "lsoa"),
            msoa=cell(values, "msoa"),
            lad=lad,
            lad_name=cell(values, "lad_name"),
            terminated=bool(cell(values, "terminated")),
        )
        yield postcode, row
