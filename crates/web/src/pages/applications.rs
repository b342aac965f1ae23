//! Applications: the list with filters and paging, the agreement form (create, save a partial
//! draft, edit) and the detail page.

use super::application_detail::is_programme_application;
use crate::auth::policy::{self, Scope};
use crate::auth::CurrentUser;
use crate::error::{AppError, PageResult};
use crate::extract::Form;
use crate::views::{self, Choice, Field, Page, Pager};
use crate::AppState;
use crate::Db;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use pulje_app::applications::{get as get_application, list_filter, opt_id, ListQuery};
use pulje_domain::programme::Definition;
use pulje_domain::{
    ApplicationId, ApplicationInput, ApplicationRules, ApplicationStatus, FieldDef, FieldErrors,
    Kind, RegionCode, Section, UserId, FIELDS,
};
use pulje_store::applications::{self, Application, Placement, Summary};
use pulje_store::reference::OK21;
use pulje_store::Connection as AnyConnection;
use pulje_store::{definitions, list_filters, org, programmes, StoreError};
use std::collections::BTreeMap;

// --- list -----------------------------------------------------------------------------------

pub struct Row {
    id: i64,
    title: String,
    status: String,
    region: String,
    hospital: String,
    round: String,
    supplement: String,
    period: String,
}

impl Row {
    /// The row of `s`; a programme defined as data names its states in `definitions`.
    fn new(s: Summary, definitions: &BTreeMap<String, Definition>) -> Row {
        let status = match (s.status(), definitions.get(&s.programme_id)) {
            (Some(status), _) => status.label_da().to_string(),
            (None, Some(def)) => def.state_da(&s.state),
            (None, None) => s.state.clone(),
        };
        Row {
            id: i64::from(s.id),
            title: s.title,
            status,
            region: Some(s.region_code).map(|r| r.name()).unwrap_or("").into(),
            hospital: s.hospital_name.unwrap_or_default(),
            round: s.round_name.unwrap_or_default(),
            supplement: s.supplement_ore.map(views::kr).unwrap_or_default(),
            period: match (s.start_date, s.end_date) {
                (Some(a), Some(b)) => {
                    format!("{} – {}", a.format("%d-%m-%Y"), b.format("%d-%m-%Y"))
                }
                (Some(a), None) => format!("fra {}", a.format("%d-%m-%Y")),
                _ => String::new(),
            },
        }
    }
}

#[derive(Template)]
#[template(path = "applications/list.html")]
struct ListPage {
    page: Page,
    /// The list's filters, for its export links ("?status=…", or empty).
    export_query: String,
    rows: Vec<Row>,
    pager: Pager,
    statuses: Vec<Choice>,
    areas: Vec<Choice>,
    hospitals: Vec<Choice>,
    rounds: Vec<Choice>,
    regions: Vec<Choice>,
    show_region: bool,
    q: String,
    can_create: bool,
}

pub async fn list(
    State(state): State<AppState>,
    mut db: Db,
    user: CurrentUser,
    Query(q): Query<ListQuery>,
) -> PageResult<Html<String>> {
    let filter = list_filter(&user, &q)?;
    let page_no = opt_id(&q.page).unwrap_or(1).max(1);
    let per_page = state.config.page_size;
    let mut conn = db.conn().await?;
    let (rows, total) = applications::list(&mut conn, &filter, page_no, per_page).await?;
    let mut definitions = BTreeMap::new();
    for s in rows.iter().filter(|s| s.status().is_none()) {
        if !definitions.contains_key(&s.programme_id) {
            if let Some(def) = definitions::latest(&mut conn, &s.programme_id).await? {
                definitions.insert(s.programme_id.clone(), def);
            }
        }
    }

    let region = filter.region_code;
    let list_filters::FilterChoices {
        areas,
        hospitals,
        rounds,
    } = &list_filters::filter_choices(&mut conn, OK21, region).await?;
    let many_regions = region.is_none();
    let region_suffix = |code: RegionCode| {
        if many_regions {
            format!(" ({})", code.name())
        } else {
            String::new()
        }
    };
    let mut statuses = vec![Choice::new("", "Alle", filter.status.is_none())];
    statuses.extend(
        ApplicationStatus::ALL
            .iter()
            .map(|s| Choice::new(s.as_str(), s.label_da(), filter.status == Some(*s))),
    );
    let mut area_choices = vec![Choice::new("", "Alle", filter.area_id.is_none())];
    area_choices.extend(areas.iter().map(|a| {
        Choice::new(
            a.id,
            format!("{}{}", a.name, region_suffix(a.region_code)),
            filter.area_id == Some(a.id),
        )
    }));
    let mut hospital_choices = vec![Choice::new("", "Alle", filter.hospital_id.is_none())];
    hospital_choices.extend(hospitals.iter().map(|h| {
        Choice::new(
            h.id,
            format!("{}{}", h.name, region_suffix(h.region_code)),
            filter.hospital_id == Some(h.id),
        )
    }));
    let mut round_choices = vec![Choice::new("", "Alle", filter.round_id.is_none())];
    round_choices.extend(rounds.iter().map(|r| {
        Choice::new(
            r.id,
            format!(
                "{} (frist {}){}",
                r.name,
                r.deadline.format("%d-%m-%Y"),
                region_suffix(r.region_code)
            ),
            filter.round_id == Some(r.id),
        )
    }));
    let show_region = Scope::of(&user) == Scope::All;
    let mut regions = vec![Choice::new("", "Alle", region.is_none())];
    regions.extend(
        pulje_domain::RegionCode::all().map(|r| Choice::new(r.code(), r.name(), region == Some(r))),
    );

    let mut query: Vec<(&str, String)> = Vec::new();
    for (k, v) in [
        ("status", &q.status),
        ("area", &q.area),
        ("hospital", &q.hospital),
        ("round", &q.round),
        ("region", &q.region),
        ("q", &q.q),
    ] {
        if let Some(v) = v.as_ref().filter(|v| !v.is_empty()) {
            query.push((k, v.clone()));
        }
    }
    let base_query = serde_urlencoded::to_string(&query).unwrap_or_default();
    let can_create = policy::may_create_applications(&user);
    let export_query = if base_query.is_empty() {
        String::new()
    } else {
        format!("?{base_query}")
    };
    let page = ListPage {
        export_query,
        page: Page::new(&user, "Ansøgninger", "/applications"),
        rows: rows
            .into_iter()
            .map(|s| Row::new(s, &definitions))
            .collect(),
        pager: Pager::new(page_no, per_page, total, &base_query),
        statuses,
        areas: area_choices,
        hospitals: hospital_choices,
        rounds: round_choices,
        regions,
        show_region,
        q: q.q.clone().unwrap_or_default(),
        can_create,
    };
    Ok(Html(page.render()?))
}

/// `GET /applications/eksport.{csv,xlsx}`: every row the list's filters select (at most
/// [`pulje_app::list_export::MAX_ROWS`]), as a spreadsheet.
pub async fn export_csv(
    db: Db,
    user: CurrentUser,
    Query(q): Query<ListQuery>,
) -> PageResult<Response> {
    export(db, user, q, true).await
}

/// `GET /applications/eksport.xlsx`.
pub async fn export_xlsx(
    db: Db,
    user: CurrentUser,
    Query(q): Query<ListQuery>,
) -> PageResult<Response> {
    export(db, user, q, false).await
}

async fn export(mut db: Db, user: CurrentUser, q: ListQuery, csv: bool) -> PageResult<Response> {
    use pulje_app::list_export;
    let filter = list_filter(&user, &q)?;
    let mut conn = db.conn().await?;
    let (summaries, _) = applications::list(&mut conn, &filter, 1, list_export::MAX_ROWS).await?;
    let mut definitions = BTreeMap::new();
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    for s in &summaries {
        if !names.contains_key(&s.programme_id) {
            let name = programmes::get(&mut conn, &s.programme_id)
                .await?
                .map_or_else(|| s.programme_id.clone(), |p| p.name);
            names.insert(s.programme_id.clone(), name);
        }
        if s.status().is_none() && !definitions.contains_key(&s.programme_id) {
            if let Some(def) = definitions::latest(&mut conn, &s.programme_id).await? {
                definitions.insert(s.programme_id.clone(), def);
            }
        }
    }
    let rows: Vec<list_export::Row> = summaries
        .into_iter()
        .map(|s| {
            let programme = names.get(&s.programme_id).cloned().unwrap_or_default();
            let changed = views::timestamp_da(&s.updated_at);
            let (supplement, start, end) = (s.supplement_ore, s.start_date, s.end_date);
            let shown = Row::new(s, &definitions);
            list_export::Row {
                id: shown.id,
                title: shown.title,
                status: shown.status,
                region: shown.region,
                programme,
                hospital: shown.hospital,
                round: shown.round,
                supplement,
                start,
                end,
                changed,
            }
        })
        .collect();
    let (body, content_type, name) = if csv {
        (
            list_export::csv(&rows).into_bytes(),
            "text/csv; charset=utf-8",
            "ansoegninger.csv",
        )
    } else {
        (
            list_export::xlsx(&rows).map_err(pulje_app::Error::Internal)?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "ansoegninger.xlsx",
        )
    };
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, content_type.to_string()),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body,
    )
        .into_response())
}

// --- the form -------------------------------------------------------------------------------

pub struct ParticipantRow {
    index: usize,
    name: String,
    role: String,
    receives: bool,
    name_error: String,
}

#[derive(Template)]
#[template(path = "applications/form.html")]
struct FormPage {
    page: Page,
    heading: String,
    action: String,
    version: i64,
    error_summary: Vec<(String, String)>,
    conflict: Option<String>,
    show_region: bool,
    region: Field,
    regions: Vec<Choice>,
    show_doctor: bool,
    doctor: Field,
    doctors: Vec<Choice>,
    /// The form's sections with their fields, from the form's table.
    sections: Vec<FormSection>,
    /// The participants table's rows (the participants field's own data).
    participants: Vec<ParticipantRow>,
    /// Set when the application was read from a file: what the reading noticed.
    import: Option<ImportPanel>,
}

/// A section of the form: a fieldset.
pub struct FormSection {
    legend: &'static str,
    hint: &'static str,
    /// Section A, where the region and the responsible afdelingslæge's account go too.
    first: bool,
    fields: Vec<FormField>,
}

/// One field of the form's table as the template shows it.
pub struct FormField {
    /// The kind's name (`line`, `text`, `date`, `hospital`, `tier`, `areas`, `participants`).
    kind: &'static str,
    field: Field,
    /// The options of a select or checkbox group.
    choices: Vec<Choice>,
}

fn legend(section: Section) -> (&'static str, &'static str) {
    match section {
        Section::A => ("A. Identifikation", ""),
        Section::B => ("B. Forsøget", ""),
        Section::C => ("C. Forsøgets tidsmæssige udstrækning", ""),
        Section::D => (
            "D. Parterne",
            "Hvem indgår og godkender aftalen. Underskrifterne sker senere i systemet.",
        ),
    }
}

/// Labels of the page's own fields, beside the form's table.
const PAGE_LABELS: [(&str, &str); 2] = [
    ("region_code", "Region"),
    ("doctor_user_id", "Afdelingslægens brugerkonto"),
];

/// A field's label (from the form's table), also used to name fields in the error summary.
fn label(field: &str) -> String {
    if let Some(rest) = field.strip_prefix("participants.") {
        let index: usize = rest
            .split('.')
            .next()
            .and_then(|i| i.parse().ok())
            .unwrap_or(0);
        return format!("B3. Deltager {}", index + 1);
    }
    if let Some(def) = pulje_domain::application::field(field) {
        return def.label.to_string();
    }
    PAGE_LABELS
        .iter()
        .find(|(k, _)| *k == field)
        .map(|(_, l)| l.to_string())
        .unwrap_or_else(|| field.to_string())
}

fn field(name: &str, value: &str, errors: &FieldErrors) -> Field {
    Field::new(name, &label(name), value, errors)
}

/// What a submitted form holds: the agreement form, the version it was based on, the region.
pub(crate) struct Submitted {
    pub input: ApplicationInput,
    pub version: i64,
    pub region_code: Option<i64>,
    /// The responsible afdelingslæge's account, as chosen by a leader or administrator.
    pub doctor_user_id: Option<i64>,
}

/// Reads the form's raw pairs into the agreement form by the form's table (repeated
/// `area_ids` and numbered `participants.N.*` fields become lists), and the page's own fields.
/// Nothing typed is dropped.
pub(crate) fn parse_form(pairs: Vec<(String, String)>) -> Submitted {
    let mut input = ApplicationInput::default();
    let mut version = 0;
    let mut region_code = None;
    let mut doctor_user_id = None;
    for (key, value) in pairs {
        match key.as_str() {
            "version" => version = value.trim().parse().unwrap_or(0),
            "region_code" => region_code = value.trim().parse().ok(),
            "doctor_user_id" => doctor_user_id = value.trim().parse().ok(),
            _ => {
                input.set(&key, value);
            }
        }
    }
    Submitted {
        input,
        version,
        region_code,
        doctor_user_id,
    }
}

struct FormContext {
    region_code: RegionCode,
    rules: ApplicationRules,
    hospitals: Vec<org::Hospital>,
    areas: Vec<programmes::Area>,
    tiers: Vec<programmes::Tier>,
    /// The region's applicants, who may be named as the responsible afdelingslæge.
    applicants: Vec<(i64, String)>,
}

async fn form_context(
    conn: &mut AnyConnection,
    programme_id: &str,
    region_code: RegionCode,
) -> PageResult<FormContext> {
    Ok(FormContext {
        region_code,
        rules: programmes::rules(conn, programme_id, region_code).await?,
        hospitals: org::hospitals(conn, Some(region_code)).await?,
        areas: programmes::areas(conn, programme_id, Some(region_code)).await?,
        tiers: programmes::tiers(conn, programme_id, Some(region_code)).await?,
        applicants: pulje_store::users::list(conn, Some(region_code))
            .await?
            .into_iter()
            .filter(|u| u.role == pulje_domain::Role::Applicant && !u.disabled)
            .map(|u| (u.id.get(), format!("{} ({})", u.name, u.email)))
            .collect(),
    })
}

#[allow(clippy::too_many_arguments)]
fn form_page(
    user: &CurrentUser,
    doctor: Option<i64>,
    heading: String,
    action: String,
    version: i64,
    input: &ApplicationInput,
    errors: &FieldErrors,
    ctx: &FormContext,
    show_region: bool,
    conflict: Option<String>,
) -> FormPage {
    let choices = |def: &FieldDef| -> Vec<Choice> {
        let typed = input.text(def.name).trim();
        match def.kind {
            Kind::Hospital => std::iter::once(Choice::new("", "Vælg hospital", typed.is_empty()))
                .chain(
                    ctx.hospitals
                        .iter()
                        .map(|h| Choice::new(h.id, &h.name, typed == h.id.to_string())),
                )
                .collect(),
            Kind::Tier => std::iter::once(Choice::new("", "Ikke valgt endnu", typed.is_empty()))
                .chain(ctx.tiers.iter().map(|t| {
                    Choice::new(
                        t.amount_ore.ore(),
                        format!("{} – {}", t.name, views::kr(t.amount_ore)),
                        typed == t.amount_ore.ore().to_string(),
                    )
                }))
                .collect(),
            Kind::Areas => ctx
                .areas
                .iter()
                .map(|a| {
                    Choice::new(
                        a.id,
                        &a.name,
                        input.area_ids.iter().any(|v| v.trim() == a.id.to_string()),
                    )
                })
                .collect(),
            _ => Vec::new(),
        }
    };
    let sections = Section::ALL
        .iter()
        .map(|&section| {
            let (legend, hint) = legend(section);
            FormSection {
                legend,
                hint,
                first: section == Section::A,
                fields: FIELDS
                    .iter()
                    .filter(|def| def.section == section)
                    .map(|def| {
                        let mut f = field(def.name, input.text(def.name), errors).hint(def.help);
                        if def.name == "end_date" {
                            f = f
                                .hint(&format!("Senest {}.", views::date_da(ctx.rules.last_end())));
                        }
                        FormField {
                            kind: def.kind.as_str(),
                            field: f,
                            choices: choices(def),
                        }
                    })
                    .collect(),
            }
        })
        .collect();
    let regions = pulje_domain::RegionCode::all()
        .map(|r| Choice::new(r.code(), r.name(), r == ctx.region_code))
        .collect();
    let mut participants: Vec<ParticipantRow> = input
        .participants
        .iter()
        .enumerate()
        .map(|(index, p)| ParticipantRow {
            index,
            name: p.name.clone(),
            role: p.role.clone(),
            receives: p.receives_supplement,
            name_error: errors.get(&format!("participants.{index}.name")).join(" "),
        })
        .collect();
    // Always offer a few empty rows; without JavaScript, more rows come after saving.
    let blanks = if participants.len() < 3 {
        3 - participants.len()
    } else {
        2
    };
    for _ in 0..blanks {
        let index = participants.len();
        participants.push(ParticipantRow {
            index,
            name: String::new(),
            role: String::new(),
            receives: false,
            name_error: String::new(),
        });
    }
    let error_summary = errors
        .iter()
        .flat_map(|(k, msgs)| {
            msgs.iter()
                .map(move |m| (anchor(k), format!("{}: {m}", label(k))))
        })
        .collect();
    FormPage {
        page: Page::new(user, heading.clone(), "/applications"),
        heading,
        action,
        version,
        error_summary,
        conflict,
        show_region,
        region: field("region_code", &ctx.region_code.to_string(), errors),
        regions,
        show_doctor: policy::may_choose_doctor(user),
        doctor: field(
            "doctor_user_id",
            &doctor.map(|d| d.to_string()).unwrap_or_default(),
            errors,
        )
        .hint("Den afdelingslæge, der underskriver aftalen og kan følge ansøgningen."),
        doctors: std::iter::once(Choice::new("", "Ingen valgt", doctor.is_none()))
            .chain(
                ctx.applicants
                    .iter()
                    .map(|(id, label)| Choice::new(id, label, doctor == Some(*id))),
            )
            .collect(),
        sections,
        participants,
        import: None,
    }
}

/// What the review screen of an imported form shows above the form.
struct ImportPanel {
    file_name: String,
    /// The original file (an attachment id), to compare with.
    original: Option<i64>,
    /// Whether the original is a scanned page a browser shows (PNG, JPEG): shown beside the form.
    scan_image: bool,
    warnings: Vec<String>,
    unmapped_text: String,
}

impl FormPage {
    /// Shows, beside each field, the text of the file its value was read from.
    fn with_import(
        mut self,
        evidence: &pulje_app::imports::Evidence,
        unmapped_text: String,
        original: Option<i64>,
    ) -> FormPage {
        for f in self.sections.iter_mut().flat_map(|s| s.fields.iter_mut()) {
            f.field.source = evidence.for_field(&f.field.name).map(|e| views::Source {
                excerpt: e.source_excerpt.clone(),
                confidence: e.confidence_da().to_string(),
                level: e.confidence.clone(),
                location: e.location.clone(),
                warning: e.warning.clone().unwrap_or_default(),
            });
        }
        let lower = evidence.file_name.to_ascii_lowercase();
        self.import = Some(ImportPanel {
            scan_image: original.is_some()
                && [".png", ".jpg", ".jpeg"].iter().any(|e| lower.ends_with(e)),
            file_name: evidence.file_name.clone(),
            original,
            warnings: evidence.warnings.clone(),
            unmapped_text,
        });
        self
    }
}

/// The id of the element a summary link jumps to.
fn anchor(field: &str) -> String {
    if field.starts_with("participants.") {
        return field.to_string();
    }
    match field {
        "area_ids" => "areas".into(),
        "participants" => "participants-table".into(),
        f => f.into(),
    }
}

fn render_form(status: StatusCode, form: FormPage) -> PageResult<Response> {
    Ok((status, Html(form.render()?)).into_response())
}

pub async fn new(mut db: Db, user: CurrentUser) -> PageResult<Response> {
    let region_code = match user.region_code() {
        Some(code) => code,
        None => RegionCode::NORDJYLLAND,
    };
    policy::can_create_in(&user, region_code)?;
    let mut conn = db.conn().await?;
    let ctx = form_context(&mut conn, OK21, region_code).await?;
    let input = ApplicationInput {
        responsible_doctor: if !policy::may_choose_doctor(&user) {
            user.user.name.clone()
        } else {
            String::new()
        },
        ..Default::default()
    };
    let show_region = user.user.region.is_none();
    let form = form_page(
        &user,
        None,
        "Ny ansøgning".into(),
        "/applications".into(),
        0,
        &input,
        &FieldErrors::new(),
        &ctx,
        show_region,
        None,
    );
    render_form(StatusCode::OK, form)
}

pub async fn create(
    mut db: Db,
    user: CurrentUser,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult<Response> {
    let submitted = parse_form(pairs);
    let region_code = match (user.region_code(), submitted.region_code) {
        (Some(own), _) => own,
        (None, Some(chosen)) if RegionCode::new(chosen).is_some() => {
            RegionCode::new(chosen).ok_or(AppError::NotFound)?
        }
        _ => return Err(AppError::Invalid("Vælg en region.".into())),
    };
    policy::can_create_in(&user, region_code)?;
    let mut conn = db.conn().await?;
    let ctx = form_context(&mut conn, OK21, region_code).await?;
    drop(conn);
    let data = match submitted.input.validate(&ctx.rules) {
        Ok(data) => data,
        Err(errors) => {
            let form = form_page(
                &user,
                submitted.doctor_user_id,
                "Ny ansøgning".into(),
                "/applications".into(),
                0,
                &submitted.input,
                &errors,
                &ctx,
                user.user.region.is_none(),
                None,
            );
            return render_form(StatusCode::UNPROCESSABLE_ENTITY, form);
        }
    };
    let mut tx = db.begin().await?;
    let own = policy::doctor_by_default(&user);
    let place = Placement {
        programme_id: OK21,
        region_code,
        created_by: Some(user.user.id),
        doctor_user_id: own,
        imported: false,
    };
    let app = applications::create(&mut tx, &user.actor(), &place, &data).await?;
    if own.is_none() && submitted.doctor_user_id.is_some() {
        applications::assign_doctor(
            &mut tx,
            &user.actor(),
            app.id,
            submitted.doctor_user_id.map(UserId::new),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(Redirect::to(&format!("/applications/{}?gemt=1", app.id)).into_response())
}

/// An imported application's form with the file's evidence beside its fields.
async fn with_import_evidence(
    conn: &mut AnyConnection,
    app: &Application,
    form: FormPage,
) -> PageResult<FormPage> {
    if !app.imported {
        return Ok(form);
    }
    let details = applications::import_details(conn, app.id).await?;
    let Some(evidence) = pulje_app::imports::Evidence::parse(details.import_json.as_deref()) else {
        return Ok(form);
    };
    let original =
        pulje_store::attachments::list(conn, pulje_store::attachments::Owner::Application(app.id))
            .await?
            .into_iter()
            .find(|a| a.purpose == "import_source")
            .map(|a| a.id);
    Ok(form.with_import(&evidence, details.unmapped_text, original.map(i64::from)))
}

pub async fn edit(mut db: Db, user: CurrentUser, Path(id): Path<i64>) -> PageResult<Response> {
    if is_programme_application(&mut db, id).await? {
        return super::programme_form::edit(&mut db, &user, ApplicationId::new(id)).await;
    }
    let mut conn = db.conn().await?;
    let app = get_application(&mut conn, ApplicationId::new(id)).await?;
    policy::require_edit(&user, &app)?;
    let ctx = form_context(&mut conn, &app.programme_id, app.region_code).await?;
    let form = form_page(
        &user,
        app.doctor_user_id.map(i64::from),
        format!("Rediger: {}", app.data.title()),
        format!("/applications/{id}"),
        app.version,
        &app.data.to_input(),
        &FieldErrors::new(),
        &ctx,
        false,
        None,
    );
    let form = with_import_evidence(&mut conn, &app, form).await?;
    render_form(StatusCode::OK, form)
}

pub async fn update(
    mut db: Db,
    user: CurrentUser,
    Path(id): Path<i64>,
    sent: super::upload::FormOrUpload,
) -> PageResult<Response> {
    if is_programme_application(&mut db, id).await? {
        return super::programme_form::update(&mut db, &user, ApplicationId::new(id), sent).await;
    }
    let submitted = parse_form(sent.pairs);
    let mut conn = db.conn().await?;
    let app = get_application(&mut conn, ApplicationId::new(id)).await?;
    policy::require_edit(&user, &app)?;
    let ctx = form_context(&mut conn, &app.programme_id, app.region_code).await?;
    drop(conn);
    let heading = format!("Rediger: {}", app.data.title());
    let action = format!("/applications/{id}");
    let data = match submitted.input.validate(&ctx.rules) {
        Ok(data) => data,
        Err(errors) => {
            let form = form_page(
                &user,
                submitted.doctor_user_id,
                heading,
                action,
                submitted.version,
                &submitted.input,
                &errors,
                &ctx,
                false,
                None,
            );
            return render_form(StatusCode::UNPROCESSABLE_ENTITY, form);
        }
    };
    let mut tx = db.begin().await?;
    match applications::update(
        &mut tx,
        &user.actor(),
        ApplicationId::new(id),
        submitted.version,
        &data,
    )
    .await
    {
        Ok(updated) => {
            if policy::may_choose_doctor(&user)
                && submitted.doctor_user_id != updated.doctor_user_id.map(i64::from)
            {
                applications::assign_doctor(
                    &mut tx,
                    &user.actor(),
                    updated.id,
                    submitted.doctor_user_id.map(UserId::new),
                )
                .await?;
            }
            tx.commit().await?;
            Ok(Redirect::to(&format!("/applications/{id}?gemt=1")).into_response())
        }
        Err(StoreError::Stale) => {
            drop(tx);
            let message = format!(
                "Ansøgningen er blevet ændret af en anden, siden du åbnede den (nu version {}). Dine ændringer er IKKE gemt, \
                 men står stadig i formularen herunder. Åbn den nyeste version i et nyt vindue, og overfør det, du vil beholde.",
                app.version
            );
            let form = form_page(
                &user,
                submitted.doctor_user_id,
                heading,
                action,
                submitted.version,
                &submitted.input,
                &FieldErrors::new(),
                &ctx,
                false,
                Some(message),
            );
            render_form(StatusCode::CONFLICT, form)
        }
        Err(e) => Err(e.into()),
    }
}
