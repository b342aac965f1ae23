//! The tests' OpenID provider: `provider.mjs` (npm's oidc-provider) started on a free port, and
//! pulje configured to log in through it. Shared by `sso.rs` and `browser.rs`.

#![allow(dead_code)]

use pulje_testkit::tools::{self, Tool};
use pulje_testkit::{Backend, TestApp};
use pulje_web::{Config, OidcConfig};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// A running provider; stopped when dropped.
pub struct Idp {
    child: Child,
    pub issuer: String,
}

impl Idp {
    /// Starts `provider.mjs` with the redirect URI `redirect` and the signing key in `key_file`.
    pub async fn start(redirect: &str, key_file: &Path) -> Idp {
        Tool::OidcProvider.require();
        let script = tools::resolve(tools::OIDC_PROVIDER_SCRIPT);
        let mut child = Command::new("node")
            .arg(&script)
            .current_dir(script.parent().expect("script folder"))
            .env("PULJE_OIDC_REDIRECT_URIS", redirect)
            .env("PULJE_OIDC_KEY_FILE", key_file)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start node with tests/oidc/provider.mjs (is Node.js installed?)");
        let stdout = child.stdout.take().expect("stdout");
        // The first JSON line names the issuer; the rest of the output is read and dropped, so
        // the provider never writes to a closed pipe.
        let (tx, rx) = tokio::sync::oneshot::channel();
        std::thread::spawn(move || {
            let mut tx = Some(tx);
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Ok(v) = serde_json::from_str::<serde_json::Value>(&line) {
                    if let (Some(i), Some(tx)) = (v["issuer"].as_str(), tx.take()) {
                        let _ = tx.send(i.to_string());
                    }
                }
            }
        });
        let issuer = tokio::time::timeout(std::time::Duration::from_secs(60), rx)
            .await
            .expect("the OpenID provider did not say it was ready within a minute")
            .expect("the OpenID provider ended without saying it was ready");
        Idp { child, issuer }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.issuer)
    }

    /// Makes the provider's next token answer carry `id_token` instead of its own.
    pub async fn replace_next_id_token(&self, id_token: &str) {
        let r = reqwest::Client::new()
            .post(self.url("/test/next-id-token"))
            .body(id_token.to_string())
            .send()
            .await
            .expect("test hook");
        assert_eq!(r.status().as_u16(), 204);
    }
}

impl Drop for Idp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// pulje configured for single sign-on through a provider started for it.
pub struct Setup {
    pub app: TestApp,
    pub idp: Idp,
    /// pulje's redirect URI.
    pub callback: String,
    pub key_file: std::path::PathBuf,
}

impl Drop for Setup {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.key_file);
    }
}

/// pulje on `backend` configured for single sign-on through a provider started for it (the
/// button reads «Log ind med Test-IdP»).
pub async fn setup(backend: Backend) -> Setup {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let callback = format!("{base}/login/oidc/callback");
    let key_file = std::env::temp_dir().join(format!(
        "pulje-oidc-key-{}-{}.json",
        std::process::id(),
        pulje_testkit::next_number()
    ));
    let idp = Idp::start(&callback, &key_file).await;
    let config = Config {
        public_url: base.parse().expect("public url"),
        oidc: Some(OidcConfig {
            issuer: idp.issuer.clone(),
            client_id: "pulje".into(),
            client_secret: Some("pulje-test-secret".into()),
            provider_name: "Test-IdP".into(),
        }),
        ..Config::default()
    };
    let app = TestApp::spawn_on(backend, listener, config).await;
    Setup {
        app,
        idp,
        callback,
        key_file,
    }
}
