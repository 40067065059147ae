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
    can_list_deputies,
    can_manage_users,
    can_name_deputy,
    can_see_self,
)
from gatekeeper.modules.accounts.schemas import (
    CreatedUserSchema,
    DeputyInputSchema,
    DeputySchema,
    TokenRequestSchema,
    TokenSchema,
    UserInputSchema,
    UserSchema,
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


@blp.route("/users")
@blp.response(200, list_schema(UserSchema))
@permission(can_manage_users)
@blp.arguments(PageArgs, location="query")
def list_users(args):
    return paginate(sa.select(User).order_by(User.username), args)


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
