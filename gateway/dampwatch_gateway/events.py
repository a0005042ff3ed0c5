"""Events the network threads hand to the engine; only the engine touches the queue file."""

from __future__ import annotations

from dataclasses import dataclass

from dampwatch_gateway.samples import Sample


@dataclass(frozen=True, slots=True)
class LocalMessage:
    """A message from the home's broker."""

    topic: str
    payload: bytes
    mid: int
    qos: int
    retained: bool


@dataclass(frozen=True, slots=True)
class BleSample:
    """A decoded BLE advertisement."""

    sample: Sample


@dataclass(frozen=True, slots=True)
class DecodeFailed:
    """A frame of a known sensor format that did not decode."""

    source: str
    reason: str
    detail: str


@dataclass(frozen=True, slots=True)
class Acked:
    """The uplink broker acknowledged message `mid` (PUBACK)."""

    mid: int


@dataclass(frozen=True, slots=True)
class UplinkChanged:
    """The uplink connection came up or went down."""

    connected: bool
    detail: str


@dataclass(frozen=True, slots=True)
class BleChanged:
    """The BLE scanner's state, as shown in the status."""

    state: str


@dataclass(frozen=True, slots=True)
class Wake:
    """Nothing happened; look at the clock and the stop flag."""


Event = LocalMessage | BleSample | DecodeFailed | Acked | UplinkChanged | BleChanged | Wake
