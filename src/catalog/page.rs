//! Keyset pagination over events: orders, opaque cursors and Relay's first/after/last/before.

use base64::Engine;
use chrono::NaiveDate;
use sea_orm::sea_query::{Condition, Expr, ExprTrait, Order};
use sea_orm::{ColumnTrait, QueryOrder, Select};
use serde::{Deserialize, Serialize};

use super::entity::event;
use super::error::CatalogError;

/// The orders of API.md's `EventOrder`. Events without the sorted date come last.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum EventOrder {
    #[default]
    StartDateDesc,
    StartDateAsc,
    AddedOnDesc,
    TitleAsc,
}

/// The most events one page may hold.
pub const MAX_PAGE_SIZE: u64 = 100;
/// The page size when the client gives none.
pub const DEFAULT_PAGE_SIZE: u64 = 20;

/// Where a page starts and how long it is.
#[derive(Debug, Clone, Default)]
pub struct PageRequest {
    pub first: Option<i64>,
    pub after: Option<String>,
    pub last: Option<i64>,
    pub before: Option<String>,
}

/// The position of an event in an order: its sort value and id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cursor {
    #[serde(rename = "v")]
    pub value: Option<String>,
    #[serde(rename = "i")]
    pub id: i64,
}

impl Cursor {
    /// The opaque string clients hold.
    pub fn encode(&self) -> String {
        let json = serde_json::to_vec(self).expect("a cursor serialises");
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json)
    }

    /// Reads a cursor back; a damaged one is the client's error, named by `field`.
    pub fn decode(field: &str, text: &str) -> Result<Self, CatalogError> {
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(text)
            .ok()
            .and_then(|json| serde_json::from_slice(&json).ok())
            .ok_or_else(|| CatalogError::invalid(field, format!("{text:?} is not a cursor from this API")))
    }

    /// The cursor of an event in an order.
    pub fn of(event: &event::Model, order: EventOrder) -> Self {
        let date = |value: Option<NaiveDate>| value.map(|date| date.to_string());
        let value = match order {
            EventOrder::StartDateDesc | EventOrder::StartDateAsc => date(event.start_date),
            EventOrder::AddedOnDesc => date(event.added_on),
            EventOrder::TitleAsc => Some(event.title.clone()),
        };
        Cursor { value, id: event.id }
    }
}

impl EventOrder {
    fn column(self) -> event::Column {
        match self {
            EventOrder::StartDateDesc | EventOrder::StartDateAsc => event::Column::StartDate,
            EventOrder::AddedOnDesc => event::Column::AddedOn,
            EventOrder::TitleAsc => event::Column::Title,
        }
    }

    fn descending(self) -> bool {
        matches!(self, EventOrder::StartDateDesc | EventOrder::AddedOnDesc)
    }

    fn value(self, text: &str) -> Result<sea_orm::Value, CatalogError> {
        Ok(match self {
            EventOrder::TitleAsc => text.to_string().into(),
            _ => text
                .parse::<NaiveDate>()
                .map_err(|_| CatalogError::invalid("after", "cursor does not fit this order"))?
                .into(),
        })
    }

    /// Sorts a query in this order, or in reverse when paging backwards.
    pub fn apply(self, select: Select<event::Entity>, reverse: bool) -> Select<event::Entity> {
        let ascending = self.descending() == reverse;
        let direction = if ascending { Order::Asc } else { Order::Desc };
        let nulls_last = if reverse { Order::Desc } else { Order::Asc };
        let column = self.column();
        select
            .order_by(Expr::col((event::Entity, column)).is_null(), nulls_last)
            .order_by(column, direction.clone())
            .order_by(event::Column::Id, direction)
    }

    /// The events after (`forward`) or before a cursor in this order.
    pub fn beyond(self, cursor: &Cursor, forward: bool) -> Result<Condition, CatalogError> {
        let column = self.column();
        let id = event::Column::Id;
        // Past a cursor means: a smaller value in a descending order, a larger one ascending.
        let past_value = |value: sea_orm::Value| {
            if self.descending() == forward {
                column.lt(value)
            } else {
                column.gt(value)
            }
        };
        let past_id = if self.descending() == forward { id.lt(cursor.id) } else { id.gt(cursor.id) };
        Ok(match (&cursor.value, forward) {
            (Some(text), true) => {
                let value = self.value(text)?;
                Condition::any()
                    .add(column.is_null())
                    .add(past_value(value.clone()))
                    .add(Condition::all().add(column.eq(value)).add(past_id))
            }
            (None, true) => Condition::all().add(column.is_null()).add(past_id),
            (Some(text), false) => {
                let value = self.value(text)?;
                Condition::all().add(column.is_not_null()).add(
                    Condition::any()
                        .add(past_value(value.clone()))
                        .add(Condition::all().add(column.eq(value)).add(past_id)),
                )
            }
            (None, false) => {
                Condition::any().add(column.is_not_null()).add(Condition::all().add(column.is_null()).add(past_id))
            }
        })
    }
}

/// A validated page request: which way, from where, how many.
#[derive(Debug, Clone)]
pub struct PagePlan {
    pub forward: bool,
    pub cursor: Option<Cursor>,
    pub limit: u64,
}

fn page_size(field: &str, value: i64) -> Result<u64, CatalogError> {
    if value < 0 || value as u64 > MAX_PAGE_SIZE {
        return Err(CatalogError::invalid(field, format!("must be between 0 and {MAX_PAGE_SIZE}, got {value}")));
    }
    Ok(value as u64)
}

impl PageRequest {
    /// Checks sizes and cursors: `last`/`before` page backwards, everything else forwards.
    pub fn plan(&self) -> Result<PagePlan, CatalogError> {
        if self.first.is_some() && self.last.is_some() {
            return Err(CatalogError::invalid("last", "give first or last, not both"));
        }
        if self.last.is_some() || (self.before.is_some() && self.first.is_none()) {
            let limit = page_size("last", self.last.unwrap_or(DEFAULT_PAGE_SIZE as i64))?;
            let cursor = self.before.as_deref().map(|text| Cursor::decode("before", text)).transpose()?;
            return Ok(PagePlan { forward: false, cursor, limit });
        }
        let limit = page_size("first", self.first.unwrap_or(DEFAULT_PAGE_SIZE as i64))?;
        let cursor = self.after.as_deref().map(|text| Cursor::decode("after", text)).transpose()?;
        Ok(PagePlan { forward: true, cursor, limit })
    }
}
