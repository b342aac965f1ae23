//! The web application on a free port and HTTP clients that log in exactly like a browser does.

use crate::db::{next_number, Backend, TestDb};
use pulje_domain::{Email, RegionCode, Role};
use pulje_store::users::{self, NewUser, User};
use pulje_store::{Actor, Conn, Db, Handle, Tx};
use pulje_web::{AppState, Config};

/// The password every test user gets (it satisfies the password rules).
pub const PASSWORD: &str = "korrekt-hest-batteri-42";

/// A running pulje server on a fresh, migrated database of its own; the server stops and the
/// database is removed when it is dropped.
pub struct TestApp {
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    /// The test's own way into the server's database.
    pub db: Direct,
    /// The database URL, to connect a second "instance" to the same database.
    pub db_url: String,
    pub backend: Backend,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    /// Declared last: dropped after the server has been told to stop.
    _database: TestDb,
}

/// The test's own access to the server's database, beside the server: connections and
/// transactions taken straight from the pool, as a one-shot program does. The web and app crates
/// cannot do that (their `clippy.toml` forbids `Db::conn` and `Db::begin`): handlers and services
/// take connections through a [`Handle`], one at a time.
#[derive(Clone)]
pub struct Direct(Db);

impl Direct {
    /// A connection, back to the pool when dropped.
    pub async fn conn(&self) -> pulje_store::Result<Conn<'static>> {
        self.0.conn().await
    }

    /// A write transaction.
    pub async fn begin(&self) -> pulje_store::Result<Tx<'static>> {
        self.0.begin().await
    }

    /// A handle, as a request or job has.
    pub fn handle(&self) -> Handle {
        self.0.handle()
    }

    /// The pool itself (to start a job on it).
    pub fn db(&self) -> &Db {
        &self.0
    }
}

impl TestApp {
    /// A fresh, migrated database and a server on `127.0.0.1:<free port>`.
    pub async fn spawn(backend: Backend) -> TestApp {
        TestApp::spawn_with(backend, Config::default()).await
    }

    /// [`TestApp::spawn`] with a configuration of its own.
    pub async fn spawn_with(backend: Backend, config: Config) -> TestApp {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        TestApp::spawn_on(backend, listener, config).await
    }

    /// [`TestApp::spawn_with`] on a listener the test bound itself, for a test that must know the
    /// server's address before it starts (an OpenID provider that redirects back to it).
    pub async fn spawn_on(
        backend: Backend,
        listener: tokio::net::TcpListener,
        config: Config,
    ) -> TestApp {
        let database = TestDb::new(backend).await;
        let db = database.db().await;
        // The migration requires a second factor of administrators; the test server starts with
        // none required, so `client_as(Role::Admin, …)` logs in with the password alone. Tests
        // of the requirement set it ([`TestApp::require_second_factor`]).
        {
            // Straight in, without an audit entry, so that the tests' audit logs and data
            // versions begin as before.
            let mut tx = db.begin().await.expect("begin");
            sqlx::query("DELETE FROM second_factor_roles")
                .execute(&mut *tx)
                .await
                .expect("no role requires a second factor");
            tx.commit().await.expect("commit");
        }
        let addr = listener.local_addr().expect("local_addr");
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let state = AppState::new(db.clone(), config);
        tokio::spawn(async move {
            let _ = pulje_web::serve(listener, state, async move {
                let _ = rx.await;
            })
            .await;
        });
        TestApp {
            base: format!("http://{addr}"),
            db: Direct(db),
            db_url: database.url.clone(),
            backend,
            shutdown: Some(tx),
            _database: database,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Requires a second factor (TOTP) of `roles`' password logins, as an administrator would.
    pub async fn require_second_factor(&self, roles: &[Role]) {
        set_required_roles(self.db.db(), roles).await;
    }

    /// Creates a user through the store, as the CLI would.
    pub async fn user(&self, role: Role, region: Option<i64>) -> TestUser {
        let n = next_number();
        let email = format!("{}-{}@test.pulje.dk", role.as_str().replace('_', "-"), n);
        let name = format!("Testbruger {n} ({})", role.label_da());
        self.user_named(role, region, &email, &name).await
    }

    /// Creates a user with the given e-mail address and name (for output that must not vary).
    pub async fn user_named(
        &self,
        role: Role,
        region: Option<i64>,
        email: &str,
        name: &str,
    ) -> TestUser {
        let new = NewUser {
            email: Email::parse(email).expect("valid e-mail"),
            name: name.to_string(),
            role,
            region: region.map(|c| RegionCode::new(c).expect("region code")),
            password: PASSWORD.to_string(),
        };
        let mut tx = self.db.begin().await.expect("begin");
        let user = users::create(&mut tx, &Actor::system("test"), &new)
            .await
            .expect("users::create");
        tx.commit().await.expect("commit");
        TestUser {
            user,
            email: email.to_string(),
            password: PASSWORD.to_string(),
        }
    }

    /// A fresh browser without a session (cookie store on, redirects not followed).
    pub fn anonymous(&self) -> Client {
        Client {
            http: new_http(),
            base: self.base.clone(),
            user: None,
            csrf: None,
        }
    }

    /// Logs in `user` over HTTP like a browser and returns the logged-in client.
    pub async fn login(&self, user: &TestUser) -> Client {
        let mut c = self.anonymous();
        let r = c.login(&user.email, &user.password).await;
        assert_eq!(
            r.status, 303,
            "login of {} should redirect; got {} {}",
            user.email, r.status, r.body
        );
        c.user = Some(user.clone());
        c
    }

    /// A new user of `role` in `region`, logged in.
    pub async fn client_as(&self, role: Role, region: Option<i64>) -> Client {
        let user = self.user(role, region).await;
        self.login(&user).await
    }
}

async fn set_required_roles(db: &Db, roles: &[Role]) {
    let mut tx = db.begin().await.expect("begin");
    pulje_store::second_factor::set_required_roles(&mut tx, &Actor::system("test"), roles)
        .await
        .expect("set the roles that require a second factor");
    tx.commit().await.expect("commit");
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// A user created for a test, with the password to log in with.
#[derive(Debug, Clone)]
pub struct TestUser {
    pub user: User,
    pub email: String,
    pub password: String,
}

impl TestUser {
    pub fn id(&self) -> i64 {
        i64::from(self.user.id)
    }
    pub fn actor(&self) -> Actor {
        Actor::user(self.user.id, &self.user.email)
    }
}

fn new_http() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("reqwest client")
}

/// An HTTP response, read whole.
#[derive(Debug, Clone)]
pub struct Resp {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Resp {
    /// Reads a response whole.
    pub async fn read(r: reqwest::Response) -> Resp {
        read(r).await
    }

    pub fn location(&self) -> Option<&str> {
        self.headers
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok())
    }

    /// All `Set-Cookie` headers.
    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all(reqwest::header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .map(str::to_string)
            .collect()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): status {} body {}", self.status, self.body))
    }

    /// The HTML page with character references undone, for comparing with typed text.
    pub fn text(&self) -> String {
        unescape(&self.body)
    }

    /// The value of the hidden input `csrf_token`, if the page has one.
    pub fn csrf_token(&self) -> Option<String> {
        hidden_value(&self.body, "csrf_token")
    }
}

/// Undoes the HTML escaping askama applies.
pub fn unescape(s: &str) -> String {
    s.replace("&#34;", "\"")
        .replace("&#60;", "<")
        .replace("&#62;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#38;", "&")
        .replace("&amp;", "&")
}

/// The value of `<input type="hidden" name="NAME" value="…">`.
pub fn hidden_value(html: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker)? + marker.len();
    let end = html[start..].find('"')? + start;
    Some(unescape(&html[start..end]))
}

/// A browser (or script) talking to the test server.
pub struct Client {
    pub http: reqwest::Client,
    pub base: String,
    pub user: Option<TestUser>,
    csrf: Option<String>,
}

async fn read(r: reqwest::Response) -> Resp {
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let body = r.text().await.expect("response body");
    Resp {
        status,
        headers,
        body,
    }
}

impl Client {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub fn user(&self) -> &TestUser {
        self.user.as_ref().expect("a logged-in client")
    }

    /// GET /login, then POST /login with the form's hidden CSRF token, like a browser.
    pub async fn login(&mut self, email: &str, password: &str) -> Resp {
        let form = self.get("/login").await;
        assert_eq!(form.status, 200, "GET /login: {}", form.body);
        let csrf = form.csrf_token().expect("the login form has a csrf_token");
        self.csrf = None;
        self.post_form_raw(
            "/login",
            &[
                ("email", email),
                ("password", password),
                ("csrf_token", &csrf),
            ],
        )
        .await
    }

    pub async fn get(&self, path: &str) -> Resp {
        read(self.http.get(self.url(path)).send().await.expect("GET")).await
    }

    /// The session's CSRF token, read from a page's hidden `csrf_token` input.
    pub async fn csrf(&mut self) -> String {
        if let Some(t) = &self.csrf {
            return t.clone();
        }
        let page = self.get("/me").await;
        assert_eq!(
            page.status, 200,
            "GET /me to read the CSRF token: {}",
            page.body
        );
        let token = page.csrf_token().expect("/me has a csrf_token");
        self.csrf = Some(token.clone());
        token
    }

    /// POSTs a form exactly as given (no CSRF token added).
    pub async fn post_form_raw(&self, path: &str, pairs: &[(&str, &str)]) -> Resp {
        read(
            self.http
                .post(self.url(path))
                .form(pairs)
                .send()
                .await
                .expect("POST"),
        )
        .await
    }

    /// POSTs a form with the session's CSRF token added.
    pub async fn post_form(&mut self, path: &str, pairs: &[(&str, &str)]) -> Resp {
        let csrf = self.csrf().await;
        let mut all: Vec<(&str, &str)> = vec![("csrf_token", csrf.as_str())];
        all.extend_from_slice(pairs);
        self.post_form_raw(path, &all).await
    }

    /// A JSON request with the session cookie and the `X-CSRF-Token` header.
    pub async fn send_json(
        &mut self,
        method: reqwest::Method,
        path: &str,
        body: &serde_json::Value,
    ) -> Resp {
        let csrf = self.csrf().await;
        read(
            self.http
                .request(method, self.url(path))
                .header("X-CSRF-Token", csrf)
                .json(body)
                .send()
                .await
                .expect("JSON request"),
        )
        .await
    }

    /// A JSON request with the session cookie but no CSRF header.
    pub async fn send_json_without_csrf(
        &self,
        method: reqwest::Method,
        path: &str,
        body: &serde_json::Value,
    ) -> Resp {
        read(
            self.http
                .request(method, self.url(path))
                .json(body)
                .send()
                .await
                .expect("JSON request"),
        )
        .await
    }
}
