"""`huike seed-demo`: a believable zh-CN company (PERM-2 org tree, every default role, customers in
every pool). Deterministic (fixed random seed) so screenshots and tests are stable."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from huike.audit import service as audit
from huike.auth.passwords import hash_password
from huike.customer.models import Customer, CustomerCollaborator, CustomerFocus, CustomerPhone
from huike.dictionary import defaults
from huike.dictionary.models import CustomerFieldValue, CustomerTag, CustomField, Tag
from huike.kit.db import Database, set_tenant
from huike.kit.models import utcnow
from huike.org.models import Employee, OrgUnit, Role, Tenant
from huike.org.service import add_unit, create_tenant

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = ["伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
         "超", "秀兰", "霞", "平", "刚", "桂英", "建华", "志强", "晓东", "海燕", "俊杰", "子涵", "浩然", "欣怡",
         "思远", "雨桐", "梓轩", "一鸣", "佳琪", "文博", "嘉怡", "宇航", "晨曦", "婷婷", "鹏飞", "丹丹", "国庆"]
CITIES = ["上海", "杭州", "苏州", "南京", "宁波", "合肥", "广州", "深圳", "东莞", "佛山", "厦门", "长沙", "武汉",
          "成都", "重庆", "北京", "天津", "青岛", "郑州", "西安"]
BRANDS = ["鼎盛", "恒通", "华信", "瑞丰", "嘉禾", "宏远", "博远", "金诚", "启明", "天成", "万达", "新锐", "众合",
          "卓越", "联创", "锦程", "盛世", "海纳", "云帆", "智汇"]
TRADES = ["科技", "贸易", "教育咨询", "建材", "餐饮管理", "医疗器械", "电子商务", "物流", "文化传媒", "机械设备",
          "装饰工程", "投资管理"]
# The tenant's dictionaries (huike.dictionary.defaults, installed with every new tenant) and the
# values the demo customers use: the same lists.
SOURCES = [leaf for _, children in defaults.SOURCES for leaf in children]
INDUSTRIES = list(defaults.INDUSTRIES[:-1])
LEVELS = list(defaults.LEVELS)
STAGES = list(defaults.STAGES)
TAG_GROUPS = [(mode, list(names)) for _, mode, names in defaults.TAG_GROUPS]
TAGS = [name for _, names in TAG_GROUPS for name in names]
PROVINCES = {"上海": "上海市", "杭州": "浙江省", "苏州": "江苏省", "南京": "江苏省", "宁波": "浙江省", "合肥": "安徽省",
             "广州": "广东省", "深圳": "广东省", "东莞": "广东省", "佛山": "广东省", "厦门": "福建省", "长沙": "湖南省",
             "武汉": "湖北省", "成都": "四川省", "重庆": "重庆市", "北京": "北京市", "天津": "天津市", "青岛": "山东省",
             "郑州": "河南省", "西安": "陕西省"}
NICKNAMES = ["小王", "阿杰", "Lily", "晴天", "🌸花花", "老李", "Kevin陈", "向日葵", "静待花开", "大鹏", "一叶知秋",
             "Tony老师", "蓝天白云", "糖糖🍬", "阿强", "木子李", "小鱼儿", "追风少年", "Amy", "平安是福"]
# Ten custom fields (key, label, type, options): every kind the filter builder offers.
DEMO_FIELDS: list[tuple[str, str, str, list[str]]] = [
    ("budget", "预算", "money", []),
    ("staff_count", "员工人数", "number", []),
    ("products", "意向产品", "multi", ["CRM系统", "呼叫中心", "企微SCRM", "营销自动化", "数据分析"]),
    ("customer_kind", "客户性质", "single", ["企业", "个体户", "个人", "政府/事业单位"]),
    ("decision_maker", "决策人", "text", []),
    ("requirement", "需求描述", "long_text", []),
    ("sign_date", "预计签约日", "date", []),
    ("next_visit_at", "下次拜访时间", "datetime", []),
    ("invoice_email", "开票邮箱", "email", []),
    ("office_region", "办公地区", "region", []),
]
REQUIREMENTS = ["希望统一管理销售线索，避免撞单", "需要和企业微信打通，自动记录聊天", "电销团队30人，需要外呼和录音",
                "想要按来源统计转化率", "老系统数据需要迁移，约5万客户", "关注价格，预算有限", "需要私有化部署"]
MOBILE_PREFIXES = ["130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "155",
                   "156", "157", "158", "159", "166", "176", "177", "180", "181", "182", "185", "186", "187",
                   "188", "189", "199"]
POOLS = [("potential", 15), ("to_assign", 15), ("following", 40), ("public", 15), ("won", 10),
         ("recycle_bin", 5)]

# (department, center index or None for head office, role code, count)
ORG = {
    "centers": ["华东销售中心", "华南销售中心"],
    "departments": [("电销一部", 0), ("电销二部", 0), ("电销三部", 1), ("大客户部", 1), ("运营部", 0)],
}


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def seed(db: Database, code: str = "demo", *, customers: int = 300, password: str = "Demo@12345",
         name: str = "汇客演示科技有限公司") -> tuple[list[tuple[str, str, str, str]], bool]:
    rng = random.Random(20261122)
    with db.transaction() as s:
        tenant = s.scalar(sa.select(Tenant).where(Tenant.code == code))
        if tenant is not None:
            set_tenant(s, tenant.id)
            return _logins(s), False
        tenant, admin = create_tenant(s, code, name, "admin", password, "陈总")
        roles = {r.code: r for r in s.scalars(sa.select(Role))}
        company = s.scalar(sa.select(OrgUnit).where(OrgUnit.kind == "company"))
        head_center = s.scalar(sa.select(OrgUnit).where(OrgUnit.kind == "center"))
        centers = [add_unit(s, company, "center", n) for n in ORG["centers"]]
        depts = {n: add_unit(s, centers[c], "department", n) for n, c in ORG["departments"]}
        assert company and head_center
        pw = hash_password(password)  # one hash for all demo logins keeps seeding fast
        staff: list[Employee] = []

        def hire(username: str, role: str, dept: OrgUnit) -> Employee:
            e = Employee(username=username, name=_person(rng), password_hash=pw, department_id=dept.id,
                         role_id=roles[role].id, phone=rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}")
            s.add(e)
            staff.append(e)
            return e

        hire("director_east", "center_director", depts["运营部"])
        hire("director_south", "center_director", depts["大客户部"])
        sales_depts = ["电销一部", "电销二部", "电销三部", "大客户部"]
        for i, d in enumerate(sales_depts, 1):
            hire(f"manager{i}", "dept_manager", depts[d])
        for i in range(1, 4):
            hire(f"operator{i}", "operator", depts["运营部"])
        sellers = [hire(f"sales{i:02d}", "sales", depts[sales_depts[(i - 1) % 4]]) for i in range(1, 21)]
        s.flush()
        _install_fields(s)
        _customers(s, rng, customers, sellers, admin, depts["运营部"])
        audit.record(s, "demo.seed", "tenant", tenant.id, actor_name="huike",
                     after={"employees": len(staff) + 1, "customers": customers})
        _work(s, rng)
        _sales(s, rng)
        return _logins(s), True


def _customers(s: sa.orm.Session, rng: random.Random, n: int, sellers: list[Employee], admin: Employee,
               ops_dept: OrgUnit) -> None:
    now = utcnow()
    pools = [p for p, _ in POOLS]
    weights = [w for _, w in POOLS]
    used: set[str] = set()
    batch: list[Customer] = []
    tags_of: dict[int, list[str]] = {}  # id(customer) → demo tag names, written once ids exist
    for i in range(n):
        pool = rng.choices(pools, weights)[0]
        owner = rng.choice(sellers) if pool in ("following", "won") else None
        phone = ""
        while not phone or phone in used:
            phone = rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
        used.add(phone)
        created = now - timedelta(days=rng.randrange(0, 365), minutes=rng.randrange(0, 1440))
        city = rng.choice(CITIES)
        called = rng.random() < 0.4
        c = Customer(
            name=_person(rng), pool=pool if pool != "recycle_bin" else "recycle_bin",
            owner_id=owner.id if owner else None,
            department_id=owner.department_id if owner else ops_dept.id,
            company=f"{city}{rng.choice(BRANDS)}{rng.choice(TRADES)}有限公司" if rng.random() < .8 else None,
            source=rng.choice(SOURCES), industry=rng.choice(INDUSTRIES), level=rng.choice(LEVELS),
            stage=rng.choice(STAGES) if owner else None, region=f"{PROVINCES[city]}/{city}市".replace("市市", "市"),
            wechat=rng.choice(NICKNAMES) if rng.random() < 0.5 else None,
            external_id=f"ERP{rng.randrange(10**6):06d}" if rng.random() < 0.2 else None,
            last_call_at=now - timedelta(hours=rng.randrange(0, 24 * 30)) if called else None,
            last_call_status=rng.choice(["connected", "not_connected"]) if called else None,
            created_by_id=admin.id, created_at=created, updated_at=created,
            last_followup_at=created + timedelta(days=rng.randrange(0, 30)) if owner else None,
            deleted_at=now if pool == "recycle_bin" else None,
            deleted_from_pool="public" if pool == "recycle_bin" else None,
        )
        c.phones = [CustomerPhone(phone=phone, position=0)]
        tags_of[id(c)] = demo_tags(rng)
        if rng.random() < 0.1:
            extra = rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
            if extra not in used:
                used.add(extra)
                c.phones.append(CustomerPhone(phone=extra, position=1))
        batch.append(c)
        if len(batch) >= 1000:
            _flush_batch(s, batch, rng, sellers, tags_of)
            batch = []
    _flush_batch(s, batch, rng, sellers, tags_of)


def demo_tags(rng: random.Random) -> list[str]:
    """0–3 tags, at most one of a single-choice group."""
    out: list[str] = []
    for mode, names in TAG_GROUPS:
        if mode == "single":
            if rng.random() < 0.6:
                out.append(rng.choice(names))
        else:
            out.extend(rng.sample(names, rng.choice([0, 0, 1, 1, 2])))
    return out


def demo_field_value(rng: random.Random, key: str, now: datetime, employee_ids: list[int]) -> Any:
    """A realistic value of one DEMO_FIELDS field (None = left empty)."""
    if rng.random() < 0.3:
        return None
    match key:
        case "budget":
            return f"{rng.choice([5, 8, 10, 20, 30, 50, 80, 120, 200]) * 1000 + rng.choice([0, 500])}.00"
        case "staff_count":
            return rng.choice([3, 8, 15, 30, 50, 120, 300, 800, 2000])
        case "products":
            return rng.sample(DEMO_FIELDS[2][3], rng.randrange(1, 3))
        case "customer_kind":
            return rng.choices(DEMO_FIELDS[3][3], [6, 2, 1, 1])[0]
        case "decision_maker":
            return rng.choice(SURNAMES) + rng.choice(["总", "经理", "主任", "老板"])
        case "requirement":
            return rng.choice(REQUIREMENTS)
        case "sign_date":
            return (now + timedelta(days=rng.randrange(-30, 120))).date().isoformat()
        case "next_visit_at":
            return (now + timedelta(days=rng.randrange(1, 30), hours=rng.randrange(0, 8))).replace(
                minute=0, second=0, microsecond=0).isoformat()
        case "invoice_email":
            return f"fp{rng.randrange(10**5)}@{rng.choice(['qq.com', '163.com', 'example.cn'])}"
        case "office_region":
            city = rng.choice(CITIES)
            return f"{PROVINCES[city]}/{city}市".replace("市市", "市")
    return None


def _install_fields(s: sa.orm.Session) -> dict[str, CustomField]:
    fields = {}
    for i, (key, label, type_, options) in enumerate(DEMO_FIELDS):
        cfg = {"scale": 2} if type_ == "money" else {"scale": 0} if type_ == "number" else \
            {"max_length": 200} if type_ == "text" else {"max_length": 5000} if type_ == "long_text" else {}
        f = CustomField(key=key, label=label, type=type_, options=options, config=cfg, sort=i)
        s.add(f)
        fields[key] = f
    s.flush()
    return fields


def _flush_batch(s: sa.orm.Session, batch: list[Customer], rng: random.Random, sellers: list[Employee],
                 tags_of: dict[int, list[str]]) -> None:
    from huike.dictionary import service as dictionary

    s.add_all(batch)
    s.flush()
    tag_ids = dict(s.execute(sa.select(Tag.name, Tag.id)).all())
    fields = dictionary.list_fields(s)
    now = utcnow()
    staff = [x.id for x in sellers]
    tenant_id = batch[0].tenant_id if batch else None
    links, values = [], []
    for c in batch:
        links.extend({"tenant_id": tenant_id, "customer_id": c.id, "tag_id": tag_ids[n]}
                     for n in tags_of.pop(id(c), []))
        for f in fields:
            raw = demo_field_value(rng, f.key, now, staff)
            if raw is not None:
                norm = dictionary.normalize_value(s, f, raw)
                values.extend(dictionary.value_rows(f, norm, c.id, tenant_id))
    if links:
        s.execute(sa.insert(CustomerTag), links)
    if values:
        s.execute(sa.insert(CustomerFieldValue), values)
    for c in batch:
        c.number = f"KH{c.id:08d}"
        if c.owner_id and rng.random() < 0.15:
            helper = rng.choice([x for x in sellers if x.id != c.owner_id])
            s.add(CustomerCollaborator(customer_id=c.id, employee_id=helper.id))
        if c.owner_id and rng.random() < 0.1:
            s.add(CustomerFocus(customer_id=c.id, employee_id=c.owner_id, color=rng.choice(["red", "orange", "blue"])))
    s.flush()
    s.expunge_all()


def _logins(s: sa.orm.Session) -> list[tuple[str, str, str, str]]:
    rows = s.execute(sa.select(Employee.username, Employee.name, Role.name, OrgUnit.name)
                     .join(Role, Role.id == Employee.role_id).join(OrgUnit, OrgUnit.id == Employee.department_id)
                     .where(Employee.is_active).order_by(Employee.id)).all()
    picked, seen = [], set()
    for username, name, role, dept in rows:
        if role not in seen or username in ("sales02",):
            picked.append((username, name, role, dept))
            seen.add(role)
    return picked


def _work(s: sa.orm.Session, rng: random.Random) -> None:
    """Contacts, follow-ups, tagging rules, tasks and return visits (WORK-3…9)."""
    from huike.demo.work import seed_work

    counts = seed_work(s, rng)
    audit.record(s, "demo.seed_work", "tenant", None, actor_name="huike", after=counts)


def _sales(s: sa.orm.Session, rng: random.Random) -> None:
    """Products, opportunities in every stage, orders, contracts, payments, invoices (SALES-1…7)."""
    from huike.demo.sales import seed_sales

    counts = seed_sales(s, rng)
    audit.record(s, "demo.seed_sales", "tenant", None, actor_name="huike", after=counts)
