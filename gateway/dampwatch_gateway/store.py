"""The store-and-forward queue: SQLite in WAL mode, written before anything else happens.

`synchronous=FULL`: every commit is fsynced to the WAL, so a reading the gateway has taken
from a sensor (which will not send it again) survives a power cut, not only a process crash.
Commits are few (one per batch of readings and one per acknowledged uplink message), so the
cost on an SD card is small. Rows leave only when the uplink broker acknowledged them; ids come
from AUTOINCREMENT so they never repeat and order the queue oldest first.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

_LOGGER = logging.getLogger(__name__)

# Bytes a row costs beyond its payload and device id: key, timestamp and b-tree cell overhead.
ROW_OVERHEAD_BYTES: Final = 40
# Evict down to this share of the budget, so a full queue does not evict on every insert.
EVICTION_TARGET: Final = 0.95
_EVICTION_CHUNK: Final = 500
_DELETE_CHUNK: Final = 500
_FREE_PAGES_TO_VACUUM: Final = 256
COUNTER_EVICTED: Final = "evicted"
COUNTER_DELIVERED: Final = "delivered"

_SCHEMA: Final = (
    """CREATE TABLE IF NOT EXISTS queue (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        device TEXT NOT NULL,
        ts_ms INTEGER NOT NULL,
        payload TEXT NOT NULL
    )""",
    "CREATE TABLE IF NOT EXISTS device_seq (device TEXT PRIMARY KEY, next_seq INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL)",
)
_SIZE: Final = f"length(payload) + length(device) + {ROW_OVERHEAD_BYTES}"
_EVICT_OLDEST: Final = (
    "DELETE FROM queue WHERE id IN (SELECT id FROM queue ORDER BY id LIMIT ?) "  # noqa: S608
    f"RETURNING ts_ms, {_SIZE}"
)


class StoreError(RuntimeError):
    """The queue file cannot be opened or used."""


@dataclass(frozen=True, slots=True)
class QueuedReading:
    """A validated reading ready to queue: its device, time, JSON payload and sequence number."""

    device: str
    ts_ms: int
    payload: str
    seq: int | None = None


@dataclass(frozen=True, slots=True)
class Batch:
    """Consecutive queued readings of one device, sent as one uplink message."""

    device: str
    ids: tuple[int, ...]
    payload: bytes


@dataclass(frozen=True, slots=True)
class Eviction:
    """Readings dropped to keep the queue within its disk budget."""

    count: int
    oldest_ts_ms: int
    newest_ts_ms: int


class Store:
    """The queue file. One thread uses it: the gateway's engine."""

    def __init__(self, path: Path, budget_bytes: int) -> None:
        self.path = path
        self.budget_bytes = budget_bytes
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            self._setup()
        except (OSError, sqlite3.Error) as error:
            raise StoreError(f"cannot open the queue {path}: {error}") from None

    def _setup(self) -> None:
        db = self._db
        db.execute("PRAGMA auto_vacuum=INCREMENTAL")  # takes effect only on a new file
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        db.execute("PRAGMA journal_size_limit=4194304")
        db.execute("PRAGMA busy_timeout=5000")
        for statement in _SCHEMA:
            db.execute(statement)
        self.depth = 0
        self.queued_bytes = 0
        self.counters: dict[str, int] = {COUNTER_EVICTED: 0, COUNTER_DELIVERED: 0}
        self._reload_totals()
        self._next_seq = dict(db.execute("SELECT device, next_seq FROM device_seq").fetchall())

    def close(self) -> None:
        """Close the file (everything committed is already on disk)."""
        self._db.close()

    def next_seq(self, device: str) -> int:
        """The sequence number the next reading of `device` gets."""
        return int(self._next_seq.get(device, 0))

    def add(self, readings: Sequence[QueuedReading]) -> Eviction | None:
        """Queue readings in one transaction; evict the oldest if the budget is exceeded."""
        if not readings:
            return None
        rows = [(item.device, item.ts_ms, item.payload) for item in readings]
        seqs = {item.device: item.seq + 1 for item in readings if item.seq is not None}
        added_bytes = sum(len(p) + len(d) + ROW_OVERHEAD_BYTES for d, _t, p in rows)
        try:
            eviction = self._insert(rows, seqs, added_bytes)
        except sqlite3.Error as error:
            self._reload_totals()
            raise StoreError(f"cannot write to the queue {self.path}: {error}") from None
        for device, seq in seqs.items():
            self._next_seq[device] = max(self.next_seq(device), seq)
        return eviction

    def _insert(
        self, rows: list[tuple[str, int, str]], seqs: dict[str, int], added_bytes: int
    ) -> Eviction | None:
        with self._transaction():
            self._db.executemany(
                "INSERT INTO queue (device, ts_ms, payload) VALUES (?, ?, ?)", rows
            )
            self._db.executemany(
                "INSERT INTO device_seq (device, next_seq) VALUES (?, ?) "
                "ON CONFLICT(device) DO UPDATE SET next_seq = max(next_seq, excluded.next_seq)",
                list(seqs.items()),
            )
            self.depth += len(rows)
            self.queued_bytes += added_bytes
            return self._evict() if self.queued_bytes > self.budget_bytes else None

    def _reload_totals(self) -> None:
        """Re-read what the file holds after a failed transaction was rolled back."""
        row = self._db.execute(
            f"SELECT count(*), coalesce(sum({_SIZE}), 0) FROM queue"  # noqa: S608
        ).fetchone()
        self.depth, self.queued_bytes = row[0], row[1]
        self.counters.update(self._db.execute("SELECT name, value FROM counters").fetchall())

    def _evict(self) -> Eviction:
        target = int(self.budget_bytes * EVICTION_TARGET)
        count, oldest, newest = 0, 0, 0
        while self.queued_bytes > target and self.depth > 0:
            removed = self._db.execute(_EVICT_OLDEST, (_EVICTION_CHUNK,)).fetchall()
            if not removed:
                break
            times = [ts for ts, _size in removed]
            oldest = min(times) if not count else min(oldest, *times)
            newest = max(newest, *times)
            count += len(removed)
            self.depth -= len(removed)
            self.queued_bytes -= sum(size for _ts, size in removed)
        self._bump(COUNTER_EVICTED, count)
        return Eviction(count, oldest, newest)

    def batches(self, after_id: int, max_rows: int, batch_size: int, max_bytes: int) -> list[Batch]:
        """The oldest rows after `after_id` as per-device batches, in the order of their ids."""
        rows = self._db.execute(
            "SELECT id, device, payload FROM queue WHERE id > ? ORDER BY id LIMIT ?",
            (after_id, max_rows),
        ).fetchall()
        open_batches: dict[str, tuple[list[int], list[str], int]] = {}
        done: list[tuple[int, Batch]] = []
        for row_id, device, payload in rows:
            ids, payloads, size = open_batches.setdefault(device, ([], [], 2))
            if ids and (len(ids) >= batch_size or size + len(payload) + 1 > max_bytes):
                done.append((ids[0], _batch(device, ids, payloads)))
                ids, payloads, size = [], [], 2
            ids.append(row_id)
            payloads.append(payload)
            open_batches[device] = (ids, payloads, size + len(payload) + 1)
        done.extend((ids[0], _batch(d, ids, p)) for d, (ids, p, _s) in open_batches.items())
        done.sort(key=lambda item: item[0])
        return [batch for _first, batch in done]

    def delete(self, ids: Iterable[int]) -> int:
        """Remove acknowledged readings; returns how many were still queued."""
        try:
            return self._delete(list(ids))
        except sqlite3.Error as error:
            self._reload_totals()
            raise StoreError(
                f"queue {self.path}: removing acknowledged rows failed: {error}"
            ) from None

    def _delete(self, id_list: list[int]) -> int:
        removed = 0
        with self._transaction():
            for start in range(0, len(id_list), _DELETE_CHUNK):
                chunk = id_list[start : start + _DELETE_CHUNK]
                marks = ",".join("?" * len(chunk))
                sizes = self._db.execute(
                    f"DELETE FROM queue WHERE id IN ({marks}) RETURNING {_SIZE}",  # noqa: S608
                    chunk,
                ).fetchall()
                removed += len(sizes)
                self.queued_bytes -= sum(size for (size,) in sizes)
            self.depth -= removed
            self._bump(COUNTER_DELIVERED, removed)
        return removed

    def oldest_ts_ms(self) -> int | None:
        """Time of the oldest queued reading, or None when the queue is empty."""
        row = self._db.execute("SELECT ts_ms FROM queue ORDER BY id LIMIT 1").fetchone()
        return int(row[0]) if row else None

    def maintain(self) -> None:
        """Give freed pages back to the file system once enough have accumulated."""
        free_pages = self._db.execute("PRAGMA freelist_count").fetchone()[0]
        if free_pages >= _FREE_PAGES_TO_VACUUM:
            self._db.execute("PRAGMA incremental_vacuum")

    def _bump(self, name: str, amount: int) -> None:
        if amount:
            self._db.execute(
                "INSERT INTO counters (name, value) VALUES (?, ?) "
                "ON CONFLICT(name) DO UPDATE SET value = value + excluded.value",
                (name, amount),
            )
            self.counters[name] = self.counters.get(name, 0) + amount

    def _transaction(self) -> _Transaction:
        return _Transaction(self._db)


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on an exception."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: type[BaseException] | None, *rest: object) -> None:
        self._db.execute("ROLLBACK" if exc_type is not None else "COMMIT")


def _batch(device: str, ids: list[int], payloads: list[str]) -> Batch:
    body = payloads[0] if len(payloads) == 1 else "[" + ",".join(payloads) + "]"
    return Batch(device, tuple(ids), body.encode("utf-8"))
