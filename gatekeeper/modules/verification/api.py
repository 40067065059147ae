"""JSON API: public verification of an authorisation (no login)."""

from __future__ import annotations

from flask import request

from gatekeeper.core.api import ErrorSchema, blueprint
from gatekeeper.core.db import write_intent
from gatekeeper.core.permissions import public
from gatekeeper.extensions import db
from gatekeeper.modules.verification import operations as ops
from gatekeeper.modules.verification.schemas import VerificationSchema, VerifyArgsSchema

blp = blueprint("verification", "Public verification of an authorisation by its number and code")
BLUEPRINTS = [blp]


@blp.route("/verify/<number>")
@blp.response(200, VerificationSchema)
@blp.alt_response(404, schema=ErrorSchema, description="Unknown number or wrong code: the same answer.")
@blp.alt_response(429, schema=ErrorSchema, description="Too many verifications from this address.")
@blp.doc(security=[])
@public
@blp.arguments(VerifyArgsSchema, location="query")
def verify_authorisation(args, number):
    """Verify an authorisation: its live status, department, kind, title, validity and, with
    `community=`, whether that community is in its scope. Rate-limited per address."""
    with write_intent():
        ops.count_attempt(request.remote_addr)
        db.session.commit()  # counted even when the answer is 404 (errors roll back)
    return ops.verify(number, args["code"], args.get("community") or None)


@blp.after_request
def _headers(response):
    response.headers["Cache-Control"] = "no-store"  # a live status: no browser or proxy may keep it
    if response.status_code == 429:
        response.headers["Retry-After"] = str(int(ops.RATE_WINDOW.total_seconds()))
    return response
