//! Multi-row `INSERT` statements for the import's fast path, written directly and given their
//! values by move. sea-query's builder clones every value into the statement, and sea-orm
//! clones the statement's values again for its arguments: `perf` of an import put the builder
//! in a third of the runtime's samples, most of them copying descriptions into fresh memory.

use std::fmt::Write as _;
use std::ops::Range;

use sea_orm::{DbBackend, Statement, Value};

/// Bound parameters per statement, under every backend's limit (SQLite's 32,766 and
/// PostgreSQL's 65,535). Each statement is a round trip to the database's thread or server,
/// so a batch takes as few as fit.
pub const MAX_PARAMETERS: usize = 30_000;

/// A multi-row insert into one table: its columns, and what follows the values (an
/// `ON CONFLICT` or `RETURNING` clause, or nothing).
#[derive(Debug, Clone, Copy)]
pub struct Insert<'a> {
    pub table: &'a str,
    pub columns: &'a [&'a str],
    pub tail: &'a str,
}

impl<'a> Insert<'a> {
    /// The SQL for `rows` rows, with `backend`'s placeholders (`?`, or `$1` on PostgreSQL).
    pub fn sql(&self, backend: DbBackend, rows: usize) -> String {
        let mut sql = String::with_capacity(64 + self.tail.len() + rows * self.columns.len() * 8);
        let _ = write!(sql, "INSERT INTO \"{}\" (", self.table);
        for (position, column) in self.columns.iter().enumerate() {
            let separator = if position == 0 { "" } else { ", " };
            let _ = write!(sql, "{separator}\"{column}\"");
        }
        sql.push_str(") VALUES ");
        let mut parameter = 0;
        for row in 0..rows {
            sql.push_str(if row == 0 { "(" } else { ", (" });
            for column in 0..self.columns.len() {
                parameter += 1;
                let separator = if column == 0 { "" } else { ", " };
                let _ = match backend {
                    DbBackend::Postgres => write!(sql, "{separator}${parameter}"),
                    _ => write!(sql, "{separator}?"),
                };
            }
            sql.push(')');
        }
        if !self.tail.is_empty() {
            sql.push(' ');
            sql.push_str(self.tail);
        }
        sql
    }

    /// Statements inserting `rows` (each with one value per column), as many rows per
    /// statement as fit under [`MAX_PARAMETERS`], in order, each with the positions in `rows`
    /// of the rows it holds (for the caller's own data about them).
    pub fn statements(
        self,
        backend: DbBackend,
        rows: Vec<Vec<Value>>,
    ) -> impl Iterator<Item = (Range<usize>, Statement)> + use<'a> {
        let per_statement = self.rows_per_statement();
        let mut rows = rows.into_iter().peekable();
        let mut start = 0;
        std::iter::from_fn(move || {
            rows.peek()?;
            let chunk: Vec<Vec<Value>> = rows.by_ref().take(per_statement).collect();
            debug_assert!(chunk.iter().all(|row| row.len() == self.columns.len()));
            let held = start..start + chunk.len();
            start = held.end;
            let sql = self.sql(backend, chunk.len());
            Some((held, Statement::from_sql_and_values(backend, sql, chunk.into_iter().flatten())))
        })
    }

    /// Rows per statement: as many as fit under [`MAX_PARAMETERS`].
    fn rows_per_statement(&self) -> usize {
        (MAX_PARAMETERS / self.columns.len().max(1)).max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINKS: Insert<'static> =
        Insert { table: "event_topics", columns: &["event_id", "topic_id"], tail: "RETURNING \"event_id\"" };

    #[test]
    fn placeholders_follow_the_backend() {
        assert_eq!(
            LINKS.sql(DbBackend::Sqlite, 2),
            "INSERT INTO \"event_topics\" (\"event_id\", \"topic_id\") VALUES (?, ?), (?, ?) RETURNING \"event_id\""
        );
        assert_eq!(
            LINKS.sql(DbBackend::Postgres, 2),
            "INSERT INTO \"event_topics\" (\"event_id\", \"topic_id\") VALUES ($1, $2), ($3, $4) RETURNING \"event_id\""
        );
    }

    #[test]
    fn rows_are_split_where_the_parameters_run_out_and_keep_their_order() {
        let per_statement = LINKS.rows_per_statement();
        let rows: Vec<Vec<Value>> = (0..per_statement as i64 + 3).map(|id| vec![id.into(), (id * 10).into()]).collect();
        let statements: Vec<Statement> =
            LINKS.statements(DbBackend::Postgres, rows).map(|(_, statement)| statement).collect();
        assert_eq!(statements.len(), 2);
        let values: Vec<Vec<Value>> =
            statements.iter().map(|statement| statement.values.clone().expect("bound values").0).collect();
        assert_eq!(values[0].len(), per_statement * 2);
        assert_eq!(
            values[1],
            vec![
                (per_statement as i64).into(),
                (per_statement as i64 * 10).into(),
                (per_statement as i64 + 1).into(),
                (per_statement as i64 * 10 + 10).into(),
                (per_statement as i64 + 2).into(),
                (per_statement as i64 * 10 + 20).into(),
            ]
        );
        assert!(statements[1].sql.ends_with("VALUES ($1, $2), ($3, $4), ($5, $6) RETURNING \"event_id\""));
    }
}
