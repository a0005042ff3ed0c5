"""BLE scanning with bleak, on its own thread, where a radio exists.

bleak is imported only when scanning is enabled. A missing package, adapter or D-Bus is a
clear log line and a `ble` state in the status; the other sources keep working and the scan
is retried with backoff, for a USB adapter plugged in later.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from typing import Any, Final

from dampwatch_gateway.config import BleConfig
from dampwatch_gateway.decoders.ble import (
    AD_SERVICE_DATA_16 as SERVICE_DATA_16,
)
from dampwatch_gateway.decoders.ble import (
    BTHOME_V1_UUID16,
    ENVIRONMENTAL_SENSING_UUID16,
    MIBEACON_UUID16,
    ble_sample,
    decode_service_data,
    uuid16_of,
)
from dampwatch_gateway.decoders.bthome import BTHOME_UUID16
from dampwatch_gateway.events import BleChanged, BleSample, DecodeFailed, Event
from dampwatch_gateway.samples import DecodeError

_LOGGER = logging.getLogger(__name__)
SENSOR_UUIDS: Final = frozenset(
    {ENVIRONMENTAL_SENSING_UUID16, BTHOME_UUID16, BTHOME_V1_UUID16, MIBEACON_UUID16}
)
RETRY_MIN_S: Final = 30.0
RETRY_MAX_S: Final = 600.0


def service_data_events(
    address: str, rssi: int | None, service_data: dict[str, bytes]
) -> list[Event]:
    """Events for the sensor frames in one advertisement's service data."""
    events: list[Event] = []
    for uuid, data in service_data.items():
        uuid16 = uuid16_of(uuid)
        if uuid16 not in SENSOR_UUIDS:
            continue
        try:
            frame = decode_service_data(uuid16, bytes(data))
        except DecodeError as error:
            events.append(DecodeFailed("ble", error.reason, error.detail))
            continue
        events.append(BleSample(ble_sample(frame, address, rssi)))
    return events


class BleScanner:
    """Runs a BleakScanner until stopped; hands decoded frames to the engine."""

    def __init__(self, config: BleConfig, events: queue.SimpleQueue[Event]) -> None:
        self._config = config
        self._events = events
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._main, name="ble-scan", daemon=True)

    def start(self) -> None:
        """Start scanning in the background."""
        self._thread.start()

    def stop(self) -> None:
        """Stop scanning and wait briefly for the thread."""
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout=5)

    def _main(self) -> None:
        try:
            asyncio.run(self._scan_forever())
        except Exception as error:  # the radio must never take the gateway down
            _LOGGER.exception("BLE scanning stopped: %s", error)
            self._events.put(BleChanged(f"stopped: {error}"))

    async def _scan_forever(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        try:
            from bleak import BleakScanner  # noqa: PLC0415
        except ImportError:
            message = "bleak is not installed (pip install 'dampwatch[gateway]')"
            _LOGGER.error("BLE scanning unavailable: %s; other sources keep working", message)
            self._events.put(BleChanged(f"unavailable: {message}"))
            return
        delay = RETRY_MIN_S
        last_error = ""
        while not self._stop.is_set():
            try:
                await self._scan(BleakScanner)
                return
            except Exception as error:  # bleak raises BleakError, D-Bus and OS errors alike
                text = f"{type(error).__name__}: {error}"
                if text != last_error:
                    _LOGGER.error(
                        "BLE scanning unavailable (%s); other sources keep working, "
                        "retrying every %.0f s at most",
                        text,
                        RETRY_MAX_S,
                    )
                    last_error = text
                self._events.put(BleChanged(f"unavailable: {text}"))
            try:
                await asyncio.wait_for(self._stop.wait(), timeout=delay)
            except TimeoutError:
                delay = min(delay * 2, RETRY_MAX_S)

    async def _scan(self, scanner_class: Any) -> None:
        assert self._stop is not None

        def detected(device: Any, advertisement: Any) -> None:
            for event in service_data_events(
                device.address, advertisement.rssi, advertisement.service_data
            ):
                self._events.put(event)

        bluez: dict[str, Any] = {}
        if self._config.adapter:
            bluez["adapter"] = self._config.adapter
        if self._config.scanning_mode == "passive":
            # BlueZ passive scanning needs or-patterns: service data that starts with our UUIDs
            from bleak.args.bluez import OrPattern  # noqa: PLC0415
            from bleak.assigned_numbers import AdvertisementDataType  # noqa: PLC0415

            service_data = AdvertisementDataType(SERVICE_DATA_16)
            bluez["or_patterns"] = [
                OrPattern(0, service_data, uuid.to_bytes(2, "little")) for uuid in SENSOR_UUIDS
            ]
        options: dict[str, Any] = {"scanning_mode": self._config.scanning_mode, "bluez": bluez}
        async with scanner_class(detection_callback=detected, **options):
            self._events.put(BleChanged("scanning"))
            _LOGGER.info("BLE scanning (%s) started", self._config.scanning_mode)
            await self._stop.wait()
