"""`POST /v1/alerts/bulk`: acknowledge, assign, note or resolve many alerts in one request."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, Field, StringConstraints

from dampwatch_api.alerts.bulk import MAX_ALERTS, BulkAction, apply_bulk
from dampwatch_api.deps import ContextDep, SessionDep, SignedIn

router = APIRouter(prefix="/v1/alerts", tags=["alerts"])


class BulkIn(BaseModel):
    """The change and the alerts it applies to; `text` is the assignee, note or reason."""

    action: BulkAction
    alert_ids: list[Annotated[int, Field(ge=1, le=2**31 - 1)]] = Field(
        min_length=1, max_length=MAX_ALERTS
    )
    text: Annotated[str, StringConstraints(strip_whitespace=True, max_length=10_000)] = ""


class BulkRefusal(BaseModel):
    """An alert left unchanged, and why."""

    alert_id: int
    reason: str


class BulkOut(BaseModel):
    """The alerts changed and those refused (unknown or foreign alerts say "not found")."""

    done: list[int]
    refused: list[BulkRefusal]


@router.post("/bulk", response_model=BulkOut)
def bulk_change(
    body: BulkIn, principal: SignedIn, session: SessionDep, context: ContextDep
) -> BulkOut:
    """Apply one change to each alert the caller may work on; the others are listed as refused."""
    outcome = apply_bulk(session, principal, body.alert_ids, body.action, body.text)
    session.commit()
    context.board.invalidate()
    return BulkOut(
        done=outcome.done,
        refused=[BulkRefusal(alert_id=key, reason=value) for key, value in outcome.refused.items()],
    )
