"""Names for a simulated floor: Chinese (some with compound surnames) and Latin, all distinct."""

from __future__ import annotations

import random

SURNAMES = (
    "王",
    "李",
    "张",
    "刘",
    "陈",
    "杨",
    "黄",
    "赵",
    "吴",
    "周",
    "徐",
    "孙",
    "马",
    "朱",
    "胡",
    "郭",
    "何",
    "林",
    "罗",
    "高",
    "郑",
    "梁",
    "谢",
    "宋",
    "唐",
    "许",
    "韩",
    "冯",
)
COMPOUND_SURNAMES = ("欧阳", "司马", "诸葛", "上官", "东方", "慕容")
GIVEN = (
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
    "晓明",
    "春燕",
    "建华",
    "海燕",
    "志强",
    "雪梅",
    "婷婷",
    "子涵",
    "雨桐",
    "浩然",
    "欣怡",
    "文博",
    "佳琪",
    "思远",
    "梓萱",
)
LATIN_FIRST = (
    "Maria",
    "James",
    "Linh",
    "Aisha",
    "Daniel",
    "Sofia",
    "Omar",
    "Emma",
    "Lucas",
    "Priya",
    "Noah",
    "Chloe",
    "Mateo",
    "Hana",
    "Ivan",
    "Grace",
    "Kenji",
    "Olivia",
)
LATIN_LAST = (
    "Santos",
    "O'Brien",
    "Nguyen",
    "Khan",
    "Müller",
    "García",
    "Kim",
    "Rossi",
    "Novak",
    "Silva",
    "Dubois",
    "Tanaka",
    "Smith",
    "Kowalski",
    "Haddad",
    "Lopez",
)
TEAM_NAMES = (
    "broadband",
    "mobile",
    "billing",
    "complaints",
    "roaming",
    "business",
    "home",
    "fiber",
    "tv",
    "enterprise",
    "prepaid",
    "retention",
)


def chinese_name(rng: random.Random) -> str:
    surname = rng.choice(COMPOUND_SURNAMES) if rng.random() < 0.08 else rng.choice(SURNAMES)
    return surname + rng.choice(GIVEN)


def latin_name(rng: random.Random) -> str:
    return f"{rng.choice(LATIN_FIRST)} {rng.choice(LATIN_LAST)}"


def unique_names(rng: random.Random, n: int, chinese_share: float = 0.7) -> list[str]:
    """``n`` distinct names, about ``chinese_share`` of them Chinese."""
    names: list[str] = []
    seen: set[str] = set()
    while len(names) < n:
        name = chinese_name(rng) if rng.random() < chinese_share else latin_name(rng)
        if name in seen:
            if len(seen) > 600:  # the pools are nearly used up: disambiguate
                name = f"{name} {len(names) + 1}"
            else:
                continue
        seen.add(name)
        names.append(name)
    return names


def team_names(n: int) -> list[str]:
    if n <= len(TEAM_NAMES):
        return list(TEAM_NAMES[:n])
    return [*TEAM_NAMES, *(f"team-{i}" for i in range(len(TEAM_NAMES) + 1, n + 1))]
