"""The field catalog and the filter compiler: a `Filter` (find.schemas) becomes one SQL condition on
customers. Every field knows its operators; custom fields (`cf.<key>`) filter through
customer_field_values by index. Errors are collected and raised once as 422 `invalid_filter` with a
path per problem (`filter.conditions.2.value`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from huike.authz.actor import Actor
from huike.customer.models import STATES, Customer, CustomerCollaborator, CustomerPhone
from huike.dictionary import service as dictionary
from huike.dictionary.models import CustomerFieldValue, CustomerTag, CustomField, Tag
from huike.find.schemas import MAX_CONDITIONS, Condition, Filter, Group, RelativeDate
from huike.find.search import like_pattern
from huike.kit import clock
from huike.kit.errors import Invalid
from huike.kit.i18n import t
from huike.org.models import OrgUnit
from huike.pool.models import WecomFriend

TEXT_OPS = ("eq", "ne", "any_of", "none_of", "contains", "not_contains", "starts_with", "empty", "not_empty")
LONG_OPS = ("contains", "not_contains", "empty", "not_empty")
CHOICE_OPS = ("eq", "ne", "any_of", "none_of", "empty", "not_empty")
SET_OPS = ("contains", "contains_any", "contains_all", "not_contains", "empty", "not_empty")
RANGE_OPS = ("eq", "ne", "gt", "gte", "lt", "lte", "between", "empty", "not_empty")
DATE_OPS = ("eq", "gt", "gte", "lt", "lte", "between", "relative", "empty", "not_empty")
REGION_OPS = ("within", "eq", "ne", "any_of", "none_of", "starts_with", "contains", "not_contains", "empty", "not_empty")
OPERATORS = {
    "text": TEXT_OPS, "long_text": LONG_OPS, "phone": ("eq", "contains", "empty", "not_empty"),
    "email": TEXT_OPS, "dict": CHOICE_OPS, "single": CHOICE_OPS, "enum": CHOICE_OPS, "employee": CHOICE_OPS,
    "department": ("eq", "ne", "any_of", "none_of", "empty", "not_empty"), "tags": SET_OPS, "multi": SET_OPS,
    "number": RANGE_OPS, "money": RANGE_OPS, "datetime": DATE_OPS, "date": DATE_OPS, "bool": ("eq",),
    "wecom": ("any_of", "eq", "empty", "not_empty"), "region": REGION_OPS,
}


@dataclass(frozen=True)
class SystemField:
    key: str
    zh: str
    en: str
    type: str
    column: str | None = None  # customers column (None: computed)
    sortable: bool = False
    listable: bool = True
    filterable: bool = True
    options: tuple[Any, ...] | None = None


SYSTEM_FIELDS: tuple[SystemField, ...] = (
    SystemField("name", "客户名称", "Name", "text", "name", sortable=True),
    SystemField("number", "客户编号", "Customer no.", "text", "number", sortable=True),
    SystemField("phones", "电话", "Phones", "phone"),
    SystemField("pool", "客户池", "Pool", "enum", "pool", options=STATES),
    SystemField("customer_type", "客户类型", "Customer type", "enum", options=("intent", "assigned", "won")),
    SystemField("owner", "负责人", "Owner", "employee", "owner_id"),
    SystemField("department", "所属部门", "Department", "department", "department_id"),
    SystemField("collaborators", "协助人", "Collaborators", "employee"),
    SystemField("company", "公司名称", "Company", "text", "company", sortable=True),
    SystemField("tags", "标签", "Tags", "tags"),
    SystemField("source", "来源", "Source", "dict", "source", sortable=True),
    SystemField("industry", "行业", "Industry", "dict", "industry", sortable=True),
    SystemField("level", "客户级别", "Level", "dict", "level", sortable=True),
    SystemField("stage", "跟进阶段", "Stage", "dict", "stage", sortable=True),
    SystemField("region", "地区", "Region", "region", "region", sortable=True),
    SystemField("wechat", "微信昵称", "WeChat nickname", "text", "wechat"),
    SystemField("email", "邮箱", "Email", "email", "email"),
    SystemField("external_id", "外部编号", "External id", "text", "external_id"),
    SystemField("wecom_friend", "企微好友", "WeCom friend", "wecom"),
    SystemField("last_followup_at", "最后跟进时间", "Last follow-up", "datetime", "last_followup_at", sortable=True),
    SystemField("last_call_at", "最后通话时间", "Last call", "datetime", "last_call_at", sortable=True),
    SystemField("last_call_status", "最后通话状态", "Last call status", "enum", "last_call_status",
                options=("connected", "not_connected")),
    SystemField("assigned_at", "分配时间", "Assigned", "datetime", "assigned_at", sortable=True),
    SystemField("claimed_at", "领取时间", "Claimed", "datetime", "claimed_at", sortable=True),
    SystemField("created_at", "创建时间", "Created", "datetime", "created_at", sortable=True),
    SystemField("updated_at", "更新时间", "Updated", "datetime", "updated_at", sortable=True),
    SystemField("created_by", "创建人", "Created by", "employee", "created_by_id"),
    SystemField("address", "地址", "Address", "text", "address"),
    SystemField("remark", "备注", "Remark", "long_text", "remark"),
    SystemField("blacklisted", "黑名单", "Blacklisted", "bool", "blacklisted"),
    SystemField("locked", "锁定", "Locked", "bool", "locked"),
    SystemField("deactivated", "停用", "Deactivated", "bool", "deactivated"),
)
SYSTEM = {f.key: f for f in SYSTEM_FIELDS}
# system sort keys beyond the fields above
EXTRA_SORTS = {"id": "id"}

CF_SORT_COLUMN = {"text": "value_text", "phone": "value_text", "email": "value_text", "region": "value_text",
                  "single": "value_text", "number": "value_num", "money": "value_num", "employee": "value_num",
                  "date": "value_date", "datetime": "value_time"}


def cf_type(f: CustomField) -> str:
    return f.type


def field_label(f: SystemField) -> str:
    from huike.kit import context

    return f.en if context.current().lang == "en" else f.zh


# ====================================================================== time ranges
def _day_start(d: date) -> datetime:
    return datetime.combine(d, time.min, tzinfo=clock.TZ).astimezone(UTC)


def relative_range(value: Any, today: date | None = None) -> tuple[datetime | None, datetime | None]:
    """[start, end) in UTC of a relative date (days counted in Asia/Shanghai)."""
    today = today or clock.today()
    preset = value if isinstance(value, str) else value.preset if isinstance(value, RelativeDate) else None
    if isinstance(value, RelativeDate):
        if value.last_days:
            return _day_start(today - timedelta(days=value.last_days - 1)), _day_start(today + timedelta(days=1))
        if value.next_days:
            return _day_start(today), _day_start(today + timedelta(days=value.next_days))
        if value.more_than_days_ago is not None:
            return None, _day_start(today - timedelta(days=value.more_than_days_ago))
    match preset:
        case "today":
            return _day_start(today), _day_start(today + timedelta(days=1))
        case "yesterday":
            return _day_start(today - timedelta(days=1)), _day_start(today)
        case "tomorrow":
            return _day_start(today + timedelta(days=1)), _day_start(today + timedelta(days=2))
        case "this_week":
            monday = today - timedelta(days=today.weekday())
            return _day_start(monday), _day_start(monday + timedelta(days=7))
        case "last_week":
            monday = today - timedelta(days=today.weekday())
            return _day_start(monday - timedelta(days=7)), _day_start(monday)
        case "this_month":
            first = today.replace(day=1)
            nxt = (first + timedelta(days=32)).replace(day=1)
            return _day_start(first), _day_start(nxt)
        case "last_month":
            first = today.replace(day=1)
            prev = (first - timedelta(days=1)).replace(day=1)
            return _day_start(prev), _day_start(first)
        case "this_year":
            return _day_start(today.replace(month=1, day=1)), _day_start(today.replace(year=today.year + 1, month=1,
                                                                                       day=1))
    raise ValueError("relative")


def _parse_point(value: Any) -> tuple[datetime, datetime]:
    """A date or datetime value as [start, end): a date is its whole day in China Standard Time."""
    if isinstance(value, bool) or not isinstance(value, str):
        raise TypeError("date")
    text = value.strip()
    if len(text) == 10:
        d = date.fromisoformat(text)
        return _day_start(d), _day_start(d + timedelta(days=1))
    dt = datetime.fromisoformat(text)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=clock.TZ)
    dt = dt.astimezone(UTC)
    return dt, dt


# ====================================================================== compiler
class _Error(Exception):
    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass
class Compiler:
    s: Session
    actor: Actor
    custom: dict[str, CustomField] = field(default_factory=dict)
    errors: list[dict[str, Any]] = field(default_factory=list)
    # probe: relation conditions (tags, custom fields) as correlated EXISTS, checked row by row while
    # walking the sort index; else as IN (subquery), which the planner may drive the query from.
    probe: bool = False
    # set when a condition can only be driven through a SECURITY DEFINER function (PostgreSQL: LIKE and
    # numeric ranges under row-level security), whose selectivity the planner cannot see
    opaque: bool = False
    # set when some condition can drive the query from its own index (else walking is all there is)
    drivable: bool = False

    @classmethod
    def for_session(cls, s: Session, actor: Actor, *, probe: bool = False) -> Compiler:
        return cls(s, actor, dictionary.fields_by_key(s), probe=probe)

    # ------------------------------------------------------------------ entry
    def compile(self, flt: Filter | None) -> ColumnElement[bool] | None:
        if flt is None or not flt.conditions:
            return None
        n = sum(len(c.conditions) if isinstance(c, Group) else 1 for c in flt.conditions)
        if n > MAX_CONDITIONS:
            raise Invalid("too_many_conditions", max=MAX_CONDITIONS,
                          errors=[{"field": "filter.conditions", "code": "too_many_conditions",
                                   "message": t("too_many_conditions", max=MAX_CONDITIONS)}])
        parts: list[ColumnElement[bool]] = []
        for i, c in enumerate(flt.conditions):
            if isinstance(c, Group):
                inner = [self._one(x, f"filter.conditions.{i}.conditions.{j}") for j, x in enumerate(c.conditions)]
                parts.append(sa.and_(*inner) if c.logic == "and" else sa.or_(*inner))
            else:
                parts.append(self._one(c, f"filter.conditions.{i}"))
        if self.errors:
            raise Invalid("invalid_filter", errors=self.errors)
        return sa.and_(*parts) if flt.logic == "and" else sa.or_(*parts)

    def _one(self, c: Condition, path: str) -> ColumnElement[bool]:
        try:
            if c.field.startswith("cf."):
                f = self.custom.get(c.field[3:])
                if f is None:
                    raise _Error("filter.unknown_field", field=c.field)
                self._check_op(c, f.type)
                return self._custom(f, c)
            sf = SYSTEM.get(c.field)
            if sf is None or not sf.filterable:
                raise _Error("filter.unknown_field", field=c.field)
            self._check_op(c, sf.type)
            return self._system(sf, c)
        except _Error as e:
            where = path + (".field" if e.code == "filter.unknown_field" else ".op" if e.code == "filter.bad_operator"
                            else ".value")
            self.errors.append({"field": where, "code": e.code.removeprefix("filter."), "message": t(e.code, **e.params)})
        except (ValueError, TypeError, ArithmeticError):
            self.errors.append({"field": path + ".value", "code": "bad_value",
                                "message": t("filter.bad_value", reason=str(c.value)[:80])})
        return sa.false()

    def _check_op(self, c: Condition, type_: str) -> None:
        if c.op not in OPERATORS[type_]:
            raise _Error("filter.bad_operator", field=c.field, op=c.op)

    # ------------------------------------------------------------------ values
    @staticmethod
    def _list(c: Condition, *, allow_scalar: bool = True) -> list[Any]:
        v = c.value
        if isinstance(v, list):
            items = [x for x in v if x is not None and x != ""]
        elif allow_scalar and v is not None and not isinstance(v, RelativeDate) and v != "":
            items = [v]
        else:
            items = []
        if not items or len(items) > 500:
            raise _Error("filter.bad_value", reason="list")
        return items

    @staticmethod
    def _text(c: Condition) -> str:
        if not isinstance(c.value, str | int | float) or isinstance(c.value, bool) or str(c.value).strip() == "":
            raise _Error("filter.bad_value", reason="text")
        return str(c.value).strip()[:200]

    def _employees(self, c: Condition) -> list[int]:
        out = []
        for v in self._list(c):
            if v == "$me":
                out.append(self.actor.employee_id)
            elif isinstance(v, int) and not isinstance(v, bool):
                out.append(v)
            elif isinstance(v, str) and v.isdigit():
                out.append(int(v))
            else:
                raise _Error("filter.bad_value", reason="employee")
        return out

    # ------------------------------------------------------------------ system fields
    def _system(self, f: SystemField, c: Condition) -> ColumnElement[bool]:
        col = getattr(Customer, f.column) if f.column else None
        match f.type:
            case "text" | "email" | "region" | "long_text":
                assert col is not None
                if c.op == "within":
                    return self._within(col, c)
                return self._text_cond(col, c, dict_kind=None)
            case "dict":
                assert col is not None
                return self._text_cond(col, c, dict_kind=f.key)
            case "enum":
                values = None if c.op in ("empty", "not_empty") else [str(v) for v in self._list(c)]
                if values is not None and f.options and any(v not in f.options for v in values):
                    raise _Error("filter.bad_value", reason=",".join(values)[:60])
                if f.key == "customer_type":  # computed (POOL-17): customer.service.type_conditions
                    return _customer_type(c.op, values)
                assert col is not None
                return self._choice(col, c.op, values)
            case "bool":
                if not isinstance(c.value, bool):
                    raise _Error("filter.bad_value", reason="true/false")
                assert col is not None
                return col.is_(True) if c.value else col.is_(False)
            case "employee":
                if f.key == "collaborators":
                    return self._collaborators(c)
                assert col is not None
                return self._choice(col, c.op, None if c.op in ("empty", "not_empty") else self._employees(c))
            case "department":
                assert col is not None
                return self._department(col, c)
            case "datetime":
                assert col is not None
                return self._time_cond(col, c)
            case "tags":
                return self._tags(c)
            case "phone":
                return self._phones(c)
            case "wecom":
                return self._wecom(c)
        raise _Error("filter.unknown_field", field=f.key)

    def _choice(self, col: Any, op: str, values: list[Any] | None) -> ColumnElement[bool]:
        if op == "empty":
            return col.is_(None)
        if op == "not_empty":
            return col.is_not(None)
        assert values is not None
        if op in ("eq", "any_of"):
            return col.in_(values) if len(values) > 1 else col == values[0]
        return sa.or_(col.is_(None), col.not_in(values))

    def _within(self, col: Any, c: Condition) -> ColumnElement[bool]:
        """A region (省/市/区 path) that is one of the given paths or lies under one of them."""
        conds: list[ColumnElement[bool]] = []
        for path in region_paths(self._list(c)):
            conds += [col == path, col.startswith(path + "/", autoescape=True)]
        return sa.or_(*conds)

    def _text_cond(self, col: Any, c: Condition, dict_kind: str | None) -> ColumnElement[bool]:
        op = c.op
        if op == "empty":
            return sa.or_(col.is_(None), col == "")
        if op == "not_empty":
            return sa.and_(col.is_not(None), col != "")
        if op in ("eq", "ne", "any_of", "none_of"):
            values = [str(v).strip() for v in self._list(c)]
            if dict_kind:
                values = dictionary.expand_names(self.s, dict_kind, values)
            cond = col.in_(values) if len(values) > 1 else col == values[0]
            return cond if op in ("eq", "any_of") else sa.or_(col.is_(None), ~cond)
        needle = self._text(c)
        if op == "contains":
            return col.icontains(needle, autoescape=True)
        if op == "not_contains":
            return sa.or_(col.is_(None), ~col.icontains(needle, autoescape=True))
        return col.istartswith(needle, autoescape=True)  # starts_with

    def _time_cond(self, col: Any, c: Condition, *, dates: bool = False) -> ColumnElement[bool]:
        op = c.op
        if op == "empty":
            return col.is_(None)
        if op == "not_empty":
            return col.is_not(None)
        conv: Callable[[datetime], Any] = (lambda d: d.astimezone(clock.TZ).date()) if dates else (lambda d: d)
        if op == "relative":
            try:
                start, end = relative_range(c.value)
            except ValueError:
                raise _Error("filter.bad_value", reason="relative") from None
            conds = []
            if start is not None:
                conds.append(col >= conv(start))
            if end is not None:
                conds.append(col < conv(end))
            return sa.and_(*conds)
        if op == "between":
            if not isinstance(c.value, list) or len(c.value) != 2 or all(v in (None, "") for v in c.value):
                raise _Error("filter.bad_value", reason="[from, to]")
            lo, hi = c.value
            conds = []
            if lo not in (None, ""):
                conds.append(col >= conv(_parse_point(lo)[0]))
            if hi not in (None, ""):
                end = _parse_point(hi)[1]
                conds.append(col < conv(end) if _is_date(hi) else col <= conv(end))
            return sa.and_(*conds)
        start, end = _parse_point(c.value)
        day = _is_date(c.value)
        if op == "eq":
            return sa.and_(col >= conv(start), col < conv(end)) if day else col == conv(start)
        if op == "gt":
            return col >= conv(end) if day else col > conv(start)
        if op == "gte":
            return col >= conv(start)
        if op == "lt":
            return col < conv(start)
        return col < conv(end) if day else col <= conv(start)  # lte

    def _tag_ids(self, c: Condition) -> list[int]:
        values = self._list(c)
        ids = [v for v in values if isinstance(v, int) and not isinstance(v, bool)]
        names = [str(v).strip() for v in values if isinstance(v, str)]
        if names:
            ids += list(self.s.scalars(sa.select(Tag.id).where(Tag.name.in_(names))))
            if len(set(ids)) < len(values) and c.op == "contains_all":
                return [-1]  # an unknown tag: nobody has all of them
        return list(dict.fromkeys(ids)) or [-1]

    def _tags(self, c: Condition) -> ColumnElement[bool]:
        any_tag = self._exists(CustomerTag.customer_id == Customer.id)
        if c.op == "empty":
            return ~any_tag
        if c.op == "not_empty":
            return any_tag
        ids = self._tag_ids(c)

        def holders(cond: ColumnElement[bool]) -> ColumnElement[bool]:
            if self.probe:
                return self._exists(CustomerTag.customer_id == Customer.id, cond)
            self.drivable = True
            return Customer.id.in_(sa.select(CustomerTag.customer_id).where(cond))

        if c.op in ("contains", "contains_any"):
            return holders(CustomerTag.tag_id.in_(ids) if len(ids) > 1 else CustomerTag.tag_id == ids[0])
        if c.op == "contains_all":
            return sa.and_(*[holders(CustomerTag.tag_id == i) for i in ids])
        return ~self._exists(CustomerTag.customer_id == Customer.id, CustomerTag.tag_id.in_(ids))

    def _phones(self, c: Condition) -> ColumnElement[bool]:
        has = self._exists(CustomerPhone.customer_id == Customer.id)
        if c.op == "empty":
            return ~has
        if c.op == "not_empty":
            return has
        raw = self._text(c)
        if c.op == "eq":
            from huike.customer.phones import InvalidPhone, normalize

            try:
                phone = normalize(raw)
            except InvalidPhone:
                phone = raw
            return self._exists(CustomerPhone.customer_id == Customer.id, CustomerPhone.phone == phone)
        digits = "".join(ch for ch in raw if ch.isdigit()) or raw
        return self._exists(CustomerPhone.customer_id == Customer.id,
                                 CustomerPhone.phone.contains(digits, autoescape=True))

    def _wecom(self, c: Condition) -> ColumnElement[bool]:
        has = self._exists(WecomFriend.customer_id == Customer.id)
        if c.op == "empty":
            return ~has
        if c.op == "not_empty":
            return has
        ids = self._employees(c)
        return self._exists(WecomFriend.customer_id == Customer.id, WecomFriend.employee_id.in_(ids))

    def _collaborators(self, c: Condition) -> ColumnElement[bool]:
        has = self._exists(CustomerCollaborator.customer_id == Customer.id)
        if c.op == "empty":
            return ~has
        if c.op == "not_empty":
            return has
        ids = self._employees(c)
        cond = self._exists(CustomerCollaborator.customer_id == Customer.id,
                                 CustomerCollaborator.employee_id.in_(ids))
        return cond if c.op in ("eq", "any_of") else ~cond

    def _department(self, col: Any, c: Condition) -> ColumnElement[bool]:
        if c.op == "empty":
            return col.is_(None)
        if c.op == "not_empty":
            return col.is_not(None)
        ids = []
        for v in self._list(c):
            if isinstance(v, bool) or not (isinstance(v, int) or (isinstance(v, str) and v.isdigit())):
                raise _Error("filter.bad_value", reason="department")
            ids.append(int(v))
        paths = list(self.s.scalars(sa.select(OrgUnit.path).where(OrgUnit.id.in_(ids))))
        # a department stands for its whole subtree
        units = sa.select(OrgUnit.id).where(sa.or_(*[OrgUnit.path.startswith(p) for p in paths])) \
            if paths else sa.select(OrgUnit.id).where(sa.false())
        cond = col.in_(units)
        return cond if c.op in ("eq", "any_of") else sa.or_(col.is_(None), ~cond)

    # ------------------------------------------------------------------ custom fields
    def _custom(self, f: CustomField, c: Condition) -> ColumnElement[bool]:
        V = CustomerFieldValue
        mine = (V.field_id == f.id)
        if c.op == "empty":
            return ~self._exists(V.customer_id == Customer.id, mine)
        if c.op == "not_empty":
            return self._exists(V.customer_id == Customer.id, mine) if self.probe else \
                Customer.id.in_(sa.select(V.customer_id).where(mine))

        def holders(*conds: ColumnElement[bool]) -> ColumnElement[bool]:
            if self.probe:
                return self._exists(V.customer_id == Customer.id, mine, *conds)
            self.drivable = True
            return Customer.id.in_(sa.select(V.customer_id).where(mine, *conds))

        def lacks(*conds: ColumnElement[bool]) -> ColumnElement[bool]:
            return ~self._exists(V.customer_id == Customer.id, mine, *conds)

        match f.type:
            case "text" | "phone" | "email" | "region" | "single" | "long_text":
                col = V.value_long if f.type == "long_text" else V.value_text
                if c.op == "within":
                    return holders(self._within(col, c))
                if c.op in ("eq", "any_of", "ne", "none_of"):
                    values = [str(v).strip() for v in self._list(c)]
                    if f.type == "phone":
                        values = [_phone(v) for v in values]
                    cond = col.in_(values)
                    return holders(cond) if c.op in ("eq", "any_of") else lacks(cond)
                needle = self._text(c)
                if c.op == "not_contains":
                    return lacks(col.icontains(needle, autoescape=True))
                if self._pg_drive() and f.type != "long_text" and len(needle) >= 3:
                    # pg_trgm on value_text, through huike_cfv_like (row-level security, see find.schema);
                    # shorter needles have no trigram to look up: they are checked row by row
                    pattern = like_pattern(needle) if c.op == "contains" else like_pattern(needle)[1:]
                    return self._pg_ids(sa.func.huike_cfv_like(f.id, pattern))
                # no index finds a substring here (SQLite; 1–2 characters on PostgreSQL): checked row by row
                cond = col.icontains(needle, autoescape=True) if c.op == "contains" else \
                    col.istartswith(needle, autoescape=True)
                if self.s.get_bind().dialect.name == "postgresql":
                    return probe_exists(V.customer_id == Customer.id, mine, cond)
                return sa.exists().where(V.customer_id == Customer.id, mine, cond)
            case "multi":
                values = [str(v).strip() for v in self._list(c)]
                if c.op in ("contains", "contains_any"):
                    return holders(V.value_text.in_(values))
                if c.op == "contains_all":
                    return sa.and_(*[holders(V.value_text == v) for v in values])
                return lacks(V.value_text.in_(values))
            case "number" | "money":
                return self._range(f, c, V.value_num, holders, lacks, _number)
            case "employee":
                ids = [Decimal(i) for i in self._employees(c)]
                cond = V.value_num.in_(ids)
                return holders(cond) if c.op in ("eq", "any_of") else lacks(cond)
            case "date":
                return holders(self._time_cond(V.value_date, c, dates=True))
            case "datetime":
                return holders(self._time_cond(V.value_time, c))
        raise _Error("filter.unknown_field", field=c.field)

    def _range(self, f: CustomField, c: Condition, col: Any, holders: Callable[..., Any], lacks: Callable[..., Any],
               conv: Callable[[Any], Any]) -> ColumnElement[bool]:
        if c.op == "between":
            if not isinstance(c.value, list) or len(c.value) != 2 or all(v in (None, "") for v in c.value):
                raise _Error("filter.bad_value", reason="[from, to]")
            lo, hi = (None if v in (None, "") else conv(v) for v in c.value)
            if self._pg_drive():
                return self._pg_ids(sa.func.huike_cfv_range(f.id, _num(lo), True, _num(hi), True))
            return holders(*([col >= lo] if lo is not None else []), *([col <= hi] if hi is not None else []))
        if c.op in ("eq", "ne"):
            values = [conv(v) for v in self._list(c)]
            if c.op == "ne":
                return lacks(col.in_(values))
            if self._pg_drive():
                return sa.or_(*[self._pg_ids(sa.func.huike_cfv_range(f.id, _num(v), True, _num(v), True))
                                for v in values])
            return holders(col.in_(values))
        v = conv(c.value)
        if self._pg_drive():
            lo, lo_incl, hi, hi_incl = {"gt": (v, False, None, True), "gte": (v, True, None, True),
                                        "lt": (None, True, v, False), "lte": (None, True, v, True)}[c.op]
            return self._pg_ids(sa.func.huike_cfv_range(f.id, _num(lo), lo_incl, _num(hi), hi_incl))
        return holders({"gt": col > v, "gte": col >= v, "lt": col < v, "lte": col <= v}[c.op])

    def _exists(self, *where: ColumnElement[bool]) -> ColumnElement[bool]:
        if self.probe and self.s.get_bind().dialect.name == "postgresql":
            return probe_exists(*where)
        return sa.exists().where(*where)

    def _pg_drive(self) -> bool:
        return not self.probe and self.s.get_bind().dialect.name == "postgresql"

    def _pg_ids(self, fn: Any) -> ColumnElement[bool]:
        self.opaque = self.drivable = True
        tv = fn.table_valued("customer_id")
        return Customer.id.in_(sa.select(tv.c.customer_id))


def _customer_type(op: str, values: list[str] | None) -> ColumnElement[bool]:
    from huike.customer.service import type_conditions

    if op in ("empty", "not_empty"):  # every customer has a type
        return sa.false() if op == "empty" else sa.true()
    assert values is not None
    of_type = sa.or_(*(type_conditions()[v] for v in dict.fromkeys(values)))
    return of_type if op in ("eq", "any_of") else sa.not_(of_type)


def probe_exists(*where: ColumnElement[bool]) -> ColumnElement[bool]:
    """EXISTS checked row by row on PostgreSQL: OFFSET 0 keeps the planner from turning it into a join
    or a hashed set of every matching row (which is what the drive form is for)."""
    return sa.select(sa.literal(1)).where(*where).offset(0).exists()


def _num(value: Decimal | None) -> ColumnElement[Any]:
    return sa.cast(sa.null() if value is None else sa.literal(value, sa.Numeric), sa.Numeric)


def region_paths(values: list[Any]) -> list[str]:
    """省/市/区 paths as stored (parts trimmed, joined by "/", full-width slashes too); a path needs a part
    and at most 4 (the custom-field validation's rule)."""
    out: list[str] = []
    for v in values:
        if isinstance(v, bool) or not isinstance(v, str):
            raise _Error("filter.bad_value", reason="region")
        parts = [p.strip() for p in v.replace("／", "/").split("/")]
        parts = [p for p in parts if p]
        if not parts or len(parts) > 4:
            raise _Error("filter.bad_value", reason=v[:60])
        out.append("/".join(parts))
    return list(dict.fromkeys(out))


def _is_date(value: Any) -> bool:
    return isinstance(value, str) and len(value.strip()) == 10


def _number(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise TypeError("number")
    d = Decimal(str(value).strip())
    if not d.is_finite():
        raise ValueError("number")
    return d


def _phone(value: str) -> str:
    from huike.customer.phones import InvalidPhone, normalize

    try:
        return normalize(value)
    except InvalidPhone:
        return value


# ====================================================================== the catalog
def catalog(s: Session) -> list[dict[str, Any]]:
    """Every field of the filter builder and the column dialog (system first, custom after)."""
    out: list[dict[str, Any]] = []
    dicts = {k: None for k in ("source", "industry", "level", "stage")}
    for kind in dicts:
        out_items = dictionary.read_kind(s, kind).items
        names: list[str] = []
        for it in out_items:
            names.append(it.name)
            names.extend(ch.name for ch in it.children)
        dicts[kind] = names  # type: ignore[assignment]
    tag_names = [x.name for x in s.scalars(sa.select(Tag).order_by(Tag.group_id, Tag.sort, Tag.id))]
    for f in SYSTEM_FIELDS:
        options: list[Any] | None = list(f.options) if f.options else None
        if f.type == "dict":
            options = dicts[f.key]  # type: ignore[assignment]
        elif f.type == "tags":
            options = tag_names
        out.append({"key": f.key, "label": field_label(f), "type": f.type, "custom": False,
                    "operators": list(OPERATORS[f.type]) if f.filterable else [], "options": options,
                    "sortable": f.sortable, "column": f.listable, "filterable": f.filterable})
    for cf in dictionary.list_fields(s, active_only=True):
        out.append({"key": f"cf.{cf.key}", "label": cf.label, "type": cf.type, "custom": True,
                    "operators": list(OPERATORS[cf.type]),
                    "options": list(cf.options) if cf.type in ("single", "multi") else None,
                    "sortable": cf.type in CF_SORT_COLUMN, "column": True, "filterable": True})
    return out
