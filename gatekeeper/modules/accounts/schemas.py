"""Schemas of log-in, tokens, users and deputies."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from gatekeeper.modules.accounts.models import Role


class TokenRequestSchema(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=60))
    password = fields.String(required=True, validate=validate.Length(min=1, max=200), load_only=True)


class LoginSchema(TokenRequestSchema):
    """The log-in form: the same fields as a token request, and where to go next."""

    next = fields.String(load_default="")


class PasswordChangeSchema(Schema):
    current_password = fields.String(required=True, load_only=True, validate=validate.Length(max=200))
    new_password = fields.String(required=True, load_only=True, validate=validate.Length(min=8, max=200))
    confirm_password = fields.String(required=True, load_only=True)

    @validates_schema
    def _confirmed(self, data, **_kwargs):
        if data.get("new_password") != data.get("confirm_password"):
            raise ValidationError({"confirm_password": [str(_l("the two new passwords differ"))]})


class TokenSchema(Schema):
    token = fields.String(required=True)
    expires_at = fields.AwareDateTime(required=True)


class UserSchema(Schema):
    username = fields.String()
    name = fields.String()
    role = fields.Enum(Role, by_value=True)
    department = fields.Function(lambda u: u.department.code if u.department else None)
    department_name = fields.Function(lambda u: u.department.name if u.department else None)
    jurisdiction = fields.Function(lambda u: u.jurisdiction.code if u.jurisdiction else None)
    gate = fields.Function(lambda u: u.gate.code if u.gate else None)
    active = fields.Boolean()


class UserInputSchema(Schema):
    username = fields.String(required=True, validate=validate.Regexp(r"^[a-zA-Z0-9_.-]{2,60}$"))
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    role = fields.Enum(Role, by_value=True, required=True)
    password = fields.String(load_default=None, validate=validate.Length(min=8, max=200), load_only=True)
    department = fields.String(load_default=None)
    jurisdiction = fields.String(load_default=None)
    gate = fields.String(load_default=None)


class CreatedUserSchema(UserSchema):
    password = fields.String(metadata={"description": "shown once; generated when none was given"})


class DeputySchema(Schema):
    id = fields.Integer()
    principal = fields.Function(lambda d: d.principal.username)
    deputy = fields.Function(lambda d: d.deputy.username)
    starts_on = fields.Date()
    ends_on = fields.Date()
    reason = fields.String()


class DeputyInputSchema(Schema):
    deputy = fields.String(required=True)
    principal = fields.String(load_default=None, metadata={"description": "admin only: whose deputy"})
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    reason = fields.String(load_default="", validate=validate.Length(max=200))


class UserUpdateSchema(Schema):
    """A change of a user (admin): any of the fields; ``null`` clears an attachment."""

    name = fields.String(validate=validate.Length(min=1, max=120))
    role = fields.Enum(Role, by_value=True)
    department = fields.String(allow_none=True, metadata={"description": "department code"})
    jurisdiction = fields.String(
        allow_none=True,
        metadata={"description": "community (community head) or street (street officer) code"},
    )
    gate = fields.String(allow_none=True, metadata={"description": "gate code (secretariat, member, chair)"})


class UserListArgs(Schema):
    role = fields.Enum(Role, by_value=True)
    active = fields.Boolean()
    department = fields.String(metadata={"description": "department code"})
    q = fields.String(
        validate=validate.Length(max=60), metadata={"description": "part of the user name or name"}
    )


class PasswordResetSchema(Schema):
    password = fields.String(
        load_default=None,
        validate=validate.Length(min=8, max=200),
        load_only=True,
        metadata={"description": "the new password; generated when left out"},
    )


class PasswordResetResultSchema(Schema):
    username = fields.String()
    password = fields.String(metadata={"description": "shown once; empty when the password was given"})
