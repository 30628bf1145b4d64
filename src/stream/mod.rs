//! Streams: folding events into state (JSON-Patch), the conflict rule, Model definitions and
//! Model Instance Document rules, and JSON Schema validation of content.

mod formats;
pub mod schema;
pub mod state;

pub use state::{apply_patch, compare_branches, diff, LogEntry, StreamState};
