"""Which configured device a sample belongs to; samples of unknown sensors are only listed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from dampwatch_gateway.config import GatewayConfig, SensorConfig
from dampwatch_gateway.samples import Sample, SourceKind

_CONFIG_KEY = {
    SourceKind.BLE: "ble_mac",
    SourceKind.ZIGBEE2MQTT: "zigbee2mqtt",
    SourceKind.TASMOTA: "tasmota",
    SourceKind.ESPHOME: "esphome",
    SourceKind.NATIVE: "native",
}


@dataclass(frozen=True, slots=True)
class MappedSensor:
    """A configured sensor: its device id, room, how to find it and when it counts as silent."""

    device: str
    room: str | None
    source: str
    silent_after_s: float
    esphome_fields: Mapping[str, str] | None = None


class SensorMap:
    """Looks samples up by (source, address), as the configuration's `[[sensors]]` name them."""

    def __init__(self, config: GatewayConfig) -> None:
        self._by_source: dict[tuple[str, str], MappedSensor] = {}
        for sensor in config.sensors:
            key = sensor.source_key
            self._by_source[key] = _mapped(sensor, key, config.silent_after_s)

    @property
    def sensors(self) -> list[MappedSensor]:
        """Every configured sensor."""
        return list(self._by_source.values())

    def resolve(self, sample: Sample, sole_sensor: bool = True) -> MappedSensor | None:
        """The device a sample belongs to, or None when its sensor is not configured.

        A Tasmota board with several sensors needs `tasmota_sensor` for each; the board's topic
        alone maps a sample only when the message carried a single sensor.
        """
        kind = _CONFIG_KEY[sample.source]
        if sample.source is SourceKind.TASMOTA and sample.sub_address:
            found = self._by_source.get((kind, f"{sample.address}/{sample.sub_address}"))
            if found is not None or not sole_sensor:
                return found
        return self._by_source.get((kind, sample.address))

    def esphome_fields(self, node: str) -> Mapping[str, str] | None:
        """The configured sensor-name → field mapping of an ESPHome node."""
        found = self._by_source.get(("esphome", node))
        return found.esphome_fields if found is not None else None

    def esphome_nodes(self) -> list[str]:
        """Configured ESPHome nodes (their topic prefixes)."""
        return [address for kind, address in self._by_source if kind == "esphome"]


def _mapped(sensor: SensorConfig, key: tuple[str, str], silent_after_s: float) -> MappedSensor:
    return MappedSensor(
        device=sensor.device,
        room=sensor.room,
        source=f"{key[0]}:{key[1]}",
        silent_after_s=sensor.silent_after_s or silent_after_s,
        esphome_fields=sensor.esphome_sensors,
    )
