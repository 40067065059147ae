"""Importing a file from the pages: a preview that writes nothing, then applying exactly what was
previewed; refused files named by row and column; the file carried on the server, not by the client."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from catalogue_support import SAMPLE, csv_bytes, csv_table, native_row, snapshot, xlsx_bytes

from gatekeeper.core.audit import AuditEntry
from gatekeeper.modules.catalogue import io as catalogue_io
from gatekeeper.modules.catalogue import operations as ops
from gatekeeper.modules.catalogue import pending
from gatekeeper.modules.catalogue.models import CatalogueChange, ChangeAction, Kind, Standing


@pytest.fixture(autouse=True)
def instance(app, tmp_path, monkeypatch) -> Path:
    """Files kept between preview and apply go to this test's own folder."""
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    return tmp_path


def kept_files(instance: Path) -> list[Path]:
    folder = instance / pending.FOLDER
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def upload(browser, version, data: bytes, name: str, *, mode="merge", reason="年度修订", lang="en"):
    return browser.form(
        f"/catalogue/versions/{version.id}/import?lang={lang}",
        {"file": (io.BytesIO(data), name), "mode": mode, "reason": reason},
        content_type="multipart/form-data",
    )


def digest_of(html: str) -> str:
    found = re.search(r'name="digest" value="([0-9a-f]{64})"', html)
    assert found, "no apply form on the preview"
    return found.group(1)


def apply_form(html: str) -> dict:
    """What the preview's apply form posts: the file's digest and the digest of the plan shown."""
    plan = re.search(r'name="plan" value="([0-9a-f]{64})"', html)
    assert plan, "no plan on the preview"
    return {"digest": digest_of(html), "plan": plan.group(1)}


def a_file(draft) -> bytes:
    """A native file that adds PD-900, amends two entries (one interpretation) and names most others."""
    rows = [native_row("PD-900")]
    for entry in sorted(draft.entries, key=lambda e: e.code):
        content = catalogue_io.native_rows([entry])[1]
        row = dict(zip(catalogue_io.NATIVE_COLUMNS, content, strict=True))
        if entry.code == "PD-101":
            row["title"] = "协助开展低保对象入户核查"
        elif entry.code == "PD-103":
            row["notes"] = "新增释义"
        elif entry.code in ("PD-102", "NC-001"):
            continue  # not named: removed in replace mode
        rows.append(row)
    return csv_bytes(rows)


def changes_of(db, version) -> list[tuple[str, ChangeAction]]:
    rows = db.execute(
        sa.select(CatalogueChange.code, CatalogueChange.action)
        .where(CatalogueChange.version_id == version.id)
        .order_by(CatalogueChange.code)
    )
    return [tuple(r) for r in rows]


def test_the_preview_shows_exactly_what_would_change_and_writes_nothing(db, page_as, draft, instance):
    browser = page_as("secretariat")
    before = snapshot(db)
    answer = upload(browser, draft, a_file(draft), "catalogue.csv", mode="replace")
    assert answer.status_code == 200
    html = answer.get_data(as_text=True)
    assert snapshot(db) == before  # nothing written: versions, entries, changes, audit
    added = html[html.index("<h2>Entries to add") : html.index("<h2>Entries to amend")]
    amended = html[html.index("<h2>Entries to amend") : html.index("<h2>Entries to remove")]
    removed = html[html.index("<h2>Entries to remove") : html.index("Or preview another file")]
    assert "PD-900" in added
    assert "PD-101" in amended and "<ins>协助开展低保对象入户核查</ins>" in amended and "Amended" in amended
    assert "PD-103" in amended and "<ins>新增释义</ins>" in amended and "Interpreted" in amended
    assert "PD-102" in removed and "NC-001" in removed
    assert '<span class="stat-number">1</span>' in html and '<span class="stat-number">2</span>' in html
    digest = digest_of(html)
    assert [p.name for p in kept_files(instance)] == [digest, f"{digest}.json"]


def test_apply_changes_exactly_what_was_previewed(db, page_as, draft, instance):
    browser = page_as("secretariat")
    form = apply_form(
        upload(browser, draft, a_file(draft), "catalogue.csv", mode="replace").get_data(as_text=True)
    )
    digest = form["digest"]
    answer = browser.form(f"/catalogue/versions/{draft.id}/import/apply", form)
    assert answer.status_code == 303
    assert answer.headers["Location"].endswith(f"/catalogue/versions/{draft.id}?show=changes")
    assert changes_of(db, draft) == [
        ("NC-001", ChangeAction.REMOVE),
        ("PD-101", ChangeAction.AMEND),
        ("PD-102", ChangeAction.REMOVE),
        ("PD-103", ChangeAction.INTERPRET),
        ("PD-900", ChangeAction.ADD),
    ]
    reasons = set(db.scalars(sa.select(CatalogueChange.reason).where(CatalogueChange.version_id == draft.id)))
    assert reasons == {"年度修订"}
    assert ops.find_entry(draft, "PD-101").title == "协助开展低保对象入户核查"
    audit = db.scalar(
        sa.select(AuditEntry)
        .where(AuditEntry.action == "catalogue.import")
        .order_by(AuditEntry.id.desc())
        .limit(1)
    )
    assert audit.after["sha256"] == digest and audit.after["mode"] == "replace"
    assert kept_files(instance) == []  # forgotten once applied
    # applying twice (a double click) is refused: the file is gone
    before = snapshot(db)
    again = browser.form(f"/catalogue/versions/{draft.id}/import/apply?lang=en", form)
    assert again.status_code == 303 and snapshot(db) == before
    assert "This preview is no longer available" in browser.text(f"/catalogue/versions/{draft.id}/import")


def test_the_mode_and_reason_applied_are_the_previewed_ones_not_the_posted_ones(db, page_as, draft):
    browser = page_as("secretariat")
    form = apply_form(
        upload(browser, draft, a_file(draft), "c.csv", mode="merge", reason="合并").get_data(as_text=True)
    )
    answer = browser.form(
        f"/catalogue/versions/{draft.id}/import/apply", {**form, "mode": "replace", "reason": "x"}
    )
    assert answer.status_code == 303
    assert ops.find_entry(draft, "PD-102") is not None  # merge: nothing removed
    reasons = set(db.scalars(sa.select(CatalogueChange.reason).where(CatalogueChange.version_id == draft.id)))
    assert reasons == {"合并"}


def test_another_session_cannot_apply_a_preview(db, page_as, draft, instance):
    first = page_as("secretariat")
    form = apply_form(upload(first, draft, a_file(draft), "c.csv").get_data(as_text=True))
    second = page_as("secretariat")  # another browser of the same user
    before = snapshot(db)
    answer = second.form(f"/catalogue/versions/{draft.id}/import/apply", form)
    assert answer.status_code == 303 and snapshot(db) == before
    assert len(kept_files(instance)) == 2  # the first browser may still apply it
    assert first.form(f"/catalogue/versions/{draft.id}/import/apply", form).status_code == 303
    assert ops.find_entry(draft, "PD-900") is not None


def test_an_older_preview_of_the_same_file_cannot_apply_the_newer_one(db, page_as, draft, instance):
    browser = page_as("secretariat")
    older = apply_form(upload(browser, draft, a_file(draft), "c.csv", mode="merge").get_data(as_text=True))
    newer = apply_form(upload(browser, draft, a_file(draft), "c.csv", mode="replace").get_data(as_text=True))
    assert older["digest"] == newer["digest"] and older["plan"] != newer["plan"]
    before = snapshot(db)
    assert browser.form(f"/catalogue/versions/{draft.id}/import/apply", older).status_code == 303
    assert snapshot(db) == before  # the merge page may not apply what the replace page showed
    assert browser.form(f"/catalogue/versions/{draft.id}/import/apply", newer).status_code == 303
    assert ops.find_entry(draft, "PD-102") is None  # replace: removed, as the newer page showed


def test_a_forged_plan_is_refused(db, page_as, draft):
    browser = page_as("secretariat")
    form = apply_form(upload(browser, draft, a_file(draft), "c.csv").get_data(as_text=True))
    before = snapshot(db)
    for forged in ({"digest": form["digest"]}, {**form, "plan": "0" * 64}, {**form, "digest": "../x"}):
        assert browser.form(f"/catalogue/versions/{draft.id}/import/apply", forged).status_code == 303
    assert snapshot(db) == before


def test_another_users_file_is_not_found_even_with_its_digest(db, app, page_as, draft, world, instance):
    browser = page_as("secretariat")
    digest = digest_of(upload(browser, draft, a_file(draft), "c.csv").get_data(as_text=True))
    with app.test_request_context():
        from flask import session

        session[pending.SESSION_KEY] = digest
        assert pending.load(world.user("secretariat"), digest) is not None
        assert pending.load(world.user("chair"), digest) is None
        assert pending.load(world.user("secretariat"), "../" + digest[3:]) is None


def test_a_draft_changed_since_the_preview_is_refused(db, page_as, draft, instance):
    browser = page_as("secretariat")
    form = apply_form(upload(browser, draft, a_file(draft), "c.csv").get_data(as_text=True))
    ops.amend_entry(draft, "PD-103", {"notes": "别人先改了"}, reason="并发修改", actor=None)
    db.commit()
    before = snapshot(db)
    answer = browser.form(f"/catalogue/versions/{draft.id}/import/apply?lang=en", form)
    assert answer.status_code == 303 and snapshot(db) == before
    assert "The catalogue changed since the preview" in browser.text(f"/catalogue/versions/{draft.id}/import")
    assert kept_files(instance) == []


def test_a_malformed_file_is_refused_naming_every_problem_by_row_and_column(db, page_as, draft, instance):
    browser = page_as("secretariat")
    rows = [
        native_row("PD-901"),
        native_row("PD-902", kind="plaque"),
        native_row("", title=""),
        native_row("PD-904", funding_amount_yuan="12.345"),
        native_row("PD-901"),
    ]
    before = snapshot(db)
    answer = upload(browser, draft, csv_bytes(rows), "bad.csv")
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    assert snapshot(db) == before and kept_files(instance) == []
    problems = re.findall(
        r'<td data-label="Row" class="num">(\d+)</td>\s*<td data-label="Column"><code>([^<]+)</code></td>',
        html,
    )
    assert set(problems) >= {
        ("3", "kind"),
        ("4", "code"),
        ("4", "title"),
        ("5", "funding_amount_yuan"),
        ("6", "code"),
    }
    assert "Nothing was changed" in html and 'name="digest"' not in html
    assert "年度修订" in html  # the reason typed is kept


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"not,a\ncatalogue,file\n", "x.csv"),
        (b"%PDF-1.4", "x.pdf"),
        (b"PK\x03\x04broken", "x.xlsx"),
        (b"", "x.csv"),
    ],
)
def test_files_that_cannot_be_read_are_said_beside_the_file_field(db, page_as, draft, data, name):
    browser = page_as("secretariat")
    before = snapshot(db)
    answer = upload(browser, draft, data, name)
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    assert 'class="error-summary"' in html and snapshot(db) == before
    assert 'id="f-file-error"' in html or '<td data-label="Row"' in html


def test_a_file_and_a_reason_are_required(db, page_as, draft):
    browser = page_as("secretariat")
    before = snapshot(db)
    answer = browser.form(
        f"/catalogue/versions/{draft.id}/import?lang=en",
        {"mode": "merge", "reason": "r"},
        content_type="multipart/form-data",
    )
    assert answer.status_code == 422 and 'id="f-file-error"' in answer.get_data(as_text=True)
    answer = upload(browser, draft, a_file(draft), "c.csv", reason="")
    assert answer.status_code == 422 and 'id="f-reason-error"' in answer.get_data(as_text=True)
    answer = upload(browser, draft, a_file(draft), "c.csv", mode="overwrite")
    assert answer.status_code == 422 and 'name="digest"' not in answer.get_data(as_text=True)
    assert snapshot(db) == before


def test_the_published_list_format_and_xlsx(db, page_as, draft):
    header = list(catalogue_io.SAMPLE_COLUMNS)
    table = csv_table(SAMPLE.read_bytes())
    table.append(
        [
            "本区新清单",
            "社区老年人助餐点登记",
            "工作事项",
            "区民政局",
            "《老年人权益保障法》",
            "assist",
            "",
            "",
        ]
    )
    browser = page_as("secretariat")
    html = upload(browser, draft, xlsx_bytes([header, *table[1:]]), "清单.xlsx").get_data(as_text=True)
    assert "published-list format" in html and "社区老年人助餐点登记" in html
    assert '<span class="stat-number">1</span>' in html  # one to add, the 68 others unchanged
    assert '<span class="stat-number">68</span>' in html
    assert browser.form(f"/catalogue/versions/{draft.id}/import/apply", apply_form(html)).status_code == 303
    added = [e for e in draft.entries if e.title == "社区老年人助餐点登记"]
    assert len(added) == 1 and added[0].kind == Kind.DUTY and added[0].standing == Standing.PERMITTED


def test_a_file_that_changes_nothing_offers_nothing_to_apply(db, page_as, published, draft):
    browser = page_as("secretariat")
    data = browser.get(f"/catalogue/versions/{published.id}/export?format=csv").get_data()
    html = upload(browser, draft, data, "same.csv", mode="replace").get_data(as_text=True)
    assert "The file changes nothing in this version." in html and 'name="digest"' not in html
