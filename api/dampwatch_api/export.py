"""Everything held about a home, for the tenant's right of access: JSON or a ZIP of CSV files."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from dampwatch.const import (
    MEASUREMENT_ALERT,
    MEASUREMENT_DEVICE_HEALTH,
    MEASUREMENT_HOME_RISK,
    MEASUREMENT_READING,
    MEASUREMENT_RISK,
    TAG_HOME,
)
from dampwatch.influx import InfluxQL
from dampwatch_api.alerts import service
from dampwatch_api.alerts.models import Alert, AlertEvent, AlertNote
from dampwatch_api.auth.principal import Principal
from dampwatch_api.cases.summary import case_records
from dampwatch_api.home_series import quote
from dampwatch_api.policy import sees_other_people
from dampwatch_api.predict.latest import latest_run
from dampwatch_api.predict.models import Prediction
from dampwatch_api.registry.models import Home, Tenant
from dampwatch_api.retention import MEASUREMENT_READING_HOURLY
from dampwatch_api.watches.models import Watch

HOME_MEASUREMENTS: Final = (
    MEASUREMENT_READING,
    MEASUREMENT_READING_HOURLY,
    MEASUREMENT_RISK,
    MEASUREMENT_HOME_RISK,
    MEASUREMENT_ALERT,
    MEASUREMENT_DEVICE_HEALTH,
)
CHUNK: Final = timedelta(days=7)
STAFF: Final = "housing team"


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _edge(influx: InfluxQL, measurement: str, home_id: str, order: str) -> int | None:
    rows = influx.rows(
        f'SELECT * FROM "{measurement}" WHERE {TAG_HOME} = {quote(home_id)} '  # noqa: S608
        f"ORDER BY time {order} LIMIT 1"
    )
    return int(rows[0]["time"]) if rows else None


def series_rows(influx: InfluxQL, measurement: str, home_id: str) -> Iterator[dict[str, Any]]:
    """Every stored point of the home in one measurement, oldest first, a week at a time."""
    first = _edge(influx, measurement, home_id, "ASC")
    last = _edge(influx, measurement, home_id, "DESC")
    if first is None or last is None:
        return
    step = int(CHUNK.total_seconds() * 1000)
    for start in range(first, last + 1, step):
        statement = (
            f'SELECT * FROM "{measurement}" WHERE {TAG_HOME} = {quote(home_id)} '  # noqa: S608
            f"AND time >= {start}ms AND time < {min(start + step, last + 1)}ms"
        )
        for row in influx.rows(statement):
            row["time"] = datetime.fromtimestamp(row["time"] / 1000, UTC).isoformat()
            yield {name: value for name, value in row.items() if value is not None}


def _tenancy(tenant: Tenant, principal: Principal, staff: bool) -> dict[str, Any]:
    return {
        "tenant_id": tenant.id,
        "name": tenant.name,
        "email": tenant.email,
        "consent": tenant.consent,
        "consent_version": tenant.consent_version,
        "consent_at": _iso(tenant.consent_at),
        "statistics": tenant.statistics,
        "consent_history": [
            {
                "purpose": event.purpose,
                "granted": event.granted,
                "version": event.version,
                "recorded_at": _iso(event.recorded_at),
                # Who recorded it: the tenant, or (to a tenant) just their housing team.
                "recorded_by": event.recorded_by
                if staff or event.recorded_by == principal.name
                else STAFF,
            }
            for event in tenant.consent_events
        ],
    }


def _event(event: AlertEvent, staff: bool) -> dict[str, Any]:
    # Staff see who did what and why; a tenant sees what happened to the case and when.
    if not staff:
        return {"at": _iso(event.at), "action": event.action, "status": event.status}
    return {
        "at": _iso(event.at),
        "actor": event.actor,
        "action": event.action,
        "status": event.status,
        "detail": dict(event.detail or {}),
    }


def _alert(session: Session, alert: Alert, staff: bool) -> dict[str, Any]:
    query = select(AlertNote).where(AlertNote.alert_id == alert.id)
    notes: list[AlertNote] = list(session.scalars(query)) if staff else []
    return {
        "id": alert.id,
        "room": alert.room or None,
        "kind": alert.kind,
        "severity": alert.severity,
        "status": alert.status,
        "opened_at": _iso(alert.opened_at),
        "due_by": _iso(alert.due_by),
        "resolved_at": _iso(alert.resolved_at),
        "resolution": alert.resolution,
        "evidence": dict(alert.evidence or {}),
        "events": [_event(event, staff) for event in service.alert_events(session, alert.id)],
        # Case notes are the housing team's working papers, never part of a tenant's export.
        "notes": [
            {"at": _iso(note.at), "author": note.author, "text": note.text} for note in notes
        ],
    }


def registry_record(session: Session, home: Home, principal: Principal) -> dict[str, Any]:
    """The home's facts, its tenancies with their consent history, alerts and notes.

    Staff get everything; a tenant gets the home, its conditions and alerts, and their own
    tenancy: not co-tenants', not former tenants', not the staff's notes (`policy`).
    """
    session.refresh(home)
    staff = sees_other_people(principal)
    tenants = [
        tenant
        for tenant in home.tenants
        if staff or (principal.user_pk is not None and tenant.user_pk == principal.user_pk)
    ]
    alerts = session.scalars(select(Alert).where(Alert.home_id == home.home_id))
    return {
        "home": {
            "home_id": home.home_id,
            "address": home.address,
            "postcode": home.postcode,
            "landlord_ref": home.landlord_ref,
            "portfolio": home.portfolio,
            "patch": home.patch,
            "vulnerabilities": list(home.vulnerabilities or []),
            "created_at": _iso(home.created_at),
        },
        "rooms": [
            {"room_id": room.room_id, "name": room.name, "kind": room.kind} for room in home.rooms
        ],
        "devices": [
            {
                "device_id": device.device_id,
                "device_type": device.device_type,
                "room": device.room.room_id if device.room else None,
                "installed_at": _iso(device.installed_at),
                "removed_at": _iso(device.removed_at),
            }
            for device in home.devices
        ],
        "tenants": [_tenancy(tenant, principal, staff) for tenant in tenants],
        "alerts": [_alert(session, alert, staff) for alert in alerts],
        "cases": case_records(session, home.home_id, staff=staff),
        "watches": _watches(session, home.home_id),
        "predictions": _predictions(session, home),
    }


def _watches(session: Session, home_id: str) -> list[dict[str, Any]]:
    """The early warnings about the home's rooms, open and past."""
    found = session.scalars(select(Watch).where(Watch.home_id == home_id).order_by(Watch.id))
    return [
        {
            "id": watch.id,
            "room": watch.room,
            "kind": watch.kind,
            "opened_at": _iso(watch.opened_at),
            "expected_at": _iso(watch.expected_at),
            "share": watch.share,
            "words": watch.words,
            "cleared_at": _iso(watch.cleared_at),
            "alert_id": watch.alert_id,
        }
        for watch in found
    ]


def _predictions(session: Session, home: Home) -> list[dict[str, Any]]:
    """What the latest prediction run said of the home: its chance of each hazard, and why."""
    run = latest_run(session)
    if run is None:
        return []
    found = session.scalars(
        select(Prediction)
        .where(Prediction.run_pk == run.id, Prediction.home_pk == home.id)
        .order_by(Prediction.kind)
    )
    return [
        {
            "kind": prediction.kind,
            "probability": round(prediction.probability, 4),
            "reasons": [reason["text"] for reason in prediction.reasons],
            "predicted_at": _iso(run.finished_at),
        }
        for prediction in found
    ]


def json_chunks(
    session: Session, influx: InfluxQL, home: Home, principal: Principal
) -> Iterator[bytes]:
    """The export as one JSON document, streamed a row at a time."""
    record = registry_record(session, home, principal)
    record["exported_at"] = datetime.now(UTC).isoformat()
    head = json.dumps(record, indent=1)[:-2]  # without the closing "\n}"
    yield head.encode() + b',\n "series": {'
    for index, measurement in enumerate(HOME_MEASUREMENTS):
        yield (b"," if index else b"") + f"\n  {json.dumps(measurement)}: [".encode()
        for number, row in enumerate(series_rows(influx, measurement, home.home_id)):
            yield (b"," if number else b"") + b"\n   " + json.dumps(row).encode()
        yield b"\n  ]"
    yield b"\n }\n}\n"


def _csv(rows: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    columns: list[str] = []
    for row in rows:
        columns += [name for name in row if name not in columns]
    writer = csv.DictWriter(buffer, fieldnames=columns or ["none"], extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow(
            {
                key: json.dumps(value) if isinstance(value, dict | list) else value
                for key, value in row.items()
            }
        )
    return buffer.getvalue()


def csv_zip(session: Session, influx: InfluxQL, home: Home, principal: Principal) -> bytes:
    """The export as a ZIP of CSV files: registry tables, consent history, alerts, each series."""
    record = registry_record(session, home, principal)
    consent = [
        {"tenant_id": tenant["tenant_id"], **event}
        for tenant in record["tenants"]
        for event in tenant["consent_history"]
    ]
    events = [
        {"alert_id": alert["id"], **event}
        for alert in record["alerts"]
        for event in alert["events"]
    ]
    tables: dict[str, list[dict[str, Any]]] = {
        "home.csv": [record["home"]],
        "rooms.csv": record["rooms"],
        "devices.csv": record["devices"],
        "tenants.csv": [
            {key: value for key, value in tenant.items() if key != "consent_history"}
            for tenant in record["tenants"]
        ],
        "consent_history.csv": consent,
        "alerts.csv": [
            {key: value for key, value in alert.items() if key != "events"}
            for alert in record["alerts"]
        ],
        "alert_events.csv": events,
        "watches.csv": record["watches"],
        "predictions.csv": record["predictions"],
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, rows in tables.items():
            archive.writestr(name, _csv(rows))
        for measurement in HOME_MEASUREMENTS:
            rows = list(series_rows(influx, measurement, home.home_id))
            archive.writestr(f"{measurement}.csv", _csv(rows))
    return buffer.getvalue()
