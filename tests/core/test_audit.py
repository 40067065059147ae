"""The audit trail: every change and check is an entry; the chain detects tampering; no UPDATE/DELETE."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from gatekeeper.core import clock
from gatekeeper.core.audit import AuditEntry, verify_chain
from tests import factories
from tests.factories import TODAY


def _drop_triggers(db, backend):
    """Inside the test's transaction (rolled back afterwards), as an attacker with DDL rights would."""
    if backend == "postgresql":
        db.execute(sa.text("ALTER TABLE audit_entries DISABLE TRIGGER USER"))
    else:
        db.execute(sa.text("DROP TRIGGER audit_entries_no_update"))
        db.execute(sa.text("DROP TRIGGER audit_entries_no_delete"))


def test_every_step_is_audited_and_the_chain_verifies(db):
    with clock.frozen(TODAY):
        req = factories.approved()
    actions = db.scalars(
        sa.select(AuditEntry.action)
        .where(AuditEntry.object_type == "admission_requests", AuditEntry.object_id == str(req.id))
        .order_by(AuditEntry.id)
    ).all()
    assert actions[:4] == ["request.create", "request.check", "request.check", "request.submit"]
    assert {"request.accept", "request.vote", "request.decide"} <= set(actions)
    entry = db.scalar(sa.select(AuditEntry).where(AuditEntry.action == "request.accept"))
    assert entry.actor_name == "secretariat" and entry.before == {"state": "submitted"}
    assert entry.after == {"state": "in_review"}
    assert db.scalar(sa.select(AuditEntry).where(AuditEntry.action == "authorisation.issue")) is not None
    report = verify_chain(db)
    assert report.ok and report.checked > 50


def test_update_and_delete_are_refused_by_the_database(db):
    first = db.scalar(sa.select(AuditEntry.id).order_by(AuditEntry.id).limit(1))
    for statement in (
        "UPDATE audit_entries SET action = 'x' WHERE id = :id",
        "DELETE FROM audit_entries WHERE id = :id",
    ):
        with pytest.raises(sa.exc.DBAPIError) as refused, db.begin_nested():
            db.execute(sa.text(statement), {"id": first})
        assert "append-only" in str(refused.value)


def test_a_changed_entry_is_named(db, backend):
    target = db.scalars(sa.select(AuditEntry.id).order_by(AuditEntry.id).offset(7).limit(1)).one()
    _drop_triggers(db, backend)
    db.execute(sa.text("UPDATE audit_entries SET actor_name = 'mallory' WHERE id = :id"), {"id": target})
    db.expire_all()
    report = verify_chain(db)
    assert not report.ok and report.first_broken_id == target
    assert report.reason == "contents do not match the hash"


def test_a_deleted_entry_is_detected_at_the_next_one(db, backend):
    ids = db.scalars(sa.select(AuditEntry.id).order_by(AuditEntry.id).offset(3).limit(2)).all()
    _drop_triggers(db, backend)
    db.execute(sa.text("DELETE FROM audit_entries WHERE id = :id"), {"id": ids[0]})
    report = verify_chain(db)
    assert not report.ok and report.first_broken_id == ids[1]
    assert report.reason == "link to the previous entry is broken"


def test_cli_names_the_first_broken_entry(app, db, backend):
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["audit", "verify"])
    assert ok.exit_code == 0 and "intact" in ok.output
    target = db.scalars(sa.select(AuditEntry.id).order_by(AuditEntry.id).offset(2).limit(1)).one()
    _drop_triggers(db, backend)
    db.execute(sa.text("UPDATE audit_entries SET after = NULL WHERE id = :id"), {"id": target})
    broken = runner.invoke(args=["audit", "verify"])
    assert broken.exit_code == 1 and f"BROKEN at entry {target}" in broken.output
