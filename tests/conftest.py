"""Shared fixtures: a throwaway floor database per test, a controllable clock."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine

from db.engine import open_store
from floorapp.clock import ManualClock
from floorapp.config import Settings
from floorapp.context import AppContext

# A Tuesday morning in the centre's day; tests move the clock from here.
T0 = datetime(2026, 3, 10, 9, 0, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def english(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every test starts in English whatever the machine's locale, and leaves English behind
    (the language is process-wide; tests of Chinese choose it themselves)."""
    from floorapp import i18n

    monkeypatch.setenv("FLOORAPP_LANG", "en")
    i18n.choose(i18n.Choice("en", "default"))
    yield
    i18n.choose(i18n.Choice("en", "default"))


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'floor.db'}"


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = open_store(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0)


@pytest.fixture
def settings() -> Settings:
    return Settings()


@pytest.fixture
def ctx(db_url: str, engine: Engine, clock: ManualClock, settings: Settings) -> AppContext:
    c = AppContext(db_url=db_url, settings=settings, clock=clock, actor="lead.wang")
    c.__dict__["engine"] = engine  # share the fixture's engine (cached_property slot)
    return c


# --- PostgreSQL: the same store, service and concurrency tests on a throwaway cluster -------

_pg_counter = 0


@pytest.fixture
def floor(ctx: AppContext, engine: Engine) -> AppContext:
    """``ctx`` on the small floor of tests/console_helpers.make_floor (modules may define a
    floor of their own)."""
    from tests.console_helpers import make_floor

    make_floor(engine, ctx.clock.now())
    return ctx


@pytest.fixture(scope="session")
def pg_admin_url() -> Iterator[str]:
    from tests.pgcluster import throwaway_cluster

    with throwaway_cluster() as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database URL on each backend: tests using it run on both."""
    global _pg_counter
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'floor.db'}"
    from tests.pgcluster import create_database

    admin = request.getfixturevalue("pg_admin_url")
    _pg_counter += 1
    return create_database(admin, f"t{os.getpid()}_{_pg_counter}")


@pytest.fixture
def any_engine(store_url: str) -> Iterator[Engine]:
    eng = open_store(store_url)
    yield eng
    eng.dispose()
