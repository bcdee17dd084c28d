"""Notification commands.

* ``flask lms send-digests``: the trainers' daily email of new submissions (run it daily from cron).
* ``flask lms send-due-notifications``: the reminders (deadlines, live sessions, at-risk nudges),
  daily notification digests and trainers' submission digests (at their digest hour) due now, each claimed so it is never sent twice (the server's scheduler
  does the same every minute; run it from cron when the scheduler is off).
"""

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

    @group.command("send-due-notifications")
    @click.option("--no-at-risk", is_flag=True,
                  help="Skip the weekly at-risk nudges (they evaluate every active participant).")
    @with_appcontext
    def send_due_notifications_command(no_at_risk):
        """Send the reminders and daily digests due now, once (run every few minutes from cron)."""
        from lms.extensions import db
        from lms.mail.operations import deliver_pending
        from lms.notifications.reminders import send_due_notifications

        try:
            counts = send_due_notifications(at_risk=not no_at_risk, submission_digests=True)
        except Exception:
            db.session.rollback()
            raise
        click.echo(" ".join(f"{key}={value}" for key, value in counts.items()))
        if any(value for key, value in counts.items() if key not in ("skipped", "failed")):
            sent, failed = deliver_pending()
            click.echo(f"sent {sent}, failed {failed} (failed messages stay in the outbox for `lms send-mail`)")
