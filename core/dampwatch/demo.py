"""`dampwatch demo`: the ingest on a local Mosquitto and InfluxDB, fed by simulated homes."""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from dampwatch.influx import InfluxQL
from dampwatch.servers import (
    InfluxServer,
    MosquittoServer,
    ServerStartError,
    find_binary,
    free_port,
)
from dampwatch.settings import InfluxSettings
from dampwatch.topics import reading_topic, registry_topic

DATABASE = "dampwatch_demo"
INTERVAL_S = 300
ROOMS = ("living room", "bedroom", "bathroom")
# archetype: (heating set-point °C, moisture added g/m³, hours of heating a day)
ARCHETYPES = {"healthy": (20.0, 2.5, 14), "damp": (17.5, 5.0, 8), "cold": (14.5, 3.0, 3)}
INSTALL_HINT = "sudo apt-get install -y mosquitto influxdb"


def _room_climate(archetype: str, room: str, ts: float, rng: random.Random) -> tuple[float, float]:
    """A plausible indoor temperature and RH for a room of an archetype home at time `ts`."""
    from dampwatch.psychrometrics import relative_humidity_pct  # noqa: PLC0415

    set_point, moisture_gm3, heated_hours = ARCHETYPES[archetype]
    hour = (ts % 86400) / 3600
    outdoor = 5 + 4 * math.sin((hour - 9) / 24 * 2 * math.pi)
    heated = 7 <= hour < 7 + heated_hours
    temperature = (set_point if heated else set_point - 3) + rng.gauss(0, 0.3)
    temperature = max(temperature, outdoor + 2)
    moisture = moisture_gm3 * (1.3 if room == "bathroom" else 1.0)
    if room == "bathroom" and 7.0 <= hour < 7.5:
        moisture += 8  # the morning shower
    outdoor_vapour_hpa = 0.8 * 6.112 * math.exp(17.62 * outdoor / (243.12 + outdoor))
    vapour_hpa = outdoor_vapour_hpa + moisture * (273.15 + temperature) / 216.7
    return round(temperature, 2), round(relative_humidity_pct(temperature, vapour_hpa), 1)


def _messages(homes: int, days: int, seed: int) -> Iterator[tuple[str, bytes]]:
    """Each device's readings as a gateway would flush them: one array per device and day."""
    rng = random.Random(seed)
    end = time.time() // INTERVAL_S * INTERVAL_S
    archetypes = list(ARCHETYPES)
    for home in range(homes):
        home_id = f"demo-{home + 1:03d}"
        archetype = archetypes[home % len(archetypes)]
        for device, room in enumerate(ROOMS):
            device_id = f"th-{device + 1}"
            for day in range(days):
                start = end - (days - day) * 86400
                readings = []
                for step in range(86400 // INTERVAL_S):
                    ts = start + step * INTERVAL_S
                    temperature, humidity = _room_climate(archetype, room, ts, rng)
                    readings.append(
                        {
                            "ts": ts,
                            "seq": day * 288 + step,
                            "temperature_c": temperature,
                            "humidity_pct": humidity,
                        }
                    )
                yield reading_topic(home_id, device_id), json.dumps(readings).encode()


def _registry(homes: int) -> Iterator[tuple[str, bytes]]:
    for home in range(homes):
        rooms = {f"th-{device + 1}": room for device, room in enumerate(ROOMS)}
        yield (
            registry_topic(f"demo-{home + 1:03d}"),
            json.dumps({"consent": True, "rooms": rooms}).encode(),
        )


MALFORMED = [
    ("dampwatch/v1/demo-001/th-1/reading", b'{"ts": "yesterday", "temperature_c": 20}'),
    ("dampwatch/v1/demo-001/th-1/reading", b'{"ts": 1, "humidity_pct": 140}'),
    ("dampwatch/v1/demo-001/th-1/reading", b"\x00\x01 not json"),
    ("dampwatch/v1/demo 001/th-1/reading", b"{}"),
]


class Progress:
    """A progress line rewritten in place on a terminal; only its last state elsewhere."""

    def __init__(self) -> None:
        self._last = ""
        self._tty = sys.stdout.isatty()

    def update(self, text: str) -> None:
        """Show the current state."""
        self._last = text
        if self._tty:
            print(f"\r{text}", end="", flush=True)

    def done(self) -> None:
        """End the line."""
        print("" if self._tty else self._last, flush=True)


def _publish(
    port: int, messages: list[tuple[str, bytes]], retained: list[tuple[str, bytes]]
) -> None:
    import paho.mqtt.client as mqtt  # noqa: PLC0415
    from paho.mqtt.enums import CallbackAPIVersion  # noqa: PLC0415

    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="dampwatch-demo-publisher")
    client.max_inflight_messages_set(200)
    client.connect("127.0.0.1", port)
    client.loop_start()
    for topic, payload in retained:
        client.publish(topic, payload, qos=1, retain=True).wait_for_publish(10)
    infos = []
    progress = Progress()
    for count, (topic, payload) in enumerate(messages, start=1):
        infos.append(client.publish(topic, payload, qos=1))
        if count % 20 == 0 or count == len(messages):
            progress.update(f"publishing {count}/{len(messages)} messages")
    for info in infos:
        info.wait_for_publish(60)
    progress.done()
    client.disconnect()
    client.loop_stop()


def _report(query: InfluxQL) -> list[dict[str, Any]]:
    stats = query.rows(
        "SELECT count(temperature_c) AS readings, mean(temperature_c) AS temperature, "
        "mean(humidity_pct) AS humidity, mean(dew_point_c) AS dew_point "
        "FROM reading GROUP BY home, room"
    )
    damp = {
        (row["home"], row["room"]): row["damp"]
        for row in query.rows(
            "SELECT count(humidity_pct) AS damp FROM reading WHERE humidity_pct >= 70 "
            "GROUP BY home, room"
        )
    }
    for row in stats:
        row["hours_rh_70"] = damp.get((row["home"], row["room"]), 0) * INTERVAL_S / 3600
    return stats


def _wait_for(query: InfluxQL, expected: int, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    stored = 0
    progress = Progress()
    while time.monotonic() < deadline:
        series = query.query("SELECT count(temperature_c) FROM reading")
        stored = int(series[0]["values"][0][1]) if series else 0
        progress.update(f"stored {stored}/{expected} readings")
        if stored >= expected:
            break
        time.sleep(0.5)
    progress.done()
    return stored


def run(homes: int, days: int, data_dir: Path, as_json: bool) -> int:
    """Start the stack, stream the homes through it, print what was stored, stop."""
    for binary in ("mosquitto", "influxd"):
        if find_binary(binary) is None:
            print(
                f"dampwatch demo needs {binary}; install it with: {INSTALL_HINT}", file=sys.stderr
            )
            return 2
    data_dir = data_dir.resolve()
    mosquitto = MosquittoServer(data_dir / "demo" / "mosquitto", free_port())
    influx = InfluxServer(data_dir / "demo" / "influxdb", free_port())
    ingest: subprocess.Popen[bytes] | None = None
    try:
        for server in (mosquitto, influx):
            server.data_dir.mkdir(parents=True, exist_ok=True)
            server.start()
        print(f"mosquitto on 127.0.0.1:{mosquitto.port}, InfluxDB on {influx.url}")
        influx.drop_database(DATABASE)
        influx.create_database(DATABASE)
        env = os.environ | {
            "DAMPWATCH_MQTT_HOST": "127.0.0.1",
            "DAMPWATCH_MQTT_PORT": str(mosquitto.port),
            "DAMPWATCH_INFLUX_URL": influx.url,
            "DAMPWATCH_INFLUX_API": "v1",
            "DAMPWATCH_INFLUX_DATABASE": DATABASE,
            "DAMPWATCH_DATA_DIR": str(data_dir / "demo"),
            "DAMPWATCH_INGEST_CLIENT_ID": "dampwatch-demo-ingest",
            "DAMPWATCH_INGEST_METRICS_PORT": "0",
            "DAMPWATCH_LOG_LEVEL": "WARNING",
        }
        ingest = subprocess.Popen([sys.executable, "-m", "dampwatch.cli", "ingest"], env=env)
        time.sleep(1.5)  # the ingest subscribes; its persistent session then holds anything early
        messages = list(_messages(homes, days, seed=7))
        expected = homes * len(ROOMS) * days * 86400 // INTERVAL_S
        started = time.monotonic()
        _publish(mosquitto.port, [*messages, *MALFORMED], list(_registry(homes)))
        query = InfluxQL(
            InfluxSettings(
                influx_url=influx.url, influx_api="v1", influx_database=DATABASE, _env_file=None
            )
        )
        stored = _wait_for(query, expected, timeout=120)
        elapsed = time.monotonic() - started
        rows = _report(query)
        rejected = query.rows("SELECT count(raw) AS n FROM rejected GROUP BY reason")
        query.close()
    except ServerStartError as error:
        print(f"dampwatch demo: {error}\n{error.log_tail}", file=sys.stderr)
        return 1
    finally:
        if ingest is not None:
            ingest.send_signal(signal.SIGTERM)
            ingest.wait(30)
        influx.stop()
        mosquitto.stop()
    if as_json:
        print(
            json.dumps(
                {"stored": stored, "expected": expected, "rooms": rows, "rejected": rejected},
                indent=2,
            )
        )
        return 0 if stored == expected else 1
    print(
        f"\n{stored} of {expected} readings stored in {elapsed:.1f} s "
        f"({stored / elapsed:,.0f} readings/s)\n"
    )
    print(
        f"{'home':<10} {'room':<12} {'readings':>8} {'temp °C':>8} {'RH %':>6} "
        f"{'dew pt':>7} {'h RH≥70%':>9}"
    )
    for row in sorted(rows, key=lambda item: (item["home"], item["room"])):
        print(
            f"{row['home']:<10} {row['room']:<12} {row['readings']:>8} {row['temperature']:>8.1f} "
            f"{row['humidity']:>6.1f} {row['dew_point']:>7.1f} {row['hours_rh_70']:>9.1f}"
        )
    print("\nrejected: " + ", ".join(f"{row['reason']}={row['n']}" for row in rejected))
    return 0 if stored == expected else 1


def main(argv: Sequence[str] | None = None) -> int:
    """Parse flags and run the demo."""
    parser = argparse.ArgumentParser(prog="dampwatch demo", description=__doc__)
    parser.add_argument("--homes", type=int, default=9, help="simulated homes (default 9)")
    parser.add_argument("--days", type=int, default=7, help="days of readings (default 7)")
    parser.add_argument(
        "--data-dir", type=Path, default=Path(os.environ.get("DAMPWATCH_DATA_DIR", "data"))
    )
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)
    return run(args.homes, args.days, args.data_dir, args.json)
