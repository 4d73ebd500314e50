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


@pytest.mark.parametrize(
    ("data", "path"),
    [
        ({"floor": {"timezone": "Mars/Olympus"}}, "floor.timezone"),
        ({"deadlines": {"tier2": {"high": 0}}}, "deadlines.tier2.high"),
        ({"deadlines": {"tier4": {"high": 5}}}, "deadlines.tier4"),
        ({"floor": {"max_handoffs": "three"}}, "floor.max_handoffs"),
    ],
)
def test_wrong_values_name_their_path(data: dict, path: str) -> None:
    with pytest.raises(ConfigError, match=path.replace(".", r"\.")):
        settings_from_dict(data)


def test_a_missing_explicit_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such config file"):
        load_settings(tmp_path / "nope.toml")


def test_new_settings_have_their_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Asia/Shanghai")
    s = settings_from_dict({})
    assert str(s.timezone) == "Asia/Shanghai"  # the machine's zone when the file names none
    assert s.day_start.hour == 0 and s.day_start.minute == 0
    assert (s.sl_threshold_s, s.sl_definition, s.short_abandon_s) == (20, "asterisk", 5)
    assert (s.min_sample, s.max_ahead_s, s.lang) == (30, 300, None)
    assert s.flag_ack_deadline_min == {"high": 2, "medium": 10, "light": 30}
    assert s.step_in_confirm_min == 5
    assert s.sl_threshold_for(None) == 20 and s.sl_threshold_for("q1") == 20


def test_the_machine_zone_falls_back_to_utc_for_a_rule_string(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from floorapp.config import local_zone

    monkeypatch.delenv("TZ", raising=False)
    machine = local_zone()  # /etc/localtime's zone, else UTC
    monkeypatch.setenv("TZ", "CST-8")
    assert local_zone() == machine
    monkeypatch.setenv("TZ", ":Pacific/Auckland")
    assert str(local_zone()) == "Pacific/Auckland"


def test_new_settings_are_read_from_the_file() -> None:
    s = settings_from_dict(
        {
            "floor": {"timezone": "Europe/Paris", "day_start": "06:00", "lang": "en"},
            "figures": {
                "sl_threshold": 15,
                "service_level": "offered_excluding_short",
                "short_abandon": 8,
                "min_sample": 50,
                "queues": {"q.sales": {"sl_threshold": 30}},
            },
            "feed": {"max_ahead": 60},
            "flags": {"ack_deadline": {"high": 1, "light": 45}, "step_in_confirm": 8},
        }
    )
    assert str(s.timezone) == "Europe/Paris" and s.day_start.hour == 6 and s.lang == "en"
    assert s.sl_threshold_for("q.sales") == 30 and s.sl_threshold_for("other") == 15
    assert (s.sl_definition, s.short_abandon_s, s.min_sample) == ("offered_excluding_short", 8, 50)
    assert s.max_ahead_s == 60
    assert s.flag_ack_deadline_min == {"high": 1, "medium": 10, "light": 45}
    assert s.step_in_confirm_min == 8


def test_the_example_file_holds_the_new_settings() -> None:
    s = load_settings(EXAMPLE)
    assert s.day_start.hour == 0 and s.sl_threshold_for("complaints") == 30
    assert s.flag_ack_deadline_min["high"] == 2


@pytest.mark.parametrize(
    ("data", "path"),
    [
        ({"floor": {"day_start": "25:00"}}, "floor.day_start"),
        ({"floor": {"lang": "fr"}}, "floor.lang"),
        ({"figures": {"sl_threshold": 0}}, "figures.sl_threshold"),
        ({"figures": {"service_level": "answered"}}, "figures.service_level"),
        ({"figures": {"short_abandon": -1}}, "figures.short_abandon"),
        ({"figures": {"min_sample": 2.5}}, "figures.min_sample"),
        (
            {"figures": {"queues": {"q1": {"sl_threshold": "fast"}}}},
            "figures.queues.q1.sl_threshold",
        ),
        ({"feed": {"max_ahead": -5}}, "feed.max_ahead"),
        ({"flags": {"ack_deadline": {"urgent": 3}}}, "flags.ack_deadline.urgent"),
        ({"flags": {"ack_deadline": {"high": 0}}}, "flags.ack_deadline.high"),
        ({"flags": {"step_in_confirm": 0}}, "flags.step_in_confirm"),
        ({"flags": {"step_in_confirm": 90.5}}, "flags.step_in_confirm"),
    ],
)
def test_wrong_new_values_name_their_path(data: dict, path: str) -> None:
    with pytest.raises(ConfigError, match=path.replace(".", r"\.")):
        settings_from_dict(data)


def test_a_machine_on_utc_shows_utc(monkeypatch: pytest.MonkeyPatch) -> None:
    from floorapp.config import local_zone

    monkeypatch.setenv("TZ", "Etc/UTC")
    assert str(local_zone()) == "UTC"


def test_an_unreadable_file_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "config.toml"
    bad.write_bytes(b'[floor]\ntimezone = "\xff"\n')
    with pytest.raises(ConfigError, match="not UTF-8 text"):
        load_settings(bad)
    with pytest.raises(ConfigError, match="Is a directory"):
        load_settings(tmp_path)
