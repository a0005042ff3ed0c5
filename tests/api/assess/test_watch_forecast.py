"""The week ahead of a watch takes the weather feed's forecast, its gaps from the climate."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from dampwatch.assessment.config import HOURS_7D
from dampwatch.assessment.frame import hour_index
from dampwatch.assessment.outlook import HORIZON_H
from dampwatch.climate import monthly_outdoor_c
from dampwatch_api.assess.watching import forecast_ahead

END = hour_index(datetime(2027, 1, 11, 6, tzinfo=UTC))


def test_the_forecast_is_used_and_its_gaps_filled_from_the_climate() -> None:
    feed = np.full(HOURS_7D + HORIZON_H, 2.0)
    feed[HOURS_7D + 10 : HOURS_7D + 20] = np.nan
    ahead = forecast_ahead(feed, END, "north-west-england")
    assert ahead is not None and ahead.shape == (HORIZON_H,)
    climate = monthly_outdoor_c(END, HORIZON_H, "north-west-england")
    assert np.allclose(ahead[10:20], climate[10:20]) and np.allclose(ahead[:10], 2.0)


def test_without_a_forecast_the_recent_hours_are_repeated() -> None:
    past_only = np.concatenate([np.full(HOURS_7D, 5.0), np.full(HORIZON_H, np.nan)])
    assert forecast_ahead(None, END, "north-west-england") is None
    assert forecast_ahead(past_only, END, "north-west-england") is None
