"""The demo district: 临江区 of 江城市, with 6 streets and towns, 80 communities and villages,
33 departments, one gate with its committee, the official calendar and a published catalogue.

Everything is deterministic (a fixed random seed), so tests can rely on it. Data goes in through
the same operations the app uses.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from gatekeeper.core import clock
from gatekeeper.core.errors import ValidationFailed
from gatekeeper.extensions import db
from gatekeeper.modules.accounts.models import Role, User
from gatekeeper.modules.accounts.operations import create_user
from gatekeeper.modules.catalogue import io as catalogue_io
from gatekeeper.modules.catalogue import operations as catalogue_ops
from gatekeeper.modules.jurisdictions.models import CommunityType, Department, Gate, Jurisdiction, Level
from gatekeeper.modules.jurisdictions.operations import load_calendar_year, official_year

DATA = Path(__file__).parent / "data"
GATE_CODE = "LJ"

STREETS = (
    # code, name, urban communities, rural villages
    ("LJ01", "滨江街道", 14, 0),
    ("LJ02", "朝阳街道", 14, 0),
    ("LJ03", "解放路街道", 13, 0),
    ("LJ04", "东湖街道", 11, 0),
    ("LJ05", "青山镇", 2, 12),
    ("LJ06", "白沙镇", 2, 12),
)

URBAN_NAMES = (
    "滨江",
    "望江",
    "锦绣",
    "春晖",
    "和平",
    "长青",
    "金桂",
    "翠苑",
    "东方",
    "新华",
    "幸福",
    "光明",
    "福安",
    "康乐",
    "银杏",
    "梧桐",
    "桃源",
    "文昌",
    "南苑",
    "北苑",
    "江岸",
    "临湖",
    "紫荆",
    "阳光",
    "枫林",
    "嘉园",
    "世纪",
    "万寿",
    "松涛",
    "丽景",
    "青年路",
    "公园路",
    "人民路",
    "解放",
    "胜利",
    "建设",
    "友谊",
    "振兴",
    "民主",
    "团结",
    "华府",
    "怡景",
    "金沙",
    "西湖",
    "凤凰",
    "龙湖",
    "清风",
    "朝晖",
    "明珠",
    "书香",
    "碧水",
    "花园",
    "广场",
    "东湖",
    "白沙",
    "青山",
    "新城",
    "兴业",
)
RURAL_NAMES = (
    "李家",
    "王庄",
    "石桥",
    "柳湾",
    "双河",
    "黄泥",
    "桃花",
    "新塘",
    "河口",
    "大坪",
    "杨柳",
    "枫树",
    "长冲",
    "马鞍",
    "白石",
    "龙潭",
    "青龙",
    "上湾",
    "下湾",
    "新庄",
    "高桥",
    "沙坪",
    "罗家",
    "陈家",
)

#: code, name. District-level departments that push work into communities.
DEPARTMENTS = (
    ("MZJ", "区民政局"),
    ("WJW", "区卫生健康委员会"),
    ("GAFJ", "临江公安分局"),
    ("ZJJ", "区住房和城乡建设局"),
    ("CGJ", "区城市管理局"),
    ("JYJ", "区教育局"),
    ("RSJ", "区人力资源和社会保障局"),
    ("TYJ", "区退役军人事务局"),
    ("SCJ", "区市场监督管理局"),
    ("YJJ", "区应急管理局"),
    ("SFJ", "区司法局"),
    ("CZJ", "区财政局"),
    ("WLJ", "区文化和旅游局"),
    ("NYJ", "区农业农村局"),
    ("YBJ", "区医疗保障局"),
    ("TJJ", "区统计局"),
    ("STJ", "区生态环境分局"),
    ("ZRJ", "区规划和自然资源分局"),
    ("SWJ", "区水务局"),
    ("JTJ", "区交通运输局"),
    ("SWU", "区商务局"),
    ("FGW", "区发展和改革委员会"),
    ("CLH", "区残疾人联合会"),
    ("FLH", "区妇女联合会"),
    ("TQW", "共青团临江区委"),
    ("ZGH", "区总工会"),
    ("XCB", "区委宣传部"),
    ("ZFW", "区委政法委员会"),
    ("ZZB", "区委组织部"),
    ("XFJ", "区消防救援大队"),
    ("SJJ", "区数据资源管理局"),
    ("RWB", "区人民武装部"),
    ("ZFB", "区人民政府办公室"),
)


@dataclass(frozen=True)
class DemoUser:
    username: str
    name: str
    role: Role
    department: str | None = None
    jurisdiction: str | None = None
    gate: bool = False


#: The demo users; ``officer`` and ``member1`` work for the same department (so member1 is recused).
USERS = (
    DemoUser("officer", "张卫(区卫健委经办人)", Role.OFFICER, department="WJW"),
    DemoUser("secretariat", "刘敏(委员会办公室)", Role.SECRETARIAT, department="MZJ", gate=True),
    DemoUser("member1", "陈健(区卫健委)", Role.MEMBER, department="WJW", gate=True),
    DemoUser("member2", "王芳(区民政局)", Role.MEMBER, department="MZJ", gate=True),
    DemoUser("member3", "赵刚(区财政局)", Role.MEMBER, department="CZJ", gate=True),
    DemoUser("member4", "孙丽(区司法局)", Role.MEMBER, department="SFJ", gate=True),
    DemoUser("member5", "周强(区委组织部)", Role.MEMBER, department="ZZB", gate=True),
    DemoUser("chair", "吴建国(主任)", Role.CHAIR, department="ZFB", gate=True),
    DemoUser("head", "郑秀英(滨江社区书记)", Role.COMMUNITY_HEAD, jurisdiction="LJ0101"),
    DemoUser("street", "冯涛(滨江街道)", Role.STREET_OFFICER, jurisdiction="LJ01"),
    DemoUser("admin", "系统管理员", Role.ADMIN),
)


def officer_username(department_code: str) -> str:
    """The demo officer of a department (``officer`` for 区卫健委, ``mzj.officer`` for 区民政局...)."""
    return "officer" if department_code == "WJW" else f"{department_code.lower()}.officer"


def is_loaded() -> bool:
    return db.session.scalar(sa.select(sa.func.count(Gate.id))) > 0


def load_district(
    password: str, *, seed: int = 20261122, calendar_years: Iterable[int] | None = None
) -> Gate:
    """Create the district, its gate, departments, users, calendar and published catalogue.

    The calendar covers ``calendar_years`` (default: last year to next year) as far as the built-in
    State Council calendar knows them; other years count Monday to Friday until the admin loads them.
    """
    rng = random.Random(seed)
    city = _jurisdiction("JC", "江城市", Level.CITY, None)
    district = _jurisdiction("LJ", "临江区", Level.DISTRICT, city)
    urban = iter(URBAN_NAMES)
    rural = iter(RURAL_NAMES)
    for code, name, n_urban, n_rural in STREETS:
        street = _jurisdiction(code, name, Level.STREET, district)
        number = 0
        for kind, count in ((CommunityType.URBAN, n_urban), (CommunityType.RURAL, n_rural)):
            for _ in range(count):
                number += 1
                _community(
                    street,
                    f"{code}{number:02d}",
                    kind,
                    next(urban if kind == CommunityType.URBAN else rural),
                    rng,
                )
    gate = Gate(
        code=GATE_CODE,
        name="临江区社区工作事项准入",
        jurisdiction=district,
        committee_name="临江区社区建设与管理指导委员会",
        escalation_body_name="临江区人民政府常务会议",
        number_prefix="LJ",
        settings={"issuing_body": "临江区社区建设与管理指导委员会办公室"},
    )
    db.session.add(gate)
    departments = {}
    for code, name in DEPARTMENTS:
        departments[code] = Department(
            code=code, name=name, jurisdiction=district, initials=catalogue_ops.initials(name)
        )
        db.session.add(departments[code])
    db.session.flush()
    for spec in USERS:
        create_user(
            username=spec.username,
            name=spec.name,
            role=spec.role,
            password=password,
            department=departments.get(spec.department) if spec.department else None,
            jurisdiction=_by_code(spec.jurisdiction) if spec.jurisdiction else None,
            gate=gate if spec.gate else None,
        )
    for code, name in DEPARTMENTS:
        if officer_username(code) != "officer":
            create_user(
                username=officer_username(code),
                name=f"{name}经办人",
                role=Role.OFFICER,
                password=password,
                department=departments[code],
            )
    this_year = clock.today().year
    for year in calendar_years or range(this_year - 1, this_year + 2):
        try:
            load_calendar_year(year, official_year(year), actor=None)
        except ValidationFailed:  # a year the built-in calendar lacks stays Monday-Friday
            continue
    _load_catalogue(gate)
    db.session.flush()
    return gate


def _load_catalogue(gate: Gate) -> None:
    admin = db.session.scalar(sa.select(User).where(User.username == "admin"))
    version = catalogue_ops.create_version(
        gate, label=f"{clock.today().year}年版", actor=admin, notes="依据已公布的清单和负面清单编制"
    )
    for name in ("catalogue_sample.csv", "catalogue_extra.csv"):
        _fmt, rows = catalogue_io.parse((DATA / name).read_bytes(), name)
        catalogue_ops.import_entries(version, rows, reason=f"初始目录：{name}", actor=admin)
    catalogue_ops.publish_version(version, actor=admin)


def _by_code(code: str) -> Jurisdiction:
    return db.session.scalar(sa.select(Jurisdiction).where(Jurisdiction.code == code))


def _jurisdiction(code, name, level, parent) -> Jurisdiction:
    row = Jurisdiction(
        code=code, name=name, level=level, parent=parent, path=(parent.path if parent else "/") + code + "/"
    )
    db.session.add(row)
    return row


def _community(street, code, kind, stem, rng) -> Jurisdiction:
    if kind == CommunityType.URBAN:
        name, households = f"{stem}社区", rng.randrange(1200, 4800, 10)
        area = rng.randrange(400, 900, 10)
    else:
        name, households = f"{stem}村", rng.randrange(250, 1100, 5)
        area = rng.randrange(250, 600, 10)
    row = _jurisdiction(code, name, Level.COMMUNITY, street)
    row.community_type = kind
    row.households = households
    row.area_m2 = area
    row.office_area_m2 = area * rng.randrange(12, 19) // 100
    return row
