"""The administrator's pages of users: the list, a new user, a user (edit, disable, enable), a new
password. A generated password is shown once, in the answer to the form that made it (never put in
the session cookie or a later page)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import render_template, request
from flask_babel import gettext as _

from gatekeeper.core import clock
from gatekeeper.core.permissions import permission, user
from gatekeeper.core.web import done, list_page
from gatekeeper.extensions import db
from gatekeeper.modules.accounts import operations as ops
from gatekeeper.modules.accounts.models import Deputy, Role, User, UserSession
from gatekeeper.modules.accounts.permissions import (
    can_disable_user,
    can_edit_user,
    can_enable_user,
    can_manage_users,
    can_reset_password,
)
from gatekeeper.modules.accounts.schemas import PasswordResetSchema, UserInputSchema, UserUpdateSchema
from gatekeeper.modules.admin.blueprint import (
    AdminForm,
    bp,
    decide,
    department_choices,
    gate_choices,
    level_choices,
    role_choices,
)
from gatekeeper.modules.jurisdictions.models import Department, Level

SORTS = {
    "username": User.username,
    "name": User.name,
    "role": (User.role, User.username),
    "department": (Department.name, User.username),
    "active": (User.active, User.username),
    "created": (User.created_at, User.id),
}
#: A blank attachment field of the edit form clears it; a blank name is refused.
BLANK_ATTACHMENTS = {"name": "", "department": None, "jurisdiction": None, "gate": None}


def _attachment_choices() -> dict:
    return {
        "roles": role_choices(),
        "departments": department_choices(),
        "gates": gate_choices(),
        "places": level_choices(Level.STREET, Level.COMMUNITY),
    }


@bp.route("/users")
@permission(can_manage_users)
def users():
    """Every user: by role, active or not, department, or a part of the user name or name."""
    role = request.args.get("role") or None
    active = {"1": True, "0": False}.get(request.args.get("active", ""))
    department = request.args.get("department") or None
    q = request.args.get("q", "").strip()
    stmt = ops.users_query(
        role=Role(role) if role in {r.value for r in Role} else None,
        active=active,
        department=department,
        q=q,
    ).outerjoin(Department, User.department_id == Department.id)
    listing = list_page(
        stmt, sorts=SORTS, default_sort="username", keep=("role", "active", "department", "q")
    )
    return render_template(
        "admin/users.html",
        listing=listing,
        roles=role_choices(),
        departments=department_choices(),
        filters={
            "role": role or "",
            "active": request.args.get("active", ""),
            "department": department or "",
            "q": q,
        },
    )


@bp.route("/users/new", methods=["GET", "POST"])
@permission(can_manage_users)
def new_user():
    """A new user; with no password typed, one is generated and shown once."""
    form = AdminForm(UserInputSchema(), initial={"role": Role.OFFICER.value})
    if form.apply(lambda d: ops.add_user(d, actor=user())):
        account, password = form.result
        if form.data["password"] is None:
            db.session.commit()
            return render_template(
                "admin/password_once.html", account=account, password=password, created=True
            )
        return done(
            _("User %(name)s was created.", name=account.username),
            "admin_pages.user",
            username=account.username,
        )
    return form.render("admin/new_user.html", **_attachment_choices())


def _load_user(username: str, check) -> User:
    """The user of the address (404), then the action's decision on them (403)."""
    account = ops.get_user(username)
    decide(check, account)
    return account


@bp.route("/users/<username>", methods=["GET", "POST"], endpoint="user")  # user() is the current user
@permission(can_manage_users)
def user_page(username):
    """A user: their facts, the edit form (name, role, attachments), their deputies, their sessions."""
    account = _load_user(username, can_edit_user)
    form = AdminForm(
        UserUpdateSchema(),
        blanks=BLANK_ATTACHMENTS,
        initial={
            "name": account.name,
            "role": account.role.value,
            "department": account.department.code if account.department else "",
            "jurisdiction": account.jurisdiction.code if account.jurisdiction else "",
            "gate": account.gate.code if account.gate else "",
        },
    )
    if form.apply(lambda d: ops.update_user(account, d, actor=user())):
        return done(
            _("The changes to %(name)s were saved.", name=account.username), ".user", username=username
        )
    deputies = db.session.scalars(
        sa.select(Deputy)
        .where(sa.or_(Deputy.principal_id == account.id, Deputy.deputy_id == account.id))
        .order_by(Deputy.starts_on.desc(), Deputy.id.desc())
        .limit(50)
    ).all()
    sessions = db.session.scalar(
        sa.select(sa.func.count(UserSession.id)).where(
            UserSession.user_id == account.id,
            UserSession.ended_at.is_(None),
            UserSession.expires_at > clock.now(),
        )
    )
    return form.render(
        "admin/user.html",
        account=account,
        deputies=deputies,
        sessions=sessions,
        today=clock.today(),
        **_attachment_choices(),
    )


@bp.route("/users/<username>/disable", methods=["POST"])
@permission(can_manage_users)
def disable(username):
    """Disable a user: every session of theirs ends now and their API tokens stop working."""
    account = _load_user(username, can_disable_user)
    ops.set_active(account, False, actor=user())
    return done(
        _("%(name)s is disabled; their sessions have ended.", name=account.username),
        ".user",
        username=username,
    )


@bp.route("/users/<username>/enable", methods=["POST"])
@permission(can_manage_users)
def enable(username):
    account = _load_user(username, can_enable_user)
    ops.set_active(account, True, actor=user())
    return done(_("%(name)s is enabled again.", name=account.username), ".user", username=username)


@bp.route("/users/<username>/password", methods=["GET", "POST"])
@permission(can_manage_users)
def reset_password(username):
    """A new password for a user (typed, or generated and shown once); their sessions end."""
    account = _load_user(username, can_reset_password)
    form = AdminForm(PasswordResetSchema())
    if form.apply(lambda d: ops.reset_password(account, d["password"], actor=user())):
        db.session.commit()
        if form.data["password"] is None:
            return render_template(
                "admin/password_once.html", account=account, password=form.result, created=False
            )
        return done(
            _("The password of %(name)s was changed; their sessions have ended.", name=account.username),
            ".user",
            username=username,
        )
    return form.render("admin/reset_password.html", account=account)
