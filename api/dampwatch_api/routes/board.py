"""The officers' board: homes needing intervention, ranked, with the statutory clock and reasons."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel

from dampwatch_api.deps import ContextDep, SessionDep, SignedIn
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


@router.get("", response_model=list[BoardEntry])
def get_board(
    *,
    principal: SignedIn,
    session: SessionDep,
    context: ContextDep,
    response: Response,
    portfolio: str | None = None,
    patch: str | None = None,
    overdue: bool | None = None,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[BoardEntry]:
    """Homes with open alerts the caller may see, highest priority first."""
    ranked = context.board.get(session)
    entries: list[BoardEntry] = []
    total = 0
    for rank, row in enumerate(ranked.rows, start=1):
        home = ranked.homes[row.home_id]
        if principal.role is Role.OFFICER and home.portfolio not in principal.portfolios:
            continue
        if principal.role is Role.TENANT and row.home_id != principal.home_id:
            continue
        if (portfolio is not None and home.portfolio != portfolio) or (
            patch is not None and home.patch != patch
        ):
            continue
        if overdue is not None and (row.overdue_alerts > 0) != overdue:
            continue
        total += 1
        if offset < total <= offset + limit:
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
                )
            )
    response.headers["X-Total-Count"] = str(total)
    return entries
