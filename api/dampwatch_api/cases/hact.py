"""Cases as MHCLG / HACT damp and mould data standard objects, with the sensor evidence beside them.

Each case becomes a hazard report, an investigation (with `trigger_source` sensor), the hazards
it found, a notification per written summary sent, an escalation per overdue duty and per offer
of somewhere else to stay, and a work order per piece of work done. The proof of concept's
work order requires actual start and completion times, so work still to do is listed in the
`dampwatch_sensor_evidence` extension (its schema: `sensor_evidence.schema.json`) until it is
done, rather than filled with invented times. Identifiers: the case id is the hazard report's
and the investigation's; a step's id is its notification's or escalation's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dampwatch.casework.duties import Duty, DutyKind, DutyStatus
from dampwatch.statutory import UK_TIMEZONE
from dampwatch_api.alerts.models import Alert
from dampwatch_api.cases import hact_codes as codes
from dampwatch_api.cases.events import duties_of
from dampwatch_api.cases.grouping import case_alerts
from dampwatch_api.cases.models import Case, CaseStep
from dampwatch_api.registry.models import Home
from dampwatch_api.webhooks.outbox import rfc3339

LATE = (DutyStatus.MET_LATE, DutyStatus.OVERDUE, DutyStatus.UNMET)


@dataclass(frozen=True)
class CaseRecord:
    """Everything the export reads of one case."""

    case: Case
    home: Home | None
    tenancy_id: int
    alerts: list[Alert]
    steps: list[CaseStep]
    duties: dict[DutyKind, Duty]

    @property
    def uprn(self) -> str:
        """The property's UPRN when the registry has one ("" otherwise)."""
        return str(getattr(self.home, "uprn", None) or "")


def day(moment: datetime) -> str:
    """A UK calendar date as the standard's `date` fields take it."""
    return moment.astimezone(UK_TIMEZONE).date().isoformat()


def load_record(session: Session, case: Case, now: datetime) -> CaseRecord:
    """Read one case for the export."""
    home = session.scalar(select(Home).where(Home.home_id == case.home_id))
    tenancies = sorted(tenant.id for tenant in home.tenants) if home is not None else []
    steps = list(session.scalars(select(CaseStep).where(CaseStep.case_id == case.id)))
    return CaseRecord(
        case,
        home,
        tenancies[-1] if tenancies else 0,
        case_alerts(session, case),
        sorted(steps, key=lambda step: step.seq),
        {duty.kind: duty for duty in duties_of(case, now)},
    )


def _late(record: CaseRecord, kind: DutyKind) -> bool:
    duty = record.duties.get(kind)
    return duty is not None and duty.status in LATE


def hazard_report(record: CaseRecord) -> dict[str, Any]:
    """The case as the standard's hazard report."""
    case = record.case
    rooms = sorted({alert.room for alert in record.alerts if alert.room})
    report: dict[str, Any] = {
        "hazard_report_id": case.id,
        "hazard_report_reference": case.reference,
        "uprn": record.uprn,
        "tenancy_id": record.tenancy_id,
        "date_reported": day(case.aware_at or case.opened_at),
        "reported_by": "dampwatch sensors",
        "description": " ".join(
            dict.fromkeys(str((a.evidence or {}).get("text", "")) for a in record.alerts)
        ),
        "location_details": ", ".join(rooms) or "whole home",
        "emergency_action_taken": case.made_safe_at is not None and case.level == "emergency",
        "further_work_required": bool(case.further_work),
        "report_status_id": codes.REPORT_STATUS[case.status],
    }
    if case.made_safe_at is not None:
        report["made_safe_date"] = day(case.made_safe_at)
    start = record.duties.get(DutyKind.PREVENTATIVE_START)
    if start is not None and start.due_by is not None:
        report["further_work_due_date"] = day(start.due_by)
    return report


def investigation(record: CaseRecord) -> dict[str, Any]:
    """The case's investigation (scheduled until it concludes)."""
    case = record.case
    found = case.outcome in ("emergency", "significant")
    finding = next((step for step in record.steps if step.kind == "investigation"), None)
    notes = [finding.text] if finding is not None and finding.text else []
    if case.cause:
        notes.append(f"Cause: {case.cause}.")
    result: dict[str, Any] = {
        "investigation_id": case.id,
        "investigation_reference": f"{case.reference}-INV",
        "uprn": record.uprn,
        "tenancy_id": record.tenancy_id,
        "trigger_source_id": codes.SENSOR_TRIGGER,
        "investigation_type_id": codes.INVESTIGATION_TYPE.get(case.level or "", 2),
        "hazard_report_id": case.id,
        "hazard_confirmed": found,
        "repair_required": found,
        "sla_breach_flag": _late(record, DutyKind.INVESTIGATE),
        "notification_sent_to_tenant": case.summary_sent_at is not None,
        "investigation_notes": " ".join(notes) or "Not yet investigated.",
    }
    due = record.duties.get(DutyKind.INVESTIGATE)
    if due is not None and due.due_by is not None:
        result["investigation_scheduled_date"] = day(due.due_by)
    if case.investigated_at is not None:
        result["investigation_completed_date"] = day(case.investigated_at)
        result["inspector_name"] = case.investigated_by or ""
    return result


def investigation_hazards(record: CaseRecord) -> list[dict[str, Any]]:
    """The hazards the investigation found, by type."""
    case = record.case
    if case.outcome not in ("emergency", "significant"):
        return []
    kinds = sorted(
        {codes.KIND_HAZARD[a.kind] for a in record.alerts if a.kind in codes.KIND_HAZARD}
    )
    return [
        {
            "investigation_hazard_id": case.id * 10 + number,
            "hazard_type_id": codes.HAZARD_TYPES[kind],
            "investigation_id": case.id,
            "hazard_report_id": case.id,
            "severity_id": codes.SEVERITY[case.outcome or "significant"],
        }
        for number, kind in enumerate(kinds or ["damp_and_mould"], start=1)
    ]


def notifications(record: CaseRecord, work_order_id: int) -> list[dict[str, Any]]:
    """One per written summary sent."""
    found = []
    for step in record.steps:
        if step.kind != "summary_sent":
            continue
        letter = step.detail.get("letter") or {}
        found.append(
            {
                "notification_id": step.id,
                "investigation_id": record.case.id,
                "tenancy_id": record.tenancy_id,
                "work_order_id": work_order_id,
                "notification_type_id": codes.NOTIFICATION_WRITTEN_SUMMARY,
                "date_sent": day(step.at),
                "notification_method_id": codes.NOTIFICATION_METHOD.get(
                    str(step.detail.get("method")), codes.NOTIFICATION_METHOD["letter"]
                ),
                "content_summary": str(letter.get("title", "Written summary")),
            }
        )
    return found


def escalations(record: CaseRecord) -> list[dict[str, Any]]:
    """One per overdue duty escalated, and one per offer of somewhere else to stay."""
    found = []
    for step in record.steps:
        if step.kind not in ("escalated", "accommodation_offered"):
            continue
        overdue = step.kind == "escalated"
        duty = record.duties.get(DutyKind(step.duty)) if step.duty in set(DutyKind) else None
        item: dict[str, Any] = {
            "escalation_id": step.id,
            "escalation_reference": f"{record.case.reference}-ESC{step.seq}",
            "investigation_id": record.case.id,
            "escalation_reason": step.text,
            "escalation_stage_id": codes.ESCALATION_STAGE_INTERNAL,
            "escalation_type_id": codes.ESCALATION_OVERDUE
            if overdue
            else codes.ESCALATION_ACCOMMODATION,
            "escalated_to": str(step.detail.get("role") or record.case.escalated_to or "")
            if overdue
            else step.actor,
            "escalation_start_date": day(step.at),
            "tenant_acceptance": step.detail.get("tenant_response") == "accepted",
        }
        if overdue and duty is not None and duty.done_at is not None:
            # Ends when the duty was done, recorded after the escalation even when backdated.
            item["escalation_end_date"] = day(max(duty.done_at, step.at))
        if not overdue:
            item["alternative_accommodation_details"] = step.text
        found.append(item)
    return found


def _work_order(
    record: CaseRecord, number: int, what: str, dates: dict[str, Any]
) -> dict[str, Any]:
    case = record.case
    return {
        "work_order_id": str(case.id * 100 + number),
        "address_id": case.home_id,
        "inspection_id": str(case.id),
        "tenancy_id": str(record.tenancy_id),
        "hazard_report_id": str(case.id),
        "work_priority_id": what,
        "date_reported": rfc3339(case.aware_at or case.opened_at),
        "description_of_work": what.replace("-", " "),
        **dates,
    }


def work_orders(record: CaseRecord) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(work done, as standard work orders; work still to do, for the extension)."""
    case, done, pending = record.case, [], []
    raised = case.investigated_at or case.aware_at or case.opened_at
    for number, kind, what, started, finished in (
        (1, DutyKind.MAKE_SAFE, "safety-work", case.made_safe_at, case.made_safe_at),
        (
            2,
            DutyKind.PREVENTATIVE_START,
            "preventative-work",
            case.preventative_started_at,
            case.work_completed_at,
        ),
    ):
        duty = record.duties.get(kind)
        if duty is None or duty.due_by is None:
            continue
        planned = {
            "date_raised": rfc3339(raised),
            "planned_start_date": rfc3339(raised),
            "planned_finish_date": rfc3339(duty.due_by),
        }
        if started is not None and finished is not None:
            done.append(
                _work_order(
                    record,
                    number,
                    what,
                    planned
                    | {
                        "actual_start_date_time": rfc3339(started),
                        "actual_completion_date_time": rfc3339(finished),
                        "repair_sla_breach_flag": str(_late(record, kind)).lower(),
                        "job_status_update": "completed",
                    },
                )
            )
        else:
            pending.append(
                {
                    "work_order_id": str(case.id * 100 + number),
                    "work": what,
                    "started_at": rfc3339(started) if started else None,
                    **planned,
                }
            )
    return done, pending
