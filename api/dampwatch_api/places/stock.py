"""Stock facts import: parsed rows stored per home, refused where the caller may not manage it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from dampwatch.stockfacts import RowError, StockFacts, parse_stock_rows
from dampwatch_api.places.models import HomeStockFacts
from dampwatch_api.registry.models import Home

CHUNK = 500  # home ids per SQL `IN` list


@dataclass(frozen=True)
class StockImport:
    """How many rows were stored, and why each refused cell or row was refused."""

    stored: int
    errors: list[RowError]

    def as_json(self) -> dict[str, object]:
        """The report the route answers and `dampwatch stock import --json` prints."""
        return {
            "stored": self.stored,
            "refused_rows": len({error.row for error in self.errors if error.row > 1}),
            "errors": [asdict(error) for error in self.errors],
        }


def _homes(session: Session, home_ids: Sequence[str]) -> dict[str, Home]:
    """The registered homes among `home_ids`."""
    found: dict[str, Home] = {}
    for start in range(0, len(home_ids), CHUNK):
        chunk = home_ids[start : start + CHUNK]
        found |= {
            h.home_id: h for h in session.scalars(select(Home).where(Home.home_id.in_(chunk)))
        }
    return found


def _store(session: Session, home: Home, facts: StockFacts, by: str, now: datetime) -> None:
    """Replace the home's facts with the row's (an empty cell is unknown, not kept from before)."""
    row = session.get(HomeStockFacts, home.id) or HomeStockFacts(home_pk=home.id)
    row.energy_band = facts.energy_band
    row.property_type = facts.property_type
    row.built_form = facts.built_form
    row.age_band = facts.age_band
    row.wall_type = facts.wall_type
    row.main_heating = facts.main_heating
    row.floor_area_m2 = facts.floor_area_m2
    row.imported_at, row.imported_by = now, by
    session.add(row)


def import_stock(
    session: Session, text: str, by: str, may_manage: Callable[[Home], bool]
) -> StockImport:
    """Store each valid row of a stock CSV whose home `may_manage`; commit; report the rest."""
    rows, errors = parse_stock_rows(text)
    homes = _homes(session, [facts.home_id for _, facts in rows])
    now = datetime.now(UTC)
    stored = 0
    for row, facts in rows:
        home = homes.get(facts.home_id)
        if home is None or not may_manage(home):
            message = f"no home {facts.home_id} among the homes you manage"
            errors.append(RowError(row, "home_id", facts.home_id, message))
            continue
        _store(session, home, facts, by, now)
        stored += 1
    session.commit()
    return StockImport(stored, sorted(errors, key=lambda error: error.row))
