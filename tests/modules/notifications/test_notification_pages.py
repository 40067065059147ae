"""The messages page: a user's own notifications, newest first, opened (and so read) one by one or
all at once; nobody opens anyone else's."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from gatekeeper.core import clock
from gatekeeper.modules.notifications.models import Notification
from tests import factories
from tests.factories import TODAY


@pytest.fixture(autouse=True)
def today():
    with clock.frozen(TODAY):
        yield


def unread(db, user) -> int:
    return db.scalar(
        sa.select(sa.func.count(Notification.id)).where(
            Notification.user_id == user.id, Notification.read_at.is_(None)
        )
    )


def test_the_office_sees_a_submission_with_its_unread_count(db, world, page_as):
    req = factories.submitted()
    browser = page_as("secretariat")
    html = browser.text("/notifications")
    assert req.title in html
    assert re.search(r'class="count"[^>]*>1<', html), "the unread count is in the top bar"
    assert "消息" in html


def test_opening_a_message_reads_it_and_goes_to_what_it_is_about(app, db, world, page_as):
    req = factories.submitted()
    secretariat = world.user("secretariat")
    note = db.scalar(sa.select(Notification).where(Notification.user_id == secretariat.id))
    browser = page_as("secretariat")
    answer = browser.form(f"/notifications/{note.id}/open")
    assert answer.status_code == 303
    expected = f"/requests/{req.id}" if "requests_pages.detail" in app.view_functions else "/notifications"
    assert answer.headers["Location"] == expected
    assert unread(db, secretariat) == 0


def test_nobody_opens_anyone_elses_message(db, world, page_as):
    factories.submitted()
    note = db.scalar(sa.select(Notification).where(Notification.user_id == world.user("secretariat").id))
    answer = page_as("officer").form(f"/notifications/{note.id}/open")
    assert answer.status_code == 404
    assert unread(db, world.user("secretariat")) == 1


def test_read_all_and_the_unread_filter(db, world, page_as):
    factories.submitted()
    factories.submitted(title="协助开展重点人群健康随访")
    browser = page_as("secretariat")
    assert browser.text("/notifications?unread=1").count('class="message message--unread"') == 2
    answer = browser.form("/notifications/read-all", headers={"Referer": "http://localhost/notifications"})
    assert answer.status_code == 303
    assert unread(db, world.user("secretariat")) == 0
    assert "没有未读消息" in browser.text("/notifications?unread=1")


def test_the_list_is_paginated(db, world, page_as):
    for n in range(12):
        factories.draft(title=f"协助开展健康教育第{n}期")
    for req in db.scalars(sa.select(factories.AdmissionRequest)).all():
        factories.ops.submit_request(req, actor=req.created_by)
    db.commit()
    browser = page_as("secretariat")
    first = browser.text("/notifications?per_page=10")
    assert first.count('class="message ') == 10 and 'rel="next"' in first
    second = browser.text("/notifications?per_page=10&page=2")
    assert second.count('class="message ') == 2
