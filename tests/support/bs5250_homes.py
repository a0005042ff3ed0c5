"""A second generator of homes, written apart from the simulator: moisture and heat balances.

The simulator (dampwatch_sim) draws room humidity from its own model; this one builds each
room's water vapour from a mass balance, hour by hour in 15-minute steps:

    V · dρ/dt = G(t) + n(t)·V·(ρ_out − ρ) + m·V·(ρ_home − ρ)

with G the moisture produced in the room (BS 5250:2021 Annex D, after BS EN ISO 13788 Annex A:
a person about 40 g/h asleep and 55 g/h awake, a shower about 200 g, cooking about 600 g an
evening with an extractor, a load of washing dried indoors about 1.5 kg), n the room's air
changes with outdoors per hour (0.1 to 1.5 ACH, raised by extractors while in use), m the
exchange with the rest of the home. Room temperature relaxes towards the heating's set point
while heated and towards the outdoor air plus internal gains while not. The wall's true surface
temperature follows each home's own temperature factor (f_Rsi 0.6–0.85, BS EN ISO 13788), which
the assessment never sees (it has no wall probe here and no outdoor sensor).

Labels come from the design, checked against the true series (`sane`): a damp bedroom (from its
onset: vents closed, washing dried in it, unheated) is at 72–85 % RH for most hours; a cold home
keeps its living room near 14 °C with the household in all day; every other room stays clear of
the limits but for shower and cooking peaks. Devices: a few fall silent, a few humidity sensors
drift upwards (a calibration creep in a dry room), and every home has a damp room's sensor that
does not drift.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt

from dampwatch.psychrometrics import ABS_HUMIDITY_FACTOR, KELVIN_OFFSET
from dampwatch.psychrometrics_array import (
    relative_humidity_pct,
    saturation_vapour_pressure_hpa,
    surface_rh_pct,
    vapour_density_gm3,
)

FloatArray = npt.NDArray[np.float64]
STEP_H = 0.25
PERSON_ASLEEP_GH = 40.0  # BS 5250:2021 Annex D
PERSON_AWAKE_GH = 55.0
SHOWER_G = 200.0
COOKING_G = 600.0
WASHING_LOAD_G = 1500.0
ROOMS = (("living-room", 45.0), ("bedroom-1", 30.0), ("bathroom", 10.0), ("kitchen", 20.0))
LIVING, BEDROOM, BATHROOM, KITCHEN = range(4)
DESIGN_F_RSI = 0.75  # BRE IP1/06


@dataclass
class Home:
    """One home's design and its readings."""

    home_id: str
    kind: str  # healthy, damp, cold
    onset_day: int
    f_rsi: float
    people: int
    works: bool = False  # out on weekdays 09:00–16:00, heating set back meanwhile
    conditions: list[dict[str, Any]] = field(default_factory=list)
    air_c: FloatArray = field(default_factory=lambda: np.zeros(0))  # (rooms, steps)
    rh_pct: FloatArray = field(default_factory=lambda: np.zeros(0))
    surface_rh: FloatArray = field(default_factory=lambda: np.zeros(0))
    design_surface_rh: FloatArray = field(default_factory=lambda: np.zeros(0))  # at f_Rsi 0.75


def outdoor_weather(rng: np.random.Generator, steps: int) -> tuple[FloatArray, FloatArray]:
    """Outdoor air (°C) and vapour density (g/m³): a mild winter with one cold snap."""
    hours = np.arange(steps) * STEP_H
    synoptic = np.cumsum(rng.normal(0, 0.04, steps))
    synoptic -= np.linspace(0, synoptic[-1], steps)  # no long drift
    snap_start = rng.uniform(10, 25) * 24
    snap = np.where((hours > snap_start) & (hours < snap_start + 6 * 24), -6.0, 0.0)
    air = 7.0 + 3.0 * np.sin(2 * np.pi * (hours % 24 - 9) / 24) + synoptic + snap
    outdoor_rh = np.clip(88.0 + rng.normal(0, 3, steps), 70, 100)
    return air, vapour_density_gm3(air, outdoor_rh)


def _schedules(home: Home, hour_of_day: FloatArray, day: FloatArray, steps: int) -> dict[str, Any]:
    """Set points (°C, NaN: unheated), air changes, exchange and moisture per room and step."""
    waking = (hour_of_day >= 7) & (hour_of_day < 23)
    setpoint = np.full((4, steps), np.nan)
    ach = np.array([0.6, 0.7, 0.8, 0.8])[:, None] * np.ones(steps)
    exchange = np.array([0.6, 0.4, 0.4, 0.5])
    moisture = np.zeros((4, steps))
    people = home.people
    weekday = (day % 7) < 5  # the cohort starts on a Monday
    out = home.works & weekday & (hour_of_day >= 9) & (hour_of_day < 16)
    in_living = waking & ~out
    moisture[LIVING] += np.where(in_living, people * PERSON_AWAKE_GH, 0.0)
    moisture[BEDROOM] += np.where(~waking, people * PERSON_ASLEEP_GH, 0.0)
    shower = (hour_of_day >= 7) & (hour_of_day < 7 + 0.25 * people)
    moisture[BATHROOM] += np.where(shower, SHOWER_G / STEP_H, 0.0)
    ach[BATHROOM] = np.where((hour_of_day >= 7) & (hour_of_day < 9), 4.0, 0.8)
    cooking = (hour_of_day >= 18) & (hour_of_day < 19)
    moisture[KITCHEN] += np.where(cooking, COOKING_G, 0.0)
    ach[KITCHEN] = np.where(cooking, 5.0, 0.8)
    if home.kind == "cold":
        # Under-heated all day (a pre-payment meter rationed): 14 °C while awake, 13.5 °C asleep.
        setpoint[:] = np.where(waking, 14.0, 13.5)
        # Draughty: a cold home kept dry by air changes, not by heat.
        ach[LIVING], ach[BEDROOM] = 3.0, 1.5
        ach[KITCHEN] = np.maximum(ach[KITCHEN], 1.5)
        ach[BATHROOM] = np.maximum(ach[BATHROOM], 1.5)
    else:
        heated = waking & ~out
        setpoint[LIVING] = np.where(heated, 20.5, np.nan)
        setpoint[BEDROOM] = np.where(~waking, 18.0, np.nan)
        setpoint[BATHROOM] = np.where(heated, 20.0, np.nan)
        setpoint[KITCHEN] = np.where(heated, 19.0, np.nan)
    if home.kind == "damp":
        damp = day >= home.onset_day
        # From the onset: trickle vents closed, door shut, the radiator turned down to 15 °C, a
        # couple sleeping there and a load of washing drying on an airer every 1.5 days.
        ach[BEDROOM] = np.where(damp, 0.45, ach[BEDROOM])
        setpoint[BEDROOM] = np.where(damp, 15.0, setpoint[BEDROOM])
        moisture[BEDROOM] = np.where(damp & ~waking, 2 * PERSON_ASLEEP_GH, moisture[BEDROOM])
        moisture[BEDROOM] += np.where(damp & waking, WASHING_LOAD_G / 24.0, 0.0)
        home_exchange = np.where(damp, 0.3, 0.4)
    else:
        home_exchange = np.full(steps, exchange[BEDROOM])
    return {
        "setpoint": setpoint,
        "ach": ach,
        "exchange": exchange,
        "bedroom_exchange": home_exchange,
        "moisture": moisture,
    }


def simulate(home: Home, outdoor_c: FloatArray, outdoor_gm3: FloatArray, start: datetime) -> None:
    """Fill the home's true air temperature, humidity and wall surface RH, step by step."""
    steps = outdoor_c.size
    hours = np.arange(steps) * STEP_H
    hour_of_day = (hours + start.hour) % 24
    day = hours // 24
    plan = _schedules(home, hour_of_day, day, steps)
    volumes = np.array([volume for _, volume in ROOMS])
    volume_sum = volumes.sum()
    # Everything that does not depend on the state, for every step at once (the same
    # element-wise arithmetic as step by step, so the same numbers); rows are steps.
    target = plan["setpoint"].T
    heated = np.isfinite(target)
    free = outdoor_c + 6.0  # gains and heated neighbours keep it above outdoors
    goal = np.where(heated, target, free[:, None])
    air_decay = np.exp(-STEP_H / np.where(heated, 1.0, 10.0))
    exchange = np.repeat(plan["exchange"][None, :], steps, axis=0)
    exchange[:, BEDROOM] = plan["bedroom_exchange"]
    ach = plan["ach"].T
    rate = ach + exchange
    produced = plan["moisture"].T / volumes + ach * outdoor_gm3[:, None]
    density_decay = np.exp(-rate * STEP_H)
    # Air temperature does not depend on the moisture: all of it first, then what follows
    # from it for every step at once.
    air = np.full(4, 17.0)
    air_rows = np.zeros((steps, 4))
    for step in range(steps):
        air = goal[step] + (air - goal[step]) * air_decay[step]
        air_rows[step] = air
    saturation = saturation_vapour_pressure_hpa(air_rows)
    kelvin = KELVIN_OFFSET + air_rows
    density = np.full(4, outdoor_gm3[0] + 1.0)
    vapour_rows = np.zeros((steps, 4))
    for step in range(steps):
        home_mean = float(np.multiply(density, volumes).sum() / volume_sum)
        equilibrium = (produced[step] + exchange[step] * home_mean) / rate[step]
        density = equilibrium + (density - equilibrium) * density_decay[step]
        # vapour_pressure_from_density_hpa, then vapour_density_gm3 at the capped humidity,
        # written out with the same operations in the same order (dampwatch.psychrometrics_array)
        vapour = density * kelvin[step] / ABS_HUMIDITY_FACTOR
        # Air cannot hold more than saturation: the excess condenses out.
        vapour = np.minimum(vapour, saturation[step])
        held = (100.0 * vapour / saturation[step]) / 100.0 * saturation[step]
        density = ABS_HUMIDITY_FACTOR * held / kelvin[step]
        vapour_rows[step] = vapour
    air_out = np.ascontiguousarray(air_rows.T)
    rh_out = np.ascontiguousarray(relative_humidity_pct(air_rows, vapour_rows).T)
    home.air_c, home.rh_pct = air_out, rh_out
    wall = outdoor_c[None, :] + home.f_rsi * (air_out - outdoor_c[None, :])
    home.surface_rh = surface_rh_pct(air_out, rh_out, wall)
    design_wall = outdoor_c[None, :] + DESIGN_F_RSI * (air_out - outdoor_c[None, :])
    home.design_surface_rh = surface_rh_pct(air_out, rh_out, design_wall)


def hourly_means(values: FloatArray) -> FloatArray:
    """Hourly means of 15-minute steps, per row."""
    per_hour = round(1 / STEP_H)
    return values.reshape(values.shape[0], -1, per_hour).mean(axis=2)


def sane(home: Home) -> bool:
    """The design's label holds on the true series, with a margin either side."""
    rh, surface, air = (
        hourly_means(home.rh_pct),
        hourly_means(home.surface_rh),
        hourly_means(home.air_c),
    )
    if home.kind != "damp":
        # Its label must not hang on its wall: at the UK design minimum (f_Rsi 0.75) it would
        # be no damper (a home on the limit, which no estimate of the wall can decide).
        design = hourly_means(home.design_surface_rh)
        surface = np.maximum(surface, design)
    damp_hours = (rh >= 70) & (surface >= 80)
    daily = damp_hours.reshape(4, -1, 24).sum(axis=2)
    if home.kind == "damp":
        after = rh[BEDROOM, home.onset_day * 24 + 48 :]
        steady = daily[BEDROOM, home.onset_day + 2 :]
        return bool(72 <= np.median(after) <= 86 and (steady >= 12).mean() >= 0.75)
    # Not damp: no two days in a row with a third of their hours damp in any room (a wet
    # room's shower or cooking peak lasts an hour or two).
    if ((daily[:, 1:] >= 8) & (daily[:, :-1] >= 8)).any():
        return False
    waking_living = air[LIVING].reshape(-1, 24)[:, 7:23]
    if home.kind == "cold":
        return bool(np.median(waking_living) < 15.5)
    evenings = air[LIVING].reshape(-1, 24)[:, 17:23]
    return bool((evenings >= 19).mean() > 0.9)
