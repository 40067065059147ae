"""Inventory files between an import's preview and its application (``core.pending``)."""

from __future__ import annotations

from gatekeeper.core.pending import PendingFiles

FOLDER = "inventory-imports"
#: The session key naming the inventory file this browser previewed last.
SESSION_KEY = "gk_inventory_import"

_files = PendingFiles(FOLDER, SESSION_KEY)
keep, load, discard, sweep = _files.keep, _files.load, _files.discard, _files.sweep
