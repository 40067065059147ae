"""Catalogue files between an import's preview and its application (``core.pending``)."""

from __future__ import annotations

from gatekeeper.core.pending import PendingFiles

FOLDER = "imports"
#: The session key naming the catalogue file this browser previewed last.
SESSION_KEY = "gk_catalogue_import"

_files = PendingFiles(FOLDER, SESSION_KEY)
keep, load, discard, sweep = _files.keep, _files.load, _files.discard, _files.sweep
