"""``flask lms create-coordinator``: the first account of a new installation."""

import click
from flask import current_app
from flask.cli import with_appcontext


def register(group: click.Group) -> None:
    @group.command("create-coordinator")
    @click.option("--email", required=True, help="The coordinator's email address.")
    @click.option("--name", required=True, help="The coordinator's full name.")
    @with_appcontext
    def create_coordinator(email, name):
        """Create (or promote) a coordinator and print their invitation link."""
        from email_validator import EmailNotValidError

        from lms.accounts.operations import absolute_url, make_coordinator, validated_email
        from lms.extensions import db

        try:
            email = validated_email(email)
        except EmailNotValidError as error:
            raise click.BadParameter(str(error), param_hint="--email") from None
        name = " ".join(name.split())
        if not name or len(name) > 200:
            raise click.BadParameter("give the person's name (at most 200 characters)", param_hint="--name")

        # Links are built from SITE_URL; a request context lets url_for work here.
        # Leaving it delivers the queued invitation like a request would.
        with current_app.test_request_context(base_url=current_app.config["SITE_URL"]):
            user, created, secret = make_coordinator(email=email, name=name)
            db.session.commit()
            link = absolute_url("accounts.accept_invitation", token=secret) if secret else None

        click.echo(f"{'Created' if created else 'Updated'} coordinator {user.name} <{user.email}>.")
        if link:
            hours = current_app.config["INVITATION_TTL_HOURS"]
            click.echo(f"Invitation link (works once, valid for {hours} hours; also emailed):")
            click.echo(link)
        else:
            click.echo("They already have a password and can sign in now.")
