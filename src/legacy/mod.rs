//! The original protocol's stream types, beside [`crate::stream`]: TileDocument (type 0),
//! Caip10Link (type 1) and the did:3 method whose keys live in a TileDocument, as js-ceramic
//! wrote and folded them (`../shared/reference/legacy.md` lists each rule with its source).
//!
//! Logs come from js-ceramic's `/api/v0` (or any block store) as [`Commit`]s, are folded by
//! [`tile::fold`] and [`link::fold`] with every signature, link proof and chain of `prev`s
//! checked, and compare with a node's claimed state through [`LegacyState::to_json`].

pub mod commit;
pub mod conflict;
pub mod did3;
pub mod link;
pub mod state;
pub mod tile;

pub use commit::Commit;
pub use state::{LegacyState, LogEntry, Next};
pub use tile::{AnchorInfo, DidKeyResolver, KeyResolver};
