"""schemathesis against the OpenAPI document: no server errors, responses match their schemas."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from dampwatch_api.db import migrate
from tests.api.conftest import Api, api_settings, seed, start_api

pytestmark = [pytest.mark.servers, pytest.mark.slow]
EXAMPLES_PER_OPERATION = 8
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


@pytest.fixture(scope="module")
def fuzz_api(tmp_path_factory: pytest.TempPathFactory, influx_server: object) -> Iterator[Api]:
    """One seeded API for the whole module, reading a real InfluxDB."""
    tmp_path: Path = tmp_path_factory.mktemp("fuzz")
    url = f"sqlite:///{tmp_path / 'api.db'}"
    migrate(url)
    seed(url)
    server_url = influx_server.url  # type: ignore[attr-defined]
    influx_server.create_database("fuzz")  # type: ignore[attr-defined]
    yield from start_api(
        api_settings(
            url, tmp_path, influx_url=server_url, influx_database="fuzz", login_max_failures=10_000
        )
    )


def _httpx_kwargs(kwargs: dict[str, Any]) -> dict[str, Any]:
    """Schemathesis' transport arguments in the form the test client takes."""
    allowed = ("method", "url", "headers", "params", "json", "content", "data", "files", "cookies")
    converted = {key: value for key, value in kwargs.items() if key in allowed}
    if "data" in converted and isinstance(converted["data"], (bytes, str)):
        converted["content"] = converted.pop("data")
    return converted


def test_api_conforms_to_its_document(fuzz_api: Api) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", fuzz_api.client.app)  # type: ignore[attr-defined]
    headers = fuzz_api.headers("admin")
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def check(case: schemathesis.Case) -> None:
            kwargs = case.as_transport_kwargs(base_url="http://testserver", headers=headers)
            response = fuzz_api.client.request(**_httpx_kwargs(kwargs))
            case.validate_response(response, checks=CHECKS)

        check()
    assert operations > 30
