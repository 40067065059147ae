"""Browser sessions: log-in, log-out, idle and absolute time-outs, ending every session of a user.

The session cookie (signed with ``SECRET_KEY``) carries Flask-Login's user id with the user's
session version, a random session id and the time of the last request. The database keeps only the
SHA-256 of each session id (``UserSession``). A cookie is accepted while

- its row exists, belongs to the user and has not ended (log-out, a password change and disabling the
  user end rows, so a replayed cookie is refused from that moment),
- the row's absolute end (``SESSION_MAX_HOURS`` after log-in) has not passed,
- its last request is less than ``SESSION_IDLE_MINUTES`` ago (kept in the signed cookie, so an idle
  check costs no write),
- the user is active and their session version has not moved (a password change bumps it).

API clients send a bearer token instead; a request with a bearer token ignores the cookie.
"""

from __future__ import annotations

import datetime as dt
import secrets

import sqlalchemy as sa
from flask import Flask, current_app, g, request, session
from flask_login import login_user, logout_user

from gatekeeper.core import audit, clock
from gatekeeper.extensions import db

SID = "gk_sid"
SEEN = "gk_seen"


def _hash(sid: str) -> str:
    from gatekeeper.core.auth import hash_token

    return hash_token(sid)


def _now_ts() -> int:
    return int(clock.now().timestamp())


def start_session(user):
    """Log ``user`` in on this browser: a fresh cookie (no session fixation) and a new session row."""
    from gatekeeper.modules.accounts.models import UserSession

    session.clear()
    sid = secrets.token_urlsafe(32)
    now = clock.now()
    row = UserSession(
        user=user,
        token_hash=_hash(sid),
        created_at=now,
        expires_at=now + dt.timedelta(hours=current_app.config["SESSION_MAX_HOURS"]),
        remote_addr=(request.remote_addr or "")[:64],
        user_agent=(request.user_agent.string or "")[:200],
    )
    db.session.add(row)
    db.session.flush()
    audit.record("auth.login", row, actor=user, after={"remote_addr": row.remote_addr})
    login_user(user)
    session[SID] = sid
    session[SEEN] = _now_ts()
    session.permanent = True
    return row


def current_row():
    """The session row of this request's cookie, live or not; ``None`` without one."""
    from gatekeeper.modules.accounts.models import UserSession

    sid = session.get(SID)
    if not sid:
        return None
    if "gk_session_row" not in g:
        g.gk_session_row = db.session.scalar(
            sa.select(UserSession).where(UserSession.token_hash == _hash(str(sid)))
        )
    return g.gk_session_row


def live_user(user_id: str):
    """Flask-Login's loader for cookies: the user when the session is live (see the module)."""
    ident, _sep, version = str(user_id).partition(":")
    row = current_row()
    if row is None or not ident.isdigit() or row.user_id != int(ident):
        return None
    if row.ended_at is not None or row.expires_at <= clock.now():
        return None
    user = row.user
    if not user.active or str(user.session_version) != version:
        return None
    return user


def end_session(*, actor, reason=None) -> None:
    """Log out of this browser: the row ends and the cookie is emptied."""
    from gatekeeper.modules.accounts.models import SessionEnd

    row = current_row()
    if row is not None and row.ended_at is None:
        row.ended_at = clock.now()
        row.end_reason = reason or SessionEnd.LOGOUT
        audit.record("auth.logout", row, actor=actor, after={"reason": row.end_reason.value})
    logout_user()
    session.clear()


def end_user_sessions(user, reason, *, actor) -> int:
    """End every live session of ``user`` (password changed, user disabled); returns how many."""
    from gatekeeper.modules.accounts.models import UserSession

    result = db.session.execute(
        sa.update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
        .values(ended_at=clock.now(), end_reason=reason)
        .execution_options(synchronize_session=False)
    )
    ended = result.rowcount or 0
    if ended:
        audit.record(
            "auth.sessions_ended", user, actor=actor, after={"reason": str(reason), "sessions": ended}
        )
    return ended


def init_sessions(app: Flask) -> None:
    """Cookie settings, and the idle check that runs before anything reads the user."""
    app.config.update(
        PERMANENT_SESSION_LIFETIME=dt.timedelta(hours=app.config["SESSION_MAX_HOURS"]),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_NAME="gatekeeper_session",
    )

    @app.before_request
    def _idle_check():
        if SID not in session:
            return
        seen = session.get(SEEN)
        idle = current_app.config["SESSION_IDLE_MINUTES"] * 60
        now = _now_ts()
        if not isinstance(seen, int) or now - seen > idle:
            session.clear()
            g.session_timed_out = True
        elif now - seen >= 15:  # refresh at most every few seconds: fewer cookies to resend
            session[SEEN] = now
