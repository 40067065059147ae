"""Languages: Chinese by default, English on request (``?lang=en``, a ``lang`` cookie, or the
browser's Accept-Language). Message ids in code are English; ``translations/zh`` holds Chinese.

The catalogues are maintained with ``gatekeeper i18n`` (extract, update, compile, check); the app
loads only the compiled ``messages.mo``.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, g, has_request_context, request
from flask_babel import get_translations

from gatekeeper.extensions import babel

LOCALES = ("zh", "en")
#: The language of the message ids in the code: it needs no catalogue.
SOURCE_LOCALE = "en"


def normalise(value: str | None) -> str | None:
    """``"en-US"``, ``"EN"``, ``"zh_CN"``, ``"zh-Hans"`` → ``"en"`` / ``"zh"``; anything else → ``None``."""
    if not value:
        return None
    primary = value.strip().replace("_", "-").split("-", 1)[0].lower()
    return primary if primary in LOCALES else None


def select_locale() -> str:
    default = current_app.config.get("DEFAULT_LOCALE", "zh")
    if not has_request_context():
        return default
    chosen = normalise(request.args.get("lang")) or normalise(request.cookies.get("lang"))
    if chosen:
        return chosen
    return request.accept_languages.best_match(LOCALES, default=default)


def current_lang() -> str:
    """``"zh"`` or ``"en"``: the language of the current answer."""
    return select_locale()


def _translations():
    """The catalogue of this request's language, looked up once per request (a page says a thousand
    words; Flask-Babel would find the catalogue again for each). Inside ``force_locale`` it is
    looked up afresh, as Flask-Babel does."""
    forced = getattr(g.get("_flask_babel"), "forced_babel_locale", None)
    if forced is not None:
        return get_translations()
    found = g.get("gk_translations")
    if found is None:
        found = g.gk_translations = get_translations()
    return found


def init_i18n(app: Flask) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", "translations")
    babel.init_app(
        app, locale_selector=select_locale, default_locale="zh", default_timezone=app.config["TIMEZONE"]
    )
    app.jinja_env.install_gettext_callables(
        lambda text: _translations().ugettext(text),
        lambda singular, plural, n: _translations().ungettext(singular, plural, n),
        newstyle=True,
    )

    @app.after_request
    def _vary_by_language(response: Response) -> Response:
        # The same URL answers in either language: caches must key on what chooses it.
        response.vary.add("Accept-Language")
        response.vary.add("Cookie")
        return response
