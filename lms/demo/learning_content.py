"""The demo's online learning content: every 2024 module's online segment and each program's orientation.

Each module gets two units (the first and second part of its program's online
phase) with lessons on the module's subject, a reading list (a small PDF
stored like an upload), an optional video, a quiz, a live session and an
assignment. Each program gets a program-wide orientation unit. The people,
organisations and cases in the lessons are invented; the books, reports and
talks cited are real public works.

``load_learning_content()`` is called by the demo loader inside its
transaction (the CLI provides the app context that file storage needs).
"""

from __future__ import annotations

import io
import textwrap
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from lms.demo import data
from lms.extensions import db
from lms.files.storage import RESOURCE_EXTENSIONS, UploadRules, save_upload
from lms.learning.models import (
    COMPLETION_RULES_BY_KIND,
    Item,
    ItemKind,
    ItemPrerequisite,
    QuizChoice,
    QuizQuestion,
    Unit,
)
from lms.programs.models import Module, Program, Track

QUIZ_SETTINGS = {"pass_mark": 60, "max_attempts": 3, "show_feedback": True}
LIVE_SESSION_START = time(10, 0)  # Korea time, on a weekday of the online phase
LIVE_SESSION_MINUTES = 90
ASSIGNMENT_DUE = time(18, 0)  # Korea time, on the last day of the online phase


def _md(text: str) -> str:
    """Markdown written indented in this file, without the indentation."""
    return textwrap.dedent(text).strip() + "\n"


# --- Shapes of the content ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Choice:
    text: str
    correct: bool = False
    feedback: str | None = None


@dataclass(frozen=True)
class Question:
    kind: str  # QuizQuestion.SINGLE | MULTIPLE | SHORT
    prompt: str
    right: str  # feedback when answered correctly
    wrong: str  # feedback otherwise
    choices: tuple[Choice, ...] = ()
    accepted: tuple[str, ...] = ()  # short answers


@dataclass(frozen=True)
class Quiz:
    title: str
    description: str
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class Lesson:
    title: str
    body: str


@dataclass(frozen=True)
class Part:
    """One unit of a module: its title (after "Week 1: "), summary and lessons."""

    title: str
    summary: str
    lessons: tuple[Lesson, ...]


@dataclass(frozen=True)
class ReadingList:
    file_name: str
    title: str
    description: str
    lines: tuple[str, ...]  # "# " starts a heading line of the PDF


@dataclass(frozen=True)
class Video:
    title: str
    url: str
    description: str


@dataclass(frozen=True)
class LiveSession:
    title: str
    description: str
    day: int  # days after the first day of the online phase


@dataclass(frozen=True)
class Assignment:
    title: str
    instructions: str


@dataclass(frozen=True)
class Segment:
    module: str  # data.ModuleData.key
    first: Part
    second: Part
    reading_list: ReadingList
    video: Video
    quiz: Quiz
    live: LiveSession
    assignment: Assignment


@dataclass(frozen=True)
class PhasePlan:
    """How a program's online phase is split into the two units of every module."""

    first_label: str
    second_label: str
    second_part_day: int  # days after the first online day
    first_part_days: int  # the first part's last day is first online day + this - 1


PLANS = {
    data.EXPERTS.code: PhasePlan("Week 1", "Week 2", second_part_day=7, first_part_days=5),
    data.ADMINISTRATORS.code: PhasePlan("Days 1–2", "Days 3–5", second_part_day=2, first_part_days=2),
}


@dataclass
class LearningSummary:
    units: int = 0
    items: int = 0
    files: int = 0
    questions: int = 0
    quizzes: list[tuple[Item, Quiz]] = field(default_factory=list, repr=False)


# --- A one-page PDF, written by hand --------------------------------------------------------------------------


def _pdf_text(text: str) -> bytes:
    encoded = text.encode("cp1252", errors="replace")
    return encoded.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def reading_list_pdf(title: str, lines: tuple[str, ...] | list[str]) -> bytes:
    """A valid one-page PDF 1.4 (A4, Helvetica) with a title and lines of text.

    Lines starting with "# " are headings; lines starting with "- " are list
    entries (wrapped with a hanging indent). Raises ValueError when the text
    does not fit on the page.
    """
    left, top, bottom = 56, 786, 48
    ops: list[bytes] = [b"BT"]
    y = top

    def put(text: str, font: bytes, size: float, x: float, step: float) -> None:
        nonlocal y
        if y < bottom:
            raise ValueError(f"the reading list {title!r} does not fit on one page")
        ops.append(b"%s %g Tf 1 0 0 1 %g %g Tm (%s) Tj" % (font, size, x, y, _pdf_text(text)))
        y -= step

    for part in textwrap.wrap(title, 62):
        put(part, b"/F2", 15, left, 20)
    y -= 8
    for line in lines:
        if not line.strip():
            y -= 6
        elif line.startswith("# "):
            y -= 4
            put(line[2:], b"/F2", 11.5, left, 17)
        elif line.startswith("- "):
            wrapped = textwrap.wrap(line[2:], 92)
            put("\x95 " + wrapped[0], b"/F1", 10, left, 13.5)  # a bullet in WinAnsi
            for rest in wrapped[1:]:
                put(rest, b"/F1", 10, left + 9, 13.5)
        else:
            for part in textwrap.wrap(line, 95):
                put(part, b"/F1", 10, left, 13.5)
    ops.append(b"ET")
    content = b"\n".join(ops)

    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 5 0 R /F2 6 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>",
        b"<< /Title (%s) /Producer (CPI learning platform demo) /CreationDate (D:20240715000000Z) >>"
        % _pdf_text(title),
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref_at = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 7 0 R >>\n" % (len(objects) + 1)
    out += b"startxref\n%d\n" % xref_at + b"%%EOF\n"
    return bytes(out)


# --- Loading -------------------------------------------------------------------------------------------------


def _korea_time(zone: ZoneInfo, day: date, at: time) -> datetime:
    """A wall-clock time in the program's zone (Korea), as an aware UTC instant."""
    return datetime.combine(day, at, tzinfo=zone).astimezone(timezone.utc)


class _ContentLoader:
    def __init__(self) -> None:
        self.summary = LearningSummary()
        self.rules = UploadRules(RESOURCE_EXTENSIONS, max(current_app.config.get("RESOURCE_MAX_BYTES", 0),
                                                          10 * 1024 * 1024))

    def unit(self, program: Program, module: Module | None, title: str, summary: str, position: int) -> Unit:
        unit = Unit(program=program, module=module, title=title, summary=summary, position=position)
        db.session.add(unit)
        self.summary.units += 1
        return unit

    def item(self, unit: Unit, kind: ItemKind, title: str, position: int, **fields) -> Item:
        item = Item(
            unit=unit, kind=kind.value, title=title, position=position,
            completion_rule=COMPLETION_RULES_BY_KIND[kind][0].value,
            settings=fields.pop("settings", {}), **fields,
        )
        db.session.add(item)
        self.summary.items += 1
        return item

    def quiz(self, unit: Unit, quiz: Quiz, position: int, *, requires: list[Item], due_at: datetime | None,
             opens_at: datetime | None = None) -> Item:
        item = self.item(unit, ItemKind.QUIZ, quiz.title, position, body=_md(quiz.description), due_at=due_at,
                         opens_at=opens_at, settings=dict(QUIZ_SETTINGS))
        for required in requires:
            item.prerequisite_links.append(ItemPrerequisite(required_item=required))
        self.summary.quizzes.append((item, quiz))
        return item

    def questions(self) -> None:
        """Questions point at their quiz by id only, so they are added once the quizzes have ids."""
        for item, quiz in self.summary.quizzes:
            for position, spec in enumerate(quiz.questions):
                question = QuizQuestion(
                    item_id=item.id, kind=spec.kind, prompt=spec.prompt, position=position, points=1,
                    accepted_answers=list(spec.accepted), feedback_correct=spec.right,
                    feedback_incorrect=spec.wrong,
                )
                for choice_position, choice in enumerate(spec.choices):
                    question.choices.append(QuizChoice(text=choice.text, is_correct=choice.correct,
                                                       feedback=choice.feedback, position=choice_position))
                db.session.add(question)
                self.summary.questions += 1

    def orientation(self, program: Program, spec: data.ProgramData) -> None:
        unit = self.unit(program, None, "Orientation: start here", _md(ORIENTATION_SUMMARY), position=0)
        welcome = self.item(unit, ItemKind.LESSON, "Welcome: how the program works", 0,
                            body=welcome_lesson(spec))
        self.item(unit, ItemKind.LESSON, "Platform and low-bandwidth tips", 1, body=_md(LOW_BANDWIDTH_LESSON))
        zone = ZoneInfo(program.timezone)
        self.quiz(unit, ORIENTATION_QUIZ, 2, requires=[welcome],
                  due_at=_korea_time(zone, spec.online[0], time(23, 59)))

    def segment(self, program: Program, module: Module, segment: Segment, plan: PhasePlan,
                spec: data.ProgramData) -> None:
        zone = ZoneInfo(program.timezone)
        start, end = program.online_start, program.online_end
        second_part_opens = _korea_time(zone, start + timedelta(days=plan.second_part_day), time(0, 0))
        first_part_last_day = start + timedelta(days=plan.first_part_days - 1)
        trainer = module.trainer_links[0].user if module.trainer_links else None

        first = self.unit(program, module, f"{plan.first_label}: {segment.first.title}",
                          _md(segment.first.summary), position=0)
        position = 0
        lessons = []
        for lesson in segment.first.lessons:
            lessons.append(self.item(first, ItemKind.LESSON, lesson.title, position, body=_md(lesson.body)))
            position += 1
        reading = segment.reading_list
        stored = save_upload(
            FileStorage(io.BytesIO(reading_list_pdf(reading.title, _dated(reading.lines, spec))),
                        filename=reading.file_name,
                        content_type="application/pdf"),
            self.rules, uploaded_by=trainer,
        )
        self.summary.files += 1
        self.item(first, ItemKind.FILE, "Reading list (PDF)", position, body=_md(reading.description), file=stored)
        self.item(first, ItemKind.LINK, segment.video.title, position + 1, body=_md(segment.video.description),
                  url=segment.video.url, required=False)
        self.quiz(first, segment.quiz, position + 2, requires=lessons,
                  due_at=_korea_time(zone, first_part_last_day, time(23, 59)))

        second = self.unit(program, module, f"{plan.second_label}: {segment.second.title}",
                           _md(segment.second.summary), position=1)
        position = 0
        for lesson in segment.second.lessons:
            self.item(second, ItemKind.LESSON, lesson.title, position, body=_md(lesson.body),
                      opens_at=second_part_opens)
            position += 1
        live_day = start + timedelta(days=segment.live.day)
        if live_day.weekday() >= 5 or not (start + timedelta(days=plan.second_part_day) <= live_day <= end):
            raise ValueError(f"the live session of {module.short_title} is not on a weekday of its unit")
        starts_at = _korea_time(zone, live_day, LIVE_SESSION_START)
        ends_at = starts_at + timedelta(minutes=LIVE_SESSION_MINUTES)
        self.item(second, ItemKind.LIVE_SESSION, segment.live.title, position, body=_md(segment.live.description),
                  opens_at=second_part_opens,
                  settings={"starts_at": starts_at.isoformat(), "ends_at": ends_at.isoformat()})
        self.item(second, ItemKind.ASSIGNMENT, segment.assignment.title, position + 1,
                  body=_md(segment.assignment.instructions), opens_at=second_part_opens,
                  due_at=_korea_time(zone, end, ASSIGNMENT_DUE), settings={"complete_on": "submit"})


def load_learning_content(specs: tuple[data.ProgramData, ...] = data.PROGRAMS) -> LearningSummary:
    """Add the online segments of the demo programs to the session (the caller commits).

    The programs and modules of ``specs`` (``lms.demo.data.PROGRAMS``, or the
    same programs moved in time by ``lms.demo.activity``) must already be in
    the session; modules are found by program code and short title.
    """
    codes = [spec.code for spec in specs]
    programs = {program.code: program for program in db.session.scalars(select(Program).where(
        Program.code.in_(codes)))}
    modules = {
        (code, short_title): module
        for module, code, short_title in db.session.execute(
            select(Module, Program.code, Module.short_title).join(Module.track).join(Track.program)
            .where(Program.code.in_(codes))
        )
    }
    loader = _ContentLoader()
    for spec in specs:
        program = programs[spec.code]
        loader.orientation(program, spec)
        for module_spec in spec.modules:
            module = modules[(spec.code, module_spec.short_title)]
            loader.segment(program, module, SEGMENTS[module_spec.key], PLANS[spec.code], spec)
    db.session.flush()
    loader.questions()
    db.session.flush()
    return loader.summary


# --- Orientation (one program-wide unit per program) ---------------------------------------------------------

ORIENTATION_SUMMARY = """
    Start here. How the program works, how dates and time zones are shown, what the online phase
    means for the offline phase in Korea, and how to study on a slow connection.
"""


_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")


def _day(value: date) -> str:
    return f"{value.day} {_MONTHS[value.month - 1]} {value.year}"


def _span(start: date, end: date) -> str:
    """'22 July – 2 August 2024', '19–23 August 2024' (lesson text is English, whatever the server's locale)."""
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}–{_day(end)}"
    if start.year == end.year:
        return f"{start.day} {_MONTHS[start.month - 1]} – {_day(end)}"
    return f"{_day(start)} – {_day(end)}"


def _dated(lines: tuple[str, ...], spec: data.ProgramData) -> list[str]:
    """A reading list's lines with the online phase's dates as ``spec`` has them (the demo may move a program)."""
    original = next(program for program in data.PROGRAMS if program.code == spec.code)
    if original.online == spec.online:
        return list(lines)
    before, after = (_span(*dates).replace("–", "-") for dates in (original.online, spec.online))
    return [line.replace(before, after) for line in lines]


def _people(spec: data.ProgramData) -> tuple[int, int]:
    participants = data.PARTICIPANTS[spec.code]
    return len(participants), len({person.country for person in participants})


_TIME_ZONES = """
    ## Time zones

    Participants live in many time zones. On this platform every date and time is shown **in your own
    time zone**, with the zone named, and in **Korea time (KST, UTC+9)** wherever Korea is concerned.
    Korea does not use daylight saving time. Check that the time zone in your profile is right, so that
    deadlines and live sessions are shown correctly for you. Live sessions start at 10:00 Korea time on
    a weekday: look at the session page to see what that means where you live.
"""

_NETIQUETTE = """
    ## Netiquette

    - Use your real name in your profile, so that colleagues and trainers know who they are talking to.
    - Write in clear, simple English: for most of us it is a second or third language.
    - Be generous with colleagues' ideas and precise with critique: comment on the work, not the person.
    - What colleagues share about their organisations stays in the program unless they agree otherwise.
    - In live sessions, mute your microphone when you are not speaking, and use the chat if your
      connection is weak.
"""


def welcome_lesson(spec: data.ProgramData) -> str:
    participants, countries = _people(spec)
    online = _span(*spec.online)
    if spec.code == data.ADMINISTRATORS.code:
        [track] = spec.tracks
        [module] = spec.modules
        body = """
            Welcome to the **{name}**. You are one of {participants} cultural administrators from
            {countries} countries who will work together for five days online and five days in Korea.
            Please read this page before you open your module.

            ## How the program works

            | Phase | Dates | What happens |
            |---|---|---|
            | Online | {online} | Five days on this platform in the module *{module}* |
            | Offline in {location} | {offline} | Hands-on workshops, site visits and project presentations |
            | CPI Day | 5 September 2024 | The CPI Cultural Policy Forum and CPI Night |

            The online module has two units. **Days 1–2** introduce cultural infrastructure and policy design;
            **Days 3–5** turn to practice: facilities, indicators and international collaboration. Each unit
            has lessons, and the module also has a reading list, a video, a quiz, a live seminar with your
            trainers and an assignment.

            ## Your delegation

            You take part as a member of your country's delegation. Delegations present together at the
            CPI Cultural Policy Forum on CPI Day: your online assignment is your contribution to your
            delegation's presentation, which you will finish together in Seoul.

            ## Online progress and the offline phase

            The online phase prepares the work you will do in Seoul, so it counts. Your module page shows
            your progress: required items done, items overdue and what to do next. At the end of the online
            phase the program office reviews everyone's progress. To confirm your place in the offline phase,
            complete this orientation and the required items of your module, including the quiz and the
            assignment. If work, illness or your connection makes this difficult, write to the program office
            early: we would rather adjust the plan than lose you.
        """
        values = {"location": track.location, "offline": _span(*track.offline), "module": module.title}
    else:
        values = {"rows": "\n".join(
            f"| {track.name} | "
            + ", ".join(f"{m.short_title} ({m.organisation})" for m in spec.modules if m.track == track.key)
            + f" | {_span(*track.offline)} | {track.location} |"
            for track in spec.tracks
        )}
        body = """
            Welcome to the **{name}**. You are one of {participants} cultural professionals from
            {countries} countries who will learn together, first online and then in Korea. Please read this
            page before you open your module.

            ## How the program works

            The program has two phases:

            1. **Online phase, {online}:** two weeks on this platform, in your module. Week 1 builds
               the concepts, week 2 turns them into a plan of your own. Each module has lessons, a reading
               list, a video, a quiz, a live session with your trainers and an assignment.
            2. **Offline phase in Korea:** your track decides where and for how long.

            | Track | Modules | Dates in Korea | Where |
            |---|---|---|---|
            {rows}

            ## Online progress and the offline phase

            The online phase prepares the work you will do in Korea, so it counts. Your module page shows
            your progress: required items done, items overdue and what to do next. At the end of the online
            phase the program office reviews everyone's progress. To confirm your place in the offline phase,
            complete this orientation and the required items of your module, including the quiz and the
            assignment. If work, illness or your connection makes this difficult, write to the program office
            early: we would rather adjust the plan than lose you.
        """
    closing = """
        ## Who to ask

        Questions about your module's content go to its trainers. Questions about travel, visas,
        accommodation or this platform go to the CPI program office.

        Welcome, and enjoy the program!
    """
    body = _md(body).format(name=spec.name, participants=participants, countries=countries, online=online,
                            **values)
    return "\n".join(_md(part) for part in (body, _TIME_ZONES, _NETIQUETTE, closing))


LOW_BANDWIDTH_LESSON = """
    This platform is built to work on slow or expensive connections and on older devices. These tips
    help you get the most from it wherever you are.

    ## Study offline

    - **Download a whole unit as a zip.** Every unit of your module has a download link that packs the
      unit's lessons (as simple web pages) and its files into one zip file. Download it when you have a
      good connection, at work or in a library, and read later without one.
    - **Broken downloads resume.** If the download of a file stops, start it again: your browser can
      continue where it stopped instead of starting over.
    - Reading lists are small PDF files that open on any phone.

    ## Videos

    Every video has a **plain link beside it**. If the embedded player is slow, open the link in the
    YouTube or Vimeo app, where you can choose a lower quality (240p or 360p is enough for a talk).
    Videos are usually optional, and no lesson depends on one.

    ## Lessons and quizzes

    - Lessons are plain pages: they load quickly and work without JavaScript.
    - Opening a lesson marks it as viewed; there is nothing else to do.
    - A quiz is a short form. Nothing is sent until you press the submit button, so a weak connection
      while you think does not matter. If your connection drops often, write longer answers in a notes
      app first and paste them in.

    ## Live sessions

    1. Join with audio only if the picture freezes, and switch off incoming video too.
    2. Use the chat if your microphone is unreliable: the trainers read it.
    3. Close other applications and browser tabs that use the network.
    4. If your time zone or connection keeps you from attending, tell your trainers in advance.

    ## A data-saving checklist

    | Task | The data-friendly way |
    |---|---|
    | Reading lessons | Download the unit's zip once, read offline |
    | Watching videos | Plain link, low quality, or skip the optional ones |
    | Handing in an assignment | Save it as a PDF and compress photos before uploading |
    | Live sessions | Audio only, questions in the chat |

    ## Your device

    A phone with an up-to-date browser is enough for reading, quizzes and live sessions. For writing
    assignments, a computer or tablet is more comfortable. Keep your browser updated: it is safer and
    handles pages faster.
"""

ORIENTATION_QUIZ = Quiz(
    title="Orientation quiz",
    description=_md("""
        Three questions to check that you know how the program and the platform work. You need two
        correct answers to pass, and you have three attempts.
    """),
    questions=(
        Question(
            "single",
            "How are dates and times shown on this platform?",
            right="Right: your own zone, named, and Korea time wherever Korea is concerned.",
            wrong="Dates are shown in your own time zone (named), and in Korea time wherever Korea is concerned.",
            choices=(
                Choice("Only in Korea time", feedback="Korea time is shown beside your own, not instead of it."),
                Choice("In your own time zone, with the zone named, and in Korea time where Korea is concerned",
                       correct=True),
                Choice("In UTC only", feedback="UTC is how the platform stores times, not how it shows them."),
            ),
        ),
        Question(
            "multiple",
            "Which of these help you study on a slow connection? Choose all that apply.",
            right="Yes: the unit zip, the plain video links and audio-only live sessions all save data.",
            wrong="Download units as zips, use the plain link beside videos, and join live sessions with audio only.",
            choices=(
                Choice("Downloading a whole unit as a zip to read offline", correct=True),
                Choice("Using the plain link beside a video and choosing a low quality", correct=True),
                Choice("Joining live sessions with audio only", correct=True),
                Choice("Reloading the quiz page while you think about your answers",
                       feedback="Nothing is sent until you submit, so there is no need to reload."),
            ),
        ),
        Question(
            "short",
            "In which country does the offline phase take place?",
            right="Correct: the offline phase takes place in Korea.",
            wrong="The offline phase takes place in Korea (the Republic of Korea).",
            accepted=("Korea", "South Korea", "Republic of Korea", "the Republic of Korea", "ROK"),
        ),
    ),
)


# --- Publication (EDCN): digital-based contents for children's education -------------------------------------

PUBLICATION = Segment(
    module="publication",
    first=Part(
        title="Children, learning and digital media",
        summary="""
            How children aged 3 to 12 learn with digital content, and how to choose a format that reaches
            the children you serve, on their devices and connections.
        """,
        lessons=(
            Lesson("How children learn with digital content", """
                Children do not learn from a screen; they learn from what a screen invites them to do. This
                lesson gives you a shared vocabulary for judging digital content for children aged 3 to 12.
                We will use it throughout the module and in the studio weeks in Seoul.

                ## Four questions that predict learning

                Research on educational apps and e-books converges on four conditions under which children
                learn from digital content. Ask them of any title you plan or review:

                1. **Active:** does the child think, choose and predict, or only tap to make something happen?
                2. **Engaged:** does the content keep attention on the learning goal, or do rewards, sounds
                   and animations pull it away?
                3. **Meaningful:** does it connect to the child's life, language and culture?
                4. **Social:** does it invite talk with a parent, a teacher or another child?

                A title that does well on all four is rare. Many commercial apps are strong on engagement
                and weak on meaning, and "hotspot" animations unrelated to the story are a common reason why
                a digital picture book teaches less than its print version.

                ## Development matters more than the device

                | Age band | What children can do | What it means for design |
                |---|---|---|
                | 3–5 | Short attention, pre-reading, learning through play and repetition | Audio narration, large touch targets, no text-only instructions, one idea per screen |
                | 6–8 | Decoding text, enjoying rules and collecting | Word highlighting with narration, simple choices with visible consequences, short sessions |
                | 9–12 | Independent reading, abstract thinking, peer culture | Branching stories, tools to create, sharing with safeguards, real-world projects |

                ## Joint media engagement

                For young children the most powerful "feature" is an adult. Content designed for use
                together (prompts for the grown-up on screen, questions to ask at the end of a page,
                activities away from the screen) produces more talk and more language than content designed
                for a child alone. This matters in many of your countries, where one phone is shared by a
                whole family and a child rarely uses it alone.

                ## A case to think with

                A children's publisher in a coastal province turned twelve folk tales into an app. Version one
                had lively animation on every page and a star for each page finished. Teachers reported that
                children raced through the stars and could not retell the stories. Version two removed the
                stars, added a narrated "What do you think happens next?" pause before each turning point,
                and a printable puppet sheet for each tale. Time spent in the app fell by a third; children's
                retelling in class improved markedly, and parents asked for more titles.

                ## Reflect

                - Think of a digital title that children in your country love. How does it do on the four
                  questions?
                - Where does the adult appear in your current or planned content?
                - Which age band is your organisation's main audience, and what does the table suggest you
                  change?

                Write your answers down: you will need them for this week's quiz and next week's brief.
            """),
            Lesson("From picture book to digital story: choosing a format", """
                Once you know what a child should do with your content, choose the format that makes it
                possible for the children you serve: on their devices, with their connections, in their
                languages.

                ## The main formats

                | Format | Interactivity | Production cost | Works offline | Good for |
                |---|---|---|---|---|
                | Fixed-layout e-book (EPUB 3 or PDF) | Low | Low | Yes | Picture books, reading practice |
                | E-book with narration | Low to medium | Medium | Yes | Early readers, second-language learners |
                | Story app | High | High | Usually | Branching stories, games with a learning goal |
                | Animated video or audio story | None to low | Medium | When downloaded | Oral traditions, listening, large groups |
                | Interactive web page | Medium to high | Medium | Rarely | Classroom use, frequent updates |

                No format is best in general. A narrated EPUB that runs on a five-year-old phone may reach
                more children than a beautiful app that needs the latest tablet.

                ## Check the constraints before you decide

                - **Devices:** which phones and tablets do families and schools actually have? Screen size,
                  storage and operating system versions all matter.
                - **Connectivity:** can the content be downloaded once and used offline? Is there a version
                  small enough for mobile data?
                - **Distribution:** app stores, school platforms, messaging apps, libraries, or memory cards
                  for rural schools.
                - **Languages:** can you add a language without rebuilding the product? Narration in a
                  child's mother tongue is often worth more than new features.
                - **Maintenance:** apps need updates whenever operating systems change; e-books and audio
                  rarely do.

                ## Accessibility from the first sketch

                Design for the widest range of children from the start: narration with synchronised word
                highlighting, adjustable text size, strong colour contrast, captions for every video,
                descriptions of key images, and navigation that does not depend on fine motor control.
                These features help children with disabilities, and they help every beginning reader.
                Adding them at the end costs far more.

                ## Case: one story, three formats

                A children's library network wanted to publish a counting story set in a local market. It
                produced a narrated EPUB for school tablets, a four-minute audio version shared through a
                messaging app for families without data plans, and a printable activity sheet. The EPUB was
                used most in class; the audio version reached three times as many households. The team now
                plans every title as a family of formats around one script.

                ## Exercise

                Choose one story or topic your organisation owns. In a few lines, describe the children who
                would use it, the device and connection they have, and the format (or family of formats) you
                would choose. Add one accessibility feature you would never leave out. Bring your notes to
                the live clinic in week 2.
            """),
        ),
    ),
    second=Part(
        title="Planning and producing a digital title",
        summary="""
            From learning goals to a content brief, then production, testing with children and the ethics
            of making content for them. The week ends with your own content brief.
        """,
        lessons=(
            Lesson("Planning a project: learning goals and the content brief", """
                A content brief is the one-page agreement between editors, writers, illustrators, developers
                and educators about what you are making and why. Projects without one drift: each specialist
                perfects their own part, and the child's learning gets lost.

                ## Start from learning goals

                Write goals as what a child will be able to **do** after using the content, with a verb you
                can observe:

                - *Weak:* "Children will learn about water."
                - *Better:* "Children aged 6–7 can name three ways their family uses water and suggest one
                  way to save it."

                Keep to one main goal and at most two supporting goals per title. Everything on screen should
                serve one of them; if it does not, question it.

                ## The brief, section by section

                | Section | Questions it answers |
                |---|---|
                | Audience | Age, languages, reading level, where and with whom the child uses the content |
                | Learning goals | One main goal, up to two supporting goals, with observable verbs |
                | Story and voice | What happens, who tells it, which cultural references are central |
                | Format and platform | The chosen format, devices, offline use, a file-size budget |
                | Interaction | What the child does at each key moment, and how it supports a goal |
                | Accessibility | Narration, captions, contrast, text size, alternatives to gestures |
                | Adult role | Prompts for parents or teachers, follow-up activities away from the screen |
                | Testing | With whom, when, and what evidence will show that the goals are met |
                | Team and budget | Roles, schedule, rights and licences |

                ## Personas for the child and the adult

                Write two short personas: the child and the adult beside them. For example: *a six-year-old
                who shares her mother's phone in the evening and knows her letters but does not yet read
                alone*, and *her mother, who works late, speaks two languages at home and has ten minutes at
                bedtime*. Personas keep the team honest about the real conditions of use.

                ## Budget the bytes

                In many of your contexts, file size is a design constraint like any other. Set a budget (for
                example, under 40 MB for an app and under 10 MB for an e-book), compress illustrations and
                audio, and plan a "lite" version if needed.

                ## Common pitfalls

                1. Goals copied from a curriculum without adapting them to the format.
                2. Interactions added because the software makes them easy.
                3. No plan for the adult, even for the youngest readers.
                4. Testing scheduled only after everything is built.

                ## Reflect

                Look at a recent project of your organisation. Which sections of the brief were never
                discussed? What went wrong, or right, because of that? This week's assignment asks you to
                write a full brief for a title of your own: the table above is your template.
            """),
            Lesson("Production, testing with children and ethics", """
                Production turns the brief into a product; testing with children tells you whether it works;
                ethics decide what you must never do along the way.

                ## A lean production pipeline

                1. **Script and storyboard:** text, narration and every interaction drawn on paper, screen
                   by screen.
                2. **Paper prototype:** print the storyboard and "play" it with a child, turning pages and
                   acting out the interactions.
                3. **Style frames:** two or three finished screens to agree on illustration, type and sound.
                4. **Build:** assets, narration recording, layout or development.
                5. **Test and revise:** at least two rounds with children, then a check on the cheapest
                   device you are targeting.
                6. **Release and listen:** collect feedback from teachers and parents and plan an update.

                The cheapest changes happen in steps 1 and 2. A paper prototype tried with five children
                finds most problems of navigation and understanding before a single illustration is final.

                ## Testing with children

                - Get written **consent** from parents or guardians, and ask each child for their **assent**
                  in simple words. A child may stop at any time.
                - Test in a familiar place (a classroom, a library corner) with a trusted adult present.
                - **Observe rather than quiz:** note where children hesitate, what they say aloud and where
                  they give up. Ask them to retell the story or to show you what they did.
                - Five to eight children per round are enough to find the main problems.
                - Include children who are often left out: younger siblings, children with disabilities,
                  children who speak another language at home.

                ## Ethics and safety

                | Principle | In practice |
                |---|---|
                | Collect as little data as possible | No accounts, names or location unless essential; never sell or share children's data |
                | No manipulative design | No countdowns, loot boxes, streaks that punish absence, or pressure to buy |
                | No advertising to children | No ads, and no outside links a child can follow alone |
                | Respectful representation | Check characters, names, clothes and places with people from the communities shown |
                | Clear rights | Licences for text, images, music and fonts, including translations |

                International guidance, such as UNICEF's policy guidance on AI for children, and national
                child-protection laws set minimum standards. A children's publisher's reputation depends on
                going beyond them.

                ## Case

                A team testing a branching story noticed that children nearly always chose the option on the
                right. It was not a story problem but a layout one: the right-hand button was larger. After
                the fix, choices were spread evenly, and retelling showed that children understood the
                consequences of each choice.

                ## Reflect

                - How would you find children for testing in your context, and who would give consent?
                - Which data does your current product collect, and could you stop collecting any of it?
            """),
        ),
    ),
    reading_list=ReadingList(
        file_name="edcn-publication-reading-list-2024.pdf",
        title="Publication module: reading list",
        description="""
            The module's reading list (one page, PDF). Start with the three essential readings during
            week 1; the further readings support your content brief in week 2.
        """,
        lines=(
            "Capacity Building for Planning and Creating Digital-based Contents for Children's Education",
            "EDCN, 2024 Cultural Experts Training Program. Online phase: 22 July - 2 August 2024.",
            "",
            "# Essential readings (week 1)",
            "- Hirsh-Pasek, K. et al. (2015). Putting education in \"educational\" apps: lessons from the "
            "science of learning. Psychological Science in the Public Interest, 16(1).",
            "- Kucirkova, N. (2018). How and Why to Read and Create Children's Digital Books. UCL Press "
            "(open access).",
            "- Guernsey, L. and Levine, M. H. (2015). Tap, Click, Read: Growing Readers in a World of "
            "Screens. Jossey-Bass.",
            "",
            "# Further readings (week 2)",
            "- UNICEF (2021). Policy Guidance on AI for Children. UNICEF Office of Global Insight and Policy.",
            "- W3C (2018). Web Content Accessibility Guidelines (WCAG) 2.1.",
            "- W3C. EPUB Accessibility: conformance and discoverability requirements for EPUB publications.",
            "",
            "# How to read",
            "For each reading, note one idea you agree with, one you doubt, and one you could try in your "
            "organisation. Bring the notes to the live clinic in week 2 and to the studio weeks in Seoul.",
        ),
    ),
    video=Video(
        title="Video: Ken Robinson, “Do schools kill creativity?” (TED)",
        url="https://www.youtube.com/watch?v=iG9CE55wbtY",
        description="""
            An optional, much-watched talk on creativity in education. While you watch, ask what it means
            for digital content: does your content let children make, guess and play, or only consume?
            If the video is slow, use the plain link and a low quality setting.
        """,
    ),
    quiz=Quiz(
        title="Week 1 quiz: children and digital content",
        description="""
            Five questions on this week's lessons, with feedback on each answer. You need 60% to pass and
            have three attempts. The quiz opens once you have read both lessons of week 1.
        """,
        questions=(
            Question(
                "single",
                "A story app rewards every page with a star and an animation. Children finish quickly but "
                "cannot retell the story. Which of the four conditions is most at risk?",
                right="Right: rewards unrelated to the story pull attention away from the learning goal.",
                wrong="Look again at *engaged*: attention on the learning goal, not on rewards.",
                choices=(
                    Choice("Engaged: the rewards pull attention away from the learning goal", correct=True),
                    Choice("Social", feedback="Co-use matters, but the problem here is where attention goes."),
                    Choice("Meaningful", feedback="The tales may be meaningful; the stars distract from them."),
                    Choice("None: finishing quickly shows that the app works",
                           feedback="Speed is not learning: the children could not retell the story."),
                ),
            ),
            Question(
                "multiple",
                "Which features help beginning readers as well as children with disabilities? Choose all "
                "that apply.",
                right="Yes: narration with highlighting, adjustable text and captions help every child.",
                wrong="Accessibility features (narration with highlighting, text size, captions) help everyone; "
                      "animations and timers do not.",
                choices=(
                    Choice("Narration with synchronised word highlighting", correct=True),
                    Choice("Adjustable text size", correct=True),
                    Choice("Captions for every video", correct=True),
                    Choice("An animation on every page", feedback="Unrelated animations distract young readers."),
                    Choice("A countdown timer on each page", feedback="Time pressure is manipulative design."),
                ),
            ),
            Question(
                "single",
                "Families in your target area share one older phone and have little mobile data. Which choice "
                "reaches the most children?",
                right="Right: small, offline-friendly formats reach shared, older devices.",
                wrong="Think of devices and connectivity first: a narrated e-book or an audio version works "
                      "offline on older phones.",
                choices=(
                    Choice("A story app that needs the latest tablet"),
                    Choice("A narrated e-book or an audio version that works offline", correct=True),
                    Choice("An interactive web page that needs a constant connection"),
                ),
            ),
            Question(
                "multiple",
                "Which of these are good practice when testing with children? Choose all that apply.",
                right="Yes: consent and assent, observation and retelling are the core of testing with children.",
                wrong="Ask parents for consent and children for assent, observe, and ask children to retell; "
                      "test early with a few children.",
                choices=(
                    Choice("Written consent from a parent and the child's own assent", correct=True),
                    Choice("Noting where children hesitate or give up", correct=True),
                    Choice("Asking children to retell the story", correct=True),
                    Choice("Waiting until the product is finished before any testing",
                           feedback="Paper prototypes find most problems when changes are cheap."),
                ),
            ),
            Question(
                "short",
                "What do we call children and adults using digital media together (three words)?",
                right="Correct: joint media engagement.",
                wrong="The term is *joint media engagement*: children and adults using media together.",
                accepted=("joint media engagement", "joint engagement", "co-viewing", "co-use"),
            ),
        ),
    ),
    live=LiveSession(
        title="Live clinic: formats and content briefs",
        day=8,
        description="""
            A 90-minute video session with the EDCN trainers.

            **Agenda**

            1. Your questions on week 1 (15 minutes)
            2. Three participants present their format choice (30 minutes)
            3. Small groups: peer review of brief outlines (30 minutes)
            4. Preparing for the studio weeks in Seoul (15 minutes)

            The link to join is posted here before the session. If you cannot attend, tell the trainers in
            advance: a written summary is shared afterwards.
        """,
    ),
    assignment=Assignment(
        title="Assignment: a content brief for a digital title",
        instructions="""
            Write the content brief for one digital title your organisation could produce in the next
            year: a story, an e-book, an audio series or an app.

            ## What to hand in

            One document (PDF or Word, two to three pages) covering every section of the brief from the
            lesson *Planning a project*:

            1. Audience, with a persona for the child and one for the adult.
            2. One main learning goal and up to two supporting goals, with observable verbs.
            3. Story and voice, including the cultural references you will use.
            4. Format and platform, with your file-size budget and offline plan.
            5. Three key interactions, and how each supports a learning goal.
            6. Accessibility features.
            7. The adult's role.
            8. A testing plan: with whom, when, and what will show success.

            ## How it is used

            Your trainers read every brief before the offline phase. In Seoul you will build a prototype of
            this title in the studio, so choose something you care about.

            ## Criteria

            - The goals are specific and observable.
            - The format and interactions follow from the audience and the goals.
            - The plan is realistic for your organisation's resources.
        """,
    ),
)


# --- Cultural Products (Design Council Busan): design thinking --------------------------------------------

CULTURAL_PRODUCTS = Segment(
    module="products",
    first=Part(
        title="Design thinking and cultural meaning",
        summary="""
            What design thinking brings to cultural products, and how to research users, makers and the
            meaning of cultural objects before designing anything.
        """,
        lessons=(
            Lesson("Design thinking for cultural products", """
                A cultural product carries meaning as well as a function: a tea set that reinterprets a local
                ceramic tradition, a museum notebook printed with a historic map, a scarf woven with a
                community's pattern. Its value lies as much in the story and identity it carries as in what it
                does. Design thinking helps you develop such products from people's needs rather than from what
                a workshop happens to produce.

                ## Three lenses, and a fourth

                Good products sit where three questions meet:

                - **Desirability:** do people want it, and why? What does it mean to them?
                - **Feasibility:** can the makers produce it with their skills, materials and tools, at the
                  quality and quantity needed?
                - **Viability:** can it be sold at a price that pays the makers fairly and sustains the
                  business?

                Cultural products add a fourth lens, **respect**: does the product honour the tradition and the
                community it draws on, and do they share in the benefit?

                ## The Double Diamond

                This module follows the Double Diamond popularised by the UK Design Council: two rounds of
                opening up (divergent thinking) and narrowing down (convergent thinking).

                | Phase | Key question | Typical methods |
                |---|---|---|
                | Discover | What is really going on for users and makers? | Interviews, observation, market walks, desk research |
                | Define | Which problem or opportunity do we focus on? | Insight statements, personas, "How might we…?" questions |
                | Develop | What could we make? | Ideas, sketches, rough prototypes, co-design with makers |
                | Deliver | Which concept works, and how does it reach buyers? | Testing, refining, costing, branding, a launch plan |

                The phases are not a straight line: testing a prototype often sends you back to discovery.

                ## Case: the tea sets nobody bought

                A ceramics cooperative made elegant tea sets inspired by a centuries-old glaze. Tourists admired
                them in the shop but rarely bought one. Interviews revealed why: the sets were heavy and fragile
                to carry home, and visitors did not know how to use them. The cooperative designed a light
                two-cup travel set in a padded box, printed a short illustrated story of the glaze and a tea
                ritual inside the lid, and priced it as a gift. Sales tripled in one season, and the makers kept
                their glaze and techniques unchanged.

                The makers did not abandon their tradition. Design thinking changed the format, the story and
                the buying experience.

                ## Reflect

                - Choose a cultural product from your country. How does it do on desirability, feasibility,
                  viability and respect?
                - At which phase of the Double Diamond do projects in your organisation usually start, and what
                  gets skipped?
            """),
            Lesson("Empathy research: users, makers and meaning", """
                Discovery is where most cultural product projects are won or lost. Teams tend to jump to
                solutions: a new colour, a new logo, another souvenir. This lesson gives you the tools to
                understand first.

                ## Whom to understand

                - **Buyers and users:** tourists, residents, gift buyers, museum visitors, companies buying
                  gifts. They may be different people: the buyer of a gift is not its user.
                - **Makers:** artisans, small workshops, designers. Their skills, tools, rhythms of work and
                  income needs are design constraints and sources of ideas.
                - **Keepers of meaning:** elders, communities, museums and researchers who know what a motif
                  or a technique signifies.

                ## Methods

                1. **Interviews:** 30 to 45 minutes, open questions ("Tell me about the last time you bought a
                   gift for someone abroad"); ask for stories rather than opinions.
                2. **Observation:** spend an afternoon in a shop or market; note what people pick up, put down,
                   photograph and ask about.
                3. **Shadowing makers:** follow one object from raw material to shelf; note every step that
                   costs time or causes waste.
                4. **Journey mapping:** draw the buyer's journey from discovering the product to using it at
                   home, and mark the moments of friction.

                ## Three layers of a cultural object

                Design researchers distinguish three layers that you can analyse in any cultural object and
                then translate into a new product:

                | Layer | What it contains | Example: a traditional wrapping cloth |
                |---|---|---|
                | Outer (tangible) | Form, colour, material, pattern, texture | A square patchwork of coloured silk |
                | Middle (behavioural) | Function, use, customs | Wrapping and carrying gifts, reused many times |
                | Inner (intangible) | Story, meaning, values, emotion | Care for the receiver, thrift, a blessing |

                Products that borrow only the outer layer (a pattern printed on a mug) are easily copied.
                Products that translate the middle and inner layers (a reusable gift wrap that teaches the
                wrapping custom) are harder to copy and mean more.

                ## Respect and benefit sharing

                Working with traditional knowledge brings responsibilities: ask permission, credit the source
                community, agree how benefits are shared, and avoid sacred or restricted motifs. Where a
                collective mark or a geographical indication exists, use it.

                ## From research to insight

                End the discovery phase with two or three **insight statements**: *[user] needs [need] because
                [surprising reason]*. For example: *young visitors want to bring home something handmade, but
                choose mass-made key rings because handmade pieces feel too expensive to give to many friends.*

                ## Exercise

                Interview two people this week about the last cultural souvenir or gift they bought, and write
                one insight statement from what you heard.
            """),
        ),
    ),
    second=Part(
        title="From prototype to market",
        summary="""
            Generating ideas, prototyping and testing them quickly, then bringing a cultural product to market
            with a clear story, a fair price and the right channels.
        """,
        lessons=(
            Lesson("Ideation and prototyping", """
                With a clear insight, move into the second diamond: generate many ideas, then make the best of
                them tangible, quickly and cheaply.

                ## From insight to "How might we…?"

                Turn each insight into an open question that invites ideas: *How might we make handmade gifts
                affordable to give to many friends?* A good question is neither too broad ("How might we save
                crafts?") nor too narrow ("How might we make a cheaper key ring?").

                ## Generating ideas

                - **Brainstorming rules:** defer judgement, go for quantity, build on others' ideas, draw, one
                  conversation at a time.
                - **Crazy eights:** fold a sheet into eight panels and sketch eight ideas in eight minutes.
                - **SCAMPER:** take an existing product and Substitute, Combine, Adapt, Modify, Put to another
                  use, Eliminate or Reverse something.
                - **Co-design with makers:** invite artisans to the session. They know what their material can
                  do, and often suggest the most original ideas.

                Then cluster the ideas and vote with dots for the two or three most promising.

                ## Prototyping

                A prototype is a question you can hold in your hand. Choose the cheapest form that answers the
                question you have now:

                | Question | Prototype |
                |---|---|
                | Will people understand the concept? | A sketch with a short description, a storyboard |
                | Does the form feel right? | A mock-up in paper, card or clay, or a 3D print |
                | Will it be used as we expect? | A role-play of buying and using it |
                | Will people pay for it? | A mock shop shelf, a pre-order page, a price test |
                | Can the makers produce it? | A small batch of ten made in the workshop |

                ## Testing

                Show prototypes to at least five people from your target group. Ask them to use the prototype,
                not to judge it: "Show me how you would give this to a friend." Listen for surprises, and record
                what to keep, change and drop.

                ## Case: a port-city museum shop

                A maritime history museum wanted products beyond postcards. The team's insight: visitors loved
                the museum's old cargo labels but found nothing to take home that reflected them. In one
                afternoon the team sketched twenty ideas and made paper prototypes of three: a sticker set, a
                notebook and "cargo box" gift packaging for local food products. Testing showed that the
                packaging excited both visitors and local producers. It became a joint product line with
                neighbourhood food makers, linking the museum to the economy of its city.

                ## Exercise

                Write one "How might we…?" question from your insight, sketch eight ideas in eight minutes, and
                photograph the sheet. Bring it to the live critique.
            """),
            Lesson("Bringing cultural products to market", """
                A good product still needs a clear promise, a fair price and the right channels. This lesson
                covers the Deliver phase of the Double Diamond.

                ## Value proposition and story

                Say in one sentence whom the product is for, what it does for them and why it is different: *a
                light two-cup travel tea set for visitors who want to share a local tea ritual at home, made by
                hand with a glaze unique to our valley.* The story on the tag or the box (who made it, what the
                pattern means, how to use it) is part of the product, not decoration. Keep it short, true, and
                translated into your buyers' main languages.

                ## Pricing fairly

                Start from costs, then check value:

                1. **The cost of making:** materials, the makers' time at a fair hourly rate, workshop
                   overheads, packaging.
                2. **Margins:** a wholesale price (often about twice the cost) and a retail price (often about
                   twice the wholesale price).
                3. **A value check:** what do comparable products cost? What would your buyers pay for the
                   meaning and the quality?

                If the market price cannot pay the makers fairly, change the design (fewer steps, a smaller
                size, an everyday line beside a signature line) rather than cutting the makers' pay.

                ## Channels

                | Channel | Strengths | Watch out for |
                |---|---|---|
                | Own shop or studio | Full margin, stories told directly | Few passers-by |
                | Museum and heritage shops | Visitors already interested in culture | Sale-or-return terms, slow payment |
                | Online marketplaces | Reach, including abroad | Fees, photography, shipping fragile goods |
                | Corporate and official gifts | Large orders | Deadlines, volumes the makers cannot handle |
                | Trade fairs and distributors | New markets | Certification, prices in other currencies |

                ## Protecting the design

                Register your brand as a trademark, keep dated records of your designs, and consider design
                registration for key products. For products tied to a place or a community, collective marks
                and geographical indications can protect their origin. Agreements with partners should state
                who owns the designs and how the community of origin is credited and paid.

                ## Case

                A weaving cooperative sold its scarves at a single price through tourist shops. After a pricing
                workshop it introduced three lines: small woven pouches as quick gifts, the classic scarf, and a
                numbered limited series bearing the weaver's name. Average income per weaver rose, and the
                numbered series built a waiting list through the cooperative's online shop.

                ## Reflect

                - What story does your product tell in ten seconds on a shop shelf?
                - Which channel fits your makers' capacity, and which would overwhelm them?
            """),
        ),
    ),
    reading_list=ReadingList(
        file_name="design-council-busan-cultural-products-reading-list-2024.pdf",
        title="Cultural Products module: reading list",
        description="""
            The module's reading list (one page, PDF): design thinking, service design, cultural meaning and
            intellectual property.
        """,
        lines=(
            "Capacity Building for Developing and Marketing Cultural Products Based on Design Thinking",
            "Design Council Busan, 2024 Cultural Experts Training Program. Online phase: 22 July - 2 August 2024.",
            "",
            "# Essential readings (week 1)",
            "- Brown, T. (2009). Change by Design: How Design Thinking Transforms Organizations and Inspires "
            "Innovation. HarperBusiness.",
            "- Design Council (UK). The Double Diamond: a universally accepted depiction of the design process "
            "(Framework for Innovation).",
            "- Leong, B. D. and Clark, H. (2003). Culture-based knowledge towards new design thinking and "
            "practice: a dialogue. Design Issues, 19(3).",
            "",
            "# Further readings (week 2)",
            "- Stickdorn, M. and Schneider, J. (2011). This is Service Design Thinking. BIS Publishers.",
            "- Osterwalder, A. et al. (2014). Value Proposition Design. Wiley.",
            "- WIPO. Intellectual Property and Traditional Cultural Expressions (background brief).",
            "",
            "# How to read",
            "Read with a product from your own context in mind. For each reading, write down one method you "
            "will try in your interviews or prototypes, and bring it to the live critique in week 2.",
        ),
    ),
    video=Video(
        title="Video: Tim Brown, “Designers — think big!” (TED)",
        url="https://www.youtube.com/watch?v=UAinLaT42xY",
        description="""
            An optional talk by Tim Brown of the design firm IDEO on moving from designing objects to design
            thinking: local, collaborative and participatory. Which of his examples could apply to the makers
            you work with? If the video is slow, use the plain link and a low quality setting.
        """,
    ),
    quiz=Quiz(
        title="Week 1 quiz: design thinking and meaning",
        description="""
            Five questions on this week's lessons, with feedback on each answer. You need 60% to pass and
            have three attempts. The quiz opens once you have read both lessons of week 1.
        """,
        questions=(
            Question(
                "single",
                "In the Double Diamond, in which phase do you write insight statements and "
                "“How might we…?” questions?",
                right="Right: Define narrows what you discovered into a focused problem or opportunity.",
                wrong="Insight statements and “How might we…?” questions belong to Define, the end of the "
                      "first diamond.",
                choices=(
                    Choice("Discover", feedback="Discover opens up: you gather, you do not focus yet."),
                    Choice("Define", correct=True),
                    Choice("Develop", feedback="Develop generates ideas from the questions Define produced."),
                    Choice("Deliver"),
                ),
            ),
            Question(
                "multiple",
                "Which of these belong to the inner (intangible) layer of a traditional wrapping cloth? "
                "Choose all that apply.",
                right="Yes: stories, values and emotions make up the inner layer.",
                wrong="The inner layer holds story, values and emotion; material and shape are the outer layer.",
                choices=(
                    Choice("The care for the receiver that it expresses", correct=True),
                    Choice("The blessing traditionally associated with it", correct=True),
                    Choice("Its silk material", feedback="Material is the outer, tangible layer."),
                    Choice("Its square shape", feedback="Form is the outer, tangible layer."),
                ),
            ),
            Question(
                "single",
                "Buyers will not pay a price that covers the makers' fair pay. What does the module recommend "
                "first?",
                right="Right: redesign, or offer lines at different prices, before touching the makers' pay.",
                wrong="Change the design (fewer steps, smaller sizes, several lines) rather than cutting the "
                      "makers' pay.",
                choices=(
                    Choice("Lower the makers' hourly rate"),
                    Choice("Redesign the product or create lines at different price levels", correct=True),
                    Choice("Sell below cost to win market share"),
                ),
            ),
            Question(
                "multiple",
                "Which are good practice when a product draws on a community's traditional motifs? Choose all "
                "that apply.",
                right="Yes: permission, credit and shared benefits.",
                wrong="Ask permission, credit the community and agree how benefits are shared; never use "
                      "restricted motifs or register them as your own.",
                choices=(
                    Choice("Asking the community's permission", correct=True),
                    Choice("Crediting the community on the product", correct=True),
                    Choice("Agreeing how the benefits are shared", correct=True),
                    Choice("Using sacred motifs because they sell well",
                           feedback="Sacred or restricted motifs should be avoided."),
                    Choice("Registering the motif as your own trademark",
                           feedback="That takes the community's heritage from it."),
                ),
            ),
            Question(
                "short",
                "Which design-thinking lens asks whether people want a product, and why? (one word)",
                right="Correct: desirability.",
                wrong="It is *desirability*; feasibility and viability are the other two lenses.",
                accepted=("desirability", "desirable"),
            ),
        ),
    ),
    live=LiveSession(
        title="Live critique: prototypes on camera",
        day=9,
        description="""
            A 90-minute video session with the Design Council Busan trainers. Bring your "How might we…?"
            question and your sheet of eight ideas, or a first paper prototype.

            **Agenda**

            1. Your questions on week 1 (15 minutes)
            2. Prototypes on camera: five participants show theirs, the group gives feedback (45 minutes)
            3. Pricing clinic: costing a product together (20 minutes)
            4. Preparing for the studio weeks in Busan (10 minutes)

            The link to join is posted here before the session. If you cannot attend, tell the trainers in
            advance: a written summary is shared afterwards.
        """,
    ),
    assignment=Assignment(
        title="Assignment: a concept sheet for a cultural product",
        instructions="""
            Bring the whole Double Diamond together for one cultural product from your context.

            ## What to hand in

            A concept sheet (PDF, two pages at most) with:

            1. **Insight:** one insight statement from your interviews and the "How might we…?" question
               it led to.
            2. **Concept:** a sketch or a photo of your prototype, with a short description.
            3. **Three layers:** what your product takes from the outer, middle and inner layers of the
               cultural object it draws on.
            4. **Value proposition:** one sentence.
            5. **Price:** your cost calculation, wholesale and retail price, and how the makers are paid.
            6. **Channel:** the first channel you would use, and why.
            7. **Respect:** whom you asked, how the source community is credited and how it benefits.

            ## How it is used

            In Busan you will develop this concept further with designers and makers, so choose a product you
            can keep working on.

            ## Criteria

            - The concept follows from a real insight.
            - The price pays the makers fairly.
            - The cultural source is treated with respect.
        """,
    ),
)


# --- Performing Arts 1 (Trust Dance Theatre): a sustainable performing-arts ecosystem ----------------------

PERFORMING_ARTS_1 = Segment(
    module="arts1",
    first=Part(
        title="The performing-arts ecosystem and fair work",
        summary="""
            Seeing your organisation as part of an ecosystem of artists, venues, funders and audiences, and
            looking at what makes artists' working lives sustainable.
        """,
        lessons=(
            Lesson("The performing-arts ecosystem: who depends on whom", """
                A dance company is never alone. Its work depends on venues that present it, funders who support
                it, schools that train its dancers, technicians who light it, critics who discuss it and
                audiences who come back. Thinking in ecosystems helps you see where your organisation is strong,
                where it depends on others, and where the whole system is fragile.

                ## Actors and flows

                | Actor | What it gives the ecosystem | What it needs |
                |---|---|---|
                | Independent artists | New work, risk-taking, new aesthetics | Fair fees, time, space, continuity |
                | Companies and ensembles | Repertoire, training, employment | Stable funding, touring, venues |
                | Venues and presenters | Stages, audiences, co-production money | Work that sells, relevance to their community |
                | Festivals | Visibility, international networks | Premieres, partners, sponsors |
                | Funders, public and private | Money, recognition, policy direction | Evidence of quality and public value |
                | Education and training | New artists and new audiences | Links to professional practice |
                | Technical and production staff | Making performances happen | Safe, fairly paid work |
                | Audiences | Income, meaning, feedback | Access, relevance, a welcome |

                Between them flow **money, work, people, knowledge and reputation**. A healthy ecosystem lets
                these flow in many directions. An unhealthy one depends on a single source of money, or on the
                unpaid work of artists.

                ## Five dimensions of sustainability

                1. **Artistic:** the capacity to keep creating and taking risks.
                2. **Financial:** income that covers real costs, from more than one source.
                3. **Human:** fair pay, safe workplaces, wellbeing, careers that last beyond a dancer's
                   performing years.
                4. **Social:** relationships with communities and audiences that give the work meaning.
                5. **Environmental:** touring, sets and buildings that respect the planet's limits.

                Improving one dimension at the expense of another is common: a company that cuts rehearsal weeks
                to save money weakens its artistic and human sustainability.

                ## Case: a mid-size contemporary dance company

                A company of twelve dancers received most of its income from one national grant. When the grant
                was cut by a third, it cancelled a new creation and let two dancers go. Drawing its ecosystem map
                afterwards, the team saw that it had strong relationships with two regional venues and a dance
                school that it had never turned into co-productions, teaching income or shared residencies.
                Those relationships became the basis of its recovery plan.

                ## Exercise: draw your map

                Put your organisation in the middle of a page. Around it, draw every actor you depend on and
                every actor that depends on you. Draw arrows for money, work and audiences. Circle the three
                relationships that would hurt most if they disappeared. Keep the map: you will need it for the
                assignment.
            """),
            Lesson("Fair work and artists' livelihoods", """
                Sustainability starts with the people who make the work. In many countries performing artists
                move from project to project, are paid for performances but not for rehearsals, and have little
                social protection. UNESCO's 1980 Recommendation concerning the Status of the Artist asked
                governments to recognise artists as workers with rights; decades later, the gap between that
                principle and practice is still wide.

                ## Common problems

                - **Unpaid or underpaid rehearsal time:** fees that cover performances only.
                - **Short contracts:** no income between projects, no paid leave, no pension contributions.
                - **Hidden costs:** artists paying for their own training, travel or insurance.
                - **Injury and burnout:** physical strain without health cover, and pressure to keep working
                  while injured.
                - **Unclear agreements:** spoken deals about fees, rights to recordings and touring conditions.

                ## What organisations can do

                | Practice | Why it matters | A first step |
                |---|---|---|
                | A published fee scale | Transparency and equal treatment | Agree minimum daily rates for rehearsal and performance |
                | Written contracts | Clarity on pay, rights and safety | A one-page template for every engagement |
                | Paid rehearsal and preparation | Makes quality work possible | Budget the rehearsal weeks before looking for funding |
                | Longer engagements | Stability and artistic continuity | One-year contracts for a core ensemble |
                | Health and safety | Dancers' bodies are their instruments | Warm-up time, physiotherapy, safe floors |
                | Support for career transitions | Dance careers are short | Training in teaching, choreography and production |

                ## Budgeting honestly

                A sustainable budget shows the full cost of the work, including fair pay, even when the money is
                not there yet. Funders cannot close a gap they cannot see. Some funders now ask applicants to
                show artists' fees explicitly; where they do not, you can still show them in your budget notes.

                ## Case

                An independent theatre collective used to split the box-office income after each show, which
                often meant almost nothing per person. It wrote a fee scale with a guaranteed rehearsal rate and
                shared it with its funders and a partner venue. The venue agreed to a minimum fee in exchange for
                two community workshops per production, and a local foundation paid for a rehearsal period. The
                collective's next production had fewer performances, but every artist was paid for every
                working day.

                ## Reflect

                1. How are artists paid for rehearsal, performance and touring in your organisation or country?
                2. Which practice in the table could you introduce within six months, and what would it cost?
                3. Who on your ecosystem map could share that cost?

                Keep your answers: we will come back to them in the live session.
            """),
        ),
    ),
    second=Part(
        title="Building a resilient practice",
        summary="""
            Diversifying income without losing your artistic purpose, touring with a lighter footprint, and
            building long-term relationships with audiences.
        """,
        lessons=(
            Lesson("Diversifying income without losing your purpose", """
                Depending on one source of income is the most common financial risk in the performing arts.
                Diversifying helps, but each new source brings its own costs, obligations and pull on your
                mission.

                ## The income mix

                | Source | Advantages | Risks |
                |---|---|---|
                | Public grants | Support risk-taking and public value | Policy changes, yearly uncertainty |
                | Box office and performance fees | Independence, contact with audiences | Pressure towards safe programming |
                | Touring and co-productions | Visibility, shared costs | Travel costs, carbon, exhaustion |
                | Education and community programs | Close to the mission, steady | Needs trained staff and time |
                | Sponsorship and foundations | Project funding | Reputational fit, short cycles |
                | Individual giving and crowdfunding | A loyal community | Needs sustained relationship work |
                | Renting space and services | Uses existing assets | Distracts from artistic work |

                The right mix varies widely between countries and funding systems; what matters is that no single
                source can sink the organisation when it changes.

                ## Mission first

                Before adding a new source, ask three questions:

                1. Does it serve our artistic and social purpose, or only our budget?
                2. What does it really cost in staff time and energy?
                3. What happens if it stops after two years?

                An education program that brings dancers into schools may serve your purpose, build future
                audiences and pay artists between productions. Renting out your studio every evening may bring
                cash but leave no space to rehearse.

                ## A three-year plan

                Change the mix gradually. A realistic plan adds one or two new sources a year, each with a named
                person responsible and a trial period:

                - **Year 1:** map current income, cost every activity fully, try one education offer with a
                  partner school.
                - **Year 2:** turn the trial into a contract; start a friends scheme for regular audiences.
                - **Year 3:** look for a co-production partner abroad; review which sources to keep.

                ## Case

                A contemporary dance company that depended on one grant for 70% of its income set itself the
                goal of bringing this down to half within three years. It developed a movement program for older
                adults with the city's health department, a co-production with a festival in a neighbouring
                country, and a small monthly giving scheme launched after performances. Three years later the
                grant was unchanged, but it made up just over half of a larger budget, and the older adults'
                program had become a source of new work.

                ## Reflect

                Using your ecosystem map: which two relationships could become new income within two years,
                and what would you need to make them work?
            """),
            Lesson("Green touring and audience development", """
                Two relationships shape a company's long-term future: with the planet and with its audiences.
                Both belong to a sustainable ecosystem, and both can be improved with practical steps.

                ## Where the carbon is

                For most touring companies, travel (flights above all) is by far the largest part of their
                carbon footprint, followed by freight for sets and the energy used by venues. A single
                intercontinental tour can outweigh a year of local activity.

                Practical measures:

                - **Tour slower and longer:** fewer, longer stays with workshops and community activities
                  instead of single nights.
                - **Route tours regionally:** coordinate with nearby venues and festivals to avoid zig-zag
                  travel.
                - **Travel light:** design sets that fold into luggage, or that are built locally from shared
                  plans.
                - **Take trains and buses** where they exist, and travel together.
                - **Measure:** record travel, freight and energy for every production; what you measure, you
                  can reduce.
                - **Share** sets and equipment with other companies; reuse and recycle materials.

                Guides such as the Theatre Green Book and the resources of organisations like Julie's Bicycle
                offer checklists you can adapt.

                ## Audience development

                Audiences are not only ticket buyers: they are the people for whom the work exists. Audience
                development means widening who comes, deepening their experience and building long-term
                relationships.

                | Goal | Example actions |
                |---|---|
                | Broaden: reach new people | Performances in neighbourhoods, pay-what-you-can nights, partnerships with community groups |
                | Deepen: a richer experience | Open rehearsals, talks after the show, movement workshops for audiences |
                | Include those left out | Relaxed performances, audio description, sign language, venues reachable by public transport |
                | Keep in touch | Friends schemes, newsletters, invitations to work in progress |

                Collect simple information (postcode, first visit or not, how people heard of you) with consent,
                and use it to learn rather than only to sell.

                ## Case

                A small company touring a duet in its region replaced a fortnight of single nights in different
                cities with four one-week residencies. In each town the dancers gave school workshops and a
                community class, and performed at the weekend. Travel was halved, audiences grew because the
                workshops brought families, and two towns invited the company back.

                ## Reflect

                1. What share of your company's footprint comes from travel, do you think? How could you find out?
                2. Who lives near your venue but never comes? What would make them feel welcome?
            """),
        ),
    ),
    reading_list=ReadingList(
        file_name="trust-dance-theatre-performing-arts-1-reading-list-2024.pdf",
        title="Performing Arts 1 module: reading list",
        description="""
            The module's reading list (one page, PDF): artists' status and fair work, sustainability, green
            touring and the economics of a thriving ecosystem.
        """,
        lines=(
            "Capacity Building for Performing Arts Professionals for a Sustainable Cultural and Artistic Ecosystem",
            "Trust Dance Theatre, 2024 Cultural Experts Training Program. Online phase: 22 July - 2 August 2024.",
            "",
            "# Essential readings (week 1)",
            "- UNESCO (1980). Recommendation concerning the Status of the Artist.",
            "- UNESCO (2022). Re|Shaping Policies for Creativity: Addressing culture as a global public good.",
            "- Palmer, A. (2014). The Art of Asking. Grand Central Publishing.",
            "",
            "# Further readings (week 2)",
            "- Theatre Green Book (2021). Sustainable Productions, Sustainable Buildings, Sustainable Operations.",
            "- Julie's Bicycle. Resources on environmental sustainability in the creative sector.",
            "- Raworth, K. (2017). Doughnut Economics: Seven Ways to Think Like a 21st-Century Economist. "
            "Random House.",
            "",
            "# How to read",
            "Keep your ecosystem map beside you while you read. Mark each idea that would change one of your "
            "arrows of money, work or audiences, and bring the map to the live session in week 2.",
        ),
    ),
    video=Video(
        title="Video: Amanda Palmer, “The art of asking” (TED)",
        url="https://www.youtube.com/watch?v=xMj_P_6H69g",
        description="""
            An optional talk by a musician who began as a street performer, on the relationship between
            artists and the people who support them. Which of her ideas would work in your ecosystem, and
            which would not? If the video is slow, use the plain link and a low quality setting.
        """,
    ),
    quiz=Quiz(
        title="Week 1 quiz: ecosystems and fair work",
        description="""
            Five questions on this week's lessons, with feedback on each answer. You need 60% to pass and
            have three attempts. The quiz opens once you have read both lessons of week 1.
        """,
        questions=(
            Question(
                "single",
                "A company cuts rehearsal weeks to balance its budget. Which dimensions of sustainability "
                "suffer most?",
                right="Right: less rehearsal means weaker work and more pressure on the dancers.",
                wrong="Cutting rehearsal weakens the artistic and the human dimensions, even if the budget "
                      "balances.",
                choices=(
                    Choice("Financial only"),
                    Choice("Artistic and human", correct=True),
                    Choice("Environmental"),
                    Choice("None, as long as the budget balances",
                           feedback="A balanced budget can hide losses in other dimensions."),
                ),
            ),
            Question(
                "multiple",
                "Which are fair-work practices recommended in this module? Choose all that apply.",
                right="Yes: a fee scale, written contracts and paid rehearsal time.",
                wrong="The module recommends a published fee scale, written contracts and paid rehearsal.",
                choices=(
                    Choice("A published fee scale", correct=True),
                    Choice("Written contracts for every engagement", correct=True),
                    Choice("Paid rehearsal and preparation time", correct=True),
                    Choice("Paying for performances only", feedback="That leaves rehearsal time unpaid."),
                    Choice("Splitting whatever the box office brings after each show",
                           feedback="This often leaves artists with almost nothing."),
                ),
            ),
            Question(
                "single",
                "For most touring companies, what is the largest source of carbon emissions?",
                right="Right: travel, flights above all.",
                wrong="Travel, and above all flights, is by far the largest part of a touring company's footprint.",
                choices=(
                    Choice("Stage lighting in the venues"),
                    Choice("Travel, especially flights", correct=True),
                    Choice("Printed programs"),
                    Choice("Costumes"),
                ),
            ),
            Question(
                "multiple",
                "Before adding a new source of income, which questions does the module ask you to consider? "
                "Choose all that apply.",
                right="Yes: purpose, real cost and what happens if it stops.",
                wrong="Ask whether it serves your purpose, what it really costs, and what happens if it stops.",
                choices=(
                    Choice("Does it serve our artistic and social purpose?", correct=True),
                    Choice("What does it really cost in staff time and energy?", correct=True),
                    Choice("What happens if it stops after two years?", correct=True),
                    Choice("Do our competitors already use it?",
                           feedback="What others do matters less than what fits your mission."),
                ),
            ),
            Question(
                "short",
                "Complete the title of UNESCO's 1980 Recommendation concerning the Status of the ___.",
                right="Correct: the Recommendation concerning the Status of the Artist.",
                wrong="It is the Recommendation concerning the Status of the **Artist** (UNESCO, 1980).",
                accepted=("Artist", "the Artist", "Artists"),
            ),
        ),
    ),
    live=LiveSession(
        title="Live session: ecosystem maps and income plans",
        day=8,
        description="""
            A 90-minute video session with the Trust Dance Theatre trainers. Have your ecosystem map at hand.

            **Agenda**

            1. Your questions on week 1 (15 minutes)
            2. Ecosystem maps: three participants present theirs (30 minutes)
            3. Small groups: one fair-work practice and one new income source for each organisation
               (30 minutes)
            4. Preparing for the offline weeks in Seoul (15 minutes)

            The link to join is posted here before the session. If you cannot attend, tell the trainers in
            advance: a written summary is shared afterwards.
        """,
    ),
    assignment=Assignment(
        title="Assignment: a sustainability snapshot of your organisation",
        instructions="""
            Bring this module's ideas together for your own organisation (or one you know well).

            ## What to hand in

            A document of two to three pages (PDF or Word), plus a photo of your ecosystem map:

            1. **Ecosystem map:** the three relationships you circled, and why they matter.
            2. **Income mix:** a table of today's income by source, and the mix you aim for in three years.
            3. **Fair work:** one practice from the lesson you will introduce, what it costs and who could
               share the cost.
            4. **Environment:** one measure to reduce the footprint of your touring or productions.
            5. **Audiences:** one group you want to reach, and how.
            6. **Twelve months:** the first three actions, with who is responsible and when.

            ## How it is used

            In Seoul you will work on this snapshot with the trainers and with colleagues from other
            countries, and visit organisations that face the same questions.

            ## Criteria

            - The analysis is honest about dependencies and weaknesses.
            - The actions are specific and realistic.
            - Artistic purpose stays at the centre.
        """,
    ),
)


# --- Performing Arts 2 (Chuncheon Puppet Festival): citizen-led festival programs --------------------------

PERFORMING_ARTS_2 = Segment(
    module="arts2",
    first=Part(
        title="Festivals with and by citizens",
        summary="""
            What makes a festival citizen-led rather than merely open to the public, and how to recruit,
            support and recognise the citizens who make it.
        """,
        lessons=(
            Lesson("What makes a festival citizen-led?", """
                Many festivals say they are "for everyone". Fewer are made *with* and *by* the people of their
                place. In a citizen-led festival, residents do not only watch: they propose, create, perform,
                host and decide. This module is about designing programs where that happens in practice, not
                only in a slogan.

                ## A ladder of participation

                Sherry Arnstein's "ladder of citizen participation" (1969) was written about urban planning,
                but it is a useful mirror for festivals. Adapted to our field:

                | Level | What citizens do | Festival example |
                |---|---|---|
                | Inform | Receive information | Posters announcing what professionals will perform |
                | Consult | Give their opinion | A survey about preferred dates and genres |
                | Involve | Take part in activities designed by others | Joining a parade in costumes the festival provides |
                | Collaborate | Create with professionals | Making puppets with a professional company for a shared show |
                | Lead | Decide and produce | A citizens' committee selects and produces a program strand with its own budget |

                A festival can work at several levels at once. The questions are whether any part of it reaches
                the top two rungs, and whether citizens' decisions really change what happens.

                ## Why puppets and objects work well

                Puppetry and object theatre are especially open to participation. Anyone can make a puppet from
                paper, cloth or recycled materials; a giant puppet needs many hands; and a puppet lets a shy
                performer speak through a character. Parades, processions of giant puppets and community
                shadow-theatre workshops are common first steps for citizens who have never performed.

                ## What citizen leadership requires

                1. **Real power:** a budget, a share of the program and the right to say no.
                2. **Support:** training, mentoring by professionals, rehearsal space, materials.
                3. **Time:** citizens have jobs and families; the process takes months, not weeks.
                4. **Diversity:** an active effort to include people who do not usually volunteer.
                5. **Recognition:** names in the program, thank-you events, paid roles where possible.

                ## Case: a riverside town festival

                For years, a small town's summer festival booked professional acts from the capital, and
                attendance was falling. The festival team set aside a fifth of its budget for a "neighbourhood
                stage" programmed by a committee of twelve residents chosen through an open call. The committee
                chose a grandparents' choir, a teenage dance crew and a lantern-making workshop that ended in a
                procession along the river. The procession became the festival's most photographed moment, and
                attendance rose the following year.

                ## Reflect

                - Where does your festival, or one you know, sit on the ladder? Which part could move up a rung?
                - What would a citizens' committee need from you to make real decisions?
            """),
            Lesson("Citizen creators and volunteers", """
                People give their time to a festival for many reasons: pride in their town, friendship, a new
                skill, love of the art form, a line on their CV. A citizen-led program works when these
                motivations meet well-designed roles and real support.

                ## Roles citizens can take

                - **Citizen artists:** amateur performers, makers and groups presenting their own work.
                - **Co-creators:** residents making a performance with professional artists, such as a giant
                  puppet parade.
                - **Programmers:** members of a committee that selects and shapes part of the program.
                - **Hosts and guides:** welcoming visitors and artists, running information points.
                - **Crew:** set-up, stewarding, workshops, documentation.
                - **Ambassadors:** reaching their own communities, schools and associations.

                ## Recruitment

                Open calls alone reach the usual volunteers: people with time, confidence and networks. To
                reach others:

                1. Go where people are: markets, community centres, schools, religious and migrant
                   associations, senior centres.
                2. Offer a short first step, such as a single afternoon workshop, before asking for months.
                3. Remove barriers: childcare, transport costs, meals, materials, flexible schedules.
                4. Use the languages spoken in your town.
                5. Work through trusted intermediaries who already know the community.

                ## Support and safeguarding

                | Need | How to meet it |
                |---|---|
                | Skills | Workshops in puppet-making, performing, stewarding and first aid |
                | Guidance | A named coordinator, and a professional mentor for each group |
                | Safety | Clear roles, briefings, insurance, a safeguarding policy for children and vulnerable adults |
                | Wellbeing | Reasonable shifts, rest areas, water and food, someone to talk to |
                | A voice | Regular meetings where volunteers shape decisions |

                Volunteers are not free labour to replace paid staff. Roles that carry professional
                responsibility (safety management, technical operation, production management) should be paid.

                ## Recognition

                Name participants in the program and on the festival's website, hold a celebration for them,
                offer certificates or references, and invite them to evaluate the festival. Recognition is what
                brings people back the following year and turns participants into ambassadors.

                ## Case

                A festival struggling to recruit young volunteers created a "festival academy": six Saturday
                sessions before the festival on stage management, photography and social media, each led by a
                professional. The participants then worked in teams during the festival and received a
                reference letter. Applications doubled, and several academy graduates now work in the festival's
                paid team.

                ## Exercise

                List three groups in your town who rarely take part in your festival. For each, write down one
                barrier and one concrete way to remove it.
            """),
        ),
    ),
    second=Part(
        title="Designing a citizen-led program",
        summary="""
            Planning a program strand from the open call to the festival days, keeping people safe in public
            space, evaluating with citizens and leaving a legacy.
        """,
        lessons=(
            Lesson("Designing a citizen-led program strand", """
                This week you move from principles to planning. A program strand is one coherent part of a
                festival (a neighbourhood stage, a parade, a workshop series, a citizen-curated program) with
                its own aim, participants, timeline and budget.

                ## Define the strand

                Answer five questions before planning the details:

                1. **Aim:** what change do you want, for the participants and for the town?
                2. **Who:** which citizens will lead, create or take part, and who is missing today?
                3. **Form:** what will audiences see on the festival days: performances, a parade, an
                   exhibition, a shared meal?
                4. **Partners:** professional artists, community organisations, schools, the city.
                5. **Decisions:** which decisions do citizens make, and which stay with the festival team?

                ## Timeline

                | When | Milestones |
                |---|---|
                | 12 to 9 months before | Aim and budget agreed; partners approached; citizens' committee recruited |
                | 9 to 6 months before | Open call; committee trained; first community workshops |
                | 6 to 3 months before | Projects selected; groups paired with professional mentors; creation begins |
                | 3 to 1 months before | Rehearsals; technical planning; risk assessment; communication |
                | The festival | Performances, parade, hosting; documentation |
                | 1 month after | Celebration and evaluation with participants; report; next year's plan |

                ## Openness and quality

                Citizen-led does not mean that anything goes. Agree quality criteria with the committee at the
                start (originality, connection to the place, care for the audience, collaboration) and apply
                them openly. Professional mentors help groups develop their work rather than replacing it.
                Present citizens' work in good conditions: a proper stage, light and sound, and good time slots,
                not the leftover corner at noon.

                ## Budget lines often forgotten

                - Materials for workshops and puppet-making
                - Mentors' fees and the coordinators' time
                - Access costs: childcare, transport, interpretation
                - Insurance and safety equipment
                - Documentation, and the celebration after the festival

                ## Case: a giant puppet parade

                A festival in a mid-size city invited ten neighbourhoods to make one giant puppet each,
                representing a local legend. Each neighbourhood worked with a professional puppet maker over
                eight weekends in a community centre. On the festival's opening night the ten puppets paraded
                together to the main square. Because each neighbourhood had chosen its own legend, the parade
                became a map of the city's stories; between festivals the puppets are shown in the
                neighbourhoods that made them.

                ## Exercise

                Choose a strand for your festival, or for one you know. Write its aim in one sentence and draft
                its timeline table. This is the core of your assignment.
            """),
            Lesson("Safety, evaluation and legacy", """
                A citizen-led program brings many non-professionals into public space, often with children,
                large objects and crowds. It also produces results that ticket numbers cannot show. This lesson
                covers both: keeping people safe, and knowing what difference you made.

                ## Safety in public space

                Assess the risks of each activity with the people who will run it:

                | Hazard | Example of a control |
                |---|---|
                | Crowds at a parade | A route plan, barriers at narrow points, trained stewards, a meeting point for lost children |
                | Giant puppets | Weight limits, a plan for wind, spotters beside each puppet, a rehearsal on the route |
                | Weather | Shade and water in the heat, a wet-weather plan, a decision time and who decides |
                | Workshops with tools | Tools suited to the age group, enough supervisors, a first-aid kit |
                | Children and vulnerable adults | A safeguarding policy, checks where the law requires them, never one adult alone with a child |

                Share the plan early with the city, the police and medical services, and brief every volunteer
                before the event.

                ## Evaluation that involves citizens

                Tell **outputs** (what you did: ten workshops, 240 participants, 3,000 spectators) from
                **outcomes** (what changed: new friendships, new skills, pride in the neighbourhood, people
                performing for the first time). Methods that suit citizen-led work:

                - Short surveys at workshops and on festival days, in the town's languages.
                - "Most significant change" stories: ask participants what the most important change was for
                  them, and discuss the stories together.
                - Photo and video diaries kept by participants.
                - A reflection meeting with the committee a month after the festival.

                Share the results with the participants first, then with funders and the city.

                ## Legacy

                The best citizen-led programs continue between festivals: a puppet-making club that meets every
                month, a community choir, a youth programming group, puppets on show in libraries. Plan the
                legacy from the start: who hosts the activity, who pays for it, and how it feeds next year's
                festival.

                ## Case

                After its first citizen-curated stage, a festival held a reflection evening with the
                participants. Many said the best moment was not the performance but the weeks of rehearsal with
                neighbours they had never met. The festival kept the rehearsal room open one evening a week all
                year, with a small grant from the city's community fund. Two years later, the weekly club had
                created three new performances for the festival.

                ## Reflect

                1. Which outcome matters most for your strand, and how would you know it happened?
                2. What could continue after the festival, and who would host it?
            """),
        ),
    ),
    reading_list=ReadingList(
        file_name="chuncheon-puppet-festival-performing-arts-2-reading-list-2024.pdf",
        title="Performing Arts 2 module: reading list",
        description="""
            The module's reading list (one page, PDF): participation, festivals and the public sphere,
            evaluation and safety at outdoor events.
        """,
        lines=(
            "Capacity Building for Developing Citizen-Led Festival Programs",
            "Chuncheon Puppet Festival, 2024 Cultural Experts Training Program. Online phase: 22 July - "
            "2 August 2024.",
            "",
            "# Essential readings (week 1)",
            "- Arnstein, S. R. (1969). A Ladder of Citizen Participation. Journal of the American Institute "
            "of Planners, 35(4).",
            "- Matarasso, F. (2019). A Restless Art: How participation won, and why it matters. Calouste "
            "Gulbenkian Foundation.",
            "- Giorgi, L., Sassatelli, M. and Delanty, G. (eds.) (2011). Festivals and the Cultural Public "
            "Sphere. Routledge.",
            "",
            "# Further readings (week 2)",
            "- Davies, R. and Dart, J. (2005). The 'Most Significant Change' Technique: A Guide to Its Use.",
            "- The Purple Guide to Health, Safety and Welfare at Music and Other Events (for outdoor events "
            "and crowds).",
            "",
            "# How to read",
            "Read with one festival in mind, yours or one you know. For each reading, note where that festival "
            "stands today and one step that would give citizens more say. Bring your notes to the live "
            "workshop in week 2.",
        ),
    ),
    video=Video(
        title="Video: Tim Brown, “Tales of creativity and play” (TED)",
        url="https://www.youtube.com/watch?v=RjwUn-aA0VY",
        description="""
            An optional talk on play and creativity among adults. A festival is a town at play: as you watch,
            think about what invites adults in your town to play, make and perform together. If the video is
            slow, use the plain link and a low quality setting.
        """,
    ),
    quiz=Quiz(
        title="Week 1 quiz: citizen-led festivals",
        description="""
            Five questions on this week's lessons, with feedback on each answer. You need 60% to pass and
            have three attempts. The quiz opens once you have read both lessons of week 1.
        """,
        questions=(
            Question(
                "single",
                "A festival asks residents to vote on the dates, then professionals plan everything else. Which "
                "level of participation is this?",
                right="Right: citizens give their opinion, but others decide.",
                wrong="This is *consult*: citizens are asked, but do not create or decide.",
                choices=(
                    Choice("Inform"),
                    Choice("Consult", correct=True),
                    Choice("Collaborate", feedback="Collaboration means creating together."),
                    Choice("Lead", feedback="Leading means deciding and producing, with a budget."),
                ),
            ),
            Question(
                "multiple",
                "Which are signs that citizens really lead a program strand? Choose all that apply.",
                right="Yes: a budget, the right to choose and refuse, and decisions that change the program.",
                wrong="Leadership means a budget, the right to select and refuse, and decisions that change "
                      "what happens.",
                choices=(
                    Choice("The strand has its own budget", correct=True),
                    Choice("The committee may select and refuse projects", correct=True),
                    Choice("The committee's decisions change the program", correct=True),
                    Choice("Participants fill in a survey after the festival", feedback="That is consultation."),
                    Choice("Participants' names are printed in the program",
                           feedback="That is recognition, which matters, but not leadership."),
                ),
            ),
            Question(
                "single",
                "Which of these is an outcome rather than an output?",
                right="Right: a change in people's lives is an outcome.",
                wrong="Outputs count what you did; outcomes describe what changed for people.",
                choices=(
                    Choice("Ten workshops were held"),
                    Choice("240 people took part in workshops"),
                    Choice("Participants made new friends among their neighbours", correct=True),
                    Choice("3,000 people watched the parade"),
                ),
            ),
            Question(
                "multiple",
                "Which roles should be paid rather than given to volunteers? Choose all that apply.",
                right="Yes: roles with professional responsibility should be paid.",
                wrong="Safety management, technical operation and production management carry professional "
                      "responsibility and should be paid.",
                choices=(
                    Choice("Safety management", correct=True),
                    Choice("Technical operation", correct=True),
                    Choice("Production management", correct=True),
                    Choice("Welcoming visitors at an information point",
                           feedback="A good volunteer role, with training and support."),
                ),
            ),
            Question(
                "short",
                "What is the surname of the author of “A Ladder of Citizen Participation” (1969)?",
                right="Correct: Sherry Arnstein.",
                wrong="The ladder was written by Sherry **Arnstein**.",
                accepted=("Arnstein", "Sherry Arnstein", "S. R. Arnstein"),
            ),
        ),
    ),
    live=LiveSession(
        title="Live workshop: program strands",
        day=10,
        description="""
            A 90-minute video session with the Chuncheon Puppet Festival trainers. Bring the aim and the draft
            timeline of your strand.

            **Agenda**

            1. Your questions on week 1 (15 minutes)
            2. Four participants present their strand (30 minutes)
            3. Small groups: risks and how to reduce them (30 minutes)
            4. Preparing for the offline weeks in Chuncheon (15 minutes)

            The link to join is posted here before the session. If you cannot attend, tell the trainers in
            advance: a written summary is shared afterwards.
        """,
    ),
    assignment=Assignment(
        title="Assignment: plan a citizen-led program strand",
        instructions="""
            Plan one citizen-led strand for your festival, or for a festival you know well.

            ## What to hand in

            A plan of two to three pages (PDF or Word) with:

            1. **Aim:** one sentence on the change you want.
            2. **Citizens:** who leads, who creates, who takes part, and whom you will reach who is missing
               today; how you remove their barriers.
            3. **Decisions:** which decisions the citizens make, and with what budget.
            4. **Timeline:** the table from the lesson, filled in for your strand.
            5. **Support:** training, mentors, materials and recognition.
            6. **Safety:** the three main risks and how you control them.
            7. **Evaluation and legacy:** one outcome you will look for and how, and what could continue
               after the festival.

            ## How it is used

            In Chuncheon you will compare your plan with how the festival works with its citizens, and refine
            it with the trainers.

            ## Criteria

            - Citizens hold real decisions, not only tasks.
            - The plan reaches beyond the usual volunteers.
            - The timeline and budget are realistic.
        """,
    ),
)


# --- Cultural Policy (CPI program office): cultural infrastructure in the era of cultural convergence -------

CULTURAL_POLICY = Segment(
    module="policy",
    first=Part(
        title="Cultural infrastructure and policy design",
        summary="""
            What cultural infrastructure means when art and technology, culture and other sectors, creators
            and audiences converge, and how to design policy for it, from needs to instruments.
        """,
        lessons=(
            Lesson("Cultural infrastructure in the era of cultural convergence", """
                When governments speak of cultural infrastructure, they often mean buildings: theatres, museums,
                libraries, concert halls. In the era of cultural convergence, when art and technology, culture
                and tourism, creators and audiences increasingly merge, infrastructure is broader. It is
                everything that makes cultural life possible, reliably, for everyone.

                ## Three kinds of infrastructure

                | Kind | Examples | Typical policy levers |
                |---|---|---|
                | Physical | Venues, libraries, museums, creative hubs, studios, public space | Capital investment, planning rules, building standards |
                | Soft: institutions and people | Funding programs, arts councils, training, networks, laws, copyright rules | Legislation, grants, education, partnerships |
                | Digital | Digitised collections, platforms, broadband, data standards, archives, AI tools | Standards, open data, public platforms, skills programs |

                The three depend on one another. A new digital media centre without trained staff, programs and
                an operating budget will stand empty; a strong funding program without spaces will struggle to
                reach audiences outside the capital.

                ## What convergence changes

                - **Art and technology:** immersive media, games, AI-generated content and live streaming blur
                  the lines between art forms and industries.
                - **Culture and other sectors:** culture is used in urban regeneration, tourism, health and
                  education, which brings new partners and new expectations.
                - **Creators and audiences:** audiences create, remix and distribute; participation becomes part
                  of cultural life.
                - **Local and global:** platforms make local content available worldwide, and expose local
                  markets to global competition.

                These shifts raise policy questions. Who owns and governs digital cultural data? How do we
                support creators whose income now comes through platforms? How do we keep physical places for
                gathering when so much culture is consumed at home?

                ## Why it matters for your country

                Infrastructure decisions last for decades. A concert hall built today will shape a city's
                cultural life for fifty years; the standards of a national digital archive decide which heritage
                can be found and reused. Good policy design considers the whole life of the infrastructure (its
                construction, operation, programs and adaptation) and the people it should serve.

                ## Case: a convergence centre

                A mid-size city turned a disused textile factory into a "culture convergence centre" combining a
                maker space, a media lab, rehearsal rooms and a small stage. The building won design prizes, but
                in its first year it was half empty: the operating budget covered security and utilities and no
                programming staff. In its second year the city partnered with a university and two local arts
                organisations that took on the programming in exchange for free space, and use rose sharply.

                ## Reflect

                - Which kind of infrastructure is strongest in your country, and which is weakest?
                - Where does convergence raise the most pressing policy question for you?

                Note your answers: they are the starting point of your delegation's presentation at the CPI
                Cultural Policy Forum.
            """),
            Lesson("Policy design: from needs to instruments", """
                Good cultural infrastructure policy is designed, not only announced. This lesson walks through the
                stages of policy design and the instruments governments can choose from.

                ## The policy cycle

                1. **Agenda setting:** why is this an issue now, and who is raising it?
                2. **Needs assessment:** what exists, who uses it, who is left out?
                3. **Design:** objectives, instruments, governance, budget.
                4. **Decision:** political approval, legal basis, funding.
                5. **Implementation:** delivery by ministries, agencies, local governments and partners.
                6. **Evaluation:** did it work, and what should change?

                Cultural policy often jumps from the agenda straight to a decision (a minister announces a new
                museum) and skips needs assessment and design. Many underused buildings are the result.

                ## Needs assessment: cultural mapping

                Cultural mapping records the cultural resources of a place (spaces, organisations,
                practitioners, events, heritage, informal practices) and how people use them. Combine:

                - existing data: registers of facilities, funding records, participation surveys;
                - geography: distance and travel time to facilities, neighbourhood by neighbourhood;
                - consultation with artists, organisations and residents, including those who do not
                  take part today.

                ## Choosing instruments

                | Instrument | Example | Strength | Limitation |
                |---|---|---|---|
                | Direct provision | A public library network | Universal access, control | High long-term operating costs |
                | Funding | Grants for independent venues | Diversity and initiative | Dependence, paperwork |
                | Regulation | Zoning for creative spaces, a percent-for-art rule | Low public cost | Enforcement, side effects |
                | Partnership | Public–private or public–civic operation | Shared risk and expertise | Complex governance and accountability |
                | Information and capacity | Training, toolkits, data platforms | Long-term capability | Slow, effects hard to see |

                The most effective policies combine instruments: a capital grant (funding) tied to operating
                standards (regulation), delivered with a local partner (partnership).

                ## Governance

                Decide who decides. Arm's-length bodies such as arts councils protect artistic decisions from
                short-term politics; local governments know local needs; national governments can balance the
                regions. Write down the role of each level, and how citizens and cultural practitioners take
                part.

                ## Case

                A national ministry planned to build one large cultural centre in each province. A mapping
                exercise showed that in two provinces the main gap was not a building but transport and programs
                for villages. The ministry adapted: three provinces received centres, and two received mobile
                cultural units and touring funds. The change was possible because mapping came before design.

                ## Exercise

                Choose one cultural infrastructure need in your country. In a few sentences, describe the
                evidence for it, two possible instruments, and who should govern the response. You will share
                it in the live seminar.
            """),
        ),
    ),
    second=Part(
        title="Facilities, indicators and collaboration",
        summary="""
            Making cultural facilities live for decades, measuring what infrastructure changes for people, and
            preparing your delegation's contribution to the CPI Cultural Policy Forum.
        """,
        lessons=(
            Lesson("Facilities that live: operations, programs and people", """
                Around the world, new cultural buildings open with celebrations and then struggle: programs are
                thin, maintenance is postponed, staff are too few, and the community does not feel the place is
                theirs. This lesson is about what keeps a facility alive for decades.

                ## Construction is the smaller cost

                Over a building's life, the cost of running it (staff, programs, energy, maintenance, renewing
                equipment) usually far exceeds the cost of building it. Plan and secure the operating budget
                with the same care as the construction budget, for as long as the building is open.

                | Cost | Examples | Usually paid by | A common mistake |
                |---|---|---|---|
                | Capital | Land, construction, first equipment | National or regional government, development funds | Treated as the whole project |
                | Operating | Staff, utilities, cleaning, security, insurance | Local government, earned income | Underestimated or unfunded |
                | Programs | Artists' fees, productions, outreach, education | Grants, partners, box office | Left for later |
                | Renewal | Technical equipment, digital systems, repairs | Often nobody | Forgotten until something breaks |

                ## Designing for use

                - **Start with programs:** decide who will use the space, for what and how often, before the
                  architects draw.
                - **Flexible spaces:** rooms that work for rehearsals, workshops, meetings and small
                  performances serve more people than a single-purpose hall.
                - **Anchor tenants:** resident companies, a library branch or a school partnership bring daily
                  life.
                - **Community ownership:** involve local groups in the design, in programming committees and as
                  volunteers.
                - **Digital from the start:** connectivity, streaming and recording, and a website where people
                  can discover and book.

                ## People

                A facility is as good as its team. Appoint a director early, ideally during design, and fund
                programming, education and technical staff, not only building management. Train local staff and
                create career paths so that skills stay.

                ## Case

                Two similar arts centres opened in neighbouring districts in the same year. The first was run by
                a facilities department with a budget for utilities and security only; it hosted rentals and a
                few touring shows. The second appointed a director two years before opening, involved local arts
                groups in its design and secured a five-year programming budget. Five years later the second
                centre had five times as many visits and a waiting list of community groups, while the first was
                being considered for conversion into offices.

                ## Reflect

                1. For a facility in your country, compare its yearly operating budget with what it cost to
                   build. What does the ratio tell you?
                2. Who could be the anchor tenants and community partners of a new facility in your city?
            """),
            Lesson("Indicators, data and international collaboration", """
                Cultural infrastructure policy needs evidence: to argue for resources, to learn what works and
                to be accountable. It also gains from international collaboration, which is why you are in this
                program.

                ## A chain of indicators

                | Level | Question | Example indicator |
                |---|---|---|
                | Input | What did we invest? | Budget, staff, square metres of space |
                | Output | What did we deliver? | Events held, opening hours, items digitised |
                | Outcome | What changed for people? | Participation by age, income and region; residents within 30 minutes of a venue |
                | Impact | What long-term difference? | Cultural employment, social cohesion, wellbeing, growth of the creative economy |

                Most systems measure inputs and outputs well and outcomes poorly. Choose a few outcome
                indicators that match your objectives, and collect baseline data **before** a facility opens.

                UNESCO's Culture|2030 Indicators offer a framework for showing culture's contribution to
                sustainable development in four dimensions: environment and resilience; prosperity and
                livelihoods; knowledge and skills; inclusion and participation.

                ## Using data responsibly

                Digital infrastructure produces data about audiences, collections and creators. Policy should set
                the rules: what is collected and why, who may access it, how personal data is protected, how
                cultural data is shared openly (for example openly licensed collection data), and how AI systems
                trained on cultural data respect creators' rights.

                ## International collaboration

                Collaboration between countries strengthens infrastructure policy through:

                - **peer learning:** study visits, twinning between cities or institutions, joint training such
                  as this program;
                - **co-production and touring networks:** sharing the cost of programs across venues in several
                  countries;
                - **shared digital infrastructure:** common standards for archives and collections, joint
                  platforms;
                - **joint research:** comparable data on participation and infrastructure.

                Good collaboration is reciprocal: each side brings knowledge, and the agenda is set together.

                ## Preparing for the CPI Cultural Policy Forum

                On CPI Day (5 September 2024) in Seoul, delegations present strategies and policies for
                establishing cultural infrastructure in their countries. A strong presentation:

                1. states one clear infrastructure challenge, with evidence;
                2. describes the current policy response and its instruments;
                3. shows one indicator you track, or would like to track;
                4. proposes one idea for international collaboration;
                5. fits into ten minutes with a few clear visuals.

                ## Reflect

                Which indicator do you wish your country tracked, and what would it take to start? Your
                assignment is the first draft of your part of your delegation's presentation.
            """),
        ),
    ),
    reading_list=ReadingList(
        file_name="cpi-cultural-policy-reading-list-2024.pdf",
        title="Cultural Policy module: reading list",
        description="""
            The module's reading list (one page, PDF): international frameworks, indicators and the creative
            city, for your policy brief and your delegation's Forum presentation.
        """,
        lines=(
            "Establishing Cultural Infrastructure in the Era of Cultural Convergence: Policy Design and Practice",
            "CPI Program Office, 2024 Cultural Administrators Training Program. Online phase: 19-23 August 2024.",
            "",
            "# Essential readings (days 1-2)",
            "- UNESCO (2005). Convention on the Protection and Promotion of the Diversity of Cultural "
            "Expressions.",
            "- OECD (2022). The Culture Fix: Creative People, Places and Industries. OECD Publishing.",
            "- Landry, C. (2000). The Creative City: A Toolkit for Urban Innovators. Earthscan.",
            "",
            "# Further readings (days 3-5)",
            "- UNESCO (2019). Culture|2030 Indicators.",
            "- UCLG (2015). Culture 21: Actions. United Cities and Local Governments.",
            "- Raworth, K. (2017). Doughnut Economics: Seven Ways to Think Like a 21st-Century Economist. "
            "Random House.",
            "",
            "# How to read",
            "Read as a policy maker from your own country. For each reading, note one instrument or indicator "
            "you could use, and share it with your delegation before the offline week in Seoul.",
        ),
    ),
    video=Video(
        title="Video: Kate Raworth, “A healthy economy should be designed to thrive, not grow” (TED)",
        url="https://www.youtube.com/watch?v=Rhcrbcg8HBw",
        description="""
            An optional talk by the economist behind "doughnut economics": designing systems that meet
            people's needs within the planet's limits. What would a "doughnut" for cultural infrastructure in
            your country look like? If the video is slow, use the plain link and a low quality setting.
        """,
    ),
    quiz=Quiz(
        title="Days 1–2 quiz: infrastructure and policy design",
        description="""
            Five questions on the lessons of days 1 and 2, with feedback on each answer. You need 60% to pass
            and have three attempts. The quiz opens once you have read both lessons of days 1–2.
        """,
        questions=(
            Question(
                "single",
                "A city builds a prize-winning cultural centre but budgets only for utilities and security. "
                "What problem does this illustrate?",
                right="Right: operating and programming costs were left unfunded.",
                wrong="The centre lacks an operating and programming budget: the building alone does not make "
                      "cultural life.",
                choices=(
                    Choice("Too much digital infrastructure"),
                    Choice("Operating and programming costs left unfunded", correct=True),
                    Choice("Regulation that is too strict"),
                    Choice("Too many anchor tenants"),
                ),
            ),
            Question(
                "multiple",
                "Which of these are soft (institutional and human) infrastructure? Choose all that apply.",
                right="Yes: funding programs, arts councils and training are soft infrastructure.",
                wrong="Soft infrastructure is institutions and people: funding programs, arts councils, "
                      "training. Halls are physical, broadband is digital.",
                choices=(
                    Choice("Funding programs for artists", correct=True),
                    Choice("An arts council", correct=True),
                    Choice("Training for cultural workers", correct=True),
                    Choice("A concert hall", feedback="A building is physical infrastructure."),
                    Choice("A broadband network", feedback="Networks are digital infrastructure."),
                ),
            ),
            Question(
                "single",
                "Which of these is an outcome indicator?",
                right="Right: it measures a change for people.",
                wrong="Outcome indicators measure what changed for people, not what was invested or delivered.",
                choices=(
                    Choice("The construction budget of a new library", feedback="That is an input."),
                    Choice("The number of events held", feedback="That is an output."),
                    Choice("The change in the share of low-income residents who took part in a cultural "
                           "activity this year", correct=True),
                    Choice("Square metres of new space", feedback="That is an input."),
                ),
            ),
            Question(
                "multiple",
                "According to the policy cycle, which steps should come before the decision to build? Choose "
                "all that apply.",
                right="Yes: assess needs (for example by cultural mapping), then design objectives and instruments.",
                wrong="Needs assessment, including cultural mapping, and design come before the decision; "
                      "evaluation comes after implementation.",
                choices=(
                    Choice("Needs assessment", correct=True),
                    Choice("Cultural mapping", correct=True),
                    Choice("Designing objectives and instruments", correct=True),
                    Choice("Evaluation of the results", feedback="You can only evaluate what has been done."),
                ),
            ),
            Question(
                "short",
                "Name UNESCO's 2019 framework of indicators that shows culture's contribution to sustainable "
                "development.",
                right="Correct: the Culture|2030 Indicators.",
                wrong="It is UNESCO's **Culture|2030 Indicators**.",
                accepted=("Culture|2030 Indicators", "Culture|2030", "Culture 2030 Indicators", "Culture 2030",
                          "Culture2030"),
            ),
        ),
    ),
    live=LiveSession(
        title="Live seminar: policy instruments in practice",
        day=3,
        description="""
            A 90-minute video seminar with the CPI trainers and your fellow administrators. Bring the need,
            the two instruments and the governance idea from the exercise of days 1–2.

            **Agenda**

            1. Your questions on days 1–2 (15 minutes)
            2. Delegations in small groups: one need and two instruments per country (35 minutes)
            3. Indicators: what each country tracks today (25 minutes)
            4. Preparing the Forum presentations for CPI Day (15 minutes)

            The link to join is posted here before the seminar. If you cannot attend, tell the trainers in
            advance: a written summary is shared afterwards.
        """,
    ),
    assignment=Assignment(
        title="Assignment: your draft for the CPI Cultural Policy Forum",
        instructions="""
            Draft your part of your delegation's presentation at the CPI Cultural Policy Forum on CPI Day.

            ## What to hand in

            A short policy brief (PDF or Word, two pages at most) or five slides with speaker notes:

            1. **The challenge:** one cultural infrastructure challenge in your country, with evidence.
            2. **Today's response:** the current policy and its instruments, and who governs it.
            3. **An indicator:** one indicator you track, or would like to track, and its baseline if known.
            4. **A proposal:** what you would change, using the instruments from the lessons.
            5. **Collaboration:** one idea for working with another country in this program.

            ## How it is used

            Your delegation combines its members' drafts into one ten-minute presentation during the offline
            week in Seoul, with coaching from the trainers, and presents it at the Forum on 5 September.

            ## Criteria

            - The challenge is specific and backed by evidence.
            - The proposal matches instruments to the need.
            - The collaboration idea is reciprocal and realistic.
        """,
    ),
)

SEGMENTS = {segment.module: segment for segment in (
    PUBLICATION, CULTURAL_PRODUCTS, PERFORMING_ARTS_1, PERFORMING_ARTS_2, CULTURAL_POLICY,
)}
