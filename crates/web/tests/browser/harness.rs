//! The browser harness: Debian's chromedriver on a free port, a headless Chromium session with a
//! fresh profile, helpers that act like a person (find a field by its label, type, choose, click
//! and wait for the next page), and a guard that saves a screenshot and the page's HTML under
//! `target/browser-failures/` when a test fails.

use anyhow::{anyhow, bail, Context as _, Result};
use fantoccini::actions::{InputSource as _, KeyAction, KeyActions};
use fantoccini::elements::Element;
use fantoccini::key::Key;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};
use std::future::Future;
use std::io::{Read as _, Write as _};
use std::path::PathBuf;
use std::pin::Pin;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

pub use pulje_testkit::tools::{CHROMEDRIVER, CHROMIUM};

/// How long one wait for an element, a page or a text may take before the test fails.
pub const WAIT: Duration = Duration::from_secs(15);

/// How long one test body may take in all.
pub const TEST_LIMIT: Duration = Duration::from_secs(150);

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A running chromedriver with one Chromium session; both end when it is dropped.
pub struct Browser {
    pub client: Client,
    /// The application's base URL, `http://127.0.0.1:PORT`.
    pub base: String,
    driver: Driver,
}

/// The chromedriver process, the session it runs and the profile directory, all ended and
/// removed on drop, whatever failed.
struct Driver {
    child: Child,
    port: u16,
    session: Option<String>,
    profile: PathBuf,
}

fn free_port() -> Result<u16> {
    let l = std::net::TcpListener::bind("127.0.0.1:0").context("bind 127.0.0.1:0")?;
    Ok(l.local_addr()?.port())
}

impl Browser {
    /// Starts chromedriver and a headless Chromium for the application at `base`.
    pub async fn start(base: &str) -> Result<Browser> {
        for path in [CHROMIUM, CHROMEDRIVER] {
            if !std::path::Path::new(path).exists() {
                bail!("{path} is missing: install Debian's `chromium` and `chromium-driver`");
            }
        }
        let port = free_port()?;
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("starting {CHROMEDRIVER}"))?;
        let profile = std::env::temp_dir().join(format!(
            "pulje-chromium-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&profile);
        std::fs::create_dir_all(&profile).context("creating the Chromium profile directory")?;
        // From here on `Drop` ends chromedriver and removes the profile, whatever fails below.
        let mut driver = Driver {
            child: driver,
            port,
            session: None,
            profile,
        };
        driver.wait_ready().await?;
        let args = vec![
            "--headless=new".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-dev-shm-usage".into(),
            "--no-first-run".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--window-size=1280,1000".into(),
            format!("--user-data-dir={}", driver.profile.display()),
        ];
        let caps = json!({
            "browserName": "chrome",
            "pageLoadStrategy": "normal",
            "timeouts": { "script": 30_000, "pageLoad": 30_000, "implicit": 0 },
            "goog:chromeOptions": { "binary": CHROMIUM, "args": args },
        });
        let Value::Object(caps) = caps else {
            unreachable!()
        };
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .context("starting a Chromium session through chromedriver")?;
        driver.session = client.session_id().await.ok().flatten();
        Ok(Browser {
            client,
            base: base.to_string(),
            driver,
        })
    }

    /// Ends the Chromium session (chromedriver ends on drop).
    pub async fn quit(mut self) {
        if self.driver.session.take().is_some() {
            let _ = self.client.clone().close().await;
        }
    }
}

impl Driver {
    /// Waits until chromedriver answers `/status` with `ready`.
    async fn wait_ready(&mut self) -> Result<()> {
        let url = format!("http://127.0.0.1:{}/status", self.port);
        let http = reqwest::Client::new();
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(status) = self.child.try_wait()? {
                bail!("chromedriver exited at start: {status}");
            }
            if let Ok(r) = http.get(&url).send().await {
                if let Ok(v) = r.json::<Value>().await {
                    if v["value"]["ready"] == json!(true) {
                        return Ok(());
                    }
                }
            }
            if Instant::now() > deadline {
                bail!("chromedriver did not answer on {url} within {WAIT:?}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Browser {
    // --- running a test -----------------------------------------------------------------------

    /// Runs `body`; if it fails (an error, a panic or the time limit), saves a screenshot and the
    /// page's HTML under `target/browser-failures/` and panics with the reason and both paths.
    pub async fn guard<F>(&self, name: &str, body: F)
    where
        F: Future<Output = Result<()>>,
    {
        let outcome = tokio::time::timeout(TEST_LIMIT, CatchUnwind(Box::pin(body))).await;
        let reason = match outcome {
            Ok(Ok(Ok(()))) => return,
            Ok(Ok(Err(e))) => format!("{e:#}"),
            Ok(Err(panic)) => panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "a panic without a message".into()),
            Err(_) => format!("the test did not finish within {TEST_LIMIT:?}"),
        };
        let saved = self.save_failure(name).await;
        panic!("browser test `{name}` failed: {reason}\n{saved}");
    }

    /// Saves a screenshot and the page's HTML; returns where, for the panic message.
    pub async fn save_failure(&self, name: &str) -> String {
        let dir = failure_dir();
        if let Err(e) = std::fs::create_dir_all(&dir) {
            return format!("could not create {}: {e}", dir.display());
        }
        let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S%.3f");
        let stem = dir.join(format!("{name}-{stamp}"));
        let mut lines = Vec::new();
        let url = self
            .client
            .current_url()
            .await
            .map(|u| u.to_string())
            .unwrap_or_else(|e| format!("(unknown: {e})"));
        lines.push(format!("page at failure: {url}"));
        let png = stem.with_extension("png");
        match self.client.screenshot().await {
            Ok(bytes) => match std::fs::write(&png, bytes) {
                Ok(()) => lines.push(format!("screenshot: {}", png.display())),
                Err(e) => lines.push(format!("could not write {}: {e}", png.display())),
            },
            Err(e) => lines.push(format!("could not take a screenshot: {e}")),
        }
        let html = stem.with_extension("html");
        match self.client.source().await {
            Ok(source) => match std::fs::write(&html, source) {
                Ok(()) => lines.push(format!("page HTML: {}", html.display())),
                Err(e) => lines.push(format!("could not write {}: {e}", html.display())),
            },
            Err(e) => lines.push(format!("could not read the page's HTML: {e}")),
        }
        lines.join("\n")
    }

    // --- pages --------------------------------------------------------------------------------

    /// Opens `path` as if typed into the address bar.
    pub async fn open(&self, path: &str) -> Result<()> {
        let url = format!("{}{path}", self.base);
        self.client
            .goto(&url)
            .await
            .with_context(|| format!("opening {url}"))?;
        self.wait_ready().await
    }

    async fn wait_ready(&self) -> Result<()> {
        self.wait_until(
            "the page to load",
            "return document.readyState === 'complete'",
        )
        .await
    }

    /// Polls `script` (a JS body returning a boolean) until it returns true.
    pub async fn wait_until(&self, what: &str, script: &str) -> Result<()> {
        let deadline = Instant::now() + WAIT;
        loop {
            // Errors while a page is being replaced mean "not yet".
            if let Ok(Value::Bool(true)) = self.client.execute(script, vec![]).await {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!(
                    "waited {WAIT:?} for {what}; the page is {}",
                    self.where_am_i().await
                );
            }
            tokio::time::sleep(Duration::from_millis(40)).await;
        }
    }

    /// The current path and the page's main heading, for error messages.
    pub async fn where_am_i(&self) -> String {
        let url = self
            .client
            .current_url()
            .await
            .map(|u| u.to_string())
            .unwrap_or_default();
        let h1 = self
            .client
            .execute(
                "const h = document.querySelector('h1'); return h ? h.innerText : '';",
                vec![],
            )
            .await
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        format!("{url} (heading «{h1}»)")
    }

    /// Marks the current document, runs `act` (a click, a key press), then waits until a new
    /// document has replaced it and finished loading.
    pub async fn navigating<F>(&self, what: &str, act: F) -> Result<()>
    where
        F: Future<Output = Result<()>>,
    {
        self.client
            .execute("window.__puljeOldPage = true; return true;", vec![])
            .await
            .context("marking the page")?;
        act.await?;
        self.wait_until(
            &format!("the next page after {what}"),
            "return window.__puljeOldPage === undefined && document.readyState === 'complete'",
        )
        .await
    }

    /// The visible text of the page.
    pub async fn text(&self) -> Result<String> {
        let v = self
            .client
            .execute("return document.body.innerText;", vec![])
            .await?;
        Ok(v.as_str().unwrap_or_default().to_string())
    }

    /// Waits until the page's visible text contains `needle`.
    pub async fn expect_text(&self, needle: &str) -> Result<()> {
        let deadline = Instant::now() + WAIT;
        loop {
            if self.text().await.unwrap_or_default().contains(needle) {
                return Ok(());
            }
            if Instant::now() > deadline {
                let text = self.text().await.unwrap_or_default();
                bail!(
                    "expected the text «{needle}» on {}; the page says:\n{}",
                    self.where_am_i().await,
                    text.chars().take(3000).collect::<String>()
                );
            }
            tokio::time::sleep(Duration::from_millis(40)).await;
        }
    }

    /// The current path with query, e.g. `/applications/3?gemt=1`.
    pub async fn path(&self) -> Result<String> {
        let u = self.client.current_url().await?;
        Ok(match u.query() {
            Some(q) => format!("{}?{q}", u.path()),
            None => u.path().to_string(),
        })
    }

    // --- finding things -----------------------------------------------------------------------

    /// Waits for the element matching `css`.
    pub async fn css(&self, css: &str) -> Result<Element> {
        match self
            .client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css(css))
            .await
        {
            Ok(e) => Ok(e),
            Err(e) => Err(anyhow!(
                "no element `{css}` on {}: {e}",
                self.where_am_i().await
            )),
        }
    }

    /// Waits for the element matching the XPath `xpath`; `what` names it in errors.
    pub async fn xpath(&self, xpath: &str, what: &str) -> Result<Element> {
        match self
            .client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::XPath(xpath))
            .await
        {
            Ok(e) => Ok(e),
            Err(e) => Err(anyhow!("no {what} on {}: {e}", self.where_am_i().await)),
        }
    }

    /// The form control a `<label>` with exactly this text points at (through `for` and `id`).
    pub async fn field(&self, label: &str) -> Result<Element> {
        let l = self
            .xpath(
                &format!("//label[normalize-space(.)={}]", xpath_literal(label)),
                &format!("label «{label}»"),
            )
            .await?;
        let id = l
            .attr("for")
            .await?
            .ok_or_else(|| anyhow!("the label «{label}» has no `for`"))?;
        self.css(&format!("[id=\"{id}\"]"))
            .await
            .with_context(|| format!("the control of label «{label}»"))
    }

    /// The control with this `aria-label`.
    pub async fn aria(&self, label: &str) -> Result<Element> {
        self.css(&format!("[aria-label=\"{label}\"]")).await
    }

    // --- acting -------------------------------------------------------------------------------

    /// Clears the text field (or text area) labelled `label` and types `text` into it.
    pub async fn type_into(&self, label: &str, text: &str) -> Result<()> {
        let e = self.field(label).await?;
        type_text(&e, text)
            .await
            .with_context(|| format!("typing into «{label}»"))
    }

    /// Types an ISO date (`2022-04-01`) into a date field labelled `label` the way a person
    /// would in this browser's locale, and checks that the field holds that date.
    pub async fn type_date(&self, label: &str, iso: &str) -> Result<()> {
        let e = self.field(label).await?;
        let keys = self.date_keys(iso).await?;
        // WebDriver focuses the field first, which puts the caret in its first part.
        e.send_keys(&keys).await?;
        let value = e.prop("value").await?.unwrap_or_default();
        if value != iso {
            bail!("typed {keys:?} into the date field «{label}» but it holds «{value}», not {iso}");
        }
        Ok(())
    }

    /// The digits to type for `iso` into a date input, in the order of the browser's locale.
    pub async fn date_keys(&self, iso: &str) -> Result<String> {
        let (y, rest) = iso.split_once('-').context("an ISO date")?;
        let (m, d) = rest.split_once('-').context("an ISO date")?;
        let order = self
            .client
            .execute(
                "return new Intl.DateTimeFormat(undefined, {year: 'numeric', month: '2-digit', day: '2-digit'})\
                 .formatToParts(new Date(2022, 3, 1)).filter(p => p.type !== 'literal').map(p => p.type);",
                vec![],
            )
            .await?;
        let mut keys = String::new();
        for part in order.as_array().context("date parts")? {
            keys.push_str(match part.as_str() {
                Some("year") => y,
                Some("month") => m,
                Some("day") => d,
                other => bail!("unexpected date part {other:?}"),
            });
        }
        Ok(keys)
    }

    /// Chooses the option whose text contains `option` in the select labelled `label`.
    pub async fn choose(&self, label: &str, option: &str) -> Result<()> {
        let select = self.field(label).await?;
        let o = select
            .find(Locator::XPath(&format!(
                ".//option[contains(normalize-space(.), {})]",
                xpath_literal(option)
            )))
            .await
            .with_context(|| format!("no option «{option}» in «{label}»"))?;
        o.click().await?;
        if !o.is_selected().await? {
            bail!("the option «{option}» of «{label}» did not become selected");
        }
        Ok(())
    }

    /// Ticks the checkbox inside the `<label>` whose text contains `label`, by clicking the label.
    pub async fn tick(&self, label: &str) -> Result<()> {
        let l = self
            .xpath(
                &format!(
                    "//label[contains(normalize-space(.), {})][.//input[@type='checkbox']]",
                    xpath_literal(label)
                ),
                &format!("checkbox «{label}»"),
            )
            .await?;
        let input = l.find(Locator::Css("input[type=checkbox]")).await?;
        if !input.is_selected().await? {
            l.click().await?;
        }
        if !input.is_selected().await? {
            bail!("clicking «{label}» did not tick its checkbox");
        }
        Ok(())
    }

    /// Ticks the checkbox with this `aria-label`.
    pub async fn tick_aria(&self, label: &str) -> Result<()> {
        let input = self.aria(label).await?;
        if !input.is_selected().await? {
            input.click().await?;
        }
        if !input.is_selected().await? {
            bail!("clicking «{label}» did not tick it");
        }
        Ok(())
    }

    /// Clicks the button with exactly this text and waits for the page it leads to.
    pub async fn press(&self, text: &str) -> Result<()> {
        let b = self
            .xpath(
                &format!("//button[normalize-space(.)={}]", xpath_literal(text)),
                &format!("button «{text}»"),
            )
            .await?;
        self.navigating(&format!("pressing «{text}»"), async {
            b.click().await?;
            Ok(())
        })
        .await
    }

    /// Follows the link with exactly this text and waits for the page it leads to.
    pub async fn follow(&self, text: &str) -> Result<()> {
        let a = self
            .xpath(
                &format!("//a[normalize-space(.)={}]", xpath_literal(text)),
                &format!("link «{text}»"),
            )
            .await?;
        self.navigating(&format!("following «{text}»"), async {
            a.click().await?;
            Ok(())
        })
        .await
    }

    /// Presses and releases keys on the keyboard (whatever has focus receives them).
    pub async fn keys(&self, keys: &str) -> Result<()> {
        let mut seq = KeyActions::new("keyboard".into());
        for c in keys.chars() {
            seq = seq
                .then(KeyAction::Down { value: c })
                .then(KeyAction::Up { value: c });
        }
        self.client.perform_actions(seq).await?;
        Ok(())
    }

    /// Presses Tab once.
    pub async fn tab(&self) -> Result<()> {
        self.keys(&Key::Tab.to_string()).await
    }

    // --- people -------------------------------------------------------------------------------

    /// Logs in on the login page.
    pub async fn log_in(&self, email: &str, password: &str, name: &str) -> Result<()> {
        self.open("/login").await?;
        self.type_into("E-mailadresse", email).await?;
        self.type_into("Adgangskode", password).await?;
        self.press("Log ind").await?;
        self.expect_text(name)
            .await
            .with_context(|| format!("logging in as {email}"))
    }

    /// Logs out with the header's button.
    pub async fn log_out(&self) -> Result<()> {
        self.press("Log ud").await?;
        self.css("input#email")
            .await
            .context("the login page after logging out")?;
        Ok(())
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // A session still open (a panic outside `guard`): end it so Chromium does not linger.
        if let Some(id) = self.session.take() {
            let _ = delete_session(self.port, &id);
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

/// `DELETE /session/{id}` without a runtime (Drop may run anywhere).
fn delete_session(port: u16, id: &str) -> std::io::Result<()> {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(
        s,
        "DELETE /session/{id} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )?;
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf);
    Ok(())
}

/// Clears `e` and types `text` into it.
pub async fn type_text(e: &Element, text: &str) -> Result<()> {
    e.clear().await?;
    e.send_keys(text).await?;
    let value = e.prop("value").await?.unwrap_or_default();
    if value != text {
        bail!("typed «{text}» but the field holds «{value}»");
    }
    Ok(())
}

/// An XPath string literal for `s`.
pub fn xpath_literal(s: &str) -> String {
    if !s.contains('\'') {
        format!("'{s}'")
    } else if !s.contains('"') {
        format!("\"{s}\"")
    } else {
        let parts: Vec<String> = s.split('\'').map(|p| format!("'{p}'")).collect();
        format!("concat({})", parts.join(", \"'\", "))
    }
}

/// `target/browser-failures/` of this build.
pub fn failure_dir() -> PathBuf {
    let tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    tmp.parent()
        .map(|t| t.join("browser-failures"))
        .unwrap_or_else(|| tmp.join("browser-failures"))
}

/// Turns a panic while polling `F` into an `Err` with the panic's payload.
struct CatchUnwind<F>(Pin<Box<F>>);

impl<F: Future> Future for CatchUnwind<F> {
    type Output = std::thread::Result<F::Output>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let inner = self.0.as_mut();
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| inner.poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(v)) => Poll::Ready(Ok(v)),
            Err(panic) => Poll::Ready(Err(panic)),
        }
    }
}
