"""The attack suite: every operation and every page of a real `dampwatch api` process, attacked.

The API runs as deployed (two worker processes) on SQLite and on PostgreSQL, with a real
InfluxDB. Callers: anonymous, forged tokens (alg none, wrong key, expired, unknown user, a user's
name with another's id, ...), the south home's tenant and officer aimed at the north home's ids,
and both trying what only admins may do. Any answer that carries the victim's data to someone
else, any change to it, and any server error fails. The walk reads the API's own OpenAPI
document and route table, so routes added later are attacked as soon as they exist.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from pypdf import PdfReader

from dampwatch_api.docs import PUBLIC_PAGES
from dampwatch_api.policy import CALLER_ONLY_PATHS, OPEN_PAGES
from dampwatch_stack.servers import InfluxServer
from tests.e2e.attack_target import MARKERS, NORTH, PERSONAL, Target, run_api, seed
from tests.e2e.attack_tools import (
    forged_tokens,
    form,
    page_client,
    page_routes,
    postgres_database,
    raw_post,
    with_each_string,
)
from tests.e2e.attack_walk import (
    Answer,
    fill,
    operations,
    problems,
    request_of,
    send,
    snapshot,
)
from tests.support import InfluxDatabase

pytestmark = [pytest.mark.servers, pytest.mark.slow]
INTRUDERS = ("tenant-south", "officer-south")
FUZZ_EXAMPLES = 3


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def target(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    influx_server: InfluxServer,
) -> Iterator[Target]:
    """The seeded API process on one SQL database, reading its own InfluxDB database."""
    work = tmp_path_factory.mktemp(f"attack-{request.param}")
    database = f"attack_{uuid.uuid4().hex[:10]}"
    influx_server.create_database(database)
    if request.param == "sqlite":
        urls: Iterator[str] = iter([f"sqlite:///{work / 'api.db'}"])
    else:
        urls = postgres_database()
    for url in urls:
        for running in run_api(url, work, influx_server, database):
            seed(running, InfluxDatabase(influx_server, database))
            yield running


def _walk(
    target: Target, caller: str, headers: dict[str, str], document: dict[str, Any], intruder: bool
) -> list[str]:
    """Every operation once, aimed at the victim; the problems found."""
    found: list[str] = []
    with target.client(headers=headers) as client:
        for operation in operations(document):
            kwargs = request_of(operation, document, target.victim)
            path = fill(operation.template, target.victim)
            answer = send(client, caller, operation.method, path, **kwargs)
            found += problems(
                answer, intruder=intruder, aimed=operation.aimed(), public=operation.public
            )
    return found


def test_every_operation_refuses_strangers(target: Target) -> None:
    document = target.call("GET", "/openapi.json", None).json()
    callers = {"anonymous": {}} | {
        name: {"Authorization": f"Bearer {token}"} for name, token in forged_tokens(target).items()
    }
    found: list[str] = []
    for caller, headers in callers.items():
        found += _walk(target, caller, headers, document, intruder=False)
    assert found == [], "\n".join(found)
    assert len(callers) * len(operations(document)) >= 10 * 35


@pytest.mark.parametrize("intruder", INTRUDERS)
def test_no_operation_gives_or_changes_anothers_data(target: Target, intruder: str) -> None:
    document = target.call("GET", "/openapi.json", None).json()
    before = snapshot(target)
    bearer = {"Authorization": f"Bearer {target.tokens[intruder]}"}
    found = _walk(target, intruder, bearer, document, intruder=True)
    found += _fuzz(target, intruder, document)
    after = snapshot(target)
    changed = [path for path in before if before[path] != after[path]]
    assert found == [] and changed == [], "\n".join([*found, *(f"changed: {p}" for p in changed)])
    # The control: aimed at the intruder's own home the same walk is answered.
    own = dict(target.victim) | {"home_id": "south-1", "room_id": "south-den"}
    with target.client(intruder) as client:
        mine = client.get(f"/v1/homes/{own['home_id']}/readings/latest")
    assert mine.status_code == 200 and "19.8765" in mine.text, mine.text


def test_predictions_show_officers_their_own_homes_and_tenants_nothing(target: Target) -> None:
    """The walk above finds no victim's home in any prediction; the control: its own officer
    does see it, and tenants, the victim's own included, are refused."""
    for route in ("/v1/predictions", "/v1/predictions/placement"):
        own = target.call("GET", route, "officer-north")
        assert own.status_code == 200 and NORTH in own.text, own.text
        other = target.call("GET", route, "officer-south")
        assert other.status_code == 200 and "south-1" in other.text
        assert not [marker for marker in MARKERS if marker in other.text]
        for tenant in ("tenant-north", "tenant-south"):
            refused = target.call("GET", route, tenant)
            assert refused.status_code == 403 and NORTH not in refused.text


def test_a_co_tenant_sees_the_home_but_no_other_person_in_it(target: Target) -> None:
    """Every read of the shared home as its second tenant: no tenancy, note or staff name."""
    document = target.call("GET", "/openapi.json", None).json()
    found: list[str] = []
    answered = 0
    with target.client("tenant-north-2") as client:
        for operation in operations(document):
            if operation.method != "get":
                continue
            kwargs = request_of(operation, document, target.victim)
            answer = send(
                client, "tenant-north-2", "get", fill(operation.template, target.victim), **kwargs
            )
            found += problems(answer, intruder=True, aimed=False, public=True, markers=PERSONAL)
            answered += answer.status == 200
        for fmt in ("json", "csv"):
            export = send(client, "tenant-north-2", "get", f"/v1/homes/{NORTH}/export?format={fmt}")
            found += problems(export, intruder=True, aimed=False, public=True, markers=PERSONAL)
        report = client.get(f"/v1/homes/{NORTH}/report.pdf")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(report.content)).pages)
    found += [f"in the condition report: {marker}" for marker in PERSONAL if marker in text]
    page, _ = page_client(target, target.tokens["tenant-north-2"])
    try:
        shown = page.get(f"/homes/{NORTH}").text
    finally:
        page.close()
    found += [f"on the home page: {marker}" for marker in PERSONAL if marker in shown]
    assert found == [], "\n".join(found)
    assert answered >= 8, answered  # the control: the home's own reads are answered


def _fuzz(target: Target, intruder: str, document: dict[str, Any]) -> list[str]:
    """schemathesis' generated requests, path parameters aimed at the victim."""
    schema = schemathesis.openapi.from_dict(document)
    found: list[str] = []
    headers = {"Authorization": f"Bearer {target.tokens[intruder]}"}
    with target.client() as client:
        for result in schema.get_all_operations():
            operation = result.ok()
            if operation.path in CALLER_ONLY_PATHS:
                continue
            aimed = "{" in operation.path

            @given(case=operation.as_strategy())
            @settings(
                max_examples=FUZZ_EXAMPLES,
                deadline=None,
                suppress_health_check=list(HealthCheck),
                derandomize=True,
                database=None,
            )
            def attack(case: schemathesis.Case) -> None:
                for name in list(case.path_parameters or {}):
                    case.path_parameters[name] = target.victim.get(name, case.path_parameters[name])
                kwargs = case.as_transport_kwargs(base_url=target.base_url, headers=headers)
                allowed = ("method", "url", "headers", "params", "json", "content", "data", "files")
                kwargs = {key: value for key, value in kwargs.items() if key in allowed}
                if isinstance(kwargs.get("data"), (bytes, str)):
                    kwargs["content"] = kwargs.pop("data")
                method, url = kwargs.pop("method"), kwargs.pop("url")
                answer = send(client, intruder, method.lower(), url, **kwargs)
                found.extend(
                    problems(answer, intruder=True, aimed=aimed, public=False)  # noqa: B023
                )

            attack()
    return found


SOUTH_MARKERS = ("south-1", "2 South Rd", "Sam South", "south-den", "19.8765", "tenant-south")


def test_an_analyst_sees_aggregates_and_never_a_home_an_address_or_a_person(
    target: Target,
) -> None:
    """The data office's role: refused on every route that names a home or a person's object,
    and nothing of any home (north or south) in any answer, API or page."""
    document = target.call("GET", "/openapi.json", None).json()
    before = snapshot(target)
    bearer = {"Authorization": f"Bearer {target.tokens['analyst-office']}"}
    found = _walk(target, "analyst-office", bearer, document, intruder=True)
    with target.client(headers=bearer) as client:
        for operation in operations(document):
            if operation.method != "get" or operation.public:
                continue
            path = fill(operation.template, target.victim)
            answer = send(client, "analyst-office", "get", path, **request_of(
                operation, document, target.victim))  # fmt: skip
            if operation.aimed() and "{table}" not in operation.template and answer.status < 400:
                found.append(f"a per-home or per-person route answered: {answer}")
            found += [f"{m} in {answer}" for m in SOUTH_MARKERS if m in answer.text]
        assert client.get("/v1/analyst/tables").status_code == 200
    client, _ = page_client(target, target.tokens["analyst-office"])
    try:
        for method, template, _ in page_routes():
            if method != "GET" or template in {"/logout", "/region", "/session"}:  # own session
                continue
            answer = send(client, "analyst-office", "get", fill(template, target.victim))
            if answer.status == 200 and answer.url not in {"/login", *PUBLIC_PAGES, *OPEN_PAGES}:
                found.append(f"a page was shown to an analyst: {answer}")
            found += [f"{m} in {answer}" for m in (*MARKERS, *SOUTH_MARKERS) if m in answer.text]
    finally:
        client.close()
    assert snapshot(target) == before
    assert found == [], "\n".join(found)


def test_every_page_and_form_holds_against_strangers_and_intruders(target: Target) -> None:
    routes = page_routes()
    assert len(routes) >= 8, routes
    callers: dict[str, str | None] = {"anonymous": None}
    callers |= {name: token for name, token in forged_tokens(target).items() if name != "garbage"}
    callers |= {name: target.tokens[name] for name in INTRUDERS}
    before = snapshot(target)
    found: list[str] = []
    for caller, token in callers.items():
        client, csrf = page_client(target, token)
        try:
            for method, template, fields in routes:
                if template == "/logout":
                    continue  # the caller's own session: tested on its own
                path = fill(template.replace("{fmt}", "json"), target.victim)
                kwargs = {"data": form(fields, csrf)} if method == "POST" else {}
                answer = send(client, caller, method.lower(), path, **kwargs)
                found += _page_problems(answer, caller in INTRUDERS)
        finally:
            client.close()
    after = snapshot(target)
    changed = [path for path in before if before[path] != after[path]]
    assert found == [] and changed == [], "\n".join([*found, *(f"changed: {p}" for p in changed)])


def _page_problems(answer: Answer, intruder: bool) -> list[str]:
    found = list(problems(answer, intruder=intruder, aimed=NORTH in answer.url, public=True))
    went_through = answer.status in (302, 303) and not answer.location.startswith("/login")
    if answer.method == "post" and went_through and answer.url != "/login":
        found.append(f"a form went through: {answer}")
    if (
        not intruder
        and answer.status == 200
        and answer.url not in {"/login", *PUBLIC_PAGES, *OPEN_PAGES}
    ):
        found.append(f"a page was shown to a stranger: {answer}")
    return found


def test_a_huge_anonymous_post_is_refused_before_it_is_read(target: Target) -> None:
    # 100 MB declared, 64 KiB sent: the answer comes while the rest is still unsent.
    answer = raw_post(target.base_url, "/v1/homes", 100 * 1024 * 1024, 64 * 1024)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    for path in ("/v1/auth/token", "/login", f"/v1/homes/{NORTH}/rooms"):
        assert raw_post(target.base_url, path, 5 * 1024 * 1024, 1024).startswith(b"HTTP/1.1 413")
    # A body sent in chunks, with no length declared, is cut off at the limit too.
    with target.client("admin") as client:
        chunks = (b"x" * 65536 for _ in range(40))
        streamed = client.post(
            "/v1/homes", content=chunks, headers={"Content-Type": "application/json"}
        )
    assert streamed.status_code == 413, streamed.text
    assert target.call("GET", "/openapi.json", None).status_code == 200


def test_forwarded_addresses_do_not_escape_the_sign_in_limits(target: Target) -> None:
    """No proxy is trusted here: X-Forwarded-For cannot make a guesser look like many clients."""
    for number in range(5):
        forwarded = {"X-Forwarded-For": f"203.0.113.{number}"}
        answer = target.call(
            "POST",
            "/v1/auth/token",
            None,
            headers=forwarded,
            data={"username": "officer-south", "password": f"guess-{number}"},
        )
        assert answer.status_code == 401, answer.text
    refused = target.call(
        "POST",
        "/v1/auth/token",
        None,
        headers={"X-Forwarded-For": "198.51.100.9"},
        data={"username": "officer-south", "password": "guess-5"},
    )
    assert refused.status_code == 429, refused.text


def test_nul_bytes_and_huge_strings_never_reach_a_server_error(target: Target) -> None:
    """As admin, whom every route lets through to validation and the database: runs last."""
    document = target.call("GET", "/openapi.json", None).json()
    bad_values = ("nul \x00 inside", "x" * 20_000)
    found: list[str] = []
    sent = 0
    with target.client("admin") as client:
        for operation in operations(document):
            if operation.method == "delete" or operation.template == "/v1/auth/token":
                continue
            kwargs = request_of(operation, document, target.victim)
            path = fill(operation.template, target.victim)
            body_key = "json" if "json" in kwargs else "data" if "data" in kwargs else None
            variants = [
                kwargs | {"params": kwargs["params"] | {name: value}}
                for name in kwargs["params"]
                for value in bad_values
            ]
            if body_key is not None:
                variants += [
                    kwargs | {body_key: changed}
                    for value in bad_values
                    for changed in with_each_string(kwargs[body_key], value)
                ]
            for variant in variants:
                answer = send(client, "admin", operation.method, path, **variant)
                sent += 1
                if answer.status >= 500:
                    found.append(f"server error: {answer}")
    assert found == [], "\n".join(found)
    assert sent >= 50, sent
