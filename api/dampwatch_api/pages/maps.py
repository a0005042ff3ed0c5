"""Choropleth maps as inline SVG drawn on the server from GeoJSON boundaries: no tiles, no
script, no outside files. Each area is a path with its name and value as a tooltip, and the
page beside the map gives the same figures as a table."""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any, Final

from markupsafe import Markup

from dampwatch_api.pages.charts import nice_step

WIDTH: Final = 640
MIN_STEP_PX: Final = 0.6  # points closer than this to the last one drawn add nothing visible
# ColorBrewer YlOrRd, 5 classes (colour-blind safe, prints in grey); withheld areas are hatched.
PALETTE: Final = ("#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026")
NO_HOMES: Final = "#f4f4f4"
CODE_FIELDS: Final = ("MSOA11CD", "LSOA11CD", "msoa11cd", "lsoa11cd", "code")
NAME_FIELDS: Final = ("MSOA11NM", "LSOA11NM", "msoa11nm", "lsoa11nm", "name")


class BoundaryError(ValueError):
    """A boundary file cannot be read as GeoJSON polygons."""


@dataclass(frozen=True, slots=True)
class Shape:
    """An area's outline as SVG path data, in map pixels."""

    code: str
    name: str
    path: str


@dataclass(frozen=True, slots=True)
class Outline:
    """Every area of a boundary file, projected to a map of WIDTH × height pixels."""

    shapes: tuple[Shape, ...]
    height: int


_CACHE: dict[tuple[str, float], Outline] = {}
_LOCK = threading.Lock()


def load_outline(path: Path) -> Outline:
    """The projected outline of a GeoJSON file, read once per version of the file."""
    key = (str(path), path.stat().st_mtime)
    with _LOCK:
        if (cached := _CACHE.get(key)) is not None:
            return cached
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        outline = project(document["features"])
    except (KeyError, TypeError, ValueError) as error:
        raise BoundaryError(f"{path}: not GeoJSON polygons ({error})") from error
    with _LOCK:
        _CACHE[key] = outline
    return outline


def _rings(geometry: Mapping[str, Any]) -> list[list[list[float]]]:
    if geometry["type"] == "Polygon":
        return list(geometry["coordinates"])
    if geometry["type"] == "MultiPolygon":
        return [ring for polygon in geometry["coordinates"] for ring in polygon]
    raise ValueError(f"geometry {geometry['type']!r}")


def _first(properties: Mapping[str, Any], fields: Iterable[str]) -> str:
    return next((str(properties[f]) for f in fields if properties.get(f)), "")


def project(features: Sequence[Mapping[str, Any]]) -> Outline:
    """Equirectangular projection scaled by the cosine of the middle latitude (true to shape
    over a city region), fitted to WIDTH pixels."""
    rings = [(f, _rings(f["geometry"])) for f in features]
    lons = [p[0] for _, rs in rings for r in rs for p in r]
    lats = [p[1] for _, rs in rings for r in rs for p in r]
    west, east, south, north = min(lons), max(lons), min(lats), max(lats)
    squash = math.cos(math.radians((south + north) / 2))
    scale = (WIDTH - 4) / max((east - west) * squash, 1e-9)
    height = round((north - south) * scale) + 4

    def xy(point: Sequence[float]) -> tuple[float, float]:
        return 2 + (point[0] - west) * squash * scale, 2 + (north - point[1]) * scale

    shapes = [
        Shape(_first(f["properties"], CODE_FIELDS), _first(f["properties"], NAME_FIELDS),
              " ".join(_ring_path([xy(p) for p in ring]) for ring in rs))
        for f, rs in rings
    ]  # fmt: skip
    return Outline(tuple(shapes), height)


def _ring_path(points: list[tuple[float, float]]) -> str:
    kept = [points[0]]
    for x, y in points[1:]:
        if abs(x - kept[-1][0]) + abs(y - kept[-1][1]) >= MIN_STEP_PX:
            kept.append((x, y))
    return "M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in kept) + "Z"


@dataclass(frozen=True, slots=True)
class Classes:
    """Equal steps of a round size from 0, one colour each."""

    step: float

    @classmethod
    def over(cls, values: Iterable[float]) -> Classes:
        """Five classes that cover the largest value."""
        top = max(values, default=0.0)
        return cls(nice_step(top, len(PALETTE)) if top > 0 else 10.0)

    def colour(self, value: float) -> str:
        """The fill of a value."""
        return PALETTE[min(int(value // self.step), len(PALETTE) - 1)]

    def labels(self) -> list[tuple[str, str]]:
        """(colour, "10–20 %") per class."""
        bounds = [self.step * i for i in range(len(PALETTE))]
        out = [
            (PALETTE[i], f"{_pct(low)}–{_pct(low + self.step)} %") for i, low in enumerate(bounds)
        ]
        out[-1] = (PALETTE[-1], f"{_pct(bounds[-1])} % or more")
        return out


def _pct(value: float) -> str:
    return f"{value:g}"


def choropleth(
    outline: Outline,
    values: Mapping[str, float | None],
    classes: Classes,
    *,
    title: str,
    map_id: str,
) -> Markup:
    """The map: areas with a value coloured, withheld areas hatched, areas without homes pale."""
    parts = [
        f'<svg class="map" viewBox="0 0 {WIDTH} {outline.height}" role="img" '
        f'aria-labelledby="{map_id}-title" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{map_id}-title">{escape(title)}</title>',
        f'<defs><pattern id="{map_id}-withheld" width="6" height="6" '
        'patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
        '<rect width="6" height="6" fill="#ffffff"/>'
        '<line x1="0" y1="0" x2="0" y2="6" stroke="#767676" stroke-width="2"/></pattern></defs>',
        '<g stroke="#555555" stroke-width="0.4" stroke-linejoin="round">',
    ]
    for shape in outline.shapes:
        if shape.code not in values:
            fill, said = NO_HOMES, "no monitored homes"
        elif (value := values[shape.code]) is None:
            fill, said = f"url(#{map_id}-withheld)", "withheld"
        else:
            fill, said = classes.colour(value), f"{value:.0f} %"
        parts.append(
            f'<path d="{shape.path}" fill="{fill}" fill-rule="evenodd">'
            f"<title>{escape(shape.name or shape.code)}: {said}</title></path>"
        )
    parts.append("</g></svg>")
    return Markup("".join(parts))  # noqa: S704 - every text part is escaped above


def legend(classes: Classes, map_id: str) -> Markup:
    """The key to the colours, with the withheld and empty swatches."""
    items = [(colour, label) for colour, label in classes.labels()]
    rows = "".join(
        f'<li><svg width="18" height="14" aria-hidden="true"><rect width="18" height="14" '
        f'fill="{colour}" stroke="#555555"/></svg> {escape(label)}</li>'
        for colour, label in items
    )
    rows += (
        '<li><svg width="18" height="14" aria-hidden="true"><rect width="18" height="14" '
        f'fill="url(#{map_id}-withheld)" stroke="#555555"/></svg> withheld (too few homes)</li>'
        '<li><svg width="18" height="14" aria-hidden="true"><rect width="18" height="14" '
        f'fill="{NO_HOMES}" stroke="#555555"/></svg> no monitored homes</li>'
    )
    return Markup(f'<ul class="map-legend">{rows}</ul>')  # noqa: S704 - labels escaped


def bar_chart(bars: Sequence[tuple[str, float | None]], *, title: str, unit: str) -> Markup:
    """Vertical bars (withheld ones marked), a round-number axis and a text title."""
    width, height, left, bottom, top = 640, 260, 48, 40, 12
    values = [v for _, v in bars if v is not None]
    step = nice_step(max(values, default=1.0) or 1.0, 5)
    ceiling = step * max(1, math.ceil(max(values, default=step) / step))
    plot_h = height - bottom - top
    slot = (width - left - 8) / max(len(bars), 1)
    parts = [
        f'<svg class="bars" viewBox="0 0 {width} {height}" role="img" aria-labelledby="bars-title"'
        ' xmlns="http://www.w3.org/2000/svg">',
        f'<title id="bars-title">{escape(title)}</title>',
    ]
    for i in range(round(ceiling / step) + 1):
        y = top + plot_h - plot_h * (i * step) / ceiling
        parts.append(
            f'<line x1="{left}" x2="{width - 8}" y1="{y:.1f}" y2="{y:.1f}" stroke="#d0d0d0"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="12" '
            f'fill="#333333">{i * step:g}{escape(unit)}</text>'
        )
    for i, (label, value) in enumerate(bars):
        x = left + i * slot + slot * 0.15
        if value is None:
            parts.append(
                f'<text x="{x + slot * 0.35:.1f}" y="{top + plot_h - 4}" text-anchor="middle" '
                'font-size="11" fill="#333333">withheld</text>'
            )
        else:
            h = plot_h * value / ceiling
            parts.append(
                f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{slot * 0.7:.1f}" '
                f'height="{h:.1f}" fill="#bd0026"><title>{escape(label)}: {value:.0f}'
                f"{escape(unit)}</title></rect>"
            )
        parts.append(
            f'<text x="{x + slot * 0.35:.1f}" y="{height - bottom + 16}" text-anchor="middle" '
            f'font-size="12" fill="#333333">{escape(label)}</text>'
        )
    parts.append(
        f'<text x="{left + (width - left) / 2:.0f}" y="{height - 6}" text-anchor="middle" '
        'font-size="12" fill="#333333">IMD decile (1 = most deprived 10 %)</text></svg>'
    )
    return Markup("".join(parts))  # noqa: S704 - every text part is escaped above
