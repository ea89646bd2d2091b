"""The bundled catalogue matches the county's plan (附件1, 附件3), and bad catalogue data is refused in Chinese."""

from __future__ import annotations

import copy
import json
import re
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import resources
from sync.ledger import catalogue as cat
from sync.ledger.catalogue import (
    FORMAT,
    SAMPLE_NOTE,
    Catalogue,
    CatalogueError,
    bundled_versions,
    catalogue_digest,
    load_catalogue,
    load_units,
    parse_catalogue,
    parse_units,
)
from sync.ledger.kinds import Flow

# 附件3, written out by hand: (序号, 事项类别, 事项名称, 积分类别)
ATTACHMENT_3 = [
    (1, "金融服务", "缴纳话费", 1),
    (2, "金融服务", "缴纳水费", 1),
    (3, "金融服务", "缴纳电费", 1),
    (4, "金融服务", "缴纳燃气费", 2),
    (5, "金融服务", "缴纳合作医疗", 2),
    (6, "金融服务", "缴纳社保", 2),
    (7, "就业创业", "招工信息", 2),
    (8, "就业创业", "就业培训", 2),
    (9, "就业创业", "求职登记", 2),
    (10, "公共服务", "居民医保暂停参保", 3),
    (11, "公共服务", "医保卡激活", 3),
    (12, "金融服务", "助农取现", 3),
    (13, "就业创业", "创业贷款", 3),
    (14, "公共服务", "异地就医备案", 3),
    (15, "行政审批", "个体工商户设立登记", 4),
    (16, "行政审批", "个体工商户经营场所变更登记", 4),
    (17, "行政审批", "个体工商户经营范围变更登记", 4),
    (18, "行政审批", "个体工商户名称变更登记", 4),
    (19, "行政审批", "户外广告（店牌店招设置的管理）", 5),
    (20, "行政审批", "临时占用城市道路、挖掘城市道路", 5),
]

# 附件1 in its own order, with the second 县供电公司 dropped.
ATTACHMENT_1 = [
    "县委办",
    "县政府办",
    "县发改委",
    "县教体局",
    "县民政局",
    "县司法局",
    "县财政局",
    "县人社局",
    "县自规局",
    "县住建局",
    "县交通运输局",
    "县农业农村局",
    "县文旅局",
    "县卫健委",
    "县审计局",
    "县林业局",
    "县市监局",
    "县医保局",
    "县城管局",
    "县全域旅游发展中心",
    "县茶产业发展中心",
    "县供电公司",
    "各大银行浮梁支行",
    "电信浮梁分公司",
    "移动浮梁分公司",
    "联通浮梁分公司",
    "县润泉供水公司",
    "县燃气公司",
]

HANDLING_UNITS = {
    1: ["电信浮梁分公司", "移动浮梁分公司", "联通浮梁分公司"],
    2: ["县润泉供水公司"],
    3: ["县供电公司"],
    4: ["县燃气公司"],
    5: ["县医保局"],
    6: ["县人社局"],
    7: ["县人社局"],
    8: ["县人社局"],
    9: ["县人社局"],
    10: ["县医保局"],
    11: ["县医保局"],
    12: ["各大银行浮梁支行"],
    13: ["县人社局"],
    14: ["县医保局"],
    15: ["县市监局"],
    16: ["县市监局"],
    17: ["县市监局"],
    18: ["县市监局"],
    19: ["县城管局"],
    20: ["县城管局"],
}

PAYMENT_SEQS = {1, 2, 3, 4, 5, 6, 12}
ONLINE_SEQS = {7, 8, 9, 10, 11, 13, 14}
APPROVAL_SEQS = {15, 16, 17, 18, 19, 20}
CHINESE = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def data() -> dict:
    return resources.read_json("catalogue", "2024.1", "catalogue.json")


@pytest.fixture
def catalogue() -> Catalogue:
    return load_catalogue("2024.1")


def test_first_batch_matches_attachment_3_exactly(catalogue):
    rows = [(i.seq, i.category, i.name, i.points_class) for i in catalogue.items]
    assert rows == ATTACHMENT_3
    for item in catalogue.items:
        assert item.code == f"FL{item.seq:03d}"
        assert item.points == item.points_class
        assert item.townships is None


def test_approval_items_are_exactly_classes_four_and_five(catalogue):
    assert {i.seq for i in catalogue.items if i.is_approval} == APPROVAL_SEQS
    assert all(i.is_approval == (i.points_class in (4, 5)) for i in catalogue.items)


def test_flows_and_amounts_follow_the_kind_of_service(catalogue):
    by_flow = {flow: {i.seq for i in catalogue.items if i.flow is flow} for flow in Flow}
    assert by_flow == {Flow.PAYMENT: PAYMENT_SEQS, Flow.ONLINE: ONLINE_SEQS, Flow.APPROVAL: APPROVAL_SEQS}
    assert {i.seq for i in catalogue.items if i.takes_amount} == PAYMENT_SEQS


def test_units_list_every_unit_of_attachment_1_once():
    units = load_units()
    assert [u.name for u in units.values()] == ATTACHMENT_1
    assert units["scjg"].name == "县市监局"
    assert all(code == unit.code for code, unit in units.items())


def test_each_item_names_its_handling_units(catalogue):
    for item in catalogue.items:
        assert [u.name for u in catalogue.units_of(item)] == HANDLING_UNITS[item.seq], item.name


def test_every_guide_is_complete_free_and_marked_as_sample(catalogue):
    units = load_units()
    for item in catalogue.items:
        guide = item.guide
        assert 3 <= len(guide.steps) <= 6, item.name
        assert guide.unit_codes and all(code in units for code in guide.unit_codes)
        assert guide.fee_text.startswith("免费")
        assert guide.sample is True and guide.note == SAMPLE_NOTE
        assert "12345" in guide.query_text and "以部门公布为准" in guide.query_text and "专区" in guide.query_text
        assert guide.time_limit_text
        for material in guide.materials:
            assert material.copies >= 1 and material.name and material.form_label
        if item.is_approval:
            assert sum(m.required for m in guide.materials) >= 3, item.name
            assert guide.time_limit_days is not None and guide.time_limit_days > 0
            assert any("回执" in step for step in guide.steps)
        if item.flow is Flow.PAYMENT:
            assert "不收任何手续费" in guide.fee_text


def test_material_form_labels(catalogue):
    materials = catalogue.by_code("FL015").guide.materials
    labels = {m.code: m.form_label for m in materials}
    assert labels["application"] == "原件"
    assert labels["id_card"] == "原件及复印件"
    assert labels["premises"] == "复印件"


def test_catalogue_facts(catalogue, data):
    assert catalogue.version == "2024.1"
    assert catalogue.published_date == date(2024, 10, 24)
    assert "附件3" in catalogue.note
    assert catalogue.categories() == ("金融服务", "就业创业", "公共服务", "行政审批")
    assert catalogue.digest == catalogue_digest(data)
    assert catalogue.by_code("FL020").name == "临时占用城市道路、挖掘城市道路"


def test_unknown_code_gives_a_chinese_message(catalogue):
    with pytest.raises(CatalogueError, match="没有这个事项：FL999"):
        catalogue.by_code("FL999")


def test_items_can_be_limited_to_some_townships(data):
    data["items"][14]["townships"] = ["浮梁镇", "鹅湖镇"]
    catalogue = parse_catalogue(data, load_units())
    item = catalogue.by_code("FL015")
    assert item.townships == ("浮梁镇", "鹅湖镇")
    assert item.offered_in("鹅湖镇") and not item.offered_in("瑶里镇")
    assert len(catalogue.for_township("瑶里镇").items) == 19
    assert len(catalogue.for_township("浮梁镇").items) == 20 and catalogue.for_township("") is catalogue


def test_items_are_ordered_by_sequence_whatever_the_file_order(data):
    data["items"].reverse()
    assert [i.seq for i in parse_catalogue(data, load_units()).items] == list(range(1, 21))


def _set(path: str, value):
    def change(data: dict) -> None:
        *parents, last = path.split("/")
        node = data
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        if value is _DELETE:
            del node[last]
        elif isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value

    return change


_DELETE = object()
BAD = {
    "unknown unit": (_set("items/0/guide/unit_codes", ["dx", "nosuch"]), "nosuch 不在单位名单"),
    "points differ from class": (_set("items/3/points", 1), "二类事项每件应记 2 积分"),
    "class out of range": (_set("items/0/points_class", 6), "积分类别"),
    "duplicate code": (_set("items/1/code", "FL001"), "事项编码重复"),
    "duplicate seq": (_set("items/1/seq", 1), "事项序号重复"),
    "duplicate name": (_set("items/1/name", "缴纳话费"), "事项名称重复"),
    "approval flag on class 3": (_set("items/9/is_approval", True), "只有四类、五类事项是审批类"),
    "class 4 not approval": (_set("items/14/is_approval", False), "只有四类、五类事项是审批类"),
    "approval flag with online flow": (_set("items/14/flow", "online"), "办理方式（flow）必须是 approval"),
    "unknown flow": (_set("items/0/flow", "cash"), "办理方式（flow）只能是"),
    "payment without amount": (_set("items/0/takes_amount", False), "现场缴费类事项要登记金额"),
    "approval with amount": (_set("items/14/takes_amount", True), "审批类事项不经手钱款"),
    "empty steps": (_set("items/0/guide/steps", []), "办理步骤"),
    "blank step": (_set("items/0/guide/steps/1", "  "), "办理步骤"),
    "copies below one": (_set("items/14/guide/materials/0/copies", 0), "份数"),
    "copies not a number": (_set("items/14/guide/materials/0/copies", "1"), "份数"),
    "bad material form": (_set("items/14/guide/materials/0/form", "scan"), "材料形式"),
    "duplicate material": (_set("items/14/guide/materials/1/code", "application"), "材料编码重复"),
    "approval without materials": (_set("items/14/guide/materials", []), "要列出必需材料"),
    "approval without time limit": (_set("items/14/guide/time_limit_days", None), "办理时限天数"),
    "a fee": (_set("items/0/guide/fee_text", "每笔收手续费 1 元"), "必须以“免费”开头"),
    "sample without note": (_set("items/0/guide/note", _DELETE), "说明（note）"),
    "missing field": (_set("items/0/category", _DELETE), "缺少字段 category"),
    "misspelt field": (_set("items/0/township", None), "不认识的字段 township"),
    "empty township list": (_set("items/0/townships", []), "开通乡镇"),
    "bool as seq": (_set("items/0/seq", True), "序号"),
    "bad item code": (_set("items/0/code", "fl-1"), "如 FL001"),
    "control character": (_set("items/0/name", "缴纳\x00话费"), "控制字符"),
    "overlong name": (_set("items/0/name", "长" * 101), "太长了"),
    "bad version": (_set("version", "v1"), "版本"),
    "bad date": (_set("published_date", "2024-02-30"), "不是真实的日期"),
    "date in another shape": (_set("published_date", "2024/10/24"), "发布日期"),
    "no items": (_set("items", []), "事项"),
    "item not an object": (_set("items/0", "FL001"), "第 1 个事项"),
}


@pytest.mark.parametrize("change, expected", BAD.values(), ids=BAD.keys())
def test_bad_data_is_refused_with_a_chinese_message(data, change, expected):
    change(data)
    with pytest.raises(CatalogueError) as caught:
        parse_catalogue(data, load_units())
    assert expected in str(caught.value)
    assert str(caught.value).startswith("事项清单有误") and CHINESE.search(str(caught.value))


def test_the_message_says_which_item(data):
    data["items"][3]["points"] = 5
    with pytest.raises(CatalogueError, match=r"第 4 个事项（FL004 缴纳燃气费）"):
        parse_catalogue(data, load_units())


def test_a_newer_catalogue_format_asks_for_an_upgrade(data):
    data["format"] = FORMAT + 1
    data["something_new"] = True
    with pytest.raises(CatalogueError, match="请先升级软件"):
        parse_catalogue(data, load_units())


def test_bad_units_are_refused():
    with pytest.raises(CatalogueError, match="单位编码重复"):
        parse_units({"units": [{"code": "a", "name": "甲"}, {"code": "a", "name": "乙"}]})
    with pytest.raises(CatalogueError, match="单位名称重复"):
        parse_units({"units": [{"code": "a", "name": "甲"}, {"code": "b", "name": "甲"}]})
    with pytest.raises(CatalogueError, match="编码"):
        parse_units({"units": [{"code": "A B", "name": "甲"}]})


@pytest.fixture
def fake_root(tmp_path, monkeypatch, data):
    (tmp_path / "units.json").write_text(resources.read_text("catalogue", "units.json"), encoding="utf-8")
    for version in ("2024.1", "2024.2", "2024.10", "2025.1"):
        (tmp_path / version).mkdir()
        (tmp_path / version / "catalogue.json").write_text(
            json.dumps(dict(data, version=version), ensure_ascii=False), encoding="utf-8"
        )
    (tmp_path / "drafts").mkdir()
    (tmp_path / "2026.1").mkdir()  # no catalogue.json inside: not a version
    monkeypatch.setattr(cat, "_root", lambda: tmp_path)
    cat._load.cache_clear()
    cat._units.cache_clear()
    yield tmp_path
    cat._load.cache_clear()
    cat._units.cache_clear()


def test_bundled_versions_are_found():
    assert "2024.1" in bundled_versions()
    assert load_catalogue().version == bundled_versions()[-1]


def test_the_newest_version_is_chosen_by_number(fake_root):
    assert bundled_versions() == ("2024.1", "2024.2", "2024.10", "2025.1")
    assert load_catalogue().version == "2025.1"
    assert load_catalogue("2024.10").version == "2024.10"


def test_an_unknown_version_gives_a_chinese_message(fake_root):
    with pytest.raises(CatalogueError, match="没有这个版本的事项清单：2023.9"):
        load_catalogue("2023.9")


def test_a_folder_must_hold_its_own_version(fake_root, data):
    (fake_root / "2025.1" / "catalogue.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(CatalogueError, match="文件夹 2025.1 里的事项清单写的版本是 2024.1"):
        load_catalogue()


def test_loading_is_cached():
    assert load_catalogue() is load_catalogue()
    assert load_units() == load_units() and load_units() is not load_units()


def _leaves(node, path=()):
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _leaves(value, (*path, key))
    elif isinstance(node, list) and node:
        for index, value in enumerate(node):
            yield from _leaves(value, (*path, index))
    else:
        yield path, node


def _changed(value):
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, str):
        return value + "。"
    return "x" if value is None else None


def test_the_digest_changes_when_any_field_changes(data):
    original = catalogue_digest(data)
    count = 0
    for path, value in _leaves(data):
        changed = copy.deepcopy(data)
        node = changed
        for part in path[:-1]:
            node = node[part]
        node[path[-1]] = _changed(value)
        assert catalogue_digest(changed) != original, path
        count += 1
    assert count > 500


def test_the_digest_ignores_key_order_but_not_item_order(data):
    reordered = json.loads(json.dumps(data, sort_keys=True))
    assert catalogue_digest(reordered) == catalogue_digest(data)
    data["items"][0], data["items"][1] = data["items"][1], data["items"][0]
    assert catalogue_digest(data) != catalogue_digest(reordered)
    assert re.fullmatch(r"[0-9a-f]{64}", catalogue_digest(data))


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)
_PATHS = [path for path, _ in _leaves(resources.read_json("catalogue", "2024.1", "catalogue.json"))]


@settings(max_examples=300, deadline=None)
@given(path=st.sampled_from(_PATHS), value=_JSON)
def test_any_broken_field_gives_a_catalogue_error_or_a_valid_catalogue(path, value):
    data = resources.read_json("catalogue", "2024.1", "catalogue.json")
    node = data
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    try:
        parsed = parse_catalogue(data, load_units())
    except CatalogueError as error:
        assert CHINESE.search(str(error))
    else:
        assert len(parsed.items) == 20
