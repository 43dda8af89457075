//! DataLoaders: nested fields of a page of events are fetched in one statement per kind.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, Loader};

use crate::catalog::entity::venue;
use crate::catalog::resolve::Label;
use crate::catalog::{read, Catalog, CatalogError, OrganizerTree};

/// Loads the links of events: venues, participating countries, topics, audiences, organizers.
#[derive(Debug, Clone)]
pub struct CatalogLoader {
    catalog: Catalog,
}

/// Every loader the schema uses, built once and shared by all requests: loads are batched
/// across the resolvers of one request (and any running at the same time), not cached.
pub type Loaders = DataLoader<CatalogLoader>;

/// Builds the shared loader.
pub fn loaders(catalog: Catalog) -> Loaders {
    DataLoader::new(CatalogLoader { catalog }, tokio::spawn)
}

/// Keys of the venue loader.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct VenueId(pub i64);
/// Keys of the participating-countries loader.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CountriesOf(pub i64);
/// Keys of the topics loader.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TopicsOf(pub i64);
/// Keys of the audiences loader.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AudiencesOf(pub i64);
/// The one key of the organizer tree loader.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Organizers;

type LoadResult<K, V> = Result<HashMap<K, V>, Arc<CatalogError>>;

fn keyed<K: Copy + Eq + std::hash::Hash, V>(
    keys: &[K],
    id: impl Fn(K) -> i64,
    mut values: HashMap<i64, V>,
) -> HashMap<K, V> {
    keys.iter().filter_map(|&key| values.remove(&id(key)).map(|value| (key, value))).collect()
}

impl Loader<VenueId> for CatalogLoader {
    type Value = venue::Model;
    type Error = Arc<CatalogError>;

    async fn load(&self, keys: &[VenueId]) -> LoadResult<VenueId, venue::Model> {
        let ids: Vec<i64> = keys.iter().map(|key| key.0).collect();
        Ok(keyed(keys, |key| key.0, read::venues_by_id(self.catalog.db(), &ids).await?))
    }
}

impl Loader<CountriesOf> for CatalogLoader {
    type Value = Vec<String>;
    type Error = Arc<CatalogError>;

    async fn load(&self, keys: &[CountriesOf]) -> LoadResult<CountriesOf, Vec<String>> {
        let ids: Vec<i64> = keys.iter().map(|key| key.0).collect();
        Ok(keyed(keys, |key| key.0, read::countries_of_events(self.catalog.db(), &ids).await?))
    }
}

impl Loader<TopicsOf> for CatalogLoader {
    type Value = Vec<Label>;
    type Error = Arc<CatalogError>;

    async fn load(&self, keys: &[TopicsOf]) -> LoadResult<TopicsOf, Vec<Label>> {
        let ids: Vec<i64> = keys.iter().map(|key| key.0).collect();
        Ok(keyed(keys, |key| key.0, read::topics_of_events(self.catalog.db(), &ids).await?))
    }
}

impl Loader<AudiencesOf> for CatalogLoader {
    type Value = Vec<Label>;
    type Error = Arc<CatalogError>;

    async fn load(&self, keys: &[AudiencesOf]) -> LoadResult<AudiencesOf, Vec<Label>> {
        let ids: Vec<i64> = keys.iter().map(|key| key.0).collect();
        Ok(keyed(keys, |key| key.0, read::audiences_of_events(self.catalog.db(), &ids).await?))
    }
}

impl Loader<Organizers> for CatalogLoader {
    type Value = Arc<OrganizerTree>;
    type Error = Arc<CatalogError>;

    async fn load(&self, _keys: &[Organizers]) -> LoadResult<Organizers, Arc<OrganizerTree>> {
        let tree = OrganizerTree::new(read::all_organizers(self.catalog.db()).await?);
        Ok(HashMap::from([(Organizers, Arc::new(tree))]))
    }
}
