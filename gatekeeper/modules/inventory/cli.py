"""``gatekeeper inventory ...``: import an inventory file and print the cleanup's progress.

An import is recorded in the name of a user (``--as``, the gate's secretariat or the admin). A refused
file prints every problem by row and column, exits with status 1 and changes nothing.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from gatekeeper.core.db import write_intent
from gatekeeper.extensions import db
from gatekeeper.modules.catalogue.cli import _actor, _gate, _reporting_errors
from gatekeeper.modules.inventory import operations as ops
from gatekeeper.modules.inventory.models import InventoryItem

inventory_group = AppGroup("inventory", help="The inventory of existing items and their cleanup (清理).")
COMMANDS = [inventory_group]


@inventory_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--gate", "gate_code", required=True, help="Code of the gate, e.g. LJ.")
@click.option("--as", "username", required=True, help="The user the import is recorded for.")
@click.option("--dry-run", is_flag=True, help="Check every row and print the verdicts; write nothing.")
@_reporting_errors
def import_command(file: Path, gate_code: str, username: str, dry_run: bool) -> None:
    """Import FILE (.csv or .xlsx): every row is checked against the gate's published catalogue."""
    with write_intent():
        gate = _gate(gate_code)
        record, report = ops.import_file(
            gate, file.read_bytes(), file.name, actor=_actor(username), dry_run=dry_run
        )
        db.session.commit()
    heading = "dry run, nothing written" if dry_run else f"imported as import {record.id}"
    click.echo(f"{heading}: {report['rows']} items, {report['remove']} to remove, {report['keep']} to keep")
    for kind, counts in report["by_kind"].items():
        click.echo(f"  {kind}: keep {counts['keep']}, remove {counts['remove']}")


@inventory_group.command("progress")
@click.option("--gate", "gate_code", required=True, help="Code of the gate, e.g. LJ.")
@click.option("--street", default=None, help="Only this street (its code).")
@_reporting_errors
def progress_command(gate_code: str, street: str | None) -> None:
    """The cleanup's progress per street (or per community of one street)."""
    gate = _gate(gate_code)
    report = ops.progress(InventoryItem.gate_id == gate.id, street=street)
    for line in report["communities"] if street else report["streets"]:
        click.echo(
            f"{line['code']} {line['name']}: {line['items']} items, {line['to_remove']} to remove, "
            f"{line['removed']} removed ({line['percent_done']}%)"
        )
    total = report["total"]
    click.echo(f"total: {total['items']} items, {total['to_remove']} to remove, {total['removed']} removed")
