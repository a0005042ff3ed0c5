"""The two facts the API owns and the ingest needs: each device's room and each home's consent.

The API publishes them retained on `{prefix}/_registry/{home}`, a branch no device may write, as
`{"consent": bool, "rooms": {"device_id": "room"}}`. The ingest keeps the last copy on disk, so it
starts with what it knew even before the broker has replayed the retained messages.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class HomeFacts:
    """Registry facts of one home."""

    consent: bool = True
    rooms: dict[str, str] = field(default_factory=dict)


class Registry:
    """Thread-safe lookups of room and consent, fed by retained registry messages."""

    def __init__(self, cache_path: Path | None = None) -> None:
        self._homes: dict[str, HomeFacts] = {}
        self._lock = threading.Lock()
        self._cache_path = cache_path
        self._listeners: list[Callable[[str, bytes], None]] = []
        if cache_path is not None and cache_path.exists():
            self._load(cache_path)

    def room(self, home_id: str, device_id: str) -> str | None:
        """The room the registry assigns the device to, if any."""
        facts = self._homes.get(home_id)
        return facts.rooms.get(device_id) if facts else None

    def consents(self, home_id: str) -> bool:
        """False only when the home's tenant has withdrawn consent."""
        facts = self._homes.get(home_id)
        return facts.consent if facts else True

    def snapshot(self) -> dict[str, HomeFacts]:
        """A copy of every home's facts."""
        with self._lock:
            return dict(self._homes)

    def replace(self, homes: dict[str, HomeFacts]) -> None:
        """Take over the facts of another registry's snapshot."""
        with self._lock:
            self._homes = dict(homes)

    def add_listener(self, listener: Callable[[str, bytes], None]) -> None:
        """Call `listener(home_id, payload)` after each applied registry message."""
        self._listeners.append(listener)

    def update(self, home_id: str, payload: bytes) -> None:
        """Apply a registry message; an empty payload (retained delete) forgets the home."""
        self._apply(home_id, payload)
        for listener in self._listeners:
            listener(home_id, payload)

    def _apply(self, home_id: str, payload: bytes) -> None:
        if not payload:
            with self._lock:
                self._homes.pop(home_id, None)
            self._save()
            return
        document = json.loads(payload)
        if not isinstance(document, dict):
            raise ValueError("registry message must be a JSON object")
        rooms = document.get("rooms", {})
        consent = document.get("consent", True)
        if not isinstance(rooms, dict) or not isinstance(consent, bool):
            raise ValueError("registry message needs 'consent': bool and 'rooms': {device: room}")
        facts = HomeFacts(consent, {str(device): str(room) for device, room in rooms.items()})
        with self._lock:
            self._homes[home_id] = facts
        self._save()

    def _load(self, path: Path) -> None:
        try:
            document = json.loads(path.read_text())
            self._homes = {
                home: HomeFacts(bool(facts["consent"]), dict(facts["rooms"]))
                for home, facts in document.items()
            }
        except (OSError, ValueError, KeyError, TypeError) as error:
            _LOGGER.warning("ignoring unreadable registry cache %s: %s", path, error)

    def _save(self) -> None:
        if self._cache_path is None:
            return
        with self._lock:
            document = {
                home: {"consent": facts.consent, "rooms": facts.rooms}
                for home, facts in self._homes.items()
            }
        self._cache_path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self._cache_path.with_suffix(".tmp")
        temporary.write_text(json.dumps(document))
        os.replace(temporary, self._cache_path)
