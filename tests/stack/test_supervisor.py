"""The supervisor with real child processes; the install hint per platform; component discovery."""

from __future__ import annotations

import io
import sys
import time
from pathlib import Path

import pytest

from dampwatch.cli import Command
from dampwatch_stack import up_settings
from dampwatch_stack.supervisor import (
    Backoff,
    ComponentSpec,
    LogStream,
    Supervisor,
    process_is_alive,
)
from tests.support.ingest import wait_until


def _python(code: str) -> tuple[str, ...]:
    return (sys.executable, "-u", "-c", code)


def test_backoff_doubles_up_to_its_cap() -> None:
    backoff = Backoff(initial_s=0.5, max_s=4.0)
    assert [backoff.delay_s(n) for n in range(1, 6)] == [0.5, 1.0, 2.0, 4.0, 4.0]


def test_crashing_component_is_restarted_with_growing_delays_and_prefixed_lines(
    tmp_path: Path,
) -> None:
    output = io.StringIO()
    crash = ComponentSpec("crash", _python("print('about to fail'); raise SystemExit(3)"))
    steady = ComponentSpec("steady", _python("import time; print('ready'); time.sleep(60)"))
    supervisor = Supervisor(
        [crash, steady],
        LogStream(output, tmp_path / "logs"),
        backoff=Backoff(initial_s=0.05, max_s=0.4, stable_after_s=60),
    )
    supervisor.start()
    try:
        wait_until(lambda: supervisor.restarts("crash") >= 4, 30, "four restarts")
        steady_pid = supervisor.pid("steady")
        assert steady_pid is not None and supervisor.restarts("steady") == 0
    finally:
        supervisor.stop()
    lines = output.getvalue().splitlines()
    assert "[crash] about to fail" in lines
    assert "[steady] ready" in lines
    delays = [line.rsplit("restarting in ", 1)[1] for line in lines if "restarting in" in line]
    assert delays[:4] == ["0.1 s", "0.1 s", "0.2 s", "0.4 s"]
    assert (tmp_path / "logs" / "crash.log").read_text().startswith("about to fail\n")
    assert not process_is_alive(steady_pid)


def test_backoff_starts_afresh_after_a_stable_run(tmp_path: Path) -> None:
    output = io.StringIO()
    spec = ComponentSpec("flaky", _python("import time; time.sleep(0.3); raise SystemExit(1)"))
    supervisor = Supervisor(
        [spec], LogStream(output), backoff=Backoff(initial_s=0.05, max_s=5, stable_after_s=0.2)
    )
    supervisor.start()
    try:
        wait_until(lambda: supervisor.restarts("flaky") >= 3, 30, "three restarts")
    finally:
        supervisor.stop()
    delays = [
        line.rsplit("restarting in ", 1)[1]
        for line in output.getvalue().splitlines()
        if "restarting in" in line
    ]
    assert set(delays) == {"0.1 s"}, "each run outlived stable_after_s, so no delay grows"


def test_stop_kills_a_component_that_ignores_sigterm(tmp_path: Path) -> None:
    output = io.StringIO()
    stubborn = ComponentSpec(
        "stubborn",
        _python(
            "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
            "print('ignoring SIGTERM'); time.sleep(60)"
        ),
    )
    supervisor = Supervisor([stubborn], LogStream(output), stop_timeout_s=0.5)
    supervisor.start()
    wait_until(lambda: "ignoring SIGTERM" in output.getvalue(), 10, "the child to start")
    pid = supervisor.pid("stubborn")
    started = time.monotonic()
    supervisor.stop()
    assert time.monotonic() - started < 10
    assert pid is not None and not process_is_alive(pid)
    assert "did not stop within 0.5 s: killing pid" in output.getvalue()
    assert "stopped stubborn (exit code -9)" in output.getvalue()


def test_duplicate_component_names_are_refused() -> None:
    spec = ComponentSpec("twin", _python("pass"))
    with pytest.raises(ValueError, match="unique"):
        Supervisor([spec, spec], LogStream(io.StringIO()))


def test_components_whose_module_is_absent_are_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    commands = dict(up_settings.COMMANDS)
    commands["ghost"] = Command("dampwatch_ghost.main", "not installed", "ghost")
    commands["deep-ghost"] = Command("dampwatch_ingest.nowhere.main", "not installed", "ghost")
    monkeypatch.setattr(up_settings, "COMMANDS", commands)
    assert up_settings.available_components(["ingest", "ghost", "deep-ghost"]) == (
        ["ingest"],
        ["ghost", "deep-ghost"],
    )


@pytest.mark.parametrize(
    ("os_release", "system", "expected"),
    [
        ('ID=debian\nVERSION_ID="12"\n', "Linux", "sudo apt-get install -y mosquitto influxdb"),
        ("ID=ubuntu\nID_LIKE=debian\n", "Linux", "sudo apt-get install -y mosquitto influxdb"),
        ('ID=linuxmint\nID_LIKE="ubuntu debian"\n', "Linux", "sudo apt-get install -y"),
        ("ID=raspbian\n", "Linux", "sudo apt-get install -y mosquitto influxdb"),
        ('ID="fedora"\n', "Linux", "sudo dnf install -y mosquitto influxdb"),
        ("ID=alpine\n", "Linux", "sudo apk add mosquitto influxdb"),
        ("", "Darwin", "brew install mosquitto influxdb@1"),
        ("ID=gentoo\n", "Linux", "install Mosquitto 2.x and InfluxDB 1.x"),
    ],
)
def test_install_command_matches_the_platform(
    tmp_path: Path, os_release: str, system: str, expected: str
) -> None:
    path = tmp_path / "os-release"
    path.write_text(os_release)
    assert up_settings.install_command(["mosquitto", "influxdb"], path, system).startswith(expected)
