"""Postcodes resolve to census areas from the real lookup, and never by a guess."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

from dampwatch.geography import (
    MALFORMED,
    NO_AREA,
    NOT_IN_LOOKUP,
    TERMINATED,
    GeographyLookup,
    LookupFileError,
    Place,
    Unresolved,
    normalise_postcode,
)
from tests.support.opendata import POSTCODE_LOOKUP, opendata_file

LOOKUP_FILE = opendata_file(POSTCODE_LOOKUP)
needs_lookup = pytest.mark.skipif(LOOKUP_FILE is None, reason="shared/data/opendata is absent")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("L1 0AB", "L1 0AB"),
        ("l10ab", "L1 0AB"),
        ("  ch41   0aa ", "CH41 0AA"),
        ("L1  0AB", "L1 0AB"),
        ("EC1A 1BB", "EC1A 1BB"),
        ("W1A 0AX", "W1A 0AX"),
        ("gir 0aa", "GIR 0AA"),
        ("", None),
        ("L1", None),
        ("1L 0AB", None),
        ("L1 0A1", None),
        ("LLL1 0AB", None),
        (None, None),
        (12345, None),
    ],
)
def test_normalise_postcode(text: object, expected: str | None) -> None:
    assert normalise_postcode(text) == expected


@pytest.fixture(scope="module")
def lookup() -> GeographyLookup:
    assert LOOKUP_FILE is not None
    return GeographyLookup.load(LOOKUP_FILE)


@needs_lookup
def test_every_shipped_postcode_with_an_lsoa_resolves(lookup: GeographyLookup) -> None:
    assert LOOKUP_FILE is not None
    with LOOKUP_FILE.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    outcomes = Counter(
        "place" if isinstance(result, Place) else result.reason
        for result in (lookup.resolve(row["postcode"]) for row in rows)
    )
    blank = sum(1 for row in rows if not row["lsoa11cd"])
    assert outcomes["place"] == len(rows) - blank
    assert outcomes[NO_AREA] == blank  # the file's own blanks are reported, not guessed
    assert lookup.unreadable_lines == 0


@needs_lookup
def test_a_resolved_place_carries_the_files_codes(lookup: GeographyLookup) -> None:
    place = lookup.resolve("l1 0ab")
    assert place == Place(
        "L1 0AB", "", "E01006515", "E02001383", "E08000012", "Liverpool", POSTCODE_LOOKUP
    )


@needs_lookup
def test_unknown_and_malformed_postcodes_say_why(lookup: GeographyLookup) -> None:
    assert lookup.resolve("SW1A 1AA") == Unresolved("SW1A 1AA", NOT_IN_LOOKUP)
    assert lookup.resolve("not a postcode") == Unresolved("not a postcode", MALFORMED)
    assert lookup.resolve("") == Unresolved("", MALFORMED)


@needs_lookup
def test_postcodes_by_local_authority(lookup: GeographyLookup) -> None:
    knowsley = lookup.postcodes("E08000011")
    assert knowsley == lookup.postcodes("knowsley")
    places = [lookup.resolve(p) for p in knowsley]
    assert knowsley and all(isinstance(p, Place) and p.lad == "E08000011" for p in places)
    everything = lookup.postcodes()
    assert set(knowsley) < set(everything)
    assert all(isinstance(lookup.resolve(p), Place) for p in everything)


def test_an_nspl_shaped_file_loads_with_terminated_postcodes(tmp_path: Path) -> None:
    nspl = tmp_path / "NSPL_NOV_2021_UK_L.csv"
    nspl.write_text(
        "pcd,pcd2,pcds,dointr,doterm,oa11,lsoa11,msoa11,laua\n"
        "L1 0AB,L1  0AB,L1 0AB,198001,,E00176737,E01006515,E02001383,E08000012\n"
        "L1 0AD,L1  0AD,L1 0AD,198001,200012,E00176737,E01006515,E02001383,E08000012\n",
        encoding="utf-8",
    )
    lookup = GeographyLookup.load(nspl)
    assert lookup.resolve("L10AB") == Place(
        "L1 0AB", "E00176737", "E01006515", "E02001383", "E08000012", "", nspl.name
    )
    assert lookup.resolve("L1 0AD") == Unresolved("L1 0AD", TERMINATED)
    assert lookup.postcodes() == ["L1 0AB"]


def test_a_column_mapping_names_other_headers(tmp_path: Path) -> None:
    custom = tmp_path / "custom.csv"
    custom.write_text("Post Code,Area,Council\nBS1 1AD,E01033358,E06000023\n,,\n", "utf-8")
    lookup = GeographyLookup.load(
        custom, {"postcode": "Post Code", "lsoa": "Area", "lad": "Council"}
    )
    assert lookup.resolve("BS1 1AD").lsoa == "E01033358"  # type: ignore[union-attr]
    assert lookup.unreadable_lines == 1
    with pytest.raises(LookupFileError, match="no column"):
        GeographyLookup.load(custom)
    with pytest.raises(LookupFileError, match="unknown lookup fields"):
        GeographyLookup.load(custom, {"ward": "Council"})
