//! Mutations: create, update, delete and import events, through the same validation and
//! write path as the NDJSON import. Each needs a token with the editor role.

use async_graphql::{Context, InputObject, Object, SimpleObject, ID};

use super::error::{ApiResult, ErrorCode};
use super::event::Event;
use super::scalars::Date;
use super::taxonomy::{Audience, Topic};
use crate::auth::{Principal, Role};
use crate::catalog::record::{EventRecord, VenueRecord};
use crate::catalog::write::WriteMode;
use crate::catalog::{Catalog, NumberedRecord};

/// Where an event takes place.
#[derive(InputObject, Debug, Clone, Default)]
pub struct VenueInput {
    pub name: Option<String>,
    pub address: Option<String>,
    pub city: Option<String>,
    /// ISO code or a name in any common spelling.
    pub country: Option<String>,
}

/// An event as written: the NDJSON record's fields in camelCase.
#[derive(InputObject, Debug, Clone, Default)]
pub struct EventInput {
    pub source_url: Option<String>,
    pub slug: Option<String>,
    pub title: String,
    pub subtitle: Option<String>,
    pub description: Option<String>,
    pub event_type: Option<String>,
    pub start_date: Option<Date>,
    pub end_date: Option<Date>,
    pub added_on: Option<Date>,
    /// Organizing units from the top body down; missing units are created.
    pub organizer_path: Option<Vec<String>>,
    pub venue: Option<VenueInput>,
    pub audiences: Option<Vec<String>>,
    /// Participating countries: codes or names in any common spelling.
    pub countries: Option<Vec<String>>,
    pub topics: Option<Vec<String>>,
}

impl From<EventInput> for EventRecord {
    fn from(input: EventInput) -> Self {
        EventRecord {
            source_url: input.source_url,
            slug: input.slug,
            title: input.title,
            subtitle: input.subtitle,
            description: input.description,
            event_type: input.event_type,
            start_date: input.start_date.map(|date| date.0),
            end_date: input.end_date.map(|date| date.0),
            added_on: input.added_on.map(|date| date.0),
            organizer: input.organizer_path.unwrap_or_default(),
            venue: input.venue.map(|venue| VenueRecord {
                name: venue.name,
                address: venue.address,
                city: venue.city,
                country: venue.country,
            }),
            audiences: input.audiences.unwrap_or_default(),
            countries: input.countries.unwrap_or_default(),
            topics: input.topics.unwrap_or_default(),
        }
    }
}

/// An input of `importEvents` that was not stored.
#[derive(SimpleObject, Debug, Clone)]
pub struct ImportError {
    /// Position in the input list, from 0.
    pub index: i32,
    pub message: String,
}

/// What `importEvents` did.
#[derive(SimpleObject, Debug, Clone)]
pub struct ImportReport {
    pub imported: i32,
    pub updated: i32,
    pub rejected: i32,
    pub errors: Vec<ImportError>,
    /// Ids of the stored events, in input order.
    pub ids: Vec<ID>,
}

/// Checks that the caller's token has at least `role`.
pub fn require(ctx: &Context<'_>, role: Role) -> async_graphql::Result<()> {
    match ctx.data_opt::<Principal>().copied().unwrap_or(Principal::Anonymous) {
        Principal::Token(have) if have >= role => Ok(()),
        Principal::Token(have) => Err(ErrorCode::Forbidden.error(format!(
            "a token with the {} role cannot do this; it needs {}",
            have.as_str(),
            role.as_str()
        ))),
        Principal::Anonymous => {
            Err(ErrorCode::Unauthenticated.error(format!("send a bearer token with the {} role", role.as_str())))
        }
        Principal::Invalid => Err(ErrorCode::Unauthenticated.error("the bearer token is unknown or revoked")),
    }
}

/// Waits (at most a second) until this process's index holds the writes just made, so what a
/// mutation returns is what `events`, `search` and `eventStats` show next.
async fn settle(ctx: &Context<'_>) {
    let catalog = ctx.data_unchecked::<Catalog>();
    let search = ctx.data_unchecked::<crate::search::Search>();
    if let Ok(seq) = catalog.last_change_seq().await {
        if !search.wait_for(seq, std::time::Duration::from_secs(1)).await {
            tracing::warn!(seq, "the index did not apply a write within a second");
        }
    }
}

fn parse_id(id: &ID) -> async_graphql::Result<i64> {
    id.parse::<i64>().map_err(|_| ErrorCode::BadUserInput.error(format!("id: {:?} is not an event id", id.as_str())))
}

/// Every mutation of the API.
#[derive(Debug, Default)]
pub struct Mutation;

#[Object]
impl Mutation {
    /// Creates an event; a `sourceUrl` or `slug` another event has is refused.
    async fn create_event(&self, ctx: &Context<'_>, input: EventInput) -> async_graphql::Result<Event> {
        require(ctx, Role::Editor)?;
        let catalog = ctx.data_unchecked::<Catalog>();
        let (event, _) = catalog.write_one(input.into(), WriteMode::Create).await.api()?;
        settle(ctx).await;
        Ok(Event::single(event))
    }

    /// Replaces an event's fields and links.
    async fn update_event(&self, ctx: &Context<'_>, id: ID, input: EventInput) -> async_graphql::Result<Event> {
        require(ctx, Role::Editor)?;
        let catalog = ctx.data_unchecked::<Catalog>();
        let (event, _) = catalog.write_one(input.into(), WriteMode::Update(parse_id(&id)?)).await.api()?;
        settle(ctx).await;
        Ok(Event::single(event))
    }

    /// Deletes an event and returns its id.
    async fn delete_event(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<ID> {
        require(ctx, Role::Editor)?;
        let catalog = ctx.data_unchecked::<Catalog>();
        catalog.delete_event(parse_id(&id)?).await.api()?;
        settle(ctx).await;
        Ok(id)
    }

    /// Gives a topic a new label (admin); events carrying it are reindexed.
    async fn update_topic(&self, ctx: &Context<'_>, slug: String, label: String) -> async_graphql::Result<Topic> {
        require(ctx, Role::Admin)?;
        let catalog = ctx.data_unchecked::<Catalog>();
        catalog.relabel("topics", &slug, &label).await.api()?;
        settle(ctx).await;
        Ok(Topic { slug, label: label.trim().to_string() })
    }

    /// Gives an audience a new label (admin).
    async fn update_audience(&self, ctx: &Context<'_>, slug: String, label: String) -> async_graphql::Result<Audience> {
        require(ctx, Role::Admin)?;
        let catalog = ctx.data_unchecked::<Catalog>();
        catalog.relabel("audiences", &slug, &label).await.api()?;
        settle(ctx).await;
        Ok(Audience { slug, label: label.trim().to_string() })
    }

    /// Creates an API token (admin) and returns its secret, shown this once.
    async fn create_token(&self, ctx: &Context<'_>, role: Role, name: Option<String>) -> async_graphql::Result<String> {
        require(ctx, Role::Admin)?;
        let catalog = ctx.data_unchecked::<Catalog>();
        crate::auth::create_token(catalog.db(), role, name).await.api()
    }

    /// Revokes an API token by id (admin).
    async fn revoke_token(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<ID> {
        require(ctx, Role::Admin)?;
        let catalog = ctx.data_unchecked::<Catalog>();
        let token_id = id
            .parse::<i64>()
            .map_err(|_| ErrorCode::BadUserInput.error(format!("id: {:?} is not a token id", id.as_str())))?;
        crate::auth::revoke_token(catalog.db(), token_id).await.api()?;
        Ok(id)
    }

    /// Creates or updates (by `sourceUrl`) many events, as `convene import` does: a bad input
    /// is reported by position and the others are kept.
    async fn import_events(&self, ctx: &Context<'_>, input: Vec<EventInput>) -> async_graphql::Result<ImportReport> {
        require(ctx, Role::Editor)?;
        let catalog = ctx.data_unchecked::<Catalog>();
        let records: Vec<NumberedRecord> =
            input.into_iter().enumerate().map(|(index, event)| (index, Ok(event.into()))).collect();
        let report = catalog.import_batch(records).await.api()?;
        settle(ctx).await;
        Ok(ImportReport {
            imported: report.imported as i32,
            updated: report.updated as i32,
            rejected: report.rejected.len() as i32,
            errors: report
                .rejected
                .into_iter()
                .map(|rejection| ImportError { index: rejection.line as i32, message: rejection.reason })
                .collect(),
            ids: report.event_ids.iter().map(|id| ID(id.to_string())).collect(),
        })
    }
}
