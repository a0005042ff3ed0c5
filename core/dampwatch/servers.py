"""Run private Mosquitto and InfluxDB 1.x processes with generated configs in one data directory."""

from __future__ import annotations

import base64
import json
import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self, cast

LOG_TAIL_LINES = 40
# Debian installs both daemons in /usr/sbin, which a non-root user's PATH often lacks.
_SBIN_DIRS = ("/usr/sbin", "/usr/local/sbin", "/sbin")
# Loopback requests must never go through an http_proxy taken from the environment.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


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


class InfluxQueryError(RuntimeError):
    """InfluxDB rejected a query, either with an HTTP error or a statement error."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"InfluxDB query failed ({status}): {message}")
        self.status = status
        self.message = message


def _join_host_port(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _one_line(value: str) -> str:
    # Both config formats are line based: a newline in a value would inject extra directives.
    if "\n" in value or "\r" in value:
        raise ValueError(f"config value must be a single line: {value!r}")
    return value


class _ManagedServer:
    """Lifecycle shared by both servers: one Popen handle, captured output, readiness polling."""

    name = "server"
    config_name = "server.conf"
    ready_marker = b""

    def __init__(self, data_dir: Path, host: str, port: int, binary: str) -> None:
        self.data_dir = Path(data_dir).resolve()
        self.host = _one_line(host)
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


class MosquittoServer(_ManagedServer):
    """A Mosquitto 2.x broker on one loopback port, persisting into data_dir.

    Built-in file persistence, or with persist_plugin (2.1's persist-sqlite) a SQLite database.
    """

    name = "mosquitto"
    config_name = "mosquitto.conf"
    # Printed once every listener is bound; log_dest file is flushed line by line.
    ready_marker = b" running"

    def __init__(
        self,
        data_dir: Path,
        port: int | None = None,
        *,
        host: str = "127.0.0.1",
        extra_config: str = "",
        allow_anonymous: bool = True,
        password_file: Path | None = None,
        max_queued_messages: int = 1_000_000,
        max_inflight_messages: int = 1000,
        persistence: bool = True,
        autosave_interval: int = 60,
        binary: str = "mosquitto",
        persist_plugin: Path | None = None,
    ) -> None:
        super().__init__(data_dir, host, port if port is not None else free_port(host), binary)
        self.persist_plugin = persist_plugin
        self.extra_config = extra_config
        self.allow_anonymous = allow_anonymous
        self.password_file = password_file
        self.max_queued_messages = max_queued_messages
        self.max_inflight_messages = max_inflight_messages
        self.persistence = persistence
        self.autosave_interval = autosave_interval
        self.log_path = self.data_dir / "mosquitto.log"
        self.persistence_path = self.data_dir / "mosquitto.db"

    def config_text(self) -> str:
        """Return the generated mosquitto.conf."""
        lines = [
            "# Generated by dampwatch.servers: rewritten on every start.",
            # Must precede the listener so the security options below apply broker-wide.
            "per_listener_settings false",
            f"listener {self.port} {self.host}",
            f"allow_anonymous {'true' if self.allow_anonymous else 'false'}",
            *self._persistence_lines(),
            f"log_dest file {_one_line(str(self.log_path))}",
            *(f"log_type {kind}" for kind in ("error", "warning", "notice", "information")),
            "log_timestamp_format %Y-%m-%dT%H:%M:%S",
            "connection_messages true",
            # The default of 1000 silently drops QoS 1 messages for offline persistent sessions;
            # 0 (unlimited) is broken before 2.0.17, so use a large finite number.
            f"max_queued_messages {self.max_queued_messages}",
            "max_queued_bytes 0",
            # Manual-ack consumers can never hold a batch larger than this (default 20).
            f"max_inflight_messages {self.max_inflight_messages}",
            "persistent_client_expiration 7d",
            # 2.0 prefers max_packet_size; message_size_limit only earns a deprecation note.
            "max_packet_size 2097152",
            "set_tcp_nodelay true",
        ]
        if self.password_file is not None:
            lines.append(f"password_file {_one_line(str(Path(self.password_file).resolve()))}")
        if os.geteuid() == 0:
            # As root Mosquitto switches to user "mosquitto", which cannot write data_dir.
            lines.append("user root")
        return "\n".join(lines) + "\n" + self.extra_config.strip() + "\n"

    def _persistence_lines(self) -> list[str]:
        location = f"persistence_location {_one_line(str(self.data_dir))}/"
        if self.persist_plugin is not None and self.persistence:
            # Mosquitto 2.1's persist-sqlite plugin keeps DATA_DIR/mosquitto.sqlite3 (it takes
            # persistence_location over plugin_opt_db_file). Built-in persistence stays off:
            # 2.1.2 refuses to start with both.
            return [
                "persistence false",
                location,
                f"plugin {_one_line(str(Path(self.persist_plugin).resolve()))}",
                # Commit after every pass of the loop, not every 5 s: a crash keeps what was acked.
                "plugin_opt_flush_period 0",
            ]
        return [
            f"persistence {'true' if self.persistence else 'false'}",
            # Mosquitto concatenates location and file name, so the trailing slash is required.
            location,
            f"persistence_file {self.persistence_path.name}",
            f"autosave_interval {self.autosave_interval}",
        ]

    def _command(self, binary: str) -> list[str]:
        return [binary, "-c", str(self.config_path)]

    def _log_files(self) -> list[Path]:
        # Config errors reach stderr only, before the log file is opened.
        return [self.output_path, self.log_path]

    def _responds(self) -> bool:
        try:
            with socket.create_connection(self.address, timeout=0.5):
                return True
        except OSError:
            return False


class InfluxServer(_ManagedServer):
    """An InfluxDB 1.x server with HTTP on host:http_port and all state under data_dir."""

    name = "influxd"
    config_name = "influxdb.conf"
    ready_marker = b'msg="Listening on HTTP"'

    def __init__(
        self,
        data_dir: Path,
        http_port: int | None = None,
        *,
        host: str = "127.0.0.1",
        binary: str = "influxd",
        auth_enabled: bool = False,
    ) -> None:
        super().__init__(data_dir, host, http_port or free_port(host), binary)
        self.auth_enabled = auth_enabled
        # influxd always binds its backup/restore RPC port; its default 8088 may be taken.
        self.rpc_port = free_port("127.0.0.1")

    @property
    def http_port(self) -> int:
        """Return the HTTP API port."""
        return self.port

    @property
    def url(self) -> str:
        """Return the HTTP API base URL."""
        return f"http://{_join_host_port(self.host, self.port)}"

    def config_text(self) -> str:
        """Return the generated influxdb.conf (TOML)."""

        def quoted(value: str) -> str:
            # JSON string escapes are valid TOML basic-string escapes.
            return json.dumps(_one_line(value))

        http_bind = quoted(_join_host_port(self.host, self.port))
        return f"""# Generated by dampwatch.servers: rewritten on every start.
# Upstream spells the switch reporting-disabled, Debian's build reporting-enabled;
# influxd ignores unknown keys, so both are set.
reporting-disabled = true
reporting-enabled = false
bind-address = {quoted(_join_host_port("127.0.0.1", self.rpc_port))}
[meta]
  dir = {quoted(str(self.data_dir / "meta"))}
[data]
  dir = {quoted(str(self.data_dir / "data"))}
  wal-dir = {quoted(str(self.data_dir / "wal"))}
  query-log-enabled = false
[monitor]
  store-enabled = false
[http]
  enabled = true
  bind-address = {http_bind}
  auth-enabled = {"true" if self.auth_enabled else "false"}
  log-enabled = false
  pprof-enabled = false
[logging]
  format = "logfmt"
  suppress-logo = true
[[graphite]]
  enabled = false
[[collectd]]
  enabled = false
[[opentsdb]]
  enabled = false
[[udp]]
  enabled = false
[continuous_queries]
  enabled = true
"""

    def _command(self, binary: str) -> list[str]:
        return [binary, "run", "-config", str(self.config_path)]

    def _env(self) -> dict[str, str]:
        # INFLUXDB_* variables override the config file and could move ports or directories.
        return {k: v for k, v in os.environ.items() if not k.startswith("INFLUXDB_")}

    def _responds(self) -> bool:
        try:
            with _OPENER.open(f"{self.url}/ping", timeout=1) as response:
                return int(response.status) == 204
        except (OSError, urllib.error.URLError):
            return False

    def query(
        self, q: str, db: str | None = None, *, auth: tuple[str, str] | None = None
    ) -> dict[str, Any]:
        """POST an InfluxQL query (epoch=ms) and return the parsed JSON; raise on any error."""
        form = {"q": q, "epoch": "ms"} | ({"db": db} if db is not None else {})
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if auth is not None:
            # 1.x reads u/p only from the URL, never the form; Basic auth keeps them out of URLs.
            token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
            headers["Authorization"] = f"Basic {token}"
        # The URL is always http:// built from our own host and port.
        request = urllib.request.Request(  # noqa: S310
            f"{self.url}/query", data=urllib.parse.urlencode(form).encode(), headers=headers
        )
        try:
            with _OPENER.open(request, timeout=30) as response:
                result = cast(dict[str, Any], json.loads(response.read()))
        except urllib.error.HTTPError as err:
            body = err.read().decode("utf-8", "replace")
            try:
                message = str(json.loads(body).get("error", body))
            except (ValueError, AttributeError):
                message = body
            raise InfluxQueryError(err.code, message) from None
        for statement in result.get("results", []):
            if "error" in statement:
                raise InfluxQueryError(200, str(statement["error"]))
        return result

    def create_database(self, name: str) -> None:
        """Create a database (a no-op if it exists)."""
        self.query(f"CREATE DATABASE {quote_ident(name)}")

    def drop_database(self, name: str) -> None:
        """Drop a database and all its data (a no-op if it is absent)."""
        self.query(f"DROP DATABASE {quote_ident(name)}")


def quote_ident(name: str) -> str:
    """Return name as a double-quoted InfluxQL identifier."""
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
