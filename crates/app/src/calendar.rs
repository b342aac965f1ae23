//! A person's calendar feed as iCalendar (RFC 5545): the days that matter to them as all-day
//! events, each linking to its page, read through a secret address that needs no login.

use crate::{PublicUrl, Result};
use chrono::{DateTime, Days, Utc};
use pulje_store::calendar::{self as store, Day};
use pulje_store::Connection;

/// The feed behind the secret `token`, or `None` when no enabled user has it.
pub async fn feed(
    conn: &mut Connection,
    token: &str,
    public: &PublicUrl,
    now: DateTime<Utc>,
) -> Result<Option<String>> {
    let Some(user) = store::owner(conn, token).await? else {
        return Ok(None);
    };
    let days = store::days(conn, &user).await?;
    Ok(Some(ics(&days, public, &user.name, now)))
}

/// Text escaped for a property value: backslash, semicolon, comma and line breaks.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// One content line, folded after 75 octets (never inside a character), ending in CRLF.
fn line(out: &mut String, text: &str) {
    let mut width = 0;
    for c in text.chars() {
        if width + c.len_utf8() > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += c.len_utf8();
    }
    out.push_str("\r\n");
}

/// The calendar of `days` for the person `name`.
pub fn ics(days: &[Day], public: &PublicUrl, name: &str, now: DateTime<Utc>) -> String {
    let stamp = now.format("%Y%m%dT%H%M%SZ").to_string();
    let host = public
        .as_str()
        .split("://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap_or("pulje");
    let mut out = String::new();
    for l in [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//pulje//Frister og møder//DA",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
    ] {
        line(&mut out, l);
    }
    line(
        &mut out,
        &format!("X-WR-CALNAME:{}", escape(&format!("pulje: {name}"))),
    );
    for d in days {
        line(&mut out, "BEGIN:VEVENT");
        line(&mut out, &format!("UID:{}@{host}", d.uid));
        line(&mut out, &format!("DTSTAMP:{stamp}"));
        line(
            &mut out,
            &format!("DTSTART;VALUE=DATE:{}", d.day.format("%Y%m%d")),
        );
        let end = d.day.checked_add_days(Days::new(1)).unwrap_or(d.day);
        line(
            &mut out,
            &format!("DTEND;VALUE=DATE:{}", end.format("%Y%m%d")),
        );
        line(&mut out, &format!("SUMMARY:{}", escape(&d.summary)));
        line(&mut out, &format!("URL:{}", public.link(&d.path)));
        line(&mut out, "TRANSP:TRANSPARENT");
        line(&mut out, "END:VEVENT");
    }
    line(&mut out, "END:VCALENDAR");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_escaped_and_long_lines_folded() {
        assert_eq!(
            escape("Møde; lokale 2, 1. sal\nkl. 9"),
            "Møde\\; lokale 2\\, 1. sal\\nkl. 9"
        );
        let mut out = String::new();
        let long = format!("SUMMARY:{}", "æ".repeat(60));
        line(&mut out, &long);
        for l in out.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(l.len() <= 75, "{} octets: {l}", l.len());
        }
        let unfolded = out.replace("\r\n ", "");
        assert_eq!(unfolded, format!("{long}\r\n"));
    }
}
