"""Settings with defaults. Every one can be set from a ``GATEKEEPER_<NAME>`` environment variable.

Names, time limits and money standards of a gate are not here: they are data (``Gate.settings``),
edited by the admin. This file holds only what the operator of an installation decides.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

PREFIX = "GATEKEEPER_"


class Config:
    #: SQLAlchemy URL. Empty: a SQLite file ``gatekeeper.sqlite3`` in the instance folder.
    DATABASE_URL: str = ""
    #: Signs sessions and CSRF tokens. Empty: generated once and kept in the instance folder.
    SECRET_KEY: str = ""
    #: Key of the HMAC that makes public verification codes. Empty: derived from SECRET_KEY.
    VERIFY_SECRET: str = ""
    #: Public address of the app, for verification links in documents and QR codes.
    BASE_URL: str = "http://127.0.0.1:5000"
    #: Time zone of dates (decision due dates, validity, "today").
    TIMEZONE: str = "Asia/Shanghai"
    #: Hours an API token stays valid.
    TOKEN_TTL_HOURS: int = 24 * 30
    #: Failed logins of one user name within LOGIN_WINDOW_MINUTES before further tries answer 429.
    LOGIN_MAX_FAILURES: int = 5
    LOGIN_WINDOW_MINUTES: int = 15
    #: Minutes without a request after which a browser session ends (the user logs in again).
    SESSION_IDLE_MINUTES: int = 30
    #: Hours after log-in after which a browser session ends however busy it is.
    SESSION_MAX_HOURS: int = 12
    #: Send the session cookie over HTTPS only. Turn on when the app is served over HTTPS.
    SESSION_COOKIE_SECURE: bool = False
    #: Public verifications (API and page, found or not) one address may make per minute before 429.
    VERIFY_RATE_PER_MINUTE: int = 30
    #: Reports one address may file through the public page (or the API without a token) per hour.
    PUBLIC_REPORT_RATE_PER_HOUR: int = 5
    #: Seconds the public report form must stay open before it is sent (faster is a robot's).
    PUBLIC_REPORT_MIN_FILL_SECONDS: int = 5
    #: Milliseconds a SQLite writer waits for another to finish.
    SQLITE_BUSY_TIMEOUT_MS: int = 15000
    #: Largest request body in bytes (catalogue files, attachments): the web server answers 413 above
    #: it. Keep it above ATTACHMENT_MAX_BYTES, so an attachment too large gets the clearer 422.
    MAX_CONTENT_LENGTH: int = 25 * 1024 * 1024
    #: Largest attachment of a request (legal document, work plan) in bytes; above it, 422 too_large.
    ATTACHMENT_MAX_BYTES: int = 20 * 1024 * 1024
    #: Password of the demo users; empty: a random one, printed when the demo starts.
    DEMO_PASSWORD: str = ""
    #: werkzeug password hash method; tests use a fast one, production keeps scrypt.
    PASSWORD_HASH_METHOD: str = "scrypt"
    #: Folder of the prepared font subsets of documents (``gatekeeper documents fonts``). Empty: ``fonts``
    #: in the instance folder.
    FONT_DIR: str = ""
    #: Default language of messages: "zh" or "en".
    DEFAULT_LOCALE: str = "zh"


def _coerce(value: str, default):
    if isinstance(default, bool):
        return value.strip().lower() in ("1", "true", "yes", "on")
    if isinstance(default, int):
        return int(value)
    return value


def load_config(instance_path: str, overrides: dict | None = None) -> dict:
    """Defaults, then ``GATEKEEPER_*`` environment variables, then ``overrides``."""
    values = {
        name: getattr(Config, name) for name in dir(Config) if name.isupper() and not name.startswith("_")
    }
    for name, default in list(values.items()):
        env = os.environ.get(PREFIX + name)
        if env is not None:
            values[name] = _coerce(env, default)
    values.update(overrides or {})
    if not values["DATABASE_URL"]:
        values["DATABASE_URL"] = "sqlite:///" + str(Path(instance_path) / "gatekeeper.sqlite3")
    if not values["SECRET_KEY"]:
        values["SECRET_KEY"] = _instance_secret(instance_path)
    if not values["VERIFY_SECRET"]:
        values["VERIFY_SECRET"] = "verify:" + values["SECRET_KEY"]
    return values


def _instance_secret(instance_path: str) -> str:
    """A secret kept in the instance folder, so every worker process of one installation shares it."""
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".secret_key.{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
        try:
            os.link(tmp, path)  # atomic: fails if another process made it first
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_text().strip()
