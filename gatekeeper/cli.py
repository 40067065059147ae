"""The ``gatekeeper`` command: Flask's CLI around ``create_app`` plus every module's commands.

Commands that change data run their transactions as writers (``BEGIN IMMEDIATE`` on SQLite).
"""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import FlaskGroup


def register_commands(app: Flask) -> None:
    from gatekeeper import feature_parts

    for module in feature_parts("cli"):
        for command in module.COMMANDS:
            app.cli.add_command(command)


def _create_app():
    from gatekeeper import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=True, add_version_option=False)
def main() -> None:
    """Gatekeeper (社区工作事项准入管理系统): admission of work items into communities."""
