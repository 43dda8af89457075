//! Tests of the synthetic event generator.

use std::collections::{HashMap, HashSet};

use chrono::Datelike;

use super::templates::{BODY, CLOSINGS, CONTEXT, DATED_CLOSINGS, OPENINGS};
use super::vocabulary::{AUDIENCES, EVENT_TYPES, TOPICS};
use super::*;

fn sample(count: usize, seed: u64) -> Vec<EventRecord> {
    generate(count, seed).collect()
}

fn words(text: &str) -> usize {
    text.split_whitespace().count()
}

#[test]
fn same_seed_gives_same_events() {
    assert_eq!(sample(300, 42), sample(300, 42));
}

#[test]
fn different_seeds_give_different_events() {
    let (a, b) = (sample(50, 1), sample(50, 2));
    let same = a.iter().zip(&b).filter(|(x, y)| x.title == y.title).count();
    assert!(same < 5, "{same} of 50 titles equal across seeds");
    assert_ne!(a, b);
}

#[test]
fn first_events_do_not_depend_on_count() {
    let short = sample(100, 7);
    let long = sample(160, 7);
    assert_eq!(short[..], long[..100]);
    let g = generate(160, 7);
    assert_eq!(g.event(123), long[123]);
    assert_eq!(generate(160, 7).nth(123).as_ref(), Some(&long[123]));
}

#[test]
fn iterator_reports_its_length() {
    let mut g = generate(5, 3);
    assert_eq!(g.len(), 5);
    g.next();
    assert_eq!(g.size_hint(), (4, Some(4)));
    assert_eq!(g.count(), 4);
    assert_eq!(generate(0, 3).next(), None);
}

#[test]
fn records_stay_within_bounds() {
    let types: HashSet<&str> = EVENT_TYPES.iter().map(|kind| kind.name).collect();
    for e in generate(5000, 11) {
        let description = e.description.as_deref().expect("description");
        let n = words(description);
        assert!((MIN_WORDS..=MAX_WORDS).contains(&n), "{n} words: {description}");
        assert!(!description.contains('{') && !description.contains("  "), "{description}");
        assert!(description.ends_with('.'), "{description}");
        assert!(!e.title.contains('{') && !e.title.is_empty());
        assert!(e.countries.len() <= 15);
        assert!((1..=4).contains(&e.topics.len()), "{:?}", e.topics);
        assert!((1..=4).contains(&e.audiences.len()), "{:?}", e.audiences);
        assert!(e.topics.iter().all(|t| TOPICS.contains(&t.as_str())));
        assert!(e.audiences.iter().all(|a| AUDIENCES.contains(&a.as_str())));
        assert_eq!(e.topics.iter().collect::<HashSet<_>>().len(), e.topics.len());
        assert_eq!(e.countries.iter().collect::<HashSet<_>>().len(), e.countries.len());
        assert!((1..=4).contains(&e.organizer.len()) && e.organizer[0] == "OSCE");
        assert!(types.contains(e.event_type.as_deref().unwrap()));
        if let Some(start) = e.start_date {
            assert!((FIRST_DAY..=LAST_DAY).contains(&start));
            assert!(!matches!(start.weekday(), chrono::Weekday::Sat | chrono::Weekday::Sun));
            if let Some(end) = e.end_date {
                assert!((0..=5).contains(&(end - start).num_days()));
            }
            if let Some(added) = e.added_on {
                assert!((10..=120).contains(&(start - added).num_days()));
            }
        } else {
            assert!(e.end_date.is_none());
        }
    }
}

#[test]
fn source_urls_are_unique_and_stable() {
    let events = sample(2000, 5);
    let urls: HashSet<_> = events.iter().map(|e| e.source_url.clone().unwrap()).collect();
    assert_eq!(urls.len(), events.len());
    assert_eq!(events[17].source_url.as_deref(), Some("https://example.org/events/5/17"));
}

#[test]
fn distributions_look_like_a_real_catalogue() {
    let events = sample(10_000, 99);
    let mut cities: HashMap<&str, usize> = HashMap::new();
    let mut organizers = HashSet::new();
    let (mut no_venue, mut no_address, mut aliases, mut no_countries, mut no_start) = (0, 0, 0, 0, 0);
    let alias_names: HashSet<&str> = COUNTRIES.iter().filter_map(|c| c.alias).collect();
    for e in &events {
        organizers.insert(e.organizer.clone());
        match &e.venue {
            None => no_venue += 1,
            Some(v) => {
                *cities.entry(v.city.as_deref().unwrap_or("")).or_default() += 1;
                no_address += usize::from(v.address.is_none());
                aliases += usize::from(alias_names.contains(v.country.as_deref().unwrap()));
            }
        }
        aliases += e.countries.iter().filter(|c| alias_names.contains(c.as_str())).count();
        no_countries += usize::from(e.countries.is_empty());
        no_start += usize::from(e.start_date.is_none());
    }
    let top = cities.iter().max_by_key(|(_, n)| **n).map(|(city, _)| *city);
    assert_eq!(top, Some("Vienna"));
    assert!(cities["Warsaw"] > cities["Paris"]);
    assert!(organizers.len() >= 40, "{} organizers", organizers.len());
    assert!((100..800).contains(&no_venue), "{no_venue} without venue");
    assert!(no_address > 500, "{no_address} without address");
    assert!(aliases > 100, "{aliases} alias spellings");
    assert!((100..1000).contains(&no_countries), "{no_countries} without countries");
    assert!((100..600).contains(&no_start), "{no_start} without start date");
    let few = events.iter().filter(|e| (1..=4).contains(&e.countries.len())).count();
    let many = events.iter().filter(|e| e.countries.len() >= 10).count();
    assert!(few > 4 * many && many > 0);
}

#[test]
fn country_table_is_consistent() {
    let participating = COUNTRIES.iter().filter(|c| c.status == Status::Participating).count();
    assert_eq!(participating, 57);
    assert!(COUNTRIES.len() <= 128, "participant sets are kept in a u128");
    assert!(COUNTRIES.windows(2).all(|w| w[0].name < w[1].name || w[0].name == "Türkiye"));
    let mut names = HashSet::new();
    for c in COUNTRIES {
        assert!(names.insert(c.name) && c.alias.is_none_or(|a| names.insert(a)), "{}", c.name);
        assert!(!c.cities.is_empty() && c.weight > 0);
    }
    for f in vocabulary::FIELD_OPERATIONS {
        assert!(places::country_index(f.country).is_some(), "{}", f.country);
        assert!(COUNTRIES[places::country_index(f.country).unwrap()].cities.contains(&f.city));
    }
    assert!(Region::ALL.iter().all(|r| r.index() < 9 && !tables().members[r.index()].is_empty()));
}

#[test]
fn themes_use_known_labels_and_fit_the_pools() {
    let mut count = 0;
    for theme in themes() {
        count += 1;
        assert!(theme.topics.iter().all(|t| TOPICS.contains(t)), "{:?}", theme.topics);
        assert!(theme.audiences.iter().all(|a| AUDIENCES.contains(a)), "{:?}", theme.audiences);
        for pool in [theme.subjects, theme.subtitles, theme.topics, theme.audiences, theme.people].into_iter().chain([
            theme.issues,
            theme.goals,
            theme.practices,
            theme.partners,
            theme.background,
        ]) {
            assert!(!pool.is_empty() && pool.len() < 64);
        }
        assert!(!theme.units.is_empty() && theme.units.iter().all(|u| (1..=4).contains(&u.len())));
        assert!(vocabulary::DEPARTMENTS.iter().any(|dep| dep.sections.contains(&theme.section)), "{}", theme.section);
    }
    assert!(count >= 20);
    assert_eq!(TOPICS.iter().collect::<HashSet<_>>().len(), TOPICS.len());
    assert!((38..=45).contains(&TOPICS.len()) && (12..=15).contains(&AUDIENCES.len()));
}

#[test]
fn templates_use_only_known_slots() {
    let known = [
        "event", "an_event", "issue", "goal", "practice", "partner", "people", "donor", "region", "unit", "place",
        "where", "count", "dates",
    ];
    for template in [OPENINGS, CONTEXT, BODY, CLOSINGS, DATED_CLOSINGS].concat() {
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            let close = open + rest[open..].find('}').expect("closed slot");
            let name = rest[open + 1..close].to_ascii_lowercase();
            assert!(known.contains(&name.as_str()), "{template}");
            rest = &rest[close + 1..];
        }
    }
}

#[test]
fn every_generated_country_spelling_resolves() {
    let known: std::collections::HashSet<String> = migrations::reference::countries()
        .iter()
        .flat_map(|country| {
            [&country.alpha2, &country.alpha3, &country.name]
                .into_iter()
                .chain(&country.aliases)
                .map(|spelling| migrations::reference::lookup_key(spelling))
                .collect::<Vec<_>>()
        })
        .collect();
    for country in super::COUNTRIES {
        for spelling in std::iter::once(country.name).chain(country.alias) {
            assert!(known.contains(&migrations::reference::lookup_key(spelling)), "{spelling:?} does not resolve");
        }
    }
}
