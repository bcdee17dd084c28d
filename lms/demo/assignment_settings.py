"""Assignment settings and rubrics of the demo's assignments (one per module's online segment).

Every demo assignment item gets an Assignment row: 100 points, pass at 60,
text and files (PDF, Word, PowerPoint, JPEG, PNG; up to 3 files of 20 MB),
late work accepted and flagged, and a rubric written for that module's task
whose criteria's top levels add up to the points. The Administrators'
assignment is group work: each country delegation hands in one draft.

``load_assignment_settings()`` is called by the demo loader after the
learning content, inside its transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from lms.assignments.models import Assignment, LatePolicy, RubricCriterion, RubricLevel
from lms.demo import data
from lms.demo.learning_content import SEGMENTS
from lms.extensions import db
from lms.learning.models import Item, ItemKind, Unit
from lms.programs.models import Program

POINTS = 100
PASS_POINTS = 60
ALLOWED_EXTENSIONS = ["pdf", "docx", "pptx", "jpg", "png"]
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_FILES = 3
GROUP_WORK_PROGRAMS = {data.ADMINISTRATORS.code}  # delegations submit together


@dataclass(frozen=True)
class Level:
    title: str
    points: int
    description: str


@dataclass(frozen=True)
class Criterion:
    title: str
    description: str
    levels: tuple[Level, ...]  # best first

    @property
    def points(self) -> int:
        return max(level.points for level in self.levels)


# Module key (lms.demo.data.ModuleData.key) -> its assignment's rubric.
RUBRICS: dict[str, tuple[Criterion, ...]] = {
    "publication": (
        Criterion("Learning goals", "One main goal and up to two supporting goals, written with observable verbs.", (
            Level("Strong", 30, "Goals are specific and observable; each key interaction clearly serves one of "
                                "them."),
            Level("Adequate", 22, "Goals are clear, but some are hard to observe or loosely tied to the "
                                  "interactions."),
            Level("Developing", 12, "Goals are vague (\"learn about culture\") or too many to test."),
            Level("Missing", 0, "No learning goal is stated."),
        )),
        Criterion("Audience and format", "Personas for the child and the adult; format, platform and offline plan.", (
            Level("Strong", 30, "Format, platform and interactions follow from the personas; the file-size "
                                "budget and offline plan fit the audience's devices."),
            Level("Adequate", 22, "The audience is described and the format suits it, with gaps in the "
                                  "technical plan."),
            Level("Developing", 12, "The format is chosen before the audience; personas are generic."),
            Level("Missing", 0, "No audience or format is described."),
        )),
        Criterion("Feasibility", "Accessibility, the adult's role and a testing plan within the organisation's "
                                 "means.", (
            Level("Realistic", 20, "The plan fits the organisation's people, budget and time, with a concrete "
                                   "test with children."),
            Level("Partly realistic", 12, "Feasible overall, but testing or accessibility is left vague."),
            Level("Unrealistic", 4, "The plan needs resources the organisation does not have, or has no test."),
        )),
        Criterion("Presentation", "Every section of the brief, two to three pages, clearly written.", (
            Level("Clear and complete", 20, "All eight sections, concise and easy to follow."),
            Level("Mostly clear", 14, "One or two sections thin or missing; mostly easy to follow."),
            Level("Hard to follow", 6, "Several sections missing, or the brief is much too long or too short."),
        )),
    ),
    "products": (
        Criterion("Insight and concept", "An insight from real interviews, its \"How might we…?\" question and "
                                         "the prototype that answers it.", (
            Level("Strong", 30, "The concept follows visibly from a real insight; the prototype photo or sketch "
                                "shows it."),
            Level("Adequate", 22, "A real insight and a fitting concept, but the link between them is loose."),
            Level("Developing", 12, "The insight is an assumption, or the concept ignores it."),
            Level("Missing", 0, "No insight or no concept."),
        )),
        Criterion("Value and price", "Value proposition, cost calculation, wholesale and retail price.", (
            Level("Fair and sound", 25, "The calculation is complete and the price pays the makers fairly."),
            Level("Mostly sound", 17, "A price is set, but costs or the makers' share are incomplete."),
            Level("Weak", 8, "The price is guessed, or the makers are not paid for their work."),
            Level("Missing", 0, "No value proposition or price."),
        )),
        Criterion("Respect for the cultural source", "The three layers of the source, who was asked, credit "
                                                     "and benefit.", (
            Level("Respectful", 25, "The source community was asked, is credited and benefits; all three layers "
                                    "are understood."),
            Level("Partly", 15, "The source is credited, but consent or benefit is unclear."),
            Level("Not addressed", 5, "The cultural source is used as decoration only."),
        )),
        Criterion("Channel and presentation", "The first sales channel and a readable two-page sheet.", (
            Level("Clear", 20, "A well-argued first channel; the sheet is clear and at most two pages."),
            Level("Adequate", 13, "A channel is named with little reasoning; the sheet is readable."),
            Level("Unclear", 5, "No channel, or the sheet is hard to read."),
        )),
    ),
    "arts1": (
        Criterion("Honest analysis", "The ecosystem map and the income mix: dependencies and weaknesses named.", (
            Level("Insightful", 30, "Key relationships and dependencies are named honestly, with today's income "
                                    "mix and a reasoned target mix."),
            Level("Adequate", 22, "A complete map and income table, with little about weaknesses."),
            Level("Superficial", 12, "The analysis lists facts without drawing conclusions."),
            Level("Missing", 0, "No map or income mix."),
        )),
        Criterion("Actions for twelve months", "Three first actions with who is responsible and when.", (
            Level("Specific and realistic", 30, "Each action has an owner, a date and fits the organisation's "
                                               "means."),
            Level("Mostly specific", 20, "Actions are sensible, but owners or dates are missing."),
            Level("Vague", 10, "Intentions rather than actions."),
            Level("Missing", 0, "No actions."),
        )),
        Criterion("Fair work and environment", "One fair-work practice with its cost, one environmental measure.", (
            Level("Well argued", 20, "Both are concrete, costed and shared fairly."),
            Level("Partly", 12, "Both are named, but cost or sharing is unclear."),
            Level("Missing", 0, "One or both are missing."),
        )),
        Criterion("Artistic purpose and audiences", "The plan keeps art at its centre and reaches a new "
                                                    "audience.", (
            Level("Central", 20, "Artistic purpose drives every choice; the audience plan is concrete."),
            Level("Present", 12, "Art is mentioned, but the plan is driven by money alone; audiences are generic."),
            Level("Absent", 4, "Neither artistic purpose nor audiences are addressed."),
        )),
    ),
    "arts2": (
        Criterion("Citizens' decisions", "Which decisions citizens make, and with what budget.", (
            Level("Real power", 30, "Citizens hold real decisions with their own budget, not only tasks."),
            Level("Some power", 20, "Citizens are consulted on decisions the festival finally takes."),
            Level("Tasks only", 8, "Citizens volunteer but decide nothing."),
            Level("Missing", 0, "No decisions are described."),
        )),
        Criterion("Reach and access", "Who leads, creates and takes part; who is missing today and which barriers "
                                      "are removed.", (
            Level("Beyond the usual", 25, "Reaches people missing today, with concrete steps to remove their "
                                          "barriers."),
            Level("Some reach", 16, "Names new groups without saying how they will be reached."),
            Level("The usual volunteers", 6, "Only the people who already take part."),
        )),
        Criterion("Timeline, budget and safety", "The timeline table, support for citizens and the three main "
                                                 "risks.", (
            Level("Realistic", 25, "A complete timeline, a budget that fits, support and risk controls."),
            Level("Mostly realistic", 16, "Timeline and support are there; risks or budget are thin."),
            Level("Unrealistic", 6, "The timeline is too short or the risks are not addressed."),
        )),
        Criterion("Evaluation and legacy", "One outcome to look for and what could continue after the festival.", (
            Level("Clear", 20, "An observable outcome, how it is measured, and a concrete legacy."),
            Level("Partial", 12, "An outcome or a legacy, not both."),
            Level("Missing", 0, "Neither is described."),
        )),
    ),
    "policy": (
        Criterion("Challenge and evidence", "One cultural infrastructure challenge in your country, with "
                                            "evidence.", (
            Level("Specific, with evidence", 30, "A precise challenge backed by data or sources, and an "
                                                 "indicator with its baseline."),
            Level("Specific", 22, "A precise challenge with little evidence."),
            Level("General", 12, "A broad problem (\"lack of funding\") without evidence."),
            Level("Missing", 0, "No challenge is described."),
        )),
        Criterion("Proposal and instruments", "Today's policy and who governs it; the change you propose.", (
            Level("Well matched", 30, "The proposal uses instruments from the lessons that fit the need and the "
                                      "governance."),
            Level("Plausible", 20, "A sensible proposal whose instruments are only partly explained."),
            Level("Weak", 10, "A wish rather than a policy proposal."),
            Level("Missing", 0, "No proposal."),
        )),
        Criterion("Collaboration idea", "One idea for working with another country in this program.", (
            Level("Reciprocal and realistic", 20, "Both sides give and gain; the first step is concrete."),
            Level("One-sided", 12, "Useful, but only one side benefits, or it is hard to start."),
            Level("Missing", 0, "No collaboration idea."),
        )),
        Criterion("Ready for the Forum", "A two-page brief or five slides with speaker notes the delegation can "
                                         "combine.", (
            Level("Ready", 20, "Clear, within length, and easy to merge into the delegation's presentation."),
            Level("Needs work", 12, "Readable, but too long or missing speaker notes."),
            Level("Not ready", 4, "Hard to follow or far beyond the length."),
        )),
    ),
}


def _check_rubrics() -> None:
    for key, criteria in RUBRICS.items():
        total = sum(criterion.points for criterion in criteria)
        if total != POINTS:
            raise ValueError(f"the rubric of {key} adds up to {total}, not {POINTS}")


def load_assignment_settings() -> int:
    """Give every demo assignment item its settings and rubric (the caller commits); returns how many.

    Items are matched to their module's rubric by the assignment's title in
    ``lms.demo.learning_content.SEGMENTS``.
    """
    _check_rubrics()
    key_by_title = {segment.assignment.title: key for key, segment in SEGMENTS.items()}
    codes = [spec.code for spec in data.PROGRAMS]
    rows = db.session.execute(
        select(Item, Program.code).join(Item.unit).join(Unit.program)
        .where(Item.kind == ItemKind.ASSIGNMENT.value, Program.code.in_(codes))
    ).all()
    for item, code in rows:
        key = key_by_title.get(item.title)
        if key is None:
            raise ValueError(f"no demo rubric for the assignment {item.title!r}")
        assignment = Assignment(
            item=item, points=POINTS, pass_points=PASS_POINTS, allow_text=True, allow_files=True,
            allowed_extensions=list(ALLOWED_EXTENSIONS), max_file_bytes=MAX_FILE_BYTES, max_files=MAX_FILES,
            group_submission=code in GROUP_WORK_PROGRAMS, late_policy=LatePolicy.ACCEPT_AND_FLAG.value,
        )
        for position, spec in enumerate(RUBRICS[key]):
            criterion = RubricCriterion(title=spec.title, description=spec.description, position=position)
            criterion.levels.extend(
                RubricLevel(title=level.title, description=level.description, points=level.points)
                for level in spec.levels
            )
            assignment.criteria.append(criterion)
        db.session.add(assignment)
    db.session.flush()
    return len(rows)
