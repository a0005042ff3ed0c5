"""De-duplication, interval windows and the SQLite queue on their own."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from dampwatch_gateway.aggregate import Aggregator, Deduplicator
from dampwatch_gateway.samples import Sample, SourceKind
from dampwatch_gateway.store import QueuedReading, Store


def _ble(counter: int | None, temperature: float = 20.0) -> Sample:
    return Sample(SourceKind.BLE, "A4:C1:38:00:00:01", {"temperature_c": temperature}, counter)


def test_repeated_advertisements_are_dropped_by_counter() -> None:
    dedupe = Deduplicator()
    assert [dedupe.is_repeat(_ble(c)) for c in (5, 5, 5, 6, 6, 7, 0)] == [
        False,
        True,
        True,
        False,
        True,
        False,
        False,
    ]
    assert not dedupe.is_repeat(_ble(None)) and not dedupe.is_repeat(_ble(None))


@pytest.mark.parametrize(("mode", "expected"), [("mean", 21.0), ("latest", 22.0)])
def test_one_reading_per_device_per_interval(mode: str, expected: float) -> None:
    aggregator = Aggregator(60, mode)  # type: ignore[arg-type]
    assert aggregator.add("d", {"temperature_c": 20.0, "battery_pct": 80}, 600.0) == []
    assert aggregator.add("d", {"temperature_c": 21.0}, 620.0) == []
    assert aggregator.add("d", {"temperature_c": 22.0, "humidity_pct": 50}, 659.0) == []
    assert aggregator.next_deadline() == 660.0
    assert aggregator.due(659.9) == []
    (reading,) = aggregator.due(660.0)
    assert reading.device == "d" and reading.ts_s == 659.0 and reading.samples == 3
    assert reading.values["temperature_c"] == expected
    assert reading.values["humidity_pct"] == 50 and reading.values["battery_pct"] == 80
    assert aggregator.next_deadline() is None


def test_a_later_sample_closes_the_window_and_fields_merge() -> None:
    aggregator = Aggregator(60, "latest")
    aggregator.add("esp", {"temperature_c": 19.5}, 100.0)
    aggregator.add("esp", {"humidity_pct": 61.0}, 100.2)
    (closed,) = aggregator.add("esp", {"temperature_c": 19.6}, 121.0)
    assert closed.values == {"temperature_c": 19.5, "humidity_pct": 61.0}
    assert [r.values for r in aggregator.close_all()] == [{"temperature_c": 19.6}]


def _reading(device: str, n: int, pad: int = 0) -> QueuedReading:
    payload = json.dumps({"ts": 1_700_000_000 + n, "seq": n, "temperature_c": 20.0, "x": "p" * pad})
    return QueuedReading(device, (1_700_000_000 + n) * 1000, payload, n)


def test_store_survives_reopen_and_batches_oldest_first(tmp_path: Path) -> None:
    path = tmp_path / "q.db"
    store = Store(path, 10**9)
    store.add([_reading("a" if n % 3 else "b", n) for n in range(10)])
    assert store.next_seq("a") == 9 and store.next_seq("b") == 10
    store.close()

    store = Store(path, 10**9)
    assert store.depth == 10 and store.next_seq("b") == 10
    batches = store.batches(0, 100, 4, 10**6)
    assert [(b.device, len(b.ids)) for b in batches] == [("b", 4), ("a", 4), ("a", 2)]
    all_ids = sorted(i for b in batches for i in b.ids)
    assert all_ids == list(range(1, 11))
    first = json.loads(batches[0].payload)
    assert [r["seq"] for r in first] == [0, 3, 6, 9]
    assert store.batches(max(all_ids), 100, 4, 10**6) == []
    assert store.delete(batches[0].ids) == 4 and store.depth == 6
    assert store.counters["delivered"] == 4
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    store.close()


def test_single_reading_goes_up_as_an_object(tmp_path: Path) -> None:
    store = Store(tmp_path / "q.db", 10**9)
    store.add([_reading("a", 1)])
    (batch,) = store.batches(0, 10, 1000, 10**6)
    assert json.loads(batch.payload)["seq"] == 1


def test_batches_respect_the_byte_limit(tmp_path: Path) -> None:
    store = Store(tmp_path / "q.db", 10**9)
    store.add([_reading("a", n, pad=300) for n in range(10)])
    batches = store.batches(0, 100, 1000, 1000)
    assert all(len(b.payload) <= 1000 for b in batches)
    assert sum(len(b.ids) for b in batches) == 10


def test_budget_evicts_oldest_and_counts_persistently(tmp_path: Path) -> None:
    path = tmp_path / "q.db"
    store = Store(path, 20_000)
    eviction = None
    for n in range(400):
        eviction = store.add([_reading("a", n)]) or eviction
    assert eviction is not None and store.queued_bytes <= 20_000
    evicted = store.counters["evicted"]
    assert evicted > 0 and store.depth == 400 - evicted
    (first, *_rest) = store.batches(0, 1, 1000, 10**6)
    assert json.loads(first.payload)["seq"] == evicted  # the oldest went first
    store.close()
    assert Store(path, 20_000).counters["evicted"] == evicted
