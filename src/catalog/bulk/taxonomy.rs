//! The taxonomy rows of an import batch's fast path: the organizers (level by level), venues,
//! topics and audiences its events name, inserted when new and their ids learnt.

use std::collections::HashSet;

use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ConnectionTrait, Value};

use super::id_of;
use crate::catalog::error::CatalogError;
use crate::catalog::insert::Insert;
use crate::catalog::references::Referenced;
use crate::catalog::resolve::ResolvedEvent;
use crate::catalog::write::{organizer_path_key, venue_key, WriteCache};

/// Inserts the rows whose key (a unique text column) `cache` does not know yet, and learns the
/// ids of those keys into `cache`.
async fn ensure_keys(
    txn: &impl ConnectionTrait,
    cache: &mut WriteCache,
    table: &'static str,
    key_column: &'static str,
    columns: &[&'static str],
    rows: Vec<(String, Vec<Value>)>,
) -> Result<(), CatalogError> {
    let mut seen = HashSet::new();
    let (keys, values): (Vec<String>, Vec<Vec<Value>>) =
        rows.into_iter().filter(|(key, _)| !cache.contains(table, key) && seen.insert(key.clone())).unzip();
    let tail = format!("ON CONFLICT (\"{key_column}\") DO NOTHING");
    let insert = Insert { table, columns, tail: &tail };
    for (held, statement) in insert.statements(txn.get_database_backend(), values) {
        txn.execute_raw(statement).await?;
        let select = Query::select()
            .columns(["id", key_column])
            .from(table)
            .and_where(Expr::col(key_column).is_in(keys[held].iter().cloned()))
            .to_owned();
        for row in txn.query_all(&select).await? {
            let id: i64 = row.try_get("", "id")?;
            let key: String = row.try_get("", key_column)?;
            cache.remember(table, key, id);
        }
    }
    Ok(())
}

/// Inserts the organizers, venues, topics and audiences the batch names and `cache` does not
/// know yet, and learns their ids. With `referenced`, the rows these refer to (parent units,
/// venues' countries) are noted for the batch's own check instead of checked as written.
pub(in crate::catalog) async fn write_taxonomy(
    txn: &impl ConnectionTrait,
    cache: &mut WriteCache,
    events: &[ResolvedEvent],
    mut referenced: Option<&mut Referenced>,
) -> Result<(), CatalogError> {
    // Organizers, level by level, so each unit's parent id is known.
    let depth = events.iter().map(|event| event.organizer_path.len()).max().unwrap_or(0);
    for level in 1..=depth {
        let mut rows = Vec::new();
        for event in events.iter().filter(|event| event.organizer_path.len() >= level) {
            let path = &event.organizer_path[..level];
            let parent = if level > 1 {
                Some(id_of(cache, "organizers", &organizer_path_key(&path[..level - 1]))?)
            } else {
                None
            };
            let key = organizer_path_key(path);
            if let (Some(referenced), Some(parent)) = (referenced.as_deref_mut(), parent) {
                referenced.note_parent(parent);
            }
            rows.push((key.clone(), vec![parent.into(), path[level - 1].clone().into(), key.into()]));
        }
        ensure_keys(txn, cache, "organizers", "path_key", &["parent_id", "name", "path_key"], rows).await?;
    }
    let venues: Vec<(String, Vec<Value>)> = events
        .iter()
        .filter_map(|event| event.venue.as_ref())
        .map(|venue| {
            if let (Some(referenced), Some(code)) = (referenced.as_deref_mut(), &venue.country_code) {
                referenced.note_country(code);
            }
            let key = venue_key(venue);
            let values = vec![
                key.clone().into(),
                venue.name.clone().into(),
                venue.address.clone().into(),
                venue.city.clone().into(),
                venue.country_code.clone().into(),
            ];
            (key, values)
        })
        .collect();
    ensure_keys(txn, cache, "venues", "venue_key", &["venue_key", "name", "address", "city", "country_code"], venues)
        .await?;
    for (table, labels) in [
        ("topics", events.iter().flat_map(|event| &event.topics).collect::<Vec<_>>()),
        ("audiences", events.iter().flat_map(|event| &event.audiences).collect::<Vec<_>>()),
    ] {
        let rows = labels
            .into_iter()
            .map(|label| (label.slug.clone(), vec![label.slug.clone().into(), label.label.clone().into()]))
            .collect();
        ensure_keys(txn, cache, table, "slug", &["slug", "label"], rows).await?;
    }
    Ok(())
}
