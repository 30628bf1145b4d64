//! Streams: folding events into state (JSON-Patch), the conflict rule, Model definitions and
//! Model Instance Document rules, and JSON Schema validation of content.

pub mod build;
mod formats;
pub mod mid;
pub mod model;
pub mod patch;
pub mod pattern_cost;
pub mod schema;
pub mod state;

pub use model::{AccountRelation, Model, ModelDefinition, Relation};
pub use patch::{apply_patch, diff};
#[cfg(not(target_arch = "wasm32"))]
pub use schema::NativeRegex;
pub use schema::PatternMatcher;
pub use state::{compare_branches, AnchorStatus, LogEntry, StreamState};
