//! Writes event descriptions: sentence templates whose `{slots}` are filled from a theme's
//! vocabulary and the event's own facts (organizer, place, dates), 80 to 400 words long.

use std::fmt::Write as _;

use chrono::{Datelike, NaiveDate};

use super::places::Region;
use super::vocabulary::{Theme, DONORS, NUMBER_WORDS};
use super::Draw;

/// Fewest words in a description.
pub const MIN_WORDS: usize = 80;
/// Most words in a description.
pub const MAX_WORDS: usize = 400;

/// The facts of one event that its description may mention.
pub(super) struct Facts {
    pub theme: &'static Theme,
    pub event_type: &'static str,
    /// The organizing unit's own name, e.g. "Strategic Police Matters Unit".
    pub unit: &'static str,
    /// The field operation the unit belongs to, named after it ("… of the OSCE Mission to …").
    pub unit_of: Option<&'static str>,
    pub city: Option<&'static str>,
    pub country: Option<&'static str>,
    pub region: Region,
    /// Number of participating countries.
    pub states: usize,
    pub start: Option<NaiveDate>,
    pub end: Option<NaiveDate>,
}

/// First sentences: what the event was for.
pub(super) static OPENINGS: &[&str] = &[
    "The aim of the {event} was to {goal}, as well as to {goal}.",
    "The {event} brought together {people} from {where} to {goal}.",
    "Organized by {unit}, the {event} focused on {issue} and {practice}.",
    "{Unit} held {an_event} {place} to {goal}.",
    "The purpose of the {event} was to {goal} and to {goal}.",
    "This {event} was designed to help participants {goal}.",
    "{People} from {where} gathered {place} for {an_event} on {issue}.",
    "The {event} aimed to {goal} and to raise awareness of {issue}.",
];

/// Background sentences: why the subject matters.
pub(super) static CONTEXT: &[&str] = &[
    "Addressing {issue} remains a serious challenge for {region}.",
    "Responses to {issue} require co-operation across borders and between agencies.",
    "In recent years, the OSCE participating States have paid growing attention to {issue} and {issue}.",
    "National authorities have made progress in tackling {issue}, but gaps remain in {practice}.",
    "Effective responses to {issue} require close co-operation between {people} and {people}.",
    "Concerns about {issue} have grown across {region} over the past years.",
    "The OSCE has long recognized that {issue} can undermine security and stability.",
    "Several participating States have requested OSCE support in tackling {issue}.",
    "Reports from OSCE field operations point to {issue} as a growing concern in {region}.",
    "{Region} faces problems related to {issue} that are not country-specific but regional in nature.",
];

/// Body sentences: what happened at the event.
pub(super) static BODY: &[&str] = &[
    "Participants discussed {issue}, {issue} and {issue}.",
    "The sessions covered {practice} and {practice}, combining expert presentations with practical exercises.",
    "Experts from {partner} and {partner} shared good practices in {practice}.",
    "A practical exercise on {practice} allowed participants to apply the knowledge gained during the {event}.",
    "The programme included case studies on {issue} drawn from {region}.",
    "Speakers highlighted the importance of {practice} in addressing {issue}.",
    "Working groups examined national approaches to {issue} and identified needs for further assistance.",
    "Representatives of {partner} presented recent trends in {issue}.",
    "Particular attention was paid to the gender dimension of {issue} and to the protection of human rights.",
    "Participants also exchanged views on {practice} and on ways to improve information sharing among {people}.",
    "The discussions showed that progress against {issue} depends on {practice}.",
    "{People} from {where} described the challenges they face in their daily work.",
    "Each delegation presented its national experience with {practice}, followed by a moderated discussion.",
    "In the afternoon session, the discussion turned to {issue} and the role of {partner}.",
    "The trainers used interactive methods, including role plays and group work on {practice}.",
    "Participants agreed that {practice} and {practice} are essential to prevent {issue}.",
    "A panel of {people} discussed lessons learned in addressing {issue}.",
    "Experts of {partner} contributed their expertise on {practice}.",
];

/// Last sentences that need no date.
pub(super) static CLOSINGS: &[&str] = &[
    "The {event} concluded with recommendations on {practice} and {practice}.",
    "Participants agreed to continue regional co-operation and to maintain the contacts established during the {event}.",
    "The outcomes of the {event} will inform future OSCE assistance to participating States in this field.",
    "The {event} is part of a wider OSCE project to {goal}.",
    "It was funded through extra-budgetary contributions from {donor} and {donor}.",
    "A report summarizing the main conclusions will be shared with all participants.",
];

/// Last sentences that state the dates.
pub(super) static DATED_CLOSINGS: &[&str] = &[
    "{Unit} conducted the {event} on {dates} {place}.",
    "The {event} took place on {dates} {place} and was attended by {count} participants.",
    "In response to these challenges, {unit} organized the {event} on {dates} {place}.",
];

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// Which vocabulary pool a slot draws from; each remembers what it already gave.
#[derive(Clone, Copy)]
enum Pool {
    Issue,
    Goal,
    Practice,
    Partner,
    People,
    Donor,
    Background,
}

/// A description being written.
struct Writer<'f> {
    facts: &'f Facts,
    out: String,
    words: usize,
    /// Per pool, a bit for each entry already used, so repetition comes only once a pool is spent.
    used: [u64; 7],
}

/// Writes the description of an event: 80 to 400 words in paragraphs separated by blank lines.
pub(super) fn describe(d: &mut Draw, facts: &Facts) -> String {
    let target = (85 + d.below(100) + d.below(100) + if d.chance(15) { d.below(160) } else { 0 })
        .min(MAX_WORDS - 5);
    let mut w = Writer { facts, out: String::with_capacity(2 * 1024), words: 0, used: [0; 7] };

    // The closing is written first, aside, so the body knows how many words remain for it.
    let dated = facts.start.is_some() && d.chance(55);
    let last = d.pick(if dated { DATED_CLOSINGS } else { CLOSINGS });
    w.sentence(d, last, MAX_WORDS);
    if d.chance(40) {
        let other = d.pick(CLOSINGS);
        w.sentence(d, other, MAX_WORDS);
    }
    let closing = std::mem::take(&mut w.out);
    let closing_words = std::mem::replace(&mut w.words, 0);
    let limit = MAX_WORDS - closing_words;
    let goal = target.saturating_sub(closing_words);

    let opening = d.pick(OPENINGS);
    w.sentence(d, opening, limit);
    if d.chance(35) {
        w.background(d, limit);
    }
    w.paragraph();
    for _ in 0..1 + d.below(2) {
        let context = d.pick(CONTEXT);
        w.sentence(d, context, limit);
    }
    if d.chance(50) && w.backgrounds_left() {
        w.background(d, limit);
    }
    let mut in_paragraph = 0;
    let mut misses = 0;
    w.paragraph();
    while w.words < goal.max(MIN_WORDS - closing_words.min(MIN_WORDS)) && misses < 8 {
        if in_paragraph >= 2 && d.chance(40) {
            w.paragraph();
            in_paragraph = 0;
        }
        let fitted = match d.below(10) {
            0 => {
                let context = d.pick(CONTEXT);
                w.sentence(d, context, limit)
            }
            1 if w.backgrounds_left() => w.background(d, limit),
            _ => {
                let body = d.pick(BODY);
                w.sentence(d, body, limit)
            }
        };
        if fitted {
            in_paragraph += 1;
        } else {
            misses += 1;
        }
    }
    w.paragraph();
    w.out.push_str(&closing);
    w.out
}

impl Writer<'_> {
    /// Starts a new paragraph, unless one was just started.
    fn paragraph(&mut self) {
        if !self.out.is_empty() && !self.out.ends_with('\n') {
            self.out.push_str("\n\n");
        }
    }

    /// Appends one rendered template if the text stays within `limit` words.
    fn sentence(&mut self, d: &mut Draw, template: &str, limit: usize) -> bool {
        let (mark, used) = (self.out.len(), self.used);
        if !self.out.is_empty() && !self.out.ends_with('\n') {
            self.out.push(' ');
        }
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            self.out.push_str(&rest[..open]);
            let close = open + rest[open..].find('}').unwrap_or(rest.len() - open - 1);
            self.slot(d, &rest[open + 1..close]);
            rest = &rest[close + 1..];
        }
        self.out.push_str(rest);
        self.fits(mark, used, limit)
    }

    /// Whether some background sentence of the theme has not been used yet.
    fn backgrounds_left(&self) -> bool {
        let all = (1u64 << self.facts.theme.background.len()) - 1;
        self.used[Pool::Background as usize] & all != all
    }

    /// Appends one of the theme's background sentences, as it stands.
    fn background(&mut self, d: &mut Draw, limit: usize) -> bool {
        let (mark, used) = (self.out.len(), self.used);
        if !self.out.is_empty() && !self.out.ends_with('\n') {
            self.out.push(' ');
        }
        let text = self.draw(d, Pool::Background);
        self.out.push_str(text);
        self.fits(mark, used, limit)
    }

    /// Keeps what was written since `mark` if it fits within `limit` words, else takes it back
    /// and restores the record of used entries to `used`.
    fn fits(&mut self, mark: usize, used: [u64; 7], limit: usize) -> bool {
        let added = self.out[mark..].split_whitespace().count();
        if self.words + added > limit {
            self.out.truncate(mark);
            self.used = used;
            false
        } else {
            self.words += added;
            true
        }
    }

    /// Draws from a pool, preferring entries not yet used in this description.
    fn draw(&mut self, d: &mut Draw, pool: Pool) -> &'static str {
        let theme = self.facts.theme;
        let items: &'static [&'static str] = match pool {
            Pool::Issue => theme.issues,
            Pool::Goal => theme.goals,
            Pool::Practice => theme.practices,
            Pool::Partner => theme.partners,
            Pool::People => theme.people,
            Pool::Donor => DONORS,
            Pool::Background => theme.background,
        };
        let used = &mut self.used[pool as usize];
        let all = (1u64 << items.len()) - 1;
        let fresh = (all & !*used).count_ones() as usize;
        let index = if fresh == 0 {
            d.below(items.len())
        } else {
            let skip = d.below(fresh);
            (0..items.len())
                .filter(|i| *used & (1 << i) == 0)
                .nth(skip)
                .unwrap_or(0)
        };
        *used |= 1 << index;
        items[index]
    }

    /// Writes the value of one `{slot}`; a capitalized name capitalizes the value.
    fn slot(&mut self, d: &mut Draw, name: &str) {
        let facts = self.facts;
        let start = self.out.len();
        let is = |key: &str| name.eq_ignore_ascii_case(key);
        if is("event") {
            self.out.push_str(facts.event_type);
        } else if is("an_event") {
            let vowel = facts.event_type.starts_with(['a', 'e', 'i', 'o', 'u']);
            self.out.push_str(if vowel { "an " } else { "a " });
            self.out.push_str(facts.event_type);
        } else if is("issue") {
            self.push_drawn(d, Pool::Issue);
        } else if is("goal") {
            self.push_drawn(d, Pool::Goal);
        } else if is("practice") {
            self.push_drawn(d, Pool::Practice);
        } else if is("partner") {
            self.push_drawn(d, Pool::Partner);
        } else if is("people") {
            self.push_drawn(d, Pool::People);
        } else if is("donor") {
            self.push_drawn(d, Pool::Donor);
        } else if is("region") {
            self.out.push_str(facts.region.phrase());
        } else if is("unit") {
            self.out.push_str("the ");
            self.out.push_str(facts.unit);
            if let Some(of) = facts.unit_of {
                self.out.push_str(" of the ");
                self.out.push_str(of);
            }
        } else if is("place") {
            match facts.city.or(facts.country) {
                Some(place) => {
                    self.out.push_str("in ");
                    self.out.push_str(place);
                }
                None => self.out.push_str("online"),
            }
        } else if is("where") {
            match NUMBER_WORDS.get(facts.states) {
                Some(number) if facts.states >= 2 => {
                    self.out.push_str(number);
                    self.out.push_str(" countries");
                }
                _ => {
                    self.out.push_str("across ");
                    self.out.push_str(facts.region.phrase());
                }
            }
        } else if is("count") {
            let _ = write!(self.out, "{}", 12 + d.below(100));
        } else if is("dates") {
            self.dates();
        } else {
            debug_assert!(false, "unknown template slot {{{name}}}");
        }
        let capitalize = name.starts_with(|c: char| c.is_ascii_uppercase());
        if capitalize && self.out.len() > start && self.out.is_char_boundary(start + 1) {
            self.out[start..start + 1].make_ascii_uppercase();
        }
    }

    fn push_drawn(&mut self, d: &mut Draw, pool: Pool) {
        let text = self.draw(d, pool);
        self.out.push_str(text);
    }

    /// "23 November 2009", "23-24 November 2009", "30 November to 2 December 2009" or
    /// "30 December 2009 to 2 January 2010".
    fn dates(&mut self) {
        let Some(start) = self.facts.start else {
            self.out.push_str("the scheduled dates");
            return;
        };
        let month = |date: NaiveDate| MONTHS[date.month0() as usize];
        let out = &mut self.out;
        let _ = match self.facts.end.filter(|end| *end > start) {
            None => write!(out, "{} {} {}", start.day(), month(start), start.year()),
            Some(end) if end.month() == start.month() => {
                write!(out, "{}-{} {} {}", start.day(), end.day(), month(start), start.year())
            }
            Some(end) if end.year() == start.year() => write!(
                out,
                "{} {} to {} {} {}",
                start.day(),
                month(start),
                end.day(),
                month(end),
                end.year()
            ),
            Some(end) => write!(
                out,
                "{} {} {} to {} {} {}",
                start.day(),
                month(start),
                start.year(),
                end.day(),
                month(end),
                end.year()
            ),
        };
    }
}
