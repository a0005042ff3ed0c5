"""README.md: the quick start, and a configuration reference covering every setting."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tests.deploy.compose import ROOT, settings_variables

README = (ROOT / "README.md").read_text(encoding="utf-8")


def _reference() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "settings_reference", ROOT / "deploy" / "settings_reference.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


reference = _reference()


def test_the_settings_table_is_the_generated_one() -> None:
    table = reference.render(reference.collect())
    assert reference.replace_table(README, table) == README, (
        "run: python deploy/settings_reference.py --write"
    )


def test_every_setting_is_in_the_readme() -> None:
    documented = set(re.findall(r"`(DAMPWATCH_[A-Z0-9_]+)`", README))
    assert settings_variables() - documented == set()


def test_every_setting_has_its_default_and_meaning() -> None:
    for setting in reference.collect():
        row = next(line for line in README.splitlines() if f"`{setting.variable}` |" in line)
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        assert len(cells) == 4 and all(cells), row


def test_quick_start_is_set_up_then_test_then_demo() -> None:
    quick_start = README[README.index("## Quick start") : README.index("## Demo")]
    steps = [
        quick_start.index(command) for command in ("make setup", "make test", "dampwatch demo")
    ]
    assert steps == sorted(steps)


def test_readme_covers_compose_sizing_and_troubleshooting() -> None:
    for heading in ("## Deployment with docker compose", "## Sizing", "## Troubleshooting"):
        assert heading in README


def test_the_generator_refuses_a_setting_without_meaning() -> None:
    meanings = dict(reference.MEANINGS)
    del meanings["api_port"]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(reference, "MEANINGS", meanings)
        with pytest.raises(LookupError, match="api_port"):
            reference.collect()


def test_check_mode_fails_on_a_stale_readme(tmp_path: Path) -> None:
    stale = README.replace("| `DAMPWATCH_API_PORT` |", "| `DAMPWATCH_API_PORT_OLD` |")
    path = tmp_path / "README.md"
    path.write_text(stale)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(reference, "README", path)
        assert reference.main(["--check"]) == 1
        assert reference.main(["--write"]) == 0
        assert reference.main(["--check"]) == 0
    assert path.read_text() == README
