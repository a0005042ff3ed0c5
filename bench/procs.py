"""Child processes of the benchmark: started in their own session, always stopped by handle."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import Self

BENCH_DIR = Path(__file__).resolve().parent
# loopback requests must never go through a proxy taken from the environment
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))
_SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{[^}]*\})? (\S+)$")


def clean_env(extra: dict[str, str]) -> dict[str, str]:
    """This environment without DAMPWATCH_* settings or proxies, plus `extra`."""
    drop = ("http_proxy", "https_proxy", "all_proxy")
    base = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("DAMPWATCH_") and key.lower() not in drop
    }
    return base | extra


def family(pid: int) -> list[int]:
    """The process and its live descendants (the ingest runs a decoder process of its own)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        parents.setdefault(parent, []).append(int(entry.name))
    members, frontier = [pid], [pid]
    while frontier:
        children = parents.get(frontier.pop(), [])
        members.extend(children)
        frontier.extend(children)
    return members


def _own_cpu_seconds(pid: int) -> float | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int | None) -> float | None:
    """User plus system CPU time so far of a live process and its descendants, or None."""
    if pid is None:
        return None
    own = _own_cpu_seconds(pid)
    if own is None:
        return None
    return own + sum(_own_cpu_seconds(child) or 0.0 for child in family(pid)[1:])


def _own_peak_rss_mb(pid: int) -> float | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    match = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
    return int(match.group(1)) / 1024 if match else None


def peak_rss_mb(pid: int) -> float | None:
    """Sum of the peak resident sets (VmHWM) of a live process and its descendants, in MB.

    Each member's peak may fall at a different moment, so the sum is an upper bound.
    """
    own = _own_peak_rss_mb(pid)
    if own is None:
        return None
    return own + sum(_own_peak_rss_mb(child) or 0.0 for child in family(pid)[1:])


class Child:
    """A subprocess with its output in a log file; `stop()` sends SIGTERM, then SIGKILL."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], cwd: Path) -> None:
        self.name = name
        self.argv = argv
        self.env = env
        self.cwd = cwd
        self.log_path = cwd / f"{name}.log"
        self.stdout_path = cwd / f"{name}.out"
        self.process: subprocess.Popen[bytes] | None = None
        self.started_wall = 0.0
        self.started_mono = 0.0
        self.peak_rss_mb: float | None = None
        self.cpu_s: float | None = None
        self.exit_code: int | None = None

    def start(self) -> Self:
        """Launch the process; its own session keeps a terminal's Ctrl-C away from it."""
        self.cwd.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log, self.stdout_path.open("wb") as out:
            self.started_wall = time.time()
            self.started_mono = time.monotonic()
            self.process = subprocess.Popen(
                self.argv,
                env=self.env,
                cwd=self.cwd,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=log,
                start_new_session=True,
            )
        return self

    @property
    def pid(self) -> int:
        """The process id."""
        if self.process is None:
            raise RuntimeError(f"{self.name} was not started")
        return self.process.pid

    def alive(self) -> bool:
        """True while the process runs."""
        return self.process is not None and self.process.poll() is None

    def wait(self, timeout: float) -> int:
        """Wait for the process to exit by itself; returns its exit code."""
        if self.process is None:
            raise RuntimeError(f"{self.name} was not started")
        code = self.process.wait(timeout)
        self.exit_code = code
        return code

    def stop(self, timeout: float = 15.0) -> int | None:
        """Record peak RSS and CPU time, then SIGTERM, escalating to SIGKILL after `timeout`."""
        process = self.process
        if process is None:
            return self.exit_code
        if process.poll() is None:
            self.peak_rss_mb = peak_rss_mb(process.pid)
            self.cpu_s = cpu_seconds(process.pid)
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.exit_code = process.returncode
        self.process = None
        return self.exit_code

    def output(self) -> str:
        """What the process wrote to stdout."""
        return self.stdout_path.read_text(errors="replace") if self.stdout_path.exists() else ""

    def log_tail(self, lines: int = 30) -> str:
        """The last lines of its stderr."""
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def helper(name: str, script: str, args: list[str], cwd: Path) -> Child:
    """A bench helper script (stdlib and paho only) run by this interpreter."""
    argv = [sys.executable, str(BENCH_DIR / script), *args]
    return Child(name, argv, clean_env({"PYTHONUNBUFFERED": "1"}), cwd)


def fetch_metrics(port: int, timeout: float = 2.0) -> dict[str, float] | None:
    """The unlabelled samples of a Prometheus text endpoint, or None while it does not answer."""
    try:
        with _OPENER.open(f"http://127.0.0.1:{port}/metrics", timeout=timeout) as response:
            text = response.read().decode()
    except OSError:
        return None
    samples: dict[str, float] = {}
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        match = _SAMPLE.match(line)
        if match and "{" not in line:
            samples[match.group(1)] = float(match.group(2))
    return samples
