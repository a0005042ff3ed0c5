"""Firmware behaviour: outages with a bounded buffer, sequence gaps, duplicates, status, faults."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from dampwatch.const import MAX_READINGS_PER_MESSAGE
from dampwatch.readings import parse_payload
from dampwatch_sim.cohort import build_cohort
from dampwatch_sim.devices import OFFLINE_AFTER_S
from dampwatch_sim.firmware import BACKLOG, DUPLICATE, LIVE
from dampwatch_sim.names import (
    DEVICE_OFFLINE,
    FAULT_DRIFT,
    FAULT_DYING_BATTERY,
    FAULT_STUCK,
    SENSOR_FAULT,
)
from dampwatch_sim.payloads import readings_payload
from dampwatch_sim.publish import day_messages

START = datetime(2025, 1, 6, tzinfo=UTC).timestamp()
RETENTION_S = 10 * 365 * 86_400.0


def _sent(cohort, device_index: int):
    messages, statuses = [], []
    for _day, _frame, sent in cohort.days_sent():
        messages.extend(sent[device_index].messages)
        statuses.extend(sent[device_index].statuses)
    return messages, statuses


def test_long_outage_overflows_the_buffer_leaves_a_seq_gap_and_flushes_arrays() -> None:
    cohort = build_cohort(1, 3, seed=2, mix="healthy=1", start=START)
    plan = cohort.devices[0]
    plan.buffer_readings = 100
    outage = (START + 6 * 3600, START + 36 * 3600)
    plan.outages = [outage]
    messages, statuses = _sent(cohort, 0)
    assert [(s.online, round(s.send_s - outage[0])) for s in statuses[:1]] == [(False, 45)]
    assert statuses[1].online and statuses[1].send_s == outage[1]
    backlog = [m for m in messages if m.kind == BACKLOG]
    assert sum(len(m.readings["seq"]) for m in backlog) == 100
    assert all(m.send_s[0] == outage[1] for m in backlog)
    seqs = np.concatenate([m.readings["seq"] for m in messages if m.kind != DUPLICATE])
    assert np.all(np.diff(seqs) > 0)
    lost = 30 * 12 - 100  # readings taken in the outage beyond the buffer
    assert int(np.diff(seqs).max()) == lost + 1
    assert seqs[-1] + 1 == len(seqs) + lost
    duplicates = [m for m in messages if m.kind == DUPLICATE]
    for duplicate in duplicates:
        last_before = max(
            (m for m in messages if m.kind == LIVE and m.send_s[-1] < outage[0]),
            key=lambda m: m.send_s[-1],
        )
        assert duplicate.readings["seq"][0] == last_before.readings["seq"][-1]
    conditions = cohort.truth["homes"][0]["conditions"]
    offline = [c for c in conditions if c["kind"] == DEVICE_OFFLINE]
    assert offline and offline[0]["device"] == plan.device_id
    assert offline[0]["detectable_at"] == datetime.fromtimestamp(
        outage[0] + OFFLINE_AFTER_S, UTC
    ).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_payloads_are_valid_contract_v1_with_skewed_clocks() -> None:
    cohort = build_cohort(3, 2, seed=4, start=START)
    end = cohort.end_s
    total = 0
    for _day, _frame, sent in cohort.days_sent():
        for message in day_messages(sent, "dampwatch/v1", MAX_READINGS_PER_MESSAGE):
            if message.retain:
                continue
            parsed = parse_payload(message.payload, now_s=end, retention_s=RETENTION_S)
            assert not parsed.rejections, parsed.rejections
            total += len(parsed.readings)
            assert all(
                abs(r.ts_ms / 1000 - round(r.ts_ms / 1000 / 300) * 300) <= 120
                for r in parsed.readings
            )
    assert total > 3 * 4 * 2 * 288 * 0.9


def test_faults_stuck_drift_and_dying_battery() -> None:
    cohort = build_cohort(1, 4, seed=6, mix="faulty=1", start=START)
    plans = cohort.devices
    for plan in plans:
        plan.fault = None
        plan.outages = []
    stuck, drift, dying = plans[0], plans[1], plans[2]
    stuck.fault, stuck.fault_onset_s = FAULT_STUCK, START + 86_400
    drift.fault, drift.fault_onset_s, drift.drift_rh_per_day = FAULT_DRIFT, START, 3.0
    dying.fault, dying.battery_start_pct, dying.drain_pct_per_day = FAULT_DYING_BATTERY, 10.0, 5.0
    readings = {plan.device_id: [] for plan in plans}
    statuses = []
    for _day, _frame, sent in cohort.days_sent():
        for device_day in sent:
            for message in device_day.messages:
                readings[device_day.plan.device_id].append(message.readings)
            if device_day.plan is dying:
                statuses.extend(device_day.statuses)
    stuck_rows = np.concatenate([r["humidity_pct"] for r in readings[stuck.device_id]])
    assert np.unique(stuck_rows[288:]).size == 1 and np.unique(stuck_rows[:288]).size > 10
    dying_rows = np.concatenate([r["ts"] for r in readings[dying.device_id]])
    assert dying_rows[-1] < START + 2 * 86_400 + 120  # flat after two days
    assert statuses[-1].online is False
    kinds = {(c["device"], c["kind"]) for c in cohort.truth["homes"][0]["conditions"]}
    assert (stuck.device_id, SENSOR_FAULT) in kinds
    assert (drift.device_id, SENSOR_FAULT) in kinds
    assert (dying.device_id, DEVICE_OFFLINE) in kinds


def test_single_live_reading_is_an_object_backfill_is_an_array() -> None:
    cohort = build_cohort(1, 1, seed=1, start=START)
    _day, _frame, sent = next(iter(cohort.days_sent()))
    singles = day_messages(sent, "p", 1)
    reading = next(m for m in singles if not m.retain)
    assert reading.payload.startswith(b"{") and reading.readings == 1
    live = next(m for m in sent[0].messages if m.kind == LIVE)
    assert readings_payload(live.readings).startswith(b"[")


def test_same_seed_same_cohort_different_seed_differs() -> None:
    def snapshot(seed: int) -> list[bytes]:
        cohort = build_cohort(2, 1, seed=seed, start=START)
        out = []
        for _day, _frame, sent in cohort.days_sent():
            out.extend(m.payload for m in day_messages(sent, "p", 1000))
        return out

    assert snapshot(9) == snapshot(9)
    assert snapshot(9) != snapshot(10)
