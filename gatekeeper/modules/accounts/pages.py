"""Pages of logging in and out, changing one's password, the home page of each role and the language.

Log-in is throttled like the API's token requests (the same function counts failures per user name
and address in the database). A successful log-in starts a fresh session (``core.sessions``); log-out,
a password change and being disabled end sessions for good.
"""

from __future__ import annotations

from flask import Blueprint, make_response, redirect, request, url_for
from flask_babel import gettext as _

from gatekeeper.core.auth import check_credentials
from gatekeeper.core.errors import NotAuthenticated, RateLimited
from gatekeeper.core.i18n import normalise
from gatekeeper.core.permissions import permission, public, user, user_is_logged_in
from gatekeeper.core.sessions import end_session, start_session
from gatekeeper.core.web import PageForm, done, home_endpoint, safe_next
from gatekeeper.extensions import db
from gatekeeper.modules.accounts import operations as ops
from gatekeeper.modules.accounts.permissions import can_see_self
from gatekeeper.modules.accounts.schemas import LoginSchema, PasswordChangeSchema

bp = Blueprint("accounts_pages", __name__)
PAGES = [bp]

#: A year: the language chosen stays chosen.
LANGUAGE_COOKIE_SECONDS = 365 * 24 * 3600


def landing() -> str:
    """Where the current user starts: their role's home page, or their messages."""
    endpoint = home_endpoint(user())
    return url_for(endpoint) if endpoint else url_for("notifications_pages.index")


@bp.route("/")
@public
def home():
    """The start page: the role's home once logged in, else the log-in page."""
    if not user_is_logged_in():
        return redirect(url_for(".login"))
    return redirect(landing())


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    form = PageForm(LoginSchema(), initial={"next": request.args.get("next", "")})
    if user_is_logged_in() and not form.submitted:
        return redirect(safe_next(request.args.get("next"), landing()))
    status = None
    if form.submitted and form.validate():
        try:
            account = check_credentials(form.data["username"], form.data["password"])
        except RateLimited as exc:
            form.errors = {"_schema": [exc.message]}
            status = 429
        except NotAuthenticated as exc:
            form.errors = {"_schema": [exc.message]}
            status = 401
        else:
            start_session(account)
            db.session.commit()
            return redirect(safe_next(form.data["next"], landing()), 303)
    page, default_status = form.render("accounts/login.html")
    return page, status or default_status


@bp.route("/logout", methods=["POST"])
@public
def logout():
    """End this browser's session (a copy of its cookie no longer works)."""
    if user_is_logged_in():
        end_session(actor=user())
        db.session.commit()
    return redirect(url_for(".login"), 303)


@bp.route("/account/password", methods=["GET", "POST"])
@permission(can_see_self)
def password():
    """Change one's own password: every other session of the user ends; this one starts afresh."""
    form = PageForm(PasswordChangeSchema())
    actor = user()
    if form.apply(
        lambda d: ops.change_own_password(actor, d["current_password"], d["new_password"], actor=actor)
    ):
        start_session(actor)
        return done(
            _("Your password was changed. Other devices have been logged out."), "accounts_pages.home"
        )
    return form.render("accounts/password.html")


@bp.route("/lang/<code>")
@public
def language(code: str):
    """Switch the language of the pages (kept in a cookie), then go back where the user was."""
    chosen = normalise(code) or "zh"
    response = make_response(redirect(safe_next(request.args.get("next"), url_for(".home")), 303))
    response.set_cookie("lang", chosen, max_age=LANGUAGE_COOKIE_SECONDS, samesite="Lax", httponly=True)
    return response
