//! The application's detail page: the agreement form section by section, the comment thread,
//! the review checklist, decisions, signatures and committed money, the steps the user may take
//! now, and the history.

use crate::auth::policy;
use crate::auth::CurrentUser;
use crate::error::{AppError, PageResult};
use crate::extract::Form;
use crate::views::{self, Choice, Page};
use crate::Db;
use askama::Template;
use axum::extract::{Path, Query};
use axum::response::{Html, IntoResponse, Redirect, Response};
use pulje_app::applications::get as get_application;
use pulje_app::applications::opt_id;
use pulje_app::workflow::{step_from, take_step, TransitionBody};
use pulje_domain::application::display_text;
use pulje_domain::workflow::{Action, Party};
use pulje_domain::{ApplicationId, ApplicationStatus, AreaId, FieldValue, Section};
use pulje_store::applications::Application;
use pulje_store::{application_page, money, programmes, workflow as flow, Connection};
use serde::Deserialize;

pub struct Fact {
    label: String,
    value: String,
}

pub struct HistoryRow {
    at: String,
    actor: String,
    action: String,
}

pub struct CommentRow {
    author: String,
    at: String,
    kind: String,
    body: String,
    internal: bool,
}

pub struct CheckRow {
    item_id: i64,
    text: String,
    checked: bool,
    comment: String,
    by: String,
}

pub struct VersionRow {
    version: i64,
    at: String,
    terms: String,
    resolution: &'static str,
}

pub struct SignatureRow {
    party: &'static str,
    signer: String,
    at: String,
    /// How the signer authenticated, in Danish.
    how: String,
    /// The fingerprint signed, grouped for reading.
    fingerprint: String,
}

/// A signing party: who is bound to sign for it, and (for the region's administrator) the
/// accounts to choose from.
pub struct PartyRow {
    party: &'static str,
    label: &'static str,
    bound: String,
    /// Who bound the party and when, or that nobody has.
    note: String,
    choices: Vec<Choice>,
}

/// What the user signs when they may sign now.
pub struct SignBox {
    capacity: &'static str,
    summary: Vec<Fact>,
    version: i64,
    fingerprint: String,
    fingerprint_shown: String,
}

/// A step the user may take now, with the inputs it needs.
pub struct StepForm {
    action: &'static str,
    label: &'static str,
    /// `comment`, `reason`, `approve`, `terminate` or empty.
    needs: &'static str,
    required: bool,
}

/// What the user typed into a refused step, shown again with the message.
#[derive(Default)]
pub struct StepError {
    action: String,
    message: String,
    comment: String,
    reason: String,
    exception_reason: String,
    end_date: String,
}

#[derive(Template)]
#[template(path = "applications/show.html")]
struct ShowPage {
    page: Page,
    app_id: i64,
    title: String,
    status: String,
    region: String,
    version: i64,
    late: bool,
    round: String,
    can_edit: bool,
    section_a: Vec<Fact>,
    section_b: Vec<Fact>,
    participants: Vec<(String, String, bool)>,
    section_c: Vec<Fact>,
    section_d: Vec<Fact>,
    missing: Vec<String>,
    steps: Vec<StepForm>,
    step_error: StepError,
    /// The time rules an approval decided today would break (the decision form warns).
    approval_warnings: Vec<String>,
    tiers: Vec<Choice>,
    meetings: Vec<Choice>,
    comments: Vec<CommentRow>,
    can_comment: bool,
    /// Whether the comment form offers «Kun til arbejds- og styregruppen».
    can_comment_internally: bool,
    checks: Vec<CheckRow>,
    can_review: bool,
    can_amend: bool,
    /// Whether the region administrator may type the agreement's employee number.
    can_payroll: bool,
    versions: Vec<VersionRow>,
    signatures: Vec<SignatureRow>,
    /// The signing parties, once the agreement is approved.
    parties: Vec<PartyRow>,
    /// Whether the user binds the parties (the region's administrator, while signatures are
    /// collected).
    can_bind: bool,
    /// What the user signs, when they may sign now.
    sign: Option<SignBox>,
    money: Vec<Fact>,
    /// After the agreement: when it became active and why months before are paid (not part of
    /// what was signed, so not in the agreement's PDF).
    in_force: Vec<Fact>,
    history: Vec<HistoryRow>,
    /// The evaluation's state, for agreements in force or over and users who may read it.
    evaluation: Option<crate::pages::evaluations::Summary>,
}

/// The steps `user` may take on `app` now, with what each asks for.
fn available_steps(
    user: &CurrentUser,
    app: &Application,
    signable: Option<Party>,
) -> Vec<StepForm> {
    let mut steps = Vec::new();
    for action in pulje_app::workflow::open_steps(user, app, signable) {
        let (needs, required) = match action {
            Action::Return => ("comment", true),
            Action::Forward | Action::Withdraw => ("comment", false),
            Action::Reject => ("reason", true),
            Action::Approve => ("approve", true),
            Action::Terminate => ("terminate", true),
            Action::Sign => ("sign", true),
            Action::Submit => ("", false),
        };
        steps.push(StepForm {
            action: action.as_str(),
            label: action.label_da(),
            needs,
            required,
        });
    }
    steps
}

fn fact(label: &str, value: String) -> Fact {
    Fact {
        label: label.into(),
        value: if value.trim().is_empty() {
            "–".into()
        } else {
            value
        },
    }
}

async fn page(
    conn: &mut Connection,
    user: &CurrentUser,
    app: Application,
    notice: Option<String>,
    step_error: StepError,
) -> PageResult<ShowPage> {
    let id = app.id;
    let application_page::Related {
        areas,
        tiers,
        meetings,
        signatures: _,
        comments,
        checks,
        versions,
        months,
        history,
    } = application_page::related(conn, &app).await?;
    let signed_now = pulje_store::signing::signatures(conn, id).await?;
    let signing = if app.granted_ore.is_some()
        || matches!(
            app.status,
            ApplicationStatus::AwaitingSignatures | ApplicationStatus::Active
        ) {
        Some(pulje_app::signing::of(conn, user, &app).await?)
    } else {
        None
    };
    let signable = signing
        .as_ref()
        .and_then(|s| pulje_app::signing::signable(user, &s.parties));
    let can_bind = app.status == ApplicationStatus::AwaitingSignatures
        && pulje_app::signing::may_bind(user, &app);
    let meetings = crate::pages::meetings::choices_of(meetings);
    let evaluation = crate::pages::evaluations::summary(conn, user, &app).await?;
    let d = &app.data;
    let area_names: Vec<String> = d
        .area_ids()
        .iter()
        .filter_map(|a| areas.iter().find(|x| x.id == AreaId::new(*a)))
        .map(|a| a.name.clone())
        .collect();
    let can_edit = policy::require_edit(user, &app).is_ok();
    let missing = if app.status.is_editable() {
        d.missing_for_submission()
            .iter()
            .flat_map(|(_, m)| m.to_vec())
            .collect()
    } else {
        Vec::new()
    };
    let requested = d.supplement_ore().map(|s| s.ore());
    let mut tier_choices = vec![Choice::new("", "Vælg tillæg", false)];
    tier_choices.extend(tiers.iter().map(|t| {
        Choice::new(
            t.amount_ore.ore(),
            format!("{} – {}", t.name, views::kr(t.amount_ore)),
            Some(t.amount_ore.ore()) == requested,
        )
    }));
    let mut money_facts = Vec::new();
    if let Some(granted) = app.granted_ore {
        money_facts.push(fact("Bevilget beløb (tillæg pr. år)", views::kr(granted)));
        money_facts.push(fact(
            "Modtagere af tillæg",
            money::receivers(&app).to_string(),
        ));
        money_facts.push(fact(
            "Disponeret i alt",
            views::kr(views::total(months.iter().map(|m| m.amount_ore))?),
        ));
        if let (Some(first), Some(last)) = (months.first(), months.last()) {
            money_facts.push(fact(
                "Måneder",
                format!(
                    "{} måneder, {} – {}",
                    months.len(),
                    month_of(&first.month),
                    month_of(&last.month)
                ),
            ));
        }
        if !app.exceptions.is_empty() {
            money_facts.push(fact("Godkendt som undtagelse", app.exceptions.join(" ")));
        }
        if !app.exception_reason.is_empty() {
            money_facts.push(fact(
                "Styregruppens begrundelse for undtagelsen",
                app.exception_reason.clone(),
            ));
        }
    }
    let signature_rows = Party::ALL
        .iter()
        .map(|p| {
            let s = signed_now.iter().find(|s| s.party == p.as_str());
            SignatureRow {
                party: p.label_da(),
                signer: s.map(|s| s.signer_name.clone()).unwrap_or_default(),
                at: s
                    .map(|s| views::timestamp_da(&s.signed_at))
                    .unwrap_or_default(),
                how: s
                    .map(|s| pulje_store::signing::Authentication::label_da(&s.authenticated_by))
                    .unwrap_or_default(),
                fingerprint: s
                    .map(|s| pulje_store::signing::fingerprint_shown(&s.fingerprint))
                    .unwrap_or_default(),
            }
        })
        .collect();
    let parties = signing
        .as_ref()
        .map(|s| {
            s.parties
                .iter()
                .filter_map(|b| {
                    let party = b.party()?;
                    let chosen = b.user_id.or(b.proposed_user_id);
                    let mut choices = vec![Choice::new("", "Vælg en bruger", chosen.is_none())];
                    choices.extend(b.eligible.iter().map(|c| {
                        Choice::new(
                            c.user_id,
                            format!("{} ({})", c.name, c.email),
                            Some(c.user_id) == chosen,
                        )
                    }));
                    Some(PartyRow {
                        party: party.as_str(),
                        label: party.label_da(),
                        bound: b.user_name.clone(),
                        note: if b.user_id.is_some() {
                            format!(
                                "Udpeget af {}, {}",
                                b.bound_by,
                                views::timestamp_da(&b.bound_at)
                            )
                        } else if b.proposed_user_id.is_some() && can_bind {
                            "Ikke udpeget endnu – forslag ud fra ansøgningens personer er valgt nedenfor".into()
                        } else {
                            "Ikke udpeget endnu".into()
                        },
                        choices,
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    let sign_box = match (signable, &signing) {
        (Some(party), Some(s)) => Some(SignBox {
            capacity: party.label_da(),
            summary: s
                .summary
                .iter()
                .map(|l| fact(&l.label, l.value.clone()))
                .collect(),
            version: s.agreement_version,
            fingerprint_shown: pulje_store::signing::fingerprint_shown(&s.fingerprint),
            fingerprint: s.fingerprint.clone(),
        }),
        _ => None,
    };
    // The form's fields section by section, from the form's table; the participants have
    // their own table.
    let values = d.values();
    let facts_of = |section: Section| -> Vec<Fact> {
        values
            .iter()
            .filter(|(f, _)| f.section == section)
            .filter_map(|(f, value)| {
                let shown = match value {
                    FieldValue::Id(_) => app.hospital_name.clone().unwrap_or_default(),
                    FieldValue::Ids(_) => area_names.join(", "),
                    FieldValue::Participants(_) => return None,
                    v => display_text(v).unwrap_or_default(),
                };
                Some(fact(f.short, shown))
            })
            .collect()
    };
    let mut in_force = Vec::new();
    if let Some(day) = app.activated_on {
        in_force.push(fact("Aktiveret", pulje_domain::date::format_date_da(day)));
    }
    if !app.backpay_reason.is_empty() {
        in_force.push(fact(
            "Begrundelse for efterbetaling",
            app.backpay_reason.clone(),
        ));
    }
    let approval_warnings = if pulje_store::workflow::allowed(
        &user.user,
        &app,
        pulje_domain::workflow::Action::Approve,
    )
    .is_ok()
    {
        pulje_store::workflow::approval_warnings(conn, &app, pulje_domain::date::today_in_denmark())
            .await?
    } else {
        Vec::new()
    };
    Ok(ShowPage {
        page: Page::new(user, d.title().to_string(), "/applications").with_notice(notice),
        app_id: i64::from(id),
        title: d.title().to_string(),
        status: app.status.label_da().into(),
        region: Some(app.region_code).map(|r| r.name()).unwrap_or("").into(),
        version: app.version,
        late: app.late,
        round: app.round_name.clone().unwrap_or_default(),
        can_edit,
        section_a: facts_of(Section::A),
        section_b: facts_of(Section::B),
        participants: d
            .participants()
            .iter()
            .map(|p| (p.name.clone(), p.role.clone(), p.receives_supplement))
            .collect(),
        section_c: facts_of(Section::C),
        section_d: facts_of(Section::D),
        missing,
        evaluation,
        approval_warnings,
        steps: available_steps(user, &app, signable),
        step_error,
        tiers: tier_choices,
        meetings,
        can_comment: policy::may_comment(user),
        can_comment_internally: policy::may_comment_internally(user),
        can_review: policy::may_review(user, &app),
        can_amend: pulje_store::amendments::may_amend(&user.user, &app),
        can_payroll: policy::can_post_payments(user, app.region_code)
            && matches!(
                app.status,
                ApplicationStatus::AwaitingSignatures
                    | ApplicationStatus::Active
                    | ApplicationStatus::Ended
            ),
        versions: versions
            .into_iter()
            .map(|v| {
                let s = &v.snapshot;
                let text = |k: &str| s.get(k).and_then(|x| x.as_str()).unwrap_or("").to_string();
                let tier = s
                    .get("supplement")
                    .and_then(|x| x.as_i64())
                    .map(|ore| views::kr(pulje_domain::Ore::from_ore(ore)))
                    .unwrap_or_default();
                let people = s
                    .get("participants")
                    .and_then(|x| x.as_array())
                    .map(|a| a.len())
                    .unwrap_or(0);
                VersionRow {
                    version: v.version,
                    at: views::timestamp_da(&v.at),
                    terms: format!(
                        "{} – {}, tillæg {tier}, {people} deltager(e)",
                        text("start_date"),
                        text("end_date")
                    ),
                    resolution: match v.resolution.as_str() {
                        "approved" => "Ændringen blev godkendt",
                        "rejected" => "Ændringen blev afslået; denne version gælder igen",
                        _ => "Ændring venter på styregruppen",
                    },
                }
            })
            .collect(),
        checks: checks
            .into_iter()
            .map(|c| CheckRow {
                item_id: i64::from(c.item_id),
                text: c.text,
                checked: c.checked != 0,
                comment: c.comment,
                by: match (c.reviewer, c.at) {
                    (Some(r), Some(at)) => format!("{r}, {}", views::timestamp_da(&at)),
                    _ => String::new(),
                },
            })
            .collect(),
        comments: comments
            .into_iter()
            .filter(|c| policy::may_read_comment(user, c))
            .map(|c| CommentRow {
                internal: c.internal.0,
                author: c.author,
                at: views::timestamp_da(&c.at),
                kind: kind_da(&c.kind).into(),
                body: c.body,
            })
            .collect(),
        signatures: signature_rows,
        parties,
        can_bind,
        sign: sign_box,
        money: money_facts,
        in_force,
        history: history
            .into_iter()
            .map(|e| HistoryRow {
                at: views::timestamp_da(&e.at),
                actor: e.actor,
                action: action_da(&e.action),
            })
            .collect(),
    })
}

/// `YYYY-MM` of a `YYYY-MM-DD` month.
/// A stored month (its first day) in Danish: `april 2022`.
fn month_of(day: &str) -> String {
    pulje_domain::parse_date(day)
        .map(pulje_domain::date::month_da)
        .unwrap_or_else(|| day.to_string())
}

fn kind_da(kind: &str) -> &'static str {
    match kind {
        "return" => "Sendt retur",
        "forward" => "Sendt videre",
        "reject" => "Afslag",
        "withdraw" => "Trukket tilbage",
        "terminate" => "Afsluttet før tid",
        _ => "Kommentar",
    }
}

fn action_da(action: &str) -> String {
    match action {
        "create" => "Oprettet".into(),
        "amend" => "Ændring foreslået".into(),
        "review" => "Kvalitetssikring".into(),
        "comment" => "Kommentar".into(),
        "update" => "Ændret".into(),
        "bind_party" => "Underskriver udpeget".into(),
        "signature_cleared" => "Underskrift bortfaldet (anden underskriver udpeget)".into(),
        "signatures_cleared" => "Underskrifter bortfaldet (aftalen er ændret)".into(),
        other => match Action::parse(other) {
            Some(a) => a.label_da().into(),
            None => ApplicationStatus::parse(other)
                .map(|s| format!("Status: {}", s.label_da()))
                .unwrap_or_else(|| other.to_string()),
        },
    }
}

#[derive(Deserialize)]
pub struct ShowQuery {
    gemt: Option<String>,
    trin: Option<String>,
    parter: Option<String>,
}

pub async fn show(
    mut db: Db,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<ShowQuery>,
) -> PageResult<Html<String>> {
    if is_programme_application(&mut db, id).await? {
        return super::programme_application::show(
            &mut db,
            &user,
            ApplicationId::new(id),
            q.gemt.is_some(),
            q.trin.as_deref(),
        )
        .await;
    }
    let mut conn = db.conn().await?;
    let app = get_application(&mut conn, ApplicationId::new(id)).await?;
    policy::require_view(&user, &app)?;
    let notice = match (q.gemt.is_some(), q.trin.as_deref()) {
        (true, _) => Some("Ansøgningen er gemt.".to_string()),
        (false, None) if q.parter.is_some() => Some(
            "Parten er udpeget. Kun den udpegede bruger kan underskrive for parten.".to_string(),
        ),
        (false, Some("amend")) => Some("Ændringen er sendt til styregruppen.".to_string()),
        (false, Some(step)) => Action::parse(step).map(|a| {
            format!(
                "Udført: {}. Status er nu «{}».",
                a.label_da(),
                app.status.label_da()
            )
        }),
        (false, None) => None,
    };
    let page = page(&mut conn, &user, app, notice, StepError::default()).await?;
    Ok(Html(page.render()?))
}

#[derive(Template)]
#[template(path = "applications/agreement.html")]
struct AgreementPage {
    detail: ShowPage,
    programme_name: String,
}

/// The agreement as a printable page mirroring the agreement form (sections A–D) with the
/// signature block filled in.
pub async fn agreement(
    mut db: Db,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> PageResult<Html<String>> {
    let mut conn = db.conn().await?;
    let app = get_application(&mut conn, ApplicationId::new(id)).await?;
    policy::require_view(&user, &app)?;
    let programme_name = programmes::get(&mut conn, &app.programme_id)
        .await?
        .ok_or(AppError::NotFound)?
        .name;
    let detail = page(&mut conn, &user, app, None, StepError::default()).await?;
    Ok(Html(
        AgreementPage {
            detail,
            programme_name,
        }
        .render()?,
    ))
}

/// The agreement as a PDF mirroring the agreement form. Once all four parties have signed, the
/// signed agreement as issued: the first download renders it with its last page of signature
/// evidence and verification code and keeps it; every later one gets the same bytes, which
/// `/verify` recognises.
pub async fn agreement_pdf(
    axum::extract::State(state): axum::extract::State<crate::AppState>,
    mut db: Db,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> PageResult<Response> {
    let mut conn = db.conn().await?;
    let app = get_application(&mut conn, ApplicationId::new(id)).await?;
    policy::require_view(&user, &app)?;
    let filename = format!("aftale-{id}.pdf");
    let seal = if matches!(
        app.status,
        ApplicationStatus::Active | ApplicationStatus::Ended
    ) {
        pulje_store::signing::sealed(&mut conn, app.id).await?
    } else {
        None
    };
    if let Some(seal) = &seal {
        if let Some(pdf) = pulje_store::signing::issued_pdf(&mut conn, &seal.code).await? {
            return Ok(pdf_response(pdf, &filename));
        }
    }
    let programme_name = programmes::get(&mut conn, &app.programme_id)
        .await?
        .ok_or(AppError::NotFound)?
        .name;
    let bound = pulje_store::signing::bindings(&mut conn, &app).await?;
    let signed = pulje_store::signing::signatures(&mut conn, app.id).await?;
    let d = page(&mut conn, &user, app, None, StepError::default()).await?;
    drop(conn);
    let pdf = agreement_document(
        &d,
        &programme_name,
        &bound,
        &signed,
        seal.as_ref(),
        &state.config.public_url.link("/verify"),
    );
    match seal {
        Some(seal) => {
            let mut tx = db.begin().await?;
            let kept = pulje_store::signing::issue_pdf(&mut tx, &seal.code, pdf).await?;
            tx.commit().await?;
            Ok(pdf_response(kept, &filename))
        }
        None => Ok(pdf_response(pdf, &filename)),
    }
}

/// The agreement's PDF: sections A–D with the granted and the requested amount each labelled,
/// the parties' names and the agreement's date in D, and, once sealed, a last page with the
/// signature evidence and the verification code.
fn agreement_document(
    d: &ShowPage,
    programme_name: &str,
    bound: &[pulje_store::signing::Binding],
    signed: &[pulje_store::signing::Signed],
    seal: Option<&pulje_store::signing::Sealed>,
    verify_url: &str,
) -> Vec<u8> {
    use pulje_pdf::Block;
    // The amount asked for is labelled as such, never to be read as the amount granted.
    let requested = pulje_domain::application::field("supplement_ore").map(|f| f.short);
    let facts = |facts: &[Fact]| {
        facts
            .iter()
            .map(|f| {
                let label = if Some(f.label.as_str()) == requested {
                    "B6. Ansøgt beløb (tillæg pr. år)".to_string()
                } else {
                    f.label.clone()
                };
                Block::Fact(label, f.value.clone())
            })
            .collect::<Vec<_>>()
    };
    let mut blocks = vec![
        Block::Title("Aftale om regionalt forsøg".into()),
        Block::Paragraph(format!(
            "{programme_name} · {} · nr. {} · status: {}",
            d.region, d.app_id, d.status
        )),
        Block::Heading("A. Identifikation".into()),
    ];
    blocks.extend(facts(&d.section_a));
    blocks.push(Block::Heading("B. Forsøget".into()));
    blocks.extend(facts(&d.section_b));
    blocks.push(Block::Table {
        header: vec!["B3. Deltager".into(), "Rolle".into(), "Får tillæg".into()],
        widths: vec![4.0, 4.0, 2.0],
        rows: d
            .participants
            .iter()
            .map(|p| {
                vec![
                    p.0.clone(),
                    p.1.clone(),
                    if p.2 { "Ja".into() } else { "Nej".into() },
                ]
            })
            .collect(),
    });
    blocks.extend(facts(&d.money));
    blocks.push(Block::Heading(
        "C. Forsøgets tidsmæssige udstrækning".into(),
    ));
    blocks.extend(facts(&d.section_c));
    blocks.push(Block::Heading("D. Aftalen er indgået og godkendt".into()));
    let time_of = |party: Party| {
        signed
            .iter()
            .find(|s| s.party == party.as_str())
            .map(|s| views::timestamp_da(&s.signed_at))
    };
    blocks.push(Block::Table {
        header: vec![
            "Part".into(),
            "Navn".into(),
            "Underskrevet (dansk tid)".into(),
        ],
        widths: vec![3.0, 4.0, 3.0],
        rows: Party::ALL
            .iter()
            .map(|&p| {
                let signer = signed.iter().find(|s| s.party == p.as_str());
                let name = match signer {
                    Some(s) => s.signer_name.clone(),
                    None => bound
                        .iter()
                        .find(|b| b.party == p.as_str())
                        .map(|b| b.user_name.clone())
                        .filter(|n| !n.is_empty())
                        .unwrap_or_else(|| "Ikke udpeget".into()),
                };
                vec![
                    p.label_da().to_string(),
                    name,
                    time_of(p).unwrap_or_else(|| "Ikke underskrevet".into()),
                ]
            })
            .collect(),
    });
    // The date of the last signature; an agreement signed before seals were kept has none, and
    // takes its last signature's.
    let last_signature = signed
        .iter()
        .map(|s| s.signed_at.as_str())
        .max()
        .filter(|_| signed.len() == Party::ALL.len());
    blocks.push(Block::Fact(
        "Dato for aftalen".into(),
        match (seal, last_signature) {
            (Some(s), _) => views::date_of_timestamp_da(&s.signed_at),
            (None, Some(last)) => views::date_of_timestamp_da(last),
            (None, None) => "Ikke indgået endnu: ikke alle parter har underskrevet".into(),
        },
    ));
    if let Some(seal) = seal {
        blocks.push(Block::PageBreak);
        blocks.push(Block::Heading("Dokumentation for underskrifterne".into()));
        blocks.push(Block::Paragraph(format!(
            "Hver part har underskrevet aftalens version {} med fingeraftrykket nedenfor (SHA-256 af aftalens indhold). Tidspunkterne er i dansk tid.",
            seal.agreement_version
        )));
        blocks.push(Block::Table {
            header: vec![
                "Part".into(),
                "Navn".into(),
                "Tidspunkt".into(),
                "Godkendt med".into(),
            ],
            widths: vec![3.0, 3.5, 2.5, 2.5],
            rows: signed
                .iter()
                .map(|s| {
                    vec![
                        Party::parse(&s.party)
                            .map(|p| p.label_da().to_string())
                            .unwrap_or_else(|| s.party.clone()),
                        s.signer_name.clone(),
                        views::timestamp_da(&s.signed_at),
                        pulje_store::signing::Authentication::label_da(&s.authenticated_by),
                    ]
                })
                .collect(),
        });
        blocks.push(Block::Fact(
            "Fingeraftryk (SHA-256)".into(),
            pulje_store::signing::fingerprint_shown(&seal.fingerprint),
        ));
        blocks.push(Block::Fact(
            "Aftalens dato".into(),
            views::date_of_timestamp_da(&seal.signed_at),
        ));
        blocks.push(Block::Fact("Kontrolkode".into(), seal.code.clone()));
        blocks.push(Block::Paragraph(format!(
            "Kontrollér aftalen på {verify_url}: indtast kontrolkoden, eller upload denne PDF. En PDF, der er ændret blot én byte, genkendes ikke."
        )));
    }
    pulje_pdf::render(&d.title, &format!("{} · {}", d.title, d.region), &blocks)
}

/// A PDF as an inline download.
pub(crate) fn pdf_response(pdf: Vec<u8>, filename: &str) -> Response {
    (
        [
            (
                axum::http::header::CONTENT_TYPE,
                "application/pdf".to_string(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("inline; filename=\"{filename}\""),
            ),
        ],
        pdf,
    )
        .into_response()
}

/// `POST /applications/{id}/transitions` from the detail page's forms.
pub async fn transition(
    axum::extract::State(state): axum::extract::State<crate::AppState>,
    mut db: Db,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult<Response> {
    if is_programme_application(&mut db, id).await? {
        return super::programme_application::transition(
            &mut db,
            &user,
            ApplicationId::new(id),
            &pairs,
            &state.config.public_url,
        )
        .await;
    }
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let body = TransitionBody {
        action: get("action"),
        tier_ore: opt_id(&Some(get("tier_ore"))),
        exception_reason: get("exception_reason"),
        reason: get("reason"),
        comment: get("comment"),
        end_date: Some(get("end_date")).filter(|d| !d.trim().is_empty()),
        meeting_id: opt_id(&Some(get("meeting_id"))),
        amount_ore: None,
        meeting: String::new(),
        confirm: !get("confirm").is_empty(),
        fingerprint: get("fingerprint"),
    };
    let result = match step_from(&body, user.authentication()) {
        Ok(step) => take_step(&mut db, &user, ApplicationId::new(id), &step).await,
        Err(e) => Err(e),
    }
    .map_err(AppError::from);
    match result {
        Ok(_) => {
            Ok(Redirect::to(&format!("/applications/{id}?trin={}", body.action)).into_response())
        }
        Err(e @ (AppError::Conflict(_) | AppError::Invalid(_) | AppError::Forbidden(_))) => {
            let status = e.status();
            let mut conn = db.conn().await?;
            // The same step by the same person a moment ago: a double click, answered as done.
            if matches!(e, AppError::Conflict(_))
                && pulje_app::workflow::just_taken(
                    &mut conn,
                    &user,
                    ApplicationId::new(id),
                    &body.action,
                )
                .await?
            {
                return Ok(
                    Redirect::to(&format!("/applications/{id}?trin={}", body.action))
                        .into_response(),
                );
            }
            let app = get_application(&mut conn, ApplicationId::new(id)).await?;
            policy::require_view(&user, &app)?;
            let error = StepError {
                action: body.action.clone(),
                message: e.message(),
                comment: body.comment,
                reason: body.reason,
                exception_reason: body.exception_reason,
                end_date: body.end_date.unwrap_or_default(),
            };
            let page = page(&mut conn, &user, app, None, error).await?;
            Ok((status, Html(page.render()?)).into_response())
        }
        Err(e) => Err(e),
    }
}

/// `POST /applications/{id}/parties` from the detail page: the region's administrator binds a
/// party (`party`) to the account that is to sign for it (`user_id`).
pub async fn bind_party(
    mut db: Db,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult<Response> {
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    };
    let app_id = ApplicationId::new(id);
    let result = async {
        let party = pulje_app::signing::party(&get("party"))?;
        let user_id = get("user_id").parse::<i64>().map_err(|_| {
            pulje_app::Error::Invalid(format!(
                "Vælg, hvem der skal underskrive som «{}».",
                party.label_da()
            ))
        })?;
        pulje_app::signing::bind(&mut db, &user, app_id, party, user_id).await
    }
    .await
    .map_err(AppError::from);
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/applications/{id}?parter=1#parter")).into_response()),
        Err(e @ (AppError::Conflict(_) | AppError::Invalid(_) | AppError::Forbidden(_))) => {
            let status = e.status();
            let mut conn = db.conn().await?;
            let app = get_application(&mut conn, app_id).await?;
            policy::require_view(&user, &app)?;
            let error = StepError {
                action: "bind".into(),
                message: e.message(),
                ..StepError::default()
            };
            let page = page(&mut conn, &user, app, None, error).await?;
            Ok((status, Html(page.render()?)).into_response())
        }
        Err(e) => Err(e),
    }
}

/// `POST /applications/{id}/comments`: a comment in the thread, by anyone who may see the
/// application and works with it (not national viewers or system administrators).
pub async fn comment(
    mut db: Db,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult<Response> {
    let text = pairs
        .iter()
        .find(|(k, _)| k == "body")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    // The checkbox «Kun til arbejds- og styregruppen»: sent only when ticked.
    let internal = pairs.iter().any(|(k, v)| k == "internal" && !v.is_empty());
    let mut tx = db.begin().await?;
    let app = get_application(&mut tx, ApplicationId::new(id)).await?;
    policy::require_comment(&user, &app)?;
    if internal {
        policy::require_comment_internally(&user)?;
    }
    flow::comment(&mut tx, &user.user, &app, &text, internal).await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/applications/{id}#kommentarer")).into_response())
}

/// `POST /applications/{id}/review`: the working group's ticks (`check_ITEM`) and comments
/// (`comment_ITEM`) on the checklist.
pub async fn review(
    mut db: Db,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult<Response> {
    let mut tx = db.begin().await?;
    let app = get_application(&mut tx, ApplicationId::new(id)).await?;
    policy::require_review(&user, &app)?;
    let get = |k: String| {
        pairs
            .iter()
            .find(|(key, _)| *key == k)
            .map(|(_, v)| v.clone())
    };
    for item in pulje_store::review::items(&mut tx, &app.programme_id).await? {
        let checked = get(format!("check_{}", item.id)).is_some();
        let comment = get(format!("comment_{}", item.id)).unwrap_or_default();
        pulje_store::review::set_check(
            &mut tx,
            &user.actor(),
            user.user.id,
            &app,
            item.id,
            checked,
            &comment,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(Redirect::to(&format!("/applications/{id}#kvalitetssikring")).into_response())
}

/// Whether `id` is an application of a programme defined as data, which has a page of its own
/// (`programme_application.rs`).
pub(super) async fn is_programme_application(db: &mut Db, id: i64) -> PageResult<bool> {
    let mut conn = db.conn().await?;
    Ok(pulje_store::programme_applications::is_one(&mut conn, ApplicationId::new(id)).await?)
}
