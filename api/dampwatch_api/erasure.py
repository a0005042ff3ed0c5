"""Erasure of a home's personal data: its InfluxDB series and the tenants' details in SQL.

Consent is withdrawn first, so the ingest stops storing before the series are dropped. What
remains is the property (address, rooms, devices), the landlord's alert and case decisions
without their free text (notes, step findings, closing reasons, which may name people), and an
`ErasureRecord` that names no tenant.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final, cast

import urllib3
from sqlalchemy import CursorResult, Delete, String, delete, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from dampwatch.const import TAG_HOME
from dampwatch.influx import InfluxQL, InfluxUnavailable
from dampwatch.settings import InfluxSettings
from dampwatch_api.alerts.models import (
    Alert,
    AlertEvent,
    AlertNote,
    DeviceAssessmentState,
    RoomAssessmentState,
)
from dampwatch_api.cases.models import Case, CaseStep
from dampwatch_api.db.base import Base, utc_now
from dampwatch_api.home_series import quote
from dampwatch_api.registry.models import ApiKey, ConsentEvent, Home, Role, Tenant, User

ERASED: Final = "erased"
ERASURE_CONSENT_VERSION: Final = "erasure"


class ErasureRecord(Base):
    """That a home's personal data was erased, when and by whom (staff), and how much."""

    __tablename__ = "erasure_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    home_id: Mapped[str] = mapped_column(String(64), index=True)
    erased_at: Mapped[datetime] = mapped_column(default=utc_now)
    erased_by: Mapped[str] = mapped_column(String(200))
    tenancies: Mapped[int]
    users_deleted: Mapped[int]
    notes_deleted: Mapped[int]
    influx: Mapped[str] = mapped_column(String(500))


@dataclass(frozen=True)
class ErasureOutcome:
    """What one erasure did."""

    record_id: int
    tenancies: int
    users_deleted: int
    notes_deleted: int
    influx: str


def drop_series(influx: InfluxQL, settings: InfluxSettings, home_id: str) -> str:
    """Remove every series tagged with the home from the database or bucket."""
    if settings.influx_api == "v1":
        influx.query(f"DROP SERIES WHERE {TAG_HOME} = {quote(home_id)}")
        return f"dropped series where {TAG_HOME}={home_id}"
    token = settings.influx_token.get_secret_value() if settings.influx_token else ""
    body = {
        "start": "1970-01-01T00:00:00Z",
        "stop": (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "predicate": f'{TAG_HOME}="{home_id}"',
    }
    url = f"{settings.influx_url.rstrip('/')}/api/v2/delete"
    try:
        response = urllib3.request(
            "POST",
            url,
            fields=None,
            body=json.dumps(body).encode(),
            headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
            timeout=settings.influx_timeout_s,
        )
    except urllib3.exceptions.HTTPError as error:
        raise InfluxUnavailable(f"InfluxDB unreachable: {error}") from error
    if response.status != 204:
        raise InfluxUnavailable(f"InfluxDB delete answered {response.status}", response.status)
    return f"deleted points where {TAG_HOME}={home_id} from bucket {settings.influx_bucket}"


def _withdraw_and_scrub(session: Session, home: Home) -> int:
    now = datetime.now(UTC)
    tenants = list(session.scalars(select(Tenant).where(Tenant.home_pk == home.id)))
    for tenant in tenants:
        tenant.name, tenant.email, tenant.user_pk = ERASED, None, None
        tenant.consent, tenant.consent_version, tenant.consent_at = (
            False,
            ERASURE_CONSENT_VERSION,
            now,
        )
        for event in tenant.consent_events:
            event.recorded_by = ERASED
        tenant.consent_events.append(
            ConsentEvent(
                granted=False, version=ERASURE_CONSENT_VERSION, recorded_at=now, recorded_by=ERASED
            )
        )
    return len(tenants)


def _deleted(session: Session, statement: Delete) -> int:
    result = cast(CursorResult[Any], session.execute(statement))
    return int(result.rowcount or 0)


def erase_sql(session: Session, home: Home) -> tuple[int, int, int]:
    """Scrub tenancies, delete tenant sign-ins, keys, notes and assessment state; no commit."""
    tenancies = _withdraw_and_scrub(session, home)
    users = _deleted(
        session, delete(User).where(User.home_pk == home.id, User.role == Role.TENANT.value)
    )
    session.execute(delete(ApiKey).where(ApiKey.home_pk == home.id))
    alert_ids = select(Alert.id).where(Alert.home_id == home.home_id)
    notes = _deleted(session, delete(AlertNote).where(AlertNote.alert_id.in_(alert_ids)))
    session.execute(
        update(AlertEvent)
        .where(AlertEvent.alert_id.in_(alert_ids), AlertEvent.action == "note")
        .values(detail={})
    )
    session.execute(
        update(AlertEvent)
        .where(AlertEvent.alert_id.in_(alert_ids), AlertEvent.action == "resolved")
        .values(detail={"reason": ERASED})
    )
    notes += _scrub_case_text(session, home.home_id)
    session.execute(delete(RoomAssessmentState).where(RoomAssessmentState.home_id == home.home_id))
    session.execute(
        delete(DeviceAssessmentState).where(DeviceAssessmentState.home_id == home.home_id)
    )
    return tenancies, users, notes


def _scrub_case_text(session: Session, home_id: str) -> int:
    """Blank the free text of the home's case steps and closing reasons; how many steps had any.

    The steps themselves stay (what was done and when is the landlord's statutory record).
    """
    case_ids = select(Case.id).where(Case.home_id == home_id)
    with_text = (CaseStep.case_id.in_(case_ids), CaseStep.text != "")
    scrubbed = len(session.scalars(select(CaseStep.id).where(*with_text)).all())
    session.execute(update(CaseStep).where(*with_text).values(text=""))
    for step in session.scalars(select(CaseStep).where(CaseStep.case_id.in_(case_ids))):
        if "findings" in (step.detail or {}):
            step.detail = {key: value for key, value in step.detail.items() if key != "findings"}
    session.execute(
        update(Case)
        .where(Case.home_id == home_id, Case.close_reason.is_not(None))
        .values(close_reason=ERASED)
    )
    return scrubbed


def record_erasure(
    session: Session, home_id: str, erased_by: str, counts: tuple[int, int, int], influx: str
) -> ErasureOutcome:
    """Keep the audit record (no tenant names) and commit."""
    tenancies, users, notes = counts
    record = ErasureRecord(
        home_id=home_id,
        erased_by=erased_by,
        tenancies=tenancies,
        users_deleted=users,
        notes_deleted=notes,
        influx=influx[:500],
    )
    session.add(record)
    session.commit()
    return ErasureOutcome(record.id, tenancies, users, notes, influx)


def delete_alerts(session: Session, home_id: str) -> int:
    """Delete the alerts of a home id, their events and notes (no commit); how many alerts."""
    return _deleted(session, delete(Alert).where(Alert.home_id == home_id))


def forget_home(
    session: Session, influx: InfluxQL, settings: InfluxSettings, home: Home, erased_by: str
) -> ErasureOutcome:
    """Erase a home before its row is deleted: its series, alerts and personal data go too.

    Alerts and series are keyed by the home id, not the row: left behind, they would belong
    to the next home registered under the same id. Nothing is committed until the series are
    gone (InfluxDB down: the deletion fails and can be repeated).
    """
    home_id = home.home_id
    counts = erase_sql(session, home)
    delete_alerts(session, home_id)
    influx_done = drop_series(influx, settings, home_id)
    session.delete(home)
    return record_erasure(session, home_id, erased_by, counts, influx_done)


def clear_leftovers(
    session: Session, influx: InfluxQL, settings: InfluxSettings, home_id: str
) -> None:
    """Before a home id is registered again: drop what arrived for it since it was erased.

    A gateway's backlog or an assessment cycle may still have written under the old id after
    its erasure; a home id never registered before keeps what its devices sent (no commit).
    """
    erased = select(ErasureRecord.id).where(ErasureRecord.home_id == home_id).limit(1)
    if session.scalar(erased) is None:
        return
    drop_series(influx, settings, home_id)
    delete_alerts(session, home_id)
    session.execute(delete(RoomAssessmentState).where(RoomAssessmentState.home_id == home_id))
    session.execute(delete(DeviceAssessmentState).where(DeviceAssessmentState.home_id == home_id))
