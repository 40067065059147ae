"""``gatekeeper catalogue ...``: list versions, import, export, publish and diff a gate's catalogue.

The commands act as the system (actor None in the audit trail) unless ``--as USERNAME`` names a
user. Domain errors are printed and exit with status 1, leaving the database as it was.
"""

from __future__ import annotations

import functools
import sys
from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from gatekeeper.core import clock
from gatekeeper.core.db import write_intent
from gatekeeper.core.errors import GatekeeperError
from gatekeeper.core.money import yuan
from gatekeeper.extensions import db
from gatekeeper.modules.catalogue import operations as ops
from gatekeeper.modules.catalogue.models import CatalogueEntry, CatalogueVersion

catalogue_group = AppGroup("catalogue", help="The admission catalogue (准入目录): versions and files.")
COMMANDS = [catalogue_group]

_gate_option = click.option("--gate", "gate_code", required=True, help="Code of the gate, e.g. LJ.")
_as_option = click.option("--as", "username", default=None, help="Act as this user (default: the system).")


def _reporting_errors(command):
    """Print domain errors (with every problem of a refused file) and exit 1, changing nothing."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except GatekeeperError as exc:
            db.session.rollback()
            click.echo(f"error ({exc.code}): {exc.message}", err=True)
            problems = exc.extra.get("problems")
            if problems:
                for p in problems:
                    click.echo(f"  row {p['row']}, column {p['column']}: {p['message']}", err=True)
            else:
                for field, messages in exc.fields.items():
                    click.echo(f"  {field}: {'; '.join(messages)}", err=True)
            sys.exit(1)

    return wrapper


def _gate(code: str):
    from gatekeeper.modules.jurisdictions.operations import get_gate

    return get_gate(code)


def _actor(username: str | None):
    if username is None:
        return None
    from gatekeeper.modules.accounts.models import User

    found = db.session.scalar(sa.select(User).where(User.username == username.strip().lower()))
    if found is None:
        raise click.BadParameter(f"no user {username}", param_hint="--as")
    return found


def _print_report(report: dict) -> None:
    heading = "dry run, nothing changed" if report["dry_run"] else "imported"
    click.echo(f"{heading}: format {report['format']}, mode {report['mode']}")
    for key in ("added", "amended", "removed"):
        codes = report[key]
        shown = ", ".join(codes[:20]) + (" ..." if len(codes) > 20 else "")
        click.echo(f"  {key}: {len(codes)}" + (f" ({shown})" if codes else ""))
    click.echo(f"  unchanged: {report['unchanged']}")


@catalogue_group.command("versions")
@_gate_option
@_reporting_errors
def versions_command(gate_code: str) -> None:
    """List the catalogue versions of a gate, newest first."""
    gate = _gate(gate_code)
    rows = db.session.execute(
        sa.select(CatalogueVersion, sa.func.count(CatalogueEntry.id))
        .outerjoin(CatalogueEntry)
        .where(CatalogueVersion.gate_id == gate.id)
        .group_by(CatalogueVersion.id)
        .order_by(CatalogueVersion.number.desc())
    ).all()
    if not rows:
        click.echo(f"gate {gate.code} has no catalogue version")
    for version, count in rows:
        published = version.published_at.astimezone(clock.timezone()).date() if version.published_at else "-"
        click.echo(f"#{version.number}\t{version.state.value}\t{published}\t{count} entries\t{version.label}")


@catalogue_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_gate_option
@click.option("--reason", required=True, help="Why (立改废释); recorded with every change.")
@click.option("--mode", type=click.Choice(ops.IMPORT_MODES), default="merge", show_default=True)
@click.option("--dry-run", is_flag=True, help="Report what would change; change nothing.")
@click.option("--publish", is_flag=True, help="Publish the draft after the import.")
@click.option("--label", default=None, help="Label of the draft, when one is opened.")
@_as_option
@_reporting_errors
def import_command(file: Path, gate_code, reason, mode, dry_run, publish, label, username) -> None:
    """Import FILE (.csv or .xlsx) into the gate's draft, opening one if there is none."""
    if dry_run and publish:
        raise click.UsageError("--dry-run and --publish exclude each other")
    with write_intent():
        gate = _gate(gate_code)
        actor = _actor(username)
        version = opened = ops.draft_version(gate)
        if version is None:
            default_label = f"{clock.today().isoformat()} {file.name}"[:120]
            version = ops.create_version(gate, label=label or default_label, actor=actor)
        report = ops.import_file(
            version, file.read_bytes(), file.name, reason=reason, actor=actor, mode=mode, dry_run=dry_run
        )
        if publish:
            ops.publish_version(version, actor=actor)
        if dry_run:
            db.session.rollback()
        else:
            db.session.commit()
    if opened is None and not dry_run:
        click.echo(f"opened draft version {version.number} of gate {gate.code}")
    _print_report(report)
    if publish:
        click.echo(f"published version {version.number}")


@catalogue_group.command("export")
@_gate_option
@click.option("--version", "number", type=int, default=None, help="Version number (default: current).")
@click.option("--format", "fmt", type=click.Choice(ops.EXPORT_FORMATS), required=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="File to write.")
@_reporting_errors
def export_command(gate_code, number, fmt, out: Path) -> None:
    """Write a version of the gate's catalogue to a file that imports again unchanged."""
    gate = _gate(gate_code)
    version = ops.version_by_number(gate, number) if number else ops.current_version(gate)
    if version is None:
        raise click.ClickException(f"gate {gate.code} has no published catalogue version")
    data = ops.export_version(version, fmt)
    out.write_bytes(data)
    click.echo(f"wrote version {version.number} ({len(version.entries)} entries) to {out}")


@catalogue_group.command("publish")
@_gate_option
@_as_option
@_reporting_errors
def publish_command(gate_code, username) -> None:
    """Publish the gate's draft version."""
    with write_intent():
        gate = _gate(gate_code)
        version = ops.draft_version(gate)
        if version is None:
            raise click.ClickException(f"gate {gate.code} has no draft version")
        ops.publish_version(version, actor=_actor(username))
        db.session.commit()
    click.echo(f"published version {version.number} of gate {gate.code}")


@catalogue_group.command("diff")
@_gate_option
@click.argument("old", type=int)
@click.argument("new", type=int)
@_reporting_errors
def diff_command(gate_code, old: int, new: int) -> None:
    """What changed from version OLD to version NEW (numbers) of the gate's catalogue."""
    gate = _gate(gate_code)
    diff = ops.diff_versions(ops.version_by_number(gate, old), ops.version_by_number(gate, new))
    counts = {key: len(diff[key]) for key in ("added", "removed", "changed")}
    click.echo(
        f"version {old} → {new}: {counts['added']} added, {counts['removed']} removed, "
        f"{counts['changed']} changed, {diff['unchanged']} unchanged"
    )
    for entry in diff["added"]:
        click.echo(f"+ {entry['code']}\t{entry['title']}")
    for entry in diff["removed"]:
        click.echo(f"- {entry['code']}\t{entry['title']}")
    for change in diff["changed"]:
        click.echo(f"~ {change['code']}\t{change['title']} ({change['action']})")
        for name, values in change["fields"].items():
            before, after = values["before"], values["after"]
            if name == "funding_amount_fen":
                before, after = yuan(before), yuan(after)
            click.echo(f"    {name}: {before!r} → {after!r}")
