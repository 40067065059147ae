"""Authentication: hashed passwords, hashed bearer tokens and a log-in throttle kept in the database.

Passwords are hashed with werkzeug's scrypt. API tokens are 256-bit random strings; only their
SHA-256 is stored (a token is as strong as a key, so a slow hash adds nothing). Failed log-ins are
rows in the database, so the throttle holds across every worker process.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

import sqlalchemy as sa
from flask import current_app, request
from werkzeug.security import check_password_hash, generate_password_hash

from gatekeeper.core import audit, clock
from gatekeeper.core.errors import NotAuthenticated, RateLimited
from gatekeeper.extensions import db, login_manager
from gatekeeper.modules.accounts.models import ApiToken, LoginFailure, User

TOKEN_PREFIX = "gk_"
#: A hash to compare against when the user does not exist, so timing does not reveal user names.
_DUMMY_HASH = generate_password_hash("not a password")


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def check_credentials(username: str, password: str) -> User:
    """The active user with this name and password; 429 when throttled, 401 otherwise.

    Failed attempts are recorded (and committed by the caller even though the answer is an error).
    """
    username = (username or "").strip().lower()
    address = request.remote_addr or ""
    if throttled(username, address):
        raise RateLimited()
    user = db.session.scalar(sa.select(User).where(User.username == username))
    valid = check_password_hash(user.password_hash if user else _DUMMY_HASH, password or "")
    if not (user and valid and user.active):
        db.session.add(LoginFailure(username=username, remote_addr=address, at=clock.now()))
        audit.record("auth.login_failed", actor=None, object_type="users", object_id=username)
        db.session.commit()
        raise NotAuthenticated(code="invalid_credentials", message=_invalid_message())
    return user


def throttled(username: str, address: str) -> bool:
    """Too many recent failures for this user name from this address, or from this address at all.

    Counting per name *and* address means a stranger cannot lock a member out by guessing from
    elsewhere; the per-address cap (four times the per-name limit) stops spraying many names.
    """
    limit = current_app.config["LOGIN_MAX_FAILURES"]
    since = clock.now() - dt.timedelta(minutes=current_app.config["LOGIN_WINDOW_MINUTES"])
    recent = sa.select(sa.func.count(LoginFailure.id)).where(
        LoginFailure.at > since, LoginFailure.remote_addr == address
    )
    if db.session.scalar(recent.where(LoginFailure.username == username)) >= limit:
        return True
    return db.session.scalar(recent) >= 4 * limit


def _invalid_message() -> str:
    from flask_babel import gettext as _

    return _("Wrong user name or password.")


def issue_token(user: User, *, label: str = "", ttl_hours: int | None = None) -> tuple[str, ApiToken]:
    """Create a token for ``user``; returns the clear token (shown once) and its row."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    hours = ttl_hours if ttl_hours is not None else current_app.config["TOKEN_TTL_HOURS"]
    now = clock.now()
    row = ApiToken(
        user=user,
        token_hash=hash_token(token),
        label=label,
        created_at=now,
        expires_at=now + dt.timedelta(hours=hours),
    )
    db.session.add(row)
    audit.record("auth.token_issued", row, actor=user, after={"label": label, "expires_at": row.expires_at})
    return token, row


def revoke_token(row: ApiToken, *, actor: User) -> None:
    row.revoked_at = clock.now()
    audit.record("auth.token_revoked", row, actor=actor)


def token_from_header() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _sep, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def find_token(token: str) -> ApiToken | None:
    """The live token row for a clear token, or ``None``."""
    row = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == hash_token(token)))
    if row is None or row.revoked_at is not None or row.expires_at <= clock.now():
        return None
    # The lookup is by hash; compare again in constant time for good measure.
    if not hmac.compare_digest(row.token_hash, hash_token(token)):
        return None
    return row


@login_manager.request_loader
def _load_from_token(_request) -> User | None:
    token = token_from_header()
    if token is None:
        return None
    row = find_token(token)
    if row is None or not row.user.active:
        return None
    return row.user


@login_manager.user_loader
def _load_from_session(user_id: str) -> User | None:
    """A browser's session cookie (see ``core.sessions``); ignored when a bearer token is sent."""
    if token_from_header() is not None:
        return None
    from gatekeeper.core.sessions import live_user

    return live_user(user_id)
