"""``flask lms send-digests``: the trainers' daily email of new submissions (run it daily from cron)."""

import click
from flask.cli import with_appcontext


def register(group: click.Group) -> None:
    @group.command("send-digests")
    @with_appcontext
    def send_digests():
        """Email each trainer the day's new submissions (run daily from cron)."""
        from lms.extensions import db
        from lms.mail.operations import deliver_pending
        from lms.notifications.digest import send_submission_digests

        try:
            queued = send_submission_digests()
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
        click.echo(f"queued {queued} digest(s)")
        if queued:
            sent, failed = deliver_pending()
            click.echo(f"sent {sent}, failed {failed} (failed messages stay in the outbox for `lms send-mail`)")
