"""Run component processes under supervision: one prefixed log stream, restarts with backoff."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TextIO

SUPERVISOR_PREFIX = "up"
_POLL_S = 0.1


@dataclass(frozen=True)
class ComponentSpec:
    """A component: its name in the log and the command and environment that run it."""

    name: str
    argv: tuple[str, ...]
    env: Mapping[str, str] = field(default_factory=dict)
    cwd: Path | None = None


@dataclass(frozen=True)
class Backoff:
    """Restart delays: doubling from `initial_s` to `max_s`, reset after a stable run."""

    initial_s: float = 0.5
    max_s: float = 30.0
    stable_after_s: float = 30.0

    def delay_s(self, consecutive_crashes: int) -> float:
        """The wait before the restart following this many crashes in a row (1 or more)."""
        return min(self.max_s, self.initial_s * 2.0 ** max(consecutive_crashes - 1, 0))


class LogStream:
    """Lines from every component on one stream, each prefixed `[name] `, never interleaved."""

    def __init__(self, output: TextIO, log_dir: Path | None = None) -> None:
        self._output = output
        self._log_dir = log_dir
        self._lock = threading.Lock()
        if log_dir is not None:
            log_dir.mkdir(parents=True, exist_ok=True)

    def line(self, name: str, text: str) -> None:
        """Write one line of a component (or of the supervisor itself)."""
        with self._lock:
            try:
                self._output.write(f"[{name}] {text}\n")
                self._output.flush()
            except (OSError, ValueError):
                # A closed terminal or pipe must never break supervision or the ordered stop.
                pass
            if self._log_dir is not None:
                # Appending per line keeps each component's file readable after a crash of `up`.
                try:
                    with (self._log_dir / f"{name}.log").open("a", encoding="utf-8") as log:
                        log.write(text + "\n")
                except OSError:
                    pass  # a full disk or a removed directory loses the file copy, not the line

    def pump(self, name: str, pipe: IO[bytes]) -> None:
        """Copy a child's output into the stream until the child closes it."""
        with pipe:
            for raw in iter(pipe.readline, b""):
                self.line(name, raw.decode("utf-8", "replace").rstrip("\r\n"))


class Supervised:
    """One component's current process and its restart bookkeeping."""

    def __init__(self, spec: ComponentSpec, logs: LogStream) -> None:
        self.spec = spec
        self.process: subprocess.Popen[bytes] | None = None
        self.started_at = 0.0
        self.restarts = 0
        self.consecutive_crashes = 0
        self.restart_at: float | None = None
        self._logs = logs
        self._pump: threading.Thread | None = None

    @property
    def pid(self) -> int | None:
        """The pid of the live process, else None."""
        return (
            self.process.pid if self.process is not None and self.process.poll() is None else None
        )

    def launch(self) -> None:
        """Start the process, its output flowing into the log stream."""
        self.process = subprocess.Popen(
            self.spec.argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=dict(os.environ) | dict(self.spec.env),
            cwd=self.spec.cwd,
            # Own session: a terminal's Ctrl-C reaches only the supervisor, which stops in order.
            start_new_session=True,
        )
        self.started_at = time.monotonic()
        self.restart_at = None
        assert self.process.stdout is not None
        self._pump = threading.Thread(
            target=self._logs.pump,
            args=(self.spec.name, self.process.stdout),
            name=f"log-{self.spec.name}",
            daemon=True,
        )
        self._pump.start()

    def terminate(self, timeout_s: float) -> int | None:
        """SIGTERM this process, SIGKILL it after the timeout; return its exit code."""
        process = self.process
        if process is None:
            return None
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout_s)
            except subprocess.TimeoutExpired:
                self._logs.line(
                    SUPERVISOR_PREFIX,
                    f"{self.spec.name} did not stop within {timeout_s:g} s: killing pid "
                    f"{process.pid}",
                )
                process.kill()
                process.wait()
        if self._pump is not None:
            self._pump.join(5)
        return process.returncode


class Supervisor:
    """Start components, restart the ones that exit, stop them all in reverse order."""

    def __init__(
        self,
        specs: Sequence[ComponentSpec],
        logs: LogStream,
        *,
        backoff: Backoff | None = None,
        stop_timeout_s: float = 15.0,
        on_launch: Callable[[str, int], None] | None = None,
    ) -> None:
        names = [spec.name for spec in specs]
        if len(set(names)) != len(names):
            raise ValueError(f"component names must be unique: {names}")
        self.logs = logs
        self.backoff = backoff or Backoff()
        self.stop_timeout_s = stop_timeout_s
        self._on_launch = on_launch
        self._components = {spec.name: Supervised(spec, logs) for spec in specs}
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._monitor: threading.Thread | None = None

    @property
    def names(self) -> list[str]:
        """The supervised components in start order."""
        return list(self._components)

    def pid(self, name: str) -> int | None:
        """The live pid of a component, else None."""
        with self._lock:
            return self._components[name].pid

    def pids(self) -> dict[str, int | None]:
        """The live pid of every component."""
        with self._lock:
            return {name: component.pid for name, component in self._components.items()}

    def restarts(self, name: str) -> int:
        """How often a component has been restarted."""
        return self._components[name].restarts

    def start(self) -> None:
        """Start every component in order, then watch them."""
        with self._lock:
            for component in self._components.values():
                self._launch(component)
                self.logs.line(
                    SUPERVISOR_PREFIX, f"started {component.spec.name} (pid {component.pid})"
                )
        self._monitor = threading.Thread(target=self._watch, name="supervisor", daemon=True)
        self._monitor.start()

    def add(self, spec: ComponentSpec) -> None:
        """Start one more component and watch it with the others (it stops first)."""
        with self._lock:
            if spec.name in self._components:
                raise ValueError(f"component {spec.name!r} is already supervised")
            if self._stopping.is_set():
                raise RuntimeError("the supervisor is stopping")
            component = Supervised(spec, self.logs)
            self._components[spec.name] = component
            self._launch(component)
            self.logs.line(SUPERVISOR_PREFIX, f"started {spec.name} (pid {component.pid})")

    def stop(self) -> None:
        """Stop watching, then stop the components in reverse start order."""
        self._stopping.set()
        if self._monitor is not None:
            self._monitor.join()
        with self._lock:
            for component in reversed(self._components.values()):
                code = component.terminate(self.stop_timeout_s)
                if code is not None:
                    self.logs.line(
                        SUPERVISOR_PREFIX, f"stopped {component.spec.name} (exit code {code})"
                    )

    def _launch(self, component: Supervised) -> None:
        component.launch()
        if self._on_launch is not None and component.process is not None:
            self._on_launch(component.spec.name, component.process.pid)

    def _watch(self) -> None:
        while not self._stopping.wait(_POLL_S):
            with self._lock:
                if self._stopping.is_set():
                    return
                now = time.monotonic()
                for component in self._components.values():
                    self._check(component, now)

    def _check(self, component: Supervised, now: float) -> None:
        process = component.process
        if component.restart_at is not None:
            if now >= component.restart_at:
                component.restarts += 1
                self._launch(component)
                self.logs.line(
                    SUPERVISOR_PREFIX,
                    f"restarted {component.spec.name} (pid {component.pid}, "
                    f"restart {component.restarts})",
                )
            return
        if process is None or (code := process.poll()) is None:
            return
        ran_s = now - component.started_at
        # A run that lasted counts as healthy: the next crash starts the backoff afresh.
        if ran_s >= self.backoff.stable_after_s:
            component.consecutive_crashes = 0
        component.consecutive_crashes += 1
        delay_s = self.backoff.delay_s(component.consecutive_crashes)
        component.restart_at = now + delay_s
        self.logs.line(
            SUPERVISOR_PREFIX,
            f"{component.spec.name} exited with code {code} after {ran_s:.1f} s; "
            f"restarting in {delay_s:.1f} s",
        )


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    """Whether nothing listens on host:port right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # As the servers do: connections of a previous run in TIME_WAIT must not count as busy.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def process_is_alive(pid: int) -> bool:
    """Whether a process with this pid exists (a zombie counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    status = Path(f"/proc/{pid}/stat")
    try:
        return status.read_text().rpartition(")")[2].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def process_mentions(pid: int, marker: str) -> bool:
    """Whether a live process names `marker` in its command line or environment (Linux /proc)."""
    if not process_is_alive(pid):
        return False
    for part in ("cmdline", "environ"):
        try:
            if marker.encode() in Path(f"/proc/{pid}/{part}").read_bytes():
                return True
        except OSError:
            continue
    return False


def stop_process(pid: int, timeout_s: float) -> None:
    """SIGTERM a process that is not our child, then SIGKILL it if it outlives the timeout."""
    try:
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout_s
        while process_is_alive(pid):
            if time.monotonic() > deadline:
                os.kill(pid, signal.SIGKILL)
                return
            time.sleep(_POLL_S)
    except ProcessLookupError:
        return
