"""The console's own pinyin table reads every Han character exactly as pypinyin does, without
loading pypinyin; the file is what its generator writes and a wheel carries it."""

from __future__ import annotations

import fnmatch
import importlib.util
import subprocess
import sys
import tomllib
from pathlib import Path
from types import ModuleType

from floorapp import pinyin

ROOT = Path(__file__).resolve().parent.parent


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "make_pinyin_table", ROOT / "tools" / "make_pinyin_table.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_han_code_point_reads_as_pypinyin_reads_it() -> None:
    gen = _generator()
    points = gen.code_points()
    assert len(points) == 0x9FFF - 0x3400 + 1 + 0xFAFF - 0xF900 + 1
    differ = [
        (f"U+{cp:04X}", got, want)
        for cp in points
        if (got := pinyin._reading(chr(cp))) != (want := gen.pypinyin_reading(chr(cp)))
    ]
    assert not differ, (
        f"{len(differ)} code points read differently from pypinyin (regenerate with "
        f"tools/make_pinyin_table.py), e.g. {differ[:5]}"
    )
    # Through the name keys too: a character that is not a surname reads as the table says.
    assert pinyin.sort_key("王\u3400\ufad9") == " ".join(
        gen.pypinyin_reading(ch) for ch in "王\u3400\ufad9"
    )


def test_the_han_ranges_are_what_is_han_takes() -> None:
    for lo, hi in pinyin.HAN_RANGES:
        assert pinyin.is_han(chr(lo)) and pinyin.is_han(chr(hi))
        assert not pinyin.is_han(chr(lo - 1)) and not pinyin.is_han(chr(hi + 1))


def test_the_table_is_what_the_generator_writes() -> None:
    gen = _generator()
    assert (ROOT / "floorapp" / pinyin.TABLE).read_bytes() == gen.build(), (
        "floorapp/pinyin_table.bin is stale: python tools/make_pinyin_table.py"
    )


def test_reading_names_never_loads_pypinyin() -> None:
    code = (
        "import sys\n"
        "from floorapp import pinyin\n"
        "assert pinyin.sort_key('胡春燕') == 'hu chun yan'\n"
        "assert pinyin.matches('hcy', '胡春燕')\n"
        "print('pypinyin' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert done.stdout.strip() == "False"


def test_a_wheel_carries_the_table() -> None:
    conf = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    data = conf["tool"]["setuptools"]["package-data"]
    patterns = [*data.get("*", []), *data.get("floorapp", [])]
    assert any(fnmatch.fnmatch(pinyin.TABLE, p) for p in patterns)
    assert "pypinyin" not in " ".join(conf["project"]["dependencies"])
