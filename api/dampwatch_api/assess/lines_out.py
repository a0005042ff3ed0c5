"""Points out to InfluxDB on a background thread, while the cycle judges its next rooms.

A back-fill writes a point per room and per device for every hour it judged (tens of millions
over 30 days at 10,000 homes): written as they are made, in bounded requests, memory holds only
a few requests and InfluxDB's time overlaps the judging. A failed write fails the cycle, which
then commits nothing; points already written are overwritten by the next cycle's (same
timestamps), so nothing is half-kept.
"""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor

from dampwatch.influx import LineWriter

WRITE_BATCH_LINES = 5000
IN_FLIGHT = 4  # requests queued before `send` waits for InfluxDB


class LinesOut:
    """Writes lines in requests of WRITE_BATCH_LINES, one request at a time, in order."""

    def __init__(self, writer: LineWriter, batch_lines: int = WRITE_BATCH_LINES) -> None:
        self._writer, self._batch = writer, batch_lines
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="dampwatch-lines-out")
        self._pending: list[Future[None]] = []
        self.points = 0

    def send(self, lines: list[str]) -> None:
        """Queue the lines (waiting while IN_FLIGHT requests are); a failed write's error raised."""
        for start in range(0, len(lines), self._batch):
            self._pending.append(
                self._pool.submit(self._writer.write, lines[start : start + self._batch])
            )
            self.points += min(self._batch, len(lines) - start)
            while len(self._pending) > IN_FLIGHT:
                self._pending.pop(0).result()

    def send_each(self, pieces: Iterable[list[str]]) -> None:
        """Send each piece as it is made, so only the pieces in flight are held."""
        for lines in pieces:
            self.send(lines)

    def close(self) -> int:
        """Wait for every request; the points written (a failed write's error raised)."""
        try:
            while self._pending:
                self._pending.pop(0).result()
        finally:
            self._pool.shutdown(wait=True, cancel_futures=True)
        return self.points

    def abandon(self) -> None:
        """After a failure elsewhere: stop, dropping what is not sent yet."""
        self._pending.clear()
        self._pool.shutdown(wait=True, cancel_futures=True)
