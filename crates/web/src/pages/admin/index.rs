//! `/admin`: the way into the administration pages a user may use.

use super::*;
use crate::auth::policy::admin_scope;

pub struct Section {
    href: &'static str,
    label: &'static str,
    text: &'static str,
}

#[derive(Template)]
#[template(path = "admin/index.html")]
struct IndexPage {
    page: Page,
    scope_text: String,
    sections: Vec<Section>,
}

/// Every section is open to both administrator roles; a `region_admin` sees their region's data.
const SECTIONS: [Section; 12] = [
    Section {
        href: "/admin/regions",
        label: "Regioner",
        text: "Seneste slutdato for forsøg, procenttillæg og antal hospitaler og brugere.",
    },
    Section {
        href: "/admin/hospitals",
        label: "Hospitaler",
        text: "Opret og omdøb hospitaler.",
    },
    Section {
        href: "/admin/departments",
        label: "Afdelinger",
        text: "Opret og omdøb hospitalernes afdelinger.",
    },
    Section {
        href: "/admin/areas",
        label: "Områder",
        text: "De prioriterede områder, en ansøgning placeres i.",
    },
    Section {
        href: "/admin/tiers",
        label: "Tillægstrin",
        text: "Funktionstillæggets trin og årlige beløb.",
    },
    Section {
        href: "/admin/rounds",
        label: "Ansøgningsrunder",
        text: "Runder med åbningsdato og ansøgningsfrist.",
    },
    Section {
        href: "/admin/users",
        label: "Brugere",
        text: "Opret brugere, og deaktivér eller aktivér dem.",
    },
    Section {
        href: "/admin/mails",
        label: "Mailskabeloner",
        text: "Emne og tekst i de mails, der sendes om ansøgningerne, pr. ordning.",
    },
    Section {
        href: "/admin/sso",
        label: "Single sign-on",
        text: "Adgangskoder pr. region, regler der giver roller ud fra login-udbyderens grupper, og personer der venter på en rolle.",
    },
    Section {
        href: "/admin/audit",
        label: "Ændringslog",
        text: "Hvem ændrede hvad og hvornår.",
    },
    Section {
        href: "/admin/checklist",
        label: "Tjekliste",
        text: "Punkterne i arbejdsgruppens kvalitetssikring af ansøgninger.",
    },
    Section {
        href: "/outbox",
        label: "Udsendte beskeder",
        text: "Meddelelser til ansøgere, grupper og underskrivere – sendt, ventende og fejlede.",
    },
];

/// Programmes span the regions: the system administrator's alone.
const PROGRAMMES: Section = Section {
    href: "/admin/programmes",
    label: "Programmer",
    text: "Opret et program fra en definition, eller ret et programs definition som en ny version.",
};

/// Which roles must use a second factor: a national setting, the system administrator's alone.
const SECOND_FACTOR: Section = Section {
    href: "/admin/totp",
    label: "Totrinsbekræftelse",
    text: "Hvilke roller skal logge ind med en kode fra en godkendelsesapp ud over adgangskoden.",
};

pub async fn show(user: CurrentUser) -> PageResult<Response> {
    let scope = admin_scope(&user)?;
    let scope_text = match scope {
        Scope::All => "Du administrerer alle fem regioner.".to_string(),
        Scope::Region(code) => format!("Du administrerer {}.", region_name(code)),
        Scope::Nowhere => String::new(),
    };
    let mut sections: Vec<Section> = SECTIONS.into();
    if policy::require_edit_programmes(&user).is_ok() {
        sections.insert(0, PROGRAMMES);
    }
    if scope == Scope::All {
        sections.push(SECOND_FACTOR);
    }
    let page = IndexPage {
        page: Page::new(&user, "Administration", "/admin"),
        scope_text,
        sections,
    };
    respond(StatusCode::OK, page)
}
