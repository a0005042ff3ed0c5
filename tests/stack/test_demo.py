"""`dampwatch demo` end to end: real servers, the simulated truth, the board through the API."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from dampwatch_stack.servers import find_binary
from dampwatch_stack.supervisor import process_is_alive
from tests.support import INSTALL_HINT, OPENER
from tests.support.damp_mould_standard import count_objects, errors_of
from tests.support.opendata import DEPRIVATION, POSTCODE_LOOKUP, opendata_file

pytestmark = [pytest.mark.servers, pytest.mark.slow]
RESULT_TIMEOUT_S = 240
DAMP_KINDS = {"mould_risk", "condensation_risk"}
LCR = {"E08000011", "E08000012", "E08000013", "E08000014", "E08000015", "E06000006"}
PLACE_SETTINGS = ("DAMPWATCH_GEOGRAPHY_LOOKUP", "DAMPWATCH_DEPRIVATION_FILE")


def _environment(with_places: bool) -> dict[str, str]:
    """The demo's environment: the shared open data as its lookup, or no lookup at all."""
    env = {name: value for name, value in os.environ.items() if name not in PLACE_SETTINGS}
    lookup, imd = opendata_file(POSTCODE_LOOKUP), opendata_file(DEPRIVATION)
    if with_places and lookup is not None and imd is not None:
        env |= {PLACE_SETTINGS[0]: str(lookup), PLACE_SETTINGS[1]: str(imd)}
    return env


def _check_places(result: dict[str, Any], archetypes: dict[str, str]) -> None:
    """Each demo home is placed in Liverpool City Region with its deprivation deciles."""
    officer = _sign_in(result["api_url"], result["officer"])
    for home_id in archetypes:
        place = _get(f"{result['api_url']}/v1/homes/{home_id}/place", officer)
        assert place["unresolved_reason"] is None, place
        assert place["lad"] in LCR and place["lsoa"].startswith("E01"), place
        assert 1 <= place["imd_decile"] <= 10, place


class DemoProcess:
    """`dampwatch demo --json` in the background; its stderr in a file."""

    def __init__(self, data_dir: Path, *args: str, env: dict[str, str] | None = None) -> None:
        self.state_path = data_dir / "demo" / "up" / "state.json"
        self.stderr_path = data_dir.parent / "demo.err"
        with self.stderr_path.open("ab") as stderr:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "dampwatch.cli",
                    "demo",
                    "--json",
                    "--data-dir",
                    str(data_dir),
                    *args,
                ],
                stdout=subprocess.PIPE,
                stderr=stderr,
                text=True,
                cwd=data_dir.parent,
                env=env,
            )
        self._lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._lines.put(line)

    def result(self) -> dict[str, Any]:
        try:
            line = self._lines.get(timeout=RESULT_TIMEOUT_S)
        except queue.Empty:
            pytest.fail(f"no result within {RESULT_TIMEOUT_S} s:\n{self.errors()}")
        document: dict[str, Any] = json.loads(line)
        return document

    def errors(self) -> str:
        return self.stderr_path.read_text(errors="replace")[-4000:]

    def close(self) -> None:
        """Stop the demo like Ctrl-C; a failed test must not leave its stack running."""
        if self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(60)
        except subprocess.TimeoutExpired:
            try:
                children = json.loads(self.state_path.read_text()).get("children", {})
            except (OSError, ValueError):
                children = {}
            self.process.kill()
            self.process.wait(30)
            for pid in children.values():  # started by this test's demo, which could not
                if process_is_alive(pid):
                    os.kill(pid, signal.SIGKILL)


def _get(url: str, token: str) -> Any:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with OPENER.open(request, timeout=30) as response:
        return json.loads(response.read())


def _status(url: str, token: str) -> int:
    try:
        _get(url, token)
    except urllib.error.HTTPError as error:
        return error.code
    return 200


def _sign_in(api_url: str, user: dict[str, str]) -> str:
    form = urllib.parse.urlencode({"username": user["username"], "password": user["password"]})
    with OPENER.open(f"{api_url}/v1/auth/token", form.encode(), timeout=30) as response:
        return str(json.loads(response.read())["access_token"])


def _check_board_against_truth(result: dict[str, Any]) -> None:
    truth = json.loads(Path(result["truth"]).read_text())
    archetypes = {home["home_id"]: home["archetype"] for home in truth["homes"]}
    api_url = result["api_url"]
    officer = _sign_in(api_url, result["officer"])
    board = {entry["home_id"]: entry for entry in _get(f"{api_url}/v1/board?limit=500", officer)}
    assert board, "the officer sees flagged homes"
    assert set(board) == {entry["home_id"] for entry in result["board"]}
    for home_id, archetype in archetypes.items():
        kinds = set(board.get(home_id, {}).get("kinds", []))
        if "damp" in archetype:
            assert kinds & DAMP_KINDS, f"damp {home_id} missing or without damp kinds: {kinds}"
        if "cold" in archetype:
            assert "cold_home" in kinds, f"cold {home_id} missing or without cold_home: {kinds}"
        # False alarms in homes without a condition are measured on 240 homes by `make eval`;
        # here the board must hold every damp and cold home with the right kind.
        if home_id in board:
            assert board[home_id]["top_reasons"], f"{home_id} is flagged without a reason"
    assert any("damp" in a for a in archetypes.values()), "the mix makes damp homes"
    assert any("cold" in a for a in archetypes.values()), "the mix makes cold homes"

    # Every flagged home with a hazard worth a visit is a case; the export validates.
    document = json.loads(Path(result["hact_export"]).read_text())
    assert errors_of(document) == []
    assert count_objects(document)["hazard_report"] == result["cases"] > 0
    assert any(entry.get("next_duty") for entry in board.values()), "the board shows duties"
    feed = Path(result["feed"])
    assert (feed / "cases.csv").exists() and (feed / "manifest.json").exists()

    tenant_home = result["board"][0]["home_id"]
    tenant = _sign_in(api_url, result["tenant"])
    assert _get(f"{api_url}/v1/homes/{tenant_home}", tenant)["home_id"] == tenant_home
    assert [e["home_id"] for e in _get(f"{api_url}/v1/board", tenant)] == [tenant_home]
    other = next(home for home in archetypes if home != tenant_home)
    assert _status(f"{api_url}/v1/homes/{other}", tenant) in (403, 404)


def test_demo_flags_the_damp_and_cold_homes_and_runs_again(tmp_path: Path) -> None:
    for binary in ("mosquitto", "influxd"):
        if find_binary(binary) is None:
            pytest.fail(f"{binary!r} is not installed; install it with: {INSTALL_HINT}")
    data_dir = tmp_path / "data"
    mix = "healthy=0.5,damp=0.25,cold=0.25"
    places = _environment(with_places=True)
    demo = DemoProcess(
        data_dir, "--homes", "12", "--days", "21", "--mix", mix, "--serve", env=places
    )
    try:
        result = demo.result()
        assert result["readings_stored"] == result["readings_published"] > 12 * 21 * 288
        _check_board_against_truth(result)
        if PLACE_SETTINGS[0] in places:
            assert "real postcodes of Liverpool City Region" in demo.errors()
            _check_places(result, result["archetypes"])
        state = json.loads((data_dir / "demo" / "up" / "state.json").read_text())
        children = list(state["children"].values())
        assert "assess" in state["children"], "serving adds the assessment loop"
        assert "casework" in state["children"], "and the casework worker"
        # The stack's settings file sources in a shell as the README says, values intact.
        stack_env = data_dir / "demo" / "up" / "stack.env"
        sourced = subprocess.run(
            ["bash", "-c", f'set -a; . "{stack_env}"; printf %s "$DAMPWATCH_CONTACT_HOURS"'],
            capture_output=True,
            text=True,
            check=True,
        )
        assert sourced.stderr == "" and sourced.stdout.startswith("8am to 8pm every day;")
        demo.process.send_signal(signal.SIGTERM)
        assert demo.process.wait(60) == 0, demo.errors()
        assert not [pid for pid in children if process_is_alive(pid)], "everything stopped"
    finally:
        demo.close()

    # A second run replaces the demo data and keeps the ports (stable URLs).
    # Without a lookup it says what to download, once, and runs without areas.
    again = DemoProcess(
        data_dir, "--homes", "3", "--days", "7", "--no-serve", env=_environment(False)
    )
    try:
        second = again.result()
        assert again.process.wait(60) == 0, again.errors()
        runs_without = 1 if PLACE_SETTINGS[0] in places else 2  # one stderr file for both
        assert again.errors().count("no postcode lookup: download the ONS") == runs_without
    finally:
        again.close()
    assert second["api_url"] == result["api_url"]
    assert set(second["archetypes"]) == {"sim-0001", "sim-0002", "sim-0003"}
    assert {entry["home_id"] for entry in second["board"]} <= set(second["archetypes"])
    assert len(json.loads(Path(second["truth"]).read_text())["homes"]) == 3
