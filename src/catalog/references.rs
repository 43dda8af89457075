//! Who checks that the rows an import batch refers to exist. On PostgreSQL a batch may do it
//! itself ([`ReferenceChecks::PerBatch`]): the per-row foreign-key triggers are off while it
//! writes its units, venues, events and links (about 25 rows per event, each checked with a
//! `SELECT ... FOR KEY SHARE`: half the server's work in an import), and the batch instead
//! locks every distinct row it refers to with that same lock, once, and fails if any is
//! missing. Rows it refers to cannot be deleted before it commits, as with the triggers; a
//! batch that fails is written again record by record with the triggers on.

use std::collections::BTreeSet;

use sea_orm::sea_query::{Expr, ExprTrait, LockType, Query};
use sea_orm::{ConnectionTrait, DbBackend, QueryResult, Statement, Value};

use super::error::CatalogError;
use super::insert::MAX_PARAMETERS;

/// Who checks that the rows a batch refers to exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReferenceChecks {
    /// The database's foreign keys, row by row.
    #[default]
    PerRow,
    /// The batch, once per distinct row it refers to (PostgreSQL only).
    PerBatch,
}

impl ReferenceChecks {
    /// [`ReferenceChecks::PerBatch`] when the database is PostgreSQL and the role may turn off
    /// the per-row triggers for a transaction (`session_replication_role`: a superuser, or on
    /// PostgreSQL 15 and later a role granted `SET` on it). SQLite keeps its own checks, which
    /// cost little there: an import of 100k events took as long without them.
    pub async fn for_connection(db: &impl ConnectionTrait) -> Result<Self, CatalogError> {
        if db.get_database_backend() != DbBackend::Postgres {
            return Ok(ReferenceChecks::PerRow);
        }
        let ask = |sql: &str| Statement::from_string(DbBackend::Postgres, sql.to_string());
        let flag = |row: &Option<QueryResult>, column: &str| {
            row.as_ref().map_or(Ok(false), |row| row.try_get::<bool>("", column))
        };
        let role = db
            .query_one_raw(ask("SELECT current_setting('is_superuser') = 'on' AS superuser, \
                 current_setting('server_version_num')::int >= 150000 AS grantable"))
            .await?;
        if flag(&role, "superuser")? {
            return Ok(ReferenceChecks::PerBatch);
        }
        // `GRANT SET ON PARAMETER` and `has_parameter_privilege` came with PostgreSQL 15.
        if !flag(&role, "grantable")? {
            return Ok(ReferenceChecks::PerRow);
        }
        let granted = db
            .query_one_raw(ask("SELECT has_parameter_privilege('session_replication_role', 'SET') AS granted"))
            .await?;
        Ok(if flag(&granted, "granted")? { ReferenceChecks::PerBatch } else { ReferenceChecks::PerRow })
    }
}

/// Locks the rows of `table` whose `key_column` is one of `keys` (distinct) as a foreign-key
/// check does (`FOR KEY SHARE`, held until the transaction ends); an error when any is missing.
async fn lock_referenced(
    txn: &impl ConnectionTrait,
    table: &'static str,
    key_column: &'static str,
    keys: Vec<Value>,
) -> Result<(), CatalogError> {
    let mut found = 0;
    for chunk in keys.chunks(MAX_PARAMETERS) {
        let select = Query::select()
            .column(key_column)
            .from(table)
            .and_where(Expr::col(key_column).is_in(chunk.to_vec()))
            .lock(LockType::KeyShare)
            .to_owned();
        found += txn.query_all(&select).await?.len();
    }
    match keys.len().saturating_sub(found) {
        0 => Ok(()),
        missing => Err(CatalogError::NotFound(format!("{missing} {table} the batch refers to"))),
    }
}

/// The distinct rows a batch's units, venues, events and links refer to, besides the events
/// themselves: the batch inserted them or holds them locked by its update (an update that
/// finds its event gone fails the batch).
#[derive(Debug, Default)]
pub(super) struct Referenced {
    organizers: BTreeSet<i64>,
    venues: BTreeSet<i64>,
    topics: BTreeSet<i64>,
    audiences: BTreeSet<i64>,
    countries: BTreeSet<String>,
}

impl Referenced {
    /// Starts a batch's own checks where it makes them ([`ReferenceChecks::PerBatch`]): the
    /// per-row foreign-key triggers are off for the rest of the transaction, until
    /// [`Referenced::lock`]. `None` where the database checks each row.
    pub(super) async fn begin(
        txn: &impl ConnectionTrait,
        checks: ReferenceChecks,
    ) -> Result<Option<Self>, CatalogError> {
        if checks != ReferenceChecks::PerBatch {
            return Ok(None);
        }
        txn.execute_unprepared("SET LOCAL session_replication_role = replica").await?;
        Ok(Some(Referenced::default()))
    }

    /// Notes the parent of a unit the batch names (it may insert the unit).
    pub(super) fn note_parent(&mut self, id: i64) {
        self.organizers.insert(id);
    }

    /// Notes the country of a venue the batch names (it may insert the venue).
    pub(super) fn note_country(&mut self, code: &str) {
        self.countries.insert(code.to_string());
    }

    /// Notes what one event refers to.
    pub(super) fn note(
        &mut self,
        owners: (Option<i64>, Option<i64>),
        countries: &[String],
        topics: &[i64],
        audiences: &[i64],
    ) {
        self.organizers.extend(owners.0);
        self.venues.extend(owners.1);
        self.countries.extend(countries.iter().cloned());
        self.topics.extend(topics);
        self.audiences.extend(audiences);
    }

    /// Turns the per-row triggers on again, then locks every row noted as foreign-key checks
    /// would; an error when any is gone.
    pub(super) async fn lock(self, txn: &impl ConnectionTrait) -> Result<(), CatalogError> {
        txn.execute_unprepared("SET LOCAL session_replication_role = origin").await?;
        let ids = |set: BTreeSet<i64>| set.into_iter().map(Value::from).collect::<Vec<_>>();
        lock_referenced(txn, "organizers", "id", ids(self.organizers)).await?;
        lock_referenced(txn, "venues", "id", ids(self.venues)).await?;
        lock_referenced(txn, "topics", "id", ids(self.topics)).await?;
        lock_referenced(txn, "audiences", "id", ids(self.audiences)).await?;
        lock_referenced(txn, "countries", "code", self.countries.into_iter().map(Value::from).collect()).await
    }
}
