"""The HACT / MHCLG damp and mould standard export: every object of a full run validates.

Five homes follow the paths cases take: put right from investigation to closing; missed and
escalated, then found clear; an emergency that needs somewhere else to stay; a cold home with no
statutory clock; a case just opened. Every exported object validates against the standard's
schemas (and the sensor evidence against its extension's schema), through the API, per case,
and through `dampwatch casework export`.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from dampwatch.assessment.kinds import AlertKind, Severity
from dampwatch_api.worker.main import write_export
from tests.api.cases.conftest import Clock, raise_alert, worker
from tests.api.conftest import HOME_NORTH, HOME_SOUTH, Api
from tests.support.damp_mould_standard import count_objects, errors_of

NOW = datetime.now(UTC)
HOMES = {"h-emergency": "north", "h-cold": "north", "h-new": "south"}


def _step(api: Api, case_id: int, **body: Any) -> None:
    made = api.call("POST", f"/v1/cases/{case_id}/steps", "admin", json=body)
    assert made.status_code == 201, (body, made.text)


def _case_of(api: Api, home: str) -> int:
    return int(api.call("GET", f"/v1/cases?home_id={home}", "admin").json()[0]["id"])


def _put_right(api: Api, case_id: int, start: datetime) -> None:
    _step(
        api,
        case_id,
        kind="investigation",
        at=(start + timedelta(hours=3)).isoformat(),
        outcome="significant",
        further_work=True,
        cause="building",
        actor="Sam Patel",
        text="Penetrating damp under the window.",
        work_planned="Repoint the wall.",
        evidence=["photo:wall.jpg"],
    )
    _step(
        api,
        case_id,
        kind="reasonable_endeavours",
        duty="make_safe",
        reason="no_answer",
        text="Nobody home on Tuesday; card left.",
    )
    _step(api, case_id, kind="made_safe", text="Mould treated, sill sealed.")
    _step(api, case_id, kind="summary_sent", method="email")
    _step(api, case_id, kind="preventative_steps", text="Scaffold booked.")
    _step(api, case_id, kind="preventative_started", text="Repointing begun.")
    _step(api, case_id, kind="work_completed", text="Wall repointed.")
    _step(api, case_id, kind="closed", text="Dry after four weeks of readings.")


def _scenario(api: Api) -> None:
    for home_id, portfolio in HOMES.items():
        body = {
            "home_id": home_id,
            "address": f"{home_id} Street",
            "postcode": "BS1 1AA",
            "portfolio": portfolio,
        }
        assert api.call("POST", "/v1/homes", "admin", json=body).status_code == 201
    start = NOW - timedelta(days=2)
    raise_alert(api, HOME_NORTH, "bathroom", AlertKind.MOULD_RISK, Severity.HIGH, start)
    raise_alert(api, HOME_NORTH, "bedroom", AlertKind.CONDENSATION_RISK, Severity.HIGH, start)
    raise_alert(api, HOME_SOUTH, "kitchen", AlertKind.CONDENSATION_RISK, Severity.HIGH, start)
    raise_alert(api, "h-emergency", "bedroom", AlertKind.MOULD_RISK, Severity.EMERGENCY, start)
    raise_alert(api, "h-cold", "living", AlertKind.COLD_HOME, Severity.HIGH, start)
    clock = Clock()
    runner = worker(api, clock)
    runner.run_once()
    _put_right(api, _case_of(api, HOME_NORTH), start)
    emergency = _case_of(api, "h-emergency")
    _step(
        api,
        emergency,
        kind="investigation",
        outcome="emergency",
        further_work=False,
        at=(start + timedelta(hours=2)).isoformat(),
    )
    _step(
        api,
        emergency,
        kind="cannot_make_safe",
        text="Ceiling unsafe; needs a structural engineer.",
        at=(start + timedelta(hours=3)).isoformat(),
    )
    _step(
        api,
        emergency,
        kind="accommodation_offered",
        text="Hotel, Park St, two weeks.",
        tenant_response="accepted",
        at=(start + timedelta(hours=4)).isoformat(),
    )
    _step(api, emergency, kind="made_safe", text="Ceiling propped and made safe.")
    _step(api, emergency, kind="summary_sent", method="in_person")
    raise_alert(api, "h-new", "bathroom", AlertKind.MOULD_RISK, Severity.HIGH, NOW)
    clock.advance(days=20)  # the south case is now missed: escalated
    runner.run_once()
    south = _case_of(api, HOME_SOUTH)
    _step(api, south, kind="investigation", outcome="no_hazard", text="Dry; the fan works.")
    _step(api, south, kind="summary_sent", method="letter")
    runner.run_once()


def test_every_exported_object_validates_against_the_standard(capi: Api, tmp_path: Path) -> None:
    _scenario(capi)
    exported = capi.call("GET", "/v1/exports/hact", "admin")
    assert exported.status_code == 200, exported.text
    document = exported.json()
    assert errors_of(document) == []
    counts = count_objects(document)
    assert counts == {
        "hazard_report": 5,
        "investigation": 5,
        "investigation_hazard": 2,  # north: damp and mould; emergency: damp and mould
        "notification": 3,
        # Missed deadlines: the emergency's investigation, safety work and offer (first seen by
        # the worker two days late), south's and h-new's investigations; and the hotel offered.
        "escalation": 6,
        "work_order": 3,  # north's safety and further work; the emergency's safety work
        "dampwatch_sensor_evidence": 5,
    }
    part = document["investigation_component"]
    assert part["trigger_source"] == [{"trigger_source_id": 1, "trigger_source": "sensor"}]
    assert {item["trigger_source_id"] for item in part["investigation"]} == {1}
    kinds = [item["escalation_type_id"] for item in part["escalation"]]
    assert sorted(kinds) == [1, 1, 1, 1, 1, 2]
    for item in part["escalation"]:
        assert item.get("escalation_end_date", "9999") >= item["escalation_start_date"], item
    escalated = {item["escalation_type_id"]: item for item in part["escalation"]}
    assert escalated[1]["escalated_to"] == "Repairs manager"
    assert escalated[2]["tenant_acceptance"] is True
    evidence = {
        item["home_id"]: item for item in document["extensions"]["dampwatch_sensor_evidence"]
    }
    assert evidence["h-cold"]["statutory_clock"]["level"] is None
    assert evidence["h-new"]["flags"][0]["kind"] == "mould_risk"
    assert evidence[HOME_NORTH]["reasonable_endeavours"][0]["reason"] == "no_answer"
    # An officer's export holds their portfolio only; each case exports alone too.
    north = capi.call("GET", "/v1/exports/hact", "officer-north").json()
    assert errors_of(north) == [] and count_objects(north)["hazard_report"] == 3
    assert HOME_SOUTH not in json.dumps(north)
    for case in capi.call("GET", "/v1/cases?limit=500", "admin").json():
        one = capi.call("GET", f"/v1/cases/{case['id']}/hact", "admin").json()
        assert errors_of(one) == [] and count_objects(one)["hazard_report"] == 1
    out = tmp_path / "export.json"
    assert write_export(capi.settings, out, None) == 5
    assert errors_of(json.loads(out.read_text())) == []


def test_a_broken_object_is_caught(sqlite_api: Api) -> None:
    _scenario(sqlite_api)
    document = sqlite_api.call("GET", "/v1/exports/hact", "admin").json()
    document["investigation_component"]["investigation"][0].pop("trigger_source_id")
    document["work_orders"][0]["actual_completion_date_time"] = "yesterday"
    problems = errors_of(document)
    assert any("trigger_source_id" in problem for problem in problems)
    assert any("date-time" in problem for problem in problems)
