"""The officers' board page: the API's ranked board, filtered by portfolio, kind and status."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Final

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy import select

from dampwatch.assessment.kinds import AlertKind, AlertStatus
from dampwatch_api.alerts.models import Alert
from dampwatch_api.deps import ContextDep, SessionDep
from dampwatch_api.pages.render import page, redirect
from dampwatch_api.pages.session import page_principal
from dampwatch_api.policy import visible_homes
from dampwatch_api.registry.models import Home, Role
from dampwatch_api.routes.board import BoardEntry, board_entries

router = APIRouter(include_in_schema=False)
BOARD_LIMIT: Final = 500
STATUSES: Final = {
    "new": "New (not yet acknowledged)",
    "acknowledged": "All acknowledged",
    "overdue": "Overdue",
    "due": "Within its deadline",
}
FilterValue = Annotated[str | None, Query(max_length=100)]


@dataclass(frozen=True)
class BoardLine:
    """A board entry with what the page adds: the state of its cases."""

    entry: BoardEntry
    new_alerts: int
    due_in_days: float | None


def _statuses(session: SessionDep, entries: list[BoardEntry]) -> dict[int, str]:
    ids = [alert_id for entry in entries for alert_id in entry.alert_ids]
    if not ids:
        return {}
    rows = session.execute(select(Alert.id, Alert.status).where(Alert.id.in_(ids))).all()
    return {row[0]: row[1] for row in rows}


def _matches(line: BoardLine, kind: str | None, status: str | None) -> bool:
    if kind and kind not in line.entry.kinds:
        return False
    if status == "new":
        return line.new_alerts > 0
    if status == "acknowledged":
        return line.new_alerts == 0
    if status == "overdue":
        return line.entry.overdue
    if status == "due":
        return not line.entry.overdue
    return True


@router.get("/board")
def board_page(
    *,
    request: Request,
    session: SessionDep,
    context: ContextDep,
    portfolio: FilterValue = None,
    kind: FilterValue = None,
    status: FilterValue = None,
) -> Response:
    """Homes needing intervention, highest priority first, with their statutory clock."""
    principal = page_principal(request, context)
    if principal.role is Role.TENANT and principal.home_id is not None:
        return redirect(f"/homes/{principal.home_id}")
    portfolio, kind, status = portfolio or None, kind or None, status or None
    entries = board_entries(context, principal, portfolio, BOARD_LIMIT)
    statuses = _statuses(session, entries)
    now = datetime.now(UTC)
    lines = [
        BoardLine(
            entry=entry,
            new_alerts=sum(statuses.get(i) == AlertStatus.OPEN.value for i in entry.alert_ids),
            due_in_days=(entry.due_by - now).total_seconds() / 86_400 if entry.due_by else None,
        )
        for entry in entries
    ]
    lines = [line for line in lines if _matches(line, kind, status)]
    portfolios = sorted(
        set(session.scalars(select(Home.portfolio).where(visible_homes(principal))))
    )
    values = {
        "lines": lines,
        "portfolios": portfolios,
        "kinds": [item.value for item in AlertKind],
        "statuses": STATUSES,
        "selected": {"portfolio": portfolio, "kind": kind, "status": status},
    }
    return page(request, context, "board.html", values, principal=principal)
