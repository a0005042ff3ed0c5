"""One private server process: generated config, captured log, readiness, stop by its own handle."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path
from types import TracebackType
from typing import IO, Self

LOG_TAIL_LINES = 40
# Debian installs both daemons in /usr/sbin, which a non-root user's PATH often lacks.
_SBIN_DIRS = ("/usr/sbin", "/usr/local/sbin", "/sbin")


def free_port(host: str = "127.0.0.1") -> int:
    """Return a TCP port on host that nothing is bound to right now."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def find_binary(name: str) -> str | None:
    """Return the executable path for name, searching PATH and then the sbin directories."""
    if os.sep in name:
        return name if os.access(name, os.X_OK) else None
    return shutil.which(name) or shutil.which(name, path=os.pathsep.join(_SBIN_DIRS))


class ServerStartError(RuntimeError):
    """A server process exited or never became ready; carries the tail of its log."""

    def __init__(self, message: str, log_tail: str = "") -> None:
        super().__init__(f"{message}\n--- log tail ---\n{log_tail}" if log_tail else message)
        self.log_tail = log_tail


def join_host_port(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def one_line(value: str) -> str:
    # Both config formats are line based: a newline in a value would inject extra directives.
    if "\n" in value or "\r" in value:
        raise ValueError(f"config value must be a single line: {value!r}")
    return value


class ManagedServer:
    """Lifecycle shared by both servers: one Popen handle, captured output, readiness polling."""

    name = "server"
    config_name = "server.conf"
    ready_marker = b""

    def __init__(self, data_dir: Path, host: str, port: int, binary: str) -> None:
        self.data_dir = Path(data_dir).resolve()
        self.host = one_line(host)
        self.port = port
        self.binary = binary
        self.output_path = self.data_dir / f"{self.name}.out"
        self.config_path = self.data_dir / self.config_name
        self._proc: subprocess.Popen[bytes] | None = None
        self._output: IO[bytes] | None = None
        self._log_offsets: dict[Path, int] = {}

    def config_text(self) -> str:
        """Return the generated configuration file's content."""
        raise NotImplementedError

    def _command(self, binary: str) -> list[str]:
        raise NotImplementedError

    def _responds(self) -> bool:  # a client-level check on top of the log marker
        raise NotImplementedError

    def _log_files(self) -> list[Path]:
        return [self.output_path]

    def _env(self) -> dict[str, str]:
        return dict(os.environ)

    @property
    def address(self) -> tuple[str, int]:
        """Return (host, port) of the client listener."""
        return (self.host, self.port)

    @property
    def pid(self) -> int | None:
        """Return the process id while a process is attached, else None."""
        return self._proc.pid if self._proc is not None else None

    @property
    def running(self) -> bool:
        """Return whether the process is alive."""
        return self._proc is not None and self._proc.poll() is None

    def start(self, timeout: float = 10.0) -> None:
        """Write the config, launch the process and wait until it serves clients."""
        if self.running:
            return
        binary = find_binary(self.binary)
        if binary is None:
            raise ServerStartError(f"{self.name}: executable {self.binary!r} not found")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.config_path.write_text(self.config_text(), encoding="utf-8")
        # Remember where this run's output begins so a failure shows this run, not older ones.
        self._log_offsets = {p: p.stat().st_size if p.exists() else 0 for p in self._log_files()}
        self._output = self.output_path.open("ab")
        # Own session: a terminal's Ctrl-C must not race the ordered stop() of our owner.
        self._proc = subprocess.Popen(
            self._command(binary),
            stdin=subprocess.DEVNULL,
            stdout=self._output,
            stderr=subprocess.STDOUT,
            cwd=self.data_dir,
            env=self._env(),
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while True:
            if self._proc.poll() is not None:
                code = self._proc.returncode
                self._detach()
                raise ServerStartError(f"{self.name} exited with code {code}", self.log_tail())
            # The log marker proves that *our* process bound the port, not a stranger on it.
            if self._log_contains(self.ready_marker) and self._responds() and self.running:
                return
            if time.monotonic() > deadline:
                self.kill()
                raise ServerStartError(f"{self.name} not ready after {timeout}s", self.log_tail())
            time.sleep(0.05)

    def stop(self, timeout: float = 10.0) -> None:
        """Terminate with SIGTERM (a clean shutdown), escalating to SIGKILL after timeout."""
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._detach()

    def kill(self) -> None:
        """Send SIGKILL, simulating a crash that skips every shutdown step."""
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait()
        self._detach()

    def restart(self, timeout: float = 10.0) -> None:
        """Stop cleanly, then start again on the same ports and data directory."""
        self.stop(timeout)
        self.start(timeout)

    def log_tail(self, lines: int = LOG_TAIL_LINES) -> str:
        """Return the last lines each log file received since the latest start."""
        parts = []
        for path in self._log_files():
            tail = self._since_start(path).decode("utf-8", "replace").splitlines()[-lines:]
            if tail:
                parts.append(f"[{path.name}]\n" + "\n".join(tail))
        return "\n".join(parts)

    def _log_contains(self, marker: bytes) -> bool:
        return any(marker in self._since_start(path) for path in self._log_files())

    def _since_start(self, path: Path) -> bytes:
        if not path.exists():
            return b""
        with path.open("rb") as handle:
            handle.seek(self._log_offsets.get(path, 0))
            return handle.read()

    def _detach(self) -> None:
        self._proc = None
        if self._output is not None:
            self._output.close()
            self._output = None

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
