"""Classify every reading that left a device as stored, lost or duplicated in storage.

In the spirit of Jepsen's checkers: the history is the ledger of what devices sent (judged with
the platform's own `parse_payload`, so readings the contract rejects are expected as rejections,
not as stored points), the state is read back from InfluxDB per device and timestamp, and every
difference is named. By contract a device and timestamp are one point (redelivery overwrites
itself), so duplicates in storage can only appear as the same reading under two series (a changed
tag) — checked anyway, together with stored points that no device sent and altered `seq` values.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from bench.soak_fleet import Ledger, ReadingKey
from dampwatch.const import MEASUREMENT_READING, MEASUREMENT_REJECTED, TAG_HOME, TAG_REASON
from dampwatch_stack.servers import InfluxServer


@dataclass(slots=True)
class Verdict:
    """The classification of every reading sent."""

    readings_sent: int
    distinct_sent: int
    stored: int
    lost: list[ReadingKey] = field(default_factory=list)
    duplicated: list[ReadingKey] = field(default_factory=list)
    unexpected: list[ReadingKey] = field(default_factory=list)
    seq_mismatch: list[ReadingKey] = field(default_factory=list)
    rejected_expected: Counter[str] = field(default_factory=Counter)
    rejected_stored: Counter[str] = field(default_factory=Counter)

    @property
    def unrecorded(self) -> Counter[str]:
        """Rejected input without its `rejected` record, by reason.

        A record is written when a message is judged, so one redelivered after a worker crash
        may be recorded twice: more records than rejections is not a loss.
        """
        return self.rejected_expected - self.rejected_stored

    @property
    def ok(self) -> bool:
        """Nothing lost, duplicated, invented or altered; every rejection recorded."""
        return not (
            self.lost or self.duplicated or self.unexpected or self.seq_mismatch or self.unrecorded
        )

    def summary(self) -> str:
        """One line per class, with the first few keys of each failing class."""
        lines = [
            f"sent {self.readings_sent} readings ({self.distinct_sent} distinct), "
            f"stored {self.stored}, lost {len(self.lost)}, duplicated {len(self.duplicated)}, "
            f"unexpected {len(self.unexpected)}, seq altered {len(self.seq_mismatch)}",
            f"rejected expected {dict(self.rejected_expected)}, "
            f"recorded {dict(self.rejected_stored)}, unrecorded {dict(self.unrecorded)}",
        ]
        for name in ("lost", "duplicated", "unexpected", "seq_mismatch"):
            keys = getattr(self, name)
            if keys:
                lines.append(f"{name}: {sorted(keys)[:5]}")
        return "\n".join(lines)


def _quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def stored_points(
    server: InfluxServer, database: str, home_id: str
) -> dict[tuple[str, int], list[int | None]]:
    """(device, ts ms) → the `seq` of every stored point of one home, across all its series."""
    query = (
        f'SELECT "seq", "temperature_c", "humidity_pct" FROM "{MEASUREMENT_READING}" '
        f'WHERE "{TAG_HOME}" = {_quote(home_id)} GROUP BY *'
    )
    result = server.query(query, db=database)
    points: dict[tuple[str, int], list[int | None]] = defaultdict(list)
    for statement in result.get("results", []):
        for series in statement.get("series", []):
            device = str((series.get("tags") or {}).get("device", ""))
            seq_column = series["columns"].index("seq")
            for row in series.get("values", []):
                seq: Any = row[seq_column]
                points[(device, int(row[0]))].append(None if seq is None else int(seq))
    return points


def rejected_counts(server: InfluxServer, database: str) -> Counter[str]:
    """Rejection records in InfluxDB by reason."""
    result = server.query(
        f'SELECT count("raw") FROM "{MEASUREMENT_REJECTED}" GROUP BY "{TAG_REASON}"', db=database
    )
    counts: Counter[str] = Counter()
    for statement in result.get("results", []):
        for series in statement.get("series", []):
            reason = str((series.get("tags") or {}).get(TAG_REASON, ""))
            counts[reason] += int(series["values"][0][1])
    return counts


def count_stored(server: InfluxServer, database: str) -> int:
    """Points of `reading` (each sent reading carries a `seq`)."""
    result = server.query(f'SELECT count("seq") FROM "{MEASUREMENT_READING}"', db=database)
    series = result["results"][0].get("series")
    return int(series[0]["values"][0][1]) if series else 0


def settled(server: InfluxServer, database: str, ledger: Ledger) -> bool:
    """Whether InfluxDB holds as many readings as were sent and a record of every rejection."""
    if count_stored(server, database) < ledger.distinct():
        return False
    expected = Counter(ledger.rejected)
    return not expected or not expected - rejected_counts(server, database)


def check(server: InfluxServer, database: str, ledger: Ledger, homes: list[str]) -> Verdict:
    """Read every home back and classify each reading the ledger says was sent."""
    expected = ledger.snapshot()
    by_home: dict[str, dict[tuple[str, int], int | None]] = defaultdict(dict)
    for (home, device, ts_ms), seq in expected.items():
        by_home[home][(device, ts_ms)] = seq
    verdict = Verdict(ledger.readings_sent, len(expected), 0)
    verdict.rejected_expected = Counter(ledger.rejected)
    for home in homes:
        points = stored_points(server, database, home)
        wanted = by_home.get(home, {})
        for key, seqs in points.items():
            full_key = (home, *key)
            verdict.stored += 1
            if len(seqs) > 1:
                verdict.duplicated.append(full_key)
            if key not in wanted:
                verdict.unexpected.append(full_key)
            elif any(seq != wanted[key] for seq in seqs):
                verdict.seq_mismatch.append(full_key)
        verdict.lost.extend((home, *key) for key in wanted if key not in points)
    verdict.rejected_stored = rejected_counts(server, database)
    return verdict
