"""Names in pinyin order and found by pinyin, surnames read as surnames."""

from __future__ import annotations

import pytest

from floorapp import pinyin


def test_chinese_and_latin_names_interleave_by_latin_spelling() -> None:
    names = ["Huang", "胡春燕", "Hu", "何娜", "刘子涵", "林杰", "Anna Smith", "Zoe", "欧阳芳"]
    assert sorted(names, key=lambda n: (pinyin.sort_key(n), n)) == [
        "Anna Smith",
        "何娜",
        "Hu",
        "胡春燕",
        "Huang",
        "林杰",
        "刘子涵",
        "欧阳芳",
        "Zoe",
    ]


@pytest.mark.parametrize(
    "name,reading",
    [
        ("单春燕", "shan chun yan"),
        ("曾磊", "zeng lei"),
        ("解娜", "xie na"),
        ("仇杰", "qiu jie"),
        ("区芳", "ou fang"),
        ("查强", "zha qiang"),
        ("朴敏", "piao min"),
        ("覃静", "qin jing"),
        ("长孙无忌", "zhang sun wu ji"),
        ("单于青", "chan yu qing"),
        ("尉迟恭", "yu chi gong"),
        # a lone character is not read as a surname; the rest of a name is read as written
        ("单", "dan"),
        ("王单", "wang dan"),
    ],
)
def test_polyphonic_surnames_read_as_surnames(name: str, reading: str) -> None:
    assert pinyin.sort_key(name) == reading


def test_punctuation_and_case_do_not_count() -> None:
    assert pinyin.sort_key("O'Brien") == "obrien"
    assert pinyin.sort_key("李Tom") == "li tom"
    assert pinyin.sort_key("[@click=app.quit]x") == "click app quit x"


@pytest.mark.parametrize(
    "query,name,found",
    [
        ("hcy", "胡春燕", True),
        ("HCY", "胡春燕", True),
        ("huchunyan", "胡春燕", True),
        ("hu chun", "胡春燕", True),
        ("chunyan", "胡春燕", True),
        ("胡", "胡春燕", True),
        ("春燕", "胡春燕", True),
        ("hu", "Huang", True),
        ("un", "胡春燕", False),
        ("hcx", "胡春燕", False),
        ("shan", "单春燕", True),
        ("dan", "单春燕", False),
        ("smith", "Anna Smith", True),
        ("", "胡春燕", True),
    ],
)
def test_search(query: str, name: str, found: bool) -> None:
    assert pinyin.matches(query, name) is found


def test_each_name_is_converted_once() -> None:
    name = "测试一次性名字"
    pinyin.keys.cache_clear()
    pinyin._SORT_KEYS.pop(name, None)
    for _ in range(5):
        pinyin.sort_key(name)
        pinyin.matches("cs", name)
    assert pinyin.keys.cache_info().misses == 1
