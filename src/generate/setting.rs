//! The setting of an event: who organizes it, where it takes place and which countries take
//! part.

use super::places::{self, Region, COUNTRIES};
use super::vocabulary::{Theme, DEPARTMENTS, FIELD_OPERATIONS, INSTITUTION_SEATS, OSCE};
use super::{Draw, Tables};
use crate::catalog::record::VenueRecord;

/// An organizer path and what it implies.
pub(super) struct Organizer {
    pub path: [&'static str; 4],
    pub depth: usize,
    pub field_operation: Option<usize>,
}

impl Organizer {
    fn from_path(units: &[&'static str]) -> Self {
        let mut path = [""; 4];
        path[..units.len()].copy_from_slice(units);
        let field_operation = units.get(1).and_then(|unit| FIELD_OPERATIONS.iter().position(|f| f.name == *unit));
        Organizer { path, depth: units.len(), field_operation }
    }

    pub fn units(&self) -> &[&'static str] {
        &self.path[..self.depth]
    }
}

pub(super) fn organizer(d: &mut Draw, theme: &'static Theme, t: &Tables) -> Organizer {
    if d.chance(40) {
        let f = d.weighted(FIELD_OPERATIONS, |f| f.weight);
        let mut org = Organizer::from_path(&["OSCE", FIELD_OPERATIONS[f].name]);
        let depth = d.below(100);
        if depth >= 25 {
            let department =
                DEPARTMENTS.iter().find(|dep| dep.sections.contains(&theme.section)).unwrap_or(&DEPARTMENTS[0]);
            org.path[2] = department.name;
            org.depth = 3;
            if depth >= 80 {
                org.path[3] = theme.section;
                org.depth = 4;
            }
        }
        return org;
    }
    if d.chance(3) {
        return Organizer::from_path(OSCE);
    }
    let units = if d.chance(95) { theme.units } else { d.pick(&t.themes).units };
    let mut org = Organizer::from_path(d.pick(units));
    if org.depth > 2 && d.chance(8) {
        org.depth -= 1;
    }
    org
}

/// Where the event takes place: a country index and a city, or nothing for an online event.
pub(super) fn location(d: &mut Draw, org: &Organizer, t: &Tables) -> Option<(usize, Option<&'static str>)> {
    if d.chance(3) {
        return None;
    }
    let (country, city) = if let Some(f) = org.field_operation {
        let host = t.hosts[f];
        match d.below(100) {
            0..70 if d.chance(65) => (host, FIELD_OPERATIONS[f].city),
            0..70 => (host, city_of(d, host)),
            70..80 => (t.austria, "Vienna"),
            _ => elsewhere(d),
        }
    } else {
        let seat = INSTITUTION_SEATS.iter().position(|(unit, _, _)| org.path[1] == *unit);
        if !d.chance(55) {
            elsewhere(d)
        } else if let Some(s) = seat {
            (t.seats[s], INSTITUTION_SEATS[s].2)
        } else {
            (t.austria, "Vienna")
        }
    };
    Some((country, (!d.chance(2)).then_some(city)))
}

fn elsewhere(d: &mut Draw) -> (usize, &'static str) {
    let country = d.weighted(COUNTRIES, |c| c.weight);
    (country, city_of(d, country))
}

fn city_of(d: &mut Draw, country: usize) -> &'static str {
    let cities = COUNTRIES[country].cities;
    if cities.len() == 1 || d.chance(60) {
        cities[0]
    } else {
        cities[1 + d.below(cities.len() - 1)]
    }
}

/// A country's name as this event spells it: now and then the alias real data uses.
pub(super) fn country_name(d: &mut Draw, country: usize) -> &'static str {
    match COUNTRIES[country].alias {
        Some(alias) if d.chance(8) => alias,
        _ => COUNTRIES[country].name,
    }
}

pub(super) fn venue(d: &mut Draw, city: Option<&'static str>, country: &'static str) -> VenueRecord {
    let known = city.and_then(known_venues);
    let (name, address) = match known {
        Some(venues) if d.chance(55) => {
            let (name, address) = d.pick(venues);
            (Some(name.to_owned()), d.chance(85).then(|| address.to_owned()))
        }
        _ => {
            let name = d.chance(90).then(|| d.pick(places::GENERIC_VENUES).to_owned());
            let address = d.chance(if name.is_some() { 70 } else { 40 }).then(|| {
                let street = d.pick(places::STREETS);
                format!("{street} {}", 1 + d.below(150))
            });
            (name, address)
        }
    };
    VenueRecord { name, address, city: city.map(str::to_owned), country: Some(country.to_owned()) }
}

fn known_venues(city: &str) -> Option<&'static [(&'static str, &'static str)]> {
    places::CITY_VENUES.iter().find(|(c, _)| *c == city).map(|(_, venues)| *venues)
}

/// How many participating countries an event lists, from 1 to 15: mostly few.
const COUNT_WEIGHTS: [u32; 15] = [20, 15, 13, 11, 9, 7, 6, 5, 4, 3, 2, 2, 1, 1, 1];
/// Where participants come from when the venue is in the West, in [`Region::ALL`] order.
const TARGET_WEIGHTS: [u32; 9] = [30, 12, 12, 25, 10, 4, 0, 4, 3];
/// Regions that send participants to events anywhere.
const WESTERN: [Region; 3] = [Region::WesternEurope, Region::NorthernEurope, Region::NorthAmerica];

/// The participating countries, as bits over [`COUNTRIES`], and the region they mostly come
/// from. `home` stands in for the venue's region when there is no venue.
pub(super) fn participants(d: &mut Draw, venue_country: Option<usize>, home: Region, t: &Tables) -> (u128, Region) {
    let anchor = venue_country.map_or(home, |c| COUNTRIES[c].region);
    let region = if anchor.is_western() { Region::ALL[d.weighted(&TARGET_WEIGHTS, |w| *w)] } else { anchor };
    if d.chance(4) {
        return (0, region);
    }
    let wanted = 1 + d.weighted(&COUNT_WEIGHTS, |w| *w);
    let mut mask = 0u128;
    if let Some(c) = venue_country {
        if (COUNTRIES[c].region == region && d.chance(75)) || d.chance(10) {
            mask |= 1 << c;
        }
    }
    let mut tries = 0;
    while (mask.count_ones() as usize) < wanted && tries < 6 * wanted {
        tries += 1;
        let from = match d.below(100) {
            0..72 => region,
            72..90 => d.pick(region.neighbours()),
            _ => d.pick(&WESTERN),
        };
        // Small States take part less often than large ones.
        let members = &t.members[from.index()];
        mask |= 1 << members[d.weighted(members, |&c| COUNTRIES[c].weight.min(8))];
    }
    (mask, region)
}
