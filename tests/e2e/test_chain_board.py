"""Simulator → gateway and broker → ingest → InfluxDB → `dampwatch assess --once` → the API's board.

A seeded cohort of five simulated homes (one damp, one cold, three healthy; a week of readings
ending an hour ago) is registered through the API's own routes, so the rooms the ingest tags
readings with come from the retained registry messages the API publishes on the deployed broker.
The damp home's devices send through a real `dampwatch gateway` process and its home broker, the
others straight to the platform broker with their home's credentials. After the ingest stored
every reading exactly once, one assessment cycle runs as its own process on the API's database,
and the officers' board must list the damp and the cold home with the right kinds and no
healthy home.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from bench.procs import clean_env
from bench.soak_broker import API_USER
from bench.soak_checker import check, count_stored
from bench.soak_fleet import Ledger
from bench.soak_stack import Stack

from dampwatch.settings import MqttSettings
from dampwatch_api.settings import ApiAppSettings
from dampwatch_sim.cohort import Cohort, build_cohort
from dampwatch_sim.publish import Connections, cohort_outgoing
from dampwatch_stack.servers import InfluxServer, MosquittoServer
from tests.e2e.api_support import ApiClient, register_cohort, running_api

pytestmark = [pytest.mark.servers, pytest.mark.slow]

SEED = 1  # sim-0001 damp (through the gateway), sim-0003 cold, the others healthy
MIX = "healthy=0.6,damp=0.2,cold=0.2"
DAYS = 7
INTERVAL_S = 300
ADMIN_PASSWORD = "chain-admin-password"
DAMP_KINDS = {"mould_risk", "condensation_risk"}
HAZARD_KINDS = DAMP_KINDS | {"cold_home", "overheating"}
BATCH = 288  # a day of a device's readings per message, as a device flushing its buffer would


@dataclass(slots=True)
class RegisteredStack(Stack):
    """The chain whose registry facts come from the API rather than from a test publisher."""

    register: Callable[[Stack], None] | None = None

    def publish_registry(self) -> None:
        """Register the cohort through the API, which publishes the retained registry messages."""
        assert self.register is not None
        self.register(self)


def _cohort() -> Cohort:
    now_s = time.time()
    # The week ends an hour ago: no reading is in the future, no device looks offline yet.
    start_s = (now_s // INTERVAL_S) * INTERVAL_S - DAYS * 86_400 - 3600
    return build_cohort(homes=5, days=DAYS, seed=SEED, mix=MIX, start=start_s)


def _api_settings(stack: Stack, work_dir: Path) -> ApiAppSettings:
    assert stack.broker is not None and stack.influx is not None
    return ApiAppSettings(
        database_url=f"sqlite:///{work_dir / 'api.db'}",
        data_dir=work_dir,
        admin_password=ADMIN_PASSWORD,
        mqtt_host=stack.broker.host,
        mqtt_port=stack.broker.port,
        mqtt_username=API_USER,
        mqtt_password=stack.passwords[API_USER],
        influx_api="v1",
        influx_url=stack.influx.url,
        influx_database=stack.database,
    )


@pytest.fixture
def chain(
    tmp_path: Path,
    influx_factory: Callable[..., InfluxServer],
    mosquitto_factory: Callable[..., MosquittoServer],
) -> Iterator[tuple[RegisteredStack, ApiClient]]:
    """The running chain with the API registering the cohort; everything stopped afterwards."""
    apis: list[ApiClient] = []
    with ExitStack() as resources:

        def register(stack: Stack) -> None:
            api = resources.enter_context(
                running_api(_api_settings(stack, tmp_path), connect_broker=True)
            )
            context = api.client.app.state.context  # type: ignore[attr-defined]
            assert context.link.wait_connected(10), "the API did not connect to the broker"
            devices = register_cohort(api, stack.cohort, portfolio="city", who="admin")
            assert devices == len(stack.cohort.devices)
            assert context.registry.failures == 0, "a registry message was not published"
            apis.append(api)

        stack = RegisteredStack(
            tmp_path / "stack",
            _cohort(),
            gateway_homes=1,
            workers=1,
            influx=influx_factory(),
            local_broker=lambda data_dir: mosquitto_factory(data_dir=data_dir),
            register=register,
        )
        resources.callback(stack.stop)
        stack.start()
        yield stack, apis[0]


def _publish(stack: RegisteredStack, ledger: Ledger) -> None:
    """Every message of the cohort, each home through its route, and wait for every PUBACK."""
    assert stack.broker is not None
    gateway_homes = {node.home_id: node for node in stack.gateways}
    direct = Connections(
        MqttSettings(mqtt_host=stack.broker.host, mqtt_port=stack.broker.port),
        per_home=True,
        credentials=stack.passwords,
        client_prefix="chain-home",
    )
    local = {
        home: Connections(
            MqttSettings(mqtt_host=node.local.host, mqtt_port=node.local.port),
            per_home=False,
            client_prefix=f"chain-devices-{home}",
        )
        for home, node in gateway_homes.items()
    }
    try:
        for messages in cohort_outgoing(stack.cohort, MqttSettings().mqtt_topic_prefix, BATCH):
            for message in messages:
                if not message.retain:
                    ledger.record(message.topic, message.payload, time.time())
                route = local.get(message.home_id, direct)
                route.publish(message.home_id, message.topic, message.payload, message.retain)
    finally:
        for connections in (direct, *local.values()):
            connections.close()


def _wait_stored(stack: RegisteredStack, expected: int, timeout: float) -> int:
    assert stack.influx is not None
    deadline = time.monotonic() + timeout
    stored = 0
    while time.monotonic() < deadline:
        stored = count_stored(stack.influx, stack.database)
        if stored >= expected:
            break
        time.sleep(0.5)
    return stored


def _unassigned(stack: RegisteredStack) -> int:
    """Readings stored without a room tag."""
    assert stack.influx is not None
    result = stack.influx.query(
        'SELECT count("seq") FROM "reading" WHERE "room" = \'\'', db=stack.database
    )
    series = result["results"][0].get("series")
    return int(series[0]["values"][0][1]) if series else 0


def _assess_once(stack: RegisteredStack, api: ApiClient, work_dir: Path) -> str:
    """One `dampwatch assess --once` process on the API's database and the chain's InfluxDB."""
    assert stack.influx is not None
    env = clean_env(
        {
            "DAMPWATCH_DATABASE_URL": api.settings.sqlalchemy_url,
            "DAMPWATCH_DATA_DIR": str(work_dir),
            "DAMPWATCH_INFLUX_API": "v1",
            "DAMPWATCH_INFLUX_URL": stack.influx.url,
            "DAMPWATCH_INFLUX_DATABASE": stack.database,
        }
    )
    done = subprocess.run(
        [sys.executable, "-m", "dampwatch.cli", "assess", "--once"],
        env=env,
        cwd=work_dir,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stderr


def _expected(cohort: Cohort) -> dict[str, set[str]]:
    """Hazard kinds the simulator's ground truth holds per home."""
    return {
        home["home_id"]: {condition["kind"] for condition in home["conditions"]} & HAZARD_KINDS
        for home in cohort.truth["homes"]
    }


def _on_the_limit(cohort: Cohort) -> dict[str, set[str]]:
    """Damp kinds the truth has on the limit: within the sensors' ±2 %RH either way."""
    return {
        home["home_id"]: {entry["kind"] for entry in home["borderline"]}
        for home in cohort.truth["homes"]
    }


def _archetypes(cohort: Cohort) -> dict[str, str]:
    return {home.home_id: home.archetype for home in cohort.homes}


@pytest.mark.timeout(240)
def test_damp_and_cold_homes_reach_the_board_and_healthy_homes_do_not(
    chain: tuple[RegisteredStack, ApiClient], tmp_path: Path
) -> None:
    stack, api = chain
    archetypes = _archetypes(stack.cohort)
    damp = next(home for home, kind in archetypes.items() if kind == "damp")
    cold = next(home for home, kind in archetypes.items() if kind == "cold")
    healthy = {home for home, kind in archetypes.items() if kind == "healthy"}
    truth = _expected(stack.cohort)
    on_the_limit = _on_the_limit(stack.cohort)
    # The seed gives what the test is about: the truth agrees with the archetypes.
    assert truth[damp] & DAMP_KINDS and "cold_home" in truth[cold], truth
    assert all(not truth[home] and not on_the_limit[home] for home in healthy), truth
    assert stack.gateways[0].home_id == damp

    ledger = Ledger()
    _publish(stack, ledger)
    stored = _wait_stored(stack, ledger.distinct(), 60)
    assert stack.influx is not None
    verdict = check(stack.influx, stack.database, ledger, list(archetypes))
    assert verdict.ok and stored == ledger.distinct() > 8000, verdict.summary()
    assert _unassigned(stack) == 0, "readings stored without the room the API registered"

    log = _assess_once(stack, api, tmp_path)
    response = api.call("GET", "/v1/board", "admin", params={"limit": 500})
    assert response.status_code == 200, response.text
    board: dict[str, Any] = {entry["home_id"]: entry for entry in response.json()}
    summary = {home: sorted(entry["kinds"]) for home, entry in board.items()}
    assert damp in board and set(board[damp]["kinds"]) & DAMP_KINDS, (summary, log[-800:])
    assert cold in board and "cold_home" in board[cold]["kinds"], (summary, log[-800:])
    assert not healthy & set(board), (summary, log[-800:])
    for home in (damp, cold):
        entry = board[home]
        # Every hazard on the board is one the ground truth holds, or has within the sensors'
        # accuracy (a cold home's cold walls near the damp limit), with its reasons and clock.
        allowed = truth[home] | on_the_limit[home]
        assert set(entry["kinds"]) & HAZARD_KINDS <= allowed, (home, summary, truth, on_the_limit)
        assert entry["top_reasons"], entry
        # The statutory clock runs exactly when one of the home's open alerts is a significant
        # damp hazard or an emergency (Awaab's Law's first phase); a moderately cold home has none.
        alerts = api.call(
            "GET", "/v1/alerts", "admin", params={"home_id": home, "status": "open"}
        ).json()
        clocked = any(alert["hazard_level"] for alert in alerts)
        assert (entry["due_by"] is not None) == clocked, (entry, alerts)
    assert board[damp]["due_by"] is not None, board[damp]
    assert board[damp]["rank"] != board[cold]["rank"]
