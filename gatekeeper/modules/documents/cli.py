"""``gatekeeper documents``: prepare the document fonts; write documents in bulk."""

from __future__ import annotations

import os
import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from gatekeeper.core import fonts, pdf


@click.group("documents")
def documents_group() -> None:
    """Official documents as PDF: the fonts they are set in, and bulk generation."""


def require_font() -> fonts.SystemFont:
    font = fonts.system_font()
    if font is None:
        raise click.ClickException(fonts.NoCjkFont.MESSAGE)
    return font


@documents_group.command("fonts")
@click.option("--force", is_flag=True, help="Prepare again even when the subsets are there.")
@with_appcontext
def fonts_command(force: bool) -> None:
    """Cut the font subsets that make documents fast (once, about half a minute)."""
    font = require_font()
    folder = pdf.font_folder(current_app)
    if not force and fonts.prepared(folder):
        click.echo(f"Document fonts are ready in {folder} (cut from {font.family}).")
        return
    click.echo(f"Cutting the document fonts from {font.family} ({font.regular.path}) …")
    started = time.perf_counter()
    paths = fonts.prepare(folder, force=force)
    pdf.reset(current_app)
    sizes = ", ".join(f"{p.name} {p.stat().st_size / 1e6:.1f} MB" for p in paths.values())
    click.echo(f"Prepared in {time.perf_counter() - started:.0f} s: {sizes}.")


@documents_group.command("community-lists")
@click.option("--gate", "gate_code", required=True, help="Code of the gate, e.g. LJ.")
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write to.",
)
@click.option("--street", default=None, help="Only the communities of this street or town (its code).")
@click.option("--combined", is_flag=True, help="Also write one PDF of all the lists.")
@click.option("--lang", "language", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@click.option("--jobs", type=click.IntRange(1, 64), default=None, help="Processes (default: one per core).")
@click.option(
    "--codes",
    type=click.Choice(["items", "list"]),
    default="items",
    show_default=True,
    help="A QR code per item, or one for the whole list.",
)
@with_appcontext
def community_lists_command(
    gate_code: str, out: Path, street: str | None, combined: bool, language: str, jobs: int | None, codes: str
) -> None:
    """Write every community's list of admitted items (社区工作事项准入清单) of a gate as PDFs."""
    from gatekeeper.core.errors import NotFound
    from gatekeeper.modules.documents import bulk
    from gatekeeper.modules.jurisdictions.operations import get_gate

    require_font()
    try:
        gate = get_gate(gate_code)
    except NotFound as exc:
        raise click.ClickException(exc.message) from exc
    processes = jobs or os.cpu_count() or 1
    bar = None

    def started(count: int) -> None:
        nonlocal bar
        if not count:
            raise click.ClickException(f"No community of {gate.code} matches.")
        click.echo(f"{count} communities of {gate.code} {gate.name}; rendering with {processes} processes.")
        bar = click.progressbar(length=count, label="Lists", show_pos=True, show_eta=True)
        bar.__enter__()

    def progress(written) -> None:
        bar.update(1, written.code)

    try:
        summary = bulk.community_lists(
            gate,
            out,
            language=language,
            processes=processes,
            combined=combined,
            item_codes=codes == "items",
            street=street,
            progress=progress,
            started=started,
        )
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    empty = sum(1 for w in summary.written if not w.items)
    click.echo(
        f"Wrote {len(summary.written)} lists ({summary.total_items} items; {empty} communities with none) "
        f"to {out}: {summary.total_bytes / 1e6:.1f} MB in {summary.seconds:.1f} s."
    )
    if summary.combined:
        click.echo(f"Combined: {summary.combined} ({summary.combined.stat().st_size / 1e6:.1f} MB).")


COMMANDS = [documents_group]
