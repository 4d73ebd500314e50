"""A mypy plugin: a SQLModel table's fields, read on the class, are SQLAlchemy columns.

``Agent.state`` is a ``str`` on an agent but an ``InstrumentedAttribute[str]`` on the class:
``Agent.state == "break"`` builds SQL, ``Agent.state_since.is_(None)`` exists. SQLModel
declares only the first, so without this every query reads to mypy as comparing strings
(``col()`` around each column says the same thing at every use). Instances keep the
declared types. Named in pyproject.toml's ``[tool.mypy] plugins``.
"""

from __future__ import annotations

from collections.abc import Callable

from mypy.nodes import MypyFile, NameExpr, TypeInfo, Var
from mypy.plugin import AttributeContext, Plugin
from mypy.types import CallableType, Instance, Type, TypeType, get_proper_type

_SQLMODEL = "sqlmodel.main.SQLModel"
_COLUMN = "sqlalchemy.orm.attributes.InstrumentedAttribute"


def _is_table(info: TypeInfo) -> bool:
    if not any(base.fullname == _SQLMODEL for base in info.mro):
        return False
    table = info.defn.keywords.get("table")
    return isinstance(table, NameExpr) and table.fullname == "builtins.True"


class SQLModelColumns(Plugin):
    def get_additional_deps(self, file: MypyFile) -> list[tuple[int, str, int]]:
        # The column type must be loaded wherever a table's class attribute may be read.
        return [(10, "sqlalchemy.orm.attributes", -1)]

    def get_class_attribute_hook(self, fullname: str
                                 ) -> Callable[[AttributeContext], Type] | None:
        owner, _, name = fullname.rpartition(".")
        if not owner or name.startswith("_"):
            return None
        sym = self.lookup_fully_qualified(owner)
        if sym is None or not isinstance(sym.node, TypeInfo):
            return None
        node = sym.node.names.get(name)
        if node is None or not isinstance(node.node, Var) or node.node.is_classvar:
            return None
        column = self.lookup_fully_qualified(_COLUMN)
        if column is None or not isinstance(column.node, TypeInfo):
            return None
        info = column.node
        return lambda ctx: _column(ctx, info)


def _column(ctx: AttributeContext, column: TypeInfo) -> Type:
    # The class the attribute was read on: a table, or a plain model (no columns).
    cls = get_proper_type(ctx.type)
    info = None
    if isinstance(cls, CallableType) and cls.is_type_obj():
        info = cls.type_object()
    elif isinstance(cls, TypeType):
        inner = get_proper_type(cls.item)
        info = inner.type if isinstance(inner, Instance) else None
    if info is None or not _is_table(info):
        return ctx.default_attr_type
    return Instance(column, [ctx.default_attr_type])


def plugin(version: str) -> type[Plugin]:
    return SQLModelColumns
