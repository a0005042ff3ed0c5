"""The ingest's HTTP endpoint: metrics, and readiness only once a published message would arrive."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest

from dampwatch_ingest.http import serve
from dampwatch_ingest.service import Ingest
from tests.support.ingest import ThreadedIngest, count_readings, reading_messages, wait_until


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@pytest.mark.servers
def test_ready_only_once_subscribed_then_metrics_count_what_arrives(
    make_settings, influxql, publisher
):
    settings = make_settings()
    not_started = Ingest(settings)
    server = serve("127.0.0.1", 0, not_started.metrics.registry, not_started.ready)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        assert _get(base + "/ready") == (503, "starting\n")
        assert _get(base + "/nothing")[0] == 404
    finally:
        server.shutdown()
    with ThreadedIngest(settings) as worker:
        server = serve("127.0.0.1", 0, worker.ingest.metrics.registry, worker.ingest.ready)
        base = f"http://127.0.0.1:{server.server_address[1]}"
        try:
            assert _get(base + "/ready") == (200, "ready\n")
            publisher.publish_all(reading_messages(devices=2, per_device=3))
            wait_until(lambda: count_readings(influxql) == 6, 10, "six readings")
            status, body = _get(base + "/metrics")
        finally:
            server.shutdown()
    assert status == 200
    assert "dampwatch_ingest_messages_total 6.0" in body
    assert "dampwatch_ingest_mqtt_connected 1.0" in body
