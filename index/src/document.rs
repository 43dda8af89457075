//! What the index holds of one event, and how it becomes a tantivy document.

use chrono::{Datelike, NaiveDate};
use tantivy::{DateTime, TantivyDocument};

use crate::analyzer::folded;
use crate::schema::{suggest_term, Fields};

/// An event as the search engine sees it; the server builds it from the database.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EventDocument {
    pub id: u64,
    pub title: String,
    pub subtitle: Option<String>,
    pub description: Option<String>,
    /// Topic labels and slugs, in the same order.
    pub topic_labels: Vec<String>,
    pub topic_slugs: Vec<String>,
    pub audience_slugs: Vec<String>,
    /// Names of the organizing unit's path, top body first.
    pub organizer_path: Vec<String>,
    /// The unit's id, then the ids of the units above it.
    pub organizer_ids: Vec<u64>,
    /// Venue name, address and city.
    pub venue_text: Vec<String>,
    pub venue_country: Option<String>,
    /// Participating countries, alpha-2.
    pub countries: Vec<String>,
    /// Names and aliases of the venue country and the participating countries.
    pub country_names: Vec<String>,
    /// Region codes of the venue country and the participating countries, by scheme.
    pub regions_un: Vec<String>,
    pub regions_subregion: Vec<String>,
    pub regions_osce: Vec<String>,
    pub event_type: Option<String>,
    pub start_date: Option<NaiveDate>,
    pub added_on: Option<NaiveDate>,
    /// Text kept with the event and given back with each hit, opaque to the index, as
    /// Elasticsearch keeps `_source`: the server keeps the event's row here, so a page of hits
    /// is shown without a round trip to the database. Empty keeps nothing.
    pub source: String,
}

fn date_value(date: NaiveDate) -> DateTime {
    let seconds = date.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc().timestamp();
    DateTime::from_timestamp_secs(seconds)
}

/// A date as the index stores it (midnight UTC), for range filters.
pub fn index_date(date: NaiveDate) -> DateTime {
    date_value(date)
}

thread_local! {
    /// Built once per thread: an event has dozens of labels to fold (every name and alias of
    /// every country taking part), and building the analyzer cost more than folding.
    static FOLDER: std::cell::RefCell<tantivy::tokenizer::TextAnalyzer> = std::cell::RefCell::new(folded());
}

fn fold(text: &str) -> String {
    FOLDER.with(|cell| {
        let mut analyzer = cell.borrow_mut();
        let mut stream = analyzer.token_stream(text);
        let mut words = String::with_capacity(text.len());
        while let Some(token) = stream.next() {
            if !words.is_empty() {
                words.push(' ');
            }
            words.push_str(&token.text);
        }
        words
    })
}

/// Labels whose completion terms a thread keeps; past it, it forgets them all and starts again.
const MAX_LABEL_TERMS: usize = 10_000;

thread_local! {
    /// Completion terms of labels, by label: every event names a few topics, a unit and the
    /// names and aliases of a dozen countries, out of a few hundred labels in all, and folding
    /// them again for each event took a sixth of building its document (`perf` of a 100k
    /// import on SQLite: 1.2% of all samples, against 6.3%).
    static LABEL_TERMS: std::cell::RefCell<std::collections::HashMap<String, Option<String>>> =
        std::cell::RefCell::new(std::collections::HashMap::new());
}

/// A label's completion term (`None` when it folds to nothing), kept per thread.
fn label_suggest_term(label: &str) -> Option<String> {
    LABEL_TERMS.with(|cell| {
        let mut terms = cell.borrow_mut();
        if let Some(term) = terms.get(label) {
            return term.clone();
        }
        if terms.len() >= MAX_LABEL_TERMS {
            terms.clear();
        }
        let key = fold(label);
        let term = (!key.is_empty()).then(|| suggest_term(&key, label));
        terms.insert(label.to_string(), term.clone());
        term
    })
}

fn unique(values: &[String]) -> Vec<&String> {
    let mut seen: Vec<&String> = Vec::with_capacity(values.len());
    for value in values {
        if !seen.contains(&value) {
            seen.push(value);
        }
    }
    seen
}

impl EventDocument {
    /// The tantivy document.
    pub fn to_document(&self, fields: &Fields) -> TantivyDocument {
        let mut document = TantivyDocument::default();
        document.add_u64(fields.id, self.id);
        let mut text = |field: crate::schema::TextField, value: &str| {
            document.add_text(field.stemmed, value);
            document.add_text(field.folded, value);
        };
        text(fields.title, &self.title);
        for value in self.subtitle.iter() {
            text(fields.subtitle, value);
        }
        for value in self.description.iter() {
            text(fields.description, value);
        }
        for value in &self.topic_labels {
            text(fields.topics, value);
        }
        for value in &self.organizer_path {
            text(fields.organizer, value);
        }
        for value in &self.venue_text {
            text(fields.venue, value);
        }
        for value in &self.country_names {
            text(fields.countries, value);
        }
        let mut all_countries = self.countries.clone();
        all_countries.extend(self.venue_country.clone());
        for code in unique(&all_countries) {
            document.add_text(fields.country, code);
        }
        for code in self.venue_country.iter() {
            document.add_text(fields.venue_country, code);
        }
        for (field, codes) in [
            (fields.region_un, &self.regions_un),
            (fields.region_subregion, &self.regions_subregion),
            (fields.region_osce, &self.regions_osce),
            (fields.topic, &self.topic_slugs),
            (fields.audience, &self.audience_slugs),
        ] {
            for code in unique(codes) {
                document.add_text(field, code);
            }
        }
        if let Some(own) = self.organizer_ids.first() {
            document.add_text(fields.organizer_id, own.to_string());
        }
        for id in &self.organizer_ids {
            document.add_text(fields.organizer_tree, id.to_string());
        }
        if let Some(event_type) = &self.event_type {
            document.add_text(fields.event_type, event_type);
        }
        if let Some(start) = self.start_date {
            document.add_date(fields.start_date, date_value(start));
            document.add_text(fields.year, format!("{:04}", start.year()));
            document.add_text(fields.month, format!("{:04}-{:02}", start.year(), start.month()));
        }
        if let Some(added) = self.added_on {
            document.add_date(fields.added_on, date_value(added));
        }
        let labels = self.topic_labels.iter().chain(self.organizer_path.last()).chain(self.country_names.iter());
        for label in labels {
            if let Some(term) = label_suggest_term(label) {
                document.add_text(fields.suggest, term);
            }
        }
        let key = fold(&self.title);
        if !key.is_empty() {
            document.add_text(fields.suggest, suggest_term(&key, &self.title));
        }
        if !self.source.is_empty() {
            document.add_text(fields.source, &self.source);
        }
        document
    }
}
