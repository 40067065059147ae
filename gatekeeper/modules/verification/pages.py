"""HTML pages of public verification: the page a QR code opens, and a form for a number typed by hand.

``/verify/<number>?code=`` is the address ``authorisations.operations.verification_url`` prints on
notices. The pages need no login, no script and no asset from elsewhere (the stylesheet is served by
the app), and read on a small phone. Chinese by default, English with ``?lang=en``.
"""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from marshmallow import ValidationError

from gatekeeper.core.db import write_intent
from gatekeeper.core.errors import NotFound, RateLimited, flatten_messages
from gatekeeper.core.permissions import public
from gatekeeper.core.web import public_headers, public_language
from gatekeeper.extensions import db
from gatekeeper.modules.verification import operations as ops
from gatekeeper.modules.verification.schemas import VerifyFormSchema

bp = Blueprint("verification_pages", __name__)
PAGES = [bp]


@bp.context_processor
def _language():
    return public_language()


@bp.after_request
def _headers(response):
    public_headers(response)
    response.headers["Cache-Control"] = "no-store"  # a live status
    if response.status_code == 429:
        response.headers["Retry-After"] = str(int(ops.RATE_WINDOW.total_seconds()))
    return response


def _lang_args() -> dict[str, str]:
    """``{"lang": ...}`` when the language was chosen in the address, so links keep it."""
    return public_language()["lang_args"]


def _form(values: dict, errors: dict | None = None, status: int = 200):
    return render_template("verification/form.html", values=values, errors=errors or {}), status


@bp.route("/verify")
@public
def form():
    """The form; once filled in, a redirect to the page of that number (the address a QR code holds)."""
    if not any(request.args.get(key) for key in ("number", "code")):
        return _form({})
    try:
        data = VerifyFormSchema().load(request.args)
    except ValidationError as exc:
        return _form(request.args, flatten_messages(exc.messages), 422)
    community = {"community": data["community"]} if data.get("community") else {}
    target = url_for(".result", number=data["number"], code=data["code"], **community, **_lang_args())
    return redirect(target, 303)


@bp.route("/verify/<number>")
@public
def result(number: str):
    """The live status of authorisation ``number`` for the holder of its code."""
    code = (request.args.get("code") or "").strip().lower()
    if not code:  # the number alone (typed, or a truncated link): ask for the code
        return _form({"number": number})
    community = (request.args.get("community") or "").strip() or None
    try:
        with write_intent():
            ops.count_attempt(request.remote_addr)
            db.session.commit()  # counted even when the answer is 404
    except RateLimited:
        db.session.rollback()
        return render_template("verification/rate_limited.html"), 429
    try:
        verification = ops.verify(number, code, community)
    except NotFound:
        db.session.rollback()
        page = render_template("verification/not_found.html", values={"number": number}, errors={})
        return page, 404
    return render_template("verification/result.html", v=verification)
