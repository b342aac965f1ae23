//! The idea catalogue's search index: the Danish stems of each trial's words in `search_terms`.
//!
//! Words are split on anything that is not a letter or digit (so "ledelses-" and "ledelses- og
//! uddannelsesopgaver" give "ledelses" and "uddannelsesopgaver"), lower-cased, common Danish
//! function words dropped, and reduced with the Snowball Danish stemmer (`rust-stemmers`):
//! "ledelse", "ledelsen" and "ledelses" all become "ledels". The same happens to a query, and
//! every query stem must match (AND). A query stem of four letters or more also matches stored
//! stems that *begin* with it, so "forskning" finds "forskningsprojekt" and "ledelse" finds
//! "ledelsesopgaver": Danish compounds put the modifier first. A word that is only the *last*
//! part of a compound ("uddannelse" in "lægeuddannelsen") is not found; the stemmer does not
//! split compounds and an infix match would find too much.
//!
//! Applications are indexed whatever their status, whenever their text is written
//! ([`crate::applications::create`] and [`crate::applications::update`]); the catalogue filters on
//! status when it reads, so approval, withdrawal or ending never leaves the index stale.
//! Historic trials are indexed when imported ([`crate::trials::import`]).

use crate::sql::Sql;
use crate::{Result, Tx};
use rust_stemmers::{Algorithm, Stemmer};
use std::collections::BTreeSet;

/// Words too common to search for.
const STOP_WORDS: &[&str] = &[
    "af", "alle", "at", "de", "dem", "den", "der", "det", "du", "efter", "eller", "en", "er", "et",
    "for", "fra", "har", "hos", "i", "ikke", "jeg", "kan", "med", "men", "og", "om", "på", "som",
    "til", "ud", "under", "ved", "vi", "være",
];

/// A query stem shorter than this only matches whole stems.
pub const MIN_PREFIX_LEN: usize = 4;

/// The distinct stems of `text`, in order.
pub fn stems(text: &str) -> Vec<String> {
    let stemmer = Stemmer::create(Algorithm::Danish);
    let mut out = BTreeSet::new();
    for word in text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        let lower = word.to_lowercase();
        if STOP_WORDS.contains(&lower.as_str()) {
            continue;
        }
        let stem = stemmer.stem(&lower).into_owned();
        if !stem.is_empty() && stem.chars().count() <= 100 {
            out.insert(stem);
        }
    }
    out.into_iter().collect()
}

/// Rewrites the index of application `id` from its stored text: title, department, purpose,
/// description, content, area argument and the names of its areas.
pub async fn index_application(tx: &mut Tx<'_>, id: i64) -> Result<()> {
    sqlx::query("DELETE FROM search_terms WHERE application_id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    let texts: Option<(String, String, String, String, String, String)> = sqlx::query_as(
        "SELECT title, hospital_department, purpose, description, content, area_argument \
         FROM applications WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?;
    let Some((a, b, c, d, e, f)) = texts else {
        return Ok(());
    };
    let areas: Vec<String> = sqlx::query_scalar(
        "SELECT ar.name FROM application_areas aa JOIN areas ar ON ar.id = aa.area_id WHERE aa.application_id = $1",
    )
    .bind(id)
    .fetch_all(&mut **tx)
    .await?;
    let text = format!("{a}\n{b}\n{c}\n{d}\n{e}\n{f}\n{}", areas.join("\n"));
    for term in stems(&text) {
        sqlx::query("INSERT INTO search_terms (term, application_id) VALUES ($1, $2)")
            .bind(term)
            .bind(id)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Rewrites the index of historic trial `id`: title, department, hospital and area.
pub async fn index_trial(tx: &mut Tx<'_>, id: i64) -> Result<()> {
    sqlx::query("DELETE FROM search_terms WHERE historic_trial_id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    let texts: Option<(String, String, String, String)> = sqlx::query_as(
        "SELECT title, department, hospital, area FROM historic_trials WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?;
    let Some((a, b, c, d)) = texts else {
        return Ok(());
    };
    for term in stems(&format!("{a}\n{b}\n{c}\n{d}")) {
        sqlx::query("INSERT INTO search_terms (term, historic_trial_id) VALUES ($1, $2)")
            .bind(term)
            .bind(id)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// One word of a query: its stem, and the prefixes a stored stem may begin with to match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryWord {
    pub stem: String,
    pub prefixes: Vec<String>,
}

/// The words of a query. A stem of [`MIN_PREFIX_LEN`] letters or more is also a prefix, and so
/// is the word as typed (lower-cased) when it is longer than the stem: the Danish stemmer cuts
/// "ledelse" to "led", which alone would miss the compound "ledelsesopgaver" (stem
/// "ledelsesopgav"), while "ledelse%" finds it.
pub fn query(text: &str) -> Vec<QueryWord> {
    let stemmer = Stemmer::create(Algorithm::Danish);
    let mut out: Vec<QueryWord> = Vec::new();
    for word in text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        let lower = word.to_lowercase();
        if STOP_WORDS.contains(&lower.as_str()) || lower.chars().count() > 100 {
            continue;
        }
        let stem = stemmer.stem(&lower).into_owned();
        if stem.is_empty() || out.iter().any(|w| w.stem == stem) {
            continue;
        }
        let mut prefixes = Vec::new();
        if stem.chars().count() >= MIN_PREFIX_LEN {
            prefixes.push(stem.clone());
        }
        // The typed word adds something only when the stem is too short to be a prefix itself.
        if stem.chars().count() < MIN_PREFIX_LEN && lower.chars().count() > MIN_PREFIX_LEN {
            prefixes.push(lower.clone());
        }
        out.push(QueryWord { stem, prefixes });
    }
    out
}

/// Appends the SQL condition (on `search_terms`, aliased `st`) for one query word. Stems hold
/// letters and digits only, so no LIKE wildcard can sneak in.
pub(crate) fn term_condition(sql: &mut Sql, word: &QueryWord) {
    sql.push("(st.term = ").push_arg(&word.stem);
    for p in &word.prefixes {
        sql.push(" OR st.term LIKE ").push_arg(format!("{p}%"));
    }
    sql.push(")");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn danish_inflections_share_a_stem() {
        let s = |t: &str| stems(t);
        assert_eq!(s("ledelse"), s("ledelsen"));
        assert_eq!(s("ledelse"), s("Ledelses-"));
        assert_eq!(s("forskning"), s("forskningen"));
        assert_eq!(s("ledelses- og uddannelsesopgaver")[0], s("ledelse")[0]);
        assert!(s("og i at på").is_empty());
        assert!(s("forskningsprojekt")[0].starts_with(&s("forskning")[0]));
    }

    #[test]
    fn query_words_match_their_stem_and_compounds() {
        let q = query("Ledelse og forskning");
        assert_eq!(q.len(), 2);
        assert_eq!(q[0].stem, stems("ledelse")[0]);
        assert!(q[0].prefixes.contains(&"ledelse".to_string()));
        assert!(stems("ledelsesopgaver")[0].starts_with("ledelse"));
        assert_eq!(q[1].prefixes, vec!["forskning".to_string()]);
        let mut sql = Sql::new("SELECT 1 WHERE $1 = $2 AND $3 = 1 AND ");
        for _ in 0..3 {
            sql.arg(0_i64);
        }
        term_condition(&mut sql, &q[1]);
        assert!(sql
            .text()
            .ends_with("AND (st.term = $4 OR st.term LIKE $5)"));
        assert_eq!(sql.args()[3..], ["forskning".into(), "forskning%".into()]);
    }
}
