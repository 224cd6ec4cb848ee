from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

DictKindKey = Literal["source", "industry", "level", "stage"]
OptionKindKey = Literal["source", "industry", "level", "stage", "tag"]
CustomFieldType = Literal["text", "long_text", "number", "money", "date", "datetime", "single", "multi", "phone",
                          "email", "region", "employee"]
Color = str


class DictItemCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=100)
    parent_id: int | None = Field(default=None, description="sources only: the 大类 this 小类 belongs to")
    color: Color | None = Field(default=None, max_length=20)
    sort: int | None = Field(default=None, ge=0, le=100_000, description="default: after the last item")


class DictItemUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, min_length=1, max_length=100,
                             description="renaming also renames the value on every customer that has it")
    parent_id: int | None = Field(default=None, description="sources only; null moves a 小类 to the top level")
    color: Color | None = Field(default=None, max_length=20)
    sort: int | None = Field(default=None, ge=0, le=100_000)
    is_active: bool | None = Field(default=None, description="disabled values stay on customers but cannot be chosen")


class DictItemRead(BaseModel):
    id: int
    kind: DictKindKey
    name: str
    parent_id: int | None
    color: str | None
    sort: int
    is_active: bool
    children: list[DictItemRead] = Field(default_factory=list, description="sources: the 小类 of a 大类")


class DictKindRead(BaseModel):
    kind: DictKindKey
    free_entry: bool = Field(description="values typed outside the dictionary are added to it on first use; "
                                         "when false they are refused with 422 unknown_dict_value")
    items: list[DictItemRead] = Field(description="top-level items in order; sources carry their children")


class DictKindUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    free_entry: bool


class OrderBody(BaseModel):
    ids: list[int] = Field(min_length=1, max_length=1000, description="the ids in their new order")


class TagCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=50)
    color: Color | None = Field(default=None, max_length=20)
    sort: int | None = Field(default=None, ge=0, le=100_000)


class TagUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, min_length=1, max_length=50)
    color: Color | None = Field(default=None, max_length=20)
    sort: int | None = Field(default=None, ge=0, le=100_000)
    group_id: int | None = Field(default=None, description="move the tag to another group")


class TagRead(BaseModel):
    id: int
    group_id: int
    name: str
    color: str | None
    sort: int


class TagGroupCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=50)
    mode: Literal["single", "multi"] = Field(default="multi", description="single: at most one tag per customer")
    sort: int | None = Field(default=None, ge=0, le=100_000)
    tags: list[TagCreate] = Field(default_factory=list, max_length=200)


class TagGroupUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, min_length=1, max_length=50)
    mode: Literal["single", "multi"] | None = None
    sort: int | None = Field(default=None, ge=0, le=100_000)


class TagGroupRead(BaseModel):
    id: int
    name: str
    mode: Literal["single", "multi"]
    sort: int
    is_free: bool = Field(description="the group that receives tags typed outside the dictionary")
    tags: list[TagRead]


class TagGroupsRead(BaseModel):
    free_entry: bool = Field(description="tags typed outside the dictionary are created in the 其他标签 group")
    groups: list[TagGroupRead]


class CustomFieldConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    max_length: int | None = Field(default=None, ge=1, le=20_000,
                                   description="text ≤ 500 (default 200), long_text ≤ 20000 (default 5000)")
    min: Decimal | None = Field(default=None, description="number / money: smallest allowed value")
    max: Decimal | None = Field(default=None, description="number / money: largest allowed value")
    scale: int | None = Field(default=None, ge=0, le=6, description="decimal places: money default 2, number 6")
    max_choices: int | None = Field(default=None, ge=1, le=200, description="multi: most options per customer")


class CustomFieldCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: str = Field(pattern=r"^[a-z][a-z0-9_]{0,39}$",
                     description="stable machine name used in the API (custom_fields.<key>) and filters (cf.<key>)")
    label: str = Field(min_length=1, max_length=50)
    type: CustomFieldType
    options: list[str] = Field(default_factory=list, max_length=200, description="single / multi: the choices")
    config: CustomFieldConfig = Field(default_factory=CustomFieldConfig)
    required: bool = False
    description: str | None = Field(default=None, max_length=200)
    sort: int | None = Field(default=None, ge=0, le=100_000)


class CustomFieldUpdate(BaseModel):
    """`key` and `type` never change (create another field instead)."""

    model_config = ConfigDict(extra="forbid")
    label: str | None = Field(default=None, min_length=1, max_length=50)
    options: list[str] | None = Field(default=None, max_length=200,
                                      description="the new list; an option still used by customers cannot go")
    rename_options: dict[str, str] | None = Field(
        default=None, description="old → new option labels; customers' values are renamed with them")
    config: CustomFieldConfig | None = None
    required: bool | None = None
    description: str | None = Field(default=None, max_length=200)
    sort: int | None = Field(default=None, ge=0, le=100_000)
    is_active: bool | None = Field(default=None, description="disabled fields are hidden; their values are kept")


class CustomFieldRead(BaseModel):
    id: int
    key: str
    label: str
    type: CustomFieldType
    options: list[str]
    config: dict[str, object]
    required: bool
    description: str | None
    sort: int
    is_active: bool


class DictionariesRead(BaseModel):
    """Everything the customer forms, filters and import need, in one call."""

    source: DictKindRead
    industry: DictKindRead
    level: DictKindRead
    stage: DictKindRead
    tags: TagGroupsRead
    custom_fields: list[CustomFieldRead]
