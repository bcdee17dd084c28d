"""Submitted files are served as attachments with their type and nosniff, only to those allowed."""

import io

from werkzeug.datastructures import FileStorage

from lms.assignments.models import Submission, SubmissionFile, SubmissionVersion
from lms.core.database import utcnow
from lms.files.storage import UploadRules, save_upload
from tests import factories


def test_submitted_pdf_is_an_attachment_with_nosniff(client, login, world, db):
    assignment = factories.make_assignment(factories.make_unit(world.module))
    submission = Submission(assignment=assignment, user_id=world.participant.id)
    version = SubmissionVersion(submission=submission, number=1, author_id=world.participant.id,
                                submitted_at=utcnow(), receipt="a" * 64)
    stored = save_upload(FileStorage(io.BytesIO(b"%PDF-1.4 my essay"), filename="Mon essai.pdf"),
                         UploadRules(frozenset({"pdf"}), 10_000), uploaded_by=world.participant)
    db.session.add_all([submission, version, SubmissionFile(version=version, file_id=stored.id)])
    db.session.commit()
    url = f"/submissions/versions/{version.id}/files/{stored.id}"

    login(client, world.trainer)
    response = client.get(url, buffered=True)
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert "Mon%20essai.pdf" in response.headers["Content-Disposition"] or "Mon essai.pdf" in (
        response.headers["Content-Disposition"])
    assert response.mimetype == "application/pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert stored.storage_key not in response.headers["Content-Disposition"]

    login(client, world.other_participant)
    assert client.get(url, buffered=True).status_code == 403
