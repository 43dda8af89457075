//! Writes event descriptions: sentence templates whose `{slots}` are filled from a theme's
//! vocabulary and the event's own facts (organizer, place, dates), 80 to 400 words long.

use std::fmt::Write as _;

use chrono::{Datelike, NaiveDate};

use super::places::Region;
use super::templates::{BODY, CLOSINGS, CONTEXT, DATED_CLOSINGS, OPENINGS};
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

/// A list a description draws from without repeating itself until the list is spent.
#[derive(Clone, Copy)]
enum Pool {
    Issue,
    Goal,
    Practice,
    Partner,
    People,
    Donor,
    Background,
    Opening,
    Context,
    Body,
    Closing,
    DatedClosing,
}

const POOLS: usize = 12;

/// A description being written.
struct Writer<'f> {
    facts: &'f Facts,
    out: String,
    words: usize,
    /// How many people attended, should the text say so.
    attendance: usize,
    /// Per pool, a bit for each entry already used in the description.
    used: [u64; POOLS],
    /// Per pool, the entries used in the sentence being written.
    in_sentence: [u64; POOLS],
}

/// Writes the description of an event: 80 to 400 words in paragraphs separated by blank lines.
pub(super) fn describe(d: &mut Draw, facts: &Facts) -> String {
    let target = (85 + d.below(100) + d.below(100) + if d.chance(15) { d.below(160) } else { 0 }).min(MAX_WORDS - 5);
    let mut w = Writer {
        facts,
        out: String::with_capacity(2 * 1024),
        words: 0,
        attendance: 12 + d.below(100),
        used: [0; POOLS],
        in_sentence: [0; POOLS],
    };

    // The closing is written first, aside, so the body knows how many words remain for it.
    let dated = facts.start.is_some() && d.chance(55);
    w.sentence(d, if dated { Pool::DatedClosing } else { Pool::Closing }, MAX_WORDS);
    if d.chance(40) {
        w.sentence(d, Pool::Closing, MAX_WORDS);
    }
    let closing = std::mem::take(&mut w.out);
    let closing_words = std::mem::replace(&mut w.words, 0);
    let limit = MAX_WORDS - closing_words;
    let goal = target.saturating_sub(closing_words).max(MIN_WORDS.saturating_sub(closing_words));

    w.sentence(d, Pool::Opening, limit);
    if d.chance(35) {
        w.sentence(d, Pool::Background, limit);
    }
    w.paragraph();
    for _ in 0..1 + d.below(2) {
        w.sentence(d, Pool::Context, limit);
    }
    if d.chance(50) {
        w.sentence(d, Pool::Background, limit);
    }
    let mut in_paragraph = 0;
    let mut misses = 0;
    w.paragraph();
    while w.words < goal && misses < 8 {
        if in_paragraph >= 2 && d.chance(40) {
            w.paragraph();
            in_paragraph = 0;
        }
        let pool = match d.below(10) {
            0 if w.left(Pool::Context) => Pool::Context,
            1 if w.left(Pool::Background) => Pool::Background,
            _ => Pool::Body,
        };
        if w.sentence(d, pool, limit) {
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

    /// The entries of a pool.
    fn items(&self, pool: Pool) -> &'static [&'static str] {
        let theme = self.facts.theme;
        match pool {
            Pool::Issue => theme.issues,
            Pool::Goal => theme.goals,
            Pool::Practice => theme.practices,
            Pool::Partner => theme.partners,
            Pool::People => theme.people,
            Pool::Donor => DONORS,
            Pool::Background => theme.background,
            Pool::Opening => OPENINGS,
            Pool::Context => CONTEXT,
            Pool::Body => BODY,
            Pool::Closing => CLOSINGS,
            Pool::DatedClosing => DATED_CLOSINGS,
        }
    }

    /// Whether a pool has entries not used yet.
    fn left(&self, pool: Pool) -> bool {
        let all = (1u64 << self.items(pool).len()) - 1;
        all & !self.used[pool as usize] != 0
    }

    /// Appends a sentence drawn from a template pool if the text stays within `limit` words.
    fn sentence(&mut self, d: &mut Draw, pool: Pool, limit: usize) -> bool {
        let (mark, used) = (self.out.len(), self.used);
        self.in_sentence = [0; POOLS];
        if !self.out.is_empty() && !self.out.ends_with('\n') {
            self.out.push(' ');
        }
        let mut rest = self.draw(d, pool);
        while let Some(open) = rest.find('{') {
            self.out.push_str(&rest[..open]);
            let close = open + rest[open..].find('}').unwrap_or(rest.len() - open - 1);
            self.slot(d, &rest[open + 1..close]);
            rest = &rest[close + 1..];
        }
        self.out.push_str(rest);
        self.fits(mark, used, limit)
    }

    /// Keeps what was written since `mark` if it fits within `limit` words, else takes it back
    /// and restores the record of used entries to `used`.
    fn fits(&mut self, mark: usize, used: [u64; POOLS], limit: usize) -> bool {
        // Words are separated by single spaces, so counting spaces counts words, and fast.
        let written = &self.out[mark..];
        let spaces = written.bytes().filter(|b| *b == b' ').count();
        let added = if written.starts_with(' ') { spaces } else { spaces + 1 };
        debug_assert_eq!(added, written.split_whitespace().count(), "{written:?}");
        if self.words + added > limit {
            self.out.truncate(mark);
            self.used = used;
            false
        } else {
            self.words += added;
            true
        }
    }

    /// Draws from a pool an entry not used yet in the description; once the pool is spent, it
    /// starts over, still avoiding what the current sentence already used.
    fn draw(&mut self, d: &mut Draw, pool: Pool) -> &'static str {
        let items = self.items(pool);
        let all = (1u64 << items.len()) - 1;
        let p = pool as usize;
        if all & !self.used[p] == 0 {
            self.used[p] = self.in_sentence[p];
        }
        let fresh = all & !self.used[p];
        let index = match fresh.count_ones() as usize {
            0 => d.below(items.len()),
            n => {
                let skip = d.below(n);
                (0..items.len()).filter(|i| fresh & (1 << i) != 0).nth(skip).unwrap_or(0)
            }
        };
        self.used[p] |= 1 << index;
        self.in_sentence[p] |= 1 << index;
        items[index]
    }

    /// Writes the value of one `{slot}`; a capitalized name capitalizes the value.
    fn slot(&mut self, d: &mut Draw, name: &str) {
        let facts = self.facts;
        let start = self.out.len();
        match name {
            "event" | "Event" => self.out.push_str(facts.event_type),
            "an_event" | "An_event" => {
                let vowel = facts.event_type.starts_with(['a', 'e', 'i', 'o', 'u']);
                self.out.push_str(if vowel { "an " } else { "a " });
                self.out.push_str(facts.event_type);
            }
            "issue" | "Issue" => self.push_drawn(d, Pool::Issue),
            "goal" | "Goal" => self.push_drawn(d, Pool::Goal),
            "practice" | "Practice" => self.push_drawn(d, Pool::Practice),
            "partner" | "Partner" => self.push_drawn(d, Pool::Partner),
            "people" | "People" => self.push_drawn(d, Pool::People),
            "donor" | "Donor" => self.push_drawn(d, Pool::Donor),
            "region" | "Region" => self.out.push_str(facts.region.phrase()),
            "unit" | "Unit" => {
                self.out.push_str("the ");
                self.out.push_str(facts.unit);
                if let Some(of) = facts.unit_of {
                    self.out.push_str(" of the ");
                    self.out.push_str(of);
                }
            }
            "place" | "Place" => match facts.city.or(facts.country) {
                Some(place) => {
                    self.out.push_str("in ");
                    self.out.push_str(place);
                }
                None => self.out.push_str("online"),
            },
            "where" | "Where" => match NUMBER_WORDS.get(facts.states) {
                Some(number) if facts.states >= 2 => {
                    self.out.push_str(number);
                    self.out.push_str(" countries");
                }
                _ => {
                    self.out.push_str("across ");
                    self.out.push_str(facts.region.phrase());
                }
            },
            "count" | "Count" => {
                let _ = write!(self.out, "{}", self.attendance);
            }
            "dates" | "Dates" => self.dates(),
            _ => debug_assert!(false, "unknown template slot {{{name}}}"),
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
            Some(end) if end.year() == start.year() => {
                write!(out, "{} {} to {} {} {}", start.day(), month(start), end.day(), month(end), end.year())
            }
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
