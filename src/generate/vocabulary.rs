//! Fixed vocabulary of the synthetic events: topics, audiences, event types and organizers.
//!
//! Everything here is a static slice of `&str`, so drawing from it allocates nothing. The
//! themes that give an event its subject matter live in the `themes_*` modules beside this one.

/// The three OSCE dimensions of security.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dimension {
    /// Police, borders, terrorism, arms control, cyber security.
    PoliticoMilitary,
    /// Good governance, money laundering, environment, migration.
    EconomicEnvironmental,
    /// Elections, media, human rights, tolerance, minorities, gender.
    Human,
}

/// The subject matter of an event and the words used to write about it.
///
/// Phrases are written to fit sentence templates: `subjects` follow "workshop on …",
/// `issues` are problems ("… remains a challenge"), `goals` follow "to …", `practices` are
/// noun phrases of methods and tools, `people` are plural nouns, `background` whole sentences.
#[derive(Debug)]
pub struct Theme {
    /// The dimension of security the theme belongs to.
    pub dimension: Dimension,
    /// The field operation section (in [`DEPARTMENTS`]) that handles the theme.
    pub section: &'static str,
    /// Relative frequency among all themes.
    pub weight: u32,
    /// Title subjects, e.g. "combating illicit drug trafficking".
    pub subjects: &'static [&'static str],
    /// Subtitles, e.g. "Illicit drugs and chemical precursors".
    pub subtitles: &'static [&'static str],
    /// Topic labels from [`TOPICS`]; the first is always used.
    pub topics: &'static [&'static str],
    /// Audience labels from [`AUDIENCES`].
    pub audiences: &'static [&'static str],
    /// Organizer paths of the institutions that usually hold such events.
    pub units: &'static [&'static [&'static str]],
    /// Participants as a plural noun phrase, e.g. "border guards".
    pub people: &'static [&'static str],
    /// Problems the event addresses.
    pub issues: &'static [&'static str],
    /// Aims, as verb phrases following "to".
    pub goals: &'static [&'static str],
    /// Methods, tools and good practices.
    pub practices: &'static [&'static str],
    /// Partner organizations, with their article.
    pub partners: &'static [&'static str],
    /// Whole background sentences.
    pub background: &'static [&'static str],
}

/// A kind of event, its relative frequency and how many days past the first it may last.
#[derive(Debug)]
pub struct EventType {
    /// The label stored in `event_type`.
    pub name: &'static str,
    /// Relative frequency.
    pub weight: u32,
    /// Fewest extra days after the start date.
    pub min_extra_days: u32,
    /// Most extra days after the start date (at most 5).
    pub max_extra_days: u32,
    /// Words put before the type in a title ("Regional ", "Annual ", or nothing).
    pub scopes: &'static [&'static str],
}

/// The event types, with a skew toward workshops and training courses.
#[rustfmt::skip]
pub static EVENT_TYPES: &[EventType] = &[
    EventType { name: "workshop", weight: 30, min_extra_days: 0, max_extra_days: 2,
        scopes: &["Regional ", "National ", "Sub-regional ", "International ", "OSCE ",
                  "OSCE regional ", "Joint ", "Practical ", ""] },
    EventType { name: "training course", weight: 18, min_extra_days: 1, max_extra_days: 5,
        scopes: &["Basic ", "Advanced ", "Specialized ", "Regional ", "National ",
                  "Introductory ", ""] },
    EventType { name: "conference", weight: 14, min_extra_days: 0, max_extra_days: 2,
        scopes: &["Annual ", "High-level ", "OSCE-wide ", "International ", "Regional ",
                  "OSCE ", ""] },
    EventType { name: "seminar", weight: 10, min_extra_days: 0, max_extra_days: 2,
        scopes: &["Regional ", "National ", "International ", "Expert ", "OSCE ", ""] },
    EventType { name: "meeting", weight: 10, min_extra_days: 0, max_extra_days: 1,
        scopes: &["Annual ", "Regional ", "Co-ordination ", "Technical ", "OSCE ", ""] },
    EventType { name: "round table", weight: 7, min_extra_days: 0, max_extra_days: 0,
        scopes: &["National ", "Regional ", "Public ", "High-level ", ""] },
    EventType { name: "expert meeting", weight: 6, min_extra_days: 0, max_extra_days: 1,
        scopes: &["OSCE ", "Regional ", "International ", ""] },
    EventType { name: "study visit", weight: 5, min_extra_days: 2, max_extra_days: 5,
        scopes: &[""] },
];

/// The fixed list of topic labels.
pub static TOPICS: &[&str] = &[
    "organised crime",
    "drugs trafficking and/or drugs distribution",
    "chemical precursors",
    "border security and management",
    "travel document security",
    "customs",
    "cybercrime",
    "cyber/ICT security",
    "critical infrastructure protection",
    "community policing",
    "police reform",
    "police training",
    "forensic science",
    "criminal justice",
    "rule of law",
    "counter-terrorism",
    "violent extremism and radicalization that lead to terrorism",
    "financing of terrorism",
    "money laundering",
    "anti-corruption",
    "good governance",
    "small arms and light weapons",
    "stockpiles of conventional ammunition",
    "arms control",
    "confidence- and security-building measures",
    "conflict prevention",
    "trafficking in human beings",
    "migration",
    "hate crime",
    "tolerance and non-discrimination",
    "human rights",
    "national minorities",
    "Roma and Sinti",
    "elections",
    "democratic governance",
    "media freedom",
    "freedom of expression",
    "gender equality",
    "women, peace and security",
    "youth",
    "environmental security",
    "water governance",
    "energy security",
    "disaster risk reduction",
];

/// The fixed list of audience labels.
pub static AUDIENCES: &[&str] = &[
    "Experts",
    "OSCE staff",
    "Law enforcement officers",
    "Judges and prosecutors",
    "Civil society",
    "Government officials",
    "Parliamentarians",
    "International organizations",
    "Journalists",
    "Students",
    "Border guards",
    "Customs officers",
    "Academics",
    "Youth",
];

/// The OSCE as a whole.
pub const OSCE: &[&str] = &["OSCE"];
/// The OSCE Secretariat.
pub const SECRETARIAT: &[&str] = &["OSCE", "Secretariat"];
/// Transnational Threats Department.
pub const TNTD: &[&str] = &["OSCE", "Transnational Threats Department"];
/// Strategic Police Matters Unit.
pub const SPMU: &[&str] = &["OSCE", "Transnational Threats Department", "Strategic Police Matters Unit"];
/// A section of the Strategic Police Matters Unit.
pub const SPMU_INVESTIGATIONS: &[&str] = &[
    "OSCE",
    "Transnational Threats Department",
    "Strategic Police Matters Unit",
    "Criminal Investigations and Forensics Section",
];
/// Action against Terrorism Unit.
pub const ATU: &[&str] = &["OSCE", "Transnational Threats Department", "Action against Terrorism Unit"];
/// Border Security and Management Unit.
pub const BSMU: &[&str] = &["OSCE", "Transnational Threats Department", "Border Security and Management Unit"];
/// Cyber and ICT Security Unit.
pub const CYBER: &[&str] = &["OSCE", "Transnational Threats Department", "Cyber and ICT Security Unit"];
/// Border Management Staff College, part of a field operation.
pub const BMSC: &[&str] = &["OSCE", "OSCE Programme Office in Dushanbe", "Border Management Staff College"];
/// Conflict Prevention Centre.
pub const CPC: &[&str] = &["OSCE", "Secretariat", "Conflict Prevention Centre"];
/// Forum for Security Co-operation Support Section.
pub const FSC_SUPPORT: &[&str] =
    &["OSCE", "Secretariat", "Conflict Prevention Centre", "Forum for Security Co-operation Support Section"];
/// Policy Support Service of the Conflict Prevention Centre.
pub const CPC_POLICY: &[&str] = &["OSCE", "Secretariat", "Conflict Prevention Centre", "Policy Support Service"];
/// Office of the Co-ordinator of OSCE Economic and Environmental Activities.
pub const OCEEA: &[&str] =
    &["OSCE", "Secretariat", "Office of the Co-ordinator of OSCE Economic and Environmental Activities"];
/// Economic Governance Unit.
pub const OCEEA_GOVERNANCE: &[&str] = &[
    "OSCE",
    "Secretariat",
    "Office of the Co-ordinator of OSCE Economic and Environmental Activities",
    "Economic Governance Unit",
];
/// Environmental Activities Unit.
pub const OCEEA_ENVIRONMENT: &[&str] = &[
    "OSCE",
    "Secretariat",
    "Office of the Co-ordinator of OSCE Economic and Environmental Activities",
    "Environmental Activities Unit",
];
/// Gender Issues Programme.
pub const GENDER: &[&str] = &["OSCE", "Secretariat", "Gender Issues Programme"];
/// Office of the Special Representative for Combating Trafficking in Human Beings.
pub const CTHB: &[&str] = &[
    "OSCE",
    "Secretariat",
    "Office of the Special Representative and Co-ordinator for Combating Trafficking in Human Beings",
];
/// Office for Democratic Institutions and Human Rights.
pub const ODIHR: &[&str] = &["OSCE", "Office for Democratic Institutions and Human Rights"];
/// ODIHR Elections Department.
pub const ODIHR_ELECTIONS: &[&str] =
    &["OSCE", "Office for Democratic Institutions and Human Rights", "Elections Department"];
/// ODIHR election observation missions.
pub const ODIHR_OBSERVATION: &[&str] = &[
    "OSCE",
    "Office for Democratic Institutions and Human Rights",
    "Elections Department",
    "Election Observation Unit",
];
/// ODIHR Democratization Department.
pub const ODIHR_DEMOCRATIZATION: &[&str] =
    &["OSCE", "Office for Democratic Institutions and Human Rights", "Democratization Department"];
/// ODIHR Human Rights Department.
pub const ODIHR_HUMAN_RIGHTS: &[&str] =
    &["OSCE", "Office for Democratic Institutions and Human Rights", "Human Rights Department"];
/// ODIHR Tolerance and Non-Discrimination Department.
pub const ODIHR_TOLERANCE: &[&str] =
    &["OSCE", "Office for Democratic Institutions and Human Rights", "Tolerance and Non-Discrimination Department"];
/// ODIHR Contact Point for Roma and Sinti Issues.
pub const ODIHR_ROMA: &[&str] =
    &["OSCE", "Office for Democratic Institutions and Human Rights", "Contact Point for Roma and Sinti Issues"];
/// High Commissioner on National Minorities.
pub const HCNM: &[&str] = &["OSCE", "High Commissioner on National Minorities"];
/// Representative on Freedom of the Media.
pub const RFOM: &[&str] = &["OSCE", "Representative on Freedom of the Media"];
/// OSCE Parliamentary Assembly.
pub const PA: &[&str] = &["OSCE", "Parliamentary Assembly"];

/// An OSCE field operation and where it sits.
#[derive(Debug)]
pub struct FieldOperation {
    /// The unit name, second in an organizer path.
    pub name: &'static str,
    /// Host country, as named in the country table.
    pub country: &'static str,
    /// Seat of the operation.
    pub city: &'static str,
    /// Relative frequency as an organizer.
    pub weight: u32,
}

/// The field operations that organize events, past and present.
#[rustfmt::skip]
pub static FIELD_OPERATIONS: &[FieldOperation] = &[
    FieldOperation { name: "OSCE Presence in Albania", country: "Albania", city: "Tirana", weight: 8 },
    FieldOperation { name: "OSCE Mission to Bosnia and Herzegovina", country: "Bosnia and Herzegovina", city: "Sarajevo", weight: 12 },
    FieldOperation { name: "OSCE Mission in Kosovo", country: "Kosovo", city: "Pristina", weight: 10 },
    FieldOperation { name: "OSCE Mission to Montenegro", country: "Montenegro", city: "Podgorica", weight: 6 },
    FieldOperation { name: "OSCE Mission to Serbia", country: "Serbia", city: "Belgrade", weight: 10 },
    FieldOperation { name: "OSCE Mission to Skopje", country: "North Macedonia", city: "Skopje", weight: 8 },
    FieldOperation { name: "OSCE Mission to Croatia", country: "Croatia", city: "Zagreb", weight: 3 },
    FieldOperation { name: "OSCE Mission to Moldova", country: "Moldova", city: "Chisinau", weight: 6 },
    FieldOperation { name: "OSCE Project Co-ordinator in Ukraine", country: "Ukraine", city: "Kyiv", weight: 7 },
    FieldOperation { name: "OSCE Mission to Georgia", country: "Georgia", city: "Tbilisi", weight: 4 },
    FieldOperation { name: "OSCE Office in Yerevan", country: "Armenia", city: "Yerevan", weight: 5 },
    FieldOperation { name: "OSCE Office in Baku", country: "Azerbaijan", city: "Baku", weight: 4 },
    FieldOperation { name: "OSCE Programme Office in Astana", country: "Kazakhstan", city: "Astana", weight: 7 },
    FieldOperation { name: "OSCE Programme Office in Bishkek", country: "Kyrgyzstan", city: "Bishkek", weight: 9 },
    FieldOperation { name: "OSCE Programme Office in Dushanbe", country: "Tajikistan", city: "Dushanbe", weight: 9 },
    FieldOperation { name: "OSCE Project Co-ordinator in Uzbekistan", country: "Uzbekistan", city: "Tashkent", weight: 6 },
    FieldOperation { name: "OSCE Centre in Ashgabat", country: "Turkmenistan", city: "Ashgabat", weight: 5 },
];

/// A department of a field operation and its sections.
#[derive(Debug)]
pub struct Department {
    /// Department name, third in an organizer path.
    pub name: &'static str,
    /// Section names, fourth in an organizer path.
    pub sections: &'static [&'static str],
}

/// Departments found in field operations.
#[rustfmt::skip]
pub static DEPARTMENTS: &[Department] = &[
    Department { name: "Security Co-operation Department", sections: &["Police Development Section",
        "Transnational Threats Section", "Border Management Section", "Arms Control and Confidence-Building Section"] },
    Department { name: "Economic and Environmental Department",
        sections: &["Good Governance Section", "Environmental Section"] },
    Department { name: "Human Dimension Department", sections: &["Rule of Law Section", "Human Rights Section"] },
    Department { name: "Democratization Department",
        sections: &["Media Development Section", "Elections Support Section", "Democratic Governance Section"] },
];

/// Where an institution outside the field has its seat: (second path element, country, city).
pub static INSTITUTION_SEATS: &[(&str, &str, &str)] = &[
    ("Office for Democratic Institutions and Human Rights", "Poland", "Warsaw"),
    ("High Commissioner on National Minorities", "Netherlands", "The Hague"),
    ("Parliamentary Assembly", "Denmark", "Copenhagen"),
];

/// Donors of extra-budgetary contributions, as they are named in running text.
pub static DONORS: &[&str] = &[
    "Germany",
    "the United States",
    "Norway",
    "Switzerland",
    "Japan",
    "the European Union",
    "Austria",
    "Finland",
    "Sweden",
    "the United Kingdom",
    "Liechtenstein",
    "Italy",
    "Canada",
    "the Netherlands",
];

/// Number words for counts in running text, indexed by the number.
pub static NUMBER_WORDS: &[&str] = &[
    "no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
    "thirteen", "fourteen", "fifteen",
];
