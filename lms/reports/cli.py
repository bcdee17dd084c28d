"""``flask lms export``: a program's exports from the command line, for scheduled jobs.

    flask --app wsgi lms export <progress|grades|attendance|eligibility|readiness> \\
        --program <id-or-code> --format csv|xlsx [--output FILE] \\
        [--track ID] [--module ID] [--country CC] [--group ID] [--status S] [--locale ko] \\
        [--timezone Asia/Seoul]

``--program`` takes the program's id (digits) or its code (``CETP-2024``, any case). Without
``--output`` the file goes to standard output: CSV always; XLSX (binary) only when standard
output is not a terminal (a pipe or a redirect), otherwise the command refuses. With
``--output`` the file is written next to its final name, then renamed: a job reading it never
sees half a file. Errors (unknown program, a filter the program does not have) exit with code 2.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from lms.enrolment.models import EnrolmentStatus


def find_program(reference: str):
    """A program by id (digits) or by code (case-insensitive); None when there is none."""
    from sqlalchemy import func, select

    from lms.extensions import db
    from lms.programs.models import Program

    reference = (reference or "").strip()
    if not reference:
        return None
    if reference.isdigit():
        program = db.session.get(Program, int(reference))
        if program is not None:
            return program
    return db.session.scalar(select(Program).where(func.lower(Program.code) == reference.lower()))


def _write_file(path: Path, body: bytes) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        temporary.write_bytes(body)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def register(group: click.Group) -> None:
    from lms.reports.exports import FORMATS, KINDS

    @group.command("export")
    @click.argument("kind", type=click.Choice(KINDS))
    @click.option("--program", "program_ref", required=True, metavar="ID-OR-CODE",
                  help="The program's id or code (e.g. CETP-2024, any case).")
    @click.option("--format", "fmt", type=click.Choice(FORMATS), default="csv", show_default=True)
    @click.option("--output", type=click.Path(dir_okay=False, writable=True, path_type=Path),
                  help="Write to this file (default: standard output).")
    @click.option("--track", help="Only this track (id).")
    @click.option("--module", help="Only this module (id).")
    @click.option("--country", help="Only participants from this country (ISO code, e.g. KE).")
    @click.option("--group", "group_", help="Only this group (id).")
    @click.option("--status", type=click.Choice([status.value for status in EnrolmentStatus]),
                  help="Only this enrolment status.")
    @click.option("--locale", help="Language of headers and labels (default: the site's).")
    @click.option("--timezone", "zone", default="UTC", show_default=True,
                  help="IANA time zone the times are written in (named in each header).")
    @with_appcontext
    def export(kind, program_ref, fmt, output, track, module, country, group_, status, locale, zone):
        """Export a program's progress, grades, attendance, eligibility or readiness as CSV or XLSX."""
        from flask_babel import force_locale
        from flask_babel import gettext as _

        from lms.core.timezones import is_valid_timezone
        from lms.reports import exports, writers
        from lms.reports.filters import Filters

        language = locale or current_app.config.get("BABEL_DEFAULT_LOCALE", "en")
        with force_locale(language):
            program = find_program(program_ref)
            if program is None:
                raise click.BadParameter(_("no program with the id or code “%(program)s”.", program=program_ref),
                                         param_hint="'--program'")
            filters, problems = Filters.parse(
                {"track": track, "module": module, "country": country, "group": group_, "status": status},
                program)
            if problems:
                name, message = next(iter(problems.items()))
                raise click.BadParameter(message, param_hint=f"'--{name}'")
            if not is_valid_timezone(zone):
                raise click.BadParameter(_("Unknown time zone: use an IANA name such as Asia/Seoul."),
                                         param_hint="'--timezone'")
            if output is None and fmt == "xlsx" and sys.stdout.isatty():
                raise click.UsageError(_("XLSX is a binary file: give --output FILE, or redirect the output."))
            table = exports.build(kind, program, filters, zone=zone)
            body = writers.write(table, fmt)
        if output is None:
            click.echo(body, nl=False)  # bytes: written as they are to the binary stream
        else:
            _write_file(output, body)
            with force_locale(language):
                click.echo(_("%(kind)s of %(program)s: %(rows)d rows written to %(path)s", kind=table.title,
                             program=program.code, rows=len(table.rows), path=str(output)), err=True)
