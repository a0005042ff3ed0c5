"""Baseline consumers, each run as its own process like the ingest (stdlib and paho only).

`bare`: a QoS 1 subscriber whose on_message does nothing but count (paho acknowledges on return).
`naive`: a subscriber that writes each message to InfluxDB with one `/write` call in on_message,
over a keep-alive connection, and lets paho acknowledge afterwards.

Both resume a persistent session prepared in advance (MQTT 5 like the ingest, or 3.1.1), stop
after `--expect` messages and print one JSON line: the count, wall-clock times of connect, first
and last message, and the process's CPU time.
"""

from __future__ import annotations

import argparse
import http.client
import json
import resource
import sys
import threading
import time
import urllib.parse
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties


class Counter:
    """Counts messages and remembers when the first and last arrived."""

    def __init__(self, expect: int) -> None:
        self.expect = expect
        self.count = 0
        self.first = 0.0
        self.last = 0.0
        self.errors = 0
        self.done = threading.Event()

    def tick(self) -> None:
        """Record one handled message."""
        now = time.time()
        if not self.count:
            self.first = now
        self.count += 1
        self.last = now
        if self.count >= self.expect:
            self.done.set()


class NaiveWriter:
    """One `/write` per message: the reading as one line, millisecond precision."""

    def __init__(self, host: str, port: int, database: str) -> None:
        self._connection = http.client.HTTPConnection(host, port, timeout=30)
        self._path = "/write?" + urllib.parse.urlencode({"db": database, "precision": "ms"})

    def write(self, topic: str, payload: bytes) -> bool:
        """Store one single-reading message; False if InfluxDB refused it."""
        _prefix, _version, home, device, _leaf = topic.split("/")
        body = json.loads(payload)
        line = (
            f"reading,device={device},home={home} "
            f"temperature_c={float(body['temperature_c'])!r},"
            f"humidity_pct={float(body['humidity_pct'])!r},seq={int(body['seq'])}i "
            f"{round(float(body['ts']) * 1000)}"
        )
        self._connection.request("POST", self._path, body=line.encode())
        response = self._connection.getresponse()
        response.read()
        return response.status == 204


def main() -> int:
    """Consume until the expected count arrives or the timeout passes."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("mode", choices=["bare", "naive"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--client-id", required=True)
    parser.add_argument("--expect", type=int, required=True)
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument("--influx-port", type=int, default=0)
    parser.add_argument("--database", default="")
    parser.add_argument("--protocol", choices=["5", "3.1.1"], default="5")
    args = parser.parse_args()

    counter = Counter(args.expect)
    naive = args.mode == "naive"
    writer = NaiveWriter("127.0.0.1", args.influx_port, args.database) if naive else None

    def on_message(client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        if writer is not None and not writer.write(message.topic, bytes(message.payload)):
            counter.errors += 1
        counter.tick()

    v5 = args.protocol == "5"
    client = mqtt.Client(
        CallbackAPIVersion.VERSION2,
        client_id=args.client_id,
        protocol=mqtt.MQTTv5 if v5 else mqtt.MQTTv311,
        clean_session=None if v5 else False,
    )
    client.on_message = on_message
    connect_wall = time.time()
    if v5:
        properties = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
        properties.SessionExpiryInterval = 3600
        client.connect("127.0.0.1", args.port, clean_start=False, properties=properties)
    else:
        client.connect("127.0.0.1", args.port)
    client.loop_start()
    try:
        counter.done.wait(args.timeout)
    finally:
        client.disconnect()
        client.loop_stop()
    result = {
        "count": counter.count,
        "errors": counter.errors,
        "connect_wall": connect_wall,
        "first_wall": counter.first,
        "last_wall": counter.last,
        "cpu_s": (usage := resource.getrusage(resource.RUSAGE_SELF)).ru_utime + usage.ru_stime,
    }
    print(json.dumps(result), flush=True)
    return 0 if counter.count >= args.expect and not counter.errors else 1


if __name__ == "__main__":
    sys.exit(main())
