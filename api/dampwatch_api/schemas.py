"""Request and response bodies of the registry resources."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from dampwatch.const import ID_PATTERN
from dampwatch_api.auth.strength import weakness
from dampwatch_api.registry.models import ConsentPurpose, Role, RoomKind


def _storable(value: str) -> str:
    # PostgreSQL cannot store NUL in text (SQLite can): refuse it the same way on both.
    if "\x00" in value:
        raise ValueError("text may not contain NUL characters")
    return value


Storable = AfterValidator(_storable)
PublicId = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")]
Text = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), Storable
]
Label = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), Storable
]
# Columns of 50 characters: a device's type, a consent wording's version.
ShortLabel = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50), Storable
]
Postcode = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=2, max_length=16), Storable
]
Address = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500), Storable
]
Password = Annotated[str, StringConstraints(min_length=12, max_length=200)]


VULNERABILITIES = (
    "child_under_5",
    "over_65",
    "respiratory_condition",
    "disability",
    "pregnancy",
    "immunocompromised",
)
VulnerabilityFlag = Annotated[
    str, StringConstraints(pattern="^(" + "|".join(VULNERABILITIES) + ")$")
]


class Out(BaseModel):
    """Responses read straight from ORM objects."""

    model_config = ConfigDict(from_attributes=True)


class HomeIn(BaseModel):
    """A new home."""

    home_id: PublicId
    address: Address
    postcode: Postcode
    landlord_ref: Label | None = None
    portfolio: Label
    patch: Label | None = None
    vulnerabilities: list[VulnerabilityFlag] = Field(default_factory=list, max_length=10)


class HomePatch(BaseModel):
    """Changes to a home; omitted fields stay."""

    address: Address | None = None
    postcode: Postcode | None = None
    landlord_ref: Label | None = None
    portfolio: Label | None = None
    patch: Label | None = None
    vulnerabilities: list[VulnerabilityFlag] | None = Field(default=None, max_length=10)


class HomeOut(Out):
    """A home."""

    home_id: str
    address: str
    postcode: str
    landlord_ref: str | None
    portfolio: str
    patch: str | None
    vulnerabilities: list[str]
    created_at: datetime


class RoomIn(BaseModel):
    """A new room."""

    room_id: Slug
    name: Label
    kind: RoomKind


class RoomPatch(BaseModel):
    """Changes to a room."""

    name: Label | None = None
    kind: RoomKind | None = None


class RoomOut(Out):
    """A room."""

    room_id: str
    name: str
    kind: RoomKind


class MqttCredentials(BaseModel):
    """Shown once, when a device or gateway is created: the broker keeps only a hash."""

    username: str
    password: str
    client_id: str = Field(
        description="the only client id the broker accepts these credentials with"
    )
    topic_prefix: str


class DeviceIn(BaseModel):
    """A new device."""

    device_id: PublicId
    device_type: ShortLabel
    room_id: Slug | None = None
    expected_interval_s: int = Field(default=300, ge=10, le=86_400)
    battery_powered: bool = True


class DevicePatch(BaseModel):
    """Changes to a device (moving it to another room, or out of any with `null`)."""

    device_type: ShortLabel | None = None
    room_id: Slug | None = None
    expected_interval_s: int | None = Field(default=None, ge=10, le=86_400)
    battery_powered: bool | None = None


class DeviceOut(BaseModel):
    """A device."""

    device_id: str
    device_type: str
    room_id: str | None
    expected_interval_s: int
    battery_powered: bool
    mqtt_username: str | None
    installed_at: datetime
    removed_at: datetime | None


class DeviceCreated(DeviceOut):
    """A created device with its MQTT credentials (null when the broker is not provisioned)."""

    mqtt: MqttCredentials | None


class GatewayIn(BaseModel):
    """A new gateway."""

    gateway_id: PublicId
    name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100), Storable] = ""


class GatewayOut(Out):
    """A gateway."""

    gateway_id: str
    name: str
    mqtt_username: str | None
    installed_at: datetime
    removed_at: datetime | None


class GatewayCreated(GatewayOut):
    """A created gateway with its MQTT credentials."""

    mqtt: MqttCredentials | None


class TenantIn(BaseModel):
    """A new tenancy; consent starts as given here and is recorded in the history."""

    name: Text
    email: (
        Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+$", max_length=320)] | None
    ) = None
    username: Label | None = None
    consent: bool = False
    consent_version: ShortLabel = "1"


class TenantOut(Out):
    """A tenancy."""

    id: int
    name: str
    email: str | None
    consent: bool
    consent_version: str | None
    consent_at: datetime | None


class ConsentIn(BaseModel):
    """Give or withdraw consent for a purpose (`tenant_id` needed when staff record it).

    `monitoring`: readings are collected from the home. `statistics`: the home is counted in
    published area statistics (on unless the tenant opts out).
    """

    granted: bool
    version: ShortLabel = "1"
    tenant_id: int | None = None
    purpose: ConsentPurpose = ConsentPurpose.MONITORING


class ConsentEventOut(Out):
    """One recorded change of consent."""

    purpose: ConsentPurpose
    granted: bool
    version: str
    recorded_at: datetime
    recorded_by: str


class TenantConsentOut(BaseModel):
    """One tenant's consent and its history."""

    tenant_id: int
    consent: bool
    statistics: bool
    version: str | None
    history: list[ConsentEventOut]


class ConsentOut(BaseModel):
    """The home's consent: true unless a tenant has not consented; with each tenant's history.

    `statistics`: the home is counted in published area statistics (no tenant opted out).
    """

    home_id: str
    consent: bool
    statistics: bool
    tenants: list[TenantConsentOut]


class UserIn(BaseModel):
    """A new user: officers carry portfolios, tenants a home."""

    username: Label
    password: Password
    role: Role
    portfolios: list[Label] = Field(default_factory=list, max_length=50)
    home_id: PublicId | None = None

    @model_validator(mode="after")
    def _strong_password(self) -> UserIn:
        if reason := weakness(self.password, [self.username]):
            raise ValueError(f"the password is too weak: {reason}")
        return self


class UserPatch(BaseModel):
    """Changes to a user."""

    password: Password | None = None
    portfolios: list[Label] | None = Field(default=None, max_length=50)
    active: bool | None = None

    @field_validator("password")
    @classmethod
    def _strong_password(cls, password: str | None) -> str | None:
        if password is not None and (reason := weakness(password)):
            raise ValueError(f"the password is too weak: {reason}")
        return password


class UserOut(BaseModel):
    """A user (never the password hash)."""

    username: str
    role: Role
    portfolios: list[str]
    home_id: str | None
    active: bool
    created_at: datetime


class ApiKeyIn(BaseModel):
    """A new API key."""

    name: Label
    role: Role
    home_id: PublicId | None = None
    portfolios: list[Label] = Field(default_factory=list, max_length=50)


class ApiKeyOut(BaseModel):
    """An API key's facts (never the key)."""

    id: int
    name: str
    prefix: str
    role: Role
    home_id: str | None
    portfolios: list[str]
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyOut):
    """A created key: `key` is shown this once."""

    key: str


class TokenOut(BaseModel):
    """An OAuth2 access token."""

    access_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth2 token type, not a secret
    expires_in: int
