"""Money (and other two-decimal quantities) exact to the cent on both databases.

PostgreSQL stores NUMERIC(18, 2). SQLite has no exact decimal type (its NUMERIC is a float), so there
the column is an INTEGER of cents: sums, min/max and comparisons stay exact in SQL, and the values come
back as `Decimal` with two places through this type. SQL expressions that keep the column's type
(`sum`, `min`, `max`, `coalesce`, `case`, multiplying by an integer) decode correctly on both; compute
averages and divisions in Python from exact sums (SQLite would divide integer cents)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import sqlalchemy as sa

CENT = Decimal("0.01")


def to_decimal(value: Any) -> Decimal:
    """A Decimal with two places, rounded half up (floats go through their shortest repr)."""
    d = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    return d.quantize(CENT, rounding=ROUND_HALF_UP)


class MoneyType(sa.TypeDecorator[Decimal]):
    impl = sa.Numeric(18, 2)
    cache_ok = True

    def load_dialect_impl(self, dialect: sa.Dialect) -> sa.types.TypeEngine[Any]:
        return dialect.type_descriptor(sa.BigInteger() if dialect.name == "sqlite" else sa.Numeric(18, 2))

    def process_bind_param(self, value: Any, dialect: sa.Dialect) -> Any:
        if value is None:
            return None
        d = to_decimal(value)
        return int(d * 100) if dialect.name == "sqlite" else d

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> Decimal | None:
        if value is None:
            return None
        if dialect.name == "sqlite":
            return to_decimal(Decimal(value) / 100 if isinstance(value, int) else Decimal(repr(value)) / 100)
        return to_decimal(value)
