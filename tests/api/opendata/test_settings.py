"""Open-data settings: the disclosure choice, and the record-key salt production refuses."""

from __future__ import annotations

import pytest

from dampwatch.opendata.disclosure import Control, Method
from dampwatch.settings import UnsafeSettingsError
from dampwatch_api.settings import ApiAppSettings


def _refusal(**values: object) -> str:
    with pytest.raises((UnsafeSettingsError, ValueError)) as refused:
        ApiAppSettings(env="production", **values)  # type: ignore[arg-type]
    return str(refused.value)


def test_production_refuses_the_development_salt_only_for_cell_keys() -> None:
    assert "OPENDATA_RECORD_KEY_SALT" in _refusal(opendata_disclosure="cell_key")
    assert "OPENDATA_RECORD_KEY_SALT" not in _refusal(opendata_disclosure="rule_10_5")
    chosen = _refusal(opendata_disclosure="cell_key", opendata_record_key_salt="x" * 40)
    assert "OPENDATA_RECORD_KEY_SALT" not in chosen


def test_the_disclosure_settings_make_the_control(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DAMPWATCH_OPENDATA_DISCLOSURE", "cell_key")
    monkeypatch.setenv("DAMPWATCH_OPENDATA_THRESHOLD", "20")
    assert ApiAppSettings().disclosure == Control(Method.CELL_KEY, 20, 5)
    monkeypatch.setenv("DAMPWATCH_OPENDATA_DISCLOSURE", "rounding")
    with pytest.raises(ValueError, match="opendata_disclosure"):
        ApiAppSettings()
