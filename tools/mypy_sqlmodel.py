"""A mypy plugin: what SQLModel's own annotations leave out about a table class.

- A table's fields, read on the class, are SQLAlchemy columns: ``Agent.state`` is a ``str``
  on an agent but an ``InstrumentedAttribute[str]`` on the class, so ``Agent.state ==
  "break"`` builds SQL and ``Agent.state_since.is_(None)`` exists. SQLModel declares only
  the first, and every query would read to mypy as comparing strings (``col()`` around each
  column says the same thing at every use).
- A primary key declared ``int | None`` (None until the database assigns it) is never NULL
  once read back: as a column it has the type without None.
- A table class has its ``__table__`` (SQLAlchemy's ``Table``), as every mapped class does.

Instances keep the declared types. Named first in pyproject.toml's ``[tool.mypy] plugins``.
"""

from __future__ import annotations

from collections.abc import Callable

from mypy.nodes import (
    AssignmentStmt,
    CallExpr,
    MypyFile,
    NameExpr,
    TypeInfo,
    Var,
)
from mypy.plugin import AttributeContext, ClassDefContext, Plugin
from mypy.plugins.common import add_attribute_to_class
from mypy.types import (
    CallableType,
    Instance,
    NoneType,
    Type,
    TypeType,
    UnionType,
    get_proper_type,
)

_SQLMODEL = "sqlmodel.main.SQLModel"
_COLUMN = "sqlalchemy.orm.attributes.InstrumentedAttribute"
_TABLE = "sqlalchemy.sql.schema.Table"
# Kept in the class's metadata (which mypy's cache keeps) when its definition is analysed:
# whether it is a table, and its primary keys.
_KEY = "floorapp_sqlmodel_table"


def _is_table(info: TypeInfo) -> bool:
    return any(_KEY in base.metadata for base in info.mro)


def _is_primary_key(info: TypeInfo, name: str) -> bool:
    """``name = Field(..., primary_key=True)`` in the class that declares it."""
    for stmt in info.defn.defs.body:
        if not (
            isinstance(stmt, AssignmentStmt)
            and isinstance(stmt.rvalue, CallExpr)
            and any(isinstance(lv, NameExpr) and lv.name == name for lv in stmt.lvalues)
        ):
            continue
        call = stmt.rvalue
        for arg_name, arg in zip(call.arg_names, call.args, strict=True):
            if arg_name == "primary_key":
                return isinstance(arg, NameExpr) and arg.name == "True"
    return False


def _without_none(t: Type) -> Type:
    p = get_proper_type(t)
    if isinstance(p, UnionType):
        items = [i for i in p.items if not isinstance(get_proper_type(i), NoneType)]
        return items[0] if len(items) == 1 else UnionType.make_union(items)
    return t


def _owner(ctx: AttributeContext) -> TypeInfo | None:
    cls = get_proper_type(ctx.type)
    if isinstance(cls, CallableType) and cls.is_type_obj():
        return cls.type_object()
    if isinstance(cls, TypeType):
        inner = get_proper_type(cls.item)
        return inner.type if isinstance(inner, Instance) else None
    return None


class SQLModelTables(Plugin):
    def get_additional_deps(self, file: MypyFile) -> list[tuple[int, str, int]]:
        # The column and table types must be loaded wherever a table class may be read.
        return [(10, "sqlalchemy.orm.attributes", -1), (10, "sqlalchemy.sql.schema", -1)]

    def get_base_class_hook(self, fullname: str) -> Callable[[ClassDefContext], None] | None:
        return self._add_table if fullname == _SQLMODEL else None

    def _add_table(self, ctx: ClassDefContext) -> None:
        info = ctx.cls.info
        flag = ctx.cls.keywords.get("table")
        if not (isinstance(flag, NameExpr) and flag.name == "True"):
            return
        info.metadata[_KEY] = {
            "primary_keys": [
                n
                for n, sym in info.names.items()
                if isinstance(sym.node, Var) and _is_primary_key(info, n)
            ]
        }
        table = self.lookup_fully_qualified(_TABLE)
        if table is None or not isinstance(table.node, TypeInfo):
            return
        add_attribute_to_class(
            ctx.api, ctx.cls, "__table__", Instance(table.node, []), is_classvar=True
        )

    def get_class_attribute_hook(self, fullname: str) -> Callable[[AttributeContext], Type] | None:
        owner, _, name = fullname.rpartition(".")
        if not owner or name.startswith("_"):
            return None
        sym = self.lookup_fully_qualified(owner)
        if sym is None or not isinstance(sym.node, TypeInfo):
            return None
        declared = sym.node
        node = declared.names.get(name)
        if node is None or not isinstance(node.node, Var) or node.node.is_classvar:
            return None
        column = self.lookup_fully_qualified(_COLUMN)
        if column is None or not isinstance(column.node, TypeInfo):
            return None
        column_info = column.node
        pk = name in declared.metadata.get(_KEY, {}).get("primary_keys", ())

        def hook(ctx: AttributeContext) -> Type:
            info = _owner(ctx)
            if info is None or not _is_table(info):  # a plain model: no columns
                return ctx.default_attr_type
            t = _without_none(ctx.default_attr_type) if pk else ctx.default_attr_type
            return Instance(column_info, [t])

        return hook


def plugin(version: str) -> type[Plugin]:
    return SQLModelTables
