"""The bytes of attachments, outside the web root: ``<instance folder>/attachments/<aa>/<bb>/<sha256>``.

Files are content-addressed: each is named by the SHA-256 of its bytes, so identical uploads share
one file and a stored file never changes. A write goes to a temporary file in the target folder,
is synced, then renamed over the target (``os.replace``): readers never see half a file, and two
workers storing the same bytes at once both succeed. The app never deletes a stored file: removing
an attachment only marks its row, and submitted revisions keep referring to it. Nothing here is
named after, or typed by, what the client sent.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
import tempfile
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _

from gatekeeper.core.errors import NotFound

log = logging.getLogger(__name__)

FOLDER = "attachments"
_SHA256 = re.compile(r"[0-9a-f]{64}")


def root() -> Path:
    """The folder of the attachments, in the instance folder (refused if under the static folder)."""
    folder = Path(current_app.instance_path).resolve() / FOLDER
    static = current_app.static_folder
    if static and folder.is_relative_to(Path(static).resolve()):
        raise RuntimeError("the attachments folder must not be inside the static folder")
    return folder


def path_of(sha256: str) -> Path:
    """Where the bytes with this SHA-256 (64 lowercase hex digits) are kept."""
    if not _SHA256.fullmatch(sha256 or ""):
        raise ValueError(f"not a SHA-256 digest: {sha256!r}")
    return root() / sha256[:2] / sha256[2:4] / sha256


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def store(data: bytes) -> str:
    """Keep ``data`` and return its SHA-256. Storing bytes that are already kept writes nothing."""
    sha256 = digest(data)
    target = path_of(sha256)
    if target.is_file() and target.stat().st_size == len(data):
        return sha256
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=".upload-", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    _sync_folder(target.parent)
    return sha256


def _sync_folder(folder: Path) -> None:
    """Make the rename durable (POSIX); a no-op where folders cannot be opened."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def open_attachment(att) -> Path:
    """The path of an attachment's bytes, for ``send_file``; 404 (and an error logged) if missing."""
    path = path_of(att.sha256)
    if not path.is_file():
        log.error("the file of attachment %s (%s) is missing from %s", att.id, att.sha256, path)
        raise NotFound(_("The file of this attachment is missing; tell the administrator."))
    return path
