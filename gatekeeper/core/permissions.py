"""Permission decisions: every endpoint makes exactly one before it does anything.

Features write their rules as plain functions ``can_<verb>(user, obj) -> bool`` in their
``permissions.py``. Endpoints use :func:`permission` (load the object, 404 if the user may not even
see it, 403 if the action is not allowed) or call :func:`authorize` themselves. Public endpoints are
marked with :func:`public`. A guard after every request fails closed when an endpoint answered
successfully without having made a decision, and a test walks every route to check the markers.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from flask import Flask, g, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from gatekeeper.core.errors import GatekeeperError, NotAllowed, NotAuthenticated, NotFound

log = logging.getLogger(__name__)

PUBLIC = "public"


def user_is_logged_in() -> bool:
    return bool(current_user) and current_user.is_authenticated


def user():
    """The authenticated user, or raise 401."""
    if not current_user or not current_user.is_authenticated:
        raise NotAuthenticated()
    return current_user._get_current_object()


class Denied:
    """A negative permission answer that says why (falsy, so ``if can_x(...)`` reads naturally)."""

    __slots__ = ("code", "message")

    def __init__(self, code: str, message: str | None = None):
        self.code = code
        self.message = message

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return f"Denied({self.code!r})"


def authorize(allowed: bool | Denied, message: str | None = None) -> None:
    """Record the permission decision of this request; raise 403 when it is negative."""
    g.permission_decided = True
    if not allowed:
        if isinstance(allowed, Denied):
            raise NotAllowed(allowed.message or message, code=allowed.code)
        raise NotAllowed(message)


def public(view: Callable) -> Callable:
    """Mark a view that anyone may call without logging in."""
    view.permission = PUBLIC

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        g.permission_decided = True
        return view(*args, **kwargs)

    return wrapper


def permission(
    check: Callable[..., bool],
    *,
    load: Callable[..., Any] | None = None,
    can_see: Callable[[Any, Any], bool] | None = None,
) -> Callable:
    """Decorate a view: log-in required, optional object loading and one permission decision.

    ``load(**url_kwargs)`` returns the object or ``None`` (404); ``can_see(user, obj)`` false is also
    a 404, so nobody learns that an object they may not see exists; ``check(user, obj)`` (or
    ``check(user)`` without ``load``) false is a 403. The loaded object is passed to the view as its
    first positional argument, before any parsed body.
    """

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            actor = user()
            if load is None:
                authorize(check(actor))
                return view(*args, **kwargs)
            obj = load(**kwargs)
            if obj is None or (can_see is not None and not can_see(actor, obj)):
                g.permission_decided = True
                raise NotFound()
            authorize(True if check is can_see else check(actor, obj))
            return view(obj, *args)

        wrapper.permission = check.__name__
        return wrapper

    return decorator


#: Endpoints that are not views of ours (static files, the OpenAPI document and its viewer).
ALLOWED_WITHOUT_DECISION = {"static", "api-docs.openapi_json", "api_docs.page", "api_docs.asset"}


def install_guard(app: Flask) -> None:
    """Fail closed: a successful answer from a view that made no permission decision becomes 500."""

    @app.before_request
    def _reset():
        g.permission_decided = False

    @app.after_request
    def _check(response):
        endpoint = request.endpoint
        if (
            endpoint
            and endpoint not in ALLOWED_WITHOUT_DECISION
            and response.status_code < 400
            and not g.get("permission_decided", False)
            and not g.get("error_answer", False)  # a page's redirect to log in, or back with a message
        ):
            log.error("endpoint %s answered without a permission decision", endpoint)
            failed = jsonify(
                GatekeeperError(_("Internal error; it has been logged."), code="internal_error").to_dict()
            )
            failed.status_code = 500
            return failed
        return response
