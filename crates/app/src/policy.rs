//! Who may see and do what. Every handler asks here before it reads or changes an object.
//!
//! The rule of thumb: an object the user may not see is [`Error::NotFound`] (404), so another
//! region's data is not even confirmed to exist; an object the user may see but not change is
//! [`Error::Forbidden`] (403).

use crate::error::Error;
use pulje_domain::programme::{Definition, StateKind};
use pulje_domain::{ApplicationStatus, RegionCode, Role, UserId};
use pulje_store::applications::Application;
use pulje_store::programme_applications::ProgrammeApplication;
use pulje_store::users::User;
use pulje_store::workflow::Comment;

/// Who is asking: a user, however the adapter knows them (a session, an API token, the CLI).
pub trait Person {
    fn person(&self) -> &User;

    /// The user's region code, for regional roles.
    fn region_code(&self) -> Option<RegionCode> {
        self.person().region
    }
}

/// Which regions' data a user may read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    All,
    Region(RegionCode),
    /// A regional role without a region: nothing.
    Nowhere,
}

impl Scope {
    pub fn of(user: &impl Person) -> Scope {
        match (user.person().role, user.region_code()) {
            (Role::Admin | Role::NationalViewer, _) => Scope::All,
            (_, Some(code)) => Scope::Region(code),
            // A regional role without a region sees nothing; never widen to All.
            (_, None) => Scope::Nowhere,
        }
    }

    pub fn allows(self, region_code: RegionCode) -> bool {
        match self {
            Scope::All => true,
            Scope::Region(code) => code == region_code,
            Scope::Nowhere => false,
        }
    }

    /// The region filter for a list query; `Err` when the user may see no region at all.
    pub fn region_filter(self) -> Result<Option<RegionCode>, Error> {
        match self {
            Scope::All => Ok(None),
            Scope::Region(code) => Ok(Some(code)),
            Scope::Nowhere => Err(Error::NotFound),
        }
    }

    /// Narrows to `requested` if allowed; another region is refused as not found.
    pub fn narrow(self, requested: Option<RegionCode>) -> Result<Option<RegionCode>, Error> {
        match (self, requested) {
            (Scope::All, r) => Ok(r),
            (Scope::Region(code), None) => Ok(Some(code)),
            (Scope::Region(code), Some(r)) if r == code => Ok(Some(code)),
            _ => Err(Error::NotFound),
        }
    }
}

/// Whether the user sees applications that were never sent (an agreement in status `draft`, an
/// application of a programme defined as data in its workflow's initial state with no step
/// taken). The national viewer needs to know only what was submitted: not the drafts.
pub fn sees_unsent(user: &impl Person) -> bool {
    user.person().role != Role::NationalViewer
}

/// Applicants see their own applications; other regional roles their region's; national roles
/// all, but the national viewer no drafts ([`sees_unsent`]).
pub fn can_view_application(user: &impl Person, app: &Application) -> bool {
    if !Scope::of(user).allows(app.region_code) {
        return false;
    }
    if app.status == ApplicationStatus::Draft && !sees_unsent(user) {
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
pub fn can_create_in(user: &impl Person, region_code: RegionCode) -> Result<(), Error> {
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
pub fn require_admin_of(user: &impl Person, region_code: RegionCode) -> Result<(), Error> {
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
pub fn require_view_trial_evaluation(
    user: &impl Person,
    region_code: RegionCode,
) -> Result<(), Error> {
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
pub fn require_report_view(user: &impl Person, region_code: RegionCode) -> Result<(), Error> {
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
pub fn require_report_edit(user: &impl Person, region_code: RegionCode) -> Result<(), Error> {
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
pub fn can_edit_report(user: &impl Person, region_code: RegionCode) -> bool {
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

/// The steering group's meetings and the groups' members: every role but the applicant reads them.
pub fn may_see_meetings(user: &impl Person) -> bool {
    !matches!(user.person().role, Role::Applicant)
}

/// Creating meetings and putting applications on their agendas: the steering group and the
/// region's administrator.
pub fn may_manage_meetings(user: &impl Person) -> bool {
    matches!(user.person().role, Role::SteeringGroup | Role::RegionAdmin)
}

/// Naming the members of the working and steering groups: the region's administrator.
pub fn require_manage_members(user: &impl Person) -> Result<(), Error> {
    only(
        user,
        Role::RegionAdmin,
        "Kun regionens administrator kan ændre gruppernes medlemmer.",
    )
}

/// Whether the user names the groups' members (for showing the form).
pub fn may_manage_members(user: &impl Person) -> bool {
    require_manage_members(user).is_ok()
}

/// Reading a region's postings for payroll: every role but the applicant, within its scope.
/// Another region: 404.
pub fn require_payments_view(user: &impl Person, region_code: RegionCode) -> Result<(), Error> {
    Scope::of(user).narrow(Some(region_code))?;
    match user.person().role {
        Role::Applicant => Err(Error::forbidden()),
        _ => Ok(()),
    }
}

/// Making the postings of a region: its own administrator.
pub fn require_post_payments(user: &impl Person, region_code: RegionCode) -> Result<(), Error> {
    require_payments_view(user, region_code)?;
    if user.person().role == Role::RegionAdmin && user.region_code() == Some(region_code) {
        Ok(())
    } else {
        Err(Error::Forbidden(
            "Kun regionens administrator kan danne posteringer.".into(),
        ))
    }
}

/// Whether the user makes the region's postings (for showing the form).
pub fn can_post_payments(user: &impl Person, region_code: RegionCode) -> bool {
    require_post_payments(user, region_code).is_ok()
}

/// Lists restricted to the user's own applications (as the author or the responsible
/// afdelingslæge): an applicant's. `None` for everyone else.
pub fn own_only(user: &impl Person) -> Option<UserId> {
    (user.person().role == Role::Applicant).then_some(user.person().id)
}

/// Whom an application written by `user` names as its responsible afdelingslæge at first: the
/// applicant writing it; anyone else chooses one.
pub fn doctor_by_default(user: &impl Person) -> Option<UserId> {
    (user.person().role == Role::Applicant).then_some(user.person().id)
}

/// Writing in an application's comment thread: anyone who sees it, except the national roles.
pub fn require_comment(user: &impl Person, app: &Application) -> Result<(), Error> {
    require_view(user, app)?;
    if may_comment(user) {
        Ok(())
    } else {
        Err(Error::forbidden())
    }
}

/// Whether the user's role works through the API and so makes API tokens on "Min konto": the
/// system and region administrators (integrations with a region's own systems, bulk reads)
/// and the national viewer (national statistics read by a program). The other roles work in
/// the pages. A token made before stays valid until it expires or is revoked.
pub fn uses_api(user: &impl Person) -> bool {
    matches!(
        user.person().role,
        Role::Admin | Role::RegionAdmin | Role::NationalViewer
    )
}

/// Fails with 403 unless the user's role makes API tokens ([`uses_api`]).
pub fn require_api_tokens(user: &impl Person) -> Result<(), Error> {
    if uses_api(user) {
        Ok(())
    } else {
        Err(Error::Forbidden(
            "Din rolle bruger ikke API'et og kan ikke oprette API-nøgler.".into(),
        ))
    }
}

/// Whether the user's role writes comments at all (for showing the comment form).
pub fn may_comment(user: &impl Person) -> bool {
    !matches!(user.person().role, Role::NationalViewer | Role::Admin)
}

/// Whether the user reads comments marked internal: the working and steering groups and the
/// administrators. Never the applicant, the leader, the union representative or the national
/// viewer.
pub fn sees_internal_comments(user: &impl Person) -> bool {
    matches!(
        user.person().role,
        Role::WorkingGroup | Role::SteeringGroup | Role::RegionAdmin | Role::Admin
    )
}

/// Whether the user reads `comment` (of an application the user sees): an internal one only
/// when [`sees_internal_comments`].
pub fn may_read_comment(user: &impl Person, comment: &Comment) -> bool {
    !comment.internal.0 || sees_internal_comments(user)
}

/// Whether the user may mark a comment internal (and so the form offers it): those who read
/// internal comments and write comments.
pub fn may_comment_internally(user: &impl Person) -> bool {
    sees_internal_comments(user) && may_comment(user)
}

/// Fails with 403 unless the user may mark a comment internal.
pub fn require_comment_internally(user: &impl Person) -> Result<(), Error> {
    if may_comment_internally(user) {
        Ok(())
    } else {
        Err(Error::Forbidden(
            "Din rolle kan ikke skrive interne kommentarer.".into(),
        ))
    }
}

/// The working group reviews (ticks the checklist of) the submitted applications of its own
/// region.
pub fn require_review(user: &impl Person, app: &Application) -> Result<(), Error> {
    require_view(user, app)?;
    if user.person().role != Role::WorkingGroup {
        return Err(Error::Forbidden(
            "Kun arbejdsgruppen kvalitetssikrer ansøgninger.".into(),
        ));
    }
    if app.status != ApplicationStatus::Submitted {
        return Err(Error::Conflict(format!(
            "Ansøgningen har status «{}» og kan ikke kvalitetssikres nu.",
            app.status.label_da()
        )));
    }
    Ok(())
}

/// Whether the checklist is open to the user on this application (for showing it).
pub fn may_review(user: &impl Person, app: &Application) -> bool {
    require_review(user, app).is_ok()
}

/// Importing agreement forms as drafts: whoever may write applications in their region, and
/// the system administrator.
pub fn require_import_forms(user: &impl Person) -> Result<(), Error> {
    match user.region_code() {
        Some(code) => can_create_in(user, code),
        None if user.person().role == Role::Admin => Ok(()),
        None => Err(Error::Forbidden("Du kan ikke oprette ansøgninger.".into())),
    }
}

/// Importing lists of historic trials: the region's administrator and the system administrator.
pub fn require_import_trials(user: &impl Person) -> Result<(), Error> {
    match (user.person().role, user.region_code()) {
        (Role::Admin, _) => Ok(()),
        (Role::RegionAdmin, Some(code)) => require_admin_of(user, code),
        _ => Err(Error::Forbidden(
            "Kun regionens administrator kan indlæse lister over forsøg.".into(),
        )),
    }
}

/// Administering another user: the region's administrator for users of that region, the
/// system administrator for everyone (users without a region, the national roles, are the
/// system administrator's alone). Anyone else: 404.
pub fn require_admin_of_user(user: &impl Person, target: &User) -> Result<(), Error> {
    match target.region {
        Some(r) => require_admin_of(user, r),
        None if user.person().role == Role::Admin => Ok(()),
        None => Err(Error::NotFound),
    }
}

/// The roles a user may give: the regional ones for a region's administrator, all for the
/// system administrator, none for anyone else.
pub fn grantable_roles(user: &impl Person) -> Vec<Role> {
    let role = user.person().role;
    Role::ALL
        .into_iter()
        .filter(|r| match role {
            Role::Admin => true,
            Role::RegionAdmin => r.is_regional(),
            _ => false,
        })
        .collect()
}

/// Changing the review checklist's points: the system administrator (they are national).
pub fn require_edit_checklist(user: &impl Person) -> Result<(), Error> {
    only(
        user,
        Role::Admin,
        "Kun systemadministratoren kan ændre programmets tjekliste.",
    )
}

/// Whether the user changes the checklist (for showing the form).
pub fn may_edit_checklist(user: &impl Person) -> bool {
    require_edit_checklist(user).is_ok()
}

/// Setting up and changing programmes (their definitions): the system administrator, since a
/// programme spans the regions.
pub fn require_edit_programmes(user: &impl Person) -> Result<(), Error> {
    only(
        user,
        Role::Admin,
        "Kun systemadministratoren kan oprette og ændre programmer.",
    )
}

/// Allowed for `role` alone; anyone else is refused with `refusal`.
fn only(user: &impl Person, role: Role, refusal: &str) -> Result<(), Error> {
    if user.person().role == role {
        Ok(())
    } else {
        Err(Error::Forbidden(refusal.into()))
    }
}

/// Giving a user `role`: see [`grantable_roles`].
pub fn require_grant(user: &impl Person, role: Role) -> Result<(), Error> {
    if grantable_roles(user).contains(&role) {
        Ok(())
    } else {
        Err(Error::Forbidden(format!(
            "Du kan ikke oprette brugere med rollen «{}».",
            role.label_da()
        )))
    }
}

/// Whether the user writes applications at all (for showing "Ny ansøgning"); where, is
/// [`can_create_in`].
pub fn may_create_applications(user: &impl Person) -> bool {
    matches!(
        user.person().role,
        Role::Applicant | Role::Leader | Role::RegionAdmin | Role::Admin
    )
}

/// Whether the user names (and sees) an application's responsible afdelingslæge: everyone but
/// the applicant, who is that person.
pub fn may_choose_doctor(user: &impl Person) -> bool {
    user.person().role != Role::Applicant
}

/// An application of a programme defined as data: seen like an agreement (applicants their
/// own, other roles their region's, national roles all), and by the members of the
/// programme's bodies wherever they are, since a body decides on every region's applications.
/// `unsent`: it is in its workflow's initial state with no step taken, which the national
/// viewer does not see ([`sees_unsent`]).
pub fn can_view_programme_application(
    user: &impl Person,
    app: &ProgrammeApplication,
    bodies: &[String],
    unsent: bool,
) -> bool {
    if unsent && !sees_unsent(user) {
        return false;
    }
    if !bodies.is_empty() {
        return true;
    }
    if !Scope::of(user).allows(app.region_code) {
        return false;
    }
    match user.person().role {
        Role::Applicant => app.is_own(user.person().id),
        _ => true,
    }
}

/// Writing an application of `def`: a role the definition lets apply, in the user's region
/// (an admin anywhere).
pub fn may_apply(
    user: &impl Person,
    def: &Definition,
    region_code: RegionCode,
) -> Result<(), Error> {
    let role = user.person().role;
    if role != Role::Admin && !def.applicants.roles.iter().any(|r| r == role.as_str()) {
        return Err(Error::Forbidden(format!(
            "Din rolle kan ikke søge i «{}».",
            def.name
        )));
    }
    can_create_in(user, region_code)
}

/// Changing the form of an application of a programme defined as data: its writer, or the
/// region's administrator (an admin anywhere), while its state lets the applicant edit.
pub fn require_edit_programme_application(
    user: &impl Person,
    app: &ProgrammeApplication,
    def: &Definition,
) -> Result<(), Error> {
    let allowed = match user.person().role {
        Role::Admin => true,
        Role::RegionAdmin => user.region_code() == Some(app.region_code),
        _ => app.is_own(user.person().id),
    };
    if !allowed {
        return Err(Error::Forbidden(
            "Kun ansøgeren og regionens administrator kan rette ansøgningen.".into(),
        ));
    }
    let editable = def
        .workflow
        .state(&app.state)
        .is_some_and(|s| s.kind == StateKind::Editable);
    if !editable {
        return Err(Error::Conflict(format!(
            "Ansøgningen har status «{}» og kan ikke rettes.",
            def.state_da(&app.state)
        )));
    }
    Ok(())
}

/// Reading the evaluation of an application of a programme defined as data (the caller has
/// checked that the user may see the application): its writer, always; once it is submitted,
/// the administrators of the application's region (and the system administrator). Anyone else
/// gets 404, as for an object they may not see.
pub fn require_view_programme_evaluation(
    user: &impl Person,
    app: &ProgrammeApplication,
    submitted: bool,
) -> Result<(), Error> {
    if app.is_own(user.person().id) || (submitted && may_read_evaluations_of(user, app)) {
        Ok(())
    } else {
        Err(Error::NotFound)
    }
}

/// Whether the user reads the submitted evaluations of the application's region.
fn may_read_evaluations_of(user: &impl Person, app: &ProgrammeApplication) -> bool {
    match user.person().role {
        Role::Admin => true,
        Role::RegionAdmin => user.region_code() == Some(app.region_code),
        _ => false,
    }
}

/// Filling in the evaluation of an application of a programme defined as data: its writer only.
/// A region's administrator is refused with 403 (they read it once submitted); anyone else
/// with 404.
pub fn require_edit_programme_evaluation(
    user: &impl Person,
    app: &ProgrammeApplication,
) -> Result<(), Error> {
    if app.is_own(user.person().id) {
        Ok(())
    } else if may_read_evaluations_of(user, app) {
        Err(Error::Forbidden(
            "Kun ansøgeren kan udfylde evalueringen.".into(),
        ))
    } else {
        Err(Error::NotFound)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Someone(User);

    impl Person for Someone {
        fn person(&self) -> &User {
            &self.0
        }
    }

    fn someone(role: Role) -> Someone {
        Someone(User {
            id: UserId::new(7),
            email: "a@example.dk".into(),
            name: "A".into(),
            role,
            region: role.is_regional().then_some(RegionCode::NORDJYLLAND),
            disabled: false,
            created_at: String::new(),
        })
    }

    /// The roles for which `rule` holds, in `Role::ALL`'s order.
    fn who(rule: impl Fn(&Someone) -> bool) -> Vec<Role> {
        Role::ALL
            .into_iter()
            .filter(|&r| rule(&someone(r)))
            .collect()
    }

    const OWN: RegionCode = RegionCode::NORDJYLLAND;
    const OTHER: RegionCode = RegionCode::HOVEDSTADEN;

    #[test]
    fn meetings_members_and_checklist() {
        use Role::*;
        assert_eq!(
            who(may_see_meetings),
            [
                Leader,
                WorkingGroup,
                SteeringGroup,
                UnionRep,
                RegionAdmin,
                NationalViewer,
                Admin
            ]
        );
        assert_eq!(who(may_manage_meetings), [SteeringGroup, RegionAdmin]);
        assert_eq!(who(may_manage_members), [RegionAdmin]);
        assert_eq!(who(may_edit_checklist), [Admin]);
        assert_eq!(who(|u| require_edit_programmes(u).is_ok()), [Admin]);
        assert!(matches!(
            require_edit_checklist(&someone(RegionAdmin)),
            Err(Error::Forbidden(m)) if m.contains("systemadministratoren")
        ));
    }

    #[test]
    fn payments_are_read_in_scope_and_made_by_the_regions_administrator() {
        use Role::*;
        assert_eq!(
            who(|u| require_payments_view(u, OWN).is_ok()),
            [
                Leader,
                WorkingGroup,
                SteeringGroup,
                UnionRep,
                RegionAdmin,
                NationalViewer,
                Admin
            ]
        );
        // Another region's postings are not confirmed to exist.
        assert!(matches!(
            require_payments_view(&someone(RegionAdmin), OTHER),
            Err(Error::NotFound)
        ));
        assert!(matches!(
            require_payments_view(&someone(Applicant), OWN),
            Err(Error::Forbidden(_))
        ));
        assert_eq!(who(|u| can_post_payments(u, OWN)), [RegionAdmin]);
        assert_eq!(who(|u| can_post_payments(u, OTHER)), []);
    }

    #[test]
    fn who_writes_applications_and_names_the_doctor() {
        use Role::*;
        assert_eq!(
            who(may_create_applications),
            [Applicant, Leader, RegionAdmin, Admin]
        );
        assert_eq!(
            who(|u| require_import_forms(u).is_ok()),
            [Applicant, Leader, RegionAdmin, Admin]
        );
        assert_eq!(
            who(|u| require_import_trials(u).is_ok()),
            [RegionAdmin, Admin]
        );
        assert_eq!(who(|u| !may_choose_doctor(u)), [Applicant]);
        assert_eq!(doctor_by_default(&someone(Applicant)), Some(UserId::new(7)));
        assert_eq!(doctor_by_default(&someone(Leader)), None);
        assert_eq!(own_only(&someone(Applicant)), Some(UserId::new(7)));
        assert_eq!(who(|u| own_only(u).is_some()), [Applicant]);
        assert_eq!(
            who(may_comment),
            [
                Applicant,
                Leader,
                WorkingGroup,
                SteeringGroup,
                UnionRep,
                RegionAdmin
            ]
        );
    }

    #[test]
    fn roles_are_given_within_ones_own_reach() {
        use Role::*;
        let regional: Vec<Role> = Role::ALL.into_iter().filter(|r| r.is_regional()).collect();
        assert_eq!(grantable_roles(&someone(RegionAdmin)), regional);
        assert_eq!(grantable_roles(&someone(Admin)), Role::ALL);
        assert!(require_grant(&someone(RegionAdmin), NationalViewer).is_err());
        assert!(require_grant(&someone(RegionAdmin), Leader).is_ok());
        assert_eq!(grantable_roles(&someone(Leader)), []);
    }

    #[test]
    fn users_are_administered_within_their_region() {
        let other_region = |role| {
            let mut u = someone(role).0;
            u.region = Some(RegionCode::HOVEDSTADEN);
            u
        };
        let national = someone(Role::NationalViewer).0;
        let region_admin = someone(Role::RegionAdmin);
        assert!(require_admin_of_user(&region_admin, &someone(Role::Leader).0).is_ok());
        assert!(matches!(
            require_admin_of_user(&region_admin, &other_region(Role::Leader)),
            Err(Error::NotFound)
        ));
        assert!(matches!(
            require_admin_of_user(&region_admin, &national),
            Err(Error::NotFound)
        ));
        assert!(require_admin_of_user(&someone(Role::Admin), &national).is_ok());
        assert!(matches!(
            require_admin_of_user(&someone(Role::Leader), &someone(Role::Applicant).0),
            Err(Error::Forbidden(_))
        ));
    }
}
