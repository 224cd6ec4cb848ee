"""SQL functions spelled differently on SQLite and PostgreSQL, so set-based statements stay one code path."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement, GenericFunction


class greatest(GenericFunction[Any]):
    """GREATEST ignoring NULLs on both databases."""

    inherit_cache = True
    name = "greatest"


@compiles(greatest, "sqlite")
def _greatest_sqlite(element: greatest, compiler: Any, **kw: Any) -> str:
    # SQLite's multi-argument max() returns NULL if any argument is NULL; coalesce each to the others.
    args = list(element.clauses)
    parts = []
    for i, a in enumerate(args):
        others = [compiler.process(x, **kw) for j, x in enumerate(args) if j != i]
        parts.append(f"coalesce({compiler.process(a, **kw)}, {', '.join(others)})" if others
                     else compiler.process(a, **kw))
    return f"max({', '.join(parts)})" if len(parts) > 1 else parts[0]


class json_object(FunctionElement[Any]):
    """A JSON object built in SQL from key/value pairs."""

    inherit_cache = True
    type = sa.JSON()


@compiles(json_object, "sqlite")
def _json_sqlite(element: json_object, compiler: Any, **kw: Any) -> str:
    return f"json_object({compiler.process(element.clauses, **kw)})"


@compiles(json_object, "postgresql")
def _json_pg(element: json_object, compiler: Any, **kw: Any) -> str:
    return f"jsonb_build_object({compiler.process(element.clauses, **kw)})"


def as_text(value: Any) -> sa.ColumnElement[str]:
    return sa.cast(value, sa.String)
