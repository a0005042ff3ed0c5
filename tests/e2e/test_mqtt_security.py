"""Attacks on the broker as deployed, by a device or gateway whose credentials leaked.

Each attack runs against the file-ACL configuration and the dynamic-security configuration
(tests/e2e/mqtt_targets.py), each on Mosquitto 2.0 and 2.1. The attacker holds `home-a`'s
credentials and goes for `home-b`, the platform's services and the broker itself: every other
client id it can learn or guess, every other home's and device's topic, `$CONTROL`, `$SYS`, `#`,
the registry branch, shared subscriptions and last wills. A refused publish in MQTT 3.1.1 is
silently dropped, so non-delivery is proven by watchers with the services' own credentials that
do receive the legitimate messages sent alongside; in MQTT 5 a PUBACK says 0x87.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from bench.soak_broker import API_USER, INGEST_USER, make_certificates
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.reasoncodes import ReasonCode

from dampwatch_api.broker.link import process_client_id
from dampwatch_stack.servers import MosquittoServer
from tests.e2e.mqtt_clients import QUIET_S, BrokerAccess, Session, Will, connect, service
from tests.e2e.mqtt_targets import (
    ATTACKER,
    ATTACKER_GATEWAY,
    PREFIX,
    Target,
    dynsec_target,
    file_acl_target,
    started,
)
from tests.support.compose_broker import require_mosquitto_21

pytestmark = [pytest.mark.servers, pytest.mark.slow]
NOT_AUTHORIZED = 0x87
ACCEPTED = (0x00, 0x10)  # success, or success with no subscriber
INGEST_ID = f"dampwatch-ingest-{socket.gethostname()}"
READING = b'{"ts": %d, "seq": %d, "temperature_c": 19.5, "humidity_pct": 55}'
SETUPS = ("file-acl 2.0", "file-acl 2.1", "dynsec 2.0", "dynsec 2.1")


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One CA and server certificate for every broker of the module (made once: RSA is slow)."""
    return make_certificates(tmp_path_factory.mktemp("certs"))


@pytest.fixture(scope="module")
def strange_ca(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A CA certificate of somebody else's, which must not vouch for the broker."""
    return make_certificates(tmp_path_factory.mktemp("strange")) / "ca.crt"


@pytest.fixture(scope="module", params=SETUPS)
def target(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, certificates: Path
) -> Iterator[Target]:
    """Each deployed broker configuration on each Mosquitto version in turn."""
    kind, version = str(request.param).split()
    build = require_mosquitto_21() if version == "2.1" else None
    make = file_acl_target if kind == "file-acl" else dynsec_target
    yield from started(make(tmp_path_factory.mktemp(kind), build, certificates))


def reading(home: str, device: str, seq: int = 1) -> tuple[str, bytes]:
    """A valid reading message of a device."""
    return f"{PREFIX}/{home}/{device}/reading", READING % (int(time.time()), seq)


def device(target: Target, username: str, **kwargs: object) -> Session:
    """A device or gateway connected as it should: with its own client id."""
    session = connect(target.access, username, client_id=username, **kwargs)  # type: ignore[arg-type]
    assert session.up, (target.name, username, session.connack)
    return session


def wait_for(session: Session, count: int, timeout: float = 5, *, quiet: bool = True) -> None:
    """Until the session holds `count` messages, then (`quiet`) the quiet period for any extra."""
    deadline = time.monotonic() + timeout
    while len(session.messages) < count and time.monotonic() < deadline:
        time.sleep(0.02)
    if quiet:
        time.sleep(QUIET_S)


def wait_for_topics(session: Session, topics: list[str], timeout: float = 5) -> None:
    """Until a message on each of `topics` has arrived (published last, after every message the
    test expects not to arrive, each of which the broker had already acknowledged). Mosquitto
    sends a client its messages in the order it routed them: once these are in, nothing routed
    before them is still on its way, so no quiet period is needed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not set(topics) <= set(session.topics()):
        time.sleep(0.02)


def close(*sessions: Session) -> None:
    """Disconnect every session: all at once, as a dropped one's thread takes up to 1 s to end."""
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(Session.close, sessions))


def guessed_client_ids(target: Target) -> list[str]:
    """Every client id an attacker can learn (documented defaults) or guess."""
    own = {ATTACKER, ATTACKER_GATEWAY}
    devices = [name for name in target.access.passwords if "/" in name and name not in own]
    return [
        INGEST_ID,
        "dampwatch-ingest",
        "dampwatch-ingest-1",
        process_client_id("dampwatch-api"),
        "dampwatch-api",
        "dampwatch-sim",
        "dampwatch-healthcheck",
        "admin",
        *devices,
        "th-1",
        "dampwatch-gw-home-b-gw-1-up",
    ]


def test_no_credential_takes_another_client_id_or_session(target: Target) -> None:
    access = target.access
    # The ingest with its persistent session, offline while four readings of home-b arrive.
    ingest = service(access, INGEST_USER, client_id=INGEST_ID, clean_start=False)
    assert ingest.up, ingest.connack
    ingest.subscribe(target.ingest_filter)
    ingest.close()
    # The API: the provisioning link where the broker has one, else a session under its id.
    link = target.extra.get("link")
    api = None if link else service(access, API_USER, client_id=process_client_id("dampwatch-api"))
    victims = [
        device(target, "home-b/th-1"),
        device(target, "home-b/gw-1"),
        *([api] if api else []),
    ]
    for seq in range(1, 5):
        victims[0].publish(*reading("home-b", "th-1", seq))
    tries = []
    for attacker in (ATTACKER, ATTACKER_GATEWAY):
        for client_id in guessed_client_ids(target):
            ways = [(mqtt.MQTTv5, False), (mqtt.MQTTv311, True)]
            if client_id == INGEST_ID:  # resume its session, or throw it away with a clean start
                ways += [(mqtt.MQTTv5, True), (mqtt.MQTTv311, False)]
            tries += [(attacker, client_id, protocol, clean) for protocol, clean in ways]
    with ThreadPoolExecutor(8) as pool:
        attempts = list(
            pool.map(
                lambda t: connect(access, t[0], client_id=t[1], protocol=t[2], clean_start=t[3]),
                tries,
            )
        )
    time.sleep(QUIET_S)
    taken = [a for a in attempts if a.connack is not None and not a.connack.is_failure]
    assert not [a.messages for a in taken if a.messages], "an attacker received a session's queue"
    if target.name.startswith("dynsec"):  # bound to one client id: every other one is refused
        assert taken == [], "a device's credentials worked with another client id"
    dropped = [victim.client._client_id for victim in victims if not victim.up]
    assert dropped == [], f"victims disconnected by an attacker: {dropped}"
    assert link is None or link.connected, "the API was disconnected by an attacker"
    close(*attempts)
    # The ingest comes back to its own session and finds every reading waiting there.
    back = service(access, INGEST_USER, client_id=INGEST_ID, clean_start=False)
    wait_for(back, 4, quiet=False)
    # One more reading after the four: a copy of any of them would arrive before it.
    marker = reading("home-b", "th-1", 5)
    victims[0].publish(*marker)
    wait_for(back, 5, quiet=False)
    expected = [reading("home-b", "th-1", seq)[0] for seq in range(1, 6)]
    assert back.session_present and back.topics() == expected, back.messages
    assert [json.loads(payload)["seq"] for _, payload in back.messages] == [1, 2, 3, 4, 5]
    close(back, *victims)
    # A clean start ends the session, so it takes no share of later tests' readings.
    close(service(access, INGEST_USER, client_id=INGEST_ID, clean_start=True))


def _own_and_forbidden(username: str) -> tuple[list[str], list[tuple[str, bool]]]:
    """Topics the client may write, and (topic, retained) pairs it must not."""
    home, name = username.split("/")
    other = "th-2" if name != "th-2" else "th-1"
    own = [f"{PREFIX}/{home}/{name}/status"]
    forbidden = [
        (f"{PREFIX}/home-b/th-1/reading", False),
        (f"{PREFIX}/home-b/th-2/reading", False),
        (f"{PREFIX}/home-b/th-1/status", True),
        (f"{PREFIX}/home-b/gw-1/status", True),
        (f"{PREFIX}/{home}/{other}/status", True),
        (f"{PREFIX}/{home}/th-999/reading", False),  # a device nobody registered
        (f"{PREFIX}/_registry/{home}", True),
        (f"{PREFIX}/_registry/home-b", True),
        ("$SYS/broker/uptime", False),
    ]
    if name == "gw-1":
        own.append(f"{PREFIX}/{home}/th-3/reading")  # a registered sensor it forwards
        forbidden.append((f"{PREFIX}/{home}/th-1/status", True))
    else:
        own.append(f"{PREFIX}/{home}/{name}/reading")
        forbidden.append((f"{PREFIX}/{home}/{other}/reading", False))
    return own, forbidden


def _control_command() -> bytes:
    """A dynamic-security command making an admin client, as an attacker would send it."""
    commands = [
        {"command": "createClient", "username": "evil", "password": "evil-pw"},
        {"command": "addClientRole", "username": "evil", "rolename": "admin"},
        {"command": "setDefaultACLAccess", "acls": [{"acltype": "subscribe", "allow": True}]},
    ]
    return json.dumps({"commands": commands}).encode()


@pytest.mark.parametrize("attacker", [ATTACKER, ATTACKER_GATEWAY])
def test_a_device_writes_its_own_topics_only(target: Target, attacker: str) -> None:
    access = target.access
    readings = service(access, target.reading_watcher)
    readings.subscribe(f"{PREFIX}/+/+/reading")
    status = service(access, target.status_watcher)
    status.subscribe(f"{PREFIX}/+/+/status")
    status.subscribe(f"{PREFIX}/_registry/+")
    own, forbidden = _own_and_forbidden(attacker)
    payload = READING % (int(time.time()), 1)
    # MQTT 3.1.1 first: refused publishes are acknowledged and dropped (one client id: in turn).
    v3 = device(target, attacker, protocol=mqtt.MQTTv311)
    for topic, retain in forbidden:
        v3.publish(topic, payload, retain=retain)
    v3.publish("$CONTROL/dynamic-security/v1", _control_command())
    v3.close()
    v5 = device(target, attacker)
    for topic, retain in forbidden:
        assert v5.publish(topic, payload, retain=retain).value == NOT_AUTHORIZED, topic
    assert v5.publish("$CONTROL/dynamic-security/v1", _control_command()).value == NOT_AUTHORIZED
    for topic in own:
        assert v5.publish(topic, READING % (int(time.time()), 2)).value in ACCEPTED, topic
    wait_for_topics(readings, [topic for topic in own if topic.endswith("/reading")])
    wait_for_topics(status, [topic for topic in own if topic.endswith("/status")])
    arrived = readings.topics() + status.topics()
    assert sorted(arrived) == sorted(own), (target.name, arrived)
    evil = connect(access, "evil", password="evil-pw", client_id="evil")
    assert evil.connack is None or evil.connack.is_failure, "a device made itself a client"
    close(v5, readings, status, evil)


SNOOPING = (
    "#",
    "$SYS/#",
    "$CONTROL/#",
    "$CONTROL/dynamic-security/v1/response",
    f"$share/ingest/{PREFIX}/+/+/reading",
    f"$share/snoop/{PREFIX}/+/+/reading",
    f"{PREFIX}/+/+/reading",
    f"{PREFIX}/+/+/status",
    f"{PREFIX}/_registry/+",
    f"{PREFIX}/home-b/#",
    f"{PREFIX}/home-a/#",
    "+/+/+/+/+",
)


def test_a_device_receives_nothing_not_even_a_share_of_the_ingest(target: Target) -> None:
    access = target.access
    ingest = service(access, INGEST_USER, client_id=f"{INGEST_ID}-live")
    ingest.subscribe(target.ingest_filter)
    snoops = [device(target, ATTACKER), device(target, ATTACKER_GATEWAY)]
    for snoop in snoops:
        for topic_filter in SNOOPING:
            snoop.subscribe(topic_filter)
    victim = device(target, "home-b/th-1")
    api = service(access, API_USER, client_id="dampwatch-api-registry")
    sent = 12
    for seq in range(1, sent + 1):
        victim.publish(*reading("home-b", "th-1", seq))
    victim.publish(f"{PREFIX}/home-b/th-1/status", b'{"online": true}', retain=True)
    api.publish(f"{PREFIX}/_registry/home-b", b'{"consent": true, "rooms": {}}', retain=True)
    wait_for(ingest, sent)
    assert len(ingest.messages) == sent, "the ingest lost readings to someone else's subscription"
    assert [s.messages for s in snoops] == [[], []], (target.name, [s.topics() for s in snoops])
    close(ingest, victim, api, *snoops)


def test_a_last_will_cannot_speak_for_another_device(target: Target) -> None:
    access = target.access
    status = service(access, target.status_watcher)
    status.subscribe(f"{PREFIX}/home-b/+/status")
    forged = Will(f"{PREFIX}/home-b/th-1/status", b'{"online": false, "forged": true}')
    attacker = connect(access, ATTACKER, client_id=ATTACKER, will=forged)
    if attacker.connack is not None and not attacker.connack.is_failure:
        will_now = ReasonCode(PacketTypes.DISCONNECT, "Disconnect with will message")
        attacker.client.disconnect(reasoncode=will_now)
        attacker.client.loop_stop()
    time.sleep(QUIET_S)
    assert not [m for m in status.messages if b"forged" in m[1]], status.messages
    close(status)
    retained = service(access, target.status_watcher)
    retained.subscribe(f"{PREFIX}/home-b/+/status")
    time.sleep(0.5)
    assert not [m for m in retained.messages if b"forged" in m[1]], "a forged will was kept"
    close(retained)


@pytest.mark.parametrize("protocol", [mqtt.MQTTv311, mqtt.MQTTv5])
def test_anonymous_and_wrong_passwords_are_refused(target: Target, protocol: int) -> None:
    access = target.access
    for username, password in ((None, None), (ATTACKER, "wrong"), ("nobody", "x")):
        session = connect(access, username, password=password, protocol=protocol)
        assert session.connack is not None and session.connack.is_failure, (username, session)
    plain = connect(access, None, tls=False)
    assert plain.connack is not None and plain.connack.is_failure
    if not access.services_tls:  # a device's credentials are refused on the services' listener
        inside = connect(access, ATTACKER, tls=False, client_id=INGEST_ID)
        assert inside.connack is not None and inside.connack.is_failure


def test_tls_works_and_the_tls_port_refuses_plain_mqtt_and_strange_cas(
    target: Target, strange_ca: Path
) -> None:
    access = target.access
    good = device(target, ATTACKER)
    good.close()
    plain = connect(access, ATTACKER, tls=False, port=access.tls_port)
    assert plain.connack is None, "plain MQTT got an answer on the TLS port"
    stranger = connect(access, ATTACKER, ca=strange_ca, client_id=ATTACKER)
    assert stranger.connack is None, "a server certificate from another CA was accepted"


def test_the_same_snooping_sees_everything_on_an_open_broker(
    mosquitto_factory: Callable[..., MosquittoServer],
) -> None:
    """Control for the tests above: the attacks do reach what an ACL does not forbid."""
    broker = mosquitto_factory()
    access = BrokerAccess("open", broker.port, broker.port, Path(), {})
    snoop = connect(access, None, tls=False)
    hijack_victim = connect(access, None, tls=False, client_id=INGEST_ID)
    try:
        for topic_filter in SNOOPING:
            snoop.subscribe(topic_filter)
        other = connect(access, None, tls=False)
        other.publish(f"{PREFIX}/home-b/th-1/status", b'{"online": true}', retain=True)
        other.publish(f"{PREFIX}/_registry/home-b", b"{}", retain=True)
        hijack = connect(access, None, tls=False, client_id=INGEST_ID)
        time.sleep(QUIET_S)
        topics = set(snoop.topics())
        assert {f"{PREFIX}/home-b/th-1/status", f"{PREFIX}/_registry/home-b"} <= topics
        assert any(topic.startswith("$SYS/") for topic in topics)
        assert hijack.up and not hijack_victim.up, "taking a client id drops its owner"
        close(other, hijack)
    finally:
        close(snoop, hijack_victim)
