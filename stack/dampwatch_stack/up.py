"""`dampwatch up`: Mosquitto, InfluxDB and the platform's components on this machine, supervised."""

from __future__ import annotations

import argparse
import shlex
import signal
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import FrameType, TracebackType
from typing import Self, TextIO

from pydantic import ValidationError

from dampwatch.cli import COMMANDS
from dampwatch.settings import LOOPBACK, describe_settings_error
from dampwatch_stack.servers import InfluxServer, MosquittoServer, ServerStartError, find_binary
from dampwatch_stack.supervisor import (
    SUPERVISOR_PREFIX,
    Backoff,
    ComponentSpec,
    LogStream,
    Supervisor,
)
from dampwatch_stack.up_settings import (
    DEFAULT_COMPONENTS,
    MissingServerError,
    PortMode,
    StackError,
    StackPorts,
    UpSettings,
    available_components,
    install_command,
)
from dampwatch_stack.up_state import STATE_FILE, StackState, choose_ports

STACK_DIR = "up"
ENV_FILE = "stack.env"
# Where each component answers 200 once it serves: the port's role, the path to poll, and text
# the answer must hold. The ingest's /ready waits for its store process and its subscriptions.
READINESS_PATHS: Mapping[str, tuple[str, str, bytes]] = {
    "ingest": ("ingest_metrics", "/ready", b"ready"),
    "api": ("api", "/health", b""),
}
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class Stack:
    """Mosquitto, InfluxDB and supervised components under one data directory, as a context."""

    def __init__(
        self,
        settings: UpSettings,
        data_dir: Path,
        components: Sequence[str] = DEFAULT_COMPONENTS,
        *,
        ports: PortMode = "settings",
        output: TextIO | None = None,
        backoff: Backoff | None = None,
        extra_env: Mapping[str, str] | None = None,
    ) -> None:
        unknown = [name for name in components if name not in COMMANDS]
        if unknown:
            raise StackError(f"unknown components {unknown}; choose from {list(COMMANDS)}")
        self.settings = settings
        self.data_dir = Path(data_dir).resolve()
        self.stack_dir = self.data_dir / STACK_DIR
        self.requested = list(components)
        self.port_mode = ports
        self.logs = LogStream(output or sys.stdout, self.stack_dir / "logs")
        self.state = StackState(self.stack_dir / STATE_FILE, self.logs)
        self.backoff = backoff
        self.extra_env = dict(extra_env or {})
        self.components: list[str] = []
        self.skipped: list[str] = []
        self.ports: StackPorts | None = None
        self.mosquitto: MosquittoServer | None = None
        self.influx: InfluxServer | None = None
        self.supervisor: Supervisor | None = None

    @property
    def mqtt_port(self) -> int:
        """The broker's port."""
        return self._ports.mqtt

    @property
    def influx_url(self) -> str:
        """InfluxDB's base URL."""
        return f"http://{LOOPBACK}:{self._ports.influx}"

    @property
    def api_url(self) -> str:
        """The API's base URL."""
        return f"http://{LOOPBACK}:{self._ports.api}"

    @property
    def ingest_metrics_url(self) -> str:
        """The ingest's Prometheus metrics."""
        return f"http://{LOOPBACK}:{self._ports.ingest_metrics}/metrics"

    @property
    def _ports(self) -> StackPorts:
        if self.ports is None:
            raise StackError("the stack has not been started")
        return self.ports

    def component_env(self) -> dict[str, str]:
        """The DAMPWATCH_* environment that points a process at this stack."""
        ports = self._ports
        return {
            "DAMPWATCH_DATA_DIR": str(self.data_dir),
            "DAMPWATCH_MQTT_HOST": LOOPBACK,
            "DAMPWATCH_MQTT_PORT": str(ports.mqtt),
            "DAMPWATCH_INFLUX_URL": self.influx_url,
            # The machine's packages provide InfluxDB 1.x (Debian: 1.6, without /api/v2/write).
            "DAMPWATCH_INFLUX_API": "v1",
            "DAMPWATCH_INFLUX_DATABASE": self.settings.influx_database,
            "DAMPWATCH_API_HOST": LOOPBACK,
            "DAMPWATCH_API_PORT": str(ports.api),
            "DAMPWATCH_INGEST_METRICS_HOST": LOOPBACK,
            "DAMPWATCH_INGEST_METRICS_PORT": str(ports.ingest_metrics),
            "PYTHONUNBUFFERED": "1",
        } | self.extra_env

    def start(self) -> None:
        """Start the servers, then the installed components; clean up if any step fails."""
        binaries = {
            "mosquitto": self.settings.up_mosquitto_binary,
            "influxdb": self.settings.up_influxd_binary,
        }
        missing = [package for package, binary in binaries.items() if find_binary(binary) is None]
        if missing:
            raise MissingServerError(
                f"dampwatch up needs {' and '.join(missing)}; install with: "
                + install_command(missing)
            )
        self.stack_dir.mkdir(parents=True, exist_ok=True)
        previous = self.state.take_over_previous_run(self.data_dir, self.settings.up_stop_timeout_s)
        self.ports = choose_ports(self.settings, self.port_mode, previous)
        self.write_env_file()
        try:
            self._start_servers()
            self._start_components()
        except BaseException:
            self.stop()
            raise

    @property
    def env_file(self) -> Path:
        """The settings that point a command at this stack (`dampwatch report --env-file`)."""
        return self.stack_dir / ENV_FILE

    def write_env_file(self) -> None:
        """Write the stack's DAMPWATCH_* settings as a `.env` file for commands run by hand.

        Values are quoted as a shell quotes them, so `set -a; . up/stack.env` works as well as
        the settings' own `.env` reading (python-dotenv takes the same single quotes).
        """
        lines = [
            f"{name}={shlex.quote(value)}"
            for name, value in sorted(self.component_env().items())
            if name.startswith("DAMPWATCH_")
        ]
        self.env_file.write_text("\n".join(lines) + "\n", encoding="utf-8")

    def release_previous(self) -> None:
        """Stop what an earlier run on this data directory left running (refuse if it runs)."""
        if self.stack_dir.exists():
            self.state.take_over_previous_run(self.data_dir, self.settings.up_stop_timeout_s)

    def start_component(self, name: str) -> bool:
        """Start and supervise one more component; False when it is not installed."""
        if self.supervisor is None:
            raise StackError("the stack has not been started")
        installed, _missing = available_components([name])
        if not installed:
            return False
        self.supervisor.add(self._spec(name))
        self.components.append(name)
        return True

    def stop(self) -> None:
        """Stop components (SIGTERM, then SIGKILL after the timeout), then InfluxDB, Mosquitto."""
        if self.supervisor is not None:
            self.supervisor.stop()
            self.supervisor = None
        for server in (self.influx, self.mosquitto):
            if server is not None and server.running:
                server.stop()
                self.logs.line(SUPERVISOR_PREFIX, f"stopped {server.name}")
        if self.ports is not None:
            self.state.write(running=False, ports=self.ports)

    def wait_ready(self, timeout_s: float = 60.0) -> None:
        """Wait until every component with a readiness URL answers it."""
        deadline = time.monotonic() + timeout_s
        pending = {
            name: (f"http://{LOOPBACK}:{self._ports.as_dict()[role]}{path}", marker)
            for name, (role, path, marker) in READINESS_PATHS.items()
            if name in self.components
        }
        while pending:
            for name, (url, marker) in list(pending.items()):
                try:
                    with _OPENER.open(url, timeout=2) as response:
                        if int(response.status) == 200 and marker in response.read():
                            del pending[name]
                except (OSError, urllib.error.URLError):
                    pass
            if pending and time.monotonic() > deadline:
                last = "; ".join(f"{name}: {self.last_log_line(name)}" for name in pending)
                raise StackError(f"not ready after {timeout_s:g} s ({last})")
            if pending:
                time.sleep(0.2)

    def last_log_line(self, name: str) -> str:
        """The last line a component logged, to say why it is not ready."""
        try:
            lines = (self.stack_dir / "logs" / f"{name}.log").read_text(errors="replace")
        except OSError:
            return "no output"
        useful = [line for line in lines.splitlines() if line.strip()]
        return useful[-1].strip() if useful else "no output"

    def _start_servers(self) -> None:
        ports = self._ports
        self.mosquitto = MosquittoServer(
            self.stack_dir / "mosquitto",
            ports.mqtt,
            host=LOOPBACK,
            binary=self.settings.up_mosquitto_binary,
        )
        self.influx = InfluxServer(
            self.stack_dir / "influxdb",
            ports.influx,
            host=LOOPBACK,
            binary=self.settings.up_influxd_binary,
        )
        for server in (self.mosquitto, self.influx):
            server.start(timeout=30)
            assert server.pid is not None
            self._record_child(server.name, server.pid)
        self.influx.create_database(self.settings.influx_database)
        self.logs.line(
            SUPERVISOR_PREFIX,
            f"mosquitto on {LOOPBACK}:{ports.mqtt} (log {self.mosquitto.log_path}), "
            f"InfluxDB on {self.influx_url} (data {self.influx.data_dir})",
        )

    def _start_components(self) -> None:
        self.components, self.skipped = available_components(self.requested)
        for name in self.skipped:
            self.logs.line(
                SUPERVISOR_PREFIX,
                f"skipping {name}: {COMMANDS[name].module} is not installed "
                f"(pip install 'dampwatch[{COMMANDS[name].extra}]')",
            )
        specs = [self._spec(name) for name in self.components]
        self.supervisor = Supervisor(
            specs,
            self.logs,
            backoff=self.backoff,
            stop_timeout_s=self.settings.up_stop_timeout_s,
            on_launch=self._record_child,
        )
        self.supervisor.start()

    def _spec(self, name: str) -> ComponentSpec:
        return ComponentSpec(
            name, (sys.executable, "-m", "dampwatch.cli", name), self.component_env()
        )

    def _record_child(self, name: str, pid: int) -> None:
        self.state.record_child(name, pid, self._ports)

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def main(argv: Sequence[str] | None = None) -> int:
    """Parse flags, start the stack, run until Ctrl-C or SIGTERM, then stop it in order."""
    parser = argparse.ArgumentParser(prog="dampwatch up", description=__doc__)
    parser.add_argument(
        "--ports",
        choices=("settings", "auto"),
        default="settings",
        help="settings: the DAMPWATCH_* ports (1883, 8086, 8000, 9108), failing if one is taken; "
        "auto: free ports, the last run's when still free",
    )
    parser.add_argument(
        "--components",
        default=",".join(DEFAULT_COMPONENTS),
        help=f"comma-separated components to supervise (default {','.join(DEFAULT_COMPONENTS)})",
    )
    parser.add_argument("--data-dir", type=Path, help="state directory (DAMPWATCH_DATA_DIR)")
    args = parser.parse_args(argv)
    components = [name.strip() for name in args.components.split(",") if name.strip()]
    if unknown := [name for name in components if name not in COMMANDS]:
        parser.error(f"unknown components {unknown}; choose from {', '.join(DEFAULT_COMPONENTS)}")
    try:
        settings = UpSettings()
    except (ValidationError, ValueError) as error:
        print(f"dampwatch up: invalid settings: {describe_settings_error(error)}", file=sys.stderr)
        return 2
    stop = threading.Event()

    def _on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    try:
        stack = Stack(settings, args.data_dir or settings.data_dir, components, ports=args.ports)
        with stack:
            stack.logs.line(
                SUPERVISOR_PREFIX,
                f"up: MQTT {LOOPBACK}:{stack.mqtt_port}, InfluxDB {stack.influx_url}"
                + (f", API {stack.api_url}" if "api" in stack.components else "")
                + " (Ctrl-C stops)",
            )
            stop.wait()
            stack.logs.line(SUPERVISOR_PREFIX, "stopping")
    except MissingServerError as error:
        print(error, file=sys.stderr)
        return 2
    except (StackError, ServerStartError, OSError) as error:
        print(f"dampwatch up: {error}", file=sys.stderr)
        return 1
    return 0
