"""The operations the admin's pages call: ``update_user`` (rules of creation, sessions, audit),
``move_jurisdiction`` and the calendar file reader."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from gatekeeper.core.audit import AuditEntry
from gatekeeper.core.errors import ValidationFailed
from gatekeeper.modules.accounts import operations as ops
from gatekeeper.modules.accounts.models import Role
from gatekeeper.modules.jurisdictions import operations as places
from gatekeeper.modules.jurisdictions.models import DayKind


def audit_count(db, action: str) -> int:
    db.commit()  # audit entries are written at commit (a savepoint here)
    return db.scalar(sa.select(sa.func.count(AuditEntry.id)).where(AuditEntry.action == action))


def test_an_unchanged_user_is_not_audited_and_keeps_their_sessions(db, world):
    officer = world.user("officer")
    version, before = officer.session_version, audit_count(db, "user.update")
    ops.update_user(
        officer, {"name": officer.name, "role": Role.OFFICER, "department": "WJW"}, actor=world.user("admin")
    )
    assert officer.session_version == version and audit_count(db, "user.update") == before


def test_a_new_name_is_audited_without_ending_sessions(db, world):
    officer = world.user("officer")
    version = officer.session_version
    ops.update_user(officer, {"name": "  张卫  "}, actor=world.user("admin"))
    assert officer.name == "张卫" and officer.session_version == version
    assert audit_count(db, "user.update") == 1


def test_codes_the_new_role_does_not_use_are_not_even_looked_up(db, world):
    head = world.user("head")
    ops.update_user(head, {"jurisdiction": "LJ0102", "gate": "NO-SUCH-GATE"}, actor=world.user("admin"))
    assert head.jurisdiction.code == "LJ0102" and head.gate is None


def test_a_committee_member_may_leave_their_department(db, world):
    member = world.user("member3")
    ops.update_user(member, {"department": None}, actor=world.user("admin"))
    assert member.department is None and member.gate.code == "LJ"
    with pytest.raises(ValidationFailed) as refused:
        ops.update_user(member, {"gate": None}, actor=world.user("admin"))
    assert set(refused.value.fields) == {"gate"}


def test_a_community_cannot_move_below_a_community(db, world):
    with pytest.raises(ValidationFailed) as refused:
        places.update_jurisdiction(world.community("LJ0101"), {"parent": "LJ0102"}, actor=None)
    assert "parent" in refused.value.fields


def test_the_calendar_file_reader(db):
    days = places.calendar_days_from_csv(
        2027, "\ufeffDay,Kind,Name\r\n2027-01-01,holiday,元旦\r\n\r\n2027-02-06,workday,\r\n".encode()
    )
    assert days == [
        {"day": dt.date(2027, 1, 1), "kind": DayKind.HOLIDAY, "name": "元旦"},
        {"day": dt.date(2027, 2, 6), "kind": DayKind.WORKDAY, "name": ""},
    ]
    with pytest.raises(ValidationFailed) as refused:
        places.calendar_days_from_csv(2027, b"day,kind,name\n2027-01-01,holiday,x\n2027-01-01,workday,y\n")
    assert len(refused.value.fields["file"]) == 1
