"""Uploaded files between an import's preview and its application, kept outside the web root.

``<instance folder>/<folder>/<user id>/<sha256>`` holds the uploaded bytes and ``<sha256>.json`` what
was previewed (the digest of the plan and whatever else the import needs). The browser session keeps
the digest it previewed; applying re-reads the bytes and re-plans, and the page refuses when the file
is gone, belongs to another user or session, or would now do something else. Nothing here is named
after what the client sent: paths are made of the user's id and the SHA-256 of the bytes. Files are
removed once applied; those left behind (a preview never applied) after a day. Each import (the
catalogue's, the inventory's) has its own folder and session key.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import current_app, session

#: Seconds a previewed file is kept when it is not applied.
KEEP_SECONDS = 24 * 3600
_SHA256 = re.compile(r"[0-9a-f]{64}")


def _write(path: Path, data: bytes) -> None:
    fd, temporary = tempfile.mkstemp(prefix=".upload-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


@dataclass(frozen=True)
class PendingFiles:
    """The previewed files of one kind of import: ``folder`` in the instance folder, and the session key
    naming the file this browser previewed last."""

    folder: str
    session_key: str

    def _folder(self, user) -> Path:
        folder = Path(current_app.instance_path).resolve() / self.folder / str(int(user.id))
        static = current_app.static_folder
        if static and folder.is_relative_to(Path(static).resolve()):
            raise RuntimeError("the imports folder must not be inside the static folder")
        return folder

    def _paths(self, user, sha256: str) -> tuple[Path, Path] | None:
        if not _SHA256.fullmatch(sha256 or ""):
            return None
        folder = self._folder(user)
        return folder / sha256, folder / f"{sha256}.json"

    def keep(self, user, data: bytes, meta: dict[str, Any]) -> str:
        """Keep ``data`` with what was previewed of it for ``user``, name it in this browser's session,
        and return its SHA-256. The previous file of the session and stale files go."""
        self.sweep(user)
        sha256 = hashlib.sha256(data).hexdigest()
        previous = session.get(self.session_key)
        if previous and previous != sha256:
            self.discard(user, previous)
        data_path, meta_path = self._paths(user, sha256)
        data_path.parent.mkdir(parents=True, exist_ok=True)
        _write(data_path, data)
        _write(meta_path, json.dumps({**meta, "user": user.id}, ensure_ascii=False).encode("utf-8"))
        session[self.session_key] = sha256
        return sha256

    def load(self, user, sha256: str) -> tuple[bytes, dict[str, Any]] | None:
        """The bytes and what was previewed, when this browser session previewed ``sha256`` as
        ``user``; else ``None``."""
        if not sha256 or session.get(self.session_key) != sha256:
            return None
        paths = self._paths(user, sha256)
        if paths is None:
            return None
        data_path, meta_path = paths
        try:
            data = data_path.read_bytes()
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if meta.get("user") != user.id or hashlib.sha256(data).hexdigest() != sha256:
            return None
        return data, meta

    def discard(self, user, sha256: str) -> None:
        """Remove the file ``sha256`` of ``user`` (applied, or replaced by another preview)."""
        for path in self._paths(user, sha256) or ():
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
        if session.get(self.session_key) == sha256:
            session.pop(self.session_key, None)

    def sweep(self, user) -> None:
        """Remove ``user``'s files older than ``KEEP_SECONDS``."""
        folder = self._folder(user)
        if not folder.is_dir():
            return
        limit = time.time() - KEEP_SECONDS
        for path in folder.iterdir():
            with contextlib.suppress(FileNotFoundError):
                if path.stat().st_mtime < limit:
                    path.unlink()
