//! What every handler gets: the configuration, the kept views, and — through the [`Db`]
//! extractor only — the database.
//!
//! The pool itself is private to this module. A handler reaches the database through one [`Db`]
//! per request, which lends at most one pooled connection at a time ([`pulje_store::Handle`]), so
//! a request can never wait for a second connection while holding its first.

use crate::config::Config;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use pulje_app::kept::Caches;
use pulje_store::Handle;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;

/// The server's shared state. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    db: pulje_store::Db,
    pub config: Arc<Config>,
    pub caches: Arc<Caches>,
    /// The OpenID Connect provider, when single sign-on is configured.
    pub oidc: Option<Arc<crate::auth::oidc::Provider>>,
}

impl AppState {
    pub fn new(db: pulje_store::Db, config: Config) -> AppState {
        let oidc = config
            .oidc
            .clone()
            .map(|c| Arc::new(crate::auth::oidc::Provider::new(c, &config.public_url)));
        AppState {
            db,
            config: Arc::new(config),
            caches: Arc::default(),
            oidc,
        }
    }
}

/// The request's access to the database: one connection at a time (see [`Handle`]).
pub struct Db(Handle);

impl Deref for Db {
    type Target = Handle;
    fn deref(&self) -> &Handle {
        &self.0
    }
}

impl DerefMut for Db {
    fn deref_mut(&mut self) -> &mut Handle {
        &mut self.0
    }
}

impl FromRequestParts<AppState> for Db {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(_: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(Db(state.db.handle()))
    }
}
