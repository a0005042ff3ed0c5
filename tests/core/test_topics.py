"""MQTT topics of contract v1."""

import pytest

from dampwatch.topics import (
    TopicError,
    is_valid_id,
    parse_device_topic,
    reading_filter,
    reading_topic,
    registry_topic,
    status_topic,
)


def test_format_and_parse_round_trip():
    topic = reading_topic("home-17", "sensor.bath_1")
    assert topic == "dampwatch/v1/home-17/sensor.bath_1/reading"
    parsed = parse_device_topic(topic)
    assert (parsed.home_id, parsed.device_id, parsed.leaf) == (
        "home-17",
        "sensor.bath_1",
        "reading",
    )
    assert parse_device_topic(status_topic("h", "gw")).leaf == "status"


def test_configurable_prefix():
    topic = reading_topic("h1", "d1", prefix="estate/a/v1")
    assert parse_device_topic(topic, prefix="estate/a/v1").home_id == "h1"
    with pytest.raises(TopicError):
        parse_device_topic(topic)


@pytest.mark.parametrize(
    "topic",
    [
        "dampwatch/v1/h1/d1",
        "dampwatch/v1/h1/d1/reading/extra",
        "dampwatch/v1/h1/d1/config",
        "dampwatch/v1/_registry/h1",
        "dampwatch/v1/-h/d1/reading",
        "dampwatch/v1/h 1/d1/reading",
        "dampwatch/v1//d1/reading",
        "dampwatch/v1/h1/" + "d" * 65 + "/reading",
        "other/v1/h1/d1/reading",
        "dampwatch/v2/h1/d1/reading",
    ],
)
def test_topics_outside_the_contract(topic):
    with pytest.raises(TopicError):
        parse_device_topic(topic)


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("a", True),
        ("A9_.-", True),
        ("x" * 64, True),
        ("x" * 65, False),
        ("_x", False),
        (".x", False),
        ("a/b", False),
        ("a+b", False),
        ("a#", False),
        ("ü", False),
        ("", False),
    ],
)
def test_id_pattern(value, valid):
    assert is_valid_id(value) is valid


def test_subscription_filters():
    assert reading_filter() == "dampwatch/v1/+/+/reading"
    assert reading_filter(share_group="ingest") == "$share/ingest/dampwatch/v1/+/+/reading"


def test_registry_branch_cannot_be_a_home():
    assert registry_topic("h1") == "dampwatch/v1/_registry/h1"
    assert not is_valid_id("_registry")
