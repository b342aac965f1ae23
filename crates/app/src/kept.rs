//! Views computed from a region's data and kept between requests: the dashboard's counts and the
//! reports. Each is labelled with the data version it was computed from
//! ([`pulje_store::versions`]; a region's report page with the version of what reports show);
//! a request reads the current version (one indexed query, or none: a browser session's request
//! has the versions of its user's region read with the session, [`Known`]) and gets the kept
//! view while nothing has changed since, or computes it anew.
//!
//! At most one computation per view runs at a time: requests that want the same view while it is
//! being computed wait for it and share the result, so ten administrators opening their region's
//! report at once cost one report's work and memory. Errors are not kept.

use crate::reports::{self, Body, Layout};
use pulje_store::applications::{self, Count};
use pulje_store::money::{self, PoolStatus};
use pulje_store::programmes::{self, Round};
use pulje_store::reports::{self as data, NationalReport, RegionalReport};
use pulje_store::versions::{self, Known};
use pulje_store::{Handle, StoreError};
use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::{Arc, Mutex};

type Slot<V> = Arc<tokio::sync::Mutex<Option<(i64, Arc<V>)>>>;

/// Values by key, each with the version it was computed from.
pub struct Versioned<K, V> {
    slots: Mutex<HashMap<K, Slot<V>>>,
}

impl<K: Eq + Hash + Clone, V> Default for Versioned<K, V> {
    fn default() -> Self {
        Versioned {
            slots: Mutex::new(HashMap::new()),
        }
    }
}

impl<K: Eq + Hash + Clone, V> Versioned<K, V> {
    /// The value for `key` computed from data at `version` or later; `compute` runs when there is
    /// none. `version` must have been read before `compute` reads the data.
    pub async fn get<E, F, Fut>(&self, key: &K, version: i64, compute: F) -> Result<Arc<V>, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<V, E>>,
    {
        let slot = {
            let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
            slots.entry(key.clone()).or_default().clone()
        };
        let mut kept = slot.lock().await;
        if let Some((at, value)) = kept.as_ref() {
            if *at >= version {
                return Ok(value.clone());
            }
        }
        match compute().await {
            Ok(value) => {
                let value = Arc::new(value);
                *kept = Some((version, value.clone()));
                Ok(value)
            }
            Err(e) => {
                // Keys come from requests (a programme id in the query): a key whose view could
                // not be computed is forgotten again unless someone else is waiting on it.
                let empty = kept.is_none();
                drop(kept);
                if empty {
                    let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
                    if slots
                        .get(key)
                        .is_some_and(|s| Arc::ptr_eq(s, &slot) && Arc::strong_count(&slot) == 2)
                    {
                        slots.remove(key);
                    }
                }
                Err(e)
            }
        }
    }

    #[cfg(test)]
    fn keys(&self) -> usize {
        self.slots.lock().unwrap_or_else(|e| e.into_inner()).len()
    }
}

/// A region's dashboard figures for a programme: the programme's name, the region's rounds, the
/// pool per tranche and the counts.
pub struct DashboardFigures {
    pub programme_name: String,
    pub rounds: Vec<Round>,
    pub pools: Vec<PoolStatus>,
    pub by_status: Vec<Count>,
    pub by_area: Vec<Count>,
    pub by_hospital: Vec<Count>,
}

/// Every kept view of the server.
pub struct Caches {
    /// By (programme, region).
    pub dashboards: Versioned<(String, i64), DashboardFigures>,
    /// By (programme, region): the report's page laid out, its long lists cut
    /// ([`reports::Layout::Screen`]). The report's data is not kept: at national scale a
    /// region's trials and evaluations take tens of megabytes, its laid-out page well under one.
    pub regional_pages: Versioned<(String, i64), Body>,
    /// By programme.
    pub national_reports: Versioned<String, NationalReport>,
    /// Report builds for the pages, at most two at once: a build at national scale holds tens
    /// of megabytes from reading the rows until the page is laid out, and more builds than cores
    /// finish no sooner. (One at a time saved 25 MiB of peak memory but doubled the report's
    /// latency under load.)
    page_builds: tokio::sync::Semaphore,
    /// Report builds for the files and the API, one at a time and apart from the pages', so a
    /// client fetching files in a loop cannot hold up anyone's report page.
    file_builds: tokio::sync::Semaphore,
}

impl Default for Caches {
    fn default() -> Self {
        Caches {
            dashboards: Versioned::default(),
            regional_pages: Versioned::default(),
            national_reports: Versioned::default(),
            page_builds: tokio::sync::Semaphore::new(2),
            file_builds: tokio::sync::Semaphore::new(1),
        }
    }
}

/// Waits for a turn to build a report.
async fn turn(
    builds: &tokio::sync::Semaphore,
) -> Result<tokio::sync::SemaphorePermit<'_>, StoreError> {
    builds
        .acquire()
        .await
        .map_err(|e| StoreError::Other(anyhow::anyhow!("report builds: {e}")))
}

/// Reads a region's report during a turn of `builds` and hands it to `use_it` on the blocking
/// pool (laying out or encoding a national-scale report takes tens of milliseconds); the turn
/// lasts until `use_it` is done, so the report's memory is counted in it.
async fn build_regional<T: Send + 'static>(
    builds: &tokio::sync::Semaphore,
    db: &mut Handle,
    programme: &str,
    region_code: i64,
    use_it: impl FnOnce(RegionalReport) -> T + Send + 'static,
) -> Result<T, StoreError> {
    let _turn = turn(builds).await?;
    let report = data::regional(&mut *db.conn().await?, programme, region_code).await?;
    tokio::task::spawn_blocking(move || use_it(report))
        .await
        .map_err(|e| StoreError::Other(anyhow::anyhow!("report work stopped: {e}")))
}

impl Caches {
    /// A region's dashboard figures for a programme.
    pub async fn dashboard(
        &self,
        db: &mut Handle,
        known: Option<&Known>,
        programme: &str,
        region_code: i64,
    ) -> Result<Arc<DashboardFigures>, StoreError> {
        let version = region_version(db, known, region_code).await?;
        let key = (programme.to_string(), region_code);
        self.dashboards
            .get(&key, version, || async {
                let mut conn = db.conn().await?;
                let region = Some(region_code);
                Ok(DashboardFigures {
                    programme_name: programmes::get(&mut conn, programme)
                        .await?
                        .ok_or(StoreError::NotFound)?
                        .name,
                    rounds: programmes::rounds(&mut conn, Some(programme), region).await?,
                    pools: money::pool_status(&mut conn, programme, region_code).await?,
                    by_status: applications::count_by_status(&mut conn, programme, region).await?,
                    by_area: applications::count_by_area(&mut conn, programme, region).await?,
                    by_hospital: applications::count_by_hospital(&mut conn, programme, region)
                        .await?,
                })
            })
            .await
    }

    /// A region's report page on a programme, laid out ([`StoreError::NotFound`] for an unknown
    /// programme).
    pub async fn regional_page(
        &self,
        db: &mut Handle,
        known: Option<&Known>,
        programme: &str,
        region_code: i64,
    ) -> Result<Arc<Body>, StoreError> {
        // Labelled with the reports' own version: applications moving through drafts and
        // review, which the report does not show, leave the kept page current.
        let version = region_reports_version(db, known, region_code).await?;
        let key = (programme.to_string(), region_code);
        self.regional_pages
            .get(&key, version, || async {
                build_regional(&self.page_builds, db, programme, region_code, |report| {
                    Body::of(&reports::regional_document(&report, Layout::Screen))
                })
                .await?
                .map_err(|e| StoreError::Other(anyhow::anyhow!("report layout: {e}")))
            })
            .await
    }

    /// What `make` makes of a region's report with every row, read now (for the files and the
    /// API; not kept, see [`Caches::regional_pages`]). `make` runs on the blocking pool.
    pub async fn regional_file<T: Send + 'static>(
        &self,
        db: &mut Handle,
        programme: &str,
        region_code: i64,
        make: impl FnOnce(RegionalReport) -> T + Send + 'static,
    ) -> Result<T, StoreError> {
        build_regional(&self.file_builds, db, programme, region_code, make).await
    }

    /// The five regions side by side ([`StoreError::NotFound`] for an unknown programme).
    pub async fn national_report(
        &self,
        db: &mut Handle,
        known: Option<&Known>,
        programme: &str,
    ) -> Result<Arc<NationalReport>, StoreError> {
        let version = all_version(db, known).await?;
        self.national_reports
            .get(&programme.to_string(), version, || async {
                let _turn = turn(&self.page_builds).await?;
                data::national(&mut *db.conn().await?, programme).await
            })
            .await
    }
}

/// [`versions::of_region`], from what the request knows if it can.
async fn region_version(
    db: &mut Handle,
    known: Option<&Known>,
    region_code: i64,
) -> Result<i64, StoreError> {
    match known.and_then(|k| k.of_region(region_code)) {
        Some(version) => Ok(version),
        None => versions::of_region(&mut *db.conn().await?, region_code).await,
    }
}

/// [`versions::of_region_reports`], from what the request knows if it can.
async fn region_reports_version(
    db: &mut Handle,
    known: Option<&Known>,
    region_code: i64,
) -> Result<i64, StoreError> {
    match known.and_then(|k| k.of_region_reports(region_code)) {
        Some(version) => Ok(version),
        None => versions::of_region_reports(&mut *db.conn().await?, region_code).await,
    }
}

/// [`versions::of_all`], from what the request knows if it can.
async fn all_version(db: &mut Handle, known: Option<&Known>) -> Result<i64, StoreError> {
    match known {
        Some(k) => Ok(k.all),
        None => versions::of_all(&mut *db.conn().await?).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn kept_until_the_version_grows() {
        let cache: Versioned<&str, usize> = Versioned::default();
        let runs = AtomicUsize::new(0);
        let compute = || async { Ok::<_, ()>(runs.fetch_add(1, Ordering::SeqCst) + 1) };
        assert_eq!(*cache.get(&"a", 1, compute).await.unwrap(), 1);
        assert_eq!(*cache.get(&"a", 1, compute).await.unwrap(), 1);
        // An older version read by a slow request is served what was kept.
        assert_eq!(*cache.get(&"a", 0, compute).await.unwrap(), 1);
        assert_eq!(*cache.get(&"a", 2, compute).await.unwrap(), 2);
        assert_eq!(*cache.get(&"b", 2, compute).await.unwrap(), 3);
        assert_eq!(runs.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn concurrent_requests_share_one_computation() {
        let cache: Arc<Versioned<&str, usize>> = Arc::default();
        let runs = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..8 {
            let (cache, runs) = (cache.clone(), runs.clone());
            tasks.push(tokio::spawn(async move {
                *cache
                    .get(&"report", 7, || async {
                        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                        Ok::<_, ()>(runs.fetch_add(1, Ordering::SeqCst))
                    })
                    .await
                    .unwrap()
            }));
        }
        for t in tasks {
            assert_eq!(t.await.unwrap(), 0);
        }
        assert_eq!(runs.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn errors_are_not_kept_and_their_keys_forgotten() {
        let cache: Versioned<String, usize> = Versioned::default();
        for n in 0..100 {
            let r = cache
                .get(&format!("ukendt-{n}"), 1, || async {
                    Err::<usize, _>("not found")
                })
                .await;
            assert_eq!(r.unwrap_err(), "not found");
        }
        assert_eq!(cache.keys(), 0);
        let ok = cache
            .get(&"ok21".to_string(), 1, || async { Ok::<_, ()>(5) })
            .await;
        assert_eq!(*ok.unwrap(), 5);
        // A failed recomputation keeps the earlier value's slot (and does not replace the value
        // with the error).
        let failed = cache
            .get(&"ok21".to_string(), 2, || async { Err::<usize, _>(()) })
            .await;
        assert!(failed.is_err());
        assert_eq!(cache.keys(), 1);
    }
}
