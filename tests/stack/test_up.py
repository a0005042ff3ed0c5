"""`dampwatch up` on the machine's real Mosquitto and InfluxDB, run as a separate process."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from dampwatch_stack.servers import find_binary, free_port
from dampwatch_stack.supervisor import process_is_alive
from tests.support import INSTALL_HINT, OPENER, rows
from tests.support.ingest import Publisher, wait_until

STARTUP_TIMEOUT_S = 60


def _require_servers() -> None:
    for binary in ("mosquitto", "influxd"):
        if find_binary(binary) is None:
            pytest.fail(f"{binary!r} is not installed; install it with: {INSTALL_HINT}")


class UpProcess:
    """`dampwatch up` on a data directory, its combined output in a file."""

    def __init__(self, data_dir: Path, *args: str, env: dict[str, str] | None = None) -> None:
        self.data_dir = data_dir
        self.log_path = data_dir.parent / f"up-{time.monotonic_ns()}.out"
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "dampwatch.cli", "up", "--data-dir", str(data_dir), *args],
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=data_dir.parent,
                env=os.environ | {"DAMPWATCH_LOG_LEVEL": "INFO"} | (env or {}),
            )

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def state(self) -> dict[str, Any]:
        path = self.data_dir / "up" / "state.json"
        try:
            state: dict[str, Any] = json.loads(path.read_text())
        except (OSError, ValueError):
            return {}
        return state if state.get("pid") == self.process.pid else {}

    def wait_for(self, text: str, timeout: float = STARTUP_TIMEOUT_S) -> None:
        def seen() -> bool:
            assert self.process.poll() is None, f"up exited early:\n{self.output()}"
            return text in self.output()

        wait_until(seen, timeout, f"{text!r} in the output of dampwatch up")

    def wait_ingest_subscribed(self, timeout: float = STARTUP_TIMEOUT_S) -> None:
        """Wait until the ingest's /ready answers: store process up, subscriptions acknowledged."""

        def connected() -> bool:
            assert self.process.poll() is None, f"up exited early:\n{self.output()}"
            port = self.state().get("ports", {}).get("ingest_metrics")
            if port is None:
                return False
            try:
                with OPENER.open(f"http://127.0.0.1:{port}/ready", timeout=2) as response:
                    return bool(response.status == 200)
            except OSError:
                return False

        wait_until(connected, timeout, "the ingest to connect and subscribe")

    def terminate(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(60)

    def close(self) -> None:
        """Stop `up` cleanly if it still runs; a failed test must not leave its servers behind."""
        if self.process.poll() is not None:
            return
        children = self.state().get("children", {})
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)
            for pid in children.values():  # started by this test's `up`, which could not
                if process_is_alive(pid):
                    os.kill(pid, signal.SIGKILL)


def _stored_temperatures(influx_url: str) -> list[float]:
    request = f"{influx_url}/query?db=dampwatch&q=SELECT+temperature_c+FROM+reading"
    with OPENER.open(request, timeout=10) as response:
        return [row["temperature_c"] for row in rows(json.loads(response.read()))]


def _wait_stored(influx_url: str, expected: float) -> None:
    def stored() -> bool:
        try:
            return expected in _stored_temperatures(influx_url)
        except OSError:
            return False

    wait_until(stored, 30, f"reading {expected} in InfluxDB")


@pytest.mark.servers
@pytest.mark.slow
def test_up_runs_restarts_stops_and_reuses_its_data(tmp_path: Path) -> None:
    _require_servers()
    data_dir = tmp_path / "data"
    up = UpProcess(data_dir, "--ports", "auto", "--components", "ingest")
    try:
        up.wait_ingest_subscribed()
        state = up.state()
        ports = state["ports"]
        influx_url = f"http://127.0.0.1:{ports['influx']}"

        publisher = Publisher(ports["mqtt"], client_id="test-up-publisher")
        reading = {"ts": time.time() - 60, "temperature_c": 19.25, "humidity_pct": 71.5}
        publisher.publish_all([("dampwatch/v1/home-up/th-1/reading", json.dumps(reading).encode())])
        publisher.close()
        _wait_stored(influx_url, 19.25)
        assert "[ingest] " in up.output(), "component lines carry their prefix"

        # A second `up` on the same directory refuses while the first one runs.
        second = subprocess.run(
            [sys.executable, "-m", "dampwatch.cli", "up", "--data-dir", str(data_dir)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert second.returncode == 1
        assert f"another dampwatch up (pid {up.process.pid}) is running" in second.stderr

        first_ingest = state["children"]["ingest"]
        os.kill(first_ingest, signal.SIGKILL)
        wait_until(
            lambda: up.state().get("children", {}).get("ingest") not in (None, first_ingest),
            30,
            "the ingest to be restarted",
        )
        up.wait_for("restarted ingest")
        assert "ingest exited with code -9" in up.output()

        children = dict(up.state()["children"])
        assert all(process_is_alive(pid) for pid in children.values()), children
        assert up.terminate() == 0, up.output()
        for name, pid in [*children.items(), ("first ingest", first_ingest)]:
            assert not process_is_alive(pid), f"{name} (pid {pid}) outlived dampwatch up"
        output = up.output()
        order = [output.index(f"stopped {name}") for name in ("ingest", "influxd", "mosquitto")]
        assert order == sorted(order), "components stop before the servers, InfluxDB first"
    finally:
        up.close()

    again = UpProcess(data_dir, "--ports", "auto", "--components", "ingest")
    try:
        again.wait_for("metrics on http://")
        assert again.state()["ports"] == ports, "the last run's free ports are reused"
        assert 19.25 in _stored_temperatures(influx_url), "the first run's reading is kept"
        assert again.terminate() == 0
    finally:
        again.close()


@pytest.mark.servers
@pytest.mark.slow
def test_up_stops_servers_an_earlier_killed_up_left_behind(tmp_path: Path) -> None:
    _require_servers()
    data_dir = tmp_path / "data"
    up = UpProcess(data_dir, "--ports", "auto", "--components", "ingest")
    try:
        up.wait_ingest_subscribed()
        children = dict(up.state()["children"])
        up.process.kill()  # no chance to stop anything
        up.process.wait(10)
        assert all(process_is_alive(pid) for pid in children.values())
    finally:
        up.close()
    again = UpProcess(data_dir, "--ports", "auto", "--components", "ingest")
    try:
        again.wait_for("metrics on http://")
        for name, pid in children.items():
            assert f"stopping {name} (pid {pid}) left running" in again.output()
            assert not process_is_alive(pid), f"stale {name} (pid {pid}) still runs"
        assert again.terminate() == 0
    finally:
        again.close()
        for pid in children.values():
            if process_is_alive(pid):
                os.kill(pid, signal.SIGKILL)


def _run_up(tmp_path: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dampwatch.cli", "up", "--data-dir", str(tmp_path / "d"), *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env=os.environ | env,
        check=False,
    )


def _debian() -> bool:
    os_release = Path("/etc/os-release")
    return os_release.exists() and "debian" in os_release.read_text()


def test_missing_mosquitto_gives_the_install_command(tmp_path: Path) -> None:
    # Debian's mosquitto lives in /usr/sbin, which find_binary searches beyond PATH, so an
    # absent broker is simulated through the binary setting.
    result = _run_up(tmp_path, {"DAMPWATCH_UP_MOSQUITTO_BINARY": "mosquitto-not-installed"})
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "dampwatch up needs mosquitto; install with: " in result.stderr
    if _debian():
        assert result.stderr.strip().endswith("install with: sudo apt-get install -y mosquitto")


def test_a_path_without_influxd_gives_the_install_command(tmp_path: Path) -> None:
    result = _run_up(tmp_path, {"PATH": str(tmp_path / "empty-bin")})
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "needs influxdb; install with: " in result.stderr
    if _debian():
        assert result.stderr.strip().endswith("install with: sudo apt-get install -y influxdb")


def test_a_taken_port_fails_clearly_and_suggests_auto_ports(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {
            "DAMPWATCH_MQTT_PORT": str(port),
            "DAMPWATCH_INFLUX_URL": f"http://127.0.0.1:{free_port()}",
            "DAMPWATCH_API_PORT": str(free_port()),
            "DAMPWATCH_INGEST_METRICS_PORT": str(free_port()),
        }
        result = _run_up(tmp_path, env)
    assert result.returncode == 1
    assert f"port {port} (mqtt) is already in use" in result.stderr
    assert "DAMPWATCH_MQTT_PORT" in result.stderr
    assert "dampwatch up --ports auto" in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_flags_exit_2(tmp_path: Path) -> None:
    assert _run_up(tmp_path, {}, "--ports", "sometimes").returncode == 2
    result = _run_up(tmp_path, {}, "--components", "ingest,teleporter")
    assert result.returncode == 2
    assert "unknown components ['teleporter']" in result.stderr
