"""The import template (IMP-1): one column per importable field, dropdowns (Excel data validation)
listing the tenant's current tags, sources, industries, levels, stages and choice fields, and a sample
row. Long lists live on a hidden sheet and are referenced by range (inline lists are capped at 255
characters by Excel)."""

from __future__ import annotations

from typing import IO, Any

from sqlalchemy.orm import Session

from huike.authz import require
from huike.authz.actor import Actor
from huike.dataio import fields as F
from huike.dataio.service.imports import io_settings

FILENAME = "客户导入模板.xlsx"
SAMPLE = {"name": "张三", "phones": "13800138000", "company": "杭州示例科技有限公司", "email": "zhangsan@example.com",
          "region": "浙江省/杭州市/西湖区", "wechat": "zhangsan", "external_id": "EXT-0001",
          "address": "文三路 100 号", "remark": "示例行，导入前请删除"}
TYPE_HINT = {"number": 123, "money": "1000.00", "date": "2024/1/5", "datetime": "2024-01-05 09:30",
             "email": "name@example.com", "phone": "13900139000", "region": "浙江省/杭州市", "employee": "员工姓名"}


def build(s: Session, actor: Actor, target: str | IO[bytes]) -> None:
    """Write the template to a path or a binary file object."""
    require(actor, "customer.import")
    import xlsxwriter

    fields = F.catalog(s, source_required=io_settings(s).source_required)
    options: dict[str, Any] = {"strings_to_numbers": False, "strings_to_formulas": False}
    if not isinstance(target, str):
        options["in_memory"] = True
    wb = xlsxwriter.Workbook(target, options)
    ws = wb.add_worksheet("客户")
    lists = wb.add_worksheet("选项")
    head = wb.add_format({"bold": True, "bg_color": "#E8F0FE", "border": 1})
    required = wb.add_format({"bold": True, "bg_color": "#FDE7E9", "font_color": "#C0392B", "border": 1})
    text = wb.add_format({"num_format": "@"})
    list_col = 0
    for col, f in enumerate(fields):
        ws.write_string(0, col, f.label, required if f.required else head)
        ws.set_column(col, col, max(12, min(30, len(f.label) * 3)), text if f.type == "phone" else None)
        if f.required:
            ws.write_comment(0, col, "必填")
        sample: Any = SAMPLE.get(f.key)
        if f.options:
            sample = f.options[0]
            lists.write_string(0, list_col, f.label)
            for i, opt in enumerate(f.options, 1):
                lists.write_string(i, list_col, opt)
            letter = xlsxwriter.utility.xl_col_to_name(list_col)
            source = f"='选项'!${letter}$2:${letter}${len(f.options) + 1}"
            multi = f.type in ("tags", "multi")
            ws.data_validation(1, col, 100_000, col, {
                "validate": "list", "source": source,
                # several tags / choices are written as 标签1,标签2: only a hint, not a stop
                "error_type": "information" if multi else "stop",
                "input_title": f.label[:32], "input_message": ("可填多个，用逗号分隔" if multi else "请从下拉列表选择")[:255],
                "error_message": "请填写下拉列表中的值" + ("，多个用逗号分隔" if multi else "")})
            list_col += 1
        elif f.type in TYPE_HINT and sample is None:
            sample = TYPE_HINT[f.type]
        if sample is not None:
            if isinstance(sample, int):
                ws.write_number(1, col, sample)
            else:
                ws.write_string(1, col, str(sample))
    ws.freeze_panes(1, 0)
    lists.hide()
    wb.close()
