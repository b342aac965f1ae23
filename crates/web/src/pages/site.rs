//! The pages a Danish public service has, open to everyone and linked from every page's
//! footer: how to reach the secretariat (`/kontakt`), the accessibility statement
//! (`/tilgaengelighed`) and the privacy notice (`/privatliv`). What they name is configured
//! (`Config::contact`, `Config::accessibility_statement_url`).

use crate::auth::MaybeUser;
use crate::error::PageResult;
use crate::views::Page;
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::Html;

/// The secretariat as the pages show it.
struct ContactView {
    name: String,
    email: String,
    phone: String,
}

impl ContactView {
    fn of(state: &AppState) -> ContactView {
        let c = &state.config.contact;
        ContactView {
            name: c.name.clone(),
            email: c
                .email
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            phone: c.phone.clone().unwrap_or_default(),
        }
    }

    fn is_set(&self) -> bool {
        !(self.email.is_empty() && self.phone.is_empty())
    }
}

#[derive(Template)]
#[template(path = "site/contact.html")]
struct ContactPage {
    page: Page,
    contact: ContactView,
}

#[derive(Template)]
#[template(path = "site/accessibility.html")]
struct AccessibilityPage {
    page: Page,
    contact: ContactView,
    statement_url: Option<String>,
}

#[derive(Template)]
#[template(path = "site/privacy.html")]
struct PrivacyPage {
    page: Page,
    contact: ContactView,
}

fn page(user: &MaybeUser, title: &str, section: &str) -> Page {
    match &user.0 {
        Some(u) => Page::new(u, title, section),
        None => Page::anonymous(title, String::new()),
    }
}

/// `GET /kontakt`.
pub async fn contact(State(state): State<AppState>, user: MaybeUser) -> PageResult<Html<String>> {
    Ok(Html(
        ContactPage {
            page: page(&user, "Kontakt", "/kontakt"),
            contact: ContactView::of(&state),
        }
        .render()?,
    ))
}

/// `GET /tilgaengelighed`.
pub async fn accessibility(
    State(state): State<AppState>,
    user: MaybeUser,
) -> PageResult<Html<String>> {
    Ok(Html(
        AccessibilityPage {
            page: page(&user, "Tilgængelighedserklæring", "/tilgaengelighed"),
            contact: ContactView::of(&state),
            statement_url: state.config.accessibility_statement_url.clone(),
        }
        .render()?,
    ))
}

/// `GET /privatliv`.
pub async fn privacy(State(state): State<AppState>, user: MaybeUser) -> PageResult<Html<String>> {
    Ok(Html(
        PrivacyPage {
            page: page(&user, "Sådan behandler vi dine oplysninger", "/privatliv"),
            contact: ContactView::of(&state),
        }
        .render()?,
    ))
}
