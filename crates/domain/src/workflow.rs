//! The path of one trial: which action moves an application from which status to which, and
//! which role may take it.
//!
//! draft → submitted → returned (back to the applicant) or ready_for_decision → approved
//! (awaiting_signatures) or rejected → active when all four parties have signed → ended.
//! An applicant may withdraw before a decision; an active agreement may be terminated early.

use crate::role::Role;
use crate::status::ApplicationStatus;

/// A step on the path, with its stable identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    Submit,
    Return,
    Forward,
    Approve,
    Reject,
    Sign,
    Withdraw,
    Terminate,
}

/// Why a step was refused. `WrongRole` answers 403, `WrongState` 409.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("{0}")]
    WrongRole(String),
    #[error("{0}")]
    WrongState(String),
}

impl Action {
    pub const ALL: [Action; 8] = [
        Action::Submit,
        Action::Return,
        Action::Forward,
        Action::Approve,
        Action::Reject,
        Action::Sign,
        Action::Withdraw,
        Action::Terminate,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::Submit => "submit",
            Action::Return => "return",
            Action::Forward => "forward",
            Action::Approve => "approve",
            Action::Reject => "reject",
            Action::Sign => "sign",
            Action::Withdraw => "withdraw",
            Action::Terminate => "terminate",
        }
    }

    pub fn parse(text: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.as_str() == text.trim())
    }

    pub fn label_da(self) -> &'static str {
        match self {
            Action::Submit => "Send ansøgningen",
            Action::Return => "Send retur til ansøger",
            Action::Forward => "Send videre til styregruppen",
            Action::Approve => "Godkend",
            Action::Reject => "Afslå",
            Action::Sign => "Underskriv",
            Action::Withdraw => "Træk ansøgningen tilbage",
            Action::Terminate => "Afslut før tid",
        }
    }

    /// The roles that may take this step (in the application's own region).
    pub fn roles(self) -> &'static [Role] {
        match self {
            Action::Submit | Action::Withdraw => {
                &[Role::Applicant, Role::Leader, Role::RegionAdmin]
            }
            Action::Return | Action::Forward => &[Role::WorkingGroup],
            Action::Approve | Action::Reject => &[Role::SteeringGroup],
            Action::Sign => &[
                Role::Applicant,
                Role::Leader,
                Role::UnionRep,
                Role::RegionAdmin,
            ],
            Action::Terminate => &[Role::RegionAdmin, Role::SteeringGroup],
        }
    }

    /// The statuses this step may be taken from.
    pub fn from(self) -> &'static [ApplicationStatus] {
        use ApplicationStatus::*;
        match self {
            Action::Submit => &[Draft, Returned],
            Action::Return | Action::Forward => &[Submitted],
            Action::Approve | Action::Reject => &[ReadyForDecision],
            Action::Sign => &[AwaitingSignatures],
            Action::Withdraw => &[Draft, Submitted, Returned, ReadyForDecision],
            Action::Terminate => &[Active],
        }
    }

    /// The status after the step. Signing stays in `awaiting_signatures` until the last of the
    /// four parties signs ([`after_signature`]).
    pub fn to(self) -> ApplicationStatus {
        use ApplicationStatus::*;
        match self {
            Action::Submit => Submitted,
            Action::Return => Returned,
            Action::Forward => ReadyForDecision,
            Action::Approve => AwaitingSignatures,
            Action::Reject => Rejected,
            Action::Sign => AwaitingSignatures,
            Action::Withdraw => Withdrawn,
            Action::Terminate => Ended,
        }
    }
}

/// Checks that `role` may take `action` on an application in `status`; the role is checked
/// first, so a user who may never take the step learns nothing about the state.
pub fn check(
    action: Action,
    status: ApplicationStatus,
    role: Role,
) -> Result<ApplicationStatus, Refusal> {
    if !action.roles().contains(&role) {
        return Err(Refusal::WrongRole(format!(
            "Rollen «{}» kan ikke «{}».",
            role.label_da(),
            action.label_da().to_lowercase()
        )));
    }
    if !action.from().contains(&status) {
        return Err(Refusal::WrongState(format!(
            "Ansøgningen har status «{}»; «{}» er ikke muligt nu.",
            status.label_da(),
            action.label_da().to_lowercase()
        )));
    }
    Ok(action.to())
}

/// The four parties who sign an approved agreement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Party {
    /// The department leader (ledende overlæge).
    Leader,
    /// The responsible afdelingslæge.
    Doctor,
    /// For the union (YL).
    Union,
    /// For the region.
    Region,
}

impl Party {
    pub const ALL: [Party; 4] = [Party::Leader, Party::Doctor, Party::Union, Party::Region];

    pub fn as_str(self) -> &'static str {
        match self {
            Party::Leader => "leader",
            Party::Doctor => "doctor",
            Party::Union => "union",
            Party::Region => "region",
        }
    }

    pub fn parse(text: &str) -> Option<Party> {
        Party::ALL.into_iter().find(|p| p.as_str() == text)
    }

    pub fn label_da(self) -> &'static str {
        match self {
            Party::Leader => "Ledende overlæge",
            Party::Doctor => "Ansvarlig afdelingslæge",
            Party::Union => "For YL",
            Party::Region => "For regionen",
        }
    }

    /// The party a user signs as, given their role.
    pub fn for_role(role: Role) -> Option<Party> {
        match role {
            Role::Leader => Some(Party::Leader),
            Role::Applicant => Some(Party::Doctor),
            Role::UnionRep => Some(Party::Union),
            Role::RegionAdmin => Some(Party::Region),
            _ => None,
        }
    }
}

/// The status after a signature, given every party that has now signed.
pub fn after_signature(signed: &[Party]) -> ApplicationStatus {
    if Party::ALL.iter().all(|p| signed.contains(p)) {
        ApplicationStatus::Active
    } else {
        ApplicationStatus::AwaitingSignatures
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ApplicationStatus::*;

    #[test]
    fn the_happy_path() {
        assert_eq!(check(Action::Submit, Draft, Role::Applicant), Ok(Submitted));
        assert_eq!(
            check(Action::Return, Submitted, Role::WorkingGroup),
            Ok(Returned)
        );
        assert_eq!(
            check(Action::Submit, Returned, Role::Applicant),
            Ok(Submitted)
        );
        assert_eq!(
            check(Action::Forward, Submitted, Role::WorkingGroup),
            Ok(ReadyForDecision)
        );
        assert_eq!(
            check(Action::Approve, ReadyForDecision, Role::SteeringGroup),
            Ok(AwaitingSignatures)
        );
        assert_eq!(
            after_signature(&[Party::Leader, Party::Doctor, Party::Union]),
            AwaitingSignatures
        );
        assert_eq!(after_signature(&Party::ALL), Active);
        assert_eq!(
            check(Action::Terminate, Active, Role::RegionAdmin),
            Ok(Ended)
        );
    }

    #[test]
    fn wrong_role_is_refused_before_wrong_state() {
        assert!(matches!(
            check(Action::Approve, Draft, Role::Applicant),
            Err(Refusal::WrongRole(_))
        ));
        assert!(matches!(
            check(Action::Approve, Submitted, Role::SteeringGroup),
            Err(Refusal::WrongState(_))
        ));
        assert!(matches!(
            check(Action::Withdraw, Active, Role::Applicant),
            Err(Refusal::WrongState(_))
        ));
        for action in Action::ALL {
            assert!(check(action, Draft, Role::NationalViewer).is_err());
            assert!(check(action, Submitted, Role::Admin).is_err());
        }
    }

    #[test]
    fn every_status_and_role_has_an_answer() {
        for action in Action::ALL {
            assert_eq!(Action::parse(action.as_str()), Some(action));
            for status in ApplicationStatus::ALL {
                for role in Role::ALL {
                    let allowed = action.roles().contains(&role) && action.from().contains(&status);
                    assert_eq!(check(action, status, role).is_ok(), allowed);
                }
            }
        }
    }
}
