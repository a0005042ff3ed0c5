"""Physics of the simulated homes: moisture decay, thermal lag, damp walls, closed balances."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import numpy as np
import pytest

from dampwatch.psychrometrics import abs_humidity_gm3, saturation_vapour_pressure_hpa
from dampwatch.psychrometrics_array import saturation_vapour_pressure_hpa as svp_array
from dampwatch.psychrometrics_array import vapour_density_gm3
from dampwatch_sim.cohort import build_cohort
from dampwatch_sim.homes import build_tables
from dampwatch_sim.names import KIND_BATHROOM, MOULD_RISK
from dampwatch_sim.physics import Ledger, initial_state, step_day
from dampwatch_sim.schedules import DaySources, day_clock
from dampwatch_sim.weather import OutdoorSeries

STEP_S = 300.0
STEPS = 288
JANUARY = datetime(2025, 1, 6, tzinfo=UTC).timestamp()


def _one_home(archetype: str = "healthy", seed: int = 3):
    return build_tables(["h-1"], [archetype], np.random.default_rng(seed))


def _quiet(rooms: int, homes: int = 1, target: float = -1000.0) -> DaySources:
    zeros = np.zeros((STEPS, rooms))
    return DaySources(
        moisture_g_s=zeros.copy(),
        gains_w=zeros.copy(),
        co2_l_s=zeros.copy(),
        extract_on=zeros.copy(),
        target_c=np.full((STEPS, rooms), target),
        occupants=zeros.copy(),
        awake_home=np.zeros((STEPS, homes), dtype=bool),
    )


def _steady(temperature: float, humidity: float = 80.0) -> OutdoorSeries:
    return OutdoorSeries(np.full(STEPS, temperature), np.full(STEPS, humidity), np.zeros(STEPS))


def test_array_psychrometrics_agree_with_core() -> None:
    temperatures = np.array([-10.0, 0.0, 12.5, 21.0, 35.0])
    expected = [saturation_vapour_pressure_hpa(value) for value in temperatures]
    assert np.allclose(svp_array(temperatures), expected, rtol=1e-12)
    density = vapour_density_gm3(temperatures, np.full(5, 60.0))
    assert np.allclose(density, [abs_humidity_gm3(value, 60.0) for value in temperatures])


def test_shower_raises_bathroom_rh_and_it_decays_with_the_ventilation_time_constant() -> None:
    _homes, _table, rooms = _one_home()
    rooms.ach_interzone[:] = 0.0  # bathroom door shut: the decay is ventilation alone
    rooms.extract_boost_ach[:] = 0.0
    bathroom = int(np.flatnonzero(rooms.kind == KIND_BATHROOM)[0])
    state = initial_state(rooms, 5.0)
    state.air_c[:] = state.mass_c[:] = 20.0
    outdoor = _steady(5.0)
    sources = _quiet(rooms.home.size, target=20.0)
    # settle to equilibrium, then a short shower at step 100 (small enough to stay unsaturated)
    step_day(rooms, state, outdoor, sources, times_s=np.arange(STEPS) * STEP_S, step_s=STEP_S)
    before = step_day(
        rooms, state, outdoor, sources, times_s=np.arange(STEPS) * STEP_S, step_s=STEP_S
    )
    sources.moisture_g_s[100:102, bathroom] = 120.0 / 600.0
    frame = step_day(
        rooms, state, outdoor, sources, times_s=np.arange(STEPS) * STEP_S, step_s=STEP_S
    )
    base_rh = before.humidity_pct[-1, bathroom]
    assert frame.humidity_pct[101, bathroom] > base_rh + 25
    vapour_out = vapour_density_gm3(np.array([5.0]), np.array([80.0]))[0]
    rate = rooms.ach_base[bathroom] / 3600.0
    assert frame.humidity_pct[:, bathroom].max() < 99.0
    excess = frame_excess(frame, bathroom) - vapour_out
    k = 24  # two hours after the shower ended
    assert excess[101 + k] / excess[101] == pytest.approx(math.exp(-rate * k * STEP_S), rel=1e-3)
    time_constant_h = 1.0 / rooms.ach_base[bathroom]
    assert 0.5 < time_constant_h < 3.0


def frame_excess(frame, room: int) -> np.ndarray:
    """Vapour density of a room over a day, from its air temperature and RH."""
    return vapour_density_gm3(frame.air_c[:, room], frame.humidity_pct[:, room])


def test_unheated_home_follows_outdoors_with_the_lag_its_mass_implies() -> None:
    _homes, _table, rooms = _one_home()
    rooms.heater_w[:] = 0.0
    state = initial_state(rooms, 10.0)
    state.air_c[:] = state.mass_c[:] = 10.0
    sources = _quiet(rooms.home.size)
    air = []
    for day in range(8):
        frame = step_day(
            rooms, state, _steady(0.0), sources, times_s=np.arange(STEPS) * STEP_S, step_s=STEP_S
        )
        air.append(frame.air_c)
        del day
    series = np.concatenate(air)
    mean_window = rooms.h_window_w_k + 0.335 * rooms.ach_base * rooms.volume_m3
    tau_h = (rooms.c_air_j_k + rooms.c_mass_j_k) / (mean_window + rooms.h_fabric_w_k) / 3600
    for room in range(rooms.home.size):
        crossed = int(np.argmax(series[:, room] <= 10.0 * math.exp(-1)))
        hours = (crossed + 1) * STEP_S / 3600
        assert hours == pytest.approx(tau_h[room], rel=0.25), room
        assert series[0, room] > 9.0  # no jump: the mass holds the heat
    assert np.all(np.diff(series, axis=0) <= 1e-9)  # cools monotonically towards outdoors


def test_damp_home_keeps_wall_surface_above_80_percent_for_days_healthy_does_not() -> None:
    cohort = build_cohort(12, 10, seed=5, mix="healthy=0.5,damp=0.5", start=JANUARY)
    simulation = cohort.simulation()
    for _ in simulation.run():
        pass
    surface = simulation.hourly.stacked("surface_humidity_pct").reshape(10, 24, -1)
    damp_days = (surface >= 80).sum(axis=1) >= 12  # days × rooms
    for home in cohort.homes:
        worst = max(int(damp_days[:, index].sum()) for index in home.room_index)
        if home.archetype == "damp":
            assert worst >= 5, home
        else:
            assert worst <= 1, home
    truth = {entry["home_id"]: entry for entry in cohort.truth["homes"]}
    for home in cohort.homes:
        kinds = {condition["kind"] for condition in truth[home.home_id]["conditions"]}
        assert (MOULD_RISK in kinds) == (home.archetype == "damp")


def test_energy_and_moisture_balances_close() -> None:
    cohort = build_cohort(3, 1, seed=11, start=JANUARY)
    simulation = cohort.simulation()
    rooms = simulation.rooms
    state = initial_state(rooms, 4.0)
    ledger = Ledger.zeros(rooms.home.size)
    stored_heat = rooms.c_air_j_k * state.air_c + rooms.c_mass_j_k * state.mass_c
    stored_vapour = rooms.volume_m3 * state.vapour_gm3
    for day in range(3):
        clock = day_clock(JANUARY + day * 86_400, STEPS, STEP_S, 0.0)
        outdoor = simulation.weather.day(day, clock.times_s, STEP_S)
        sources = simulation.scheduler.day(day, clock)
        step_day(
            rooms, state, outdoor, sources, times_s=clock.times_s, step_s=STEP_S, ledger=ledger
        )
    heat_change = rooms.c_air_j_k * state.air_c + rooms.c_mass_j_k * state.mass_c - stored_heat
    flows = ledger.heat_j + ledger.gains_j - ledger.loss_j
    assert np.allclose(heat_change, flows, rtol=1e-9, atol=1e-3 * np.abs(flows).max())
    vapour_change = rooms.volume_m3 * state.vapour_gm3 - stored_vapour
    moisture = ledger.moisture_source_g + ledger.moisture_vent_g + ledger.moisture_interzone_g
    assert np.allclose(vapour_change, moisture, atol=1e-6 * ledger.moisture_source_g.max())
    assert ledger.heat_j.sum() > 0 and ledger.moisture_source_g.sum() > 0
    # what rooms trade through doorways nets out over each home (to within the explicit lag)
    interzone = np.bincount(rooms.home, ledger.moisture_interzone_g)
    sources_per_home = np.bincount(rooms.home, ledger.moisture_source_g)
    assert np.all(np.abs(interzone) < 0.02 * sources_per_home)
