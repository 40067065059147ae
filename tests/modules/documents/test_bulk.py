"""Every community's list of a gate in bulk: in worker processes, and as the ``gatekeeper documents``
command on a fresh demo."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from gatekeeper.core import clock
from gatekeeper.modules.documents import bulk
from gatekeeper.modules.jurisdictions.operations import get_gate
from tests import factories
from tests.conftest import FONT_DIR
from tests.factories import TODAY
from tests.pdf_tools import assert_cjk_fonts_embedded, flat, pdf_pages, pdf_text, qr_codes

GATEKEEPER = str(Path(sys.executable).with_name("gatekeeper"))


@pytest.fixture(autouse=True)
def today(document_fonts):
    with clock.frozen(TODAY):
        yield


def test_every_list_of_a_street_in_two_processes_and_combined(app, db, tmp_path):
    number = factories.approved().authorisation.number  # over street LJ01
    seen = []
    with app.test_request_context("/"):
        summary = bulk.community_lists(
            get_gate("LJ"), tmp_path, processes=2, combined=True, street="LJ01", progress=seen.append
        )
    codes = sorted(written.code for written in summary.written)
    assert codes == sorted(written.code for written in seen) and len(codes) == 14
    assert codes[0] == "LJ0101" and all(code.startswith("LJ01") for code in codes)
    pages = 0
    for written in summary.written:
        body = written.path.read_bytes()
        text = flat(pdf_text(body))
        assert written.code in text and number in text and written.items == 1
        pages += pdf_pages(body)
    first = (tmp_path / "LJ0101.pdf").read_bytes()
    assert_cjk_fonts_embedded(first)
    assert "滨江社区" in flat(pdf_text(first))
    assert "community=LJ0101" in qr_codes(first)[0]
    assert summary.combined == tmp_path / "LJ-community-lists.pdf"
    assert pdf_pages(summary.combined.read_bytes()) == pages
    assert summary.total_items == 14 and summary.total_bytes == sum(w.size for w in summary.written)
    assert not list(tmp_path.glob("*.part"))


def test_a_street_with_nothing_admitted_gets_lists_that_say_so(app, db, tmp_path):
    with app.test_request_context("/"):
        summary = bulk.community_lists(get_gate("LJ"), tmp_path, processes=1, street="LJ06", language="en")
    assert summary.written and summary.total_items == 0 and summary.combined is None
    text = flat(pdf_text(summary.written[0].path.read_bytes()))
    assert "Noworkitemisadmittedintothiscommunityatpresent" in text


def run(instance: Path, *args: str) -> subprocess.CompletedProcess:
    environment = {key: value for key, value in os.environ.items() if key != "GATEKEEPER_DATABASE_URL"}
    environment.update(
        {
            "GATEKEEPER_INSTANCE_PATH": str(instance),
            "GATEKEEPER_FONT_DIR": str(FONT_DIR),
            "GATEKEEPER_DEFAULT_LOCALE": "en",
            "GATEKEEPER_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            "GATEKEEPER_DEMO_PASSWORD": "demo-password-1",
        }
    )
    return subprocess.run([GATEKEEPER, *args], env=environment, capture_output=True, text=True, timeout=600)


def test_the_command_on_a_fresh_demo(tmp_path):
    instance, out = tmp_path / "instance", tmp_path / "lists"
    loaded = run(instance, "demo", "--no-serve")
    assert loaded.returncode == 0, loaded.stderr
    fonts = run(instance, "documents", "fonts")
    assert fonts.returncode == 0 and "ready" in fonts.stdout

    made = run(
        instance, "documents", "community-lists", "--gate", "LJ", "--street", "LJ01", "--out", str(out),
        "--combined", "--jobs", "2",
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert "14 communities of LJ" in made.stdout and "rendering with 2 processes" in made.stdout
    assert "Wrote 14 lists" in made.stdout and "Combined:" in made.stdout
    files = sorted(path.name for path in out.glob("*.pdf"))
    assert files[0] == "LJ-community-lists.pdf" and files[1] == "LJ0101.pdf" and len(files) == 15
    text = flat(pdf_text((out / "LJ0101.pdf").read_bytes()))
    assert "滨江社区" in text and "社区工作事项准入清单" in text and "LJ-20" in text  # the demo's items

    unknown = run(instance, "documents", "community-lists", "--gate", "XX", "--out", str(out))
    assert unknown.returncode == 1 and "XX" in unknown.stderr
    nothing = run(
        instance, "documents", "community-lists", "--gate", "LJ", "--street", "ZZ", "--out", str(out)
    )
    assert nothing.returncode == 1 and "No community" in nothing.stderr
