"""Room and consent from the API's retained registry messages, cached on disk."""

import json

import pytest

from dampwatch_ingest.registry import Registry


def test_rooms_consent_and_forgetting(tmp_path):
    registry = Registry(tmp_path / "registry.json")
    assert registry.consents("h1") and registry.room("h1", "d1") is None
    registry.update("h1", json.dumps({"consent": False, "rooms": {"d1": "kitchen"}}).encode())
    assert not registry.consents("h1")
    assert registry.room("h1", "d1") == "kitchen"
    assert Registry(tmp_path / "registry.json").room("h1", "d1") == "kitchen"  # survives restart
    registry.update("h1", b"")
    assert registry.consents("h1") and registry.room("h1", "d1") is None


@pytest.mark.parametrize("payload", [b"[]", b'{"consent": "no"}', b'{"rooms": []}', b"{"])
def test_bad_registry_messages_are_errors(payload):
    with pytest.raises(ValueError):
        Registry().update("h1", payload)


def test_unreadable_cache_is_ignored(tmp_path):
    (tmp_path / "registry.json").write_text("{broken")
    assert Registry(tmp_path / "registry.json").consents("anything")
