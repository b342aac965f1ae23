//! The web tests' harness: `pulje_testkit`'s app on a fresh database with HTTP clients that log
//! in exactly like a browser does, plus these tests' own fixtures (applications, money, pages).
//!
//! Every test is written once and run on both backends with [`both_backends!`]. The PostgreSQL
//! variant needs `PULJE_TEST_POSTGRES_URL` (e.g. `postgres://postgres@127.0.0.1:5432/test`); each
//! test gets its own database `pulje_t_<pid>_<n>` there, copied from the process's migrated
//! template and dropped again when the test ends.

#![allow(dead_code)]

use pulje_domain::{
    ApplicationId, ApplicationInput, ApplicationStatus, ParticipantInput, RegionCode, RoundId,
    UserId,
};
use pulje_store::applications::{self, Application, Placement};
use pulje_store::{programmes, Actor};
#[allow(unused_imports)]
pub use pulje_testkit::{hidden_value, unescape, Backend, Client, Resp, TestUser, PASSWORD};

/// The region codes the tests use.
pub const NORDJYLLAND: i64 = 1081;
pub const MIDTJYLLAND: i64 = 1082;

/// Runs one async test body on SQLite and on PostgreSQL, as two tests `NAME::sqlite` and
/// `NAME::postgres`. Without `PULJE_TEST_POSTGRES_URL` the PostgreSQL one is reported as ignored,
/// with the reason, never as passed.
macro_rules! both_backends {
    ($name:ident, |$app:ident $(: $ty:ty)?| async move $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let $app $(: $ty)? = $crate::common::TestApp::spawn($crate::common::Backend::Sqlite).await;
                $body
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[cfg_attr(
                not(pulje_postgres),
                ignore = "needs PostgreSQL: PULJE_TEST_POSTGRES_URL is not set (scripts/install-test-tools)"
            )]
            async fn postgres() {
                let $app $(: $ty)? = $crate::common::TestApp::spawn($crate::common::Backend::Postgres).await;
                $body
            }
        }
    };
}

/// The application under test ([`pulje_testkit::TestApp`]: a server on a fresh database, users,
/// logged-in clients) with the web tests' own fixtures.
pub struct TestApp(pulje_testkit::TestApp);

impl std::ops::Deref for TestApp {
    type Target = pulje_testkit::TestApp;
    fn deref(&self) -> &pulje_testkit::TestApp {
        &self.0
    }
}

impl TestApp {
    /// A fresh, migrated database and a server on `127.0.0.1:<free port>`.
    pub async fn spawn(backend: Backend) -> TestApp {
        TestApp(pulje_testkit::TestApp::spawn(backend).await)
    }

    /// [`TestApp::spawn`] with a configuration of its own.
    pub async fn spawn_with(backend: Backend, config: pulje_web::Config) -> TestApp {
        TestApp(pulje_testkit::TestApp::spawn_with(backend, config).await)
    }

    /// Creates an application directly through the store, in `region`, by `by`.
    pub async fn application(
        &self,
        by: &TestUser,
        region: i64,
        input: &ApplicationInput,
    ) -> Application {
        let mut conn = self.db.conn().await.expect("conn");
        let rules = programmes::rules(&mut conn, "ok21", rc(region))
            .await
            .expect("rules");
        drop(conn);
        let data = input
            .validate(&rules)
            .unwrap_or_else(|e| panic!("fixture does not validate: {e:?}"));
        let mut tx = self.db.begin().await.expect("begin");
        let place = Placement {
            programme_id: "ok21",
            region_code: rc(region),
            created_by: Some(UserId::new(by.id())),
            doctor_user_id: ((by.user.role == pulje_domain::Role::Applicant).then(|| by.id()))
                .map(UserId::new),
            imported: false,
        };
        let app = applications::create(&mut tx, &by.actor(), &place, &data)
            .await
            .expect("applications::create");
        tx.commit().await.expect("commit");
        app
    }

    /// Moves an application to `status` (and into `round`) through the store.
    pub async fn set_status(
        &self,
        id: i64,
        status: ApplicationStatus,
        round: Option<i64>,
    ) -> Application {
        let mut tx = self.db.begin().await.expect("begin");
        let app = applications::set_status(
            &mut tx,
            &Actor::system("test"),
            ApplicationId::new(id),
            status,
            round.map(RoundId::new),
        )
        .await
        .expect("set_status");
        tx.commit().await.expect("commit");
        app
    }

    /// Binds each signing party of approved agreement `id` to the account proposed for it (the
    /// application's people, else the region's only account of the party's role), as the
    /// region's administrator would.
    pub async fn bind_proposed(&self, id: i64) {
        let mut conn = self.db.conn().await.expect("conn");
        let a = applications::get(&mut conn, ApplicationId::new(id))
            .await
            .expect("get")
            .expect("the agreement exists");
        let admin = pulje_store::users::list(&mut conn, Some(a.region_code))
            .await
            .expect("users")
            .into_iter()
            .find(|u| u.role == pulje_domain::Role::RegionAdmin)
            .expect("the region has an administrator");
        let parties = pulje_store::signing::bindings(&mut conn, &a)
            .await
            .expect("bindings");
        drop(conn);
        let mut signers = Vec::new();
        for b in &parties {
            let proposed = b
                .proposed_user_id
                .unwrap_or_else(|| panic!("no account proposed for {}", b.party));
            let mut conn = self.db.conn().await.expect("conn");
            signers.push(
                pulje_store::users::get(&mut conn, proposed)
                    .await
                    .expect("user")
                    .expect("the proposed user exists"),
            );
        }
        pulje_testkit::bind_parties(
            self.db.db(),
            &admin,
            ApplicationId::new(id),
            [&signers[0], &signers[1], &signers[2], &signers[3]],
        )
        .await;
    }

    /// The stored application.
    pub async fn get_application(&self, id: i64) -> Application {
        let mut conn = self.db.conn().await.expect("conn");
        applications::get(&mut conn, ApplicationId::new(id))
            .await
            .expect("applications::get")
            .expect("the application is stored")
    }

    /// How many applications are stored in all.
    pub async fn count_applications(&self) -> i64 {
        let mut conn = self.db.conn().await.expect("conn");
        let (_, total) = applications::list(&mut conn, &applications::ListFilter::default(), 1, 1)
            .await
            .expect("applications::list");
        total
    }

    /// The ids of an OK21 region's areas, hospitals and rounds, in their stored order.
    pub async fn area_ids(&self, region: i64) -> Vec<i64> {
        let mut conn = self.db.conn().await.expect("conn");
        programmes::areas(&mut conn, "ok21", Some(rc(region)))
            .await
            .expect("areas")
            .into_iter()
            .map(|a| a.id.get())
            .collect()
    }
    pub async fn hospital_ids(&self, region: i64) -> Vec<i64> {
        let mut conn = self.db.conn().await.expect("conn");
        pulje_store::org::hospitals(&mut conn, Some(rc(region)))
            .await
            .expect("hospitals")
            .into_iter()
            .map(|h| h.id.get())
            .collect()
    }
    pub async fn round_ids(&self, region: i64) -> Vec<i64> {
        let mut conn = self.db.conn().await.expect("conn");
        programmes::rounds(&mut conn, Some("ok21"), Some(rc(region)))
            .await
            .expect("rounds")
            .into_iter()
            .map(|r| r.id.get())
            .collect()
    }

    /// Creates an API token for `user`; returns (token id, raw token).
    pub async fn token(&self, user: &TestUser) -> (i64, String) {
        let mut tx = self.db.begin().await.expect("begin");
        let (token, raw) = pulje_store::sessions::create_token(
            &mut tx,
            &user.actor(),
            UserId::new(user.id()),
            "test",
            pulje_store::sessions::TOKEN_DAYS,
        )
        .await
        .expect("create_token");
        tx.commit().await.expect("commit");
        (i64::from(token.id), raw)
    }
}

/// The text of the error paragraph shown next to field `name` (`<p class="field-error" id="NAME-error">`).
pub fn field_error(html: &str, name: &str) -> Option<String> {
    let marker = format!("id=\"{name}-error\">");
    let start = html.find(&marker)? + marker.len();
    let end = html[start..].find("</p>")? + start;
    Some(unescape(html[start..end].trim()))
}

/// The value attribute of the text/date input with id `name`.
pub fn input_value(html: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\"");
    let at = html.find(&marker)?;
    let tag_start = html[..at].rfind('<')?;
    let tag_end = html[at..].find('>')? + at;
    let tag = &html[tag_start..tag_end];
    let v = tag.find("value=\"")? + "value=\"".len();
    let e = tag[v..].find('"')? + v;
    Some(unescape(&tag[v..e]))
}

/// The content of the textarea with id `name`.
pub fn textarea_value(html: &str, name: &str) -> Option<String> {
    let marker = format!("<textarea id=\"{name}\"");
    let at = html.find(&marker)?;
    let start = html[at..].find('>')? + at + 1;
    let end = html[start..].find("</textarea>")? + start;
    Some(unescape(&html[start..end]))
}

/// Whether the checkbox named `name` with value `value` is checked.
pub fn checkbox_checked(html: &str, name: &str, value: &str) -> bool {
    let marker = format!("name=\"{name}\" value=\"{value}\"");
    match html.find(&marker) {
        Some(at) => {
            let end = html[at..].find('>').map(|e| e + at).unwrap_or(html.len());
            html[at..end].contains(" checked")
        }
        None => false,
    }
}

/// The ids of the applications a list page links to, in page order.
pub fn listed_ids(html: &str) -> Vec<i64> {
    let marker = "<a href=\"/applications/";
    let mut ids = Vec::new();
    let mut rest = html;
    while let Some(at) = rest.find(marker) {
        rest = &rest[at + marker.len()..];
        let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
        if !digits.is_empty() && rest[digits.len()..].starts_with('"') {
            ids.push(digits.parse().expect("id"));
        }
    }
    ids
}

/// The id in a `Location: /applications/{id}?gemt=1`.
pub fn saved_id(r: &Resp) -> i64 {
    assert_eq!(
        r.status, 303,
        "expected a redirect after saving, got {}: {}",
        r.status, r.body
    );
    let location = r.location().expect("Location header");
    let rest = location
        .strip_prefix("/applications/")
        .unwrap_or_else(|| panic!("unexpected Location {location}"));
    let (id, query) = rest
        .split_once('?')
        .unwrap_or_else(|| panic!("unexpected Location {location}"));
    assert_eq!(query, "gemt=1", "{location}");
    id.parse()
        .unwrap_or_else(|_| panic!("unexpected Location {location}"))
}

/// A script using an API token (no cookies).
#[derive(Clone)]
pub struct Bearer {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Bearer {
    pub fn new(app: &TestApp, token: &str) -> Bearer {
        Bearer {
            http: reqwest::Client::new(),
            base: app.base.clone(),
            token: token.to_string(),
        }
    }

    pub async fn get(&self, path: &str) -> Resp {
        Resp::read(
            self.http
                .get(format!("{}{}", self.base, path))
                .bearer_auth(&self.token)
                .send()
                .await
                .expect("GET"),
        )
        .await
    }

    pub async fn send_json(
        &self,
        method: reqwest::Method,
        path: &str,
        body: &serde_json::Value,
    ) -> Resp {
        Resp::read(
            self.http
                .request(method, format!("{}{}", self.base, path))
                .bearer_auth(&self.token)
                .json(body)
                .send()
                .await
                .expect("JSON request"),
        )
        .await
    }

    /// Sends `bytes` as the body (`application/octet-stream`).
    pub async fn send_bytes(&self, method: reqwest::Method, path: &str, bytes: Vec<u8>) -> Resp {
        Resp::read(
            self.http
                .request(method, format!("{}{}", self.base, path))
                .bearer_auth(&self.token)
                .header("content-type", "application/octet-stream")
                .body(bytes)
                .send()
                .await
                .expect("request with a body"),
        )
        .await
    }

    /// Adds a file to attachment field `field` of application `id`; the file's id.
    pub async fn attach(&self, id: i64, field: &str, name: &str, bytes: &[u8]) -> i64 {
        let r = self
            .send_bytes(
                reqwest::Method::POST,
                &format!("/api/v1/applications/{id}/files?field={field}&name={name}"),
                bytes.to_vec(),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        r.json()["id"].as_i64().expect("the file's id")
    }
}

/// A draft with only a title.
pub fn titled(title: &str) -> ApplicationInput {
    ApplicationInput {
        title: title.to_string(),
        ..Default::default()
    }
}

/// A fuller draft, as a region 1082 applicant might have written it.
pub fn full_input(title: &str) -> ApplicationInput {
    ApplicationInput {
        title: title.to_string(),
        hospital_department: "Aarhus Universitetshospital, Akutafdelingen".into(),
        responsible_leader: "Overlæge Søren Ærø".into(),
        responsible_doctor: "Afdelingslæge Åse Øhlenschläger".into(),
        purpose: "At give afdelingslægen ansvar for den tværfaglige smertekonference.".into(),
        description:
            "Forsøget kører på to matrikler; afdelingslægen planlægger og leder konferencen.".into(),
        participants: vec![ParticipantInput {
            name: "Åse Øhlenschläger".into(),
            role: "afdelingslæge".into(),
            receives_supplement: true,
        }],
        ..Default::default()
    }
}

/// The JSON body of `POST /api/v1/applications`.
pub fn api_body(title: &str, region: i64) -> serde_json::Value {
    serde_json::json!({
        "title": title,
        "hospital_department": "Aarhus Universitetshospital, Akutafdelingen",
        "responsible_leader": "Overlæge Søren Ærø",
        "responsible_doctor": "Afdelingslæge Åse Øhlenschläger",
        "purpose": "Ansvar for kvalitetsudvikling i afsnittet.",
        "description": "Afdelingslægen leder de ugentlige forbedringsmøder.",
        "content": "Et årligt funktionstillæg.",
        "organisation": "Afdelingsledelsen følger forsøget kvartalsvis.",
        "areas": [],
        "start_date": "2022-06-01",
        "end_date": "2023-06-30",
        "remarks": "",
        "participants": [{"name": "Åse Øhlenschläger", "role": "afdelingslæge", "receives_supplement": true}],
        "programme": "ok21",
        "region_code": region,
        "supplement_ore": null
    })
}

// --- the path and the money ------------------------------------------------------------------

/// The tier amounts of region 1082 (Midtjylland), in øre.
pub const TIER_SMALL: i64 = 2_000_000;
pub const TIER_MEDIUM: i64 = 3_500_000;
pub const TIER_HIGH: i64 = 5_000_000;

/// The body of a transition: `{"action": action}` plus `extra`'s keys.
/// A signature with its confirmation ticked, of the agreement as it stands.
pub fn sign_step() -> serde_json::Value {
    serde_json::json!({ "action": "sign", "confirm": true })
}

pub fn step(action: &str, extra: serde_json::Value) -> serde_json::Value {
    let mut body = serde_json::json!({ "action": action });
    if let serde_json::Value::Object(more) = extra {
        for (k, v) in more {
            body[k] = v;
        }
    }
    body
}

impl Bearer {
    /// `POST /api/v1/applications/{id}/transitions`.
    pub async fn transition(&self, id: i64, body: &serde_json::Value) -> Resp {
        self.send_json(
            reqwest::Method::POST,
            &format!("/api/v1/applications/{id}/transitions"),
            body,
        )
        .await
    }

    /// `GET /api/v1/pools?region=CODE`, asserting 200.
    pub async fn pools(&self, region: i64) -> Vec<serde_json::Value> {
        let r = self.get(&format!("/api/v1/pools?region={region}")).await;
        assert_eq!(r.status, 200, "GET /api/v1/pools: {}", r.body);
        r.json().as_array().expect("an array of tranches").clone()
    }
}

/// Asserts a transition answered 200 with `status`; returns the new version.
pub fn expect_status(r: &Resp, id: i64, status: &str) -> i64 {
    assert_eq!(
        r.status, 200,
        "expected {status}, got {}: {}",
        r.status, r.body
    );
    let j = r.json();
    assert_eq!(j["id"].as_i64(), Some(id), "{}", r.body);
    assert_eq!(j["status"].as_str(), Some(status), "{}", r.body);
    j["version"].as_i64().expect("a version")
}

/// Asserts a refusal with `status` and a Danish JSON `error`; returns the message.
pub fn expect_refusal(r: &Resp, status: u16, what: &str) -> String {
    assert_eq!(
        r.status, status,
        "{what}: expected {status}, got {}: {}",
        r.status, r.body
    );
    let error = r.json()["error"]
        .as_str()
        .unwrap_or_else(|| panic!("{what}: no JSON error: {}", r.body))
        .to_string();
    assert!(!error.trim().is_empty(), "{what}: empty error");
    error
}

/// The cell texts of each `<tr>` of an HTML page, tags removed and references undone.
pub fn table_rows(html: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut rest = html;
    while let Some(at) = rest.find("<tr") {
        rest = &rest[at..];
        let end = rest.find("</tr>").unwrap_or(rest.len());
        let row = &rest[..end];
        let mut cells = Vec::new();
        let mut r = row;
        loop {
            let td = r.find("<td");
            let th = r.find("<th");
            let Some(open) = [td, th].into_iter().flatten().min() else {
                break;
            };
            let Some(gt) = r[open..].find('>') else { break };
            let body_start = open + gt + 1;
            let close = r[body_start..]
                .find("</t")
                .map(|c| c + body_start)
                .unwrap_or(r.len());
            cells.push(strip_tags(&r[body_start..close]));
            r = &r[close..];
            if r.len() > 2 {
                r = &r[3..];
            } else {
                break;
            }
        }
        rows.push(cells);
        rest = &rest[end.min(rest.len())..];
        if rest.len() > 5 {
            rest = &rest[5..];
        } else {
            break;
        }
    }
    rows
}

/// The text of an HTML fragment without its tags.
pub fn strip_tags(fragment: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in fragment.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    unescape(out.trim())
}

/// An amount as the pages show it: `35.000 kr.`.
pub fn kr(ore: i64) -> String {
    pulje_domain::Ore::from_ore(ore).to_kr_string()
}

pub fn date(text: &str) -> chrono::NaiveDate {
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("a YYYY-MM-DD date")
}

impl TestApp {
    /// An API client for `user` with a fresh token.
    pub async fn bearer(&self, user: &TestUser) -> Bearer {
        let (_, raw) = self.token(user).await;
        Bearer::new(self, &raw)
    }

    /// Everything submission needs, valid in `region` (whose tiers must include `supplement`).
    pub async fn complete_input(
        &self,
        region: i64,
        title: &str,
        supplement: i64,
        start: &str,
        end: &str,
    ) -> ApplicationInput {
        let hospital = self.hospital_ids(region).await[0];
        let area = self.area_ids(region).await[0];
        ApplicationInput {
            hospital_id: hospital.to_string(),
            hospital_department: "Medicinsk afdeling".into(),
            title: title.to_string(),
            responsible_leader: "Ledende overlæge Birgitte Ærenlund".into(),
            responsible_doctor: "Afdelingslæge Åse Øhlenschläger".into(),
            purpose: "At give afdelingslægen ansvar for brobygning til kommunerne.".into(),
            description: "Afdelingslægen leder et ugentligt tværsektorielt møde.".into(),
            content: "Et årligt funktionstillæg.".into(),
            participants: vec![ParticipantInput {
                name: "Åse Øhlenschläger".into(),
                role: "afdelingslæge".into(),
                receives_supplement: true,
            }],
            organisation: "Afdelingsledelsen følger forsøget kvartalsvis.".into(),
            supplement_ore: supplement.to_string(),
            area_ids: vec![area.to_string()],
            area_argument: "Forsøget gør overgangen fra hospital til kommune mere sikker.".into(),
            start_date: start.into(),
            end_date: end.into(),
            ..Default::default()
        }
    }

    /// A complete draft by `by` in `region`, stored directly.
    pub async fn complete_application(
        &self,
        by: &TestUser,
        region: i64,
        title: &str,
        supplement: i64,
        start: &str,
        end: &str,
    ) -> Application {
        let input = self
            .complete_input(region, title, supplement, start, end)
            .await;
        self.application(by, region, &input).await
    }

    /// `input` stored as `by`'s draft in `region`, then submitted, forwarded and approved at
    /// `TIER_MEDIUM` through the API by the region's working and steering groups: awaiting
    /// signatures, its agreement months written. Returns its id.
    pub async fn approved_application(
        &self,
        by: &TestUser,
        region: i64,
        input: &ApplicationInput,
    ) -> i64 {
        let id = i64::from(self.application(by, region, input).await.id);
        let doctor = self.bearer(by).await;
        let wg = self
            .bearer(
                &self
                    .user(pulje_domain::Role::WorkingGroup, Some(region))
                    .await,
            )
            .await;
        let sg = self
            .bearer(
                &self
                    .user(pulje_domain::Role::SteeringGroup, Some(region))
                    .await,
            )
            .await;
        let submit = doctor
            .transition(id, &step("submit", serde_json::json!({})))
            .await;
        expect_status(&submit, id, "submitted");
        let forward = wg
            .transition(id, &step("forward", serde_json::json!({})))
            .await;
        expect_status(&forward, id, "ready_for_decision");
        let meeting = self.decision_meeting(region).await;
        let approve = sg
            .transition(
                id,
                &step(
                    "approve",
                    serde_json::json!({ "tier_ore": TIER_MEDIUM, "meeting_id": meeting }),
                ),
            )
            .await;
        expect_status(&approve, id, "awaiting_signatures");
        id
    }

    /// A complete application of region 1082 waiting for the steering group's decision.
    pub async fn ready_application(
        &self,
        by: &TestUser,
        title: &str,
        start: &str,
        end: &str,
    ) -> Application {
        let a = self
            .complete_application(by, MIDTJYLLAND, title, TIER_MEDIUM, start, end)
            .await;
        self.set_status(i64::from(a.id), ApplicationStatus::ReadyForDecision, None)
            .await
    }

    /// A steering group meeting of OK21 in `region` held on 1 March 2022: before the test
    /// agreements start and while the programme's first tranche is open, so an approval decided
    /// at it keeps the programme's time rules. (Decided without a meeting, an approval is
    /// decided today, years after OK21's tranches closed, and needs the steering group's reason.)
    pub async fn decision_meeting(&self, region: i64) -> i64 {
        self.scalar_i64(&format!(
            "INSERT INTO meetings (programme_id, region_code, held_on, place) \
             VALUES ('ok21', {region}, '2022-03-01', 'Regionshuset') RETURNING id"
        ))
        .await
    }

    /// Runs one SQL statement on the test database.
    pub async fn exec(&self, sql: &str) -> u64 {
        let mut conn = self.db.conn().await.expect("conn");
        sqlx::query(sql)
            .execute(&mut *conn)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
            .rows_affected()
    }

    /// One whole number from the test database (`COUNT(*)`, an id).
    pub async fn scalar_i64(&self, sql: &str) -> i64 {
        let mut conn = self.db.conn().await.expect("conn");
        sqlx::query_scalar::<_, i64>(sql)
            .fetch_one(&mut *conn)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    /// Each tranche of a region's pool, from the store.
    pub async fn pool_status(&self, region: i64) -> Vec<pulje_store::money::PoolStatus> {
        let mut conn = self.db.conn().await.expect("conn");
        pulje_store::money::pool_status(&mut conn, "ok21", rc(region))
            .await
            .expect("pool_status")
    }

    /// An application's audit entries, newest first.
    pub async fn audit_of(&self, id: i64) -> Vec<pulje_store::audit::Entry> {
        let mut conn = self.db.conn().await.expect("conn");
        let filter = pulje_store::audit::Filter {
            entity: Some("application".into()),
            entity_id: Some(id.to_string()),
            ..Default::default()
        };
        pulje_store::audit::list(&mut conn, &filter, 10_000)
            .await
            .expect("audit::list")
    }

    /// The queued messages (of a region, or all), oldest first.
    pub async fn outbox(&self, region: Option<i64>) -> Vec<pulje_store::outbox::Message> {
        let mut conn = self.db.conn().await.expect("conn");
        let mut all = pulje_store::outbox::list(&mut conn, region.map(rc), 10_000)
            .await
            .expect("outbox::list");
        all.reverse();
        all
    }

    /// An agreement's committed months: (`YYYY-MM-01`, øre).
    pub async fn agreement_months(&self, id: i64) -> Vec<(String, i64)> {
        let mut conn = self.db.conn().await.expect("conn");
        pulje_store::money::agreement_months(&mut conn, ApplicationId::new(id))
            .await
            .expect("agreement_months")
            .into_iter()
            .map(|(month, amount)| (month, amount.ore()))
            .collect()
    }

    /// Adds a supplement tier to a region, through the store.
    pub async fn create_tier(&self, region: i64, name: &str, ore: i64) {
        let mut tx = self.db.begin().await.expect("begin");
        programmes::create_tier(
            &mut tx,
            &Actor::system("test"),
            "ok21",
            rc(region),
            name,
            pulje_domain::Ore::from_ore(ore),
        )
        .await
        .expect("create_tier");
        tx.commit().await.expect("commit");
    }

    /// Adds a round to a region, through the store.
    pub async fn create_round(
        &self,
        region: i64,
        name: &str,
        opens_on: chrono::NaiveDate,
        deadline: chrono::NaiveDate,
    ) -> programmes::Round {
        self.widen_ok21_window(opens_on, deadline).await;
        let mut tx = self.db.begin().await.expect("begin");
        let r = programmes::create_round(
            &mut tx,
            &Actor::system("test"),
            "ok21",
            rc(region),
            &programmes::RoundInput {
                name: name.into(),
                opens_on,
                deadline,
            },
        )
        .await
        .expect("create_round");
        tx.commit().await.expect("commit");
        r
    }

    /// OK21's application window closed on 31 May 2023, and a round must lie inside its
    /// programme's window. A test that needs an OK21 round at another time widens the window
    /// first, as an administrator would: a new version of the definition.
    pub async fn widen_ok21_window(
        &self,
        opens_on: chrono::NaiveDate,
        deadline: chrono::NaiveDate,
    ) {
        use pulje_domain::programme::Day;
        let mut conn = self.db.conn().await.expect("conn");
        let mut def = pulje_store::definitions::latest(&mut conn, "ok21")
            .await
            .expect("definition")
            .expect("OK21 has a definition");
        drop(conn);
        if def.window.opens.date() <= opens_on && deadline <= def.window.closes.date() {
            return;
        }
        def.window.opens = Day(def.window.opens.date().min(opens_on));
        def.window.closes = Day(def.window.closes.date().max(deadline));
        def.version += 1;
        let mut tx = self.db.begin().await.expect("begin");
        pulje_store::definitions::install(&mut tx, &Actor::system("test"), &def)
            .await
            .expect("install the widened OK21 definition");
        tx.commit().await.expect("commit");
    }

    /// The cost basis of an application with `tier` (the region's on-cost, its receivers).
    pub async fn cost_basis(&self, a: &Application, tier: i64) -> pulje_domain::cost::CostBasis {
        let mut conn = self.db.conn().await.expect("conn");
        let settings = programmes::region_settings(&mut conn, "ok21", a.region_code)
            .await
            .expect("region_settings");
        let receivers = a
            .data
            .participants()
            .iter()
            .filter(|p| p.receives_supplement)
            .count()
            .max(1) as u32;
        pulje_domain::cost::CostBasis {
            annual: pulje_domain::Ore::from_ore(tier),
            receivers,
            oncost_basis_points: settings.oncost_basis_points as u32,
        }
    }

    /// The tranches of OK21 as periods, by number.
    pub async fn tranche_periods(&self) -> Vec<(i64, pulje_domain::Period)> {
        let mut conn = self.db.conn().await.expect("conn");
        programmes::tranches(&mut conn, "ok21")
            .await
            .expect("tranches")
            .into_iter()
            .map(|t| {
                (
                    t.number,
                    pulje_domain::Period::new(t.period_start, t.period_end).expect("a period"),
                )
            })
            .collect()
    }
}

/// The period of a stored application.
pub fn period_of(a: &Application) -> pulje_domain::Period {
    pulje_domain::Period::new(
        a.data.start_date().expect("a start date"),
        a.data.end_date().expect("an end date"),
    )
    .expect("a period")
}

/// Stored months as (`YYYY-MM-01`, øre), the way `agreement_months` returns them.
pub fn month_rows(months: &[pulje_domain::cost::MonthlyAmount]) -> Vec<(String, i64)> {
    months
        .iter()
        .map(|m| (m.first_day().to_string(), m.amount.ore()))
        .collect()
}

/// A multipart body with the given text fields and files under `file_field`; returns its
/// content type and bytes.
pub fn multipart_files(
    fields: &[(&str, &str)],
    file_field: &str,
    files: &[(&str, &[u8])],
) -> (String, Vec<u8>) {
    let boundary = "pulje-test-boundary-7d3f";
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    for (name, data) in files {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{file_field}\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes(),
        );
        body.extend_from_slice(data);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// The web tests' own requests on a logged-in [`Client`].
#[allow(async_fn_in_trait)]
pub trait ClientExt {
    /// `POST /api/v1/applications/{id}/transitions` with the session and its CSRF header.
    async fn transition(&mut self, id: i64, body: &serde_json::Value) -> Resp;
    /// POSTs a multipart body; returns the status and the page.
    async fn post_multipart(
        &self,
        path: &str,
        content_type: String,
        body: Vec<u8>,
    ) -> (u16, String);
}

impl ClientExt for Client {
    /// `POST /api/v1/applications/{id}/transitions` with the session and its CSRF header.
    async fn transition(&mut self, id: i64, body: &serde_json::Value) -> Resp {
        self.send_json(
            reqwest::Method::POST,
            &format!("/api/v1/applications/{id}/transitions"),
            body,
        )
        .await
    }
    /// POSTs a multipart body; returns the status and the page.
    async fn post_multipart(
        &self,
        path: &str,
        content_type: String,
        body: Vec<u8>,
    ) -> (u16, String) {
        let r = self
            .http
            .post(self.url(path))
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .expect("POST multipart");
        let status = r.status().as_u16();
        (status, r.text().await.unwrap_or_default())
    }
}

/// The number shown under «Ansøgninger i alt» on a region's dashboard.
pub fn dashboard_total(html: &str) -> i64 {
    let at = html
        .find("Ansøgninger i alt")
        .expect("the dashboard has its total");
    let rest = &html[at..];
    let start = rest.find("class=\"big\">").expect("total figure") + "class=\"big\">".len();
    rest[start..]
        .split('<')
        .next()
        .and_then(|n| n.trim().parse().ok())
        .expect("a whole number")
}

/// A region code the tests name by number.
pub fn rc(code: i64) -> RegionCode {
    RegionCode::new(code).expect("a region code")
}

// --- programmes defined as data ----------------------------------------------------------------

/// A programme definition shipped with pulje, read, with its application window opened around
/// today (the examples' own windows are 2022's and 2027's): the tests apply now.
pub fn shipped(id: &str) -> pulje_domain::programme::Definition {
    let (_, text) = pulje_domain::programme::SHIPPED
        .iter()
        .find(|(i, _)| *i == id)
        .expect("shipped");
    let mut def = pulje_domain::programme::Definition::from_toml(text).expect("reads");
    let today = pulje_domain::date::today_in_denmark();
    def.window.opens = pulje_domain::programme::Day(today - chrono::Days::new(30));
    def.window.closes = pulje_domain::programme::Day(today + chrono::Days::new(365));
    def
}

/// Installs `def` and seats `members` in its bodies (body id, user).
pub async fn install_programme(
    app: &TestApp,
    def: &pulje_domain::programme::Definition,
    members: &[(&str, &TestUser)],
) {
    let mut tx = app.db.begin().await.expect("begin");
    pulje_store::definitions::install(&mut tx, &Actor::system("test"), def)
        .await
        .expect("install");
    for (body, user) in members {
        pulje_store::programme_applications::set_member(
            &mut tx,
            &Actor::system("test"),
            def,
            body,
            UserId::new(user.id()),
            true,
        )
        .await
        .expect("set_member");
    }
    tx.commit().await.expect("commit");
}

/// Installs the shipped programme `id` with `members` seated in its bodies.
pub async fn install_shipped(
    app: &TestApp,
    id: &str,
    members: &[(&str, &TestUser)],
) -> pulje_domain::programme::Definition {
    let def = shipped(id);
    install_programme(app, &def, members).await;
    def
}

/// `user`'s API client, with a token of their own.
pub async fn bearer(app: &TestApp, user: &TestUser) -> Bearer {
    let (_, raw) = app.token(user).await;
    Bearer::new(app, &raw)
}

/// Takes a step of an application's workflow through the API.
pub async fn transition(api: &Bearer, id: i64, body: serde_json::Value) -> Resp {
    api.send_json(
        reqwest::Method::POST,
        &format!("/api/v1/applications/{id}/transitions"),
        &body,
    )
    .await
}

/// A complete application of the GP fund's continuing-education programme.
pub fn gp_fields() -> serde_json::Value {
    serde_json::json!({
        "title": "Kursus i akut pædiatri",
        "practice": "Lægehuset ved Åen",
        "participants": [{"name": "Søren Ærø", "role": "Praktiserende læge"}],
        "course_dates": {"start": "2027-03-01", "end": "2027-03-03"},
        "relevance": "Praksis ser mange akut syge børn.",
        "amount": "12.500"
    })
}

// Re-authentication and the second factor (tests/reauth.rs, tests/second_factor.rs, signing).

/// Makes `user_id`'s sessions look proved 20 minutes ago.
pub async fn go_stale(app: &TestApp, user_id: i64) {
    let then = pulje_store::timestamp(chrono::Utc::now() - chrono::Duration::minutes(20));
    app.exec(&format!(
        "UPDATE sessions SET authenticated_at = '{then}' WHERE user_id = {user_id}"
    ))
    .await;
}

/// The hidden fields of the first form on a page, in order.
pub fn hidden_fields(html: &str) -> Vec<(String, String)> {
    let mut fields = Vec::new();
    let form_end = html.find("</form>").unwrap_or(html.len());
    for piece in html[..form_end]
        .split("<input type=\"hidden\" name=\"")
        .skip(1)
    {
        let name_end = piece.find('"').unwrap();
        let name = unescape(&piece[..name_end]);
        let value = hidden_value(&format!("name=\"{}", piece), &name).unwrap_or_default();
        fields.push((name, value));
    }
    fields
}

/// Submits the re-authentication page's form (to its own action) with `password`.
pub async fn confirm(
    client: &Client,
    page: &Resp,
    action: &str,
    password: &str,
    code: Option<&str>,
) -> Resp {
    assert!(
        page.text().contains("Bekræft, at det er dig"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains(&format!("action=\"{action}\"")),
        "the form goes back to {action}: {}",
        page.body
    );
    let mut pairs = hidden_fields(&page.body);
    pairs.push(("reauth_password".into(), password.into()));
    if let Some(code) = code {
        pairs.push(("reauth_code".into(), code.into()));
    }
    let refs: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    client.post_form_raw(action, &refs).await
}

/// The secret shown on a second factor's set-up page
/// (`<code class="secret" id="secret">ABCD EFGH …</code>`), without its spaces.
pub fn secret_on(page: &Resp) -> String {
    let marker = "id=\"secret\">";
    let start = page.body.find(marker).expect("the page shows the secret") + marker.len();
    let end = page.body[start..].find('<').expect("end of secret") + start;
    page.body[start..end].replace(' ', "")
}

/// The recovery codes on the page that shows them once.
pub fn recovery_codes_on(page: &Resp) -> Vec<String> {
    page.body
        .split("<li><code>")
        .skip(1)
        .map(|rest| rest[..rest.find('<').expect("end of code")].to_string())
        .collect()
}

/// Seconds since 1970, as an authenticator app reads its clock.
pub fn now_seconds() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// The code of time step `step` (30 seconds each).
pub fn code_of_step(secret: &str, step: i64) -> String {
    pulje_app::second_factor::code_at(secret, u64::try_from(step).unwrap() * 30).unwrap()
}

/// Turns the second factor on for `client`'s user from "Min konto"; its secret and recovery codes.
pub async fn turn_on_second_factor(client: &mut Client) -> (String, Vec<String>) {
    let page = client.get("/me/totp").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let secret = secret_on(&page);
    let code = pulje_app::second_factor::code_at(&secret, now_seconds()).unwrap();
    let r = client.post_form("/me/totp", &[("code", &code)]).await;
    assert_eq!(r.status, 200, "{}", r.body);
    (secret, recovery_codes_on(&r))
}

impl TestApp {
    /// The last time step whose code was accepted for `user_id`.
    pub async fn last_step(&self, user_id: i64) -> i64 {
        self.scalar_i64(&format!(
            "SELECT last_step FROM totp_secrets WHERE user_id = {user_id}"
        ))
        .await
    }
}
