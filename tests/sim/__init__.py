"""Tests of the simulator."""

from __future__ import annotations

import os
from pathlib import Path


def shared_data() -> Path | None:
    """The real datasets: $DAMPWATCH_SHARED_DATA, or `shared/data` beside a parent directory."""
    if configured := os.environ.get("DAMPWATCH_SHARED_DATA"):
        return Path(configured)
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "shared" / "data"
        if candidate.is_dir():
            return candidate
    return None
