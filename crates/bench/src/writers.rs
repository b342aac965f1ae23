//! Concurrent writers: bursts of API creates and updates, all sent at the same moment, each
//! request's status and time recorded. Measures what a stall would show: requests waiting for a
//! pooled connection until the acquire timeout and answering 500.

use std::time::{Duration, Instant};

/// What to send.
pub struct Writers {
    pub writers: usize,
    pub bursts: usize,
    pub region: i64,
}

struct Outcome {
    status: u16,
    took: Duration,
}

/// Sends `bursts` bursts of `writers` simultaneous creates, then as many simultaneous updates of
/// what was created, with the API token `token`, and prints each kind's latencies and statuses.
pub async fn run(base: &str, token: &str, w: &Writers) -> anyhow::Result<()> {
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(w.writers)
        .build()?;
    let mut creates = Vec::new();
    let mut updates = Vec::new();
    for burst in 0..w.bursts {
        let start = std::sync::Arc::new(tokio::sync::Barrier::new(w.writers));
        let tasks: Vec<_> = (0..w.writers)
            .map(|i| {
                let (http, start) = (http.clone(), start.clone());
                let url = format!("{base}/api/v1/applications");
                let body = body(&format!("Skrivetest {burst}-{i}"), w.region, None);
                let token = token.to_string();
                tokio::spawn(async move {
                    start.wait().await;
                    let began = Instant::now();
                    let r = http.post(url).bearer_auth(token).json(&body).send().await;
                    let took = began.elapsed();
                    let status = r.as_ref().map(|r| r.status().as_u16()).unwrap_or(0);
                    let created = match r {
                        Ok(r) if status == 201 => r.json::<serde_json::Value>().await.ok(),
                        _ => None,
                    };
                    (Outcome { status, took }, created)
                })
            })
            .collect();
        let mut made = Vec::new();
        for t in tasks {
            let (outcome, created) = t.await?;
            creates.push(outcome);
            if let Some(c) = created {
                made.push((c["id"].as_i64(), c["version"].as_i64()));
            }
        }
        let start = std::sync::Arc::new(tokio::sync::Barrier::new(made.len()));
        let tasks: Vec<_> = made
            .into_iter()
            .enumerate()
            .filter_map(|(i, (id, version))| Some((i, id?, version?)))
            .map(|(i, id, version)| {
                let (http, start) = (http.clone(), start.clone());
                let url = format!("{base}/api/v1/applications/{id}");
                let body = body(
                    &format!("Skrivetest {burst}-{i}, ændret"),
                    w.region,
                    Some(version),
                );
                let token = token.to_string();
                tokio::spawn(async move {
                    start.wait().await;
                    let began = Instant::now();
                    let r = http.put(url).bearer_auth(token).json(&body).send().await;
                    let status = r.map(|r| r.status().as_u16()).unwrap_or(0);
                    Outcome {
                        status,
                        took: began.elapsed(),
                    }
                })
            })
            .collect();
        for t in tasks {
            updates.push(t.await?);
        }
    }
    println!(
        "{} writers at once, {} bursts, region {}",
        w.writers, w.bursts, w.region
    );
    report("create", &creates);
    report("update", &updates);
    Ok(())
}

fn report(kind: &str, outcomes: &[Outcome]) {
    let mut times: Vec<Duration> = outcomes.iter().map(|o| o.took).collect();
    times.sort();
    let ok = outcomes
        .iter()
        .filter(|o| (200..300).contains(&o.status))
        .count();
    let pick = |q: f64| {
        times
            .get(((times.len() as f64 * q).ceil() as usize).saturating_sub(1))
            .map(|d| d.as_secs_f64() * 1000.0)
            .unwrap_or(0.0)
    };
    let mut statuses: Vec<u16> = outcomes.iter().map(|o| o.status).collect();
    statuses.sort();
    statuses.dedup();
    println!(
        "{kind:<7} {:>5} requests  2xx {:>5}  statuses {statuses:?}  p50 {:>7.1} ms  p99 {:>7.1} ms  max {:>7.1} ms",
        outcomes.len(),
        ok,
        pick(0.5),
        pick(0.99),
        pick(1.0),
    );
}

fn body(title: &str, region: i64, version: Option<i64>) -> serde_json::Value {
    serde_json::json!({
        "title": title,
        "hospital_department": "Akutafdelingen",
        "purpose": "Belastningsprøve af samtidige skrivninger.",
        "participants": [{"name": "Testlæge", "role": "afdelingslæge", "receives_supplement": true}],
        "programme": "ok21",
        "region_code": region,
        "version": version,
    })
}
