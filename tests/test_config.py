"""Settings: the example file loads, and a wrong value names its path."""

from __future__ import annotations

from pathlib import Path

import pytest

from floorapp.config import ConfigError, load_settings, settings_from_dict

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "config.toml"


def test_example_config_loads() -> None:
    s = load_settings(EXAMPLE)
    assert str(s.timezone) == "Asia/Shanghai"
    assert s.deadline(3, "high").total_seconds() == 15 * 60
    from floorapp.rules import load_rules

    assert load_rules(s.rules)["long_call"]["threshold"] == 20


@pytest.mark.parametrize(("data", "path"), [
    ({"floor": {"timezone": "Mars/Olympus"}}, "floor.timezone"),
    ({"deadlines": {"tier2": {"high": 0}}}, "deadlines.tier2.high"),
    ({"deadlines": {"tier4": {"high": 5}}}, "deadlines.tier4"),
    ({"floor": {"max_handoffs": "three"}}, "floor.max_handoffs"),
])
def test_wrong_values_name_their_path(data: dict, path: str) -> None:
    with pytest.raises(ConfigError, match=path.replace(".", r"\.")):
        settings_from_dict(data)


def test_a_missing_explicit_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such config file"):
        load_settings(tmp_path / "nope.toml")
