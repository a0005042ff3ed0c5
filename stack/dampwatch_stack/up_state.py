"""What `dampwatch up` leaves in its data directory: who runs there, its children and its ports."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Mapping
from pathlib import Path

from dampwatch.settings import LOOPBACK
from dampwatch_stack.supervisor import (
    SUPERVISOR_PREFIX,
    LogStream,
    port_is_free,
    process_is_alive,
    process_mentions,
    stop_process,
)
from dampwatch_stack.up_settings import PORT_SETTINGS, PortMode, StackError, StackPorts, UpSettings

STATE_FILE = "state.json"


class StackState:
    """The run's state file: its pid, whether it runs, the pids it started and its ports."""

    def __init__(self, path: Path, logs: LogStream) -> None:
        self.path = path
        self.logs = logs
        self._state: dict[str, object] = {}
        self._lock = threading.Lock()

    def take_over_previous_run(self, data_dir: Path, stop_timeout_s: float) -> dict[str, object]:
        """Read the last run's state; refuse if it still runs, stop what it left behind."""
        if not self.path.exists():
            return {}
        try:
            previous: dict[str, object] = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self.logs.line(SUPERVISOR_PREFIX, f"ignoring unreadable {self.path}")
            return {}
        owner = previous.get("pid")
        if (
            isinstance(owner, int)
            and owner != os.getpid()
            and previous.get("running")
            and process_is_alive(owner)
            and process_mentions(owner, "dampwatch")
        ):
            raise StackError(
                f"another dampwatch up (pid {owner}) is running on {data_dir}; stop it "
                f"first (Ctrl-C in its terminal, or kill {owner})"
            )
        children = previous.get("children")
        for name, pid in (children if isinstance(children, dict) else {}).items():
            # Only a process naming this data directory (its config path, or its environment's
            # DAMPWATCH_DATA_DIR) is one we started: a recycled pid belongs to someone else.
            if isinstance(pid, int) and process_mentions(pid, str(data_dir)):
                self.logs.line(
                    SUPERVISOR_PREFIX,
                    f"stopping {name} (pid {pid}) left running by an earlier dampwatch up",
                )
                stop_process(pid, stop_timeout_s)
        return previous

    def record_child(self, name: str, pid: int, ports: StackPorts) -> None:
        """Remember a process this run started, so the next run can stop it if it is left."""
        with self._lock:
            children = self._state.setdefault("children", {})
            assert isinstance(children, dict)
            children[name] = pid
        self.write(running=True, ports=ports)

    def write(self, *, running: bool, ports: StackPorts) -> None:
        """Replace the state file in one step, so a reader never sees half of it."""
        with self._lock:
            self._state.update(pid=os.getpid(), running=running, ports=ports.as_dict())
            temporary = self.path.with_suffix(".tmp")
            temporary.write_text(json.dumps(self._state, indent=2), encoding="utf-8")
            temporary.replace(self.path)


def choose_ports(
    settings: UpSettings, mode: PortMode, previous: Mapping[str, object]
) -> StackPorts:
    """The settings' ports (refusing a taken one), or free ones, the last run's when still free."""
    wanted = {
        "mqtt": settings.mqtt_port,
        "influx": settings.influx_port,
        "api": settings.api_port,
        "ingest_metrics": settings.ingest_metrics_port,
    }
    if mode == "auto":
        from dampwatch_stack.servers import free_port  # noqa: PLC0415

        earlier = previous.get("ports")
        earlier = earlier if isinstance(earlier, dict) else {}
        chosen: dict[str, int] = {}
        for role in wanted:
            port = earlier.get(role)
            # The ports of the last run keep the URLs stable from one `up` to the next.
            if isinstance(port, int) and port not in chosen.values() and port_is_free(port):
                chosen[role] = port
            else:
                chosen[role] = free_port(LOOPBACK)
        return StackPorts(**chosen)
    for role, port in wanted.items():
        if not port_is_free(port):
            raise StackError(
                f"port {port} ({role}) is already in use on {LOOPBACK}: stop what uses it, "
                f"set {PORT_SETTINGS[role]}, or run: dampwatch up --ports auto"
            )
    return StackPorts(**wanted)
