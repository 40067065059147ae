"""``gatekeeper users create`` and ``gatekeeper tokens create``."""

from __future__ import annotations

import sys

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from gatekeeper.core.auth import issue_token
from gatekeeper.core.db import write_intent
from gatekeeper.core.errors import GatekeeperError
from gatekeeper.extensions import db
from gatekeeper.modules.accounts import operations as ops
from gatekeeper.modules.accounts.models import Role, User
from gatekeeper.modules.jurisdictions.models import Department, Gate, Jurisdiction


def _fail(exc: GatekeeperError) -> None:
    click.echo(f"Error: {exc.message}", err=True)
    for field, problems in exc.fields.items():
        click.echo(f"  {field}: {'; '.join(problems)}", err=True)
    sys.exit(1)


def _by_code(model, code):
    if code is None:
        return None
    row = db.session.scalar(sa.select(model).where(model.code == code))
    if row is None:
        click.echo(f"Error: unknown {model.__tablename__[:-1]} code {code}", err=True)
        sys.exit(1)
    return row


@click.group("users")
def users_group() -> None:
    """User accounts."""


@users_group.command("create")
@click.argument("username")
@click.option("--name", required=True, help="Full name.")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--department", help="Department code (officers; committee members sit for one).")
@click.option("--jurisdiction", help="Community code (community head) or street code (street officer).")
@click.option("--gate", help="Gate code (secretariat, member, chair).")
@click.option("--password", help="Password (at least 8 characters); generated and printed if omitted.")
@with_appcontext
def create_user_command(username, name, role, department, jurisdiction, gate, password) -> None:
    """Create a user."""
    with write_intent():
        try:
            user, password = ops.create_user(
                username=username,
                name=name,
                role=Role(role),
                password=password,
                department=_by_code(Department, department),
                jurisdiction=_by_code(Jurisdiction, jurisdiction),
                gate=_by_code(Gate, gate),
                actor=None,
            )
            db.session.commit()
        except GatekeeperError as exc:
            db.session.rollback()
            _fail(exc)
    click.echo(f"Created {user.username} ({user.role.value}). Password: {password}")


@click.group("tokens")
def tokens_group() -> None:
    """API tokens."""


@tokens_group.command("create")
@click.argument("username")
@click.option("--label", default="cli", help="What the token is for.")
@click.option(
    "--hours", type=click.IntRange(1, 24 * 366), help="Validity in hours (default: the configured TTL)."
)
@with_appcontext
def create_token_command(username, label, hours) -> None:
    """Create an API token for USERNAME and print it (it is stored only as a hash)."""
    with write_intent():
        user = db.session.scalar(sa.select(User).where(User.username == username.lower()))
        if user is None or not user.active:
            click.echo(f"Error: no active user {username}", err=True)
            sys.exit(1)
        token, row = issue_token(user, label=label, ttl_hours=hours)
        db.session.commit()
    click.echo(token)
    click.echo(f"expires {row.expires_at.isoformat()}", err=True)


COMMANDS = [users_group, tokens_group]
