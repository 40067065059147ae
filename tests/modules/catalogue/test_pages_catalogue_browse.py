"""Catalogue pages that read: the catalogue in force (search, filters, sorting, pages), one entry and
its history, the versions, the diff of two versions, and the files a version downloads as."""

from __future__ import annotations

import re

import pytest
from catalogue_support import csv_table

from gatekeeper.modules.catalogue import operations as ops
from gatekeeper.modules.catalogue.models import Kind, StandardBasis, Standing

ENTRY_LINK = re.compile(r'<td data-label="[^"]*"><a href="/catalogue/versions/(\d+)/entries/([^"/]+)">')


def codes(html: str, version=None) -> list[str]:
    """The entries a list shows, in order (the links of their titles)."""
    return [code for vid, code in ENTRY_LINK.findall(html) if version is None or int(vid) == version.id]


def by_code(entries) -> list[str]:
    return sorted(e.code for e in entries)


# --- the catalogue in force ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "username", ["officer", "secretariat", "member1", "chair", "head", "street", "admin"]
)
def test_every_role_finds_the_catalogue_in_the_menu(page_as, username):
    html = page_as(username).text("/catalogue")
    assert re.search(r'<li><a href="/catalogue" aria-current="page">', html)


def test_the_catalogue_asks_to_log_in(anonymous_page):
    answer = anonymous_page.get("/catalogue")
    assert answer.status_code in (302, 303) and "/login" in answer.headers["Location"]


def test_the_list_is_the_version_in_force_by_code_25_a_page(page_as, published):
    html = page_as("officer").text("/catalogue")
    assert codes(html) == by_code(published.entries)[:25]
    assert set(int(v) for v, _c in ENTRY_LINK.findall(html)) == {published.id}
    counts = ops.entry_counts(published)
    assert f'<span class="stat-number">{counts["total"]}</span>' in html
    assert f'<span class="stat-number">{counts["by_standing"]["banned"]}</span>' in html


def test_each_row_shows_kind_standing_role_basis_department_and_money_in_yuan(page_as, published):
    entry = ops.find_entry(published, "PD-101")
    html = page_as(
        "officer",
    ).text("/catalogue?q=PD-101&lang=en")
    row = html[html.index("entries/PD-101") :]
    row = row[: row.index("</tr>")]
    assert entry.title in row and "Work duty" in row and "badge--good" in row and "Permitted" in row
    assert "Community assists" in row and entry.legal_basis in row and entry.department in row
    assert "200.00 yuan · Per 100 households per year" in row


def test_search_by_title_code_and_pinyin_initials(page_as, published):
    browser = page_as("officer")
    entries = published.entries
    for q in ("证明", "pd-1", "jm"):
        expected = by_code(
            e
            for e in entries
            if q in e.title or q.lower() in e.code.lower() or e.initials.startswith(q.lower())
        )
        assert expected, q
        assert codes(browser.text(f"/catalogue?q={q}&per_page=100")) == expected, q


def test_nothing_found_says_what_to_do(page_as):
    html = page_as("officer").text("/catalogue?q=zzzzqqq&lang=en")
    assert codes(html) == [] and "No entry matches these filters" in html and "Clear the filters" in html


@pytest.mark.parametrize(
    ("query", "keep"),
    [
        ("kind=certificate", lambda e: e.kind == Kind.CERTIFICATE),
        ("standing=banned", lambda e: e.standing == Standing.BANNED),
        ("standing=permitted&kind=duty", lambda e: e.standing == Standing.PERMITTED and e.kind == Kind.DUTY),
        ("department=区民政局", lambda e: e.department == "区民政局"),
    ],
)
def test_filters(page_as, published, query, keep):
    expected = by_code(e for e in published.entries if keep(e))
    assert expected
    assert codes(page_as("officer").text(f"/catalogue?{query}&per_page=100")) == expected


def test_an_unknown_filter_value_is_ignored(page_as, published):
    assert codes(page_as("officer").text("/catalogue?kind=nonsense&per_page=100")) == by_code(
        published.entries
    )


@pytest.mark.parametrize(
    ("sort", "key", "reverse"),
    [
        ("-code", lambda e: e.code, True),
        ("title", lambda e: (e.initials, e.title, e.code), False),
        ("kind", lambda e: (e.kind.value, e.code), False),
        ("-standing", lambda e: (e.standing.value, e.code), True),
    ],
)
def test_sorting(page_as, published, sort, key, reverse):
    expected = [e.code for e in sorted(published.entries, key=key, reverse=reverse)]
    assert codes(page_as("officer").text(f"/catalogue?sort={sort}&per_page=100")) == expected


def test_pages_keep_the_filters(page_as, published):
    browser = page_as("officer")
    permitted = by_code(e for e in published.entries if e.standing == Standing.PERMITTED)
    html = browser.text("/catalogue?standing=permitted&per_page=10&page=3")
    assert codes(html) == permitted[20:30]
    assert 'href="/catalogue?standing=permitted&amp;per_page=10&amp;page=4"' in html
    last = (len(permitted) + 9) // 10
    assert (
        codes(browser.text("/catalogue?standing=permitted&per_page=10&page=999"))
        == permitted[(last - 1) * 10 :]
    )


def test_the_version_selector_shows_a_draft_to_the_office_only(page_as, draft, published):
    ops.add_entry(
        draft,
        {"code": "PX-900", "title": "新草稿事项", "kind": "sign", "standing": "permitted"},
        reason="测试",
        actor=None,
    )
    secretariat = page_as("secretariat")
    html = secretariat.text(f"/catalogue?version={draft.id}&q=PX-900")
    assert codes(html, draft) == ["PX-900"]
    assert f'<option value="{draft.id}"' in secretariat.text("/catalogue")
    officer = page_as("officer")
    assert f'<option value="{draft.id}"' not in officer.text("/catalogue")
    officer.text(f"/catalogue?version={draft.id}", 404)
    officer.text("/catalogue?version=999999", 404)


# --- one entry ------------------------------------------------------------------------------------


def test_the_entry_page_shows_every_field_and_the_history_with_reasons(db, page_as, published, draft):
    ops.amend_entry(
        draft,
        "PD-101",
        {
            "title": "协助开展低保对象入户调查",
            "funding_basis": StandardBasis.PER_COMMUNITY,
            "funding_amount_fen": 80000,
        },
        reason="按新标准调整",
        actor=None,
    )
    db.commit()
    browser = page_as("secretariat")
    html = browser.text(f"/catalogue/versions/{draft.id}/entries/PD-101?lang=en")
    entry = ops.find_entry(draft, "PD-101")
    for text in (
        entry.title,
        entry.legal_basis,
        entry.department,
        entry.list_name,
        "800.00 yuan · Per community per year",
    ):
        assert text in html
    assert "按新标准调整" in html and "Amended" in html  # the change with its reason
    assert "200.00 yuan" in html and "800.00 yuan" in html  # field by field
    assert "初始目录" in html  # the first version's addition, with its reason
    assert f'href="/catalogue/versions/{published.id}/entries/PD-101"' in html
    # the published version's page of the entry shows the draft's change too (same gate)
    assert "按新标准调整" in browser.text(f"/catalogue/versions/{published.id}/entries/PD-101")


def test_a_drafts_entry_and_history_are_hidden_from_those_who_may_not_see_drafts(
    db, page_as, published, draft
):
    ops.amend_entry(draft, "PD-101", {"notes": "草稿中的说明"}, reason="内部草稿理由", actor=None)
    db.commit()
    officer = page_as("officer")
    officer.text(f"/catalogue/versions/{draft.id}/entries/PD-101", 404)
    html = officer.text(f"/catalogue/versions/{published.id}/entries/PD-101")
    assert "内部草稿理由" not in html and f"/catalogue/versions/{draft.id}/" not in html
    officer.text(f"/catalogue/versions/{published.id}/entries/NOPE-1", 404)


def test_no_edit_buttons_for_a_published_entry_nor_for_readers(page_as, published, draft):
    assert "/amend" not in page_as("secretariat").text(f"/catalogue/versions/{published.id}/entries/PD-101")
    assert "/amend" in page_as("secretariat").text(f"/catalogue/versions/{draft.id}/entries/PD-101")
    assert "/amend" not in page_as("chair").text(f"/catalogue/versions/{draft.id}/entries/PD-101")
    # the list of a draft has the row actions too, for the office only
    assert f"/catalogue/versions/{draft.id}/entries/PD-101/amend" in page_as("secretariat").text(
        f"/catalogue/versions/{draft.id}?q=PD-101"
    )
    assert "/amend" not in page_as("chair").text(f"/catalogue/versions/{draft.id}?q=PD-101")
    assert "/amend" not in page_as("secretariat").text(f"/catalogue/versions/{published.id}?q=PD-101")


# --- versions -----------------------------------------------------------------------------------


def test_the_versions_page_counts_by_kind_standing_and_change(db, page_as, published, draft):
    ops.remove_entry(draft, "PD-101", reason="废止", actor=None)
    db.commit()
    html = page_as("secretariat").text("/catalogue/versions?lang=en")
    assert (
        f'href="/catalogue/versions/{draft.id}"' in html
        and f'href="/catalogue/versions/{published.id}"' in html
    )
    counts = ops.entry_counts(draft)
    row = html[html.index(f'href="/catalogue/versions/{draft.id}">Version {draft.number}</a>') :]
    row = row[: row.index("</tr>")]
    assert f'<td data-label="Entries" class="num">{counts["total"]}</td>' in row
    assert f"Banned {counts['by_standing']['banned']}" in row
    assert f"Work duty <strong>{counts['by_kind']['duty']}</strong>" in row
    assert "Removed <strong>1</strong>" in row
    assert "Open the next draft version" not in html  # a draft is open: continue it
    assert f"/catalogue/versions/{draft.id}" in html


def test_the_office_may_open_a_draft_others_not(page_as, published):
    assert 'action="/catalogue/versions/new"' in page_as("secretariat").text("/catalogue/versions")
    for username in ("officer", "chair", "admin"):
        assert 'action="/catalogue/versions/new"' not in page_as(username).text("/catalogue/versions")


def test_drafts_are_listed_only_for_the_committee_and_admin(page_as, draft):
    assert f'href="/catalogue/versions/{draft.id}"' in page_as("member1").text("/catalogue/versions")
    assert f'href="/catalogue/versions/{draft.id}"' in page_as("admin").text("/catalogue/versions")
    html = page_as("head").text("/catalogue/versions")
    assert f'href="/catalogue/versions/{draft.id}"' not in html
    page_as("head").text(f"/catalogue/versions/{draft.id}", 404)


def test_a_version_page_lists_its_entries_and_its_changes(db, page_as, draft):
    ops.add_entry(
        draft,
        {"code": "PX-901", "title": "社区平安建设宣传牌", "kind": "sign", "standing": "permitted"},
        reason="新设宣传牌",
        actor=None,
    )
    ops.remove_entry(draft, "PD-101", reason="职责调整", actor=None)
    db.commit()
    browser = page_as("secretariat")
    html = browser.text(f"/catalogue/versions/{draft.id}?per_page=100")
    assert codes(html, draft) == by_code(draft.entries)
    changes = browser.text(f"/catalogue/versions/{draft.id}?show=changes&lang=en")
    assert "新设宣传牌" in changes and "职责调整" in changes
    assert f'href="/catalogue/versions/{draft.id}/entries/PX-901"' in changes
    assert f'href="/catalogue/versions/{draft.id}/entries/PD-101"' not in changes  # removed: no link
    only_removals = browser.text(f"/catalogue/versions/{draft.id}?show=changes&action=remove")
    assert "职责调整" in only_removals and "新设宣传牌" not in only_removals


# --- diff -----------------------------------------------------------------------------------------


def test_the_diff_shows_added_removed_and_amended_field_by_field(db, page_as, published, draft):
    ops.add_entry(
        draft,
        {"code": "PX-902", "title": "新增的机构牌子", "kind": "sign", "standing": "permitted"},
        reason="新增",
        actor=None,
    )
    ops.remove_entry(draft, "PD-102", reason="废止", actor=None)
    ops.amend_entry(
        draft, "NC-001", {"standing": Standing.PERMITTED, "notes": "改为准入"}, reason="改", actor=None
    )
    db.commit()
    html = page_as("member1").text(f"/catalogue/diff?from={published.id}&to={draft.id}&lang=en")
    added = html[html.index("<h2>Added") : html.index("<h2>Amended")]
    amended = html[html.index("<h2>Amended") : html.index("<h2>Removed")]
    removed = html[html.index("<h2>Removed") :]
    assert "PX-902" in added and "PD-102" not in added
    assert "NC-001" in amended and '<th scope="row">Standing</th>' in amended
    assert "<del>Banned</del>" in amended and "<ins>Permitted</ins>" in amended
    assert "<ins>改为准入</ins>" in amended
    assert "PD-102" in removed
    unchanged = len(published.entries) - 2
    assert f'<span class="stat-number">{unchanged}</span>' in html


def test_the_diff_defaults_to_the_draft_against_its_base(page_as, published, draft):
    html = page_as("secretariat").text("/catalogue/diff")
    assert re.search(rf'<option value="{published.id}" selected>', html.split('name="to"')[0])
    assert re.search(rf'<option value="{draft.id}" selected>', html.split('name="to"')[1])


def test_the_diff_refuses_unknown_versions_and_two_gates(db, page_as, published, other_gate):
    browser = page_as("admin")
    html = browser.text(f"/catalogue/diff?from=999999&to={published.id}&lang=en", 422)
    assert 'id="f-from-error"' in html and "No such version." in html
    other = ops.create_version(other_gate, label="v1", actor=None)
    ops.add_entry(
        other, {"code": "X-1", "title": "x", "kind": "sign", "standing": "permitted"}, reason="r", actor=None
    )
    ops.publish_version(other, actor=None)
    db.commit()
    html = browser.text(f"/catalogue/diff?from={other.id}&to={published.id}&lang=en", 422)
    assert 'id="f-to-error"' in html


# --- files ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_downloads_a_file_that_imports_again_unchanged(db, page_as, published, draft, fmt):
    answer = page_as("officer").get(f"/catalogue/versions/{published.id}/export?format={fmt}")
    assert answer.status_code == 200
    assert answer.headers["Content-Disposition"].startswith(
        f'attachment; filename="LJ-catalogue-v{published.number}.{fmt}"'
    )
    data = answer.get_data()
    if fmt == "csv":
        assert answer.mimetype == "text/csv" and len(csv_table(data)) == len(published.entries) + 1
    report = ops.import_file(
        draft, data, f"export.{fmt}", reason="round trip", mode="replace", actor=None, dry_run=True
    )
    assert (report["added"], report["amended"], report["removed"]) == ([], [], [])
    assert report["unchanged"] == len(published.entries)


def test_export_of_a_draft_is_for_those_who_may_see_it(page_as, draft):
    page_as("officer").text(f"/catalogue/versions/{draft.id}/export?format=csv", 404)
    assert page_as("chair").get(f"/catalogue/versions/{draft.id}/export?format=csv").status_code == 200
    page_as("chair").text(f"/catalogue/versions/{draft.id}/export?format=pdf", 422)


# --- queries --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/catalogue?per_page={n}",
        "/catalogue/versions/{draft}?per_page={n}",
        "/catalogue/versions/{draft}?show=changes&per_page={n}",
        "/catalogue/versions?per_page={n}",
    ],
)
def test_lists_cost_the_same_queries_whatever_the_rows(db, page_as, draft, path):
    from tests.support import count_statements

    for index in range(12):  # changes to list
        ops.amend_entry(draft, "PD-101", {"notes": f"说明 {index}"}, reason=f"r{index}", actor=None)
    db.commit()
    browser = page_as("secretariat")
    few = len(count_statements(lambda: browser.text(path.format(n=10, draft=draft.id))))
    many = len(count_statements(lambda: browser.text(path.format(n=100, draft=draft.id))))
    assert few == many


def test_ids_too_large_for_the_database_are_not_found(page_as):
    browser = page_as("officer")
    for url in (
        "/catalogue/versions/99999999999999",
        "/catalogue/versions/99999999999999/entries/PD-101",
        "/catalogue?version=99999999999",
    ):
        browser.text(url, 404)
