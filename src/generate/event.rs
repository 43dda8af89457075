//! Puts one event together: theme, type, setting, dates, title and description.

use chrono::{Datelike, Days, NaiveDate, Weekday};

use super::places::{Region, COUNTRIES};
use super::text::{self, Facts};
use super::vocabulary::{EventType, Theme, AUDIENCES, EVENT_TYPES, TOPICS};
use super::{setting, Draw, Tables, FIRST_DAY, LAST_DAY};
use crate::catalog::record::EventRecord;

/// Draws every field of event `index` of `seed`.
pub(super) fn build(d: &mut Draw, t: &Tables, seed: u64, index: u64) -> EventRecord {
    let theme = t.themes[d.weighted(&t.themes, |theme| theme.weight)];
    let kind = &EVENT_TYPES[d.weighted(EVENT_TYPES, |kind| kind.weight)];
    let org = setting::organizer(d, theme, t);

    let place = setting::location(d, &org, t);
    let venue_country = place.map(|(country, _)| country);
    let city = place.and_then(|(_, city)| city);
    let country = venue_country.map(|c| setting::country_name(d, c));
    let venue = country.map(|country| setting::venue(d, city, country));

    let home = org.field_operation.map_or(Region::WesternEurope, |f| COUNTRIES[t.hosts[f]].region);
    let (mask, region) = setting::participants(d, venue_country, home, t);
    let countries = (0..COUNTRIES.len())
        .filter(|c| mask & (1 << c) != 0)
        .map(|c| setting::country_name(d, c).to_owned())
        .collect::<Vec<_>>();

    let topics = labels(d, &[40, 33, 18, 9], theme.topics, TOPICS, 75);
    let mut audiences = labels(d, &[30, 35, 22, 13], theme.audiences, AUDIENCES, 80);
    audiences.sort_unstable();
    let (start, end, added) = dates(d, kind);

    let title = title(d, theme, kind, city, country, region);
    let subtitle = d.chance(80).then(|| d.pick(theme.subtitles).to_owned());
    let facts = Facts {
        theme,
        event_type: kind.name,
        unit: org.path[org.depth - 1],
        unit_of: org.field_operation.filter(|_| org.depth > 2).map(|_| org.path[1]),
        city,
        country,
        region,
        states: countries.len(),
        start,
        end,
    };
    let description = text::describe(d, &facts);

    EventRecord {
        source_url: Some(format!("https://example.org/events/{seed}/{index}")),
        slug: None,
        title,
        subtitle,
        description: Some(description),
        event_type: Some(kind.name.to_owned()),
        start_date: start,
        end_date: end,
        added_on: added,
        organizer: org.units().iter().map(|unit| (*unit).to_owned()).collect(),
        venue,
        audiences: audiences.into_iter().map(str::to_owned).collect(),
        countries,
        topics: topics.into_iter().map(str::to_owned).collect(),
    }
}

/// 1 to `counts.len()` distinct labels, the first from `preferred`, the others from `preferred`
/// `percent` times in a hundred and from `all` otherwise.
fn labels(
    d: &mut Draw,
    counts: &[u32],
    preferred: &'static [&'static str],
    all: &'static [&'static str],
    percent: u32,
) -> Vec<&'static str> {
    let wanted = 1 + d.weighted(counts, |w| *w);
    let mut chosen = Vec::with_capacity(counts.len());
    chosen.push(if d.chance(80) { preferred[0] } else { d.pick(preferred) });
    for _ in 0..12 {
        if chosen.len() >= wanted {
            break;
        }
        let label = if d.chance(percent) { d.pick(preferred) } else { d.pick(all) };
        if !chosen.contains(&label) {
            chosen.push(label);
        }
    }
    chosen
}

/// Start, end and added-on dates; a few events lack some of them.
fn dates(d: &mut Draw, kind: &EventType) -> (Option<NaiveDate>, Option<NaiveDate>, Option<NaiveDate>) {
    let span = (LAST_DAY - FIRST_DAY).num_days() as usize + 1;
    let day = |offset: usize| FIRST_DAY.checked_add_days(Days::new(offset as u64));
    if d.chance(3) {
        let added = if d.chance(50) { day(d.below(span)) } else { None };
        return (None, None, added);
    }
    let start = day(d.below(span)).unwrap_or(FIRST_DAY);
    // Events start on working days.
    let start = match start.weekday() {
        Weekday::Sat => start.checked_add_days(Days::new(2)),
        Weekday::Sun => start.checked_add_days(Days::new(1)),
        _ => Some(start),
    }
    .unwrap_or(start);
    let length = d.between(kind.min_extra_days, kind.max_extra_days);
    let end = if d.chance(6) { None } else { start.checked_add_days(Days::new(length.into())) };
    let lead = d.between(10, 120);
    let added = if d.chance(2) { None } else { start.checked_sub_days(Days::new(lead.into())) };
    (Some(start), end, added)
}

/// "Regional workshop on countering the financing of terrorism, Vienna, Austria".
fn title(
    d: &mut Draw,
    theme: &Theme,
    kind: &EventType,
    city: Option<&str>,
    country: Option<&str>,
    region: Region,
) -> String {
    let mut title = String::with_capacity(160);
    let subject = d.pick(theme.subjects);
    match country {
        Some(country) if kind.name == "study visit" && d.chance(50) => {
            title.push_str("Study visit of ");
            title.push_str(d.pick(theme.people));
            title.push_str(" to ");
            title.push_str(country);
            title.push_str(" on ");
            title.push_str(subject);
        }
        _ => {
            title.push_str(d.pick(kind.scopes));
            title.push_str(kind.name);
            if d.chance(15) {
                title.push_str(" for ");
                title.push_str(d.pick(theme.people));
            }
            title.push_str(" on ");
            title.push_str(subject);
            if !region.is_western() && !subject.contains(" in ") && d.chance(20) {
                title.push_str(" in ");
                title.push_str(region.phrase());
            }
            if d.chance(85) {
                for part in [city, country].into_iter().flatten() {
                    title.push_str(", ");
                    title.push_str(part);
                }
            }
        }
    }
    title[..1].make_ascii_uppercase();
    title
}
