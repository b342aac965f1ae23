//! The checks a definition must pass before it is used: names unique and well formed, money that
//! adds up, a form whose rules name its own fields, and a workflow in which every state can be
//! reached, every step can be taken by someone and every application can come to an end.

use super::flow::{Actor, Effect, Requirement, StateKind};
use super::form::{FieldKind, FormDef, OptionSource, Required};
use super::money::{Due, MoneyModel, SplitKey};
use super::Definition;
use crate::role::Role;
use std::collections::BTreeSet;
use std::fmt;

/// One thing wrong with a definition: where, and what, in Danish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The place in the definition ("workflow.transitions «approve»", "linje 4, kolonne 1").
    pub place: String,
    pub message: String,
}

impl Problem {
    pub fn new(place: impl Into<String>, message: impl Into<String>) -> Problem {
        Problem {
            place: place.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.place, self.message)
    }
}

/// The largest amount a definition may name, in whole kroner (a thousand billion kroner: far
/// above any pool, far below an overflow in øre).
const MAX_KR: i64 = 1_000_000_000_000;

struct Found(Vec<Problem>);

impl Found {
    fn add(&mut self, place: impl Into<String>, message: impl Into<String>) {
        self.0.push(Problem::new(place, message));
    }

    /// Each id once, well formed.
    fn ids<'a>(&mut self, place: &str, what: &str, ids: impl Iterator<Item = &'a str>) {
        let mut seen = BTreeSet::new();
        for id in ids {
            if !is_identifier(id) {
                self.add(
                    place,
                    format!("{what} «{id}» skal skrives med små bogstaver a–z, tal, - eller _."),
                );
            }
            if !seen.insert(id) {
                self.add(place, format!("{what} «{id}» står mere end én gang."));
            }
        }
    }

    fn text(&mut self, place: &str, value: &str, what: &str) {
        if value.trim().is_empty() {
            self.add(place, format!("{what} mangler."));
        }
    }

    fn amount(&mut self, place: &str, kr: i64) {
        if !(0..=MAX_KR).contains(&kr) {
            self.add(
                place,
                format!("beløbet {kr} kr. skal være mellem 0 og {MAX_KR} kr."),
            );
        }
    }
}

fn is_identifier(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

pub(super) fn all(def: &Definition) -> Vec<Problem> {
    let mut found = Found(Vec::new());
    programme(def, &mut found);
    money(def, &mut found);
    form(&def.form, "form", def, &mut found);
    form(&def.evaluation, "evaluation", def, &mut found);
    workflow(def, &mut found);
    found.0
}

fn programme(def: &Definition, found: &mut Found) {
    found.ids("id", "Programmets id", [def.id.as_str()].into_iter());
    if def.version == 0 {
        found.add("version", "versionen skal være 1 eller mere.");
    }
    found.text("name", &def.name, "Programmets navn");
    found.text("owner", &def.owner, "Programmets ejer");
    let w = &def.window;
    if w.closes < w.opens {
        found.add(
            "window",
            format!(
                "ansøgningsfristen {} ligger før åbningen {}.",
                w.closes, w.opens
            ),
        );
    }
    if w.period_end <= w.period_start {
        found.add(
            "window",
            format!(
                "perioden slutter {} og starter {}; slutningen skal ligge efter starten.",
                w.period_end, w.period_start
            ),
        );
    }
    if def.applicants.roles.is_empty() {
        found.add("applicants.roles", "mindst én rolle skal kunne ansøge.");
    }
    for role in &def.applicants.roles {
        match Role::parse(role) {
            Some(r) if r.is_regional() || r == Role::Admin => {}
            Some(_) => found.add(
                "applicants.roles",
                format!("rollen «{role}» kan ikke skrive ansøgninger."),
            ),
            None => found.add("applicants.roles", format!("ukendt rolle «{role}».")),
        }
    }
    found.text(
        "applicants.organisation",
        &def.applicants.organisation,
        "Hvem der ansøger (organisation)",
    );
    found.ids(
        "bodies",
        "Organet",
        def.bodies.iter().map(|b| b.id.as_str()),
    );
    for b in &def.bodies {
        found.text(&format!("bodies «{}»", b.id), &b.name, "Organets navn");
    }
    if let Some(r) = &def.review.rubric {
        if r.scale_min >= r.scale_max {
            found.add(
                "review.rubric",
                format!(
                    "skalaen går fra {} til {}; den øverste værdi skal være størst.",
                    r.scale_min, r.scale_max
                ),
            );
        }
        if r.criteria.is_empty() {
            found.add("review.rubric", "vurderingen har ingen kriterier.");
        }
        for c in &r.criteria {
            found.text("review.rubric.criteria", &c.name, "Kriteriets navn");
            if c.weight == 0 {
                found.add(
                    format!("review.rubric.criteria «{}»", c.name),
                    "vægten skal være 1 eller mere.",
                );
            }
        }
    }
    found.ids(
        "report",
        "Rapportafsnittet",
        def.report.iter().map(|s| s.id.as_str()),
    );
    found.ids(
        "signatures",
        "Parten",
        def.signatures.iter().map(|p| p.id.as_str()),
    );
    for p in &def.signatures {
        actor(&p.who, &format!("signatures «{}»", p.id), def, found);
    }
    for m in &def.mail {
        let place = format!("mail «{}»", m.on);
        if def.transition(&m.on).is_none() {
            found.add(
                &place,
                format!("trinnet «{}» findes ikke i workflowet.", m.on),
            );
        }
        if m.to.is_empty() {
            found.add(&place, "beskeden har ingen modtagere.");
        }
        for a in &m.to {
            actor(a, &place, def, found);
        }
        found.text(&place, &m.subject, "Emnet");
        found.text(&place, &m.body, "Teksten");
        for (what, text) in [("emnet", &m.subject), ("teksten", &m.body)] {
            for name in super::placeholders_in(text) {
                if !super::PLACEHOLDERS.contains(&name) {
                    found.add(
                        &place,
                        format!(
                            "{what} bruger den ukendte pladsholder «{{{name}}}»; brug {{titel}}, {{status}}, {{link}} eller {{kommentar}}."
                        ),
                    );
                }
            }
        }
    }
}

fn money(def: &Definition, found: &mut Found) {
    if def.funders.is_empty() {
        found.add("funders", "mindst én skal finansiere programmet.");
    }
    let shares: u32 = def.funders.iter().map(|f| f.share_percent).sum();
    if !def.funders.is_empty() && shares != 100 {
        found.add(
            "funders",
            format!("andelene giver {shares} %; de skal give 100 %."),
        );
    }
    let units = &def.split.units;
    if units.is_empty() {
        found.add("split.units", "pengene skal fordeles til mindst én enhed.");
    }
    let mut codes = BTreeSet::new();
    for u in units {
        let place = format!("split.units «{}»", u.code);
        if u.code.trim().is_empty() {
            found.add("split.units", "en enhed mangler sin kode.");
        } else if !codes.insert(u.code.as_str()) {
            found.add(&place, "koden står mere end én gang.");
        }
        found.text(&place, &u.name, "Enhedens navn");
        match def.split.key {
            SplitKey::Table if u.amount_kr.is_none() => found.add(
                &place,
                "fordelingen er en tabel, men enheden har intet beløb (amount_kr).",
            ),
            SplitKey::Population if u.population.is_none() => found.add(
                &place,
                "fordelingen følger befolkningstallet, men enheden har intet (population).",
            ),
            _ => {}
        }
        if let Some(kr) = u.amount_kr {
            found.amount(&place, kr);
        }
        if u.population.is_some_and(|p| p <= 0) {
            found.add(&place, "befolkningstallet skal være større end 0.");
        }
        if let Some(end) = u.latest_end {
            if end > def.window.period_end || end < def.window.period_start {
                found.add(
                    &place,
                    format!("seneste slutdato {end} ligger uden for programmets periode."),
                );
            }
        }
        for t in &u.tiers {
            found.text(&place, &t.name, "Tillæggets navn");
            found.amount(&place, t.amount_kr);
        }
        for r in &u.rounds {
            if r.deadline < r.opens {
                found.add(
                    &place,
                    format!("runden «{}» har frist før den åbner.", r.name),
                );
            }
            if r.opens < def.window.opens || r.deadline > def.window.closes {
                found.add(
                    &place,
                    format!(
                        "runden «{}» ligger ikke inden for ansøgningsvinduet {} – {}.",
                        r.name, def.window.opens, def.window.closes
                    ),
                );
            }
        }
    }
    if def.tranches.is_empty() {
        found.add("tranches", "programmet har ingen puljer (tranches).");
    }
    let mut last_end = None;
    for t in &def.tranches {
        let place = format!("tranches «{}»", t.name);
        found.amount(&place, t.amount_kr);
        if t.end <= t.start {
            found.add(&place, "puljen slutter før den starter.");
        }
        if last_end.is_some_and(|end| t.start <= end) {
            found.add(
                &place,
                "puljen overlapper den forrige; puljerne skal følge efter hinanden.",
            );
        }
        last_end = Some(t.end);
    }
    match &def.money {
        MoneyModel::MonthlySupplement => {
            if def.split.units.iter().all(|u| u.tiers.is_empty()) {
                found.add(
                    "money",
                    "et månedligt tillæg kræver tillægstrin (tiers) hos mindst én enhed.",
                );
            }
        }
        MoneyModel::LumpSum { instalments } => {
            if instalments.is_empty() {
                found.add(
                    "money.instalments",
                    "et engangsbeløb skal have mindst én rate.",
                );
            }
            let sum: u32 = instalments.iter().map(|i| i.share_percent).sum();
            if !instalments.is_empty() && sum != 100 {
                found.add(
                    "money.instalments",
                    format!("raterne giver {sum} %; de skal give 100 %."),
                );
            }
        }
    }
}

fn form(form: &FormDef, place: &str, def: &Definition, found: &mut Found) {
    found.ids(
        place,
        "Afsnittet",
        form.sections.iter().map(|s| s.id.as_str()),
    );
    let names: BTreeSet<&str> = form.fields().map(|f| f.name.as_str()).collect();
    let mut seen = BTreeSet::new();
    for section in &form.sections {
        found.text(
            &format!("{place} «{}»", section.id),
            &section.title,
            "Afsnittets titel",
        );
        for f in &section.fields {
            let at = format!("{place} «{}»", f.name);
            let ok_name = !f.name.is_empty()
                && f.name.len() <= 64
                && f.name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            if !ok_name {
                found.add(
                    &at,
                    "feltets navn skal skrives med små bogstaver a–z, tal og _.",
                );
            }
            if !seen.insert(f.name.as_str()) {
                found.add(&at, "feltet står mere end én gang.");
            }
            if place == "evaluation" && f.kind == FieldKind::Attachment {
                found.add(
                    &at,
                    "evalueringsskemaet kan ikke have bilag; bed om filen i ansøgningens skema eller som tekst.",
                );
            }
            found.text(&at, &f.label, "Feltets ledetekst");
            if let Some(c) = &f.required_when {
                if !names.contains(c.field.as_str()) {
                    found.add(
                        &at,
                        format!(
                            "required_when nævner feltet «{}», som ikke findes i formularen.",
                            c.field
                        ),
                    );
                } else if c.field == f.name {
                    found.add(&at, "required_when kan ikke afhænge af feltet selv.");
                }
                if f.required != Required::Never {
                    found.add(&at, "brug enten required eller required_when, ikke begge.");
                }
            }
            let has_options = !f.options.is_empty() || f.options_from.is_some();
            if f.kind.has_options() && !has_options {
                found.add(
                    &at,
                    format!(
                        "et felt af typen «{}» skal have valgmuligheder (options eller options_from).",
                        f.kind.label_da()
                    ),
                );
            }
            if !f.kind.has_options() && has_options && f.kind != FieldKind::Organisation {
                found.add(
                    &at,
                    format!(
                        "et felt af typen «{}» har ingen valgmuligheder.",
                        f.kind.label_da()
                    ),
                );
            }
            if f.kind == FieldKind::People && f.roles.is_empty() {
                found.add(&at, "et personfelt skal nævne personernes roller (roles).");
            }
            let source_lists = |source: OptionSource| match source {
                OptionSource::Areas => def.split.units.iter().any(|u| !u.areas.is_empty()),
                OptionSource::Tiers => def.split.units.iter().any(|u| !u.tiers.is_empty()),
                // Hospitals come from the organisation register.
                OptionSource::Hospitals => true,
            };
            if let Some(source) = f.options_from {
                if !source_lists(source) {
                    found.add(
                        &at,
                        format!(
                            "valgmulighederne hentes fra enhedernes {}, men ingen enhed har nogen.",
                            match source {
                                OptionSource::Areas => "indsatsområder (areas)",
                                OptionSource::Tiers => "tillægstrin (tiers)",
                                OptionSource::Hospitals => "hospitaler",
                            }
                        ),
                    );
                }
            }
        }
    }
}

fn actor(a: &Actor, place: &str, def: &Definition, found: &mut Found) {
    if let Actor::Body(id) = a {
        if !def.bodies.iter().any(|b| &b.id == id) {
            found.add(
                place,
                format!("organet «{id}» er ikke beskrevet under bodies."),
            );
        }
    }
}

fn workflow(def: &Definition, found: &mut Found) {
    let w = &def.workflow;
    found.ids(
        "workflow.states",
        "Tilstanden",
        w.states.iter().map(|s| s.id.as_str()),
    );
    found.ids(
        "workflow.transitions",
        "Trinnet",
        w.transitions.iter().map(|t| t.action.as_str()),
    );
    let known = |id: &str| w.state(id).is_some();
    if !known(&w.initial) {
        found.add(
            "workflow.initial",
            format!(
                "starttilstanden «{}» er ikke beskrevet under states.",
                w.initial
            ),
        );
    } else if w
        .state(&w.initial)
        .is_some_and(|s| s.kind == StateKind::Final)
    {
        found.add(
            "workflow.initial",
            "starttilstanden kan ikke være en sluttilstand.",
        );
    }
    if !w.states.iter().any(|s| s.kind == StateKind::Final) {
        found.add(
            "workflow.states",
            "workflowet har ingen sluttilstand (kind = \"final\").",
        );
    }
    for s in &w.states {
        found.text(
            &format!("workflow.states «{}»", s.id),
            &s.label,
            "Tilstandens navn",
        );
    }
    for t in &w.transitions {
        let place = format!("workflow.transitions «{}»", t.action);
        found.text(&place, &t.label, "Trinnets knaptekst");
        if t.from.is_empty() {
            found.add(&place, "trinnet har ingen tilstand at gå fra (from).");
        }
        for f in &t.from {
            if !known(f) {
                found.add(
                    &place,
                    format!("tilstanden «{f}» (from) er ikke beskrevet."),
                );
            } else if w.state(f).is_some_and(|s| s.kind == StateKind::Final) {
                found.add(
                    &place,
                    format!("«{f}» er en sluttilstand; der kan ikke tages trin derfra."),
                );
            }
        }
        if !known(&t.to) {
            found.add(
                &place,
                format!("tilstanden «{}» (to) er ikke beskrevet.", t.to),
            );
        }
        if t.by.is_empty() {
            found.add(&place, "ingen kan tage trinnet (by er tom).");
        }
        for a in &t.by {
            actor(a, &place, def, found);
        }
        if t.requires.contains(&Requirement::Tier)
            && def.split.units.iter().all(|u| u.tiers.is_empty())
        {
            found.add(
                &place,
                "trinnet kræver et tillægstrin, men ingen enhed har tillægstrin.",
            );
        }
        if t.within_days == Some(0) {
            found.add(&place, "fristen (within_days) skal være mindst 1 dag.");
        }
        if t.effect == Some(Effect::Sign) && def.signatures.is_empty() {
            found.add(
                &place,
                "trinnet samler underskrifter, men definitionen har ingen parter (signatures).",
            );
        }
    }
    if !def.signatures.is_empty() && !w.transitions.iter().any(|t| t.effect == Some(Effect::Sign)) {
        found.add(
            "signatures",
            "definitionen har parter, der skal underskrive, men intet trin med effect = \"sign\".",
        );
    }
    let documented = w
        .transitions
        .iter()
        .any(|t| t.effect == Some(Effect::Documentation));
    if let MoneyModel::LumpSum { instalments } = &def.money {
        if instalments.iter().any(|i| i.due == Due::Documentation) && !documented {
            found.add(
                "money.instalments",
                "en rate forfalder ved dokumentation, men intet trin har effect = \"documentation\".",
            );
        }
    }
    let reachable = w.reachable();
    for s in &w.states {
        if !reachable.contains(s.id.as_str()) {
            found.add(
                format!("workflow.states «{}»", s.id),
                format!(
                    "tilstanden kan ikke nås fra starttilstanden «{}».",
                    w.initial
                ),
            );
        }
    }
    let can_finish = w.can_finish();
    for s in &w.states {
        if s.kind != StateKind::Final
            && reachable.contains(s.id.as_str())
            && !can_finish.contains(s.id.as_str())
        {
            found.add(
                format!("workflow.states «{}»", s.id),
                "en ansøgning i denne tilstand kan aldrig nå en sluttilstand.",
            );
        }
    }
}
