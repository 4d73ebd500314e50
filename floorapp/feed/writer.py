"""The feed writer: parsed lines in, the floor's store out, one transaction per batch.

Per batch it (1) drops events whose key is already stored (one ``SELECT ... IN``,
independent of history size), (2) applies the new ones to an in-memory model of the
agents and the open calls (loaded from the store on the first batch), (3) writes
everything with Core ``executemany``: feed events, agents' current state and its
history, calls, notes, escalations, rejects, the feed cursor and the observers'
decisions, all in the same write transaction. No ORM object and no SELECT per event.

The rows and statements a batch writes are in ``rows``, the last checks of a value before
it is stored in ``stored``. One module past 400 lines on purpose: ``FeedWriter`` is one
object whose memory (agents, open calls, aliases) and transaction change together, so its
steps reach the same state and split apart each would reach into the others.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from itertools import islice
from typing import Any

from sqlalchemy import Connection, Engine, and_, or_, select, update
from sqlalchemy.exc import OperationalError

from db.changes import next_change
from db.engine import run_write, write_tx
from db.models import (
    UNASSIGNED_TEAM,
    Agent,
    AgentAlias,
    AgentNote,
    Call,
    FeedEventRow,
    FeedSource,
    RejectedInput,
    Team,
)
from db.upsert import insert_ignore
from floorapp.clock import SYSTEM_CLOCK, Clock
from floorapp.config import Settings
from floorapp.escalations import open_escalation
from floorapp.feed.aliases import LEARNED, AliasBook, Learned
from floorapp.feed.cursor import FeedPosition, save_position
from floorapp.feed.events import EventKind, FeedEvent, Ignored, ParsedLine, Rejected
from floorapp.feed.keys import hash_text, timed_hash
from floorapp.feed.observer import FeedObserver
from floorapp.feed.rows import (
    AGENT_UPSERT,
    ALIAS_MARK,
    ALIASES,
    CALL_FACTS,
    CALL_ROW,
    CALL_UPSERT,
    CALLS_BY_ID,
    ENCODE,
    FEED_INSERT,
    HIGHEST_KEY,
    HISTORY_INSERT,
    SOURCE_ID,
    STORED_KEYS,
    AgentMemory,
    Batch,
    new_call,
)
from floorapp.feed.states import AVAILABLE, BREAK, OFFLINE, step
from floorapp.feed.stored import (
    EARLIEST,
    NUMBER_MAX,
    REJECT_REASON_MAX,
    OutOfRange,
    storable,
    store_failure,
    unfit,
)
from floorapp.i18n import _

_IN_CHUNK = 2000  # keys per IN (...): well under SQLite's and PostgreSQL's parameter limits
MAX_OPEN_CALLS = 100_000  # open calls kept in memory; older ones are re-read when needed
_FAR_FUTURE = datetime.max.replace(tzinfo=UTC)


@dataclass
class IngestSummary:
    accepted: int = 0  # new events applied
    duplicates: int = 0  # events already in the store (idempotent re-ingest)
    rejected: int = 0
    ignored: int = 0
    ignored_kinds: Counter[str] = field(default_factory=Counter)
    last_ts: datetime | None = None  # the latest event time seen (accepted or duplicate)
    # Rejections the writer made itself (clock errors, values out of range, an event the
    # store refused), counted in ``rejected`` too: the caller names them as it names the
    # parsers' own.
    refused: list[Rejected] = field(default_factory=list)

    def merge(self, other: IngestSummary) -> None:
        self.refused.extend(other.refused)
        self.accepted += other.accepted
        self.duplicates += other.duplicates
        self.rejected += other.rejected
        self.ignored += other.ignored
        self.ignored_kinds.update(other.ignored_kinds)
        if other.last_ts is not None and (self.last_ts is None or other.last_ts > self.last_ts):
            self.last_ts = other.last_ts

    def line(self) -> str:
        """The one-line summary the CLI prints, in the reader's language."""
        text = _(
            "{accepted} accepted, {duplicates} duplicates, {rejected} rejected, {ignored} ignored"
        ).format(
            accepted=self.accepted,
            duplicates=self.duplicates,
            rejected=self.rejected,
            ignored=self.ignored,
        )
        if self.ignored_kinds:
            kinds = ", ".join(f"{k} {n}" for k, n in self.ignored_kinds.most_common(5))
            more = len(self.ignored_kinds) - 5
            if more > 0:
                kinds += _(", +{n} more kinds").format(n=more)
            text += f" ({kinds})"
        return text


_MEMORY_KINDS = (EventKind.AGENT_LOGIN.value, EventKind.AGENT_LOGOUT.value, EventKind.STATE.value)
# Enum member lookups cost more than module names in the per-event path.
_AGENT_LOGIN = EventKind.AGENT_LOGIN
_AGENT_LOGOUT = EventKind.AGENT_LOGOUT
_CALL_ABANDONED = EventKind.CALL_ABANDONED
_CALL_ANSWERED = EventKind.CALL_ANSWERED
_CALL_ENDED = EventKind.CALL_ENDED
_CALL_OFFERED = EventKind.CALL_OFFERED
_CALL_RING_NO_ANSWER = EventKind.CALL_RING_NO_ANSWER
_CALL_TRANSFERRED = EventKind.CALL_TRANSFERRED
_CALL_UPDATE = EventKind.CALL_UPDATE
_ESCALATION = EventKind.ESCALATION
_OBSERVATION = EventKind.OBSERVATION
_RAISE_HAND = EventKind.RAISE_HAND
_STATE = EventKind.STATE
_PBX_RESTART = EventKind.PBX_RESTART
_KIND_TEXT = {k: k.value for k in EventKind}
_LEARN_KINDS = frozenset({_AGENT_LOGIN, _STATE})  # what can reveal an alias
# Agent events the state machine handles whole (calls' own facts need the call row first).
_AGENT_KINDS = frozenset({_AGENT_LOGIN, _AGENT_LOGOUT, _STATE, _CALL_RING_NO_ANSWER})


def _unique(events: list[FeedEvent]) -> list[FeedEvent]:
    """The events whose key has not come earlier in the list."""
    seen: set[str] = set()
    out: list[FeedEvent] = []
    for e in events:
        if e.key not in seen:
            seen.add(e.key)
            out.append(e)
    return out


def _visit_of(call_id: str) -> tuple[str, int]:
    """(the feed's call id, the visit's number) of a stored call id."""
    feed_id, sep, n = call_id.rpartition("#")
    if sep and n.isdigit() and n.isascii() and not n.startswith("0"):
        return feed_id, int(n)
    return call_id, 1


def _chunks(seq: Sequence[Any], n: int) -> Iterator[Sequence[Any]]:
    for i in range(0, len(seq), n):
        yield seq[i : i + n]


class FeedWriter:
    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        *,
        observers: Sequence[FeedObserver] = (),
        clock: Clock = SYSTEM_CLOCK,
        batch_size: int = 5000,
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.observers = list(observers)
        self.clock = clock
        self.batch_size = batch_size
        self._loaded = False
        self._agents: dict[str, AgentMemory] = {}
        self._calls: dict[str, dict[str, Any]] = {}
        # A call id the feed used again after its call ended (the caller went on to
        # another queue): feed id -> (the id of its current visit, the visit's number).
        self._visits: dict[str, tuple[str, int]] = {}
        self._team_ready = False
        self._source_ids: dict[str, int] = {}  # feed_source ids, valid while loaded
        self._book = AliasBook({}, is_roster=self._is_roster, has_membership=self._has_queues)
        self._alias_mark: tuple[Any, ...] | None = None
        # (agent, into, when): a name found to be another agent's (when: feed time, or the
        # next event's for an alias the roster gave)
        self._merges: list[tuple[str, str, datetime | None]] = []

    # --- public -------------------------------------------------------------------------

    def write(self, items: Iterable[ParsedLine]) -> IngestSummary:
        """Write a stream in batches of ``batch_size``, one transaction each."""
        total = IngestSummary()
        it = iter(items)
        while batch := list(islice(it, self.batch_size)):
            total.merge(self.write_batch(batch))
        return total

    def write_batch(
        self, items: Sequence[ParsedLine], *, position: FeedPosition | None = None
    ) -> IngestSummary:
        """Apply one batch in one write transaction (with ``position``, save the cursor too).

        If the transaction fails, the in-memory state (ours and the observers') may hold
        events that were rolled back: it is rebuilt from the store before the retry. A
        failure that is not the database's (a value the store or an observer cannot take)
        splits the batch in two, each written on its own, until the one event behind it
        is alone: that event becomes a rejection naming the error, every other is stored.
        """
        try:
            return self._write_once(items, position)
        except OperationalError:
            raise  # the database itself (locked past the retries, disk full, gone)
        except Exception as exc:
            events = [i for i, item in enumerate(items) if isinstance(item, FeedEvent)]
            if not events:
                raise
            if len(events) == 1:
                rest = list(items)
                only = items[events[0]]
                assert isinstance(only, FeedEvent)  # events holds the FeedEvents' places
                refused = rest[events[0]] = store_failure(only, exc)
                summary = self._write_once(rest, position)
                summary.refused.append(refused)
                return summary
            cut = events[len(events) // 2]
            summary = self.write_batch(items[:cut])
            summary.merge(self.write_batch(items[cut:], position=position))
            return summary

    def _write_once(
        self, items: Sequence[ParsedLine], position: FeedPosition | None
    ) -> IngestSummary:
        def work(conn: Connection) -> IngestSummary:
            if not self._loaded:
                self._load(conn)
            summary = self._apply(conn, items)
            if position is not None:
                save_position(conn, position, self.clock.now())
            return summary

        # The writer's memory follows the transaction: an attempt that did not commit
        # leaves it ahead of the store, so it is read again on the next attempt.
        return run_write(self.engine, work, rolled_back=self._forget_memory)

    def _forget_memory(self) -> None:
        self._loaded = False

    def tick_idle(self, now: datetime) -> None:
        """Let time-based rules see time pass while the feed is quiet (``--follow``)."""
        if not self.observers:
            return
        with write_tx(self.engine) as conn:
            if not self._loaded:
                self._load(conn)
            for obs in self.observers:
                obs.tick(now)
            for obs in self.observers:
                obs.flush(conn)

    # --- state ----------------------------------------------------------------------------

    def _load(self, conn: Connection) -> None:
        """Rebuild the agents and open calls from the store, then start the observers."""
        self._agents = {}
        a = Agent.__table__.c
        for r in conn.execute(
            select(
                a.id,
                a.state,
                a.state_reason,
                a.state_since,
                a.logged_in_since,
                a.last_break_end,
                a.current_call_id,
                a.updated_at,
                a.from_feed,
            )
        ):
            m = AgentMemory(r.id)
            m.state, m.reason, m.since = r.state, r.state_reason, r.state_since
            m.logged_in_since, m.last_break_end = r.logged_in_since, r.last_break_end
            m.call, m.updated_at, m.from_feed = r.current_call_id, r.updated_at, r.from_feed
            self._agents[r.id] = m
        self._alias_mark = None
        self._merges = []
        self._book = AliasBook({}, is_roster=self._is_roster, has_membership=self._has_queues)
        self._read_aliases(conn)
        self._restore_memory(conn)
        c = Call.__table__.c
        self._calls = {
            r["id"]: dict(r)
            for r in conn.execute(
                select(Call.__table__)
                .where(c.ended_at.is_(None))
                .order_by(c.offered_at.desc())
                .limit(MAX_OPEN_CALLS)
            ).mappings()
        }
        # A visit still open is the current one of its feed id; an ended one is found in
        # the store when the caller enters a queue again (_visit_numbers).
        self._visits = {}
        for call_id in self._calls:
            feed_id, n = _visit_of(call_id)
            if n > 1 and self._visits.get(feed_id, ("", 0))[1] < n:
                self._visits[feed_id] = (call_id, n)
        self._team_ready = False
        self._source_ids = {}  # an id read in a transaction rolled back may not exist
        for obs in self.observers:
            obs.start(conn)
        self._loaded = True

    def _restore_memory(self, conn: Connection) -> None:
        """Queue memberships and the pause a call ends in, from the events since login.

        The agent row holds the state, not the machine's memory: without this, an agent in
        two queues removed from one after a restart went offline, which one read of the same
        lines does not do.
        """
        live = {
            aid: m
            for aid, m in self._agents.items()
            if m.state != OFFLINE and m.logged_in_since is not None
        }
        if not live:
            return
        f = FeedEventRow.__table__.c
        since = min(m.logged_in_since for m in live.values() if m.logged_in_since is not None)
        resolve = self._book.map.get
        for agent_id, kind, ts, payload in conn.execute(
            select(f.agent_id, f.kind, f.ts, f.payload)
            .where(f.kind.in_(_MEMORY_KINDS), f.ts >= since)
            .order_by(f.ts, f.id)
        ):
            m = live.get(resolve(agent_id, agent_id))
            if m is None or ts < m.logged_in_since:
                continue
            data = json.loads(payload) if payload else {}
            queue = data.get("queue")
            if kind == EventKind.AGENT_LOGIN and queue:
                m.queues.add(queue)
            elif kind == EventKind.AGENT_LOGOUT and queue:
                m.queues.discard(queue)
            if m.call is None or m.since is None:
                continue
            # The pause the call ends in: the state it was answered in (the last state line
            # before it, or a login on break that began this stretch), then one asked for
            # during it.
            state = data.get("state")
            before = ts < m.since
            if (kind == EventKind.STATE and (before or state in (AVAILABLE, BREAK))) or (
                kind == EventKind.AGENT_LOGIN and before and ts == m.logged_in_since
            ):
                m.pending = (BREAK, data.get("reason")) if state == BREAK else None

    def _is_roster(self, agent_id: str) -> bool:
        a = self._agents.get(agent_id)
        return a is not None and not a.from_feed

    def _has_queues(self, agent_id: str) -> bool:
        a = self._agents.get(agent_id)
        return a is not None and bool(a.queues)

    def _read_aliases(self, conn: Connection) -> None:
        """The alias table, read again when it changed (a roster import, another writer).

        A name that was an agent of its own and is now another agent's alias is merged
        into that agent at the next event (its membership moves, the name goes offline).
        """
        mark = tuple(conn.execute(ALIAS_MARK).one())
        if mark == self._alias_mark:
            return
        self._alias_mark = mark
        aliases: dict[str, str] = {r[0]: r[1] for r in conn.execute(ALIASES)}
        old = self._book.map
        self._book.use(aliases)
        for alias, agent_id in aliases.items():
            if old.get(alias) != agent_id and alias in self._agents and alias != agent_id:
                self._merges.append((alias, agent_id, None))

    def _merge(self, name: str, into: str, ts: datetime, b: Batch) -> None:
        """``name`` turned out to be ``into``: membership moves there, ``name`` goes offline."""
        old = self._agents.get(name)
        if old is None or old.state == OFFLINE:
            return
        target = self._agents.get(into)
        synth: list[FeedEvent] = []
        if target is None or target.state == OFFLINE:
            state = old.state if old.state in (AVAILABLE, BREAK) else AVAILABLE
            data: dict[str, Any] = {"state": state}
            if state == BREAK and old.reason:
                data["reason"] = old.reason
            queues: list[str | None] = [*sorted(old.queues)] or [None]
            for queue in queues:
                synth.append(
                    FeedEvent(
                        "",
                        "alias",
                        0,
                        ts,
                        EventKind.AGENT_LOGIN,
                        into,
                        None,
                        {**data, "queue": queue} if queue else dict(data),
                    )
                )
        synth.insert(0, FeedEvent("", "alias", 0, ts, EventKind.AGENT_LOGOUT, name))
        for ev in synth:
            self._apply_agent_only(ev, b)
            for obs in self.observers:
                obs.observe(ev)

    def _apply_agent_only(self, ev: FeedEvent, b: Batch) -> None:
        """A state change the feed implied but did not write (not stored as a feed event)."""
        agent_id = ev.agent
        assert agent_id is not None  # the events implied for an agent name one
        a = self._agents.get(agent_id)
        if a is None:
            a = self._agents[agent_id] = AgentMemory(agent_id)
            b.new_agents = True
        if a.updated_at is None or ev.ts > a.updated_at:
            a.updated_at = ev.ts
        b.agents[agent_id] = a
        for t in step(a, ev.kind, ev.data, None, ev.ts):
            b.history.append((a.id, t.state, t.reason, t.at))

    def _resolve(self, new: list[FeedEvent], b: Batch) -> list[FeedEvent]:
        """Each event under the agent id its feed name stands for; pairs learned on the way.

        Events are never changed in place (a retried batch must see the feed's names): one
        whose name resolves elsewhere is applied as a copy.
        """
        book = self._book
        see = book.see
        out: list[FeedEvent] = []
        for ev in new:
            if ev.kind in _LEARN_KINDS:
                learned = see(ev)
                if learned is not None:
                    b.aliases.append(learned)
                    for i, earlier in enumerate(new[: len(out)]):  # this batch, the new alias
                        if earlier.agent == learned.alias:
                            out[i] = replace(earlier, agent=learned.agent_id)
                    if learned.alias in self._agents:
                        self._merges.append((learned.alias, learned.agent_id, learned.at))
            name = ev.agent
            if name is not None:
                agent_id = book.map.get(name)
                if agent_id is not None and agent_id != name:
                    ev = replace(ev, agent=agent_id)
            out.append(ev)
        return out

    def _fetch_calls(self, conn: Connection, ids: list[str]) -> None:
        for chunk in _chunks(ids, _IN_CHUNK):
            for r in conn.execute(CALLS_BY_ID, {"ids": list(chunk)}).mappings():
                self._calls[r["id"]] = dict(r)

    # --- one batch ------------------------------------------------------------------------

    def _apply(self, conn: Connection, items: Sequence[ParsedLine]) -> IngestSummary:
        summary = IngestSummary()
        events: list[FeedEvent] = []
        rejects: list[dict[str, Any]] = []
        now = self.clock.now()
        # Feed time may run a little ahead of this host (another host's clock); further
        # ahead it is a clock error, and one such event would date flags in the future.
        limit = now + timedelta(seconds=self.settings.max_ahead_s)
        for item in items:
            if isinstance(item, FeedEvent):
                if EARLIEST <= item.ts <= limit:
                    events.append(item)
                    continue
                item = unfit(item, now, limit)
                if isinstance(item, Rejected):
                    summary.refused.append(item)
            if isinstance(item, Rejected):
                rejects.append(
                    {
                        "at": now,
                        "source": item.source,
                        "line_no": item.line_no,
                        "reason": storable(item.reason)[:REJECT_REASON_MAX],
                        "raw": storable(item.raw),
                        "raw_hash": hash_text(item.raw),
                    }
                )
            elif isinstance(item, Ignored):
                summary.ignored += 1
                summary.ignored_kinds[item.what] += 1
        summary.rejected = len(rejects)

        new = self._new_events(conn, events)
        summary.duplicates = len(events) - len(new)
        summary.accepted = len(new)
        if events:
            summary.last_ts = max(e.ts for e in events)

        visits = self._visits
        named = {e.call for e in new if e.call is not None}
        if visits:  # a caller's current visit, not the calls of the visits before
            named = {visits[c][0] if c in visits else c for c in named}
        missing = list(named.difference(self._calls))
        if missing:
            self._fetch_calls(conn, missing)
        stored_visits = self._visit_numbers(conn, new)

        batch = Batch()
        observers = self.observers
        apply_event = self._apply_event
        for source in {e.source for e in new}.difference(self._source_ids):
            self._source_ids[source] = self._source_id(conn, source)
        batch.source_ids = self._source_ids
        if new:
            self._read_aliases(conn)
            new = self._resolve(new, batch)
            merges, self._merges = self._merges, []
            for name, into, when in merges:
                self._merge(name, into, when or new[0].ts, batch)
        visit = self._visit
        if observers:
            for ev in new:
                if ev.call is not None and (ev.kind is _CALL_OFFERED or ev.call in visits):
                    ev = visit(ev, stored_visits)
                apply_event(ev, batch)
                for obs in observers:
                    obs.observe(ev)
        else:
            for ev in new:
                if ev.call is not None and (ev.kind is _CALL_OFFERED or ev.call in visits):
                    ev = visit(ev, stored_visits)
                apply_event(ev, batch)

        self._store(conn, batch)
        if rejects:
            conn.execute(
                insert_ignore(conn, RejectedInput, ["source", "line_no", "raw_hash"]), rejects
            )
        if observers and new:
            latest = max(e.ts for e in new)
            for obs in observers:
                obs.tick(latest)
        for obs in observers:
            obs.flush(conn)
        self._forget_ended(batch)
        return summary

    @staticmethod
    def _source_id(conn: Connection, name: str) -> int:
        stored = storable(name)
        conn.execute(insert_ignore(conn, FeedSource, ["name"]), {"name": stored})
        return int(conn.execute(SOURCE_ID, {"name": stored}).scalar_one())

    def _new_events(self, conn: Connection, events: list[FeedEvent]) -> list[FeedEvent]:
        if not events:
            return []
        # Keys start with the event's time, so a key above the highest stored one cannot
        # be stored: only keys at or below it (a re-read, the second a batch boundary
        # fell in) are looked up. Read under the write lock, so no other writer races it.
        # Keys are stored as bytes, which every database orders as Python orders their hex.
        highest = conn.execute(HIGHEST_KEY).scalar()
        if highest is None:
            return _unique(events)
        keys = list({e.key for e in events if e.key <= highest})
        stored: set[str] = set()
        for chunk in _chunks(keys, _IN_CHUNK):
            stored.update(conn.execute(STORED_KEYS, {"keys": list(chunk)}).scalars())
        new: list[FeedEvent] = []
        for e in events:
            if e.key in stored:
                continue
            stored.add(e.key)  # a second copy within the batch is a duplicate too
            new.append(e)
        return new

    def _store(self, conn: Connection, b: Batch) -> None:
        if b.new_agents and not self._team_ready:
            conn.execute(
                insert_ignore(conn, Team, ["id"]),
                {"id": UNASSIGNED_TEAM, "name": "Unassigned (seen in the feed)"},
            )
            self._team_ready = True
        memo: dict[Any, dict[Any, Any]] = {}  # each time converted once for all four
        if b.agents:
            # One change number for the batch: consoles read the rows past the last number
            # they saw (stamps in event time would hide a lagging feed's rows from them).
            seq = next_change(conn)
            AGENT_UPSERT.execute(conn, [a.row(seq) for a in b.agents.values()], memo)
        FEED_INSERT.execute(conn, b.events, memo)
        CALL_UPSERT.execute(conn, list(map(CALL_ROW, b.calls.values())), memo)
        HISTORY_INSERT.execute(conn, b.history, memo)
        if b.aliases:
            self._store_aliases(conn, b.aliases)
        if b.notes:
            conn.execute(insert_ignore(conn, AgentNote, ["source_key"]), b.notes)
        for ev in b.escalations:
            call = self._calls.get(ev.call) if ev.call else None
            open_escalation(
                conn,
                self.settings,
                now=ev.ts,
                opened_by=ev.agent or "feed",
                reason=ev.data["reason"],
                tier=ev.data.get("tier", 1),
                severity=ev.data.get("severity", "light"),
                agent_id=ev.agent,
                call_id=ev.call,
                customer_id=ev.data.get("customer") or (call or {}).get("customer_id"),
                source_key=ev.key,
            )

    def _store_aliases(self, conn: Connection, learned: list[Learned]) -> None:
        conn.execute(
            insert_ignore(conn, AgentAlias, ["alias"]),
            [
                {
                    "alias": x.alias,
                    "agent_id": x.agent_id,
                    "source": LEARNED,
                    "learned_at": x.at,
                    "evidence": x.evidence,
                }
                for x in learned
            ],
        )
        a = Agent.__table__.c
        for x in learned:
            # An agent the feed made is shown by its member name, not its interface.
            conn.execute(
                update(Agent)
                .where(a.id == x.agent_id, a.from_feed.is_(True), a.name == a.id)
                .values(name=x.member_name)
            )
        self._alias_mark = tuple(conn.execute(ALIAS_MARK).one())

    def _forget_ended(self, b: Batch) -> None:
        for call_id, row in b.calls.items():
            if row["ended_at"] is not None:
                self._calls.pop(call_id, None)
        if len(self._calls) > MAX_OPEN_CALLS:
            # Calls that never ended (a lost hang-up line): keep the newest; the rest are
            # read back from the store if the feed ever mentions them again.
            oldest = sorted(
                self._calls.values(),
                key=lambda r: r["offered_at"] or r["answered_at"] or _FAR_FUTURE,
            )
            for row in oldest[: len(self._calls) - MAX_OPEN_CALLS // 2]:
                self._calls.pop(row["id"], None)

    # --- a caller's visits to the queues -------------------------------------------------

    def _visit_numbers(self, conn: Connection, new: list[FeedEvent]) -> dict[str, int]:
        """The highest visit number stored for each call offered again in ``new``.

        Asked only for an offer whose call is known and ended (a caller entering another
        queue): one query per batch that has any, none otherwise.
        """
        calls, visits = self._calls, self._visits
        again = {
            e.call
            for e in new
            if e.kind is _CALL_OFFERED
            and e.call is not None
            and e.call not in visits
            and (calls.get(e.call) or {}).get("ended_at") is not None
        }
        if not again:
            return {}
        c = Call.__table__.c
        # Visit ids sort between "<id>#" and "<id>$": one primary-key range each.
        found = conn.execute(
            select(c.id).where(or_(*(and_(c.id > f"{i}#", c.id < f"{i}$") for i in again)))
        ).scalars()
        numbers: dict[str, int] = {}
        for call_id in found:
            feed_id, n = _visit_of(call_id)
            if feed_id in again and n > numbers.get(feed_id, 1):
                numbers[feed_id] = n
        return numbers

    def _visit(self, ev: FeedEvent, stored: dict[str, int]) -> FeedEvent:
        """``ev`` under the id of its call's current visit to a queue.

        Asterisk keeps the caller channel's uniqueid when the caller goes on to another
        queue (a queue's timeout, exit or transfer leads to the next Queue()), and counts
        each Queue() in its own queue: so does floorapp, as a call of its own, ``<id>#2``,
        ``<id>#3``... An offer after the end of the call it names starts one (in the
        second of the end too, unless the call had waited no time at all); an earlier
        offer is a late line of the visit it belongs to.
        """
        feed_id = ev.call
        assert feed_id is not None  # the caller passes events of a call only
        current = self._visits.get(feed_id)
        call_id = feed_id if current is None else current[0]
        if ev.kind is _CALL_OFFERED:
            row = self._calls.get(call_id) or {}
            ended = row.get("ended_at")
            # In the second the call ended, an offer is a new visit unless it is the
            # call's own offer (an exit after no wait, read before its ENTERQUEUE).
            if ended is not None and (
                ev.ts > ended or (ev.ts == ended and row["offered_at"] != ended)
            ):
                n = (current[1] if current is not None else stored.get(feed_id, 1)) + 1
                self._calls.pop(call_id, None)  # over: the batch, if it changed it, holds it
                call_id = f"{feed_id}#{n}"
                if len(self._visits) >= MAX_OPEN_CALLS:
                    self._visits.clear()  # the store still holds them (_visit_numbers)
                self._visits[feed_id] = (call_id, n)
        return ev if call_id == feed_id else replace(ev, call=call_id)

    # --- applying one event -----------------------------------------------------------------

    def _call(self, call_id: str, b: Batch) -> dict[str, Any]:
        row = self._calls.get(call_id)
        if row is None:
            row = self._calls[call_id] = new_call(call_id)
        b.calls[call_id] = row
        return row

    def _apply_event(self, ev: FeedEvent, b: Batch) -> None:
        ts, kind, data = ev.ts, ev.kind, ev.data
        agent_id = ev.agent
        b.events.append(
            (
                ev.key,
                b.source_ids[ev.source],
                ev.line_no,
                ts,
                _KIND_TEXT[kind],
                agent_id,
                ev.call,
                ENCODE(data) if data else None,
            )
        )
        if agent_id is None:
            a = None
        else:  # inline: most events name an agent
            a = self._agents.get(agent_id)
            if a is None:
                a = self._agents[agent_id] = AgentMemory(agent_id)
                b.new_agents = True
            # Never backwards (a late line): consoles poll "changed since" on this column.
            if a.updated_at is None or ts > a.updated_at:
                a.updated_at = ts
            b.agents[agent_id] = a

        if kind in _AGENT_KINDS:
            assert a is not None
            for t in step(a, kind, data, ev.call, ts):
                b.history.append((a.id, t.state, t.reason, t.at))
            return
        if kind is _RAISE_HAND:
            return  # stored as a feed event: the rules and the console read it from there
        if kind is _OBSERVATION:
            assert a is not None
            b.notes.append(
                {
                    "source_key": ev.key,
                    "agent_id": a.id,
                    "at": ts,
                    "author": data["supervisor"],
                    "text": data["text"],
                }
            )
            return
        if kind is _ESCALATION:
            b.escalations.append(ev)
            return
        if kind is _PBX_RESTART:
            self._restart(ev, b)
            return
        if ev.call is None:
            return
        self._apply_call(ev, a, b)

    def _restart(self, ev: FeedEvent, b: Batch) -> None:
        """The PBX started again: the calls of the process before ended, unheard of.

        Each open call from before ``ev`` gets the end the PBX never wrote, as an event of
        its own (keyed from ``ev``'s key, so a re-read adds none): answered calls ended
        completed, waiting ones timed out (exit ``queuestart``). The store, the rules and
        the console's figures see those ends as they see any other.
        """
        second = int(ev.ts.timestamp())
        ends: list[FeedEvent] = []
        for call in self._calls.values():
            began = call["answered_at"] or call["offered_at"]
            if call["ended_at"] is not None or began is None or began > ev.ts:
                continue
            if call["answered_at"] is not None:
                kind, data = _CALL_ENDED, {}
            else:
                kind, data = _CALL_ABANDONED, {"outcome": "timeout", "exit": "queuestart"}
            ends.append(
                FeedEvent(
                    timed_hash(f"{ev.key}\x00{call['id']}", second),
                    ev.source,
                    ev.line_no,
                    ev.ts,
                    kind,
                    call["agent_id"],
                    call["id"],
                    data,
                )
            )
        for end in ends:
            self._apply_event(end, b)
            for obs in self.observers:
                obs.observe(end)

    def _apply_call(self, ev: FeedEvent, a: AgentMemory | None, b: Batch) -> None:
        ts, kind, data = ev.ts, ev.kind, ev.data
        assert ev.call is not None  # the caller passes only events of a call
        call = self._call(ev.call, b)
        for name, value in data.items():
            col = CALL_FACTS.get(name)
            if col is not None:
                if type(value) is int and not -NUMBER_MAX <= value <= NUMBER_MAX:
                    # Before any time arithmetic: the batch is split down to this event.
                    raise OutOfRange(f"{name} {value} is out of range (at most {NUMBER_MAX})")
                call[col] = value
        if a is not None and kind is not _CALL_OFFERED:
            call["agent_id"] = a.id
        if kind is _CALL_OFFERED:
            if call["offered_at"] is None or ts < call["offered_at"]:
                call["offered_at"] = ts
            return
        if kind is _CALL_ANSWERED:
            call["answered_at"] = ts
            if call["ended_at"] is None:
                call["outcome"] = "in_progress"
            if call["offered_at"] is None:
                call["offered_at"] = ts - timedelta(seconds=data.get("hold_seconds") or 0)
            if a is not None:
                for t in step(a, kind, data, call["id"], ts):
                    b.history.append((a.id, t.state, t.reason, t.at))
            return
        if kind is _CALL_UPDATE:
            return
        # The call is over: ended, abandoned, timed out or transferred.
        call["ended_at"] = ts
        if kind is _CALL_ENDED:
            call["outcome"] = data.get("outcome", "completed")
        elif kind is _CALL_ABANDONED:
            call["outcome"] = data.get("outcome", "abandoned")
        elif kind is _CALL_TRANSFERRED:
            call["outcome"] = "transferred"
        if call["answered_at"] is None and call["outcome"] in ("completed", "transferred"):
            call["answered_at"] = ts - timedelta(seconds=call["talk_seconds"] or 0)
        if call["offered_at"] is None:
            call["offered_at"] = (call["answered_at"] or ts) - timedelta(
                seconds=call["hold_seconds"] or 0
            )
        if a is None and call["agent_id"] is not None:
            a = self._agents.get(call["agent_id"])
            if a is not None:
                if a.updated_at is None or ts > a.updated_at:
                    a.updated_at = ts
                b.agents[a.id] = a
        if a is not None:
            for t in step(a, kind, data, call["id"], ts):
                b.history.append((a.id, t.state, t.reason, t.at))
