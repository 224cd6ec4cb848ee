"""The dictionaries every new tenant starts with (admins edit them under 系统设置). Plain data, also
used by migration 0004 for tenants that existed before dictionaries, and by the demo seed."""

from __future__ import annotations

# 来源: 大类 → 小类 (a 大类 without 小类 is a value itself)
SOURCES: list[tuple[str, list[str]]] = [
    ("网络推广", ["百度推广", "抖音", "官网咨询"]),
    ("电话营销", ["400电话"]),
    ("线下活动", ["展会", "地推"]),
    ("社交与转介绍", ["企业微信", "转介绍"]),
]
INDUSTRIES = ["教育培训", "金融服务", "房产家居", "制造业", "电商零售", "医疗健康", "企业服务", "餐饮酒店", "其他行业"]
# POOL-16: VIP > 50万/年, 重要 10–50万, 普通 1–10万, 潜在 < 1万
LEVELS = ["VIP客户", "重要客户", "普通客户", "潜在客户"]
# The default automatic grading (grading.service, off until an admin switches it on): yearly purchases at
# least this much → the level, tried in order; None = the level when no rule matches (潜在客户 < 1万).
LEVEL_GRADES: list[tuple[str, str | None]] = [("VIP客户", "500000.00"), ("重要客户", "100000.00"),
                                              ("普通客户", "10000.00"), ("潜在客户", None)]
# 跟进阶段
STAGES = ["初步接触", "需求确认", "方案报价", "商务谈判", "已成交", "暂停跟进"]
# 标签组: (name, mode, tags)
TAG_GROUPS: list[tuple[str, str, list[str]]] = [
    ("客户意向", "single", ["高意向", "中意向", "低意向", "暂无需求"]),
    ("客户特征", "multi", ["已加微信", "价格敏感", "老板决策", "需回访", "竞品用户", "预算充足"]),
]
# Where tags typed outside the dictionary land (free entry), created on first use.
FREE_TAG_GROUP = "其他标签"

COLORS = ["#409eff", "#67c23a", "#e6a23c", "#f56c6c", "#909399", "#9b59b6", "#1abc9c", "#e67e22"]


def flat_items() -> list[tuple[str, str, str | None, int]]:
    """(kind, name, parent name, sort) of every default dictionary item, parents first."""
    out: list[tuple[str, str, str | None, int]] = []
    for i, (parent, children) in enumerate(SOURCES):
        out.append(("source", parent, None, i))
        out.extend(("source", child, parent, j) for j, child in enumerate(children))
    out.extend(("industry", n, None, i) for i, n in enumerate(INDUSTRIES))
    out.extend(("level", n, None, i) for i, n in enumerate(LEVELS))
    out.extend(("stage", n, None, i) for i, n in enumerate(STAGES))
    return out
