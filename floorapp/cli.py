"""The ``floorapp`` command line: global options, then one sub-command per module.

Whatever goes wrong around a command is said in one line on stderr, never as a
traceback: a bad settings file or database (exit 2), a store error met while working
(exit 1), a reader that closed the pipe (``floorapp plan show | head -3``: quietly,
exit 1). ``FLOORAPP_DEBUG=1`` shows the traceback instead.

Imports are deferred to where they are needed: ``floorapp --version`` loads no database,
scheduler or UI library.
"""

from __future__ import annotations

import argparse
import ast
import functools
import importlib
import os
import pkgutil
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import floorapp.commands
from floorapp import __version__

if TYPE_CHECKING:
    from floorapp.context import AppContext

EXIT_USAGE = 2
EXIT_FAILED = 1


def build_parser(argv: Sequence[str] | None = None) -> CommandParser:
    """The whole command line; with ``argv``, only the command it names is built in full.

    Every command's name and one-line help come from its module's source (read, not run),
    so ``floorapp --help`` or ``floorapp status ...`` does not import the other commands and
    the database, scheduler and UI libraries they load.
    """
    from floorapp.i18n import _

    parser = CommandParser(
        prog="floorapp",
        description=_(
            "The call-center floor supervisor's console. With no command: open the console."
        ),
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"floorapp {__version__}",
        help=_("show program's version number and exit"),
    )
    _global_options(parser, None)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    wanted = None if argv is None else _named_command(argv)
    for module in command_modules():
        if argv is None or module.names is None or wanted in module:
            importlib.import_module(f"floorapp.commands.{module.module}").register(sub)
            continue
        for name, help_text, marked in module.names:
            # Only listed: a command not named in argv is never parsed.
            sub.add_parser(name, help=_(help_text) if marked else help_text, add_help=False)
    # `floorapp demo --db x.db` is how people type it: the global options are accepted after
    # any command too. There they default to "not given", so they never undo the same option
    # given before the command.
    for command in parser.commands(nested=True):
        _global_options(command, argparse.SUPPRESS)
    return parser


class CommandParser(argparse.ArgumentParser):
    """An ArgumentParser that keeps the sub-command action it makes, so the command line
    can walk its commands without argparse's private attributes. Commands' own parsers are
    of this class too (``add_subparsers`` makes its children of the parent's class unless
    told otherwise)."""

    # argparse._SubParsersAction is only typeshed's name for the documented "special action
    # object" add_subparsers returns (its ``choices`` maps each name to its parser).
    subcommands: argparse._SubParsersAction[argparse.ArgumentParser] | None = None

    def add_subparsers(self, *args: Any, **kwargs: Any) -> Any:
        self.subcommands = super().add_subparsers(*args, **kwargs)
        return self.subcommands

    def commands(self, *, nested: bool = False) -> list[argparse.ArgumentParser]:
        """The parsers of this parser's commands; ``nested``: theirs too (``plan check``).
        A command whose parser is of another class (``supervisors add``) is listed, and
        its own commands, if it made any, are not seen."""
        if self.subcommands is None:
            return []
        found: list[argparse.ArgumentParser] = []
        for child in self.subcommands.choices.values():
            found.append(child)
            if nested and isinstance(child, CommandParser):
                found.extend(child.commands(nested=True))
        return found


@dataclass(frozen=True)
class CommandModule:
    """A module of floorapp.commands and the commands it registers: (name, help, whether
    the help is marked for translation); ``names`` is None when its source does not say
    them plainly, and the module is then imported to learn them."""

    module: str
    names: tuple[tuple[str, str, bool], ...] | None

    def __contains__(self, name: object) -> bool:
        return self.names is not None and any(n == name for n, _h, _m in self.names)


@functools.cache
def command_modules() -> tuple[CommandModule, ...]:
    found = []
    for info in sorted(pkgutil.iter_modules(floorapp.commands.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):  # shared by commands, not one
            continue
        path = Path(floorapp.commands.__path__[0]) / f"{info.name}.py"
        try:
            names = _registered(ast.parse(_register_source(path.read_text("utf-8"))))
        except (OSError, SyntaxError, ValueError):
            names = None
        found.append(CommandModule(info.name, names))
    return tuple(found)


def _register_source(source: str) -> str:
    """The module's top-level ``def register`` alone: parsing only it is a tenth of the
    cost of parsing the whole module, on every run."""
    at = source.find("\ndef register(")
    if at < 0:
        return ""
    nxt = re.search(r"\n(?=[^\s#)])", source[at + 1 :])
    return source[at + 1 : at + 1 + nxt.start()] if nxt else source[at + 1 :]


def _registered(tree: ast.Module) -> tuple[tuple[str, str, bool], ...] | None:
    """``sub.add_parser("name", help=...)`` calls on ``register``'s own argument."""
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == "register" and node.args.args:
            sub = node.args.args[0].arg
            break
    else:
        return None
    names = []
    for call in ast.walk(node):
        if not (
            isinstance(call, ast.Call)
            and isinstance(call.func, ast.Attribute)
            and call.func.attr == "add_parser"
            and isinstance(call.func.value, ast.Name)
            and call.func.value.id == sub
        ):
            continue
        name = (
            call.args[0].value
            if len(call.args) == 1 and isinstance(call.args[0], ast.Constant)
            else None
        )
        if not isinstance(name, str):
            return None
        help_node = next((k.value for k in call.keywords if k.arg == "help"), None)
        if help_node is None or any(k.arg not in _PLAIN_KEYWORDS for k in call.keywords):
            return None
        marked = (
            isinstance(help_node, ast.Call)
            and isinstance(help_node.func, ast.Name)
            and help_node.func.id == "_"
            and len(help_node.args) == 1
        )
        text = ast.literal_eval(
            help_node.args[0] if marked and isinstance(help_node, ast.Call) else help_node
        )
        if not isinstance(text, str):
            return None
        names.append((name, text, marked))
    return tuple(names) or None


# Keywords of add_parser that change nothing in the list of commands (``aliases`` would).
_PLAIN_KEYWORDS = ("help", "description", "epilog", "formatter_class", "add_help")


def _named_command(argv: Sequence[str]) -> str | None:
    """The command argv names: its first word that is not a global option or its value."""
    takes_value = {"--db", "--config", "--as", "--lang"}
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg in takes_value:
            skip = True
        elif arg == "--":
            continue
        elif not arg.startswith("-"):
            return arg
    return None


def _global_options(parser: argparse.ArgumentParser, default: object) -> None:
    from floorapp.i18n import _

    parser.add_argument(
        "--db",
        metavar="URL",
        default=default,
        help=_(
            "SQLAlchemy URL or SQLite file path (default: $FLOORAPP_DB, "
            "else a SQLite file in the user data directory)"
        ),
    )
    parser.add_argument(
        "--config",
        metavar="FILE",
        default=default,
        help=_("settings TOML (default: $FLOORAPP_CONFIG)"),
    )
    parser.add_argument(
        "--as",
        dest="actor",
        metavar="SUPERVISOR",
        default=default,
        help=_("who is acting (default: the OS user); every action is audited under it"),
    )
    parser.add_argument(
        "--lang",
        metavar="LANG",
        default=default,
        help=_(
            "en or zh-CN (default: $FLOORAPP_LANG, the supervisor's own, the settings "
            "file, then the locale)"
        ),
    )


def _early_lang(argv: list[str]) -> str | None:
    """``--lang`` read before the parser is built, so ``--help`` is in that language too."""
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
    return None


def _supervisors_language(ctx: AppContext, args: argparse.Namespace) -> None:
    """Choose the acting supervisor's stored language where it wins (docs/i18n.md: over
    the settings file and the locale, never over ``--lang`` or FLOORAPP_LANG). The store is
    read only if a preference could win, and not for a command that never opens it
    (``set_defaults(no_store=True)``: the benchmarks, the demo's own database)."""
    from floorapp import i18n

    if getattr(args, "no_store", False):
        return
    # with_supervisor is the one rule of who beats whom: given any preference, it returns
    # the current choice unchanged exactly when no stored preference could beat it.
    if i18n.with_supervisor(i18n.chosen, i18n.DEFAULT) is i18n.chosen:
        return
    i18n.choose(i18n.with_supervisor(i18n.chosen, i18n.supervisor_lang(ctx.engine, ctx.actor)))


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv == ["--version"]:  # answered before the commands (and their imports) load
        print(f"floorapp {__version__}")
        return 0
    from floorapp import i18n

    try:
        i18n.choose(i18n.resolve(_early_lang(argv)))
    except i18n.UnknownLanguage as exc:
        print(f"floorapp: {exc}", file=sys.stderr)
        return EXIT_USAGE
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    if args.command is None:
        if parser.subcommands is None or "console" not in parser.subcommands.choices:
            parser.print_help()
            return EXIT_USAGE
        argv = [*argv, "console"]
        args = build_parser(argv).parse_args(argv)
    from sqlalchemy.exc import DBAPIError

    from db.engine import StoreError, unusable
    from floorapp.config import ConfigError
    from floorapp.context import AppContext

    debug = bool(os.environ.get("FLOORAPP_DEBUG"))
    ctx = None
    try:
        ctx = AppContext.from_args(args.db, args.config, args.actor)
        # Again with the settings file, now it is read (``floor.lang``), then the acting
        # supervisor's own language: every command answers in it, not only the console.
        i18n.choose(i18n.resolve(getattr(args, "lang", None), ctx.settings))
        _supervisors_language(ctx, args)
        return int(args.func(ctx, args) or 0)
    except ConfigError as exc:
        print(f"floorapp: config: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except i18n.UnknownLanguage as exc:
        print(f"floorapp: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except StoreError as exc:
        if debug:
            raise
        print(f"floorapp: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except DBAPIError as exc:
        if debug or ctx is None:
            raise
        print(f"floorapp: {unusable(ctx.db_url, exc)}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        return 130


def run() -> None:
    try:
        code = main()
        sys.stdout.flush()  # here, not at exit, so a closed pipe is met inside the try
    except BrokenPipeError:
        # The reader went away (`| head`): nothing is wrong and nothing more is wanted.
        # Python flushes stdout again at exit; point it at devnull so that flush is quiet
        # (docs.python.org/3/library/signal.html#note-on-sigpipe).
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        code = EXIT_FAILED
    sys.exit(code)
