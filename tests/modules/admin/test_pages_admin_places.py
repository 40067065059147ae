"""The admin's pages of departments and of the jurisdiction tree: search by pinyin initials, create and
edit with clear errors, streets and communities created, edited and moved (paths and the pre-check's
counts follow)."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from gatekeeper.core import clock
from gatekeeper.core.audit import AuditEntry
from gatekeeper.modules.jurisdictions.models import CommunityType, Department, Jurisdiction, Level
from tests import factories
from tests.factories import TODAY


@pytest.fixture(autouse=True)
def today():
    with clock.frozen(TODAY):
        yield


@pytest.fixture
def admin(page_as):
    return page_as("admin")


def department(db, code: str) -> Department | None:
    db.expire_all()
    return db.scalar(sa.select(Department).where(Department.code == code))


def place(db, code: str) -> Jurisdiction | None:
    db.expire_all()
    return db.scalar(sa.select(Jurisdiction).where(Jurisdiction.code == code))


def codes(html: str) -> list[str]:
    return re.findall(r'<td data-label="[^"]*"><code>([^<]+)</code></td>', html)


# --- departments ---------------------------------------------------------------------------------


def test_departments_are_found_by_pinyin_initials_name_or_code(admin):
    assert codes(admin.text("/admin/departments?q=mzj")) == ["MZJ"]
    assert codes(admin.text("/admin/departments?q=%E6%B0%91%E6%94%BF%E5%B1%80")) == ["MZJ"]  # 民政局
    assert codes(admin.text("/admin/departments?q=wjw")) == ["WJW"]
    assert "No department matches" in admin.text("/admin/departments?q=zzzz&lang=en")


def test_departments_sort_and_page(admin):
    first = codes(admin.text("/admin/departments?sort=-code&per_page=10"))
    assert len(first) == 10 and first == sorted(first, reverse=True)
    assert "/admin/departments?sort=-code&amp;per_page=10&amp;page=4" in admin.text(
        "/admin/departments?sort=-code&per_page=10"
    )


def test_a_department_is_created_with_its_initials(admin, db):
    answer = admin.form(
        "/admin/departments/new", {"code": "LSJ", "name": "区粮食和物资储备局", "jurisdiction": "LJ"}
    )
    assert answer.status_code == 303 and answer.location.endswith("/admin/departments")
    made = department(db, "LSJ")
    assert (
        made.name == "区粮食和物资储备局" and made.initials == "qlshwzcbj" and made.jurisdiction.code == "LJ"
    )
    assert codes(admin.text("/admin/departments?q=qls")) == ["LSJ"]
    assert db.scalar(sa.select(AuditEntry).where(AuditEntry.action == "department.create"))


def test_a_taken_code_is_said_beside_the_field(admin, db):
    answer = admin.form(
        "/admin/departments/new", {"code": "mzj", "name": "另一个民政局", "jurisdiction": "LJ"}
    )
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    assert 'id="f-code-error"' in html and "MZJ" in html and 'value="另一个民政局"' in html
    assert db.scalar(sa.select(sa.func.count(Department.id)).where(Department.name == "另一个民政局")) == 0


@pytest.mark.parametrize(
    "body, field",
    [
        ({"code": "A/B", "name": "斜杠", "jurisdiction": "LJ"}, "code"),
        ({"code": "OK1", "name": "", "jurisdiction": "LJ"}, "name"),
        ({"code": "OK2", "name": "社区里", "jurisdiction": "LJ0101"}, "jurisdiction"),
        ({"code": "OK3", "name": "无处", "jurisdiction": "NOPE"}, "jurisdiction"),
    ],
)
def test_a_refused_department_is_said_beside_its_field(admin, db, body, field):
    answer = admin.form("/admin/departments/new", body)
    assert answer.status_code == 422 and f'id="f-{field}-error"' in answer.get_data(as_text=True)
    assert department(db, body["code"]) is None


def test_a_department_is_renamed_and_its_initials_follow(admin, db):
    answer = admin.form("/admin/departments/TJJ", {"name": "区统计调查局", "jurisdiction": "LJ01"})
    assert answer.status_code == 303
    changed = department(db, "TJJ")
    assert (
        changed.name == "区统计调查局"
        and changed.initials == "qtjdcj"
        and changed.jurisdiction.code == "LJ01"
    )
    entry = db.scalar(sa.select(AuditEntry).where(AuditEntry.action == "department.update"))
    assert entry.before["name"] == "区统计局" and entry.after["name"] == "区统计调查局"


# --- jurisdictions -------------------------------------------------------------------------------


def test_the_tree_lists_streets_with_counts_and_filters_communities(admin):
    html = admin.text("/admin/jurisdictions?lang=en")
    assert re.search(r"LJ05</code></td>.*?>14</td>", html, re.S)  # 青山镇: 2 communities and 12 villages
    rural = codes(admin.text("/admin/jurisdictions?type=rural&per_page=100"))
    assert len([c for c in rural if c.startswith("LJ0") and len(c) == 6]) == 24
    streets = codes(admin.text("/admin/jurisdictions?street=LJ04&per_page=100"))
    assert [c for c in streets if len(c) == 6] == [f"LJ04{i:02d}" for i in range(1, 12)]


def test_communities_sort_by_households(admin, db):
    html = admin.text("/admin/jurisdictions?street=LJ01&sort=-households&per_page=100")
    listed = [c for c in codes(html) if len(c) == 6]
    households = [place(db, c).households for c in listed]
    assert households == sorted(households, reverse=True) and len(listed) == 14


def test_a_street_then_a_community_are_created(admin, db):
    answer = admin.form(
        "/admin/jurisdictions/new", {"level": "street", "code": "LJ07", "name": "新港街道", "parent": "LJ"}
    )
    assert answer.status_code == 303
    street = place(db, "LJ07")
    assert street.level == Level.STREET and street.path == "/JC/LJ/LJ07/" and street.households is None
    answer = admin.form(
        "/admin/jurisdictions/new",
        {
            "level": "community",
            "code": "LJ0701",
            "name": "新港社区",
            "parent": "LJ07",
            "type": "urban",
            "households": "1500",
            "area_m2": "600",
            "office_area_m2": "90",
        },
    )
    assert answer.status_code == 303
    community = place(db, "LJ0701")
    assert community.path == "/JC/LJ/LJ07/LJ0701/" and community.parent.code == "LJ07"
    assert (community.community_type, community.households, community.area_m2, community.office_area_m2) == (
        CommunityType.URBAN,
        1500,
        600,
        90,
    )
    assert db.scalar(
        sa.select(AuditEntry).where(
            AuditEntry.action == "jurisdiction.create", AuditEntry.object_id == str(community.id)
        )
    )


@pytest.mark.parametrize(
    "body, field",
    [
        ({"code": "LJ0101"}, "code"),  # taken
        ({"households": "-5"}, "households"),
        ({"households": "many"}, "households"),
        ({"parent": "LJ"}, "parent"),  # a community below a district
        ({"area_m2": "100", "office_area_m2": "150"}, "office_area_m2"),
        ({"code": "X Y"}, "code"),
    ],
)
def test_a_refused_community_is_said_beside_its_field(admin, db, body, field):
    form = {
        "level": "community",
        "code": "LJ0199",
        "name": "试点社区",
        "parent": "LJ01",
        "type": "rural",
        "households": "10",
        **body,
    }
    answer = admin.form("/admin/jurisdictions/new", form)
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    assert f'id="f-{field.replace("_", "-")}-error"' in html and 'value="试点社区"' in html
    assert db.scalar(sa.select(sa.func.count(Jurisdiction.id)).where(Jurisdiction.name == "试点社区")) == 0


def test_a_community_is_edited(admin, db):
    answer = admin.form(
        "/admin/jurisdictions/LJ0102",
        {
            "name": "望江新社区",
            "parent": "LJ01",
            "type": "rural",
            "households": "0",
            "area_m2": "",
            "office_area_m2": "",
        },
    )
    assert answer.status_code == 303
    row = place(db, "LJ0102")
    assert (row.name, row.community_type, row.households, row.area_m2, row.office_area_m2) == (
        "望江新社区",
        CommunityType.RURAL,
        0,
        None,
        None,
    )


def test_negative_households_change_nothing(admin, db):
    before = place(db, "LJ0103").households
    answer = admin.form(
        "/admin/jurisdictions/LJ0103",
        {"name": "改名了", "parent": "LJ02", "type": "urban", "households": "-1"},
    )
    assert answer.status_code == 422 and 'id="f-households-error"' in answer.get_data(as_text=True)
    row = place(db, "LJ0103")
    assert (row.name, row.parent.code, row.households) == ("锦绣社区", "LJ01", before)


def precheck_reach(api, street: str) -> tuple[int, int]:
    body = factories.body(scope={"type": "streets", "codes": [street], "community_type": None})
    answer = api.post("/api/v1/precheck", json=body).get_json()
    return answer["communities"], answer["households"]


def test_moving_a_community_moves_its_path_and_the_precheck_counts(admin, login_as, db):
    officer = login_as("officer")
    lj01, lj02 = precheck_reach(officer, "LJ01"), precheck_reach(officer, "LJ02")
    moved = place(db, "LJ0101")
    households = moved.households
    answer = admin.form(
        "/admin/jurisdictions/LJ0101",
        {
            "name": moved.name,
            "parent": "LJ02",
            "type": "urban",
            "households": str(households),
            "area_m2": str(moved.area_m2),
            "office_area_m2": str(moved.office_area_m2),
        },
    )
    assert answer.status_code == 303
    moved = place(db, "LJ0101")
    assert moved.parent.code == "LJ02" and moved.path == "/JC/LJ/LJ02/LJ0101/"
    assert precheck_reach(officer, "LJ01") == (lj01[0] - 1, lj01[1] - households)
    assert precheck_reach(officer, "LJ02") == (lj02[0] + 1, lj02[1] + households)
    html = admin.text("/admin/jurisdictions?street=LJ02&per_page=100")
    assert "LJ0101" in codes(html)
    entry = db.scalar(sa.select(AuditEntry).where(AuditEntry.action == "jurisdiction.update"))
    assert entry.before["path"] == "/JC/LJ/LJ01/LJ0101/" and entry.after["path"] == "/JC/LJ/LJ02/LJ0101/"


def test_moving_a_street_moves_the_paths_below_it(db, world):
    from gatekeeper.modules.jurisdictions import operations as ops

    other = Jurisdiction(
        code="QT", name="其他区", level=Level.DISTRICT, parent=world.district.parent, path="/JC/QT/"
    )
    db.add(other)
    db.flush()
    ops.update_jurisdiction(place(db, "LJ03"), {"parent": "QT"}, actor=world.user("admin"))
    db.flush()
    assert place(db, "LJ03").path == "/JC/QT/LJ03/"
    below = db.scalars(sa.select(Jurisdiction).where(Jurisdiction.parent_id == place(db, "LJ03").id)).all()
    assert len(below) == 13 and all(row.path == f"/JC/QT/LJ03/{row.code}/" for row in below)
    assert (
        db.scalar(
            sa.select(sa.func.count(Jurisdiction.id)).where(Jurisdiction.path.startswith("/JC/LJ/LJ03/"))
        )
        == 0
    )


def test_a_street_is_renamed(admin, db):
    answer = admin.form("/admin/jurisdictions/LJ06", {"name": "白沙街道", "parent": "LJ"})
    assert answer.status_code == 303 and place(db, "LJ06").name == "白沙街道"


def test_the_district_itself_is_not_edited_here(admin):
    assert admin.get("/admin/jurisdictions/LJ").status_code == 404


def test_emptied_required_fields_are_refused_not_ignored(admin, db):
    answer = admin.form("/admin/departments/TJJ", {"name": "", "jurisdiction": "LJ"})
    assert answer.status_code == 422 and 'id="f-name-error"' in answer.get_data(as_text=True)
    answer = admin.form(
        "/admin/jurisdictions/LJ0104", {"name": "春晖社区", "parent": "", "type": "urban", "households": ""}
    )
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422 and 'id="f-parent-error"' in html
    answer = admin.form(
        "/admin/jurisdictions/LJ0104",
        {"name": "春晖社区", "parent": "LJ01", "type": "urban", "households": ""},
    )
    assert answer.status_code == 422 and 'id="f-households-error"' in answer.get_data(as_text=True)
    assert department(db, "TJJ").name == "区统计局" and place(db, "LJ0104").households > 0
