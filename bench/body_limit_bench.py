"""What an unauthenticated 100 MB POST costs the API: answer time and the worker's peak memory.

One `dampwatch api` process (one worker, SQLite) on loopback. Each row sends a request and
reports the status, when the answer arrived and how much the peak resident set (VmHWM) of the
API grew. The baseline, measured in the same run, is a small anonymous POST; the attack
declares 100 MB and keeps sending until the API hangs up (or all of it is sent), once with a
Content-Length and once chunked without one.
Run: `python -m bench.body_limit_bench`.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench.procs import peak_rss_mb
from dampwatch_stack.servers import free_port

MB = 1024 * 1024
ATTACK_BYTES = 100 * MB
CHUNK = 64 * 1024


def _start(work: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("DAMPWATCH_")}
    env |= {
        "DAMPWATCH_DATABASE_URL": f"sqlite:///{work / 'api.db'}",
        "DAMPWATCH_DATA_DIR": str(work),
        "DAMPWATCH_MQTT_PORT": str(free_port()),
        "DAMPWATCH_INFLUX_URL": f"http://127.0.0.1:{free_port()}",
        "DAMPWATCH_LOG_LEVEL": "ERROR",
    }
    log = (work / "api.log").open("wb")
    command = [sys.executable, "-m", "dampwatch_api.main", "--port", str(port)]
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            opener.open(f"http://127.0.0.1:{port}/openapi.json", timeout=1).read()
            return process, port
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("the API did not start")


def _post(port: int, total: int, *, chunked: bool) -> tuple[str, float, int]:
    """Send a POST of `total` bytes; (status line, seconds to the answer, bytes sent by then)."""
    length = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {total}"
    head = (
        f"POST /v1/homes HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"{length}\r\n\r\n"
    ).encode()
    filler = b'{"home_id": "' + b"x" * max(0, total - 15) + b'"}'  # valid JSON of `total` bytes
    started = time.monotonic()
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(head)
        sock.setblocking(False)
        answer = b""
        while b"\r\n" not in answer:
            try:
                answer += sock.recv(4096)
                if not answer:
                    break
                continue
            except BlockingIOError:
                pass
            if sent < total:
                piece = filler[sent : sent + CHUNK]
                data = f"{len(piece):x}\r\n".encode() + piece + b"\r\n" if chunked else piece
                try:
                    sock.sendall(data)
                except (BlockingIOError, BrokenPipeError, ConnectionResetError):
                    answer += _rest(sock)  # the API hung up: read what it said first
                    break
                sent += len(piece)
            else:
                time.sleep(0.001)
    return answer.split(b"\r\n")[0].decode(), time.monotonic() - started, sent


def _rest(sock: socket.socket) -> bytes:
    sock.setblocking(True)
    sock.settimeout(2)
    try:
        return sock.recv(4096)
    except OSError:
        return b""


def main() -> int:
    """Print the table."""
    with tempfile.TemporaryDirectory() as scratch:
        process, port = _start(Path(scratch))
        try:
            rows = []
            for name, total, chunked in (
                ("baseline: 1 KB anonymous POST", 1024, False),
                ("100 MB declared, anonymous", ATTACK_BYTES, False),
                ("100 MB chunked, anonymous", ATTACK_BYTES, True),
            ):
                before = peak_rss_mb(process.pid) or 0.0
                status, seconds, sent_bytes = _post(port, total, chunked=chunked)
                after = peak_rss_mb(process.pid) or 0.0
                rows.append((name, status, seconds, sent_bytes / MB, after - before, after))
        finally:
            process.terminate()
            process.wait(20)
    print(f"{'request':32} {'answer':40} {'s':>6} {'sent MB':>8} {'peak +MB':>9} {'peak MB':>8}")
    for name, status, seconds, sent, grew, peak in rows:
        print(f"{name:32} {status:40} {seconds:6.3f} {sent:8.2f} {grew:9.1f} {peak:8.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
