//! The pool's money: approvals commit an agreement's monthly amounts and can never together
//! over-commit a tranche unless the steering group says why; termination releases exactly the
//! months no longer covered; postings pay the active months once, in payroll batches that are
//! frozen once sent (corrections are reversals in a later batch), and the end-of-programme
//! statement.

#[macro_use]
mod common;

use common::*;
use pulje_domain::cost::{monthly_amounts, released_by_termination, total, within};
use pulje_domain::{ApplicationStatus, Ore, Period, RegionCode, Role};
use serde_json::json;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Approves a ready application with `tier` and makes it active (the four signatures are the
/// workflow tests' business; here the store sets the status).
async fn approve_and_activate(app: &TestApp, sg: &Bearer, id: i64, tier: i64) {
    expect_status(
        &sg.transition(
            id,
            &step(
                "approve",
                json!({ "tier_ore": tier, "meeting_id": app.decision_meeting(MIDTJYLLAND).await }),
            ),
        )
        .await,
        id,
        "awaiting_signatures",
    );
    app.set_status(id, ApplicationStatus::Active, None).await;
}

// --- 3. concurrent approvals -------------------------------------------------------------------

both_backends!(
    concurrent_approvals_never_overcommit_a_tranche,
    |app| async move {
        let author = app.user(Role::Applicant, Some(MIDTJYLLAND)).await;
        let sg = app.user(Role::SteeringGroup, Some(MIDTJYLLAND)).await;
        let (_, token) = app.token(&sg).await;

        // Five applications, each twelve whole months of tranche 1 at the high tier.
        let mut ids = Vec::new();
        for i in 1..=5 {
            let a = app
                .ready_application(&author, &format!("Forsøg {i}"), "2022-04-01", "2023-03-31")
                .await;
            ids.push(a.id);
        }
        let one = app.get_application(i64::from(ids[0])).await;
        let basis = app.cost_basis(&one, TIER_HIGH).await;
        let months = monthly_amounts(&period_of(&one), &basis);
        let cost = total(&months).ore();
        let tranches = app.tranche_periods().await;
        assert_eq!(
            within(&months, &tranches[0].1).ore(),
            cost,
            "all in tranche 1"
        );

        // Tranche 1 holds three and a half of them.
        let pool = 3 * cost + cost / 2;
        let changed = app
            .exec(&format!(
                "UPDATE pools SET amount_ore = {pool} WHERE region_code = {MIDTJYLLAND} \
                 AND tranche_id = (SELECT id FROM tranches WHERE programme_id = 'ok21' AND number = 1)"
            ))
            .await;
        assert_eq!(changed, 1);

        // Someone watches the pool while the approvals run.
        let stop = Arc::new(AtomicBool::new(false));
        let watcher = {
            let db = app.db.clone();
            let stop = stop.clone();
            tokio::spawn(async move {
                let mut looks = 0;
                while !stop.load(Ordering::SeqCst) {
                    let mut conn = db.conn().await.unwrap();
                    let status =
                        pulje_store::money::pool_status(&mut conn, "ok21", rc(MIDTJYLLAND))
                            .await
                            .unwrap();
                    drop(conn);
                    for t in &status {
                        assert!(
                            t.committed_ore <= t.amount_ore,
                            "over-committed while approving: {t:?}"
                        );
                    }
                    looks += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(2)).await;
                }
                looks
            })
        };

        let barrier = Arc::new(tokio::sync::Barrier::new(ids.len()));
        let mut tasks = Vec::new();
        let meeting = app.decision_meeting(MIDTJYLLAND).await;
        for &id in &ids {
            let api = Bearer::new(&app, &token);
            let barrier = barrier.clone();
            tasks.push(tokio::spawn(async move {
                barrier.wait().await;
                let r = api
                    .transition(
                        i64::from(id),
                        &step(
                            "approve",
                            json!({ "tier_ore": TIER_HIGH, "meeting_id": meeting }),
                        ),
                    )
                    .await;
                (id, r)
            }));
        }
        let mut approved = Vec::new();
        let mut refused = Vec::new();
        for t in tasks {
            let (id, r) = t.await.unwrap();
            match r.status {
                200 => {
                    expect_status(&r, i64::from(id), "awaiting_signatures");
                    approved.push(id);
                }
                409 => {
                    let m = expect_refusal(&r, 409, "over-commitment");
                    assert!(m.contains("overskride puljen"), "{m}");
                    assert!(m.contains("1. pulje"), "names the tranche: {m}");
                    refused.push((id, m));
                }
                other => panic!("approval of {id}: unexpected {other}: {}", r.body),
            }
        }
        stop.store(true, Ordering::SeqCst);
        let looks = watcher.await.expect("the pool was never over-committed");
        assert!(looks > 0);
        assert_eq!(
            approved.len(),
            3,
            "exactly the three that fit: {approved:?} / {refused:?}"
        );
        assert_eq!(refused.len(), 2);

        for &id in &approved {
            let a = app.get_application(i64::from(id)).await;
            assert_eq!(a.status, ApplicationStatus::AwaitingSignatures);
            assert_eq!(a.granted_ore, Some(Ore::from_ore(TIER_HIGH)));
            assert_eq!(
                app.agreement_months(i64::from(id)).await,
                month_rows(&months)
            );
        }
        for (id, _) in &refused {
            let a = app.get_application(i64::from(*id)).await;
            assert_eq!(a.status, ApplicationStatus::ReadyForDecision);
            assert_eq!(a.granted_ore, None);
            assert!(app.agreement_months(i64::from(*id)).await.is_empty());
        }
        let status = app.pool_status(MIDTJYLLAND).await;
        assert_eq!(status[0].amount_ore.ore(), pool);
        assert_eq!(status[0].committed_ore.ore(), 3 * cost);
        assert_eq!(status[0].remaining_ore.ore(), pool - 3 * cost);
        assert_eq!(status[1].committed_ore.ore(), 0);
        let api = Bearer::new(&app, &token);
        let pools = api.pools(MIDTJYLLAND).await;
        assert_eq!(pools[0]["committed_ore"].as_i64(), Some(3 * cost));
        assert_eq!(pools[0]["remaining_ore"].as_i64(), Some(pool - 3 * cost));

        // With a reason the steering group may go over; the reason is kept.
        let (over, _) = &refused[0];
        let reason = "Styregruppen prioriterer forsøget; overskridelsen dækkes af 2. pulje.";
        expect_status(
            &api.transition(
                i64::from(*over),
                &step(
                    "approve",
                    json!({ "tier_ore": TIER_HIGH, "exception_reason": reason, "meeting_id": meeting }),
                ),
            )
            .await,
            i64::from(*over),
            "awaiting_signatures",
        );
        let a = app.get_application(i64::from(*over)).await;
        assert_eq!(a.exception_reason, reason);
        let mut conn = app.db.conn().await.unwrap();
        let stored: String = sqlx::query_scalar(
            "SELECT reason FROM decisions WHERE application_id = $1 AND kind = 'approve'",
        )
        .bind(over.get())
        .fetch_one(&mut *conn)
        .await
        .unwrap();
        drop(conn);
        assert_eq!(stored, reason);
        let status = app.pool_status(MIDTJYLLAND).await;
        assert_eq!(status[0].committed_ore.ore(), 4 * cost);
        assert_eq!(status[0].remaining_ore.ore(), pool - 4 * cost);
        // The detail page shows the reason.
        let sg_client = app.login(&sg).await;
        let page = sg_client.get(&format!("/applications/{over}")).await;
        assert!(page.text().contains(reason), "{}", page.text());

        // The last one is still refused without a reason.
        let (last, _) = &refused[1];
        let r = api
            .transition(
                i64::from(*last),
                &step(
"approve",
json!({ "tier_ore": TIER_HIGH, "meeting_id": app.decision_meeting(MIDTJYLLAND).await }),
),
            )
            .await;
        let m = expect_refusal(&r, 409, "still over-committing");
        assert!(m.contains("overskride puljen"), "{m}");
        // An approval that fits needs no reason and stores none: the small tier for two months.
        let small = app
            .ready_application(
                &author,
                "Lille forsøg i 2. pulje",
                "2023-04-01",
                "2023-05-31",
            )
            .await;
        expect_status(
            &api.transition(
                i64::from(small.id),
                &step(
                    "approve",
                    json!({ "tier_ore": TIER_SMALL, "exception_reason": "unødvendig", "meeting_id": meeting }),
                ),
            )
            .await,
            i64::from(small.id),
            "awaiting_signatures",
        );
        assert_eq!(
            app.get_application(i64::from(small.id))
                .await
                .exception_reason,
            ""
        );
    }
);

// --- 4. termination ----------------------------------------------------------------------------

both_backends!(
    termination_releases_exactly_the_uncovered_months,
    |app| async move {
        let author = app.user(Role::Applicant, Some(MIDTJYLLAND)).await;
        let sg_user = app.user(Role::SteeringGroup, Some(MIDTJYLLAND)).await;
        let admin_user = app.user(Role::RegionAdmin, Some(MIDTJYLLAND)).await;
        let sg = app.bearer(&sg_user).await;
        let admin = app.bearer(&admin_user).await;
        let tranches = app.tranche_periods().await;

        let a = app
            .ready_application(&author, "Afbrudt forsøg", "2022-06-15", "2023-09-30")
            .await;
        let b = app
            .ready_application(&author, "Uberørt forsøg", "2022-04-01", "2023-12-31")
            .await;
        approve_and_activate(&app, &sg, i64::from(a.id), TIER_MEDIUM).await;
        approve_and_activate(&app, &sg, i64::from(b.id), TIER_SMALL).await;
        let b_months = app.agreement_months(i64::from(b.id)).await;

        let a = app.get_application(i64::from(a.id)).await;
        let period = period_of(&a);
        let basis = app.cost_basis(&a, TIER_MEDIUM).await;
        let original = monthly_amounts(&period, &basis);
        assert_eq!(
            app.agreement_months(i64::from(a.id)).await,
            month_rows(&original)
        );

        // Refused end dates change nothing.
        for bad in ["2023-09-30", "2023-12-01", "2022-06-14"] {
            let r = admin
                .transition(
                    i64::from(a.id),
                    &step("terminate", json!({ "end_date": bad })),
                )
                .await;
            expect_refusal(&r, 422, bad);
        }
        assert_eq!(
            app.agreement_months(i64::from(a.id)).await,
            month_rows(&original)
        );

        let before = app.pool_status(MIDTJYLLAND).await;
        let new_end = date("2023-01-20");
        expect_status(
            &admin
                .transition(
                    i64::from(a.id),
                    &step("terminate", json!({ "end_date": "2023-01-20", "comment": "Afdelingslægen er fratrådt." })),
                )
                .await,
            i64::from(a.id),
            "ended",
        );
        let after = app.pool_status(MIDTJYLLAND).await;

        let released = released_by_termination(&period, new_end, &basis)
            .expect("the end date shortens the period")
            .ore();
        let kept = monthly_amounts(&Period::new(period.start(), new_end).unwrap(), &basis);
        let mut dropped = 0;
        for (i, (number, window)) in tranches.iter().enumerate() {
            let drop = before[i].committed_ore.ore() - after[i].committed_ore.ore();
            assert_eq!(
                drop,
                within(&original, window).ore() - within(&kept, window).ore(),
                "tranche {number}"
            );
            assert_eq!(
                after[i].remaining_ore.ore() - before[i].remaining_ore.ore(),
                drop
            );
            dropped += drop;
        }
        assert_eq!(
            dropped, released,
            "the committed amount drops by exactly what is released"
        );
        assert!(
            before[1].committed_ore > after[1].committed_ore,
            "tranche 2 is released too"
        );

        // The months after the new end are gone; the last one keeps its covered share.
        let stored = app.agreement_months(i64::from(a.id)).await;
        assert_eq!(stored, month_rows(&kept));
        assert_eq!(stored.last().unwrap().0, "2023-01-01");
        assert!(stored.iter().all(|(m, _)| m.as_str() <= "2023-01-01"));
        let full_month = original
            .iter()
            .find(|m| m.month == 1 && m.year == 2023)
            .unwrap();
        assert!(stored.last().unwrap().1 < full_month.amount.ore());
        let a = app.get_application(i64::from(a.id)).await;
        assert_eq!(a.status, ApplicationStatus::Ended);
        assert_eq!(a.data.end_date(), Some(new_end));
        assert_eq!(a.terminated_on, Some(new_end));
        assert_eq!(
            app.agreement_months(i64::from(b.id)).await,
            b_months,
            "another agreement is untouched"
        );

        // The steering group ends one on its first day: one day's share remains.
        let b = app.get_application(i64::from(b.id)).await;
        let b_period = period_of(&b);
        let b_basis = app.cost_basis(&b, TIER_SMALL).await;
        let before = app.pool_status(MIDTJYLLAND).await;
        expect_status(
            &sg.transition(
                i64::from(b.id),
                &step("terminate", json!({ "end_date": "2022-04-01" })),
            )
            .await,
            i64::from(b.id),
            "ended",
        );
        let after = app.pool_status(MIDTJYLLAND).await;
        let released = released_by_termination(&b_period, b_period.start(), &b_basis)
            .unwrap()
            .ore();
        let dropped: i64 = before
            .iter()
            .zip(&after)
            .map(|(x, y)| x.committed_ore.ore() - y.committed_ore.ore())
            .sum();
        assert_eq!(dropped, released);
        let one_day = monthly_amounts(&Period::single_day(b_period.start()), &b_basis);
        assert_eq!(
            app.agreement_months(i64::from(b.id)).await,
            month_rows(&one_day)
        );
    }
);

// --- 5. postings -------------------------------------------------------------------------------

both_backends!(postings_pay_the_active_months_once, |app| async move {
    let author = app.user(Role::Applicant, Some(MIDTJYLLAND)).await;
    let sg_user = app.user(Role::SteeringGroup, Some(MIDTJYLLAND)).await;
    let admin_user = app.user(Role::RegionAdmin, Some(MIDTJYLLAND)).await;
    let sg = app.bearer(&sg_user).await;
    let mut admin = app.login(&admin_user).await;
    let tranches = app.tranche_periods().await;

    let a = app
        .ready_application(
            &author,
            "Aktivt forsøg \"Brobygger\"",
            "2022-06-01",
            "2023-06-30",
        )
        .await;
    approve_and_activate(&app, &sg, i64::from(a.id), TIER_SMALL).await;
    // Approved but not signed: committed, never paid.
    let w = app
        .ready_application(&author, "Afventer underskrift", "2022-06-01", "2023-06-30")
        .await;
    expect_status(
        &sg.transition(
            i64::from(w.id),
            &step(
"approve",
json!({ "tier_ore": TIER_MEDIUM, "meeting_id": app.decision_meeting(MIDTJYLLAND).await }),
),
        )
        .await,
        i64::from(w.id),
        "awaiting_signatures",
    );
    let a = app.get_application(i64::from(a.id)).await;
    let months = monthly_amounts(&period_of(&a), &app.cost_basis(&a, TIER_SMALL).await);
    assert_eq!(months.len(), 13);

    // June–December 2022: a batch of seven lines.
    let batches = format!("/regions/{MIDTJYLLAND}/payments/batches");
    let r = admin.post_form(&batches, &[("up_to", "2022-12-31")]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let first = r.location().expect("to the batch").to_string();
    assert!(first.starts_with(&format!("{batches}/")), "{first}");
    let paid7: i64 = months[..7].iter().map(|m| m.amount.ore()).sum();
    let page = admin.get(&first).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let text = page.text();
    assert!(
        page.body
            .contains(&format!("7 linjer, i alt {}</p>", kr(paid7))),
        "{}",
        page.body
    );
    // No employee number yet: said plainly, and sending is refused.
    assert!(text.contains("Medarbejdernummer mangler"), "{text}");
    let r = admin.post_form(&format!("{first}/sent"), &[]).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(
        r.text().contains("mangler et medarbejdernummer"),
        "{}",
        r.text()
    );

    // A second batch while this one is open is refused, with the date kept.
    let r = admin.post_form(&batches, &[("up_to", "2022-12-31")]).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.text().contains("er ikke sendt endnu"), "{}", r.text());
    assert!(r.body.contains("value=\"2022-12-31\""), "{}", r.body);

    // The administrator types the employee number; the file carries it.
    let r = admin
        .post_form(
            &format!("/applications/{}/payroll", a.id),
            &[("employee_number", "004711"), ("cost_centre", "")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let csv = admin.get(&format!("{first}/loen.csv")).await;
    assert_eq!(csv.status, 200);
    let content_type = csv.headers[reqwest::header::CONTENT_TYPE].to_str().unwrap();
    assert!(content_type.starts_with("text/csv"), "{content_type}");
    assert!(csv.body.starts_with('\u{feff}'), "UTF-8 with BOM");
    let body = csv.body.trim_start_matches('\u{feff}');
    let lines: Vec<&str> = body.lines().collect();
    assert_eq!(lines.len(), 8, "{body}");
    assert_eq!(
        lines[0],
        "Medarbejdernummer;Navn;Lønart;Omkostningssted;Periode;Beløb (kr.);Aftalereference"
    );
    for (line, m) in lines[1..].iter().zip(&months[..7]) {
        let ore = m.amount.ore();
        assert_eq!(
            *line,
            format!(
                "004711;Afdelingslæge Åse Øhlenschläger;;;{}-{:02};{},{:02};OK21-{}",
                m.year,
                m.month,
                ore / 100,
                ore % 100,
                a.id
            )
        );
    }
    let r = admin.post_form(&format!("{first}/sent"), &[]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    // Sent is frozen: a later change of the employee number does not reach it, and it cannot be
    // sent or discarded again.
    let r = admin
        .post_form(
            &format!("/applications/{}/payroll", a.id),
            &[("employee_number", "009999"), ("cost_centre", "K-77")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let again = admin.get(&format!("{first}/loen.csv")).await;
    assert_eq!(again.body, csv.body, "a sent batch's file never changes");
    let r = admin.post_form(&format!("{first}/sent"), &[]).await;
    assert_eq!(r.status, 422, "{}", r.body);
    let r = admin.post_form(&format!("{first}/discard"), &[]).await;
    assert_eq!(r.status, 409, "{}", r.body);

    // Up to the same date again: nothing new is due.
    let r = admin.post_form(&batches, &[("up_to", "2022-12-31")]).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.text().contains("ingen nye posteringer"), "{}", r.text());
    assert_eq!(app.scalar_i64("SELECT COUNT(*) FROM postings").await, 7);
    assert_eq!(
        app.scalar_i64(&format!(
            "SELECT COUNT(*) FROM postings WHERE application_id = {}",
            a.id
        ))
        .await,
        7
    );

    // The pools: paid matches, committed includes the unsigned agreement.
    let w = app.get_application(i64::from(w.id)).await;
    let w_months = monthly_amounts(&period_of(&w), &app.cost_basis(&w, TIER_MEDIUM).await);
    let r = admin
        .get(&format!("/api/v1/pools?region={MIDTJYLLAND}"))
        .await;
    let pools = r.json();
    assert_eq!(pools[0]["paid_ore"].as_i64(), Some(paid7), "{pools}");
    assert_eq!(pools[1]["paid_ore"].as_i64(), Some(0), "{pools}");
    for (i, (_, window)) in tranches.iter().enumerate() {
        assert_eq!(
            pools[i]["committed_ore"].as_i64(),
            Some(within(&months, window).ore() + within(&w_months, window).ore()),
            "{pools}"
        );
    }

    // A correction: the first month is reversed; the reversal goes into the next batch, which
    // holds the six months still due and none of the first batch's postings.
    let first_posting = app
        .scalar_i64("SELECT id FROM postings ORDER BY month, id LIMIT 1")
        .await;
    let r = admin
        .post_form(
            &format!("/regions/{MIDTJYLLAND}/payments/postings/{first_posting}/reverse"),
            &[("batch", first.rsplit('/').next().unwrap())],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let r = admin
        .post_form(
            &format!("/regions/{MIDTJYLLAND}/payments/postings/{first_posting}/reverse"),
            &[("batch", "1")],
        )
        .await;
    assert_eq!(r.status, 409, "reversed once only: {}", r.body);
    let r = admin.post_form(&batches, &[("up_to", "2023-12-31")]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let second = r.location().unwrap().to_string();
    assert_ne!(second, first);
    let csv2 = admin.get(&format!("{second}/loen.csv")).await;
    let body2 = csv2.body.trim_start_matches('\u{feff}');
    let lines2: Vec<&str> = body2.lines().skip(1).collect();
    assert_eq!(lines2.len(), 7, "six months and one reversal: {body2}");
    let first_month = &months[0];
    let reversal = format!(
        "009999;Afdelingslæge Åse Øhlenschläger;;K-77;{}-{:02};-{},{:02};OK21-{}",
        first_month.year,
        first_month.month,
        first_month.amount.ore() / 100,
        first_month.amount.ore() % 100,
        a.id
    );
    assert_eq!(lines2[0], reversal, "{body2}");
    for (line, m) in lines2[1..].iter().zip(&months[7..]) {
        assert!(
            line.contains(&format!(";{}-{:02};", m.year, m.month)),
            "{line}"
        );
    }
    for m in &months[1..7] {
        assert!(
            !body2.contains(&format!(";{}-{:02};", m.year, m.month)),
            "a sent month came again: {body2}"
        );
    }
    let r = admin.post_form(&format!("{second}/sent"), &[]).await;
    assert_eq!(r.status, 303, "{}", r.body);

    // The XLSX of the same batch: kroner as numbers, the same lines.
    let xlsx = admin
        .http
        .get(admin.url(&format!("{second}/loen.xlsx")))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap()
        .to_vec();
    {
        use calamine::{Data, Reader, Xlsx};
        let mut book: Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(xlsx)).unwrap();
        let rows: Vec<Vec<Data>> = book
            .worksheet_range("Lønkørsel")
            .unwrap()
            .rows()
            .map(|r| r.to_vec())
            .collect();
        assert_eq!(rows.len(), 8, "{rows:?}");
        assert_eq!(
            rows[1][5],
            Data::Float(-(first_month.amount.ore() as f64) / 100.0)
        );
    }

    let status = app.pool_status(MIDTJYLLAND).await;
    assert_eq!(
        status.iter().map(|s| s.paid_ore.ore()).sum::<i64>(),
        total(&months).ore() - first_month.amount.ore(),
        "paid: every month but the reversed one"
    );

    // The statement: bevilget, disponeret, udbetalt, ubrugt per tranche.
    let page = admin.get("/programmes/ok21/statement").await;
    assert_eq!(page.status, 200);
    let rows = table_rows(&page.body);
    let region = RegionCode::new(MIDTJYLLAND).unwrap().name();
    for s in &status {
        let row = rows
            .iter()
            .find(|r| r.len() == 6 && r[0] == region && r[1] == s.name)
            .unwrap_or_else(|| panic!("no statement row for {}: {rows:?}", s.name));
        assert_eq!(
            row[2..],
            [
                kr(s.amount_ore.ore()),
                kr(s.committed_ore.ore()),
                kr(s.paid_ore.ore()),
                kr(s.amount_ore.ore() - s.committed_ore.ore())
            ],
            "{row:?}"
        );
    }
    assert!(
        rows.iter()
            .all(|r| r.first().map(String::as_str) != Some("Region Nordjylland")),
        "a regional user sees only their own region"
    );
    let totals = rows
        .iter()
        .find(|r| r.first().map(String::as_str) == Some("I alt"))
        .unwrap();
    let allocated: i64 = status.iter().map(|s| s.amount_ore.ore()).sum();
    let committed: i64 = status.iter().map(|s| s.committed_ore.ore()).sum();
    assert_eq!(
        totals[totals.len() - 1],
        kr(allocated - committed),
        "ubrugt is bevilget minus disponeret, as in the report: {totals:?}"
    );
    // Each figure is explained beside the table, in the words the report uses.
    let text = unescape(&page.body);
    for f in pulje_domain::figures::Figure::ALL {
        assert!(
            text.contains(&format!(
                "<dt>{}</dt><dd>{}</dd>",
                f.label_da(),
                f.definition_da()
            )),
            "{} is not explained",
            f.label_da()
        );
    }

    // Only the region's administrator makes batches; another region's administrator reaches
    // none of this region's batch routes.
    let mut sg_client = app.login(&sg_user).await;
    let r = sg_client
        .post_form(&batches, &[("up_to", "2023-12-31")])
        .await;
    assert_eq!(r.status, 403);
    let r = sg_client.get(&first).await;
    assert_eq!(r.status, 403);
    let r = admin.post_form(&batches, &[("up_to", "i morgen")]).await;
    assert_eq!(r.status, 422);
    assert!(
        r.text().contains("«i morgen» er ikke en dato"),
        "{}",
        r.text()
    );
    let mut conn = app.db.conn().await.unwrap();
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM postings")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert_eq!(
        count, 14,
        "13 months and one reversal; the unsigned agreement is never posted"
    );
    drop(conn);
    // The old CSV address leads to the batches.
    let r = admin
        .get(&format!("/regions/{MIDTJYLLAND}/payments.csv"))
        .await;
    assert_eq!(r.status, 308);
    assert_eq!(
        r.location(),
        Some(format!("/regions/{MIDTJYLLAND}/payments").as_str())
    );
});

// --- monthly amounts by cumulative rounding ----------------------------------------------------

both_backends!(
    nine_months_of_20_000_kr_commit_exactly_15_000_kr_and_the_api_lists_them,
    |app| async move {
        let author = app.user(Role::Applicant, Some(MIDTJYLLAND)).await;
        let sg_user = app.user(Role::SteeringGroup, Some(MIDTJYLLAND)).await;
        let sg = app.bearer(&sg_user).await;
        let a = app
            .ready_application(&author, "Ni måneder", "2023-04-01", "2023-12-31")
            .await;
        let id = i64::from(a.id);
        expect_status(
            &sg.transition(id, &step(
"approve",
json!({ "tier_ore": TIER_SMALL, "meeting_id": app.decision_meeting(MIDTJYLLAND).await }),
))
                .await,
            id,
            "awaiting_signatures",
        );
        let stored = app.get_application(id).await;
        let basis = app.cost_basis(&stored, TIER_SMALL).await;
        assert_eq!(TIER_SMALL, 2_000_000, "20.000 kr. a year");
        assert_eq!(
            basis.oncost_basis_points, 0,
            "the test region has no on-cost"
        );

        let r = sg.get(&format!("/api/v1/applications/{id}/months")).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let months = r.json();
        let months = months.as_array().expect("an array");
        let names: Vec<&str> = months
            .iter()
            .map(|m| m["month"].as_str().unwrap())
            .collect();
        assert_eq!(
            names,
            [
                "2023-04", "2023-05", "2023-06", "2023-07", "2023-08", "2023-09", "2023-10",
                "2023-11", "2023-12"
            ]
        );
        let sum: i64 = months
            .iter()
            .map(|m| m["amount_ore"].as_i64().unwrap())
            .sum();
        // Nine twelfths of 20.000 kr. per receiver: 15.000,00 kr. each, not 15.000,03 kr.
        assert_eq!(sum, 1_500_000 * i64::from(basis.receivers));
        let per_month = 2_000_000 * i64::from(basis.receivers);
        for m in months {
            let ore = m["amount_ore"].as_i64().unwrap();
            assert!(
                (12 * ore - per_month).abs() < 12,
                "{m} is more than one øre from 1/12"
            );
        }
        // The pool commits the same figure.
        let status = app.pool_status(MIDTJYLLAND).await;
        assert_eq!(
            status.iter().map(|s| s.committed_ore.ore()).sum::<i64>(),
            sum
        );
    }
);
