//! Administration pages: regions' settings, hospitals, departments, areas, tiers, rounds, users
//! and the audit log. `admin` administers every region, `region_admin` their own.

use crate::AppState;
use axum::Router;

pub fn routes() -> Router<AppState> {
    Router::new()
}
