"""The item catalogue (事项清单) with its guides (办事指南) and handling units: versioned data, checked on load."""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache
from typing import Any, NoReturn

import resources
from sync.ledger.canonical import canonical_bytes
from sync.ledger.item_fields import (
    DEFAULT_APPLICANT_MOBILE,
    DEFAULT_BUSINESS_YEAR,
    DEFAULT_COVERAGE_YEAR,
    DEFAULT_PREFIX_OF,
    PERSONAL_KINDS,
    Choice,
    FieldKind,
    ItemField,
)
from sync.ledger.kinds import CASE_PII_FIELDS, Flow

FORMAT = 2  # the catalogue.json layout this code understands; 2 added items' own fields (fields)
FIELDS_FORMAT = 2  # the first format whose items may declare fields
SAMPLE_NOTE = "示例：以县直部门提供的办事指南为准"
FORM_LABELS = {"original": "原件", "copy": "复印件", "original_and_copy": "原件及复印件"}
CLASS_LABELS = {1: "一类", 2: "二类", 3: "三类", 4: "四类", 5: "五类"}
FLOW_LABELS = {Flow.PAYMENT: "现场缴费", Flow.ONLINE: "网上申报", Flow.APPROVAL: "代收材料送部门审批"}
APPROVAL_CLASSES = frozenset({4, 5})  # 附件3 注：四类、五类为审批类事项

_VERSION = re.compile(r"[0-9]+(\.[0-9]+)*")
_CODE = re.compile(r"[a-z][a-z0-9_]{0,31}")
_ITEM_CODE = re.compile(r"[A-Z]{2,8}[0-9]{3,6}")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_LABELS = {
    key: f"{name}（{key}）"
    for key, name in (
        pair.split("=")
        for pair in [
            "code=编码",
            "name=名称",
            "category=类别",
            "seq=序号",
            "points_class=积分类别",
            "points=积分",
            "is_approval=是否审批类",
            "copies=份数",
            "takes_amount=是否登记金额",
            "required=是否必需",
            "note=说明",
            "version=版本",
            "sample=是否示例",
            "format=格式版本",
            "items=事项",
            "published_date=发布日期",
            "time_limit_days=办理时限天数",
            "time_limit_text=办理时限",
            "fee_text=收费说明",
            "query_text=查询方式",
            "steps=办理步骤",
            "unit_codes=办理单位",
            "townships=开通乡镇",
            "materials=材料清单",
            "units=单位",
            "fields=专属信息",
            "label=名称",
            "kind=类型",
            "personal=是否个人信息",
            "default=默认值",
            "hint=提示",
            "choices=选项",
            "prefixes=号段",
            "unit_code=办理单位",
            "sets_unit=是否决定办理单位",
        ]
    )
}


class CatalogueError(ValueError):
    """Catalogue data that cannot be used; the message is Chinese and says where and what."""


@dataclass(frozen=True)
class Unit:
    code: str
    name: str


@dataclass(frozen=True)
class Material:
    code: str
    name: str
    form: str  # original / copy / original_and_copy
    copies: int
    required: bool
    note: str

    @property
    def form_label(self) -> str:
        return FORM_LABELS[self.form]


@dataclass(frozen=True)
class Guide:
    materials: tuple[Material, ...]
    steps: tuple[str, ...]
    unit_codes: tuple[str, ...]
    time_limit_days: int | None  # working days; 0 = 即时办结; None = no deadline applies
    time_limit_text: str
    fee_text: str
    query_text: str
    sample: bool
    note: str = ""  # shown with the guide; sample guides carry SAMPLE_NOTE


@dataclass(frozen=True)
class Item:
    code: str
    seq: int
    name: str
    category: str
    points_class: int
    points: int
    flow: Flow
    is_approval: bool
    takes_amount: bool  # the case records an amount in fen (payments, 助农取现)
    guide: Guide
    townships: tuple[str, ...] | None  # None: offered in every township
    fields: tuple[ItemField, ...] = ()  # what this item's case records besides the applicant (format 2)

    def offered_in(self, township: str) -> bool:
        return self.townships is None or township in self.townships


@dataclass(frozen=True)
class Catalogue:
    version: str
    published_date: date
    note: str
    items: tuple[Item, ...]
    units: tuple[Unit, ...] = ()
    digest: str = ""  # catalogue_digest of the data it was parsed from

    def by_code(self, code: str) -> Item:
        if (found := next((item for item in self.items if item.code == code), None)) is None:
            raise CatalogueError(f"没有这个事项：{code}（事项清单 {self.version} 版）")
        return found

    def for_township(self, name: str) -> Catalogue:
        """The items a point of township ``name`` offers (all, for an unknown township ""), as a catalogue."""
        if not name:
            return self
        return replace(self, items=tuple(item for item in self.items if item.offered_in(name)))

    def categories(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(item.category for item in self.items))

    def units_of(self, item: Item) -> tuple[Unit, ...]:
        return tuple(unit for code in item.guide.unit_codes for unit in self.units if unit.code == code)


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str, skipkeys=True)
    return text if len(text) <= 40 else text[:40] + "…"


class _Fields:
    """One JSON object under check; every complaint says where it is and what is wrong."""

    def __init__(self, value: Any, where: str, required: str, optional: str = "") -> None:
        self.where, self.d = where, value
        if not isinstance(value, dict):
            self.fail(f"应为一组字段（JSON 对象），现在是 {_show(value)}")
        if missing := sorted(set(required.split()) - value.keys()):
            self.fail(f"缺少字段 {'、'.join(missing)}")
        if unknown := sorted(map(str, value.keys() - set(required.split()) - set(optional.split()))):
            self.fail(f"有不认识的字段 {'、'.join(unknown)}（可能拼错了）")

    def fail(self, message: str) -> NoReturn:
        raise CatalogueError(f"事项清单有误：{self.where}{message}")

    def check_text(self, value: Any, label: str, max_len: int) -> str:
        if not isinstance(value, str) or not value.strip() or any(unicodedata.category(c) in "CcCs" for c in value):
            self.fail(f"{label}应为不空的文字，不能有控制字符或乱码，现在是 {_show(value)}")
        if len(value) > max_len:
            self.fail(f"{label}太长了（{len(value)} 字，最多 {max_len} 字）")
        return value

    def text(self, key: str, max_len: int = 300, pattern: re.Pattern | None = None, hint: str = "") -> str:
        value = self.check_text(self.d.get(key, ""), _LABELS.get(key, key), max_len)
        if pattern is not None and not pattern.fullmatch(value):
            self.fail(f"{_LABELS.get(key, key)}应为{hint}，现在是 {_show(value)}")
        return value

    def integer(self, key: str, low: int, high: int) -> int:
        if type(self.d[key]) is not int or not low <= self.d[key] <= high:
            self.fail(f"{_LABELS.get(key, key)}应为 {low} 到 {high} 的整数，现在是 {_show(self.d[key])}")
        return self.d[key]

    def boolean(self, key: str) -> bool:
        if type(self.d[key]) is not bool:
            self.fail(f"{_LABELS.get(key, key)}应为 true 或 false，现在是 {_show(self.d[key])}")
        return self.d[key]

    def texts(self, key: str, max_len: int = 200) -> tuple[str, ...]:
        self.unique(
            texts := tuple(
                self.check_text(v, _LABELS.get(key, key), max_len) for v in self.objects(key, nonempty=True)
            ),
            _LABELS.get(key, key),
        )
        return texts

    def objects(self, key: str, nonempty: bool = False) -> list:
        if not isinstance(self.d[key], list) or (nonempty and not self.d[key]):
            self.fail(f"{_LABELS.get(key, key)}应为{'至少一条的' if nonempty else ''}列表，现在是 {_show(self.d[key])}")
        return self.d[key]

    def unique(self, values: list | tuple, what: str) -> None:
        for i, value in enumerate(values):
            if value in values[:i]:
                self.fail(f"{what}重复：{_show(value)}")


def parse_units(data: Any) -> dict[str, Unit]:
    """Check units.json ({"source": …, "units": [{"code", "name"}, …]}) and index the units by code."""
    top = _Fields(data, "单位名单：", "units", "source")
    fields = [
        _Fields(raw, f"单位名单第 {n} 个单位：", "code name") for n, raw in enumerate(top.objects("units", True), 1)
    ]
    units = [Unit(f.text("code", 32, _CODE, "小写字母、数字和下划线"), f.text("name", 50)) for f in fields]
    top.unique([u.code for u in units], "单位编码")
    top.unique([u.name for u in units], "单位名称")
    return {unit.code: unit for unit in units}


def _material(raw: Any, where: str) -> Material:
    f = _Fields(raw, where, "code name form copies required", "note")
    code = f.text("code", 32, _CODE, "小写字母、数字和下划线")
    if f.d["form"] not in tuple(FORM_LABELS):  # a tuple: the value may be unhashable
        f.fail(f"材料形式（form）只能是 original、copy、original_and_copy，现在是 {_show(f.d['form'])}")
    note = f.text("note", 200) if f.d.get("note", "") != "" else ""
    return Material(code, f.text("name", 100), f.d["form"], f.integer("copies", 1, 20), f.boolean("required"), note)


def _guide(raw: Any, where: str, units: dict[str, Unit], flow: Flow) -> Guide:
    f = _Fields(
        raw, where, "materials steps unit_codes time_limit_days time_limit_text fee_text query_text sample", "note"
    )
    materials = tuple(_material(m, f"{where}第 {k} 项材料：") for k, m in enumerate(f.objects("materials"), 1))
    f.unique([m.code for m in materials], "材料编码")
    steps, unit_codes = f.texts("steps"), f.texts("unit_codes", 32)
    if unknown := [code for code in unit_codes if code not in units]:
        f.fail(f"办理单位 {'、'.join(unknown)} 不在单位名单（units.json）里")
    days = None if f.d["time_limit_days"] is None else f.integer("time_limit_days", 0, 365)
    fee = f.text("fee_text", 200)
    if not fee.startswith("免费"):
        f.fail(
            f"收费说明（fee_text）必须以“免费”开头：除积分兑现外代办点不得另行收费（附件2 第九条），现在是 {_show(fee)}"
        )
    note = f.text("note", 200) if f.boolean("sample") or f.d.get("note", "") != "" else ""
    if flow is Flow.APPROVAL and (days is None or not any(m.required for m in materials)):
        f.fail("审批类事项由代办点代收材料送部门（附件3 注），要列出必需材料，并写明办理时限天数（time_limit_days）")
    return Guide(
        materials,
        steps,
        unit_codes,
        days,
        f.text("time_limit_text", 100),
        fee,
        f.text("query_text"),
        f.d["sample"],
        note,
    )


_DEFAULTS = (DEFAULT_APPLICANT_MOBILE, DEFAULT_BUSINESS_YEAR, DEFAULT_COVERAGE_YEAR)
_PREFIX = re.compile(r"[0-9]{3,7}")


def _choice(raw: Any, where: str, units: dict[str, Unit]) -> Choice:
    f = _Fields(raw, where, "code label", "unit_code prefixes")
    unit_code = f.d.get("unit_code")
    if unit_code is not None and unit_code not in units:
        f.fail(f"办理单位（unit_code）{_show(unit_code)} 不在单位名单（units.json）里")
    prefixes = f.texts("prefixes", 7) if "prefixes" in f.d else ()
    if bad := [p for p in prefixes if not _PREFIX.fullmatch(p)]:
        f.fail(f"号段（prefixes）应为 3 到 7 位数字，现在有 {_show(bad[0])}")
    return Choice(f.text("code", 32, _CODE, "小写字母、数字和下划线"), f.text("label", 30), unit_code, prefixes)


def _field(raw: Any, where: str, units: dict[str, Unit], earlier: list[ItemField]) -> ItemField:
    f = _Fields(raw, where, "code label kind required personal", "default hint choices sets_unit")
    code = f.text("code", 32, _CODE, "小写字母、数字和下划线")
    if code in CASE_PII_FIELDS or code == "details":
        f.fail(f"编码 {code} 已用于申请人信息，请换一个")
    if (kind := next((each for each in FieldKind if each.value == f.d["kind"]), None)) is None:
        f.fail(f"类型（kind）只能是 {'、'.join(each.value for each in FieldKind)}，现在是 {_show(f.d['kind'])}")
    personal = f.boolean("personal")
    if kind in PERSONAL_KINDS and not personal:
        f.fail("手机号码、姓名和身份证号码是个人信息，是否个人信息（personal）必须为 true")
    choices: tuple[Choice, ...] = ()
    if kind is FieldKind.CHOICE:
        choices = tuple(
            _choice(c, f"{where}第 {k} 个选项：", units) for k, c in enumerate(f.objects("choices", True), 1)
        )
        f.unique([c.code for c in choices], "选项编码")
    elif "choices" in f.d:
        f.fail("只有选择类（choice）的信息才有选项（choices）")
    default = f.text("default", 40) if f.d.get("default", "") != "" else ""
    if default.startswith(DEFAULT_PREFIX_OF):
        source = next((each for each in earlier if each.code == default[len(DEFAULT_PREFIX_OF) :]), None)
        if kind is not FieldKind.CHOICE or source is None or source.kind is not FieldKind.MOBILE:
            f.fail("按号段选默认值（prefix_of.）只用于选择类信息，且要指向排在它前面的手机号码信息")
    elif default and default not in _DEFAULTS:
        f.fail(f"默认值（default）只能是 {'、'.join(_DEFAULTS)} 或 prefix_of.编码，现在是 {_show(default)}")
    sets_unit = f.boolean("sets_unit") if "sets_unit" in f.d else False
    if sets_unit and (kind is not FieldKind.CHOICE or personal):
        f.fail("决定办理单位（sets_unit）的只能是非个人信息的选择类信息")
    hint = f.text("hint", 60) if f.d.get("hint", "") != "" else ""
    return ItemField(
        code, f.text("label", 20), kind, f.boolean("required"), personal, default, hint, choices, sets_unit
    )


def _fields(f: _Fields, units: dict[str, Unit], fmt: int) -> tuple[ItemField, ...]:
    if "fields" not in f.d:
        return ()
    if fmt < FIELDS_FORMAT:
        f.fail(f"第 {fmt} 版格式的事项清单不能有专属信息（fields），请把格式版本（format）改为 {FIELDS_FORMAT}")
    out: list[ItemField] = []
    for k, raw in enumerate(f.objects("fields", True), 1):
        out.append(_field(raw, f"{f.where}第 {k} 项专属信息：", units, out))
    f.unique([each.code for each in out], "专属信息编码")
    return tuple(out)


def _item(raw: Any, n: int, units: dict[str, Unit], fmt: int = FORMAT) -> Item:
    f = _Fields(
        raw,
        f"第 {n} 个事项：",
        "code seq name category points_class points flow is_approval takes_amount guide",
        "townships fields",
    )
    code, name = f.text("code", 16, _ITEM_CODE, "大写字母加数字（如 FL001）"), f.text("name", 100)
    f.where = f"第 {n} 个事项（{code} {name}）："
    seq, category = f.integer("seq", 1, 99999), f.text("category", 20)
    points_class, points = f.integer("points_class", 1, 5), f.integer("points", 0, 99)
    if points != points_class:
        f.fail(f"{CLASS_LABELS[points_class]}事项每件应记 {points_class} 积分，现在写的是 {points}")
    if (flow := next((each for each in Flow if each.value == f.d["flow"]), None)) is None:
        f.fail(f"办理方式（flow）只能是 payment、online、approval，现在是 {_show(f.d['flow'])}")
    is_approval, takes_amount = f.boolean("is_approval"), f.boolean("takes_amount")
    if is_approval != (points_class in APPROVAL_CLASSES):
        f.fail(
            f"只有四类、五类事项是审批类（附件3 注），{CLASS_LABELS[points_class]}事项的是否审批类（is_approval）"
            f"应为 {_show(not is_approval)}"
        )
    if is_approval != (flow is Flow.APPROVAL):
        f.fail("审批类事项的办理方式（flow）必须是 approval，非审批类事项不能是 approval")
    if flow is not Flow.ONLINE and takes_amount != (flow is Flow.PAYMENT):
        f.fail(
            f"现场缴费类事项要登记金额，审批类事项不经手钱款：是否登记金额（takes_amount）应为 {_show(not takes_amount)}"
        )
    townships = None if f.d.get("townships") is None else f.texts("townships", 20)
    guide = _guide(f.d["guide"], f"第 {n} 个事项（{code} {name}）的办事指南：", units, flow)
    fields = _fields(f, units, fmt)
    return Item(
        code, seq, name, category, points_class, points, flow, is_approval, takes_amount, guide, townships, fields
    )


def parse_catalogue(data: dict, units: dict[str, Unit]) -> Catalogue:
    """Check a catalogue as the county publishes it and build it; bad data raises CatalogueError."""
    if isinstance(data, dict) and type(fmt := data.get("format")) is int and fmt > FORMAT:
        raise CatalogueError(f"这份事项清单是第 {fmt} 版格式，本软件只认识第 {FORMAT} 版，请先升级软件。")
    top = _Fields(data, "", "format version published_date note items")
    fmt = top.integer("format", 1, FORMAT)
    version = top.text("version", 20, _VERSION, "用点隔开的数字（如 2024.1）")
    published_text = top.text("published_date", 10, _DATE, "2024-10-24 这样的日期")
    try:
        published = date.fromisoformat(published_text)
    except ValueError:
        top.fail(f"发布日期（published_date）不是真实的日期：{published_text}")
    items = [_item(raw, n, units, fmt) for n, raw in enumerate(top.objects("items", nonempty=True), 1)]
    for attr, what in (("code", "事项编码"), ("seq", "事项序号"), ("name", "事项名称")):
        top.unique([getattr(item, attr) for item in items], what)
    items.sort(key=lambda item: item.seq)
    return Catalogue(
        version, published, top.text("note", 1000), tuple(items), tuple(units.values()), catalogue_digest(data)
    )


def catalogue_digest(data: dict) -> str:
    """sha256 of canonical JSON, so the counter and the county can tell catalogue versions apart."""
    return hashlib.sha256(canonical_bytes(data)).hexdigest()


def _root() -> Any:
    return resources.path("catalogue")


def version_key(version: str) -> tuple[int, ...]:
    """Order of catalogue versions: numerically by part, so 2024.10 comes after 2024.2."""
    return tuple(int(part) for part in version.split("."))


def bundled_versions() -> tuple[str, ...]:
    """Catalogue versions shipped with the software, oldest first (each folder is named after its version)."""
    return _versions_in(_root())


@lru_cache(maxsize=8)
def _versions_in(root: Any) -> tuple[str, ...]:
    """Listed once per folder: what ships with the software does not change while it runs."""
    found = [
        entry.name
        for entry in root.iterdir()
        if entry.is_dir() and _VERSION.fullmatch(entry.name) and entry.joinpath("catalogue.json").is_file()
    ]
    return tuple(sorted(found, key=version_key))


@lru_cache(maxsize=1)
def _units() -> dict[str, Unit]:
    return parse_units(json.loads(_root().joinpath("units.json").read_text(encoding="utf-8")))


def load_units() -> dict[str, Unit]:
    return dict(_units())


@lru_cache(maxsize=8)
def _load(version: str) -> Catalogue:
    if version not in (versions := bundled_versions()):
        raise CatalogueError(f"没有这个版本的事项清单：{version}（软件自带的有：{'、'.join(versions) or '无'}）")
    data = json.loads(_root().joinpath(version, "catalogue.json").read_text(encoding="utf-8"))
    catalogue = parse_catalogue(data, _units())
    if catalogue.version != version:
        raise CatalogueError(f"文件夹 {version} 里的事项清单写的版本是 {catalogue.version}，两者应一致。")
    return catalogue


def load_catalogue(version: str | None = None) -> Catalogue:
    """A bundled catalogue, the newest when no version is given; parsed once, then cached."""
    if version is None:
        if not (versions := bundled_versions()):
            raise CatalogueError("软件里没有找到事项清单，请重新安装软件。")
        version = versions[-1]
    return _load(version)
