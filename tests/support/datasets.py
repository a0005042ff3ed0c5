"""Where the real sensor datasets are: they are large and licensed apart, so not in the repo."""

from __future__ import annotations

import os
from pathlib import Path

# Where the team's machines keep them when a checkout is not beside them (a CI clone in /tmp).
MACHINE_DATASETS = Path("/work/shared/data")


def shared_data() -> Path | None:
    """$DAMPWATCH_SHARED_DATA, else `shared/data` beside a parent directory, else the machine's."""
    if configured := os.environ.get("DAMPWATCH_SHARED_DATA"):
        return Path(configured)
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "shared" / "data"
        if candidate.is_dir():
            return candidate
    return MACHINE_DATASETS if MACHINE_DATASETS.is_dir() else None
