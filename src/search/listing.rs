//! Filtered event lists answered by the index: the index filters, counts and orders by date in
//! one pass; the page's events are then read from the database by id. Same order, cursors and
//! totals as the database's keyset pages, far faster once filters select many events.

use chrono::NaiveDate;
use convene_index::{DateField, DateKey, DateOrder};

use super::{search_filter, Search};
use crate::catalog::filter::EventFilter;
use crate::catalog::page::{Cursor, EventOrder, PageRequest};
use crate::catalog::read::{self, EventPage};
use crate::catalog::{Catalog, CatalogError};

fn date_field(order: EventOrder) -> Option<(DateField, bool)> {
    match order {
        EventOrder::StartDateDesc => Some((DateField::StartDate, true)),
        EventOrder::StartDateAsc => Some((DateField::StartDate, false)),
        EventOrder::AddedOnDesc => Some((DateField::AddedOn, true)),
        EventOrder::TitleAsc => None,
    }
}

fn key_of(cursor: &Cursor) -> Result<DateKey, CatalogError> {
    let date = match &cursor.value {
        Some(text) => {
            let date = text
                .parse::<NaiveDate>()
                .map_err(|_| CatalogError::invalid("after", "cursor does not fit this order"))?;
            Some(convene_index::document::index_date(date).into_timestamp_secs())
        }
        None => None,
    };
    Ok(DateKey { date, id: cursor.id as u64 })
}

/// True when the index should answer: every date order (the database keeps `TITLE_ASC`).
pub fn answers(order: EventOrder) -> bool {
    date_field(order).is_some()
}

/// A page of events under a filter, from the index.
pub async fn events_page(
    search: &Search,
    catalog: &Catalog,
    filter: &EventFilter,
    order: EventOrder,
    page: &PageRequest,
) -> Result<EventPage, CatalogError> {
    let (field, descending) = date_field(order).expect("a date order");
    let plan = page.plan()?;
    let index_filter = search_filter(catalog, filter)?;
    let after = plan.cursor.as_ref().map(key_of).transpose()?;
    let date_order = DateOrder { field, descending, reverse: !plan.forward, after, limit: plan.limit as usize + 1 };
    let index = search.index();
    let (mut keys, total) = tokio::task::spawn_blocking(move || index.list_by_date(&index_filter, date_order))
        .await
        .map_err(|error| CatalogError::Internal(error.to_string()))?
        .map_err(|error| CatalogError::Internal(error.to_string()))?;
    let has_more = keys.len() as u64 > plan.limit;
    keys.truncate(plan.limit as usize);
    if !plan.forward {
        keys.reverse();
    }
    let ids: Vec<i64> = keys.iter().map(|key| key.id as i64).collect();
    let mut found = read::events_by_id(catalog.db(), &ids).await?;
    let events = ids.iter().filter_map(|id| found.remove(id)).collect();
    Ok(EventPage::new(events, order, &plan, has_more, Some(total)))
}
