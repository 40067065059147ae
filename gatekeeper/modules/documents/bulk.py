"""Documents in bulk: every community's list of a gate, rendered by one process per core.

The database is read once, in the calling process: each community's list is dumped there (plain
dicts). Worker processes, forked after the dumps, only render; each keeps its own renderer (fonts
and stylesheets) for all the documents it is given.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

import sqlalchemy as sa
from flask import Flask, current_app
from flask_babel import force_locale

from gatekeeper.core import pdf
from gatekeeper.extensions import db
from gatekeeper.modules.authorisations import documents
from gatekeeper.modules.jurisdictions.models import Gate, Jurisdiction
from gatekeeper.modules.jurisdictions.operations import communities_query

COMBINED_NAME = "{gate}-community-lists.pdf"


@dataclasses.dataclass
class Job:
    code: str
    name: str
    data: dict
    title: str


@dataclasses.dataclass
class Written:
    code: str
    path: Path
    size: int
    items: int


@dataclasses.dataclass
class Summary:
    written: list[Written]
    seconds: float
    combined: Path | None = None

    @property
    def total_bytes(self) -> int:
        return sum(w.size for w in self.written)

    @property
    def total_items(self) -> int:
        return sum(w.items for w in self.written)


def list_jobs(gate: Gate, *, language: str, item_codes: bool = True, street: str | None = None) -> list[Job]:
    """The dump of each community's list under ``gate`` (of one street, if given), by community code."""
    communities = db.session.scalars(
        communities_query(within=gate.jurisdiction, street_codes=[street] if street else None)
        .options(sa.orm.joinedload(Jurisdiction.parent))
        .order_by(Jurisdiction.code)
    ).all()
    schema = documents.CommunityListPdfSchema()
    jobs = []
    with force_locale(language):
        title = str(documents.community_list_title())
        for community in communities:
            source = documents.community_list_source(community, gate=gate, item_codes=item_codes)
            jobs.append(Job(community.code, community.name, schema.dump(source), title))
    return jobs


_worker_app: Flask | None = None


def _start_worker(app: Flask) -> None:
    global _worker_app
    _worker_app = app
    pdf.reset(app)  # a renderer of its own: Pango's objects are not shared across processes
    with app.app_context():
        db.engine.dispose(close=False)  # the parent's connections stay the parent's


def _render(job: Job, folder: str, language: str) -> Written:
    assert _worker_app is not None
    with _worker_app.app_context():
        return _write(job, folder, language)


def _write(job: Job, folder: str, language: str) -> Written:
    body = pdf.render_pdf("community_list", job.data, language=language, title=job.title)
    path = Path(folder) / f"{job.code}.pdf"
    partial = path.with_suffix(".pdf.part")
    partial.write_bytes(body)
    os.replace(partial, path)
    return Written(job.code, path, len(body), len(job.data["items"]))


def render_all(
    jobs: list[Job],
    folder: Path,
    *,
    language: str,
    processes: int,
    progress: Callable[[Written], None] = lambda written: None,
) -> list[Written]:
    """Render ``jobs`` into ``folder`` with ``processes`` workers (1: in this process)."""
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Written] = []
    if processes <= 1:
        for job in jobs:
            written.append(_write(job, str(folder), language))
            progress(written[-1])
        return written
    app = current_app._get_current_object()
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(
        processes, mp_context=context, initializer=_start_worker, initargs=(app,)
    ) as pool:
        futures = [pool.submit(_render, job, str(folder), language) for job in jobs]
        for future in as_completed(futures):
            written.append(future.result())
            progress(written[-1])
    return sorted(written, key=lambda w: w.code)


def combine(written: list[Written], target: Path) -> Path:
    """One PDF of every list, in community order (each list keeps its own page numbers)."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    for item in sorted(written, key=lambda w: w.code):
        writer.append(str(item.path))
    partial = target.with_suffix(".pdf.part")
    with open(partial, "wb") as out:
        writer.write(out)
    os.replace(partial, target)
    return target


def community_lists(
    gate: Gate,
    folder: Path,
    *,
    language: str = "zh",
    processes: int | None = None,
    combined: bool = False,
    item_codes: bool = True,
    street: str | None = None,
    progress: Callable[[Written], None] = lambda written: None,
    started: Callable[[int], None] = lambda count: None,
) -> Summary:
    """Write every community's list of ``gate`` into ``folder`` (and one combined PDF on request)."""
    began = time.perf_counter()
    jobs = list_jobs(gate, language=language, item_codes=item_codes, street=street)
    started(len(jobs))
    processes = processes or os.cpu_count() or 1
    written = render_all(
        jobs, folder, language=language, processes=min(processes, max(len(jobs), 1)), progress=progress
    )
    summary = Summary(written, 0.0)
    if combined and written:
        summary.combined = combine(written, folder / COMBINED_NAME.format(gate=gate.code))
    summary.seconds = time.perf_counter() - began
    return summary
