//! Sending the outbox: one small trait for "deliver this message", an SMTP implementation, and
//! the background loop that delivers due messages with retries and queues deadline, evaluation
//! and agreement-ending reminders and the daily digests. A message is sent as
//! multipart/alternative (plain text and HTML, [`compose`]) from the configured address with the
//! region's name as the sender's display name.
//! Without SMTP configured, messages stay in the outbox, which its page shows.

use pulje_store::outbox::{self, Message};
use pulje_store::{Db, Handle};
use std::time::Duration;

/// A queued message as it is sent: its site addresses made absolute, the sender's display name
/// (the region's), and the plain text with its HTML part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Composed {
    pub id: pulje_domain::MessageId,
    pub recipient: String,
    /// "Region Hovedstaden — pulje", or "pulje" for a mail of no region.
    pub from_name: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// `message` as it is sent, its links absolute under `public`.
pub async fn compose(
    conn: &mut pulje_store::Connection,
    message: &Message,
    public: &crate::PublicUrl,
) -> anyhow::Result<Composed> {
    let text = absolute_links(&message.body, public);
    Ok(Composed {
        id: message.id,
        recipient: message.recipient.clone(),
        from_name: outbox::from_name(conn, message).await?,
        subject: message.subject.clone(),
        html: pulje_domain::mail::html(&text),
        text,
    })
}

/// Delivers one message; the error text is stored for the next attempt.
pub trait Mailer: Send + Sync {
    fn send(
        &self,
        message: &Composed,
    ) -> impl std::future::Future<Output = Result<(), String>> + Send;
}

/// SMTP settings, from `PULJE_SMTP_*`.
#[derive(Debug, Clone)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub username: Option<String>,
    pub password: Option<crate::Secret>,
    pub from: String,
    pub security: SmtpSecurity,
}

/// How the connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SmtpSecurity {
    /// STARTTLS on the submission port (the default).
    #[default]
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No encryption: only for a relay on the same machine.
    None,
}

impl std::str::FromStr for SmtpSecurity {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "starttls" => Ok(SmtpSecurity::Starttls),
            "tls" => Ok(SmtpSecurity::Tls),
            "none" => Ok(SmtpSecurity::None),
            other => Err(format!(
                "ukendt SMTP-sikkerhed «{other}»; brug starttls, tls eller none"
            )),
        }
    }
}

pub struct Smtp {
    transport: lettre::AsyncSmtpTransport<lettre::Tokio1Executor>,
    from: lettre::message::Mailbox,
}

impl Smtp {
    pub fn new(config: &SmtpConfig) -> anyhow::Result<Smtp> {
        use lettre::transport::smtp::authentication::Credentials;
        use lettre::AsyncSmtpTransport;
        let mut builder = match config.security {
            SmtpSecurity::None => {
                AsyncSmtpTransport::<lettre::Tokio1Executor>::builder_dangerous(&config.host)
            }
            SmtpSecurity::Tls => AsyncSmtpTransport::<lettre::Tokio1Executor>::relay(&config.host)?,
            SmtpSecurity::Starttls => {
                AsyncSmtpTransport::<lettre::Tokio1Executor>::starttls_relay(&config.host)?
            }
        }
        .port(config.port)
        .timeout(Some(Duration::from_secs(20)));
        if let (Some(u), Some(p)) = (&config.username, &config.password) {
            builder = builder.credentials(Credentials::new(u.clone(), p.expose().to_string()));
        }
        Ok(Smtp {
            transport: builder.build(),
            from: config.from.parse()?,
        })
    }
}

impl Mailer for Smtp {
    async fn send(&self, message: &Composed) -> Result<(), String> {
        use lettre::AsyncTransport;
        let email = build(&self.from, message)?;
        self.transport
            .send(email)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}

/// The e-mail of `message` from the configured address `from`, the region's name as the sender's
/// display name (the address stays the configured one), as multipart/alternative: the plain text
/// first, then the HTML part.
fn build(from: &lettre::message::Mailbox, message: &Composed) -> Result<lettre::Message, String> {
    let from = lettre::message::Mailbox::new(Some(message.from_name.clone()), from.email.clone());
    lettre::Message::builder()
        .from(from)
        .to(message
            .recipient
            .parse()
            .map_err(|e| format!("ugyldig modtager: {e}"))?)
        .subject(&message.subject)
        .multipart(lettre::message::MultiPart::alternative_plain_html(
            message.text.clone(),
            message.html.clone(),
        ))
        .map_err(|e| e.to_string())
}

/// `body` with every address on the site written in it (a word beginning with `/` and a letter,
/// as messages are queued: "/applications/7") made absolute under `public`, since a mail is read
/// away from the browser.
pub fn absolute_links(body: &str, public: &crate::PublicUrl) -> String {
    let mut out = String::with_capacity(body.len() + 64);
    let mut at_word_start = true;
    for (i, c) in body.char_indices() {
        if at_word_start
            && c == '/'
            && body[i + 1..]
                .chars()
                .next()
                .is_some_and(|n| n.is_ascii_alphabetic())
        {
            out.push_str(public.as_str());
        }
        out.push(c);
        at_word_start = c.is_whitespace();
    }
    out
}

/// Delivers the due messages once, their site addresses made absolute under `public`; returns
/// how many were sent.
pub async fn deliver_due(
    db: &mut Handle,
    mailer: &impl Mailer,
    public: &crate::PublicUrl,
) -> anyhow::Result<usize> {
    let mut conn = db.conn().await?;
    let due = outbox::due(&mut conn, 50).await?;
    let mut composed = Vec::with_capacity(due.len());
    for m in &due {
        composed.push(compose(&mut conn, m, public).await?);
    }
    drop(conn);
    let mut sent = 0;
    for (m, c) in due.into_iter().zip(composed) {
        let result = mailer.send(&c).await;
        let mut tx = db.begin().await?;
        match result {
            Ok(()) => {
                outbox::mark_sent(&mut tx, m.id).await?;
                sent += 1;
            }
            Err(e) => {
                tracing::warn!(message = m.id.get(), error = %e, "sending mail failed; will retry");
                outbox::mark_failed(&mut tx, m.id, m.attempts, &e).await?;
            }
        }
        tx.commit().await?;
    }
    Ok(sent)
}

/// Queues today's deadline reminders (once per round across all instances).
pub async fn queue_reminders(db: &mut Handle, today: chrono::NaiveDate) -> anyhow::Result<usize> {
    let mut tx = db.begin().await?;
    let n = outbox::deadline_reminders(&mut tx, today).await?;
    tx.commit().await?;
    Ok(n)
}

/// Queues today's notices of agreements ending in 30 days (once per agreement and end date).
pub async fn queue_ending_reminders(
    db: &mut Handle,
    today: chrono::NaiveDate,
) -> anyhow::Result<usize> {
    let mut tx = db.begin().await?;
    let n = outbox::ending_reminders(&mut tx, today).await?;
    tx.commit().await?;
    Ok(n)
}

/// Queues the daily digests, once a day (Danish date) across all instances: each digest user's
/// held messages in one mail. Returns how many digests were queued.
pub async fn queue_digests(db: &mut Handle, today: chrono::NaiveDate) -> anyhow::Result<usize> {
    let mut tx = db.begin().await?;
    let n = if outbox::claim(&mut tx, &format!("digest/{today}")).await? {
        outbox::queue_digests(&mut tx).await?
    } else {
        0
    };
    tx.commit().await?;
    Ok(n)
}

/// Queues today's evaluation reminders (a month before and on the due day; once per agreement,
/// kind and due date across all instances).
pub async fn queue_evaluation_reminders(
    db: &mut Handle,
    today: chrono::NaiveDate,
) -> anyhow::Result<usize> {
    let mut tx = db.begin().await?;
    let n = pulje_store::evaluations::queue_reminders(&mut tx, today).await?;
    tx.commit().await?;
    Ok(n)
}

/// Ends the agreements whose end date has passed.
pub async fn end_expired(db: &mut Handle, today: chrono::NaiveDate) -> anyhow::Result<usize> {
    let mut tx = db.begin().await?;
    let n = pulje_store::workflow::end_expired(&mut tx, today).await?;
    tx.commit().await?;
    Ok(n)
}

/// Runs forever: ends expired agreements, queues reminders, then delivers when a mailer is
/// configured (links absolute under `public`), every `every`.
pub async fn run(db: Db, mailer: Option<Smtp>, public: crate::PublicUrl, every: Duration) {
    let db = &mut db.handle();
    loop {
        if let Err(e) = end_expired(db, chrono::Utc::now().date_naive()).await {
            tracing::error!(error = ?e, "ending expired agreements failed");
        }
        if let Err(e) = queue_reminders(db, chrono::Utc::now().date_naive()).await {
            tracing::error!(error = ?e, "queueing reminders failed");
        }
        if let Err(e) = queue_evaluation_reminders(db, chrono::Utc::now().date_naive()).await {
            tracing::error!(error = ?e, "queueing evaluation reminders failed");
        }
        if let Err(e) = queue_ending_reminders(db, chrono::Utc::now().date_naive()).await {
            tracing::error!(error = ?e, "queueing notices of ending agreements failed");
        }
        if let Err(e) = queue_digests(db, pulje_domain::date::today_in_denmark()).await {
            tracing::error!(error = ?e, "queueing the daily digests failed");
        }
        if let Some(m) = &mailer {
            if let Err(e) = deliver_due(db, m, &public).await {
                tracing::error!(error = ?e, "delivering mail failed");
            }
        }
        tokio::time::sleep(every).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mail_is_sent_as_plain_text_and_html_from_the_region() {
        let from: lettre::message::Mailbox = "pulje <pulje@rm.dk>".parse().unwrap();
        let composed = Composed {
            id: pulje_domain::MessageId::from(1),
            recipient: "ida@rm.dk".into(),
            from_name: "Region Midtjylland — pulje".into(),
            subject: "Afgørelse: Brobygning".into(),
            text: "Kære Ida,\n\nSe https://pulje.rm.dk/applications/7".into(),
            html: pulje_domain::mail::html("Kære Ida,\n\nSe https://pulje.rm.dk/applications/7"),
        };
        let email = build(&from, &composed).unwrap();
        let raw = String::from_utf8(email.formatted()).unwrap();
        assert!(raw.contains("multipart/alternative"), "{raw}");
        assert!(
            raw.contains("Content-Type: text/plain; charset=utf-8"),
            "{raw}"
        );
        assert!(
            raw.contains("Content-Type: text/html; charset=utf-8"),
            "{raw}"
        );
        assert!(
            raw.contains("<pulje@rm.dk>"),
            "the configured address: {raw}"
        );
        // The display name is encoded (the dash is not ASCII): base64 of "Region Midtjylland — pulje".
        let from_line = raw.lines().find(|l| l.starts_with("From: ")).unwrap();
        assert_eq!(
            from_line,
            "From: =?utf-8?b?UmVnaW9uIE1pZHRqeWxsYW5kIOKAlCBwdWxqZQ==?= <pulje@rm.dk>"
        );
        assert!(build(
            &from,
            &Composed {
                recipient: "ikke en adresse".into(),
                ..composed
            }
        )
        .unwrap_err()
        .contains("ugyldig modtager"));
    }

    #[test]
    fn site_addresses_in_a_mail_become_absolute() {
        let public: crate::PublicUrl = "https://pulje.rm.dk/tilskud".parse().unwrap();
        assert_eq!(
            absolute_links(
                "Se den her: /applications/7\n\n/applications/7/evaluation\nog/eller 1/2 /  //x",
                &public
            ),
            "Se den her: https://pulje.rm.dk/tilskud/applications/7\n\n\
             https://pulje.rm.dk/tilskud/applications/7/evaluation\nog/eller 1/2 /  //x"
        );
        assert_eq!(absolute_links("", &public), "");
    }
}
