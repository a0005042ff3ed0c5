"""Where the demo's homes are: real Liverpool City Region postcodes when a lookup is configured."""

from __future__ import annotations

from typing import Final, TextIO

from dampwatch.geography import GeographyLookup, LookupFileError
from dampwatch.settings import PlaceSettings

NO_LOOKUP: Final = (
    "no postcode lookup: download the ONS National Statistics Postcode Lookup (NSPL) from "
    "geoportal.statistics.gov.uk and set DAMPWATCH_GEOGRAPHY_LOOKUP to place the demo's homes "
    "in Liverpool City Region; running without areas\n"
)


def place_environment(settings: PlaceSettings) -> dict[str, str]:
    """The lookup settings the demo's API needs to place the homes it registers."""
    env: dict[str, str] = {}
    if settings.geography_lookup is not None:
        env["DAMPWATCH_GEOGRAPHY_LOOKUP"] = str(settings.geography_lookup.resolve())
    if settings.deprivation_file is not None:
        env["DAMPWATCH_DEPRIVATION_FILE"] = str(settings.deprivation_file.resolve())
    return env


def demo_addresses(
    settings: PlaceSettings, count: int, seed: int, log: TextIO
) -> list[tuple[str, str]] | None:
    """(postcode, town) per home from the region's real postcodes, or None after one line."""
    from dampwatch_sim.postcodes import NoPostcodesError, region_addresses  # noqa: PLC0415

    path = settings.geography_lookup
    if path is None or not path.is_file():
        log.write(NO_LOOKUP)
        return None
    try:
        lookup = GeographyLookup.load(path, settings.geography_columns)
        addresses = region_addresses(lookup, count, seed)
    except (LookupFileError, NoPostcodesError) as error:
        log.write(
            f"the postcode lookup cannot place the demo's homes ({error}); running without areas\n"
        )
        return None
    towns = sorted({address.town for address in addresses})
    log.write(f"homes get real postcodes of Liverpool City Region ({', '.join(towns)})\n")
    return [(address.postcode, address.town) for address in addresses]
