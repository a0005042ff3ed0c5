"""A region's outdoor climate by month: the outdoor temperature when nothing better is known.

Monthly mean air temperatures (°C, January first), rounded to 0.1 °C, from the Met Office's
regional climate averages 1991–2020 (districts "England NW & Wales N", "England SE & central
S", "Scotland W"; https://www.metoffice.gov.uk/research/climate/maps-and-data/uk-climate-averages).
An hour's value is interpolated between the mid-month means, so a wall estimate does not jump
at the turn of a month. A wall follows the weather of the day more than the month's mean: a
measured or forecast outdoor temperature always comes first (see dampwatch_api.assess.weather).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Final

import numpy as np
import numpy.typing as npt

MONTHLY_MEAN_C: Final[dict[str, tuple[float, ...]]] = {
    "north-west-england": (4.2, 4.4, 5.9, 8.1, 11.0, 13.7, 15.6, 15.4, 13.2, 10.2, 6.9, 4.6),
    "south-east-england": (4.9, 5.1, 7.1, 9.4, 12.6, 15.6, 17.9, 17.6, 15.0, 11.6, 7.8, 5.3),
    "west-scotland": (3.8, 3.9, 5.2, 7.2, 9.9, 12.4, 14.3, 14.1, 12.1, 9.2, 6.0, 4.0),
}
DEFAULT_REGION: Final = "north-west-england"
HOURS_PER_MONTH: Final = 730.5  # 365.25 days × 24 / 12


def monthly_outdoor_c(
    start_hour: int, hours: int, region: str = DEFAULT_REGION
) -> npt.NDArray[np.float64]:
    """The climate's outdoor temperature for each epoch hour of [start_hour, start_hour + hours).

    Raises KeyError for a region not in MONTHLY_MEAN_C.
    """
    means = np.array(MONTHLY_MEAN_C[region])
    if hours <= 0:
        return np.zeros(0)
    first = datetime.fromtimestamp(start_hour * 3600, UTC)
    year_start = datetime(first.year, 1, 1, tzinfo=UTC).timestamp() / 3600
    # Position in months from 1 January of the first hour's year; mid-month at k + 0.5.
    months = (start_hour + np.arange(hours) - year_start) / HOURS_PER_MONTH
    wrapped = np.concatenate([[means[-1]], means, [means[0]]])
    positions = np.arange(-0.5, 12.5 + 1e-9, 1.0)
    values: npt.NDArray[np.float64] = np.interp(np.mod(months, 12.0), positions, wrapped)
    return values
