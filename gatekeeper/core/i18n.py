"""Languages: Chinese by default, English on request (``?lang=en``, a ``lang`` cookie, or the
browser's Accept-Language). Message ids in code are English; ``translations/zh`` holds Chinese."""

from __future__ import annotations

from flask import Flask, current_app, has_request_context, request

from gatekeeper.extensions import babel

LOCALES = ("zh", "en")


def select_locale() -> str:
    default = current_app.config.get("DEFAULT_LOCALE", "zh")
    if not has_request_context():
        return default
    chosen = request.args.get("lang") or request.cookies.get("lang")
    if chosen in LOCALES:
        return chosen
    return request.accept_languages.best_match(LOCALES, default=default)


def current_lang() -> str:
    """``"zh"`` or ``"en"``: the language of the current answer."""
    return select_locale()


def init_i18n(app: Flask) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", "translations")
    babel.init_app(
        app, locale_selector=select_locale, default_locale="zh", default_timezone=app.config["TIMEZONE"]
    )
