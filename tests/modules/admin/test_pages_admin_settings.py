"""The admin's pages of gate settings and of the official calendar: every setting editable with its
meaning, a bad value refused beside its field with nothing changed; a year loaded from the built-in
calendar or from a CSV file whose errors are said by line, nothing loaded on error."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import sqlalchemy as sa

from gatekeeper.core import clock
from gatekeeper.core.audit import AuditEntry
from gatekeeper.modules.jurisdictions.models import CalendarDay, DayKind, Gate
from gatekeeper.modules.jurisdictions.schemas import gate_settings
from tests.factories import TODAY


@pytest.fixture(autouse=True)
def today():
    with clock.frozen(TODAY):
        yield


@pytest.fixture
def admin(page_as):
    return page_as("admin")


def gate(db) -> Gate:
    db.expire_all()
    return db.scalar(sa.select(Gate).where(Gate.code == "LJ"))


def settings_form(**changes) -> dict:
    """The gate page's form as the demo gate fills it, with ``changes``."""
    form = {
        "name": "临江区社区工作事项准入",
        "committee_name": "临江区社区建设与管理指导委员会",
        "escalation_body_name": "临江区人民政府常务会议",
        "number_prefix": "LJ",
        "settings.issuing_body": "临江区社区建设与管理指导委员会办公室",
        "settings.quorum": "more_than_half",
        "settings.majority": "simple",
        "settings.decision_limit_days": "15",
        "settings.lead_time_days": "30",
        "settings.funding_due_days": "30",
        "settings.sign_cap": "6",
        "settings.ledger_cap": "10",
        "settings.reports_cap": "24",
        "settings.office_share_max_percent": "20",
        "settings.match_threshold": "80",
    }
    form.update(changes)
    return form


# --- the gate ------------------------------------------------------------------------------------


def test_the_gate_page_shows_every_setting_with_its_meaning(admin):
    html = admin.text("/admin/gates/LJ?lang=en")
    for key in gate_settings({}):
        if key != "citations":
            assert f'name="settings.{key}"' in html, key
    assert 'name="settings.citations.NEGATIVE_LIST"' in html
    assert "From acceptance to the committee" in html
    assert 'value="two_thirds"' in html and "Every non-recused member has voted" in html
    assert 'value="15"' in html


def test_the_settings_are_saved(admin, db):
    answer = admin.form(
        "/admin/gates/LJ",
        settings_form(
            committee_name="临江区社区减负工作领导小组",
            **{
                "settings.decision_limit_days": "20",
                "settings.quorum": "two_thirds",
                "settings.majority": "absolute",
                "settings.citations.LEAD_TIME": "《临江区社区工作事项准入办法》第八条",
            },
        ),
    )
    assert answer.status_code == 303 and answer.location.endswith("/admin/gates/LJ")
    row = gate(db)
    values = gate_settings(row.settings)
    assert row.committee_name == "临江区社区减负工作领导小组"
    assert (
        values["decision_limit_days"] == 20
        and values["quorum"] == "two_thirds"
        and values["majority"] == "absolute"
    )
    assert values["citations"] == {"LEAD_TIME": "《临江区社区工作事项准入办法》第八条"}
    assert db.scalar(sa.select(AuditEntry).where(AuditEntry.action == "gate.update"))
    # an emptied citation and issuing body are cleared (the defaults apply again)
    admin.form("/admin/gates/LJ", settings_form(**{"settings.issuing_body": ""}))
    values = gate_settings(gate(db).settings)
    assert values["citations"] == {} and values["issuing_body"] == ""


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"settings.decision_limit_days": "0"}, "settings.decision_limit_days"),
        ({"settings.lead_time_days": "soon"}, "settings.lead_time_days"),
        ({"settings.match_threshold": "101"}, "settings.match_threshold"),
        ({"settings.quorum": "most"}, "settings.quorum"),
        ({"number_prefix": "lj-x"}, "number_prefix"),
        ({"committee_name": ""}, "committee_name"),
    ],
)
def test_a_bad_value_is_said_beside_its_field_and_nothing_changes(admin, db, changes, field):
    before = (gate(db).committee_name, dict(gate(db).settings))
    answer = admin.form("/admin/gates/LJ", settings_form(escalation_body_name="改了名字", **changes))
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    field_id = "f-" + field.replace(".", "-").replace("_", "-")
    assert f'id="{field_id}-error"' in html
    assert 'value="改了名字"' in html  # what was typed is kept
    row = gate(db)
    assert (
        row.committee_name,
        row.settings,
    ) == before and row.escalation_body_name == "临江区人民政府常务会议"


def test_the_gates_list(admin):
    html = admin.text("/admin/gates")
    assert 'href="/admin/gates/LJ"' in html and "临江区人民政府常务会议" in html


def test_an_unknown_gate_is_404(admin):
    assert admin.get("/admin/gates/NOPE").status_code == 404


# --- the calendar --------------------------------------------------------------------------------


def days_of(db, year: int) -> list[CalendarDay]:
    db.expire_all()
    return db.scalars(
        sa.select(CalendarDay)
        .where(CalendarDay.day >= dt.date(year, 1, 1), CalendarDay.day <= dt.date(year, 12, 31))
        .order_by(CalendarDay.day)
    ).all()


def upload(admin, year, text: str):
    return admin.form(
        "/admin/calendar",
        {"year": str(year), "source": "file", "file": (io.BytesIO(text.encode("utf-8")), "notice.csv")},
        content_type="multipart/form-data",
    )


def test_the_calendar_shows_a_years_exceptions(admin):
    html = admin.text("/admin/calendar?year=2026&lang=en")
    assert "2026-10-01" in html and "Make-up working day" in html and "Holiday" in html
    assert "2027 is not loaded" in html


def test_a_year_is_loaded_from_a_csv_file(admin, db):
    answer = upload(admin, 2027, "day,kind,name\n2027-01-01,holiday,元旦\n2027-02-06,workday,春节\n")
    assert answer.status_code == 303 and answer.location.endswith("/admin/calendar?year=2027")
    assert [(d.day, d.kind, d.name) for d in days_of(db, 2027)] == [
        (dt.date(2027, 1, 1), DayKind.HOLIDAY, "元旦"),
        (dt.date(2027, 2, 6), DayKind.WORKDAY, "春节"),
    ]
    assert "2027 is not loaded" not in admin.text("/admin/calendar?lang=en")


def test_a_file_with_errors_is_said_by_line_and_nothing_is_loaded(admin, db):
    before = [(d.day, d.kind) for d in days_of(db, 2026)]
    text = (
        "day,kind,name\n"
        "2026-01-01,holiday,元旦\n"
        "2026-13-01,holiday,坏日期\n"  # line 3
        "2026-02-16,vacation,春节\n"  # line 4
        "2026-03-04,workday,周三\n"  # line 5: a make-up day on a weekday
        "2027-01-01,holiday,明年\n"  # line 6
        "2026-01-01,holiday,重复\n"  # line 7
    )
    answer = upload(admin, 2026, text)
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    for line in (3, 4, 5, 6, 7):
        assert f"第 {line} 行" in html, line
    assert "第 2 行，" not in html and "第 2 行：" not in html
    assert [(d.day, d.kind) for d in days_of(db, 2026)] == before


@pytest.mark.parametrize(
    "content",
    [b"", b"date;type\n2026-01-01;holiday\n", b"day,kind,name\n", b"\xff\xfe\x00bad"],
)
def test_a_file_that_is_not_a_calendar_is_refused(admin, db, content):
    before = len(days_of(db, 2026))
    answer = admin.form(
        "/admin/calendar",
        {"year": "2026", "source": "file", "file": (io.BytesIO(content), "x.csv")},
        content_type="multipart/form-data",
    )
    assert answer.status_code == 422 and 'id="f-file-error"' in answer.get_data(as_text=True)
    assert len(days_of(db, 2026)) == before


def test_a_year_is_loaded_from_the_built_in_calendar(admin, db):
    for row in days_of(db, 2025):
        db.delete(row)
    db.commit()
    answer = admin.form("/admin/calendar", {"year": "2025", "source": "builtin"})
    assert answer.status_code == 303
    days = days_of(db, 2025)
    assert dt.date(2025, 10, 1) in {d.day for d in days} and len(days) > 20
    entry = db.scalar(
        sa.select(AuditEntry).where(AuditEntry.action == "calendar.load").order_by(AuditEntry.id.desc())
    )
    assert entry.object_id == "2025"


def test_a_year_the_built_in_calendar_lacks_is_said_beside_the_year(admin, db):
    answer = admin.form("/admin/calendar", {"year": "2099", "source": "builtin"})
    assert answer.status_code == 422 and 'id="f-year-error"' in answer.get_data(as_text=True)
    assert days_of(db, 2099) == []
