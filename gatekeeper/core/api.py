"""JSON API plumbing: the OpenAPI-documented ``Api``, pagination, common fields, the docs page.

flask-smorest documents every endpoint from its marshmallow schemas; the error handlers of
``core.errors`` (not flask-smorest's) shape every error as ``{"error": {"code","message","fields"}}``.
The browsable docs page uses Swagger UI files from the ``swagger-ui-bundle`` package, served by the
app itself, so it works on an intranet without internet access.
"""

from __future__ import annotations

import math
from pathlib import Path

import sqlalchemy as sa
import swagger_ui_bundle
from flask import Blueprint as FlaskBlueprint
from flask import render_template, send_from_directory
from flask_smorest import Api
from flask_smorest import Blueprint as ApiBlueprint
from marshmallow import Schema, fields, validate

from gatekeeper.core.money import yuan
from gatekeeper.extensions import db

API_PREFIX = "/api/v1"
MAX_PER_PAGE = 200


class ErrorBodySchema(Schema):
    code = fields.String(required=True, metadata={"description": "snake_case error code"})
    message = fields.String(required=True)
    findings = fields.List(fields.Dict(), metadata={"description": "with code `blocked`: the findings"})
    field_problems = fields.Dict(keys=fields.String(), values=fields.List(fields.String()), data_key="fields")


class ErrorSchema(Schema):
    error = fields.Nested(ErrorBodySchema, required=True)


class GatekeeperApi(Api):
    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self):
        """Errors are answered by ``core.errors.register_error_handlers`` in our own shape."""


def blueprint(name: str, description: str) -> ApiBlueprint:
    """A blueprint of the JSON API; its routes are mounted under ``/api/v1``."""
    return ApiBlueprint(name, f"gatekeeper.{name}", url_prefix=API_PREFIX, description=description)


class PageArgs(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_PER_PAGE))


def list_schema(item_schema: type[Schema]) -> type[Schema]:
    """The list envelope ``{"items", "total", "page", "per_page"}`` around ``item_schema``."""
    name = item_schema.__name__.removesuffix("Schema") + "ListSchema"
    return Schema.from_dict(
        {
            "items": fields.List(fields.Nested(item_schema), required=True),
            "total": fields.Integer(required=True),
            "page": fields.Integer(required=True),
            "per_page": fields.Integer(required=True),
            "pages": fields.Integer(required=True),
        },
        name=name,
    )


def paginate(stmt: sa.Select, args: dict, *, count_stmt: sa.Select | None = None) -> dict:
    """Run ``stmt`` for one page: two queries (count, rows) whatever the number of rows."""
    page, per_page = args["page"], args["per_page"]
    if count_stmt is None:
        count_stmt = sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery())
    total = db.session.scalar(count_stmt) or 0
    rows = db.session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)).unique().all()
    return {
        "items": rows,
        "total": total,
        "page": page,
        "per_page": per_page,
        "pages": max(1, math.ceil(total / per_page)),
    }


class Yuan(fields.Field):
    """Dump-only: an integer fen attribute formatted as a 元 string (``"10000.01"``)."""

    def __init__(self, attribute: str, **kwargs):
        super().__init__(attribute=attribute, dump_only=True, **kwargs)
        self.metadata.setdefault("description", "the amount in yuan, formatted from the *_fen field")

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else yuan(value)


def fen_field(**kwargs) -> fields.Integer:
    """An amount of money in integer fen: a JSON integer (no float, no string), never negative."""
    return fields.Integer(strict=True, validate=validate.Range(min=0, max=10**13), **kwargs)


class EmptySchema(Schema):
    """Actions whose body is ``{}``."""


docs = FlaskBlueprint("api_docs", __name__, url_prefix=API_PREFIX)
_SWAGGER_DIR = Path(swagger_ui_bundle.swagger_ui_path)


@docs.route("/docs")
def page():
    return render_template("api/docs.html")


@docs.route("/docs/assets/<path:filename>")
def asset(filename: str):
    if filename == "api-docs.js":
        return send_from_directory(Path(__file__).parent.parent / "static", "api-docs.js")
    return send_from_directory(_SWAGGER_DIR, filename)


#: The OpenAPI answer of a document endpoint.
PDF_ANSWER = {
    "responses": {
        "200": {
            "description": "The document, A4 PDF (Chinese; ``?lang=en`` for English).",
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        }
    },
    "parameters": [
        {"in": "query", "name": "lang", "schema": {"type": "string", "enum": ["zh", "en"]}, "required": False}
    ],
}
