"""The officers' board: homes needing intervention, ranked, with the statutory clock and reasons."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Response, status
from pydantic import BaseModel, TypeAdapter
from starlette.concurrency import run_in_threadpool

from dampwatch_api.auth.principal import Principal
from dampwatch_api.boardcache import BoardPage, HomeFacts, RankedBoard
from dampwatch_api.context import ApiContext
from dampwatch_api.deps import ContextDep, SignedIn
from dampwatch_api.registry.models import Role
from dampwatch_api.workqueue import (
    QueueCounts,
    QueueFilters,
    QueueLine,
    QueueSort,
    QueueState,
    counts,
    ordered,
)

router = APIRouter(prefix="/v1/board", tags=["board"])


class LastActionOut(BaseModel):
    """The newest change to the home's open alerts."""

    at: datetime
    actor: str
    action: str


class BoardEntry(BaseModel):
    """One home on the board."""

    rank: int
    home_id: str
    address: str
    postcode: str
    portfolio: str
    patch: str | None
    score: float
    severity: str
    open_alerts: int
    unacknowledged: int
    overdue_alerts: int
    overdue: bool
    due_by: datetime | None
    kinds: list[str]
    kind_severity: dict[str, str]
    assignees: list[str]
    last_action: LastActionOut | None
    hazard_since: datetime | None
    top_reasons: list[str]
    alert_ids: list[int]
    vulnerabilities: list[str]
    case_id: int | None = None
    next_duty: str | None = None  # the home's open statutory duty due first
    next_duty_due_by: datetime | None = None


class BoardSummary(QueueCounts):
    """Counts over the caller's homes on the board (with the portfolio filter)."""


ENTRIES = TypeAdapter(list[BoardEntry])


def _entry(line: QueueLine) -> BoardEntry:
    row, home, last = line.row, line.home, line.last_action
    return BoardEntry(
        rank=line.rank,
        home_id=row.home_id,
        address=home.address,
        postcode=home.postcode,
        portfolio=home.portfolio,
        patch=home.patch,
        score=round(row.score, 2),
        severity=row.severity,
        open_alerts=row.open_alerts,
        unacknowledged=row.unacknowledged,
        overdue_alerts=row.overdue_alerts,
        overdue=row.overdue_alerts > 0,
        due_by=row.next_due_by,
        kinds=row.kinds,
        kind_severity=row.kind_severity,
        assignees=row.assignees,
        last_action=None if last is None else LastActionOut(**vars(last)),
        hazard_since=row.hazard_since,
        top_reasons=row.top_reasons,
        alert_ids=row.alert_ids,
        vulnerabilities=row.vulnerability_flags,
        case_id=home.next_duty[0] if home.next_duty else None,
        next_duty=home.next_duty[1] if home.next_duty else None,
        next_duty_due_by=home.next_duty[2] if home.next_duty else None,
    )


@dataclass(frozen=True)
class BoardQuery:
    """Who asks (their scope, not their name: callers of equal scope share pages) and what."""

    role: Role
    portfolios: frozenset[str]
    home_id: str | None
    filters: QueueFilters = field(default_factory=QueueFilters)
    sort: QueueSort = QueueSort.RANK
    descending: bool = False
    offset: int = 0
    limit: int = 50

    @classmethod
    def of(cls, principal: Principal, **values: Any) -> BoardQuery:
        """The query of `principal` with these filters and paging."""
        return cls(principal.role, principal.portfolios, principal.home_id, **values)

    def in_scope(self, home: HomeFacts, home_id: str) -> bool:
        """The caller may see the home (the policy's scopes, applied to the cached board)."""
        if self.role is Role.OFFICER:
            return home.portfolio in self.portfolios
        if self.role is Role.TENANT:
            return home_id == self.home_id
        return self.role is Role.ADMIN

    def lines(self, ranked: RankedBoard) -> list[QueueLine]:
        """The caller's lines that pass the filters, in board rank."""
        now = ranked.computed_at
        found = []
        for rank, row in enumerate(ranked.rows, start=1):
            home = ranked.homes[row.home_id]
            if not self.in_scope(home, row.home_id):
                continue
            line = QueueLine(rank, row, home, ranked.last_actions.get(row.home_id))
            if self.filters.admits(line, now):
                found.append(line)
        return found

    def render(self, ranked: RankedBoard) -> BoardPage:
        """This query's page of the ranked board, as JSON."""
        lines = self.lines(ranked)
        if self.sort is not QueueSort.RANK or self.descending:
            lines = ordered(lines, self.sort, self.descending)
        chosen = lines[self.offset : self.offset + self.limit]
        return BoardPage.of(ENTRIES.dump_json([_entry(line) for line in chosen]), len(lines))

    def summarise(self, ranked: RankedBoard) -> BoardPage:
        """The counts over this query's lines, as JSON."""
        found = counts(self.lines(ranked), ranked.computed_at)
        return BoardPage.of(found.model_dump_json().encode(), found.homes)


def _cached(
    context: ApiContext, key: Hashable, render: Callable[[RankedBoard], BoardPage]
) -> BoardPage:
    return context.board.cached_page(key) or context.board.page(context.sessions, key, render)


def _answer(page: BoardPage, if_none_match: str | None) -> Response:
    headers = {"ETag": page.etag, "X-Total-Count": str(page.total), "Cache-Control": "no-cache"}
    if if_none_match is not None and page.etag in {tag.strip() for tag in if_none_match.split(",")}:
        return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers=headers)
    return Response(page.body, media_type="application/json", headers=headers)


NOT_MODIFIED: dict[int | str, dict[str, Any]] = {
    status.HTTP_304_NOT_MODIFIED: {"description": "The page is unchanged (ETag)"}
}
FilterText = Annotated[str | None, Query(max_length=100)]


@router.get("", response_model=list[BoardEntry], responses=NOT_MODIFIED)
async def get_board(
    *,
    principal: SignedIn,
    context: ContextDep,
    if_none_match: Annotated[str | None, Header()] = None,
    portfolio: FilterText = None,
    patch: FilterText = None,
    overdue: bool | None = None,
    q: Annotated[str | None, Query(max_length=100, description="address, postcode or id")] = None,
    kind: Annotated[
        str | None, Query(max_length=40, description="a kind or damp|cold|heat|sensors")
    ] = None,
    state: QueueState | None = None,
    assignee: FilterText = None,
    sort: QueueSort = QueueSort.RANK,
    descending: bool = False,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> Response:
    """Homes with open alerts the caller may see, highest priority first (or sorted).

    `X-Total-Count` gives the number of matching homes; send the `ETag` back in
    `If-None-Match` to get 304 while the page is unchanged.
    """
    filters = QueueFilters(portfolio, patch, overdue, q or None, kind, state, assignee)
    query = BoardQuery.of(
        principal, filters=filters, sort=sort, descending=descending, offset=offset, limit=limit
    )
    page = context.board.cached_page(query)
    if page is None:
        # Checking for changes and ranking query SQL: off the event loop.
        page = await run_in_threadpool(context.board.page, context.sessions, query, query.render)
    return _answer(page, if_none_match)


@router.get("/summary", response_model=BoardSummary, responses=NOT_MODIFIED)
async def get_board_summary(
    *,
    principal: SignedIn,
    context: ContextDep,
    if_none_match: Annotated[str | None, Header()] = None,
    portfolio: FilterText = None,
) -> Response:
    """Counts over the caller's homes on the board: open, new, due today, overdue, unassigned,
    and homes with each group of kinds."""
    query = BoardQuery.of(principal, filters=QueueFilters(portfolio=portfolio))
    key = ("summary", query)
    page = context.board.cached_page(key)
    if page is None:
        page = await run_in_threadpool(context.board.page, context.sessions, key, query.summarise)
    return _answer(page, if_none_match)


def board_page(context: ContextDep, query: BoardQuery) -> tuple[list[BoardEntry], int]:
    """One page of the board for `query` and the number of matching homes (blocking)."""
    page = _cached(context, query, query.render)
    return ENTRIES.validate_json(page.body), page.total


def board_summary(context: ContextDep, query: BoardQuery) -> BoardSummary:
    """The board's counts for `query`'s scope and portfolio (blocking)."""
    page = _cached(context, ("summary", query), query.summarise)
    return BoardSummary.model_validate_json(page.body)
