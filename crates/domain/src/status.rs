//! The states of an application on its way to a signed agreement.

use serde::{Serialize, Serializer};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ApplicationStatus {
    Draft,
    Submitted,
    Returned,
    ReadyForDecision,
    Rejected,
    AwaitingSignatures,
    Active,
    Ended,
    Withdrawn,
}

impl ApplicationStatus {
    pub const ALL: [ApplicationStatus; 9] = [
        ApplicationStatus::Draft,
        ApplicationStatus::Submitted,
        ApplicationStatus::Returned,
        ApplicationStatus::ReadyForDecision,
        ApplicationStatus::Rejected,
        ApplicationStatus::AwaitingSignatures,
        ApplicationStatus::Active,
        ApplicationStatus::Ended,
        ApplicationStatus::Withdrawn,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ApplicationStatus::Draft => "draft",
            ApplicationStatus::Submitted => "submitted",
            ApplicationStatus::Returned => "returned",
            ApplicationStatus::ReadyForDecision => "ready_for_decision",
            ApplicationStatus::Rejected => "rejected",
            ApplicationStatus::AwaitingSignatures => "awaiting_signatures",
            ApplicationStatus::Active => "active",
            ApplicationStatus::Ended => "ended",
            ApplicationStatus::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(text: &str) -> Option<ApplicationStatus> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    pub fn label_da(self) -> &'static str {
        match self {
            ApplicationStatus::Draft => "Kladde",
            ApplicationStatus::Submitted => "Indsendt",
            ApplicationStatus::Returned => "Sendt retur",
            ApplicationStatus::ReadyForDecision => "Klar til beslutning",
            ApplicationStatus::Rejected => "Afslået",
            ApplicationStatus::AwaitingSignatures => "Afventer underskrifter",
            ApplicationStatus::Active => "Aktiv",
            ApplicationStatus::Ended => "Afsluttet",
            ApplicationStatus::Withdrawn => "Trukket tilbage",
        }
    }

    /// Whether the applicant may still edit the application's text.
    pub fn is_editable(self) -> bool {
        matches!(self, ApplicationStatus::Draft | ApplicationStatus::Returned)
    }
}

impl Serialize for ApplicationStatus {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_round_trip() {
        for s in ApplicationStatus::ALL {
            assert_eq!(ApplicationStatus::parse(s.as_str()), Some(s));
        }
        assert!(ApplicationStatus::Returned.is_editable());
        assert!(!ApplicationStatus::Active.is_editable());
    }
}
