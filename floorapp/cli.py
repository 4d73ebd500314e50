"""The ``floorapp`` command line: global options, then one sub-command per module."""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence

import floorapp.commands
from floorapp import __version__
from floorapp.config import ConfigError
from floorapp.context import AppContext

EXIT_USAGE = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="floorapp",
        description="The call-center floor supervisor's console. "
        "With no command: open the console.",
    )
    parser.add_argument("--version", action="version", version=f"floorapp {__version__}")
    _global_options(parser, None)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for mod_info in sorted(pkgutil.iter_modules(floorapp.commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"floorapp.commands.{mod_info.name}")
        module.register(sub)
    # `floorapp demo --db x.db` is how people type it: the global options are accepted after
    # any command too. There they default to "not given", so they never undo the same option
    # given before the command.
    for command in _subparsers(parser):
        _global_options(command, argparse.SUPPRESS)
    return parser


def _global_options(parser: argparse.ArgumentParser, default: object) -> None:
    parser.add_argument(
        "--db", metavar="URL", default=default,
        help="SQLAlchemy URL or SQLite file path (default: $FLOORAPP_DB, "
        "else a SQLite file in the user data directory)",
    )
    parser.add_argument(
        "--config", metavar="FILE", default=default,
        help="settings TOML (default: $FLOORAPP_CONFIG)",
    )
    parser.add_argument(
        "--as", dest="actor", metavar="SUPERVISOR", default=default,
        help="who is acting (default: the OS user); every action is audited under it",
    )


def _subparsers(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    """Every command's parser, nested ones (``plan check``) included."""
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                found.append(child)
                found.extend(_subparsers(child))
    return found


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(argv)
    if args.command is None:
        if "console" not in parser._subparsers._group_actions[0].choices:  # type: ignore[union-attr]
            parser.print_help()
            return EXIT_USAGE
        args = parser.parse_args([*argv, "console"])
    try:
        ctx = AppContext.from_args(args.db, args.config, args.actor)
        return int(args.func(ctx, args) or 0)
    except ConfigError as exc:
        print(f"floorapp: config: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


def run() -> None:
    sys.exit(main())
