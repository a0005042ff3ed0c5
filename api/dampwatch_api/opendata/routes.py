"""`/v1/open/...`: the published tables without sign-in; `/v1/analyst/...`: the finer ones."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, status
from fastapi import Path as PathParam
from fastapi.responses import FileResponse

from dampwatch_api.deps import Analyst, ContextDep
from dampwatch_api.opendata import files

router = APIRouter(tags=["open data"])
TableName = Annotated[str, PathParam(pattern=files.TABLE_NAME.pattern)]
MEDIA = {
    files.CSV_SUFFIX: "text/csv; charset=utf-8",
    files.METADATA_SUFFIX: "application/csvm+json",
}


def _where(context: ContextDep, *, analyst: bool) -> Path:
    return files.folder(context.settings.published_dir, analyst=analyst)


def _listing(where: Path, prefix: str) -> list[dict[str, Any]]:
    return [
        {
            "table": table,
            "csv": f"{prefix}/tables/{table}{files.CSV_SUFFIX}",
            "metadata": f"{prefix}/tables/{table}{files.METADATA_SUFFIX}",
        }
        for table in files.tables(where)
    ]


def _file(where: Path, table: str, suffix: str) -> FileResponse:
    path = files.table_file(where, table, suffix)
    if path is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no published table {table!r}")
    return FileResponse(path, media_type=MEDIA[suffix], filename=path.name)


@router.get("/v1/open/tables")
def open_tables(context: ContextDep) -> list[dict[str, Any]]:
    """The published tables, each with its CSV and its CSV on the Web metadata."""
    return _listing(_where(context, analyst=False), "/v1/open")


@router.get("/v1/open/tables/{table}.csv", response_class=FileResponse)
def open_table(table: TableName, context: ContextDep) -> FileResponse:
    """A published table as CSV."""
    return _file(_where(context, analyst=False), table, files.CSV_SUFFIX)


@router.get("/v1/open/tables/{table}.csv-metadata.json", response_class=FileResponse)
def open_metadata(table: TableName, context: ContextDep) -> FileResponse:
    """A published table's CSV on the Web metadata."""
    return _file(_where(context, analyst=False), table, files.METADATA_SUFFIX)


def _catalog(where: Path) -> FileResponse:
    path = where / files.CATALOG
    if not path.is_file():
        raise HTTPException(status.HTTP_404_NOT_FOUND, "nothing published yet")
    return FileResponse(path, media_type="application/ld+json")


@router.get("/v1/open/tables/catalog.jsonld", response_class=FileResponse)
def open_catalog(context: ContextDep) -> FileResponse:
    """The DCAT catalogue of the published tables (JSON-LD; links relative to this folder)."""
    return _catalog(_where(context, analyst=False))


@router.get("/v1/analyst/tables")
def analyst_tables(principal: Analyst, context: ContextDep) -> list[dict[str, Any]]:
    """The protected tables for the data office, finer than the public ones (LSOA)."""
    return _listing(_where(context, analyst=True), "/v1/analyst")


@router.get("/v1/analyst/tables/{table}.csv", response_class=FileResponse)
def analyst_table(table: TableName, principal: Analyst, context: ContextDep) -> FileResponse:
    """A protected table as CSV."""
    return _file(_where(context, analyst=True), table, files.CSV_SUFFIX)


@router.get("/v1/analyst/tables/{table}.csv-metadata.json", response_class=FileResponse)
def analyst_metadata(table: TableName, principal: Analyst, context: ContextDep) -> FileResponse:
    """A protected table's CSV on the Web metadata."""
    return _file(_where(context, analyst=True), table, files.METADATA_SUFFIX)


@router.get("/v1/analyst/tables/catalog.jsonld", response_class=FileResponse)
def analyst_catalog(principal: Analyst, context: ContextDep) -> FileResponse:
    """The DCAT catalogue of the protected tables."""
    return _catalog(_where(context, analyst=True))
