//! Files people hand in: which kinds are accepted where, by their name's extension, and how a
//! kept file is served (its type and a download name that survives any browser).

/// The largest file in an attachment field of a programme's form.
pub const FORM_FILE_MAX_BYTES: usize = 10 * 1024 * 1024;
/// The most bytes of files one save of a programme's form may carry.
pub const FORM_UPLOAD_MAX_BYTES: usize = 25 * 1024 * 1024;

/// Documents: accepted as an evaluation file and in a form's attachment field.
const DOCUMENTS: &[(&str, &str)] = &[
    ("pdf", "application/pdf"),
    (
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    ("doc", "application/msword"),
    ("odt", "application/vnd.oasis.opendocument.text"),
    (
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    ("txt", "text/plain; charset=utf-8"),
];

/// Spreadsheets and pictures besides: accepted in a form's attachment field (a budget, a
/// photographed course programme), and served as what they are.
const MORE: &[(&str, &str)] = &[
    ("xls", "application/vnd.ms-excel"),
    ("ods", "application/vnd.oasis.opendocument.spreadsheet"),
    ("csv", "text/csv; charset=utf-8"),
    ("png", "image/png"),
    ("jpg", "image/jpeg"),
    ("jpeg", "image/jpeg"),
];

fn extension(file_name: &str) -> Option<String> {
    Some(file_name.rsplit_once('.')?.1.to_ascii_lowercase())
}

fn find(list: &[(&str, &'static str)], file_name: &str) -> Option<&'static str> {
    let ext = extension(file_name)?;
    list.iter().find(|(e, _)| *e == ext).map(|(_, t)| *t)
}

/// The content type of an evaluation handed in as a file, or `None` when the kind is not
/// accepted.
pub fn evaluation_type_of(file_name: &str) -> Option<&'static str> {
    find(DOCUMENTS, file_name)
}

/// The content type of a file for a form's attachment field, or `None` when the kind is not
/// accepted.
pub fn form_file_type_of(file_name: &str) -> Option<&'static str> {
    find(DOCUMENTS, file_name).or_else(|| find(MORE, file_name))
}

/// The kinds a form's attachment field accepts, for messages: "PDF, DOCX, …".
pub fn form_file_kinds() -> String {
    DOCUMENTS
        .iter()
        .chain(MORE)
        .map(|(e, _)| e.to_ascii_uppercase())
        .filter(|e| e != "JPEG")
        .collect::<Vec<_>>()
        .join(", ")
}

/// The content type a kept file is served with: an accepted kind, else bytes.
pub fn served_type_of(file_name: &str) -> &'static str {
    form_file_type_of(file_name).unwrap_or("application/octet-stream")
}

/// A `Content-Disposition` that downloads the file under its name: plain ASCII for old
/// browsers, the exact name in UTF-8 for the rest.
pub fn disposition(file_name: &str) -> String {
    let ascii: String = file_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || " ._-()".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = file_name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"._-".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_by_place() {
        assert_eq!(
            evaluation_type_of("Evaluering.PDF"),
            Some("application/pdf")
        );
        assert_eq!(evaluation_type_of("x.exe"), None);
        assert_eq!(
            evaluation_type_of("skanning.png"),
            None,
            "not an evaluation"
        );
        assert_eq!(
            form_file_type_of("Budget.XLS"),
            Some("application/vnd.ms-excel")
        );
        assert_eq!(form_file_type_of("program.jpeg"), Some("image/jpeg"));
        assert_eq!(form_file_type_of("uden-endelse"), None);
        assert_eq!(served_type_of("Skanning.JPG"), "image/jpeg");
        assert_eq!(served_type_of("skanning.tif"), "application/octet-stream");
        assert_eq!(
            form_file_kinds(),
            "PDF, DOCX, DOC, ODT, XLSX, TXT, XLS, ODS, CSV, PNG, JPG"
        );
    }

    #[test]
    fn download_names() {
        assert_eq!(
            disposition("Ærø \"evaluering\".pdf"),
            "attachment; filename=\"_r_ _evaluering_.pdf\"; filename*=UTF-8''%C3%86r%C3%B8%20%22evaluering%22.pdf"
        );
    }
}
