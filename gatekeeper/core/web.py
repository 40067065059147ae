"""HTML pages: forms loaded by the API's own schemas, paginated and sortable lists, navigation.

A page view is written like an API view (STYLE): load the object (404), decide one permission (403),
load the form through the action's marshmallow schema, call one operation, commit once, then redirect
(after a POST) or render. ``PageForm`` turns the posted form into the body the API would receive, so
one schema serves both; its errors come back field by field and the page re-renders with what the user
typed. ``list_page`` paginates and sorts any SELECT in two queries, whatever the number of rows.

Every feature's ``pages.py`` may declare ``NAV`` (its entries in the menu, per role) and ``HOME`` (the
page a role lands on after log-in); ``create_app`` collects them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

import sqlalchemy as sa
from flask import current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import Schema
from marshmallow import ValidationError as MarshmallowValidationError
from werkzeug.datastructures import MultiDict
from werkzeug.routing import IntegerConverter

from gatekeeper.core.errors import RuleViolation, ValidationFailed, flatten_messages
from gatekeeper.core.money import parse_yuan, yuan
from gatekeeper.extensions import db

# --- navigation -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class NavItem:
    """An entry of the main menu: shown to the given roles, in ``order``."""

    endpoint: str
    label: Any  # a lazy_gettext string
    roles: tuple
    order: int = 50


def nav_for(user) -> list[NavItem]:
    if not getattr(user, "is_authenticated", False):
        return []
    items = current_app.extensions["gatekeeper_nav"]
    return [item for item in items if user.role in item.roles]


def home_endpoint(user) -> str | None:
    """The page ``user`` lands on: their role's home, declared by a feature's ``HOME``."""
    return current_app.extensions["gatekeeper_home"].get(user.role)


def collect_pages(app, modules: Iterable) -> None:
    """Register every feature's page blueprints, menu entries and homes."""
    nav: list[NavItem] = []
    homes: dict = {}
    for module in modules:
        for page in module.PAGES:
            app.register_blueprint(page)
        nav.extend(getattr(module, "NAV", ()))
        homes.update(getattr(module, "HOME", {}))
    app.extensions["gatekeeper_nav"] = sorted(nav, key=lambda item: item.order)
    app.extensions["gatekeeper_home"] = homes


# --- safe redirects -------------------------------------------------------------------------------


def safe_next(target: str | None, default: str) -> str:
    """``target`` when it is a path of this site (never another host, never ``//host``), else ``default``."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target:
        return default
    return target


def back(default: str | None = None):
    """Redirect (303) to the page the form was posted from, when it is ours, else to ``default``."""
    fallback = default or request.path
    referrer = request.referrer or ""
    parts = urlsplit(referrer)
    if parts.netloc and parts.netloc == request.host:
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        return redirect(safe_next(target, fallback), 303)
    return redirect(fallback, 303)


# --- forms ----------------------------------------------------------------------------------------


def _set(target: dict, dotted: str, value: Any) -> None:
    keys = dotted.split(".")
    for key in keys[:-1]:
        target = target.setdefault(key, {})
    target[keys[-1]] = value


def _get(source: Mapping, dotted: str, default: Any = None) -> Any:
    value: Any = source
    for key in dotted.split("."):
        if not isinstance(value, Mapping) or key not in value:
            return default
        value = value[key]
    return value


def _amount(text: str) -> int | str:
    """A typed amount in 元 (``"9,500,000"``, ``"8418.5"``, ``"12 元"``) as fen, or the text unchanged
    (the schema then says it is not a valid integer)."""
    cleaned = text.replace(",", "").replace("，", "").replace("元", "").replace("¥", "").strip()
    try:
        return parse_yuan(cleaned)
    except ValueError:
        return text


def form_input(
    form: MultiDict,
    *,
    lists: Iterable[str] = (),
    booleans: Iterable[str] = (),
    integers: Iterable[str] = (),
    money: Iterable[str] = (),
    ignore: Iterable[str] = ("csrf_token",),
) -> dict[str, Any]:
    """The posted form as the JSON body the API would receive.

    Dotted names nest (``scope.type`` → ``{"scope": {"type": ...}}``); ``lists`` are multi-valued;
    ``booleans`` are checkboxes (present → true); ``integers`` are converted when they are digits;
    ``money`` fields are typed in 元 and sent as integer fen. An empty text field is left out, so the
    schema's default applies (or it reports the field as missing).
    """
    lists, booleans, integers, money = set(lists), set(booleans), set(integers), set(money)
    body: dict[str, Any] = {}
    for name in booleans:
        _set(body, name, name in form and form.get(name) not in ("", "0", "false", "off"))
    for name in lists:
        _set(body, name, [v.strip() for v in form.getlist(name) if v.strip()])
    for name in form:
        if name in ignore or name in booleans or name in lists:
            continue
        value = form.get(name, "").strip()
        if value == "":
            continue
        if name in money:
            _set(body, name, _amount(value))
        elif name in integers and value.lstrip("-").isdigit():
            _set(body, name, int(value))
        else:
            _set(body, name, value)
    return body


@dataclass
class PageForm:
    """A form posted to a page, loaded by an API schema; errors and typed values for the template.

    ``initial`` holds the values shown before anything is posted, keyed by the fields' dotted names
    (money in fen: shown in 元).
    """

    schema: Schema
    lists: tuple = ()
    booleans: tuple = ()
    integers: tuple = ()
    money: tuple = ()
    initial: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)
    findings: list[dict] = field(default_factory=list)
    data: dict[str, Any] | None = None
    result: Any = None

    @property
    def submitted(self) -> bool:
        return request.method == "POST"

    def body(self) -> dict[str, Any]:
        return form_input(
            request.form, lists=self.lists, booleans=self.booleans, integers=self.integers, money=self.money
        )

    def validate(self) -> bool:
        """Load the posted form; ``False`` (with ``errors``) when the schema refuses it."""
        try:
            self.data = self.schema.load(self.body())
        except MarshmallowValidationError as exc:
            self.errors = flatten_messages(exc.messages)
            return False
        return True

    def apply(self, run: Callable[[dict[str, Any]], Any]) -> bool:
        """Validate, then ``run(data)`` (one operation); its validation errors become field errors.

        Returns ``True`` when the operation went through (the caller commits and redirects). On a
        validation error the session is rolled back: nothing of the attempt stays.
        """
        if not self.submitted or not self.validate():
            return False
        try:
            self.result = run(self.data)
        except ValidationFailed as exc:
            db.session.rollback()
            self.errors = dict(exc.fields) or {"_schema": [exc.message]}
            if exc.fields and exc.message:
                self.errors.setdefault("_schema", [exc.message])
            if isinstance(exc, RuleViolation):
                self.findings = list(exc.extra.get("findings", []))
            return False
        except MarshmallowValidationError as exc:
            db.session.rollback()
            self.errors = flatten_messages(exc.messages)
            return False
        return True

    # what the template reads

    def value(self, name: str, default: Any = "") -> Any:
        """What the field shows: as typed when posted, else its initial value (money in 元)."""
        if self.submitted and name not in self.booleans:
            if name in self.lists:
                return request.form.getlist(name)
            return request.form.get(name, default)
        if self.submitted:
            return name in request.form
        value = self.initial.get(name, _get(self.initial, name, default))
        if name in self.money and isinstance(value, int) and not isinstance(value, bool):
            return yuan(value) if value else ""
        return default if value is None else value

    def error(self, name: str) -> list[str]:
        return self.errors.get(name, [])

    def errors_under(self, prefix: str) -> list[str]:
        """The problems of a field and of everything nested under it (``scope`` → ``scope.codes``)."""
        return [
            p
            for key, problems in self.errors.items()
            if key == prefix or key.startswith(prefix + ".")
            for p in problems
        ]

    @property
    def general_errors(self) -> list[str]:
        return self.errors.get("_schema", [])

    def render(self, template: str, **context):
        """The page with this form: 422 when it was refused, so a browser and a test both see it."""
        status = 422 if self.errors else 200
        return render_template(template, form=self, **context), status


def done(message: str, endpoint: str, **values):
    """After a successful action: commit, say so, and redirect (303) to the page given."""
    db.session.commit()
    flash(message, "success")
    return redirect(url_for(endpoint, **values), 303)


# --- lists ----------------------------------------------------------------------------------------

PER_PAGE_CHOICES = (10, 25, 50, 100)


@dataclass
class ListPage:
    """One page of a list, with what the template needs for sorting, paging and keeping filters."""

    items: list
    total: int
    page: int
    per_page: int
    sort: str
    sorts: tuple[str, ...]
    args: dict[str, str]

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def first(self) -> int:
        return 0 if not self.total else (self.page - 1) * self.per_page + 1

    @property
    def last(self) -> int:
        return min(self.total, self.page * self.per_page)

    def url(self, **changes: Any) -> str:
        """This list's address with ``changes`` (filters and sort kept; a new filter goes to page 1)."""
        args = {**self.args, **{k: v for k, v in changes.items()}}
        if "page" not in changes:
            args.pop("page", None)
        args = {k: v for k, v in args.items() if v not in (None, "")}
        return url_for(request.endpoint, **(request.view_args or {}), **args)

    def sort_url(self, key: str) -> str:
        """Sort by ``key``; the same key again reverses the order."""
        return self.url(sort=f"-{key}" if self.sort == key else key)

    def sort_state(self, key: str) -> str | None:
        """``"ascending"`` / ``"descending"`` for the column sorted by, for ``aria-sort``."""
        if self.sort == key:
            return "ascending"
        if self.sort == f"-{key}":
            return "descending"
        return None


def enum_arg(enum_cls, value: str | None):
    """The member of ``enum_cls`` a filter's value names (``?kind=duty``), or ``None`` for anything else."""
    try:
        return enum_cls(value or "")
    except ValueError:
        return None


def _int_arg(name: str, default: int) -> int:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() and int(value) > 0 else default


def list_page(
    stmt: sa.Select,
    *,
    sorts: Mapping[str, Any],
    default_sort: str,
    per_page: int = 25,
    count_stmt: sa.Select | None = None,
    keep: Iterable[str] = (),
    rows: bool = False,
) -> ListPage:
    """One page of ``stmt``, sorted by ``?sort=key`` or ``?sort=-key`` (``sorts`` maps keys to a column or
    a tuple of columns; unknown keys fall back to ``default_sort``); ``?page=``, ``?per_page=``.

    Two queries, whatever the number of rows. ``keep`` names the filter arguments that links keep.
    ``rows``: the SELECT names several entities or columns; the items are its rows (tuples).
    """
    chosen = request.args.get("sort", default_sort)
    if chosen.lstrip("-") not in sorts:
        chosen = default_sort
    columns = sorts[chosen.lstrip("-")]
    columns = columns if isinstance(columns, tuple) else (columns,)
    order = [c.desc() if chosen.startswith("-") else c.asc() for c in columns]
    size = _int_arg("per_page", per_page)
    size = size if size in PER_PAGE_CHOICES else per_page
    if count_stmt is None:
        count_stmt = sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery())
    total = db.session.scalar(count_stmt) or 0
    pages = max(1, math.ceil(total / size))
    page = min(_int_arg("page", 1), pages)
    ordered = stmt.order_by(None).order_by(*order).limit(size).offset((page - 1) * size)
    found = db.session.execute(ordered).unique().all() if rows else db.session.scalars(ordered).unique().all()
    args = {k: request.args[k] for k in (*keep, "sort", "per_page", "page") if request.args.get(k)}
    return ListPage(
        items=list(found),
        total=total,
        page=page,
        per_page=size,
        sort=chosen,
        sorts=tuple(sorts),
        args=args,
    )


def render_page(template: str, status: int = 200, **context):
    return render_template(template, **context), status


def page_title_suffix() -> str:
    return _("Community work admission")


def current_user_unread() -> int:
    """Unread notifications of the current user (one query per page, cached for the request)."""
    from flask_login import current_user

    if not getattr(current_user, "is_authenticated", False):
        return 0
    if "gk_unread" not in g:
        from gatekeeper.modules.notifications.models import Notification

        g.gk_unread = db.session.scalar(
            sa.select(sa.func.count(Notification.id)).where(
                Notification.user_id == current_user.id, Notification.read_at.is_(None)
            )
        )
    return g.gk_unread


# --- errors on pages ------------------------------------------------------------------------------

#: Statuses that, after a form was posted, are said on the page it came from (the action could not be
#: taken now); the others (401, 403, 404, 500) answer with the log-in page or an error page.
_SAID_ON_THE_PAGE = {400, 409, 422, 429}


def html_error(error):
    """A domain or HTTP error on a page: log in, a flashed message on the page before, or an error page."""
    from gatekeeper.core.permissions import user_is_logged_in

    status = error.status
    g.error_answer = True
    if status == 401 and not user_is_logged_in():
        if g.get("session_timed_out"):
            flash(_("Your session ended after a while without use; log in again."), "info")
        target = request.full_path.rstrip("?") if request.method == "GET" else None
        if target is None and request.referrer:
            target = urlsplit(request.referrer).path
        return redirect(url_for("accounts_pages.login", next=safe_next(target, "/")), 303)
    if request.method == "POST" and status in _SAID_ON_THE_PAGE and error.code != "csrf_failed":
        flash(error.message, "error")
        return back()
    return render_template("errors/error.html", status=status, error=error), status


# --- public pages (no log-in: verification, published lists) ------------------------------------

#: What a public page may load: this site's stylesheets and images, nothing else; no script at all.
PUBLIC_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
#: The language switch names the other language in that language.
OTHER_LANGUAGE = {"zh": ("en", "English"), "en": ("zh", "中文")}


def public_language() -> dict[str, Any]:
    """What ``base_public.html`` needs: the page's language, the switch to the other one (the same page
    and query, ``?lang=`` set), and ``lang_args`` for links that keep a language named in the address."""
    from gatekeeper.core.i18n import current_lang, normalise

    lang = current_lang()
    other, switch_label = OTHER_LANGUAGE[lang]
    chosen = normalise(request.args.get("lang"))
    values = {**request.args.to_dict(), **(request.view_args or {}), "lang": other}
    return {
        "lang": lang,
        "switch_url": url_for(request.endpoint, **values),
        "switch_label": switch_label,
        "switch_lang": other,
        "lang_args": {"lang": chosen} if chosen else {},
    }


def public_headers(response):
    """A public page's stricter policy; no referrer (a verification address holds its code)."""
    response.headers["Content-Security-Policy"] = PUBLIC_CSP
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


# --- every answer ---------------------------------------------------------------------------------

#: Pages load scripts, styles, images and fonts from this site only; nothing inline, no frames.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)


def security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    from gatekeeper.core.permissions import user_is_logged_in

    if response.mimetype == "text/html" and user_is_logged_in():
        # What a logged-in user sees is theirs: no shared cache, no back-button copy after log-out.
        headers["Cache-Control"] = "no-store"
    return response


def check_csrf() -> None:
    """Forms and the browser's own API calls carry the session's CSRF token; bearer clients need none.

    An API call without a session user has no ambient authority to abuse, so it is not checked (it
    answers 401, or is public).
    """
    from flask import session

    from gatekeeper.core.auth import token_from_header
    from gatekeeper.core.errors import NotAuthenticated
    from gatekeeper.extensions import csrf

    if not current_app.config.get("WTF_CSRF_ENABLED", True):
        return
    if request.method in ("GET", "HEAD", "OPTIONS", "TRACE") or token_from_header() is not None:
        return
    api = request.path.startswith("/api/")
    if api and "_user_id" not in session:
        return
    if not api and g.get("session_timed_out"):
        raise NotAuthenticated()
    csrf.protect()


class DatabaseInteger(IntegerConverter):
    """``<int:...>`` in every route: an id the database's INTEGER cannot hold is no page (404),
    rather than an error from PostgreSQL."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(url_map, *args, **kwargs)


def template_helpers() -> dict[str, Any]:
    """What every template may call: permissions, labels, money, the menu, language, counts."""
    from flask_login import current_user

    from gatekeeper.core import labels
    from gatekeeper.core.i18n import current_lang
    from gatekeeper.core.money import yuan_grouped

    def can(check: str, *objects: Any) -> bool:
        """``can("can_accept_request", req)``: the same function the endpoint decides with."""
        if not getattr(current_user, "is_authenticated", False):
            return False
        return bool(current_app.extensions["gatekeeper_permissions"][check](current_user, *objects))

    def money(fen: int | None) -> str:
        if fen is None:
            return ""
        return _("%(amount)s yuan", amount=yuan_grouped(fen))

    def switch_language_url() -> str:
        """The other language, back on this page (a ``lang`` in the address would override the choice)."""
        other = "en" if current_lang() == "zh" else "zh"
        args = request.args.copy()
        args.pop("lang", None)
        here = request.path + (f"?{urlencode(list(args.items(multi=True)))}" if args else "")
        return url_for("accounts_pages.language", code=other, next=here)

    return {
        "can": can,
        "label": labels.label,
        "tone": labels.tone,
        "money": money,
        "nav_items": lambda: nav_for(current_user),
        "unread_count": current_user_unread,
        "lang": current_lang,
        "switch_language_url": switch_language_url,
        "page_url": page_url,
    }


def collect_permissions(modules: Iterable) -> dict[str, Callable]:
    """Every ``can_*`` function of the features' ``permissions`` modules, by name, for ``can()``."""
    found: dict[str, Callable] = {}
    for module in modules:
        for name in dir(module):
            if name.startswith("can_") and callable(getattr(module, name)):
                found.setdefault(name, getattr(module, name))
    return found


def init_pages(app) -> None:
    """CSRF, security headers and template helpers for every answer."""
    from gatekeeper import feature_parts
    from gatekeeper.extensions import csrf

    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)  # checked by ``check_csrf`` instead
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # valid as long as the session
    csrf.init_app(app)
    app.before_request(check_csrf)
    app.after_request(security_headers)
    # Globals, not a context processor: macros imported without context see them too.
    app.jinja_env.globals.update(template_helpers())
    app.extensions["gatekeeper_permissions"] = collect_permissions(feature_parts("permissions"))
    collect_pages(app, feature_parts("pages"))


def page_url(endpoint: str, **values: Any) -> str | None:
    """The address of a page, or ``None`` when no such page exists (a link is then left out)."""
    if endpoint not in current_app.view_functions:
        return None
    return url_for(endpoint, **values)
