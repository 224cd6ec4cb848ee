"""The importable fields (system + the tenant's custom fields), header aliases and the automatic
header → field mapping (IMP-2); the value rules of one cell (IMP-3)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from huike.dictionary import service as dictionary
from huike.dictionary.models import CustomField, DictItem, Tag, TagGroup
from huike.kit import clock
from huike.kit.i18n import t

# key, zh label, en label, type, aliases (compared after normalising case, spaces and punctuation)
SYSTEM_IMPORT: tuple[tuple[str, str, str, str, tuple[str, ...]], ...] = (
    ("name", "客户名称", "Name", "text", ("客户名", "客户姓名", "姓名", "名称", "名字", "客户", "name", "customer")),
    ("phones", "手机号", "Phones", "phone", ("手机", "手机号码", "电话", "电话号码", "联系电话", "联系方式", "号码",
                                              "移动电话", "手机号码1", "phone", "phones", "mobile", "tel", "telephone")),
    ("company", "公司名称", "Company", "text", ("公司", "公司名", "单位", "单位名称", "企业", "企业名称", "company")),
    ("email", "邮箱", "Email", "email", ("电子邮箱", "邮件", "电子邮件", "email", "e-mail", "mail")),
    ("source", "来源", "Source", "dict", ("客户来源", "来源渠道", "渠道", "来源小类", "source")),
    ("industry", "行业", "Industry", "dict", ("所属行业", "行业分类", "industry")),
    ("level", "客户级别", "Level", "dict", ("级别", "等级", "客户等级", "level")),
    ("stage", "跟进阶段", "Stage", "dict", ("阶段", "客户阶段", "stage")),
    ("region", "地区", "Region", "region", ("省市区", "所在地区", "区域", "所在地", "省市", "region")),
    ("wechat", "微信昵称", "WeChat nickname", "text", ("微信", "微信号", "微信名", "wechat")),
    ("external_id", "外部编号", "External id", "text", ("外部id", "外部系统编号", "external id", "external_id")),
    ("address", "地址", "Address", "text", ("详细地址", "联系地址", "通讯地址", "address")),
    ("remark", "备注", "Remark", "long_text", ("说明", "备注信息", "remark", "note", "notes")),
    ("tags", "标签", "Tags", "tags", ("客户标签", "tags", "tag")),
)
TEXT_MAX = {"name": 200, "company": 200, "email": 200, "region": 100, "wechat": 100, "external_id": 100,
            "address": 500, "remark": 20000}
SPLIT = re.compile(r"[,，、;；|\n]+")
_NORM = re.compile(r"[\s_\-:：*（）()\[\]【】]+")


def norm_header(text: str) -> str:
    return _NORM.sub("", str(text or "")).lower()


@dataclass
class ImportField:
    key: str
    label: str
    type: str
    required: bool = False
    aliases: list[str] = field(default_factory=list)
    options: list[str] | None = None
    custom: CustomField | None = None


def catalog(s: Session, *, lang: str = "zh-CN", source_required: bool = False) -> list[ImportField]:
    """Every importable field in template order, with the current dictionary options."""
    dicts: dict[str, list[str]] = {k: [] for k in ("source", "industry", "level", "stage")}
    for kind, name in s.execute(sa.select(DictItem.kind, DictItem.name).where(DictItem.is_active)
                                .order_by(DictItem.kind, DictItem.sort, DictItem.id)):
        dicts.setdefault(kind, []).append(name)
    tags = list(s.scalars(sa.select(Tag.name).join(TagGroup, TagGroup.id == Tag.group_id)
                          .order_by(TagGroup.sort, TagGroup.id, Tag.sort, Tag.id)))
    out: list[ImportField] = []
    for key, zh, en, type_, aliases in SYSTEM_IMPORT:
        options = dicts.get(key) if type_ == "dict" else tags if type_ == "tags" else None
        out.append(ImportField(key, en if lang == "en" else zh, type_,
                               required=key == "phones" or (key == "source" and source_required),
                               aliases=[zh, en, *aliases], options=options))
    for cf in dictionary.list_fields(s, active_only=True):
        out.append(ImportField(f"cf.{cf.key}", cf.label, cf.type, required=cf.required, aliases=[cf.key],
                               options=list(cf.options) if cf.type in ("single", "multi") else None, custom=cf))
    return out


def auto_mapping(headers: list[str], fields: list[ImportField], saved: dict[str, str | None]
                 ) -> tuple[dict[str, str | None], bool]:
    """header → field key (None: ignored): a saved choice first, then the exact label, then an alias.
    A field is taken by one header at most. Returns (mapping, whether a saved choice was used)."""
    exact: dict[str, str] = {}
    alias: dict[str, str] = {}
    for f in fields:
        exact.setdefault(norm_header(f.label), f.key)
        exact.setdefault(norm_header(f.key), f.key)
        for a in f.aliases:
            alias.setdefault(norm_header(a), f.key)
    known = {f.key for f in fields}
    out: dict[str, str | None] = {}
    taken: set[str] = set()
    used_saved = False
    for h in headers:
        if h in saved and (saved[h] is None or saved[h] in known) and saved[h] not in taken:
            out[h] = saved[h]
            used_saved = True
        else:
            n = norm_header(h)
            key = exact.get(n) or alias.get(n)
            out[h] = key if key and key not in taken else None
        if out[h]:
            taken.add(out[h])  # type: ignore[arg-type]
    return out, used_saved


# ====================================================================== cell rules
class CellError(ValueError):
    """A bad cell: the message names the column and the value."""


def bad(column: str, value: Any, reason: str) -> CellError:
    return CellError(t("io.bad_cell", column=column, value=str(value)[:50], reason=reason))


DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
                     r"(?:[\sT]+(\d{1,2})[:：](\d{1,2})(?:[:：](\d{1,2}))?)?$")
EXCEL_EPOCH = date(1899, 12, 30)


def parse_date(raw: Any, *, with_time: bool) -> date | datetime | None:
    """2024/1/5, 2024-01-05, 2024.1.5, 2024年1月5日 (and a time after it); Excel dates and serials."""
    if isinstance(raw, datetime):
        dt = raw
    elif isinstance(raw, date):
        dt = datetime.combine(raw, datetime.min.time())
    elif isinstance(raw, int | float) and not isinstance(raw, bool) and 1 <= raw < 2958466:
        from datetime import timedelta

        dt = datetime.combine(EXCEL_EPOCH, datetime.min.time()) + timedelta(days=float(raw))
    else:
        text = str(raw).strip()
        m = DATE_RE.match(text)
        if not m:
            return None
        y, mo, d, hh, mm, ss = m.groups()
        try:
            dt = datetime(int(y), int(mo), int(d), int(hh or 0), int(mm or 0), int(ss or 0))
        except ValueError:
            return None
    if not with_time:
        return dt.date()
    return dt.replace(tzinfo=clock.TZ).astimezone(UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def split_list(text: str) -> list[str]:
    return [p.strip() for p in SPLIT.split(text) if p.strip()]


def number_value(raw: Any) -> Any:
    if isinstance(raw, float) and raw.is_integer():
        return int(raw)
    if isinstance(raw, float):
        return Decimal(repr(raw))
    return raw


def _employees(s: Session) -> dict[str, int]:
    from huike.org.models import Employee

    out: dict[str, int] = {}
    for eid, name, username in s.execute(sa.select(Employee.id, Employee.name, Employee.username)
                                         .where(Employee.is_active)):
        out.setdefault(str(eid), eid)
        out.setdefault(username, eid)
        out.setdefault(name, eid)
    return out


class Rules:
    """Checks one row's mapped cells; dictionaries, tags and employees are read once per import."""

    def __init__(self, s: Session, fields: list[ImportField]) -> None:
        self.s = s
        self.fields = {f.key: f for f in fields}
        self.dict_values: dict[str, set[str]] = {"source": set(), "industry": set(), "level": set(), "stage": set()}
        for kind, name in s.execute(sa.select(DictItem.kind, DictItem.name).where(DictItem.is_active)):
            self.dict_values.setdefault(kind, set()).add(name)
        self.tags: dict[str, tuple[int, int]] = {}  # name → (tag id, group id)
        for tid, name, gid in s.execute(sa.select(Tag.id, Tag.name, Tag.group_id)):
            self.tags[name] = (tid, gid)
        self.single_groups = {gid: name for gid, name in s.execute(
            sa.select(TagGroup.id, TagGroup.name).where(TagGroup.mode == "single"))}
        self._employees: dict[str, int] | None = None

    def employee(self, text: str) -> int | None:
        if self._employees is None:
            self._employees = _employees(self.s)
        return self._employees.get(text)

    def value(self, key: str, column: str, raw: Any, text: str) -> Any:
        """The stored form of one non-empty cell, or CellError."""
        f = self.fields[key]
        if key in self.dict_values and f.custom is None:
            if text not in self.dict_values[key]:
                raise bad(column, text, t("io.not_in_dictionary", kind=f.label))
            return text
        if key == "tags":
            names = list(dict.fromkeys(split_list(text)))
            ids: list[int] = []
            groups: set[int] = set()
            for n in names:
                tag = self.tags.get(n)
                if tag is None:
                    raise bad(column, n, t("io.unknown_tag"))
                if tag[1] in self.single_groups:
                    if tag[1] in groups:
                        raise bad(column, text, t("tag_group_single", group=self.single_groups[tag[1]]))
                    groups.add(tag[1])
                ids.append(tag[0])
            return ids
        if key == "email":
            from email_validator import EmailNotValidError, validate_email

            try:
                return validate_email(text, check_deliverability=False).normalized
            except EmailNotValidError:
                raise bad(column, text, t("cf.invalid_email")) from None
        if key == "region":
            parts = [p.strip() for p in text.replace("／", "/").split("/") if p.strip()]
            value = "/".join(parts)
            if len(value) > TEXT_MAX["region"]:
                raise bad(column, text, t("cf.too_long", max=TEXT_MAX["region"]))
            return value or None
        if f.custom is None:
            if len(text) > TEXT_MAX.get(key, 200):
                raise bad(column, text, t("cf.too_long", max=TEXT_MAX.get(key, 200)))
            return text
        return self.custom(f.custom, column, raw, text)

    def custom(self, cf: CustomField, column: str, raw: Any, text: str) -> Any:
        value: Any = text
        match cf.type:
            case "number" | "money":
                value = number_value(raw) if isinstance(raw, int | float) and not isinstance(raw, bool) else text
            case "date" | "datetime":
                parsed = parse_date(raw if not isinstance(raw, str) else text, with_time=cf.type == "datetime")
                if parsed is None:
                    raise bad(column, text, t("io.not_date"))
                value = parsed
            case "multi":
                value = split_list(text)
            case "employee":
                emp = self.employee(text)
                if emp is None:
                    raise bad(column, text, t("cf.invalid_employee"))
                value = emp
        try:
            return dictionary.normalize_value(self.s, cf, value)
        except dictionary._Bad as e:
            raise bad(column, text, t(e.code, **e.params)) from None
