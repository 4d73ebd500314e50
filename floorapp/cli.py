"""The ``floorapp`` command line: global options, then one sub-command per module."""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence

import floorapp.commands
from floorapp import __version__, i18n
from floorapp.config import ConfigError
from floorapp.context import AppContext
from floorapp.i18n import _

EXIT_USAGE = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="floorapp",
        description=_("The call-center floor supervisor's console. "
                      "With no command: open the console."),
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
        help=_("SQLAlchemy URL or SQLite file path (default: $FLOORAPP_DB, "
               "else a SQLite file in the user data directory)"),
    )
    parser.add_argument(
        "--config", metavar="FILE", default=default,
        help=_("settings TOML (default: $FLOORAPP_CONFIG)"),
    )
    parser.add_argument(
        "--as", dest="actor", metavar="SUPERVISOR", default=default,
        help=_("who is acting (default: the OS user); every action is audited under it"),
    )
    parser.add_argument(
        "--lang", metavar="LANG", default=default,
        help=_("en or zh-CN (default: $FLOORAPP_LANG, the supervisor's own, the settings "
               "file, then the locale)"),
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


def _early_lang(argv: list[str]) -> str | None:
    """``--lang`` read before the parser is built, so ``--help`` is in that language too."""
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
    return None


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        i18n.choose(i18n.resolve(_early_lang(argv)))
    except i18n.UnknownLanguage as exc:
        print(f"floorapp: {exc}", file=sys.stderr)
        return EXIT_USAGE
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        if "console" not in parser._subparsers._group_actions[0].choices:  # type: ignore[union-attr]
            parser.print_help()
            return EXIT_USAGE
        args = parser.parse_args([*argv, "console"])
    try:
        ctx = AppContext.from_args(args.db, args.config, args.actor)
        # Again with the settings file, now it is read (``floor.lang``).
        i18n.choose(i18n.resolve(getattr(args, "lang", None), ctx.settings))
        return int(args.func(ctx, args) or 0)
    except ConfigError as exc:
        print(f"floorapp: config: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except i18n.UnknownLanguage as exc:
        print(f"floorapp: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


def run() -> None:
    sys.exit(main())
