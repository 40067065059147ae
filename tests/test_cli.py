"""The ``gatekeeper`` command: as a real process on a fresh database, and in-process on the test world."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory

from gatekeeper import ROOT
from gatekeeper.core import clock
from gatekeeper.modules.jurisdictions.models import CalendarDay
from tests import factories

GATEKEEPER = str(Path(sys.executable).with_name("gatekeeper"))


def run(instance: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    environment = {key: value for key, value in os.environ.items() if key != "GATEKEEPER_DATABASE_URL"}
    environment.update(
        {
            "GATEKEEPER_INSTANCE_PATH": str(instance),
            "GATEKEEPER_DEFAULT_LOCALE": "en",  # the assertions below read English messages
            "GATEKEEPER_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            **(env or {}),
        }
    )
    return subprocess.run([GATEKEEPER, *args], env=environment, capture_output=True, text=True, timeout=120)


def test_fresh_install_upgrade_users_and_tokens(tmp_path):
    upgraded = run(tmp_path, "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    database = tmp_path / "gatekeeper.sqlite3"
    assert database.exists() and "up to date" in upgraded.stdout
    with sqlite3.connect(database) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        head = ScriptDirectory(str(ROOT / "migrations")).get_current_head()
        assert connection.execute("SELECT version_num FROM alembic_version").fetchone()[0] == head
    assert run(tmp_path, "upgrade").returncode == 0  # idempotent

    created = run(
        tmp_path, "users", "create", "root", "--name", "管理员", "--role", "admin", "--password", "secret-123"
    )
    assert created.returncode == 0, created.stderr
    assert "Created root (admin)" in created.stdout
    duplicate = run(tmp_path, "users", "create", "root", "--name", "x", "--role", "admin")
    assert duplicate.returncode == 1 and "taken" in duplicate.stderr
    incomplete = run(tmp_path, "users", "create", "clerk", "--name", "x", "--role", "officer")
    assert incomplete.returncode == 1 and "department" in incomplete.stderr

    token = run(tmp_path, "tokens", "create", "root", "--label", "script")
    assert token.returncode == 0 and token.stdout.strip().startswith("gk_")
    with sqlite3.connect(database) as connection:
        stored = [row[0] for row in connection.execute("SELECT token_hash FROM api_tokens")]
        hashed = connection.execute("SELECT password_hash FROM users WHERE username='root'").fetchone()[0]
    assert token.stdout.strip() not in stored and len(stored[0]) == 64  # only the SHA-256 is kept
    assert "secret-123" not in hashed and hashed.startswith("pbkdf2:")
    verified = run(tmp_path, "audit", "verify")
    assert verified.returncode == 0 and "intact" in verified.stdout


def test_overdue_lists_requests_past_their_due_date(app, db):
    runner = app.test_cli_runner()
    with clock.frozen(factories.TODAY):
        req = factories.in_review()
    assert req.due_date.isoformat() == "2026-06-23"
    with clock.frozen(req.due_date):
        assert "No overdue requests" in runner.invoke(args=["overdue"]).output
    with clock.frozen(req.due_date.replace(day=26)):
        output = runner.invoke(args=["overdue", "--gate", "LJ"]).output
    assert f"#{req.id}" in output and "3 days late" in output and "协助开展传染病防控和健康教育" in output


def test_calendar_load_from_the_builtin_data_and_from_a_file(app, db, tmp_path):
    runner = app.test_cli_runner()
    loaded = runner.invoke(args=["calendar", "load", "--year", "2026"])
    assert loaded.exit_code == 0 and "Loaded" in loaded.output
    assert db.scalar(
        sa.select(CalendarDay).where(CalendarDay.day == factories.TODAY.replace(month=10, day=1))
    )
    notice = tmp_path / "2027.csv"
    notice.write_text(
        "day,kind,name\n2027-01-01,holiday,元旦\n2027-02-07,workday,春节调休\n", encoding="utf-8"
    )
    assert runner.invoke(args=["calendar", "load", "--year", "2027", "--file", str(notice)]).exit_code == 0
    bad = tmp_path / "bad.csv"
    bad.write_text("day,kind,name\n2027-02-08,workday,周一\n", encoding="utf-8")
    refused = runner.invoke(args=["calendar", "load", "--year", "2027", "--file", str(bad)])
    assert refused.exit_code == 1 and "weekend" in refused.output
    years = runner.invoke(args=["calendar", "years"]).output
    assert "2027" in years


@pytest.mark.parametrize(
    "command", [["--help"], ["catalogue", "--help"], ["users", "--help"], ["demo", "--help"]]
)
def test_help(command):
    result = subprocess.run([GATEKEEPER, *command], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "Usage" in result.stdout
