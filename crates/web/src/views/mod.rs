//! What every page template shares: the layout's data and form fields with their messages.

pub mod chart;
pub mod flow;

use crate::auth::policy;
use crate::auth::CurrentUser;
use pulje_domain::FieldErrors;

/// A link in the main navigation.
#[derive(Debug, Clone)]
pub struct NavLink {
    pub href: String,
    pub label: &'static str,
    pub current: bool,
}

/// The layout's data: title, navigation, the logged-in user and the CSRF token for forms.
#[derive(Debug, Clone)]
pub struct Page {
    pub title: String,
    pub csrf: String,
    pub user_name: Option<String>,
    pub role_label: String,
    pub nav: Vec<NavLink>,
    /// A one-line confirmation shown at the top ("Ansøgningen er gemt.").
    pub notice: Option<String>,
}

impl Page {
    pub fn anonymous(title: &str, csrf: String) -> Page {
        Page {
            title: title.into(),
            csrf,
            user_name: None,
            role_label: String::new(),
            nav: Vec::new(),
            notice: None,
        }
    }

    /// A page for a logged-in user; `section` is the path prefix of the current section.
    pub fn new(user: &CurrentUser, title: impl Into<String>, section: &str) -> Page {
        let u = &user.user;
        let mut nav = vec![
            ("/".to_string(), "Mine opgaver"),
            ("/programmes".to_string(), "Programmer"),
            ("/applications".to_string(), "Ansøgninger"),
            ("/idekatalog".to_string(), "Idékatalog"),
        ];
        if let Some(region) = u.region {
            nav.push((format!("/regions/{}", region.code()), "Regionens overblik"));
        }
        if policy::may_see_meetings(user) {
            nav.push(("/meetings".to_string(), "Møder"));
            nav.push(("/reports".to_string(), "Rapporter"));
        }
        if policy::require_any_admin(user).is_ok() {
            nav.push(("/admin".to_string(), "Administration"));
        }
        nav.push(("/me".to_string(), "Min konto"));
        let nav = nav
            .into_iter()
            .map(|(href, label)| NavLink {
                // The start page is current only on itself; every address starts with "/".
                current: if href == "/" {
                    section == "/"
                } else {
                    !section.is_empty() && section != "/" && href.starts_with(section)
                },
                href,
                label,
            })
            .collect();
        let role_label = match u.region {
            Some(r) => format!("{}, {}", u.role.label_da(), r.name()),
            None => u.role.label_da().to_string(),
        };
        Page {
            title: title.into(),
            csrf: user.csrf_token.clone(),
            user_name: Some(u.name.clone()),
            role_label,
            nav,
            notice: None,
        }
    }

    pub fn with_notice(mut self, notice: Option<String>) -> Page {
        self.notice = notice;
        self
    }
}

/// One form field: what to show in it and what is wrong with it.
#[derive(Debug, Clone, Default)]
pub struct Field {
    pub name: String,
    pub label: String,
    pub hint: String,
    pub value: String,
    pub errors: Vec<String>,
    /// For a form read from a file: the text the value came from, and how sure the reading was.
    pub source: Option<Source>,
}

/// Where an imported field's value came from.
#[derive(Debug, Clone)]
pub struct Source {
    pub excerpt: String,
    pub confidence: String,
    /// `high`, `medium` or `low`, for styling.
    pub level: String,
    /// Where in the file ("linje 12", "tabel 1, række 3, celle 2"); may be empty.
    pub location: String,
    /// The recogniser's Danish note when it was unsure; may be empty.
    pub warning: String,
}

impl Field {
    pub fn new(name: &str, label: &str, value: &str, errors: &FieldErrors) -> Field {
        Field {
            name: name.into(),
            label: label.into(),
            hint: String::new(),
            value: value.into(),
            errors: errors.get(name).to_vec(),
            source: None,
        }
    }

    pub fn hint(mut self, hint: &str) -> Field {
        self.hint = hint.into();
        self
    }

    /// The id of the element that describes this field (hint and errors), for `aria-describedby`.
    pub fn described_by(&self) -> String {
        let mut ids = Vec::new();
        if !self.hint.is_empty() {
            ids.push(format!("{}-hint", self.name));
        }
        if !self.errors.is_empty() {
            ids.push(format!("{}-error", self.name));
        }
        ids.join(" ")
    }

    /// Whether the value can be shown in a date input; otherwise the form shows it as text so
    /// nothing typed is lost.
    pub fn is_iso_date(&self) -> bool {
        self.value.is_empty() || chrono::NaiveDate::parse_from_str(&self.value, "%Y-%m-%d").is_ok()
    }

    pub fn invalid(&self) -> bool {
        !self.errors.is_empty()
    }
}

/// An option of a select or a checkbox in a group.
#[derive(Debug, Clone)]
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

impl Choice {
    pub fn new(value: impl ToString, label: impl Into<String>, selected: bool) -> Choice {
        Choice {
            value: value.to_string(),
            label: label.into(),
            selected,
        }
    }
}

/// Links to the pages of a paged list.
#[derive(Debug, Clone)]
pub struct Pager {
    pub page: i64,
    pub pages: i64,
    pub total: i64,
    pub prev: Option<String>,
    pub next: Option<String>,
}

impl Pager {
    /// `base_query` is the list's query string without `page`.
    pub fn new(page: i64, per_page: i64, total: i64, base_query: &str) -> Pager {
        let pages = ((total + per_page - 1) / per_page).max(1);
        let page = page.clamp(1, pages);
        let link = |p: i64| {
            if base_query.is_empty() {
                format!("?page={p}")
            } else {
                format!("?{base_query}&page={p}")
            }
        };
        Pager {
            page,
            pages,
            total,
            prev: (page > 1).then(|| link(page - 1)),
            next: (page < pages).then(|| link(page + 1)),
        }
    }
}

/// `1.234.567 kr.` from øre.
pub use pulje_app::reports::kr;

/// A kept file as a download: served as what its name says it is (from the accepted kinds,
/// anything else as bytes), under its own name, never sniffed or stored by the browser.
pub fn download(file_name: &str, data: Vec<u8>) -> axum::response::Response {
    use axum::http::header;
    use axum::response::IntoResponse;
    (
        [
            (
                header::CONTENT_TYPE,
                pulje_app::files::served_type_of(file_name).to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                pulje_app::files::disposition(file_name),
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        data,
    )
        .into_response()
}

/// The error of a sum of money too large for 64 bits, which no real pool reaches.
fn overflow() -> crate::error::AppError {
    crate::error::AppError::Internal(anyhow::anyhow!("an amount of money overflowed"))
}

/// The checked sum of amounts shown on a page.
pub fn total<I: IntoIterator<Item = pulje_domain::Ore>>(
    amounts: I,
) -> Result<pulje_domain::Ore, crate::error::AppError> {
    pulje_domain::Ore::checked_sum(amounts).ok_or_else(overflow)
}

/// `a + b`, checked.
pub fn plus(
    a: pulje_domain::Ore,
    b: pulje_domain::Ore,
) -> Result<pulje_domain::Ore, crate::error::AppError> {
    a.checked_add(b).ok_or_else(overflow)
}

/// Ubrugt, as `pulje_domain::figures` defines it (bevilget − disponeret), checked.
pub fn unused(
    granted: pulje_domain::Ore,
    committed: pulje_domain::Ore,
) -> Result<pulje_domain::Ore, crate::error::AppError> {
    pulje_domain::figures::unused(granted, committed).ok_or_else(overflow)
}

/// `1. april 2022`.
pub fn date_da(date: chrono::NaiveDate) -> String {
    pulje_domain::date::format_date_da(date)
}

/// A stored timestamp (`2026-11-22T12:42:45Z`, UTC) in Danish time: `22-11-2026 13:42`.
pub fn timestamp_da(ts: &str) -> String {
    match chrono::DateTime::parse_from_rfc3339(ts) {
        Ok(t) => pulje_domain::date::danish_time(t.with_timezone(&chrono::Utc))
            .format("%d-%m-%Y %H:%M")
            .to_string(),
        Err(_) => ts.to_string(),
    }
}

/// The date, in Danish time, of a stored UTC time (`1. marts 2026`).
pub fn date_of_timestamp_da(ts: &str) -> String {
    match chrono::DateTime::parse_from_rfc3339(ts) {
        Ok(t) => pulje_domain::date::format_date_da(
            pulje_domain::date::danish_time(t.with_timezone(&chrono::Utc)).date(),
        ),
        Err(_) => ts.to_string(),
    }
}

#[cfg(test)]
mod timestamp_tests {
    use super::timestamp_da;

    #[test]
    fn stored_times_are_shown_in_danish_time() {
        assert_eq!(timestamp_da("2026-07-01T12:00:00Z"), "01-07-2026 14:00");
        assert_eq!(timestamp_da("2026-12-31T23:30:00Z"), "01-01-2027 00:30");
        assert_eq!(timestamp_da("ikke et tidspunkt"), "ikke et tidspunkt");
        assert_eq!(
            super::date_of_timestamp_da("2026-12-31T23:30:00Z"),
            "1. januar 2027"
        );
    }
}
