"""The catalogs: every string the console shows is marked, extracted, translated and compiled;
the language is chosen as documented; Chinese text is cut and wrapped by display width."""

from __future__ import annotations

import ast
import gettext
import re
import string
from datetime import date
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po
from rich.cells import cell_len
from sqlalchemy import Engine, insert, select

from db.engine import run_write
from db.models import AuditEntry, Supervisor
from floorapp import i18n
from floorapp.cli import main

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "floorapp/locale/zh_CN/LC_MESSAGES/floorapp.po"
MO = PO.with_suffix(".mo")
KEYWORDS = {**DEFAULT_KEYWORDS, "N_": None}


def extracted() -> dict[object, tuple[str, int]]:
    """msgid (or (context, msgid)) -> where it is, for every marked string in the sources."""
    found: dict[object, tuple[str, int]] = {}
    for sub in ("floorapp", "screens"):
        for filename, lineno, message, _comments, context in extract_from_dir(
            ROOT / sub, method_map=[("**.py", "python")], keywords=KEYWORDS
        ):
            msgid = message if isinstance(message, str) else message[0]
            found[(context, msgid) if context else msgid] = (f"{sub}/{filename}", lineno)
    return found


def catalog() -> dict[object, object]:
    with PO.open("rb") as fh:
        cat = read_po(fh, locale="zh_CN")
    out: dict[object, object] = {}
    for m in cat:
        if not m.id:
            continue
        msgid = m.id if isinstance(m.id, str) else m.id[0]
        assert "fuzzy" not in m.flags, f"fuzzy entry in {PO.name}: {msgid!r}"
        out[(m.context, msgid) if m.context else msgid] = m.string
    assert not cat.obsolete, f"obsolete entries in {PO.name}: {list(cat.obsolete)}"
    return out


def test_every_marked_string_is_in_the_catalog_and_translated() -> None:
    marked = extracted()
    assert len(marked) > 300  # the console, the words, the CLI's own options
    translations = catalog()
    missing = {k: where for k, where in marked.items() if k not in translations}
    assert not missing, (
        "not in the zh_CN catalog (run pybabel extract/update, docs/i18n.md): "
        + "; ".join(f"{k!r} at {w[0]}:{w[1]}" for k, w in missing.items())
    )
    untranslated = [
        k for k, v in translations.items() if not v or (isinstance(v, tuple) and not all(v))
    ]
    assert not untranslated, f"untranslated: {untranslated}"
    unused = [k for k in translations if k not in marked]
    assert not unused, f"in the catalog but no longer in the sources: {unused}"


def _fields(text: str) -> set[str]:
    return {f for _lit, f, _spec, _conv in string.Formatter().parse(text) if f is not None}


def test_translations_keep_every_placeholder() -> None:
    """A translation that drops or renames {name} would raise KeyError on screen."""
    for key, value in catalog().items():
        msgid = key[1] if isinstance(key, tuple) else key
        for v in value if isinstance(value, tuple) else (value,):
            assert _fields(v) == _fields(str(msgid)), (key, v)


def test_the_compiled_catalog_is_the_po() -> None:
    """The .mo shipped in the wheel says exactly what the .po says (recompile with
    ``pybabel compile -D floorapp -d floorapp/locale`` after editing the .po)."""
    with MO.open("rb") as fh:
        mo = gettext.GNUTranslations(fh)
    for key, value in catalog().items():
        if isinstance(key, tuple):
            context, msgid = key
            got = mo.pgettext(context, msgid)
        else:
            msgid = key
            got = mo.gettext(msgid)
        want = value[0] if isinstance(value, tuple) else value
        if isinstance(value, tuple):
            continue  # plurals: checked below through ngettext
        assert got == want, f"{MO.name} is stale for {key!r}: {got!r} != {want!r}"
    assert mo.ngettext("{n} hand-off", "{n} hand-offs", 2) == "已转交 {n} 次"


def test_the_wheel_carries_the_catalogs() -> None:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert '"locale/*/LC_MESSAGES/*.mo"' in text


# --- strings a supervisor reads must be marked ---------------------------------------------

# Calls whose arguments a supervisor reads: (name, positions read, keywords read).
VISIBLE: dict[str, tuple[tuple[int, ...], tuple[str, ...]]] = {
    "notify": ((0,), ("title", "message")),
    "Binding": ((2,), ("description", "tooltip")),
    "Col": ((1,), ("label",)),
    "NoteDialog": ((0,), ("placeholder",)),
    "ChoiceDialog": ((0,), ()),
    "ChoiceNoteDialog": ((0,), ("choosing", "placeholder")),
    "ConfirmDialog": ((0,), ()),
    "Static": ((0,), ()),
    "Label": ((0,), ()),
    "Text": ((0,), ()),
    "append": ((0,), ()),
    "add_column": ((0,), ()),
    "add_columns": ((0, 1, 2, 3, 4, 5, 6, 7), ()),
    "perform": ((0,), ()),
    "update": ((0,), ()),
    "TabPane": ((0,), ()),
}
WORDS = re.compile(r"[A-Za-z]{2,}")


def _literal_words(node: ast.AST) -> bool:
    """Whether ``node`` is (or builds) a string with English words in its literal parts."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        # a terminal's control sequence is not read by anyone
        return "\x1b" not in node.value and bool(WORDS.search(node.value))
    if isinstance(node, ast.JoinedStr):
        return any(_literal_words(v) for v in node.values)
    if isinstance(node, ast.BinOp):
        return _literal_words(node.left) or _literal_words(node.right)
    if isinstance(node, ast.IfExp):
        return _literal_words(node.body) or _literal_words(node.orelse)
    return False


def unmarked(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        name = (
            node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        )
        if name not in VISIBLE:
            continue
        positions, keywords = VISIBLE[name]
        args = [a for i, a in enumerate(node.args) if i in positions]
        args += [k.value for k in node.keywords if k.arg in keywords]
        found += [f"{path.name}:{a.lineno}" for a in args if _literal_words(a)]
    return found


def test_no_visible_string_in_the_console_is_left_unmarked() -> None:
    found = [f for p in sorted((ROOT / "screens").glob("*.py")) for f in unmarked(p)]
    assert not found, f"English shown without _() / N_(): {found}"


def test_the_unmarked_check_finds_an_unmarked_string(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        'self.notify(f"Flag raised on {name}")\n'
        'self.notify(_("Flag raised on {name}").format(name=name))\n'
        'Binding("a", "ack", "Ack")\nBinding("a", "ack", N_("Ack"))\n',
        encoding="utf-8",
    )
    assert unmarked(sample) == ["sample.py:1", "sample.py:3"]


# --- which language --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value,code",
    [
        ("zh-CN", "zh_CN"),
        ("zh_CN.UTF-8", "zh_CN"),
        ("zh", "zh_CN"),
        ("zh-Hans", "zh_CN"),
        ("en", "en"),
        ("en_US.UTF-8", "en"),
        ("C", "en"),
        ("POSIX", "en"),
        ("fr_FR", None),
    ],
)
def test_language_codes_as_people_write_them(value: str, code: str | None) -> None:
    assert i18n.normalize(value) == code


def test_the_order_of_the_sources() -> None:
    class WithLang:
        lang = "zh-CN"

    locale_zh = {"LANG": "zh_CN.UTF-8"}
    assert i18n.resolve(None, None, {}) == i18n.Choice("en", "default")
    assert i18n.resolve(None, None, locale_zh) == i18n.Choice("zh_CN", "locale")
    # LC_ALL beats LANG, as for every program on the machine
    assert i18n.resolve(None, None, {"LC_ALL": "C", "LANG": "zh_CN.UTF-8"}).code == "en"
    assert i18n.resolve(None, WithLang(), {"LANG": "C"}) == i18n.Choice("zh_CN", "settings")
    assert i18n.resolve(None, WithLang(), {"FLOORAPP_LANG": "en"}).code == "en"
    assert i18n.resolve("en", WithLang(), {"FLOORAPP_LANG": "zh"}) == i18n.Choice("en", "cli")
    # the supervisor's own beats the settings file and the locale, never --lang or the env
    assert i18n.with_supervisor(i18n.resolve(None, None, {"LANG": "C"}), "zh_CN").code == "zh_CN"
    assert i18n.with_supervisor(i18n.Choice("zh_CN", "settings"), "en").code == "en"
    assert i18n.with_supervisor(i18n.Choice("en", "cli"), "zh_CN").code == "en"
    assert i18n.with_supervisor(i18n.Choice("en", "env"), "zh_CN").code == "en"
    assert i18n.with_supervisor(i18n.Choice("zh_CN", "locale"), None).code == "zh_CN"


def test_an_unknown_language_is_named(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(i18n.UnknownLanguage, match="FLOORAPP_LANG: unknown language 'klingon'"):
        i18n.resolve(None, None, {"FLOORAPP_LANG": "klingon"})
    assert main(["--lang", "klingon", "status"]) == 2
    assert "--lang: unknown language 'klingon'" in capsys.readouterr().err


def test_help_in_chinese(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--lang", "zh-CN", "--help"])
    out = capsys.readouterr().out
    assert "呼叫中心现场班组长的控制台" in out
    assert "以谁的身份操作" in out
    # argparse's own words too: the usage line, its sections, its errors.
    assert out.startswith("用法：") and "显示此帮助信息并退出" in out and "usage" not in out
    with pytest.raises(SystemExit):
        main(["--lang", "zh-CN", "reminders", "snooze"])
    err = capsys.readouterr().err
    assert "错误" in err and "缺少必需的参数" in err and "required" not in err
    with pytest.raises(SystemExit):
        main(["--lang", "en", "reminders", "snooze"])
    assert "the following arguments are required" in capsys.readouterr().err


def test_a_supervisors_language_is_stored_and_audited(engine: Engine) -> None:
    from tests.conftest import T0

    def two(c) -> None:
        c.execute(
            insert(Supervisor).values(id="lead.hu", name="胡班长", role="team_leader", active=True)
        )
        c.execute(
            insert(Supervisor).values(
                id="fm.zhou", name="周建华", role="floor_manager", active=True
            )
        )

    run_write(engine, two)
    assert i18n.supervisor_lang(engine, "lead.hu") is None
    i18n.set_supervisor_lang(engine, "lead.hu", "zh-CN", actor="fm.zhou", now=T0)
    assert i18n.supervisor_lang(engine, "lead.hu") == "zh_CN"
    with pytest.raises(ValueError, match="no supervisor 'nobody'"):
        i18n.set_supervisor_lang(engine, "nobody", "en", actor="fm.zhou", now=T0)
    with pytest.raises(i18n.UnknownLanguage):
        i18n.set_supervisor_lang(engine, "lead.hu", "xx", actor="fm.zhou", now=T0)
    i18n.set_supervisor_lang(engine, "lead.hu", None, actor="fm.zhou", now=T0)
    assert i18n.supervisor_lang(engine, "lead.hu") is None
    with engine.connect() as conn:
        rows = conn.execute(
            select(AuditEntry.action, AuditEntry.target_id, AuditEntry.detail).where(
                AuditEntry.action == "supervisor.lang"
            )
        ).all()
    assert [tuple(r) for r in rows] == [
        ("supervisor.lang", "lead.hu", "zh_CN"),
        ("supervisor.lang", "lead.hu", "cleared"),
    ]


# --- words, plurals, dates ---------------------------------------------------------------


def test_plurals_in_both_languages() -> None:
    from floorapp import words

    assert words.count(1, "{n} hand-off", "{n} hand-offs") == "1 hand-off"
    assert words.count(2, "{n} hand-off", "{n} hand-offs") == "2 hand-offs"
    i18n.set_language("zh_CN")
    assert words.count(1, "{n} hand-off", "{n} hand-offs") == "已转交 1 次"
    assert words.agent_state("after_call") == "话后处理"
    assert words.tier(3) == "投诉专席"
    assert words.flag_kind("a_new_rule") == "a new rule"  # an unknown code still reads


def test_dates_and_times() -> None:
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    assert i18n.day(date(2026, 12, 7)) == "2026-12-07"
    i18n.set_language("zh_CN")
    assert i18n.day(date(2026, 12, 7)) == "12月7日"
    assert i18n.day("2026-03-15") == "3月15日"
    t = datetime(2026, 12, 7, 13, 5, 9, tzinfo=UTC)
    assert i18n.clock(t, ZoneInfo("Asia/Shanghai")) == "21:05:09"  # 24-hour, local


# --- display width ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text,width",
    [("欧阳晓明明", 7), ("欧阳晓明明", 6), ("Huang Xiao", 5), ("胡A春燕", 4), ("胡春燕", 6)],
)
def test_names_are_cut_by_display_width(text: str, width: int) -> None:
    i18n.set_language("zh_CN")
    out = i18n.cut(text, width)
    assert cell_len(out) <= width
    if cell_len(text) <= width:
        assert out == text
    else:
        assert out.endswith("~") and text.startswith(out[:-1])  # whole characters only


def test_wrapped_chinese_never_starts_a_line_with_closing_punctuation() -> None:
    text = "这位客户已经解释了三次，仍然不接受。请班组长到场（立即）处理、记录，并回访。" * 3
    for width in range(6, 40):
        lines = i18n.wrap(text, width)
        assert "".join(lines) == text
        for line in lines:
            assert cell_len(line) <= width + 2  # a closing mark may hang at the end
            assert line[0] not in i18n.NO_LINE_START, (width, line)
            assert line[-1] not in i18n.NO_LINE_END, (width, line)
    assert i18n.wrap("plain English wraps at spaces", 12) == [
        "plain",
        "English",
        "wraps at",
        "spaces",
    ]


def test_the_settings_file_and_the_demo_take_a_language(tmp_path: Path) -> None:
    from floorapp.cli import build_parser
    from floorapp.config import load_settings

    conf = tmp_path / "floor.toml"
    conf.write_text('[floor]\nlang = "zh-CN"\n', encoding="utf-8")
    assert i18n.resolve(None, load_settings(conf), {"LANG": "C"}) == i18n.Choice(
        "zh_CN", "settings"
    )
    # the global option goes after the command too: `floorapp demo --lang zh-CN`
    assert build_parser().parse_args(["demo", "--lang", "zh-CN"]).lang == "zh-CN"
    assert i18n.resolve(build_parser().parse_args(["demo", "--lang", "zh-CN"]).lang).code == "zh_CN"


def test_the_schedulers_own_reminder_titles_read_in_chinese() -> None:
    from screens.reminders import reminder_title

    i18n.set_language("zh_CN")
    assert reminder_title("patrol", "Patrol the floor: team T1", "T1") == "巡场：班组 T1"
    assert (
        reminder_title("nomination", "Nominate role models for 3·15", "T1") == "为3·15推荐服务标杆"
    )
    # a plan's own words, or a title the scheduler no longer writes that way: as written
    assert reminder_title("care", "下午茶", "T1") == "下午茶"
    assert (
        reminder_title("patrol", "Patrol the floor: team T1 (west)", "T1")
        == "Patrol the floor: team T1 (west)"
    )


def test_a_forced_command_login_reads_its_supervisors_language(
    engine: Engine, db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A shared SSH account (its locale C, nobody's) runs each key's forced command
    (``--as NAME console``, no --lang): the console opens in that supervisor's language,
    which the supervisor set for themselves."""
    import shlex

    from floorapp import supervisors as sv
    from screens.app import FloorApp
    from tests.conftest import T0
    from tests.test_supervisors import KEY

    sv.add_supervisor(
        engine,
        sup_id="fm.zhou",
        name="周建华",
        role="floor_manager",
        teams=[],
        keys=[],
        actor="fm.zhou",
        now=T0,
    )
    sv.add_supervisor(
        engine,
        sup_id="lead.hu",
        name="胡班长",
        role="team_leader",
        teams=[],
        keys=[KEY],
        actor="fm.zhou",
        now=T0,
    )
    assert (
        main(
            ["--db", db_url, "--as", "lead.hu", "supervisors", "set", "lead.hu", "--lang", "zh-CN"]
        )
        == 0
    )
    # ... and not anyone else's: refused, nothing changed
    assert (
        main(
            ["--db", db_url, "--as", "lead.hu", "supervisors", "set", "fm.zhou", "--lang", "zh-CN"]
        )
        == 1
    )
    assert "refused" in capsys.readouterr().err
    assert i18n.supervisor_lang(engine, "fm.zhou") is None

    (line,) = sv.authorized_keys_lines(engine, ["floorapp", "--db", db_url])
    command = line.split('command="', 1)[1].rsplit('" ', 1)[0]
    argv = shlex.split(command.replace('\\"', '"').replace("\\\\", "\\"))[1:]
    assert "--lang" not in argv and argv[-3:] == ["--as", "lead.hu", "console"]
    for var in ("FLOORAPP_LANG", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LANG", "C")
    monkeypatch.setenv("SSH_CONNECTION", "10.0.0.9 50000 10.0.0.1 22")
    seen: list[str] = []
    monkeypatch.setattr(FloorApp, "run", lambda self, *a, **k: seen.append(i18n.language()))
    assert main(argv) == 0
    assert seen == ["zh_CN"]
    i18n.choose(i18n.Choice("en", "locale"))
    monkeypatch.setenv("FLOORAPP_LANG", "en")  # the account's owner asked for English
    assert main(argv) == 0
    assert seen == ["zh_CN", "en"]


def test_the_period_is_worded_by_the_screen_from_its_days_left() -> None:
    from datetime import UTC, datetime

    from floorapp.services.periods import PeriodInfo
    from screens.header import period_words

    def info(days: int) -> PeriodInfo:
        t = datetime(2026, 3, 1, tzinfo=UTC)
        return PeriodInfo("3·15", t, t, (), True, days)

    assert [period_words(info(n)) for n in (0, 1, 4)] == [
        "3·15: last day",
        "3·15: 1 day left",
        "3·15: 4 days left",
    ]
    i18n.set_language("zh_CN")
    assert "4" in period_words(info(4)) and "days" not in period_words(info(4))


# --- the command line: what it prints, its errors, its --help ---------------------------

# Calls whose arguments the CLI's user reads: (name, positions read, keywords read).
CLI_VISIBLE: dict[str, tuple[tuple[int, ...], tuple[str, ...]]] = {
    "say": ((0, 1, 2), ()),
    "print": ((0, 1, 2), ()),
    "add_parser": ((), ("help", "description", "epilog")),
    "add_subparsers": ((), ("help", "title", "description")),
    "add_argument": ((), ("help",)),
    "add_argument_group": ((0, 1), ("title", "description")),
    "error": ((0,), ()),  # parser.error
    "exit": ((1,), ("message",)),
    "SystemExit": ((0,), ()),
    # refusals: Refused(action, actor, reason)
    "Refused": ((2,), ()),
    "NotAllowed": ((2,), ()),
    "NotYours": ((2,), ()),
    "FlagRefused": ((2,), ()),
    "ReminderRefused": ((2,), ()),
    "no": ((0,), ()),
    "_refusal": ((3,), ()),  # escalations: _refusal(who, action, id, reason)
    # rich tables the CLI prints
    "Table": ((), ("title", "caption")),
    "add_column": ((0,), ("header",)),
    "add_row": (tuple(range(12)), ()),
    "cell": ((0,), ()),
    "_t": ((0,), ()),
    "append": ((0,), ()),  # lines of text built to be printed
}
# Words that are the same in every language: the program, its commands and options.
NOT_WORDS = re.compile(
    r"floorapp( [a-z][a-z-]*)*:|--[a-z][a-z-]*|https?://\S+|\bJSON\b|\bCSV\b"
    r"|restrict,pty,command="
)  # sshd's own words in authorized_keys
# The errors a person reads: any exception raised with a sentence in it.
OWNERS_ELSEWHERE = {"status.py", "report.py", "bench.py", "board.py"}


def _cli_literal_words(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return "\x1b" not in node.value and bool(WORDS.search(NOT_WORDS.sub("", node.value)))
    if isinstance(node, ast.JoinedStr):
        text = "".join(
            v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str)
        )
        return bool(WORDS.search(NOT_WORDS.sub("", text)))
    if isinstance(node, ast.BinOp):
        return _cli_literal_words(node.left) or _cli_literal_words(node.right)
    if isinstance(node, ast.IfExp):
        return _cli_literal_words(node.body) or _cli_literal_words(node.orelse)
    return False


def cli_unmarked(path: Path) -> list[str]:
    """Strings a CLI user reads that are not marked: printed, --help, errors raised."""
    found: list[int] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        args: list[ast.AST] = []
        if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
            called = node.exc.func
            exc = called.attr if isinstance(called, ast.Attribute) else getattr(called, "id", "")
            if exc not in CLI_VISIBLE:  # a refusal's reason: below, by its position
                args = list(node.exc.args[:1])  # raise SomeError("a sentence")
        if isinstance(node, ast.Call):
            name = (
                node.func.attr
                if isinstance(node.func, ast.Attribute)
                else getattr(node.func, "id", "")
            )
            logger = isinstance(node.func, ast.Attribute) and getattr(
                node.func.value, "id", ""
            ) in ("log", "logger", "logging")
            if name in CLI_VISIBLE and not logger:  # a log line is for whoever runs the
                positions, keywords = CLI_VISIBLE[name]  # service, in English
                args += [a for i, a in enumerate(node.args) if i in positions]
                args += [k.value for k in node.keywords if k.arg in keywords]
        found += [a.lineno for a in args if _cli_literal_words(a)]
    return [f"{path.name}:{n}" for n in sorted(found)]


def cli_sources() -> list[Path]:
    return [
        p
        for sub in ("floorapp/commands", "floorapp/services")
        for p in sorted((ROOT / sub).glob("*.py"))
        if p.name not in OWNERS_ELSEWHERE
    ] + [
        ROOT / "floorapp" / name
        for name in ("policy.py", "supervisors.py", "identity.py", "context.py")
    ]


def test_no_string_the_command_line_shows_is_left_unmarked() -> None:
    found = [f for p in cli_sources() for f in cli_unmarked(p)]
    assert not found, f"English the CLI shows without _() / ngettext(): {found}"


def test_the_cli_check_finds_an_unmarked_string(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        'say(f"supervisor {sid} saved")\n'
        'say(_("supervisor {sid} saved").format(sid=sid))\n'
        'p.add_argument("--team", help="only this team")\n'
        'p.add_argument("--team", help=_("only this team"))\n'
        'raise FlagError(f"no flag #{n}")\n'
        'raise FlagError(_("no flag #{n}").format(n=n))\n'
        'say(f"floorapp reminders: {exc}", err=True)\n'
        'raise policy.NotAllowed("x.y", actor, "only a floor manager may")\n',
        encoding="utf-8",
    )
    assert cli_unmarked(sample) == ["sample.py:1", "sample.py:3", "sample.py:5", "sample.py:8"]


def test_a_refusal_in_the_audit_log_reads_in_each_readers_language(engine: Engine) -> None:
    """A team leader refused in Chinese; the floor manager reads the same audit row in
    English (the row keeps the message id and parameters, not the words)."""
    from floorapp import audit, policy
    from floorapp import supervisors as sv
    from tests.conftest import T0

    sv.add_supervisor(
        engine,
        sup_id="fm.zhou",
        name="周建华",
        role="floor_manager",
        teams=[],
        keys=[],
        actor="fm.zhou",
        now=T0,
    )
    sv.add_supervisor(
        engine,
        sup_id="lead.hu",
        name="胡班长",
        role="team_leader",
        teams=[],
        keys=[],
        actor="fm.zhou",
        now=T0,
    )
    i18n.set_language("zh_CN")
    with pytest.raises(policy.Refused) as refused:
        i18n.set_supervisor_lang(engine, "fm.zhou", "en", actor="lead.hu", now=T0)
    assert refused.value.message == "已拒绝：只有现场经理可以设置其他管理人员的语言"

    def last() -> str | None:
        with engine.connect() as conn:
            return audit.entries(conn)[-1].detail

    assert last() == "只有现场经理可以设置其他管理人员的语言"
    i18n.set_language("en")
    assert last() == "only a floor manager may set another supervisor's language"
