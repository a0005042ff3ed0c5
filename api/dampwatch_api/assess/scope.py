"""The homes one assessment run covers: every home, or one partition of them.

Homes are split into partitions by a stable hash of the home id, so every worker computes the
same split without asking anyone. A partition's homes are those of the registry and those
InfluxDB has readings from (a home that publishes before it is registered is assessed too).
Reads are cut to the partition's homes, except the outdoor sensors: the stock's median
outdoor temperature and a reference home's reach every home's wall estimate, so every run
reads all of them and judges only its own.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, inspect, select, true
from sqlalchemy.orm import Session

from dampwatch.assessment.frame import OUTDOOR_ROOM
from dampwatch.const import MEASUREMENT_READING, TAG_HOME, TAG_ROOM
from dampwatch.influx import InfluxQL


def partition_of(home_id: str, partitions: int) -> int:
    """The partition of a home among `partitions` (the same in every process and release)."""
    return zlib.crc32(home_id.encode()) % partitions


@dataclass(frozen=True)
class HomeScope:
    """Every home (`homes` None) or the named ones; `partition` names it in logs and leases."""

    homes: frozenset[str] | None = None
    partition: int = 0
    partitions: int = 1

    def __contains__(self, home_id: object) -> bool:
        return self.homes is None or home_id in self.homes

    @property
    def home_ids(self) -> Collection[str] | None:
        """The homes as a collection for `IN` filters; None for every home."""
        return None if self.homes is None else sorted(self.homes)

    def where(self, column: Any) -> ColumnElement[bool]:
        """A SQL condition keeping this scope's homes in `column`."""
        return true() if self.homes is None else column.in_(sorted(self.homes))

    def series_filter(self) -> str:
        """An InfluxQL condition (`AND ...`) keeping this scope's series and every outdoor one."""
        if self.homes is None:
            return ""
        if not self.homes:
            return f" AND \"{TAG_ROOM}\" = '{OUTDOOR_ROOM}'"
        # Home ids match dampwatch.const.ID_PATTERN; escaped all the same, and `/` for InfluxQL.
        pattern = "|".join(re.escape(home).replace("/", r"\/") for home in sorted(self.homes))
        return f' AND ("{TAG_HOME}" =~ /^(?:{pattern})$/ OR "{TAG_ROOM}" = \'{OUTDOOR_ROOM}\')'


ALL_HOMES = HomeScope()


def known_homes(session: Session, influx: InfluxQL) -> set[str]:
    """Every home of the registry and every home InfluxDB holds readings from."""
    homes: set[str] = set()
    if "homes" in set(inspect(session.connection()).get_table_names()):
        from dampwatch_api.registry.models import Home  # noqa: PLC0415

        homes.update(session.scalars(select(Home.home_id)))
    statement = f'SHOW TAG VALUES FROM "{MEASUREMENT_READING}" WITH KEY = "{TAG_HOME}"'
    for series in influx.query(statement):
        homes.update(str(value) for _key, value in series.get("values", []))
    return homes


def partition_scopes(homes: Collection[str], partitions: int) -> list[HomeScope]:
    """The homes split into `partitions` scopes (one scope of every home when 1)."""
    if partitions <= 1:
        return [ALL_HOMES]
    members: list[set[str]] = [set() for _ in range(partitions)]
    for home in homes:
        members[partition_of(home, partitions)].add(home)
    return [HomeScope(frozenset(m), number, partitions) for number, m in enumerate(members)]
