"""`huike seed-demo`: a believable zh-CN company (PERM-2 org tree, every default role, customers in
every pool). Deterministic (fixed random seed) so screenshots and tests are stable."""

from __future__ import annotations

import random
from datetime import timedelta

import sqlalchemy as sa

from huike.audit import service as audit
from huike.auth.passwords import hash_password
from huike.customer.models import Customer, CustomerCollaborator, CustomerFocus, CustomerPhone
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
SOURCES = ["百度推广", "抖音", "转介绍", "展会", "官网咨询", "400电话", "企业微信", "地推"]
INDUSTRIES = ["教育培训", "金融服务", "房产家居", "制造业", "电商零售", "医疗健康", "企业服务", "餐饮酒店"]
LEVELS = ["VIP客户", "重要客户", "普通客户", "潜在客户"]
TAGS = ["高意向", "已加微信", "价格敏感", "老板决策", "需回访", "竞品用户", "预算充足", "暂无需求"]
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
        _customers(s, rng, customers, sellers, admin, depts["运营部"])
        audit.record(s, "demo.seed", "tenant", tenant.id, actor_name="huike",
                     after={"employees": len(staff) + 1, "customers": customers})
        return _logins(s), True


def _customers(s: sa.orm.Session, rng: random.Random, n: int, sellers: list[Employee], admin: Employee,
               ops_dept: OrgUnit) -> None:
    now = utcnow()
    pools = [p for p, _ in POOLS]
    weights = [w for _, w in POOLS]
    used: set[str] = set()
    batch: list[Customer] = []
    for i in range(n):
        pool = rng.choices(pools, weights)[0]
        owner = rng.choice(sellers) if pool in ("following", "won") else None
        phone = ""
        while not phone or phone in used:
            phone = rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
        used.add(phone)
        created = now - timedelta(days=rng.randrange(0, 365), minutes=rng.randrange(0, 1440))
        c = Customer(
            name=_person(rng), pool=pool if pool != "recycle_bin" else "recycle_bin",
            owner_id=owner.id if owner else None,
            department_id=owner.department_id if owner else ops_dept.id,
            company=f"{rng.choice(CITIES)}{rng.choice(BRANDS)}{rng.choice(TRADES)}有限公司" if rng.random() < .8 else None,
            source=rng.choice(SOURCES), industry=rng.choice(INDUSTRIES), level=rng.choice(LEVELS),
            tags=sorted(rng.sample(TAGS, rng.randrange(0, 3))), created_by_id=admin.id, created_at=created,
            updated_at=created,
            last_followup_at=created + timedelta(days=rng.randrange(0, 30)) if owner else None,
            deleted_at=now if pool == "recycle_bin" else None,
            deleted_from_pool="public" if pool == "recycle_bin" else None,
        )
        c.phones = [CustomerPhone(phone=phone, position=0)]
        if rng.random() < 0.1:
            extra = rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
            if extra not in used:
                used.add(extra)
                c.phones.append(CustomerPhone(phone=extra, position=1))
        batch.append(c)
        if len(batch) >= 1000:
            _flush_batch(s, batch, rng, sellers)
            batch = []
    _flush_batch(s, batch, rng, sellers)


def _flush_batch(s: sa.orm.Session, batch: list[Customer], rng: random.Random, sellers: list[Employee]) -> None:
    s.add_all(batch)
    s.flush()
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
