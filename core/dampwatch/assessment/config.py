"""Every threshold of the assessment in one place, with its source.

Sources: BS 5250:2021 and BS EN ISO 13788:2012 (surface RH ≥ 80 % sustained for days invites
mould; condensation when the surface is below the dew point); BRE IP1/06 (temperature factor
f_Rsi ≥ 0.75 as the UK design minimum); WHO Housing and health guidelines (2018): at least 18 °C,
below 16 °C respiratory and below 12 °C cardiovascular risk; CIBSE TM59 (2017): bedrooms above
26 °C for more than 1 % of annual night hours (22:00–07:00) overheat; CO₂ above 1500 ppm
sustained as a sign of poor ventilation (Approved Document F 2021 uses 1500 ppm as the
upper limit of the occupied-room average).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

HOURS_7D: Final = 7 * 24
HOURS_30D: Final = 30 * 24
# TM59: 1 % of the 3285 night hours of a year (9 h × 365).
TM59_ANNUAL_NIGHT_HOURS: Final = 3285
TM59_ALLOWED_FRACTION: Final = 0.01


@dataclass(frozen=True)
class AssessmentConfig:
    """Thresholds, windows and hold-offs of the indicators and rules."""

    # Sensors: stated accuracy of the humidity sensors in use (SHT3x ±2 %RH typical; the eval's
    # band of homes on the limit). The early warning projects at the low end of it (outlook.py);
    # a wall estimated from a room sensor (no probe) must clear `surface_rh_pct` by it (surface.py).
    humidity_accuracy_pct: float = 2.0
    # Surface estimate
    temperature_factor: float = 0.75  # f_Rsi, BRE IP1/06 design minimum
    air_margin_k: float = 3.0  # coldest surface this far below room air when outdoor is unknown
    # Damp and condensation
    room_rh_screen_pct: float = 70.0
    surface_rh_pct: float = 80.0  # at a probed wall; an estimated one: `estimated_surface_rh_pct`
    # Sustained (BS 5250 "for days"): three days' hours in a week at the wall, not nightly peaks.
    condensation_raise_hours_7d: int = 72
    condensation_clear_hours_7d: int = 12
    # The room air must back the wall estimate: humid for a day and a half of the week (screening).
    room_rh_raise_hours_7d: int = 36
    # ...and damp days in a row: room air ≥ 70 % at a wall ≥ 80 % for half of each of 3 days.
    damp_day_hours: int = 12
    condensation_raise_days: int = 3
    dew_point_raise_hours_7d: int = 36
    dew_point_clear_hours_7d: int = 4
    condensation_high_hours_7d: int = 96  # most of the week: a significant hazard
    # Mould (VTT index)
    mould_raise_index: float = 1.0  # first microscopic growth expected
    mould_clear_index: float = 0.5
    mould_visible_index: float = 3.0  # visible growth
    mould_emergency_index: float = 4.0
    # Cold, judged per day on the hours the household uses the room (see indicators.cold_days)
    occupied_from_hour: int = 7
    occupied_to_hour: int = 23  # exclusive: 07:00–23:00 local time, the waking hours
    cold_c: float = 18.0
    very_cold_c: float = 16.0
    severe_cold_c: float = 12.0  # WHO 2018: cardiovascular risk; an emergency hazard
    # A household at home all day uses the room in all its waking hours: a day is cold when at
    # least half of them are below the limit. A day with the heating set back between morning
    # and evening (see days.cold_days) is a household out by day: its warmest 8 waking hours
    # stand for the hours in use, and it is cold when the room reached the limit for at most 4.
    cold_warm_hours_max: int = 4
    cold_min_waking_hours: int = 8  # hours with data for a day to be judged
    # Set-back day: heated in the morning (warm, or warming by `heating_rise_k` in two hours, in
    # one of 07:00–09:00), below 18 °C for 4 of 10:00–17:00 without being heated through them
    # (warming in at most 2 of those hours), and warm for 3 of 18:00–23:00.
    heating_rise_k: float = 0.3
    setback_morning_hours: tuple[int, int] = (7, 9)
    setback_daytime_hours: tuple[int, int] = (10, 17)
    setback_evening_hours: tuple[int, int] = (18, 23)
    setback_min_morning_warm: int = 1
    setback_min_daytime_cold: int = 4
    setback_min_evening_warm: int = 3
    setback_max_daytime_heating: int = 2
    # Out by day, from the moisture people add to the living room (see presence.py): over the
    # last 14 days, weekday daytime (10:00–16:00) hours with people in the room are at most this
    # share of the evening (18:00–22:00) ones. Where this is known it decides instead of the
    # set-back days: a household out by day is judged on its warmest hours, one at home on all.
    presence_excess_hpa: float = 1.3
    presence_window_days: int = 14
    presence_daytime_hours: tuple[int, int] = (10, 16)
    presence_evening_hours: tuple[int, int] = (18, 22)
    presence_min_known_hours: int = 20
    presence_min_evening_share: float = 0.4
    presence_out_ratio: float = 0.35
    cold_raise_days: int = 4  # of the last 7: most days
    cold_clear_days: int = 1
    cold_min_judged_days: int = 4
    # Overheating, bedrooms at night (TM59)
    night_from_hour: int = 22
    night_to_hour: int = 7  # exclusive
    overheating_c: float = 26.0
    overheating_raise_hours_30d: int = 33  # more than a year's TM59 allowance in 30 days
    overheating_clear_hours_30d: int = 10
    # Ventilation
    co2_ppm: float = 1500.0
    # Devices
    battery_offline_after_h: float = 25.0
    mains_offline_after_h: float = 2.0
    offline_after_intervals: int = 3  # or this many expected intervals, if longer
    battery_low_pct: float = 15.0
    battery_ok_pct: float = 25.0
    stuck_hours: int = 24
    implausible_hours: int = 6
    indoor_min_plausible_c: float = 0.0
    indoor_max_plausible_c: float = 45.0
    # ...below 0 °C is a cold room, not a broken sensor, when another room of the home is at or
    # below a heating system's frost protection setting: an unheated home in a frost.
    frost_home_c: float = 5.0
    saturated_rh_pct: float = 99.5
    saturated_hours: int = 12
    # ...unless another indoor sensor of the home reads this much too: then the air is saturated.
    saturated_home_pct: float = 85.0
    # A device whose sequence numbers show a fifth of its last 24 hours' readings lost on the
    # way (a weak radio link); a missing BLE advert is not one: the gateway numbers what it sends.
    lossy_share: float = 0.2
    # Shown on the devices board beside the signal strength: links are judged by the readings
    # they lose (`lossy_share`), the RSSI only explains a lossy one.
    weak_signal_dbm: float = -90.0
    # Humidity drift (see drift.py): the night-time vapour excess of a sensor over the home's
    # other indoor sensors rising steadily, at least this much a night over this many nights,
    # with nearly every pair of nights rising (Kendall's tau ≥ 0.8); nights with any of them at
    # or above `drift_wet_pct` are not compared (saturated air hides differences).
    drift_night_hours: tuple[int, int] = (2, 6)
    drift_window_nights: int = 7
    drift_min_nights: int = 5
    drift_min_rise_hpa_per_night: float = 0.2
    drift_min_concordance: float = 0.9
    drift_wet_pct: float = 90.0
    drift_baseline_nights: int = 3
    # ...a creep, not a damp room's onset (no night gives more than this share of the rise),
    # with the sensor's night temperature not falling (a cold snap makes a damp room damper).
    drift_max_step_share: float = 0.4
    drift_max_cooling_k: float = 0.5  # over the window, by its Theil–Sen slope
    drift_clear_hpa: float = 1.0  # back within this of the baseline: recalibrated or replaced
    # Hold-off: how long the clear condition must hold before an alert clears (hours)
    hold_off_hazard_h: int = 72
    hold_off_device_h: int = 2
    hold_off_battery_h: int = 24
    hold_off_fault_h: int = 24
    # Incremental processing
    rewind_hours: int = 48  # late readings re-compute this many hours

    @property
    def overheating_allowance_hours(self) -> float:
        """TM59's yearly allowance of hot night hours."""
        return TM59_ANNUAL_NIGHT_HOURS * TM59_ALLOWED_FRACTION

    @property
    def estimated_surface_rh_pct(self) -> float:
        """The wall RH that counts as damp where the wall is estimated, not probed."""
        return self.surface_rh_pct + self.humidity_accuracy_pct


DEFAULT_CONFIG: Final = AssessmentConfig()
