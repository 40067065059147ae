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
