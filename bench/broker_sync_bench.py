"""`python -m bench.broker_sync_bench`: what persist-sqlite's `plugin_opt_sync full` costs.

The deployed broker (Mosquitto 2.1, persist-sqlite, flush period 0) syncs every commit to disk so
that a power cut keeps what it acknowledged. Measured in one run, on the disk under DIR (default:
the system's temporary directory; point it at the disk the broker will use): QoS 1 publishes into
an offline persistent session, which the broker must store, one in flight at a time and with 100
in flight, with `plugin_opt_sync full` against the plugin's default, `normal`.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from bench.report import Row, environment, format_environment, format_table
from dampwatch_stack.mosquitto_build import MOSQUITTO_21_MISSING, MosquittoBuild, find_mosquitto_21
from dampwatch_stack.servers import MosquittoServer

PAYLOAD = b'{"ts": 1767225600, "temperature_c": 19.5, "humidity_pct": 64.0}'
TOPIC = "dampwatch/v1/bench-home/bench-device/reading"


def _client(client_id: str, inflight: int = 20, *, clean: bool = True) -> mqtt.Client:
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=clean)
    client.max_inflight_messages_set(inflight)
    return client


def publish_rate(
    build: MosquittoBuild, sync: str, messages: int, work_dir: Path
) -> dict[int, float]:
    """Messages a second into an offline session, by messages in flight."""
    rates: dict[int, float] = {}
    with tempfile.TemporaryDirectory(dir=work_dir) as data_dir:
        broker = MosquittoServer(
            Path(data_dir),
            binary=str(build.binary),
            persist_plugin=build.persist_sqlite,
            extra_config=f"plugin_opt_sync {sync}",
        )
        with broker:
            away = _client("bench-away", clean=False)
            away.connect(broker.host, broker.port)
            away.loop_start()
            away.subscribe("dampwatch/v1/#", qos=1)
            time.sleep(0.3)
            away.disconnect()
            away.loop_stop()
            for inflight in (1, 100):
                publisher = _client(f"bench-publisher-{inflight}", inflight)
                publisher.connect(broker.host, broker.port)
                publisher.loop_start()
                started = time.perf_counter()
                if inflight == 1:
                    for _ in range(messages):
                        publisher.publish(TOPIC, PAYLOAD, qos=1).wait_for_publish(30)
                else:
                    sent = [publisher.publish(TOPIC, PAYLOAD, qos=1) for _ in range(messages)]
                    for info in sent:
                        info.wait_for_publish(60)
                rates[inflight] = messages / (time.perf_counter() - started)
                publisher.disconnect()
                publisher.loop_stop()
    return rates


def main(argv: list[str] | None = None) -> int:
    """Measure both sync modes and print the table."""
    parser = argparse.ArgumentParser(prog="broker_sync_bench", description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()))
    args = parser.parse_args(argv)
    build = find_mosquitto_21()
    if build is None:
        print(MOSQUITTO_21_MISSING)
        return 2
    normal = publish_rate(build, "normal", args.messages, args.dir)
    full = publish_rate(build, "full", args.messages, args.dir)
    rows = [
        Row(
            f"publishes into an offline session, {inflight} in flight, sync full",
            full[inflight],
            "msg/s",
            normal[inflight],
            full[inflight] / normal[inflight],
            note="baseline: plugin_opt_sync normal (the plugin's default)",
        )
        for inflight in (1, 100)
    ]
    print(format_table(rows))
    print(f"\n  broker: {build.binary}\n  disk: {args.dir}\n{format_environment(environment())}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
