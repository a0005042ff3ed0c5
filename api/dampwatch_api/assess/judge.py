"""Judge a chunk of rooms: their memory from the last cycle, then the core's indicators and
verdicts; and the memory they leave for the next cycle."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt

from dampwatch.assessment.config import AssessmentConfig
from dampwatch.assessment.frame import RoomFrame, hour_index, hour_start
from dampwatch.assessment.indicators import MouldGrid, RoomIndicators, assess_rooms
from dampwatch.assessment.kinds import AlertKind, Finding
from dampwatch.assessment.rules import KindVerdicts, room_finding, room_verdicts
from dampwatch_api.alerts.models import RoomAssessmentState
from dampwatch_api.assess.registry import RegistryFacts
from dampwatch_api.assess.state import FLAG_HOURS, RoomHistory, StateRows, updated

RoomKey = tuple[str, str]  # home_id, room
_NO_SNAPSHOTS: tuple[npt.NDArray[np.float64], npt.NDArray[np.int64]] = (
    np.zeros(1),
    np.zeros(1, np.int64),
)


@dataclass(frozen=True)
class JudgedRooms:
    """A chunk of rooms judged over the frame, with the memory it started from."""

    frame: RoomFrame
    indicators: RoomIndicators
    verdicts: dict[AlertKind, KindVerdicts]
    flags_before: npt.NDArray[np.uint16]  # (rooms, FLAG_HOURS): hour flags before the frame
    # Per room, the mould snapshots up to the hour before the frame (zeros for a new room).
    mould_before: list[tuple[npt.NDArray[np.float64], npt.NDArray[np.int64]]]
    known: list[bool]  # the room had a state row before this cycle
    config: AssessmentConfig

    def finding(self, kind: AlertKind, row: int, col: int) -> Finding:
        """The finding of a raising room-hour of one kind."""
        return room_finding(
            kind,
            self.frame,
            self.indicators,
            self.verdicts[kind],
            row=row,
            col=col,
            config=self.config,
        )

    def room_keys(self) -> list[RoomKey]:
        """(home, room) of each row."""
        return list(zip(self.frame.homes, self.frame.rooms, strict=True))

    def state_rows(self, *, end_hour: int, snapshots: int, now: datetime) -> StateRows:
        """The rooms' state rows after this cycle: (new rooms to insert, known ones to update)."""
        inserts: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        ind = self.indicators
        for row, (home, room) in enumerate(self.room_keys()):
            start_index, start_dry = self.mould_before[row]
            history = updated(
                self.flags_before[row],
                ind.flags[row],
                mould_index=ind.mould_index[row],
                dry_hours=ind.mould_dry_hours[row],
                start_index=start_index,
                start_dry=start_dry,
                snapshots=snapshots,
            )
            (updates if self.known[row] else inserts).append(
                {
                    "home_id": home,
                    "room": room,
                    "last_hour": hour_start(end_hour - 1),
                    "mould_index": float(ind.mould_index[row, -1]),
                    "mould_dry_hours": int(ind.mould_dry_hours[row, -1]),
                    "history": history.pack(),
                    "updated_at": now,
                }
            )
        return inserts, updates


def judge_rooms(
    part: RoomFrame,
    states: Mapping[RoomKey, RoomAssessmentState],
    facts: RegistryFacts,
    config: AssessmentConfig,
) -> JudgedRooms:
    """Indicators and verdicts of these rooms, continuing from what each room's state kept."""
    count = len(part.rooms)
    flags_before = np.zeros((count, FLAG_HOURS), np.uint16)
    start = MouldGrid.zeros(count)
    mould_before: list[tuple[npt.NDArray[np.float64], npt.NDArray[np.int64]]] = []
    known: list[bool] = []
    for row, key in enumerate(zip(part.homes, part.rooms, strict=True)):
        state = states.get(key)
        known.append(state is not None)
        if state is None:
            mould_before.append(_NO_SNAPSHOTS)
            continue
        back = hour_index(state.last_hour) - (part.start_hour - 1)
        history = RoomHistory.unpack(state.history)
        flags, index, dry = history.before(back)
        flags_before[row], start.index[row], start.dry_hours[row] = flags, index, dry
        mould_before.append(history.snapshots_before(back))
    indicators = assess_rooms(part, flags_before, start, config)
    vulnerable = np.array([bool(facts.vulnerabilities.get(home)) for home in part.homes])
    verdicts = room_verdicts(part, indicators, vulnerable, config)
    return JudgedRooms(part, indicators, verdicts, flags_before, mould_before, known, config)


def worst_scores(judged: JudgedRooms, scores: dict[str, float]) -> None:
    """Raise each home's entry in `scores` to its worst room's score at the frame's last hour."""
    last = judged.indicators.score[:, -1]
    for row, home in enumerate(judged.frame.homes):
        scores[home] = max(scores.get(home, 0.0), float(last[row]))
