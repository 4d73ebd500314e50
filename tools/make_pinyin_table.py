"""Generate floorapp/pinyin_table.bin, the console's reading of every Han character.

For each code point of ``floorapp.pinyin.HAN_RANGES`` it stores what pypinyin reads for the
character alone (``lazy_pinyin(ch, errors="default")[0].casefold()``, phrases and the
dictionary copy switched off), so the console never loads pypinyin's character dictionary
(~11 MB of memory) to read a name. pypinyin is MIT-licensed; its readings come from
pinyin-data (MIT), https://github.com/mozillazg/pinyin-data.

Regenerate after upgrading pypinyin (pinned in constraints.txt; the `test` extra installs it):

    python tools/make_pinyin_table.py

tests/test_pinyin_table.py fails while the table and the installed pypinyin disagree on any
code point, or while this script would write a different file.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from floorapp.pinyin import (  # noqa: E402  (the checkout's floorapp, run as a script)
    HAN_RANGES,
    NO_READING,
    TABLE,
    TABLE_FORMAT,
    table_ranges_line,
)

OUT = ROOT / "floorapp" / TABLE


def code_points() -> list[int]:
    return [cp for lo, hi in HAN_RANGES for cp in range(lo, hi + 1)]


def pypinyin_reading(ch: str) -> str:
    """What floorapp read for one character when it called pypinyin at run time."""
    # The phrase dictionary (a character alone is never a phrase) and pypinyin's private copy
    # of its dictionary are left out, as the console had them; set before the first import.
    os.environ["PYPINYIN_NO_PHRASES"] = "1"
    os.environ["PYPINYIN_NO_DICT_COPY"] = "1"
    from pypinyin import lazy_pinyin

    return lazy_pinyin(ch, errors="default")[0].casefold()


def build() -> bytes:
    import pypinyin

    readings = [pypinyin_reading(chr(cp)) for cp in code_points()]
    # A character pypinyin cannot read comes back as itself; stored as NO_READING.
    syllables = sorted({r for cp, r in zip(code_points(), readings, strict=True) if r != chr(cp)})
    if len(syllables) >= NO_READING or not all(s.isascii() and s.isalpha() for s in syllables):
        raise SystemExit(f"unexpected syllables from pypinyin {pypinyin.__version__}")
    index = {s: i for i, s in enumerate(syllables)}
    body = bytearray()
    for cp, r in zip(code_points(), readings, strict=True):
        body += (NO_READING if r == chr(cp) else index[r]).to_bytes(2, "little")
    header = "\n".join(
        [
            f"format: {TABLE_FORMAT}",
            "generated: by tools/make_pinyin_table.py; do not edit, regenerate with "
            "python tools/make_pinyin_table.py",
            f"source: pypinyin {pypinyin.__version__} (MIT, "
            "https://github.com/mozillazg/python-pinyin), its readings from pinyin-data "
            "(MIT, https://github.com/mozillazg/pinyin-data)",
            'reading: lazy_pinyin(ch, errors="default")[0].casefold(), '
            "PYPINYIN_NO_PHRASES=1, PYPINYIN_NO_DICT_COPY=1",
            f"layout: after the NUL ending this header, one 16-bit little-endian index into "
            f"the syllables per code point of the ranges in order; {NO_READING:#06x}: no "
            "reading, the character stands for itself",
            f"ranges: {table_ranges_line()}",
            f"syllables: {' '.join(syllables)}",
        ]
    )
    return header.encode("ascii") + b"\0" + bytes(body)


def main() -> None:
    data = build()
    OUT.write_bytes(data)
    print(f"wrote {OUT.relative_to(ROOT)}: {len(data)} bytes, {len(code_points())} code points")


if __name__ == "__main__":
    main()
