//! The external tools some tests need, and the one place that knows how to find them.
//!
//! A test that needs a tool which is not installed is reported by `cargo test` as *ignored*,
//! with a message naming the tool — never failed, never counted as passed. That takes a `cfg`
//! known when the test is compiled, so each crate whose tests need tools includes this file into
//! its build script and calls [`build_script`]:
//!
//! ```text
//! #[path = "../testkit/src/tools.rs"]
//! #[allow(dead_code)]
//! mod tools;
//! fn main() {
//!     tools::build_script(&[tools::Tool::Postgres]);
//! }
//! ```
//!
//! and marks each such test `#[cfg_attr(not(pulje_postgres), ignore = "needs PostgreSQL: …")]`
//! (the cfg is [`Tool::cfg`]). The test itself starts with [`Tool::require`], which fails it,
//! naming the tool, when the tool is missing after all.
//!
//! When `PULJE_TEST_REQUIRE_ALL` is set (CI sets it) every tool's cfg is set whether or not the
//! tool is there: nothing is ignored, and a missing tool fails its tests through
//! [`Tool::require`]. `scripts/install-test-tools` installs every tool listed here.
//!
//! Adding a tool: a variant of [`Tool`] with its name, cfg,
//! probe (files that must exist, or an environment variable that must be set) and install hint,
//! a step in `scripts/install-test-tools`, and the cfg in the crates' build scripts.
//!
//! This file is compiled into build scripts too, so it uses only the standard library.

use std::path::{Path, PathBuf};

/// Set (to anything but empty or `0`) to make a missing tool a failure instead of an ignore.
pub const REQUIRE_ALL: &str = "PULJE_TEST_REQUIRE_ALL";

/// The environment variable naming the PostgreSQL server the tests may use.
pub const POSTGRES_URL: &str = "PULJE_TEST_POSTGRES_URL";

/// Debian's Chromium and its WebDriver (packages `chromium` and `chromium-driver`).
pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// axe-core, installed from npm below the web crate's tests (workspace-relative).
pub const AXE_CORE: &str = "crates/web/tests/axe/node_modules/axe-core/axe.min.js";

/// oidc-provider, installed from npm below the web crate's tests (workspace-relative), and the
/// script there that runs it as the tests' OpenID provider (with Node.js from `PATH`).
pub const OIDC_PROVIDER: &str = "crates/web/tests/oidc/node_modules/oidc-provider/package.json";
pub const OIDC_PROVIDER_SCRIPT: &str = "crates/web/tests/oidc/provider.mjs";

/// Tesseract with its Danish model, and its `text2image` that renders the test scans (Debian
/// packages `tesseract-ocr` and `tesseract-ocr-dan`).
pub const TESSERACT: &str = "/usr/bin/tesseract";
pub const TEXT2IMAGE: &str = "/usr/bin/text2image";
pub const TESSERACT_DANISH: &str = "/usr/share/tesseract-ocr/5/tessdata/dan.traineddata";
/// The font the test scans are rendered in (Debian package `fonts-dejavu-core`).
pub const DEJAVU_SANS: &str = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";

/// qpdf, which checks a PDF's syntax, and poppler's `pdfinfo` and `pdftotext`, which read its
/// structure tree and text (Debian packages `qpdf` and `poppler-utils`).
pub const QPDF: &str = "/usr/bin/qpdf";
pub const PDFINFO: &str = "/usr/bin/pdfinfo";
pub const PDFTOTEXT: &str = "/usr/bin/pdftotext";

/// A tool some tests need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    /// A PostgreSQL server named by `PULJE_TEST_POSTGRES_URL`.
    Postgres,
    /// Debian's Chromium with chromedriver, for the browser tests.
    Chromium,
    /// axe-core, for the accessibility checks in the browser.
    AxeCore,
    /// Tesseract with its Danish model, for reading scans.
    Tesseract,
    /// A real OpenID Connect provider (npm's oidc-provider on Node.js), for single sign-on.
    OidcProvider,
    /// qpdf and poppler, for checking the PDFs pulje writes with readers other than its own.
    PdfCheckers,
}

/// How a tool is found.
enum Probe {
    /// Every file exists (absolute, or relative to the workspace root).
    Files(&'static [&'static str]),
    /// The environment variable is set and not empty.
    Env(&'static str),
}

impl Tool {
    pub const ALL: [Tool; 6] = [
        Tool::Postgres,
        Tool::Chromium,
        Tool::AxeCore,
        Tool::Tesseract,
        Tool::OidcProvider,
        Tool::PdfCheckers,
    ];

    /// The tool's name in messages.
    pub fn name(self) -> &'static str {
        match self {
            Tool::Postgres => "PostgreSQL",
            Tool::Chromium => "Chromium and chromedriver",
            Tool::AxeCore => "axe-core",
            Tool::Tesseract => "Tesseract with its Danish model",
            Tool::OidcProvider => "the OpenID provider oidc-provider",
            Tool::PdfCheckers => "qpdf and poppler's pdfinfo and pdftotext",
        }
    }

    /// The cfg the build scripts set when the tool is there (or when all are required).
    pub fn cfg(self) -> &'static str {
        match self {
            Tool::Postgres => "pulje_postgres",
            Tool::Chromium => "pulje_browser",
            Tool::AxeCore => "pulje_axe",
            Tool::Tesseract => "pulje_tesseract",
            Tool::OidcProvider => "pulje_oidc",
            Tool::PdfCheckers => "pulje_pdf_checkers",
        }
    }

    fn probe(self) -> Probe {
        match self {
            Tool::Postgres => Probe::Env(POSTGRES_URL),
            Tool::Chromium => Probe::Files(&[CHROMIUM, CHROMEDRIVER]),
            Tool::AxeCore => Probe::Files(&[AXE_CORE]),
            Tool::Tesseract => {
                Probe::Files(&[TESSERACT, TEXT2IMAGE, TESSERACT_DANISH, DEJAVU_SANS])
            }
            Tool::OidcProvider => Probe::Files(&[OIDC_PROVIDER, OIDC_PROVIDER_SCRIPT]),
            Tool::PdfCheckers => Probe::Files(&[QPDF, PDFINFO, PDFTOTEXT]),
        }
    }

    /// How to get the tool besides `scripts/install-test-tools`.
    pub fn install_hint(self) -> &'static str {
        match self {
            Tool::Postgres => {
                "set PULJE_TEST_POSTGRES_URL, e.g. postgres://postgres@127.0.0.1:5432/test"
            }
            Tool::Chromium => "apt-get install chromium chromium-driver",
            Tool::AxeCore => "npm install --no-save --prefix crates/web/tests/axe axe-core@4",
            Tool::Tesseract => "apt-get install tesseract-ocr tesseract-ocr-dan fonts-dejavu-core",
            Tool::OidcProvider => {
                "npm install --no-save --prefix crates/web/tests/oidc oidc-provider@9 (needs Node.js 20 or later)"
            }
            Tool::PdfCheckers => "apt-get install qpdf poppler-utils",
        }
    }

    /// `None` when the tool is there, otherwise what is missing.
    pub fn missing(self) -> Option<String> {
        match self.probe() {
            Probe::Env(var) => match std::env::var(var) {
                Ok(v) if !v.trim().is_empty() => None,
                _ => Some(format!("{var} is not set")),
            },
            Probe::Files(files) => {
                let absent: Vec<String> = files
                    .iter()
                    .map(|f| resolve(f))
                    .filter(|p| !p.exists())
                    .map(|p| p.display().to_string())
                    .collect();
                (!absent.is_empty()).then(|| format!("{} not found", absent.join(" and ")))
            }
        }
    }

    /// Fails the calling test, naming the tool, when the tool is missing. Every test that needs
    /// a tool starts with this: it only runs without the tool when `PULJE_TEST_REQUIRE_ALL` is
    /// set, and then it must fail.
    pub fn require(self) {
        if let Some(what) = self.missing() {
            panic!(
                "this test needs {}, which is missing ({what}); run scripts/install-test-tools \
                 or {}",
                self.name(),
                self.install_hint()
            );
        }
    }
}

/// Whether `PULJE_TEST_REQUIRE_ALL` asks for every tool.
pub fn all_required() -> bool {
    std::env::var(REQUIRE_ALL).is_ok_and(|v| !v.trim().is_empty() && v.trim() != "0")
}

/// The workspace root: the nearest folder above this crate holding `Cargo.lock`.
pub fn workspace_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest
        .ancestors()
        .find(|d| d.join("Cargo.lock").is_file())
        .unwrap_or(manifest)
        .to_path_buf()
}

/// A probed path: absolute as given, otherwise below the workspace root.
pub fn resolve(path: &str) -> PathBuf {
    let p = Path::new(path);
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        workspace_root().join(p)
    }
}

/// For a build script: declares every tool's cfg, sets the cfg of each of `tools` that is
/// there (all of them when `PULJE_TEST_REQUIRE_ALL` is set), and tells cargo when to look again.
pub fn build_script(tools: &[Tool]) {
    for tool in Tool::ALL {
        println!("cargo::rustc-check-cfg=cfg({})", tool.cfg());
    }
    println!("cargo:rerun-if-env-changed={REQUIRE_ALL}");
    let required = all_required();
    for &tool in tools {
        match tool.probe() {
            Probe::Env(var) => println!("cargo:rerun-if-env-changed={var}"),
            Probe::Files(files) => {
                for f in files {
                    println!("cargo:rerun-if-changed={}", watched(&resolve(f)).display());
                }
            }
        }
        if required || tool.missing().is_none() {
            println!("cargo:rustc-cfg={}", tool.cfg());
        }
    }
}

/// What cargo should watch for `path`: the file itself when it exists (its removal reruns the
/// build script), otherwise the nearest folder above it that exists, whose modification time
/// changes when the file or a folder on its way is created. Watching a missing file instead
/// would rerun the build script — and rebuild the crate — on every build.
fn watched(path: &Path) -> PathBuf {
    if path.exists() {
        return path.to_path_buf();
    }
    path.ancestors()
        .skip(1)
        .find(|d| d.is_dir())
        .unwrap_or(Path::new("/"))
        .to_path_buf()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_file_is_watched_through_the_nearest_existing_folder() {
        let root = workspace_root();
        assert!(root.join("Cargo.lock").is_file(), "{}", root.display());
        let missing = root.join("crates/testkit/no-such-folder/no-such-file");
        assert_eq!(watched(&missing), root.join("crates/testkit"));
        let present = root.join("crates/testkit/Cargo.toml");
        assert_eq!(watched(&present), present);
    }

    #[test]
    fn relative_paths_are_below_the_workspace_root() {
        assert_eq!(resolve(AXE_CORE), workspace_root().join(AXE_CORE));
        assert_eq!(resolve(CHROMIUM), Path::new(CHROMIUM));
    }

    #[test]
    fn a_file_tool_names_what_is_missing() {
        // Whatever this machine has: the answer names every file that is not there.
        match Tool::Chromium.missing() {
            None => assert!(Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists()),
            Some(why) => {
                for f in [CHROMIUM, CHROMEDRIVER] {
                    assert_eq!(why.contains(f), !Path::new(f).exists(), "{why}");
                }
            }
        }
    }
}
