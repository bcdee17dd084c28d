"""The ``flask lms ...`` command group; each feature contributes its commands."""

import click


@click.group("lms")
def lms_cli():
    """Commands of the learning platform."""


def _register_feature_commands() -> None:
    from lms.accounts.cli import register as register_accounts
    from lms.demo.cli import register as register_demo
    from lms.mail.cli import register as register_mail
    from lms.notifications.cli import register as register_notifications

    for register in (register_accounts, register_demo, register_mail, register_notifications):
        register(lms_cli)

    from lms.live.cli import register as register_live

    register_live(lms_cli)

    from lms.reports.cli import register as register_reports

    register_reports(lms_cli)


_register_feature_commands()
