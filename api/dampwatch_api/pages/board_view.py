"""The officers' board page: the work queue from the API's board, with counts and bulk actions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Final
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Form, Query, Request, status
from fastapi.responses import Response
from markupsafe import Markup
from sqlalchemy import bindparam, select

from dampwatch_api.alerts.bulk import BulkAction, apply_bulk
from dampwatch_api.alerts.models import Alert
from dampwatch_api.auth.principal import Principal
from dampwatch_api.boardcache import BoardPage, RankedBoard
from dampwatch_api.deps import ContextDep, SessionDep
from dampwatch_api.evidence import evidence_text, room_label, room_names
from dampwatch_api.pages.render import PageError, page, redirect, templates
from dampwatch_api.pages.session import check_csrf, page_principal
from dampwatch_api.pages.watch_views import watch_lane
from dampwatch_api.policy import is_staff, visible_homes, works_on_cases
from dampwatch_api.registry.models import Home, Role
from dampwatch_api.routes.assignees import colleagues
from dampwatch_api.routes.board import BoardEntry, BoardQuery, board_page, board_summary
from dampwatch_api.workqueue import (
    KIND_GROUPS,
    QueueFilters,
    QueueSort,
    QueueState,
    group_severity,
)

router = APIRouter(include_in_schema=False)
PAGE_SIZE: Final = 50
UNASSIGNED: Final = "none"
ME: Final = "me"
KIND_LABELS: Final = {
    "damp": "Damp and mould",
    "cold": "Cold",
    "heat": "Overheating",
    "sensors": "Sensors",
}
ROWS: Final = templates.get_template("_board_rows.html")
LIGHT_LABELS: Final = {"damp": "Damp", "cold": "Cold", "heat": "Heat", "sensors": "Sensors"}
STATE_LABELS: Final = {
    QueueState.NEW: "New (not acknowledged)",
    QueueState.OVERDUE: "Overdue",
    QueueState.DUE_TODAY: "Due today",
    QueueState.UNASSIGNED: "Unassigned",
    QueueState.ACKNOWLEDGED: "All acknowledged",
}
SORT_LABELS: Final = {
    QueueSort.RANK: "priority",
    QueueSort.DUE: "deadline",
    QueueSort.ADDRESS: "address",
    QueueSort.ASSIGNEE: "assignee",
    QueueSort.LAST_ACTION: "last action",
}
Text = Annotated[str | None, Query(max_length=100)]
BOARD_CHOICES: Final = frozenset(
    {"q", "portfolio", "kind", "state", "assignee", "sort", "desc", "page"}
)


# Built once: building `in_` comparisons costs milliseconds per request (SQLAlchemy's operator
# lookup), and an expanding parameter binds the list without coercing each value.
EVIDENCE_OF_ALERTS: Final = select(
    Alert.id, Alert.home_id, Alert.room, Alert.kind, Alert.evidence
).where(Alert.id.in_(bindparam("ids", expanding=True)))


@dataclass(frozen=True)
class Reason:
    """One line of a home's evidence: where and what."""

    room: str
    text: str


@dataclass(frozen=True)
class BoardChoice:
    """What the officer asked the board for, as the page's form holds it."""

    q: str = ""
    portfolio: str = ""
    kind: str = ""
    state: str = ""
    assignee: str = ""
    sort: str = QueueSort.RANK.value
    desc: bool = False
    page: int = 1

    def url(self, **changes: object) -> str:
        """This board with some choices changed (a filter change goes back to page 1)."""
        values = vars(self) | {"page": 1} | changes
        query: dict[str, object] = {}
        for key, value in values.items():
            if key == "page":
                if value != 1:
                    query[key] = value
            elif key == "desc":
                if value:
                    query[key] = "1"
            elif key == "sort":
                if value != QueueSort.RANK.value:
                    query[key] = value
            elif value:
                query[key] = value
        return "/board" + (f"?{urlencode(query)}" if query else "")

    def sort_url(self, sort: str) -> str:
        """Sort by a column; asking again for the same column reverses it."""
        return self.url(sort=sort, desc=self.sort == sort and not self.desc, page=self.page)


def _filters(choice: BoardChoice, principal: Principal) -> QueueFilters:
    state = QueueState(choice.state) if choice.state in set(QueueState) else None
    assignee = principal.name if choice.assignee == ME else choice.assignee or None
    if choice.assignee == UNASSIGNED:
        state, assignee = QueueState.UNASSIGNED, None
    kind = choice.kind if choice.kind in KIND_GROUPS else None
    return QueueFilters(
        portfolio=choice.portfolio or None,
        search=choice.q or None,
        kind=kind,
        state=state,
        assignee=assignee,
    )


def _reasons(session: SessionDep, entries: list[BoardEntry]) -> dict[str, list[Reason]]:
    """The evidence of each shown home's open alerts, worst first, rooms by their names."""
    ids = [alert_id for entry in entries for alert_id in entry.alert_ids]
    rows = session.execute(EVIDENCE_OF_ALERTS, {"ids": ids}).all()
    names = room_names(session, [entry.home_id for entry in entries])
    found = {
        row[0]: Reason(
            room_label(row[2], names, row[1]), evidence_text(row[4], row[1], row[2], row[3], names)
        )
        for row in rows
    }
    return {
        entry.home_id: [found[alert_id] for alert_id in entry.alert_ids if alert_id in found]
        for entry in entries
    }


@router.get("/board")
def board_view(
    *,
    request: Request,
    session: SessionDep,
    context: ContextDep,
    q: Text = None,
    portfolio: Text = None,
    kind: Text = None,
    state: Text = None,
    assignee: Text = None,
    sort: Text = None,
    desc: bool = False,
    page_number: Annotated[int, Query(alias="page", ge=1, le=10_000)] = 1,
    notice: Annotated[str | None, Query(max_length=40)] = None,
    done: Annotated[int, Query(ge=0, le=10_000)] = 0,
    refused: Annotated[int, Query(ge=0, le=10_000)] = 0,
) -> Response:
    """The homes needing intervention as a work queue: counts, search, filters, sort, pages."""
    principal = page_principal(request, context)
    if principal.role is Role.TENANT and principal.home_id is not None:
        return redirect(f"/homes/{principal.home_id}")
    if not is_staff(principal):
        return redirect("/region")
    chosen_sort = sort if sort in set(QueueSort) else QueueSort.RANK.value
    choice = BoardChoice(
        (q or "").strip(),
        portfolio or "",
        kind or "",
        state or "",
        assignee or "",
        chosen_sort,
        desc,
        page_number,
    )
    query = BoardQuery.of(
        principal,
        filters=_filters(choice, principal),
        sort=QueueSort(chosen_sort),
        descending=desc,
        offset=(page_number - 1) * PAGE_SIZE,
        limit=PAGE_SIZE,
    )
    entries, total = board_page(context, query)
    many_portfolios = len(principal.portfolios) != 1
    summary = board_summary(
        context, BoardQuery.of(principal, filters=QueueFilters(portfolio=choice.portfolio or None))
    )
    portfolios = list(
        session.scalars(
            select(Home.portfolio)
            .where(visible_homes(principal))
            .distinct()
            .order_by(Home.portfolio)
        )
    )
    values = {
        "entries": entries,
        "total": total,
        "first": query.offset + 1,
        "pages": max(1, -(-total // PAGE_SIZE)),
        "summary": summary,
        "rows_html": _rows_html(context, query, entries, many_portfolios),
        "choice": choice,
        "portfolios": portfolios,
        "kinds": KIND_LABELS,
        "states": STATE_LABELS,
        "sorts": SORT_LABELS,
        "colleagues": colleagues(session, principal),
        "board_notice": _notice(notice, done, refused),
        "back": str(request.url.query),
        "watches": watch_lane(session, principal),  # the lane below the queue (watch_views.py)
    }
    return page(request, context, "board.html", values, principal=principal)


def _rows_html(
    context: ContextDep, query: BoardQuery, entries: list[BoardEntry], many_portfolios: bool
) -> Markup:
    """The table's rows, rendered once per query, minute (their clocks) and board change."""
    now = datetime.now(UTC)
    key = ("rows", query, many_portfolios, now.replace(second=0, microsecond=0))

    def render(_ranked: RankedBoard) -> BoardPage:
        with context.sessions() as session:
            reasons = _reasons(session, entries)
        lights = {
            entry.home_id: [
                (LIGHT_LABELS[group], group_severity(entry.kind_severity, group))
                for group in KIND_GROUPS
            ]
            for entry in entries
        }
        html = ROWS.render(
            entries=entries,
            reasons=reasons,
            lights=lights,
            now=now,
            many_portfolios=many_portfolios,
        )
        return BoardPage.of(html.encode(), len(entries))

    cached = context.board.cached_page(key) or context.board.page(context.sessions, key, render)
    return Markup(cached.body.decode())  # noqa: S704 - rendered by an autoescaping template


def _notice(notice: str | None, done: int, refused: int) -> str | None:
    """The result of a bulk change, from numbers only (the page never echoes text)."""
    if notice not in {action.value for action in BulkAction}:
        return None
    verb = {"acknowledge": "acknowledged", "assign": "assigned"}.get(notice, "changed")
    message = f"{done} case{'' if done == 1 else 's'} {verb}."
    if refused:
        message += f" {refused} could not be changed (see each home for why)."
    return message


@router.post("/board/bulk")
def board_bulk(
    *,
    request: Request,
    session: SessionDep,
    context: ContextDep,
    action: Annotated[str, Form(max_length=20)],
    cases: Annotated[list[str] | None, Form(max_length=500)] = None,
    assignee: Annotated[str, Form(max_length=128)] = "",
    back: Annotated[str, Form(max_length=2000)] = "",
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    """Acknowledge or assign the open cases of the chosen homes, through the alert service."""
    check_csrf(request, context, csrf_token)
    principal = page_principal(request, context)
    if not works_on_cases(principal):
        raise PageError(
            status.HTTP_403_FORBIDDEN, "Not allowed", "You are not allowed to do this here."
        )
    parts = [part for value in cases or [] for part in value.split(",") if part]
    if action not in {"acknowledge", "assign"} or not all(part.isdigit() for part in parts):
        raise PageError(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            "Nothing was changed",
            "The form did not name an action and cases from the board. Go back and try again.",
        )
    chosen = BulkAction(action)
    ids = [int(part) for part in parts]
    kept = {key: value for key, value in parse_qsl(back) if key in BOARD_CHOICES}
    if not ids:
        return redirect(f"/board?{urlencode(kept)}")
    outcome = apply_bulk(session, principal, ids, chosen, assignee)
    session.commit()
    context.board.invalidate()
    result = {"notice": chosen.value, "done": len(outcome.done), "refused": len(outcome.refused)}
    return redirect(f"/board?{urlencode(kept | result)}")
