"""`dampwatch assess --once` beside a stack: it finds the stack's settings, and a failed cycle
says which InfluxDB it tried and exits 1 without promising a retry."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from dampwatch_api.assess.main import main
from dampwatch_stack.servers import free_port


def test_once_reads_the_stacks_settings_and_names_the_unreachable_url(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.chdir(tmp_path)
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    stack = tmp_path / "data" / "up"
    stack.mkdir(parents=True)
    (stack / "stack.env").write_text(
        f"DAMPWATCH_INFLUX_URL={url}\nDAMPWATCH_INFLUX_API=v1\nDAMPWATCH_INFLUX_DATABASE=dampwatch\n"
        f"DAMPWATCH_INFLUX_TIMEOUT_S=2\n"
    )
    monkeypatch.setenv("DAMPWATCH_DATA_DIR", str(tmp_path / "data"))
    for name in ("DAMPWATCH_INFLUX_URL", "DAMPWATCH_INFLUX_API", "DAMPWATCH_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    with caplog.at_level(logging.INFO):
        assert main(["--once"]) == 1
    assert f"unreachable at {url}" in caplog.text
    assert "stack.env" in caplog.text
    assert "retrying" not in caplog.text and " object at 0x" not in caplog.text
