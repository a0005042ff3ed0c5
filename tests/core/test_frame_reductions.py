"""The frame's NaN-ignoring reductions equal numpy's, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

from dampwatch.assessment.frame import nan_median, nan_percentile


@pytest.mark.parametrize("percentile", [0.0, 10.0, 50.0, 80.0, 99.5, 100.0])
def test_nan_percentile_equals_numpys(percentile: float) -> None:
    rng = np.random.default_rng(3)
    values = rng.normal(10, 4, (400, 9)).round(1)  # ties, as nightly humidities have
    values[rng.random(values.shape) < 0.3] = np.nan
    values[:5] = np.nan  # rows with nothing
    values[5:10, 1:] = np.nan  # rows with one value
    ours = nan_percentile(values, percentile)
    with np.errstate(all="ignore"), pytest.warns(RuntimeWarning, match="All-NaN"):
        theirs = np.nanpercentile(values, percentile, axis=1)
    np.testing.assert_array_equal(ours, theirs)
    assert np.isnan(ours[:5]).all()


def test_nan_percentile_of_no_columns_is_nan() -> None:
    assert np.isnan(nan_percentile(np.empty((3, 0)), 80.0)).all()


def test_nan_median_equals_numpys() -> None:
    rng = np.random.default_rng(4)
    values = rng.normal(0, 1, (300, 7))
    values[rng.random(values.shape) < 0.4] = np.nan
    values[:3] = np.nan
    with pytest.warns(RuntimeWarning, match="All-NaN"):
        theirs = np.nanmedian(values, axis=1)
    np.testing.assert_array_equal(nan_median(values, axis=1), theirs)
