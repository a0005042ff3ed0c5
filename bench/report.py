"""The result table, the environment it was measured in, and their JSON form."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from dampwatch_stack.servers import find_binary


@dataclass(slots=True)
class Row:
    """One line of the table: a measurement, its baseline and the target it is held to.

    `passed` is None for information only (no target) or when the scenario could not run.
    """

    scenario: str
    measured: float | None
    unit: str
    baseline: float | None = None
    ratio: float | None = None
    target: str = ""
    passed: bool | None = None
    note: str = ""

    @property
    def verdict(self) -> str:
        """PASS, FAIL, info or n/a."""
        if self.passed is None:
            return "n/a" if self.target else "info"
        return "PASS" if self.passed else "FAIL"


def _number(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "s":
        return f"{value:.3f} s"
    if unit == "MB":
        return f"{value:.1f} MB"
    return f"{value:,.0f} {unit}"


def format_table(rows: list[Row]) -> str:
    """The rows as a plain-text table, notes below it."""
    header = ("scenario", "measured", "baseline", "ratio", "target", "verdict")
    cells = [
        (
            row.scenario,
            _number(row.measured, row.unit),
            _number(row.baseline, row.unit),
            "-" if row.ratio is None else f"{row.ratio:.2f}x",
            row.target or "-",
            row.verdict,
        )
        for row in rows
    ]
    widths = [max(len(line[i]) for line in [header, *cells]) for i in range(len(header))]

    def fmt(line: tuple[str, ...]) -> str:
        return " | ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True))

    out = [fmt(header), "-+-".join("-" * width for width in widths)]
    out.extend(fmt(line) for line in cells)
    notes = [f"  [{row.scenario}] {row.note}" for row in rows if row.note]
    if notes:
        out.extend(["", "notes:", *notes])
    return "\n".join(out)


def _first_line(argv: list[str]) -> str:
    binary = find_binary(argv[0])
    if binary is None:
        return "not found"
    try:
        done = subprocess.run(
            [binary, *argv[1:]], capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"unknown ({error})"
    text = (done.stdout or done.stderr).strip().splitlines()
    return text[0] if text else "unknown"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def environment() -> dict[str, Any]:
    """Where the numbers come from."""
    return {
        "cores": os.cpu_count(),
        "usable_cores": len(os.sched_getaffinity(0)),
        "cpu": _cpu_model(),
        "kernel": platform.release(),
        "python": sys.version.split()[0],
        "paho_mqtt": _version("paho-mqtt"),
        "mosquitto": _first_line(["mosquitto", "-h"]),
        "influxd": _first_line(["influxd", "version"]),
    }


def format_environment(env: dict[str, Any]) -> str:
    """The environment as `key: value` lines."""
    return "\n".join(f"  {key}: {value}" for key, value in env.items())


def as_json(rows: list[Row], env: dict[str, Any], details: dict[str, Any]) -> dict[str, Any]:
    """Everything in one JSON-serialisable document."""
    return {
        "environment": env,
        "rows": [asdict(row) | {"verdict": row.verdict} for row in rows],
        "details": details,
    }
