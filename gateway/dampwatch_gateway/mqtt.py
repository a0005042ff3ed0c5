"""paho-mqtt clients for the uplink and the home's broker: credentials, TLS, reconnect."""

from __future__ import annotations

import ssl
from typing import Final

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from dampwatch_gateway.config import BrokerConfig

MQTT_SUCCESS: Final = mqtt.MQTT_ERR_SUCCESS


def make_client(
    broker: BrokerConfig,
    client_id: str,
    *,
    clean_session: bool,
    manual_ack: bool = False,
    reconnect: tuple[int, int] = (1, 60),
) -> mqtt.Client:
    """An MQTT 3.1.1 client with the broker's credentials and TLS settings applied."""
    client = mqtt.Client(
        CallbackAPIVersion.VERSION2,
        client_id=client_id,
        protocol=mqtt.MQTTv311,
        clean_session=clean_session,
        manual_ack=manual_ack,
    )
    if broker.username:
        client.username_pw_set(broker.username, broker.password_value())
    if broker.tls:
        client.tls_set(
            ca_certs=str(broker.tls_ca) if broker.tls_ca else None,
            certfile=str(broker.tls_cert) if broker.tls_cert else None,
            keyfile=str(broker.tls_key) if broker.tls_key else None,
            tls_version=ssl.PROTOCOL_TLS_CLIENT,
        )
    client.reconnect_delay_set(min_delay=reconnect[0], max_delay=reconnect[1])
    return client
