"""Walk every operation of the API's own OpenAPI document (and every page) as an attacker.

Nothing here names a route: operations, their parameters and bodies come from the document the
running API serves, so a route added later is attacked as soon as it exists. Values are aimed
at the victim wherever a parameter's or field's name says what it is (`home_id`, `alert_id`,
`username`, ...); anything else gets a plain value of its type.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx

from dampwatch_api.policy import CALLER_ONLY_PATHS, PUBLIC_PATHS
from tests.e2e.attack_target import MARKERS, Target

UNSAFE = frozenset({"post", "put", "patch", "delete"})
# What a stranger may hear: not signed in, or not valid input (checked before the caller).
STRANGER_STATUSES = frozenset({401, 422})
LEAK_SIGNS = ("Traceback", 'File "', "site-packages", "sqlalchemy", "psycopg")
PARAMETER = re.compile(r"{(\w+)}")


@dataclass(frozen=True, slots=True)
class Operation:
    """One method on one path template, as the document describes it."""

    method: str
    template: str
    spec: dict[str, Any]

    @property
    def public(self) -> bool:
        """Needs no credentials."""
        return self.template in PUBLIC_PATHS

    def aimed(self) -> bool:
        """Names an object in its path (so, here, the victim's)."""
        return "{" in self.template


@dataclass(frozen=True, slots=True)
class Answer:
    """What one attack sent and got back."""

    caller: str
    method: str
    url: str
    sent: str
    status: int
    text: str
    location: str = ""

    def __str__(self) -> str:
        where = f" -> {self.location}" if self.location else ""
        said = self.text[:200]
        return f"{self.caller} {self.method.upper()} {self.url} -> {self.status}{where}: {said}"


def operations(document: dict[str, Any]) -> list[Operation]:
    """Every operation of the document except the caller-only ones (tested on their own)."""
    found = []
    for template, methods in document["paths"].items():
        if template in CALLER_ONLY_PATHS:
            continue
        for method, spec in methods.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                found.append(Operation(method, template, spec))
    return found


def aimed_value(name: str, victim: dict[str, str]) -> str:
    """The victim's value for a parameter or field of this name, or a plain guess."""
    if name in victim:
        return victim[name]
    aliases = {"home": "home_id", "room": "room_id", "device": "device_id", "user": "username"}
    if name in aliases:
        return victim[aliases[name]]
    if name == "portfolio":
        return "north"
    return "1" if name.endswith("_id") or name == "id" else "north"


def fill(template: str, victim: dict[str, str]) -> str:
    """A path template with every parameter aimed at the victim."""
    return PARAMETER.sub(lambda match: aimed_value(match.group(1), victim), template)


def _resolve(schema: dict[str, Any], document: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    if "anyOf" in schema:  # optional fields: the non-null branch
        branches = [branch for branch in schema["anyOf"] if branch.get("type") != "null"]
        schema = _resolve(branches[0], document) if branches else {}
    return schema


def example(
    name: str, schema: dict[str, Any], document: dict[str, Any], victim: dict[str, str]
) -> Any:
    """A value of the schema's type, the victim's where the name says what it is."""
    schema = _resolve(schema, document)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        properties = schema.get("properties", {})
        return {key: example(key, value, document, victim) for key, value in properties.items()}
    if kind == "array":
        return [example(name, schema.get("items", {}), document, victim)]
    if kind in ("integer", "number"):
        return int(aimed_value(name, victim)) if name.endswith("_id") else 1
    if kind == "boolean":
        return False
    if name in victim or name in ("home", "room", "portfolio", "username"):
        return aimed_value(name, victim)
    return "attack-value-Zz1"


def request_of(
    operation: Operation, document: dict[str, Any], victim: dict[str, str]
) -> dict[str, Any]:
    """httpx arguments for the operation aimed at the victim: path, query and body."""
    query = {
        parameter["name"]: aimed_value(parameter["name"], victim)
        for parameter in operation.spec.get("parameters", [])
        if parameter.get("in") == "query"
    }
    kwargs: dict[str, Any] = {"params": query}
    content = operation.spec.get("requestBody", {}).get("content", {})
    for media, spec in content.items():
        body = example("body", spec.get("schema", {}), document, victim)
        if media == "application/json":
            kwargs["json"] = body
        elif isinstance(body, dict):
            kwargs["data"] = {key: str(value) for key, value in body.items()}
        break
    return kwargs


def send(client: httpx.Client, caller: str, method: str, url: str, **kwargs: Any) -> Answer:
    """One request; what was sent is kept to tell echoed words from leaked ones."""
    response = client.request(method.upper(), url, **kwargs)
    sent = urllib.parse.unquote(str(response.request.url)) + response.request.content.decode(
        "utf-8", "replace"
    )
    location = response.headers.get("location", "")
    return Answer(caller, method, url, sent, response.status_code, response.text, location)


def problems(
    answer: Answer,
    *,
    intruder: bool,
    aimed: bool,
    public: bool,
    markers: tuple[str, ...] = MARKERS,
) -> Iterator[str]:
    """Everything wrong with one answer."""
    if answer.status >= 500:
        yield f"server error: {answer}"
    leaked = [marker for marker in markers if marker in answer.text and marker not in answer.sent]
    if leaked:
        yield f"another principal's data {leaked}: {answer}"
    if any(sign in answer.text for sign in LEAK_SIGNS):
        yield f"internals in the answer: {answer}"
    if not intruder and not public and answer.status not in STRANGER_STATUSES:
        yield f"a stranger was not refused: {answer}"
    if intruder and aimed and answer.method in UNSAFE and answer.status < 400:
        yield f"changed what is not the caller's: {answer}"


def snapshot(target: Target) -> dict[str, Any]:
    """Everything of the victim's (and the platform's users and keys) as the admin sees it."""
    home = f"/v1/homes/{target.victim['home_id']}"
    alert = f"/v1/alerts/{target.victim['alert_id']}"
    paths = [
        "/v1/homes",
        home,
        f"{home}/rooms",
        f"{home}/devices?include_removed=true",
        f"{home}/gateways",
        f"{home}/tenants",
        f"{home}/consent",
        f"{home}/readings/latest",
        alert,
        f"{alert}/events",
        "/v1/users",
        "/v1/apikeys",
    ]
    with target.client("admin") as client:
        return {path: client.get(path).json() for path in paths}
