"""In-app notifications: who is told of each event (and who is not), the wording in both languages,
unread counts, marking read, privacy, the bulk path of authorisations, the list's query count."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pytest
import sqlalchemy as sa

from gatekeeper.core import clock
from gatekeeper.extensions import db as extension_db
from gatekeeper.modules.accounts.models import Role, User
from gatekeeper.modules.accounts.operations import name_deputy
from gatekeeper.modules.authorisations.models import Authorisation
from gatekeeper.modules.committee import operations as committee_ops
from gatekeeper.modules.committee.models import DecisionOutcome
from gatekeeper.modules.jurisdictions.models import Department, Gate, Jurisdiction, Level
from gatekeeper.modules.notifications import operations as ops
from gatekeeper.modules.notifications.models import Notification, NotificationKind
from gatekeeper.modules.requests import operations as request_ops
from tests import factories
from tests.factories import TODAY, user
from tests.support import count_statements

API = "/api/v1/notifications"
#: The non-recused seats of a 区卫健委 request (member1 works for 区卫健委).
VOTERS = ["chair", "member2", "member3", "member4", "member5"]
ITEM_FIELDS = {
    "id",
    "kind",
    "message",
    "request_id",
    "report_id",
    "authorisation",
    "created_at",
    "read_at",
    "link",
}


@pytest.fixture(autouse=True)
def today():
    with clock.frozen(TODAY):
        yield


def add_user(
    username: str, role: Role, *, department=None, gate=None, jurisdiction=None, active=True
) -> User:
    """A user attached by codes, committed."""
    session = extension_db.session
    new = User(
        username=username,
        name=f"测试{username}",
        role=role,
        password_hash="x",
        department=session.scalar(sa.select(Department).where(Department.code == department))
        if department
        else None,
        gate=session.scalar(sa.select(Gate).where(Gate.code == gate)) if gate else None,
        jurisdiction=session.scalar(sa.select(Jurisdiction).where(Jurisdiction.code == jurisdiction))
        if jurisdiction
        else None,
        active=active,
        created_at=clock.now(),
    )
    session.add(new)
    session.commit()
    return new


def told(*, request=None, authorisation=None) -> dict[str, list[str]]:
    """Who received which kind about a request (or an authorisation): ``{kind: [usernames]}``."""
    stmt = sa.select(Notification.kind, User.username).join(User, User.id == Notification.user_id)
    if request is not None:
        stmt = stmt.where(Notification.request_id == request.id)
    if authorisation is not None:
        stmt = stmt.where(Notification.authorisation_id == authorisation.id)
    found: dict[str, list[str]] = defaultdict(list)
    for kind, username in extension_db.session.execute(stmt.order_by(Notification.id)):
        found[NotificationKind(kind).value].append(username)
    return {kind: sorted(names) for kind, names in found.items()}


def last_of(username: str, kind: NotificationKind) -> Notification:
    return extension_db.session.scalar(
        sa.select(Notification)
        .join(User, User.id == Notification.user_id)
        .where(User.username == username, Notification.kind == kind)
        .order_by(Notification.id.desc())
        .limit(1)
    )


def authorisation_of(req) -> Authorisation:
    return extension_db.session.scalar(sa.select(Authorisation).where(Authorisation.request_id == req.id))


# --- who is told of what ------------------------------------------------------------------------


def test_submit_tells_the_gate_office_only(db):
    req = factories.submitted()
    assert told(request=req) == {"to_accept": ["secretariat"]}
    notification = last_of("secretariat", NotificationKind.TO_ACCEPT)
    assert notification.params["title"] == req.title
    assert notification.params["department"] == req.department.name
    assert notification.params["revision"] == 1 and notification.read_at is None


def test_a_blocked_submission_tells_nobody(db):
    req = factories.draft(demands={"veto": True, "responsibility_letter": True})
    req, run, _comparison = request_ops.submit_request(req, actor=user("officer"))
    assert run.outcome.value == "blocked"
    assert told(request=req) == {}


def test_only_active_users_are_told(db):
    add_user("office2", Role.SECRETARIAT, department="MZJ", gate="LJ")
    add_user("office3", Role.SECRETARIAT, department="MZJ", gate="LJ", active=False)
    req = factories.submitted()
    assert told(request=req) == {"to_accept": ["office2", "secretariat"]}


def test_accept_tells_the_voters_and_the_department(db):
    add_user("wjw.officer2", Role.OFFICER, department="WJW")
    req = factories.in_review()
    assert told(request=req) == {
        "to_accept": ["secretariat"],
        "to_vote": VOTERS,  # not member1 (区卫健委, recused), not the office that accepted
        "request_changed": ["officer", "wjw.officer2"],  # not mzj.officer or any other department
    }
    changed = last_of("officer", NotificationKind.REQUEST_CHANGED)
    assert changed.params["action"] == "accept" and changed.params["state"] == "in_review"
    assert changed.params["due"] == req.due_date.isoformat()
    assert changed.params["actor"] == user("secretariat").name
    assert last_of("member2", NotificationKind.TO_VOTE).params["round"] == 1


def test_a_chair_of_the_filing_department_is_neither_asked_to_vote_nor_to_decide(db):
    add_user("chair2", Role.CHAIR, department="WJW", gate="LJ")
    req = factories.voted(factories.in_review())
    recipients = told(request=req)
    assert "chair2" not in recipients["to_vote"] and "member1" not in recipients["to_vote"]
    assert recipients["to_decide"] == ["chair"]


def test_the_chair_is_told_to_decide_once_the_quorum_is_met(db):
    req = factories.in_review()
    factories.voted(req, {"member2": "approve", "member3": "reject"})
    assert "to_decide" not in told(request=req)  # 2 of 5: no quorum yet
    factories.voted(req, {"member4": "approve"})
    assert told(request=req)["to_decide"] == ["chair"]
    decide = last_of("chair", NotificationKind.TO_DECIDE)
    assert decide.params["round"] == 1
    assert (decide.params["approve"], decide.params["reject"], decide.params["voted"]) == (2, 1, 3)
    factories.voted(req, {"member5": "abstain"})
    assert told(request=req)["to_decide"] == ["chair"]  # no duplicate while it is unread


def test_to_decide_comes_again_once_read_and_in_a_new_round(db):
    req = factories.voted(
        factories.in_review(), {"member2": "approve", "member3": "approve", "member4": "reject"}
    )
    ops.mark_read(last_of("chair", NotificationKind.TO_DECIDE), user=user("chair"))
    factories.voted(req, {"member5": "approve"})
    assert told(request=req)["to_decide"] == ["chair", "chair"]  # the first one had been read
    # Round 2: returned at decision, resubmitted, accepted: an unread one of round 1 does not hold it back.
    committee_ops.decide(req, DecisionOutcome.RETURN, reason="请补充经费来源", actor=user("chair"))
    request_ops.submit_request(req, actor=user("officer"))
    request_ops.accept_request(req, actor=user("secretariat"))
    factories.voted(req)
    rounds = sorted(
        n.params["round"]
        for n in db.scalars(
            sa.select(Notification).where(
                Notification.request_id == req.id, Notification.kind == NotificationKind.TO_DECIDE
            )
        )
    )
    assert rounds == [1, 1, 2]


def test_the_chair_voting_is_not_told_of_their_own_vote(db):
    req = factories.voted(
        factories.in_review(), {"member2": "approve", "member3": "approve", "chair": "approve"}
    )
    assert "to_decide" not in told(request=req)


def test_a_chair_who_declared_a_conflict_is_not_asked_to_decide(db):
    req = factories.in_review()
    committee_ops.declare_recusal(req, "本人曾参与方案起草", actor=user("chair"))
    factories.voted(req)
    assert "to_decide" not in told(request=req)


def test_return_by_the_office_tells_the_department_with_the_reason(db):
    req = factories.submitted()
    request_ops.return_request(req, "请补充法律依据", actor=user("secretariat"))
    assert told(request=req) == {"to_accept": ["secretariat"], "request_changed": ["officer"]}
    changed = last_of("officer", NotificationKind.REQUEST_CHANGED)
    assert changed.params["action"] == "return" and changed.params["state"] == "returned"
    assert changed.params["reason"] == "请补充法律依据"
    assert changed.params["actor"] == user("secretariat").name and "acting_for" not in changed.params


def test_withdrawing_a_draft_tells_the_other_officers_only(db):
    add_user("wjw.officer2", Role.OFFICER, department="WJW")
    req = factories.draft()
    request_ops.withdraw_request(req, actor=user("officer"), reason="方案调整")
    assert told(request=req) == {"request_changed": ["wjw.officer2"]}  # not the officer who withdrew


def test_withdrawing_a_submitted_request_tells_the_office_too(db):
    req = factories.submitted()
    request_ops.withdraw_request(req, actor=user("officer"))
    assert told(request=req) == {"to_accept": ["secretariat"], "request_changed": ["secretariat"]}
    assert last_of("secretariat", NotificationKind.REQUEST_CHANGED).params["state"] == "withdrawn"


def test_approval_tells_the_department_the_number_and_the_communities(db):
    req = factories.approved()
    authorisation = authorisation_of(req)
    recipients = told(request=req)
    assert recipients["request_changed"] == ["officer", "officer"]  # accepted, then approved
    changed = last_of("officer", NotificationKind.REQUEST_CHANGED)
    assert changed.params["state"] == "approved" and changed.params["number"] == authorisation.number
    assert changed.authorisation_id == authorisation.id
    # Street LJ01: the demo head of 滨江社区 (LJ0101) and the officer of 滨江街道; not the chair who acted.
    assert told(authorisation=authorisation) == {
        "authorised_here": ["head", "street"],
        "request_changed": ["officer"],
    }
    here = last_of("head", NotificationKind.AUTHORISED_HERE)
    assert here.request_id is None
    assert here.params["number"] == authorisation.number and here.params["department"] == req.department.name


def test_a_scope_elsewhere_tells_other_communities(db):
    req = factories.approved(scope={"type": "streets", "codes": ["LJ02"]})
    assert told(authorisation=authorisation_of(req)) == {"request_changed": ["officer"]}


def test_rejection_tells_the_department_the_reason(db):
    req = factories.voted(
        factories.in_review(), {"member2": "reject", "member3": "reject", "member4": "approve"}
    )
    factories.decided(req, "reject", reason="与现有台账重复")
    changed = last_of("officer", NotificationKind.REQUEST_CHANGED)
    assert changed.params["state"] == "rejected" and changed.params["reason"] == "与现有台账重复"
    assert changed.params["outcome"] == "reject" and "number" not in changed.params
    assert told(request=req)["request_changed"] == ["officer", "officer"]


def test_referral_goes_to_the_office_to_rule_and_the_ruling_to_the_department(db):
    req = factories.referred()
    recipients = told(request=req)
    assert recipients["to_rule"] == ["secretariat"]
    changed = last_of("officer", NotificationKind.REQUEST_CHANGED)
    assert changed.params["state"] == "referred" and changed.params["body"] == req.gate.escalation_body_name
    factories.ruled(req)
    ruling = last_of("officer", NotificationKind.REQUEST_CHANGED)
    assert ruling.params["action"] == "ruling" and ruling.params["state"] == "approved"
    assert ruling.params["number"] == authorisation_of(req).number
    assert ruling.params["reference"] == "区政府常务会议纪要〔2026〕12号"
    assert told(authorisation=authorisation_of(req))["authorised_here"] == ["head", "street"]
    assert told(request=req)["to_rule"] == ["secretariat"]  # the ruling is recorded by the office


def test_a_rejecting_ruling(db):
    req = factories.ruled(factories.referred(), "reject", reason="不属于社区职责")
    changed = last_of("officer", NotificationKind.REQUEST_CHANGED)
    assert changed.params["state"] == "rejected" and changed.params["reason"] == "不属于社区职责"
    assert authorisation_of(req) is None


def test_no_other_department_is_ever_told_about_a_request(db):
    req = factories.approved()
    request_users = set(
        db.scalars(
            sa.select(User.username)
            .join(Notification, Notification.user_id == User.id)
            .where(Notification.request_id == req.id)
        )
    )
    assert request_users == {"officer", "secretariat", "chair", *VOTERS}
    assert not {"member1", "mzj.officer", "head", "street", "admin"} & request_users


# --- words --------------------------------------------------------------------------------------


def test_messages_are_chinese_by_default_and_english_on_request(db, login_as):
    req = factories.approved()
    number = authorisation_of(req).number
    officer = login_as("officer")
    zh = officer.get(API).get_json()["items"]
    assert zh[0]["kind"] == "request_changed"
    assert "委员会已批准" in zh[0]["message"] and number in zh[0]["message"] and req.title in zh[0]["message"]
    assert "受理" in zh[1]["message"] and "2026年" in zh[1]["message"]
    en = officer.get(f"{API}?lang=en").get_json()["items"]
    assert en[0]["message"].startswith("The committee approved your request") and number in en[0]["message"]
    assert "accepted your request" in en[1]["message"] and "2026" in en[1]["message"]


@pytest.mark.parametrize(
    ("username", "kind", "zh", "en"),
    [
        ("secretariat", "to_accept", "待受理", "awaits acceptance"),
        ("member2", "to_vote", "投票", "Cast your vote"),
        ("chair", "to_decide", "待您决定", "awaits your decision"),
        ("head", "authorised_here", "适用于本辖区", "now applies in your area"),
        ("street", "authorised_here", "适用于本辖区", "now applies in your area"),
    ],
)
def test_each_kind_has_words_in_both_languages(db, login_as, username, kind, zh, en):
    factories.approved()
    api = login_as(username)
    assert zh in api.get(f"{API}?kind={kind}").get_json()["items"][0]["message"]
    assert en in api.get(f"{API}?kind={kind}&lang=en").get_json()["items"][0]["message"]


def test_words_of_the_other_events(db, login_as):
    name_deputy(
        user("chair"), user("member2"), TODAY, TODAY + dt.timedelta(days=5), "休假", actor=user("chair")
    )
    req = factories.voted(factories.in_review())
    committee_ops.decide(req, DecisionOutcome.RETURN, reason="请明确经费来源", actor=user("member2"))
    db.commit()
    officer = login_as("officer")
    zh = officer.get(API).get_json()["items"][0]["message"]
    assert "退回" in zh and "请明确经费来源" in zh and "代吴建国(主任)" in zh
    en = officer.get(f"{API}?lang=en").get_json()["items"][0]["message"]
    assert "returned your request" in en and "(acting for 吴建国(主任))" in en

    referred = factories.referred(title="协助开展电动自行车入户充电安全排查（二）")
    office = login_as("secretariat")
    to_rule = office.get(f"{API}?kind=to_rule").get_json()["items"][0]["message"]
    assert req.gate.escalation_body_name in to_rule and "裁定" in to_rule
    request_ops.withdraw_request(referred, actor=user("officer"), reason="方案调整")
    db.commit()
    withdrawn = office.get(f"{API}?kind=request_changed&lang=en").get_json()["items"][0]["message"]
    assert "withdrew the request" in withdrawn and "方案调整" in withdrawn


def test_a_message_survives_missing_parameters(db, login_as):
    ops.notify([user("officer")], NotificationKind.REQUEST_CHANGED, params={})
    db.commit()
    item = login_as("officer").get(f"{API}?lang=en").get_json()["items"][0]
    assert item["message"] == "Your request “” is now ."


# --- the API --------------------------------------------------------------------------------------


def test_list_shape_and_links(db, login_as):
    req = factories.approved()
    number = authorisation_of(req).number
    officer = login_as("officer")
    body = officer.get(API).get_json()
    assert body["total"] == 2 and body["page"] == 1
    item = body["items"][0]
    assert set(item) == ITEM_FIELDS
    assert item["request_id"] == req.id and item["authorisation"] == number and item["read_at"] is None
    assert item["link"] == f"/api/v1/requests/{req.id}"
    assert officer.get(item["link"]).status_code == 200

    head = login_as("head")
    here = head.get(API).get_json()["items"][0]
    assert here["kind"] == "authorised_here" and here["request_id"] is None
    assert here["authorisation"] == number and here["link"] == f"/api/v1/authorisations/{number}"
    assert head.get(here["link"]).status_code == 200  # the head may read what the link names


def test_list_filters(db, login_as):
    factories.voted(factories.in_review())  # in review with the quorum met: to vote, and to decide
    chair = login_as("chair")
    assert chair.get(API).get_json()["total"] == 2  # to_vote, to_decide
    assert [i["kind"] for i in chair.get(f"{API}?kind=to_vote").get_json()["items"]] == ["to_vote"]
    first = chair.get(f"{API}?kind=to_decide").get_json()["items"][0]
    chair.post(f"{API}/{first['id']}/read", json={})
    assert [i["kind"] for i in chair.get(f"{API}?unread=true").get_json()["items"]] == ["to_vote"]
    assert [i["kind"] for i in chair.get(f"{API}?unread=false").get_json()["items"]] == ["to_decide"]
    assert chair.get(f"{API}?kind=nonsense").status_code == 422


def test_unread_counts_read_and_read_all(db, login_as):
    factories.submitted()
    factories.submitted(title="协助开展传染病防控和健康教育（二）")
    office = login_as("secretariat")
    counts = office.get(f"{API}/unread-count").get_json()
    assert counts["unread"] == 2 and counts["by_kind"]["to_accept"] == 2
    assert set(counts["by_kind"]) == {k.value for k in NotificationKind}
    assert counts["by_kind"]["to_vote"] == 0

    first = office.get(API).get_json()["items"][0]
    read = office.post(f"{API}/{first['id']}/read", json={})
    assert read.status_code == 200 and read.get_json()["read_at"] is not None
    assert read.get_json()["id"] == first["id"] and read.get_json()["message"] == first["message"]
    assert office.get(f"{API}/unread-count").get_json()["unread"] == 1
    again = office.post(f"{API}/{first['id']}/read", json={}).get_json()
    assert again["read_at"] == read.get_json()["read_at"]  # the first reading time is kept

    assert office.post(f"{API}/read-all", json={}).get_json() == {"marked": 1}
    assert office.post(f"{API}/read-all", json={}).get_json() == {"marked": 0}
    assert office.get(f"{API}/unread-count").get_json() == {
        "unread": 0,
        "by_kind": {k.value: 0 for k in NotificationKind},
    }


def test_unread_counts_are_one_query(db, world):
    factories.submitted()
    secretariat = world.user("secretariat")
    assert secretariat.id  # loaded before counting
    statements = count_statements(lambda: ops.unread_counts(secretariat))
    assert len(statements) == 1 and "GROUP BY" in statements[0]


def test_nobody_sees_or_marks_anothers_notifications(db, login_as):
    factories.submitted()
    mine = login_as("secretariat").get(API).get_json()["items"][0]
    officer = login_as("officer")
    assert officer.get(API).get_json()["total"] == 0
    refused = officer.post(f"{API}/{mine['id']}/read", json={})
    assert refused.status_code == 404 and refused.get_json()["error"]["code"] == "not_found"
    assert officer.post(f"{API}/999999/read", json={}).status_code == 404
    assert officer.post(f"{API}/read-all", json={}).get_json() == {"marked": 0}
    assert login_as("secretariat").get(f"{API}/unread-count").get_json()["unread"] == 1


def test_the_api_needs_a_log_in(client):
    for method, url in (("GET", API), ("GET", f"{API}/unread-count"), ("POST", f"{API}/read-all")):
        response = client.open(url, method=method, json=None if method == "GET" else {})
        assert response.status_code == 401


def test_the_list_uses_a_constant_number_of_queries(db, login_as):
    req = factories.approved()
    authorisation = authorisation_of(req)
    officer = user("officer")
    for n in range(30):
        ops.notify([officer], NotificationKind.REQUEST_CHANGED, request=req, params={"title": f"t{n}"})
        ops.notify([officer], NotificationKind.AUTHORISED_HERE, authorisation=authorisation, params={})
    db.commit()
    api = login_as("officer")
    counts = []
    for per_page in (2, 60):
        url = f"{API}?per_page={per_page}"
        answers = []
        statements = count_statements(lambda: answers.append(api.get(url)))  # noqa: B023 (run at once)
        assert len(answers[0].get_json()["items"]) == per_page
        counts.append(len(statements))
    assert counts[0] == counts[1], counts
    assert counts[0] <= 6


# --- the bulk path ---------------------------------------------------------------------------------


def test_an_authorisation_over_the_whole_district_is_one_insert(db, world):
    communities = db.scalars(
        sa.select(Jurisdiction).where(Jurisdiction.level == Level.COMMUNITY).order_by(Jurisdiction.code)
    ).all()
    streets = db.scalars(sa.select(Jurisdiction).where(Jurisdiction.level == Level.STREET)).all()
    # A head for every other community and an officer for every street, besides the demo ones.
    for community in communities[1:]:
        add_user(f"head.{community.code.lower()}", Role.COMMUNITY_HEAD, jurisdiction=community.code)
    for street in streets:
        if street.code != "LJ01":
            add_user(f"street.{street.code.lower()}", Role.STREET_OFFICER, jurisdiction=street.code)
    add_user("head.gone", Role.COMMUNITY_HEAD, jurisdiction=communities[0].code, active=False)
    req = factories.voted(factories.in_review(scope={"type": "all", "codes": []}))

    inserts = [
        s
        for s in count_statements(lambda: factories.decided(req))
        if s.lstrip().upper().startswith("INSERT INTO NOTIFICATIONS")
    ]
    assert len(inserts) == 2  # the communities' notifications, and the department's

    authorisation = authorisation_of(req)
    assert authorisation.community_count == len(communities)
    here = told(authorisation=authorisation)["authorised_here"]
    assert "head" in here and "street" in here and "head.gone" not in here
    assert len(here) == len(communities) + len(streets)

    again = count_statements(lambda: ops.authorisation_issued(authorisation, actor=None))
    assert len(again) == 2  # one query for the recipients, one INSERT for them all
    assert again[1].lstrip().upper().startswith("INSERT INTO NOTIFICATIONS")


def test_notify_leaves_out_the_actor_and_duplicates(db):
    officer, chair = user("officer"), user("chair")
    assert ops.notify([officer, chair.id, officer], NotificationKind.TO_ACCEPT, actor=chair) == 1
    assert ops.notify([chair], NotificationKind.TO_ACCEPT, actor=chair) == 0
    assert db.scalar(sa.select(sa.func.count()).select_from(Notification)) == 1


def test_marking_read_is_only_for_the_recipient(db):
    from gatekeeper.core.errors import NotFound

    ops.notify([user("officer")], NotificationKind.TO_ACCEPT)
    notification = last_of("officer", NotificationKind.TO_ACCEPT)
    with pytest.raises(NotFound):
        ops.mark_read(notification, user=user("secretariat"))
    assert ops.mark_read(notification, user=user("officer")).read_at == clock.now()
    assert ops.mark_all_read(user("officer")) == 0
