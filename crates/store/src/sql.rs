//! Statements built from parts: SQL text and its arguments, numbered as they are added.
//!
//! Every query whose shape depends on its input (a filter's present conditions, a search's
//! words, the form's columns) is built with [`Sql`]: [`Sql::push`] appends text,
//! [`Sql::arg`] adds an argument and returns its placeholder (`$1`, `$2`, … — the numbering
//! both backends take through sqlx's `Any` driver) to write once or more, and
//! [`Sql::query`]/[`Sql::query_as`]/[`Sql::query_scalar`] bind the arguments in the order they
//! were added. Placeholder numbers are never written by hand.

use sqlx::any::{AnyArguments, AnyRow};
use sqlx::query::{Query, QueryAs, QueryScalar};
use sqlx::{Any, FromRow};

/// One argument of a statement, as its column holds it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Int(Option<i64>),
    Text(Option<String>),
}

impl From<i64> for Value {
    fn from(v: i64) -> Value {
        Value::Int(Some(v))
    }
}

impl From<Option<i64>> for Value {
    fn from(v: Option<i64>) -> Value {
        Value::Int(v)
    }
}

impl From<bool> for Value {
    /// Flags are stored as 0 or 1.
    fn from(v: bool) -> Value {
        Value::Int(Some(i64::from(v)))
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Value {
        Value::Text(Some(v.to_string()))
    }
}

impl From<String> for Value {
    fn from(v: String) -> Value {
        Value::Text(Some(v))
    }
}

impl From<&String> for Value {
    fn from(v: &String) -> Value {
        Value::Text(Some(v.clone()))
    }
}

impl From<Option<String>> for Value {
    fn from(v: Option<String>) -> Value {
        Value::Text(v)
    }
}

/// SQL text with its arguments; see the module's documentation.
#[derive(Debug, Clone, Default)]
pub(crate) struct Sql {
    text: String,
    args: Vec<Value>,
    /// Whether [`Sql::and`] has written the `WHERE`.
    has_where: bool,
}

impl Sql {
    /// A statement beginning with `text`.
    pub(crate) fn new(text: &str) -> Sql {
        Sql {
            text: text.to_string(),
            ..Sql::default()
        }
    }

    /// Appends SQL text.
    pub(crate) fn push(&mut self, text: &str) -> &mut Sql {
        self.text.push_str(text);
        self
    }

    /// Adds an argument and returns its placeholder, for text that uses it (once or more).
    pub(crate) fn arg(&mut self, value: impl Into<Value>) -> String {
        self.args.push(value.into());
        format!("${}", self.args.len())
    }

    /// Adds an argument and appends its placeholder.
    pub(crate) fn push_arg(&mut self, value: impl Into<Value>) -> &mut Sql {
        let placeholder = self.arg(value);
        self.push(&placeholder)
    }

    /// A statement with the same arguments (and so the same placeholders) and text `text`,
    /// for a second statement over the conditions built for this one.
    pub(crate) fn with_text(&self, text: String) -> Sql {
        Sql {
            text,
            args: self.args.clone(),
            has_where: false,
        }
    }

    /// Appends a condition: ` WHERE text` the first time, ` AND text` after. Only for statements
    /// whose `WHERE` this builder writes.
    pub(crate) fn and(&mut self, text: &str) -> &mut Sql {
        self.text
            .push_str(if self.has_where { " AND " } else { " WHERE " });
        self.has_where = true;
        self.push(text)
    }

    #[cfg(test)]
    pub(crate) fn args(&self) -> &[Value] {
        &self.args
    }

    #[cfg(test)]
    pub(crate) fn text(&self) -> &str {
        &self.text
    }

    pub(crate) fn query(&self) -> Query<'_, Any, AnyArguments<'_>> {
        self.args
            .iter()
            .fold(sqlx::query(&self.text), |q, v| match v {
                Value::Int(i) => q.bind(*i),
                Value::Text(t) => q.bind(t.clone()),
            })
    }

    pub(crate) fn query_as<T>(&self) -> QueryAs<'_, Any, T, AnyArguments<'_>>
    where
        T: for<'r> FromRow<'r, AnyRow>,
    {
        self.args
            .iter()
            .fold(sqlx::query_as(&self.text), |q, v| match v {
                Value::Int(i) => q.bind(*i),
                Value::Text(t) => q.bind(t.clone()),
            })
    }

    pub(crate) fn query_scalar<T>(&self) -> QueryScalar<'_, Any, T, AnyArguments<'_>>
    where
        (T,): for<'r> FromRow<'r, AnyRow>,
    {
        self.args
            .iter()
            .fold(sqlx::query_scalar(&self.text), |q, v| match v {
                Value::Int(i) => q.bind(*i),
                Value::Text(t) => q.bind(t.clone()),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_in_the_order_arguments_are_added() {
        let mut sql = Sql::new("SELECT id FROM t WHERE a = ");
        sql.push_arg(7_i64);
        let b = sql.arg("x");
        sql.push(&format!(" AND (b = {b} OR c = {b}) LIMIT "))
            .push_arg(Some(3_i64));
        assert_eq!(
            sql.text(),
            "SELECT id FROM t WHERE a = $1 AND (b = $2 OR c = $2) LIMIT $3"
        );
        assert_eq!(
            sql.args,
            vec![
                Value::Int(Some(7)),
                Value::Text(Some("x".into())),
                Value::Int(Some(3))
            ]
        );
        let again = sql.with_text("SELECT COUNT(*) FROM t WHERE a = $1".into());
        assert_eq!(again.args, sql.args);
    }

    #[test]
    fn conditions_get_one_where() {
        let mut sql = Sql::new("SELECT id FROM t");
        sql.and("a = ").push_arg(1_i64);
        sql.and("b = ").push_arg("x");
        assert_eq!(sql.text(), "SELECT id FROM t WHERE a = $1 AND b = $2");
    }
}
