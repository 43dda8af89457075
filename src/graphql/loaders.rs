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

/// The links of a whole page of events, fetched with one `load_many` call per kind the query
/// selects: one batch each, however long the page and however busy the machine.
#[derive(Debug, Default)]
pub struct Preloaded {
    pub venues: Option<HashMap<VenueId, venue::Model>>,
    pub countries: Option<HashMap<CountriesOf, Vec<String>>>,
    pub topics: Option<HashMap<TopicsOf, Vec<Label>>>,
    pub audiences: Option<HashMap<AudiencesOf, Vec<Label>>>,
    pub organizers: Option<Arc<OrganizerTree>>,
}

/// Which links a query asks for on each event.
#[derive(Debug, Clone, Copy, Default)]
pub struct Selection {
    pub venue: bool,
    pub countries: bool,
    pub topics: bool,
    pub audiences: bool,
    pub organizer: bool,
}

impl Selection {
    /// Reads the selection of an `Event` from its look-ahead.
    pub fn of(event: &async_graphql::Lookahead<'_>) -> Self {
        Selection {
            venue: event.field("venue").exists(),
            countries: event.field("countries").exists(),
            topics: event.field("topics").exists(),
            audiences: event.field("audiences").exists(),
            organizer: event.field("organizer").exists(),
        }
    }
}

impl Preloaded {
    /// Loads what `selection` asks for, for these events, all kinds at once.
    pub async fn load(
        loaders: &Loaders,
        events: &[crate::catalog::entity::event::Model],
        selection: Selection,
    ) -> Result<Self, Arc<CatalogError>> {
        let venue_ids: Vec<VenueId> = events.iter().filter_map(|event| event.venue_id.map(VenueId)).collect();
        let ids: Vec<i64> = events.iter().map(|event| event.id).collect();
        let (venues, countries, topics, audiences, organizers) = futures_util::try_join!(
            optional(selection.venue, loaders.load_many(venue_ids)),
            optional(selection.countries, loaders.load_many(ids.iter().copied().map(CountriesOf))),
            optional(selection.topics, loaders.load_many(ids.iter().copied().map(TopicsOf))),
            optional(selection.audiences, loaders.load_many(ids.iter().copied().map(AudiencesOf))),
            optional(selection.organizer, loaders.load_one(Organizers)),
        )?;
        Ok(Preloaded { venues, countries, topics, audiences, organizers: organizers.flatten() })
    }
}

async fn optional<T>(
    wanted: bool,
    load: impl std::future::Future<Output = Result<T, Arc<CatalogError>>>,
) -> Result<Option<T>, Arc<CatalogError>> {
    if wanted {
        load.await.map(Some)
    } else {
        Ok(None)
    }
}
