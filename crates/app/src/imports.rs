//! Bringing in what the regions already have: each agreement form in a file (a file may hold
//! several) becomes a draft application marked as imported, in a transaction of its own (its
//! original file kept as an attachment, text that fitted no field kept beside it, the
//! recogniser's evidence kept for the review screen); a trial list becomes the region's
//! historic trials in one transaction. Used by the upload pages and the CLI.

use pulje_domain::{ApplicationId, HospitalId, RegionCode, UserId};
use pulje_import::{application, FieldEvidence, Limits};
use pulje_store::applications::{self, ImportDetails, Placement};
use pulje_store::attachments::{self, NewAttachment, Owner, Purpose};
use pulje_store::trials::{self, NewTrial};
use pulje_store::{org, programmes, Actor, Handle, StoreError};
use serde::{Deserialize, Serialize};

/// Why a file was not imported.
#[derive(Debug)]
pub enum ImportFailure {
    /// The file itself: unreadable, not a form, refused by the rules. A Danish message that
    /// names the file; nothing was stored.
    File(String),
    /// The database failed; nothing was stored.
    Store(StoreError),
}

impl From<StoreError> for ImportFailure {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Refused(message) => ImportFailure::File(message),
            e => ImportFailure::Store(e),
        }
    }
}

impl From<pulje_store::DbError> for ImportFailure {
    fn from(e: pulje_store::DbError) -> Self {
        ImportFailure::Store(e.into())
    }
}

/// The recogniser's evidence as kept with an imported application (`import_json`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Evidence {
    pub file_name: String,
    pub warnings: Vec<String>,
    pub fields: Vec<FieldSource>,
}

/// Where one field's value came from in the file, and how sure the recogniser was.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FieldSource {
    /// The import contract's key (`title`, `start_date`, `areas`, …).
    pub key: String,
    pub value: String,
    pub source_excerpt: String,
    /// Where in the file ("linje 12", "tabel 1, række 3, celle 2"); empty in evidence kept
    /// before places were recorded.
    #[serde(default)]
    pub location: String,
    /// `high`, `medium` or `low`.
    pub confidence: String,
    /// A Danish note when the reading is unsure.
    #[serde(default)]
    pub warning: Option<String>,
}

impl FieldSource {
    fn of(e: &FieldEvidence) -> FieldSource {
        FieldSource {
            key: e.key.to_string(),
            value: e.value.clone(),
            source_excerpt: e.source_excerpt.clone(),
            location: e.location.clone(),
            warning: e.warning.clone(),
            confidence: match e.confidence {
                pulje_import::Confidence::High => "high",
                pulje_import::Confidence::Medium => "medium",
                pulje_import::Confidence::Low => "low",
            }
            .to_string(),
        }
    }

    /// The confidence in Danish.
    pub fn confidence_da(&self) -> &'static str {
        match self.confidence.as_str() {
            "high" => "sikker",
            "medium" => "nogenlunde sikker",
            _ => "usikker – kontrollér",
        }
    }
}

impl Evidence {
    pub fn parse(json: Option<&str>) -> Option<Evidence> {
        json.and_then(|j| serde_json::from_str(j).ok())
    }

    /// The evidence for a form field (the application form's field name).
    pub fn for_field(&self, form_field: &str) -> Option<&FieldSource> {
        let key = match form_field {
            "supplement_ore" => "supplement_dkk",
            "area_ids" => "areas",
            f => f,
        };
        self.fields.iter().find(|f| f.key == key)
    }
}

/// Where imported forms go and who is taken to have written them.
pub struct Destination<'a> {
    pub programme_id: &'a str,
    pub region_code: RegionCode,
    /// The importing user (`None` from the command line).
    pub created_by: Option<UserId>,
    /// The responsible afdelingslæge's account, when the importer is that applicant.
    pub doctor_user_id: Option<UserId>,
}

/// An agreement form stored as a draft.
#[derive(Debug, Clone, Serialize)]
pub struct ImportedForm {
    pub application_id: ApplicationId,
    pub title: String,
    pub warnings: Vec<String>,
}

/// Reads every agreement form in `bytes` and stores each as an imported draft with the
/// original file, one transaction per agreement; the drafts in the file's order.
pub async fn import_forms(
    db: &mut Handle,
    actor: &Actor,
    to: &Destination<'_>,
    file_name: &str,
    content_type: &str,
    bytes: Vec<u8>,
    limits: &Limits,
) -> Result<Vec<ImportedForm>, ImportFailure> {
    let mut conn = db.conn().await?;
    let rules = programmes::rules(&mut conn, to.programme_id, to.region_code).await?;
    let areas: Vec<application::Named> =
        programmes::areas(&mut conn, to.programme_id, Some(to.region_code))
            .await?
            .into_iter()
            .map(|a| application::Named {
                id: i64::from(a.id),
                name: a.name,
            })
            .collect();
    let hospitals: Vec<application::Named> = org::hospitals(&mut conn, Some(to.region_code))
        .await?
        .into_iter()
        .map(|h| application::Named {
            id: i64::from(h.id),
            name: h.name,
        })
        .collect();
    drop(conn);

    // Parsing is CPU work on untrusted bytes: off the async workers.
    let name = file_name.to_string();
    let limits_copy = *limits;
    let area_names: Vec<String> = areas.iter().map(|a| a.name.clone()).collect();
    let (forms, bytes) = tokio::task::spawn_blocking(move || {
        let mut known: Vec<&str> = area_names.iter().map(String::as_str).collect();
        if known.is_empty() {
            known = pulje_import::areas::MIDTJYLLAND.to_vec();
        }
        let result = pulje_import::extract_document(&name, &bytes, &limits_copy)
            .and_then(|doc| pulje_import::parse_document(&name, &doc, &known));
        (result, bytes)
    })
    .await
    .map_err(|_| ImportFailure::File(format!("Filen «{file_name}» kunne ikke læses.")))?;
    let forms = forms.map_err(|e| ImportFailure::File(e.to_string()))?;

    let mut stored = Vec::with_capacity(forms.len());
    for form in &forms {
        let one = store_form(
            db,
            actor,
            to,
            file_name,
            content_type,
            &bytes,
            form,
            &hospitals,
            &areas,
            &rules,
        )
        .await?;
        stored.push(one);
    }
    Ok(stored)
}

/// One agreement stored as an imported draft, in its own transaction.
#[allow(clippy::too_many_arguments)]
async fn store_form(
    db: &mut Handle,
    actor: &Actor,
    to: &Destination<'_>,
    file_name: &str,
    content_type: &str,
    bytes: &[u8],
    form: &pulje_import::FormExtract,
    hospitals: &[application::Named],
    areas: &[application::Named],
    rules: &pulje_domain::ApplicationRules,
) -> Result<ImportedForm, ImportFailure> {
    let draft = application::to_draft(form, hospitals, areas, rules, file_name)
        .map_err(|m| ImportFailure::File(format!("«{file_name}»: {m}")))?;
    let evidence = Evidence {
        file_name: file_name.to_string(),
        warnings: draft.warnings.clone(),
        fields: form.fields.iter().map(FieldSource::of).collect(),
    };
    let import_json = serde_json::to_string(&evidence)
        .map_err(|_| ImportFailure::File(format!("Filen «{file_name}» kunne ikke læses.")))?;

    let mut tx = db.begin().await?;
    let place = Placement {
        programme_id: to.programme_id,
        region_code: to.region_code,
        created_by: to.created_by,
        doctor_user_id: to.doctor_user_id,
        imported: true,
    };
    let app = applications::create(&mut tx, actor, &place, &draft.data).await?;
    applications::record_import(
        &mut tx,
        actor,
        &app,
        &ImportDetails {
            unmapped_text: draft.unmapped_text.clone(),
            import_json: Some(import_json),
        },
    )
    .await?;
    attachments::insert(
        &mut tx,
        actor,
        NewAttachment {
            region_code: to.region_code,
            owner: Owner::Application(app.id),
            purpose: Purpose::ImportSource,
            file_name,
            content_type,
            data: bytes,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(ImportedForm {
        application_id: app.id,
        title: draft.data.title().to_string(),
        warnings: draft.warnings,
    })
}

/// The region an agreement form belongs to, read from the form itself: the region whose
/// hospital the A1 field names (of the file's first agreement). For the command line, where no
/// user's region says it.
pub async fn infer_region(
    db: &mut Handle,
    file_name: &str,
    bytes: &[u8],
    limits: &Limits,
) -> Result<RegionCode, ImportFailure> {
    let name = file_name.to_string();
    let data = bytes.to_vec();
    let limits = *limits;
    let form = tokio::task::spawn_blocking(move || {
        pulje_import::extract_document(&name, &data, &limits).and_then(|doc| {
            pulje_import::parse_document(&name, &doc, &pulje_import::areas::MIDTJYLLAND)
                .map(|mut forms| forms.swap_remove(0))
        })
    })
    .await
    .map_err(|_| ImportFailure::File(format!("Filen «{file_name}» kunne ikke læses.")))?
    .map_err(|e| ImportFailure::File(e.to_string()))?;
    let mut conn = db.conn().await?;
    let hospitals = org::hospitals(&mut conn, None).await?;
    drop(conn);
    let named: Vec<application::Named> = hospitals
        .iter()
        .map(|h| application::Named {
            id: i64::from(h.id),
            name: h.name.clone(),
        })
        .collect();
    application::hospital_of(&form.hospital_department, &named)
        .and_then(|found| hospitals.iter().find(|h| h.id == HospitalId::new(found.id)))
        .map(|h| h.region_code)
        .ok_or_else(|| {
            ImportFailure::File(format!(
                "Regionen kunne ikke udledes af «{file_name}» (hospitalet i A1 er ikke kendt); angiv den med --region."
            ))
        })
}

/// A trial list stored as the region's historic trials.
#[derive(Debug, Clone, Serialize)]
pub struct ImportedTrials {
    pub rows: usize,
    pub added: usize,
    pub updated: usize,
    pub warnings: Vec<String>,
}

/// Reads a trial list and stores its rows in one transaction (all or nothing).
pub async fn import_trials(
    db: &mut Handle,
    actor: &Actor,
    programme_id: &str,
    region_code: RegionCode,
    file_name: &str,
    bytes: Vec<u8>,
    limits: &Limits,
) -> Result<ImportedTrials, ImportFailure> {
    let list = read_trial_list(db, programme_id, region_code, file_name, bytes, limits).await?;
    let rows: Vec<NewTrial> = list.rows.iter().map(new_trial).collect();
    let mut tx = db.begin().await?;
    let done = trials::import(&mut tx, actor, programme_id, region_code, file_name, &rows).await?;
    tx.commit().await?;
    Ok(ImportedTrials {
        rows: rows.len(),
        added: done.added,
        updated: done.updated,
        warnings: list.warnings,
    })
}

/// Reads a trial list against the region's area names, without storing it.
pub async fn read_trial_list(
    db: &mut Handle,
    programme_id: &str,
    region_code: RegionCode,
    file_name: &str,
    bytes: Vec<u8>,
    limits: &Limits,
) -> Result<pulje_import::TrialList, ImportFailure> {
    let mut conn = db.conn().await?;
    let area_names: Vec<String> = programmes::areas(&mut conn, programme_id, Some(region_code))
        .await?
        .into_iter()
        .map(|a| a.name)
        .collect();
    drop(conn);
    let name = file_name.to_string();
    let limits = *limits;
    tokio::task::spawn_blocking(move || {
        let known: Vec<&str> = if area_names.is_empty() {
            pulje_import::areas::for_region(region_code.code()).to_vec()
        } else {
            area_names.iter().map(String::as_str).collect()
        };
        pulje_import::read_trials(&name, &bytes, &limits, &known)
    })
    .await
    .map_err(|_| ImportFailure::File(format!("Filen «{file_name}» kunne ikke læses.")))?
    .map_err(|e| ImportFailure::File(e.to_string()))
}

fn new_trial(row: &pulje_import::TrialRow) -> NewTrial {
    NewTrial {
        number: i64::from(row.number),
        hospital: row.hospital.clone(),
        department: row.department.clone(),
        area: row.area.clone().unwrap_or_default(),
        doctor_count: i64::from(row.doctor_count),
        title: row.title.clone(),
        evaluation_attached: row.evaluation_attached,
    }
}
