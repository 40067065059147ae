"""JSON API: tokens, the current user, users (admin) and deputies."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from gatekeeper.core.api import PageArgs, blueprint, list_schema, paginate
from gatekeeper.core.auth import check_credentials, find_token, issue_token, revoke_token, token_from_header
from gatekeeper.core.errors import NotAllowed, ValidationFailed
from gatekeeper.core.permissions import permission, public, user
from gatekeeper.extensions import db
from gatekeeper.modules.accounts import operations as ops
from gatekeeper.modules.accounts.models import Deputy, Role, User
from gatekeeper.modules.accounts.permissions import (
    can_disable_user,
    can_edit_user,
    can_enable_user,
    can_list_deputies,
    can_manage_users,
    can_name_deputy,
    can_reset_password,
    can_see_self,
)
from gatekeeper.modules.accounts.schemas import (
    CreatedUserSchema,
    DeputyInputSchema,
    DeputySchema,
    PasswordResetResultSchema,
    PasswordResetSchema,
    TokenRequestSchema,
    TokenSchema,
    UserInputSchema,
    UserListArgs,
    UserSchema,
    UserUpdateSchema,
)
from gatekeeper.modules.jurisdictions.models import Department, Gate, Jurisdiction

blp = blueprint("accounts", "Log-in tokens, users and deputies")
BLUEPRINTS = [blp]


@blp.route("/auth/token", methods=["POST"])
@blp.response(201, TokenSchema)
@blp.doc(security=[])
@public
@blp.arguments(TokenRequestSchema)
def create_token(data):
    """Exchange a user name and password for a bearer token (throttled after repeated failures)."""
    account = check_credentials(data["username"], data["password"])
    token, row = issue_token(account, label="api")
    db.session.commit()
    return {"token": token, "expires_at": row.expires_at}


@blp.route("/auth/token", methods=["DELETE"])
@blp.response(204)
@permission(can_see_self)
def delete_token():
    """Revoke the token this request was made with."""
    clear = token_from_header()
    row = find_token(clear) if clear else None
    if row is None:
        raise ValidationFailed(_("This request was not made with an API token."))
    revoke_token(row, actor=user())
    db.session.commit()


@blp.route("/me")
@blp.response(200, UserSchema)
@permission(can_see_self)
def me():
    return user()


class UserQuery(UserListArgs, PageArgs):
    pass


@blp.route("/users")
@blp.response(200, list_schema(UserSchema))
@permission(can_manage_users)
@blp.arguments(UserQuery, location="query")
def list_users(args):
    """Users (admin), filtered by role, active, department or a part of the user name or name."""
    stmt = ops.users_query(
        role=args.get("role"), active=args.get("active"), department=args.get("department"), q=args.get("q")
    )
    return paginate(stmt.order_by(User.username), args)


def _lookup(model, code, field):
    if code is None:
        return None
    row = db.session.scalar(sa.select(model).where(model.code == code))
    if row is None:
        raise ValidationFailed(fields={field: [_("unknown code %(code)s", code=code)]})
    return row


@blp.route("/users", methods=["POST"])
@blp.response(201, CreatedUserSchema)
@permission(can_manage_users)
@blp.arguments(UserInputSchema)
def create_user(data):
    account, password = ops.create_user(
        username=data["username"],
        name=data["name"],
        role=data["role"],
        password=data["password"],
        department=_lookup(Department, data["department"], "department"),
        jurisdiction=_lookup(Jurisdiction, data["jurisdiction"], "jurisdiction"),
        gate=_lookup(Gate, data["gate"], "gate"),
        actor=user(),
    )
    db.session.commit()
    out = UserSchema().dump(account)
    out["password"] = password if data["password"] is None else ""
    return out


def _user_by_name(username: str, field: str) -> User:
    found = db.session.scalar(sa.select(User).where(User.username == username.strip().lower()))
    if found is None:
        raise ValidationFailed(fields={field: [_("unknown user %(name)s", name=username)]})
    return found


@blp.route("/deputies", methods=["POST"])
@blp.response(201, DeputySchema)
@permission(can_name_deputy)
@blp.arguments(DeputyInputSchema)
def name_deputy(data):
    actor = user()
    if data["principal"] and data["principal"] != actor.username:
        if actor.role != Role.ADMIN:
            raise NotAllowed(_("You can only name your own deputy."))
        principal = _user_by_name(data["principal"], "principal")
    else:
        principal = actor
    row = ops.name_deputy(
        principal,
        _user_by_name(data["deputy"], "deputy"),
        data["starts_on"],
        data["ends_on"],
        data["reason"],
        actor=actor,
    )
    db.session.commit()
    return row


@blp.route("/deputies")
@blp.response(200, list_schema(DeputySchema))
@permission(can_list_deputies)
@blp.arguments(PageArgs, location="query")
def list_deputies(args):
    return paginate(sa.select(Deputy).order_by(Deputy.starts_on.desc(), Deputy.id), args)


@blp.route("/users/<username>")
@blp.response(200, UserSchema)
@permission(can_manage_users)
def get_user(username):
    """One user (admin)."""
    return ops.get_user(username)


@blp.route("/users/<username>", methods=["PATCH"])
@blp.response(200, UserSchema)
@permission(can_edit_user)
@blp.arguments(UserUpdateSchema)
def update_user(data, username):
    """Change a user's name, role or attachments (admin).

    The rules of creation hold: an officer needs a department, the committee and its office a gate, a
    community head a community, a street officer a street (422 with the field otherwise); ``null``
    clears an attachment. Attachments the role does not use are dropped. A change of role or
    attachment ends every session of the user. Nobody changes their own role.
    """
    account = ops.get_user(username)
    ops.update_user(account, data, actor=user())
    db.session.commit()
    return account


@blp.route("/users/<username>/disable", methods=["POST"])
@blp.response(200, UserSchema)
@permission(can_disable_user)
def disable_user(username):
    """Disable a user (admin).

    Their browser sessions end at once and their API tokens stop working; the admin cannot disable
    themselves (422).
    """
    account = ops.get_user(username)
    ops.set_active(account, False, actor=user())
    db.session.commit()
    return account


@blp.route("/users/<username>/enable", methods=["POST"])
@blp.response(200, UserSchema)
@permission(can_enable_user)
def enable_user(username):
    """Enable a disabled user again (admin); they log in anew."""
    account = ops.get_user(username)
    ops.set_active(account, True, actor=user())
    db.session.commit()
    return account


@blp.route("/users/<username>/password", methods=["POST"])
@blp.response(200, PasswordResetResultSchema)
@permission(can_reset_password)
@blp.arguments(PasswordResetSchema)
def reset_password(data, username):
    """Set a user's password (admin).

    Without ``password`` one is generated and returned once. Every browser session of the user ends;
    API tokens stay (disable the user to stop those).
    """
    account = ops.get_user(username)
    password = ops.reset_password(account, data["password"], actor=user())
    db.session.commit()
    return {"username": account.username, "password": password if data["password"] is None else ""}
