"""What every dampwatch board shares: tags, time range, refresh, links between the boards."""

from __future__ import annotations

from grafana_foundation_sdk.builders import dashboard as board
from grafana_foundation_sdk.models import dashboard as model

from dampwatch_grafana.schema import BOARD_TAG

DEFAULT_RANGE = ("now-7d", "now")
REFRESH = "5m"


def new_board(uid: str, title: str, description: str) -> board.Dashboard:
    """A read-only board with the shared settings and a menu of the other dampwatch boards."""
    return (
        board.Dashboard(title)
        .uid(uid)
        .description(description)
        .tags([BOARD_TAG])
        .time(*DEFAULT_RANGE)
        .timezone("browser")
        .refresh(REFRESH)
        .readonly()
        .tooltip(model.DashboardCursorSync.CROSSHAIR)
        .link(
            board.DashboardLink("dampwatch boards")
            .type(model.DashboardLinkType.DASHBOARDS)
            .tags([BOARD_TAG])
            .as_dropdown(True)
            .include_vars(False)
            .keep_time(True)
        )
    )
