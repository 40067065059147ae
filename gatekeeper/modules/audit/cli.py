"""``gatekeeper audit verify``: recompute the hash chain and name the first broken entry."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from gatekeeper.core.audit import verify_chain
from gatekeeper.extensions import db


@click.group("audit")
def audit_group() -> None:
    """The append-only audit trail."""


@audit_group.command("verify")
@with_appcontext
def verify_command() -> None:
    """Check every entry against its hash and its link to the one before."""
    report = verify_chain(db.session)
    if report.ok:
        click.echo(f"Audit chain intact: {report.checked} entries verified.")
        return
    click.echo(
        f"Audit chain BROKEN at entry {report.first_broken_id}: {report.reason} "
        f"({report.checked} entries before it are intact)."
    )
    sys.exit(1)


COMMANDS = [audit_group]
