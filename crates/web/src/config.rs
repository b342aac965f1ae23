//! The web layer's configuration, loaded once by the binary and passed in as state.

/// Settings of the HTTP server. Every field is documented in the README with its variable.
#[derive(Debug, Clone)]
pub struct Config {
    /// A session unused this long ends (besides its absolute 12 hours).
    /// `PULJE_SESSION_IDLE_MINUTES`.
    pub session_idle_timeout: std::time::Duration,
    /// Mark cookies `Secure` (set when served over HTTPS). `PULJE_SECURE_COOKIES`.
    pub secure_cookies: bool,
    /// Failed logins for one account (or one known device) before each further attempt must
    /// wait (4 s, then doubling up to [`Config::login_max_wait`]). `PULJE_LOGIN_MAX_FAILURES`.
    pub login_max_failures: i64,
    /// The same for one source address, counted over all accounts.
    /// `PULJE_LOGIN_MAX_FAILURES_PER_ADDRESS`.
    pub login_address_max_failures: i64,
    /// A throttle counter untouched this long starts again from nothing.
    pub login_window_minutes: i64,
    /// The longest wait between attempts once the failures are used up.
    pub login_max_wait: std::time::Duration,
    /// Proxies whose `X-Forwarded-For` names the source address of a request (for the login
    /// throttle); from anyone else the header is ignored. `PULJE_TRUSTED_PROXIES`.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Largest accepted request body.
    pub max_body_bytes: usize,
    /// Largest accepted file upload (imports), in bytes. `PULJE_MAX_UPLOAD_BYTES`.
    pub max_upload_bytes: usize,
    /// Rows per page in lists.
    pub page_size: i64,
    /// Whether an SMTP server is configured (otherwise messages only show on the outbox page).
    pub smtp_configured: bool,
    /// A request not answered within this time is answered 503 and its work dropped.
    pub request_timeout: std::time::Duration,
    /// A connection that has not sent a whole request head within this time of the server
    /// starting to wait for one (a slow client, or a kept-alive connection idle between
    /// requests) is closed. `PULJE_HEADER_TIMEOUT_SECONDS`.
    pub header_timeout: std::time::Duration,
    /// The address the server is reached at from outside, for absolute links in mail.
    /// `PULJE_PUBLIC_URL`; by default the address it listens on.
    pub public_url: pulje_app::PublicUrl,
    /// Whom users contact (`/kontakt`, the privacy notice, the accessibility statement).
    pub contact: Contact,
    /// The accessibility statement made in the Agency for Digital Government's tool, linked
    /// from `/tilgaengelighed`; without it the page holds pulje's own statement.
    /// `PULJE_ACCESSIBILITY_STATEMENT_URL`.
    pub accessibility_statement_url: Option<String>,
    /// Single sign-on through an OpenID Connect provider; `None`: passwords only.
    pub oidc: Option<OidcConfig>,
}

/// The OpenID Connect provider users may log in through (`PULJE_OIDC_ISSUER`,
/// `PULJE_OIDC_CLIENT_ID`, `PULJE_OIDC_CLIENT_SECRET`, `PULJE_OIDC_PROVIDER_NAME`). The redirect
/// URI registered with the provider is the public URL followed by `/login/oidc/callback`.
#[derive(Clone)]
pub struct OidcConfig {
    /// The issuer's URL exactly as its ID tokens name it; its discovery document is read from
    /// `<issuer>/.well-known/openid-configuration`.
    pub issuer: String,
    pub client_id: String,
    /// The client's secret; `None` for a public client (PKCE only).
    pub client_secret: Option<String>,
    /// The provider's name on the login button ("Log ind med <name>").
    pub provider_name: String,
}

impl std::fmt::Debug for OidcConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcConfig")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret.as_ref().map(|_| "…"))
            .field("provider_name", &self.provider_name)
            .finish()
    }
}

/// The secretariat that answers users' questions, as configured
/// (`PULJE_CONTACT_NAME`, `PULJE_CONTACT_EMAIL`, `PULJE_CONTACT_PHONE`).
#[derive(Debug, Clone, Default)]
pub struct Contact {
    /// Who answers ("Sekretariatet for puljen, Region Midtjylland"); empty when not set.
    pub name: String,
    pub email: Option<pulje_domain::Email>,
    pub phone: Option<String>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            session_idle_timeout: std::time::Duration::from_secs(
                60 * pulje_store::sessions::IDLE_MINUTES as u64,
            ),
            secure_cookies: false,
            login_max_failures: 5,
            login_address_max_failures: 20,
            login_window_minutes: 15,
            login_max_wait: std::time::Duration::from_secs(300),
            trusted_proxies: Vec::new(),
            max_body_bytes: 2 * 1024 * 1024,
            max_upload_bytes: 20_000_000,
            page_size: 25,
            smtp_configured: false,
            request_timeout: std::time::Duration::from_secs(30),
            header_timeout: std::time::Duration::from_secs(20),
            public_url: pulje_app::PublicUrl::default(),
            contact: Contact::default(),
            accessibility_statement_url: None,
            oidc: None,
        }
    }
}
