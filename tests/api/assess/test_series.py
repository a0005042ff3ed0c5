"""The cycle's `risk` and `device_health` lines, written column by column, say exactly what the
point-by-point definition says: same fields, rounding, order, missing values left out."""

from __future__ import annotations

import math

import numpy as np

from dampwatch_api.assess.series import grid_lines


def point_by_point(
    prefixes: list[str],
    rows: np.ndarray,
    cols: np.ndarray,
    start_hour: int,
    fields: list[tuple[str, np.ndarray, int | None]],
) -> list[str]:
    lines = []
    for point, (row, col) in enumerate(zip(rows.tolist(), cols.tolist(), strict=True)):
        parts = []
        for name, values, digits in fields:
            value = float(values[point])
            if not math.isfinite(value):
                continue
            shown = value if digits is None else round(value, digits)
            parts.append(f"{name}={float(shown)!r}")
        if parts:
            stamp = (start_hour + col) * 3600 * 1_000_000_000
            lines.append(f"{prefixes[row]} {','.join(parts)} {stamp}")
    return lines


def test_grid_lines_match_the_point_by_point_definition() -> None:
    rng = np.random.default_rng(3)
    rows = np.repeat(np.arange(40), 30)
    cols = np.tile(np.arange(30), 40)
    size = len(rows)
    mould = rng.normal(2.0, 2.0, size) * 1.000_049_9
    mould[rng.random(size) < 0.1] = np.nan
    surface = rng.normal(15.0, 3.0, size)
    surface[rng.random(size) < 0.05] = np.inf
    counts = rng.integers(0, 168, size)  # integer grids are written as floats
    nothing = np.full(size, np.nan)  # a point whose every field is missing is not written
    nothing_either = np.full(size, np.nan)
    nothing_either[::7] = 1.0
    prefixes = [f"risk,home=h{row},room=bedroom\\ 1" for row in range(40)]
    fields: list[tuple[str, np.ndarray, int | None]] = [
        ("mould_index", mould, 4),
        ("surface_temperature_c", surface, 2),
        ("hours_rh70_7d", counts, None),
    ]
    assert grid_lines(prefixes, rows, cols, 490_000, fields) == point_by_point(
        prefixes, rows, cols, 490_000, fields
    )
    ages = rng.integers(0, 200, size).astype(float)  # whole numbers given digits
    ages[::11] = np.nan
    signed = rng.integers(0, 5, size).astype(float)
    signed[::13] = -0.0  # written "-0.0", as repr writes it
    large = rng.integers(0, 5, size).astype(float)
    large[::17] = 3e9  # beyond the table of whole numbers
    wholes: list[tuple[str, np.ndarray, int | None]] = [
        ("last_seen_age_h", ages, 2),
        ("signed", signed, None),
        ("large", large, 1),
        ("negative", -ages, None),
    ]
    assert grid_lines(prefixes, rows, cols, 490_000, wholes) == point_by_point(
        prefixes, rows, cols, 490_000, wholes
    )
    sparse = [("a", nothing, None), ("b", nothing_either, 3)]
    written = grid_lines(prefixes, rows, cols, 490_000, sparse)
    assert written == point_by_point(prefixes, rows, cols, 490_000, sparse)
    assert len(written) == len(range(0, size, 7))
