//! The mails pulje sends about an application: which events there are, what each event's
//! template may name (one table, [`EVENTS`]), the built-in texts, how a template is checked and
//! filled, and how a filled text is framed (greeting, closing) and turned into its HTML part.
//!
//! A template names values as `{navn}`; a brace that does not open or close a known placeholder
//! is refused when the template is saved ([`check`]), so a mail is never sent with a hole in it.

/// One event a mail is sent for, with the placeholders its template may use and its default
/// subject and body (the built-in text a region's own template starts from and returns to).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Event {
    /// The key stored with each queued message (`outbox.event`) and with a region's template.
    pub key: &'static str,
    /// Its Danish name, shown on the outbox and template pages.
    pub label_da: &'static str,
    /// Who receives it, in Danish, for the template page.
    pub to_da: &'static str,
    /// The placeholders beyond [`COMMON`] this event's template may use.
    pub placeholders: &'static [&'static str],
    pub subject: &'static str,
    pub body: &'static str,
}

/// The placeholders every event's template may use.
pub const COMMON: [&str; 4] = ["navn", "titel", "link", "region"];

/// What each placeholder stands for, in Danish, for the template page's guide.
pub const MEANINGS: [(&str, &str); 10] = [
    ("navn", "modtagerens navn"),
    ("titel", "ansøgningens titel"),
    ("link", "adressen på siden, modtageren skal åbne"),
    ("region", "regionens navn"),
    (
        "begrundelse",
        "begrundelsen eller kommentaren, der blev givet",
    ),
    ("afgørelse", "«godkendt» eller «afslået»"),
    (
        "trin",
        "det bevilgede tillæg pr. år («intet (afslag)» ved afslag)",
    ),
    ("rolle", "den part, modtageren skal underskrive som"),
    ("frist", "fristen, som «1. april 2027»"),
    ("runde", "ansøgningsrundens navn"),
];

pub const RECEIPT: Event = Event {
    key: "receipt",
    label_da: "Kvittering for indsendt ansøgning",
    to_da: "ansøgeren",
    placeholders: &[],
    subject: "Vi har modtaget din ansøgning: {titel}",
    body: "Tak for din ansøgning «{titel}». Den er sendt til arbejdsgruppen, som kvalitetssikrer den. Du får besked, når der sker noget.\n\nDu kan følge ansøgningen her: {link}",
};

pub const SUBMITTED: Event = Event {
    key: "submitted",
    label_da: "Ansøgning indsendt",
    to_da: "arbejdsgruppen",
    placeholders: &[],
    subject: "Ny ansøgning til kvalitetssikring: {titel}",
    body: "Ansøgningen «{titel}» er sendt og venter på arbejdsgruppens kvalitetssikring.\n\nSe den her: {link}",
};

pub const RETURNED: Event = Event {
    key: "returned",
    label_da: "Sendt retur til ansøgeren",
    to_da: "ansøgeren",
    placeholders: &["begrundelse"],
    subject: "Din ansøgning er sendt retur: {titel}",
    body: "Arbejdsgruppen har sendt «{titel}» retur med denne begrundelse:\n\n{begrundelse}\n\nRet ansøgningen, og send den igen: {link}",
};

pub const FORWARDED: Event = Event {
    key: "forwarded",
    label_da: "Klar til styregruppens beslutning",
    to_da: "styregruppen",
    placeholders: &[],
    subject: "Ansøgning klar til beslutning: {titel}",
    body: "Arbejdsgruppen har kvalitetssikret «{titel}». Den er klar til styregruppens beslutning.\n\nSe den her: {link}",
};

pub const DECISION: Event = Event {
    key: "decision",
    label_da: "Afgørelse",
    to_da: "ansøgeren og lederen",
    placeholders: &["afgørelse", "trin", "begrundelse"],
    subject: "Afgørelse: {titel}",
    body: "Styregruppen har truffet afgørelse om «{titel}»: ansøgningen er {afgørelse}.\n\nTillæg pr. år: {trin}\nBegrundelse: {begrundelse}\n\nSe afgørelsen her: {link}",
};

pub const SIGNATURE_NEEDED: Event = Event {
    key: "signature_needed",
    label_da: "Venter på din underskrift",
    to_da: "den part, der skal underskrive",
    placeholders: &["rolle"],
    subject: "Underskrift mangler: {titel}",
    body: "Aftalen «{titel}» venter på din underskrift som «{rolle}».\n\nLæs og underskriv den her: {link}",
};

pub const ACTIVE: Event = Event {
    key: "active",
    label_da: "Aftalen er trådt i kraft",
    to_da: "ansøgeren",
    placeholders: &[],
    subject: "Aftalen er underskrevet af alle parter: {titel}",
    body: "Alle parter har underskrevet «{titel}». Aftalen er trådt i kraft, og forsøget er aktivt.\n\nSe aftalen her: {link}",
};

pub const DEADLINE: Event = Event {
    key: "deadline",
    label_da: "Ansøgningsfrist om 7 dage",
    to_da: "ansøgere med en kladde i runden",
    placeholders: &["frist", "runde"],
    subject: "Frist om syv dage: {runde}",
    body: "Ansøgningsfristen for {runde} er {frist}. Din kladde «{titel}» er ikke sendt endnu.\n\nGør den færdig her: {link}",
};

pub const EVALUATION_DUE: Event = Event {
    key: "evaluation_reminder",
    label_da: "Evaluering skal skrives",
    to_da: "ansøgeren og lederen",
    placeholders: &["frist"],
    subject: "Evalueringen af «{titel}» skal indsendes senest {frist}",
    body: "Forsøget «{titel}» skal evalueres senest {frist}. Udfyld evalueringsskemaet: hvad forsøget gav, effekten og jeres anbefaling.\n\nSkemaet er her: {link}",
};

pub const AGREEMENT_ENDING: Event = Event {
    key: "agreement_ending",
    label_da: "Aftalen udløber om 30 dage",
    to_da: "ansøgeren og lederen",
    placeholders: &["frist"],
    subject: "Aftalen om «{titel}» udløber {frist}",
    body: "Aftalen om «{titel}» udløber {frist}, om 30 dage. Husk, at forsøget skal evalueres, når det er slut.\n\nSe aftalen her: {link}",
};

/// Every event that has a template, in the order the template page lists them.
pub const EVENTS: [&Event; 10] = [
    &RECEIPT,
    &SUBMITTED,
    &RETURNED,
    &FORWARDED,
    &DECISION,
    &SIGNATURE_NEEDED,
    &ACTIVE,
    &DEADLINE,
    &EVALUATION_DUE,
    &AGREEMENT_ENDING,
];

/// The event with this key.
pub fn event(key: &str) -> Option<&'static Event> {
    EVENTS.iter().find(|e| e.key == key).copied()
}

impl Event {
    /// Whether this event's template may use `name`.
    pub fn allows(&self, name: &str) -> bool {
        COMMON.contains(&name) || self.placeholders.contains(&name)
    }

    /// All placeholders this event's template may use, with their meaning.
    pub fn guide(&self) -> Vec<(&'static str, &'static str)> {
        MEANINGS
            .iter()
            .filter(|(name, _)| self.allows(name))
            .copied()
            .collect()
    }
}

/// At most this many characters in a template's subject and body.
pub const MAX_SUBJECT: usize = 200;
pub const MAX_BODY: usize = 5000;

const STRAY_CLOSE: &str = "har en «}» uden en «{» foran";

/// Checks a template text for `event`: every `{` opens a placeholder the event knows and is
/// closed by `}`; no `}` stands alone. The problem in Danish, naming the placeholder.
pub fn check(text: &str, event: &Event) -> Result<(), String> {
    let mut rest = text;
    loop {
        let open = rest.find('{');
        let close = rest.find('}');
        match (open, close) {
            (None, None) => return Ok(()),
            (None, Some(_)) => return Err(STRAY_CLOSE.into()),
            (Some(o), Some(c)) if c < o => return Err(STRAY_CLOSE.into()),
            (Some(o), _) => {
                let after = &rest[o + 1..];
                let end = after.find(['{', '}']);
                let Some(end) = end.filter(|&e| after[e..].starts_with('}')) else {
                    let start: String = after.chars().take(20).collect();
                    return Err(format!("har en «{{» uden en «}}» efter sig: «{{{start}»"));
                };
                let name = &after[..end];
                if name.is_empty() {
                    return Err("har tomme klammer «{}»".into());
                }
                if !event.allows(name) {
                    return Err(format!(
                        "bruger «{{{name}}}», som ikke findes for denne hændelse; brug {}",
                        event
                            .guide()
                            .iter()
                            .map(|(n, _)| format!("{{{n}}}"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                }
                rest = &after[end + 1..];
            }
        }
    }
}

/// `text` with every `{name}` that `value` knows replaced, in one pass: a value that itself holds
/// braces is not filled again; an unknown name is left as written.
pub fn fill<'a>(text: &str, value: impl Fn(&str) -> Option<&'a str>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let known = after
            .find('}')
            .and_then(|close| value(&after[..close]).map(|v| (close, v)));
        match known {
            Some((close, v)) => {
                out.push_str(v);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The values a template is filled with, by placeholder name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Values(Vec<(&'static str, String)>);

impl Values {
    pub fn new() -> Values {
        Values::default()
    }

    /// `self` with `name` set to `value` (replacing an earlier value).
    pub fn with(mut self, name: &'static str, value: impl Into<String>) -> Values {
        self.0.retain(|(n, _)| *n != name);
        self.0.push((name, value.into()));
        self
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A subject and body as filled in: the subject on one line.
pub fn render(subject: &str, body: &str, values: &Values) -> (String, String) {
    let subject = fill(subject, |n| values.get(n))
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    (subject, fill(body, |n| values.get(n)))
}

/// A mail's text as sent: the greeting with the recipient's name, the text, and the closing with
/// the sender's name (the region's).
pub fn framed(name: &str, text: &str, sender: &str) -> String {
    let name = name.trim();
    let greeting = if name.is_empty() {
        "Kære modtager,".to_string()
    } else {
        format!("Kære {name},")
    };
    format!("{greeting}\n\n{}\n\nVenlig hilsen\n{sender}", text.trim())
}

/// The text inside a [`framed`] mail: without its greeting and closing.
pub fn inner(framed: &str) -> &str {
    let start = match framed.split_once("\n\n") {
        Some((first, rest)) if first.starts_with("Kære ") => rest,
        _ => framed,
    };
    start
        .rsplit_once("\n\nVenlig hilsen\n")
        .map_or(start, |(text, _)| text)
}

/// The HTML part of a mail whose plain text is `text`: every character escaped, paragraphs at
/// blank lines, line breaks kept, and each `http://` or `https://` word a link. Styled inline,
/// since mail programs drop style sheets.
pub fn html(text: &str) -> String {
    let mut out = String::from(
        "<!DOCTYPE html>\n<html lang=\"da\"><head><meta charset=\"utf-8\"></head>\
         <body style=\"margin:0;padding:16px;background:#ffffff\">\
         <div style=\"font-family:Arial,Helvetica,sans-serif;font-size:15px;line-height:1.5;color:#1a1a1a;max-width:40em\">",
    );
    for paragraph in text.split("\n\n").filter(|p| !p.trim().is_empty()) {
        out.push_str("<p style=\"margin:0 0 1em 0\">");
        for (i, line) in paragraph.trim_matches('\n').lines().enumerate() {
            if i > 0 {
                out.push_str("<br>");
            }
            for (j, word) in line.split(' ').enumerate() {
                if j > 0 {
                    out.push(' ');
                }
                if word.starts_with("https://") || word.starts_with("http://") {
                    let href = escape(word);
                    out.push_str(&format!(
                        "<a href=\"{href}\" style=\"color:#0b5394;text-decoration:underline\">{href}</a>"
                    ));
                } else {
                    out.push_str(&escape(word));
                }
            }
        }
        out.push_str("</p>");
    }
    out.push_str("</div></body></html>\n");
    out
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_default_template_passes_its_own_check() {
        for e in EVENTS {
            assert_eq!(check(e.subject, e), Ok(()), "{}", e.key);
            assert_eq!(check(e.body, e), Ok(()), "{}", e.key);
            assert_eq!(e.guide().len(), COMMON.len() + e.placeholders.len());
        }
    }

    #[test]
    fn unknown_placeholders_and_stray_braces_are_named() {
        let returned = event("returned").unwrap();
        assert_eq!(check("Hej {navn}: {begrundelse}", returned), Ok(()));
        let e = check("Hej {fornavn}", returned).unwrap_err();
        assert!(e.contains("«{fornavn}»"), "{e}");
        assert!(check("Hej {navn", returned)
            .unwrap_err()
            .contains("uden en «}»"));
        assert!(check("Hej navn}", returned)
            .unwrap_err()
            .contains("uden en «{»"));
        assert!(check("{{navn}}", returned).is_err());
        assert!(check("{}", returned).unwrap_err().contains("tomme"));
        // A placeholder of another event is unknown here.
        assert!(check("{trin}", returned).unwrap_err().contains("«{trin}»"));
    }

    #[test]
    fn filling_is_one_pass() {
        let v = Values::new()
            .with("titel", "{link}")
            .with("link", "https://x/1");
        assert_eq!(
            render("A  {titel}\nB", "{titel} {link} {ukendt}", &v),
            (
                "A {link} B".to_string(),
                "{link} https://x/1 {ukendt}".to_string()
            )
        );
    }

    #[test]
    fn html_part_escapes_text_and_links_addresses() {
        let text = framed(
            "Ida <b>",
            "Titel: <script>alert(1)</script> & \"x\"\n\nSe https://pulje.dk/applications/7?a=1&b=2",
            "Region Hovedstaden",
        );
        assert!(text.starts_with("Kære Ida <b>,\n\n"));
        assert!(text.ends_with("Venlig hilsen\nRegion Hovedstaden"));
        let h = html(&text);
        assert!(!h.contains("<script>") && !h.contains("<b>"));
        assert!(h.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;x&quot;"));
        assert!(h.contains(
            "<a href=\"https://pulje.dk/applications/7?a=1&amp;b=2\" style=\"color:#0b5394;text-decoration:underline\">"
        ));
        assert!(h.contains("Venlig hilsen<br>Region Hovedstaden"));
        assert_eq!(
            framed(" ", "x", "pulje"),
            "Kære modtager,\n\nx\n\nVenlig hilsen\npulje"
        );
        assert_eq!(inner(&framed("Ida", "a\n\nb", "pulje")), "a\n\nb");
        assert_eq!(inner("uden ramme"), "uden ramme");
    }
}
