//! The pure core of pulje: validated value types and the rules of the programmes.
//!
//! Nothing here does I/O. Values that have rules (money, dates, region codes, e-mail addresses,
//! roles) are newtypes with private fields, built only by parsing, so the rest of the system can
//! rely on them being valid. Each stored entity's id is a type of its own ([`ids`]).

#[macro_use]
pub mod form;
pub mod application;
pub mod cost;
pub mod date;
pub mod email;
pub mod errors;
pub mod evaluation;
pub mod exceptions;
pub mod figures;
pub mod ids;
pub mod mail;
pub mod money;
pub mod programme;
pub mod region;
pub mod role;
pub mod status;
pub mod workflow;

pub use application::{
    ApplicationData, ApplicationInput, ApplicationRules, ParticipantData, ParticipantInput, FIELDS,
};
pub use date::{parse_date, Period};
pub use email::Email;
pub use errors::FieldErrors;
pub use form::{FieldDef, FieldValue, Kind, Required, Section};
pub use ids::{
    ApplicationId, AreaId, AttachmentId, ChecklistItemId, CommentId, DepartmentId, EvaluationId,
    HospitalId, MeetingId, MemberId, MessageId, PayrollBatchId, PoolId, PostingId, ProgrammeFileId,
    RoundId, TierId, TokenId, TrancheId, TrialId, UserId,
};
pub use money::Ore;
pub use region::{RegionCode, UnknownRegion};
pub use role::Role;
pub use status::ApplicationStatus;
