//! The index schema: which parts of an event are searched, filtered and counted, and how.

use tantivy::schema::{
    DateOptions, Field, IndexRecordOption, NumericOptions, Schema, TextFieldIndexing, TextOptions, FAST, STORED, STRING,
};

use crate::analyzer::{FOLDED, STEMMED};

/// Bumped whenever the schema or analysis changes: an index of another version is rebuilt.
pub const SCHEMA_VERSION: u32 = 2;

/// A searched text field: indexed twice, stemmed (exact and stem matches, phrases) and
/// folded (typos and prefixes), with its weight in the ranking.
#[derive(Debug, Clone, Copy)]
pub struct TextField {
    pub name: &'static str,
    pub stemmed: Field,
    pub folded: Field,
    pub weight: f32,
}

/// Every field of the schema.
#[derive(Debug, Clone)]
pub struct Fields {
    pub schema: Schema,
    pub id: Field,
    pub title: TextField,
    pub subtitle: TextField,
    pub topics: TextField,
    pub description: TextField,
    pub organizer: TextField,
    pub venue: TextField,
    pub countries: TextField,
    /// Venue country and participating countries, alpha-2.
    pub country: Field,
    pub venue_country: Field,
    pub region_un: Field,
    pub region_subregion: Field,
    pub region_osce: Field,
    pub topic: Field,
    pub audience: Field,
    /// The organizing unit's own id.
    pub organizer_id: Field,
    /// The unit and every unit above it, so a filter on a unit finds the units below.
    pub organizer_tree: Field,
    pub event_type: Field,
    pub year: Field,
    pub month: Field,
    pub start_date: Field,
    pub added_on: Field,
    /// Completions: folded label, a separator, and the label as written.
    pub suggest: Field,
    /// What the server keeps with each event to show it as a hit without reading it back
    /// ([`crate::EventDocument::source`]): stored only, neither searched nor counted.
    pub source: Field,
}

const SUGGEST_SEPARATOR: char = '\u{1f}';

/// Joins the folded key and the display form of a completion.
pub fn suggest_term(folded: &str, display: &str) -> String {
    format!("{folded}{SUGGEST_SEPARATOR}{display}")
}

/// Splits a completion term into its display form.
pub fn suggest_display(term: &str) -> Option<&str> {
    term.split_once(SUGGEST_SEPARATOR).map(|(_, display)| display)
}

fn text_options(analyzer: &str, positions: bool) -> TextOptions {
    let record = if positions { IndexRecordOption::WithFreqsAndPositions } else { IndexRecordOption::WithFreqs };
    TextOptions::default()
        .set_indexing_options(TextFieldIndexing::default().set_tokenizer(analyzer).set_index_option(record))
}

impl Fields {
    /// Builds the schema.
    pub fn new() -> Self {
        let mut builder = Schema::builder();
        let id = builder.add_u64_field("id", NumericOptions::default().set_indexed().set_fast().set_stored());
        let mut text = |name: &'static str, weight: f32| TextField {
            name,
            stemmed: builder.add_text_field(name, text_options(STEMMED, true)),
            folded: builder.add_text_field(&format!("{name}_folded"), text_options(FOLDED, false)),
            weight,
        };
        let title = text("title", 4.0);
        let subtitle = text("subtitle", 2.0);
        let topics = text("topics", 2.0);
        let description = text("description", 1.0);
        let organizer = text("organizer", 0.8);
        let venue = text("venue", 0.8);
        let countries = text("countries", 0.8);
        let keyword = STRING | FAST;
        let date = DateOptions::default().set_indexed().set_fast();
        Fields {
            id,
            title,
            subtitle,
            topics,
            description,
            organizer,
            venue,
            countries,
            country: builder.add_text_field("country", keyword.clone()),
            venue_country: builder.add_text_field("venue_country", keyword.clone()),
            region_un: builder.add_text_field("region_un", keyword.clone()),
            region_subregion: builder.add_text_field("region_subregion", keyword.clone()),
            region_osce: builder.add_text_field("region_osce", keyword.clone()),
            topic: builder.add_text_field("topic", keyword.clone()),
            audience: builder.add_text_field("audience", keyword.clone()),
            organizer_id: builder.add_text_field("organizer_id", keyword.clone()),
            organizer_tree: builder.add_text_field("organizer_tree", STRING),
            event_type: builder.add_text_field("event_type", keyword.clone()),
            year: builder.add_text_field("year", keyword.clone()),
            month: builder.add_text_field("month", keyword),
            start_date: builder.add_date_field("start_date", date.clone()),
            added_on: builder.add_date_field("added_on", date),
            suggest: builder.add_text_field("suggest", STRING),
            // Text, not bytes: tantivy reads stored bytes back one at a time, text in one copy
            // (bytes cost 6% of a 100k server's samples on pages of 20).
            source: builder.add_text_field("source", STORED),
            schema: builder.build(),
        }
    }

    /// The searched text fields, heaviest first.
    pub fn text_fields(&self) -> [TextField; 7] {
        [self.title, self.subtitle, self.topics, self.description, self.organizer, self.venue, self.countries]
    }
}

impl Default for Fields {
    fn default() -> Self {
        Fields::new()
    }
}
