"""Read docker-compose.yml and .env.example the way `docker compose` interpolates them."""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path
from typing import Any

import yaml
from pydantic_settings import BaseSettings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"
# `${NAME}`, `${NAME:-default}`, `${NAME-default}`, `${NAME:?message}`, `${NAME?message}`
VARIABLE = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")
DEPLOYABLES = (
    "dampwatch",
    "dampwatch_ingest",
    "dampwatch_api",
    "dampwatch_sim",
    "dampwatch_gateway",
    "dampwatch_grafana",
)


def load_compose() -> dict[str, Any]:
    """The compose file as YAML data, anchors and merge keys resolved, variables not."""
    data: dict[str, Any] = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    return data


def env_example() -> dict[str, str]:
    """The KEY=value lines of .env.example."""
    values = {}
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


def interpolate(text: str, env: dict[str, str]) -> str:
    """Substitute variables like compose does; a missing `:?` variable raises KeyError."""

    def substitute(match: re.Match[str]) -> str:
        name, op, arg = match["name"], match["op"], match["arg"] or ""
        value = env.get(name)
        if op in (":?", "?") and (value is None or (op == ":?" and value == "")):
            raise KeyError(f"{name}: {arg}")
        if op in (":-", "-") and (value is None or (op == ":-" and value == "")):
            return arg
        return value or ""

    return VARIABLE.sub(substitute, text.replace("$$", "\0")).replace("\0", "$")


def service_environment(service: dict[str, Any], env: dict[str, str]) -> dict[str, str]:
    """A service's container environment after interpolation."""
    raw = service.get("environment") or {}
    if isinstance(raw, list):
        raw = dict(item.split("=", 1) for item in raw)
    return {key: interpolate(str(value), env) for key, value in raw.items()}


def settings_variables() -> set[str]:
    """Every environment variable a pydantic-settings class of any deployable reads."""
    for package_name in DEPLOYABLES:
        package = importlib.import_module(package_name)
        for module in pkgutil.walk_packages(package.__path__, f"{package_name}."):
            # Alembic's migration scripts run on import; they define no settings.
            if ".migrations" not in module.name:
                importlib.import_module(module.name)
    names: set[str] = set()
    pending: list[type[BaseSettings]] = [BaseSettings]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        prefix = str(cls.model_config.get("env_prefix", "")).upper()
        names.update(prefix + field.upper() for field in cls.model_fields)
    return names
