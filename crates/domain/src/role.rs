//! The roles a user can hold, with their stable identifiers.

use serde::{Serialize, Serializer};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    Applicant,
    Leader,
    WorkingGroup,
    SteeringGroup,
    UnionRep,
    RegionAdmin,
    NationalViewer,
    Admin,
}

impl Role {
    pub const ALL: [Role; 8] = [
        Role::Applicant,
        Role::Leader,
        Role::WorkingGroup,
        Role::SteeringGroup,
        Role::UnionRep,
        Role::RegionAdmin,
        Role::NationalViewer,
        Role::Admin,
    ];

    /// The stable identifier used in the database, the CLI and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Applicant => "applicant",
            Role::Leader => "leader",
            Role::WorkingGroup => "working_group",
            Role::SteeringGroup => "steering_group",
            Role::UnionRep => "union_rep",
            Role::RegionAdmin => "region_admin",
            Role::NationalViewer => "national_viewer",
            Role::Admin => "admin",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == text.trim())
    }

    pub fn label_da(self) -> &'static str {
        match self {
            Role::Applicant => "Ansøger (afdelingslæge)",
            Role::Leader => "Afdelingsledelse",
            Role::WorkingGroup => "Arbejdsgruppe",
            Role::SteeringGroup => "Styregruppe",
            Role::UnionRep => "Tillidsrepræsentant (YL)",
            Role::RegionAdmin => "Regional administrator",
            Role::NationalViewer => "National læser",
            Role::Admin => "Systemadministrator",
        }
    }

    /// Whether a user with this role belongs to exactly one region.
    pub fn is_regional(self) -> bool {
        !matches!(self, Role::NationalViewer | Role::Admin)
    }
}

impl Serialize for Role {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("root"), None);
        assert!(!Role::NationalViewer.is_regional());
        assert!(Role::UnionRep.is_regional());
    }
}
