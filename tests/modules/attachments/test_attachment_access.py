"""Who sees and changes the attachments of a request, when, and what removal keeps.

Requests are filed by ``officer`` of 区卫健委 (WJW); ``mzj.officer`` works for another department.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from attachment_support import (
    API,
    KEYS,
    a_file,
    docx_bytes,
    download,
    error_of,
    listed,
    pdf_bytes,
    rows,
    upload,
    uploaded,
)

from gatekeeper.modules.attachments import operations as ops
from gatekeeper.modules.attachments.models import Attachment, AttachmentKind
from gatekeeper.modules.requests import operations as request_ops
from gatekeeper.modules.requests.models import RequestRevision, RequestState
from tests import factories

# --- who -----------------------------------------------------------------------------------------


def calls(request_id: int, attachment_id: int) -> dict[str, tuple]:
    return {
        "list": ("GET", f"{API}/requests/{request_id}/attachments"),
        "get": ("GET", f"{API}/attachments/{attachment_id}"),
        "download": ("GET", f"{API}/attachments/{attachment_id}/download"),
    }


def statuses(api, request_id: int, attachment_id: int) -> dict[str, int]:
    answers = {}
    for name, (method, url) in calls(request_id, attachment_id).items():
        response = api.open(url, method=method)
        response.close()
        answers[name] = response.status_code
    return answers


READ_OK = {"list": 200, "get": 200, "download": 200}
HIDDEN = {"list": 404, "get": 404, "download": 404}


def test_in_a_draft_only_the_filing_department_sees_attachments(login_as):
    req = factories.draft()
    att = uploaded(login_as("officer"), req.id)
    assert statuses(login_as("officer"), req.id, att["id"]) == READ_OK
    assert statuses(login_as("admin"), req.id, att["id"]) == READ_OK
    for username in ("mzj.officer", "secretariat", "member2", "chair", "head", "street"):
        assert statuses(login_as(username), req.id, att["id"]) == HIDDEN, username


def test_once_submitted_the_committee_sees_them_and_head_and_street_never(login_as):
    req = factories.draft()
    att = uploaded(login_as("officer"), req.id)
    submitted = login_as("officer").post(f"{API}/requests/{req.id}/submit", json={})
    assert submitted.status_code == 200, submitted.get_json()
    for username in ("officer", "secretariat", "member1", "member2", "chair", "admin"):
        assert statuses(login_as(username), req.id, att["id"]) == READ_OK, username
    for username in ("mzj.officer", "head", "street"):
        assert statuses(login_as(username), req.id, att["id"]) == HIDDEN, username


def test_head_and_street_do_not_see_attachments_of_an_approved_request(login_as, db):
    """Driven by the operations, as the CLI and batch jobs would."""
    req = factories.draft()
    officer = factories.user("officer")
    attachment_id = ops.add_attachment(
        req, AttachmentKind.PLAN, a_file(pdf_bytes(), "方案.pdf"), actor=officer
    ).id
    db.commit()
    request_ops.submit_request(req, actor=officer)
    db.commit()
    request_ops.accept_request(req, actor=factories.user("secretariat"))
    db.commit()
    assert factories.decided(factories.voted(req)).state == RequestState.APPROVED
    for username in ("head", "street", "mzj.officer"):
        assert statuses(login_as(username), req.id, attachment_id) == HIDDEN, username
    assert statuses(login_as("member3"), req.id, attachment_id) == READ_OK


@pytest.mark.parametrize("username", ["secretariat", "member2", "chair", "admin"])
def test_only_the_filing_department_uploads(db, login_as, username):
    req = factories.submitted()
    error_of(upload(login_as(username), req.id, pdf_bytes()), 403, "forbidden")
    assert rows(db) == 0


@pytest.mark.parametrize("username", ["mzj.officer", "head", "street"])
def test_others_cannot_upload_to_or_delete_from_what_they_cannot_see(db, login_as, username):
    req = factories.draft()
    att = uploaded(login_as("officer"), req.id)
    api = login_as(username)
    error_of(upload(api, req.id, pdf_bytes("x")), 404, "not_found")
    error_of(api.delete(f"{API}/attachments/{att['id']}"), 404, "not_found")
    assert rows(db) == 1


def test_the_committee_cannot_delete(login_as):
    req = factories.draft()
    att = uploaded(login_as("officer"), req.id)
    assert login_as("officer").post(f"{API}/requests/{req.id}/submit", json={}).status_code == 200
    error_of(login_as("secretariat").delete(f"{API}/attachments/{att['id']}"), 403, "forbidden")


def test_unknown_ids_are_404(login_as):
    officer = login_as("officer")
    error_of(officer.get(f"{API}/attachments/999999"), 404, "not_found")
    error_of(officer.get(f"{API}/requests/999999/attachments"), 404, "not_found")


# --- when ---------------------------------------------------------------------------------------


def test_attachments_change_only_in_a_draft_or_a_returned_request(login_as):
    req = factories.draft()
    officer = login_as("officer")
    att = uploaded(officer, req.id)
    assert officer.post(f"{API}/requests/{req.id}/submit", json={}).status_code == 200

    error = error_of(upload(officer, req.id, pdf_bytes("late")), 409, "invalid_transition")
    assert error["state"] == "submitted"
    error_of(officer.delete(f"{API}/attachments/{att['id']}"), 409, "invalid_transition")
    assert listed(officer, req.id) == [att["id"]]

    returned = login_as("secretariat").post(f"{API}/requests/{req.id}/return", json={"reason": "请补充方案"})
    assert returned.status_code == 200, returned.get_json()
    again = uploaded(officer, req.id, pdf_bytes("补充"))
    assert listed(officer, req.id) == [att["id"], again["id"]]


def test_nothing_changes_after_withdrawal(login_as):
    req = factories.draft()
    officer = login_as("officer")
    att = uploaded(officer, req.id)
    assert officer.post(f"{API}/requests/{req.id}/withdraw", json={}).status_code == 200
    error_of(upload(officer, req.id, pdf_bytes("x")), 409, "invalid_transition")
    error_of(officer.delete(f"{API}/attachments/{att['id']}"), 409, "invalid_transition")


# --- removal and revisions ----------------------------------------------------------------------


def test_removal_hides_the_attachment_but_the_submitted_revision_keeps_it(db, login_as):
    req = factories.draft()
    officer, secretariat = login_as("officer"), login_as("secretariat")
    first = uploaded(officer, req.id, pdf_bytes("依据"), kind="legal_basis")
    second = uploaded(officer, req.id, docx_bytes(), filename="方案.docx")
    assert officer.post(f"{API}/requests/{req.id}/submit", json={}).status_code == 200
    assert (
        secretariat.post(f"{API}/requests/{req.id}/return", json={"reason": "方案需修改"}).status_code == 200
    )

    assert officer.delete(f"{API}/attachments/{second['id']}").status_code == 204
    assert listed(officer, req.id) == [first["id"]]
    error_of(officer.delete(f"{API}/attachments/{second['id']}"), 404, "not_found")  # already removed
    # what the office saw in revision 1 stays readable, to the office too
    assert statuses(secretariat, req.id, second["id"]) == READ_OK
    assert download(secretariat, second["id"]).get_data() == docx_bytes()

    third = uploaded(officer, req.id, docx_bytes(), filename="方案（修改稿）.docx")
    assert officer.post(f"{API}/requests/{req.id}/submit", json={}).status_code == 200
    snapshots = db.scalars(
        sa.select(RequestRevision.snapshot)
        .where(RequestRevision.request_id == req.id)
        .order_by(RequestRevision.number)
    ).all()
    assert [s["attachments"] for s in snapshots] == [
        [first["id"], second["id"]],
        [first["id"], third["id"]],
    ]
    revisions = officer.get(f"{API}/requests/{req.id}/revisions").get_json()["items"]
    assert revisions[0]["snapshot"]["attachments"] == [first["id"], second["id"]]
    assert db.get(Attachment, second["id"]).deleted_at is not None


def test_an_attachment_removed_before_any_submission_is_gone_for_everyone(login_as):
    req = factories.draft()
    officer = login_as("officer")
    att = uploaded(officer, req.id)
    assert officer.delete(f"{API}/attachments/{att['id']}").status_code == 204
    assert listed(officer, req.id) == []
    assert statuses(officer, req.id, att["id"]) == {"list": 200, "get": 404, "download": 404}
    assert officer.post(f"{API}/requests/{req.id}/submit", json={}).status_code == 200
    assert statuses(login_as("secretariat"), req.id, att["id"]) == {"list": 200, "get": 404, "download": 404}


def test_the_list_is_a_page_of_live_attachments(login_as):
    req = factories.draft()
    officer = login_as("officer")
    ids = [uploaded(officer, req.id, pdf_bytes(str(n)))["id"] for n in range(3)]
    page = officer.get(f"{API}/requests/{req.id}/attachments?per_page=2&page=2").get_json()
    assert (page["total"], page["page"], page["per_page"], page["pages"]) == (3, 2, 2, 2)
    assert [item["id"] for item in page["items"]] == ids[2:]
    assert set(page["items"][0]) == KEYS
