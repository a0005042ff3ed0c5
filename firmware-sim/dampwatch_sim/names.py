"""Names, defaults and limits of the simulator, in one place."""

from __future__ import annotations

from typing import Final

FIRMWARE_VERSION: Final = "dampwatch-sim/1.0"
DEFAULT_INTERVAL_S: Final = 300
DEFAULT_TIMEZONE: Final = "Europe/London"
SECONDS_PER_DAY: Final = 86_400
SPIN_UP_DAYS: Final = (
    3  # physics runs this long before the first reading so no start transient shows
)

# Room slugs, as the registry names rooms; `outdoor` marks an outdoor sensor.
LIVING_ROOM: Final = "living-room"
KITCHEN: Final = "kitchen"
BATHROOM: Final = "bathroom"
BEDROOM_PREFIX: Final = "bedroom-"
OUTDOOR: Final = "outdoor"

# Room kinds, the index into per-kind parameter tables.
KIND_LIVING: Final = 0
KIND_KITCHEN: Final = 1
KIND_BATHROOM: Final = 2
KIND_BEDROOM: Final = 3

# Archetype traits; a home's archetype is one trait or several joined with "+".
HEALTHY: Final = "healthy"
DAMP: Final = "damp"
COLD: Final = "cold"
OVERHEATING: Final = "overheating"
FAULTY: Final = "faulty"
TRAITS: Final = (HEALTHY, DAMP, COLD, OVERHEATING, FAULTY)

WINTER_MIX: Final = {
    HEALTHY: 0.50,
    DAMP: 0.15,
    COLD: 0.10,
    f"{DAMP}+{COLD}": 0.07,
    FAULTY: 0.10,
    f"{DAMP}+{FAULTY}": 0.04,
    OVERHEATING: 0.04,
}
SUMMER_MIX: Final = {
    HEALTHY: 0.55,
    OVERHEATING: 0.20,
    DAMP: 0.05,
    COLD: 0.05,
    FAULTY: 0.10,
    f"{OVERHEATING}+{FAULTY}": 0.05,
}
WINTER_MONTHS: Final = frozenset({10, 11, 12, 1, 2, 3, 4})

# Condition kinds in the ground truth: the same names as the platform's alert kinds.
MOULD_RISK: Final = "mould_risk"
CONDENSATION_RISK: Final = "condensation_risk"
COLD_HOME: Final = "cold_home"
OVERHEATING_KIND: Final = "overheating"
DEVICE_OFFLINE: Final = "device_offline"
BATTERY_LOW: Final = "battery_low"
SENSOR_FAULT: Final = "sensor_fault"

# Device faults a faulty home's devices can carry.
FAULT_STUCK: Final = "stuck"
FAULT_DROPOUTS: Final = "dropouts"
FAULT_DRIFT: Final = "drift"
FAULT_DYING_BATTERY: Final = "dying_battery"
FAULT_OFFLINE: Final = "offline"
FAULTS: Final = (FAULT_STUCK, FAULT_DROPOUTS, FAULT_DRIFT, FAULT_DYING_BATTERY, FAULT_OFFLINE)
