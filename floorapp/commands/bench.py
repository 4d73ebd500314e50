"""``floorapp bench [--quick] [--json] [--only NAME ...]``: measured figures, one a line."""

from __future__ import annotations

import argparse
import json
from typing import Any

from floorapp import bench
from floorapp.context import AppContext
from floorapp.i18n import _
from floorapp.text import say


def register(sub: Any) -> None:
    p = sub.add_parser("bench", help=_("measure floorapp (ingest throughput, ...): on demand only"))
    p.add_argument("--quick", action="store_true", help=_("smaller inputs, for a fast look"))
    p.add_argument("--json", action="store_true", help=_("print one JSON object name -> number"))
    p.add_argument(
        "--only",
        nargs="+",
        metavar="NAME",
        default=(),
        help=_("run only these benchmark modules ({names})").format(
            names=", ".join(bench.modules())
        ),
    )
    # Measures its own temporary stores: the floor's is never opened (nor created).
    p.set_defaults(func=cmd_bench, no_store=True)


def _number(value: float) -> str:
    if float(value).is_integer():
        return f"{int(value)}"
    return f"{value:.3f}" if abs(value) < 100 else f"{value:.1f}"


def cmd_bench(ctx: AppContext, args: argparse.Namespace) -> int:
    unknown = set(args.only) - set(bench.modules())
    if unknown:
        say(f"floorapp bench: no benchmark named {', '.join(sorted(unknown))}", err=True)
        return 2
    results: dict[str, float] = {}
    for name, value, unit in bench.run(args.quick, args.only):
        results[name] = value
        if not args.json:
            say(f"{name}: {_number(value)} {unit}")
    if args.json:
        say(json.dumps(results))
    return 0
