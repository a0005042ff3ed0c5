"""`dampwatch sim` command line: clear one-line errors, exit 2, byte-identical output per seed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dampwatch_sim.main import main
from dampwatch_stack.servers import free_port


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["cohort", "--homes", "0", "--truth", "t.json"], "at least 1"),
        (["cohort", "--homes", "x", "--truth", "t.json"], "not a whole number"),
        (["cohort", "--truth", "t.json", "--mix", "healthy=1,mouldy=2"], "unknown archetype"),
        (["cohort", "--truth", "t.json", "--mix", "healthy=abc"], "not a number"),
        (["cohort", "--truth", "t.json", "--start", "yesterday"], "not an ISO 8601 time"),
        (["cohort", "--truth", "t.json", "--interval", "7"], "divide an hour"),
        (["cohort", "--truth", "t.json", "--batch", "5000"], "at most 1000"),
        (["cohort", "--truth", "t.json", "--home-prefix", "bad prefix"], "valid home ids"),
        (["cohort"], "required"),
        (["run", "--speed", "fast"], "not a number"),
        (["run", "--speed", "max", "--start", "2999-01-01"], "future"),
        (["replay", "/nonexistent/file.csv"], "no such file"),
        (["replay", __file__], "neither the UCI"),
        (["run", "--credentials", "/nonexistent/creds"], "cannot read credentials"),
        (["teleport"], "invalid choice"),
    ],
)
def test_bad_arguments_give_one_line_and_exit_2(
    argv: list[str],
    message: str,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert message in err
    assert len(err.splitlines()) == 1 and "Traceback" not in err


def test_unwritable_truth_file_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["cohort", "--homes", "1", "--days", "1", "--start", "2025-01-06", "--no-publish"]
    assert main([*argv, "--truth", "/nonexistent/dir/truth.json"]) == 2
    assert "cannot write" in capsys.readouterr().err


def test_unreachable_broker_exits_1_with_a_message(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DAMPWATCH_MQTT_PORT", str(free_port()))
    monkeypatch.chdir(tmp_path)
    argv = ["cohort", "--homes", "1", "--days", "1", "--start", "2025-01-06", "--truth", "t.json"]
    assert main(argv) == 1
    assert "cannot reach the broker" in capsys.readouterr().err


def test_same_seed_gives_byte_identical_output_and_truth(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def cohort(seed: int, name: str) -> tuple[bytes, bytes]:
        truth, output = tmp_path / f"{name}.json", tmp_path / f"{name}.jsonl"
        argv = [
            "cohort",
            "--homes",
            "4",
            "--days",
            "3",
            "--seed",
            str(seed),
            "--start",
            "2025-01-06T00:00:00Z",
            "--truth",
            str(truth),
            "--output",
            str(output),
            "--no-publish",
            "--json",
        ]
        assert main(argv) == 0
        return truth.read_bytes(), output.read_bytes()

    first, second, other = cohort(42, "a"), cohort(42, "b"), cohort(43, "c")
    assert first == second
    assert first[1] != other[1]
    summary = json.loads(capsys.readouterr().out.splitlines()[0])
    assert summary["homes"] == 4 and summary["output_messages"] > 0
    truth = json.loads(first[0])
    assert truth["schema"] == "dampwatch-sim-truth/1" and len(truth["homes"]) == 4
    for home in truth["homes"]:
        for condition in home["conditions"]:
            assert set(condition) == {
                "kind",
                "room",
                "device",
                "onset",
                "detectable_at",
                "evidence",
            }
