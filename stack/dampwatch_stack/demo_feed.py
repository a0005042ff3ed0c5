"""The demo's simulated cohort: winter weather, the registry it needs, publishing, storing."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from dampwatch.topics import registry_filter

if TYPE_CHECKING:
    from dampwatch_sim.simulation import Weather
    from dampwatch_sim.weather import OutdoorSeries

SECONDS_PER_DAY = 86_400
COLDEST_DAY_OF_YEAR = 20  # late January, as the simulator's synthetic climate
WINTER_MONTHS = frozenset({11, 12, 1, 2, 3})
STALL_TIMEOUT_S = 60.0
POLL_S = 0.25
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class FeedError(RuntimeError):
    """The cohort could not be fed through the stack; the message says where it stopped."""


def winter_shift_days(start_s: float, days: int) -> int:
    """Days to move the weather back so a period outside November–March gets January's."""
    middle = datetime.fromtimestamp(start_s + days * SECONDS_PER_DAY / 2, UTC)
    if middle.month in WINTER_MONTHS:
        return 0
    return (middle.timetuple().tm_yday - COLDEST_DAY_OF_YEAR) % 365


class WinterWeather:
    """Another weather source's conditions from `shift_days` earlier in the year."""

    def __init__(self, inner: Weather, shift_days: int) -> None:
        self._inner = inner
        self._shift_s = float(shift_days * SECONDS_PER_DAY)

    def day(self, day_index: int, times_s: Any, step_s: float) -> OutdoorSeries:
        """The inner source's conditions at the shifted times."""
        return self._inner.day(day_index, times_s - self._shift_s, step_s)


def wait_for_registry(
    port: int, prefix: str, expected: Mapping[str, Mapping[str, str]], timeout_s: float
) -> None:
    """Wait until the broker holds each home's retained registry message with its rooms."""
    import paho.mqtt.client as mqtt  # noqa: PLC0415
    from paho.mqtt.enums import CallbackAPIVersion  # noqa: PLC0415

    seen: dict[str, dict[str, str]] = {}
    lock = threading.Lock()

    def on_message(_client: Any, _userdata: Any, message: mqtt.MQTTMessage) -> None:
        home_id = message.topic.rsplit("/", 1)[-1]
        try:
            rooms = json.loads(message.payload).get("rooms", {})
        except (ValueError, AttributeError):
            return
        with lock:
            seen[home_id] = dict(rooms)

    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"dampwatch-demo-{time.time_ns()}")
    client.on_message = on_message
    client.on_connect = lambda c, _u, _f, _r, _p: c.subscribe(registry_filter(prefix), qos=1)
    client.connect("127.0.0.1", port)
    client.loop_start()
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            with lock:
                missing = [home for home, rooms in expected.items() if seen.get(home) != rooms]
            if not missing:
                return
            if time.monotonic() > deadline:
                raise FeedError(
                    f"the API did not publish the registry of {len(missing)} homes within "
                    f"{timeout_s:g} s (first: {missing[0]}); see the api log"
                )
            time.sleep(POLL_S)
    finally:
        client.disconnect()
        client.loop_stop()


def ingest_counters(metrics_url: str) -> dict[str, float]:
    """The ingest's Prometheus samples without labels, by name."""
    with _OPENER.open(metrics_url, timeout=5) as response:
        text = response.read().decode()
    samples: dict[str, float] = {}
    for line in text.splitlines():
        if line and not line.startswith("#") and "{" not in line:
            name, _, value = line.partition(" ")
            try:
                samples[name] = float(value)
            except ValueError:
                continue
    return samples


def wait_until_stored(
    metrics_url: str, messages: int, progress: Callable[[int], None]
) -> dict[str, float]:
    """Wait until the ingest received `messages` reading messages and acknowledged them all."""
    last_change = time.monotonic()
    previous = -1.0
    while True:
        try:
            samples = ingest_counters(metrics_url)
        except (OSError, urllib.error.URLError):
            samples = {}  # restarting: the supervisor brings it back, the broker kept the rest
        received = samples.get("dampwatch_ingest_messages_total", 0.0)
        backlog = samples.get("dampwatch_ingest_backlog_messages", 1.0)
        progress(int(received - backlog))
        if received >= messages and backlog == 0:
            return samples
        if received - backlog != previous:
            previous, last_change = received - backlog, time.monotonic()
        elif time.monotonic() - last_change > STALL_TIMEOUT_S:
            raise FeedError(
                f"the ingest stored nothing for {STALL_TIMEOUT_S:g} s "
                f"({received - backlog:.0f} of {messages} messages); see the ingest log"
            )
        time.sleep(POLL_S)
