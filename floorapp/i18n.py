"""The language a supervisor reads: English or 简体中文, through gettext catalogs.

Strings are marked in the source with ``_()`` (translated where they are used), ``N_()``
(marked at import, translated where they are shown: bindings, column headers, tables of
words), ``ngettext()`` (plurals) and ``pgettext()`` (one English word, two meanings).
Babel extracts them (``babel.cfg``) into ``floorapp/locale/floorapp.pot``; the zh-CN
catalog ``floorapp/locale/zh_CN/LC_MESSAGES/floorapp.po`` and its compiled ``.mo`` are in
version control and in the wheel, so ``pip install .`` alone gives a Chinese console.
``tests/test_i18n.py`` fails when a marked string is missing from the catalog, untranslated,
fuzzy, or when the ``.mo`` is older than the ``.po``.

Which language: ``--lang`` > ``FLOORAPP_LANG`` > the supervisor's own preference (so a
shared SSH account gets each supervisor's language) > the settings file (``floor.lang``) >
the locale (``LC_ALL``, ``LC_MESSAGES``, ``LANG``) > English. The console switches at once
(key ``L``): whatever caches translated words registers with ``on_change``.

Marks: in zh-CN the console's own marks avoid East Asian *ambiguous-width* characters
(…, —, ·, ▶), which a Chinese terminal may draw two cells wide and so break every column
after them; ``MARKS`` holds the plain alternatives for the current language.
"""

from __future__ import annotations

import gettext
import json
import os
import textwrap
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

from rich.cells import cell_len

DOMAIN = "floorapp"
LOCALE_DIR = Path(__file__).parent / "locale"
DEFAULT = "en"
# Code -> the name a speaker of it reads in the language menu.
LANGUAGES: dict[str, str] = {"en": "English", "zh_CN": "简体中文"}


class UnknownLanguage(ValueError):
    def __init__(self, value: str, where: str) -> None:
        super().__init__(f"{where}: unknown language {value!r} (use one of: en, zh-CN)")
        self.value = value
        self.where = where


def normalize(value: str | None) -> str | None:
    """A language code as written anywhere (``zh-CN``, ``zh_CN.UTF-8``, ``zh``, ``en_US``,
    ``C``) as one of LANGUAGES, or None when it names none of them."""
    if not value:
        return None
    v = value.strip().split(".", 1)[0].split("@", 1)[0].replace("-", "_")
    low = v.lower()
    if low in ("c", "posix"):
        return "en"
    if low in ("zh", "zh_cn", "zh_hans", "zh_hans_cn", "zh_sg"):
        return "zh_CN"
    if low == "en" or low.startswith("en_"):
        return "en"
    return None


def parse(value: str, where: str) -> str:
    """``normalize`` for a value a person gave: an unknown one is an error naming ``where``."""
    code = normalize(value)
    if code is None:
        raise UnknownLanguage(value, where)
    return code


def from_locale(environ: Mapping[str, str] | None = None) -> str | None:
    """The language of the POSIX locale: the first of LC_ALL, LC_MESSAGES, LANG that is set
    (that is the order the C library reads them in)."""
    env = os.environ if environ is None else environ
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(var)
        if value:
            return normalize(value) or DEFAULT
    return None


@dataclass
class Choice:
    """What chose the language, so a later, weaker source (the supervisor's preference,
    read once the supervisor is known) does not override a stronger one."""

    code: str
    source: str  # "cli", "env", "supervisor", "settings", "locale", "default"


_STRENGTH = {"cli": 5, "env": 4, "supervisor": 3, "settings": 2, "locale": 1, "default": 0}


def resolve(
    cli: str | None = None, settings: object | None = None, environ: Mapping[str, str] | None = None
) -> Choice:
    """The language before the supervisor is known: ``--lang``, FLOORAPP_LANG, the
    settings file, the locale, English."""
    env = os.environ if environ is None else environ
    if cli:
        return Choice(parse(cli, "--lang"), "cli")
    if env.get("FLOORAPP_LANG"):
        return Choice(parse(env["FLOORAPP_LANG"], "FLOORAPP_LANG"), "env")
    configured = getattr(settings, "lang", None)
    if configured:
        return Choice(parse(str(configured), "floor.lang"), "settings")
    found = from_locale(env)
    if found:
        return Choice(found, "locale")
    return Choice(DEFAULT, "default")


# What chose the current language (the console asks it before applying a supervisor's own).
chosen = Choice(DEFAULT, "default")


def choose(choice: Choice) -> str:
    """Make ``choice`` the current language and remember what chose it."""
    global chosen
    chosen = choice
    return set_language(choice.code)


def with_supervisor(choice: Choice, preference: str | None) -> Choice:
    """The supervisor's stored preference beats the settings file and the locale (a shared
    account's locale is nobody's), never an explicit ``--lang`` or FLOORAPP_LANG."""
    code = normalize(preference)
    if code is None or _STRENGTH[choice.source] > _STRENGTH["supervisor"]:
        return choice
    return Choice(code, "supervisor")


# --- the current language -------------------------------------------------------------------


# rich's OverflowMethod, spelled here: this module loads no rich.
Overflow = Literal["fold", "crop", "ellipsis", "ignore"]


@dataclass
class Marks:
    """The console's own marks in the current language (see the module docstring)."""

    cut: str = "…"  # a value cut to its column
    dash: str = "—"  # no value
    sep: str = " · "  # between parts of one line
    cursor: str = "▶"  # the table's cursor row
    pointer: str = "▶ "  # the chosen option in a list that never has the focus
    zero: str = "·"  # a zero count, quieter than 0
    arrow: str = "→"
    loading: str = "…"
    ge: str = "≥"
    overflow: Overflow = "ellipsis"  # how rich cuts a Text too long for its cell


_ENGLISH_MARKS = Marks()
# ASCII for every mark: each of these is narrow on every terminal.
_PLAIN_MARKS = Marks(
    cut="~",
    dash="-",
    sep="  ",
    cursor=">",
    pointer="> ",
    zero="-",
    arrow="->",
    loading="...",
    ge=">=",
    overflow="crop",
)

MARKS = Marks()
_translations: dict[str, gettext.NullTranslations] = {}
_current: gettext.NullTranslations = gettext.NullTranslations()
_code = DEFAULT
_listeners: list[Callable[[], None]] = []
# Bumped on every switch: a cache of translated words keyed by it never serves stale words.
generation = 0


def _load(code: str) -> gettext.NullTranslations:
    if code not in _translations:
        if code == DEFAULT:
            _translations[code] = gettext.NullTranslations()
        else:
            _translations[code] = gettext.translation(DOMAIN, LOCALE_DIR, languages=[code])
    return _translations[code]


def set_language(code: str) -> str:
    """Switch every later translation to ``code`` (a LANGUAGES key, or any spelling
    ``normalize`` knows); returns the code. Caches registered with ``on_change`` rebuild."""
    global _current, _code, generation
    norm = normalize(code) or DEFAULT
    _current = _load(norm)
    _code = norm
    for field in (
        "cut",
        "dash",
        "sep",
        "cursor",
        "pointer",
        "zero",
        "arrow",
        "loading",
        "ge",
        "overflow",
    ):
        src = _PLAIN_MARKS if norm == "zh_CN" else _ENGLISH_MARKS
        setattr(MARKS, field, getattr(src, field))
    generation += 1
    for fn in list(_listeners):
        fn()
    return norm


def language() -> str:
    return _code


def in_every_language(message: str) -> set[str]:
    """``message`` as each language says it: what a person may type for it (a choice given
    by its word, whatever the language the command answers in)."""
    return {message} | {_load(code).gettext(message) for code in LANGUAGES if code != DEFAULT}


def is_chinese() -> bool:
    return _code == "zh_CN"


def on_change(fn: Callable[[], None]) -> Callable[[], None]:
    """Call ``fn`` after every switch (and keep it: modules register at import)."""
    _listeners.append(fn)
    return fn


def _(message: str) -> str:
    return _current.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _current.ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    return _current.pgettext(context, message)


def N_(message: str) -> str:
    """Marks ``message`` for the catalog; ``_()`` translates it where it is shown."""
    return message


def gettext_(message: str) -> str:
    """``_`` under a name that reads well as a callable passed around."""
    return _current.gettext(message)


# --- argparse's own words ----------------------------------------------------------------
#
# argparse words its usage line, its section titles and its errors through the module-level
# gettext functions it imported (``argparse._``, ``argparse.ngettext``), in the process's
# default domain. Pointing those two names at this catalog's functions gives a Chinese
# ``--help`` and Chinese errors ("invalid choice") in the language chosen here (--lang, the
# supervisor's own...), which the default domain, read from LANG alone, would not follow.
# The messages as Python 3.11's argparse writes them, so the catalog holds them:
ARGPARSE_WORDS = (
    N_("usage: "),
    N_("options"),
    N_("positional arguments"),
    N_("show this help message and exit"),
    N_("%(prog)s: error: %(message)s\n"),
    N_("argument %(argument_name)s: %(message)s"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("the following arguments are required: %s"),
    N_("unrecognized arguments: %s"),
    N_("expected one argument"),
    N_("expected at least one argument"),
    N_("expected at most one argument"),
    N_("invalid %(type)s value: %(value)r"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
    N_("one of the arguments %s is required"),
    N_("not allowed with argument %s"),
    N_("ignored explicit argument %r"),
    N_("can't open '%(filename)s': %(error)s"),
    N_("unknown parser %(parser_name)r (choices: %(choices)s)"),
)


def _speak_for_argparse() -> None:
    import argparse

    # argparse (typeshed): its module-level gettext names _ and ngettext are not declared.
    argparse._ = _  # type: ignore[attr-defined]  # argparse: undeclared module-level name
    argparse.ngettext = ngettext  # type: ignore[attr-defined]  # argparse: undeclared name


_speak_for_argparse()


# --- dates and times ------------------------------------------------------------------------


def day(d: date | datetime | str) -> str:
    """A date (or an ISO date string) as a floor reads it: ``12月7日`` in Chinese, ISO in
    English."""
    if isinstance(d, str):
        try:
            d = date.fromisoformat(text := d)
        except ValueError:
            return text
    if isinstance(d, datetime):
        d = d.date()
    if _code == "zh_CN":
        return f"{d.month}月{d.day}日"
    return d.isoformat()


def clock(t: datetime, tz: Any, seconds: bool = True) -> str:
    """A time of day, 24-hour, in the centre's zone."""
    return t.astimezone(tz).strftime("%H:%M:%S" if seconds else "%H:%M")


# --- cutting and wrapping by display width ----------------------------------------------


def cut(text: str, width: int) -> str:
    """``text`` in at most ``width`` terminal cells, never split inside a wide character;
    a cut value ends with the current language's cut mark."""
    if cell_len(text) <= width:
        return text
    mark = MARKS.cut
    room = width - cell_len(mark)
    out: list[str] = []
    used = 0
    for ch in text:
        w = cell_len(ch)
        if used + w > room:
            break
        out.append(ch)
        used += w
    return "".join(out) + mark if room >= 0 else "".join(out)


# A line never starts with these (closing punctuation), nor ends with an opening one.
NO_LINE_START = set("，。、．：；！？）》」』】〕〉”’…—,.;:!?)]}%")
NO_LINE_END = set("（《「『【〔〈“‘([{")


def _breakable(prev: str, ch: str) -> bool:
    """Whether a line may break between ``prev`` and ``ch``."""
    if ch in NO_LINE_START or prev in NO_LINE_END:
        return False
    if prev.isspace() or ch.isspace():
        return True
    return _wide(prev) or _wide(ch)


def _wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


def wrap(text: str, width: int) -> list[str]:
    """Lines of at most ``width`` cells. Text with no wide character wraps as textwrap
    does; Chinese breaks between characters but never puts closing punctuation (，。、）)
    at the start of a line nor opening punctuation at its end."""
    if width <= 0:
        return [text]
    if not any(_wide(c) for c in text):
        return textwrap.wrap(text, width) or [""]
    lines: list[str] = []
    for para in text.split("\n"):
        lines.extend(_wrap_para(para, width))
    return lines


def _wrap_para(text: str, width: int) -> list[str]:
    lines: list[str] = []
    start = 0
    used = 0
    last_break = -1  # index where the current line may end (the next line starts there)
    i = start
    while i < len(text):
        ch = text[i]
        w = cell_len(ch)
        if i > start and _breakable(text[i - 1], ch):
            last_break = i
        if used + w > width and i > start:
            if ch.isspace():
                cut_at = i
            elif last_break > start:
                cut_at = last_break
            else:
                # No break allowed inside the line: take one more character rather than
                # start the next line with closing punctuation.
                cut_at = i if ch not in NO_LINE_START else i + 1
            lines.append(text[start:cut_at].rstrip())
            while cut_at < len(text) and text[cut_at] == " ":
                cut_at += 1
            start = cut_at
            used = 0
            last_break = -1
            i = start
            continue
        used += w
        i += 1
    if start < len(text) or not lines:
        lines.append(text[start:].rstrip())
    return lines


# --- sentences stored for later readers -------------------------------------------------
#
# What the rules engine and the scheduler write (a flag's detail, a reminder's title and
# detail) is read later, by supervisors who may read different languages. So it is stored
# as its English message id and parameters and worded when read, in the reader's language:
#   {"i18n": [PART, ...]}  PART: "literal text" (a person's own words) or [msgid, {params}]
# A parameter is a value, {"min": N} (a duration in minutes) or itself [msgid, {params}].
# Text stored before (plain English) or by a person reads as it was written.

_STORED_PREFIX = '{"i18n":'


def message(msgid: str, **params: Any) -> list[Any]:
    """One part of a stored sentence (``msgid`` is marked with ``N_`` where it is written)."""
    return [msgid, params]


def minutes(n: float) -> dict[str, int]:
    """A duration parameter, worded when read (``1 h 05 min``, ``1小时05分钟``)."""
    return {"min": int(n)}


def stored(*parts: Any) -> str:
    """The text to store for ``parts`` (each a ``message`` or a person's own words)."""
    return json.dumps({"i18n": list(parts)}, ensure_ascii=False, separators=(",", ":"))


def stored_join(before: str | None, *parts: Any) -> str:
    """``before`` (stored by ``stored`` or plain text) with ``parts`` added after it."""
    if not before:
        return stored(*parts)
    old = _parts(before)
    return stored(*(old if old is not None else [before]), *parts)


def joined(before: str | None, text: str, limit: int) -> str:
    """A person's ``text`` added after what is stored (``before``), in at most ``limit``
    characters: the oldest parts go first, never half of a stored sentence."""
    added = _parts(text)
    if not before:
        return text if added is not None and len(text) <= limit else text[-limit:]
    parts = _parts(before)
    if parts is None:
        if added is not None:
            parts = [before]
        else:
            return f"{before} · {text}"[-limit:]
    # ``text`` may itself be stored (words of ours around the person's): its parts are added.
    parts.extend(added if added is not None else [text])
    while len(parts) > 1 and len(stored(*parts)) > limit:
        parts.pop(0)
    out = stored(*parts)
    return out if len(out) <= limit else text[-limit:]


def _parts(text: str) -> list[Any] | None:
    if not text.startswith(_STORED_PREFIX):
        return None
    try:
        parts = json.loads(text)["i18n"]
    except (ValueError, KeyError, TypeError):
        return None
    return parts if isinstance(parts, list) else None


def duration(n: int) -> str:
    if n >= 60:
        return _("{h} h {m:02d} min").format(h=n // 60, m=n % 60)
    return _("{m} min").format(m=n)


def _value(v: Any, tr: Callable[[str], str]) -> Any:
    if isinstance(v, dict) and set(v) == {"min"} and isinstance(v["min"], int):
        return _english_duration(v["min"]) if tr is _as_written else duration(v["min"])
    if isinstance(v, list) and len(v) == 2 and isinstance(v[0], str) and isinstance(v[1], dict):
        return _part(v, tr)
    return v if isinstance(v, (str, int, float)) else str(v)


def _as_written(msgid: str) -> str:
    return msgid


def _english_duration(n: int) -> str:
    return f"{n // 60} h {n % 60:02d} min" if n >= 60 else f"{n} min"


def _part(part: Any, tr: Callable[[str], str]) -> str:
    if isinstance(part, str):
        return part
    if (
        isinstance(part, list)
        and len(part) == 2
        and isinstance(part[0], str)
        and isinstance(part[1], dict)
    ):
        msgid, params = part
        values = {k: _value(v, tr) for k, v in params.items()}
        try:
            return tr(msgid).format(**values)
        except (KeyError, IndexError, ValueError):
            return msgid.format(**values) if values else msgid
    return str(part)


class Said(str):
    """A sentence in the current language that keeps its message id and parameters
    (``stored``), so what is kept for later (the audit log) is worded again for each reader."""

    stored: str


def said(msgid: str, **params: Any) -> Said:
    """``_(msgid).format(**params)`` that remembers how it was made (``msgid`` is marked with
    ``N_`` where it is written; a parameter may be a ``message``, worded in turn)."""
    kept = stored(message(msgid, **params))
    out = Said(render(kept) or "")
    out.stored = kept
    return out


def render(text: str | None, *, english: bool = False) -> str | None:
    """Stored text as the reader reads it: in the current language (``english``: in
    English, for the --json outputs and the audit log), plain text as it is."""
    if text is None:
        return None
    parts = _parts(text)
    if parts is None:
        return text
    from floorapp.text import clean

    tr: Callable[[str], str] = _as_written if english else _
    sep = _ENGLISH_MARKS.sep if english else MARKS.sep
    return clean(sep.join(_part(p, tr) for p in parts), multiline=True) or ""


# --- the supervisor's preference ----------------------------------------------------------


def supervisor_lang(engine: Any, supervisor_id: str) -> str | None:
    """The language the supervisor chose (``supervisors set --lang``), or None."""
    from sqlalchemy import select

    from db.engine import read_tx
    from db.models import Supervisor

    with read_tx(engine) as conn:
        value = conn.execute(
            select(Supervisor.lang).where(Supervisor.id == supervisor_id)
        ).scalar_one_or_none()
    return normalize(value) if value else None


def set_supervisor_lang(
    engine: Any, supervisor_id: str, lang: str | None, *, actor: str, now: datetime
) -> None:
    """Store (or with None, clear) the supervisor's language. The policy's
    ``supervisor.lang`` decides (oneself, or a floor manager for anyone); done or refused,
    it is audited, and a refusal changes nothing. An unknown language is UnknownLanguage,
    an unknown supervisor a ValueError naming it."""
    from sqlalchemy import update

    from db.models import Supervisor
    from floorapp import audit, policy

    code = None if lang is None else parse(lang, "--lang")

    def work(conn: Any) -> None:
        policy.check(
            conn, "supervisor.lang", actor, target_kind="supervisor", target_id=supervisor_id
        )
        done = conn.execute(
            update(Supervisor).where(Supervisor.id == supervisor_id).values(lang=code)
        ).rowcount
        if not done:
            raise ValueError(_("no supervisor {id!r}").format(id=supervisor_id))
        audit.record(
            conn,
            at=now,
            actor=actor,
            action="supervisor.lang",
            target_kind="supervisor",
            target_id=supervisor_id,
            detail=code or "cleared",
        )

    policy.write(engine, work, now=now)


set_language(DEFAULT)
