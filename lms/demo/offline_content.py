"""The demo's offline phase: the sessions in Korea, the participation terms and the admission rules.

From the 2024 CPI achievement report: the Experts' intensive course (19 August
– 13 September, Publication with EDCN in Seoul, Cultural Products with Design
Council Busan) and general course (19 August – 6 September, Performing Arts 1
with Trust Dance Theatre in Seoul, Performing Arts 2 with the Chuncheon Puppet
Festival), the Administrators' five days in Seoul (2–6 September) with
hands-on workshops and project presentations, and CPI Day on 5 September: the
CPI Cultural Policy Forum ("Establishing Cultural Infrastructure in the Era of
Cultural Convergence", keynote by Sey Min, CEO of praxis.ai, "From Data
Realism to AI Surrealism") and CPI Night. The report gives the phases, not an
hour-by-hour programme: the individual workshops, visits, times and rooms
below are invented to fit it.

Every offline session is a ``LiveSession`` with ``phase="offline"``, an
``offline_kind``, a ``location`` and no item; its audience is the program
(opening, CPI Day), a track (final presentations, closing ceremony) or a
module (the training organisation's own workshops and visits, which happen in
its city). Times are Korea time.

``load_offline_content`` is called by the demo loader (with or without the
activity) inside its transaction.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from lms.admission.models import AdmissionRulesChange
from lms.admission.operations import save_rules
from lms.core.timezones import day_start
from lms.demo import data
from lms.extensions import db
from lms.live.models import Audience, LiveSession, OfflineKind, Phase
from lms.programs.models import Program

KOREA = ZoneInfo("Asia/Seoul")
RULES_SET_DAYS_BEFORE = 28  # the program office saves the admission rules four weeks before the online phase

PROGRAM_OFFICE = "CPI Program Office, Seoul"
FORUM_HALL = "CPI Day venue, Seoul"


def _md(text: str) -> str:
    return textwrap.dedent(text).strip() + "\n"


@dataclass(frozen=True)
class OfflineSessionData:
    day: date  # as in 2024 (the demo may move the program: see lms.demo.activity)
    starts: time  # Korea time
    ends: time
    kind: OfflineKind
    title: str
    location: str
    audience: str  # "program", or a TrackData.key, or a ModuleData.key
    description: str


_CPI_DAY = date(2024, 9, 5)

_FORUM = """
    **CPI Cultural Policy Forum: Establishing Cultural Infrastructure in the Era of Cultural Convergence.**

    - Keynote by Sey Min, CEO of praxis.ai: *From Data Realism to AI Surrealism*.
    - Presentations by participants and cultural administrators on strategies and policies for
      cultural infrastructure in their countries.
    - Open discussion with the audience.

    Arrive 20 minutes early to check in; interpretation is available in Korean and English.
"""

_NIGHT = """
    **CPI Night** closes CPI Day: participants show what they achieved, exchange ideas and meet
    colleagues of both CPI programs over dinner. Dress: smart casual, or your country's dress.
"""


def _s(day, starts, ends, kind, title, location, audience, description) -> OfflineSessionData:
    return OfflineSessionData(day, time(*starts), time(*ends), kind, title, location, audience, _md(description))


EXPERT_SESSIONS = (
    _s(date(2024, 8, 19), (10, 0), (12, 30), OfflineKind.CEREMONY, "Opening ceremony and orientation in Korea",
       PROGRAM_OFFICE, "program", """
        Welcome to Korea. The program office introduces the weeks ahead, the training organisations and the
        practical side of your stay (transport cards, accommodation, who to call). Lunch together afterwards.
    """),
    # Intensive track: Publication (EDCN, Seoul)
    _s(date(2024, 8, 20), (10, 0), (17, 0), OfflineKind.WORKSHOP, "Workshop: planning digital contents for children",
       "EDCN studio, Seoul", "publication", """
        From your online content brief to a production plan: learning goals, formats and the team a digital
        title needs. Bring your assignment from the online phase.
    """),
    _s(date(2024, 8, 22), (9, 30), (17, 0), OfflineKind.SITE_VISIT,
       "Site visit: Paju Book City and a children's digital publisher", "Paju Book City, Paju", "publication", """
        A day in Paju Book City: how Korean publishers of children's books work across print, e-books and
        apps, with a studio visit and a conversation with an editor. The bus leaves EDCN at 09:30.
    """),
    _s(date(2024, 8, 27), (10, 0), (17, 0), OfflineKind.WORKSHOP,
       "Workshop: storyboards, narration and accessibility", "EDCN studio, Seoul", "publication", """
        Storyboarding your title, recording narration, and making it work for children with visual or
        hearing impairments.
    """),
    _s(date(2024, 9, 3), (10, 0), (17, 0), OfflineKind.WORKSHOP,
       "Workshop: testing prototypes with children and teachers", "EDCN studio, Seoul", "publication", """
        Your prototype meets its audience: a morning of testing with a primary school class, an afternoon of
        changes.
    """),
    # Intensive track: Cultural Products (Design Council Busan)
    _s(date(2024, 8, 21), (10, 0), (17, 0), OfflineKind.WORKSHOP,
       "Workshop: design thinking sprint, empathise and define", "Design Council Busan", "products", """
        The first design sprint of the course: interviews with users, a problem statement and first ideas
        for a cultural product based on your online assignment.
    """),
    _s(date(2024, 8, 23), (10, 0), (16, 30), OfflineKind.SITE_VISIT,
       "Site visit: Busan makers and craft studios", "Yeongdo makers' workshops, Busan", "products", """
        Visits to makers who turn local heritage into products, and to a shop that sells them: materials,
        costs, and what sells.
    """),
    _s(date(2024, 8, 28), (10, 0), (17, 0), OfflineKind.WORKSHOP,
       "Workshop: prototyping cultural products with Busan makers", "Design Council Busan", "products", """
        Build and test a prototype with a maker; document what you learn for your final presentation.
    """),
    _s(date(2024, 9, 4), (10, 0), (17, 0), OfflineKind.WORKSHOP, "Workshop: pricing, branding and market testing",
       "Design Council Busan", "products", """
        Price your product, name it, and test it with visitors of a Busan design shop.
    """),
    # General track: Performing Arts 1 (Trust Dance Theatre, Seoul)
    _s(date(2024, 8, 20), (10, 0), (17, 0), OfflineKind.WORKSHOP,
       "Workshop: the performing arts ecosystem in Korea", "Trust Dance Theatre studio, Seoul", "arts1", """
        How companies, venues, funders and festivals work together in Korea, compared with the ecosystem
        maps you drew online.
    """),
    _s(date(2024, 8, 22), (14, 0), (22, 0), OfflineKind.SITE_VISIT,
       "Site visit: Daehangno theatre district and an evening performance", "Daehangno, Jongno-gu, Seoul",
       "arts1", """
        An afternoon with the producers of two small theatres in Daehangno, then a contemporary dance
        performance and a talk with the company.
    """),
    _s(date(2024, 8, 27), (10, 0), (17, 0), OfflineKind.WORKSHOP, "Workshop: making a dance film",
       "Trust Dance Theatre studio, Seoul", "arts1", """
        Filming dance for a screen: framing, movement for the camera and editing on a phone. Each team
        starts the dance film it presents at the end of the course.
    """),
    # General track: Performing Arts 2 (Chuncheon Puppet Festival)
    _s(date(2024, 8, 21), (10, 0), (17, 0), OfflineKind.WORKSHOP,
       "Workshop: designing citizen-led festival programs", "Chuncheon Puppet Festival office, Chuncheon",
       "arts2", """
        How the festival hands program decisions to citizens: the committees, the calls and the budget.
        The train to Chuncheon leaves Seoul at 08:00 (tickets from the program office).
    """),
    _s(date(2024, 8, 23), (10, 0), (17, 0), OfflineKind.SITE_VISIT,
       "Site visit: festival venues and citizen volunteer groups", "Chuncheon", "arts2", """
        The festival's venues across the city, a puppet workshop run by volunteers, and lunch with a
        neighbourhood committee.
    """),
    _s(date(2024, 8, 28), (10, 0), (17, 0), OfflineKind.WORKSHOP,
       "Workshop: co-creating a program strand with citizens", "Chuncheon Puppet Festival office, Chuncheon",
       "arts2", """
        Teams work with a citizen committee on one strand of a festival program, from the call to the
        selection.
    """),
    # General track together
    _s(date(2024, 9, 4), (10, 0), (16, 0), OfflineKind.PRESENTATION, "General track: final presentations",
       PROGRAM_OFFICE, "general", """
        Each team presents its work of the course (a dance film, a festival program strand) to the
        trainers, the program office and invited guests: 15 minutes and 10 minutes of questions.
    """),
    # CPI Day, with the Administrators program
    _s(_CPI_DAY, (13, 30), (17, 30), OfflineKind.FORUM,
       "CPI Cultural Policy Forum: Establishing Cultural Infrastructure in the Era of Cultural Convergence",
       FORUM_HALL, "program", _FORUM),
    _s(_CPI_DAY, (18, 30), (21, 0), OfflineKind.SOCIAL, "CPI Night", FORUM_HALL, "program", _NIGHT),
    _s(date(2024, 9, 6), (11, 0), (12, 30), OfflineKind.CEREMONY, "General track: closing ceremony",
       PROGRAM_OFFICE, "general", """
        Certificates for the general course, and a farewell lunch.
    """),
    # Intensive track together
    _s(date(2024, 9, 12), (10, 0), (16, 0), OfflineKind.PRESENTATION, "Intensive track: final presentations",
       PROGRAM_OFFICE, "intensive", """
        Each participant presents the digital title or the cultural product they developed: 15 minutes and
        10 minutes of questions from the trainers and invited publishers, designers and buyers.
    """),
    _s(date(2024, 9, 13), (11, 0), (12, 30), OfflineKind.CEREMONY, "Intensive track: closing ceremony",
       PROGRAM_OFFICE, "intensive", """
        Certificates for the intensive course, and a farewell lunch.
    """),
)

ADMINISTRATOR_SESSIONS = (
    _s(date(2024, 9, 2), (10, 0), (12, 0), OfflineKind.CEREMONY, "Opening ceremony and orientation",
       PROGRAM_OFFICE, "program", """
        Welcome to Seoul: the week ahead, the CPI Cultural Policy Forum on Thursday, and your delegation's
        presentation.
    """),
    _s(date(2024, 9, 2), (14, 0), (17, 30), OfflineKind.WORKSHOP,
       "Workshop: mapping cultural infrastructure in your country", PROGRAM_OFFICE, "program", """
        Delegations map their country's cultural facilities, institutions and networks, and pick the gap
        their action plan will address.
    """),
    _s(date(2024, 9, 3), (10, 0), (16, 30), OfflineKind.SITE_VISIT,
       "Site visit: Culture Station Seoul 284 and Seoul's creative spaces", "Culture Station Seoul 284, Seoul",
       "program", """
        How Seoul turned a railway station into a cultural complex, and how the city runs its creative
        spaces: a guided visit and a talk with the managers.
    """),
    _s(date(2024, 9, 4), (10, 0), (12, 30), OfflineKind.WORKSHOP, "Workshop: from policy idea to action plan",
       PROGRAM_OFFICE, "program", """
        Objectives, instruments, partners, budget and indicators: turning your online draft into a country
        policy action plan.
    """),
    _s(date(2024, 9, 4), (14, 0), (17, 0), OfflineKind.PRESENTATION, "Delegation rehearsals with the trainers",
       PROGRAM_OFFICE, "program", """
        Each delegation rehearses its Forum presentation (10 minutes) and gets feedback.
    """),
    _s(_CPI_DAY, (13, 30), (17, 30), OfflineKind.FORUM,
       "CPI Cultural Policy Forum: Establishing Cultural Infrastructure in the Era of Cultural Convergence",
       FORUM_HALL, "program", _FORUM),
    _s(_CPI_DAY, (18, 30), (21, 0), OfflineKind.SOCIAL, "CPI Night", FORUM_HALL, "program", _NIGHT),
    _s(date(2024, 9, 6), (10, 0), (12, 30), OfflineKind.PRESENTATION,
       "Project presentations: country policy action plans", PROGRAM_OFFICE, "program", """
        Every delegation presents its final country policy action plan to the program office and invited
        guests from Korean cultural institutions.
    """),
    _s(date(2024, 9, 6), (14, 0), (15, 30), OfflineKind.CEREMONY, "Closing ceremony", PROGRAM_OFFICE, "program",
       """
        Certificates, a look back at the week, and a farewell.
    """),
)

OFFLINE_SESSIONS = {data.EXPERTS.code: EXPERT_SESSIONS, data.ADMINISTRATORS.code: ADMINISTRATOR_SESSIONS}


# --- Participation terms (what admitted participants accept before the offline phase) -----------------------

_TERMS = """
    ## Participation terms for the offline phase in Korea

    By confirming your place you agree to the following.

    1. **Attendance.** You take part in the whole offline phase of your {stay}. The certificate
       requires attending at least 80% of the offline sessions meant for you; tell the program office
       at once if illness or an emergency keeps you away.
    2. **Travel and stay.** The CPI Program Office books and pays a return economy flight from your
       country and your accommodation in Korea for the dates of your {stay}, and local transport to
       program activities. Changes you ask for after booking are at your own cost.
    3. **Visa and insurance.** You apply for your visa yourself with the program's invitation letter.
       The program office provides travel health insurance for the dates of the program; declare any
       condition that needs care.
    4. **Conduct.** You treat colleagues, trainers, hosts and staff with respect. Harassment of any kind
       ends your participation.
    5. **Photos and recordings.** Sessions may be photographed or filmed for the program's reports and
       website. Tell the program office if you do not want to appear.
    6. **Your information.** Your travel details, dietary and accessibility needs and emergency contact
       are seen only by you and the program office, used only to organise your stay, and deleted six
       months after the program ends.
    7. **If you cannot come.** Decline your place on this platform as early as you can, so that a
       colleague on the waiting list can take it.
"""


def participation_terms(spec: data.ProgramData) -> str:
    stay = "five days in Seoul" if spec.code == data.ADMINISTRATORS.code else "track (three or four weeks)"
    return _md(_TERMS).format(stay=stay)


# --- Loading -------------------------------------------------------------------------------------------------


def _korea(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=KOREA).astimezone(timezone.utc)


def load_offline_content(programs: dict[str, Program], shifts: dict[str, timedelta] | None = None) -> int:
    """Add every program's offline sessions and save its admission rules (the caller commits).

    ``programs`` maps program codes to their (flushed) rows; ``shifts`` moves
    a program's sessions by whole weeks (the activity's clock). Returns how
    many offline sessions were added.
    """
    shifts = shifts or {}
    added = 0
    for code, sessions in OFFLINE_SESSIONS.items():
        program = programs[code]
        shift = shifts.get(code, timedelta(0))
        tracks = {track.name: track for track in program.tracks}
        spec = next(spec for spec in data.PROGRAMS if spec.code == code)
        track_ids = {track.key: tracks[track.name].id for track in spec.tracks}
        module_ids = {
            module_spec.key: next(m.id for t in program.tracks for m in t.modules
                                  if m.short_title == module_spec.short_title)
            for module_spec in spec.modules
        }
        for session in sessions:
            if session.audience == "program":
                audience, audience_id = Audience.PROGRAM.value, program.id
            elif session.audience in track_ids:
                audience, audience_id = Audience.TRACK.value, track_ids[session.audience]
            else:
                audience, audience_id = Audience.MODULE.value, module_ids[session.audience]
            day = session.day + shift
            db.session.add(LiveSession(
                program_id=program.id, item_id=None, title=session.title, description=session.description,
                starts_at=_korea(day, session.starts), ends_at=_korea(day, session.ends),
                audience=audience, audience_id=audience_id, phase=Phase.OFFLINE.value,
                offline_kind=session.kind.value, location=session.location,
            ))
            added += 1
        # The program office's default admission rules, saved when the program was set up.
        save_rules(program, None, {}, None, note="Default rules of the program office.")
    db.session.flush()
    for code, program in programs.items():
        set_up = day_start(program.online_start, program.timezone) - timedelta(days=RULES_SET_DAYS_BEFORE)
        db.session.execute(
            AdmissionRulesChange.__table__.update()
            .where(AdmissionRulesChange.program_id == program.id)
            .values(changed_at=set_up)
        )
    return added
