"""Keeps the retained `{prefix}/_registry/{home}` messages the ingest reads in step with SQL."""

from __future__ import annotations

import json
import logging

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from dampwatch.topics import registry_topic
from dampwatch_api.broker.link import BrokerLink, BrokerUnavailable
from dampwatch_api.registry.models import Device, Home

_LOGGER = logging.getLogger(__name__)


def home_consents(home: Home) -> bool:
    """A home's data may be stored unless one of its tenants has not consented."""
    return all(tenant.consent for tenant in home.tenants)


def registry_payload(home: Home) -> bytes:
    """`{"consent": bool, "rooms": {device: room}}` for the home's installed devices."""
    rooms = {
        device.device_id: device.room.room_id
        for device in home.devices
        if device.removed_at is None and device.room is not None
    }
    return json.dumps({"consent": home_consents(home), "rooms": rooms}, sort_keys=True).encode()


class RegistryPublisher:
    """Publishes one home's facts after each change, and all of them after every reconnect."""

    def __init__(
        self,
        link: BrokerLink | None,
        sessions: sessionmaker[Session],
        prefix: str,
        timeout_s: float,
    ) -> None:
        self._link = link
        self._sessions = sessions
        self._prefix = prefix
        self._timeout_s = timeout_s
        self.failures = 0

    def _load(self, session: Session, home_ids: list[str] | None) -> list[Home]:
        query = select(Home).options(
            selectinload(Home.devices).selectinload(Device.room), selectinload(Home.tenants)
        )
        if home_ids is not None:
            query = query.where(Home.home_id.in_(home_ids))
        return list(session.scalars(query))

    def publish_home(self, home_id: str) -> bool:
        """Publish the home's facts, or an empty retained message when it was deleted."""
        if self._link is None:
            return False
        with self._sessions() as session:
            homes = self._load(session, [home_id])
            payload = registry_payload(homes[0]) if homes else b""
        try:
            self._link.publish_retained(
                registry_topic(home_id, self._prefix), payload, self._timeout_s
            )
        except BrokerUnavailable as error:
            # The full sync after the next reconnect publishes it.
            self.failures += 1
            _LOGGER.warning("registry of %s not published yet: %s", home_id, error)
            return False
        return True

    def publish_all(self) -> int:
        """Publish every home's facts; returns how many were published."""
        if self._link is None:
            return 0
        with self._sessions() as session:
            messages = [
                (registry_topic(home.home_id, self._prefix), registry_payload(home))
                for home in self._load(session, None)
            ]
        published = 0
        for topic, payload in messages:
            try:
                self._link.publish_retained(topic, payload, self._timeout_s)
            except BrokerUnavailable as error:
                self.failures += 1
                _LOGGER.warning("registry sync interrupted: %s", error)
                break
            published += 1
        return published
