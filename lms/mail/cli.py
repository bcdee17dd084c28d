import time

import click
from flask.cli import with_appcontext


def register(group: click.Group) -> None:
    @group.command("send-mail")
    @click.option("--watch", is_flag=True, help="Keep running and send every 30 seconds.")
    @with_appcontext
    def send_mail(watch):
        """Send what is waiting in the outbox (run it from cron, or with --watch)."""
        from lms.mail.operations import deliver_pending

        while True:
            sent, failed = deliver_pending()
            click.echo(f"sent {sent}, failed {failed}")
            if not watch:
                break
            time.sleep(30)
