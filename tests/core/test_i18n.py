"""Languages: the Chinese catalogue covers the code, the compiled catalogue is current, and API errors
answer in Chinese by default and in English on request, with the same error codes.

- every message id of the code (extracted now, in memory) has a Chinese translation, not fuzzy, with
  the same placeholders; the committed ``messages.mo`` is exactly a fresh compile of the ``.po``;
- marshmallow's and webargs' own messages are translated where errors are shaped, English kept;
- ``?lang=``, the ``lang`` cookie and Accept-Language choose the language of ``message`` and ``fields``;
- the ``gatekeeper i18n`` commands: update keeps translations and adds new ids untranslated, compile
  refuses an untranslated entry, check fails on a missing id or a stale ``.mo``.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
import shutil

import pytest
from babel.messages.mofile import read_mo
from click.testing import CliRunner
from marshmallow import Schema, ValidationError, fields, validate
from marshmallow.exceptions import ValidationError as MarshmallowError

from gatekeeper.core import clock
from gatekeeper.core.errors import flatten_messages, translate_problem
from gatekeeper.modules.i18n import messages
from gatekeeper.modules.i18n.cli import i18n_group
from tests import factories
from tests.factories import TODAY, body

API = "/api/v1"
CJK = re.compile(r"[\u4e00-\u9fff]")


def chinese(text: str) -> bool:
    return bool(CJK.search(text))


@pytest.fixture(scope="module")
def code_template():
    """The messages of the code as it is now (not the committed .pot)."""
    return messages.extract()


@pytest.fixture(scope="module")
def zh_catalogue():
    return messages.load("zh")


# --- the catalogue --------------------------------------------------------------------------------


def test_the_extraction_finds_the_messages_of_the_code_but_not_of_the_rules(code_template):
    ids = messages.message_ids(code_template)
    assert len(ids) > 100
    files = {filename for message in code_template for filename, _line in message.locations}
    assert "gatekeeper/core/errors.py" in files
    assert not any(f.startswith("gatekeeper/rules/") for f in files)
    assert all(f.startswith(("gatekeeper/", "templates/")) for f in files)
    # marshmallow's and webargs' messages are ids too, as templates with placeholders
    assert "Missing data for required field." in ids
    assert "Longer than maximum length %(n)s." in ids
    assert "Invalid JSON body." in ids


def test_the_extraction_config_reads_python_and_templates_with_the_keywords(tmp_path):
    (tmp_path / "gatekeeper" / "rules").mkdir(parents=True)
    (tmp_path / "gatekeeper" / "modules").mkdir()
    (tmp_path / "templates" / "api").mkdir(parents=True)
    (tmp_path / "tests").mkdir()
    (tmp_path / "gatekeeper" / "modules" / "x.py").write_text(
        "_('One.')\ngettext('Two.')\nlazy_gettext('Three.')\n_l('Four.')\n"
        "ngettext('%(n)s row.', '%(n)s rows.', n)\nN_('Not a keyword.')\n"
        "# TRANSLATORS: a hint\n_('Five.')\n",
        encoding="utf-8",
    )
    (tmp_path / "gatekeeper" / "rules" / "r.py").write_text(
        "_('Rules are not extracted.')\n", encoding="utf-8"
    )
    (tmp_path / "tests" / "t.py").write_text("_('Tests are not extracted.')\n", encoding="utf-8")
    (tmp_path / "templates" / "api" / "page.html").write_text(
        "<p>{{ _('Six.') }}</p>{% trans %}Seven.{% endtrans %}", encoding="utf-8"
    )
    template = messages.extract(root=tmp_path)
    assert messages.message_ids(template) == [
        "One.",
        "Two.",
        "Three.",
        "Four.",
        ("%(n)s row.", "%(n)s rows."),
        "Five.",
        "Six.",
        "Seven.",
    ]
    assert template.get("Five.").auto_comments == ["a hint"]
    assert template.get("Six.").locations == [("templates/api/page.html", 1)]


def test_every_message_of_the_code_has_a_chinese_translation(code_template, zh_catalogue):
    wrong = []
    for message in code_template:
        if not message.id:
            continue
        entry = zh_catalogue.get(message.id, message.context)
        if entry is None:
            wrong.append(f"missing: {message.id!r}")
            continue
        if entry.fuzzy:
            wrong.append(f"fuzzy: {message.id!r}")
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = entry.string if isinstance(entry.string, tuple | list) else (entry.string,)
        for index, string in enumerate(strings):
            source = ids[min(index, len(ids) - 1)]
            if not (string or "").strip():
                wrong.append(f"untranslated: {message.id!r}")
            elif message.python_format and messages.placeholders(string) != messages.placeholders(source):
                wrong.append(f"placeholders differ: {message.id!r} -> {string!r}")
            elif not chinese(string):
                wrong.append(f"not Chinese: {message.id!r} -> {string!r}")
    assert not wrong, "\n".join(wrong)


def test_the_catalogue_has_no_fuzzy_empty_or_broken_entry(zh_catalogue):
    assert not zh_catalogue.fuzzy
    assert messages.entry_problems(zh_catalogue) == []
    assert zh_catalogue.num_plurals == 1


def test_the_committed_mo_is_a_fresh_compile_of_the_po(zh_catalogue):
    committed = messages.mo_file("zh").read_bytes()
    assert committed == messages.compile_mo(zh_catalogue), "run `gatekeeper i18n compile`"
    with messages.mo_file("zh").open("rb") as fileobj:
        compiled = {_key(m.id): _key(m.string) for m in read_mo(fileobj) if m.id}
    assert compiled == {_key(m.id): _key(m.string) for m in zh_catalogue if m.id}


def _key(value):
    """Plural entries have a tuple (or list) of ids and strings."""
    return tuple(value) if isinstance(value, list | tuple) else value


def test_placeholders_are_read_as_python_formats():
    assert messages.placeholders("row %(row)s, %(n)d of %s; 100%%") == ["%(n)d", "%(row)s", "%s"]
    assert messages.placeholders("第 %(row)s 行") == ["%(row)s"]


# --- marshmallow's and webargs' messages --------------------------------------------------------


class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Everything(Schema):
    """A field or a validator of every sort the app uses, each given a value it refuses."""

    required = fields.String(required=True)
    null = fields.String()
    string = fields.String()
    utf8 = fields.String()
    integer = fields.Integer(strict=True)
    huge = fields.Integer()
    boolean = fields.Boolean()
    date = fields.Date()
    moment = fields.AwareDateTime()
    naive = fields.AwareDateTime()
    items = fields.List(fields.String())
    mapping = fields.Dict()
    nested = fields.Nested(lambda: Inner())
    colour = fields.Enum(Colour, by_value=True)
    choice = fields.String(validate=validate.OneOf(["merge", "replace"]))
    between = fields.String(validate=validate.Length(min=2, max=5))
    short = fields.String(validate=validate.Length(min=3))
    long = fields.String(validate=validate.Length(max=3))
    exact = fields.String(validate=validate.Length(equal=4))
    range = fields.Integer(validate=validate.Range(min=1, max=200))
    low = fields.Integer(validate=validate.Range(min=1))
    high = fields.Integer(validate=validate.Range(max=10))
    pattern = fields.String(validate=validate.Regexp(r"^[A-Z]+$"))


class Inner(Schema):
    name = fields.String()


BAD = {
    "null": None,
    "string": 12,
    "utf8": b"\xff",
    "integer": "x",
    "huge": float("inf"),
    "boolean": "perhaps",
    "date": "2026-13-01",
    "moment": "not a time",
    "naive": "2026-06-01T09:00:00",
    "items": "a",
    "mapping": [1],
    "nested": "flat",
    "colour": "green",
    "choice": "mix",
    "between": "a" * 6,
    "short": "ab",
    "long": "abcd",
    "exact": "abc",
    "range": 201,
    "low": 0,
    "high": 11,
    "pattern": "abc",
    "unknown": 1,
}


def library_problems() -> dict[str, list[str]]:
    try:
        Everything().load(BAD)
    except MarshmallowError as exc:
        return exc.messages
    raise AssertionError("the schema accepted everything")


def test_marshmallow_messages_are_chinese_in_chinese(app):
    raw = library_problems()
    assert set(raw) == set(BAD) | {"required"}
    with app.test_request_context("/?lang=zh"):
        shaped = flatten_messages(raw)
        # webargs' (and marshmallow's "validator_failed", unused by marshmallow 4 itself)
        webargs = [translate_problem("Invalid JSON body."), translate_problem("Invalid value.")]
    english = {**flatten_messages_outside_a_request(raw)}
    assert set(shaped) == set(english)
    for field, problems in shaped.items():
        for problem, original in zip(problems, english[field], strict=True):
            assert chinese(problem), (field, original, problem)
            # numbers, bounds and choices survive the translation
            assert set(re.findall(r"\d+", problem)) >= set(re.findall(r"\d+", original)), (original, problem)
    assert shaped["between"] == ["长度必须在 2 至 5 个字符之间。"]
    assert shaped["long"] == ["长度不能超过 3 个字符。"]
    assert shaped["choice"] == ["必须是以下值之一：merge, replace。"]
    assert all(chinese(problem) for problem in webargs)


def flatten_messages_outside_a_request(raw) -> dict[str, list[str]]:
    """marshmallow's own wording, flattened the same way."""
    out: dict[str, list[str]] = {}
    for key, value in raw.items():
        if isinstance(value, dict):
            for inner, problems in value.items():
                out[f"{key}.{inner}" if inner != "_schema" else key] = list(problems)
        else:
            out[str(key)] = list(value)
    return out


def test_marshmallow_messages_keep_their_wording_in_english(app):
    raw = library_problems()
    with app.test_request_context("/?lang=en"):
        shaped = flatten_messages(raw)
        assert translate_problem("Invalid JSON body.") == "Invalid JSON body."
        assert translate_problem("Invalid value.") == "Invalid value."
    assert shaped == flatten_messages_outside_a_request(raw)
    assert shaped["long"] == ["Longer than maximum length 3."]


def test_the_apps_own_problems_pass_unchanged(app):
    with app.test_request_context("/"):
        assert translate_problem("结束日期早于开始日期") == "结束日期早于开始日期"
        assert flatten_messages({"a": {"b": ["Already Chinese? 不翻译"]}}) == {
            "a.b": ["Already Chinese? 不翻译"]
        }
        assert flatten_messages(ValidationError("Unknown field.").messages) == {"_schema": ["未知字段。"]}


# --- API errors in either language ---------------------------------------------------------------


@pytest.fixture(autouse=True)
def today():
    with clock.frozen(TODAY):
        yield


#: how the language is chosen -> (expected language, query string, headers, lang cookie)
CHOICES = {
    "default": ("zh", {}, {}, None),
    "query-en": ("en", {"lang": "en"}, {}, None),
    "query-en-US": ("en", {"lang": "en-US"}, {}, None),
    "accept-language-en": ("en", {}, {"Accept-Language": "en"}, None),
    "accept-language-en-GB": ("en", {}, {"Accept-Language": "en-GB,en;q=0.9"}, None),
    "accept-language-zh": ("zh", {}, {"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"}, None),
    "cookie-en": ("en", {}, {}, "en"),
    "query-zh-over-cookie-en": ("zh", {"lang": "zh"}, {}, "en"),
    "query-en-over-accept-zh": ("en", {"lang": "en"}, {"Accept-Language": "zh-CN"}, None),
    "unknown-query-falls-back": ("zh", {"lang": "fr"}, {}, None),
}


def errors_in(choice: str, client, login_as) -> dict[str, dict]:
    """The four errors (404, 422, 409, 401), asked for in the way ``choice`` names."""
    _lang, query, headers, cookie = CHOICES[choice]
    officer = login_as("officer")
    anonymous = client
    for api in (officer, anonymous):
        if cookie:
            api.set_cookie("lang", cookie)

    def call(api, method, path, **kwargs):
        response = api.open(API + path, method=method, query_string=query, headers=headers, **kwargs)
        assert response.headers["Content-Type"].startswith("application/json")
        assert "Accept-Language" in response.headers.get("Vary", "")
        return response.status_code, response.get_json()["error"]

    too_long = body(title="长" * 201)
    del too_long["kind"]
    submitted = factories.submitted()
    answers = {
        "not_found": call(officer, "POST", "/requests/999999/submit", json={}),
        "invalid": call(officer, "POST", "/requests", json=too_long),
        "transition": call(officer, "POST", f"/requests/{submitted.id}/submit", json={}),
        "anonymous": call(anonymous, "GET", "/me"),
    }
    statuses = {name: status for name, (status, _error) in answers.items()}
    assert statuses == {"not_found": 404, "invalid": 422, "transition": 409, "anonymous": 401}
    return {name: error for name, (_status, error) in answers.items()}


CODES = {
    "not_found": "not_found",
    "invalid": "validation_error",
    "transition": "invalid_transition",
    "anonymous": "unauthenticated",
}


@pytest.mark.parametrize("choice", list(CHOICES))
def test_api_errors_answer_in_the_chosen_language(choice, client, login_as):
    lang = CHOICES[choice][0]
    errors = errors_in(choice, client, login_as)
    assert {name: error["code"] for name, error in errors.items()} == CODES
    for name, error in errors.items():
        assert chinese(error["message"]) == (lang == "zh"), (name, error["message"])
    problems = errors["invalid"]["fields"]
    assert set(problems) == {"kind", "title"}
    if lang == "zh":
        assert problems == {"kind": ["此项为必填项。"], "title": ["长度必须在 2 至 200 个字符之间。"]}
        assert errors["not_found"]["message"] == "未找到相应记录。"
        assert errors["transition"]["message"] == "只有草稿或被退回的申请才能提交；该申请当前为“已提交”。"
    else:
        assert problems == {
            "kind": ["Missing data for required field."],
            "title": ["Length must be between 2 and 200."],
        }
        assert errors["not_found"]["message"] == "Not found."
        assert (
            errors["transition"]["message"]
            == "Only a draft or a returned request can be submitted; this one is submitted."
        )
        assert errors["anonymous"]["message"] == "Log in or send a valid API token."


def test_the_language_never_changes_the_shape_of_an_error(client, login_as):
    zh = errors_in("default", client, login_as)
    en = errors_in("query-en", client, login_as)
    for name in CODES:
        assert zh[name]["code"] == en[name]["code"]
        assert set(zh[name]) == set(en[name])
        assert set(zh[name]["fields"]) == set(en[name]["fields"])
    assert zh["transition"]["state"] == en["transition"]["state"] == "submitted"


def test_an_unknown_url_and_a_malformed_body_are_translated_too(client, login_as):
    officer = login_as("officer")
    zh = officer.post(f"{API}/requests", data='{"title": "未闭合', content_type="application/json")
    en = officer.post(f"{API}/requests?lang=en", data='{"title": "未闭合', content_type="application/json")
    assert zh.status_code == en.status_code == 400
    assert zh.get_json()["error"]["code"] == en.get_json()["error"]["code"] == "malformed_json"
    assert chinese(zh.get_json()["error"]["message"])
    assert en.get_json()["error"]["message"] == "The body is not valid JSON."
    nowhere = officer.get(f"{API}/nowhere")
    assert nowhere.status_code == 404 and nowhere.get_json()["error"]["message"] == "未找到相应记录。"
    not_an_object = officer.post(f"{API}/requests", json=[1])
    assert not_an_object.get_json()["error"]["fields"] == {"_schema": ["输入的数据类型无效。"]}


# --- the gatekeeper i18n commands ----------------------------------------------------------------


@pytest.fixture
def translations(tmp_path, monkeypatch):
    """A copy of the translations folder that the commands work on."""
    copy = tmp_path / "translations"
    shutil.copytree(messages.TRANSLATIONS_DIR, copy)
    monkeypatch.setattr(messages, "TRANSLATIONS_DIR", copy)
    monkeypatch.setattr(messages, "TEMPLATE_FILE", copy / "messages.pot")
    return copy


def run(*args: str):
    return CliRunner().invoke(i18n_group, list(args), catch_exceptions=False)


def test_check_passes_on_the_committed_catalogue(translations):
    result = run("check")
    assert result.exit_code == 0, result.output
    assert "all" in result.output and "up to date" in result.output


def test_extract_writes_the_template_and_is_idempotent(translations):
    (translations / "messages.pot").unlink()
    first = run("extract")
    assert first.exit_code == 0 and "extracted" in first.output
    again = run("extract")
    assert "(unchanged)" in again.output
    template = messages.load_template()
    assert set(messages.message_ids(template)) == set(messages.message_ids(messages.extract()))


def test_update_keeps_translations_and_adds_new_ids_untranslated(translations, code_template):
    run("extract")
    template = messages.load_template()
    template.add("A message the code just gained.", locations=[("gatekeeper/new.py", 1)])
    template.add("Rows %(n)s to import.", locations=[("gatekeeper/new.py", 2)])
    template.delete("Next version")
    messages.write_template(template)
    result = run("update")
    assert result.exit_code == 0, result.output
    assert "2 new ids, untranslated" in result.output
    assert "'A message the code just gained.'" in result.output
    assert "dropped, no longer in the code: 'Next version'" in result.output
    catalogue = messages.load("zh")
    new = catalogue.get("A message the code just gained.")
    assert new is not None and new.string == "" and not new.fuzzy
    assert catalogue.get("Next version") is None
    assert catalogue.get("Not found.").string == "未找到相应记录。"
    assert not any(m.fuzzy for m in catalogue if m.id)

    mo_before = messages.mo_file("zh").read_bytes()
    refused = run("compile")
    assert refused.exit_code == 1
    assert "untranslated: 'A message the code just gained.'" in refused.output
    assert messages.mo_file("zh").read_bytes() == mo_before

    # the ids the check reads are the code's: "Next version" is missing, the new ones are unused
    check = run("check")
    assert check.exit_code == 1
    assert "'Next version'" in check.output and "missing" in check.output


def test_compile_refuses_fuzzy_entries_and_wrong_placeholders(translations):
    catalogue = messages.load("zh")
    catalogue.get("Not found.").flags.add("fuzzy")
    catalogue.get("unknown gate %(code)s").string = "准入关口 %(name)s 不存在"
    messages._write_po(messages.po_file("zh"), catalogue)
    result = run("compile")
    assert result.exit_code == 1
    assert "fuzzy: 'Not found.'" in result.output
    assert "placeholders ['%(name)s'] instead of ['%(code)s']: 'unknown gate %(code)s'" in result.output


def test_compile_refuses_a_translation_that_cannot_be_formatted(translations):
    catalogue = messages.load("zh")
    catalogue.get("Too many rows (at most %(n)s).").string = "行数超过 100% 上限（最多 %(n)s 行）。"
    messages._write_po(messages.po_file("zh"), catalogue)
    result = run("compile")
    assert result.exit_code == 1
    assert "'Too many rows (at most %(n)s).'" in result.output


def test_check_fails_on_a_stale_mo_and_compile_fixes_it(translations):
    catalogue = messages.load("zh")
    catalogue.get("Not found.").string = "未找到。"
    messages._write_po(messages.po_file("zh"), catalogue)
    stale = run("check")
    assert stale.exit_code == 1 and "out of date" in stale.output
    compiled = run("compile")
    assert compiled.exit_code == 0, compiled.output
    assert run("check").exit_code == 0


def test_check_fails_on_an_untranslated_id_of_the_code(translations):
    catalogue = messages.load("zh")
    catalogue.get("Not found.").string = ""
    messages._write_po(messages.po_file("zh"), catalogue)
    result = run("check")
    assert result.exit_code == 1
    assert "untranslated: 'Not found.'" in result.output


def test_dates_do_not_leak_into_the_comparison():
    # extracting twice gives the same content even though the creation dates differ
    first, second = messages.extract(), messages.extract()
    second.creation_date = first.creation_date + dt.timedelta(days=1)
    assert messages._content(first) == messages._content(second)
