"""Logging set-up shared by the deployables: one line per event, to stderr."""

from __future__ import annotations

import logging


def configure_logging(level: str = "INFO") -> None:
    """Log `time level logger: message` lines at `level`."""
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        datefmt="%Y-%m-%dT%H:%M:%S%z",
    )
    # paho logs every packet at DEBUG; keep it quiet unless asked
    logging.getLogger("paho").setLevel(max(logging.getLevelName(level), logging.INFO))
