//! did
