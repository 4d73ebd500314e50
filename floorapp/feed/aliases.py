"""One agent, whatever the PBX calls them: feed names resolved to agent ids, and pairs learned.

An agent may be known to the feed by several names: the interface (``SIP/1001``,
``PJSIP/1001``), the member name (``Sathish``), ``Agent/1001``, ``Local/1001@from-queue/n``,
PBXware's ``Local/1001@callback-agent``. The roster may list them (``agent_alias``, source
``roster``); the rest are learned from what Asterisk itself reveals. With its default
``log_membername_as_agent = no``, app_queue writes ADDMEMBER/REMOVEMEMBER under the
interface and PAUSE/UNPAUSE and calls under the member name, and a login through the
manager interface writes both in the same second for the same queue::

    1659941803|MANAGER|500|SIP/1001|ADDMEMBER|
    1659941803|NONE|500|Sathish|UNPAUSE|

``AliasBook.see`` pairs them only when nothing else could be meant: the same second and the
same queue, exactly one interface joining that queue in that second and not yet paired,
a member name not already known as someone else's and holding no membership of its own.
Anything ambiguous (two interfaces joining one queue in one second) is left unlearned;
the roster's aliases settle it. No I/O here: the feed writer reads and stores the book.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from floorapp.feed.events import EventKind, FeedEvent

ROSTER = "roster"
LEARNED = "learned"

_LOGIN = EventKind.AGENT_LOGIN
_STATE = EventKind.STATE


def line_queue(ev: FeedEvent) -> str | None:
    """The queue the line was about (queue_log's third field), if the parser kept it."""
    return getattr(ev, "queue", None)


@dataclass(slots=True)
class Learned:
    alias: str  # the feed name that is now another name of ...
    agent_id: str  # ... this agent
    at: datetime  # feed time of the lines
    evidence: str  # which lines
    member_name: str  # the member name of the pair (a display name for an agent the feed made)


@dataclass(slots=True)
class _Join:
    ts: datetime
    name: str
    queue: str
    where: str


class AliasBook:
    """Feed name -> agent id, and the same-second pairing of an interface and a member name.

    ``is_roster(agent_id)``: the agent is on the roster (not made by the feed);
    ``has_membership(agent_id)``: the agent holds a queue membership of its own.
    """

    def __init__(
        self,
        aliases: dict[str, str],
        *,
        is_roster: Callable[[str], bool],
        has_membership: Callable[[str], bool],
    ) -> None:
        self.map = dict(aliases)
        self._targets = set(self.map.values())
        self._is_roster = is_roster
        self._has_membership = has_membership
        self._joins: list[_Join] = []

    def use(self, aliases: dict[str, str]) -> None:
        """The table as read again (the joins of the current second are kept)."""
        self.map = dict(aliases)
        self._targets = set(self.map.values())

    def resolve(self, name: str) -> str:
        return self.map.get(name, name)

    def see(self, ev: FeedEvent) -> Learned | None:
        """Look at one new event, in feed order; what it teaches, if anything."""
        kind = ev.kind
        if kind is not _LOGIN and kind is not _STATE:
            return None
        queue = line_queue(ev)
        name = ev.agent
        if not queue or not name:
            return None
        joins = self._joins
        if joins and joins[0].ts != ev.ts:
            joins.clear()  # pairs are written in one second; an older join is no evidence
        if kind is _LOGIN:
            if not any(j.name == name and j.queue == queue for j in joins):
                joins.append(_Join(ev.ts, name, queue, f"{ev.source}:{ev.line_no}"))
            return None
        same = [j for j in joins if j.queue == queue]
        if not same:
            return None
        for j in same:
            if j.name == name:  # the member logged in under its own name: nothing to learn
                joins.remove(j)
                return None
        if len(same) != 1:
            return None  # two interfaces joined this queue in this second: which one?
        join = same[0]
        joins.remove(join)
        return self._pair(join, name, ev)

    def _pair(self, join: _Join, member: str, ev: FeedEvent) -> Learned | None:
        iface = join.name
        by_iface, by_member = self.resolve(iface), self.resolve(member)
        if by_iface == by_member:
            return None  # already known to be one
        if member in self.map or member in self._targets or self._has_membership(by_member):
            return None  # a name already someone's, or a member of a queue in its own right
        agent_id, alias = by_iface, member
        if iface not in self.map and self._is_roster(by_member) and not self._is_roster(by_iface):
            agent_id, alias = by_member, iface  # the roster's agent keeps its id
        self.map[alias] = agent_id
        self._targets.add(agent_id)
        evidence = (
            f"{join.where} {iface} joined queue {join.queue}; "
            f"{ev.source}:{ev.line_no} {member} (un)paused in it the same second"
        )
        return Learned(alias, agent_id, ev.ts, evidence, member)

    def forget_joins(self) -> None:
        self._joins.clear()
