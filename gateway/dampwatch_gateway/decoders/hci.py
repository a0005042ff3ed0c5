"""HCI LE advertising reports (legacy 0x02 and extended 0x0D), as raw HCI sniffers dump them."""

from __future__ import annotations

from typing import Final, NamedTuple

from dampwatch_gateway.decoders.ble import BleFrame, decode_advertising_data, format_mac
from dampwatch_gateway.samples import DecodeError

HCI_EVENT_PACKET: Final = 0x04
LE_META_EVENT: Final = 0x3E
LE_ADVERTISING_REPORT: Final = 0x02
LE_EXTENDED_ADVERTISING_REPORT: Final = 0x0D
_LEGACY_HEADER: Final = 10  # subevent, reports, event type, address type, address(6)
_EXTENDED_HEADER: Final = 25  # ... plus PHYs, SID, TX power, RSSI, interval, direct address


class AdvertisingReport(NamedTuple):
    """The advertiser's address, the advertisement bytes and the RSSI of one report."""

    address: str
    advertising_data: bytes
    rssi_dbm: int


def parse_hci_report(packet: bytes) -> AdvertisingReport:
    """The first report of an HCI LE Meta event (starting `04 3e`)."""
    if len(packet) < 4 or packet[0] != HCI_EVENT_PACKET or packet[1] != LE_META_EVENT:
        raise DecodeError("not_hci", "not an HCI LE Meta event")
    body = packet[3 : 3 + packet[2]]
    if not body or len(body) != packet[2]:
        raise DecodeError("truncated", "HCI event shorter than its length")
    subevent = body[0]
    if subevent == LE_ADVERTISING_REPORT:
        header = _LEGACY_HEADER
        rssi_index: int | None = None
    elif subevent == LE_EXTENDED_ADVERTISING_REPORT:
        header = _EXTENDED_HEADER
        rssi_index = 15
    else:
        raise DecodeError("not_hci", f"LE subevent 0x{subevent:02x} is not an advertising report")
    if len(body) < header + 1:
        raise DecodeError("truncated", "advertising report cut short")
    address_start = 4 if subevent == LE_ADVERTISING_REPORT else 5
    address = format_mac(body[address_start : address_start + 6][::-1])
    data_length = body[header]
    data = body[header + 1 : header + 1 + data_length]
    if len(data) != data_length:
        raise DecodeError("truncated", "advertising data shorter than its length")
    if rssi_index is None:
        if len(body) < header + 2 + data_length:
            raise DecodeError("truncated", "legacy report without its RSSI")
        rssi_raw = body[header + 1 + data_length]
    else:
        rssi_raw = body[rssi_index]
    rssi = rssi_raw - 256 if rssi_raw > 127 else rssi_raw
    return AdvertisingReport(address, data, rssi)


def decode_hci_report(packet: bytes) -> tuple[AdvertisingReport, BleFrame]:
    """Parse a report and decode its sensor frame; raises DecodeError for anything else."""
    report = parse_hci_report(packet)
    return report, decode_advertising_data(report.advertising_data)
