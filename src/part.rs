//! The npm package's lazily loaded part: the functions that only rare calls need, in a second wasm
//! module that the page fetches the first time one of those calls comes.
//!
//! The package's wasm is built whole and cut in two afterwards (`scripts/split-part.mjs`, with
//! binaryen's `wasm-split`): every function reachable only through a *root* — a function whose
//! name ends in `_in_part`, never inlined — goes to `ceramic_wasm_part-<hash>.wasm`, which imports
//! the first module's memory, table, globals and functions, so that the part carries no second
//! copy of the allocator, the codec or the JS boundary (P-256 and secp256k1 as a module of their
//! own carried ~3 K gzip of those). Until the part is loaded, each root's slot in the table holds
//! a placeholder; so a root is called only after [`require`] said the part is there (every root
//! takes the [`Loaded`] it gives), and before it the call answers `PART_NOT_LOADED`, which the JS
//! layer takes as "load the part and run the call again" (`src/wasm/lazy.rs`): callers never see
//! the split, and a page that never needs the part never downloads it.
//!
//! The roots: ECDSA on P-256 and secp256k1 (`did::ecdsa`: did:keys other than Ed25519, eip191
//! and webauthn CACAOs); a capability-signed event's checks (`verify::signature`: the CACAO's
//! decoding, audience, issuer, time and resources) and a CACAO's own signature
//! (`did::capability`: SIWx messages, eip191, Solana, WebAuthn); the completion and restoring of
//! CACAO sessions (`did::session`) and, through [`call`], a session's signing, serialising and
//! expiry; a schema's `pattern` bound and `format` checks (`stream`);
//! anchor checks on chain (`verify::anchor`); and, through [`run`], whole async calls of the JS
//! layer (subscriptions, interests, starting a CACAO session, a wallet's `inspectSigningRequest`).
//! Builds without the cargo feature `lazy-part` (native builds, the devnode, tests) are whole:
//! [`require`] always passes.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::error::{Error, Result};

#[cfg(feature = "lazy-part")]
static LOADED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Whether the part's functions can be called (always, without the `lazy-part` feature).
pub fn loaded() -> bool {
    #[cfg(feature = "lazy-part")]
    return LOADED.load(std::sync::atomic::Ordering::Relaxed);
    #[cfg(not(feature = "lazy-part"))]
    true
}

/// Mark the part as loaded: called once its module is instantiated (its functions are in the
/// table from then on).
#[cfg(target_arch = "wasm32")]
pub(crate) fn set_loaded() {
    #[cfg(feature = "lazy-part")]
    LOADED.store(true, std::sync::atomic::Ordering::Relaxed);
}

/// Proof that the part's functions can be called: what [`require`] gives, and what every root
/// takes, so that no root can be called without the check (the compiler says so).
#[derive(Clone, Copy)]
pub struct Loaded(());

/// [`Loaded`] when the part's functions can be called, else `PART_NOT_LOADED` naming what needs it.
pub fn require(what: &str) -> Result<Loaded> {
    if loaded() {
        Ok(Loaded(()))
    } else {
        Err(Error::PartNotLoaded(format!(
            "{what} is in the lazily loaded part, not loaded yet"
        )))
    }
}

/// Run `f` as the part's code: `f` is called only from `call_in_part`, a root, so its body
/// goes to the part (the methods of objects that only the part makes, a CACAO session's).
pub fn call<R>(loaded: Loaded, f: impl FnOnce() -> R) -> R {
    call_in_part(loaded, f)
}

/// The part's root for [`call`] (every instance; never inlined).
#[inline(never)]
fn call_in_part<R, F: FnOnce() -> R>(_: Loaded, f: F) -> R {
    f()
}

/// Run `fut` as the part's code: its own future is polled only through `poll_in_part`, a root,
/// so the code of an `async` block or function goes to the part as a synchronous root's would.
pub async fn run<F: Future>(loaded: Loaded, fut: F) -> F::Output {
    PartPoll(loaded, Box::pin(fut)).await
}

/// `fut`, polled through [`poll_in_part`].
struct PartPoll<F>(Loaded, Pin<Box<F>>);

impl<F: Future> Future for PartPoll<F> {
    type Output = F::Output;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let loaded = self.0;
        poll_in_part(loaded, &mut self.1, cx)
    }
}

/// The part's root for [`run`] (every instance; never inlined: `scripts/split-part.mjs` finds
/// them by name): the only caller of each future's own code.
#[inline(never)]
fn poll_in_part<F: Future>(
    _: Loaded,
    fut: &mut Pin<Box<F>>,
    cx: &mut Context<'_>,
) -> Poll<F::Output> {
    fut.as_mut().poll(cx)
}
