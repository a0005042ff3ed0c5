"""`dampwatch grafana publish` against a loopback server answering as Grafana's HTTP API."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from dampwatch_grafana import schema
from dampwatch_grafana.main import main
from dampwatch_stack.servers import free_port
from tests.grafana.fake_grafana import FakeGrafana

TOKEN = "glsa_test-token"
DASHBOARDS = Path(__file__).resolve().parents[2] / "grafana" / "dashboards"
BOARD_UIDS = {schema.UID_ESTATE, schema.UID_HOME, schema.UID_DEVICES, schema.UID_PIPELINE}


@pytest.fixture(autouse=True)
def _environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no stray .env
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("DAMPWATCH_INFLUX_API", "v2")
    monkeypatch.setenv("DAMPWATCH_INFLUX_URL", "http://127.0.0.1:8086")
    monkeypatch.setenv("DAMPWATCH_INFLUX_BUCKET", "homes")
    monkeypatch.setenv("DAMPWATCH_INFLUX_TOKEN", "influx-secret")
    monkeypatch.setenv("DAMPWATCH_GRAFANA_DB_HOST", "postgres")
    monkeypatch.setenv("DAMPWATCH_GRAFANA_DB_PASSWORD", "reader-secret")


@pytest.fixture
def grafana() -> Iterator[FakeGrafana]:
    with FakeGrafana(TOKEN) as server:
        yield server


def publish(grafana: FakeGrafana, *extra: str) -> int:
    return main(["publish", "--url", grafana.url, "--token", TOKEN, *extra])


def test_publish_creates_folder_datasource_and_boards(
    grafana: FakeGrafana, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        publish(grafana, "--folder", "Housing boards", "--influx-url", "http://influxdb:8086") == 0
    )
    state = grafana.state
    assert [folder["title"] for folder in state.folders.values()] == ["Housing boards"]
    (folder_uid,) = state.folders
    assert folder_uid == "housing-boards"

    datasource = state.datasources[schema.DATASOURCE_UID]
    assert datasource["type"] == "influxdb" and datasource["access"] == "proxy"
    assert datasource["url"] == "http://influxdb:8086"
    assert datasource["jsonData"]["dbName"] == "homes"
    assert datasource["jsonData"]["httpHeaderName1"] == "Authorization"
    assert datasource["secureJsonData"] == {"httpHeaderValue1": "Token influx-secret"}
    sql = state.datasources[schema.SQL_DATASOURCE_UID]
    assert sql["type"] == schema.SQL_DATASOURCE_TYPE and sql["url"] == "postgres:5432"
    assert sql["user"] == "dampwatch_grafana" and sql["jsonData"]["database"] == "dampwatch"
    assert sql["secureJsonData"] == {"password": "reader-secret"}
    assert len(state.datasources) == 2

    assert set(state.dashboards) == BOARD_UIDS
    for path in DASHBOARDS.glob("*.json"):
        committed = json.loads(path.read_text(encoding="utf-8"))
        saved = state.dashboards[committed["uid"]]
        assert saved["folderUid"] == folder_uid
        assert saved["dashboard"] == committed | {"id": None}
    dashboard_posts = [r for r in state.requests if r.path == "/api/dashboards/db"]
    assert all(r.body["overwrite"] is True for r in dashboard_posts)
    assert all(r.headers["Authorization"] == f"Bearer {TOKEN}" for r in state.requests[1:])
    assert grafana.calls()[:3] == [
        ("GET", "/api/health"),
        ("GET", "/api/org"),
        ("GET", "/api/folders"),
    ]
    assert ("POST", "/api/datasources") in grafana.calls()
    output = capsys.readouterr().out
    assert "folder housing-boards: created" in output
    assert f"dashboard {schema.UID_HOME}: created" in output


def test_publishing_twice_changes_nothing_more(
    grafana: FakeGrafana, capsys: pytest.CaptureFixture[str]
) -> None:
    assert publish(grafana) == 0
    first = {uid: entry["dashboard"] for uid, entry in grafana.state.dashboards.items()}
    datasource_before = dict(grafana.state.datasources[schema.DATASOURCE_UID])
    grafana.state.requests.clear()
    assert publish(grafana) == 0
    state = grafana.state
    assert len(state.folders) == 1 and len(state.datasources) == 2
    assert {uid: entry["dashboard"] for uid, entry in state.dashboards.items()} == first
    assert all(entry["version"] == 2 for entry in state.dashboards.values())
    calls = grafana.calls()
    assert ("POST", "/api/folders") not in calls and ("POST", "/api/datasources") not in calls
    update, sql_update = [r for r in state.requests if r.method == "PUT"]
    assert sql_update.path == f"/api/datasources/uid/{schema.SQL_DATASOURCE_UID}"
    assert update.path == f"/api/datasources/uid/{schema.DATASOURCE_UID}"
    assert update.body["id"] == datasource_before["id"]
    assert update.body["secureJsonData"] == datasource_before["secureJsonData"]
    output = capsys.readouterr().out.splitlines()
    assert "folder dampwatch: found" in output
    assert f"datasource {schema.DATASOURCE_UID}: updated" in output
    assert f"dashboard {schema.UID_ESTATE}: updated" in output


def test_influxdb_1x_datasource(grafana: FakeGrafana, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DAMPWATCH_INFLUX_API", "v1")
    monkeypatch.setenv("DAMPWATCH_INFLUX_DATABASE", "dampwatch_db")
    monkeypatch.setenv("DAMPWATCH_INFLUX_USERNAME", "grafana")
    monkeypatch.setenv("DAMPWATCH_INFLUX_PASSWORD", "s3cret")
    assert publish(grafana) == 0
    datasource = grafana.state.datasources[schema.DATASOURCE_UID]
    assert datasource["jsonData"]["dbName"] == "dampwatch_db"
    assert "httpHeaderName1" not in datasource["jsonData"]
    assert datasource["user"] == "grafana"
    assert datasource["secureJsonData"] == {"password": "s3cret"}


def _one_line_error(capsys: pytest.CaptureFixture[str]) -> str:
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert "Traceback" not in captured.err
    return lines[0]


def test_bad_token(grafana: FakeGrafana, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["publish", "--url", grafana.url, "--token", "wrong"]) == 2
    line = _one_line_error(capsys)
    assert "rejected the token (401)" in line
    assert not grafana.state.dashboards and not grafana.state.folders


def test_token_without_write_permission(
    grafana: FakeGrafana, capsys: pytest.CaptureFixture[str]
) -> None:
    grafana.state.forbidden = True
    assert publish(grafana) == 2
    line = _one_line_error(capsys)
    assert "the token may not create folders, datasources or dashboards" in line
    assert "(403, it needs the Admin role)" in line
    assert not grafana.state.dashboards


def test_connection_refused(capsys: pytest.CaptureFixture[str]) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    assert main(["publish", "--url", url, "--token", TOKEN]) == 2
    line = _one_line_error(capsys)
    assert line == f"dampwatch grafana: cannot reach Grafana at {url}: Connection refused"


def test_unknown_host(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    def no_such_host(*args: object, **kwargs: object) -> list[object]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    # Name resolution fails here without sending a DNS query off this machine.
    monkeypatch.setattr(socket, "getaddrinfo", no_such_host)
    assert main(["publish", "--url", "http://grafana.invalid:3000", "--token", TOKEN]) == 2
    line = _one_line_error(capsys)
    assert line == (
        "dampwatch grafana: cannot resolve the host of http://grafana.invalid:3000: "
        "no such host name"
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["publish", "--url", "localhost:3000", "--token", TOKEN], "invalid Grafana URL"),
        (["publish", "--url", "ftp://host", "--token", TOKEN], "invalid Grafana URL"),
        (["publish", "--token", TOKEN], "--url"),
        (["publish", "--url", "http://127.0.0.1:1"], "--token"),
        (["unpublish"], "invalid choice"),
    ],
)
def test_bad_arguments(
    argv: list[str],
    message: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("DAMPWATCH_GRAFANA_TOKEN", raising=False)
    try:
        code = main(argv)
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    assert code == 2
    assert message in _one_line_error(capsys)


def test_generate_writes_what_is_committed(tmp_path: Path) -> None:
    assert main(["generate", "--out", str(tmp_path)]) == 0
    for path in DASHBOARDS.glob("*.json"):
        assert (tmp_path / "dashboards" / path.name).read_text() == path.read_text()


def test_the_reader_password_from_a_file(
    grafana: FakeGrafana, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    secret = tmp_path / "grafana-db-password"
    secret.write_text("from-a-file\n", encoding="utf-8")
    monkeypatch.delenv("DAMPWATCH_GRAFANA_DB_PASSWORD")
    monkeypatch.setenv("DAMPWATCH_GRAFANA_DB_PASSWORD_FILE", str(secret))
    assert publish(grafana) == 0
    sql = grafana.state.datasources[schema.SQL_DATASOURCE_UID]
    assert sql["secureJsonData"] == {"password": "from-a-file"}


def test_an_unreadable_password_file_is_one_line_and_exit_2(
    grafana: FakeGrafana,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv("DAMPWATCH_GRAFANA_DB_PASSWORD")
    monkeypatch.setenv("DAMPWATCH_GRAFANA_DB_PASSWORD_FILE", str(tmp_path / "missing"))
    assert publish(grafana) == 2
    error = capsys.readouterr().err
    assert "DAMPWATCH_GRAFANA_DB_PASSWORD_FILE: cannot read it" in error
    assert len(error.strip().splitlines()) == 1 and not grafana.state.datasources
