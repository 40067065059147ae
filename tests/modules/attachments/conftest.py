"""Fixtures of the attachment tests: a private storage folder per test, and small real files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from gatekeeper.core import clock
from tests.factories import TODAY


@pytest.fixture(autouse=True)
def today():
    with clock.frozen(TODAY):
        yield


@pytest.fixture
def storage_root(app, tmp_path, monkeypatch) -> Path:
    """The app's instance folder points to a fresh folder for the test, and is put back (with the
    folder removed) afterwards; the real instance folder gets no attachment."""
    real = Path(app.instance_path) / "attachments"
    existed = real.exists()
    instance = tmp_path / "instance"
    instance.mkdir()
    monkeypatch.setattr(app, "instance_path", str(instance))
    yield instance / "attachments"
    shutil.rmtree(instance)
    assert real.exists() == existed, "a test wrote into the real instance folder"


@pytest.fixture(autouse=True)
def _private_storage(storage_root, db):
    """Every test of attachments runs with the app context pushed and its own storage folder."""
    return storage_root
