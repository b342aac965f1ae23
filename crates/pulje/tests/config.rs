//! The server's configuration is checked at start-up: a choice that is not one of its values is
//! refused before anything starts, and secrets are never echoed.

mod common;

use common::*;

#[tokio::test]
async fn an_unknown_smtp_security_is_refused_at_start_up() {
    let db = empty_db(false).await;
    let out = pulje(
        &db,
        &[
            "serve",
            "--bind",
            "127.0.0.1:0",
            "--smtp-host",
            "mail.example.org",
            "--smtp-password",
            "hemmeligt-kodeord-42",
            "--smtp-security",
            "ssl",
        ],
    );
    assert!(!out.status.success(), "the server must not start");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--smtp-security"), "{stderr}");
    assert!(
        stderr.contains("ukendt SMTP-sikkerhed «ssl»; brug starttls, tls eller none"),
        "{stderr}"
    );
    assert!(!stderr.contains("hemmeligt-kodeord-42"), "{stderr}");
    assert!(
        !String::from_utf8_lossy(&out.stdout).contains("pulje kører"),
        "nothing was served"
    );
}

#[tokio::test]
async fn a_malformed_public_address_is_refused_at_start_up() {
    let db = empty_db(false).await;
    for (bad, why) in [
        ("pulje.region.dk", "den kan ikke læses som en adresse"),
        (
            "ftp://pulje.region.dk",
            "den skal begynde med http:// eller https://",
        ),
    ] {
        let out = pulje(
            &db,
            &["serve", "--bind", "127.0.0.1:0", "--public-url", bad],
        );
        assert!(
            !out.status.success(),
            "the server must not start with {bad}"
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("--public-url"), "{stderr}");
        assert!(
            stderr.contains(&format!("ugyldig offentlig adresse «{bad}»: {why}")),
            "{stderr}"
        );
        assert!(
            !String::from_utf8_lossy(&out.stdout).contains("pulje kører"),
            "nothing was served"
        );
    }
}

#[tokio::test]
async fn a_trusted_proxy_that_is_not_an_ip_address_is_refused_at_start_up() {
    let db = empty_db(false).await;
    let out = pulje(
        &db,
        &[
            "serve",
            "--bind",
            "127.0.0.1:0",
            "--trusted-proxies",
            "10.0.0.5,proxy.region.dk",
        ],
    );
    assert!(!out.status.success(), "the server must not start");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--trusted-proxies"), "{stderr}");
    assert!(
        stderr
            .contains("ugyldig proxy-adresse «proxy.region.dk»: skriv en IP-adresse, fx 10.0.0.5"),
        "{stderr}"
    );
    assert!(
        !String::from_utf8_lossy(&out.stdout).contains("pulje kører"),
        "nothing was served"
    );
}

#[tokio::test]
async fn a_malformed_contact_or_statement_address_is_refused_at_start_up() {
    let db = empty_db(false).await;
    for (flag, bad, says) in [
        ("--contact-email", "sekretariatet", "ugyldig e-mailadresse «sekretariatet»"),
        ("--contact-phone", "ring til os", "ugyldigt telefonnummer «ring til os»"),
        (
            "--accessibility-statement-url",
            "http://was.digst.dk/x",
            "ugyldig adresse på tilgængelighedserklæringen «http://was.digst.dk/x»: den skal begynde med https://",
        ),
    ] {
        let out = pulje(&db, &["serve", "--bind", "127.0.0.1:0", flag, bad]);
        assert!(!out.status.success(), "the server must not start with {flag} {bad}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(flag) && stderr.contains(says), "{stderr}");
        assert!(
            !String::from_utf8_lossy(&out.stdout).contains("pulje kører"),
            "nothing was served"
        );
    }
}
