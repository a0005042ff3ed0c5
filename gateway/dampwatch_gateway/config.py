"""The gateway's TOML configuration, validated with pydantic; errors name the key and the fault."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any, Final, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from dampwatch.const import DEFAULT_RETENTION_DAYS, DEFAULT_TOPIC_PREFIX, MAX_READINGS_PER_MESSAGE
from dampwatch.topics import is_valid_id

ContractField = Literal[
    "temperature_c",
    "humidity_pct",
    "battery_pct",
    "battery_mv",
    "rssi_dbm",
    "co2_ppm",
    "surface_temperature_c",
    "pressure_hpa",
]
DEFAULT_QUEUE_PATH: Final = Path("/var/lib/dampwatch-gateway/queue.db")
_MAC_RE: Final = re.compile(r"^[0-9A-F]{12}$")
_SOURCE_KEYS: Final = ("ble_mac", "zigbee2mqtt", "tasmota", "esphome", "native")
_BASE_DIR: Final = "base_dir"


class ConfigError(ValueError):
    """A configuration that cannot be used; the message says which key and what is wrong."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_id(value: str) -> str:
    if not is_valid_id(value):
        raise ValueError(f"{value!r} is not a valid id (letters, digits, '_', '.', '-'; ≤ 64)")
    return value


def _relative_to_config(value: Path | None, info: ValidationInfo) -> Path | None:
    """Relative paths are taken from the configuration file's directory."""
    if value is None or value.is_absolute():
        return value
    base = (info.context or {}).get(_BASE_DIR)
    return Path(base) / value if base else value


class BrokerConfig(_Section):
    """An MQTT broker: address, credentials and TLS."""

    host: str = "127.0.0.1"
    port: int = Field(default=1883, ge=1, le=65535)
    client_id: str | None = None
    username: str | None = None
    password: SecretStr | None = None
    password_file: Path | None = None
    tls_ca: Path | None = None
    tls_cert: Path | None = None
    tls_key: Path | None = None
    keepalive_s: int = Field(default=60, ge=5, le=3600)

    _paths = field_validator("password_file", "tls_ca", "tls_cert", "tls_key")(_relative_to_config)

    @model_validator(mode="after")
    def _credentials(self) -> BrokerConfig:
        if self.password is not None and self.password_file is not None:
            raise ValueError("set either password or password_file, not both")
        if (self.tls_cert is None) != (self.tls_key is None):
            raise ValueError("tls_cert and tls_key go together")
        for name in ("password_file", "tls_ca", "tls_cert", "tls_key"):
            path: Path | None = getattr(self, name)
            if path is not None and not path.is_file():
                raise ValueError(f"{name}: {path} is not a readable file")
        return self

    def password_value(self) -> str | None:
        """The password, read from password_file when one is given."""
        if self.password_file is not None:
            return self.password_file.read_text(encoding="utf-8").strip("\r\n")
        return self.password.get_secret_value() if self.password is not None else None

    @property
    def tls(self) -> bool:
        """True when the connection uses TLS."""
        return self.tls_ca is not None or self.tls_cert is not None


class UplinkConfig(BrokerConfig):
    """The platform's broker that receives contract v1 readings."""

    topic_prefix: str = DEFAULT_TOPIC_PREFIX
    batch_size: int = Field(default=MAX_READINGS_PER_MESSAGE, ge=1, le=MAX_READINGS_PER_MESSAGE)
    max_inflight: int = Field(default=4, ge=1, le=64)
    reconnect_min_s: int = Field(default=1, ge=1)
    reconnect_max_s: int = Field(default=300, ge=1)


class LocalConfig(BrokerConfig):
    """The home's own broker, where Zigbee2MQTT, Tasmota and ESPHome publish."""

    zigbee2mqtt_topic: str | None = "zigbee2mqtt"
    tasmota: bool = True
    esphome: bool = True
    native_topic_prefix: str | None = DEFAULT_TOPIC_PREFIX


class QueueConfig(_Section):
    """The on-disk store-and-forward queue."""

    path: Path = DEFAULT_QUEUE_PATH
    disk_budget_mb: float = Field(default=64.0, gt=0)

    _path = field_validator("path")(_relative_to_config)

    @property
    def budget_bytes(self) -> int:
        """The disk budget in bytes."""
        return int(self.disk_budget_mb * 1024 * 1024)


class BleConfig(_Section):
    """Bluetooth LE scanning for pvvx, atc1441 and BTHome thermometers."""

    enabled: bool = False
    adapter: str | None = None
    scanning_mode: Literal["active", "passive"] = "active"


class SensorConfig(_Section):
    """One physical sensor, named by exactly one source address, and the device it is."""

    device: str
    room: str | None = None
    ble_mac: str | None = None
    zigbee2mqtt: str | None = None
    tasmota: str | None = None
    tasmota_sensor: str | None = None
    esphome: str | None = None
    esphome_sensors: dict[str, ContractField] | None = None
    native: str | None = None
    silent_after_s: float | None = Field(default=None, gt=0)

    _device = field_validator("device")(_check_id)

    @field_validator("ble_mac")
    @classmethod
    def _mac(cls, value: str | None) -> str | None:
        if value is None:
            return None
        digits = re.sub(r"[:\-]", "", value.strip()).upper()
        if not _MAC_RE.fullmatch(digits):
            raise ValueError(f"{value!r} is not a MAC address like A4:C1:38:02:83:F4")
        return ":".join(digits[i : i + 2] for i in range(0, 12, 2))

    @model_validator(mode="after")
    def _one_source(self) -> SensorConfig:
        given = [key for key in _SOURCE_KEYS if getattr(self, key) is not None]
        if len(given) != 1:
            found = ", ".join(given) or "none"
            raise ValueError(f"give exactly one of {', '.join(_SOURCE_KEYS)} (found: {found})")
        if self.tasmota_sensor is not None and self.tasmota is None:
            raise ValueError("tasmota_sensor needs tasmota")
        if self.esphome_sensors is not None and self.esphome is None:
            raise ValueError("esphome_sensors needs esphome")
        return self

    @property
    def source_key(self) -> tuple[str, str]:
        """(source, address) naming the physical sensor."""
        for key in _SOURCE_KEYS:
            value = getattr(self, key)
            if value is not None:
                sub = f"/{self.tasmota_sensor}" if key == "tasmota" and self.tasmota_sensor else ""
                return key, f"{value}{sub}"
        raise AssertionError("validated to have one source")


class GatewayConfig(_Section):
    """The whole gateway configuration."""

    home_id: str
    gateway_id: str = "gateway"
    interval_s: float = Field(default=60.0, ge=1, le=86400)
    aggregate: Literal["mean", "latest"] = "mean"
    silent_after_s: float = Field(default=7200.0, gt=0)
    status_interval_s: float = Field(default=60.0, ge=1)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    retention_days: int = Field(default=DEFAULT_RETENTION_DAYS, ge=1)
    uplink: UplinkConfig
    local: LocalConfig | None = None
    queue: QueueConfig = QueueConfig()
    ble: BleConfig = BleConfig()
    sensors: list[SensorConfig] = Field(default_factory=list)

    _ids = field_validator("home_id", "gateway_id")(_check_id)

    @model_validator(mode="after")
    def _unique(self) -> GatewayConfig:
        devices: set[str] = {self.gateway_id}
        sources: set[tuple[str, str]] = set()
        for index, sensor in enumerate(self.sensors):
            if sensor.device in devices:
                raise ValueError(f"sensors[{index}].device {sensor.device!r} is used twice")
            if sensor.source_key in sources:
                raise ValueError(f"sensors[{index}] maps {sensor.source_key} a second time")
            devices.add(sensor.device)
            sources.add(sensor.source_key)
        return self

    def client_id(self, broker: BrokerConfig, role: str) -> str:
        """The configured client id, else the username (brokers bind credentials to it)."""
        if broker.client_id:
            return broker.client_id
        if broker.username:
            return broker.username
        return f"dampwatch-gw-{self.home_id}-{self.gateway_id}-{role}"[:64]


def _location(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "config"


def describe(error: ValidationError) -> str:
    """Each problem as `key: what is wrong`, joined on one line."""
    problems = []
    for item in error.errors(include_url=False):
        message = str(item["msg"]).removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            message = "unknown key"
        elif item["type"] == "missing":
            message = "required key is missing"
        problems.append(f"{_location(tuple(item['loc']))}: {message}")
    return "; ".join(problems)


def parse_config(document: dict[str, Any], base_dir: Path | None = None) -> GatewayConfig:
    """Validate a configuration document (the parsed TOML)."""
    context = {_BASE_DIR: str(base_dir)} if base_dir is not None else {}
    try:
        return GatewayConfig.model_validate(document, context=context)
    except ValidationError as error:
        raise ConfigError(describe(error)) from None


def load_config(path: Path) -> GatewayConfig:
    """Read and validate a TOML configuration file."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"cannot read {path}: {error}") from None
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path} is not valid TOML: {error}") from None
    return parse_config(document, path.resolve().parent)
