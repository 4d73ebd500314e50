"""The command line takes its global options before or after the command, as people type them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from floorapp.cli import build_parser, main


@pytest.mark.parametrize(
    "argv",
    [
        ["--db", "A", "--as", "lead.wang", "status"],
        ["status", "--db", "A", "--as", "lead.wang"],
        ["--db", "A", "status", "--as", "lead.wang"],
    ],
)
def test_global_options_before_or_after_the_command(argv: list[str]) -> None:
    args = build_parser().parse_args(argv)
    assert (args.command, args.db, args.actor, args.config) == ("status", "A", "lead.wang", None)


def test_an_option_after_the_command_wins_over_the_same_before_it() -> None:
    args = build_parser().parse_args(["--db", "A", "demo", "--db", "B"])
    assert args.db == "B"


def test_nested_commands_take_them_too() -> None:
    args = build_parser().parse_args(["plan", "check", "x.toml", "--db", "A"])
    assert args.db == "A"


def test_demo_style_invocation_uses_the_named_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "named.db"
    assert main(["status", "--db", str(db), "--json"]) == 0
    assert db.exists()  # the store was made where the user asked, not in the default place
    assert json.loads(capsys.readouterr().out)["floor"]["states"]["available"] == 0


def test_unknown_option_is_still_refused() -> None:
    with pytest.raises(SystemExit) as exc:
        build_parser().parse_args(["status", "--nope"])
    assert exc.value.code == 2


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
def test_the_command_list_read_from_the_sources_is_the_registered_one(lang: str) -> None:
    """``floorapp --help`` lists the commands without importing them: the same text as the
    parser built from every command module."""
    from floorapp import i18n

    i18n.set_language(lang)
    try:
        listed = build_parser(["--help"]).format_help()
        registered = build_parser().format_help()
    finally:
        i18n.set_language("en")
    assert listed == registered
    assert "status" in listed and "report" in listed


@pytest.mark.parametrize(
    "argv",
    [
        ["status", "--json"],
        ["--db", "status", "report"],
        ["--lang", "en", "plan", "check", "x.toml"],
    ],
)
def test_the_named_command_is_built_in_full(argv: list[str]) -> None:
    full = build_parser().parse_args(argv)
    assert build_parser(argv).parse_args(argv) == full
