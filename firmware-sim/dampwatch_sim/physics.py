"""Heat, moisture and CO2 balances of every room, stepped together as arrays.

Heat: two nodes per room, air (with furnishings) and the fabric's thermal mass, as in the simple
hourly method of ISO 13790 (5R1C) reduced to what a room sensor sees. Windows and ventilation
couple the air node to outdoors, walls and roof couple the mass node to outdoors, and the two nodes
exchange heat through h_ms. Each step solves the pair implicitly (backward Euler): stable at
any step length and the energy balance closes exactly; the heater is an ideal thermostat that gives
what the set-point needs, up to the radiators' power.

Moisture and CO2: each room a well-mixed zone that also trades air with the rest of the home
(the mean of its rooms weighted by their doorway flows, at the interzone rate n_iz):
V·dc/dt = n·V·(c_out − c) + n_iz·V·(c_home − c) + G, integrated exactly over each step (the
exponential solution, c_home held at its value at the start of the step), so a moisture peak
decays with the time constant 1/(n + n_iz).
Hygroscopic buffering by furnishings is left out: it slows decay, and without it the time constant
is the textbook one.

Wall surface temperature from the temperature factor (BRE IP1/06, BS EN ISO 10211):
T_si = T_out + f_Rsi · (T_in − T_out), and the surface RH from the room's vapour pressure at T_si.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dampwatch.psychrometrics_array import (
    FloatArray,
    relative_humidity_pct,
    vapour_density_gm3,
    vapour_pressure_from_density_hpa,
)
from dampwatch_sim.homes import RoomTable
from dampwatch_sim.schedules import DaySources
from dampwatch_sim.weather import OutdoorSeries

AIR_W_H_M3K = 1.2 * 1005.0 / 3600.0  # ρ·c_p of air per m³/h of ventilation: 0.335 W/K
OUTDOOR_CO2_PPM = 420.0


@dataclass(slots=True)
class RoomState:
    """The state carried from step to step."""

    air_c: FloatArray
    mass_c: FloatArray
    vapour_gm3: FloatArray
    co2_ppm: FloatArray


@dataclass(slots=True)
class DayFrame:
    """One day of true room conditions, shape steps × rooms (outdoor: steps)."""

    times_s: FloatArray
    air_c: FloatArray
    humidity_pct: FloatArray
    surface_c: FloatArray
    surface_humidity_pct: FloatArray
    co2_ppm: FloatArray
    heat_w: FloatArray
    outdoor_c: FloatArray
    outdoor_humidity_pct: FloatArray
    awake_home: FloatArray


@dataclass(slots=True)
class Ledger:
    """Running totals of every energy (J) and moisture (g) flow per room, to check the balances."""

    heat_j: FloatArray
    gains_j: FloatArray
    loss_j: FloatArray
    moisture_source_g: FloatArray
    moisture_vent_g: FloatArray
    moisture_interzone_g: FloatArray

    @classmethod
    def zeros(cls, rooms: int) -> Ledger:
        """An empty ledger."""
        return cls(*(np.zeros(rooms) for _ in range(6)))


def initial_state(rooms: RoomTable, outdoor_c: float) -> RoomState:
    """A starting state near the set-point; the spin-up days remove what is left of it."""
    start = np.where(rooms.heater_w > 0, rooms.set_point_c, outdoor_c + 3.0)
    vapour = vapour_density_gm3(start, np.full(start.shape, 55.0))
    return RoomState(start.copy(), start.copy(), vapour, np.full(start.shape, 600.0))


def step_day(
    rooms: RoomTable,
    state: RoomState,
    outdoor: OutdoorSeries,
    sources: DaySources,
    *,
    times_s: FloatArray,
    step_s: float,
    ledger: Ledger | None = None,
) -> DayFrame:
    """Advance every room through one day's steps; returns the day's true conditions."""
    steps = outdoor.temperature_c.size
    air = np.empty((steps, rooms.home.size))
    vapour = np.empty_like(air)
    co2 = np.empty_like(air)
    heat = np.empty_like(air)
    outdoor_vapour = vapour_density_gm3(outdoor.temperature_c, outdoor.humidity_pct)
    a = rooms.c_air_j_k / step_s
    m = rooms.c_mass_j_k / step_s
    h_ms = rooms.h_air_mass_w_k
    h_em = rooms.h_fabric_w_k
    mass_terms = m + h_ms + h_em
    homes = int(rooms.home.max(initial=-1)) + 1
    # Doorway air mixes in proportion to each room's exchange flow, so what rooms trade nets out.
    exchange = rooms.volume_m3 * rooms.ach_interzone
    home_exchange = np.maximum(np.bincount(rooms.home, exchange, minlength=homes), 1e-12)
    for index in range(steps):
        t_out = outdoor.temperature_c[index]
        window_open = state.air_c > rooms.window_open_c
        ach = (
            rooms.ach_base
            + rooms.extract_boost_ach * sources.extract_on[index]
            + np.where(window_open, rooms.ach_window, 0.0)
        )
        h_ao = rooms.h_window_w_k + AIR_W_H_M3K * ach * rooms.volume_m3
        gains = sources.gains_w[index] + rooms.solar_m2 * outdoor.solar_w_m2[index]
        air_terms = a + h_ao + h_ms
        determinant = air_terms * mass_terms - h_ms * h_ms
        rhs_air = a * state.air_c + h_ao * t_out + gains
        rhs_mass = m * state.mass_c + h_em * t_out
        # Heat that brings the air node exactly to the target at the end of the step.
        needed = (sources.target_c[index] * determinant - h_ms * rhs_mass) / mass_terms - rhs_air
        heater = np.clip(needed, 0.0, rooms.heater_w)
        rhs_air = rhs_air + heater
        new_air = (rhs_air * mass_terms + h_ms * rhs_mass) / determinant
        new_mass = (air_terms * rhs_mass + h_ms * rhs_air) / determinant

        vent_rate = ach / 3600.0
        mix_rate = rooms.ach_interzone / 3600.0
        rate = vent_rate + mix_rate
        home_vapour = _home_mean(rooms, exchange, home_exchange, state.vapour_gm3)
        home_co2 = _home_mean(rooms, exchange, home_exchange, state.co2_ppm)
        equilibrium = (
            vent_rate * outdoor_vapour[index]
            + mix_rate * home_vapour
            + sources.moisture_g_s[index] / rooms.volume_m3
        ) / rate
        decay = np.exp(-rate * step_s)
        new_vapour = equilibrium + (state.vapour_gm3 - equilibrium) * decay
        co2_equilibrium = (
            vent_rate * OUTDOOR_CO2_PPM
            + mix_rate * home_co2
            + sources.co2_l_s[index] * 1000.0 / rooms.volume_m3
        ) / rate
        state.co2_ppm = co2_equilibrium + (state.co2_ppm - co2_equilibrium) * decay
        if ledger is not None:
            ledger.heat_j += heater * step_s
            ledger.gains_j += gains * step_s
            ledger.loss_j += (h_ao * (new_air - t_out) + h_em * (new_mass - t_out)) * step_s
            ledger.moisture_source_g += sources.moisture_g_s[index] * step_s
            # ∫ c dt over the step of the exact solution, for the ventilation exchange
            integral = equilibrium * step_s + (state.vapour_gm3 - equilibrium) * (1 - decay) / rate
            ledger.moisture_vent_g += (
                vent_rate * rooms.volume_m3 * (outdoor_vapour[index] * step_s - integral)
            )
            ledger.moisture_interzone_g += (
                mix_rate * rooms.volume_m3 * (home_vapour * step_s - integral)
            )
        state.air_c, state.mass_c, state.vapour_gm3 = new_air, new_mass, new_vapour
        air[index] = new_air
        vapour[index] = new_vapour
        co2[index] = state.co2_ppm
        heat[index] = heater
    outdoor_c = outdoor.temperature_c[:, None]
    surface = outdoor_c + rooms.f_rsi[None, :] * (air - outdoor_c)
    vapour_hpa = vapour_pressure_from_density_hpa(vapour, air)
    return DayFrame(
        times_s=times_s,
        air_c=air,
        humidity_pct=relative_humidity_pct(air, vapour_hpa),
        surface_c=surface,
        surface_humidity_pct=relative_humidity_pct(surface, vapour_hpa),
        co2_ppm=co2,
        heat_w=heat,
        outdoor_c=outdoor.temperature_c,
        outdoor_humidity_pct=outdoor.humidity_pct,
        awake_home=sources.awake_home.astype(np.float64),
    )


def _home_mean(
    rooms: RoomTable, weights: FloatArray, home_weights: FloatArray, values: FloatArray
) -> FloatArray:
    """Each room's home's mean of `values`, weighted by the rooms' doorway exchange flows."""
    totals = np.bincount(rooms.home, weights * values, minlength=home_weights.size)
    return (totals / home_weights)[rooms.home]
