//! Who may see and do what. Every handler asks here before it reads or changes an object.
//!
//! The rule of thumb: an object the user may not see is [`Error::NotFound`] (404), so another
//! region's data is not even confirmed to exist; an object the user may see but not change is
//! [`Error::Forbidden`] (403).

use crate::error::Error;
use pulje_domain::Role;
use pulje_store::applications::Application;
use pulje_store::users::User;

/// Who is asking: a user, however the adapter knows them (a session, an API token, the CLI).
pub trait Person {
    fn person(&self) -> &User;

    /// The user's region code, for regional roles.
    fn region_code(&self) -> Option<i64> {
        self.person().region.map(|r| i64::from(r.code()))
    }
}

/// Which regions' data a user may read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    All,
    Region(i64),
}

impl Scope {
    pub fn of(user: &impl Person) -> Scope {
        match (user.person().role, user.region_code()) {
            (Role::Admin | Role::NationalViewer, _) => Scope::All,
            (_, Some(code)) => Scope::Region(code),
            // A regional role without a region sees nothing; never widen to All.
            (_, None) => Scope::Region(0),
        }
    }

    pub fn allows(self, region_code: i64) -> bool {
        match self {
            Scope::All => true,
            Scope::Region(code) => code == region_code,
        }
    }

    /// The region filter for a list query.
    pub fn region_filter(self) -> Option<i64> {
        match self {
            Scope::All => None,
            Scope::Region(code) => Some(code),
        }
    }

    /// Narrows to `requested` if allowed; another region is refused as not found.
    pub fn narrow(self, requested: Option<i64>) -> Result<Option<i64>, Error> {
        match (self, requested) {
            (Scope::All, r) => Ok(r),
            (Scope::Region(code), None) => Ok(Some(code)),
            (Scope::Region(code), Some(r)) if r == code => Ok(Some(code)),
            _ => Err(Error::NotFound),
        }
    }
}

/// Applicants see their own applications; other regional roles their region's; national roles all.
pub fn can_view_application(user: &impl Person, app: &Application) -> bool {
    if !Scope::of(user).allows(app.region_code) {
        return false;
    }
    match user.person().role {
        Role::Applicant => app.is_own(user.person().id),
        _ => true,
    }
}

/// Fails with 404 unless the user may see the application.
pub fn require_view(user: &impl Person, app: &Application) -> Result<(), Error> {
    if can_view_application(user, app) {
        Ok(())
    } else {
        Err(Error::NotFound)
    }
}

/// Who may write applications, and in which region.
pub fn can_create_in(user: &impl Person, region_code: i64) -> Result<(), Error> {
    match user.person().role {
        Role::Admin => Ok(()),
        Role::Applicant | Role::Leader | Role::RegionAdmin
            if user.region_code() == Some(region_code) =>
        {
            Ok(())
        }
        Role::Applicant | Role::Leader | Role::RegionAdmin => Err(Error::NotFound),
        _ => Err(Error::Forbidden(
            "Din rolle kan ikke oprette ansøgninger.".into(),
        )),
    }
}

/// Editing the form's text: the author (or the region's administrator, or an admin) while the
/// application is a draft or returned.
pub fn require_edit(user: &impl Person, app: &Application) -> Result<(), Error> {
    require_view(user, app)?;
    let allowed = match user.person().role {
        Role::Admin | Role::RegionAdmin => true,
        Role::Applicant | Role::Leader => app.is_own(user.person().id),
        _ => false,
    };
    if !allowed {
        return Err(Error::Forbidden(
            "Kun ansøgeren og regionens administrator kan redigere ansøgningen.".into(),
        ));
    }
    if !app.status.is_editable() {
        return Err(Error::Conflict(format!(
            "Ansøgningen har status «{}» og kan ikke længere redigeres.",
            app.status.label_da()
        )));
    }
    Ok(())
}

/// Administration of a region's reference data (hospitals, areas, tiers, rounds, users).
pub fn require_admin_of(user: &impl Person, region_code: i64) -> Result<(), Error> {
    match user.person().role {
        Role::Admin => Ok(()),
        Role::RegionAdmin if user.region_code() == Some(region_code) => Ok(()),
        Role::RegionAdmin => Err(Error::NotFound),
        _ => Err(Error::forbidden()),
    }
}

/// Access to the administration pages at all.
pub fn require_any_admin(user: &impl Person) -> Result<(), Error> {
    match user.person().role {
        Role::Admin | Role::RegionAdmin => Ok(()),
        _ => Err(Error::forbidden()),
    }
}

/// The regions a user administers: all for `admin`, their own for `region_admin`.
pub fn admin_scope(user: &impl Person) -> Result<Scope, Error> {
    require_any_admin(user)?;
    Ok(Scope::of(user))
}

/// Reading an agreement's evaluation: its responsible afdelingslæge (or author), and the
/// region's leaders, administrators, working and steering groups; system administrators too.
/// Anyone else gets 404.
pub fn require_view_evaluation(user: &impl Person, app: &Application) -> Result<(), Error> {
    if !Scope::of(user).allows(app.region_code) {
        return Err(Error::NotFound);
    }
    match user.person().role {
        Role::Applicant if app.is_own(user.person().id) => Ok(()),
        Role::Leader
        | Role::RegionAdmin
        | Role::WorkingGroup
        | Role::SteeringGroup
        | Role::Admin => Ok(()),
        _ => Err(Error::NotFound),
    }
}

/// Filling in an agreement's evaluation: the responsible afdelingslæge (or the author) and the
/// region's department leaders. Readers get 403.
pub fn require_edit_evaluation(user: &impl Person, app: &Application) -> Result<(), Error> {
    require_view_evaluation(user, app)?;
    match user.person().role {
        Role::Applicant | Role::Leader => Ok(()),
        _ => Err(Error::Forbidden(
            "Kun den ansvarlige afdelingslæge og afdelingsledelsen kan udfylde evalueringen."
                .into(),
        )),
    }
}

/// Reading a historic trial's evaluation file: the region's leaders, administrators, working
/// and steering groups, and system administrators.
pub fn require_view_trial_evaluation(user: &impl Person, region_code: i64) -> Result<(), Error> {
    if !Scope::of(user).allows(region_code) {
        return Err(Error::NotFound);
    }
    match user.person().role {
        Role::Leader
        | Role::RegionAdmin
        | Role::WorkingGroup
        | Role::SteeringGroup
        | Role::Admin => Ok(()),
        _ => Err(Error::NotFound),
    }
}

/// Reading a region's report: the national roles for every region; the region's administrator,
/// steering group, working group, union representative and department leaders for their own.
/// Applicants see their own applications, not the region's report. Another region: 404.
pub fn require_report_view(user: &impl Person, region_code: i64) -> Result<(), Error> {
    if !Scope::of(user).allows(region_code) {
        return Err(Error::NotFound);
    }
    match user.person().role {
        Role::Applicant => Err(Error::Forbidden(
            "Regionens rapport er for regionens administration, grupper og afdelingsledelser."
                .into(),
        )),
        _ => Ok(()),
    }
}

/// Writing a region's report: its administrator (and the system administrator).
pub fn require_report_edit(user: &impl Person, region_code: i64) -> Result<(), Error> {
    if !Scope::of(user).allows(region_code) {
        return Err(Error::NotFound);
    }
    match user.person().role {
        Role::Admin | Role::RegionAdmin => Ok(()),
        _ => Err(Error::Forbidden(
            "Kun regionens administrator kan skrive rapportens afsnit.".into(),
        )),
    }
}

/// Whether the user may edit a region's report (for showing the link).
pub fn can_edit_report(user: &impl Person, region_code: i64) -> bool {
    require_report_edit(user, region_code).is_ok()
}

/// The national view: the national viewer and the system administrator. Regional roles see
/// their own region's report instead.
pub fn require_national_view(user: &impl Person) -> Result<(), Error> {
    match user.person().role {
        Role::Admin | Role::NationalViewer => Ok(()),
        _ => Err(Error::Forbidden(
            "Den nationale oversigt er for de nationale parter; se regionens egen rapport.".into(),
        )),
    }
}
