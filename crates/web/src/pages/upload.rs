//! Reading a multipart upload form: its text fields and files, stopping past a size limit, and
//! checking its CSRF field (multipart bodies carry the token inside, where only the handler can
//! read it; see `auth::MultipartCsrf`). A form that may carry files or not, such as a
//! programme's application form, is read with [`FormOrUpload`] either way.

use crate::auth::MultipartCsrf;
use crate::error::AppError;
use axum::extract::Multipart;
use axum::http::StatusCode;
use axum::Extension;
use std::collections::HashMap;

/// The most bytes one text field of an upload form may hold; a longer one is refused as soon as
/// it passes this, without being read further.
pub const TEXT_FIELD_LIMIT: usize = 128 * 1024;
/// The most text fields an upload form may have (a programme's form repeats its people's rows).
pub const TEXT_FIELDS_MAX: usize = 1000;

/// One uploaded file.
pub struct File {
    /// The form's field it was chosen in.
    pub field: String,
    pub name: String,
    pub content_type: String,
    pub data: Vec<u8>,
}

/// What an upload form sent.
#[derive(Default)]
pub struct Upload {
    fields: HashMap<String, String>,
    /// The text fields in the order sent, repeated names kept.
    pub pairs: Vec<(String, String)>,
    pub files: Vec<File>,
    /// The files together were larger than the limit; reading stopped there.
    pub too_big: bool,
}

impl Upload {
    /// A text field, trimmed; empty when it was not sent.
    pub fn field(&self, name: &str) -> &str {
        self.fields.get(name).map(|v| v.trim()).unwrap_or("")
    }

    /// Refuses the upload unless it carries the session's CSRF token. A too-big body may have
    /// been cut before the token; it is refused for its size instead.
    pub fn check_csrf(&self, expected: &Option<Extension<MultipartCsrf>>) -> Result<(), AppError> {
        if let Some(Extension(expected)) = expected {
            if !self.too_big && !expected.verify(self.field("csrf_token")) {
                return Err(AppError::Forbidden(
                    "Formularen var forældet eller mangler sikkerhedsnøgle (CSRF). Genindlæs siden og prøv igen.".into(),
                ));
            }
        }
        Ok(())
    }
}

/// A text field's value, read chunk by chunk and refused (with the field's name) once it passes
/// [`TEXT_FIELD_LIMIT`], or when it is not UTF-8 or holds the NUL character, which the database
/// cannot store. `None` when the body as a whole passed the server's limit.
async fn read_text(
    field: &mut axum::extract::multipart::Field<'_>,
    name: &str,
) -> Result<Option<String>, AppError> {
    let shown: String = name.chars().filter(|c| !c.is_control()).take(100).collect();
    let mut bytes = Vec::new();
    loop {
        match field.chunk().await {
            Ok(Some(chunk)) => {
                if bytes.len() + chunk.len() > TEXT_FIELD_LIMIT {
                    return Err(AppError::Invalid(format!(
                        "Feltet «{shown}» er for langt: højst {} KB.",
                        TEXT_FIELD_LIMIT / 1024
                    )));
                }
                bytes.extend_from_slice(&chunk);
            }
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Ok(None),
            Err(_) => {
                return Err(AppError::Invalid(
                    "Formularen kunne ikke læses. Prøv igen.".into(),
                ))
            }
        }
    }
    let text = String::from_utf8(bytes).map_err(|_| {
        AppError::Invalid(format!("Feltet «{shown}» er ikke gyldig tekst (UTF-8)."))
    })?;
    if text.contains('\0') || name.contains('\0') {
        return Err(AppError::Invalid(format!(
            "Feltet «{shown}» indeholder tegnet NUL, som ikke kan gemmes. Fjern det, og send formularen igen."
        )));
    }
    Ok(Some(text))
}

/// Reads the form: every part sent as a file (it has a file name) a file, everything else
/// text (each at most [`TEXT_FIELD_LIMIT`] bytes, at most [`TEXT_FIELDS_MAX`] of them), at most
/// `limit` bytes of files in all. A file input left empty sends one empty, nameless part; it is
/// skipped.
pub async fn read(mut multipart: Multipart, limit: usize) -> Result<Upload, AppError> {
    let mut up = Upload::default();
    let mut total = 0usize;
    loop {
        let mut field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                up.too_big = true;
                break;
            }
            Err(_) => return Err(unreadable()),
        };
        let name = field.name().unwrap_or("").to_string();
        let Some(file_name) = field.file_name().map(|n| n.trim().to_string()) else {
            if up.pairs.len() >= TEXT_FIELDS_MAX {
                return Err(AppError::Invalid("Formularen har for mange felter.".into()));
            }
            let Some(text) = read_text(&mut field, &name).await? else {
                up.too_big = true;
                break;
            };
            up.fields.insert(name.clone(), text.clone());
            up.pairs.push((name, text));
            continue;
        };
        let content_type = field
            .content_type()
            .unwrap_or("application/octet-stream")
            .to_string();
        let mut data = Vec::new();
        loop {
            match field.chunk().await {
                Ok(Some(bytes)) => {
                    total += bytes.len();
                    if total > limit {
                        up.too_big = true;
                        break;
                    }
                    data.extend_from_slice(&bytes);
                }
                Ok(None) => break,
                Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                    up.too_big = true;
                    break;
                }
                Err(_) => {
                    return Err(AppError::Invalid(
                        "Filen kunne ikke modtages. Prøv igen.".into(),
                    ))
                }
            }
        }
        if up.too_big {
            break;
        }
        if !(file_name.is_empty() && data.is_empty()) {
            up.files.push(File {
                field: name,
                name: if file_name.is_empty() {
                    "uden navn".into()
                } else {
                    file_name
                },
                content_type,
                data,
            });
        }
    }
    Ok(up)
}

fn unreadable() -> AppError {
    AppError::Invalid("Formularen kunne ikke læses. Prøv igen.".into())
}

/// A form sent either as `application/x-www-form-urlencoded` or, when it carries files, as
/// `multipart/form-data` (whose CSRF field is checked here): its text fields as pairs, and its
/// files. A multipart body larger than [`pulje_app::files::FORM_UPLOAD_MAX_BYTES`] is refused.
pub struct FormOrUpload {
    pub pairs: Vec<(String, String)>,
    pub files: Vec<File>,
}

impl<S: Send + Sync> axum::extract::FromRequest<S> for FormOrUpload {
    type Rejection = AppError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, AppError> {
        let is_multipart = req
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("multipart/form-data"));
        if !is_multipart {
            // The page forms' extractor: NUL refused by field name.
            let crate::extract::Form(pairs) =
                crate::extract::Form::<Vec<(String, String)>>::from_request(req, state).await?;
            return Ok(FormOrUpload {
                pairs,
                files: Vec::new(),
            });
        }
        let expected = req.extensions().get::<MultipartCsrf>().cloned();
        let multipart = Multipart::from_request(req, state)
            .await
            .map_err(|_| unreadable())?;
        let up = read(multipart, pulje_app::files::FORM_UPLOAD_MAX_BYTES).await?;
        if up.too_big {
            return Err(AppError::Invalid(format!(
                "Filerne fylder mere end {} MB tilsammen. Send dem i flere omgange.",
                pulje_app::files::FORM_UPLOAD_MAX_BYTES / (1024 * 1024)
            )));
        }
        up.check_csrf(&expected.map(Extension))?;
        Ok(FormOrUpload {
            pairs: up.pairs,
            files: up.files,
        })
    }
}
