//! Reading many rows at once as one JSON array.
//!
//! sqlx's SQLite driver runs each connection on its own thread and hands every result row across
//! to the async side, one thread wake-up per row; reading the thousands of rows of a national-
//! scale report that way spent more time switching threads than querying. For such reads the
//! database builds the rows into one JSON array (SQLite `json_group_array`, PostgreSQL
//! `json_agg`), which arrives as one value and is parsed here. The same way, a page that shows
//! several small lists reads them as several arrays of one statement (one round trip instead of
//! one per list). Ordinary queries stay plain SQL.

use crate::{Result, StoreError};
use serde::de::DeserializeOwned;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

/// Wraps `inner` (a SELECT whose result columns are named exactly `columns`) so that it returns
/// one row with one text value: a JSON array of objects keyed by the column names, ordered by
/// `order_by` (a list of those columns, each optionally followed by `DESC`).
pub(crate) fn json_array_sql(
    conn: &AnyConnection,
    inner: &str,
    columns: &[&str],
    order_by: &str,
) -> String {
    format!("SELECT {}", json_array_expr(conn, inner, columns, order_by))
}

/// The scalar subquery [`json_array_sql`] selects, for reading several arrays in one statement.
pub(crate) fn json_array_expr(
    conn: &AnyConnection,
    inner: &str,
    columns: &[&str],
    order_by: &str,
) -> String {
    let pairs = columns
        .iter()
        .map(|c| format!("'{c}', t.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    if conn.backend_name().eq_ignore_ascii_case("postgresql") {
        format!(
            "(SELECT CAST(COALESCE(json_agg(json_build_object({pairs}) ORDER BY {order_by}), '[]') AS TEXT) FROM ({inner}) t)"
        )
    } else {
        // SQLite aggregates in the order the ordered subquery yields its rows.
        format!(
            "(SELECT json_group_array(json_object({pairs})) FROM (SELECT * FROM ({inner}) ORDER BY {order_by}) t)"
        )
    }
}

/// One read of [`json_arrays_sql`]: a SELECT, its column names, and its order.
pub(crate) type ArrayRead<'a> = (&'a str, &'a [&'a str], &'a str);

/// One statement that returns one row with one JSON array per read, in the order given.
pub(crate) fn json_arrays_sql(conn: &AnyConnection, reads: &[ArrayRead<'_>]) -> String {
    let arrays: Vec<String> = reads
        .iter()
        .map(|(inner, columns, order_by)| json_array_expr(conn, inner, columns, order_by))
        .collect();
    format!("SELECT {}", arrays.join(", "))
}

/// The array in column `i` of the row [`json_arrays_sql`] returned.
pub(crate) fn array_at<T: DeserializeOwned>(row: &AnyRow, i: usize) -> Result<Vec<T>> {
    parse_rows(row.try_get::<Option<String>, _>(i)?)
}

/// Parses what [`json_array_sql`] returned.
pub(crate) fn parse_rows<T: DeserializeOwned>(text: Option<String>) -> Result<Vec<T>> {
    match text {
        None => Ok(Vec::new()),
        Some(text) => serde_json::from_str(&text)
            .map_err(|e| StoreError::Other(anyhow::anyhow!("bulk read: {e}"))),
    }
}
