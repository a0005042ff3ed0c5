"""IMD 2019 deciles per LSOA from MHCLG's file, in its published and shortened headers."""

from __future__ import annotations

from pathlib import Path

import pytest

from dampwatch.deprivation import Deprivation, DeprivationFileError, load_deprivation
from tests.support.opendata import DEPRIVATION, opendata_file

IMD_FILE = opendata_file(DEPRIVATION)


@pytest.mark.skipif(IMD_FILE is None, reason="shared/data/opendata is absent")
def test_the_shared_file_covers_every_english_lsoa() -> None:
    assert IMD_FILE is not None
    deprivation = load_deprivation(IMD_FILE)
    assert len(deprivation) == 32844
    assert deprivation["E01000001"] == Deprivation("E01000001", 9, 3)
    deciles = {d.imd_decile for d in deprivation.values()}
    assert deciles == set(range(1, 11))


def test_file7_headers_load(tmp_path: Path) -> None:
    file7 = tmp_path / "File_7.csv"
    file7.write_text(
        '"LSOA code (2011)","LSOA name (2011)",'
        '"Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs)",'
        '"Living Environment Decile (where 1 is most deprived 10% of LSOAs)"\n'
        "E01006515,Liverpool 060C,1,3\n",
        encoding="utf-8-sig",
    )
    assert load_deprivation(file7) == {"E01006515": Deprivation("E01006515", 1, 3)}


def test_a_bad_decile_names_its_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("lsoa11cd,imd_decile,living_env_decile\nE01,1,2\nE02,11,2\n", "utf-8")
    with pytest.raises(DeprivationFileError, match="line 3: imd_decile '11'"):
        load_deprivation(bad)
    missing = tmp_path / "missing.csv"
    missing.write_text("lsoa11cd,imd_decile\nE01,1\n", "utf-8")
    with pytest.raises(DeprivationFileError, match="Living Environment"):
        load_deprivation(missing)
