//! The choices of the application list's filters — the programme's areas and rounds, and the
//! hospitals — read as three JSON arrays of one statement ([`crate::bulk`]).

use crate::bulk;
use crate::org::Hospital;
use crate::programmes::{Area, Round, AREA_COLUMNS};
use crate::Result;
use pulje_domain::RegionCode;
use sqlx::AnyConnection;

#[derive(Debug, Clone)]
pub struct FilterChoices {
    /// By region, then in the region's order.
    pub areas: Vec<Area>,
    /// By region, then by name.
    pub hospitals: Vec<Hospital>,
    /// By region, then by deadline.
    pub rounds: Vec<Round>,
}

/// The choices for `programme_id` in `region` (`None`: every region).
pub async fn filter_choices(
    conn: &mut AnyConnection,
    programme_id: &str,
    region: Option<RegionCode>,
) -> Result<FilterChoices> {
    let areas = format!(
        "SELECT {} FROM areas WHERE programme_id = $1 AND ($2 IS NULL OR region_code = $2)",
        AREA_COLUMNS.join(", ")
    );
    let reads: [bulk::ArrayRead; 3] = [
        (&areas, &AREA_COLUMNS, "region_code, position, id"),
        (
            "SELECT id, region_code, name FROM hospitals WHERE ($2 IS NULL OR region_code = $2)",
            &["id", "region_code", "name"],
            "region_code, name",
        ),
        (
            "SELECT id, programme_id, region_code, name, opens_on, deadline FROM rounds \
             WHERE programme_id = $1 AND ($2 IS NULL OR region_code = $2)",
            &[
                "id",
                "programme_id",
                "region_code",
                "name",
                "opens_on",
                "deadline",
            ],
            "region_code, deadline, id",
        ),
    ];
    let sql = bulk::json_arrays_sql(conn, &reads);
    let row = sqlx::query(&sql)
        .bind(programme_id)
        .bind(region.map(RegionCode::get))
        .fetch_one(&mut *conn)
        .await?;
    Ok(FilterChoices {
        areas: bulk::array_at(&row, 0)?,
        hospitals: bulk::array_at(&row, 1)?,
        rounds: bulk::array_at(&row, 2)?,
    })
}
