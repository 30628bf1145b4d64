//! # ceramic-wasm
//!
//! The Ceramic protocol's client core: StreamIDs and EventIDs, canonical DAG-CBOR and CAR files,
//! did:key identities and DAG-JOSE signatures, and the four kinds of Ceramic event, byte-for-byte
//! identical to what ceramic-one and the JS SDK produce and accept.
//!
//! The modules below are plain Rust (tested natively with `cargo test`); `wasm` (compiled only for
//! `wasm32`) is the only place that touches JavaScript.

pub mod codec;
pub mod did;
pub mod error;
pub mod events;
pub mod http;
pub mod ids;
mod last;
#[cfg(feature = "legacy")]
pub mod legacy;
pub mod part;
pub mod stream;
pub mod verify;

#[cfg(target_arch = "wasm32")]
pub mod wasm;

pub use error::{Error, Result};

/// The README's Rust examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
