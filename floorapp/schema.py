"""The typed schema shared by the settings file and the plan file (pydantic models).

Both files are TOML written by people, so both are read the same way: every table is a
``Section`` (an unknown key is an error naming its path, as a typo must not be silently
ignored), every number is finite and within a range that the code using it can take, and
every error is ``path: why`` with the file's own text escaped, never echoed raw.

A file is validated one top-level table (and one ``[[array]]`` entry) at a time, so a
wrong value in one place does not hide the problems elsewhere: ``validate_sections``
returns what is valid alongside every issue, and the caller runs its cross-field checks
(periods overlapping, a trigger against its rule) on the valid parts.
"""

from __future__ import annotations

import math
import re
import types
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import cache
from typing import Annotated, Any, Union, get_args, get_origin
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    PlainValidator,
    TypeAdapter,
    ValidationError,
)
from pydantic_core import PydanticCustomError

from floorapp.i18n import N_, _

MAX_TEXT = 10_000  # characters in one text value: a title, a requirement's wording
SHIFT_END = "shift_end"


@dataclass(frozen=True)
class Issue:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class Section(BaseModel):
    """A TOML table: unknown keys refused, values validated by the field types below."""

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)


# --- text that goes into messages -----------------------------------------------------


def escape(text: str) -> str:
    """Control and other unprintable characters as ``\\x1b``-style escapes: a message
    shows what the file holds and a terminal never obeys it."""
    return "".join(c if c.isprintable() or c == " " else repr(c)[1:-1] for c in text)


_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def format_path(loc: tuple[str | int, ...]) -> str:
    """``("period", 0, "teams", 1)`` -> ``period[0].teams[1]``; odd keys quoted as TOML does."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
            continue
        key = part if _BARE_KEY.fullmatch(part) else '"' + escape(part).replace('"', '\\"') + '"'
        out += f".{key}" if out else key
    return out


_KINDS = {
    bool: N_("a boolean"),
    int: N_("an integer"),
    float: N_("a number"),
    str: N_("a string"),
    list: N_("a list"),
    dict: N_("a table"),
    datetime: N_("a date-time"),
    date: N_("a date"),
    time: N_("a time"),
}


def kind(v: Any) -> str:
    found = _KINDS.get(type(v))
    return _(found) if found is not None else type(v).__name__


def shown(v: Any) -> str:
    """A value as a message shows it: its kind and an escaped, bounded repr."""
    text = repr(v)
    if len(text) > 60:
        text = text[:57] + "..."
    return _("{kind} {value}").format(kind=kind(v), value=escape(text))


def fail(why: str) -> PydanticCustomError:
    # The message travels as context, never as the template: a value holding "{" must
    # not be read as a format field.
    return PydanticCustomError("floorapp", "{why}", {"why": why})


# --- field types ------------------------------------------------------------------------


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def whole(low: int, high: int, what: str, *, message: str | None = None) -> PlainValidator:
    """A whole number of ``what`` in [low, high]; ``message`` replaces the default wording
    (both marked with ``N_`` where written, and worded when a value is refused).

    Used as ``Annotated[int, whole(...)]``: the type for mypy, the check for pydantic.
    """

    def check(v: Any) -> int:
        if isinstance(v, float) and math.isfinite(v) and v.is_integer():
            v = int(v)
        if not isinstance(v, int) or isinstance(v, bool) or not low <= v <= high:
            why = (
                _(message)
                if message
                else _("expected a whole number of {what} from {low} to {high}").format(
                    what=_(what), low=low, high=high
                )
            )
            raise fail(_("{why}, got {value}").format(why=why, value=shown(v)))
        return v

    return PlainValidator(check)


def finite(low: float, high: float, what: str = "") -> PlainValidator:
    """A finite number in [low, high]: nan, inf and 1e300 never reach the code.

    Used as ``Annotated[float, finite(...)]``.
    """

    def check(v: Any) -> float:
        if not _is_number(v) or not math.isfinite(v) or not low <= v <= high:
            why = (
                _("expected a finite number of {what} from {low} to {high}, got {value}")
                if what
                else _("expected a finite number from {low} to {high}, got {value}")
            )
            raise fail(
                why.format(
                    what=_(what) if what else "", low=f"{low:g}", high=f"{high:g}", value=shown(v)
                )
            )
        return float(v)

    return PlainValidator(check)


def _text(v: Any) -> str:
    if not isinstance(v, str) or not v.strip():
        raise fail(_("expected a non-empty string, got {kind}").format(kind=kind(v)))
    if len(v) > MAX_TEXT:
        raise fail(
            _("expected at most {n} characters, got {length}").format(n=MAX_TEXT, length=len(v))
        )
    try:
        v.encode("utf-8")
    except UnicodeEncodeError:
        raise fail(_("not valid Unicode: {value}").format(value=shown(v))) from None
    return v.strip()


Text = Annotated[str, PlainValidator(_text)]


def _zone(v: Any) -> ZoneInfo:
    if not isinstance(v, str):
        raise fail(
            _("expected a time zone name like 'Asia/Shanghai', got {value}").format(value=shown(v))
        )
    try:
        return ZoneInfo(v)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise fail(_("unknown time zone {zone}").format(zone=escape(repr(v)))) from None


Zone = Annotated[ZoneInfo, PlainValidator(_zone)]


def clock_time(v: Any, *, allow_shift_end: bool = False) -> time | str:
    """'HH:MM' (or TOML's 15:00:00) as a time; ``"shift_end"`` kept where allowed."""
    if allow_shift_end and v == SHIFT_END:
        return SHIFT_END
    if isinstance(v, time):
        return v.replace(second=0, microsecond=0)
    if isinstance(v, str) and len(v) <= 8:
        try:
            return time.fromisoformat(v).replace(second=0, microsecond=0, tzinfo=None)
        except ValueError:
            pass
    why = (
        _('expected a time of day like "15:00" or "shift_end", got {value}')
        if allow_shift_end
        else _('expected a time of day like "15:00", got {value}')
    )
    raise fail(why.format(value=shown(v)))


ClockTime = Annotated[time, PlainValidator(clock_time)]
ClockOrShiftEnd = Annotated[
    time | str, PlainValidator(lambda v: clock_time(v, allow_shift_end=True))
]


def one_of(choices: Collection[str], what: str) -> PlainValidator:
    """One of ``choices``; used as ``Annotated[str, one_of(...)]``."""

    def check(v: Any) -> str:
        if not isinstance(v, str) or v not in choices:
            raise fail(
                _("unknown {what} {value} (one of: {choices})").format(
                    what=_(what), value=escape(repr(v)), choices=", ".join(choices)
                )
                if isinstance(v, str)
                else _("expected one of {choices}, got {value}").format(
                    choices=", ".join(choices), value=shown(v)
                )
            )
        return v

    return PlainValidator(check)


def list_of(what: str) -> BeforeValidator:
    """A TOML array; not an array: ``expected a list of <what>``.

    Used as ``Annotated[list[Item], list_of("items")]``.
    """

    def must_be_list(v: Any) -> Any:
        if not isinstance(v, list):
            raise fail(
                _("expected a list of {what}, got {kind}").format(what=_(what), kind=kind(v))
            )
        return v

    return BeforeValidator(must_be_list)


# --- validation -------------------------------------------------------------------------


def _unwrap(tp: Any) -> Any:
    while True:
        origin = get_origin(tp)
        if origin is Annotated:
            tp = get_args(tp)[0]
        elif origin in (Union, types.UnionType):
            args = [a for a in get_args(tp) if a is not type(None)]
            models = [a for a in args if _is_section(_unwrap(a))]
            if len(args) == 1 or models:
                tp = models[0] if models else args[0]
            else:
                return tp
        else:
            return tp


def _is_section(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, Section)


def _section_at(root: type[Section], loc: tuple[str | int, ...]) -> type[Section] | None:
    """The Section class a location inside ``root`` points into (for "expected one of")."""
    tp: Any = root
    for part in loc:
        tp = _unwrap(tp)
        if _is_section(tp):
            field = tp.model_fields.get(part) if isinstance(part, str) else None
            if field is None:
                return None
            tp = field.annotation
        elif get_origin(tp) in (list, tuple) and isinstance(part, int):
            tp = get_args(tp)[0]
        elif get_origin(tp) is dict:
            tp = get_args(tp)[1]
        else:
            return None
    tp = _unwrap(tp)
    return tp if _is_section(tp) else None


def _message(err: Mapping[str, Any], root: type[Section], loc: tuple[str | int, ...]) -> str:
    kind_ = err["type"]
    value = err.get("input")
    if kind_ == "floorapp":
        return str(err["ctx"]["why"])
    if kind_ == "extra_forbidden":
        section = _section_at(root, loc[:-1])
        known = ", ".join(sorted(section.model_fields)) if section else ""
        return (
            _("unknown field (expected one of: {known})").format(known=known)
            if known
            else _("unknown field")
        )
    if kind_ == "missing":
        section = _section_at(root, loc[:-1])
        field = section.model_fields.get(str(loc[-1])) if section else None
        hint = f": {field.description}" if field is not None and field.description else ""
        return _("missing (required)") + hint
    if kind_ in ("model_type", "model_attributes_type", "dict_type"):
        return _("expected a table, got {kind}").format(kind=kind(value))
    if kind_ == "list_type":
        return _("expected a list, got {kind}").format(kind=kind(value))
    return escape(str(err.get("msg", "invalid value")))


@cache
def _adapter(tp: Any) -> TypeAdapter[Any]:
    return TypeAdapter(tp)


def _validate(
    tp: Any,
    value: Any,
    loc: tuple[str | int, ...],
    root: type[Section],
    issues: list[Issue],
    context: Mapping[str, Any] | None,
) -> Any:
    try:
        return _adapter(tp).validate_python(value, context=context)
    except ValidationError as exc:
        for err in exc.errors(include_url=False):
            where = loc + tuple(err["loc"])
            issues.append(Issue(format_path(where), escape(_message(err, root, where))))
        return None


class Invalid:
    """Marks a part that failed validation (its issues are already recorded)."""

    def __repr__(self) -> str:
        return "INVALID"

    def __bool__(self) -> bool:  # ``parts["floor"] or None`` skips a failed part
        return False


INVALID: Any = Invalid()


def validate_sections(
    root: type[Section],
    data: Mapping[str, Any],
    context: Mapping[str, Any] | None = None,
) -> tuple[dict[str, Any], list[Issue]]:
    """Each top-level field of ``root`` validated on its own (each entry of an array of
    tables too), so one wrong value leaves the rest usable for cross-field checks.

    Returns ``{field: value}`` (absent fields take their default; a part that failed is
    ``INVALID``, a failed array entry is ``INVALID`` in its list) and every issue found.
    """
    issues: list[Issue] = []
    fields = root.model_fields
    for key in data:
        if key not in fields:
            issues.append(
                Issue(
                    format_path((key,)),
                    _("unknown field (expected one of: {known})").format(
                        known=", ".join(sorted(fields))
                    ),
                )
            )
    out: dict[str, Any] = {}
    for name, field in fields.items():
        if name not in data:
            if field.is_required():
                hint = f": {field.description}" if field.description else ""
                issues.append(Issue(name, _("missing (required)") + hint))
                out[name] = INVALID
            else:
                out[name] = field.get_default(call_default_factory=True)
            continue
        value = data[name]
        tp = _unwrap(field.annotation)
        if get_origin(tp) is list and _is_section(_unwrap(get_args(tp)[0])):
            if not isinstance(value, list) or not all(isinstance(x, dict) for x in value):
                issues.append(
                    Issue(
                        name,
                        _("expected [[{name}]] tables, got {kind}").format(
                            name=name, kind=kind(value)
                        ),
                    )
                )
                out[name] = INVALID
                continue
            item = get_args(tp)[0]
            entries = [
                _validate(item, x, (name, i), root, issues, context) for i, x in enumerate(value)
            ]
            out[name] = [INVALID if v is None else v for v in entries]
            continue
        before = len(issues)
        v = _validate(field.annotation, value, (name,), root, issues, context)
        out[name] = INVALID if len(issues) > before else v
    return out, issues


def validate_whole(
    root: type[Section], data: Mapping[str, Any], context: Mapping[str, Any] | None = None
) -> tuple[Any, list[Issue]]:
    """The whole document as one model, or None with every issue."""
    parts, issues = validate_sections(root, data, context)
    if issues:
        return None, issues
    return root.model_construct(**parts), issues
