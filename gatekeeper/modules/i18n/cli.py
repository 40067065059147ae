"""``gatekeeper i18n``: keep the translations in step with the code.

A change of messages goes ``extract`` (the code's ids into ``messages.pot``), ``update`` (merged into
each ``messages.po``: new ids untranslated, unused ones dropped), translate the new entries in the
``.po``, then ``compile`` (the ``messages.mo`` the app reads). ``check`` fails while any of that is
left to do, for CI.
"""

from __future__ import annotations

import sys

import click

from gatekeeper.modules.i18n import messages


def _shown_id(message_id) -> str:
    return repr(message_id if isinstance(message_id, str) else " | ".join(message_id))


@click.group("i18n")
def i18n_group() -> None:
    """Translations: extract the messages of the code, update, compile and check the catalogues."""


@i18n_group.command("extract")
def extract_command() -> None:
    """Write the English message ids found in the code to translations/messages.pot."""
    template = messages.extract()
    changed = messages.write_template(template)
    count = len(messages.message_ids(template))
    where = messages.shown(messages.TEMPLATE_FILE)
    click.echo(f"{count} message ids extracted to {where}{'' if changed else ' (unchanged)'}.")


@i18n_group.command("update")
def update_command() -> None:
    """Merge messages.pot into each messages.po, keeping the translations; list the new ids."""
    if not messages.TEMPLATE_FILE.exists():
        raise click.ClickException("No messages.pot: run `gatekeeper i18n extract` first.")
    template = messages.load_template()
    for locale in messages.CATALOGUE_LOCALES:
        result = messages.update(template, locale)
        where = messages.shown(result.path)
        click.echo(f"{where}: {'created' if result.created else 'updated'}.")
        if result.added:
            click.echo(f"{len(result.added)} new ids, untranslated (translate them, then compile):")
            for message_id in result.added:
                click.echo(f"  {_shown_id(message_id)}")
        for message_id, string in result.removed:
            click.echo(f"  dropped, no longer in the code: {_shown_id(message_id)} (was {string!r})")
        if not result.added and not result.removed:
            click.echo("No new or removed ids.")


@i18n_group.command("compile")
def compile_command() -> None:
    """Write each messages.mo; refuse while an entry is untranslated, fuzzy or has wrong placeholders."""
    refused = False
    for locale in messages.CATALOGUE_LOCALES:
        path = messages.po_file(locale)
        if not path.exists():
            click.echo(f"{messages.shown(path)} is missing: run `gatekeeper i18n update`.", err=True)
            refused = True
            continue
        catalog = messages.load(locale, path)
        problems = messages.entry_problems(catalog)
        if problems:
            click.echo(f"Not compiled: {len(problems)} entries of {messages.shown(path)} to fix:", err=True)
            for problem in problems:
                click.echo(f"  {problem}", err=True)
            refused = True
            continue
        target = messages.mo_file(locale)
        target.write_bytes(messages.compile_mo(catalog))
        count = len(messages.message_ids(catalog))
        click.echo(f"{count} messages compiled to {messages.shown(target)}.")
    if refused:
        sys.exit(1)


@i18n_group.command("check")
def check_command() -> None:
    """Exit 1 when an id of the code is missing or untranslated in a .po, or a .mo is out of date."""
    template = messages.extract()
    failed = False
    for locale in messages.CATALOGUE_LOCALES:
        result = messages.check(locale, template)
        po = messages.shown(messages.po_file(locale))
        mo = messages.shown(messages.mo_file(locale))
        if result.missing:
            click.echo(f"{len(result.missing)} ids of the code are missing in {po} (run extract, update):")
            for message_id in result.missing:
                click.echo(f"  {_shown_id(message_id)}")
        if result.problems:
            click.echo(f"{len(result.problems)} entries of {po} are not ready:")
            for problem in result.problems:
                click.echo(f"  {problem}")
        if result.mo_missing:
            click.echo(f"{mo} is missing: run `gatekeeper i18n compile`.")
        elif result.mo_stale:
            click.echo(f"{mo} is out of date with {po}: run `gatekeeper i18n compile`.")
        if result.unused:
            click.echo(
                f"Note: {len(result.unused)} ids of {po} are no longer in the code (update drops them)."
            )
        if result.ok:
            count = len(messages.message_ids(template))
            click.echo(f"{po}: all {count} ids of the code translated; {mo} up to date.")
        failed |= not result.ok
    if failed:
        sys.exit(1)


COMMANDS = [i18n_group]
