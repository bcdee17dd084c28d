"""The demo's activity (``flask --app wsgi lms demo --with-activity``): one program mid-way, one finished.

The clock
=========

The 2024 dates are past, so the activity moves the main program, the Cultural
Experts (CETP-2024), by a whole number of weeks (weekdays stay what they
were) so that today, in Korea time, falls in the second half of its online
phase (22 July – 2 August 2024, Monday to Friday twice):

* Monday to Friday become the days of week 2 (29 July – 2 August 2024,
  moved); the second unit of every module has opened, the module live
  sessions of that week are past or to come depending on the day;
* Sunday becomes the Sunday before week 2 (28 July), Saturday the Saturday
  between the two weeks (27 July), the last day of week 1: the only days on
  which nobody can have done everything yet, so nobody is eligible.

Everything dated in that program moves with it: the online phase, the
tracks' offline windows, the items' opening and due dates, the live sessions,
the program meetings and the offline sessions in Korea (and the dates written
in its welcome lesson and reading lists). Its name and code stay those of the
2024 edition. The Cultural Administrators program (CATP-2024) keeps its real
2024 dates: it is the finished edition, with its whole offline phase.

What happened
=============

Main program (mid-way through the online phase, now): participants with
different profiles per module: some *ahead* (everything open done, the
assignment handed in on week 2's Monday and its grade released that evening:
eligible from then on), most *steady* (week 1 done, week 2 under way, assignments submitted
or not yet, some grades saved as drafts: on track), some *behind* (week-1
items missing, the quiz overdue, a meeting missed: at risk), one who missed
two meetings (not eligible: the live-session rule can no longer be met), one
whose early work got a failing grade (at risk), one asked to resubmit, and two
who withdrew. Live sessions that have ended have their connections (some
dropped and came back, one below the threshold with a coordinator's
correction). Nothing is dated after now.

Finished program (2024): the online phase done by nearly everyone; the
decisions of 26 August 2024 through ``lms.admission.operations.decide``
(admitted in bulk, one admitted against the rules with a reason, one
waitlisted, one not admitted); readiness answers (confirmed with details, two
with details missing, one declined); QR and manual check-ins at the offline
sessions of 2–6 September (one participant ill for a day and a half); every
delegation's country policy action plan and one narrative published on the
showcase, itself published; certificates for those who attended enough.

How the records are made
========================

Admission decisions go through ``lms.admission.operations.decide`` (with the
decision's date; the notifications and emails it creates are then dated and
the emails marked sent, so that ``lms send-mail`` does not send 2024's news
today). Everything else is created through the models, following the domain
functions' conventions, because those functions stamp the current time:
completions as ``record_completion`` records them, quiz attempts graded by
``lms.learning.quiz.grade``, submissions with versions and receipts, grades
with their history (``GradeEvent``) and notifications, readiness records as
``lms.readiness`` keeps them (terms digest included), check-ins, outputs and
the showcase, certificates with the details ``lms.certificates`` freezes (and
the enrolment completed, as issuing does).

Deterministic: the finished program and each participant of the main program
have their own ``random.Random`` sequence (seeded from ``SEED``), and every
draw is made whether or not the event is past yet, so the same ``now`` gives
the same data and a later ``now`` only adds what happened in between.
"""

from __future__ import annotations

import io
import random
import string
import textwrap
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from flask import current_app, g, url_for
from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import FileStorage
from werkzeug.routing import BuildError

from lms.accounts.models import User
from lms.admission.eligibility import Status, evaluate_program, in_audience, needed_count, rules_for
from lms.admission.operations import decide
from lms.assignments.grading import snapshot as grade_snapshot
from lms.assignments.models import (
    Assignment,
    Grade,
    GradeEvent,
    GradeStatus,
    RubricCriterion,
    Submission,
    SubmissionVersion,
)
from lms.assignments.submitting import receipt_hash
from lms.certificates.models import Certificate
from lms.core.timezones import country_name, day_start
from lms.demo import data
from lms.demo.learning_content import reading_list_pdf
from lms.enrolment.models import Enrolment, EnrolmentEvent, EnrolmentStatus
from lms.extensions import db
from lms.files.storage import UploadRules, save_upload
from lms.learning.models import Completion, Item, ItemKind, QuizAttempt, QuizQuestion, Unit
from lms.learning.quiz import grade as grade_quiz
from lms.learning.quiz import quiz_settings
from lms.live.models import AttendanceCorrection, Connection, LiveSession, Phase, SessionState
from lms.mail.models import OutboxMessage
from lms.notifications.models import Notification
from lms.offline.models import CheckIn
from lms.outputs.models import Output, OutputFile, Showcase
from lms.programs.models import Program
from lms.readiness.models import Readiness

SEED = 2024
KOREA = ZoneInfo("Asia/Seoul")
MAIN = data.EXPERTS  # moved so that today falls in its online phase
PAST = data.ADMINISTRATORS  # keeps its 2024 dates: the finished edition
ENROLLED_DAYS_BEFORE = 21  # people are enrolled three weeks before the online phase


# =============================================================================================================
# The clock
# =============================================================================================================


def mid_program_weeks(now: datetime, spec: data.ProgramData = MAIN) -> int:
    """Whole weeks to add to ``spec``'s dates so that ``now`` (its Korea date) falls in the second half of
    its online phase, on the same weekday: the last seven days of the phase, Saturday to Friday."""
    today = now.astimezone(KOREA).date()
    last = spec.online[1]
    for back in range(7):
        day = last - timedelta(days=back)
        if day.weekday() == today.weekday():
            return (today - day).days // 7
    raise AssertionError("unreachable: seven days cover every weekday")


def moved(spec: data.ProgramData, shift: timedelta) -> data.ProgramData:
    """``spec`` with its online phase and its tracks' offline windows moved by ``shift``."""
    return replace(
        spec,
        online=(spec.online[0] + shift, spec.online[1] + shift),
        tracks=tuple(replace(track, offline=(track.offline[0] + shift, track.offline[1] + shift))
                     for track in spec.tracks),
    )


@dataclass(frozen=True)
class Clock:
    """When the activity is simulated, and how far the main program is moved to get there."""

    now: datetime
    weeks: int

    @classmethod
    def for_now(cls, now: datetime) -> Clock:
        return cls(now=now, weeks=mid_program_weeks(now))

    @property
    def shift(self) -> timedelta:
        return timedelta(weeks=self.weeks)

    def specs(self) -> tuple[data.ProgramData, ...]:
        return tuple(moved(spec, self.shift) if spec.code == MAIN.code else spec for spec in data.PROGRAMS)

    def shifts(self) -> dict[str, timedelta]:
        return {MAIN.code: self.shift}

    def enrolled_at(self, spec: data.ProgramData) -> datetime:
        return day_start(spec.online[0], spec.timezone) - timedelta(days=ENROLLED_DAYS_BEFORE)


# =============================================================================================================
# What the loader prints
# =============================================================================================================


@dataclass
class ActivitySummary:
    now: datetime
    main_name: str
    main_code: str
    weeks: int
    online: tuple[date, date]
    offline_start: date
    day_of_phase: int  # 1-based day of the main program's online phase
    standings: Counter = field(default_factory=Counter)  # status -> participants (main program)
    withdrawn: int = 0
    submissions: int = 0
    released: int = 0
    draft_grades: int = 0
    resubmissions: int = 0
    attended: int = 0
    missed: int = 0
    past_name: str = ""
    decisions: Counter = field(default_factory=Counter)
    overrides: int = 0
    readiness: Counter = field(default_factory=Counter)  # complete | details_missing | declined
    check_ins: int = 0
    outputs: int = 0
    certificates: int = 0


# =============================================================================================================
# Texts
# =============================================================================================================

WITHDRAWAL_REASONS = (
    "Withdrew: starts a new job before the offline phase and cannot travel to Korea.",
    "Withdrew for family reasons; would like to be invited to a later edition.",
)

SUBMISSION_TITLES = {
    "publication": ("The river that remembers: an audio-book series for ages 6–9",
                    "Counting with grandmother: a bilingual maths story app",
                    "Market day: an interactive picture e-book about our city"),
    "products": ("Woven stories: a scarf collection from our weaving cooperatives",
                 "A board game of our heritage trade routes",
                 "Clay whistles as a museum-shop product line"),
    "arts1": ("Sustainability snapshot: our company's next three years",
              "Touring lighter: an income and touring plan for our ensemble",
              "From project grants to a stable mix: our dance company"),
    "arts2": ("Neighbours on stage: a citizen-programmed puppet strand",
              "The children's jury: young citizens choose the festival's street shows",
              "Open call for community parades"),
}

# Participants type these in the submission box (shown as typed): one paragraph per line.
SUBMISSION_TEXT = {
    "publication": "\n\n".join((
        "{title}",
        ("Audience: children aged 6–9 in {country}, and the parents and teachers who read with them. Main "
         "learning goal: children retell the story in their own words and name two things that changed in it. "
         "Format: short episodes (under 8 MB each) that work offline once downloaded, with narration in two "
         "languages."),
        ("Key interactions: choosing which path the character takes; recording their own ending; a quiet "
         '"find it" page for reading together. Accessibility: captions, adjustable text size, no time '
         "pressure."),
        "Testing plan: two sessions with a class in our partner school, before and after the offline phase.",
        "{organisation}",
    )),
    "products": "\n\n".join((
        "{title}",
        ("Insight: visitors want something that tells the story of the place, made by the people who live it, "
         "at a price they can carry home. How might we turn a living craft into a product that pays its "
         "makers fairly?"),
        ("Concept: a small collection developed with three makers; the prototype photo and sketch are in the "
         "attached sheet. Value proposition: a piece of our heritage, explained by the people who make it."),
        ("Price: cost per piece, wholesale and retail price are in the table; makers receive 45% of the "
         "retail price. First channel: the museum shop, then a small online store."),
        "{organisation}",
    )),
    "arts1": "\n\n".join((
        "{title}",
        ("Ecosystem map: the three relationships we circled are the municipal theatre (our only regular "
         "venue), the international festival network (touring income) and the dance school (our future "
         "dancers and audience)."),
        ("Income mix today: 70% project grants, 20% fees, 10% teaching. In three years: 45% grants, 35% fees "
         "and co-productions, 20% teaching and workshops."),
        ("Fair work: paid rehearsal time for every dancer, shared with the festival partners. Environment: "
         "one regional tour by train instead of three flights. Twelve months: a board meeting on the plan, a "
         "co-production request, a schools program."),
        "{organisation}",
    )),
    "arts2": "\n\n".join((
        "{title}",
        ("Aim: people who never come to the festival decide part of it. Citizens: a committee of twelve "
         "residents from two neighbourhoods leads; local groups create; families take part. Barriers: evening "
         "meetings with childcare, a small fee for every member."),
        ("Decisions: the committee chooses six shows from an open call and manages a budget of 15% of the "
         "program. Timeline, support, safety and evaluation are in the attached plan; the legacy we hope for "
         "is a committee that continues after the festival."),
        "{organisation}",
    )),
    "policy": "\n\n".join((
        "Draft for our delegation: {title}",
        ("The challenge: most cultural facilities are in the capital; outside it, district cultural centres "
         "are underused and lack staff trained in digital programming. Evidence: the national cultural "
         "statistics survey and our ministry's facility census."),
        ("Today's response: a national program funds buildings, not programs; districts govern the centres. "
         "Indicator: share of districts with a centre open at least five days a week (baseline 38%)."),
        ("Proposal: a matching fund for programming and staff training, tied to the indicator. Collaboration: "
         "exchanges of centre managers with another delegation of this program."),
    )),
}

FEEDBACK = {
    "strong": "A clear, well-argued piece of work: your goals and your plan fit together, and the examples are "
              "concrete. In Korea we will build on it directly; think about who tests it with you at home.",
    "good": "A solid basis. The plan is realistic; the weakest part is how you will know it worked: add one "
            "indicator you can actually measure. We will work on this in the first workshop.",
    "weak": "The idea is interesting but the work is not there yet: several sections of the brief are missing "
            "and the plan is not specific to your context. Please look at the criteria again; we are happy "
            "to talk it through.",
}

RESUBMISSION_MESSAGES = {
    "publication": "Thank you for handing in early. Sections 5 to 7 are missing (the key interactions, "
                   "accessibility and the adult's role): please add them and submit a new version before the "
                   "due date.",
    "policy": "Thank you. The indicator (section 3) and the collaboration idea (section 5) are missing: please "
              "add them so that your delegation can build its Forum presentation on them.",
}

POLICY_TITLES = {
    "VN": "Digital creative hubs in district cultural houses",
    "KH": "A national inventory of performing arts venues",
    "LA": "Heritage towns as cultural infrastructure: the Luang Prabang model",
    "MN": "Mobile cultural centres for herder communities",
    "UZ": "Craft centres on the Silk Road cities' routes",
    "LK": "A network of provincial cultural centres with shared programming",
    "ET": "Community museums in regional towns",
    "KE": "County culture hubs: from buildings to programs",
    "PE": "Regional cultural corridors in the southern Andes",
}

PLAN_DESCRIPTION = textwrap.dedent("""\
    Our delegation's country policy action plan, presented at the CPI Cultural Policy Forum on
    5 September 2024.

    ## The challenge

    {challenge}

    ## What we propose

    1. **A program fund** that pays for programming and staff, not only buildings, matched by local
       governments.
    2. **Training** for facility managers, with exchanges between the countries of this program.
    3. **An indicator** the ministry publishes every year, so that progress is visible.

    ## First steps (next twelve months)

    | When | What | Who |
    |---|---|---|
    | Q4 2024 | Present the plan to the ministry's planning committee | Delegation |
    | Q1 2025 | Pilot in two districts | Ministry and local governments |
    | Q3 2025 | First exchange of facility managers | CPI alumni network |
""")

CHALLENGES = {
    "VN": "District cultural houses are many but empty in the evenings; young people create online instead.",
    "KH": "Nobody knows how many performing arts venues work, where they are, or who runs them.",
    "LA": "Heritage towns attract visitors, but their cultural facilities serve tourists more than residents.",
    "MN": "A third of the population moves with the seasons; fixed cultural centres do not reach them.",
    "UZ": "Craft centres along the historic routes sell to tourists but train few young makers.",
    "LK": "Provincial cultural centres each plan alone and many stand empty most weeks.",
    "ET": "Regional towns hold rich collections with no public place to show them.",
    "KE": "County governments built culture halls after devolution; few have programs or staff.",
    "PE": "Cultural facilities in the southern Andes are far apart and rarely work together.",
}

NARRATIVE = ("Five days in Seoul: notes from a cultural administrator", textwrap.dedent("""\
    A personal narrative of the week, written on the train home.

    I expected to learn about buildings. I learned about people who run them: the manager at Culture
    Station Seoul 284 who plans a season with a city, the trainers who made us rewrite our plan three
    times, and colleagues from eight countries who had the same problems as we do.

    What I take home: start with the program, not the building; measure one thing and publish it; and
    keep writing to the colleagues I met at CPI Night.
"""))

SHOWCASE_INTRODUCTION = """The country policy action plans of the **2024 Cultural Administrators Training Program**,
presented by the delegations at the CPI Cultural Policy Forum on CPI Day, 5 September 2024, in Seoul.

Twenty cultural administrators from nine countries worked on one question: how to establish cultural
infrastructure in the era of cultural convergence. Each plan starts from one challenge in its country and
proposes what to do in the next twelve months.
"""

OVERRIDE_REASON = ("Missed both live sessions because of repeated power cuts; watched the recordings and sent "
                   "written answers to the trainers, who confirmed the work. Their delegation needs them for "
                   "the Forum presentation.")
WAITLIST_REASON = "Below the online requirements (quiz and week-2 lessons not done, live seminar missed)."
NOT_ADMITTED_REASON = ("Completed few of the required items and missed both live sessions; encouraged to apply "
                       "to the next edition.")
DECLINE_REASON = "A family emergency: I cannot travel in September. I am very sorry."

FLIGHTS = {  # country -> (arrival flight, departure flight); plausible routes to Incheon
    "VN": ("VN416", "VN417"), "KH": ("KE690", "KE689"), "LA": ("LJ112", "LJ111"), "MN": ("OM301", "OM302"),
    "UZ": ("HY511", "HY512"), "LK": ("UL470", "UL471"), "ET": ("ET672", "ET673"), "KE": ("ET308", "KE953"),
    "PE": ("KE036", "KE035"),
}
CALLING_CODES = {"VN": "+84", "KH": "+855", "LA": "+856", "MN": "+976", "UZ": "+998", "LK": "+94", "ET": "+251",
                 "KE": "+254", "PE": "+51"}
RELATIVES = ("Spouse", "Sister", "Brother", "Mother", "Father", "Partner")
RELATIVE_NAMES = {  # given names of the invented emergency contacts, by country
    "VN": ("Van Minh", "Thi Hoa"), "KH": ("Sreymom", "Vannak"), "LA": ("Noy", "Keo"), "MN": ("Saraa", "Bold"),
    "UZ": ("Gulnora", "Aziz"), "LK": ("Chamari", "Nuwan"), "ET": ("Meron", "Abel"), "KE": ("Wanjiku", "Kevin"),
    "PE": ("Rosa", "Luis"),
}
DIETS = ("", "", "", "", "Vegetarian", "Halal", "No pork", "No beef", "Vegetarian, no eggs")

from lms.certificates.operations import CODE_ALPHABET, CODE_LENGTH  # noqa: E402
from lms.readiness.operations import terms_digest  # noqa: E402


# =============================================================================================================
# One program's outline, loaded once
# =============================================================================================================


@dataclass
class _ModuleOutline:
    first: list[Item]  # the first unit's items, in order
    second: list[Item]

    def of_kind(self, unit: list[Item], kind: ItemKind) -> list[Item]:
        return [item for item in unit if item.kind == kind.value]


class _Outline:
    def __init__(self, program: Program):
        self.program = program
        units = db.session.scalars(
            select(Unit).where(Unit.program_id == program.id).options(selectinload(Unit.items))
            .order_by(Unit.position, Unit.id)).all()
        self.orientation: list[Item] = []
        by_module: dict[int, list[Unit]] = {}
        for unit in units:
            if unit.module_id is None:
                self.orientation.extend(unit.items)
            else:
                by_module.setdefault(unit.module_id, []).append(unit)
        self.modules = {module_id: _ModuleOutline(list(units[0].items), list(units[1].items))
                        for module_id, units in by_module.items()}
        item_ids = [item.id for unit in units for item in unit.items]
        self.assignments = {assignment.item_id: assignment for assignment in db.session.scalars(
            select(Assignment).where(Assignment.item_id.in_(item_ids))
            .options(selectinload(Assignment.criteria).selectinload(RubricCriterion.levels)))}
        self.questions: dict[int, list[QuizQuestion]] = {}
        for question in db.session.scalars(
            select(QuizQuestion).where(QuizQuestion.item_id.in_(item_ids))
            .options(selectinload(QuizQuestion.choices)).order_by(QuizQuestion.position, QuizQuestion.id)
        ):
            self.questions.setdefault(question.item_id, []).append(question)
        sessions = db.session.scalars(
            select(LiveSession).where(LiveSession.program_id == program.id)
            .order_by(LiveSession.starts_at, LiveSession.id)).all()
        self.online = [session for session in sessions if session.phase == Phase.ONLINE.value]
        self.offline = [session for session in sessions if session.phase == Phase.OFFLINE.value]
        self.session_of_item = {session.item_id: session for session in sessions if session.item_id}
        self.enrolments = db.session.scalars(
            select(Enrolment).where(Enrolment.program_id == program.id)
            .options(selectinload(Enrolment.user), selectinload(Enrolment.module), selectinload(Enrolment.track),
                     selectinload(Enrolment.group))
            .order_by(Enrolment.id)).all()

    def meetings_for(self, enrolment: Enrolment) -> list[LiveSession]:
        """The program meetings (no item) the participant is invited to, in order."""
        return [session for session in self.online if session.item_id is None and in_audience(session, enrolment)]

    def offline_for(self, enrolment: Enrolment) -> list[LiveSession]:
        return [session for session in self.offline if in_audience(session, enrolment)]


# =============================================================================================================
# The simulation
# =============================================================================================================


class _Simulation:
    def __init__(self, clock: Clock, coordinator: User):
        self.clock = clock
        self.now = clock.now
        self.rng = random.Random(SEED)  # each program gets its own (see main_program, past_program)
        self.coordinator = coordinator
        self.completed: set[tuple[int, int]] = set()
        self.summary: ActivitySummary | None = None
        self.ended_sessions: set[int] = set()

    # --- time ----------------------------------------------------------------------------------------------

    @staticmethod
    def at(program: Program, day: int, hour: int, minute: int = 0) -> datetime:
        """``day`` days after the program's first online day, at hour:minute in the program's zone (Korea)."""
        when = datetime.combine(program.online_start + timedelta(days=day), time(hour, minute),
                                tzinfo=ZoneInfo(program.timezone))
        return when.astimezone(timezone.utc)

    def jitter(self, when: datetime, minutes: int) -> datetime:
        return when + timedelta(minutes=self.rng.randint(0, minutes))

    def past(self, when: datetime | None) -> bool:
        return when is not None and when <= self.now

    # --- records -------------------------------------------------------------------------------------------

    def complete(self, user: User, item: Item, when: datetime, how: str, detail: str | None = None) -> bool:
        """What ``lms.learning.completion.record_completion`` records, dated when it happened."""
        if item.opens_at is not None and when < item.opens_at:
            when = item.opens_at + timedelta(minutes=30)
        if not self.past(when) or (user.id, item.id) in self.completed:
            return False
        self.completed.add((user.id, item.id))
        db.session.add(Completion(user_id=user.id, item_id=item.id, how=how, detail=detail, completed_at=when))
        return True

    def quiz(self, outline: _Outline, user: User, item: Item, when: datetime, results: Iterable[bool]) -> None:
        """Attempts at a quiz (True: a passing attempt), 40 minutes to a day apart; a pass completes it."""
        questions = outline.questions.get(item.id, [])
        settings = quiz_settings(item)
        # Every draw is made whether or not the attempt is past yet, so that a later ``now`` only adds events.
        planned = []
        for passing in results:
            planned.append((when, self._answers(questions, passing)))
            when += timedelta(minutes=self.rng.randint(40, 60 * 20))
        for number, (when, answers) in enumerate(planned, start=1):
            if not self.past(when) or not questions:
                return
            graded = grade_quiz(questions, answers, settings.pass_mark)
            db.session.add(QuizAttempt(item_id=item.id, user_id=user.id, number=number, submitted_at=when,
                                       answers=answers, results=graded.results, score=graded.score,
                                       max_score=graded.max_score, passed=graded.passed))
            if graded.passed:
                self.complete(user, item, when, "passed",
                              detail=f"attempt {number}, score {graded.score}/{graded.max_score}")
                return

    def _answers(self, questions: list[QuizQuestion], passing: bool) -> dict[str, object]:
        count = len(questions)
        right = count if passing and self.rng.random() < 0.6 else (count - 1 if passing else count // 3)
        correct = set(self.rng.sample(range(count), right))
        answers: dict[str, object] = {}
        for index, question in enumerate(questions):
            good = index in correct
            if question.kind == QuizQuestion.SHORT:
                answers[str(question.id)] = (question.accepted_answers[0] if good and question.accepted_answers
                                             else "not sure")
                continue
            right_ids = [choice.id for choice in question.choices if choice.is_correct]
            wrong_ids = [choice.id for choice in question.choices if not choice.is_correct]
            if good or not wrong_ids:
                answers[str(question.id)] = right_ids
            else:
                answers[str(question.id)] = [self.rng.choice(wrong_ids)]
        return answers

    def attend(self, session: LiveSession, user: User, how: str = "full") -> bool:
        """Connections of one person to one ended session: "full", "dropped" (a reconnection, still enough),
        "short" (below the threshold) or "missed". Attending completes the session's item. Returns
        whether they attended."""
        start, end = session.starts_at, session.ends_at
        length = end - start
        intervals: list[tuple[datetime, datetime]] = []
        if how == "full":
            intervals = [(start - timedelta(minutes=self.rng.randint(1, 6)),
                          end + timedelta(minutes=self.rng.randint(0, 4)))]
        elif how == "dropped":
            cut = start + length * self.rng.uniform(0.3, 0.6)
            intervals = [(start - timedelta(minutes=2), cut),
                         (cut + timedelta(minutes=self.rng.randint(3, 8)), end)]
        elif how == "short":  # joined late and left early
            intervals = [(start + length * 0.35, start + length * 0.7)]
        sids = [self._hex(20) for _interval in intervals]
        if not self.past(end):
            return False
        self._ended(session)
        if how == "missed":
            return False
        for (joined, left), sid in zip(intervals, sids, strict=True):
            db.session.add(Connection(session_id=session.id, user_id=user.id, sid=sid, joined_at=joined,
                                      left_at=left, last_seen_at=left))
        present = sum(((min(left, end) - max(joined, start)).total_seconds() for joined, left in intervals
                       if min(left, end) > max(joined, start)), 0.0)
        attended = present * 100 >= session.attendance_threshold * length.total_seconds()
        if attended and session.item is not None:
            minutes = int(present // 60)
            percent = int(present * 100 // length.total_seconds())
            self.complete(user, session.item, end, "attended", detail=f"{minutes} min, {percent}%")
        return attended

    def correct(self, session: LiveSession, user: User, reason: str, by: User) -> None:
        when = session.ends_at + timedelta(hours=self.rng.randint(3, 20))
        if not self.past(when):
            return
        db.session.add(AttendanceCorrection(session_id=session.id, user_id=user.id, attended=True,
                                            minutes=int((session.ends_at - session.starts_at).total_seconds()
                                                        // 60),
                                            reason=reason, corrected_by_id=by.id, corrected_at=when))
        if session.item is not None:
            self.complete(user, session.item, when, "attended", detail="corrected by the program office")

    def _ended(self, session: LiveSession) -> None:
        if session.id in self.ended_sessions:
            return
        self.ended_sessions.add(session.id)
        session.state = SessionState.ENDED.value
        session.started_at = session.starts_at - timedelta(minutes=5)
        session.ended_at = session.ends_at + timedelta(minutes=3)

    def _hex(self, length: int) -> str:
        return "".join(self.rng.choice("0123456789abcdef") for _ in range(length))

    def submit(self, assignment: Assignment, owner: dict, author: User, when: datetime, text: str,
               members: list[User], number: int = 1, submission: Submission | None = None) -> Submission | None:
        """A submitted version (and the submission, the first time); completes the item for its members."""
        key = self._hex(32)
        if not self.past(when):
            return submission
        if submission is None:
            submission = Submission(assignment=assignment, created_at=when, updated_at=when, **owner)
            db.session.add(submission)
        due = assignment.item.due_at
        submission.versions.append(SubmissionVersion(
            number=number, text=text, author_id=author.id, created_at=when - timedelta(minutes=30),
            updated_at=when, submitted_at=when, is_late=due is not None and when > due,
            idempotency_key=key, receipt=receipt_hash(text, []),
        ))
        for member in members:
            self.complete(member, assignment.item, when, "submitted", detail=f"version {number}")
        self.summary.submissions += number == 1
        return submission

    def draft(self, assignment: Assignment, owner: dict, author: User, when: datetime, text: str) -> None:
        if not self.past(when):
            return
        submission = Submission(assignment=assignment, created_at=when, updated_at=when, **owner)
        submission.versions.append(SubmissionVersion(number=1, text=text, author_id=author.id, created_at=when,
                                                     updated_at=when))
        db.session.add(submission)

    def levels_for(self, assignment: Assignment, band: str) -> tuple[int, dict[str, int]]:
        """Rubric levels (and their total) for a "strong", "good" or "weak" piece of work."""
        chosen, score = {}, 0
        for criterion in assignment.criteria:
            levels = sorted(criterion.levels, key=lambda level: -level.points)
            if band == "strong":
                index = 0 if self.rng.random() < 0.75 else 1
            elif band == "good":
                index = 1 if self.rng.random() < 0.7 else 0
            else:
                index = len(levels) - 1 if self.rng.random() < 0.7 else len(levels) - 2
            level = levels[min(index, len(levels) - 1)]
            chosen[str(criterion.id)] = level.id
            score += level.points
        return score, chosen

    def grade(self, submission: Submission, grader: User, graded_at: datetime, band: str, status: str,
              released_at: datetime | None = None, members: list[User] = (), version: int = 1,
              message: str | None = None) -> Grade | None:
        """A grade as the grading operations leave it, with its history; released grades notify."""
        if submission is None:
            return None
        assignment = submission.assignment
        score, levels = self.levels_for(assignment, band)
        if band != "weak":
            while score < assignment.pass_points:  # "good" work passes
                score, levels = self.levels_for(assignment, "strong")
        elif score >= assignment.pass_points:  # "weak" work does not: the lowest level of every criterion
            levels = {str(c.id): min(c.levels, key=lambda level: level.points).id for c in assignment.criteria}
            score = sum(min(level.points for level in c.levels) for c in assignment.criteria)
        if not self.past(graded_at):
            return None
        if status != GradeStatus.DRAFT.value and not self.past(released_at):
            status, released_at = GradeStatus.DRAFT.value, None
        grade = Grade(submission=submission, graded_version_number=version, score=score, rubric_levels=levels,
                      comments=FEEDBACK[band], status=GradeStatus.DRAFT.value, grader_id=grader.id,
                      created_at=graded_at, updated_at=graded_at)
        db.session.add(grade)
        db.session.add(GradeEvent(grade=grade, actor_id=grader.id, at=graded_at, action="saved",
                                  snapshot=grade_snapshot(grade)))
        title = assignment.item.title
        link = _path("submissions.assignment", item_id=assignment.item_id)
        if status == GradeStatus.RELEASED.value:
            grade.status, grade.released_at, grade.updated_at = status, released_at, released_at
            db.session.add(GradeEvent(grade=grade, actor_id=grader.id, at=released_at, action="released",
                                      snapshot=grade_snapshot(grade)))
            for member in members:
                db.session.add(Notification(
                    user_id=member.id, kind="grade_released", title=f"Your grade for “{title}” is available",
                    body=f"Score: {score} / {assignment.points}", link=link, created_at=released_at))
            self.summary.released += 1
        elif status == GradeStatus.RESUBMIT.value:
            grade.status, grade.resubmission_message, grade.updated_at = status, message, released_at
            db.session.add(GradeEvent(grade=grade, actor_id=grader.id, at=released_at,
                                      action="resubmission_requested", snapshot=grade_snapshot(grade)))
            for member in members:
                db.session.add(Notification(
                    user_id=member.id, kind="resubmission_requested", title=f"Resubmission requested: “{title}”",
                    body=message, link=link, created_at=released_at))
            self.summary.resubmissions += 1
        else:
            self.summary.draft_grades += 1
        return grade

    def status_event(self, enrolment: Enrolment, to_status: str, when: datetime, actor: User | None, action: str,
                     note: str | None = None) -> None:
        db.session.add(EnrolmentEvent(enrolment=enrolment, at=when, actor_id=actor.id if actor else None,
                                      action=action, from_status=enrolment.status, to_status=to_status, note=note))
        enrolment.status = to_status

    # =========================================================================================================
    # The main program, mid-way through its online phase
    # =========================================================================================================

    # Profiles per module (the others are "steady"); shuffled into the module's participants.
    PROFILES = {
        "publication": ("ahead", "ahead", "resubmit", "behind", "behind", "withdrawn"),
        "products": ("ahead", "ahead", "failing", "behind", "behind"),
        "arts1": ("ahead", "ahead", "dropping", "behind"),
        "arts2": ("ahead", "ahead", "behind", "behind", "withdrawn"),
    }

    def main_program(self) -> None:
        self.rng = random.Random(f"{SEED}-{MAIN.code}")
        program = db.session.scalar(select(Program).where(Program.code == MAIN.code))
        outline = _Outline(program)
        key_of_module = {module.short_title: module.key for module in MAIN.modules}
        by_module: dict[str, list[Enrolment]] = {}
        for enrolment in outline.enrolments:
            by_module.setdefault(key_of_module[enrolment.module.short_title], []).append(enrolment)
        profiles: dict[int, str] = {}
        for key, enrolments in by_module.items():
            candidates = [e for e in enrolments if e.user.email != data.PARTICIPANT_EMAIL]
            self.rng.shuffle(candidates)
            for enrolment, profile in zip(candidates, self.PROFILES[key], strict=False):
                profiles[enrolment.id] = profile
        corrected = False
        for enrolment in outline.enrolments:
            profile = profiles.get(enrolment.id, "steady")
            if enrolment.user.email == data.PARTICIPANT_EMAIL:
                profile = "demo"
            key = key_of_module[enrolment.module.short_title]
            needs_correction = profile == "steady" and not corrected
            self.participant(outline, enrolment, key, profile, needs_correction)
            corrected = corrected or needs_correction

    def participant(self, outline: _Outline, enrolment: Enrolment, key: str, profile: str,
                    with_correction: bool) -> None:
        # Each person's own sequence: what one did does not change with what others did.
        self.rng = random.Random(f"{SEED}-{enrolment.user.email}")
        program, user, rng = outline.program, enrolment.user, self.rng
        at = self.at
        module = outline.modules[enrolment.module_id]
        trainers = [link.user for link in enrolment.module.trainer_links]
        lessons1 = module.of_kind(module.first, ItemKind.LESSON)
        lessons2 = module.of_kind(module.second, ItemKind.LESSON)
        [reading] = module.of_kind(module.first, ItemKind.FILE)
        [video] = module.of_kind(module.first, ItemKind.LINK)
        [quiz1] = module.of_kind(module.first, ItemKind.QUIZ)
        [live_item] = module.of_kind(module.second, ItemKind.LIVE_SESSION)
        [assignment_item] = module.of_kind(module.second, ItemKind.ASSIGNMENT)
        live = outline.session_of_item[live_item.id]
        assignment = outline.assignments[assignment_item.id]
        welcome, tips, orientation_quiz = outline.orientation
        meetings = outline.meetings_for(enrolment)  # opening, track meeting, week-1 round-up
        early = profile in ("ahead", "resubmit", "failing")

        # Orientation (first day) and week 1.
        if early:
            start = self.jitter(at(program, 0, 7), 120)
            self.complete(user, welcome, start, "viewed")
            self.complete(user, tips, start + timedelta(minutes=25), "viewed")
            self.quiz(outline, user, orientation_quiz, start + timedelta(minutes=40), [True])
            day1 = self.jitter(at(program, 1, 8), 300)
            for index, lesson in enumerate(lessons1):
                self.complete(user, lesson, day1 + timedelta(minutes=50 * index), "viewed")
            self.complete(user, reading, day1 + timedelta(minutes=120), "downloaded")
            if rng.random() < 0.8:
                self.complete(user, video, day1 + timedelta(minutes=150), "viewed")
            self.quiz(outline, user, quiz1, self.jitter(at(program, 2, 9), 480), [True] if rng.random() < 0.8
                      else [False, True])
        elif profile in ("steady", "demo"):
            start = self.jitter(at(program, 0, 12), 60 * 20)
            self.complete(user, welcome, start, "viewed")
            self.complete(user, tips, start + timedelta(minutes=rng.randint(10, 200)), "viewed")
            self.quiz(outline, user, orientation_quiz, start + timedelta(minutes=rng.randint(30, 240)),
                      [True] if rng.random() < 0.75 else [False, True])
            day = self.jitter(at(program, 1, 9), 60 * 40)
            for index, lesson in enumerate(lessons1):
                self.complete(user, lesson, day + timedelta(hours=index * rng.randint(3, 20)), "viewed")
            self.complete(user, reading, day + timedelta(hours=rng.randint(2, 30)), "downloaded")
            if rng.random() < 0.5:
                self.complete(user, video, day + timedelta(hours=rng.randint(4, 40)), "viewed")
            self.quiz(outline, user, quiz1, self.jitter(at(program, 3, 10), 60 * 30),
                      [True] if rng.random() < 0.75 else [False, True])
        elif profile == "behind":
            start = self.jitter(at(program, 1, 14), 60 * 20)
            self.complete(user, welcome, start, "viewed")
            if rng.random() < 0.5:
                self.complete(user, tips, start + timedelta(days=2), "viewed")
            self.complete(user, lessons1[0], self.jitter(at(program, 4, 9), 600), "viewed")
            if rng.random() < 0.5:
                self.quiz(outline, user, orientation_quiz, self.jitter(at(program, 3, 18), 300), [False])
        elif profile in ("dropping", "withdrawn"):
            self.complete(user, welcome, self.jitter(at(program, 0 if profile == "withdrawn" else 2, 9), 600),
                          "viewed")
            if profile == "withdrawn":
                self.complete(user, lessons1[0], self.jitter(at(program, 1, 9), 600), "viewed")

        # The program meetings of week 1: opening (day 0), track meeting (day 2), round-up (day 4).
        skipped: set[int] = set()
        if profile == "behind":
            skipped = {rng.choice(meetings[1:]).id}
        elif profile in ("dropping", "withdrawn"):
            skipped = {session.id for session in meetings[1:]}
        for session in meetings:
            if session.id in skipped:
                self.summary.missed += self.past(session.ends_at)
                self.attend(session, user, "missed")
                continue
            if with_correction and session is meetings[-1]:
                self.attend(session, user, "short")
                self.correct(session, user, "Connection kept dropping (power cut); followed the round-up by "
                                            "phone with the program office.", self.coordinator)
                self.summary.attended += self.past(session.ends_at)
                continue
            how = "dropped" if rng.random() < 0.15 else "full"
            self.summary.attended += self.attend(session, user, how)

        if profile == "withdrawn":
            when = self.jitter(at(program, 3, 10), 300)
            if self.past(when):
                self.status_event(enrolment, EnrolmentStatus.WITHDRAWN.value, when, self.coordinator, "status",
                                  note=WITHDRAWAL_REASONS[self.summary.withdrawn % len(WITHDRAWAL_REASONS)])
                self.summary.withdrawn += 1
            return

        # Week 2: the second unit opens on day 7 at 00:00 Korea time.
        if early:
            day7 = self.jitter(at(program, 7, 7), 120)
            for index, lesson in enumerate(lessons2):
                self.complete(user, lesson, day7 + timedelta(minutes=45 * index), "viewed")
        elif profile in ("steady", "demo"):
            self.complete(user, lessons2[0], self.jitter(at(program, 7, 18), 60 * 20), "viewed")
            if rng.random() < 0.8:
                self.complete(user, lessons2[1], self.jitter(at(program, 8, 12), 60 * 24), "viewed")
        elif profile == "behind" and rng.random() < 0.5:
            self.complete(user, lessons2[0], self.jitter(at(program, 9, 9), 600), "viewed")

        if profile == "dropping":
            attended = self.attend(live, user, "missed")
        else:
            attended = self.attend(live, user, "dropped" if rng.random() < 0.15 else "full")
        if self.past(live.ends_at):
            self.summary.attended += attended
            self.summary.missed += not attended

        text = SUBMISSION_TEXT[key].format(title=rng.choice(SUBMISSION_TITLES[key]),
                                           country=country_name(user.country, "en"),
                                           organisation=user.organisation)
        owner = {"user_id": user.id, "group_id": None}
        grader = trainers[0]
        if early:  # handed in on the Monday the unit opens (prepared during week 1), graded that evening
            submitted = self.jitter(at(program, 7, 10), 180)
            submission = self.submit(assignment, owner, user, submitted, text, [user])
            graded = self.jitter(at(program, 7, 16), 120)
            if profile == "ahead":
                self.grade(submission, grader, graded, "strong" if rng.random() < 0.6 else "good",
                           GradeStatus.RELEASED.value, graded + timedelta(minutes=20), [user])
            elif profile == "failing":
                self.grade(submission, grader, graded, "weak", GradeStatus.RELEASED.value,
                           graded + timedelta(minutes=20), [user])
            else:
                self.grade(submission, grader, graded, "weak", GradeStatus.RESUBMIT.value,
                           graded + timedelta(minutes=10), [user], message=RESUBMISSION_MESSAGES[key])
        elif profile == "steady":
            if rng.random() < 0.85:
                submitted = self.at(program, 8, 9) + timedelta(minutes=rng.randint(0, 3 * 24 * 60 + 180))
                submission = self.submit(assignment, owner, user, submitted, text, [user])
                graded = submitted + timedelta(hours=rng.randint(3, 20))
                drafted, band = rng.random() < 0.5, "strong" if rng.random() < 0.5 else "good"
                if drafted:  # graded as a draft: the trainer releases every grade after the due date
                    self.grade(submission, grader, graded, band, GradeStatus.DRAFT.value)
            else:
                self.draft(assignment, owner, user, self.jitter(at(program, 8, 20), 600), text)
        elif profile == "demo":
            self.draft(assignment, owner, user, self.jitter(at(program, 8, 20), 60), text)
        elif profile == "behind" and rng.random() < 0.3:
            self.draft(assignment, owner, user, self.jitter(at(program, 9, 20), 600), text)

    # =========================================================================================================
    # The finished program (2024): online phase, decisions, readiness, offline phase, outputs, certificates
    # =========================================================================================================

    def past_program(self) -> None:
        # Its own sequence: what happened in 2024 does not depend on the day the demo is loaded.
        self.rng = random.Random(f"{SEED}-{PAST.code}")
        program = db.session.scalar(select(Program).where(Program.code == PAST.code))
        outline = _Outline(program)
        rng = self.rng
        enrolments = list(outline.enrolments)
        by_id = {e.id: e for e in enrolments}
        shuffled = enrolments[:]
        rng.shuffle(shuffled)
        override, waitlisted, refused = shuffled[:3]
        [module_id] = {e.module_id for e in enrolments}
        module = outline.modules[module_id]
        trainers = [link.user for link in enrolments[0].module.trainer_links]
        at = self.at

        # The online phase (19–23 August 2024).
        lessons1 = module.of_kind(module.first, ItemKind.LESSON)
        lessons2 = module.of_kind(module.second, ItemKind.LESSON)
        [reading] = module.of_kind(module.first, ItemKind.FILE)
        [video] = module.of_kind(module.first, ItemKind.LINK)
        [quiz1] = module.of_kind(module.first, ItemKind.QUIZ)
        [live_item] = module.of_kind(module.second, ItemKind.LIVE_SESSION)
        [assignment_item] = module.of_kind(module.second, ItemKind.ASSIGNMENT)
        live = outline.session_of_item[live_item.id]
        welcome, tips, orientation_quiz = outline.orientation
        for enrolment in enrolments:
            user = enrolment.user
            weak = enrolment in (waitlisted, refused)
            start = self.jitter(at(program, 0, 8), 240)
            self.complete(user, welcome, start, "viewed")
            self.complete(user, tips, start + timedelta(minutes=30), "viewed")
            if enrolment is not refused:
                self.quiz(outline, user, orientation_quiz, start + timedelta(minutes=50),
                          [True] if rng.random() < 0.8 else [False, True])
            for index, lesson in enumerate(lessons1):
                self.complete(user, lesson, self.jitter(at(program, 0, 14), 600) + timedelta(hours=index),
                              "viewed")
            if enrolment is not refused:
                self.complete(user, reading, self.jitter(at(program, 1, 9), 300), "downloaded")
                if rng.random() < 0.6:
                    self.complete(user, video, self.jitter(at(program, 1, 12), 300), "viewed")
            if not weak:
                self.quiz(outline, user, quiz1, self.jitter(at(program, 1, 15), 400),
                          [True] if rng.random() < 0.8 else [False, True])
                for index, lesson in enumerate(lessons2):
                    self.complete(user, lesson, self.jitter(at(program, 2, 9), 600) + timedelta(hours=index),
                                  "viewed")
            elif enrolment is waitlisted:
                self.quiz(outline, user, quiz1, self.jitter(at(program, 1, 20), 200), [False, False])
            for session in outline.online:
                missed = enrolment in (override, refused) or (enrolment is waitlisted and session is live)
                attended = self.attend(session, user, "missed" if missed else
                                       ("dropped" if rng.random() < 0.1 else "full"))
                self.summary.attended += attended
                self.summary.missed += not attended

        # Each delegation hands in one draft; one was asked for a second version first.
        assignment = outline.assignments[assignment_item.id]
        delegations: dict[int, list[Enrolment]] = {}
        for enrolment in enrolments:
            delegations.setdefault(enrolment.group_id, []).append(enrolment)
        second_version = rng.choice(sorted(delegations))
        grader = trainers[0]
        for group_id, members in sorted(delegations.items()):
            people = [member.user for member in members]
            author = members[0].user
            country = country_name(author.country, "en")
            text = SUBMISSION_TEXT["policy"].format(title=f"{country}: {POLICY_TITLES[author.country]}")
            owner = {"user_id": None, "group_id": group_id}
            submitted = self.jitter(at(program, 3, 14), 60 * 24)
            submission = self.submit(assignment, owner, author, submitted, text, people)
            if group_id == second_version:
                asked = submitted + timedelta(hours=3)
                grade = self.grade(submission, grader, asked, "weak", GradeStatus.RESUBMIT.value, asked, people,
                                   message=RESUBMISSION_MESSAGES["policy"])
                resubmitted = asked + timedelta(hours=rng.randint(10, 20))
                self.submit(assignment, owner, members[-1].user, resubmitted, text + "\n\n(Sections 3 and 5 "
                            "completed after the trainers' comments.)", people, number=2, submission=submission)
                released = resubmitted + timedelta(hours=5)
                grade.graded_version_number = 2
                grade.score, grade.rubric_levels = self.levels_for(assignment, "good")
                while grade.score < assignment.pass_points:
                    grade.score, grade.rubric_levels = self.levels_for(assignment, "strong")
                grade.comments, grade.status, grade.resubmission_message = (FEEDBACK["good"],
                                                                             GradeStatus.RELEASED.value, None)
                grade.released_at = grade.updated_at = released
                db.session.add(GradeEvent(grade=grade, actor_id=grader.id, at=released, action="released",
                                          snapshot=grade_snapshot(grade)))
                for person in people:
                    db.session.add(Notification(
                        user_id=person.id, kind="grade_released",
                        title=f"Your grade for “{assignment.item.title}” is available",
                        body=f"Score: {grade.score} / {assignment.points}",
                        link=_path("submissions.assignment", item_id=assignment.item_id), created_at=released))
                self.summary.released += 1
            else:
                graded = self.jitter(at(program, 4, 18), 60 * 20)
                self.grade(submission, grader, graded, "strong" if rng.random() < 0.5 else "good",
                           GradeStatus.RELEASED.value, graded + timedelta(hours=1), people)
        db.session.flush()

        # Decisions, Monday 26 August 2024 (after the decision date, the online phase's last day).
        decided_at = at(program, 7, 10)
        standings = evaluate_program(program, decided_at)
        eligible = [e for e in enrolments if standings[e.id].status is Status.ELIGIBLE]
        first_notification = _max_id(Notification)
        first_message = _max_id(OutboxMessage)
        decisions = [
            *decide(eligible, EnrolmentStatus.ADMITTED.value, self.coordinator, now=decided_at),
            *decide([override], EnrolmentStatus.ADMITTED.value, self.coordinator, reason=OVERRIDE_REASON,
                    now=decided_at + timedelta(minutes=12)),
            *decide([waitlisted], EnrolmentStatus.WAITLISTED.value, self.coordinator, reason=WAITLIST_REASON,
                    now=decided_at + timedelta(minutes=15)),
            *decide([refused], EnrolmentStatus.NOT_ADMITTED.value, self.coordinator, reason=NOT_ADMITTED_REASON,
                    now=decided_at + timedelta(minutes=18)),
        ]
        for record in decisions:
            self.summary.decisions[record.decision] += 1
            self.summary.overrides += record.is_override
        # What decide() queued went out then; people read it that week.
        _backdate(Notification, first_notification, decided_at, read_at=decided_at + timedelta(hours=20))
        _backdate(OutboxMessage, first_message, decided_at)

        # Readiness (26–30 August 2024).
        admitted = [by_id[record.enrolment_id] for record in decisions
                    if record.decision == EnrolmentStatus.ADMITTED.value]
        order = admitted[:]
        rng.shuffle(order)
        declined = next(e for e in order if e is not override)
        incomplete = [e for e in order if e is not declined][:2]
        terms = terms_digest(program.participation_terms)
        track = admitted[0].track
        for enrolment in admitted:
            answered = self.jitter(at(program, 7, 14), 60 * 72)
            if enrolment is declined:
                db.session.add(Readiness(enrolment_id=enrolment.id, response=Readiness.DECLINED,
                                         responded_at=answered, decline_reason=DECLINE_REASON,
                                         created_at=answered, updated_at=answered))
                self.status_event(enrolment, EnrolmentStatus.DECLINED_PLACE.value, answered, enrolment.user,
                                  "readiness", note=DECLINE_REASON)
                self.summary.readiness["declined"] += 1
                continue
            details = self._details(enrolment, track.offline_start, track.offline_end, answered, terms)
            if enrolment is incomplete[0]:
                details.update(arrival_flight=None, departure_flight=None, departure_date=None)
            elif len(incomplete) > 1 and enrolment is incomplete[1]:
                details.update(emergency_name=None, emergency_relationship=None, emergency_phone=None,
                               emergency_email=None)
            db.session.add(Readiness(enrolment_id=enrolment.id, response=Readiness.CONFIRMED, responded_at=answered,
                                     created_at=answered, updated_at=answered + timedelta(minutes=15), **details))
            self.status_event(enrolment, EnrolmentStatus.CONFIRMED.value, answered, enrolment.user, "readiness")
            self.summary.readiness["details_missing" if enrolment in incomplete else "complete"] += 1

        # The offline week in Seoul (2–6 September 2024): check-ins.
        coming = [e for e in admitted if e is not declined]
        ill = rng.choice([e for e in coming if e is not override])
        tired = rng.choice([e for e in coming if e not in (ill, override)])
        office = self._second_coordinator() or self.coordinator
        attended_offline: Counter = Counter()
        for enrolment in coming:
            sessions = outline.offline_for(enrolment)
            for session in sessions:
                day = session.starts_at.astimezone(KOREA).date()
                if enrolment is ill and (day == date(2024, 9, 4) or (day == date(2024, 9, 3))):
                    continue  # ill from Tuesday to Wednesday evening
                if enrolment is tired and session.offline_kind == "social":
                    continue
                self._ended(session)
                if rng.random() < 0.07:
                    db.session.add(CheckIn(session_id=session.id, user_id=enrolment.user_id, method=CheckIn.MANUAL,
                                           checked_in_at=session.starts_at + timedelta(minutes=rng.randint(5, 40)),
                                           recorded_by_id=office.id,
                                           note=rng.choice(("Phone battery empty.", "Arrived late from the airport.",
                                                            "QR code would not scan."))))
                else:
                    db.session.add(CheckIn(session_id=session.id, user_id=enrolment.user_id, method=CheckIn.QR,
                                           checked_in_at=session.starts_at + timedelta(
                                               minutes=rng.randint(-15, 10))))
                attended_offline[enrolment.id] += 1
                self.summary.check_ins += 1

        # Outputs: every delegation's country policy action plan, and one narrative; the showcase.
        presented = at(program, 18, 13)  # Friday 6 September 2024, after the presentations
        rules = UploadRules(frozenset({"pdf"}), 5 * 1024 * 1024)
        coming_ids = {e.id for e in coming}
        for group_id, members in sorted(delegations.items()):
            present = [member for member in members if member.id in coming_ids] or members
            author = present[0].user
            country = country_name(author.country, "en")
            title = f"{country}: {POLICY_TITLES[author.country]}"
            output = Output(program_id=program.id, module_id=module_id, group_id=group_id, kind="policy_plan",
                            title=title, description=PLAN_DESCRIPTION.format(challenge=CHALLENGES[author.country]),
                            published_at=presented + timedelta(minutes=rng.randint(0, 120)), created_by_id=author.id,
                            created_at=presented - timedelta(hours=20), updated_at=presented)
            stored = save_upload(FileStorage(
                io.BytesIO(reading_list_pdf(title, [
                    "# Country policy action plan", f"Delegation of {country}, 2024 Cultural Administrators "
                    "Training Program. Presented at the CPI Cultural Policy Forum, 5 September 2024.", "",
                    "# The challenge", CHALLENGES[author.country], "",
                    "# What we propose",
                    "- A program fund for programming and staff, matched by local governments.",
                    "- Training and exchanges for facility managers.",
                    "- One published indicator, every year.",
                ])), filename=f"action-plan-{author.country.lower()}.pdf", content_type="application/pdf"),
                rules, uploaded_by=author)
            output.files.append(OutputFile(file=stored, position=0))
            db.session.add(output)
            self.summary.outputs += 1
        writer = rng.choice(coming).user
        title, description = NARRATIVE
        db.session.add(Output(program_id=program.id, module_id=module_id, user_id=writer.id, kind="narrative",
                              title=title, description=description, created_by_id=writer.id,
                              published_at=presented + timedelta(days=2), created_at=presented + timedelta(days=2),
                              updated_at=presented + timedelta(days=2)))
        self.summary.outputs += 1
        published = at(program, 22, 10)  # Tuesday 10 September 2024
        db.session.add(Showcase(program_id=program.id, introduction=SHOWCASE_INTRODUCTION, published_at=published,
                                published_by_id=self.coordinator.id, created_at=published - timedelta(hours=2),
                                updated_at=published))

        # Certificates at the closing ceremony: for those who attended the rules' share of their offline sessions.
        issued_at = at(program, 18, 15)
        organisation = admitted[0].module.organisation
        for enrolment in coming:
            total = len(outline.offline_for(enrolment))
            needed = needed_count(total, rules_for(program.id, enrolment.track_id).min_offline_percent)
            if attended_offline[enrolment.id] < needed:
                continue
            certificate = Certificate(
                enrolment_id=enrolment.id, user_id=enrolment.user_id, program_id=program.id,
                code="".join(rng.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH)),
                details={
                    "name": enrolment.user.name, "program": program.name, "program_code": program.code,
                    "track": enrolment.track.name, "module": enrolment.module.title,
                    "organisation": organisation.name if organisation else None,
                    "host_organisation": program.host_organisation.name if program.host_organisation else None,
                    "start": enrolment.track.offline_start.isoformat(),
                    "end": enrolment.track.offline_end.isoformat(),
                    "timezone": enrolment.track.offline_timezone, "location": enrolment.track.offline_location,
                    "basis": "offline",
                    "completion": f"attended {attended_offline[enrolment.id]} of {total} offline sessions, "
                                  f"{needed} needed",
                },
                issued_at=issued_at, issued_by_id=self.coordinator.id, created_at=issued_at, updated_at=issued_at,
            )
            db.session.add(certificate)
            self.status_event(enrolment, EnrolmentStatus.COMPLETED.value, issued_at, self.coordinator, "certificate")
            db.session.add(Notification(user_id=enrolment.user_id, kind="certificate",
                                        title=f"Your certificate for {program.name}",
                                        body="Congratulations: you completed the program. Your certificate is "
                                             "ready to download.",
                                        link=_path("certificates.mine"), created_at=issued_at,
                                        read_at=issued_at + timedelta(hours=3)))
            self.summary.certificates += 1

    def _details(self, enrolment: Enrolment, start: date, end: date, answered: datetime, terms: str | None
                 ) -> dict:
        rng, user = self.rng, enrolment.user
        arrival_flight, departure_flight = FLIGHTS.get(user.country, ("KE000", "KE001"))
        family_first = user.country == "VN"  # "Pham Thu Trang"; the others are written given name first
        family = user.name.split()[0] if family_first else user.name.split()[-1]
        relative = rng.choice(RELATIVES)
        first = rng.choice(RELATIVE_NAMES.get(user.country, ("Min", "Jae")))
        code = CALLING_CODES.get(user.country, "+82")
        return {
            "arrival_date": start - timedelta(days=1), "arrival_flight": arrival_flight,
            "departure_date": end + timedelta(days=1), "departure_flight": departure_flight,
            "dietary_needs": rng.choice(DIETS),
            "accessibility_needs": "Step-free access where possible (knee surgery in July)."
            if rng.random() < 0.08 else None,
            "emergency_name": f"{family} {first}" if family_first else f"{first} {family}",
            "emergency_relationship": relative,
            "emergency_phone": f"{code} {rng.randint(100, 999)} {rng.randint(100, 999)} {rng.randint(100, 999)}",
            "emergency_email": None if rng.random() < 0.4 else
            f"{_ascii(first).lower()}.{_ascii(family).lower()}@example.net",
            "terms_accepted_at": answered + timedelta(minutes=10) if terms else None,
            "terms_digest": terms,
        }

    def _second_coordinator(self) -> User | None:
        return db.session.scalar(select(User).where(User.is_coordinator.is_(True), User.id != self.coordinator.id)
                                 .order_by(User.id))

    # =========================================================================================================

    def run(self) -> ActivitySummary:
        main = db.session.scalar(select(Program).where(Program.code == MAIN.code))
        intensive_start = min(track.offline_start for track in main.tracks)
        today = self.now.astimezone(KOREA).date()
        self.summary = ActivitySummary(
            now=self.now, main_name=main.name, main_code=main.code, weeks=self.clock.weeks,
            online=(main.online_start, main.online_end), offline_start=intensive_start,
            day_of_phase=(today - main.online_start).days + 1, past_name=PAST.name,
        )
        self.main_program()
        self.past_program()
        db.session.flush()
        for standing in evaluate_program(main, self.now).values():
            self.summary.standings[standing.status.value] += 1
        return self.summary


def _ascii(text: str) -> str:
    import unicodedata

    value = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return "".join(ch for ch in value if ch in string.ascii_letters) or "family"


def _max_id(model) -> int:
    db.session.flush()
    return db.session.scalar(select(func.max(model.id))) or 0


def _backdate(model, after_id: int, when: datetime, read_at: datetime | None = None) -> None:
    """Date what an operation just created (``id > after_id``) when it happened in the story."""
    db.session.flush()
    if model is Notification:
        values = {"created_at": when, "read_at": read_at}
    else:  # the outbox: sent at the time, so that `lms send-mail` does not send 2024's news today
        values = {"created_at": when, "next_attempt_at": when, "sent_at": when + timedelta(minutes=1),
                  "attempts": 1}
    db.session.execute(update(model).where(model.id > after_id).values(**values)
                       .execution_options(synchronize_session=False))


def _path(endpoint: str, **values) -> str | None:
    """A path inside the site for a notification's link (None when the page does not exist)."""
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


def load_activity(clock: Clock, coordinator: User) -> ActivitySummary:
    """Simulate the activity (the caller commits). The programs must be loaded, moved by ``clock``.

    Runs inside a request context for the domain functions that build links
    (decisions notify and queue emails); what they queue is dated and marked
    sent, and nothing is left for the request's teardown to deliver.
    """
    with current_app.test_request_context(base_url=current_app.config["SITE_URL"]):
        try:
            return _Simulation(clock, coordinator).run()
        finally:
            g.pop("queued_mail", None)  # the outbox rows are already marked sent; the caller commits
