"""The export document: the standard's components for a set of cases, and the sensor evidence.

```
{"standard": ..., "generated_at": ...,
 "investigation_component": {hazard_type, investigation_hazard, hazard_report, investigation,
                             notification, escalation, and the code lists},
 "work_orders": [work_order, ...],
 "extensions": {"dampwatch_sensor_evidence": [one per hazard report]}}
```
`investigation_component` validates as a whole against the standard's
`investigation_component.JSON`; each work order against its `work_order` definition; each
extension item against `sensor_evidence.schema.json` beside this module.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any, Final

from sqlalchemy.orm import Session

from dampwatch_api.cases import hact
from dampwatch_api.cases.hact_codes import NO_WORK_ORDER, code_lists
from dampwatch_api.cases.models import Case
from dampwatch_api.webhooks.outbox import rfc3339

STANDARD: Final = (
    "MHCLG / HACT damp and mould data model, proof of concept "
    "(data-futurists/damp-and-mould-standards-concept, commit ef4e66e)"
)
EXTENSION: Final = "dampwatch_sensor_evidence"
EXTENSION_SCHEMA: Final = Path(__file__).with_name("sensor_evidence.schema.json")


@cache
def extension_schema() -> dict[str, Any]:
    """The JSON Schema of the sensor evidence extension."""
    schema: dict[str, Any] = json.loads(EXTENSION_SCHEMA.read_text(encoding="utf-8"))
    return schema


def sensor_evidence(record: hact.CaseRecord, pending: list[dict[str, Any]]) -> dict[str, Any]:
    """What the sensors showed, the statutory clock, and the endeavours kept, for one report."""
    case = record.case
    return {
        "hazard_report_id": case.id,
        "hazard_report_reference": case.reference,
        "home_id": case.home_id,
        "landlord_ref": record.home.landlord_ref if record.home is not None else None,
        "trigger_source": "sensor",
        "flags": [
            {
                "alert_id": alert.id,
                "kind": alert.kind,
                "room": alert.room or None,
                "severity": alert.severity,
                "opened_at": rfc3339(alert.opened_at),
                "condition_since": rfc3339(alert.condition_since),
                "evidence": str((alert.evidence or {}).get("text", "")),
                "window_hours": int((alert.evidence or {}).get("window_hours", 0)),
                "threshold": str((alert.evidence or {}).get("threshold", "")),
                "observed": {
                    str(k): float(v)
                    for k, v in dict((alert.evidence or {}).get("observed", {})).items()
                },
            }
            for alert in record.alerts
        ],
        "statutory_clock": {
            "level": case.level,
            "aware_at": rfc3339(case.aware_at) if case.aware_at else None,
            "duties": [
                {
                    "duty": duty.kind.value,
                    "status": duty.status.value,
                    "due_by": rfc3339(duty.due_by) if duty.due_by else None,
                    "done_at": rfc3339(duty.done_at) if duty.done_at else None,
                }
                for duty in record.duties.values()
            ],
        },
        "cause": case.cause,
        "reasonable_endeavours": [
            {
                "duty": step.duty,
                "reason": step.reason,
                "at": rfc3339(step.at),
                "actor": step.actor,
                "text": step.text,
            }
            for step in record.steps
            if step.kind == "reasonable_endeavours"
        ],
        "pending_work_orders": pending,
    }


def export_document(session: Session, cases: Iterable[Case], now: datetime) -> dict[str, Any]:
    """The standard's objects for `cases`, as one document."""
    component: dict[str, list[dict[str, Any]]] = {
        "investigation_hazard": [],
        "hazard_report": [],
        "investigation": [],
        "notification": [],
        "escalation": [],
    }
    orders: list[dict[str, Any]] = []
    evidence: list[dict[str, Any]] = []
    for case in cases:
        record = hact.load_record(session, case, now)
        done, pending = hact.work_orders(record)
        component["hazard_report"].append(hact.hazard_report(record))
        component["investigation"].append(hact.investigation(record))
        component["investigation_hazard"].extend(hact.investigation_hazards(record))
        safety = [int(o["work_order_id"]) for o in done if o["work_priority_id"] == "safety-work"]
        component["notification"].extend(hact.notifications(record, *safety or [NO_WORK_ORDER]))
        component["escalation"].extend(hact.escalations(record))
        orders.extend(done)
        evidence.append(sensor_evidence(record, pending))
    return {
        "standard": STANDARD,
        "generated_at": rfc3339(now),
        "investigation_component": {**code_lists(), **component},
        "work_orders": orders,
        "extensions": {EXTENSION: evidence},
    }
