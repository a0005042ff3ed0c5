"""`dampwatch demo` runs the ingest on its own local servers and stores every reading."""

import json
import subprocess
import sys

import pytest

pytestmark = pytest.mark.servers


def test_demo_stores_every_simulated_reading(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "dampwatch.cli",
            "demo",
            "--homes",
            "3",
            "--days",
            "2",
            "--json",
            "--data-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout[result.stdout.index("{") :])
    assert report["stored"] == report["expected"] == 3 * 3 * 2 * 288
    rooms = {(row["home"], row["room"]): row for row in report["rooms"]}
    assert set(rooms) == {
        (f"demo-00{h}", room) for h in (1, 2, 3) for room in ("living room", "bedroom", "bathroom")
    }
    # the damp archetype's rooms spend far longer above the 70 % screening threshold
    assert (
        rooms[("demo-002", "bedroom")]["hours_rh_70"]
        > rooms[("demo-001", "bedroom")]["hours_rh_70"] + 24
    )
    assert {row["reason"] for row in report["rejected"]} == {
        "bad_topic",
        "not_json",
        "range",
        "schema",
    }
