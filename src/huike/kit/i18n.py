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
    "invalid_cursor": ("分页参数无效", "Invalid page cursor"),
    "weak_password": ("密码至少 8 位", "The password needs at least 8 characters"),
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


def t(code: str, lang: str | None = None, **params: object) -> str:
    lang = lang or context.current().lang
    zh, en = MESSAGES.get(code, (code, code))
    text = en if lang == "en" else zh
    try:
        return text.format(**params)
    except (KeyError, IndexError, ValueError):
        return text
