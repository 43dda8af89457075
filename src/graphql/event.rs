//! The `Event` type and the `event` and `events` queries (a Relay connection).

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::{Context, Enum, InputObject, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};

use super::error::{loader_error, ApiResult, ErrorCode};
use super::loaders::{AudiencesOf, CountriesOf, Loaders, Preloaded, Selection, TopicsOf, VenueId};
use super::scalars::Date;
use super::taxonomy::{Audience, Country, Organizer, Topic, Venue};
use crate::catalog::entity::event;
use crate::catalog::filter::{self, EventFilter as DomainFilter};
use crate::catalog::page::{EventOrder as DomainOrder, PageRequest};
use crate::catalog::{read, Catalog};

/// An event of the catalogue, with its page's links when the page preloaded them.
#[derive(Debug, Clone)]
pub struct Event(pub event::Model, pub Option<Arc<Preloaded>>);

impl Event {
    /// An event on its own; its links come through the DataLoaders one batch at a time.
    pub fn single(model: event::Model) -> Self {
        Event(model, None)
    }

    fn preloaded<K: Eq + std::hash::Hash, V: Clone>(
        &self,
        pick: impl Fn(&Preloaded) -> Option<&HashMap<K, V>>,
        key: K,
    ) -> Option<Option<V>> {
        let map = pick(self.1.as_deref()?)?;
        Some(map.get(&key).cloned())
    }
}

#[Object]
impl Event {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// A readable, unique, URL-safe name.
    async fn slug(&self) -> &str {
        &self.0.slug
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    async fn subtitle(&self) -> Option<&str> {
        self.0.subtitle.as_deref()
    }
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// `workshop`, `conference`, `training course`, ...
    async fn event_type(&self) -> Option<&str> {
        self.0.event_type.as_deref()
    }
    async fn start_date(&self) -> Option<Date> {
        self.0.start_date.map(Date)
    }
    async fn end_date(&self) -> Option<Date> {
        self.0.end_date.map(Date)
    }
    /// When the event was added to the source catalogue.
    async fn added_on(&self) -> Option<Date> {
        self.0.added_on.map(Date)
    }
    /// When Convene last changed this event.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// The page this event was imported from.
    async fn source_url(&self) -> Option<&str> {
        self.0.source_url.as_deref()
    }
    async fn organizer(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Organizer>> {
        let Some(id) = self.0.organizer_id else { return Ok(None) };
        if let Some(tree) = self.1.as_ref().and_then(|preloaded| preloaded.organizers.clone()) {
            return Ok(tree.get(id).is_some().then_some(Organizer { id, tree }));
        }
        Organizer::load(ctx, id).await
    }
    async fn venue(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Venue>> {
        let Some(venue_id) = self.0.venue_id else { return Ok(None) };
        if let Some(venue) = self.preloaded(|preloaded| preloaded.venues.as_ref(), VenueId(venue_id)) {
            return Ok(venue.map(Venue));
        }
        let loaders = ctx.data_unchecked::<Loaders>();
        Ok(loaders.load_one(VenueId(venue_id)).await.map_err(loader_error)?.map(Venue))
    }
    /// The participating countries, in the order the source lists them.
    async fn countries(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Country>> {
        let loaders = ctx.data_unchecked::<Loaders>();
        let catalog = ctx.data_unchecked::<Catalog>();
        let codes = match self.preloaded(|preloaded| preloaded.countries.as_ref(), CountriesOf(self.0.id)) {
            Some(codes) => codes,
            None => loaders.load_one(CountriesOf(self.0.id)).await.map_err(loader_error)?,
        }
        .unwrap_or_default();
        Ok(codes.iter().filter_map(|code| catalog.reference().country(code)).cloned().map(Country).collect())
    }
    async fn topics(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Topic>> {
        let loaders = ctx.data_unchecked::<Loaders>();
        let labels = match self.preloaded(|preloaded| preloaded.topics.as_ref(), TopicsOf(self.0.id)) {
            Some(labels) => labels,
            None => loaders.load_one(TopicsOf(self.0.id)).await.map_err(loader_error)?,
        }
        .unwrap_or_default();
        Ok(labels.into_iter().map(Topic::from).collect())
    }
    async fn audiences(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Audience>> {
        let loaders = ctx.data_unchecked::<Loaders>();
        let labels = match self.preloaded(|preloaded| preloaded.audiences.as_ref(), AudiencesOf(self.0.id)) {
            Some(labels) => labels,
            None => loaders.load_one(AudiencesOf(self.0.id)).await.map_err(loader_error)?,
        }
        .unwrap_or_default();
        Ok(labels.into_iter().map(Audience::from).collect())
    }
}

/// An inclusive date range; leave an end out to leave it open.
#[derive(InputObject, Debug, Clone, Copy, Default)]
pub struct DateRange {
    pub from: Option<Date>,
    pub to: Option<Date>,
}

/// Which events to return. Within a list any value matches; across fields all must match.
#[derive(InputObject, Debug, Clone, Default)]
pub struct EventFilter {
    /// ISO alpha-2 codes; matches the venue country or a participating country.
    pub countries: Option<Vec<String>>,
    /// ISO alpha-2 codes of the venue country.
    pub venue_countries: Option<Vec<String>>,
    /// Region codes of any scheme (`"039"`, `"150"`, `"SEE"`).
    pub regions: Option<Vec<String>>,
    /// Topic slugs.
    pub topics: Option<Vec<String>>,
    /// Organizer ids; each includes every unit below it.
    pub organizers: Option<Vec<ID>>,
    /// Audience slugs.
    pub audiences: Option<Vec<String>>,
    pub event_types: Option<Vec<String>>,
    pub start_date: Option<DateRange>,
    pub added_on: Option<DateRange>,
}

impl DateRange {
    fn into_domain(self) -> filter::DateRange {
        filter::DateRange { from: self.from.map(|date| date.0), to: self.to.map(|date| date.0) }
    }
}

impl EventFilter {
    /// The domain filter; organizer ids that are not numbers are the client's error.
    pub fn into_domain(self) -> async_graphql::Result<DomainFilter> {
        let organizers = self
            .organizers
            .unwrap_or_default()
            .iter()
            .enumerate()
            .map(|(position, id)| {
                id.parse::<i64>().map_err(|_| {
                    ErrorCode::BadUserInput
                        .error(format!("filter.organizers[{position}]: {:?} is not an organizer id", id.as_str()))
                })
            })
            .collect::<async_graphql::Result<Vec<i64>>>()?;
        Ok(DomainFilter {
            countries: self.countries.unwrap_or_default(),
            venue_countries: self.venue_countries.unwrap_or_default(),
            regions: self.regions.unwrap_or_default(),
            topics: self.topics.unwrap_or_default(),
            organizers,
            audiences: self.audiences.unwrap_or_default(),
            event_types: self.event_types.unwrap_or_default(),
            start_date: self.start_date.map(DateRange::into_domain),
            added_on: self.added_on.map(DateRange::into_domain),
        })
    }
}

/// Orders of the event list; events without the sorted date come last.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Default)]
#[graphql(remote = "DomainOrder")]
pub enum EventOrder {
    #[default]
    StartDateDesc,
    StartDateAsc,
    AddedOnDesc,
    TitleAsc,
}

/// Relay's page information.
#[derive(SimpleObject, Debug, Clone, Default)]
pub struct PageInfo {
    pub has_next_page: bool,
    pub has_previous_page: bool,
    pub start_cursor: Option<String>,
    pub end_cursor: Option<String>,
}

/// An event and its position in the list.
#[derive(SimpleObject, Debug, Clone)]
pub struct EventEdge {
    pub cursor: String,
    pub node: Event,
}

/// A page of events (a Relay connection).
#[derive(Debug)]
pub struct EventConnection {
    page: read::EventPage,
    filter: DomainFilter,
}

impl EventConnection {
    async fn preload(&self, ctx: &Context<'_>, selection: Selection) -> async_graphql::Result<Arc<Preloaded>> {
        let loaders = ctx.data_unchecked::<Loaders>();
        Ok(Arc::new(Preloaded::load(loaders, &self.page.events, selection).await.map_err(loader_error)?))
    }
}

#[Object]
impl EventConnection {
    async fn edges(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<EventEdge>> {
        let preloaded = self.preload(ctx, Selection::of(&ctx.look_ahead().field("node"))).await?;
        Ok(self
            .page
            .events
            .iter()
            .map(|event| EventEdge {
                cursor: self.page.cursor(event),
                node: Event(event.clone(), Some(preloaded.clone())),
            })
            .collect())
    }
    /// The events of the page, without cursors.
    async fn nodes(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Event>> {
        let preloaded = self.preload(ctx, Selection::of(&ctx.look_ahead())).await?;
        Ok(self.page.events.iter().map(|event| Event(event.clone(), Some(preloaded.clone()))).collect())
    }
    async fn page_info(&self) -> PageInfo {
        PageInfo {
            has_next_page: self.page.has_next_page,
            has_previous_page: self.page.has_previous_page,
            start_cursor: self.page.events.first().map(|event| self.page.cursor(event)),
            end_cursor: self.page.events.last().map(|event| self.page.cursor(event)),
        }
    }
    /// How many events pass the filter, on every page together.
    async fn total_count(&self, ctx: &Context<'_>) -> async_graphql::Result<u64> {
        if let Some(total) = self.page.total {
            return Ok(total);
        }
        let catalog = ctx.data_unchecked::<Catalog>();
        read::count_events(catalog.db(), catalog.reference(), &self.filter).await.api()
    }
}

/// The `event` and `events` queries.
#[derive(Debug, Default)]
pub struct EventQuery;

#[Object]
impl EventQuery {
    /// One event, by id or by slug.
    async fn event(
        &self,
        ctx: &Context<'_>,
        id: Option<ID>,
        slug: Option<String>,
    ) -> async_graphql::Result<Option<Event>> {
        let catalog = ctx.data_unchecked::<Catalog>();
        let found = match (id, slug) {
            (Some(id), None) => match id.parse::<i64>() {
                Ok(id) => read::events_by_id(catalog.db(), &[id]).await.api()?.remove(&id),
                Err(_) => None,
            },
            (None, Some(slug)) => read::event_by_slug(catalog.db(), &slug).await.api()?,
            _ => return Err(ErrorCode::BadUserInput.error("give exactly one of id and slug")),
        };
        Ok(found.map(Event::single))
    }

    /// A page of events under a filter, in an order. Pages hold at most 100 events
    /// (20 when neither `first` nor `last` is given).
    #[allow(clippy::too_many_arguments)]
    async fn events(
        &self,
        ctx: &Context<'_>,
        filter: Option<EventFilter>,
        #[graphql(default_with = "Some(EventOrder::StartDateDesc)")] order_by: Option<EventOrder>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<EventConnection> {
        let catalog = ctx.data_unchecked::<Catalog>();
        let filter = filter.unwrap_or_default().into_domain()?;
        let request = PageRequest { first: first.map(i64::from), after, last: last.map(i64::from), before };
        let order = order_by.unwrap_or_default().into();
        let page = if crate::search::listing::answers(order) {
            let search = ctx.data_unchecked::<crate::search::Search>();
            crate::search::listing::events_page(search, catalog, &filter, order, &request).await.api()?
        } else {
            read::events_page(catalog.db(), catalog.reference(), &filter, order, &request).await.api()?
        };
        Ok(EventConnection { page, filter })
    }
}
