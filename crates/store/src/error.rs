//! The store's error type. Callers match on the first four; the last is an internal failure.

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The row does not exist.
    #[error("not found")]
    NotFound,
    /// An update was based on a version that is no longer the current one.
    #[error("the row was changed by someone else")]
    Stale,
    /// A unique constraint refused the change; the text names what was duplicated.
    #[error("duplicate: {0}")]
    Duplicate(String),
    /// A rule checked in the store refused the input; the text is for the user, in Danish.
    #[error("{0}")]
    Refused(String),
    /// The change is not possible in the object's current state (e.g. a wrong status, or an
    /// approval that would over-commit a pool); the text is for the user, in Danish.
    #[error("{0}")]
    Conflict(String),
    /// The user's role may not make this change; the text is for the user, in Danish.
    #[error("{0}")]
    Forbidden(String),
    #[error(transparent)]
    Database(sqlx::Error),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                StoreError::Duplicate(db.message().to_string())
            }
            _ => StoreError::Database(e),
        }
    }
}

impl From<sqlx::migrate::MigrateError> for StoreError {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        StoreError::Other(anyhow::Error::new(e))
    }
}

pub type Result<T> = std::result::Result<T, StoreError>;
