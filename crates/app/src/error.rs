//! What a use case can answer besides its result. Adapters map it: the web to a status code
//! and a Danish page or JSON `{"error"}`, the CLI to a message and an exit code.
//!
//! Use `NotFound` for objects that do not exist *or* belong to another region (never reveal
//! which), `Forbidden` for actions the user's role does not allow on an object they may see,
//! `Invalid` for input problems with a Danish message, `Conflict` for stale versions and wrong
//! states, and `Internal` for everything else: its cause is logged, never shown.

use pulje_store::StoreError;

#[derive(Debug)]
pub enum Error {
    NotFound,
    Forbidden(String),
    Invalid(String),
    Conflict(String),
    Internal(anyhow::Error),
}

impl Error {
    pub fn forbidden() -> Error {
        Error::Forbidden("Du har ikke adgang til at gøre dette.".into())
    }
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => Error::NotFound,
            StoreError::Stale => Error::Conflict(
                "Ansøgningen er blevet ændret af en anden, siden du åbnede den. Dine ændringer er ikke gemt.".into(),
            ),
            StoreError::Duplicate(m) => Error::Conflict(m),
            StoreError::Refused(m) => Error::Invalid(m),
            StoreError::Conflict(m) => Error::Conflict(m),
            StoreError::Forbidden(m) => Error::Forbidden(m),
            StoreError::Database(e) => Error::Internal(e.into()),
            StoreError::Other(e) => Error::Internal(e),
        }
    }
}

impl From<pulje_store::DbError> for Error {
    fn from(e: pulje_store::DbError) -> Self {
        Error::from(StoreError::from(e))
    }
}

pub type Result<T> = std::result::Result<T, Error>;
