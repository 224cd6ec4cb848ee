"""Demo data for working customers (WORK-3…9): contacts, follow-ups with realistic Chinese content
(and their timeline events), keyword tagging rules, a few tasks and return visits. Called at the end
of `demo.seed.seed`, in the same transaction, deterministic from the seed's random generator."""

from __future__ import annotations

import random
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from huike.contact.models import Contact
from huike.customer.models import Customer
from huike.followup.models import Followup, TagRule
from huike.kit.models import utcnow
from huike.org.models import Employee, Role
from huike.pool.models import CustomerEvent
from huike.reminder.service import tenant_settings
from huike.task.models import Task, TaskItem
from huike.visit.models import VisitPlan, VisitRecord

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
TITLES = ["总经理", "采购经理", "财务主管", "技术负责人", "行政主管", "运营总监", "老板", "副总经理"]
HONORIFIC = {"总经理": "总", "老板": "总", "副总经理": "总", "运营总监": "总监"}
METHODS = ["phone", "phone", "phone", "wechat", "wechat", "visit", "email"]
STAGES = ["初步接触", "需求分析", "方案报价", "合同谈判"]
CONTENT = [
    ("电话介绍了我们的产品功能，重点演示了审批流程和钉钉集成。客户比较关注是否支持私有化部署。",
     "客户表示很感兴趣，希望先试用一周再决定。", "发送试用账号和操作手册"),
    ("加了客户微信，发送了公司介绍和三个同行业案例。", "客户说会转给老板看，下周给答复。", "周三电话确认老板意见"),
    ("上门拜访，和采购经理、技术负责人一起过了一遍需求清单，共 12 项，其中 9 项标准功能可以满足。",
     "技术负责人担心数据迁移，希望我们出迁移方案。", "准备数据迁移方案和报价"),
    ("发送了正式报价单（含三年服务费），解释了阶梯价格。", "客户觉得价格偏高，太贵了，希望再优惠 10%。",
     "申请特价审批后回复客户"),
    ("电话跟进报价反馈，说明了年付优惠和免费培训。", "客户基本认可，在走内部审批流程，预计月底签合同。",
     "月底前确认合同条款"),
    ("客户来电咨询售后服务范围和响应时间。", "对 7×24 小时响应比较满意。", "把服务协议发给客户"),
    ("电话未接通，发了短信说明来意。", None, "明天上午再打一次"),
    ("微信沟通合同细节，客户法务提出两处修改意见：付款节点和违约条款。", "修改后可以走签约流程。",
     "法务确认修改后寄送合同"),
    ("参加客户公司的需求评审会，演示了移动端和数据看板。", "业务部门反馈很好，老板决策，预算充足。",
     "约老板下周面谈"),
    ("回访试用情况，客户已经录入 200 条数据。", "操作比较顺手，希望增加批量导出功能。", "反馈产品需求，跟进试用转正"),
]
VISIT_TOPICS = {"periodic": ["季度使用情况回访", "年度服务回访"], "new_customer": ["新客户首次回访", "上线一周回访"],
                "problem": ["批量导出问题跟进", "登录异常问题跟进"]}
VISIT_FEEDBACK = [
    ("very_satisfied", "系统整体使用流畅，审批功能很好用，对服务很满意。", None, None),
    ("satisfied", "日常使用没问题，希望增加批量导出功能。", "需要批量导出合同列表", "将需求反馈给产品部门，下个版本实现"),
    ("neutral", "用得不多，部分同事还不熟悉。", "培训不够", "安排一次线上培训"),
    ("dissatisfied", "上周出现过两次登录慢的情况，影响工作。", "登录响应慢", "技术支持排查并在三天内回复"),
]


def seed_work(s: Session, rng: random.Random) -> dict[str, int]:
    now = utcnow()
    owned = list(s.execute(sa.select(Customer.id, Customer.name, Customer.owner_id, Customer.pool, Customer.created_at)
                           .where(Customer.owner_id.is_not(None), Customer.pool.in_(("following", "won")))
                           .order_by(Customer.id)).all())
    staff = {e.id: e for e in s.scalars(sa.select(Employee))}
    roles = {r.id: r.code for r in s.scalars(sa.select(Role))}
    tenant_settings(s)
    for name, words, match, tag in (("价格敏感", ["太贵", "价格偏高", "优惠"], "any", "价格敏感"),
                                    ("老板决策", ["老板决策", "老板看"], "any", "老板决策"),
                                    ("预算充足", ["预算充足"], "any", "预算充足")):
        s.add(TagRule(name=name, keywords=words, match=match, tag=tag, enabled=True))
    contacts = followups = 0
    events: list[dict[str, object]] = []
    for cid, cname, owner_id, _pool, created in owned:
        # contacts: 1–3, the first primary
        for i in range(rng.choice([1, 1, 2, 2, 3])):
            title = rng.choice(TITLES)
            surname = rng.choice(SURNAMES)
            born = date(rng.randrange(1965, 1996), rng.randrange(1, 13), rng.randrange(1, 29)) \
                if rng.random() < 0.4 else None
            s.add(Contact(customer_id=cid, name=f"{surname}{HONORIFIC.get(title, '经理')}", title=title,
                          phones=[f"1{rng.choice('3578')}{rng.randrange(10**9):09d}"],
                          email=f"contact{cid}-{i}@example.com" if rng.random() < 0.5 else None,
                          birthday=born, is_primary=i == 0, created_by_id=owner_id, created_at=created,
                          updated_at=created))
            contacts += 1
        # follow-ups: 1–4 over the last weeks, the last one with a plan
        n = rng.choice([1, 2, 2, 3, 4])
        start = max(created, now - timedelta(days=60))
        times = sorted(start + (now - start) * rng.random() for _ in range(n))
        last = None
        for j, at in enumerate(times):
            content, feedback, plan = CONTENT[rng.randrange(len(CONTENT))]
            is_last = j == n - 1
            next_at = (now + timedelta(days=rng.randrange(0, 6), hours=rng.randrange(1, 9))) if is_last and \
                rng.random() < 0.6 else None
            f = Followup(customer_id=cid, author_id=owner_id, at=at, method=rng.choice(METHODS), content=content,
                         feedback=feedback, stage=STAGES[min(j, 3)], next_at=next_at,
                         next_plan=plan if next_at else None, remind=True, attachments=[], auto_tags=[],
                         created_at=at, updated_at=at)
            s.add(f)
            s.flush()
            followups += 1
            last = at
            events.append({"tenant_id": f.tenant_id, "customer_id": cid, "type": "followed_up", "actor_id": owner_id,
                           "at": at, "data": {"followup_id": f.id, "method": f.method, "summary": content[:60],
                                              "at": at.isoformat(),
                                              "next_at": next_at.isoformat() if next_at else None, "auto_tags": []}})
        if last is not None:
            s.execute(sa.update(Customer).where(Customer.id == cid).values(last_followup_at=last)
                      .execution_options(synchronize_session=False))
    # return visits on won customers: done with a record, planned ahead, one overdue
    plans = records = 0
    won = [x for x in owned if x[3] == "won"]
    for k, (cid, _name, owner_id, _pool, _created) in enumerate(won):
        kind = ["new_customer", "periodic", "problem"][k % 3]
        done_at = now - timedelta(days=rng.randrange(2, 50), hours=rng.randrange(0, 8))
        p = VisitPlan(customer_id=cid, type=kind, planned_at=done_at - timedelta(hours=2),
                      topic=rng.choice(VISIT_TOPICS[kind]), owner_id=owner_id, status="done", created_by_id=owner_id,
                      done_at=done_at, created_at=done_at - timedelta(days=3), updated_at=done_at)
        s.add(p)
        s.flush()
        grade, feedback, problems, actions = VISIT_FEEDBACK[min(int(rng.random() ** 1.6 * 4), 3)]
        s.add(VisitRecord(plan_id=p.id, customer_id=cid, visitor_id=owner_id, visited_at=done_at,
                          method=rng.choice(["phone", "phone", "onsite", "video"]),
                          content="1. 询问系统使用情况\n2. 了解是否遇到问题\n3. 收集改进建议", feedback=feedback,
                          satisfaction=grade, problems=problems, actions=actions, created_at=done_at,
                          updated_at=done_at))
        s.add(VisitPlan(customer_id=cid, type="periodic",
                        planned_at=now + timedelta(days=rng.randrange(-2, 20), hours=rng.randrange(1, 8)),
                        topic="季度使用情况回访", owner_id=owner_id, status="planned", created_by_id=owner_id,
                        created_at=now, updated_at=now))
        plans += 2
        records += 1
    # tasks: each department manager issues one over their department's customers
    tasks = 0
    managers = [e for e in staff.values() if roles.get(e.role_id) == "dept_manager"]
    for m_i, manager in enumerate(managers[:3]):
        team = [e.id for e in staff.values() if roles.get(e.role_id) == "sales" and e.department_id == manager.department_id]
        if len(team) < 1:
            continue
        handlers = team[:2]
        ids = [cid for cid, _n, owner_id, pool, _c in owned if owner_id in team and pool == "following"][:12]
        if not ids:
            continue
        kind, title, content = [("call", "五一促销电话回访", "介绍五一限时优惠：年付八折，加赠 3 个账号"),
                                ("content", "新版本功能推送", "【汇客 3.0 上线】移动审批、数据看板全新升级，点击了解：https://example.com/v3"),
                                ("visit", "重点客户上门拜访", "带上新版演示环境，了解续费意向")][m_i % 3]
        t = Task(type=kind, title=title, content=content, due_at=now + timedelta(days=3 - m_i * 2),
                 issuer_id=manager.id, handler_ids=handlers, status="open", selected=len(ids),
                 skipped_blacklisted=0, skipped_other=0, created_at=now - timedelta(days=2), updated_at=now)
        s.add(t)
        s.flush()
        for pos, cid in enumerate(ids):
            done = pos % 3 == 0
            s.add(TaskItem(task_id=t.id, customer_id=cid, handler_id=handlers[pos % len(handlers)], position=pos,
                           status="done" if done else "pending", done_at=now - timedelta(hours=pos) if done else None,
                           result="已沟通，有意向" if done else None))
            events.append({"tenant_id": t.tenant_id, "customer_id": cid, "type": "task_issued", "actor_id": manager.id,
                           "at": t.created_at, "data": {"task_id": t.id, "title": title, "task_type": kind,
                                                        "handler_id": handlers[pos % len(handlers)]}})
        tasks += 1
    if events:
        s.execute(sa.insert(CustomerEvent), events)
    s.flush()
    return {"contacts": contacts, "followups": followups, "visit_plans": plans, "visit_records": records,
            "tasks": tasks}
