"""The demo data: the two 2024 CPI programs with invented people.

``flask --app wsgi lms demo``            load into an empty database
``flask --app wsgi lms demo --if-empty`` load only when there is nobody yet (``make run``)
``flask --app wsgi lms demo --reset``    delete every row first, then load
"""

import time

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.exc import OperationalError, ProgrammingError

from lms.core.timezones import country_name


def _fail(message: str) -> None:
    click.secho(message, fg="red", err=True)
    raise click.exceptions.Exit(1)


def register(group: click.Group) -> None:
    @group.command("demo")
    @click.option("--if-empty", is_flag=True, help="Do nothing when the database already has people (make run).")
    @click.option("--reset", is_flag=True, help="Delete every row of every table first, then load the demo.")
    @with_appcontext
    def demo(if_empty, reset):
        """Load the 2024 CPI programs with invented people and three demo accounts."""
        from lms.demo.loader import DemoError, clear_database, database_has_data, load_demo, remove_files
        from lms.extensions import db

        if current_app.config.get("CONFIG_NAME") == "production":
            _fail("Refusing to load demo data with the production configuration.")

        started = time.perf_counter()
        try:
            has_data = database_has_data()
        except (OperationalError, ProgrammingError):
            db.session.rollback()
            _fail("The database has no tables yet: run `flask --app wsgi db upgrade` first.")
        deleted_files = []
        if has_data:
            if if_empty:
                click.echo("The database already has data; the demo was not loaded.")
                return
            if not reset:
                _fail("The database already has data. Run with --reset to delete everything and load the demo.")
            deleted_files = clear_database()
            click.echo("Deleted every row of every table.")

        try:
            summary = load_demo()
            db.session.commit()
        except DemoError as error:
            db.session.rollback()
            _fail(f"Demo data not loaded: {error}")
        except Exception:
            db.session.rollback()
            raise
        # The deletion is committed (with the new demo): only now may the old uploads go.
        remove_files(deleted_files)

        elapsed = time.perf_counter() - started
        click.echo(f"Demo data loaded in {elapsed:.1f} s ({summary.users} people).")
        for program in summary.programs:
            click.echo("")
            click.echo(f"{program.name} ({program.code}): {program.participants} participants "
                       f"from {len(program.countries)} countries, {program.groups} groups")
            for title, count in program.modules:
                click.echo(f"  module {title}: {count} participants")
            countries = sorted(program.countries.items(), key=lambda item: (-item[1], country_name(item[0])))
            click.echo("  countries: " + ", ".join(f"{country_name(code)} {count}" for code, count in countries))
        click.echo("")
        click.echo("Sign in with:")
        for role, email, password in summary.accounts:
            click.echo(f"  {role:<12} {email:<24} password: {password}")
