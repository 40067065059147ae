"""``gatekeeper catalogue ...``: the commands share the test's session, so they are rolled back too."""

from __future__ import annotations

import openpyxl
import pytest
import sqlalchemy as sa
from catalogue_support import SAMPLE, csv_bytes, csv_table, native_row, snapshot

from gatekeeper.core.audit import AuditEntry
from gatekeeper.modules.catalogue import operations as ops
from gatekeeper.modules.catalogue.models import VersionState


@pytest.fixture
def cli(app, db):
    runner = app.test_cli_runner()

    def run(*args: str):
        return runner.invoke(args=["catalogue", *args])

    return run


def test_versions(cli, published, draft):
    result = cli("versions", "--gate", "LJ")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("#2\tdraft\t-\t97 entries\t2027年版")
    assert lines[1].startswith("#1\tpublished\t")
    assert cli("versions", "--gate", "NOPE").exit_code == 1


def test_import_opens_a_draft_and_publishes(db, cli, world, published, tmp_path):
    path = tmp_path / "new.csv"
    path.write_bytes(csv_bytes([native_row("PD-900")]))
    result = cli(
        "import", str(path), "--gate", "LJ", "--reason", "年度修订", "--publish", "--label", "2027年版"
    )
    assert result.exit_code == 0, result.output
    assert "opened draft version 2" in result.output
    assert "added: 1 (PD-900)" in result.output and "unchanged: 0" in result.output
    assert "published version 2" in result.output
    current = ops.current_version(world.gate)
    assert (current.number, current.label, current.state) == (2, "2027年版", VersionState.PUBLISHED)
    assert current.published_by_id is None  # the system acted
    audit = db.scalar(
        sa.select(AuditEntry).where(AuditEntry.action == "catalogue.publish").order_by(AuditEntry.id.desc())
    )
    assert audit.actor_name == "system"


def test_import_as_a_user_into_the_open_draft(db, cli, draft, tmp_path):
    path = tmp_path / "sample.xlsx"
    book = openpyxl.Workbook()
    for row in csv_table(SAMPLE.read_bytes()):
        book.active.append(row)
    book.save(path)
    result = cli(
        "import", str(path), "--gate", "LJ", "--reason", "复核", "--mode", "replace", "--as", "secretariat"
    )
    assert result.exit_code == 0, result.output
    assert "opened" not in result.output
    assert "removed: 29" in result.output and "unchanged: 68" in result.output
    audit = db.scalar(
        sa.select(AuditEntry).where(AuditEntry.action == "catalogue.import").order_by(AuditEntry.id.desc())
    )
    assert audit.actor_name == "secretariat" and audit.after["mode"] == "replace"
    assert cli("import", str(path), "--gate", "LJ", "--reason", "r", "--as", "nobody").exit_code == 2


def test_dry_run_changes_nothing(db, cli, published, tmp_path):
    path = tmp_path / "new.csv"
    path.write_bytes(csv_bytes([native_row("PD-900")]))
    before = snapshot(db)
    result = cli("import", str(path), "--gate", "LJ", "--reason", "试", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "dry run, nothing changed" in result.output and "added: 1 (PD-900)" in result.output
    assert snapshot(db) == before
    assert cli("import", str(path), "--gate", "LJ", "--reason", "r", "--dry-run", "--publish").exit_code == 2


def test_a_malformed_file_prints_every_problem_and_changes_nothing(db, cli, published, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(csv_bytes([native_row("A", kind="dutty"), native_row("A", funding_amount_yuan="x")]))
    before = snapshot(db)
    result = cli("import", str(path), "--gate", "LJ", "--reason", "r")
    assert result.exit_code == 1
    assert "invalid_file" in result.output and "opened" not in result.output
    assert "row 2, column kind:" in result.output
    assert "row 3, column code:" in result.output
    assert "row 3, column funding_amount_yuan:" in result.output
    assert snapshot(db) == before  # not even the draft it would have opened


def test_import_needs_a_reason(cli, tmp_path):
    path = tmp_path / "new.csv"
    path.write_bytes(csv_bytes([native_row()]))
    result = cli("import", str(path), "--gate", "LJ", "--reason", "  ")
    assert result.exit_code == 1 and "reason" in result.output


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_then_import_changes_nothing(cli, published, draft, tmp_path, fmt):
    out = tmp_path / f"v1.{fmt}"
    result = cli("export", "--gate", "LJ", "--format", fmt, "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "wrote version 1 (97 entries)" in result.output
    if fmt == "csv":  # (an XLSX file carries its creation time)
        assert out.read_bytes() == ops.export_version(published, fmt)
    result = cli("import", str(out), "--gate", "LJ", "--reason", "核对", "--mode", "replace", "--dry-run")
    assert "added: 0" in result.output and "removed: 0" in result.output and "unchanged: 97" in result.output
    assert cli("export", "--gate", "LJ", "--version", "2", "--format", fmt, "--out", str(out)).exit_code == 0
    assert cli("export", "--gate", "LJ", "--version", "9", "--format", fmt, "--out", str(out)).exit_code == 1


def test_publish_and_diff(cli, published, draft):
    ops.amend_entry(draft, "PD-101", {"title": "新标题"}, reason="改名", actor=None)
    ops.remove_entry(draft, "PD-102", reason="废止", actor=None)
    result = cli("diff", "--gate", "LJ", "1", "2")
    assert result.exit_code == 0, result.output
    assert "version 1 → 2: 0 added, 1 removed, 1 changed, 95 unchanged" in result.output
    assert "- PD-102" in result.output and "~ PD-101" in result.output
    assert "title: '协助开展城乡居民最低生活保障对象入户调查' → '新标题'" in result.output
    result = cli("publish", "--gate", "LJ", "--as", "secretariat")
    assert result.exit_code == 0, result.output
    assert draft.state == VersionState.PUBLISHED
    result = cli("publish", "--gate", "LJ")
    assert result.exit_code == 1 and "no draft" in result.output
    assert cli("diff", "--gate", "LJ", "1", "7").exit_code == 1
