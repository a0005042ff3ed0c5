"""Device firmware: sampling, battery, clock skew, outages with a small buffer, duplicates, faults.

A device samples every step and sends each reading as it is taken. While its Wi-Fi or radio link is
down it keeps readings in a ring buffer of `buffer_readings`; when that overflows the oldest are
lost, which the platform sees as a gap in `seq`. On reconnecting it sends the buffer as arrays
(the contract allows up to 1000 readings a message) and, like firmware that had not seen the
PUBACK of its last message before the link dropped, sometimes sends that message again. The broker
publishes its last will (status `online: false`) when the link drops; the status goes back to
online when it returns.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Final

import numpy as np
import numpy.typing as npt

from dampwatch.const import MAX_READINGS_PER_MESSAGE
from dampwatch.psychrometrics_array import FloatArray
from dampwatch_sim.devices import DROPOUT_PROBABILITY, DUPLICATE_PROBABILITY, DevicePlan
from dampwatch_sim.names import FAULT_DRIFT, FAULT_DROPOUTS, FAULT_STUCK
from dampwatch_sim.physics import DayFrame

WILL_DELAY_S: Final = 45.0  # the broker notices a dead link after 1.5 keep-alive periods of 30 s
BATTERY_EMPTY_MV: Final = 2200.0
BATTERY_MV_PER_PCT: Final = 8.0  # a CR2032 from 3.0 V full to 2.2 V empty, roughly linear
LIVE: Final = "live"
BACKLOG: Final = "backlog"
DUPLICATE: Final = "duplicate"

Columns = dict[str, npt.NDArray[np.float64]]


def take(columns: Columns, index: npt.NDArray[np.intp] | slice) -> Columns:
    """The rows of `columns` at `index`."""
    return {name: values[index] for name, values in columns.items()}


def join(parts: list[Columns]) -> Columns:
    """Rows of several column sets, one after the other."""
    if len(parts) == 1:
        return parts[0]
    return {name: np.concatenate([part[name] for part in parts]) for name in parts[0]}


def row_count(columns: Columns) -> int:
    """Number of readings in a column set."""
    return int(next(iter(columns.values())).size)


@dataclass(slots=True)
class Message:
    """Readings a device sends: `live` ones each at its own time, others all at `send_s`."""

    kind: str
    send_s: FloatArray  # per reading for live messages, one value for the others
    readings: Columns


@dataclass(slots=True)
class Status:
    """A retained status change."""

    send_s: float
    online: bool
    battery_pct: float


@dataclass(slots=True)
class DeviceDay:
    """What one device sent during one day."""

    plan: DevicePlan
    messages: list[Message]
    statuses: list[Status]


@dataclass(slots=True)
class FirmwareState:
    """What a device carries from one day to the next."""

    seq: int = 0
    buffer: list[Columns] = field(default_factory=list)
    connected: bool = True
    dead: bool = False
    last_live: Columns | None = None
    stuck: tuple[float, float] | None = None


def measure(frame: DayFrame, plans: list[DevicePlan], rng: np.random.Generator) -> Columns:
    """What every device's sensors read each step (steps × devices), before faults."""
    index = np.array([max(plan.room_index, 0) for plan in plans], dtype=np.int64)
    outdoor = np.array([plan.room_index < 0 for plan in plans])
    steps, count = frame.air_c.shape[0], len(plans)
    air = np.where(outdoor[None, :], frame.outdoor_c[:, None], frame.air_c[:, index])
    humidity = np.where(
        outdoor[None, :], frame.outdoor_humidity_pct[:, None], frame.humidity_pct[:, index]
    )
    temperature_bias = np.array([plan.temperature_bias_c for plan in plans])
    humidity_bias = np.array([plan.humidity_bias_pct for plan in plans])
    noise = rng.standard_normal((4, steps, count))
    rssi = np.array([plan.rssi_mean_dbm for plan in plans])[None, :] + 3.0 * noise[2]
    return {
        "temperature_c": air + temperature_bias + 0.05 * noise[0],
        "humidity_pct": np.clip(humidity + humidity_bias + 0.4 * noise[1], 0.0, 100.0),
        "surface_temperature_c": frame.surface_c[:, index] + 0.1 * noise[3],
        "co2_ppm": frame.co2_ppm[:, index] * (1.0 + 0.02 * noise[3]),
        "rssi_dbm": np.clip(np.round(rssi), -120.0, -20.0),
    }


class Firmware:
    """Runs every device's firmware over the simulated days."""

    def __init__(self, plans: list[DevicePlan], seed: int) -> None:
        self.plans = plans
        self.states = [FirmwareState() for _ in plans]
        self._seed = seed

    def day(self, day_index: int, frame: DayFrame) -> list[DeviceDay]:
        """What each device sent during one day."""
        rng = np.random.default_rng([self._seed, 9_011, day_index])
        measured = measure(frame, self.plans, rng)
        losses = rng.random((frame.times_s.size, len(self.plans)))
        resend = rng.random(len(self.plans))
        return [
            self._device(
                plan,
                state=state,
                times=frame.times_s,
                measured=measured,
                column=column,
                loss_draws=losses[:, column],
                resend_draw=resend[column],
            )
            for column, (plan, state) in enumerate(zip(self.plans, self.states, strict=True))
        ]

    def _device(
        self,
        plan: DevicePlan,
        *,
        state: FirmwareState,
        times: FloatArray,
        measured: Columns,
        column: int,
        loss_draws: FloatArray,
        resend_draw: float,
    ) -> DeviceDay:
        messages: list[Message] = []
        statuses: list[Status] = []
        if state.dead:
            return DeviceDay(plan, messages, statuses)
        elapsed_days = (times - plan.battery_start_s) / 86_400
        battery = np.clip(plan.battery_start_pct - plan.drain_pct_per_day * elapsed_days, 0, 100)
        alive = battery > 0
        count = int(alive.sum())
        times = times[:count]
        temperature = measured["temperature_c"][:count, column].copy()
        humidity = measured["humidity_pct"][:count, column].copy()
        after_onset = times >= plan.fault_onset_s
        if plan.fault == FAULT_STUCK and after_onset.any():
            if state.stuck is None:
                first = int(np.argmax(after_onset))
                state.stuck = (float(temperature[first]), float(humidity[first]))
            temperature[after_onset] = state.stuck[0]
            humidity[after_onset] = state.stuck[1]
        if plan.fault == FAULT_DRIFT:
            drift = np.where(after_onset, (times - plan.fault_onset_s) / 86_400, 0.0)
            humidity = np.clip(humidity + plan.drift_rh_per_day * drift, 0.0, 100.0)
        skew = plan.clock_offset_s + plan.clock_drift_ppm * 1e-6 * (times - plan.battery_start_s)
        readings: Columns = {
            "ts": np.round(times + skew),
            "seq": state.seq + np.arange(count, dtype=np.float64),
            "temperature_c": temperature,
            "humidity_pct": humidity,
            "battery_pct": np.round(battery[:count]),
            "battery_mv": np.round(BATTERY_EMPTY_MV + BATTERY_MV_PER_PCT * battery[:count]),
            "rssi_dbm": measured["rssi_dbm"][:count, column],
        }
        if plan.probe:
            readings["surface_temperature_c"] = measured["surface_temperature_c"][:count, column]
        if plan.co2:
            readings["co2_ppm"] = np.round(measured["co2_ppm"][:count, column])
        state.seq += count
        lost = np.zeros(count, dtype=bool)
        if plan.fault == FAULT_DROPOUTS:
            lost = after_onset & (loss_draws[:count] < DROPOUT_PROBABILITY)
        down = np.zeros(count, dtype=bool)
        for begin, end in plan.outages:
            down |= (times >= begin) & (times < end)
        self._assemble(
            plan,
            state=state,
            times=times,
            readings=readings,
            lost=lost,
            down=down,
            battery=battery,
            resend_draw=resend_draw,
            messages=messages,
            statuses=statuses,
        )
        if count < alive.size:
            state.dead = True
            death = plan.death_s if plan.death_s is not None else float(times[-1])
            statuses.append(Status(death + WILL_DELAY_S, False, 0.0))
        return DeviceDay(plan, messages, statuses)

    @staticmethod
    def _assemble(
        plan: DevicePlan,
        *,
        state: FirmwareState,
        times: FloatArray,
        readings: Columns,
        lost: npt.NDArray[np.bool_],
        down: npt.NDArray[np.bool_],
        battery: FloatArray,
        resend_draw: float,
        messages: list[Message],
        statuses: list[Status],
    ) -> None:
        """Split the day into connected stretches and outages; buffer, flush and resend."""
        edges = np.flatnonzero(np.diff(down.astype(np.int8))) + 1
        bounds = [0, *edges.tolist(), times.size]
        for begin, end in itertools.pairwise(bounds):
            if begin == end:
                continue
            if down[begin]:
                if state.connected:
                    statuses.append(
                        Status(float(times[begin]) + WILL_DELAY_S, False, float(battery[begin]))
                    )
                    state.connected = False
                keep = np.arange(begin, end)[~lost[begin:end]]
                state.buffer.append(take(readings, keep))
                _trim(state, plan.buffer_readings)
                continue
            if not state.connected:
                reconnect = float(times[begin])
                statuses.append(Status(reconnect, True, float(battery[begin])))
                state.connected = True
                backlog = join(state.buffer) if state.buffer else None
                state.buffer = []
                if backlog is not None and row_count(backlog):
                    for first in range(0, row_count(backlog), MAX_READINGS_PER_MESSAGE):
                        part = take(backlog, slice(first, first + MAX_READINGS_PER_MESSAGE))
                        messages.append(Message(BACKLOG, np.array([reconnect]), part))
                if state.last_live is not None and resend_draw < DUPLICATE_PROBABILITY:
                    messages.append(Message(DUPLICATE, np.array([reconnect]), state.last_live))
            keep = np.arange(begin, end)[~lost[begin:end]]
            if keep.size:
                live = take(readings, keep)
                messages.append(Message(LIVE, times[keep], live))
                state.last_live = take(live, slice(-1, None))


def _trim(state: FirmwareState, capacity: int) -> None:
    """Drop the oldest buffered readings beyond the buffer's capacity."""
    total = sum(row_count(part) for part in state.buffer)
    if total <= capacity:
        return
    state.buffer = [take(join(state.buffer), slice(total - capacity, None))]
