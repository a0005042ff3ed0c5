"""The officers' board: homes needing intervention, ranked, with the statutory clock and reasons."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Header, Query, Response, status
from pydantic import BaseModel, TypeAdapter
from starlette.concurrency import run_in_threadpool

from dampwatch_api.alerts.board import BoardRow
from dampwatch_api.auth.principal import Principal
from dampwatch_api.boardcache import BoardPage, HomeFacts, RankedBoard
from dampwatch_api.context import ApiContext
from dampwatch_api.deps import ContextDep, SignedIn
from dampwatch_api.registry.models import Role

router = APIRouter(prefix="/v1/board", tags=["board"])


class BoardEntry(BaseModel):
    """One home on the board."""

    rank: int
    home_id: str
    address: str
    postcode: str
    portfolio: str
    patch: str | None
    score: float
    open_alerts: int
    overdue_alerts: int
    overdue: bool
    due_by: datetime | None
    kinds: list[str]
    top_reasons: list[str]
    alert_ids: list[int]
    vulnerabilities: list[str]
    case_id: int | None = None
    next_duty: str | None = None  # the home's open statutory duty due first
    next_duty_due_by: datetime | None = None


ENTRIES = TypeAdapter(list[BoardEntry])


@dataclass(frozen=True)
class BoardQuery:
    """Who asks (their scope, not their name: callers of equal scope share pages) and what."""

    role: Role
    portfolios: frozenset[str]
    home_id: str | None
    portfolio: str | None
    patch: str | None
    overdue: bool | None
    offset: int
    limit: int

    def sees(self, row: BoardRow, home: HomeFacts) -> bool:
        """The caller's scope and the filters both admit the row."""
        if self.role is Role.OFFICER and home.portfolio not in self.portfolios:
            return False
        if self.role is Role.TENANT and row.home_id != self.home_id:
            return False
        if (self.portfolio is not None and home.portfolio != self.portfolio) or (
            self.patch is not None and home.patch != self.patch
        ):
            return False
        return self.overdue is None or (row.overdue_alerts > 0) == self.overdue

    def render(self, ranked: RankedBoard) -> BoardPage:
        """This query's page of the ranked board, as JSON."""
        entries: list[BoardEntry] = []
        total = 0
        for rank, row in enumerate(ranked.rows, start=1):
            home = ranked.homes[row.home_id]
            if not self.sees(row, home):
                continue
            total += 1
            if self.offset < total <= self.offset + self.limit:
                entries.append(
                    BoardEntry(
                        rank=rank,
                        home_id=row.home_id,
                        address=home.address,
                        postcode=home.postcode,
                        portfolio=home.portfolio,
                        patch=home.patch,
                        score=round(row.score, 2),
                        open_alerts=row.open_alerts,
                        overdue_alerts=row.overdue_alerts,
                        overdue=row.overdue_alerts > 0,
                        due_by=row.next_due_by,
                        kinds=row.kinds,
                        top_reasons=row.top_reasons,
                        alert_ids=row.alert_ids,
                        vulnerabilities=row.vulnerability_flags,
                        case_id=home.next_duty[0] if home.next_duty else None,
                        next_duty=home.next_duty[1] if home.next_duty else None,
                        next_duty_due_by=home.next_duty[2] if home.next_duty else None,
                    )
                )
        return BoardPage.of(ENTRIES.dump_json(entries), total)


@router.get(
    "",
    response_model=list[BoardEntry],
    responses={status.HTTP_304_NOT_MODIFIED: {"description": "The page is unchanged (ETag)"}},
)
async def get_board(
    *,
    principal: SignedIn,
    context: ContextDep,
    if_none_match: Annotated[str | None, Header()] = None,
    portfolio: str | None = None,
    patch: str | None = None,
    overdue: bool | None = None,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> Response:
    """Homes with open alerts the caller may see, highest priority first.

    `X-Total-Count` gives the number of matching homes; send the `ETag` back in
    `If-None-Match` to get 304 while the page is unchanged.
    """
    query = BoardQuery(
        principal.role,
        principal.portfolios,
        principal.home_id,
        portfolio,
        patch,
        overdue,
        offset,
        limit,
    )
    page = context.board.cached_page(query)
    if page is None:
        # Checking for changes and ranking query SQL: off the event loop.
        page = await run_in_threadpool(context.board.page, context.sessions, query, query.render)
    headers = {"ETag": page.etag, "X-Total-Count": str(page.total), "Cache-Control": "no-cache"}
    if if_none_match is not None and page.etag in {tag.strip() for tag in if_none_match.split(",")}:
        return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers=headers)
    return Response(page.body, media_type="application/json", headers=headers)


def board_entries(
    context: ApiContext, principal: Principal, portfolio: str | None, limit: int
) -> list[BoardEntry]:
    """The first `limit` board entries the caller may see, from the same cache (blocking)."""
    query = BoardQuery(
        principal.role,
        principal.portfolios,
        principal.home_id,
        portfolio,
        None,
        None,
        0,
        limit,
    )
    page = context.board.cached_page(query) or context.board.page(
        context.sessions, query, query.render
    )
    return ENTRIES.validate_json(page.body)
