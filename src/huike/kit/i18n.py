"""Server-side messages in zh-CN (default) and English, chosen by Accept-Language."""

from __future__ import annotations

from huike.kit import context

SUPPORTED = ("zh-CN", "en")

MESSAGES: dict[str, tuple[str, str]] = {
    # code: (zh-CN, en)
    "unauthenticated": ("请先登录", "Please log in"),
    "session_expired": ("登录已失效，请重新登录", "Your session has ended; please log in again"),
    "invalid_credentials": ("企业代码、用户名或密码错误", "Wrong tenant code, username or password"),
    "too_many_attempts": ("登录失败次数过多，请稍后再试", "Too many failed attempts; try again later"),
    "csrf_failed": ("请求校验失败，请刷新页面后重试", "Request check failed; reload the page and retry"),
    "forbidden": ("没有权限执行此操作", "You are not allowed to do this"),
    "not_found": ("记录不存在或无权访问", "Not found, or not accessible to you"),
    "route_not_found": ("接口不存在", "No such endpoint"),
    "method_not_allowed": ("不支持的请求方法", "Method not allowed"),
    "validation_error": ("提交的数据有误", "The request data is invalid"),
    "invalid_json": ("请求内容不是合法的 JSON", "The request body is not valid JSON"),
    "internal_error": ("服务器内部错误，请联系管理员（请求编号 {request_id}）",
                       "Internal error; contact your administrator (request {request_id})"),
    "version_conflict": ("记录已被他人修改，请刷新后重试", "Someone else changed this record; reload and retry"),
    "duplicate_phone": ("手机号 {phone} 已存在", "Phone number {phone} already exists"),
    "invalid_phone": ("手机号 {phone} 格式不正确", "Phone number {phone} is not valid"),
    "phone_required": ("至少填写一个手机号", "At least one phone number is required"),
    "owner_required": ("跟进中的客户必须指定负责人", "A customer in the following pool needs an owner"),
    "invalid_owner": ("负责人不存在或已停用", "The owner does not exist or is disabled"),
    "invalid_pool": ("不能直接新建到该客户池：{pool}", "Cannot create a customer in pool {pool}"),
    "customer_won": ("已成交客户不能删除，只能停用", "A won customer cannot be deleted, only deactivated"),
    "pool_forbidden": ("无权查看该客户池", "You may not view this pool"),
    "tenant_exists": ("企业代码 {code} 已存在", "Tenant code {code} already exists"),
    "tenant_not_found": ("企业 {code} 不存在", "Tenant {code} does not exist"),
    "username_taken": ("用户名 {username} 已存在", "Username {username} already exists"),
    "role_code_taken": ("角色代码 {code} 已存在", "Role code {code} already exists"),
    "role_in_use": ("仍有员工使用该角色，不能删除", "Employees still hold this role"),
    "role_builtin": ("内置角色不能删除", "A built-in role cannot be deleted"),
    "unknown_permission": ("未知权限：{permission}", "Unknown permission: {permission}"),
    "invalid_parent": ("上级组织不合法", "That parent unit is not allowed here"),
    "org_cycle": ("不能移动到自身或其下级", "A unit cannot move under itself"),
    "root_locked": ("公司根节点不能移动或停用", "The company root cannot be moved or disabled"),
    "unit_not_empty": ("该组织下还有启用的员工或子组织", "This unit still has active employees or sub-units"),
    "department_required": ("员工必须属于一个部门", "An employee must belong to a department"),
    "department_disabled": ("该部门已停用", "This department is disabled"),
    "cannot_disable_self": ("不能停用自己的账号", "You cannot disable your own account"),
    # pools and moves
    "pool.potential": ("潜在客户", "potential"), "pool.to_assign": ("待分配", "to assign"),
    "pool.following": ("跟进中", "following"), "pool.public": ("公海", "public pool"),
    "pool.won": ("已成交", "won"), "pool.recycle_bin": ("回收站", "recycle bin"),
    "ids_required": ("请至少选择一个客户", "Select at least one customer"),
    "too_many_ids": ("一次最多操作 {max} 个客户", "At most {max} customers per call"),
    "not_in_pool": ("客户当前在“{pool}”，不能执行此操作", "The customer is in “{pool}”; this move does not apply"),
    "state_changed": ("客户状态已被他人改变，请刷新", "Someone else moved this customer; reload"),
    "invalid_assignee": ("员工 {employee_id} 不存在、已停用或不在您的管理范围内",
                         "Employee {employee_id} does not exist, is disabled or is outside your scope"),
    "invalid_rule": ("分配规则不存在或已停用", "The assignment rule does not exist or is disabled"),
    "too_many_assignees": ("最多选择 5 个跟进人", "Choose at most 5 assignees"),
    "assignee_required": ("请选择跟进人、部门或分配规则", "Choose assignees, a department or a rule"),
    "no_assignee_available": ("没有可分配的员工（已停用或库容已满）",
                              "Nobody can take customers (disabled or at capacity)"),
    "in_recycle_bin": ("客户在回收站中", "The customer is in the recycle bin"),
    "not_in_recycle_bin": ("客户不在回收站中", "The customer is not in the recycle bin"),
    "merged_customer": ("该客户已被合并，不能恢复", "This customer was merged and cannot be restored"),
    "wecom_friend_target": ("企微好友客户只能转给其跟进人或为好友的协助人",
                            "A WeCom-friend customer can only go to its owner or to collaborators who are friends"),
    "wecom_friend": ("企微好友客户禁止删除、丢公海", "A WeCom-friend customer cannot be deleted or recycled"),
    "already_claimed": ("该客户已被他人领取", "Someone else has already claimed this customer"),
    "already_yours": ("该客户已在您名下", "This customer is already yours"),
    "not_pool_member": ("您不是该公海的成员", "You are not a member of this public pool"),
    "claim_protected": ("客户刚进入公海，{minutes} 分钟保护期内不能领取",
                        "This customer just entered the pool; it can be claimed after {minutes} minutes"),
    "claim_cooldown": ("您刚放弃该客户，{days} 天内不能重新领取",
                       "You gave this customer up recently; you can claim it back after {days} days"),
    "claim_quota_exceeded": ("今日领取已达上限（{quota} 个）", "Daily claim limit reached ({quota})"),
    "capacity_reached": ("您的客户数已达库容上限（{capacity} 个）", "You own the maximum of {capacity} customers"),
    "invalid_pool_target": ("目标公海不存在", "That public pool does not exist"),
    "not_owner": ("只能操作自己跟进的客户", "You can only do this to your own customers"),
    "customer_locked": ("客户已锁定，不能回收", "The customer is locked and cannot be recycled"),
    "not_owned": ("客户没有跟进人", "The customer has no owner"),
    "reason_required": ("请填写原因", "A reason is required"),
    "duplicates_required": ("请选择要合并的重复客户", "Choose the duplicates to merge"),
    "too_many_duplicates": ("一次最多合并 5 个客户", "Merge at most 5 customers at once"),
    "default_pool": ("默认公海不能删除", "The default public pool cannot be deleted"),
    "pool_not_empty": ("该公海中还有客户", "This public pool still holds customers"),
    "invalid_cursor": ("分页参数无效", "Invalid page cursor"),
    "weak_password": ("密码至少 8 位", "The password needs at least 8 characters"),
    # working a customer: contacts, follow-ups, tasks, reminders, return visits (WORK-3…9)
    "claim_first": ("公海客户请先领取再跟进", "Claim this public-pool customer before following it up"),
    "followup_in_future": ("跟进时间不能晚于当前时间", "The follow-up time cannot be in the future"),
    "next_before_followup": ("下次跟进时间应晚于本次跟进时间", "The next follow-up must come after this one"),
    "not_author": ("只能修改自己写的跟进记录", "You can only change your own follow-ups"),
    "too_many_customers": ("一个任务最多选择 {max} 个客户，当前选择了 {count} 个",
                           "A task can cover at most {max} customers; {count} were selected"),
    "customers_required": ("请至少选择一个客户", "Select at least one customer"),
    "handlers_required": ("请至少选择一个处理人", "Choose at least one handler"),
    "no_customers_left": ("所选客户均不能下发（黑名单、回收站或无权限）",
                          "None of the selected customers can be tasked (blacklisted, binned or out of scope)"),
    "task_item_done": ("该客户已处理", "This customer has already been processed"),
    "task_closed": ("任务已结束", "This task is closed"),
    "not_handler": ("该客户不是分配给您的", "This customer is not assigned to you"),
    "not_issuer": ("只有下发人可以执行此操作", "Only the issuer can do this"),
    "plan_closed": ("回访计划已完成或已取消", "This return-visit plan is already done or cancelled"),
    "not_plan_owner": ("只有回访负责人可以记录回访", "Only the plan's owner can record this visit"),
    "invalid_period": ("统计时间范围不正确", "The statistics period is not valid"),
    "channel_not_configured": ("{channel} 渠道未配置或未启用", "The {channel} channel is not configured or enabled"),
    "contact_phone_invalid": ("联系人电话 {phone} 格式不正确", "Contact phone {phone} is not valid"),
    "reminder.followup_due": ("跟进提醒", "Follow-up due"),
    "reminder.no_followup": ("长期未跟进提醒", "No follow-up for a long time"),
    "reminder.visit_due": ("回访提醒", "Return visit due"),
    "reminder.birthday": ("生日提醒", "Birthday"),
    "reminder.task_assigned": ("新任务", "New task"),
    "reminder.task_overdue": ("任务逾期", "Task overdue"),
    # dictionaries, tags, custom fields, filters and list settings (FIND-1…8)
    "unknown_dict_value": ("“{value}”不在{kind}字典中", "“{value}” is not in the {kind} dictionary"),
    "dict_value_disabled": ("“{value}”已停用", "“{value}” is disabled"),
    "dict_item_exists": ("“{name}”已存在", "“{name}” already exists"),
    "dict_item_in_use": ("仍有 {count} 个客户使用“{name}”，请改为停用", "{count} customers use “{name}”; disable it instead"),
    "invalid_dict_parent": ("只有来源可分两级，上级须为启用的大类", "Only sources have two levels; the parent must be a top-level source"),
    "dict.source": ("来源", "source"), "dict.industry": ("行业", "industry"), "dict.level": ("客户级别", "level"),
    "dict.stage": ("跟进阶段", "stage"), "dict.tag": ("标签", "tag"),
    "tag_group_exists": ("标签组“{name}”已存在", "Tag group “{name}” already exists"),
    "tag_exists": ("标签“{name}”已存在", "Tag “{name}” already exists"),
    "unknown_tag": ("标签“{name}”不存在", "Tag “{name}” does not exist"),
    "tag_group_single": ("“{group}”是单选标签组，只能选一个标签", "“{group}” is a single-choice group: pick one tag"),
    "tag_group_conflict": ("有 {count} 个客户在该组有多个标签，不能设为单选",
                           "{count} customers hold several tags of this group; it cannot become single-choice"),
    "tag_too_long": ("标签“{name}”超过 {max} 个字", "Tag “{name}” is longer than {max} characters"),
    "custom_field_key_taken": ("字段标识 {key} 已存在", "Field key {key} already exists"),
    "invalid_options": ("单选/多选字段需要至少一个选项，选项不能重复", "Choice fields need at least one option, without duplicates"),
    "option_in_use": ("选项“{option}”仍被 {count} 个客户使用", "Option “{option}” is still used by {count} customers"),
    "invalid_custom_fields": ("自定义字段填写有误", "Some custom fields are invalid"),
    "cf.unknown": ("没有这个自定义字段", "No such custom field"),
    "cf.required": ("必填", "Required"),
    "cf.disabled": ("该字段已停用", "This field is disabled"),
    "cf.not_text": ("应为文本", "Must be text"),
    "cf.too_long": ("最多 {max} 个字", "At most {max} characters"),
    "cf.not_number": ("应为数字", "Must be a number"),
    "cf.too_small": ("不能小于 {min}", "Must be at least {min}"),
    "cf.too_large": ("不能大于 {max}", "Must be at most {max}"),
    "cf.scale": ("最多 {scale} 位小数", "At most {scale} decimal places"),
    "cf.not_date": ("日期格式应为 YYYY-MM-DD", "Must be a date (YYYY-MM-DD)"),
    "cf.not_datetime": ("时间格式不正确", "Must be a date and time (ISO 8601)"),
    "cf.not_option": ("“{value}”不是可选项", "“{value}” is not one of the options"),
    "cf.not_list": ("应为选项列表", "Must be a list of options"),
    "cf.invalid_phone": ("电话号码格式不正确", "Not a valid phone number"),
    "cf.invalid_email": ("邮箱格式不正确", "Not a valid email address"),
    "cf.invalid_region": ("地区格式应为 省/市/区", "Must be a region like 省/市/区"),
    "cf.invalid_employee": ("员工不存在或已停用", "No such active employee"),
    "invalid_filter": ("筛选条件有误", "The filter is invalid"),
    "too_many_conditions": ("筛选条件最多 {max} 个", "A filter has at most {max} conditions"),
    "filter.unknown_field": ("没有可筛选的字段 {field}", "No filterable field {field}"),
    "filter.bad_operator": ("字段 {field} 不支持“{op}”", "Field {field} does not support “{op}”"),
    "filter.bad_value": ("筛选值不正确：{reason}", "Bad filter value: {reason}"),
    "filter.too_deep": ("条件组不能再嵌套", "Condition groups cannot be nested further"),
    "invalid_sort": ("不能按 {sort} 排序", "Cannot sort by {sort}"),
    "saved_filter_exists": ("已有同名的常用筛选“{name}”", "A saved filter named “{name}” already exists"),
    "invalid_columns": ("未知的列：{column}", "Unknown column: {column}"),
}


def negotiate(accept_language: str | None) -> str:
    if not accept_language:
        return "zh-CN"
    best, best_q = "zh-CN", -1.0
    for part in accept_language.split(","):
        bits = part.strip().split(";")
        tag = bits[0].strip().lower()
        q = 1.0
        for b in bits[1:]:
            b = b.strip()
            if b.startswith("q="):
                try:
                    q = float(b[2:])
                except ValueError:
                    q = 0.0
        lang = "en" if tag.startswith("en") else "zh-CN" if tag.startswith("zh") else None
        if lang and q > best_q:
            best, best_q = lang, q
    return best


def t(code: str, lang: str | None = None, /, **params: object) -> str:
    lang = lang or context.current().lang
    zh, en = MESSAGES.get(code, (code, code))
    text = en if lang == "en" else zh
    try:
        return text.format(**params)
    except (KeyError, IndexError, ValueError):
        return text
