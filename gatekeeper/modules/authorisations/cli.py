"""``gatekeeper expire``: end the authorisations whose validity is over (run it from cron)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from gatekeeper.core.db import write_intent
from gatekeeper.extensions import db
from gatekeeper.modules.authorisations.lifecycle import expire_due


@click.command("expire")
@click.option("--quiet", is_flag=True, help="Print nothing when nothing expired (for cron).")
@with_appcontext
def expire_command(quiet: bool) -> None:
    """Mark ended authorisations expired. Idempotent; safe to run every minute."""
    with write_intent():
        numbers = expire_due(actor=None)
        db.session.commit()
    if numbers or not quiet:
        click.echo(
            f"{len(numbers)} authorisation(s) expired" + (": " + ", ".join(numbers) if numbers else ".")
        )


COMMANDS = [expire_command]
