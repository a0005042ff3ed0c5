"""Simulated homes get real Liverpool City Region postcodes from the shared lookup."""

from __future__ import annotations

from collections import Counter

import pytest

from dampwatch.geography import GeographyLookup, Place
from dampwatch_sim.postcodes import LIVERPOOL_CITY_REGION, NoPostcodesError, region_addresses
from tests.support.opendata import POSTCODE_LOOKUP, opendata_file

LOOKUP = opendata_file(POSTCODE_LOOKUP)


@pytest.mark.skipif(LOOKUP is None, reason="shared/data/opendata is absent")
def test_region_addresses_are_real_distinct_and_seeded() -> None:
    assert LOOKUP is not None
    lookup = GeographyLookup.load(LOOKUP)
    addresses = region_addresses(lookup, 600, seed=7)
    assert addresses == region_addresses(lookup, 600, seed=7)
    assert addresses != region_addresses(lookup, 600, seed=8)
    assert len({a.postcode for a in addresses}) == 600
    places = [lookup.resolve(a.postcode) for a in addresses]
    assert all(
        isinstance(p, Place) and p.lad == a.lad for p, a in zip(places, addresses, strict=True)
    )
    spread = Counter(a.lad for a in addresses)
    assert set(spread) == set(LIVERPOOL_CITY_REGION)  # 600 draws reach all six authorities
    with pytest.raises(NoPostcodesError, match="no live postcode"):
        region_addresses(lookup, 1, seed=1, region={"E09000001": "City of London"})
