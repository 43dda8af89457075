//! `eventStats`: counts of events grouped by one or several dimensions, for dashboards.

use async_graphql::{Context, Object, SimpleObject};

use super::error::{ApiResult, ErrorCode};
use super::event::EventFilter;
use super::labels::{LabelCache, Labels};
use super::search::{Bucket, Dimension};
use super::taxonomy::RegionScheme;
use crate::catalog::reference::RegionScheme as Scheme;
use crate::catalog::Catalog;
use crate::search::search_filter;
use crate::search::Search;

/// One combination of keys, one per `groupBy` dimension in order, and its count.
#[derive(SimpleObject, Debug, Clone)]
pub struct StatsBucket {
    pub keys: Vec<Bucket>,
    pub count: i64,
}

/// Grouped counts. `total` counts events once; an event counts once in each bucket it falls
/// in, so buckets of multi-valued dimensions (regions, countries, topics) may sum to more.
#[derive(SimpleObject, Debug, Clone)]
pub struct EventStats {
    pub total: i64,
    pub buckets: Vec<StatsBucket>,
}

/// The `eventStats` query.
#[derive(Debug, Default)]
pub struct StatsQuery;

/// The most dimensions one request may group by.
const MAX_GROUP_BY: usize = 4;

#[Object]
impl StatsQuery {
    /// Events counted by one or several dimensions (`[REGION, YEAR]` is the classic
    /// dashboard) under a filter and optionally a search query. Buckets come by count, then key.
    async fn event_stats(
        &self,
        ctx: &Context<'_>,
        group_by: Vec<Dimension>,
        filter: Option<EventFilter>,
        query: Option<String>,
        #[graphql(default_with = "Some(RegionScheme::UnSubregion)")] region_scheme: Option<RegionScheme>,
    ) -> async_graphql::Result<EventStats> {
        let catalog = ctx.data_unchecked::<Catalog>();
        let search = ctx.data_unchecked::<Search>();
        if group_by.len() > MAX_GROUP_BY {
            return Err(ErrorCode::BadUserInput.error(format!("groupBy: at most {MAX_GROUP_BY} dimensions")));
        }
        let scheme: Scheme = region_scheme.unwrap_or_default().into();
        let domain_filter = filter.unwrap_or_default().into_domain()?;
        let index_filter = search_filter(catalog, &domain_filter).api()?;
        let fields: Vec<_> = group_by.iter().map(|dimension| dimension.facet_field(scheme)).collect();
        let text = query.unwrap_or_default();
        let index = search.index();
        // The labels come from the cache, or from the database while the index counts.
        let counting = tokio::task::spawn_blocking(move || index.stats(&text, &index_filter, &fields));
        let (stats, labels) = tokio::join!(
            counting,
            Labels::load(catalog, ctx.data_unchecked::<LabelCache>(), search.applied_seq(), &group_by)
        );
        let labels = labels.api()?;
        let stats = stats
            .map_err(|error| anyhow::anyhow!(error))
            .and_then(|result| result.map_err(anyhow::Error::from))
            .map_err(|error| {
                tracing::error!(error = format!("{error:#}"), "event stats failed");
                ErrorCode::Internal.error("internal error")
            })?;
        let buckets = stats
            .buckets
            .iter()
            .map(|(keys, count)| StatsBucket {
                keys: group_by
                    .iter()
                    .zip(keys)
                    .map(|(&dimension, key)| labels.bucket(catalog, dimension, key, *count))
                    .collect(),
                count: *count as i64,
            })
            .collect();
        Ok(EventStats { total: stats.total as i64, buckets })
    }
}
