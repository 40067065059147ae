"""Operations on users and deputies."""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from flask_babel import gettext as _
from werkzeug.security import check_password_hash

from gatekeeper.core import audit, clock
from gatekeeper.core.auth import hash_password
from gatekeeper.core.db import contains
from gatekeeper.core.errors import Conflict, NotFound, ValidationFailed
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


#: What each role is attached to; the first names are required (see ``attachment_problems``), a
#: committee seat may also name the department the member sits for (hence recusal).
ROLE_ATTACHMENTS: dict[Role, tuple[str, ...]] = {
    Role.OFFICER: ("department",),
    Role.SECRETARIAT: ("gate", "department"),
    Role.MEMBER: ("gate", "department"),
    Role.CHAIR: ("gate", "department"),
    Role.COMMUNITY_HEAD: ("jurisdiction",),
    Role.STREET_OFFICER: ("jurisdiction",),
    Role.ADMIN: (),
}
ATTACHMENTS = {"department": Department, "jurisdiction": Jurisdiction, "gate": Gate}


def attachment_problems(
    role: Role, department: Department | None, jurisdiction: Jurisdiction | None, gate: Gate | None
) -> dict[str, list[str]]:
    """What a user of ``role`` lacks: a department for an officer, a gate for the committee and its
    office, a community for a community head, a street for a street officer."""
    problems: dict[str, list[str]] = {}
    if role == Role.OFFICER and department is None:
        problems["department"] = [_("a department officer needs a department")]
    if role in GATE_ROLES and gate is None:
        problems["gate"] = [_("committee roles need a gate")]
    if role == Role.COMMUNITY_HEAD and (jurisdiction is None or jurisdiction.level != Level.COMMUNITY):
        problems["jurisdiction"] = [_("a community head needs a community")]
    if role == Role.STREET_OFFICER and (jurisdiction is None or jurisdiction.level != Level.STREET):
        problems["jurisdiction"] = [_("a street officer needs a street")]
    return problems


def resolve_attachments(data: dict) -> dict:
    """The department, jurisdiction and gate named by code in ``data`` (only the keys present; ``None``
    stays ``None``); an unknown code is a problem of its field."""
    found: dict = {}
    problems: dict[str, list[str]] = {}
    for key, model in ATTACHMENTS.items():
        if key not in data:
            continue
        code = data[key]
        if code is None or not str(code).strip():
            found[key] = None
            continue
        row = db.session.scalar(sa.select(model).where(model.code == str(code).strip()))
        if row is None:
            problems[key] = [_("unknown code %(code)s", code=code)]
        found[key] = row
    if problems:
        raise ValidationFailed(fields=problems)
    return found


def for_role(role: Role, attachments: dict) -> dict:
    """Only the attachments ``role`` uses (a community head keeps no department, an admin nothing)."""
    return {key: (attachments.get(key) if key in ROLE_ATTACHMENTS[role] else None) for key in ATTACHMENTS}


def get_user(username: str) -> User:
    """The user with this name (404 otherwise)."""
    found = db.session.scalar(sa.select(User).where(User.username == (username or "").strip().lower()))
    if found is None:
        raise NotFound(_("No user %(name)s.", name=username))
    return found


def users_query(
    *,
    role: Role | None = None,
    active: bool | None = None,
    department: str | None = None,
    q: str | None = None,
) -> sa.Select:
    """Users, optionally of a role, active or not, of a department (code), or whose user name or name
    contains ``q``."""
    stmt = sa.select(User)
    if role is not None:
        stmt = stmt.where(User.role == role)
    if active is not None:
        stmt = stmt.where(User.active == active)
    if department:
        stmt = stmt.where(
            User.department_id.in_(sa.select(Department.id).where(Department.code == department))
        )
    if q and q.strip():
        stmt = stmt.where(contains(q.strip(), User.username, User.name))
    return stmt


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
    problems = attachment_problems(role, department, jurisdiction, gate)
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


def add_user(data: dict, *, actor) -> tuple[User, str]:
    """Create a user from a form or API body (attachments by code; those the role does not use are
    left out); returns the user and the password (generated when none was given)."""
    named = {key: data.get(key) for key in ROLE_ATTACHMENTS[data["role"]]}
    attachments = for_role(data["role"], resolve_attachments(named))
    return create_user(
        username=data["username"],
        name=data["name"],
        role=data["role"],
        password=data.get("password"),
        actor=actor,
        **attachments,
    )


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


def update_user(user: User, data: dict, *, actor) -> User:
    """Change a user's name, role and attachments (``department``, ``jurisdiction``, ``gate`` by code;
    a key left out keeps its value, ``None`` clears it), with the rules of creation.

    Attachments the new role does not use are dropped. When the role or an attachment changes, what
    the user may do changes: their session version moves and every session of theirs ends.
    """
    before = _user_view(user)
    role = data.get("role", user.role)
    found = resolve_attachments({key: data[key] for key in ROLE_ATTACHMENTS[role] if key in data})
    current = {"department": user.department, "jurisdiction": user.jurisdiction, "gate": user.gate}
    attachments = for_role(role, {**current, **found})
    problems = attachment_problems(role, **attachments)
    if actor is not None and user.id == actor.id and role != user.role:
        problems["role"] = [_("you cannot change your own role")]
    name = data.get("name", user.name).strip()
    if not name:
        problems["name"] = [_("a name is needed")]
    if problems:
        raise ValidationFailed(fields=problems)
    rights = (role, *(getattr(row, "id", None) for row in attachments.values()))
    rights_before = (user.role, user.department_id, user.jurisdiction_id, user.gate_id)
    user.name = name
    user.role = role
    user.department, user.jurisdiction, user.gate = (
        attachments["department"],
        attachments["jurisdiction"],
        attachments["gate"],
    )
    after = _user_view(user)
    if after == before:
        return user
    ended = 0
    if rights != rights_before:
        user.session_version += 1
        # No SessionEnd of its own (it would need a migration): the session ends as if expired.
        ended = end_user_sessions(user, SessionEnd.EXPIRED, actor=actor)
    audit.record("user.update", user, actor=actor, before=before, after={**after, "sessions_ended": ended})
    return user


def reset_password(user: User, password: str | None = None, *, actor) -> str:
    """The admin sets a new password (generated when none is given, then shown once); every session of
    the user ends. Returns the password."""
    password = password or secrets.token_urlsafe(12)
    set_password(user, password, actor=actor)
    return password


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
