"""docker-compose.yml, .env.example, Dockerfile: schema, pins, healthchecks, settings, files."""

from __future__ import annotations

import importlib
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from jsonschema import Draft7Validator
from pydantic import ValidationError

from tests.deploy.compose import (
    COMPOSE_FILE,
    ROOT,
    VARIABLE,
    env_example,
    interpolate,
    load_compose,
    service_environment,
    settings_variables,
)

SCHEMA = Path(__file__).parent / "schema" / "compose-spec.json"
SECRET_WORDS = ("PASSWORD", "TOKEN", "SECRET")
PLACEHOLDER = "change-me"

COMPOSE = load_compose()
SERVICES: dict[str, dict] = COMPOSE["services"]


def test_compose_file_matches_the_compose_specification_schema() -> None:
    validator = Draft7Validator(json.loads(SCHEMA.read_text()))
    errors = [f"{'/'.join(map(str, e.path))}: {e.message}" for e in validator.iter_errors(COMPOSE)]
    assert errors == []


def test_the_schema_rejects_a_broken_compose_file() -> None:
    validator = Draft7Validator(json.loads(SCHEMA.read_text()))
    broken = {"services": {"ingest": {"image": "x:1", "healthcheck": {"interval": 5}}}}
    assert list(validator.iter_errors(broken)), "the vendored schema must catch a wrong type"


def test_docker_compose_config_accepts_the_file(tmp_path: Path) -> None:
    docker = shutil.which("docker")
    if docker is None:
        pytest.skip("docker is not installed")
    probe = subprocess.run([docker, "compose", "version"], capture_output=True, check=False)
    if probe.returncode != 0:
        pytest.skip("the docker compose plugin is not installed here (no `docker compose`)")
    env_file = tmp_path / ".env"
    env_file.write_text((ROOT / ".env.example").read_text())
    result = subprocess.run(
        [docker, "compose", "-f", str(COMPOSE_FILE), "--env-file", str(env_file), "config", "-q"],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr


def _image(service: dict) -> str:
    return interpolate(service["image"], env_example())


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_every_image_is_pinned(name: str) -> None:
    image = _image(SERVICES[name])
    repository, _, tag = image.rpartition(":") if "@" not in image else (image, "", "")
    assert "@sha256:" in image or (repository and re.fullmatch(r"\d+(\.\d+)+[\w.-]*", tag)), (
        f"{name}: image {image!r} is not pinned to a version or digest"
    )


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_every_service_has_a_healthcheck(name: str) -> None:
    check = SERVICES[name].get("healthcheck") or {}
    assert not check.get("disable"), name
    assert check.get("test") and check["test"] != ["NONE"], f"{name} has no healthcheck"


def test_dependencies_wait_for_health() -> None:
    for name, service in SERVICES.items():
        for dependency, rule in (service.get("depends_on") or {}).items():
            # One-shot set-up services (`*-init`) are waited for until they finish.
            wanted = (
                "service_completed_successfully"
                if dependency.endswith("-init")
                else "service_healthy"
            )
            assert rule == {"condition": wanted}, f"{name} -> {dependency}"


def test_ingest_scales_out_through_the_shared_subscription() -> None:
    ingest = SERVICES["ingest"]
    assert "container_name" not in ingest, "a fixed name prevents --scale"
    env = service_environment(ingest, env_example())
    assert env["DAMPWATCH_INGEST_SHARE_GROUP"]
    assert "DAMPWATCH_INGEST_CLIENT_ID" not in env, "each replica derives its own client id"
    assert "ports" not in ingest, "replicas cannot share a published port"


def test_assess_scales_out_through_partition_leases() -> None:
    assess = SERVICES["assess"]
    assert "container_name" not in assess, "a fixed name prevents --scale"
    assert "ports" not in assess, "replicas cannot share a published port"
    env = service_environment(assess, env_example())
    assert env["DAMPWATCH_DATABASE_URL"].startswith("postgresql"), "leases need row locks"
    assert int(env["DAMPWATCH_ASSESS_PARTITIONS"]) >= 2, "one partition leaves replicas idle"


def test_simulator_is_a_profile() -> None:
    assert SERVICES["simulator"]["profiles"] == ["simulator"]
    assert SERVICES["simulator"]["command"][:2] == ["sim", "run"]


def test_volumes_are_named_and_declared() -> None:
    declared = set(COMPOSE["volumes"])
    used = set()
    for service in SERVICES.values():
        for volume in service.get("volumes", []):
            if isinstance(volume, str) and not volume.startswith((".", "/", "$")):
                used.add(volume.split(":", 1)[0])
    assert used == declared


def test_no_secret_is_written_in_the_compose_file() -> None:
    text = COMPOSE_FILE.read_text()
    for name, service in SERVICES.items():
        for key, value in (service.get("environment") or {}).items():
            if any(word in key for word in SECRET_WORDS):
                assert re.fullmatch(r".*\$\{\w+:\?[^}]+\}.*", str(value)), f"{name}: {key}"
    assert PLACEHOLDER not in text


def test_env_example_defines_every_required_variable_with_placeholders() -> None:
    env = env_example()
    required = {
        m["name"] for m in VARIABLE.finditer(COMPOSE_FILE.read_text()) if m["op"] in (":?", "?")
    }
    assert required <= set(env), f"missing in .env.example: {sorted(required - set(env))}"
    secrets = {key for key in env if any(word in key for word in SECRET_WORDS)}
    assert secrets and all(env[key].startswith(PLACEHOLDER) for key in secrets)
    with pytest.raises(KeyError, match=r"set \w+ in .env"):
        interpolate(COMPOSE_FILE.read_text(), {})


def test_every_dampwatch_variable_is_a_setting() -> None:
    known = settings_variables()
    used = {
        key
        for service in SERVICES.values()
        for key in service_environment(service, env_example())
        if key.startswith("DAMPWATCH_")
    }
    assert used - known == set(), "set in docker-compose.yml but read by no settings class"


# The settings class each Python service of the compose file reads.
SERVICE_SETTINGS = {
    "ingest": "dampwatch_ingest.settings:IngestSettings",
    "assess": "dampwatch_api.assess.settings:AssessSettings",
    "api": "dampwatch_api.settings:ApiAppSettings",
    "casework": "dampwatch_api.settings:ApiAppSettings",
    "simulator": "dampwatch.settings:MqttSettings",
}


def _settings_of(service: str, env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> object:
    for key in [key for key in os.environ if key.startswith("DAMPWATCH_")]:
        monkeypatch.delenv(key)
    for key, value in service_environment(SERVICES[service], env).items():
        monkeypatch.setenv(key, value)
    module, _, name = SERVICE_SETTINGS[service].partition(":")
    settings_class = getattr(importlib.import_module(module), name)
    return settings_class(_env_file=None)


def test_every_python_service_has_its_settings_class() -> None:
    python_services = {
        name for name, service in SERVICES.items() if service.get("command") and "image" in service
    } - {"mosquitto", "mosquitto-init"}
    assert python_services == set(SERVICE_SETTINGS)


@pytest.mark.parametrize("service", sorted(SERVICE_SETTINGS))
def test_env_example_placeholders_refuse_to_start_in_production(
    service: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(ValidationError, match=r"refusing to start.*placeholder"):
        _settings_of(service, env_example(), monkeypatch)


@pytest.mark.parametrize("service", sorted(SERVICE_SETTINGS))
def test_real_secrets_start_in_production(service: str, monkeypatch: pytest.MonkeyPatch) -> None:
    env = {
        key: secrets.token_urlsafe(32) if value.startswith(PLACEHOLDER) else value
        for key, value in env_example().items()
    }
    settings = _settings_of(service, env, monkeypatch)
    assert getattr(settings, "production", False), "compose runs every service in production"


def _bind_sources() -> list[tuple[str, Path]]:
    sources = []
    for name, service in SERVICES.items():
        for volume in service.get("volumes", []):
            if isinstance(volume, dict) and volume.get("type") == "bind":
                source = interpolate(volume["source"], env_example())
                sources.append((name, (ROOT / source).resolve()))
    return sources


def test_mounted_mosquitto_files_exist() -> None:
    mounts = [(name, path) for name, path in _bind_sources() if "mosquitto" in str(path)]
    assert mounts
    for name, path in mounts:
        if path.name == "ca.crt":
            # Issued per deployment and never committed; the directory explains what goes in it.
            assert (path.parent / "README.md").exists()
        else:
            assert path.exists(), f"{name} mounts missing {path}"


GRAFANA_MOUNTS = {
    "grafana/provisioning/datasources": "/etc/grafana/provisioning/datasources",
    "grafana/provisioning/dashboards": "/etc/grafana/provisioning/dashboards",
    # Where grafana/provisioning/dashboards/dampwatch.yaml loads the boards from.
    "grafana/dashboards": "/var/lib/grafana/dashboards/dampwatch",
}


def test_grafana_mounts_its_provisioning_and_boards() -> None:
    mounts = {
        str((ROOT / interpolate(volume["source"], env_example())).resolve().relative_to(ROOT)): (
            volume["target"]
        )
        for volume in SERVICES["grafana"]["volumes"]
        if isinstance(volume, dict) and volume.get("type") == "bind"
    }
    assert mounts == GRAFANA_MOUNTS
    for source in mounts:
        assert any((ROOT / source).iterdir()), f"{source} is empty"
    provider = (ROOT / "grafana/provisioning/dashboards/dampwatch.yaml").read_text()
    assert GRAFANA_MOUNTS["grafana/dashboards"] in provider


def test_the_influxdb_1x_datasource_can_replace_the_2x_one() -> None:
    replacement = ROOT / "grafana/provisioning/influxdb-1x"
    names = {path.name for path in replacement.iterdir()}
    assert names == {path.name for path in (ROOT / "grafana/provisioning/datasources").iterdir()}


def test_simulator_flags_are_ones_sim_run_accepts() -> None:
    command = [interpolate(str(part), env_example()) for part in SERVICES["simulator"]["command"]]
    help_text = subprocess.run(
        [sys.executable, "-m", "dampwatch.cli", "sim", "run", "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    flags = [part for part in command if part.startswith("--")]
    assert flags and all(flag in help_text for flag in flags), flags
    assert "--registry" not in flags, "only the API may publish the registry branch"


def test_dockerfile_is_multi_stage_pinned_and_runs_as_a_user() -> None:
    lines = [line.strip() for line in (ROOT / "Dockerfile").read_text().splitlines()]
    assert sum(line.startswith("FROM ") for line in lines) >= 2
    base = next(line for line in lines if line.startswith("ARG PYTHON_IMAGE="))
    assert re.fullmatch(r"ARG PYTHON_IMAGE=python:\d+\.\d+\.\d+-slim-\w+", base)
    user = [line.split()[1] for line in lines if line.startswith("USER ")][-1]
    assert user.split(":")[0] not in ("root", "0")
    runtime = lines[max(i for i, line in enumerate(lines) if line.startswith("FROM ")) :]
    assert any(line.startswith("USER ") for line in runtime), "the final stage sets USER"


def test_grafana_reads_postgres_as_its_read_only_role() -> None:
    grafana = SERVICES["grafana"]
    provisioned = (ROOT / "grafana/provisioning/datasources/dampwatch-postgres.yaml").read_text()
    wanted = set(re.findall(r"\$\{(DAMPWATCH_GRAFANA_DB_\w+)\}", provisioned))
    assert wanted and wanted <= set(grafana["environment"])
    assert grafana["environment"]["DAMPWATCH_GRAFANA_DB_USER"] == "dampwatch_grafana"
    init = SERVICES["grafana-reader-init"]
    assert grafana["depends_on"]["grafana-reader-init"] == {
        "condition": "service_completed_successfully"
    }
    assert init["depends_on"] == {"api": {"condition": "service_healthy"}}  # migrated first
    (mount,) = init["volumes"]
    assert mount["source"] == "./deploy/postgres/grafana_reader.sql"
    command = " ".join(init["entrypoint"])
    assert mount["target"] in command and "reader=dampwatch_grafana" in command
    assert "ON_ERROR_STOP=1" in command
