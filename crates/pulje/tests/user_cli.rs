//! `pulje user invite|set-role|reset-password|add|enable`: invitations queued as mail with a
//! one-time link (printed only when asked), roles changed, passwords reset by link or set from
//! standard input under the password rules, on SQLite and PostgreSQL.

mod common;

use common::{empty_db, ok, pulje, TestDb, BIN};
use std::io::Write;
use std::process::{Command, Output, Stdio};

/// Runs pulje with `input` on standard input.
fn pulje_with_stdin(db: &TestDb, args: &[&str], input: &str) -> Output {
    let mut child = Command::new(BIN)
        .arg("--database")
        .arg(&db.url)
        .args(args)
        .env("PULJE_LOG", "error")
        .env_remove("PULJE_PUBLIC_URL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run pulje");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().expect("pulje ran")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn failed(out: &Output) -> String {
    assert!(
        !out.status.success(),
        "expected a refusal: {}",
        text(&out.stdout)
    );
    text(&out.stderr)
}

/// The queued mails of `event` to `email`: their bodies.
async fn mails(db: &TestDb, email: &str, event: &str) -> Vec<String> {
    let pool = db.db().await;
    let mut conn = pool.conn().await.unwrap();
    pulje_store::outbox::list(&mut conn, None, 1000)
        .await
        .unwrap()
        .into_iter()
        .filter(|m| m.recipient == email && m.event == event)
        .map(|m| m.body)
        .collect()
}

async fn user(db: &TestDb, email: &str) -> pulje_store::users::User {
    let pool = db.db().await;
    let mut conn = pool.conn().await.unwrap();
    pulje_store::users::find_by_email(&mut conn, email)
        .await
        .unwrap()
        .expect("stored")
}

async fn password_is(db: &TestDb, email: &str, password: &str) -> bool {
    let pool = db.db().await;
    let mut conn = pool.conn().await.unwrap();
    let (_, hash) = pulje_store::users::credentials(&mut conn, email)
        .await
        .unwrap()
        .expect("stored");
    pulje_store::password::verify(password, &hash)
}

async fn accounts(postgres: bool) {
    let db = empty_db(postgres).await;
    ok(&pulje(&db, &["migrate"]));

    // An invitation: the mail is queued, nothing secret printed.
    let email = "ny@region.example.dk";
    let out = ok(&pulje(
        &db,
        &[
            "user",
            "invite",
            "--email",
            email,
            "--name",
            "Ny Bruger",
            "--role",
            "leader",
            "--region",
            "1082",
        ],
    ))
    .to_vec();
    let printed = text(&out);
    assert!(
        printed.contains("invitationen ligger i udbakken"),
        "{printed}"
    );
    assert!(!printed.contains("token="), "{printed}");
    let invites = mails(&db, email, "invite").await;
    assert_eq!(invites.len(), 1);
    assert!(invites[0].contains("/adgangskode?token="), "{}", invites[0]);
    assert!(!password_is(&db, email, "").await);

    // With --print-link (an installation without mail): the link from the public address.
    let out = ok(&pulje(
        &db,
        &[
            "user",
            "invite",
            "--email",
            "uden.mail@region.example.dk",
            "--name",
            "Uden Mail",
            "--role",
            "national_viewer",
            "--public-url",
            "https://pulje.example.dk/",
            "--print-link",
        ],
    ))
    .to_vec();
    let printed = text(&out);
    let link = printed
        .lines()
        .find(|l| l.starts_with("https://pulje.example.dk/adgangskode?token="))
        .unwrap_or_else(|| panic!("no link printed: {printed}"));
    assert_eq!(
        mails(&db, "uden.mail@region.example.dk", "invite").await[0]
            .lines()
            .find(|l| l.starts_with("https://"))
            .unwrap(),
        link
    );

    // A role a region administrator could not give, and a regional role without a region.
    let err = failed(&pulje(
        &db,
        &[
            "user",
            "invite",
            "--email",
            "x@region.example.dk",
            "--name",
            "X",
            "--role",
            "leader",
        ],
    ));
    assert!(err.contains("kræver en region"), "{err}");
    let err = failed(&pulje(
        &db,
        &[
            "user", "invite", "--email", email, "--name", "Igen", "--role", "leader", "--region",
            "1082",
        ],
    ));
    assert!(err.contains("findes allerede"), "{err}");

    // set-role: a regional role keeps the user's region; a national one has none.
    ok(&pulje(
        &db,
        &[
            "user",
            "set-role",
            "--email",
            email,
            "--role",
            "region_admin",
        ],
    ));
    let u = user(&db, email).await;
    assert_eq!(u.role.as_str(), "region_admin");
    assert_eq!(u.region.map(|r| r.get()), Some(1082));
    ok(&pulje(
        &db,
        &["user", "set-role", "--email", email, "--role", "admin"],
    ));
    let u = user(&db, email).await;
    assert_eq!(u.role.as_str(), "admin");
    assert_eq!(u.region, None);
    let err = failed(&pulje(
        &db,
        &["user", "set-role", "--email", email, "--role", "leader"],
    ));
    assert!(err.contains("kræver en region"), "{err}");
    ok(&pulje(
        &db,
        &[
            "user", "set-role", "--email", email, "--role", "leader", "--region", "1081",
        ],
    ));
    assert_eq!(user(&db, email).await.region.map(|r| r.get()), Some(1081));
    let err = failed(&pulje(
        &db,
        &[
            "user",
            "set-role",
            "--email",
            "ingen@x.dk",
            "--role",
            "leader",
        ],
    ));
    assert!(err.contains("ingen bruger"), "{err}");

    // reset-password from standard input: the rules apply.
    for (bad, why) in [
        ("kort\n", "mindst 12 tegn"),
        ("qwertyuiop123\n", "for almindelig"),
    ] {
        let err = failed(&pulje_with_stdin(
            &db,
            &[
                "user",
                "reset-password",
                "--email",
                email,
                "--password-stdin",
            ],
            bad,
        ));
        assert!(err.contains(why), "{err}");
    }
    ok(&pulje_with_stdin(
        &db,
        &[
            "user",
            "reset-password",
            "--email",
            email,
            "--password-stdin",
        ],
        "en lang og god adgangskode\n",
    ));
    assert!(password_is(&db, email, "en lang og god adgangskode").await);

    // reset-password without: a link queued (an hour), not printed.
    let out = ok(&pulje(&db, &["user", "reset-password", "--email", email])).to_vec();
    assert!(!text(&out).contains("token="));
    let resets = mails(&db, email, "password_reset").await;
    assert_eq!(resets.len(), 1);
    assert!(resets[0].contains("1 time"), "{}", resets[0]);

    // `user add` keeps working, under the same rules.
    let err = failed(&pulje_with_stdin(
        &db,
        &[
            "user",
            "add",
            "--email",
            "add@region.example.dk",
            "--name",
            "Add",
            "--role",
            "applicant",
            "--region",
            "1082",
            "--password-stdin",
        ],
        "kort\n",
    ));
    assert!(err.contains("mindst 12 tegn"), "{err}");
    ok(&pulje_with_stdin(
        &db,
        &[
            "user",
            "add",
            "--email",
            "add@region.example.dk",
            "--name",
            "Add",
            "--role",
            "applicant",
            "--region",
            "1082",
            "--password-stdin",
        ],
        "korrekt hest batteri klips\n",
    ));
    ok(&pulje(
        &db,
        &["user", "disable", "--email", "add@region.example.dk"],
    ));
    assert!(user(&db, "add@region.example.dk").await.disabled);
    ok(&pulje(
        &db,
        &["user", "enable", "--email", "add@region.example.dk"],
    ));
    assert!(!user(&db, "add@region.example.dk").await.disabled);
}

#[tokio::test]
async fn account_commands_sqlite() {
    accounts(false).await;
}

#[tokio::test]
#[cfg_attr(
    not(pulje_postgres),
    ignore = "needs PostgreSQL: PULJE_TEST_POSTGRES_URL is not set (scripts/install-test-tools)"
)]
async fn account_commands_postgres() {
    accounts(true).await;
}
