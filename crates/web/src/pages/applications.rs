//! Applications: the list with filters and paging, the agreement form (create, save a partial
//! draft, edit) and the detail page.

use crate::auth::policy::{self, Scope};
use crate::auth::CurrentUser;
use crate::error::{AppError, PageResult};
use crate::views::{self, Choice, Field, Page, Pager};
use crate::AppState;
use crate::Db;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Form;
use pulje_app::applications::{get as load, list_filter, opt_id, ListQuery};
use pulje_domain::{
    ApplicationInput, ApplicationRules, ApplicationStatus, FieldErrors, ParticipantInput,
};
use pulje_store::applications::{self, Application, Placement, Summary};
use pulje_store::reference::OK21;
use pulje_store::Connection as AnyConnection;
use pulje_store::{list_filters, org, programmes, StoreError};

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

impl From<Summary> for Row {
    fn from(s: Summary) -> Row {
        Row {
            id: s.id,
            title: s.title,
            status: s.status.label_da().into(),
            region: pulje_domain::RegionCode::new(s.region_code)
                .map(|r| r.name())
                .unwrap_or("")
                .into(),
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

    let region = filter.region_code;
    let list_filters::FilterChoices {
        areas,
        hospitals,
        rounds,
    } = &list_filters::filter_choices(&mut conn, OK21, region).await?;
    let many_regions = region.is_none();
    let region_suffix = |code: i64| {
        if many_regions {
            format!(
                " ({})",
                pulje_domain::RegionCode::new(code)
                    .map(|r| r.name())
                    .unwrap_or("")
            )
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
        pulje_domain::RegionCode::all()
            .map(|r| Choice::new(r.code(), r.name(), region == Some(i64::from(r.code())))),
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
    let can_create = matches!(
        user.user.role,
        pulje_domain::Role::Applicant
            | pulje_domain::Role::Leader
            | pulje_domain::Role::RegionAdmin
            | pulje_domain::Role::Admin
    );
    let page = ListPage {
        page: Page::new(&user, "Ansøgninger", "/applications"),
        rows: rows.into_iter().map(Row::from).collect(),
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
    hospital_id: Field,
    hospitals: Vec<Choice>,
    hospital_department: Field,
    show_doctor: bool,
    doctor: Field,
    doctors: Vec<Choice>,
    title: Field,
    responsible_leader: Field,
    responsible_doctor: Field,
    purpose: Field,
    description: Field,
    content: Field,
    working_time_deviations: Field,
    participants: Vec<ParticipantRow>,
    participants_error: Field,
    period_text: Field,
    organisation: Field,
    supplement_ore: Field,
    tiers: Vec<Choice>,
    remarks: Field,
    area_ids: Field,
    areas: Vec<Choice>,
    area_argument: Field,
    start_date: Field,
    end_date: Field,
    party_leader: Field,
    party_doctor: Field,
    party_union: Field,
    party_region: Field,
    agreement_date: Field,
    /// Set when the application was read from a file: what the reading noticed.
    import: Option<ImportPanel>,
}

/// Labels of the form's fields, also used to name fields in the error summary.
const LABELS: [(&str, &str); 24] = [
    ("region_code", "Region"),
    ("hospital_id", "Hospital"),
    ("hospital_department", "A1. Hospital/afdeling"),
    ("title", "A2. Forsøgets titel"),
    ("responsible_leader", "A3. Ansvarlig leder for forsøget"),
    ("responsible_doctor", "A4. Ansvarlig afdelingslæge"),
    ("purpose", "B1. Formål"),
    ("description", "B2. Beskrivelse"),
    ("content", "B3. Indhold (hvad er aftalt?)"),
    (
        "working_time_deviations",
        "B3. Afvigelser fra arbejdstidsreglerne",
    ),
    ("participants", "B3. Deltagerkreds"),
    ("period_text", "B4. I hvilken periode kører forsøget?"),
    ("organisation", "B5. Organisering"),
    (
        "supplement_ore",
        "B6. Tillægsstørrelse (årligt funktionstillæg)",
    ),
    ("remarks", "B6. Uddybende bemærkninger"),
    ("area_ids", "Område"),
    ("area_argument", "Hvorfor hører forsøget under området?"),
    ("start_date", "C.2 Dato for forsøgets opstart"),
    ("end_date", "C.3 Dato for forsøgets afslutning"),
    ("party_leader", "Ledende overlæge (indgår aftalen)"),
    ("party_doctor", "Afdelingslæge (indgår aftalen)"),
    ("party_union", "For YL (godkender)"),
    ("party_region", "For regionen (godkender)"),
    ("doctor_user_id", "Afdelingslægens brugerkonto"),
];

fn label(field: &str) -> String {
    if let Some(rest) = field.strip_prefix("participants.") {
        let index: usize = rest
            .split('.')
            .next()
            .and_then(|i| i.parse().ok())
            .unwrap_or(0);
        return format!("B3. Deltager {}", index + 1);
    }
    LABELS
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

/// Reads the form's raw pairs; repeated `area_ids` and numbered `participants.N.*` fields
/// become lists. Nothing typed is dropped.
pub(crate) fn parse_form(pairs: Vec<(String, String)>) -> Submitted {
    let mut input = ApplicationInput::default();
    let mut version = 0;
    let mut region_code = None;
    let mut doctor_user_id = None;
    let mut participants: std::collections::BTreeMap<usize, ParticipantInput> = Default::default();
    for (key, value) in pairs {
        if let Some(rest) = key.strip_prefix("participants.") {
            let mut parts = rest.splitn(2, '.');
            let index: Option<usize> = parts
                .next()
                .and_then(|i| i.parse().ok())
                .filter(|i| *i < 200);
            if let (Some(index), Some(attr)) = (index, parts.next()) {
                let p = participants.entry(index).or_default();
                match attr {
                    "name" => p.name = value,
                    "role" => p.role = value,
                    "receives_supplement" => p.receives_supplement = !value.is_empty(),
                    _ => {}
                }
            }
            continue;
        }
        match key.as_str() {
            "version" => version = value.trim().parse().unwrap_or(0),
            "region_code" => region_code = value.trim().parse().ok(),
            "doctor_user_id" => doctor_user_id = value.trim().parse().ok(),
            "hospital_id" => input.hospital_id = value,
            "hospital_department" => input.hospital_department = value,
            "title" => input.title = value,
            "responsible_leader" => input.responsible_leader = value,
            "responsible_doctor" => input.responsible_doctor = value,
            "purpose" => input.purpose = value,
            "description" => input.description = value,
            "content" => input.content = value,
            "working_time_deviations" => input.working_time_deviations = value,
            "period_text" => input.period_text = value,
            "organisation" => input.organisation = value,
            "supplement_ore" => input.supplement_ore = value,
            "remarks" => input.remarks = value,
            "area_ids" => input.area_ids.push(value),
            "area_argument" => input.area_argument = value,
            "start_date" => input.start_date = value,
            "end_date" => input.end_date = value,
            "party_leader" => input.party_leader = value,
            "party_doctor" => input.party_doctor = value,
            "party_union" => input.party_union = value,
            "party_region" => input.party_region = value,
            "agreement_date" => input.agreement_date = value,
            _ => {}
        }
    }
    input.participants = participants.into_values().collect();
    Submitted {
        input,
        version,
        region_code,
        doctor_user_id,
    }
}

struct FormContext {
    region_code: i64,
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
    region_code: i64,
) -> PageResult<FormContext> {
    Ok(FormContext {
        region_code,
        rules: programmes::rules(conn, programme_id, region_code).await?,
        hospitals: org::hospitals(conn, Some(region_code)).await?,
        areas: programmes::areas(conn, programme_id, Some(region_code)).await?,
        tiers: programmes::tiers(conn, programme_id, Some(region_code)).await?,
        applicants: pulje_store::users::list(conn, pulje_domain::RegionCode::new(region_code))
            .await?
            .into_iter()
            .filter(|u| u.role == pulje_domain::Role::Applicant && !u.disabled)
            .map(|u| (u.id, format!("{} ({})", u.name, u.email)))
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
    let f = |name: &str, value: &str| field(name, value, errors);
    let mut hospitals = vec![Choice::new(
        "",
        "Vælg hospital",
        input.hospital_id.trim().is_empty(),
    )];
    hospitals.extend(
        ctx.hospitals
            .iter()
            .map(|h| Choice::new(h.id, &h.name, input.hospital_id.trim() == h.id.to_string())),
    );
    let mut tiers = vec![Choice::new(
        "",
        "Ikke valgt endnu",
        input.supplement_ore.trim().is_empty(),
    )];
    tiers.extend(ctx.tiers.iter().map(|t| {
        Choice::new(
            t.amount_ore,
            format!("{} – {}", t.name, views::kr(t.amount_ore)),
            input.supplement_ore.trim() == t.amount_ore.to_string(),
        )
    }));
    let areas = ctx
        .areas
        .iter()
        .map(|a| {
            Choice::new(
                a.id,
                &a.name,
                input.area_ids.iter().any(|v| v.trim() == a.id.to_string()),
            )
        })
        .collect();
    let regions = pulje_domain::RegionCode::all()
        .map(|r| Choice::new(r.code(), r.name(), i64::from(r.code()) == ctx.region_code))
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
        region: f("region_code", &ctx.region_code.to_string()),
        regions,
        hospital_id: f("hospital_id", &input.hospital_id),
        hospitals,
        show_doctor: user.user.role != pulje_domain::Role::Applicant,
        doctor: f("doctor_user_id", &doctor.map(|d| d.to_string()).unwrap_or_default())
            .hint("Den afdelingslæge, der underskriver aftalen og kan følge ansøgningen."),
        doctors: std::iter::once(Choice::new("", "Ingen valgt", doctor.is_none()))
            .chain(ctx.applicants.iter().map(|(id, label)| Choice::new(id, label, doctor == Some(*id))))
            .collect(),
        hospital_department: f("hospital_department", &input.hospital_department).hint("Som det skal stå i aftalen, fx hospital og afdeling."),
        title: f("title", &input.title),
        responsible_leader: f("responsible_leader", &input.responsible_leader),
        responsible_doctor: f("responsible_doctor", &input.responsible_doctor),
        purpose: f("purpose", &input.purpose),
        description: f("description", &input.description),
        content: f("content", &input.content).hint("Hvad er aftalt: opgaver, ansvar, tillæg og eventuel henvisning til overenskomstens paragraffer."),
        working_time_deviations: f("working_time_deviations", &input.working_time_deviations)
            .hint("Beskriv, hvis forsøget afviger fra overenskomstens regler om arbejdstid. Skriv «ingen», hvis det ikke gør."),
        participants,
        participants_error: f("participants", ""),
        period_text: f("period_text", &input.period_text).hint("Frivillig beskrivelse med egne ord; datoerne angives i afsnit C."),
        organisation: f("organisation", &input.organisation),
        supplement_ore: f("supplement_ore", &input.supplement_ore).hint("Tildeles den ansvarlige afdelingslæge, pr. år."),
        tiers,
        remarks: f("remarks", &input.remarks),
        area_ids: f("area_ids", ""),
        areas,
        area_argument: f("area_argument", &input.area_argument),
        start_date: f("start_date", &input.start_date),
        end_date: f("end_date", &input.end_date).hint(&format!("Senest {}.", views::date_da(ctx.rules.last_end()))),
        party_leader: f("party_leader", &input.party_leader),
        party_doctor: f("party_doctor", &input.party_doctor),
        party_union: f("party_union", &input.party_union),
        party_region: f("party_region", &input.party_region),
        agreement_date: f("agreement_date", &input.agreement_date),
        import: None,
    }
}

/// What the review screen of an imported form shows above the form.
struct ImportPanel {
    file_name: String,
    /// The original file (an attachment id), to compare with.
    original: Option<i64>,
    warnings: Vec<String>,
    unmapped_text: String,
    /// Evidence for a part of the form that has no single field (the participants).
    participants_source: Option<views::Source>,
}

impl FormPage {
    /// Shows, beside each field, the text of the file its value was read from.
    fn with_import(
        mut self,
        evidence: &pulje_app::imports::Evidence,
        unmapped_text: String,
        original: Option<i64>,
    ) -> FormPage {
        let source = |name: &str| {
            evidence.for_field(name).map(|e| views::Source {
                excerpt: e.source_excerpt.clone(),
                confidence: e.confidence_da().to_string(),
                level: e.confidence.clone(),
            })
        };
        for field in [
            &mut self.hospital_department,
            &mut self.title,
            &mut self.responsible_leader,
            &mut self.responsible_doctor,
            &mut self.purpose,
            &mut self.description,
            &mut self.content,
            &mut self.period_text,
            &mut self.organisation,
            &mut self.supplement_ore,
            &mut self.remarks,
            &mut self.area_ids,
            &mut self.start_date,
            &mut self.end_date,
            &mut self.agreement_date,
        ] {
            field.source = source(&field.name);
        }
        self.import = Some(ImportPanel {
            file_name: evidence.file_name.clone(),
            original,
            warnings: evidence.warnings.clone(),
            unmapped_text,
            participants_source: source("participants"),
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
        None => i64::from(pulje_domain::RegionCode::NORDJYLLAND.code()),
    };
    policy::can_create_in(&user, region_code)?;
    let mut conn = db.conn().await?;
    let ctx = form_context(&mut conn, OK21, region_code).await?;
    let input = ApplicationInput {
        responsible_doctor: if user.user.role == pulje_domain::Role::Applicant {
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
        (None, Some(chosen)) if pulje_domain::RegionCode::new(chosen).is_some() => chosen,
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
    let own = (user.user.role == pulje_domain::Role::Applicant).then_some(user.user.id);
    let place = Placement {
        programme_id: OK21,
        region_code,
        created_by: Some(user.user.id),
        doctor_user_id: own,
        imported: false,
    };
    let app = applications::create(&mut tx, &user.actor(), &place, &data).await?;
    if own.is_none() && submitted.doctor_user_id.is_some() {
        applications::assign_doctor(&mut tx, &user.actor(), app.id, submitted.doctor_user_id)
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
    Ok(form.with_import(&evidence, details.unmapped_text, original))
}

pub async fn edit(mut db: Db, user: CurrentUser, Path(id): Path<i64>) -> PageResult<Response> {
    let mut conn = db.conn().await?;
    let app = load(&mut conn, id).await?;
    policy::require_edit(&user, &app)?;
    let ctx = form_context(&mut conn, &app.programme_id, app.region_code).await?;
    let form = form_page(
        &user,
        app.doctor_user_id,
        format!("Rediger: {}", app.data.title),
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
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult<Response> {
    let submitted = parse_form(pairs);
    let mut conn = db.conn().await?;
    let app = load(&mut conn, id).await?;
    policy::require_edit(&user, &app)?;
    let ctx = form_context(&mut conn, &app.programme_id, app.region_code).await?;
    drop(conn);
    let heading = format!("Rediger: {}", app.data.title);
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
    match applications::update(&mut tx, &user.actor(), id, submitted.version, &data).await {
        Ok(updated) => {
            if user.user.role != pulje_domain::Role::Applicant
                && submitted.doctor_user_id != updated.doctor_user_id
            {
                applications::assign_doctor(&mut tx, &user.actor(), id, submitted.doctor_user_id)
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
