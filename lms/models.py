"""Imports every feature's models so that SQLAlchemy metadata and Alembic see all tables.

Each feature owns its models in ``lms/<feature>/models.py``; this module only
gathers them.
"""

from lms.accounts.models import AccountToken, LoginAttempt, User  # noqa: F401
from lms.enrolment.models import Enrolment, EnrolmentEvent  # noqa: F401
from lms.mail.models import OutboxMessage  # noqa: F401
from lms.programs.models import Field, Group, Module, ModuleTrainer, Organisation, Program, Track  # noqa: F401
from lms.files.models import StoredFile  # noqa: F401, E402
from lms.learning.models import (  # noqa: F401, E402
    Completion,
    Item,
    ItemPrerequisite,
    QuizAttempt,
    QuizChoice,
    QuizQuestion,
    Unit,
)
from lms.assignments.models import (  # noqa: F401, E402
    Assignment,
    Extension,
    Grade,
    GradeEvent,
    RubricCriterion,
    RubricLevel,
    Submission,
    SubmissionFile,
    SubmissionVersion,
)
from lms.notifications.models import DigestRun, Notification  # noqa: F401, E402
from lms.live.models import (  # noqa: F401, E402
    AttendanceCorrection,
    CalendarFeed,
    ChatMessage,
    Connection,
    HandRaise,
    LiveQuestion,
    LiveSession,
    Mute,
    Poll,
    PollVote,
    QuestionVote,
    RoomEvent,
)
from lms.admission.models import AdmissionDecision, AdmissionRules, AdmissionRulesChange  # noqa: F401, E402
from lms.readiness.models import Readiness  # noqa: F401, E402
from lms.offline.models import CheckIn  # noqa: F401, E402
from lms.outputs.models import Output, OutputFile, Showcase  # noqa: F401, E402
from lms.certificates.models import Certificate  # noqa: F401, E402
from lms.notifications.models import NotificationPreference, ReminderClaim  # noqa: F401, E402
from lms.announcements.models import Announcement, Message, MessageThread, ThreadRead  # noqa: F401, E402
from lms.dashboard.models import ParticipantSummary  # noqa: F401, E402
