"""The code lists a damp and mould data standard export carries, and how cases map onto them.

The standard (MHCLG / HACT, proof of concept, `shared/reference/damp-mould-standard`) links its
objects through integer code ids; an export carries the code lists it uses, so a receiving
system can read every id. `trigger_source` is always "sensor": these cases start from sensors.
"""

from __future__ import annotations

from typing import Any, Final

SENSOR_TRIGGER: Final = 1
HAZARD_TYPES: Final = {"damp_and_mould": 1, "excess_cold": 2, "excess_heat": 3}
KIND_HAZARD: Final = {
    "mould_risk": "damp_and_mould",
    "condensation_risk": "damp_and_mould",
    "cold_home": "excess_cold",
    "overheating": "excess_heat",
}
SEVERITY: Final = {"emergency": 1, "significant": 2, "no_hazard": 3}
INVESTIGATION_TYPE: Final = {"emergency": 1, "significant": 2}
REPORT_STATUS: Final = {"open": 1, "closed": 2}
NOTIFICATION_WRITTEN_SUMMARY: Final = 1
NOTIFICATION_METHOD: Final = {"letter": 1, "email": 2, "portal": 3, "in_person": 4}
ESCALATION_OVERDUE: Final = 1
ESCALATION_ACCOMMODATION: Final = 2
ESCALATION_STAGE_INTERNAL: Final = 1
ESCALATION_STATUS: Final = {"open": 1, "closed": 2}
# No work order to point at (the standard's proof of concept requires the field).
NO_WORK_ORDER: Final = 0


def _codes(name: str, pairs: dict[str, int], id_field: str | None = None) -> list[dict[str, Any]]:
    key = id_field or f"{name}_id"
    return [{key: number, name: label} for label, number in pairs.items()]


def code_lists() -> dict[str, list[dict[str, Any]]]:
    """Every code list the export's ids refer to."""
    return {
        "hazard_type": [
            {
                "hazard_type_id": number,
                "hazard_type": label,
                "health_risk_rating_id": 1,
                "category": "HHSRS",
            }
            for label, number in HAZARD_TYPES.items()
        ],
        "health_risk_rating": [{"health_risk_rating_id": 1, "health_risk_rating": "high"}],
        "severity": _codes("severity", SEVERITY),
        "investigation_type": _codes("investigation_type", INVESTIGATION_TYPE),
        "report_status": _codes("report_status", REPORT_STATUS),
        "trigger_source": [{"trigger_source_id": SENSOR_TRIGGER, "trigger_source": "sensor"}],
        "notification_type": [
            {
                "notification_type_id": NOTIFICATION_WRITTEN_SUMMARY,
                "notification_type": "written summary of the investigation",
            }
        ],
        "notification_method": _codes("notification_method", NOTIFICATION_METHOD),
        "escalation_stage": [
            {"escalation_stage_id": ESCALATION_STAGE_INTERNAL, "escalation_stage": "internal"}
        ],
        "escalation_type": [
            {
                "escalation_type_id": ESCALATION_OVERDUE,
                "escalation_type": "statutory deadline missed",
            },
            {
                "escalation_type_id": ESCALATION_ACCOMMODATION,
                "escalation_type": "alternative accommodation offered",
            },
        ],
        "escalation_status": _codes("escalation_status", ESCALATION_STATUS),
    }
