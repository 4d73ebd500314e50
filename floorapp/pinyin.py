"""Names in pinyin order, and names found by pinyin: how a Chinese floor looks people up.

A Chinese name sorts by its Latin spelling, syllable by syllable, so Chinese and Latin names
interleave as a reader of both expects: 胡春燕 (``hu chun yan``) comes after ``Hu`` and before
``Huang``. A search matches the name itself, its full pinyin (``huchunyan``, ``hu``,
``chunyan``) and its initials (``hcy``), case and spaces aside.

Each character is read by its commonest sound, from a table of our own
(``pinyin_table.bin``, next to this module): for every code point taken as Han here, what
pypinyin reads for the character alone, generated from it by ``tools/make_pinyin_table.py``.
pypinyin's character dictionary costs a console ~11 MB once loaded; the table is ~57 KB and
is read once, on the first Chinese character. tests/test_pinyin_table.py holds it to pypinyin
for every code point.

Polyphonic surnames: the commonest sound is often wrong for a surname (单 ``dan`` is the
surname Shan, 曾 ``ceng`` is Zeng, 解 ``jie`` is Xie). The first character (or two, for a
compound surname such as 尉迟 Yuchi) is looked up in SURNAMES first: a surname's own
reading. The rest of the name is read character by character, each by its commonest
reading. A surname reading that is itself ambiguous (朴 Piao for Korean names, Pu for
Chinese ones) takes the commoner surname reading.

Each name's keys are computed once and kept (a floor has a few thousand names; a console
re-sorts on every refresh, so a tick must never convert a name again).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache

# Surname readings that differ from the character's commonest reading (how 《百家姓》 reads
# them), and compound surnames, whose characters read one by one would be wrong (长孙 Zhangsun,
# not Changsun; 单于 Chanyu, not Shanyu): the longest match wins.
SURNAMES: dict[str, tuple[str, ...]] = {
    "尉迟": ("yu", "chi"),
    "万俟": ("mo", "qi"),
    "单于": ("chan", "yu"),
    "长孙": ("zhang", "sun"),
    "澹台": ("tan", "tai"),
    "令狐": ("ling", "hu"),
    "单": ("shan",),
    "曾": ("zeng",),
    "解": ("xie",),
    "仇": ("qiu",),
    "区": ("ou",),
    "查": ("zha",),
    "朴": ("piao",),
    "覃": ("qin",),
    "乐": ("yue",),
    "盖": ("ge",),
    "缪": ("miao",),
    "翟": ("zhai",),
    "员": ("yun",),
    "召": ("shao",),
    "繁": ("po",),
    "种": ("chong",),
    "隗": ("wei",),
    "秘": ("bi",),
    "折": ("she",),
    "薄": ("bo",),
    "阚": ("kan",),
    "藏": ("zang",),
    "句": ("gou",),
    "祭": ("zhai",),
}
_LONGEST_SURNAME = max(len(s) for s in SURNAMES)
_WORD = re.compile(r"[^\W_]+")


# The code points read as Han, inclusive: CJK Extension A and the Unified Ideographs, and the
# Compatibility Ideographs. The table holds one reading for each, in this order.
HAN_RANGES: tuple[tuple[int, int], ...] = ((0x3400, 0x9FFF), (0xF900, 0xFAFF))


def is_han(ch: str) -> bool:
    # HAN_RANGES, compared as strings: called for every character of every name.
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"


def syllables(name: str) -> tuple[str, ...]:
    """The name's pinyin, one lower-case syllable per character (surname-aware); a run of
    Latin letters or digits stays one item, lower-cased. Punctuation does not count (as in
    a telephone book: "O'Brien" files under obrien)."""
    name = name.strip()
    head: tuple[str, ...] = ()
    rest = name
    for n in range(min(_LONGEST_SURNAME, len(name)), 0, -1):
        found = SURNAMES.get(name[:n])
        if found is not None and len(name) > n:  # a lone character is not read as a surname
            head, rest = found, name[n:]
            break
    out = list(head)
    latin: list[str] = []
    for ch in rest:
        if is_han(ch):
            if latin:
                out.extend(_WORD.findall("".join(latin).casefold().replace("'", "")))
                latin = []
            out.append(_reading(ch))
        else:
            latin.append(ch)
    if latin:
        out.extend(_WORD.findall("".join(latin).casefold().replace("'", "")))
    return tuple(out)


# The table's layout (written by tools/make_pinyin_table.py): an ASCII header of
# "key: value" lines (what it is, where from, how to regenerate; the code point ranges; the
# syllables, space-separated), a NUL, then one 16-bit little-endian number per code point of
# HAN_RANGES in order: the index of its syllable, or NO_READING for a character pypinyin
# cannot read, which stands for itself (as pypinyin leaves it).
TABLE = "pinyin_table.bin"
TABLE_FORMAT = "floorapp pinyin table 1"
NO_READING = 0xFFFF


def table_ranges_line() -> str:
    return " ".join(f"{lo:04x}-{hi:04x}" for lo, hi in HAN_RANGES)


@cache
def _table() -> tuple[bytes, tuple[str, ...]]:
    """The readings (two bytes a code point) and the syllables they index: one bytes object
    and a tuple of ~400 short strings, read on the first Chinese character."""
    from importlib.resources import files

    data = files("floorapp").joinpath(TABLE).read_bytes()
    end = data.find(b"\0")
    head = data[:end].decode("ascii", "replace") if end >= 0 else ""
    header = dict(line.partition(": ")[::2] for line in head.splitlines())
    readings = data[end + 1 :]
    syl = tuple(header.get("syllables", "").split())
    size = sum(hi - lo + 1 for lo, hi in HAN_RANGES)
    if (
        header.get("format") != TABLE_FORMAT
        or header.get("ranges") != table_ranges_line()
        or len(readings) != 2 * size
        or not 0 < len(syl) < NO_READING
    ):
        raise RuntimeError(
            f"{TABLE} does not match floorapp.pinyin (format, ranges or size): "
            "regenerate it with tools/make_pinyin_table.py"
        )
    return readings, syl


@cache
def _reading(ch: str) -> str:
    """One Han character's commonest reading. Read character by character, not by phrase: a
    given name is not a phrase, and a floor's names share a few thousand characters."""
    readings, syl = _table()
    cp = ord(ch)
    at = 0
    for lo, hi in HAN_RANGES:
        if lo <= cp <= hi:
            at += cp - lo
            break
        at += hi - lo + 1
    else:
        raise ValueError(f"not a Han character: {ch!r}")
    i = readings[2 * at] | readings[2 * at + 1] << 8
    return ch.casefold() if i == NO_READING else syl[i]


@dataclass(frozen=True)
class NameKeys:
    sort: str  # "hu chun yan": compare with another name's
    full: str  # "huchunyan"
    tails: tuple[str, ...]  # "huchunyan", "chunyan", "yan": a search starts at a syllable
    initials: str  # "hcy"
    plain: str  # the name case-folded, spaces removed


@lru_cache(maxsize=65536)
def keys(name: str) -> NameKeys:
    syl = syllables(name)
    return NameKeys(
        sort=" ".join(syl),
        full="".join(syl),
        tails=tuple("".join(syl[i:]) for i in range(len(syl))),
        initials="".join(s[0] for s in syl if s),
        plain="".join(name.casefold().split()),
    )


_SORT_KEYS: dict[str, str] = {}


def sort_key(name: str) -> str:
    """The name's place in pinyin order (ties: compare the names themselves after it).
    One dictionary look-up once the name has been seen: the board keys every changed agent
    on every refresh."""
    found = _SORT_KEYS.get(name)
    if found is None:
        # The sort key alone: the search keys (tails, initials) are made only for names a
        # search looks at, not kept for every agent on the floor (~0.5 KB a name).
        found = _SORT_KEYS[name] = " ".join(syllables(name))
    return found


def matches(query: str, name: str) -> bool:
    """Whether ``query`` finds ``name``: characters or Latin letters anywhere in the name,
    full pinyin from the start of any syllable (``hu``, ``chunyan``; not ``un``), or
    initials (``hcy``, ``cy``); case and spaces do not count."""
    q = "".join(query.casefold().split())
    if not q:
        return True
    k = keys(name)
    return q in k.plain or q in k.initials or any(t.startswith(q) for t in k.tails)


def initials_of(name: str) -> str:
    return keys(name).initials
