"""What an officer reads on a device alert: offline, battery, stuck, implausible or drifting."""

from __future__ import annotations

import numpy as np

from dampwatch.assessment.config import DEFAULT_CONFIG
from dampwatch.assessment.devices import DeviceHealth, DeviceStart
from dampwatch.assessment.frame import DeviceFrame
from dampwatch.assessment.kinds import AlertKind, Evidence, Severity

DEVICE_SEVERITY = {
    AlertKind.DEVICE_OFFLINE: Severity.MEDIUM,
    AlertKind.BATTERY_LOW: Severity.LOW,
    AlertKind.SENSOR_FAULT: Severity.MEDIUM,
}


def device_evidence(
    kind: AlertKind,
    frame: DeviceFrame,
    health: DeviceHealth,
    start: DeviceStart,
    *,
    row: int,
    col: int,
    room_name: str = "",
) -> Evidence:
    """What was seen of device `row` at hour `col`, in plain words (its room as registered)."""
    name = frame.devices[row]
    room = room_name or (f"the {frame.rooms[row].replace('-', ' ')}" if frame.rooms[row] else "")
    where = f" in {room}" if room else ""
    if kind is AlertKind.DEVICE_OFFLINE:
        age, allowed = float(health.last_seen_age_h[row, col]), float(start.offline_after_h[row])
        return Evidence(
            f"Sensor {name}{where} has sent nothing for {age:.0f} hours; it should report "
            f"at least every {allowed:.0f} hours. Conditions there are not being watched.",
            int(allowed),
            f"silent for more than {allowed:.0f} hours",
            {"last_seen_age_h": round(age, 1)},
        )
    if kind is AlertKind.BATTERY_LOW:
        battery = float(health.battery_pct[row, col])
        return Evidence(
            f"Sensor {name}{where} reports {battery:.0f} % battery; replace it before it stops.",
            1,
            "battery at 15 % or less",
            {"battery_pct": round(battery, 1)},
        )
    if bool(health.stuck[row, col]):
        run = float(health.stuck_run_h[row, col])
        text = (
            f"Sensor {name}{where} has reported exactly the same temperature and humidity for "
            f"{run:.0f} hours; real rooms always vary a little, so it is probably faulty."
        )
        return Evidence(text, int(run), "identical values for 24 hours", {"stuck_hours": run})
    if bool(health.humidity_drift[row, col]):
        excess = float(np.nan_to_num(health.drift_excess_hpa[row, col]))
        text = (
            f"The humidity reported by sensor {name}{where} has been rising steadily night "
            f"after night against the home's other sensors (its air now holds {excess:.1f} hPa "
            f"more water vapour than before, compared with them), as a steady creep with no "
            f"sudden step and while the room did not cool, which a room turning damp does not "
            f"do: the sensor is probably drifting. Until it is recalibrated or replaced, the "
            f"room's damp and mould judgement goes on with its humidity less the drift found, "
            f"and any damp alert of the room says so."
        )
        return Evidence(
            text,
            24 * DEFAULT_CONFIG.drift_window_nights,
            f"night-time vapour gap to the other sensors creeping up by "
            f"{DEFAULT_CONFIG.drift_min_rise_hpa_per_night} hPa a night or more over "
            f"{DEFAULT_CONFIG.drift_window_nights} nights, with no step and the sensor's "
            f"temperature not falling",
            {"drift_excess_hpa": round(excess, 2)},
        )
    if bool(health.lossy[row, col]):
        share = float(np.nan_to_num(health.lost_share_24h[row, col]))
        return Evidence(
            f"Sensor {name}{where} lost {share:.0%} of its readings of the last 24 hours on the "
            f"way (their sequence numbers never arrived): its radio link is weak. Move it or "
            f"its gateway, or check the gateway's signal.",
            24,
            "a fifth or more of a day's readings lost",
            {"lost_share_24h": round(share, 3)},
        )
    return Evidence(
        f"Sensor {name}{where} reports values no occupied room can have (below 0 °C or above "
        f"45 °C for 6 hours, or 100 % humidity for 12 hours); it is probably faulty or misplaced.",
        12,
        "implausible for 6 hours (temperature) or 12 hours (humidity)",
        {
            "temperature_c": round(float(np.nan_to_num(frame.temperature_c[row, col])), 1),
            "humidity_pct": round(float(np.nan_to_num(frame.humidity_pct[row, col])), 1),
        },
    )
