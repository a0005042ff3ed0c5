"""The demo's casework step: the flags become cases, exported and fed as a landlord takes them."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from dampwatch_stack.demo_report import DemoResult


def run_casework(dampwatch: Callable[..., str], demo_dir: Path, result: DemoResult) -> None:
    """One casework pass, then every case as standard objects and today's feed of open cases."""
    dampwatch("casework", "--once")
    export = demo_dir / "hact-export.json"
    dampwatch("casework", "export", "--out", str(export))
    document = json.loads(export.read_text(encoding="utf-8"))
    result.cases = len(document["investigation_component"]["hazard_report"])
    result.hact_export = str(export)
    result.feed = dampwatch("casework", "feed", "--out", str(demo_dir / "feed")).strip()
