//! Readable labels for facet and stats buckets: country and region names from the reference
//! data, topic and audience labels and organizer names from the database, kept between
//! requests until the index applies another change.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::search::{Bucket, Dimension};
use crate::catalog::{read, Catalog, CatalogError};

/// Key to label, for one dimension.
type Names = Arc<HashMap<String, String>>;

/// The labels of the dimensions read from the database, each with the change-log position the
/// index had reached when they were read. A label changes only through a change the index
/// applies (a new event brings its topics and organizer; `updateTopic` updates every event
/// carrying the topic), and a bucket names only values some indexed event carries, so labels
/// read at or after that position name every bucket of a search at that position correctly.
/// A faceted search used to read every topic label from the database.
#[derive(Debug, Default)]
pub struct LabelCache {
    read: Mutex<HashMap<Dimension, (i64, Names)>>,
}

impl LabelCache {
    fn entries(&self) -> std::sync::MutexGuard<'_, HashMap<Dimension, (i64, Names)>> {
        self.read.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The labels of `dimension` as of change `seq` or later; `None` for dimensions labelled
    /// from the reference data (or not at all).
    async fn names(&self, catalog: &Catalog, dimension: Dimension, seq: i64) -> Result<Option<Names>, CatalogError> {
        if !matches!(dimension, Dimension::Topic | Dimension::Audience | Dimension::Organizer) {
            return Ok(None);
        }
        if let Some((read_at, names)) = self.entries().get(&dimension) {
            if *read_at == seq {
                return Ok(Some(names.clone()));
            }
        }
        let pairs: Vec<(String, String)> = match dimension {
            Dimension::Organizer => read::all_organizers(catalog.db())
                .await?
                .into_iter()
                .map(|unit| (unit.id.to_string(), unit.name))
                .collect(),
            _ => {
                let table = if dimension == Dimension::Topic { "topics" } else { "audiences" };
                read::all_labels(catalog.db(), table)
                    .await?
                    .into_iter()
                    .map(|label| (label.slug, label.label))
                    .collect()
            }
        };
        let names: Names = Arc::new(pairs.into_iter().collect());
        self.entries().insert(dimension, (seq, names.clone()));
        Ok(Some(names))
    }
}

/// Readable labels for the keys of the dimensions a request counts by.
#[derive(Debug, Default)]
pub struct Labels {
    names: HashMap<Dimension, Names>,
}

impl Labels {
    /// What the dimensions need, as of the index's change-log position `seq` (read before
    /// calling): from the cache, or from the database when the index has moved on.
    pub async fn load(
        catalog: &Catalog,
        cache: &LabelCache,
        seq: i64,
        dimensions: &[Dimension],
    ) -> Result<Self, CatalogError> {
        let mut names = HashMap::new();
        for &dimension in dimensions {
            if let Some(read) = cache.names(catalog, dimension, seq).await? {
                names.insert(dimension, read);
            }
        }
        Ok(Labels { names })
    }

    /// The bucket for a key of a dimension.
    pub fn bucket(&self, catalog: &Catalog, dimension: Dimension, key: &Option<String>, count: u64) -> Bucket {
        let reference = catalog.reference();
        let label = match (key, dimension) {
            (None, _) => "none".to_string(),
            (Some(code), Dimension::Country | Dimension::VenueCountry) => {
                reference.country(code).map(|country| country.name.clone()).unwrap_or_else(|| code.clone())
            }
            (Some(code), Dimension::Region) => {
                reference.region(code).map(|region| region.name.clone()).unwrap_or_else(|| code.clone())
            }
            (Some(key), _) => {
                self.names.get(&dimension).and_then(|names| names.get(key)).cloned().unwrap_or_else(|| key.clone())
            }
        };
        Bucket { key: key.clone(), label, count: count as i64 }
    }
}
