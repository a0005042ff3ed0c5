"""paho's lean receive path: every kind of PUBLISH is stored and acknowledged, on real servers."""

from __future__ import annotations

import json
import time

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from tests.support.ingest import ThreadedIngest, count_readings, wait_until

pytestmark = pytest.mark.servers


def _payload(seq: int) -> bytes:
    ts = time.time() - 3600 + seq
    reading = {"ts": ts, "seq": seq, "temperature_c": 20.5, "humidity_pct": 55}
    return json.dumps(reading).encode()


def _publisher(port: int, protocol: mqtt.MQTTProtocolVersion, name: str) -> mqtt.Client:
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=name, protocol=protocol)
    client.connect("127.0.0.1", port)
    client.loop_start()
    return client


def _properties(**values: object) -> Properties:
    properties = Properties(PacketTypes.PUBLISH)  # type: ignore[no-untyped-call]
    for name, value in values.items():
        setattr(properties, name, value)
    return properties


def _counting(worker: ThreadedIngest) -> list[int]:
    """Count the messages paho hands to the lean handler."""
    client = worker.ingest.consumer._client
    handler, seen = client.lean_handler, []
    assert handler is not None

    def counted(topic: str, payload: bytes, mid: int) -> bool:
        seen.append(mid)
        return handler(topic, payload, mid)

    client.lean_handler = counted
    return seen


def test_every_kind_of_publish_is_stored_and_acknowledged(make_settings, influxql, mosquitto):
    settings = make_settings(ingest_client_id="lean-under-test")
    topic = "dampwatch/v1/home-1/dev-{}/reading"
    v5 = _publisher(mosquitto.port, mqtt.MQTTv5, "pub-v5")
    v311 = _publisher(mosquitto.port, mqtt.MQTTv311, "pub-v311")
    worker = ThreadedIngest(settings)
    lean = _counting(worker)
    infos = []
    with worker:
        for seq in range(40):
            infos.append(v5.publish(topic.format(1), _payload(seq), qos=1))  # the lean path
            infos.append(v311.publish(topic.format(2), _payload(seq), qos=1))
            infos.append(v5.publish(topic.format(3), _payload(seq), qos=0))  # paho's path
            properties = _properties(UserProperty=[("a", "b")], ContentType="application/json")
            infos.append(v5.publish(topic.format(4), _payload(seq), 1, properties=properties))
            properties = _properties(MessageExpiryInterval=3600)
            infos.append(v5.publish(topic.format(5), _payload(seq), 1, properties=properties))
        big = json.dumps([json.loads(_payload(seq)) for seq in range(1000)]).encode()
        infos.append(v5.publish(topic.format(6), big, qos=1))  # larger than the read buffer
        for info in infos:
            info.wait_for_publish(10)
        wait_until(lambda: count_readings(influxql) == 5 * 40 + 1000, 20, "every reading")
    assert len(lean) >= 2 * 40 + 1  # the plain QoS 1 messages of both publishers, the array
    assert not influxql.rows("SELECT * FROM rejected")

    # everything was acknowledged: the resumed session holds only what comes next
    with ThreadedIngest(settings) as again:
        v5.publish(topic.format(7), _payload(0), qos=1).wait_for_publish(10)
        wait_until(lambda: count_readings(influxql) == 5 * 40 + 1001, 20, "the next reading")
        assert again.ingest.metrics.received == 1
    for client in (v5, v311):
        client.disconnect()
        client.loop_stop()
