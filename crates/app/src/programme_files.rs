//! The files of a programme's application form: an attachment field's value is the list of its
//! files' ids, and the files are kept with the application (`pulje_store::programme_files`).
//! Saving the form settles them in the save's transaction: files sent with it are checked and
//! kept and their ids added to their fields, a listed id must be one of the application's own
//! files in that field, and a file no field lists any more is deleted.

use crate::files::{form_file_kinds, form_file_type_of, FORM_FILE_MAX_BYTES};
use crate::{Error, Result};
use pulje_domain::programme::values::FILES_MAX;
use pulje_domain::programme::{Definition, FieldKind};
use pulje_domain::{FieldErrors, ProgrammeFileId};
use pulje_store::audit::Actor;
use pulje_store::programme_applications::ProgrammeApplication;
use pulje_store::programme_files::{self as store, NewFile, ProgrammeFile};
use pulje_store::Tx;
use serde_json::{Map, Value as Json};

/// A file sent for one of the form's attachment fields.
#[derive(Debug, Clone)]
pub struct Upload {
    /// The attachment field's name.
    pub field: String,
    pub file_name: String,
    pub data: Vec<u8>,
}

/// The ids an attachment field's value lists, as sent (numbers or numbers as text).
fn listed(value: Option<&Json>) -> Vec<i64> {
    let one = |v: &Json| match v {
        Json::Number(n) => n.as_i64(),
        Json::String(s) => s.trim().parse().ok(),
        _ => None,
    };
    match value {
        Some(Json::Array(items)) => items.iter().filter_map(one).collect(),
        Some(v) => one(v).into_iter().collect(),
        None => Vec::new(),
    }
}

/// Settles the files of `app` (stored, so it has an id) for a save of `fields`: checks every
/// listed id and every upload, keeps the uploads and lists them in their fields (in `fields`),
/// and deletes the files no field lists. `Ok(Err(..))` names each problem by its field; the
/// caller then drops the transaction, so nothing is kept.
pub async fn settle(
    tx: &mut Tx<'_>,
    actor: &Actor,
    def: &Definition,
    app: &ProgrammeApplication,
    fields: &mut Map<String, Json>,
    uploads: &[Upload],
) -> Result<std::result::Result<(), FieldErrors>> {
    let existing = store::list(tx, app.id).await?;
    let mut errors = FieldErrors::new();
    let attachment_fields: Vec<_> = def
        .form
        .fields()
        .filter(|f| f.kind == FieldKind::Attachment)
        .collect();
    for f in &attachment_fields {
        for id in listed(fields.get(&f.name)) {
            if !existing
                .iter()
                .any(|e| e.id.get() == id && e.field == f.name)
            {
                errors.add(
                    f.name.clone(),
                    format!("«{}»: bilag nr. {id} hører ikke til ansøgningen.", f.label),
                );
            }
        }
    }
    for up in uploads {
        let Some(f) = attachment_fields.iter().find(|f| f.name == up.field) else {
            errors.add(
                up.field.clone(),
                format!("Formularen har intet bilagsfelt «{}».", up.field),
            );
            continue;
        };
        let name = up.file_name.trim();
        if name.is_empty() || name.chars().count() > 255 {
            errors.add(
                f.name.clone(),
                format!("«{}»: filens navn skal have 1 til 255 tegn.", f.label),
            );
        } else if form_file_type_of(name).is_none() {
            errors.add(
                f.name.clone(),
                format!(
                    "«{}»: «{name}» kan ikke vedhæftes. Brug en af filtyperne {}.",
                    f.label,
                    form_file_kinds()
                ),
            );
        } else if up.data.is_empty() {
            errors.add(f.name.clone(), format!("«{}»: «{name}» er tom.", f.label));
        } else if up.data.len() > FORM_FILE_MAX_BYTES {
            errors.add(
                f.name.clone(),
                format!(
                    "«{}»: «{name}» er større end {} MB.",
                    f.label,
                    FORM_FILE_MAX_BYTES / (1024 * 1024)
                ),
            );
        }
    }
    for f in &attachment_fields {
        let count = listed(fields.get(&f.name)).len()
            + uploads.iter().filter(|u| u.field == f.name).count();
        if count > FILES_MAX {
            errors.add(
                f.name.clone(),
                format!("«{}» kan højst have {FILES_MAX} filer.", f.label),
            );
        }
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    for up in uploads {
        let file = store::insert(
            tx,
            actor,
            NewFile {
                application_id: app.id,
                region_code: app.region_code,
                field: &up.field,
                file_name: &up.file_name,
                content_type: form_file_type_of(&up.file_name).unwrap_or_default(),
                data: &up.data,
            },
        )
        .await?;
        let mut ids = listed(fields.get(&up.field));
        ids.push(file.id.get());
        fields.insert(up.field.clone(), Json::from(ids));
    }
    let kept: Vec<i64> = attachment_fields
        .iter()
        .flat_map(|f| listed(fields.get(&f.name)))
        .collect();
    for old in existing.iter().filter(|e| !kept.contains(&e.id.get())) {
        store::delete(tx, actor, old).await?;
    }
    Ok(Ok(()))
}

/// A file of an application the caller has loaded under the policy, with its bytes.
pub async fn read(
    conn: &mut pulje_store::Connection,
    app: &ProgrammeApplication,
    id: ProgrammeFileId,
) -> Result<(ProgrammeFile, Vec<u8>)> {
    let file = store::get(conn, app.id, id).await?.ok_or(Error::NotFound)?;
    let data = store::data(conn, app.id, id)
        .await?
        .ok_or(Error::NotFound)?;
    Ok((file, data))
}
