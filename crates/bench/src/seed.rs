//! National-scale synthetic data, inserted in large batches straight into the tables (the
//! application's own write path, with an audit entry per row, is measured by the load run).

use pulje_store::{password, Db};
use std::time::Instant;

/// The data goes into OK21 itself (extended to ten tranches), so every page that shows OK21
/// carries the national-scale load.
pub const PROGRAMME: &str = "ok21";
pub const PASSWORD: &str = "bench-kodeord-1";
const REGIONS: [i64; 5] = [1081, 1082, 1083, 1084, 1085];
pub const ROLES: [&str; 6] = [
    "applicant",
    "leader",
    "working_group",
    "steering_group",
    "union_rep",
    "region_admin",
];
const AREAS: [&str; 6] = [
    "Forskning",
    "Uddannelse",
    "Kvalitetssikring",
    "Ledelse",
    "Faglig specialist",
    "Digitalisering",
];

/// Inserts `rows` into `table (columns)` in statements of at most `chunk` rows.
async fn insert(
    tx: &mut pulje_store::Tx<'_>,
    table: &str,
    columns: &[&str],
    rows: &[Vec<Value>],
) -> anyhow::Result<()> {
    let per_row = columns.len();
    let chunk = (30_000 / per_row).min(1_000);
    for part in rows.chunks(chunk) {
        let mut sql = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
        let mut n = 0;
        for (i, _) in part.iter().enumerate() {
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push('(');
            for c in 0..per_row {
                if c > 0 {
                    sql.push_str(", ");
                }
                n += 1;
                sql.push_str(&format!("${n}"));
            }
            sql.push(')');
        }
        let mut q = sqlx::query(&sql);
        for row in part {
            for v in row {
                q = match v {
                    Value::I(i) => q.bind(*i),
                    Value::T(t) => q.bind(t.clone()),
                    Value::N => q.bind(None::<i64>),
                };
            }
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

#[derive(Clone)]
pub enum Value {
    I(i64),
    T(String),
    N,
}

use Value::{I, N, T};

fn text(s: impl Into<String>) -> Value {
    T(s.into())
}

pub async fn run(database: &str, per_tranche: usize) -> anyhow::Result<()> {
    let started = Instant::now();
    let db = Db::connect(database).await?;
    db.migrate().await?;
    let mut tx = db.begin().await?;
    let exists: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM tranches WHERE programme_id = $1")
        .bind(PROGRAMME)
        .fetch_one(&mut *tx)
        .await?;
    anyhow::ensure!(
        exists == 2,
        "the database already holds benchmark data (OK21 has {exists} tranches)"
    );
    let now = pulje_store::now_utc();
    sqlx::query("UPDATE programmes SET window_end = '2032-03-31' WHERE id = $1")
        .bind(PROGRAMME)
        .execute(&mut *tx)
        .await?;
    sqlx::query("UPDATE programme_regions SET latest_end = NULL WHERE programme_id = $1")
        .bind(PROGRAMME)
        .execute(&mut *tx)
        .await?;
    let mut tranche_ids: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT id, number + 2021 FROM tranches WHERE programme_id = $1 ORDER BY number",
    )
    .bind(PROGRAMME)
    .fetch_all(&mut *tx)
    .await?;
    let mut new_tranches = Vec::new();
    for n in 2..10i64 {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO tranches (programme_id, number, name, period_start, period_end, national_amount_ore) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(PROGRAMME)
        .bind(n + 1)
        .bind(format!("{}. pulje ({})", n + 1, 2022 + n))
        .bind(format!("{}-04-01", 2022 + n))
        .bind(format!("{}-03-31", 2023 + n))
        .bind(4_000_000_000_i64)
        .fetch_one(&mut *tx)
        .await?;
        tranche_ids.push((id, 2022 + n));
        new_tranches.push(id);
    }
    let mut pools = Vec::new();
    let mut areas = Vec::new();
    let mut tiers = Vec::new();
    for r in REGIONS {
        for t in &new_tranches {
            pools.push(vec![I(*t), I(r), I(1_000_000_000)]);
        }
        let has_areas: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM areas WHERE programme_id = $1 AND region_code = $2",
        )
        .bind(PROGRAMME)
        .bind(r)
        .fetch_one(&mut *tx)
        .await?;
        if has_areas == 0 {
            for (i, a) in AREAS.iter().enumerate() {
                areas.push(vec![
                    text(PROGRAMME),
                    I(r),
                    text(*a),
                    text(*a),
                    I(i as i64 + 1),
                ]);
            }
        }
        let has_tiers: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM tiers WHERE programme_id = $1 AND region_code = $2",
        )
        .bind(PROGRAMME)
        .bind(r)
        .fetch_one(&mut *tx)
        .await?;
        if has_tiers == 0 {
            for (name, kr) in [("Lille", 20_000i64), ("Mellem", 35_000), ("Høj", 50_000)] {
                tiers.push(vec![text(PROGRAMME), I(r), text(name), I(kr * 100)]);
            }
        }
        for h in 1..=4 {
            sqlx::query("INSERT INTO hospitals (region_code, name) VALUES ($1, $2) ON CONFLICT (region_code, name) DO NOTHING")
                .bind(r)
                .bind(format!("Benchhospital {h}"))
                .execute(&mut *tx)
                .await?;
        }
    }
    insert(
        &mut tx,
        "pools",
        &["tranche_id", "region_code", "amount_ore"],
        &pools,
    )
    .await?;
    if !areas.is_empty() {
        insert(
            &mut tx,
            "areas",
            &[
                "programme_id",
                "region_code",
                "name",
                "short_name",
                "position",
            ],
            &areas,
        )
        .await?;
    }
    if !tiers.is_empty() {
        insert(
            &mut tx,
            "tiers",
            &["programme_id", "region_code", "name", "amount_ore"],
            &tiers,
        )
        .await?;
    }

    // 500 users: 100 per region across the regional roles.
    let hash = password::hash(PASSWORD)?;
    let mut users = Vec::new();
    for r in REGIONS {
        for n in 0..100 {
            let role = ROLES[n % ROLES.len()];
            users.push(vec![
                text(format!("{role}-{n}@{r}.bench")),
                text(format!("Bruger {n} ({role})")),
                text(role),
                I(r),
                text(hash.clone()),
                I(0),
                text(now.clone()),
            ]);
        }
    }
    insert(
        &mut tx,
        "users",
        &[
            "email",
            "name",
            "role",
            "region_code",
            "password_hash",
            "disabled",
            "created_at",
        ],
        &users,
    )
    .await?;
    tx.commit().await?;

    let mut total = 0;
    for r in REGIONS {
        let mut tx = db.begin().await?;
        let hospitals: Vec<(i64, String)> =
            sqlx::query_as("SELECT id, name FROM hospitals WHERE region_code = $1")
                .bind(r)
                .fetch_all(&mut *tx)
                .await?;
        let area_ids: Vec<i64> =
            sqlx::query_scalar("SELECT id FROM areas WHERE programme_id = $1 AND region_code = $2")
                .bind(PROGRAMME)
                .bind(r)
                .fetch_all(&mut *tx)
                .await?;
        let creators: Vec<i64> = sqlx::query_scalar("SELECT id FROM users WHERE region_code = $1 AND role = 'applicant' AND email LIKE '%.bench'").bind(r).fetch_all(&mut *tx).await?;
        let first_id: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) + 1 FROM applications")
            .fetch_one(&mut *tx)
            .await?;
        let mut apps = Vec::new();
        let mut participants = Vec::new();
        let mut app_areas = Vec::new();
        let mut months = Vec::new();
        let mut postings = Vec::new();
        let mut evaluations = Vec::new();
        let mut id = first_id;
        for (_, year) in &tranche_ids {
            for n in 0..per_tranche {
                let status = match n % 20 {
                    0..=7 => "active",
                    8..=11 => "draft",
                    12..=14 => "submitted",
                    15..=16 => "ready_for_decision",
                    17..=18 => "returned",
                    _ => "rejected",
                };
                let (hospital_id, hospital) = &hospitals[n % hospitals.len()];
                let tier = [2_000_000i64, 3_500_000, 5_000_000][n % 3];
                let start = format!("{year}-04-01");
                let end = format!("{}-03-31", year + 1);
                apps.push(vec![
                    I(id), text(PROGRAMME), I(r), text(status), I(1), I(creators[n % creators.len()]), text(now.clone()), text(now.clone()), I(0),
                    I(*hospital_id), text(format!("{hospital}, Afdeling {}", n % 30)), text(format!("Forsøg {n} i {year}: faglig udvikling for afdelingslæger")),
                    text("Ledende overlæge"), text(format!("Afdelingslæge {n}")),
                    text("At give afdelingslægen ansvar for et afgrænset fagligt område og afprøve, hvordan funktionen kan forankres i afdelingen."),
                    text("Forsøget beskrives i en plan med milepæle, og afdelingslægen rapporterer hvert kvartal til ledelsen om fremdrift og erfaringer."),
                    text("Funktionstillæg efter forhåndsaftalen; ingen afvigelser fra arbejdstidsreglerne."), text("Ingen."), text(""),
                    text("Afdelingslægen refererer til den ledende overlæge."), I(tier), text(""), text("Forsøget hører under området, fordi det udvikler en faglig funktion."),
                    text(start.clone()), text(end.clone()), text(""), text(""), text(""), text(""), N,
                    if status == "active" { I(tier) } else { N },
                ]);
                participants.push(vec![
                    I(id),
                    I(0),
                    text(format!("Afdelingslæge {n}")),
                    text("Afdelingslæge"),
                    I(1),
                ]);
                participants.push(vec![
                    I(id),
                    I(1),
                    text(format!("Sygeplejerske {n}")),
                    text("Projektsygeplejerske"),
                    I(0),
                ]);
                app_areas.push(vec![I(id), I(area_ids[n % area_ids.len()])]);
                // Half of the agreements have handed in their evaluation.
                if status == "active" && n % 2 == 0 {
                    let track =
                        ["clinical_specialist", "leadership", "research", "teaching"][n % 4];
                    let kind = ["individual", "cross_cutting"][(n / 4) % 2];
                    let recommendation = ["continue", "expand", "change", "stop"][(n / 2) % 4];
                    evaluations.push(vec![
                        text(PROGRAMME), I(r), I(id), text("submitted"), text(["yes", "partly", "no"][n % 3]),
                        text("Formålet blev i det store hele nået; opgaven er nu en fast del af afdelingens drift."),
                        text("Erfaring med at lede et fagligt område og et netværk på tværs af afdelinger."),
                        text("Kortere ventetid og færre gentagne undersøgelser for patienterne."),
                        I((n % 5) as i64 * 10 + 20), text("Udviklingstiden blev lagt i faste dage hver måned."),
                        text(recommendation), text(""), text(track), text(kind),
                        I((n % 2) as i64), I(((n / 2) % 2) as i64), I(1),
                        text("Tiden i klinikken var den største udfordring."),
                        text("Giv mulighed for lokale funktionstillæg til faglige specialister."),
                        I(1), text(now.clone()), text(now.clone()), text(now.clone()),
                    ]);
                }
                if status == "active" {
                    for m in 0..12 {
                        let (y, mo) = if m < 9 {
                            (*year, m + 4)
                        } else {
                            (year + 1, m - 8)
                        };
                        let month = format!("{y}-{mo:02}-01");
                        let amount = (tier + 6) / 12;
                        months.push(vec![
                            I(id),
                            text(PROGRAMME),
                            I(r),
                            text(month.clone()),
                            I(amount),
                        ]);
                        if y < 2026 || (y == 2026 && mo <= 10) {
                            postings.push(vec![
                                I(id),
                                text(PROGRAMME),
                                I(r),
                                text(month),
                                I(amount),
                                text(now.clone()),
                            ]);
                        }
                    }
                }
                id += 1;
            }
        }
        insert(
            &mut tx,
            "applications",
            &[
                "id",
                "programme_id",
                "region_code",
                "status",
                "version",
                "created_by",
                "created_at",
                "updated_at",
                "imported",
                "hospital_id",
                "hospital_department",
                "title",
                "responsible_leader",
                "responsible_doctor",
                "purpose",
                "description",
                "content",
                "working_time_deviations",
                "period_text",
                "organisation",
                "supplement_ore",
                "remarks",
                "area_argument",
                "start_date",
                "end_date",
                "party_leader",
                "party_doctor",
                "party_union",
                "party_region",
                "agreement_date",
                "granted_ore",
            ],
            &apps,
        )
        .await?;
        insert(
            &mut tx,
            "application_participants",
            &[
                "application_id",
                "position",
                "name",
                "role",
                "receives_supplement",
            ],
            &participants,
        )
        .await?;
        insert(
            &mut tx,
            "application_areas",
            &["application_id", "area_id"],
            &app_areas,
        )
        .await?;
        insert(
            &mut tx,
            "agreement_months",
            &[
                "application_id",
                "programme_id",
                "region_code",
                "month",
                "amount_ore",
            ],
            &months,
        )
        .await?;
        insert(
            &mut tx,
            "postings",
            &[
                "application_id",
                "programme_id",
                "region_code",
                "month",
                "amount_ore",
                "posted_at",
            ],
            &postings,
        )
        .await?;
        insert(
            &mut tx,
            "evaluations",
            &[
                "programme_id",
                "region_code",
                "application_id",
                "status",
                "purposes_met",
                "purposes_text",
                "gained_text",
                "effect_text",
                "development_percent",
                "time_text",
                "recommendation",
                "recommendation_text",
                "career_track",
                "trial_type",
                "challenge_concept",
                "challenge_awareness",
                "challenge_time",
                "challenges_text",
                "advice_text",
                "version",
                "created_at",
                "updated_at",
                "submitted_at",
            ],
            &evaluations,
        )
        .await?;
        // The pool's per-month summary, as the application keeps it on every write.
        sqlx::query(
            "INSERT INTO pool_months (programme_id, region_code, month, committed_ore, paid_ore) \
             SELECT programme_id, region_code, month, CAST(SUM(amount_ore) AS BIGINT), 0 FROM agreement_months \
             WHERE programme_id = $1 AND region_code = $2 GROUP BY programme_id, region_code, month \
             ON CONFLICT (programme_id, region_code, month) DO UPDATE SET committed_ore = excluded.committed_ore",
        )
        .bind(PROGRAMME)
        .bind(r)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO pool_months (programme_id, region_code, month, committed_ore, paid_ore) \
             SELECT programme_id, region_code, month, 0, CAST(SUM(amount_ore) AS BIGINT) FROM postings \
             WHERE programme_id = $1 AND region_code = $2 GROUP BY programme_id, region_code, month \
             ON CONFLICT (programme_id, region_code, month) DO UPDATE SET paid_ore = excluded.paid_ore",
        )
        .bind(PROGRAMME)
        .bind(r)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        total += apps.len();
        println!(
            "region {r}: {} applications, {} committed months, {} postings",
            apps.len(),
            months.len(),
            postings.len()
        );
    }
    if db.backend() == pulje_store::Backend::Postgres {
        // Ids were given explicitly; move the identity past them.
        let mut tx = db.begin().await?;
        sqlx::query("SELECT setval(pg_get_serial_sequence('applications', 'id'), (SELECT MAX(id) FROM applications))").execute(&mut *tx).await?;
        tx.commit().await?;
        // What autovacuum would do soon after a bulk load: statistics, and the visibility map
        // that lets counts be answered from the indexes alone.
        let mut conn = db.conn().await?;
        sqlx::query("VACUUM ANALYZE").execute(&mut *conn).await?;
    }
    // SQLite is left without ANALYZE, as pulje leaves it: the bundled SQLite is built with STAT4,
    // under which a statement whose plan might depend on a bound value is compiled again on every
    // run (see docs/PERFORMANCE.md); pulje's queries are planned from their indexes alone.
    println!(
        "seeded {total} applications and 500 users in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
