"""Operations on users and deputies."""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from flask_babel import gettext as _
from werkzeug.security import check_password_hash

from gatekeeper.core import audit, clock
from gatekeeper.core.auth import hash_password
from gatekeeper.core.errors import Conflict, ValidationFailed
from gatekeeper.core.sessions import end_user_sessions
from gatekeeper.extensions import db
from gatekeeper.modules.accounts.models import GATE_ROLES, VOTING_ROLES, Deputy, Role, SessionEnd, User
from gatekeeper.modules.jurisdictions.models import Department, Gate, Jurisdiction, Level


def _user_view(user: User) -> dict:
    return {
        "username": user.username,
        "name": user.name,
        "role": user.role.value,
        "department": user.department.code if user.department else None,
        "jurisdiction": user.jurisdiction.code if user.jurisdiction else None,
        "gate": user.gate.code if user.gate else None,
        "active": user.active,
    }


def create_user(
    *,
    username: str,
    name: str,
    role: Role,
    password: str | None = None,
    department: Department | None = None,
    jurisdiction: Jurisdiction | None = None,
    gate: Gate | None = None,
    actor=None,
) -> tuple[User, str]:
    """Create a user; returns the user and the password (generated when none is given)."""
    username = username.strip().lower()
    if db.session.scalar(sa.select(User.id).where(User.username == username)):
        raise Conflict(
            _("The user name %(name)s is taken.", name=username),
            code="username_taken",
            fields={"username": [_("already taken")]},
        )
    problems = {}
    if role == Role.OFFICER and department is None:
        problems["department"] = [_("a department officer needs a department")]
    if role in GATE_ROLES and gate is None:
        problems["gate"] = [_("committee roles need a gate")]
    if role == Role.COMMUNITY_HEAD and (jurisdiction is None or jurisdiction.level != Level.COMMUNITY):
        problems["jurisdiction"] = [_("a community head needs a community")]
    if role == Role.STREET_OFFICER and (jurisdiction is None or jurisdiction.level != Level.STREET):
        problems["jurisdiction"] = [_("a street officer needs a street")]
    if password is not None and len(password) < 8:
        problems["password"] = [_("at least 8 characters")]
    if problems:
        raise ValidationFailed(fields=problems)
    password = password or secrets.token_urlsafe(12)
    user = User(
        username=username,
        name=name,
        role=role,
        password_hash=hash_password(password),
        department=department,
        jurisdiction=jurisdiction,
        gate=gate,
        active=True,
        session_version=1,
        created_at=clock.now(),
    )
    db.session.add(user)
    audit.record("user.create", user, actor=actor, after=_user_view(user))
    return user, password


def set_password(user: User, password: str, *, actor) -> None:
    """A new password; every session and log-in cookie of the user ends (API tokens stay)."""
    if len(password) < 8:
        raise ValidationFailed(fields={"password": [_("at least 8 characters")]})
    user.password_hash = hash_password(password)
    user.session_version += 1
    audit.record("user.password", user, actor=actor)
    end_user_sessions(user, SessionEnd.PASSWORD, actor=actor)


def change_own_password(user: User, current: str, new: str, *, actor) -> None:
    """The user changes their own password: the current one must be right and the new one different."""
    if not check_password_hash(user.password_hash, current or ""):
        raise ValidationFailed(fields={"current_password": [_("this is not your current password")]})
    if new == current:
        raise ValidationFailed(
            fields={"new_password": [_("choose a password different from the current one")]}
        )
    set_password(user, new, actor=actor)


def set_active(user: User, active: bool, *, actor) -> User:
    """Enable or disable a user. A disabled user's sessions end at once and their tokens stop working."""
    if actor is not None and user.id == actor.id and not active:
        raise ValidationFailed(fields={"active": [_("you cannot disable yourself")]})
    if user.active == active:
        return user
    user.active = active
    user.session_version += 1
    audit.record("user.enable" if active else "user.disable", user, actor=actor, after={"active": active})
    if not active:
        end_user_sessions(user, SessionEnd.DISABLED, actor=actor)
    return user


#: Roles whose holders may act for a member: committee colleagues, or the member's department staff.
DEPUTY_ROLES = (Role.MEMBER, Role.CHAIR, Role.OFFICER, Role.SECRETARIAT)


def may_deputise(principal: User, deputy: User) -> bool:
    """A deputy sits on the principal's committee, or works in the principal's department.

    Never the admin, a community head or a street officer: nobody takes committee seats from outside.
    """
    if deputy.role not in DEPUTY_ROLES or not deputy.active or deputy.id == principal.id:
        return False
    same_committee = deputy.role in VOTING_ROLES and deputy.gate_id == principal.gate_id
    same_department = deputy.department_id is not None and deputy.department_id == principal.department_id
    return same_committee or same_department


def name_deputy(principal: User, deputy: User, starts_on, ends_on, reason: str, *, actor) -> Deputy:
    """Let ``deputy`` act for ``principal`` (a member or the chair) between two dates.

    A deputy acts for one principal at a time, so nobody gathers seats and approves alone.
    """
    problems = {}
    if principal.role not in VOTING_ROLES:
        problems["principal"] = [_("only members and the chair name deputies")]
    if deputy.id == principal.id:
        problems["deputy"] = [_("a deputy must be someone else")]
    elif not deputy.active:
        problems["deputy"] = [_("this user is disabled")]
    elif not may_deputise(principal, deputy):
        problems["deputy"] = [_("a deputy must sit on the same committee or work in the same department")]
    if ends_on < starts_on:
        problems["ends_on"] = [_("ends before it starts")]
    if not problems:
        overlapping = db.session.scalar(
            sa.select(Deputy.id)
            .where(
                Deputy.deputy_id == deputy.id,
                Deputy.principal_id != principal.id,
                Deputy.starts_on <= ends_on,
                Deputy.ends_on >= starts_on,
            )
            .limit(1)
        )
        if overlapping:
            problems["deputy"] = [_("already acts for another member in these dates")]
    if problems:
        raise ValidationFailed(fields=problems)
    row = Deputy(
        principal=principal,
        deputy=deputy,
        starts_on=starts_on,
        ends_on=ends_on,
        reason=reason,
        created_at=clock.now(),
    )
    db.session.add(row)
    audit.record(
        "deputy.name",
        row,
        actor=actor,
        after={
            "principal": principal.username,
            "deputy": deputy.username,
            "starts_on": starts_on,
            "ends_on": ends_on,
            "reason": reason,
        },
    )
    return row


def principals_of(deputy: User, on=None) -> list[User]:
    """The members and chairs ``deputy`` acts for on the given day (default today)."""
    if deputy.role not in DEPUTY_ROLES:
        return []
    day = on or clock.today()
    principals = db.session.scalars(
        sa.select(User)
        .join(Deputy, Deputy.principal_id == User.id)
        .where(Deputy.deputy_id == deputy.id, Deputy.starts_on <= day, Deputy.ends_on >= day, User.active)
        .order_by(User.id)
    )
    return [principal for principal in principals if may_deputise(principal, deputy)]
