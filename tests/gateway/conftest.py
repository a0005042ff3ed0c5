"""Fixtures for gateway tests: two real brokers (the platform's uplink and the home's own)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from dampwatch_stack.servers import MosquittoServer
from tests.gateway.helpers import Collector, LocalPublisher


@pytest.fixture
def uplink_broker(mosquitto_factory: Callable[..., MosquittoServer]) -> MosquittoServer:
    """The platform's broker the gateway forwards to."""
    return mosquitto_factory()


@pytest.fixture
def home_broker(mosquitto_factory: Callable[..., MosquittoServer]) -> MosquittoServer:
    """The home's own broker, where Zigbee2MQTT, Tasmota and ESPHome publish."""
    return mosquitto_factory()


@pytest.fixture
def collector(uplink_broker: MosquittoServer) -> Iterator[Collector]:
    """A persistent-session subscriber on the uplink, subscribed before the gateway starts."""
    client = Collector(uplink_broker.port)
    yield client
    client.close()


@pytest.fixture
def home_publisher(home_broker: MosquittoServer) -> Iterator[LocalPublisher]:
    """Sensors publishing on the home's broker."""
    client = LocalPublisher(home_broker.port)
    yield client
    client.close()
