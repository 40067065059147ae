"""Domain errors and the one place that turns them into HTTP answers.

Operations raise these; views never build error responses themselves. In the JSON API every error
is ``{"error": {"code", "message", "fields"}}`` (plus extra keys such as ``findings``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from typing import Any

from flask import Flask, jsonify, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from marshmallow import ValidationError as MarshmallowValidationError
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


class GatekeeperError(Exception):
    """Base of all domain errors: an HTTP status, a snake_case code, a message and field problems."""

    status = 400
    code = "bad_request"
    default_message = lazy_gettext("The request could not be understood.")

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        fields: Mapping[str, list[str]] | None = None,
        **extra: Any,
    ):
        self.message = str(message) if message is not None else str(self.default_message)
        if code:
            self.code = code
        self.fields = {key: [str(p) for p in problems] for key, problems in (fields or {}).items()}
        self.extra = extra
        super().__init__(self.message)

    def to_dict(self) -> dict:
        body = {"code": self.code, "message": self.message, "fields": self.fields}
        body.update(self.extra)
        return {"error": body}


class BadRequest(GatekeeperError):
    status, code = 400, "bad_request"


class NotAuthenticated(GatekeeperError):
    status, code = 401, "unauthenticated"
    default_message = lazy_gettext("Log in or send a valid API token.")


class NotAllowed(GatekeeperError):
    status, code = 403, "forbidden"
    default_message = lazy_gettext("You are not allowed to do this.")


class NotFound(GatekeeperError):
    status, code = 404, "not_found"
    default_message = lazy_gettext("Not found.")


class Conflict(GatekeeperError):
    status, code = 409, "conflict"
    default_message = lazy_gettext("Someone else changed this at the same time; reload and try again.")


class InvalidTransition(Conflict):
    code = "invalid_transition"


class ValidationFailed(GatekeeperError):
    status, code = 422, "validation_error"
    default_message = lazy_gettext("Some fields are not valid.")


class RuleViolation(ValidationFailed):
    """A submission refused by the pre-check; carries the findings."""

    code = "blocked"


class RateLimited(GatekeeperError):
    status, code = 429, "rate_limited"
    default_message = lazy_gettext("Too many attempts; wait a few minutes and try again.")


#: marshmallow's and webargs' own messages, which those libraries write in English: a full-match
#: pattern and a function of its named groups giving the message in the current language. Each
#: function's gettext id is the library's text with ``%(name)s`` placeholders, so the ids live in the
#: catalogue and an English answer keeps the library's wording.
_LIBRARY_MESSAGES: list[tuple[str, Callable[..., str]]] = [
    # marshmallow: every field, schemas, nested schemas
    (r"Missing data for required field\.", lambda: _("Missing data for required field.")),
    (r"Field may not be null\.", lambda: _("Field may not be null.")),
    (r"Invalid value\.", lambda: _("Invalid value.")),  # also webargs' default
    (r"Invalid type\.", lambda: _("Invalid type.")),
    (r"Invalid input type\.", lambda: _("Invalid input type.")),
    (r"Unknown field\.", lambda: _("Unknown field.")),
    # marshmallow: the fields the app uses
    (r"Not a valid string\.", lambda: _("Not a valid string.")),
    (r"Not a valid utf-8 string\.", lambda: _("Not a valid utf-8 string.")),
    (r"Not a valid integer\.", lambda: _("Not a valid integer.")),
    (r"Not a valid number\.", lambda: _("Not a valid number.")),
    (r"Number too large\.", lambda: _("Number too large.")),
    (r"Not a valid boolean\.", lambda: _("Not a valid boolean.")),
    (r"Not a valid date\.", lambda: _("Not a valid date.")),
    (r"Not a valid datetime\.", lambda: _("Not a valid datetime.")),
    (r"Not a valid aware datetime\.", lambda: _("Not a valid aware datetime.")),
    (r"Not a valid list\.", lambda: _("Not a valid list.")),
    (r"Not a valid mapping type\.", lambda: _("Not a valid mapping type.")),
    # marshmallow: fields.Enum and validate.OneOf
    (r"Must be one of: (?P<choices>.*)\.", lambda **g: _("Must be one of: %(choices)s.", **g)),
    # marshmallow: validate.Length
    (
        r"Length must be between (?P<min>\d+) and (?P<max>\d+)\.",
        lambda **g: _("Length must be between %(min)s and %(max)s.", **g),
    ),
    (r"Length must be (?P<n>\d+)\.", lambda **g: _("Length must be %(n)s.", **g)),
    (r"Shorter than minimum length (?P<n>\d+)\.", lambda **g: _("Shorter than minimum length %(n)s.", **g)),
    (r"Longer than maximum length (?P<n>\d+)\.", lambda **g: _("Longer than maximum length %(n)s.", **g)),
    # marshmallow: validate.Range (inclusive bounds, as the app uses it)
    (
        r"Must be greater than or equal to (?P<min>.+?) and less than or equal to (?P<max>.+?)\.",
        lambda **g: _("Must be greater than or equal to %(min)s and less than or equal to %(max)s.", **g),
    ),
    (
        r"Must be greater than or equal to (?P<min>.+?)\.",
        lambda **g: _("Must be greater than or equal to %(min)s.", **g),
    ),
    (
        r"Must be less than or equal to (?P<max>.+?)\.",
        lambda **g: _("Must be less than or equal to %(max)s.", **g),
    ),
    # marshmallow: validate.Regexp without a message of its own
    (r"String does not match expected pattern\.", lambda: _("String does not match expected pattern.")),
    # webargs
    (r"Invalid JSON body\.", lambda: _("Invalid JSON body.")),
]
_LIBRARY_PATTERNS = [(re.compile(pattern, re.DOTALL), say) for pattern, say in _LIBRARY_MESSAGES]


def translate_problem(problem: Any) -> str:
    """A field problem in the current language: marshmallow's and webargs' English messages are
    translated; the app's own (already translated) messages pass unchanged."""
    text = str(problem)
    for pattern, say in _LIBRARY_PATTERNS:
        match = pattern.fullmatch(text)
        if match:
            return say(**match.groupdict())
    return text


def flatten_messages(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """Flatten marshmallow's nested error dict into ``{"a.b": ["problem"]}``, in the current language."""
    out: dict[str, list[str]] = {}
    if isinstance(messages, Mapping):
        for key, value in messages.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            if key == "_schema":
                name = prefix or "_schema"
            for field, problems in flatten_messages(value, name).items():
                out.setdefault(field, []).extend(problems)
    elif isinstance(messages, list | tuple):
        if all(isinstance(m, str) for m in messages):
            out[prefix or "_schema"] = [translate_problem(m) for m in messages]
        else:
            for item in messages:
                for field, problems in flatten_messages(item, prefix).items():
                    out.setdefault(field, []).extend(problems)
    else:
        out[prefix or "_schema"] = [translate_problem(messages)]
    return out


_HTTP_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
}


#: The message of an HTTP error that is not one of ours (an unknown URL, a wrong method, webargs).
_HTTP_MESSAGES: dict[int, Callable[[], str]] = {
    400: lambda: _("The request could not be understood."),
    401: lambda: _("Log in or send a valid API token."),
    403: lambda: _("You are not allowed to do this."),
    404: lambda: _("Not found."),
    405: lambda: _("This method is not allowed here."),
    409: lambda: _("The request conflicts with the current state; reload and try again."),
    413: lambda: _("The upload is too large."),
    415: lambda: _("This content type is not accepted here."),
    422: lambda: _("Some fields are not valid."),
    429: lambda: _("Too many attempts; wait a few minutes and try again."),
    500: lambda: _("Internal error; it has been logged."),
}


def http_error_body(exc: HTTPException) -> tuple[dict, int]:
    """The JSON error body of a werkzeug/flask-smorest HTTP exception (webargs parse errors included)."""
    status = exc.code or 500
    fields: dict[str, list[str]] = {}
    malformed_json = False
    data = getattr(exc, "data", None) or {}
    messages = data.get("messages") if isinstance(data, Mapping) else None
    if messages:
        # webargs nests problems by location ("json", "query", "files", "form"); a body that is not
        # a JSON object at all arrives as a list under "json".
        for location, problems in messages.items():
            if isinstance(problems, Mapping):
                fields.update(flatten_messages(problems))
            else:
                malformed_json |= any("Invalid JSON" in str(p) for p in problems)
                fields.setdefault("_schema" if location == "json" else location, []).extend(
                    translate_problem(p) for p in problems
                )
    if status == 400 and malformed_json:
        return GatekeeperError(_("The body is not valid JSON."), code="malformed_json").to_dict(), 400
    code = _HTTP_CODES.get(status, "error")
    say = _HTTP_MESSAGES.get(status)
    message = say() if say is not None else (exc.description or exc.name)
    return GatekeeperError(message, code=code, fields=fields).to_dict(), status


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def register_error_handlers(app: Flask) -> None:
    """Map domain errors, HTTP errors and database races to answers, never a bare 500.

    The API answers JSON; pages answer through ``core.web.html_error`` (a log-in redirect, a message
    flashed on the page the form came from, or an error page), with the same message.
    """
    from flask_wtf.csrf import CSRFError

    from gatekeeper.core.web import html_error

    def answer(error: GatekeeperError):
        if wants_json():
            return jsonify(error.to_dict()), error.status
        return html_error(error)

    @app.errorhandler(GatekeeperError)
    def _domain(exc: GatekeeperError):
        from gatekeeper.extensions import db

        db.session.rollback()
        return answer(exc)

    @app.errorhandler(MarshmallowValidationError)
    def _schema(exc: MarshmallowValidationError):
        from gatekeeper.extensions import db

        db.session.rollback()
        return answer(ValidationFailed(fields=flatten_messages(exc.messages)))

    @app.errorhandler(StaleDataError)
    @app.errorhandler(IntegrityError)
    def _race(exc):
        from gatekeeper.extensions import db

        db.session.rollback()
        log.info("conflict: %s", exc)
        return answer(Conflict())

    @app.errorhandler(OperationalError)
    def _operational(exc):
        from gatekeeper.extensions import db

        db.session.rollback()
        text = str(exc.orig) if exc.orig is not None else str(exc)
        if "could not serialize" in text or "deadlock" in text or "database is locked" in text:
            return answer(Conflict())
        raise exc

    @app.errorhandler(CSRFError)
    def _csrf(_exc):
        return answer(
            BadRequest(
                _(
                    "This form has expired or was not sent from this site. "
                    "Go back, reload the page and send it again."
                ),
                code="csrf_failed",
            )
        )

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        body, status = http_error_body(exc)
        if wants_json():
            return jsonify(body), status
        error = GatekeeperError(body["error"]["message"], code=body["error"]["code"])
        error.status = status
        return html_error(error)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        if isinstance(exc, HTTPException):
            return _http(exc)
        if app.testing:
            raise exc  # let the test see the real traceback
        log.exception("unexpected error on %s %s", request.method, request.path)
        from gatekeeper.extensions import db

        db.session.rollback()
        error = GatekeeperError(_("Internal error; it has been logged."), code="internal_error")
        error.status = 500
        return answer(error)
