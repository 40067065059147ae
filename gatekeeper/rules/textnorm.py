"""Title normalisation for matching requests against the admission catalogue.

``normalise`` turns a title into a compact canonical string:

1. NFKC (full-width letters, digits and brackets become half-width), traditional → simplified (OpenCC
   ``t2s``), lower case;
2. everything that is not a letter or a digit is dropped (spaces, Chinese and ASCII punctuation);
3. one left-to-right, longest-first pass over a vocabulary of terms: synonyms become their canonical
   word, filler words are dropped, protected compounds stay as they are;
4. a canonical word repeated back to back collapses to one (变更更正 → 变更变更 → 变更).

If dropping fillers would leave fewer than two characters (the title *is* a filler, e.g. 村民委员会),
the title keeps its fillers (in canonical form) so it still means something.
"""

from __future__ import annotations

import functools
import re
import unicodedata

import opencc

_T2S = opencc.OpenCC("t2s")

#: canonical word -> words that mean the same in admission lists (all simplified, no punctuation).
SYNONYMS: dict[str, tuple[str, ...]] = {
    # Alive / survival certificates (健在证明, 生存证明, 在世证明 ...).
    "健在": ("生存", "在世", "存活", "活着"),
    "死亡": ("去世", "身故", "亡故", "过世", "逝世"),
    # Marriage-and-childbirth status; 婚姻生育 must be caught before 婚姻.
    "婚育": ("生育", "婚姻生育"),
    "婚姻": ("单身", "未婚", "已婚", "婚否", "离婚", "再婚", "未再婚", "丧偶"),
    "亲属关系": (
        "家庭成员关系",
        "直系亲属关系",
        "家属关系",
        "亲戚关系",
        "家庭关系",
        "亲子关系",
        "父母子女关系",
        "子女关系",
        "父子关系",
        "父女关系",
        "母子关系",
        "母女关系",
        "夫妻关系",
    ),
    "失踪": ("下落不明", "失联", "走失"),
    "户口": ("户籍",),
    "财产": ("资产",),
    "残疾": ("伤残", "残障"),
    "疾病": ("病情", "患病", "病况"),
    "养犬": ("养狗", "犬只", "饲养犬只", "犬类", "宠物犬", "宠物狗"),
    "住所": ("住址", "居住地址"),
    # Business premises are the 市场主体住所 of the catalogue; 企业/个体工商户 are 市场主体.
    "市场主体住所": ("经营场所", "营业场所"),
    "市场主体": ("企业", "个体工商户"),
    "无犯罪记录": ("无违法犯罪记录", "无违法犯罪", "无犯罪", "没有犯罪记录", "无刑事犯罪记录"),
    "就业": ("失业", "无业", "待业", "就业失业", "工作状况"),
    # 户口登记项目内容变更更正证明 ≈ 户口登记项目内容变更申请证明.
    "变更": ("更正", "变更更正"),
    "遗失": ("丢失", "遗落"),
    # A lost ID card or household register is a lost 证件; 身份证明 itself does not contain these words.
    "证件遗失": tuple(f"{doc}{lost}" for doc in ("身份证", "户口簿", "户口本") for lost in ("遗失", "丢失")),
    "票据": ("发票", "收据", "单据"),
    "证明": ("证明书", "证明信", "证明文件"),
    # 社区戒毒社区康复 is one legal concept; 吸毒人员 are the people it is about.
    "戒毒": ("社区戒毒社区康复", "戒毒康复", "吸毒"),
    "转学": ("转校",),
    "继承权": ("遗产继承权", "遗产继承"),
    "表现": ("现实表现",),
    # 户口变更 abbreviates 户口登记项目内容变更; the pass does not chain, so 户籍 forms are listed too.
    "户口登记变更": tuple(
        f"{register}{middle}{verb}"
        for register in ("户口", "户籍")
        for middle in ("登记项目内容", "登记项目", "登记内容", "登记", "项目内容", "内容", "信息", "")
        for verb in ("变更", "更正", "变更更正")
    ),
}

#: Filler words dropped from titles, each with the reason it does not change what the item is.
FILLERS: dict[str, str] = {
    "的": "structural particle",
    "关于": "document framing (关于……的通知)",
    "通知": "document framing (关于……的通知)",
    "情况": "'situation': 健在情况证明 is 健在证明",
    "状况": "'status': 婚姻状况证明 is 婚姻证明",
    "相关": "'related'",
    "有关": "'concerned'",
    "材料": "'materials': 证明材料 is 证明",
    "事项": "'item': every request is an item",
    "开具": "verb of issuing: who issues does not change the item",
    "出具": "verb of issuing",
    "办理": "verb of handling",
    "提供": "verb of providing",
    "盖章": "stamping: a stamped certificate is the certificate",
    "居民": "the subject of the certificate (居民财产证明 is 财产证明)",
    "个人": "the subject of the certificate",
    "本人": "the subject of the certificate",
    "村民": "the subject of the certificate",
    "人员": "the subject of the certificate (人员失踪证明 is 失踪证明)",
    "社区": "the addressee: every item is pushed to communities",
    "居委会": "the addressee",
    "村委会": "the addressee",
    "居民委员会": "the addressee (long form of 居委会)",
    "村民委员会": "the addressee (long form of 村委会)",
    "协助": "assisting is the role field, not the item",
    "挂牌": "kind marker: the kind is its own field",
    "牌子": "kind marker",
    "台账": "kind marker",
}

#: Canonical form of fillers kept when a title would otherwise be (almost) empty.
_FILLER_CANONICAL = {"居民委员会": "居委会", "村民委员会": "村委会"}

#: Compounds whose parts would otherwise be dropped as fillers.
PROTECTED = ("居民区", "社区矫正", "社区教育")


def _term_table() -> dict[str, tuple[str, bool]]:
    """term -> (canonical, is_filler)."""
    table: dict[str, tuple[str, bool]] = {}
    for canonical, variants in SYNONYMS.items():
        for term in (canonical, *variants):
            table[term] = (canonical, False)
    for term in FILLERS:
        table[term] = (_FILLER_CANONICAL.get(term, term), True)
    for term in PROTECTED:
        table[term] = (term, False)
    return table


_TERMS = _term_table()
_TERM_RE = re.compile("|".join(re.escape(term) for term in sorted(_TERMS, key=lambda t: (-len(t), t))))
_DOUBLED = tuple(sorted({canonical for canonical, _ in _TERMS.values() if len(canonical) > 1}))
_NON_ANSWERS = frozenset(
    {"", "无", "暂无", "没有", "不详", "待定", "无依据", "暂无依据", "不适用", "none", "na", "null", "nil"}
    | {"notstated", "notstatedinsource", "notapplicable", "unknown", "tbd"}
)


def clean(text: str | None) -> str:
    """NFKC, traditional → simplified, lower case, letters and digits only."""
    if not text:
        return ""
    simplified = _T2S.convert(unicodedata.normalize("NFKC", text)).lower()
    return "".join(ch for ch in simplified if unicodedata.category(ch)[0] in "LN")


def _rewrite(text: str, drop_fillers: bool) -> str:
    """One longest-first pass: synonyms to canonical, fillers dropped (or canonical), repeats collapsed."""
    pieces: list[str] = []
    position = 0
    for match in _TERM_RE.finditer(text):
        pieces.append(text[position : match.start()])
        canonical, filler = _TERMS[match.group()]
        pieces.append("" if filler and drop_fillers else canonical)
        position = match.end()
    pieces.append(text[position:])
    result = "".join(pieces)
    for canonical in _DOUBLED:
        doubled = canonical + canonical
        while doubled in result:
            result = result.replace(doubled, canonical)
    return result


@functools.lru_cache(maxsize=8192)
def normalise(text: str | None) -> str:
    """The canonical matching form of a title (see the module docstring).

    Pure, so memoised: the same titles (the proposal's, those of authorisations in force) come back
    in every check.
    """
    cleaned = clean(text)
    result = _rewrite(cleaned, drop_fillers=True)
    if len(result) < 2:
        result = _rewrite(cleaned, drop_fillers=False)
    return result


def is_non_answer(text: str | None) -> bool:
    """True for a blank legal basis or one that says nothing (无, 暂无, 不详, N/A, "not stated" ...)."""
    return clean(text) in _NON_ANSWERS
