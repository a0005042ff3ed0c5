"""What the gateway knows about itself and its sensors, for the retained status and the log."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

from dampwatch_gateway.mapping import MappedSensor

MAX_UNKNOWN_LISTED: Final = 50


def iso(ts_s: float | None) -> str | None:
    """Unix seconds as RFC 3339 UTC with seconds precision, None stays None."""
    if ts_s is None:
        return None
    return datetime.fromtimestamp(ts_s, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass(slots=True)
class SensorState:
    """A configured sensor's last sign of life and last fault."""

    sensor: MappedSensor
    last_seen_s: float | None = None
    readings: int = 0
    last_values: dict[str, float] = field(default_factory=dict)
    fault: str | None = None
    fault_at_s: float | None = None

    def silent(self, now_s: float, started_s: float) -> bool:
        """True when nothing came from the sensor for its silence period."""
        since = self.last_seen_s if self.last_seen_s is not None else started_s
        return now_s - since > self.sensor.silent_after_s


@dataclass(slots=True)
class UnknownSensor:
    """A sensor that sends but is not in the configuration."""

    first_seen_s: float
    last_seen_s: float
    messages: int = 0
    last_values: dict[str, float] = field(default_factory=dict)


class GatewayStatus:
    """Counters and per-sensor state; `document()` is the retained status payload."""

    def __init__(self, sensors: list[MappedSensor], started_s: float, firmware: str) -> None:
        self.started_s = started_s
        self.firmware = firmware
        self.sensors = {sensor.device: SensorState(sensor) for sensor in sensors}
        self.unknown: dict[str, UnknownSensor] = {}
        self.unknown_overflow = 0
        self.decode_errors: Counter[str] = Counter()
        self.rejected: Counter[str] = Counter()
        self.duplicates = 0
        self.retained_skipped = 0
        self.ble = "disabled"
        self.uplink_connected_since_s: float | None = None
        self.last_eviction: dict[str, Any] | None = None

    def seen(self, device: str, values: dict[str, float], now_s: float) -> None:
        """A sample arrived from a configured sensor."""
        state = self.sensors[device]
        state.last_seen_s = now_s
        state.last_values = values
        state.fault = None

    def faulted(self, device: str, reason: str, now_s: float) -> None:
        """A configured sensor reported a failed read (it is alive, its measurement is not)."""
        state = self.sensors[device]
        state.fault, state.fault_at_s = reason, now_s

    def unknown_seen(self, key: str, values: dict[str, float], now_s: float) -> bool:
        """Record an unconfigured sensor; True the first time it is seen."""
        entry = self.unknown.get(key)
        if entry is None:
            if len(self.unknown) >= MAX_UNKNOWN_LISTED:
                self.unknown_overflow += 1
                return False
            entry = self.unknown[key] = UnknownSensor(now_s, now_s)
            first = True
        else:
            first = False
        entry.last_seen_s = now_s
        entry.messages += 1
        entry.last_values = values
        return first

    def silent(self, now_s: float) -> list[str]:
        """Devices that have been quiet for longer than their silence period."""
        return sorted(d for d, s in self.sensors.items() if s.silent(now_s, self.started_s))

    def document(self, now_s: float, queue: dict[str, Any], online: bool = True) -> dict[str, Any]:
        """The status payload: contract fields (`online`, `ts`, `firmware`) and the details."""
        return {
            "online": online,
            "ts": iso(now_s),
            "firmware": self.firmware,
            "started_at": iso(self.started_s),
            "uplink_connected_since": iso(self.uplink_connected_since_s),
            "queue": queue,
            "last_eviction": self.last_eviction,
            "sensors": {
                device: {
                    "room": state.sensor.room,
                    "source": state.sensor.source,
                    "last_seen": iso(state.last_seen_s),
                    "silent": state.silent(now_s, self.started_s),
                    "readings": state.readings,
                    "last_values": state.last_values,
                    "fault": state.fault,
                    "fault_at": iso(state.fault_at_s),
                }
                for device, state in sorted(self.sensors.items())
            },
            "silent_sensors": self.silent(now_s),
            "unknown_sensors": {
                key: {
                    "first_seen": iso(entry.first_seen_s),
                    "last_seen": iso(entry.last_seen_s),
                    "messages": entry.messages,
                    "last_values": entry.last_values,
                }
                for key, entry in sorted(self.unknown.items())
            },
            "unknown_sensors_not_listed": self.unknown_overflow,
            "decode_errors": dict(sorted(self.decode_errors.items())),
            "rejected": dict(sorted(self.rejected.items())),
            "duplicates_dropped": self.duplicates,
            "retained_skipped": self.retained_skipped,
            "ble": self.ble,
        }

    def offline_document(self, now_s: float) -> dict[str, Any]:
        """The status a clean shutdown leaves behind."""
        return {"online": False, "ts": iso(now_s), "firmware": self.firmware}
