"""``flask lms sync-live-sessions``: give every live-session item its LiveSession."""

import click

from lms.extensions import db


@click.command("sync-live-sessions")
def sync_live_sessions():
    """Create the missing live sessions of live-session items, and keep the others in step."""
    from lms.live.schedule import sync_all_sessions

    result = sync_all_sessions()
    db.session.commit()
    click.echo(f"Live sessions: {result.created} created, {result.updated} updated, "
               f"{result.without_time} item(s) without a start time skipped.")


def register(group) -> None:
    group.add_command(sync_live_sessions)
