"""Detecting concurrent edits of the same record."""

from flask_babel import lazy_gettext as _l


class EditConflict(Exception):
    """Someone else saved the record after this form was opened."""

    def __init__(self, current):
        super().__init__("edit conflict")
        self.current = current

    message = _l(
        "Someone else changed this record while you were editing it. "
        "Their version is shown below; your changes are kept in the form. "
        "Review them and save again."
    )


def check_version(record, submitted_version) -> None:
    """Raise ``EditConflict`` when the form was rendered from an older version."""
    try:
        submitted = int(submitted_version)
    except (TypeError, ValueError):
        submitted = None
    if submitted != record.version:
        raise EditConflict(record)
