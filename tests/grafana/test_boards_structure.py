"""The generated boards and provisioning: fresh, well formed, and consistent with each other."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import yaml
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.cog.plugins import register_default_plugins
from grafana_foundation_sdk.models.dashboard import Dashboard

from dampwatch_grafana import schema
from dampwatch_grafana.generate import rendered_files
from dampwatch_grafana.sqlqueries import BOARD_COLUMNS
from tests.grafana.boards_support import (
    REPO,
    is_sql,
    load_boards,
    panels,
    query_texts,
    sql_texts,
)
from tests.grafana.grafana_emulation import display_names

BOARDS = load_boards()
register_default_plugins()  # the SDK's panel types, for Dashboard.from_json
BUILTINS = {"timeFilter", "__interval", "__interval_ms", "interval", "__url_time_range"}
_USED = re.compile(r"\$\{(\w+)(?:[.:][^}]*)?\}|\$(\w+)|\[\[(\w+)")


def provisioned_datasource_uids() -> set[str]:
    uids = set()
    for path in (REPO / "grafana" / "provisioning").rglob("*.yaml"):
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        uids |= {entry["uid"] for entry in document.get("datasources", [])}
    return uids


def test_committed_files_match_the_generator() -> None:
    stale = [
        relative
        for relative, text in rendered_files().items()
        if not (REPO / "grafana" / relative).is_file()
        or (REPO / "grafana" / relative).read_text(encoding="utf-8") != text
    ]
    assert not stale, f"stale generated files, run `make grafana`: {stale}"


def test_the_four_boards_with_stable_uids() -> None:
    assert set(BOARDS) == {
        schema.UID_ESTATE,
        schema.UID_HOME,
        schema.UID_DEVICES,
        schema.UID_PIPELINE,
    }


@pytest.mark.parametrize("uid", sorted(BOARDS))
def test_unique_panel_ids_and_no_overlap(uid: str) -> None:
    board = BOARDS[uid]
    ids = [panel["id"] for panel in panels(board)]
    assert len(ids) == len(set(ids)), ids
    cells: dict[tuple[int, int], str] = {}
    for panel in panels(board):
        pos = panel["gridPos"]
        assert pos["x"] >= 0 and pos["w"] > 0 and pos["h"] > 0 and pos["x"] + pos["w"] <= 24
        for x in range(pos["x"], pos["x"] + pos["w"]):
            for y in range(pos["y"], pos["y"] + pos["h"]):
                assert (x, y) not in cells, f"{panel['title']!r} overlaps {cells[(x, y)]!r}"
                cells[(x, y)] = panel["title"]


def _datasource_refs(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, dict):
        found = [node["datasource"]] if isinstance(node.get("datasource"), dict) else []
        return found + [ref for value in node.values() for ref in _datasource_refs(value)]
    if isinstance(node, list):
        return [ref for item in node for ref in _datasource_refs(item)]
    return []


@pytest.mark.parametrize("uid", sorted(BOARDS))
def test_every_datasource_reference_resolves(uid: str) -> None:
    provisioned = provisioned_datasource_uids()
    assert provisioned == {schema.DATASOURCE_UID, schema.SQL_DATASOURCE_UID}
    refs = _datasource_refs(BOARDS[uid])
    assert refs, "a board without queries"
    allowed = [
        {"type": "influxdb", "uid": schema.DATASOURCE_UID},
        {"type": schema.SQL_DATASOURCE_TYPE, "uid": schema.SQL_DATASOURCE_UID},
        {"type": "datasource", "uid": schema.MIXED_DATASOURCE_UID},
    ]
    for ref in refs:
        assert ref in allowed, ref
    for panel in panels(BOARDS[uid]):
        if panel.get("datasource", {}).get("uid") == schema.MIXED_DATASOURCE_UID:
            assert len(panel["targets"]) > 1, f"{panel['title']!r}: mixed with one target"
        elif "targets" in panel:
            for target in panel["targets"]:
                assert target["datasource"] == panel["datasource"], panel["title"]


@pytest.mark.parametrize("uid", sorted(BOARDS))
def test_every_variable_used_is_defined(uid: str) -> None:
    board = BOARDS[uid]
    defined = {variable["name"] for variable in board.get("templating", {}).get("list", [])}
    texts = [query for _, query in query_texts(board)] + [sql for _, sql in sql_texts(board)]
    texts += [target.get("alias", "") for panel in panels(board) for target in panel["targets"]]
    used = set()
    for text in texts:
        for match in _USED.finditer(text):
            name = next(group for group in match.groups() if group)
            if not name.startswith(("tag_", "__data")) and name not in ("col", "m"):
                used.add(name)
    assert used - BUILTINS <= defined, used - BUILTINS - defined
    # and every defined variable is used somewhere
    assert defined <= used, defined - used


@pytest.mark.parametrize("uid", sorted(BOARDS))
def test_every_panel_and_query_names_the_schema(uid: str) -> None:
    measurements = {
        schema.MEASUREMENT_READING,
        schema.MEASUREMENT_REJECTED,
        schema.MEASUREMENT_RISK,
        schema.MEASUREMENT_HOME_RISK,
        schema.MEASUREMENT_ALERT,
        schema.MEASUREMENT_DEVICE_HEALTH,
        schema.MEASUREMENT_INGEST,
    }
    for where, query in query_texts(BOARDS[uid]):
        named = set(re.findall(r'FROM "(\w+)"', query))
        assert named and named <= measurements, (where, named)


@pytest.mark.parametrize("uid", sorted(BOARDS))
def test_sql_reads_only_the_board_tables(uid: str) -> None:
    for where, sql in sql_texts(BOARDS[uid]):
        tables = set(re.findall(r"\b(?:FROM|JOIN)\s+(\w+)", sql)) - {"LATERAL"}
        assert tables and tables <= set(BOARD_COLUMNS), (where, tables)
        assert sql.lstrip().upper().startswith("SELECT"), where


def test_sql_panels_are_tables_stats_or_bar_gauges_in_table_format() -> None:
    for board in BOARDS.values():
        for panel in panels(board):
            for target in panel.get("targets", []):
                if is_sql(target):
                    assert target["format"] == "table" and target["rawQuery"], panel["title"]
                    assert panel["type"] in {"table", "stat", "bargauge"}, panel["title"]


@pytest.mark.parametrize("uid", sorted(BOARDS))
def test_every_table_sorts_by_a_column_it_shows(uid: str) -> None:
    for panel in panels(BOARDS[uid]):
        sort = panel.get("options", {}).get("sortBy", [])
        if not sort:
            continue
        (target,) = [t for t in panel["targets"] if not is_sql(t)]
        shown = display_names(panel)
        columns = set(re.findall(r'AS "(\w+)"', target["query"])) | set(
            re.findall(r"GROUP BY ([^)]*)$", target["query"])[0].replace('"', "").split(", ")
            if "GROUP BY" in target["query"]
            else []
        )
        columns.add("Time")
        hidden = {
            name
            for t in panel.get("transformations", [])
            if t["id"] == "organize"
            for name, off in t["options"].get("excludeByName", {}).items()
            if off
        }
        displayed = {shown.get(column, column) for column in columns - hidden}
        for item in sort:
            assert item["displayName"] in displayed, (panel["title"], item, displayed)


def test_estate_table_links_to_the_home_board() -> None:
    board = BOARDS[schema.UID_ESTATE]
    (table,) = [p for p in panels(board) if p["title"] == "Homes ranked by score"]
    links = [
        prop["value"]
        for override in table["fieldConfig"]["overrides"]
        if override["matcher"] == {"id": "byName", "options": schema.TAG_HOME}
        for prop in override["properties"]
        if prop["id"] == "links"
    ]
    (url,) = [link["url"] for group in links for link in group]
    assert url.startswith(f"/d/{schema.UID_HOME}/")
    assert "var-home=${__data.fields.home}" in url


def test_provisioning_reads_the_environment() -> None:
    base = REPO / "grafana" / "provisioning"
    v2 = yaml.safe_load((base / "datasources" / "dampwatch-influxdb.yaml").read_text())
    (source,) = v2["datasources"]
    assert source["url"] == "${DAMPWATCH_INFLUX_URL}"
    assert source["jsonData"]["dbName"] == "${DAMPWATCH_INFLUX_BUCKET}"
    assert source["jsonData"]["httpHeaderName1"] == "Authorization"
    assert source["secureJsonData"] == {"httpHeaderValue1": "Token ${DAMPWATCH_INFLUX_TOKEN}"}
    v1 = yaml.safe_load((base / "influxdb-1x" / "dampwatch-influxdb.yaml").read_text())
    (source_v1,) = v1["datasources"]
    assert source_v1["uid"] == source["uid"]
    assert source_v1["jsonData"]["dbName"] == "${DAMPWATCH_INFLUX_DATABASE}"
    assert source_v1["user"] == "${DAMPWATCH_INFLUX_USERNAME}"
    assert source_v1["secureJsonData"] == {"password": "${DAMPWATCH_INFLUX_PASSWORD}"}
    providers = yaml.safe_load((base / "dashboards" / "dampwatch.yaml").read_text())["providers"]
    assert providers[0]["options"]["path"] == "/var/lib/grafana/dashboards/dampwatch"


def _missing_or_changed(original: Any, parsed: Any, path: str = "") -> list[str]:
    """Where `original` has a key or value the parsed-and-encoded copy lacks or changes."""
    if isinstance(original, dict) and isinstance(parsed, dict):
        return [
            problem
            for key, value in original.items()
            for problem in (
                [f"{path}/{key} dropped"]
                if key not in parsed
                else _missing_or_changed(value, parsed[key], f"{path}/{key}")
            )
        ]
    if isinstance(original, list) and isinstance(parsed, list) and len(original) == len(parsed):
        return [
            problem
            for index, (left, right) in enumerate(zip(original, parsed, strict=True))
            for problem in _missing_or_changed(left, right, f"{path}[{index}]")
        ]
    return [] if original == parsed else [f"{path}: {original!r} became {parsed!r}"]


@pytest.mark.parametrize("uid", sorted(BOARDS))
def test_boards_parse_as_the_sdk_dashboard_model(uid: str) -> None:
    """Grafana cannot run here: the boards are read back through grafana-foundation-sdk's
    Dashboard model (Grafana 11.6's schema), which must keep every field but the query targets
    of panels and annotations (the SDK has no InfluxQL or PostgreSQL query type: their shape is
    checked above and they run against the real databases)."""
    board = BOARDS[uid]
    parsed = json.loads(json.dumps(Dashboard.from_json(board), cls=JSONEncoder))
    problems = [
        problem
        for problem in _missing_or_changed(board, parsed)
        if "/targets" not in problem and "/target/" not in problem
    ]
    assert not problems, problems


def test_variables_in_sql_take_only_listed_values() -> None:
    for board in BOARDS.values():
        sql = " ".join(text for _, text in sql_texts(board))
        for variable in board.get("templating", {}).get("list", []):
            if is_sql(variable) or f"${variable['name']}" in sql:
                assert variable["allowCustomValue"] is False, variable["name"]
