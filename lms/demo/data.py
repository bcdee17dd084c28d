"""The demo data: the two 2024 CPI programs as the program office reported them.

Programs, dates, tracks, fields, module titles and training organisations are
real (from the 2024 CPI achievement report). The people are invented: names
that fit their countries, plausible institutions, reserved email domains
(example.org / example.com / demo.test) only. Everything here is fixed, so
tests can count it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

DEMO_PASSWORD = "demo-password-2024"
COORDINATOR_EMAIL = "coordinator@demo.test"
TRAINER_EMAIL = "trainer@demo.test"
PARTICIPANT_EMAIL = "participant@demo.test"

HOST = "CPI Program Office"


@dataclass(frozen=True)
class OrganisationData:
    name: str
    kind: str  # "host" | "training_partner"
    city: str
    short_name: str | None = None
    description: str | None = None
    country: str = "KR"


@dataclass(frozen=True)
class TrackData:
    key: str
    name: str
    offline: tuple[date, date]
    location: str
    description: str


@dataclass(frozen=True)
class ModuleData:
    key: str
    track: str  # TrackData.key
    field: str
    title: str
    short_title: str
    organisation: str


@dataclass(frozen=True)
class ProgramData:
    code: str
    name: str
    year: int
    online: tuple[date, date]
    description: str
    tracks: tuple[TrackData, ...]
    modules: tuple[ModuleData, ...]
    timezone: str = "Asia/Seoul"


@dataclass(frozen=True)
class PersonData:
    name: str
    country: str  # ISO 3166-1 alpha-2
    timezone: str  # IANA
    organisation: str
    job_title: str
    email: str | None = None  # derived from the name when None


@dataclass(frozen=True)
class ParticipantData(PersonData):
    module: str = ""  # ModuleData.key


ORGANISATIONS = (
    OrganisationData(
        HOST, "host", "Seoul", short_name="CPI",
        description="Runs the Cultural Partnership Initiative (since 2005): the Cultural Experts and the "
                    "Cultural Administrators training programs, and CPI Day.",
    ),
    OrganisationData(
        "EDCN", "training_partner", "Seoul",
        description="Training organisation of the Publication module (digital-based contents for "
                    "children's education).",
    ),
    OrganisationData(
        "Design Council Busan", "training_partner", "Busan",
        description="Training organisation of the Cultural Products module (design thinking).",
    ),
    OrganisationData(
        "Trust Dance Theatre", "training_partner", "Seoul",
        description="Training organisation of the Performing Arts 1 module.",
    ),
    OrganisationData(
        "Chuncheon Puppet Festival", "training_partner", "Chuncheon",
        description="Training organisation of the Performing Arts 2 module (citizen-led festivals).",
    ),
)

FIELDS = ("Publication", "Cultural Products", "Performing Arts", "Cultural Policy")

EXPERTS = ProgramData(
    code="CETP-2024",
    name="2024 Cultural Experts Training Program",
    year=2024,
    online=(date(2024, 7, 22), date(2024, 8, 2)),
    description=(
        "Fosters the next generation of cultural exchange professionals: two weeks online, then an "
        "offline program in Korea in two parts, an intensive course (four weeks) and a general course "
        "(three weeks), across three fields and four specialised modules."
    ),
    tracks=(
        TrackData("intensive", "Intensive", (date(2024, 8, 19), date(2024, 9, 13)), "Seoul and Busan",
                  "Four weeks in Korea: Publication (EDCN, Seoul) and Cultural Products (Design Council Busan)."),
        TrackData("general", "General", (date(2024, 8, 19), date(2024, 9, 6)), "Seoul and Chuncheon",
                  "Three weeks in Korea: Performing Arts 1 (Seoul) and Performing Arts 2 (Chuncheon)."),
    ),
    modules=(
        ModuleData("publication", "intensive", "Publication",
                   "Capacity Building for Planning and Creating Digital-based Contents for Children’s Education",
                   "Publication", "EDCN"),
        ModuleData("products", "intensive", "Cultural Products",
                   "Capacity Building for Developing and Marketing Cultural Products Based on Design Thinking",
                   "Cultural Products", "Design Council Busan"),
        ModuleData("arts1", "general", "Performing Arts",
                   "Capacity Building for Performing Arts Professionals for a Sustainable Cultural and "
                   "Artistic Ecosystem",
                   "Performing Arts 1", "Trust Dance Theatre"),
        ModuleData("arts2", "general", "Performing Arts",
                   "Capacity Building for Developing Citizen-Led Festival Programs",
                   "Performing Arts 2", "Chuncheon Puppet Festival"),
    ),
)

ADMINISTRATORS = ProgramData(
    code="CATP-2024",
    name="2024 Cultural Administrators Training Program",
    year=2024,
    online=(date(2024, 8, 19), date(2024, 8, 23)),
    description=(
        "Five days online and five days in Korea for cultural administrators: hands-on workshops and "
        "project presentations on international collaboration, cultural planning and strategic thinking. "
        "Delegations present at the CPI Cultural Policy Forum on CPI Day (5 September 2024)."
    ),
    tracks=(
        TrackData("administrators", "Cultural Administrators", (date(2024, 9, 2), date(2024, 9, 6)), "Seoul",
                  "Five days in Seoul, including CPI Day and the CPI Cultural Policy Forum."),
    ),
    modules=(
        ModuleData("policy", "administrators", "Cultural Policy",
                   "Establishing Cultural Infrastructure in the Era of Cultural Convergence: Policy Design "
                   "and Practice",
                   "Cultural Policy", HOST),
    ),
)

PROGRAMS = (EXPERTS, ADMINISTRATORS)

# Program office staff (coordinators).
COORDINATORS = (
    PersonData("Seo-yeon Kim", "KR", "Asia/Seoul", HOST, "Program manager", email=COORDINATOR_EMAIL),
    PersonData("Min-jun Oh", "KR", "Asia/Seoul", HOST, "Program officer"),
)

# Two trainers per module, from the module's training organisation.
TRAINERS = {
    "publication": (
        PersonData("Ji-young Park", "KR", "Asia/Seoul", "EDCN", "Head of education programs", email=TRAINER_EMAIL),
        PersonData("Seung-hoon Lee", "KR", "Asia/Seoul", "EDCN", "Digital content producer"),
    ),
    "products": (
        PersonData("Min-seo Jung", "KR", "Asia/Seoul", "Design Council Busan", "Design thinking lead"),
        PersonData("Hyun-woo Cho", "KR", "Asia/Seoul", "Design Council Busan", "Brand strategist"),
    ),
    "arts1": (
        PersonData("Eun-ji Yoon", "KR", "Asia/Seoul", "Trust Dance Theatre", "Artistic director"),
        PersonData("Tae-yang Kwon", "KR", "Asia/Seoul", "Trust Dance Theatre", "Producer"),
    ),
    "arts2": (
        PersonData("So-yeon Han", "KR", "Asia/Seoul", "Chuncheon Puppet Festival", "Festival director"),
        PersonData("Jae-won Shin", "KR", "Asia/Seoul", "Chuncheon Puppet Festival", "Community programs manager"),
    ),
    "policy": (
        PersonData("Hye-jin Choi", "KR", "Asia/Seoul", HOST, "Senior researcher, cultural policy"),
        PersonData("Dong-hyun Kang", "KR", "Asia/Seoul", HOST, "Training program lead"),
    ),
}


def _p(name, country, timezone, organisation, job_title, module, email=None) -> ParticipantData:
    return ParticipantData(name, country, timezone, organisation, job_title, email=email, module=module)


# 2024 Cultural Experts Training Program: 47 participants from 18 countries.
EXPERT_PARTICIPANTS = (
    # Indonesia
    _p("Putri Ayu Lestari", "ID", "Asia/Jakarta", "Indonesian Children's Literacy Foundation", "Children's book editor", "publication"),
    _p("Made Wirawan", "ID", "Asia/Makassar", "Bali Creative Crafts Cooperative", "Product designer", "products"),
    _p("Rizky Pratama", "ID", "Asia/Jakarta", "Jakarta Arts Council", "Festival programmer", "arts2"),
    # Viet Nam
    _p("Nguyen Thi Lan", "VN", "Asia/Ho_Chi_Minh", "Hanoi Children's Publishing House", "Digital content editor", "publication"),
    _p("Tran Minh Duc", "VN", "Asia/Ho_Chi_Minh", "Ho Chi Minh City Ballet and Symphony Company", "Performance manager", "arts1"),
    _p("Le Hoang Anh", "VN", "Asia/Ho_Chi_Minh", "Hoi An Handicraft Centre", "Brand manager", "products"),
    # Philippines
    _p("Maria Clara Santos", "PH", "Asia/Manila", "Quezon City Children's Press", "Managing editor", "publication"),
    _p("Jose Miguel Reyes", "PH", "Asia/Manila", "Manila Contemporary Dance Company", "Dance program officer", "arts1"),
    _p("Andrea Villanueva", "PH", "Asia/Manila", "Bacolod Festival Foundation", "Community outreach coordinator", "arts2"),
    # Thailand
    _p("Siriporn Chaiyaporn", "TH", "Asia/Bangkok", "Chiang Mai Creative Design Centre", "Design researcher", "products"),
    _p("Nattapong Srisuk", "TH", "Asia/Bangkok", "Bangkok Theatre Network", "Producer", "arts1"),
    # Mongolia
    _p("Enkhjargal Batbayar", "MN", "Asia/Ulaanbaatar", "Mongolian Children's Book Association", "Illustrator and editor", "publication"),
    _p("Bat-Erdene Ganbold", "MN", "Asia/Ulaanbaatar", "Ulaanbaatar Song and Dance Ensemble", "Stage director", "arts1"),
    _p("Oyunchimeg Tserendorj", "MN", "Asia/Ulaanbaatar", "Naadam Cultural Festival Office", "Festival coordinator", "arts2"),
    # Kazakhstan
    _p("Aigerim Seitkali", "KZ", "Asia/Almaty", "Astana Youth Theatre", "Education program manager", "arts1"),
    _p("Daniyar Omarov", "KZ", "Asia/Almaty", "Almaty Design Hub", "Creative entrepreneur", "products"),
    # Uzbekistan
    _p("Dilnoza Karimova", "UZ", "Asia/Tashkent", "Tashkent Institute of Arts and Culture", "Lecturer in festival management", "arts2"),
    _p("Jasur Rakhimov", "UZ", "Asia/Samarkand", "Samarkand Crafts Centre", "Marketing officer", "products"),
    _p("Malika Yusupova", "UZ", "Asia/Tashkent", "Tashkent Children's Library", "Digital services librarian", "publication"),
    # India
    _p("Priya Raghavan", "IN", "Asia/Kolkata", "Kahani Children's Press", "Commissioning editor", "publication"),
    _p("Arjun Mehta", "IN", "Asia/Kolkata", "Ahmedabad Crafts Collective", "Product development lead", "products"),
    _p("Kavya Nair", "IN", "Asia/Kolkata", "Kerala Folk Arts Academy", "Arts administrator", "arts2"),
    # Kenya
    _p("Wanjiru Kamau", "KE", "Africa/Nairobi", "Nairobi Young Readers Trust", "Content producer", "publication",
       email=PARTICIPANT_EMAIL),
    _p("Otieno Odhiambo", "KE", "Africa/Nairobi", "Nairobi Performing Arts Centre", "Stage manager", "arts1"),
    _p("Mercy Achieng", "KE", "Africa/Nairobi", "Lamu Cultural Festival Committee", "Program coordinator", "arts2"),
    # Nigeria
    _p("Chiamaka Okonkwo", "NG", "Africa/Lagos", "Lagos Book and Art Festival", "Festival producer", "arts2"),
    _p("Oluwaseun Adeyemi", "NG", "Africa/Lagos", "Ibadan Textile and Design Studio", "Creative director", "products"),
    _p("Emeka Nwosu", "NG", "Africa/Lagos", "Abuja Contemporary Dance Company", "Choreographer", "arts1"),
    # Ghana
    _p("Akosua Mensah", "GH", "Africa/Accra", "Accra Children's Reading Network", "Program officer", "publication"),
    _p("Kwame Boateng", "GH", "Africa/Accra", "Bonwire Kente Heritage Studio", "Design entrepreneur", "products"),
    # Egypt
    _p("Nour El-Sayed", "EG", "Africa/Cairo", "Cairo Children's Literature Centre", "Digital publishing officer", "publication"),
    _p("Omar Farouk", "EG", "Africa/Cairo", "Alexandria Performing Arts Centre", "Production manager", "arts1"),
    _p("Yasmin Hassan", "EG", "Africa/Cairo", "Egyptian Crafts Design Lab", "Product designer", "products"),
    # Brazil
    _p("Ana Beatriz Souza", "BR", "America/Sao_Paulo", "São Paulo Independent Theatre Cooperative", "Producer", "arts1"),
    _p("Lucas Ferreira", "BR", "America/Recife", "Recife Street Carnival Association", "Community program manager", "arts2"),
    _p("Camila Rocha", "BR", "America/Manaus", "Amazonian Crafts Institute", "Marketing coordinator", "products"),
    # Mexico
    _p("Sofía Hernández", "MX", "America/Mexico_City", "Ediciones Colibrí", "Digital editor", "publication"),
    _p("Diego Ramírez", "MX", "America/Merida", "Yucatán Culture Festival", "Festival coordinator", "arts2"),
    # Colombia
    _p("Valentina Gómez", "CO", "America/Bogota", "Medellín Contemporary Dance Collective", "Artistic director", "arts1"),
    _p("Santiago Martínez", "CO", "America/Bogota", "Bogotá Design Week", "Creative industries adviser", "products"),
    _p("Isabella Castro", "CO", "America/Bogota", "Cali Puppet and Object Theatre Festival", "Program manager", "arts2"),
    # Peru
    _p("Mateo Quispe", "PE", "America/Lima", "Cusco Living Heritage Association", "Festival coordinator", "arts2"),
    _p("Lucía Torres", "PE", "America/Lima", "Lima Children's Book Fair", "Content coordinator", "publication"),
    # Türkiye
    _p("Elif Yılmaz", "TR", "Europe/Istanbul", "Istanbul Contemporary Dance Platform", "Producer", "arts1"),
    _p("Mehmet Demir", "TR", "Europe/Istanbul", "Anatolian Puppet Theatre Festival", "Festival manager", "arts2"),
    # Georgia
    _p("Nino Beridze", "GE", "Asia/Tbilisi", "Georgian Crafts Collective", "Product manager", "products"),
    _p("Giorgi Kapanadze", "GE", "Asia/Tbilisi", "Tbilisi Children's Publishing House", "Editor", "publication"),
)

# 2024 Cultural Administrators Training Program: 20 administrators from 9 countries,
# in country delegations that present together at the CPI Cultural Policy Forum.
ADMINISTRATOR_PARTICIPANTS = (
    # Viet Nam
    _p("Pham Thu Trang", "VN", "Asia/Ho_Chi_Minh", "Ministry of Culture, Sports and Tourism (Viet Nam)", "Deputy head, international cooperation", "policy"),
    _p("Do Quang Huy", "VN", "Asia/Ho_Chi_Minh", "Hanoi Department of Culture and Sports", "Cultural policy officer", "policy"),
    _p("Vu Ngoc Mai", "VN", "Asia/Ho_Chi_Minh", "Viet Nam National Institute of Culture and Arts Studies", "Researcher", "policy"),
    # Cambodia
    _p("Sokha Chan", "KH", "Asia/Phnom_Penh", "Ministry of Culture and Fine Arts (Cambodia)", "Deputy director, performing arts", "policy"),
    _p("Dara Pich", "KH", "Asia/Phnom_Penh", "Siem Reap Provincial Department of Culture", "Heritage officer", "policy"),
    # Laos
    _p("Souphanh Keomany", "LA", "Asia/Vientiane", "Ministry of Information, Culture and Tourism (Lao PDR)", "Technical officer", "policy"),
    _p("Khamla Phommachanh", "LA", "Asia/Vientiane", "Luang Prabang Heritage Office", "Deputy director", "policy"),
    # Mongolia
    _p("Tsetsegmaa Dorj", "MN", "Asia/Ulaanbaatar", "Ministry of Culture of Mongolia", "Senior officer, cultural industries", "policy"),
    _p("Ganzorig Purevsuren", "MN", "Asia/Ulaanbaatar", "Ulaanbaatar City Culture Department", "Head of division", "policy"),
    # Uzbekistan
    _p("Nodira Saidova", "UZ", "Asia/Tashkent", "Ministry of Culture of the Republic of Uzbekistan", "Chief specialist", "policy"),
    _p("Bekzod Tursunov", "UZ", "Asia/Samarkand", "Bukhara Regional Department of Culture", "Deputy head", "policy"),
    # Sri Lanka
    _p("Nadeesha Perera", "LK", "Asia/Colombo", "Department of Cultural Affairs (Sri Lanka)", "Assistant director", "policy"),
    _p("Ruwan Jayasinghe", "LK", "Asia/Colombo", "Central Cultural Fund (Sri Lanka)", "Cultural development officer", "policy"),
    _p("Tharushi Fernando", "LK", "Asia/Colombo", "Kandy Municipal Council", "Culture and events officer", "policy"),
    # Ethiopia
    _p("Hana Tesfaye", "ET", "Africa/Addis_Ababa", "Ministry of Tourism (Ethiopia)", "Cultural heritage expert", "policy"),
    _p("Dawit Alemu", "ET", "Africa/Addis_Ababa", "Addis Ababa Culture and Arts Bureau", "Team leader", "policy"),
    # Kenya
    _p("Njeri Mwangi", "KE", "Africa/Nairobi", "State Department for Culture and Heritage (Kenya)", "Culture officer", "policy"),
    _p("Brian Kiprotich", "KE", "Africa/Nairobi", "Nairobi County Culture Department", "Deputy director", "policy"),
    # Peru
    _p("Carmen Huamán", "PE", "America/Lima", "Ministry of Culture of Peru", "Policy specialist", "policy"),
    _p("Jorge Mendoza", "PE", "America/Lima", "Arequipa Regional Directorate of Culture", "Program coordinator", "policy"),
)

PARTICIPANTS = {EXPERTS.code: EXPERT_PARTICIPANTS, ADMINISTRATORS.code: ADMINISTRATOR_PARTICIPANTS}

# Country delegations of the Administrators program (ISO code -> group name).
DELEGATIONS = {
    "VN": "Delegation: Viet Nam",
    "KH": "Delegation: Cambodia",
    "LA": "Delegation: Lao PDR",
    "MN": "Delegation: Mongolia",
    "UZ": "Delegation: Uzbekistan",
    "LK": "Delegation: Sri Lanka",
    "ET": "Delegation: Ethiopia",
    "KE": "Delegation: Kenya",
    "PE": "Delegation: Peru",
}

# The Experts program works in presentation teams: two per module (A and B, alternating).
TEAMS_PER_MODULE = ("A", "B")


def team_name(module: ModuleData, letter: str) -> str:
    return f"{module.short_title} team {letter}"
