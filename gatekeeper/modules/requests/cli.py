"""``gatekeeper overdue``: requests in review whose decision is past due."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from gatekeeper.core import clock
from gatekeeper.extensions import db
from gatekeeper.modules.jurisdictions.models import Gate
from gatekeeper.modules.requests.models import AdmissionRequest
from gatekeeper.modules.requests.operations import overdue_query


@click.command("overdue")
@click.option("--gate", "gate_code", help="Only this gate (code).")
@with_appcontext
def overdue_command(gate_code: str | None) -> None:
    """List requests in review whose decision is past its due date."""
    stmt = overdue_query()
    if gate_code:
        stmt = stmt.where(AdmissionRequest.gate_id.in_(sa.select(Gate.id).where(Gate.code == gate_code)))
    rows = db.session.scalars(stmt).all()
    today = clock.today()
    if not rows:
        click.echo("No overdue requests.")
        return
    click.echo(f"{len(rows)} overdue request(s) on {today.isoformat()}:")
    for req in rows:
        late = (today - req.due_date).days
        click.echo(
            f"  #{req.id:<5} due {req.due_date.isoformat()} ({late} days late)  "
            f"{req.department.name}  {req.title}"
        )


COMMANDS = [overdue_command]
