"""``gatekeeper calendar``: the official working-day calendar (holidays and make-up workdays)."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import click
from flask.cli import with_appcontext
from marshmallow import ValidationError

from gatekeeper.core import clock
from gatekeeper.core.db import write_intent
from gatekeeper.core.errors import GatekeeperError
from gatekeeper.extensions import db
from gatekeeper.modules.jurisdictions import operations as ops
from gatekeeper.modules.jurisdictions.schemas import CalendarYearSchema


@click.group("calendar")
def calendar_group() -> None:
    """The official calendar used for every working-day deadline."""


@calendar_group.command("load")
@click.option("--year", type=int, required=True)
@click.option(
    "--file",
    "path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="CSV with columns day,kind,name (kind: holiday or workday). Without it, the built-in "
    "State Council calendar is used where it has the year.",
)
@with_appcontext
def load_command(year: int, path: Path | None) -> None:
    """Load (replace) the holidays and make-up workdays of a year."""
    try:
        if path is None:
            days = ops.official_year(year)
        else:
            with path.open(encoding="utf-8-sig", newline="") as handle:
                rows = [
                    {"day": r.get("day", ""), "kind": r.get("kind", ""), "name": r.get("name", "")}
                    for r in csv.DictReader(handle)
                ]
            days = CalendarYearSchema().load({"year": year, "days": rows})["days"]
        with write_intent():
            count = ops.load_calendar_year(year, days, actor=None)
            db.session.commit()
    except GatekeeperError as exc:
        click.echo(f"Error: {exc.message} {exc.fields or ''}", err=True)
        sys.exit(1)
    except ValidationError as exc:
        click.echo(f"Error: the file is not valid: {exc.messages}", err=True)
        sys.exit(1)
    click.echo(f"Loaded {count} calendar exceptions for {year}.")


@calendar_group.command("years")
@with_appcontext
def years_command() -> None:
    """Which years are loaded (other years count Monday to Friday only)."""
    years = ops.loaded_years()
    click.echo(", ".join(map(str, years)) if years else "No year loaded.")
    next_year = clock.today().year + 1
    if next_year not in years:
        click.echo(f"Note: {next_year} is not loaded yet; load it when the State Council publishes it.")


COMMANDS = [calendar_group]
