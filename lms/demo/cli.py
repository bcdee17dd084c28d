"""The demo data: the two 2024 CPI programs with invented people.

``flask --app wsgi lms demo``            load into an empty database
``flask --app wsgi lms demo --if-empty`` load only when there is nobody yet (``make run``)
``flask --app wsgi lms demo --reset``    delete every row first, then load
``flask --app wsgi lms demo --with-activity``  also simulate a program mid-way and a finished one
                                         (combines with --reset and --if-empty; see lms.demo.activity)
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
    @click.option("--with-activity", is_flag=True,
                  help="Also simulate activity: the Experts program is moved by whole weeks so that today falls "
                       "in the second half of its online phase (participants ahead, on track, behind; grades, "
                       "attendance), and the Administrators program is the finished 2024 edition (decisions, "
                       "readiness, check-ins, outputs, certificates).")
    @with_appcontext
    def demo(if_empty, reset, with_activity):
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
                # Activity is never added on top of loaded data: it is simulated with the programs it moves.
                _fail("The database already has data. Run with --reset to delete everything and load the demo"
                      + (" with its activity." if with_activity else "."))
            deleted_files = clear_database()
            click.echo("Deleted every row of every table.")

        try:
            summary = load_demo(with_activity=with_activity)
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
        if summary.activity is not None:
            _print_activity(summary.activity)
        click.echo("")
        click.echo("Sign in with:")
        for role, email, password in summary.accounts:
            click.echo(f"  {role:<12} {email:<24} password: {password}")


_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _day(value) -> str:
    return f"{_DAYS[value.weekday()]} {value.day} {_MONTHS[value.month - 1]} {value.year}"


def _counts(counter, labels) -> str:
    return ", ".join(f"{label} {counter.get(key, 0)}" for key, label in labels)


def _print_activity(activity) -> None:
    from zoneinfo import ZoneInfo

    korea = activity.now.astimezone(ZoneInfo("Asia/Seoul"))
    start, end = activity.online
    click.echo("")
    click.echo(f"Activity simulated as of {_day(korea)} {korea:%H:%M} Korea time:")
    click.echo(f"  {activity.main_name} ({activity.main_code}) moved {activity.weeks} weeks later: online phase "
               f"{_day(start)} – {_day(end)} (today is day {activity.day_of_phase}), offline phase from "
               f"{_day(activity.offline_start)}")
    click.echo("  admission standing: " + _counts(activity.standings, (
        ("eligible", "eligible"), ("on_track", "on track"), ("at_risk", "at risk"),
        ("not_eligible", "not eligible"))) + f"; withdrawn {activity.withdrawn}")
    click.echo(f"  {activity.submissions} submissions ({activity.released} grades released, {activity.draft_grades} "
               f"draft grades, {activity.resubmissions} resubmission requested); live sessions: "
               f"{activity.attended} attendances, {activity.missed} missed")
    click.echo(f"  {activity.past_name} (finished, 2024 dates): " + _counts(activity.decisions, (
        ("admitted", "admitted"), ("waitlisted", "waitlisted"), ("not_admitted", "not admitted")))
        + f" ({activity.overrides} against the rules); readiness: " + _counts(activity.readiness, (
            ("complete", "confirmed"), ("details_missing", "details missing"), ("declined", "declined")))
        + f"; {activity.check_ins} check-ins; {activity.outputs} outputs published; "
          f"{activity.certificates} certificates")
