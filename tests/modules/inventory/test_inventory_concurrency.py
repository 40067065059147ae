"""Races on PostgreSQL, with real commits and threads: the same inventory file sent by several people
at once lands once; the others are told why (409 or 422), never a 500, and nothing is half-imported."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from gatekeeper.extensions import db
from gatekeeper.modules.inventory.models import InventoryImport, InventoryItem
from tests import support
from tests.conftest import PG_URL
from tests.modules.inventory.inventory_support import ROWS, csv_bytes

pytestmark = pytest.mark.skipif(not PG_URL, reason="concurrency is tested on PostgreSQL")

THREADS = 6


@pytest.fixture(scope="module")
def committed_app(tmp_path_factory):
    yield from support.committed_app(tmp_path_factory, "inventory_race")


def test_the_same_file_sent_at_once_lands_once(committed_app):
    office = support.token(committed_app, "secretariat")
    content = csv_bytes(ROWS)

    def upload():
        return {
            "data": {"file": (io.BytesIO(content), "inventory.csv"), "dry_run": "false"},
            "content_type": "multipart/form-data",
        }

    results = support.race(committed_app, [(office, "/api/v1/inventory/imports", upload)] * THREADS)
    codes = sorted(code for code, _body in results)
    assert codes.count(200) == 1, codes
    refused = [body["error"]["code"] for code, body in results if code != 200]
    assert set(refused) <= {"already_imported", "invalid_file"}, refused  # late ones see the rows
    assert all(code in (409, 422) for code in codes if code != 200), codes
    with committed_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(InventoryImport.id))) == 1
        assert db.session.scalar(sa.select(sa.func.count(InventoryItem.id))) == len(ROWS)
        db.session.remove()
