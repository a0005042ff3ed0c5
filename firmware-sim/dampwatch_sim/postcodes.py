"""Real postcodes for simulated homes, drawn from a postcode lookup's local authorities.

With the ONS lookup at hand, a simulated cohort lives at real addresses' postcodes of the
Liverpool City Region, so its homes fall in real LSOAs and the demo's area figures are real
areas (never real homes: only the postcode is real).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

import numpy as np

from dampwatch.geography import GeographyLookup

# The Liverpool City Region's six local authorities (2011-2019 GSS codes).
LIVERPOOL_CITY_REGION: Final[Mapping[str, str]] = {
    "E08000012": "Liverpool",
    "E08000011": "Knowsley",
    "E08000014": "Sefton",
    "E08000013": "St Helens",
    "E08000015": "Wirral",
    "E06000006": "Halton",
}


@dataclass(frozen=True)
class SimulatedAddress:
    """A postcode for a simulated home and the authority it lies in."""

    postcode: str
    lad: str
    town: str


class NoPostcodesError(ValueError):
    """The lookup holds no live postcode in the wanted local authorities."""


def region_addresses(
    lookup: GeographyLookup,
    count: int,
    seed: int,
    region: Mapping[str, str] = LIVERPOOL_CITY_REGION,
) -> list[SimulatedAddress]:
    """`count` distinct postcodes of the region, seeded (repeats only beyond the region's size)."""
    pool = [
        SimulatedAddress(postcode, lad, town)
        for lad, town in sorted(region.items())
        for postcode in lookup.postcodes(lad)
    ]
    if not pool:
        raise NoPostcodesError(
            f"the lookup {lookup.source} has no live postcode in {', '.join(region.values())}"
        )
    rng = np.random.default_rng(seed)
    picks = rng.choice(len(pool), size=count, replace=count > len(pool))
    return [pool[int(index)] for index in picks]
