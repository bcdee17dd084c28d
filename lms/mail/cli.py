import time

import click
from flask.cli import with_appcontext


def register(group: click.Group) -> None:
    @group.command("send-mail")
    @click.option("--watch", is_flag=True, help="Keep running and send every 30 seconds.")
    @click.option("--retry-failed", is_flag=True,
                  help="First give the messages that failed too often (e.g. a mail server down for days) "
                       "a fresh set of attempts.")
    @with_appcontext
    def send_mail(watch, retry_failed):
        """Send what is waiting in the outbox (run it from cron, or with --watch)."""
        from lms.mail.operations import deliver_pending, given_up_count, retry_given_up

        if retry_failed:
            click.echo(f"retrying {retry_given_up()} messages that had been given up")
        while True:
            sent, failed = deliver_pending()
            line = f"sent {sent}, failed {failed}"
            given_up = given_up_count()
            if given_up:
                line += f"; {given_up} given up after too many failures (send them again with --retry-failed)"
            click.echo(line)
            if not watch:
                break
            time.sleep(30)
