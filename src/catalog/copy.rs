//! PostgreSQL transactions that load an import batch's rows with `COPY ... FROM STDIN`
//! instead of multi-row `INSERT`s. sea-orm's own transaction does not expose its connection,
//! and `COPY` must run on the connection of the transaction it belongs to, so this one is a
//! sqlx transaction that also runs sea-orm's statements ([`ConnectionTrait`]).
//!
//! Why: PostgreSQL shares the import's two cores with the index, and `COPY` halves its work
//! for the same rows. Loading a 100k catalogue's events, links and changes took it 8.8-9.3 s of
//! CPU as prepared multi-row `INSERT`s of bound parameters and 4.5-4.6 s as binary `COPY`; a
//! 100k `convene import`, whose change log keeps its `INSERT` (it reads back the numbers it
//! takes), went from 8.6-9.2 s of PostgreSQL's CPU to 6.6-7.1 s (BENCHMARKS.md).

use std::future::Future;
use std::sync::Arc;

use chrono::{NaiveDate, NaiveTime};
use sea_orm::sqlx::{self, postgres::Postgres, PgPool};
use sea_orm::{
    ConnectionTrait, DatabaseTransaction, DbBackend, DbErr, ExecResult, QueryResult, RuntimeErr, Statement, Value,
};
use sea_query_sqlx::SqlxValues;
use tokio::sync::Mutex;

use super::error::CatalogError;
use super::insert::Insert;

/// Bytes of `COPY` data gathered before they are sent, so PostgreSQL parses a batch's rows
/// while the next ones are written.
const SEND_BYTES: usize = 1 << 20;

/// Where a batch's rows go: multi-row `INSERT`s, or `COPY` on PostgreSQL ([`CopyTransaction`]).
pub trait RowSink: ConnectionTrait + Send {
    /// Inserts `rows` (one value per column each) into `table`, in order.
    fn insert_rows<'a>(
        &'a self,
        table: &'static str,
        columns: &'a [&'static str],
        rows: Vec<Vec<Value>>,
    ) -> impl Future<Output = Result<(), CatalogError>> + Send + 'a;
}

impl RowSink for DatabaseTransaction {
    async fn insert_rows<'a>(
        &'a self,
        table: &'static str,
        columns: &'a [&'static str],
        rows: Vec<Vec<Value>>,
    ) -> Result<(), CatalogError> {
        let insert = Insert { table, columns, tail: "" };
        for (_, statement) in insert.statements(self.get_database_backend(), rows) {
            self.execute_raw(statement).await?;
        }
        Ok(())
    }
}

/// A PostgreSQL transaction that loads rows with `COPY` and runs sea-orm's statements.
/// Dropped without [`CopyTransaction::commit`], it rolls back.
#[derive(Debug)]
pub struct CopyTransaction {
    /// Locked for each statement: sea-orm's [`ConnectionTrait`] takes `&self`.
    connection: Mutex<sqlx::Transaction<'static, Postgres>>,
}

impl CopyTransaction {
    /// Begins a transaction on a connection of `pool`.
    pub async fn begin(pool: &PgPool) -> Result<Self, CatalogError> {
        let transaction = pool.begin().await.map_err(|error| DbErr::Conn(RuntimeErr::SqlxError(Arc::new(error))))?;
        Ok(CopyTransaction { connection: Mutex::new(transaction) })
    }

    pub async fn commit(self) -> Result<(), CatalogError> {
        Ok(self.connection.into_inner().commit().await.map_err(exec_error)?)
    }

    pub async fn rollback(self) -> Result<(), CatalogError> {
        Ok(self.connection.into_inner().rollback().await.map_err(exec_error)?)
    }
}

/// sqlx's error as sea-orm reports a failed statement.
fn exec_error(error: sqlx::Error) -> DbErr {
    DbErr::Exec(RuntimeErr::SqlxError(Arc::new(error)))
}

/// sqlx's error as sea-orm reports a failed query.
fn query_error(error: sqlx::Error) -> DbErr {
    DbErr::Query(RuntimeErr::SqlxError(Arc::new(error)))
}

/// sea-orm's statement as a sqlx query, its values bound as sea-orm binds them.
fn query(statement: Statement) -> sqlx::query::Query<'static, Postgres, SqlxValues> {
    let values = statement.values.unwrap_or(sea_orm::Values(Vec::new()));
    sqlx::query_with(sqlx::AssertSqlSafe(statement.sql), SqlxValues(values))
}

#[async_trait::async_trait]
impl ConnectionTrait for CopyTransaction {
    fn get_database_backend(&self) -> DbBackend {
        DbBackend::Postgres
    }

    async fn execute_raw(&self, statement: Statement) -> Result<ExecResult, DbErr> {
        let mut connection = self.connection.lock().await;
        let done = query(statement).execute(&mut **connection).await.map_err(exec_error)?;
        Ok(done.into())
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        let mut connection = self.connection.lock().await;
        let sql = sqlx::AssertSqlSafe(sql.to_string());
        let done = sqlx::raw_sql(sql).execute(&mut **connection).await.map_err(exec_error)?;
        Ok(done.into())
    }

    async fn query_one_raw(&self, statement: Statement) -> Result<Option<QueryResult>, DbErr> {
        let mut connection = self.connection.lock().await;
        let row = query(statement).fetch_optional(&mut **connection).await.map_err(query_error)?;
        Ok(row.map(QueryResult::from))
    }

    async fn query_all_raw(&self, statement: Statement) -> Result<Vec<QueryResult>, DbErr> {
        let mut connection = self.connection.lock().await;
        let rows = query(statement).fetch_all(&mut **connection).await.map_err(query_error)?;
        Ok(rows.into_iter().map(QueryResult::from).collect())
    }
}

impl RowSink for CopyTransaction {
    async fn insert_rows<'a>(
        &'a self,
        table: &'static str,
        columns: &'a [&'static str],
        rows: Vec<Vec<Value>>,
    ) -> Result<(), CatalogError> {
        if rows.is_empty() {
            return Ok(());
        }
        let quoted: Vec<String> = columns.iter().map(|column| format!("\"{column}\"")).collect();
        let statement = format!("COPY \"{table}\" ({}) FROM STDIN (FORMAT binary)", quoted.join(", "));
        let mut connection = self.connection.lock().await;
        let mut copy = connection.copy_in_raw(&statement).await.map_err(exec_error)?;
        let mut data = Vec::with_capacity(SEND_BYTES + SEND_BYTES / 4);
        data.extend_from_slice(BINARY_HEADER);
        for row in &rows {
            if let Err(error) = push_row(&mut data, row) {
                copy.abort(error.to_string()).await.map_err(exec_error)?;
                return Err(error);
            }
            if data.len() >= SEND_BYTES {
                copy.send(std::mem::take(&mut data)).await.map_err(exec_error)?;
                data.reserve(SEND_BYTES + SEND_BYTES / 4);
            }
        }
        data.extend_from_slice(BINARY_TRAILER);
        copy.send(data).await.map_err(exec_error)?;
        copy.finish().await.map_err(exec_error)?;
        Ok(())
    }
}

/// The start of `COPY`'s binary format: its signature, no flags, no header extension.
const BINARY_HEADER: &[u8] = b"PGCOPY\n\xff\r\n\0\0\0\0\0\0\0\0\0";

/// The end of `COPY`'s binary format.
const BINARY_TRAILER: &[u8] = &(-1i16).to_be_bytes();

/// Appends one row in `COPY`'s binary format: the number of values, then each value's length
/// (-1 for null) and bytes, in the column type's binary form. PostgreSQL refuses a value whose
/// form does not fit its column (an `Int` for a `bigint`), so a wrong one fails the batch,
/// which is then written record by record, rather than storing something else.
fn push_row(out: &mut Vec<u8>, row: &[Value]) -> Result<(), CatalogError> {
    let count = i16::try_from(row.len()).map_err(|_| CatalogError::Internal("too many columns".into()))?;
    out.extend_from_slice(&count.to_be_bytes());
    for value in row {
        push_value(out, value)?;
    }
    Ok(())
}

/// PostgreSQL's epoch: binary dates count days from it, times microseconds.
const POSTGRES_EPOCH: NaiveDate = NaiveDate::from_ymd_opt(2000, 1, 1).expect("a date");

/// Appends one value: its length, then its bytes.
fn push_value(out: &mut Vec<u8>, value: &Value) -> Result<(), CatalogError> {
    fn field(out: &mut Vec<u8>, bytes: &[u8]) -> Result<(), CatalogError> {
        let length = i32::try_from(bytes.len()).map_err(|_| CatalogError::Internal("a value over 2 GB".into()))?;
        out.extend_from_slice(&length.to_be_bytes());
        out.extend_from_slice(bytes);
        Ok(())
    }
    match value {
        Value::Bool(Some(flag)) => field(out, &[u8::from(*flag)]),
        Value::SmallInt(Some(number)) => field(out, &number.to_be_bytes()),
        Value::Int(Some(number)) => field(out, &number.to_be_bytes()),
        Value::BigInt(Some(number)) => field(out, &number.to_be_bytes()),
        // `text` and `varchar` alike: the UTF-8 bytes.
        Value::String(Some(string)) => field(out, string.as_bytes()),
        Value::ChronoDate(Some(date)) => {
            let days = i32::try_from(date.signed_duration_since(POSTGRES_EPOCH).num_days())
                .map_err(|_| CatalogError::Internal(format!("date {date} out of range")))?;
            field(out, &days.to_be_bytes())
        }
        Value::ChronoDateTimeUtc(Some(time)) => {
            let since = time.naive_utc().signed_duration_since(POSTGRES_EPOCH.and_time(NaiveTime::MIN));
            let micros =
                since.num_microseconds().ok_or_else(|| CatalogError::Internal(format!("time {time} out of range")))?;
            field(out, &micros.to_be_bytes())
        }
        Value::Bool(None)
        | Value::SmallInt(None)
        | Value::Int(None)
        | Value::BigInt(None)
        | Value::String(None)
        | Value::ChronoDate(None)
        | Value::ChronoDateTimeUtc(None) => {
            out.extend_from_slice(&(-1i32).to_be_bytes());
            Ok(())
        }
        other => Err(CatalogError::Internal(format!("COPY does not write {other:?}"))),
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;

    fn row(values: Vec<Value>) -> Vec<u8> {
        let mut out = Vec::new();
        push_row(&mut out, &values).expect("values COPY writes");
        out
    }

    #[test]
    fn values_take_their_column_types_binary_forms() {
        let mut expected = vec![0, 4];
        expected.extend([0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 7]); // bigint 7
        expected.extend([0, 0, 0, 4, 255, 255, 255, 253]); // integer -3
        expected.extend([0, 0, 0, 6]);
        expected.extend(b"Gen\xc3\xa8v"); // text, UTF-8
        expected.extend([255, 255, 255, 255]); // null
        assert_eq!(row(vec![7i64.into(), (-3i32).into(), "Genèv".into(), Option::<String>::None.into()]), expected);
    }

    #[test]
    fn dates_and_times_count_from_postgresqls_epoch() {
        let epoch = NaiveDate::from_ymd_opt(2000, 1, 1).expect("a date");
        assert_eq!(row(vec![epoch.into()]), [0, 1, 0, 0, 0, 4, 0, 0, 0, 0]);
        let before = NaiveDate::from_ymd_opt(1999, 12, 31).expect("a date");
        assert_eq!(row(vec![before.into()])[6..], (-1i32).to_be_bytes());
        let later = NaiveDate::from_ymd_opt(2009, 11, 3).expect("a date");
        assert_eq!(row(vec![later.into()])[6..], 3_594i32.to_be_bytes());
        let time = Utc.with_ymd_and_hms(2000, 1, 2, 0, 0, 1).single().expect("a time");
        assert_eq!(row(vec![time.into()])[6..], 86_401_000_000i64.to_be_bytes());
    }

    #[test]
    fn an_unsupported_value_is_an_error_not_a_wrong_row() {
        assert!(push_row(&mut Vec::new(), &[Value::Double(Some(1.5))]).is_err());
    }
}
