//! The load driver: logged-in clients of every kind hitting the pages people use most.

use crate::seed::PASSWORD;
use pulje_store::Db;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

type Timings = Arc<Mutex<BTreeMap<&'static str, Vec<Duration>>>>;

/// How hard to drive the server.
pub struct Load {
    pub clients: usize,
    pub seconds: u64,
    /// The mean pause after each page; zero for none.
    pub think: Duration,
}

struct Client {
    http: reqwest::Client,
    base: String,
    region: i64,
    csrf: String,
    timings: Timings,
    think: Duration,
    /// Varies the pauses.
    jitter: std::sync::atomic::AtomicU64,
}

fn hidden_csrf(html: &str) -> Option<String> {
    let at = html.find("name=\"csrf_token\" value=\"")? + "name=\"csrf_token\" value=\"".len();
    Some(html[at..].split('"').next()?.to_string())
}

impl Client {
    async fn timed(
        &self,
        route: &'static str,
        request: reqwest::RequestBuilder,
    ) -> anyhow::Result<(u16, String)> {
        let started = Instant::now();
        let response = request.send().await?;
        let status = response.status().as_u16();
        let body = response.text().await?;
        self.timings
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(route)
            .or_default()
            .push(started.elapsed());
        if !self.think.is_zero() {
            // A pause between 50 % and 150 % of the mean.
            let j = self
                .jitter
                .load(Ordering::Relaxed)
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            self.jitter.store(j, Ordering::Relaxed);
            let permille = 500 + (j >> 33) % 1001;
            tokio::time::sleep(self.think * permille as u32 / 1000).await;
        }
        Ok((status, body))
    }

    async fn login(
        base: &str,
        email: &str,
        region: i64,
        timings: Timings,
        think: Duration,
    ) -> anyhow::Result<Client> {
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        let form = http
            .get(format!("{base}/login"))
            .send()
            .await?
            .text()
            .await?;
        let token =
            hidden_csrf(&form).ok_or_else(|| anyhow::anyhow!("no csrf token on the login page"))?;
        let mut c = Client {
            http,
            base: base.to_string(),
            region,
            csrf: String::new(),
            timings,
            think,
            jitter: AtomicU64::new(email.len() as u64 * 7_919 + region as u64),
        };
        let (status, _) = c
            .timed(
                "POST /login",
                c.http.post(format!("{base}/login")).form(&[
                    ("email", email),
                    ("password", PASSWORD),
                    ("csrf_token", &token),
                ]),
            )
            .await?;
        anyhow::ensure!(status == 303, "login of {email} answered {status}");
        let page = c
            .http
            .get(format!("{base}/me"))
            .send()
            .await?
            .text()
            .await?;
        c.csrf = hidden_csrf(&page).unwrap_or_default();
        Ok(c)
    }
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

fn peak_memory_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

pub async fn run(
    base: &str,
    database: &str,
    load: &Load,
    server_pid: Option<u32>,
) -> anyhow::Result<()> {
    let (clients, seconds) = (load.clients, load.seconds);
    let db = Db::connect(database).await?;
    let mut conn = db.conn().await?;
    let mut ids: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    let mut submitted: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    let mut filters: BTreeMap<i64, Vec<(i64, i64)>> = BTreeMap::new();
    for r in [1081i64, 1082, 1083, 1084, 1085] {
        ids.insert(
            r,
            sqlx::query_scalar("SELECT id FROM applications WHERE region_code = $1 ORDER BY id")
                .bind(r)
                .fetch_all(&mut *conn)
                .await?,
        );
        let areas: Vec<i64> = sqlx::query_scalar("SELECT id FROM areas WHERE region_code = $1")
            .bind(r)
            .fetch_all(&mut *conn)
            .await?;
        let hospitals: Vec<i64> =
            sqlx::query_scalar("SELECT id FROM hospitals WHERE region_code = $1")
                .bind(r)
                .fetch_all(&mut *conn)
                .await?;
        filters.insert(
            r,
            areas
                .iter()
                .flat_map(|a| hospitals.iter().map(move |h| (*a, *h)))
                .collect(),
        );
        submitted.insert(r, sqlx::query_scalar("SELECT id FROM applications WHERE region_code = $1 AND status = 'submitted' ORDER BY id").bind(r).fetch_all(&mut *conn).await?);
    }
    drop(conn);
    let submitted = Arc::new(Mutex::new(submitted));
    let timings: Timings = Arc::new(Mutex::new(BTreeMap::new()));

    // A mix of the people who use pulje: working group (who also move applications on),
    // steering group, region administrators and leaders.
    let roles = [
        "working_group",
        "steering_group",
        "region_admin",
        "leader",
        "union_rep",
    ];
    let mut logged_in = Vec::new();
    for n in 0..clients {
        let region = [1081i64, 1082, 1083, 1084, 1085][n % 5];
        let role = roles[(n / 5) % roles.len()];
        // Seeded users are `{role}-{n}@{region}.bench` with role = ROLES[n % 6].
        let index = crate::seed::ROLES
            .iter()
            .position(|r| *r == role)
            .unwrap_or(0)
            + 6 * (n / 25);
        logged_in.push(
            Client::login(
                base,
                &format!("{role}-{index}@{region}.bench"),
                region,
                timings.clone(),
                load.think,
            )
            .await?,
        );
    }

    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (n, c) in logged_in.into_iter().enumerate() {
        let ids = ids.get(&c.region).cloned().unwrap_or_default();
        let filters = filters.get(&c.region).cloned().unwrap_or_default();
        let submitted = submitted.clone();
        let is_working_group = (n / 5) % roles.len() == 0;
        let is_region_admin = roles[(n / 5) % roles.len()] == "region_admin";
        tasks.push(tokio::spawn(async move {
            let mut i = n;
            while Instant::now() < deadline {
                i = i.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                let base = &c.base;
                c.timed(
                    "GET /regions/{code}",
                    c.http.get(format!("{base}/regions/{}", c.region)),
                )
                .await?;
                let page = 1 + i % 40;
                c.timed(
                    "GET /applications?status&page",
                    c.http
                        .get(format!("{base}/applications?status=active&page={page}")),
                )
                .await?;
                if !filters.is_empty() {
                    let (area, hospital) = filters[i % filters.len()];
                    c.timed(
                        "GET /applications?area&hospital",
                        c.http.get(format!(
                            "{base}/applications?area={area}&hospital={hospital}&page={}",
                            1 + i % 3
                        )),
                    )
                    .await?;
                }
                if !ids.is_empty() {
                    let id = ids[i % ids.len()];
                    c.timed(
                        "GET /applications/{id}",
                        c.http.get(format!("{base}/applications/{id}")),
                    )
                    .await?;
                }
                // Region administrators open their region's report now and then.
                if is_region_admin && i % 10 == 0 {
                    c.timed(
                        "GET /reports/regional/{code}",
                        c.http.get(format!("{base}/reports/regional/{}", c.region)),
                    )
                    .await?;
                }
                if is_working_group {
                    let next = submitted
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .get_mut(&c.region)
                        .and_then(|v| v.pop());
                    if let Some(id) = next {
                        let form = [
                            ("csrf_token", c.csrf.as_str()),
                            ("action", "forward"),
                            ("comment", "Kvalitetssikret."),
                        ];
                        c.timed(
                            "POST /applications/{id}/transitions",
                            c.http
                                .post(format!("{base}/applications/{id}/transitions"))
                                .form(&form),
                        )
                        .await?;
                    }
                }
            }
            anyhow::Ok(())
        }));
    }
    for t in tasks {
        t.await??;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let timings = timings.lock().unwrap_or_else(|e| e.into_inner());
    println!(
        "{clients} clients, {elapsed:.1} s, pause after each page: {} ms (±50 %)",
        load.think.as_millis()
    );
    println!(
        "{:<40} {:>8} {:>9} {:>8} {:>8} {:>8}",
        "route", "requests", "req/s", "p50 ms", "p95 ms", "p99 ms"
    );
    for (route, durations) in timings.iter() {
        let mut sorted = durations.clone();
        sorted.sort();
        println!(
            "{route:<40} {:>8} {:>9.1} {:>8.2} {:>8.2} {:>8.2}",
            sorted.len(),
            sorted.len() as f64 / elapsed,
            percentile(&sorted, 0.50),
            percentile(&sorted, 0.95),
            percentile(&sorted, 0.99)
        );
    }
    if let Some(pid) = server_pid {
        match peak_memory_kib(pid) {
            Some(kib) => println!("server peak memory (VmHWM): {:.1} MiB", kib as f64 / 1024.0),
            None => println!("server peak memory: /proc/{pid}/status not readable"),
        }
    }
    Ok(())
}
