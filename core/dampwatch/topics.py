"""MQTT topics of contract v1: `{prefix}/{home_id}/{device_id}/{reading|status}`."""

from __future__ import annotations

from dataclasses import dataclass

from dampwatch.const import (
    DEFAULT_TOPIC_PREFIX,
    ID_RE,
    READING_LEAF,
    REGISTRY_BRANCH,
    STATUS_LEAF,
)


class TopicError(ValueError):
    """A topic outside the contract."""


@dataclass(frozen=True, slots=True)
class DeviceTopic:
    """The identity a topic carries: the broker's ACL ties it to the client's credentials."""

    home_id: str
    device_id: str
    leaf: str


def is_valid_id(value: str) -> bool:
    """True when `value` is a valid home or device id."""
    return ID_RE.fullmatch(value) is not None


def _check_id(kind: str, value: str) -> str:
    if not is_valid_id(value):
        raise TopicError(f"invalid {kind} id {value!r}")
    return value


def reading_topic(home_id: str, device_id: str, prefix: str = DEFAULT_TOPIC_PREFIX) -> str:
    """Topic a device publishes its readings to."""
    return f"{prefix}/{_check_id('home', home_id)}/{_check_id('device', device_id)}/{READING_LEAF}"


def status_topic(home_id: str, device_id: str, prefix: str = DEFAULT_TOPIC_PREFIX) -> str:
    """Retained status topic of a device or gateway."""
    return f"{prefix}/{_check_id('home', home_id)}/{_check_id('device', device_id)}/{STATUS_LEAF}"


def registry_topic(home_id: str, prefix: str = DEFAULT_TOPIC_PREFIX) -> str:
    """Retained registry facts for a home (rooms, consent), written only by the API."""
    return f"{prefix}/{REGISTRY_BRANCH}/{_check_id('home', home_id)}"


def reading_filter(prefix: str = DEFAULT_TOPIC_PREFIX, share_group: str | None = None) -> str:
    """Subscription filter for every home's readings, optionally as a shared subscription."""
    topic_filter = f"{prefix}/+/+/{READING_LEAF}"
    return f"$share/{share_group}/{topic_filter}" if share_group else topic_filter


def registry_filter(prefix: str = DEFAULT_TOPIC_PREFIX) -> str:
    """Subscription filter for the registry branch."""
    return f"{prefix}/{REGISTRY_BRANCH}/+"


def parse_device_topic(topic: str, prefix: str = DEFAULT_TOPIC_PREFIX) -> DeviceTopic:
    """Split a reading or status topic into home, device and leaf, or raise TopicError."""
    head = prefix + "/"
    if not topic.startswith(head):
        raise TopicError(f"topic {topic!r} is outside prefix {prefix!r}")
    parts = topic[len(head) :].split("/")
    if len(parts) != 3 or parts[2] not in (READING_LEAF, STATUS_LEAF):
        raise TopicError(f"topic {topic!r} is not {prefix}/<home>/<device>/reading|status")
    home_id, device_id, leaf = parts
    return DeviceTopic(_check_id("home", home_id), _check_id("device", device_id), leaf)
