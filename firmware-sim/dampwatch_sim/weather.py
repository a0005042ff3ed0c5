"""Outdoor weather: a UK seasonal and daily cycle with random weather, or a real dataset's columns.

The synthetic climate follows the Met Office 1991–2020 UK averages in shape: a mean of about 10 °C,
coldest in late January (about 3.5 °C) and warmest in late July (about 16.5 °C), a daily range of
about 5 °C in winter and 9 °C in summer, and weather systems that move the temperature by a few
degrees for two to three days at a time (a first-order autoregressive anomaly). Outdoor relative
humidity is higher in winter and at night, as in the UK record (about 85–90 % winter nights,
65–75 % summer afternoons). Solar irradiance uses the sun's elevation at 51.5° N (Cooper's
declination) scaled by a random daily cloudiness.
"""

from __future__ import annotations

import gzip
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np

from dampwatch.psychrometrics_array import FloatArray

ANNUAL_MEAN_C: Final = 10.0
SEASONAL_AMPLITUDE_C: Final = 6.5
COLDEST_DAY_OF_YEAR: Final = 20
WEATHER_SIGMA_C: Final = 2.8
WEATHER_PERSISTENCE_S: Final = 2.5 * 86_400
LATITUDE_RAD: Final = math.radians(51.5)
CLEAR_SKY_PEAK_W_M2: Final = 900.0


@dataclass(frozen=True, slots=True)
class OutdoorSeries:
    """Outdoor conditions at each step: air temperature, relative humidity, solar irradiance."""

    temperature_c: FloatArray
    humidity_pct: FloatArray
    solar_w_m2: FloatArray


def _season(times_s: FloatArray) -> FloatArray:
    """Cosine of the season: -1 in the coldest week, +1 in the warmest."""
    day_of_year = (times_s / 86_400.0 + 4.0) % 365.25  # 1970-01-01 is day 0; +4 aligns leap cycles
    return -np.cos(2 * np.pi * (day_of_year - COLDEST_DAY_OF_YEAR) / 365.25)


def _solar_elevation_sine(times_s: FloatArray) -> FloatArray:
    day_of_year = (times_s / 86_400.0) % 365.25
    declination = np.radians(23.44) * np.sin(2 * np.pi * (284 + day_of_year) / 365.0)
    hour_angle = 2 * np.pi * ((times_s % 86_400) / 86_400.0 - 0.5)
    sine: FloatArray = np.sin(LATITUDE_RAD) * np.sin(declination) + np.cos(LATITUDE_RAD) * np.cos(
        declination
    ) * np.cos(hour_angle)
    return sine


class SyntheticWeather:
    """UK-like weather; each day's random part comes from (seed, day), so runs repeat exactly."""

    def __init__(self, seed: int) -> None:
        self._seed = seed
        self._anomaly_c = 0.0
        self._humidity_anomaly = 0.0
        self._next_day: int | None = None

    def day(self, day_index: int, times_s: FloatArray, step_s: float) -> OutdoorSeries:
        """Conditions for the steps of one day; days must be asked for in order."""
        if self._next_day is not None and day_index != self._next_day:
            raise ValueError("weather days must be generated in order")
        self._next_day = day_index + 1
        rng = np.random.default_rng([self._seed, 7_001, day_index + 100_000])
        persistence = math.exp(-step_s / WEATHER_PERSISTENCE_S)
        kick = WEATHER_SIGMA_C * math.sqrt(1 - persistence**2)
        anomaly = np.empty(times_s.size)
        humidity_anomaly = np.empty(times_s.size)
        shocks = rng.standard_normal((2, times_s.size))
        for index in range(times_s.size):
            self._anomaly_c = persistence * self._anomaly_c + kick * shocks[0, index]
            self._humidity_anomaly = (
                persistence * self._humidity_anomaly
                + 2.0 * math.sqrt(1 - persistence**2) * shocks[1, index]
            )
            anomaly[index] = self._anomaly_c
            humidity_anomaly[index] = self._humidity_anomaly
        season = _season(times_s)
        daily_range = 7.0 + 2.0 * season
        hour = (times_s % 86_400) / 3600.0
        diurnal = np.cos(2 * np.pi * (hour - 15.0) / 24.0)  # warmest mid-afternoon
        temperature = (
            ANNUAL_MEAN_C + SEASONAL_AMPLITUDE_C * season + daily_range / 2 * diurnal + anomaly
        )
        humidity = 80.0 - 6.0 * season - 9.0 * diurnal + 3.0 * humidity_anomaly
        cloudiness = rng.uniform(0.15, 1.0)
        solar = CLEAR_SKY_PEAK_W_M2 * cloudiness * np.clip(_solar_elevation_sine(times_s), 0, None)
        return OutdoorSeries(temperature, np.clip(humidity, 35.0, 100.0), solar)


class DatasetWeather:
    """Outdoor temperature and humidity from the UCI house's weather-station columns, cycled."""

    def __init__(self, times_s: FloatArray, temperature_c: FloatArray, humidity_pct: FloatArray):
        self._offsets = times_s - times_s[0]
        self._span = float(self._offsets[-1])
        self._temperature = temperature_c
        self._humidity = humidity_pct
        self._origin: float | None = None

    def day(self, day_index: int, times_s: FloatArray, step_s: float) -> OutdoorSeries:
        """Conditions for the steps of one day, the dataset replayed from the simulation's start."""
        if self._origin is None:
            self._origin = float(times_s[0]) - day_index * 86_400.0
        offsets = (times_s - self._origin) % self._span
        temperature = np.interp(offsets, self._offsets, self._temperature)
        humidity = np.interp(offsets, self._offsets, self._humidity)
        solar = CLEAR_SKY_PEAK_W_M2 * 0.5 * np.clip(_solar_elevation_sine(times_s), 0, None)
        return OutdoorSeries(temperature, humidity, solar)


def open_text(path: Path) -> list[str]:
    """Lines of a text file, gunzipped when it ends in .gz."""
    if path.suffix == ".gz":
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            return handle.read().splitlines()
    return path.read_text(encoding="utf-8").splitlines()
