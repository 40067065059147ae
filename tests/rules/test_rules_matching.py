"""Title matching: normalisation, scoring, and the demo catalogue's negative list."""

from __future__ import annotations

import pytest
from rules_support import demo_catalogue

from gatekeeper.rules import Catalogue, Entry, build_index, normalise
from gatekeeper.rules.matching import score, title_similarity
from gatekeeper.rules.textnorm import FILLERS, SYNONYMS, is_non_answer

THRESHOLD = 80


@pytest.fixture(scope="module")
def index():
    return build_index(demo_catalogue())


def test_demo_catalogue_shape():
    catalogue = demo_catalogue()
    banned = [e for e in catalogue.entries if e.standing == "banned"]
    assert len(banned) == 25 and all(e.kind == "certificate" for e in banned)
    assert {e.kind for e in catalogue.entries} == {"certificate", "sign", "ledger", "duty"}
    assert all(e.role == "assist" for e in catalogue.entries if e.kind == "duty")


# Reworded titles of banned certificates -> the banned title they must be caught as.
REWORDINGS = [
    ("生存证明", "健在证明"),
    ("在世证明", "健在证明"),
    ("关于居民出具健在情况证明的通知", "健在证明"),
    ("在世證明", "健在证明"),
    ("直系亲属关系证明", "亲属关系证明"),
    ("家庭成员关系证明", "亲属关系证明"),
    ("親屬關係證明", "亲属关系证明"),
    ("居民生育情况证明", "婚育状况证明"),
    ("去世证明", "死亡证明"),
    ("亡故证明", "死亡证明"),
    ("死亡人员证明", "死亡证明"),
    ("无违法犯罪记录证明", "无犯罪记录证明"),
    ("居委会出具无犯罪证明", "无犯罪记录证明"),
    ("养狗证明", "居民养犬证明"),
    ("犬只饲养证明", "居民养犬证明"),
    ("人员下落不明证明", "人员失踪证明"),
    ("单身证明", "婚姻状况证明"),
    ("婚姻状况证明材料", "婚姻状况证明"),
    ("患病情况证明", "疾病状况证明"),
    ("伤残情况证明", "残疾状况证明"),
    ("失业证明", "居民就业状况证明"),
    ("个人财产状况证明", "居民财产证明"),
    ("资产证明", "居民财产证明"),
    ("遗产继承证明", "遗产继承权证明"),
    ("企业经营场所证明", "市场主体住所证明"),
    ("证件丢失证明", "证件遗失证明"),
    ("缴费发票遗失证明", "缴费票据遗失证明"),
    ("转校证明", "转学证明"),
    ("户口变更更正证明", "户口登记项目内容变更更正证明"),
    ("戶籍變更證明", "户口登记项目内容变更更正证明"),
    ("身体健康状况证明", "健康证明"),
    ("社区戒毒人员表现证明", "社区戒毒社区康复人员情况证明（表现证明）"),
    ("居民身份证明", "居民身份信息证明"),
    ("出具个人档案证明", "居民个人档案证明"),
    ("身份证遗失证明", "证件遗失证明"),
    ("子女关系证明", "亲属关系证明"),
    ("离婚证明", "婚姻状况证明"),
    ("失联人员证明", "人员失踪证明"),
    ("宠物狗证明", "居民养犬证明"),
    ("户籍信息变更证明", "户口登记项目内容变更更正证明"),
    ("个体工商户经营场所证明", "市场主体住所证明"),
    ("收据遗失证明", "缴费票据遗失证明"),
]

# Realistic titles that are not banned items and must not be caught.
NOT_BANNED = [
    "在职党员到居住地报到情况反馈",
    "社区禁毒宣传",
    "老年人高龄津贴资格协助认证",
    "退役军人服务站挂牌",
    "消防安全检查台账",
    "文明城市创建测评",
    "入党外调政审等发展党员证明",
    "收养人婚姻状况和抚养教育能力、收养状况证明",
    "学生参加活动情况反馈证明",
    "计划生育家庭奖励扶助资格初审",
    "残疾人两项补贴资格协助审核",
    "社区矫正对象走访",
    "新时代文明实践站挂牌",
    "垃圾分类工作台账",
    "城乡居民养老保险参保动员",
    "居民健康档案建立",
    "出生人口信息登记",
    "死亡人口火化情况核查",
    "就业困难人员认定",
    "残疾人证办理",
    "最低生活保障申请受理",
    "人口普查入户登记",
    "户口迁移",
    "居民身份证办理",
    "学籍证明",
    "监护关系证明",
]


@pytest.mark.parametrize(("title", "banned"), REWORDINGS)
def test_reworded_banned_titles_are_caught(index, title, banned):
    found = index.best_banned(title)
    assert found is not None
    entry, value = found
    assert entry.title == banned
    assert entry.standing == "banned"
    assert value >= THRESHOLD


@pytest.mark.parametrize("title", NOT_BANNED)
def test_other_titles_are_not_caught(index, title):
    found = index.best_banned(title)
    assert found is None or found[1] < THRESHOLD, found


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("出生证明", "死亡证明"),
        ("健康证明", "健在证明"),
        ("转学证明", "出生证明"),
        ("证件遗失证明", "缴费票据遗失证明"),
    ],
)
def test_different_certificates_stay_apart(first, second):
    assert score(first, second) < THRESHOLD
    assert score(second, first) < THRESHOLD


def test_long_permitted_title_beats_banned_part(index):
    title = "收养人婚姻状况和抚养教育能力、收养状况证明"
    permitted = index.best_permitted(title, "certificate")
    banned = index.best_banned(title)
    assert permitted is not None and permitted[1] == 100
    assert banned is None or banned[1] < permitted[1]


@pytest.mark.parametrize(
    ("title", "kind", "expected"),
    [
        ("退役军人服务站挂牌", "sign", "退役军人服务站"),
        ("各类会议记录台账", "ledger", "各类会议"),
        ("社区矫正对象走访", "duty", "社区矫正"),
        ("在职党员到居住地报到情况反馈", "certificate", "在职党员干部到居住地报到情况反馈"),
        ("城乡居民养老保险", "duty", "城乡居民养老保(险)"),
    ],
)
def test_best_permitted_by_kind(index, title, kind, expected):
    entry, value = index.best_permitted(title, kind)
    assert entry.title == expected and entry.kind == kind and value >= THRESHOLD


def test_best_permitted_ignores_other_kinds(index):
    found = index.best_permitted("退役军人服务站", "ledger")
    assert found is None or found[0].kind == "ledger"
    assert index.best_permitted("退役军人服务站", "appraisal") is None


def test_by_code(index):
    assert index.by_code("NEG-001").title == "亲属关系证明"
    assert index.by_code(" NEG-001 ").code == "NEG-001"
    assert index.by_code("NOPE") is None and index.by_code(None) is None and index.by_code("") is None


def test_empty_catalogue_and_titles():
    empty = build_index(Catalogue(None, "empty"))
    assert empty.best_banned("健在证明") is None and empty.best_permitted("x", "duty") is None
    assert build_index(demo_catalogue()).best_banned("") is None


def test_ties_go_to_the_earlier_entry():
    entries = (
        Entry("A", "健在证明", "certificate", "banned"),
        Entry("B", "健在证明", "certificate", "banned"),
    )
    assert build_index(Catalogue(1, "x", entries)).best_banned("生存证明")[0].code == "A"


def test_lookups_are_repeatable(index):
    first = [index.best_banned(title) for title, _ in REWORDINGS]
    again = [build_index(demo_catalogue()).best_banned(title) for title, _ in REWORDINGS]
    assert first == again == [index.best_banned(title) for title, _ in REWORDINGS]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("親屬關係證明", "亲属关系证明"),
        ("（健在）　证明！", "健在证明"),
        ("ＡＢＣ证明 123", "abc证明123"),
        ("《关于出具居民财产证明的通知》", "财产证明"),
        ("户口登记项目内容变更更正证明", "户口登记变更证明"),
        ("村民委员会", "村委会"),
        ("社区", "社区"),
        ("", ""),
        (None, ""),
    ],
)
def test_normalise(text, expected):
    assert normalise(text) == expected


def test_synonyms_and_fillers_are_simplified_lowercase_words():
    words = [w for canonical, variants in SYNONYMS.items() for w in (canonical, *variants)] + list(FILLERS)
    for word in words:
        assert word and word == word.lower() and word.isalnum()


def test_title_similarity_is_symmetric():
    assert title_similarity("健在证明", "关于居民出具健在情况证明的通知") == 100
    assert title_similarity("关于居民出具健在情况证明的通知", "健在证明") == 100


@pytest.mark.parametrize(
    ("text", "expected"), [("无", True), ("N/A", True), ("依据《条例》", False), (None, True)]
)
def test_is_non_answer(text, expected):
    assert is_non_answer(text) is expected
