"""Who may file, read and handle reports (举报), and compose notices (督查通报).

| action                   | who                                                                      |
|--------------------------|--------------------------------------------------------------------------|
| file a report            | community heads, for their own community; anyone through the public page |
| list reports             | community heads (their community's), officers (their department's),     |
|                          | street officers (their street's communities', read only), the gate's     |
|                          | office (the gate's: its supervision queue), admin (all)                  |
| see one report           | the same: head of its community, officer of its department, officer of   |
|                          | its community's street, its office                                       |
| see who filed it         | the office of its gate and admin; the head of its community for a report |
|                          | filed by a head (never the contact of a public report); never a          |
|                          | department, never a street officer                                       |
| see its evidence files   | everyone who sees it but the department and the street (a photo may show |
|                          | who took it)                                                             |
| a step of the review     | the office of its gate (the secretariat)                                 |
| answer (rectification)   | officers of the department named                                         |
| compose, publish notices | the office of a gate, for its gate                                       |
| read a published notice  | anyone, no login                                                         |

Committee members and the chair do not handle reports (the office does, DESIGN §2).
"""

from __future__ import annotations

import sqlalchemy as sa

from gatekeeper.modules.accounts.models import Role, User
from gatekeeper.modules.accounts.permissions import is_admin, is_officer_of, is_secretariat_of
from gatekeeper.modules.jurisdictions.models import Jurisdiction
from gatekeeper.modules.supervision.models import Notice, NoticeState, Report, ReportSource


def can_file_report(user: User) -> bool:
    return user.role == Role.COMMUNITY_HEAD and user.jurisdiction_id is not None


def _officer(user: User) -> bool:
    return user.role == Role.OFFICER and user.department_id is not None


def _office(user: User) -> bool:
    return user.role == Role.SECRETARIAT and user.gate_id is not None


def _street(user: User) -> bool:
    return user.role == Role.STREET_OFFICER and user.jurisdiction_id is not None


def can_list_reports(user: User) -> bool:
    return is_admin(user) or can_file_report(user) or _office(user) or _officer(user) or _street(user)


def visible_reports(user: User) -> sa.ColumnElement[bool]:
    """The reports ``user`` may see, as a WHERE clause over ``Report``."""
    if is_admin(user):
        return sa.true()
    if can_file_report(user):
        return Report.community_id == user.jurisdiction_id
    if _office(user):
        return Report.gate_id == user.gate_id
    if _officer(user):
        return Report.department_id == user.department_id
    if _street(user):
        return Report.community_id.in_(
            sa.select(Jurisdiction.id).where(Jurisdiction.parent_id == user.jurisdiction_id)
        )
    return sa.false()


def can_see_report(user: User, report: Report) -> bool:
    if is_admin(user):
        return True
    if user.role == Role.COMMUNITY_HEAD:
        return user.jurisdiction_id == report.community_id
    if user.role == Role.OFFICER:
        return report.department_id is not None and is_officer_of(user, report.department_id)
    if user.role == Role.STREET_OFFICER:
        return _street(user) and report.community.parent_id == user.jurisdiction_id
    return is_secretariat_of(user, report.gate_id)


def is_department_view(user, report: Report) -> bool:
    """Whether ``user`` reads ``report`` from outside the review, as the department named or the
    street (and so never learns who filed it nor who took the steps)."""
    return (
        user is not None
        and getattr(user, "is_authenticated", False)
        and user.role in (Role.OFFICER, Role.STREET_OFFICER)
        and not is_admin(user)
    )


def can_see_reporter(user, report: Report) -> bool:
    """Who filed it: the office and the admin; a head for a head's report; never the department."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if is_admin(user) or is_secretariat_of(user, report.gate_id):
        return True
    return (
        user.role == Role.COMMUNITY_HEAD
        and report.source == ReportSource.COMMUNITY
        and user.jurisdiction_id == report.community_id
    )


def can_see_contact(user, report: Report) -> bool:
    """A public reporter's contact: the office of the gate and the admin only."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return is_admin(user) or is_secretariat_of(user, report.gate_id)


def can_see_report_files(user: User, report: Report) -> bool:
    return can_see_report(user, report) and not is_department_view(user, report)


def can_advance_report(user: User, report: Report) -> bool:
    return is_secretariat_of(user, report.gate_id)


def can_respond_report(user: User, report: Report) -> bool:
    return (
        user.role == Role.OFFICER
        and report.department_id is not None
        and is_officer_of(user, report.department_id)
    )


# --- notices -------------------------------------------------------------------------------------


def can_compose_notice(user: User) -> bool:
    return _office(user)


def can_edit_notice(user: User, notice: Notice) -> bool:
    return is_secretariat_of(user, notice.gate_id)


def can_see_notice(user, notice: Notice) -> bool:
    """A published notice: anyone; a draft: the office of its gate and the admin."""
    if notice.state == NoticeState.PUBLISHED:
        return True
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return is_admin(user) or is_secretariat_of(user, notice.gate_id)


def visible_notices(user) -> sa.ColumnElement[bool]:
    """Published notices for everyone; drafts too for the office of their gate and the admin."""
    published = Notice.state == NoticeState.PUBLISHED
    if user is None or not getattr(user, "is_authenticated", False):
        return published
    if is_admin(user):
        return sa.true()
    if _office(user):
        return sa.or_(published, Notice.gate_id == user.gate_id)
    return published
