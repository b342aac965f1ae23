//! Typed ids: each stored entity's id is its own type, so an application's id cannot be passed
//! where a user's is meant. An id is the database's 64-bit integer; in JSON and text it is that
//! integer (`#[serde(transparent)]`, `Display`, `FromStr`).

/// Declares an id type wrapping the database's `i64`.
macro_rules! ids {
    ($($(#[$doc:meta])* $name:ident;)+) => {
        $(
            $(#[$doc])*
            #[derive(
                Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash,
                serde::Serialize, serde::Deserialize,
            )]
            #[serde(transparent)]
            pub struct $name(i64);

            impl $name {
                /// The id stored as `id`.
                pub const fn new(id: i64) -> $name {
                    $name(id)
                }

                /// The integer, as the database stores it.
                pub const fn get(self) -> i64 {
                    self.0
                }
            }

            impl From<i64> for $name {
                fn from(id: i64) -> $name {
                    $name(id)
                }
            }

            impl From<$name> for i64 {
                fn from(id: $name) -> i64 {
                    id.0
                }
            }

            impl std::fmt::Display for $name {
                fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    self.0.fmt(f)
                }
            }

            impl std::str::FromStr for $name {
                type Err = std::num::ParseIntError;
                fn from_str(text: &str) -> Result<$name, Self::Err> {
                    text.trim().parse().map($name)
                }
            }
        )+
    };
}

ids! {
    /// An application (an agreement once approved).
    ApplicationId;
    /// A user account.
    UserId;
    /// A hospital.
    HospitalId;
    /// A hospital's department.
    DepartmentId;
    /// A region's priority area in a programme.
    AreaId;
    /// An application round.
    RoundId;
    /// A supplement tier.
    TierId;
    /// A steering group's meeting.
    MeetingId;
    /// A member of a working or steering group.
    MemberId;
    /// A historic trial, imported from a region's list.
    TrialId;
    /// A file kept with an application or a historic trial.
    AttachmentId;
    /// A file in an attachment field of a programme's application form.
    ProgrammeFileId;
    /// An evaluation of a trial.
    EvaluationId;
    /// An item of a programme's checklist.
    ChecklistItemId;
    /// An API token.
    TokenId;
    /// A tranche of a programme's money.
    TrancheId;
    /// A region's pool of a tranche.
    PoolId;
    /// A posting for payroll: one agreement's month, or the reversal of one.
    PostingId;
    /// A payroll batch: postings sent to payroll together.
    PayrollBatchId;
    /// A comment on an application.
    CommentId;
    /// A message in the outbox.
    MessageId;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_their_integer_in_json_and_text() {
        let id = ApplicationId::new(42);
        assert_eq!(id.get(), 42);
        assert_eq!(serde_json::to_string(&id).unwrap(), "42");
        assert_eq!(serde_json::from_str::<ApplicationId>("42").unwrap(), id);
        assert_eq!(id.to_string(), "42");
        assert_eq!(" 42".parse::<ApplicationId>().unwrap(), id);
        assert!("x".parse::<UserId>().is_err());
        assert_eq!(i64::from(UserId::from(7)), 7);
    }
}
