"""`floorapp console [--team T]` and `floorapp demo`: the live floor console.

The demo fills a demo database with a roster, starts ``floorapp simulate`` beside it as a child
process, and opens the console as the demo floor manager. The child never outlives the
console: it dies with it on Linux (PR_SET_PDEATHSIG, even on a crash of the parent), and is
terminated on every normal way out (finally + atexit).
"""

from __future__ import annotations

import argparse
import atexit
import os
import signal
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import platformdirs

from floorapp.config import APP_NAME
from floorapp.context import AppContext
from floorapp.i18n import _, is_chinese
from floorapp.text import say


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("console", help=_("open the live floor console (the default command)"))
    p.add_argument("--team", metavar="T", help=_("show only this team"))
    p.set_defaults(func=cmd_console)

    d = sub.add_parser(
        "demo",
        help=_("fill a demo database, start the simulator beside it, open the console"),
        description=_(
            "A demo floor on a fresh SQLite file in the user data directory (or the "
            "database --db / FLOORAPP_DB names), with a simulated live feed running beside the "
            "console until it exits."
        ),
    )
    d.add_argument(
        "--agents", type=int, default=60, help=_("agents on the demo floor (default 60)")
    )
    d.add_argument("--teams", type=int, default=4, help=_("teams (default 4)"))
    d.add_argument("--seed", type=int, default=1, help=_("same seed, same floor (default 1)"))
    d.add_argument("--speed", type=float, default=1.0, help=_("simulator speed (default 1)"))
    d.add_argument("--team", metavar="T", help=_("open the console on this team only"))
    # The demo opens a database of its own (a fresh one when the named one holds a real
    # floor): the one --db names is not opened first. Its console reads the supervisor's
    # language from the demo's database.
    d.set_defaults(func=cmd_demo, no_store=True)


def _open_console(ctx: AppContext, team: str | None) -> int:
    # Textual reads the frame rate and colour settings from the environment when it is
    # first imported: they are settled here, before anything below imports it.
    from floorapp.identity import UnknownSupervisor, over_ssh, resolve_actor
    from floorapp.terminal import prepare_environment

    prepare_environment(over_ssh())
    try:
        # The door: who they are, and the team they asked for, by the access policy.
        actor = resolve_actor(
            ctx.engine, ctx.actor, action="console.open", team=team, now=ctx.clock.now()
        )
    except UnknownSupervisor as exc:
        say(_("floorapp: refused: {exc}").format(exc=exc), err=True)
        return 1
    from floorapp.scheduler import console_host
    from screens.app import FloorApp
    from screens.wire import send_changed_cells

    app = FloorApp(ctx, team=team, actor=actor.id)
    app.actor_info = actor
    send_changed_cells(app)  # the terminal gets changed cells only, not whole rows
    # The reminders scheduler belongs to the console process, not to any one view: it
    # runs in its own thread for as long as the console is open.
    host = console_host(ctx.engine, ctx.settings, ctx.clock, actor.id)
    host.start()
    try:
        app.run()
    finally:
        host.stop()
    return 0


def cmd_console(ctx: AppContext, args: argparse.Namespace) -> int:
    return _open_console(ctx, args.team)


def demo_db_url(explicit: str | None) -> str:
    """The URL the demo writes to: the one the user named, else a fresh file of its own."""
    from floorapp.config import resolve_db_url

    if explicit or os.environ.get("FLOORAPP_DB"):
        return resolve_db_url(explicit)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    path = Path(platformdirs.user_data_dir(APP_NAME)) / f"demo-{stamp}-{os.getpid()}.db"
    return f"sqlite:///{path}"


def has_feed_history(url: str) -> bool:
    """Whether the database already holds a floor's feed (a demo run before, or a real one)."""
    from sqlalchemy import inspect, select

    from db.engine import make_engine, sqlite_path
    from db.models import FeedEventRow

    path = sqlite_path(url)
    if path is not None and not path.exists():
        return False
    engine = make_engine(url)
    try:
        if not inspect(engine).has_table(FeedEventRow.__tablename__):
            return False
        with engine.connect() as conn:
            return conn.execute(select(FeedEventRow.id).limit(1)).first() is not None
    finally:
        engine.dispose()


def unmixed_demo_url(url: str) -> str:
    """The demo's simulator starts a new floor each run: on a database that already holds a
    feed it would write a second history over the first (agents' states from one, their
    calls from the other). A SQLite file with a history gets a new file beside it; any
    other database is refused (never emptied: it may be a real floor)."""
    from db.engine import sqlite_path

    if not has_feed_history(url):
        return url
    path = sqlite_path(url)
    if path is None:
        raise ValueError(
            _(
                "that database already holds a floor's feed: the demo needs an "
                "empty one (name another with --db)"
            )
        )
    n = 2
    while (candidate := path.with_name(f"{path.stem}-{n}{path.suffix}")).exists():
        n += 1
    return f"sqlite:///{candidate}"


def _die_with_parent() -> None:
    """In the child before exec: get SIGTERM when the console's process dies (Linux)."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM)
    except (OSError, AttributeError):
        pass  # not Linux: the atexit/finally path still stops the child


def start_simulator(url: str, args: argparse.Namespace, log_path: Path) -> subprocess.Popen[bytes]:
    cmd = [
        sys.executable,
        "-m",
        "floorapp",
        "--db",
        url,
        "simulate",
        "--quiet",
        "--agents",
        str(args.agents),
        "--teams",
        str(args.teams),
        "--seed",
        str(args.seed),
        "--speed",
        str(args.speed),
    ]
    log = open(log_path, "ab")
    try:
        return subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            # Its own session: the terminal's signals go to the console, which stops it.
            start_new_session=True,
            preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
        )
    finally:
        log.close()


def stop_simulator(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


def _import_demo_plan(ctx: AppContext, now: datetime) -> None:
    """A guarantee period running now, so reminders, patrols and the period view have work."""
    from db.engine import read_tx
    from floorapp.plan.store import active_plan, import_plan, team_ids
    from floorapp.simulate.demo_plan import demo_plan_text

    if active_plan(ctx.engine) is not None:
        return
    with read_tx(ctx.engine) as conn:
        teams = sorted(t for t in team_ids(conn) if t != "unassigned")
    # The plan speaks the floor's language, as a centre's own plan file would.
    lang = "zh_CN" if is_chinese() else "en"
    text = demo_plan_text(now, ctx.settings.timezone, teams, lang)
    import_plan(ctx.engine, text, source="floorapp demo", actor=ctx.actor, now=now)


def cmd_demo(ctx: AppContext, args: argparse.Namespace) -> int:
    from floorapp import simulate
    from floorapp.supervisors import add_supervisor

    named = demo_db_url(getattr(args, "db", None))
    try:
        url = unmixed_demo_url(named)
    except ValueError as exc:
        say(f"floorapp demo: {exc}", err=True)
        return 2
    if url != named:
        say(
            _("{named} holds an earlier demo's floor: this demo starts a new one in {url}").format(
                named=named, url=url
            )
        )
    ctx = AppContext(
        db_url=url,
        settings=ctx.settings,
        clock=ctx.clock,
        actor=args.actor or simulate.DEMO_FLOOR_MANAGER[0],
    )
    now = ctx.clock.now()
    simulate.seed_demo_floor(
        ctx.engine, agents=args.agents, teams=args.teams, seed=args.seed, now=now, actor=ctx.actor
    )
    _import_demo_plan(ctx, now)
    if args.actor:
        # Whoever opens the demo acts as a floor manager on it (all teams, overrides).
        add_supervisor(
            ctx.engine,
            sup_id=ctx.actor,
            name=ctx.actor,
            role="floor_manager",
            teams=[],
            keys=[],
            actor=simulate.DEMO_FLOOR_MANAGER[0],
            now=now,
        )
    from db.engine import sqlite_path

    db_file = sqlite_path(url)
    log_path = (
        db_file.with_suffix(".simulate.log")
        if db_file is not None
        else Path(platformdirs.user_log_dir(APP_NAME)) / "demo-simulate.log"
    )
    log_path.parent.mkdir(parents=True, exist_ok=True)
    proc = start_simulator(url, args, log_path)
    atexit.register(stop_simulator, proc)
    try:
        code = _open_console(ctx, args.team)
    finally:
        stop_simulator(proc)
    say(_("demo database: {url}\nsimulator log: {log_path}").format(url=url, log_path=log_path))
    return code
