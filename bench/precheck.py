"""Pre-check time per request at scale: a 2,000-entry catalogue and 10,000 active authorisations.

Builds a fresh database (SQLite in a temporary folder, or a new schema of the PostgreSQL database
given with ``--database-url``), runs the migrations, loads the demo district (临江区: 80 communities,
33 departments), then bulk-inserts

* catalogue version 2 of gate LJ, published: the demo's entries plus generated ones made from real
  fragments (topics, actions, certificate subjects) up to 2,000 entries, about 10% banned;
* 10,000 ACTIVE authorisations (each with its approved request) of the 33 departments and 7 kinds,
  each over 1-80 random communities, with consistent ``community_loads`` counters and numbers.

It then times ``gatekeeper.modules.requests.precheck.check`` on varied proposals (departments,
kinds, titles including reworded banned certificates, scopes all / streets / communities) after a
warm-up, and the full ``POST /api/v1/precheck`` through the Flask test client with bearer tokens
(HTTP handling, schema loading, permission, the check and the audit write). Target: a median check
of at most 5 ms. Run ``.venv/bin/python bench/precheck.py [--database-url postgresql+psycopg://...]``.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import sqlalchemy as sa
from _setup import (
    PASSWORD,
    TODAY,
    StatementCounter,
    Stopwatch,
    arguments,
    aware,
    benchmark,
    bulk_insert,
    flush_print,
    load,
    settle,
    summary,
)

TARGET_MS = 5.0
CATALOGUE_SIZE = 2000
AUTHORISATIONS = 10_000
BANNED_SHARE = 0.10
SEED = 20260601

# --- real fragments the generated catalogue and proposals are made of ---------------------------


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


TOPICS = _words(
    "社会救助 养老服务 残疾人服务 退役军人服务 妇女儿童权益保护 未成年人保护 禁毒宣传 "
    "反电信网络诈骗宣传 消防安全 安全生产 防汛抗旱 地质灾害防治 燃气安全 食品安全 "
    "环境卫生 垃圾分类 爱国卫生 疫苗接种 慢性病健康管理 计划生育 流动人口服务 "
    "出租房屋管理 实有人口信息 住房保障 就业创业 城乡居民医疗保险 城乡居民养老保险 "
    "法治宣传 人民调解 社区矫正 安置帮教 信访矛盾化解 民族团结进步 双拥优抚 征兵 "
    "国防教育 文明城市创建 志愿服务 全民健身 公共文化服务 科普宣传 老旧小区改造 "
    "物业服务管理 电动自行车安全 农村人居环境整治 耕地保护 森林防火 秸秆禁烧 动物防疫 "
    "河湖长制 经济普查 农业普查 高龄津贴发放 特困人员供养 临时救助 医疗救助 困境儿童关爱 "
    "留守老人关爱 家庭医生签约 心理健康服务 网格化服务管理 平安建设 扫黑除恶宣传 "
    "防范非法集资宣传 无障碍环境建设 托育服务 社区教育 婚育新风"
)
DUTY_ACTIONS = _words(
    "入户调查 信息采集 宣传动员 排查登记 走访慰问 政策宣传 数据核实 动态管理 隐患排查 "
    "资格初审 材料收集 情况摸底 日常巡查 应急处置 组织培训"
)
DUTY_FORMS = ("协助开展{t}{a}", "协助做好{t}{a}工作", "配合开展{t}{a}")
PERFORM_FORMS = ("组织居民开展{t}议事协商", "组织开展{t}居民自治活动")
FORMS = {
    "ledger": ("{t}工作台账", "{t}{a}记录", "{t}工作登记册"),
    "sign": ("{t}工作站", "{t}服务站", "{t}工作室", "{t}之家"),
    "appraisal": ("{t}示范社区创建", "{t}先进社区评比", "{t}工作考核（社区点位）"),
    "mechanism": ("{t}工作联席会议机制", "{t}网格化管理机制", "{t}工作协调机制"),
    "system": ("{t}信息管理系统", "{t}数据采集APP", "{t}工作月报表", "{t}统计报表"),
    "certificate": ("{t}相关情况证明（有法律法规依据）", "{t}工作情况反馈"),
}
BANNED_FORMS = {
    "sign": ("{t}工作领导小组办公室", "{t}指挥部"),
    "appraisal": ("{t}工作一票否决考核", "{t}达标评比排名"),
    "mechanism": ("{t}工作责任状签订", "社区{t}工作领导小组"),
    "system": ("{t}工作群每日打卡", "{t}政务APP下载注册任务"),
    "ledger": ("{t}工作留痕台账（每日拍照）",),
    "duty": ("{t}工作社区兜底", "代收{t}相关费用"),
}
CERTIFICATE_SUBJECTS = _words(
    "居民 老年人 在校学生 外来务工人员 个体工商户 退役军人 残疾人 低保对象 失业人员 独生子女 新生儿 租房人员"
)
CERTIFICATE_FACTS = _words(
    "收入状况 居住情况 家庭关系 房产状况 就业情况 经济困难 抚养关系 赡养关系 同居关系 "
    "无违法犯罪 单身未婚 火灾事故 房屋用途 子女就学"
)
CERTIFICATE_REWORDINGS = (
    "关于请社区出具{t}的通知",
    "请居（村）委会为申请人开具{t}",
    "由社区核实并出具{stem}情况证明",
    "{stem}证明（社区盖章）",
    "社区协助出具{t}",
    "办理业务需社区开具的{t}",
)
LAWS = (
    "《中华人民共和国城市居民委员会组织法》",
    "《中华人民共和国村民委员会组织法》",
    "《社会救助暂行办法》",
    "《中华人民共和国老年人权益保障法》",
    "《中华人民共和国消防法》",
    "《中华人民共和国突发事件应对法》",
    "《中华人民共和国传染病防治法》",
    "《中华人民共和国人民调解法》",
    "《中华人民共和国兵役法》",
    "《中华人民共和国社区矫正法》",
    "《中华人民共和国禁毒法》",
    "《中华人民共和国统计法》",
)
KINDS = ("duty", "sign", "ledger", "appraisal", "certificate", "mechanism", "system")
#: Share of each kind among the generated permitted entries.
KIND_WEIGHTS = (40, 10, 15, 8, 9, 8, 10)
_KIND_LETTER = dict(zip(KINDS, "DSLACMY", strict=True))


# --- the data ------------------------------------------------------------------------------------


def build_world(rng: random.Random, watch: Stopwatch) -> dict:
    """Demo district, catalogue version 2 and the authorisations; returns ids the benchmark needs.

    One check runs against the demo's own catalogue (version 1) before version 2 is published, so
    SQLAlchemy's statement caches are warm and the first check after publication measures the
    compilation of the 2,000 entries, not the first use of the queries.
    """
    from gatekeeper.core import clock
    from gatekeeper.extensions import db
    from gatekeeper.modules.demo.district import load_district
    from gatekeeper.modules.jurisdictions.models import Department
    from gatekeeper.modules.requests import precheck
    from gatekeeper.modules.requests.schemas import RequestInputSchema

    with watch.step("demo district"), clock.frozen(TODAY):
        gate = load_district(PASSWORD)
        db.session.commit()
        gate_id = gate.id
        department = db.session.scalar(sa.select(Department).where(Department.code == "WJW"))
        precheck.check(gate, department, RequestInputSchema().load(WARM_UP))
        db.session.rollback()
    with watch.step(f"catalogue v2 ({CATALOGUE_SIZE:,} entries)"):
        version_id, banned = add_catalogue(rng, gate_id)
        db.session.commit()
    with watch.step(f"{AUTHORISATIONS:,} authorisations"):
        links = add_authorisations(rng, gate_id, version_id)
        db.session.commit()
    return {"gate_id": gate_id, "version_id": version_id, "banned": banned, "links": links}


#: The warm-up body: a funded assisting duty in the demo catalogue (as ``tests.factories.body()``).
WARM_UP = {
    "gate": "LJ",
    "kind": "duty",
    "title": "协助开展传染病防控和健康教育",
    "legal_basis": "《中华人民共和国传染病防治法》",
    "catalogue_entry": "PD-107",
    "role": "assist",
    "scope": {"type": "streets", "codes": ["LJ01"], "community_type": None},
    "start_date": "2026-09-01",
    "end_date": "2027-08-31",
    "demands": {"reports_per_year": 2},
    "funding": {"basis": "per_100_households", "amount_fen": 15000, "source": "区财政专项"},
}


def _entry_titles(rng: random.Random, existing: set[str], count: int, banned: bool) -> list[tuple[str, str]]:
    """``count`` new ``(kind, title)`` pairs, unique among themselves and ``existing``."""
    out: list[tuple[str, str]] = []
    if banned:  # mostly certificates, as on the published negative lists
        pool = [(f"{s}{f}证明") for s in CERTIFICATE_SUBJECTS for f in CERTIFICATE_FACTS]
        rng.shuffle(pool)
        for title in pool[: int(count * 0.6)]:
            if title not in existing:
                existing.add(title)
                out.append(("certificate", title))
    attempts = 0
    while len(out) < count:
        attempts += 1
        if attempts > count * 200:
            raise RuntimeError("not enough fragments for unique catalogue titles")
        topic, action = rng.choice(TOPICS), rng.choice(DUTY_ACTIONS)
        if banned:
            kind = rng.choice(tuple(BANNED_FORMS))
            form = rng.choice(BANNED_FORMS[kind])
        else:
            kind = rng.choices(KINDS, KIND_WEIGHTS)[0]
            if kind == "duty":
                form = rng.choice(PERFORM_FORMS if rng.random() < 0.1 else DUTY_FORMS)
            else:
                form = rng.choice(FORMS[kind])
        title = form.format(t=topic, a=action)
        if title not in existing:
            existing.add(title)
            out.append((kind, title))
    return out


def add_catalogue(rng: random.Random, gate_id: int) -> tuple[int, int]:
    """Publish version 2: the demo's entries plus generated ones, 2,000 in all, about 10% banned."""
    from gatekeeper.core import clock
    from gatekeeper.extensions import db
    from gatekeeper.modules.accounts.models import User
    from gatekeeper.modules.catalogue.models import CatalogueEntry, CatalogueVersion, VersionState
    from gatekeeper.modules.catalogue.operations import current_version, initials
    from gatekeeper.modules.demo.district import DEPARTMENTS
    from gatekeeper.modules.jurisdictions.models import Gate

    base = current_version(db.session.get(Gate, gate_id))
    admin_id = db.session.scalar(sa.select(User.id).where(User.username == "admin"))
    now = clock.now()
    version_id = db.session.execute(
        sa.insert(CatalogueVersion.__table__).returning(CatalogueVersion.__table__.c.id),
        {
            "gate_id": gate_id,
            "number": base.number + 1,
            "label": f"{TODAY.year}年版（基准测试，2000项）",
            "state": VersionState.PUBLISHED,
            "based_on_id": base.id,
            "notes": "bench/precheck.py",
            "created_at": now,
            "created_by_id": admin_id,
            "published_at": now,
            "published_by_id": admin_id,
        },
    ).scalar_one()
    columns = [c.name for c in CatalogueEntry.__table__.columns if c.name not in ("id", "version_id")]
    demo = [
        {**{name: getattr(entry, name) for name in columns}, "version_id": version_id}
        for entry in base.entries
    ]
    titles = {row["title"] for row in demo}
    demo_banned = sum(1 for row in demo if row["standing"].value == "banned")
    missing = CATALOGUE_SIZE - len(demo)
    banned_count = max(0, round(CATALOGUE_SIZE * BANNED_SHARE) - demo_banned)
    generated = [(kind, title, "banned") for kind, title in _entry_titles(rng, titles, banned_count, True)]
    generated += [
        (kind, title, "permitted")
        for kind, title in _entry_titles(rng, titles, missing - banned_count, False)
    ]
    rng.shuffle(generated)
    departments = [name for _code, name in DEPARTMENTS]
    rows = []
    for number, (kind, title, standing) in enumerate(generated, start=1):
        basis, amount = "none", 0
        if standing == "permitted" and kind in ("duty", "ledger", "system") and rng.random() < 0.6:
            basis = rng.choice(("per_100_households", "per_community"))
            amount = (
                rng.randrange(50, 3000) * 100 if basis == "per_community" else rng.randrange(20, 300) * 100
            )
        role = None
        if kind == "duty":
            role = "perform" if title.startswith("组织") else "assist"
        letter = _KIND_LETTER[kind]
        rows.append(
            {
                "version_id": version_id,
                "code": f"{'N' if standing == 'banned' else 'X'}{letter}-{number:04d}",
                "title": title,
                "kind": kind,
                "standing": standing,
                "role": role,
                "legal_basis": rng.choice(LAWS) if standing == "permitted" else "无法律法规依据",
                "department": rng.choice(departments),
                "funding_basis": basis,
                "funding_amount_fen": amount,
                "requires_premises": kind == "sign" and rng.random() < 0.3,
                "requires_staff": kind in ("sign", "mechanism") and rng.random() < 0.2,
                "list_name": "临江区社区工作事项准入目录（基准测试生成）",
                "source": "bench",
                "notes": "",
                "initials": initials(title),
            }
        )
    bulk_insert(CatalogueEntry, demo + rows)
    banned = demo_banned + sum(1 for row in rows if row["standing"] == "banned")
    return version_id, banned


def add_authorisations(rng: random.Random, gate_id: int, version_id: int) -> int:
    """10,000 active authorisations with their approved requests, scopes and community loads."""
    from gatekeeper.extensions import db
    from gatekeeper.modules.accounts.models import User
    from gatekeeper.modules.authorisations.models import (
        Authorisation,
        AuthorisationCommunity,
        CommunityLoad,
        NumberSequence,
    )
    from gatekeeper.modules.catalogue.models import CatalogueEntry
    from gatekeeper.modules.demo.district import officer_username
    from gatekeeper.modules.jurisdictions.models import Department, Jurisdiction, Level
    from gatekeeper.modules.requests.models import AdmissionRequest

    communities = db.session.execute(
        sa.select(Jurisdiction.id, Jurisdiction.code, Jurisdiction.households)
        .where(Jurisdiction.level == Level.COMMUNITY)
        .order_by(Jurisdiction.code)
    ).all()
    departments = db.session.execute(
        sa.select(Department.id, Department.code).order_by(Department.code)
    ).all()
    officers = {
        code: db.session.scalar(sa.select(User.id).where(User.username == officer_username(code)))
        for _id, code in departments
    }
    entries: dict[str, list[tuple[str, str]]] = {kind: [] for kind in KINDS}
    for code, title, kind in db.session.execute(
        sa.select(CatalogueEntry.code, CatalogueEntry.title, CatalogueEntry.kind).where(
            CatalogueEntry.version_id == version_id, CatalogueEntry.standing == "permitted"
        )
    ):
        entries[kind.value].append((code, title))
    first_request = (db.session.scalar(sa.select(sa.func.max(AdmissionRequest.id))) or 0) + 1
    requests, authorisations, links = [], [], []
    loads = {cid: {"signs": 0, "ledgers": 0, "reports_per_year": 0} for cid, _c, _h in communities}
    sequences: Counter[int] = Counter()
    for n in range(AUTHORISATIONS):
        request_id = first_request + n
        department_id, department_code = rng.choice(departments)
        kind = rng.choice(KINDS)
        code, title = rng.choice(entries[kind])
        scope = rng.sample(communities, rng.randint(1, len(communities)))
        valid_from = dt.date(2024, 1, 2) + dt.timedelta(
            days=rng.randrange((TODAY - dt.date(2024, 1, 2)).days)
        )
        valid_to = max(
            valid_from + dt.timedelta(days=rng.randint(365, 5 * 365)), TODAY + dt.timedelta(days=30)
        )
        sequences[valid_from.year] += 1
        reports = rng.choice((0, 0, 0, 1, 2, 4, 12))
        basis, amount = rng.choice((("none", 0), ("per_community", 100_000), ("per_100_households", 15_000)))
        issued = aware(valid_from)
        requests.append(
            {
                "id": request_id,
                "gate_id": gate_id,
                "department_id": department_id,
                "created_by_id": officers[department_code],
                "state": "approved",
                "kind": kind,
                "title": title,
                "description": "",
                "legal_basis": rng.choice(LAWS),
                "catalogue_entry": code,
                "role": "assist" if kind == "duty" else None,
                "scope_type": "communities",
                "scope_codes": [c.code for c in scope],
                "scope_community_type": None,
                "start_date": valid_from,
                "end_date": valid_to,
                "scope_communities": len(scope),
                "scope_households": sum(c.households for c in scope),
                "workload_hours": rng.randint(0, 12),
                "dedicated_premises": False,
                "premises_area_m2": None,
                "dedicated_staff": False,
                "separate_ranking": False,
                "veto": False,
                "responsibility_letter": False,
                "reports_per_year": reports,
                "funding_basis": basis,
                "funding_amount_fen": amount,
                "funding_source": "区财政" if amount else "",
                "outcome": "admissible",
                "latest_check_id": None,
                "revision": 1,
                "review_round": 1,
                "submitted_at": issued - dt.timedelta(days=30),
                "accepted_at": issued - dt.timedelta(days=28),
                "due_date": valid_from,
                "decided_at": issued,
                "created_at": issued - dt.timedelta(days=31),
                "updated_at": issued,
                "version": 1,
            }
        )
        authorisations.append(
            {
                "id": request_id,
                "number": f"LJ-{valid_from.year}-{sequences[valid_from.year]:04d}",
                "gate_id": gate_id,
                "year": valid_from.year,
                "seq": sequences[valid_from.year],
                "request_id": request_id,
                "department_id": department_id,
                "kind": kind,
                "title": title,
                "catalogue_entry": code,
                "status": "active",
                "valid_from": valid_from,
                "valid_to": valid_to,
                "conditions": "",
                "reports_per_year": reports,
                "funding_basis": basis,
                "funding_amount_fen": amount,
                "community_count": len(scope),
                "issued_at": issued,
                "revoked_at": None,
                "revoke_reason": "",
            }
        )
        for community in scope:
            links.append({"authorisation_id": request_id, "community_id": community.id})
            load = loads[community.id]
            load["signs"] += kind == "sign"
            load["ledgers"] += kind == "ledger"
            load["reports_per_year"] += reports
    bulk_insert(AdmissionRequest, requests)
    bulk_insert(Authorisation, authorisations)
    bulk_insert(AuthorisationCommunity, links)
    db.session.execute(sa.delete(CommunityLoad))
    bulk_insert(CommunityLoad, [{"community_id": cid, **load} for cid, load in loads.items()])
    db.session.execute(sa.delete(NumberSequence).where(NumberSequence.gate_id == gate_id))
    bulk_insert(NumberSequence, [{"gate_id": gate_id, "year": y, "last": n} for y, n in sequences.items()])
    _fix_sequences(db)
    return len(links)


def _fix_sequences(db) -> None:
    """On PostgreSQL, move the id sequences past the ids given explicitly."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    for table in ("admission_requests", "authorisations"):
        db.session.execute(
            sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        )


# --- the proposals -------------------------------------------------------------------------------


def proposals(
    rng: random.Random,
    count: int,
    catalogue: list[tuple[str, str, str, str]],
    departments: list[str],
    streets: list[str],
    communities: list[str],
    seen: set[str],
) -> list[dict]:
    """``count`` JSON request bodies, varied in department, kind, title, scope, demands and funding.

    ``catalogue`` holds ``(code, title, kind, standing)`` of the current version. Titles are unique
    and not in ``seen`` (which gets them), so the catalogue index's memo of recent lookups never
    answers for a title already checked.
    """
    banned_certificates = [e for e in catalogue if e[3] == "banned" and e[2] == "certificate"]
    permitted = [e for e in catalogue if e[3] == "permitted"]
    bodies: list[dict] = []
    while len(bodies) < count:
        roll = rng.random()
        code = None
        if roll < 0.3:  # a banned certificate, reworded
            entry = rng.choice(banned_certificates)
            kind, stem = "certificate", entry[1].removesuffix("证明")
            title = rng.choice(CERTIFICATE_REWORDINGS).format(t=entry[1], stem=stem)
        elif roll < 0.7:  # a permitted entry, reworded, linked half of the time
            entry = rng.choice(permitted)
            kind = entry[2]
            title = rng.choice(("关于{t}的通知", "{t}", "关于进一步做好{t}的通知", "{t}（{y}年）")).format(
                t=entry[1], y=rng.randint(2026, 2028)
            )
            code = entry[0] if rng.random() < 0.5 else None
        else:  # something new, outside the catalogue
            kind = rng.choice(KINDS)
            title = rng.choice(("关于在社区开展{t}专项行动的通知", "{t}“回头看”", "{t}百日攻坚")).format(
                t=rng.choice(TOPICS) + rng.choice(DUTY_ACTIONS)
            )
        if title in seen:
            continue
        seen.add(title)
        bodies.append(_body(rng, kind, title, code, departments, streets, communities))
    return bodies


def _body(rng, kind, title, code, departments, streets, communities) -> dict:
    scope_roll = rng.random()
    community_type = rng.choice((None, None, "urban", "rural"))
    if scope_roll < 1 / 3:
        scope = {"type": "all", "codes": [], "community_type": community_type}
    elif scope_roll < 2 / 3:
        codes = rng.sample(streets, rng.randint(1, 3)) + (["LJ99"] if rng.random() < 0.1 else [])
        scope = {"type": "streets", "codes": codes, "community_type": community_type}
    else:
        codes = rng.sample(communities, rng.randint(1, 40)) + (["XQ0101"] if rng.random() < 0.1 else [])
        scope = {"type": "communities", "codes": codes, "community_type": None}
    start = TODAY + dt.timedelta(days=rng.randint(10, 200))
    premises = rng.random() < 0.1
    basis = rng.choice(("none", "per_100_households", "per_community", "lump_sum"))
    return {
        "gate": "LJ",
        "department": rng.choice(departments),
        "kind": kind,
        "title": title,
        "description": "入户走访、信息登记并按月汇总上报。",
        "legal_basis": rng.choice((*LAWS, "")),
        "catalogue_entry": code,
        "role": rng.choice(("assist", "perform")) if kind == "duty" else None,
        "scope": scope,
        "start_date": start.isoformat(),
        "end_date": (start + dt.timedelta(days=rng.randint(180, 1095))).isoformat(),
        "workload_hours": rng.randint(0, 20),
        "demands": {
            "dedicated_premises": premises,
            "premises_area_m2": rng.randint(20, 80) if premises and rng.random() < 0.7 else None,
            "dedicated_staff": rng.random() < 0.1,
            "separate_ranking": rng.random() < 0.05,
            "veto": rng.random() < 0.05,
            "responsibility_letter": rng.random() < 0.1,
            "reports_per_year": rng.choice((0, 0, 1, 2, 4, 12)),
        },
        "funding": {
            "basis": basis,
            "amount_fen": 0 if basis == "none" else rng.randrange(100, 5000) * 100,
            "source": "" if basis == "none" else "区财政专项",
        },
    }


# --- the benchmark -------------------------------------------------------------------------------


def ms(seconds: float) -> float:
    return seconds * 1000.0


def line(label: str, values: list[float]) -> str:
    s = summary(values)
    return (
        f"{label}: median {s['median']:.2f} ms = {s['median'] / TARGET_MS:.2f} × target, "
        f"p95 {s['p95']:.2f} ms, max {s['max']:.2f} ms, min {s['min']:.2f} ms"
    )


def run(args) -> None:
    rng = random.Random(args.seed)
    watch = Stopwatch()
    with benchmark(args.database_url, "precheck", "pre-check benchmark", watch) as (app, database):
        _run(app, database, rng, args, watch)


def _run(app, database, rng, args, watch) -> None:
    from gatekeeper.core import clock
    from gatekeeper.extensions import db

    with app.app_context():
        world = build_world(rng, watch)
        settled = settle(app)
        flush_print(f"  set-up: {watch.line()}; {settled}")
        counter = StatementCounter(db.engine)
        with clock.frozen(TODAY):
            facts = _facts(world)
            _report_world(facts, world)
            times = _time_checks(rng, args, facts, world, counter)
            tokens = _tokens(facts)
        db.session.remove()
    http_bodies = proposals(
        random.Random(args.seed + 1),
        args.requests + 1,
        facts["catalogue"],
        list(facts["departments"]),
        facts["streets"],
        facts["communities"],
        facts["titles"],
    )
    with clock.frozen(TODAY):
        _time_requests(app, http_bodies, tokens, counter)
    counter.close()
    median = summary(times)["median"]
    verdict = "met" if median <= TARGET_MS else "MISSED"
    flush_print(f"target: median precheck.check() ≤ {TARGET_MS:.0f} ms — {verdict} ({median:.2f} ms)")
    flush_print(f"  load average at the end: {load()} (on {os.cpu_count()} CPUs)")


def _facts(world: dict) -> dict:
    """What the proposals are made of: departments, streets, communities, the catalogue's entries."""
    from gatekeeper.extensions import db
    from gatekeeper.modules.catalogue.models import CatalogueEntry
    from gatekeeper.modules.jurisdictions.models import Department, Gate, Jurisdiction, Level

    def codes(level):
        return list(
            db.session.scalars(
                sa.select(Jurisdiction.code).where(Jurisdiction.level == level).order_by(Jurisdiction.code)
            )
        )

    rows = db.session.execute(
        sa.select(CatalogueEntry.code, CatalogueEntry.title, CatalogueEntry.kind, CatalogueEntry.standing)
        .where(CatalogueEntry.version_id == world["version_id"])
        .order_by(CatalogueEntry.code)
    )
    return {
        "gate": db.session.get(Gate, world["gate_id"]),
        "departments": {
            d.code: d for d in db.session.scalars(sa.select(Department).order_by(Department.code))
        },
        "streets": codes(Level.STREET),
        "communities": codes(Level.COMMUNITY),
        "catalogue": [(code, title, kind.value, standing.value) for code, title, kind, standing in rows],
        "titles": {WARM_UP["title"]},  # titles checked so far
    }


def _report_world(facts: dict, world: dict) -> None:
    from gatekeeper.extensions import db
    from gatekeeper.modules.authorisations.models import Authorisation, AuthorisationCommunity

    active = db.session.scalar(
        sa.select(sa.func.count()).select_from(Authorisation).where(Authorisation.status == "active")
    )
    links = db.session.scalar(sa.select(sa.func.count()).select_from(AuthorisationCommunity))
    size = len(facts["catalogue"])
    flush_print(
        f"catalogue: {size:,} entries in the current version (id {world['version_id']}), "
        f"{world['banned']} banned ({world['banned'] / size:.0%})"
    )
    flush_print(
        f"active authorisations: {active:,} over {links:,} community links "
        f"({len(facts['departments'])} departments × 7 kinds, scopes of 1–80 of the "
        f"{len(facts['communities'])} communities)"
    )


def _time_checks(rng, args, facts, world, counter) -> list[float]:
    """Time ``precheck.check`` on varied proposals; prints the one-off compile and the statistics."""
    from gatekeeper.extensions import db
    from gatekeeper.modules.requests import precheck
    from gatekeeper.modules.requests.schemas import RequestInputSchema
    from gatekeeper.rules import build_index

    gate, departments = facts["gate"], facts["departments"]
    bodies = proposals(
        rng,
        args.proposals + 1,
        facts["catalogue"],
        list(departments),
        facts["streets"],
        facts["communities"],
        facts["titles"],
    )
    schema = RequestInputSchema()
    loaded = [schema.load(body) for body in bodies]
    version = precheck.current_version(gate)
    assert version.id == world["version_id"], "version 2 should be the gate's current version"

    # The first check after publication compiles and indexes the version: the one-off cost.
    start = time.perf_counter()
    precheck.check(gate, departments[bodies[0]["department"]], loaded[0])
    first = ms(time.perf_counter() - start)
    compiled, _index = precheck.compiled_catalogue(version)
    start = time.perf_counter()
    build_index(compiled)
    index_ms = ms(time.perf_counter() - start)
    flush_print(
        f"one-off catalogue compile (first check after publish): {first:.1f} ms "
        f"(rules.build_index alone on {len(compiled.entries):,} entries: {index_ms:.1f} ms)"
    )

    times, cpu, outcomes, codes, statements = [], [], Counter(), Counter(), {}
    for body, data in zip(bodies[1:], loaded[1:], strict=True):
        department = departments[body["department"]]
        with counter.counting() as seen:
            start, start_cpu = time.perf_counter(), time.thread_time()
            result = precheck.check(gate, department, data)
            elapsed, elapsed_cpu = time.perf_counter() - start, time.thread_time() - start_cpu
        times.append(ms(elapsed))
        cpu.append(ms(elapsed_cpu))
        outcomes[result.outcome] += 1
        codes.update({finding.code for finding in result.findings})
        statements.setdefault(body["scope"]["type"], set()).add(len(seen))
    db.session.rollback()
    flush_print(line(f"precheck.check() × {len(times)}", times))
    flush_print(
        f"  of which this process's CPU: median {summary(cpu)['median']:.2f} ms "
        "(the rest: waiting for the database server, or for a CPU)"
    )
    flush_print(
        "  SQL statements per check: "
        + ", ".join(f"scope {kind}: {_fmt_set(counts)}" for kind, counts in sorted(statements.items()))
    )
    flush_print("  outcomes: " + ", ".join(f"{name} {n}" for name, n in sorted(outcomes.items())))
    flush_print(
        "  proposals with each finding: " + ", ".join(f"{code} {n}" for code, n in codes.most_common())
    )
    return times


def _tokens(facts) -> dict[str, str]:
    """A bearer token of each department's demo officer."""
    from gatekeeper.core.auth import issue_token
    from gatekeeper.extensions import db
    from gatekeeper.modules.accounts.models import User
    from gatekeeper.modules.demo.district import officer_username

    tokens = {}
    for code in facts["departments"]:
        user = db.session.scalar(sa.select(User).where(User.username == officer_username(code)))
        tokens[code], _row = issue_token(user, label="bench")
    db.session.commit()
    return tokens


def _time_requests(app, bodies, tokens, counter) -> None:
    """Time ``POST /api/v1/precheck`` (the first request is the warm-up)."""
    client = app.test_client()
    times, statements = [], set()
    for n, body in enumerate(bodies):
        headers = {"Authorization": f"Bearer {tokens[body['department']]}"}
        with counter.counting() as seen:
            start = time.perf_counter()
            response = client.post("/api/v1/precheck", json=body, headers=headers)
            elapsed = time.perf_counter() - start
        if response.status_code != 200:
            raise SystemExit(
                f"POST /api/v1/precheck answered {response.status_code}: {response.get_data(True)}"
            )
        if n:
            times.append(ms(elapsed))
            statements.add(len(seen))
    flush_print(line(f"POST /api/v1/precheck × {len(times)}", times))
    flush_print(f"  SQL statements per request: {_fmt_set(statements)}")


def _fmt_set(values) -> str:
    values = sorted(values)
    return str(values[0]) if len(values) == 1 else f"{values[0]}–{values[-1]}"


def main(argv: list[str] | None = None) -> int:
    parser = arguments(__doc__, SEED)
    parser.add_argument("--proposals", type=int, default=600, help="checks timed (default 600)")
    parser.add_argument("--requests", type=int, default=500, help="POST /api/v1/precheck timed (default 500)")
    run(parser.parse_args(argv))
    return 0


if __name__ == "__main__":
    sys.exit(main())
