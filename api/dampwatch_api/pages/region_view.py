"""`/region`: maps of the region's MSOAs (and, for analysts, LSOAs), prevalence by IMD decile,
every published table to download. Open to all: it shows only what was published."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, status
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, HTMLResponse

from dampwatch_api.auth.principal import Principal
from dampwatch_api.context import ApiContext
from dampwatch_api.deps import ContextDep
from dampwatch_api.opendata import files
from dampwatch_api.pages import maps
from dampwatch_api.pages.region_data import (
    HAZARDS,
    counts_by,
    decile_sort_key,
    latest,
    read_table,
)
from dampwatch_api.pages.render import PageError, page
from dampwatch_api.pages.session import SignInRequired, page_principal
from dampwatch_api.policy import sees_protected_aggregates

router = APIRouter(include_in_schema=False)


def _caller(request: Request, context: ApiContext) -> Principal | None:
    try:
        return page_principal(request, context)
    except SignInRequired:
        return None


def _map(context: ApiContext, level: str, analyst: bool, period: str, hazard: str) -> Any:
    boundaries = getattr(context.settings, f"opendata_{level}_boundaries")
    where = files.folder(context.settings.published_dir, analyst=analyst)
    table = read_table(where, f"hazards_by_{level}")
    if boundaries is None or table is None or not boundaries.is_file():
        return None
    rates = table.prevalence(period, HAZARDS[hazard][0])
    classes = maps.Classes.over(v for v in rates.values() if v is not None)
    title = f"Share of monitored homes with a {HAZARDS[hazard][1]} by {level.upper()}, {period}"
    return {
        "title": title,
        "svg": maps.choropleth(maps.load_outline(boundaries), rates, classes, title=title,
                               map_id=f"map-{level}"),
        "legend": maps.legend(classes, f"map-{level}"),
        "withheld": sum(1 for v in rates.values() if v is None),
        "areas": len(rates),
    }  # fmt: skip


def _deciles(context: ApiContext, period: str, hazard: str) -> Any:
    table = read_table(context.settings.published_dir, "hazards_by_imd_decile")
    if table is None:
        return None
    rows = sorted(counts_by(table, period, HAZARDS[hazard][0]).items(),
                  key=lambda item: decile_sort_key(item[0]))  # fmt: skip
    numbered = [(code.rsplit("_", 1)[-1], figures) for code, figures in rows]
    bars = [(label, figures[2]) for label, figures in numbered if label.isdigit()]
    title = f"Share of monitored homes with a {HAZARDS[hazard][1]} by IMD decile, {period}"
    return {"title": title, "rows": numbered, "svg": maps.bar_chart(bars, title=title, unit=" %")}


@router.get("/region", response_class=HTMLResponse)
def region_page(
    request: Request,
    context: ContextDep,
    hazard: Annotated[str, Query(pattern="^(damp|cold|overheating)$")] = "damp",
    period: Annotated[str | None, Query(pattern=r"^[0-9]{4}-[0-9]{2}$")] = None,
) -> HTMLResponse:
    """The region's published figures as maps, a chart and downloads."""
    principal = _caller(request, context)
    analyst = principal is not None and sees_protected_aggregates(principal)
    public = context.settings.published_dir
    region = read_table(public, "hazards_by_region")
    periods = sorted(region.periods, reverse=True) if region else []
    chosen = period if period in periods else latest(set(periods))
    values: dict[str, Any] = {
        "hazards": {key: label for key, (_, label) in HAZARDS.items()},
        "hazard": hazard,
        "periods": periods,
        "period": chosen,
        "tables": files.tables(public),
        "analyst_tables": files.tables(files.folder(public, analyst=True)) if analyst else [],
        "maps": [],
        "deciles": None,
    }
    if chosen is not None:
        levels = [("msoa", False)] + ([("lsoa", True)] if analyst else [])
        values["maps"] = [m for level, fine in levels if (m := _map(context, level, fine,
                                                                    chosen, hazard))]  # fmt: skip
        values["deciles"] = _deciles(context, chosen, hazard)
    return page(request, context, "region.html", values, principal=principal)


@router.get("/region/analyst/{table}.csv")
def analyst_download(
    request: Request,
    context: ContextDep,
    table: Annotated[str, PathParam(pattern=files.TABLE_NAME.pattern)],
) -> FileResponse:
    """A protected table for an analyst signed in to the pages (the API asks for a bearer)."""
    principal = page_principal(request, context)
    if not sees_protected_aggregates(principal):
        raise PageError(status.HTTP_403_FORBIDDEN, "Not allowed", "These tables are for analysts.")
    where = files.folder(context.settings.published_dir, analyst=True)
    path = files.table_file(where, table, files.CSV_SUFFIX)
    if path is None:
        raise PageError(status.HTTP_404_NOT_FOUND, "Not found", "There is no such table.")
    return FileResponse(path, media_type="text/csv; charset=utf-8", filename=path.name)
