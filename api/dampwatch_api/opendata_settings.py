"""Settings of open-data publishing: disclosure control, where files go, the region's maps."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr

from dampwatch.opendata.disclosure import Control, Method
from dampwatch.settings import BaseAppSettings

DEVELOPMENT_RECORD_KEY_SALT = "dampwatch-development-record-keys"


class OpenDataSettings(BaseAppSettings):
    """`DAMPWATCH_OPENDATA_*`."""

    opendata_disclosure: Method = Method.RULE_10_5
    opendata_threshold: int = Field(default=10, ge=3, le=100)
    opendata_rounding_base: int = Field(default=5, ge=1, le=50)
    # Record keys of cell key perturbation come from the home id under this key: keep it secret,
    # or anyone who knows a home's id can compute its share of a cell's noise.
    opendata_record_key_salt: SecretStr = SecretStr(DEVELOPMENT_RECORD_KEY_SALT)
    opendata_dir: Path | None = None  # default: DATA_DIR/opendata
    # Hours of readings a home needs in a month to join the quartiles (10 days).
    opendata_min_hours: int = Field(default=240, ge=1, le=744)
    # ONS's OA/LSOA/MSOA/LAD/region lookup (for each local authority's region).
    opendata_area_lookup: Path | None = None
    # GeoJSON boundaries (WGS84) of the region's MSOAs and LSOAs for the /region maps.
    opendata_msoa_boundaries: Path | None = None
    opendata_lsoa_boundaries: Path | None = None

    @property
    def published_dir(self) -> Path:
        """Where the last publication's public files are (the analyst's in `analyst/`)."""
        return self.opendata_dir or self.data_dir / "opendata"

    @property
    def disclosure(self) -> Control:
        """The disclosure method and its parameters."""
        return Control(
            self.opendata_disclosure, self.opendata_threshold, self.opendata_rounding_base
        )

    def production_problems(self) -> list[str]:
        """The development record-key salt is refused in production."""
        problems = super().production_problems()
        salt = self.opendata_record_key_salt.get_secret_value()
        if self.opendata_disclosure is Method.CELL_KEY and salt == DEVELOPMENT_RECORD_KEY_SALT:
            problems.append("DAMPWATCH_OPENDATA_RECORD_KEY_SALT is the development default")
        return problems
