//! Single sign-on through an OpenID Connect provider: the authorization code flow with PKCE and
//! a nonce (the `openidconnect` crate does the protocol and the ID token's checks).
//!
//! `GET /login/oidc` makes a fresh state, nonce and PKCE verifier, keeps them in a short-lived
//! HttpOnly cookie ([`FLOW_COOKIE`], 10 minutes) that binds the attempt to this browser, and
//! sends the browser to the provider. `GET /login/oidc/callback` refuses an answer whose state
//! is not the cookie's, exchanges the code (with the verifier) at the provider's token endpoint,
//! verifies the ID token — signature against the provider's published keys, issuer, audience,
//! nonce, expiry — and finds or provisions the user ([`pulje_store::sso::resolve`]). The session
//! records that it came through the provider, with the `amr` claim.
//!
//! The provider's discovery document and keys are fetched on first use and again after an hour
//! (keys rotate); a failure is not kept, so the next login tries again.

use super::cookies::set_cookie;
use super::{cookie_value, MaybeUser, SESSION_COOKIE};
use crate::config::OidcConfig;
use crate::error::{AppError, PageResult};
use crate::views::Page;
use crate::{AppState, Db};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use base64::Engine;
use openidconnect::core::{
    CoreAuthPrompt, CoreAuthenticationFlow, CoreClient, CoreIdToken, CoreProviderMetadata,
};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointMaybeSet, EndpointNotSet,
    EndpointSet, IssuerUrl, Nonce, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope,
    TokenResponse,
};
use pulje_store::sessions::{self, AuthMethod};
use pulje_store::sso::{self, Identity, Resolved};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The cookie holding a login attempt's state, nonce, PKCE verifier and where to go after.
pub const FLOW_COOKIE: &str = "pulje_oidc";
/// How long a login attempt at the provider may take.
const FLOW_SECONDS: i64 = 600;
/// How long the discovery document and keys are used before they are fetched again.
const REFRESH: Duration = Duration::from_secs(3600);
/// The longest `code` or `state` accepted from the provider.
const MAX_PARAM: usize = 4096;

/// The client after discovery: authorization endpoint known, token and userinfo endpoints as the
/// provider published them.
type Client = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// The configured provider and what was learnt from its discovery document.
pub struct Provider {
    config: OidcConfig,
    redirect_uri: String,
    http: reqwest::Client,
    discovered: tokio::sync::Mutex<Option<(Instant, Arc<Client>)>>,
}

impl Provider {
    pub fn new(config: OidcConfig, public_url: &pulje_app::PublicUrl) -> Provider {
        // Never follow redirects from the provider's endpoints (SSRF), and never wait long.
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(15))
            .build()
            .unwrap_or_default();
        Provider {
            redirect_uri: public_url.link("/login/oidc/callback"),
            config,
            http,
            discovered: tokio::sync::Mutex::new(None),
        }
    }

    /// The provider's name on the login page.
    pub fn name(&self) -> &str {
        &self.config.provider_name
    }

    /// The client, discovering the provider when not done within the last hour.
    async fn client(&self) -> anyhow::Result<Arc<Client>> {
        let mut cached = self.discovered.lock().await;
        if let Some((at, client)) = cached.as_ref() {
            if at.elapsed() < REFRESH {
                return Ok(client.clone());
            }
        }
        let issuer = IssuerUrl::new(self.config.issuer.clone())?;
        let metadata = CoreProviderMetadata::discover_async(issuer, &self.http).await?;
        let client = CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(self.config.client_id.clone()),
            self.config.client_secret.clone().map(ClientSecret::new),
        )
        .set_redirect_uri(RedirectUrl::new(self.redirect_uri.clone())?);
        let client = Arc::new(client);
        *cached = Some((Instant::now(), client.clone()));
        Ok(client)
    }
}

/// A login attempt in progress, kept in [`FLOW_COOKIE`].
#[derive(Serialize, Deserialize)]
struct Flow {
    state: String,
    nonce: String,
    verifier: String,
    next: String,
    /// A re-authentication of the session's user before a sensitive action, started at this
    /// time (seconds since 1970): the provider's `auth_time` must not be earlier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reauth_since: Option<i64>,
}

impl Flow {
    fn encode(&self) -> String {
        let json = serde_json::to_vec(self).unwrap_or_default();
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json)
    }

    fn decode(raw: &str) -> Option<Flow> {
        if raw.len() > MAX_PARAM {
            return None;
        }
        let json = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(raw)
            .ok()?;
        serde_json::from_slice(&json).ok()
    }
}

#[derive(Deserialize)]
pub struct StartQuery {
    #[serde(default)]
    next: String,
}

/// `GET /login/oidc`: sends the browser to the provider with a fresh state, nonce and PKCE
/// challenge, kept in the flow cookie.
pub async fn start(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    Query(query): Query<StartQuery>,
) -> PageResult<Response> {
    let Some(provider) = state.oidc.clone() else {
        return Err(AppError::NotFound);
    };
    let next = super::login::safe_next(&query.next)
        .unwrap_or_default()
        .to_string();
    if user.is_some() {
        return Ok(Redirect::to(if next.is_empty() { "/" } else { &next }).into_response());
    }
    to_provider(&state, &provider, next, None).await
}

/// Sends the browser to the provider with a fresh state, nonce and PKCE challenge, kept in the
/// flow cookie. A re-authentication (`reauth_since`) asks the provider for a new login
/// (`prompt=login`, `max_age=0`), not the one it remembers.
async fn to_provider(
    state: &AppState,
    provider: &Provider,
    next: String,
    reauth_since: Option<i64>,
) -> PageResult<Response> {
    let client = match provider.client().await {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, issuer = %provider.config.issuer, "OpenID Connect discovery failed");
            return refused(
                StatusCode::BAD_GATEWAY,
                "Login-udbyderen svarer ikke",
                &format!(
                    "{} kunne ikke nås lige nu. Prøv igen om lidt, eller kontakt din administrator.",
                    provider.name()
                ),
            );
        }
    };
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut request = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("email".into()))
        .add_scope(Scope::new("profile".into()))
        .set_pkce_challenge(challenge);
    if reauth_since.is_some() {
        request = request
            .add_prompt(CoreAuthPrompt::Login)
            .set_max_age(Duration::from_secs(0));
    }
    let (url, csrf, nonce) = request.url();
    let flow = Flow {
        state: csrf.secret().clone(),
        nonce: nonce.secret().clone(),
        verifier: verifier.secret().clone(),
        next,
        reauth_since,
    };
    let cookie = set_cookie(
        FLOW_COOKIE,
        &flow.encode(),
        FLOW_SECONDS,
        state.config.secure_cookies,
    );
    let mut response = Redirect::to(url.as_str()).into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        cookie
            .parse()
            .map_err(|e: header::InvalidHeaderValue| AppError::Internal(e.into()))?,
    );
    Ok(response)
}

/// A form waiting for the user's fresh login at the provider.
#[derive(Serialize, Deserialize)]
struct PendingForm {
    action: String,
    fields: Vec<(String, String)>,
}

/// `POST /login/oidc/bekraeft`: a single sign-on user's re-authentication before a sensitive
/// action (the re-authentication page's button). The pending form (`reauth_action` and every
/// other field) is kept on the session, and the browser goes to the provider for a new login.
pub async fn reauth(
    State(state): State<AppState>,
    mut db: Db,
    user: super::CurrentUser,
    crate::extract::Form(pairs): crate::extract::Form<Vec<(String, String)>>,
) -> PageResult<Response> {
    let Some(provider) = state.oidc.clone() else {
        return Err(AppError::NotFound);
    };
    let (Some(hash), Some(proof)) = (&user.session_hash, &user.proof) else {
        return Err(AppError::forbidden());
    };
    if !matches!(proof.method, AuthMethod::Oidc { .. }) {
        return Err(AppError::Forbidden(
            "Du er logget ind med adgangskode; bekræft med den.".into(),
        ));
    }
    let action = pairs
        .iter()
        .find(|(k, _)| k == "reauth_action")
        .and_then(|(_, v)| super::login::safe_next(v))
        .ok_or_else(|| AppError::Invalid("Handlingen at vende tilbage til mangler.".into()))?
        .to_string();
    if pairs.len() > 500 {
        return Err(AppError::Invalid("Formularen har for mange felter.".into()));
    }
    let fields: Vec<(String, String)> = pairs
        .into_iter()
        .filter(|(k, _)| k != "reauth_action")
        .collect();
    let pending = serde_json::to_string(&PendingForm {
        action: action.clone(),
        fields,
    })
    .map_err(|e| AppError::Internal(e.into()))?;
    let mut tx = db.begin().await?;
    sessions::keep_pending_form(&mut tx, hash, &pending).await?;
    tx.commit().await?;
    to_provider(
        &state,
        &provider,
        action,
        Some(chrono::Utc::now().timestamp()),
    )
    .await
}

#[derive(Template)]
#[template(path = "reauth_done.html")]
struct ReauthDonePage {
    page: Page,
    action: String,
    fields: Vec<(String, String)>,
}

#[derive(Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "login_sso.html")]
struct RefusedPage {
    page: Page,
    message: String,
}

/// A page saying why the single sign-on did not log the user in, with the flow cookie cleared.
fn refused(status: StatusCode, title: &str, message: &str) -> PageResult<Response> {
    let html = RefusedPage {
        page: Page::anonymous(title, String::new()),
        message: message.to_string(),
    }
    .render()?;
    let mut response = (status, Html(html)).into_response();
    if let Ok(v) = set_cookie(FLOW_COOKIE, "", 0, false).parse() {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(response)
}

/// `GET /login/oidc/callback`: the provider's answer. Checks the state against the flow cookie,
/// exchanges the code, verifies the ID token and logs the user in (or says why not).
pub async fn callback(
    State(state): State<AppState>,
    mut db: Db,
    MaybeUser(current): MaybeUser,
    headers: HeaderMap,
    Query(query): Query<CallbackQuery>,
) -> PageResult<Response> {
    let Some(provider) = state.oidc.clone() else {
        return Err(AppError::NotFound);
    };
    let name = provider.name().to_string();
    let again = format!("Gå til login-siden og vælg «Log ind med {name}» igen.");
    let Some(flow) = cookie_value(&headers, FLOW_COOKIE).and_then(|raw| Flow::decode(&raw)) else {
        return refused(
            StatusCode::BAD_REQUEST,
            "Login kunne ikke gennemføres",
            &format!("Login-forsøget er udløbet eller blev startet i en anden browser. {again}"),
        );
    };
    if let Some(error) = &query.error {
        let error: String = error
            .chars()
            .filter(|c| !c.is_control())
            .take(100)
            .collect();
        return refused(
            StatusCode::UNAUTHORIZED,
            "Login kunne ikke gennemføres",
            &format!("{name} afviste login ({error}). {again}"),
        );
    }
    let (Some(code), Some(returned_state)) = (&query.code, &query.state) else {
        return refused(
            StatusCode::BAD_REQUEST,
            "Login kunne ikke gennemføres",
            &format!("Svaret fra {name} mangler kode eller state. {again}"),
        );
    };
    if code.len() > MAX_PARAM
        || returned_state.len() > MAX_PARAM
        || !super::constant_time_eq(returned_state, &flow.state)
    {
        tracing::warn!("OpenID Connect callback with a state that is not this browser's");
        return refused(
            StatusCode::BAD_REQUEST,
            "Login kunne ikke gennemføres",
            &format!("Svaret fra {name} hører ikke til dette login-forsøg. {again}"),
        );
    }
    let (identity, amr, auth_time) = match verify(&provider, code, &flow).await {
        Ok(verified) => verified,
        Err(e) => {
            tracing::warn!(error = %e, "OpenID Connect login refused");
            return refused(
                StatusCode::UNAUTHORIZED,
                "Login kunne ikke gennemføres",
                &format!("Svaret fra {name} kunne ikke godkendes. {again}"),
            );
        }
    };

    let mut tx = db.begin().await?;
    let resolved = sso::resolve(&mut tx, &identity).await?;
    let user = match resolved {
        Resolved::User(user) if !user.disabled => user,
        Resolved::User(_) => {
            tx.commit().await?;
            return refused(
                StatusCode::FORBIDDEN,
                "Din bruger er deaktiveret",
                "Din bruger i pulje er deaktiveret. Kontakt din administrator.",
            );
        }
        Resolved::Waiting => {
            tx.commit().await?;
            return refused(
                StatusCode::FORBIDDEN,
                "Du har ingen rolle endnu",
                "Du har ingen rolle endnu — kontakt din administrator. Du er logget ind hos \
                 login-udbyderen, men en administrator skal give dig en rolle i pulje, før du \
                 kan bruge systemet.",
            );
        }
    };
    if let Some(since) = flow.reauth_since {
        // A re-authentication: the same person as the session's, logged in anew at the provider.
        let session = current
            .as_ref()
            .and_then(|c| c.session_hash.clone().map(|h| (c.user.id, h)));
        let Some((session_user, hash)) = session.filter(|(id, _)| *id == user.id) else {
            tx.commit().await?;
            return refused(
                StatusCode::FORBIDDEN,
                "Bekræftelsen kunne ikke gennemføres",
                &format!("Du loggede ind hos {name} som en anden end den, der er logget ind i pulje. Log ud, og log ind igen."),
            );
        };
        // A little leeway for the two clocks.
        if auth_time.is_none_or(|t| t < since - 5) {
            tx.commit().await?;
            return refused(
                StatusCode::UNAUTHORIZED,
                "Bekræftelsen kunne ikke gennemføres",
                &format!("{name} bekræftede ikke et nyt login. Prøv handlingen igen."),
            );
        }
        let _ = session_user;
        sessions::reauthenticated(&mut tx, &user, &hash, None, amr.as_deref()).await?;
        let pending = sessions::take_pending_form(&mut tx, &hash).await?;
        tx.commit().await?;
        let pending: Option<PendingForm> = pending.and_then(|p| serde_json::from_str(&p).ok());
        let csrf = current.map(|c| c.csrf_token).unwrap_or_default();
        let (action, fields) = match pending {
            Some(p) => (p.action, p.fields),
            None => (flow.next.clone(), Vec::new()),
        };
        let html = ReauthDonePage {
            page: Page::anonymous("Du er bekræftet", csrf),
            action,
            fields,
        }
        .render()?;
        let mut response = Html(html).into_response();
        if let Ok(v) = set_cookie(FLOW_COOKIE, "", 0, state.config.secure_cookies).parse() {
            response.headers_mut().append(header::SET_COOKIE, v);
        }
        return Ok(response);
    }
    let method = AuthMethod::Oidc { amr };
    let (token, _csrf) = sessions::log_in_via(&mut tx, &user, &method).await?;
    tx.commit().await?;

    let secure = state.config.secure_cookies;
    let target = super::login::safe_next(&flow.next)
        .unwrap_or("/")
        .to_string();
    let mut response = Redirect::to(&target).into_response();
    for cookie in [
        set_cookie(
            SESSION_COOKIE,
            &token,
            sessions::SESSION_HOURS * 3600,
            secure,
        ),
        set_cookie(FLOW_COOKIE, "", 0, secure),
    ] {
        response.headers_mut().append(
            header::SET_COOKIE,
            cookie
                .parse()
                .map_err(|e: header::InvalidHeaderValue| AppError::Internal(e.into()))?,
        );
    }
    Ok(response)
}

/// Exchanges `code` and verifies the ID token; the identity it names, its `amr` claim
/// (space-separated) and its `auth_time` (seconds since 1970).
async fn verify(
    provider: &Provider,
    code: &str,
    flow: &Flow,
) -> anyhow::Result<(Identity, Option<String>, Option<i64>)> {
    let client = provider.client().await?;
    let response = client
        .exchange_code(AuthorizationCode::new(code.to_string()))?
        .set_pkce_verifier(PkceCodeVerifier::new(flow.verifier.clone()))
        .request_async(&provider.http)
        .await
        .map_err(|e| anyhow::anyhow!("token request failed: {e:?}"))?;
    let id_token: &CoreIdToken = response
        .id_token()
        .ok_or_else(|| anyhow::anyhow!("the token response has no ID token"))?;
    let nonce = Nonce::new(flow.nonce.clone());
    let claims = id_token
        .claims(&client.id_token_verifier(), &nonce)
        .map_err(|e| anyhow::anyhow!("ID token refused: {e}"))?;
    let email = claims.email().map(|e| e.as_str().trim().to_lowercase());
    let name = claims
        .name()
        .and_then(|n| n.get(None))
        .map(|n| n.as_str().to_string())
        .unwrap_or_default();
    let amr = claims.auth_method_refs().map(|methods| {
        methods
            .iter()
            .map(|m| m.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    });
    let identity = Identity {
        issuer: claims.issuer().as_str().to_string(),
        subject: claims.subject().as_str().to_string(),
        email,
        email_verified: claims.email_verified().unwrap_or(false),
        name,
        groups: groups(&id_token.to_string()),
    };
    Ok((identity, amr, claims.auth_time().map(|t| t.timestamp())))
}

/// The `groups` claim of an ID token already verified: the payload's `groups` array of strings
/// (at most 200 values of at most 256 characters), empty when absent.
fn groups(jwt: &str) -> Vec<String> {
    #[derive(Deserialize)]
    struct Payload {
        #[serde(default)]
        groups: Vec<serde_json::Value>,
    }
    let Some(payload) = jwt.split('.').nth(1) else {
        return Vec::new();
    };
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .ok()
        .and_then(|json| serde_json::from_slice::<Payload>(&json).ok())
        .map(|p| {
            p.groups
                .into_iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .filter(|g| g.chars().count() <= sso::MAX_CLAIM_VALUE)
                .take(200)
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flow_cookie_reads_back_and_garbage_does_not() {
        let flow = Flow {
            state: "s".into(),
            nonce: "n".into(),
            verifier: "v".into(),
            next: "/me".into(),
            reauth_since: None,
        };
        let back = Flow::decode(&flow.encode()).expect("decodes");
        assert_eq!(
            (back.state, back.nonce, back.verifier, back.next),
            ("s".into(), "n".into(), "v".into(), "/me".into())
        );
        assert!(Flow::decode("not base64 !").is_none());
        assert!(Flow::decode(&"A".repeat(MAX_PARAM + 1)).is_none());
    }

    #[test]
    fn groups_are_read_from_the_payload() {
        let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(br#"{"sub":"x","groups":["a","b",3]}"#);
        assert_eq!(groups(&format!("h.{payload}.s")), vec!["a", "b"]);
        assert!(groups("nonsense").is_empty());
    }
}
