"""The generated boards and provisioning: fresh, well formed, and consistent with each other."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml

from dampwatch_grafana import schema
from dampwatch_grafana.generate import rendered_files
from tests.grafana.boards_support import REPO, load_boards, panels, query_texts

BOARDS = load_boards()
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
    assert provisioned == {schema.DATASOURCE_UID}
    refs = _datasource_refs(BOARDS[uid])
    assert refs, "a board without queries"
    for ref in refs:
        assert ref == {"type": "influxdb", "uid": schema.DATASOURCE_UID}


@pytest.mark.parametrize("uid", sorted(BOARDS))
def test_every_variable_used_is_defined(uid: str) -> None:
    board = BOARDS[uid]
    defined = {variable["name"] for variable in board.get("templating", {}).get("list", [])}
    texts = [query for _, query in query_texts(board)]
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


def test_estate_table_links_to_the_home_board() -> None:
    board = BOARDS[schema.UID_ESTATE]
    (table,) = [p for p in panels(board) if p["title"] == "Homes ranked by score"]
    links = [
        prop["value"]
        for override in table["fieldConfig"]["overrides"]
        if override["matcher"] == {"id": "byName", "options": "home"}
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
