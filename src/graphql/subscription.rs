//! `eventChanges`: every change to the catalogue, live, as the index applies it (so from this
//! process and from any other writing to the same database), filtered per subscriber.

use std::sync::Arc;

use async_graphql::{Context, Enum, SimpleObject, Subscription, ID};
use futures_util::Stream;
use tokio::sync::broadcast::error::RecvError;

use super::error::ApiResult;
use super::event::{Event, EventFilter};
use crate::catalog::write::ChangeKind as DomainKind;
use crate::catalog::{read, Catalog};
use crate::search::{search_filter, ChangeNotice, Search};

/// What happened to an event.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "DomainKind")]
pub enum ChangeKind {
    Created,
    Updated,
    Deleted,
}

/// One change. `event` is the event as it is now (null once deleted).
#[derive(SimpleObject, Debug, Clone)]
pub struct EventChange {
    pub kind: ChangeKind,
    pub id: ID,
    pub event: Option<Event>,
}

/// Every subscription of the API.
#[derive(Debug, Default)]
pub struct Subscription;

struct Listener {
    notices: tokio::sync::broadcast::Receiver<Arc<ChangeNotice>>,
    catalog: Catalog,
    filter: convene_index::SearchFilter,
}

impl Listener {
    /// The next change this subscriber should see; `None` when the server stops.
    async fn next(&mut self) -> Option<EventChange> {
        loop {
            let notice = match self.notices.recv().await {
                Ok(notice) => notice,
                Err(RecvError::Lagged(missed)) => {
                    tracing::warn!(missed, "a subscriber fell behind and missed changes");
                    continue;
                }
                Err(RecvError::Closed) => return None,
            };
            // A deleted event is checked as the index last held it; one the index never held
            // (created and deleted between two steps) only reaches subscribers without a filter.
            let wanted = match notice.document.as_ref() {
                Some(document) => self.filter.matches(document),
                None => self.filter == convene_index::SearchFilter::default(),
            };
            if !wanted {
                continue;
            }
            let event = match notice.kind {
                DomainKind::Deleted => None,
                _ => read::events_by_id(self.catalog.db(), &[notice.event_id]).await.ok()?.remove(&notice.event_id),
            };
            return Some(EventChange {
                kind: notice.kind.into(),
                id: ID(notice.event_id.to_string()),
                event: event.map(Event::single),
            });
        }
    }
}

#[Subscription]
impl Subscription {
    /// Changes to events that pass the filter, in the order they are applied.
    async fn event_changes(
        &self,
        ctx: &Context<'_>,
        filter: Option<EventFilter>,
    ) -> async_graphql::Result<impl Stream<Item = EventChange>> {
        let catalog = ctx.data_unchecked::<Catalog>().clone();
        let search = ctx.data_unchecked::<Search>();
        let domain_filter = filter.unwrap_or_default().into_domain()?;
        let filter = search_filter(&catalog, &domain_filter).api()?;
        let listener = Listener { notices: search.subscribe(), catalog, filter };
        Ok(futures_util::stream::unfold(listener, |mut listener| async move {
            let change = listener.next().await?;
            Some((change, listener))
        }))
    }
}
