"""Configuration: a good file loads; a bad one is one clear line naming the key, exit code 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from dampwatch_gateway.config import ConfigError, load_config, parse_config
from dampwatch_gateway.main import main

EXAMPLE = Path(__file__).resolve().parents[2] / "gateway" / "gateway.example.toml"


def test_the_shipped_example_is_valid(tmp_path: Path) -> None:
    text = EXAMPLE.read_text().replace("/etc/dampwatch/uplink.password", str(tmp_path / "pw"))
    (tmp_path / "pw").write_text("secret\n")
    text = text.replace('tls_ca = "/etc/dampwatch/ca.pem"\n', "")
    path = tmp_path / "gateway.toml"
    path.write_text(text)
    config = load_config(path)
    assert config.uplink.password_value() == "secret"
    assert {s.source_key[0] for s in config.sensors} == {
        "ble_mac",
        "zigbee2mqtt",
        "tasmota",
        "esphome",
        "native",
    }


def _base(**overrides: object) -> dict:
    document: dict = {"home_id": "home-1", "uplink": {"host": "broker.example"}}
    document.update(overrides)
    return document


def test_defaults() -> None:
    config = parse_config(_base())
    assert config.interval_s == 60 and config.aggregate == "mean"
    assert config.uplink.batch_size == 1000
    assert config.client_id(config.uplink, "up") == "dampwatch-gw-home-1-gateway-up"
    provisioned = parse_config(
        _base(uplink={"host": "b", "username": "home-1/gw", "password": "p"})
    )
    assert provisioned.client_id(provisioned.uplink, "up") == "home-1/gw"  # bound by the broker
    assert config.queue.budget_bytes == 64 * 1024 * 1024


def test_mac_addresses_are_normalised() -> None:
    config = parse_config(_base(sensors=[{"device": "d1", "ble_mac": "a4c1380283f4"}]))
    assert config.sensors[0].ble_mac == "A4:C1:38:02:83:F4"


def test_relative_paths_are_taken_from_the_config_file(tmp_path: Path) -> None:
    (tmp_path / "gw.toml").write_text('home_id = "h"\n[uplink]\n[queue]\npath = "q.db"\n')
    assert load_config(tmp_path / "gw.toml").queue.path == tmp_path / "q.db"


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"uplink": {}}, "home_id: required key is missing"),
        (_base(home_id="bad home"), "home_id: 'bad home' is not a valid id"),
        (_base(uplink={"hots": "x"}), "uplink.hots: unknown key"),
        (_base(uplink={"port": 70000}), "uplink.port: Input should be less than or equal to 65535"),
        (_base(interval_s=0), "interval_s: Input should be greater than or equal to 1"),
        (_base(aggregate="median"), "aggregate: Input should be 'mean' or 'latest'"),
        (
            _base(uplink={"password": "a", "password_file": "/nonexistent"}),
            "uplink: set either password or password_file, not both",
        ),
        (_base(uplink={"password_file": "/nonexistent"}), "uplink: password_file: /nonexistent"),
        (_base(uplink={"tls_cert": "/x"}), "uplink: tls_cert and tls_key go together"),
        (_base(sensors=[{"device": "d1"}]), "sensors[0]: give exactly one of ble_mac"),
        (
            _base(sensors=[{"device": "d1", "ble_mac": "A4:C1", "room": "bathroom"}]),
            "sensors[0].ble_mac: 'A4:C1' is not a MAC address",
        ),
        (
            _base(sensors=[{"device": "d1", "zigbee2mqtt": "a", "tasmota": "b"}]),
            "found: zigbee2mqtt, tasmota",
        ),
        (
            _base(sensors=[{"device": "d1", "zigbee2mqtt": "a"}, {"device": "d1", "native": "b"}]),
            "sensors[1].device 'd1' is used twice",
        ),
        (
            _base(sensors=[{"device": "d1", "zigbee2mqtt": "a"}, {"device": "d2", "zigbee2mqtt": "a"}]),  # noqa: E501
            "sensors[1] maps ('zigbee2mqtt', 'a') a second time",
        ),
        (
            _base(sensors=[{"device": "d1", "esphome": "n", "esphome_sensors": {"t": "warmth"}}]),
            "sensors[0].esphome_sensors.t: Input should be 'temperature_c'",
        ),
        (_base(sensors=[{"device": "d1", "native": "x", "tasmota_sensor": "AM2301"}]), "tasmota_sensor needs tasmota"),  # noqa: E501
        (_base(queue={"disk_budget_mb": 0}), "queue.disk_budget_mb: Input should be greater than 0"),  # noqa: E501
    ],
)  # fmt: skip
def test_bad_configs_name_the_key(document: dict, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(document)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_main_exits_2_with_one_line_for_a_bad_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "gw.toml"
    path.write_text('home_id = "h"\n[uplink]\nport = "x"\n')
    assert main(["--config", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "uplink.port" in err

    path.write_text("home_id = \n")
    assert main(["--config", str(path)]) == 2
    assert "is not valid TOML" in capsys.readouterr().err

    assert main(["--config", str(tmp_path / "missing.toml")]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_main_check_flag(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "gw.toml"
    path.write_text('home_id = "h"\n[uplink]\n[[sensors]]\ndevice = "d"\nzigbee2mqtt = "s"\n')
    assert main(["--config", str(path), "--check"]) == 0
    assert "1 sensors" in capsys.readouterr().out


def test_cli_without_config_is_exit_2() -> None:
    with pytest.raises(SystemExit) as caught:
        main([])
    assert caught.value.code == 2
